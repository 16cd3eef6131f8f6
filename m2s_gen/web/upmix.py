"""One upmix for the page: the takes, the best DSP baseline and the fold-down, written as files beside
their plots in a folder of the visitor's session."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

from m2s_gen.audio_io import write_audio_atomic
from m2s_gen.baselines import BASELINES

from .controls import Controls
from .inputs import Upload
from .plots import make_plots

#: download format -> extension (written as m2s_gen.audio_io.WRITE_FORMATS says: 32-bit float WAV,
#: 24-bit FLAC). The players get the float WAVs: lossless, so the fold-down played is the input itself.
DOWNLOAD_FORMATS = {"WAV": ".wav", "FLAC": ".flac", "MP3": ".mp3", "M4A": ".m4a"}

Progress = Callable[[float, str], None]


@dataclass
class UpmixResult:
    name: str  # the uploaded file's name
    stem: str  # safe base name of the downloads
    sample_rate: int
    folder: Path
    controls: Controls
    baseline: str
    players: dict[str, Path]  # label -> WAV, in the order the page shows them
    takes: list[Path]  # the model's takes, float WAV: the players and the WAV downloads
    plots: dict[str, Path]
    fold_down_error_db: float  # max |(L + R) / 2 - input| over the takes, dB re full scale
    original: Path | None = None
    video: Path | None = None  # the uploaded video, when it was one
    video_problem: str | None = None  # why the video with the stereo track is not offered
    downloads_made: dict[str, list[Path]] = field(default_factory=dict)

    def systems(self) -> dict[str, list[Path]]:
        """What a blind test can compare: system name -> its files (one per take for the model)."""
        out = {"model": list(self.takes), self.baseline: [self.players[baseline_label(self.baseline)]]}
        if self.original is not None:
            out["original"] = [self.original]
        return out


def baseline_label(name: str) -> str:
    return f"baseline ({name})"


def fold_down_error_db(stereo: np.ndarray, mono: np.ndarray) -> float:
    """20 log10 max |(L + R) / 2 - mono| (-200 for an exact fold-down)."""
    error = float(np.max(np.abs((stereo[..., 0, :].astype(np.float64) + stereo[..., 1, :]) / 2 - mono)))
    return 20 * np.log10(max(error, 1e-10))


def run_upmix(upmixer, upload: Upload, controls: Controls, folder: Path, baseline: str,
              progress: Progress | None = None) -> UpmixResult:
    """Upmix ``upload`` with ``controls`` into ``folder`` (created; the caller owns and removes it).

    ``upmixer`` is an :class:`m2s_gen.Upmixer` (called with ``progress=True``: its tqdm bar is what
    the page tracks); ``baseline`` a key of :data:`m2s_gen.baselines.BASELINES`.
    """
    say = progress or (lambda fraction, text: None)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    mono, rate, stem = upload.mono, upload.sample_rate, upload.stem
    players: dict[str, Path] = {"input": _write(folder / f"{stem}_input.wav", mono[None], rate)}
    # 1. the model: every take in one call
    say(0.05, f"upmixing {upload.name} ({controls.num_takes} take(s))")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = upmixer(mono, rate, progress=True, **controls.upmixer_kwargs())
    stereo = np.asarray(out.cpu().numpy() if hasattr(out, "cpu") else out, dtype=np.float32)
    takes = stereo.reshape(-1, 2, mono.shape[-1])
    take_paths = []
    for k, take in enumerate(takes):
        take_paths.append(_write(folder / f"{stem}_m2s_take{k + 1}.wav", take, rate))
        players[f"take {k + 1}"] = take_paths[-1]
    # 2. the best DSP baseline, same seed
    say(0.8, f"baseline {baseline}")
    baseline_stereo = np.asarray(BASELINES[baseline](mono, rate, controls.seed), dtype=np.float32)
    players[baseline_label(baseline)] = _write(folder / f"{stem}_{baseline}.wav", baseline_stereo, rate)
    original = None
    if upload.original is not None:
        original = players["original"] = _write(folder / f"{stem}_original.wav", upload.original, rate)
    # 3. the fold-down of the first take: what a mono listener hears
    players["fold-down (L+R)/2 of take 1"] = _write(folder / f"{stem}_take1_folddown.wav",
                                                     takes[0].mean(0, keepdims=True), rate)
    # 4. plots
    say(0.9, "plots")
    plots = make_plots(mono, list(takes), (baseline, baseline_stereo), upload.original, rate, folder)
    return UpmixResult(name=upload.name, stem=stem, sample_rate=rate, folder=folder, controls=controls,
                       baseline=baseline, players=players, takes=take_paths, plots=plots,
                       fold_down_error_db=fold_down_error_db(takes, mono), original=original, video=upload.video)


def downloads(result: UpmixResult, fmt: str) -> list[Path]:
    """The takes as ``fmt`` ("WAV": 32-bit float, "FLAC": 24-bit, "MP3" 320k, "M4A": AAC 256k), written on
    first request."""
    if fmt not in DOWNLOAD_FORMATS:
        raise ValueError(f"format must be one of {', '.join(DOWNLOAD_FORMATS)}, got {fmt!r}")
    if fmt not in result.downloads_made:
        suffix = DOWNLOAD_FORMATS[fmt]
        paths = []
        for take in result.takes:
            target = take.with_suffix(suffix)
            if target != take:
                audio, rate = sf.read(str(take), dtype="float32", always_2d=True)
                if suffix in (".mp3", ".m4a"):  # lossy: MP3 320k, AAC 256k, through a temporary file
                    from m2s_gen.audio_io import atomic_output
                    from m2s_gen.media.encode import AudioWriter

                    with atomic_output(target) as tmp, AudioWriter(tmp, suffix, rate) as writer:
                        writer.write(audio.T)
                else:
                    _write(target, audio.T, rate)
            paths.append(target)
        if result.video is not None and result.video_problem is None:
            from m2s_gen.audio_io import AudioFileError

            try:
                paths.append(video_download(result))
            except AudioFileError as err:  # e.g. a video codec no output container takes: the audio stays
                result.video_problem = str(err).replace(str(result.video), result.name)
        result.downloads_made[fmt] = paths
    return result.downloads_made[fmt]


def video_download(result: UpmixResult) -> Path:
    """The uploaded video with its first audio stream replaced by the first take (every other stream
    copied as it is), in the upload's container when it is one we write, else MKV; made once."""
    from m2s_gen.audio_io import atomic_output
    from m2s_gen.media.formats import VIDEO_WRITE
    from m2s_gen.media.probe import probe
    from m2s_gen.media.remux import remux_with_audio

    suffix = result.video.suffix.lower() if result.video.suffix.lower() in VIDEO_WRITE else ".mkv"
    target = result.folder / f"{result.stem}_stereo{suffix}"
    if not target.exists():
        with atomic_output(target) as tmp:
            remux_with_audio(result.video, probe(result.video).stream(0), result.takes[0], tmp, suffix)
    return target


def _write(path: Path, audio: np.ndarray, rate: int) -> Path:
    """``audio`` ``[C, T]`` -> ``path`` (WAV float or FLAC 24-bit by extension), atomically."""
    write_audio_atomic(path, np.asarray(audio, dtype=np.float32), rate)
    return path
