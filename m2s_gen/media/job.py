"""One file end to end: probe, decode in blocks, upmix chunk by chunk, write by extension (or remux a
video), through a temporary file and a rename. Shared by ``m2s upmix`` and :meth:`Upmixer.upmix_file`."""
from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..audio_io import AudioFileError, atomic_output
from .. import streaming
from .formats import FormatError, VIDEO_WRITE, check_output, check_video_audio_codec
from .levels import gain_for, hot_input_warning, peak_dbfs
from .writer_thread import WriterThread

Say = Callable[[str], None]


@dataclass
class MediaOptions:
    """What ``m2s upmix`` options say about the files (the model's options are the caller's)."""
    audio_stream: int | None = None  # position among the input's audio streams (None: the first)
    bit_rate: int | None = None  # bits per second, lossy outputs (None: the format's default)
    subtype: str | None = None  # WAV: FLOAT, PCM_24, PCM_16; FLAC: PCM_24, PCM_16
    gain_db: float = 0.0  # scales the input before the upmix
    keep_original_audio: bool = False  # video outputs: the replaced stream is kept as a second track
    audio_codec: str | None = None  # video outputs: the upmix's codec (None: the input's where the container
    # takes it, else the container's default; see formats.VIDEO_AUDIO_CODECS)


@dataclass
class MediaResult:
    path: Path
    duration_s: float
    sample_rate: int
    channels: int
    input_peak_dbfs: float
    clipped: int = 0
    left_out: list[str] = field(default_factory=list)


def check_options(out_path: str | Path, options: MediaOptions) -> str:
    """Checks that need no input file: the output's extension and the options that apply to it.
    Returns the extension; raises :class:`FormatError`."""
    from .encode import check_subtype

    suffix = check_output(out_path)
    check_subtype(suffix, options.subtype)
    if options.keep_original_audio and suffix not in VIDEO_WRITE:
        raise FormatError(f"--keep-original-audio: only for video outputs ({', '.join(VIDEO_WRITE)}), "
                          f"not {suffix}")
    check_video_audio_codec(suffix, options.audio_codec)
    if not math.isfinite(options.gain_db) or abs(options.gain_db) > 60:
        raise FormatError(f"--gain-db: {options.gain_db:g} is outside -60..60")
    return suffix


def upmix_media(in_path: str | Path, out_path: str | Path, generate: streaming.Generate,
                options: MediaOptions | None = None, say: Say | None = None, progress: Callable | None = None,
                chunk_s: float | None = None, overlap_s: float | None = None) -> MediaResult:
    """Upmix the chosen audio stream of ``in_path`` into ``out_path``. ``generate(mono, rate, index)`` makes
    the stereo of chunk ``index``; ``say`` gets one-line notices; ``progress(total_s)`` returns a tqdm-like
    bar (``update(seconds)``, ``close()``) or is None. Raises :class:`AudioFileError` / :class:`FormatError`
    with one-line messages; ``out_path`` is complete or untouched."""
    from .decode import iter_blocks
    from .probe import probe
    from .timeline import TimelineReport

    options = options or MediaOptions()
    say = say or (lambda text: None)
    in_path, out_path = Path(in_path), Path(out_path)
    suffix = check_options(out_path, options)
    if in_path.exists() and out_path.exists() and os.path.samefile(in_path, out_path):
        raise AudioFileError(f"{in_path}: the output would overwrite the input")
    info = probe(in_path)
    stream = info.stream(options.audio_stream)
    if stream.channels == 2:
        say(f"{in_path}: stereo input, folded to mono (L+R)/2")
    elif stream.channels > 2:
        say(f"{in_path}: {stream.channels}-channel input, folded to mono (the mean of its channels)")
    gain = 10.0 ** (options.gain_db / 20.0)
    state = {"peak": 0.0, "warned": False, "out_peak": 0.0}

    def before_chunk(mono, index, last):
        peak = float(abs(mono).max()) if mono.size else 0.0
        state["peak"] = max(state["peak"], peak)
        if state["peak"] > 1.0 and not state["warned"]:
            state["warned"] = True
            say(hot_input_warning(str(in_path), state["peak"], at_least=not (index == 0 and last)))

    bar = progress(stream.duration_s) if progress is not None else None
    rate = stream.sample_rate
    repairs = TimelineReport()  # gaps and overlaps in the input's timestamps

    def upmix_into(write) -> int:
        """The stereo is encoded in a thread beside the model (:mod:`.writer_thread`)."""
        def write_and_count(stereo):
            if stereo.size:
                # no |stereo| copy: a chunk of stereo is over 100 MB
                state["out_peak"] = max(state["out_peak"], float(stereo.max()), -float(stereo.min()))
            write(stereo)
            if bar is not None:
                bar.update(stereo.shape[1] / rate)

        with WriterThread(write_and_count) as writer:
            blocks = iter_blocks(in_path, stream, report=repairs)
            return streaming.chunked_upmix(blocks, rate, generate, writer.write, chunk_s, overlap_s, gain=gain,
                                           before_chunk=before_chunk)

    try:
        if suffix in VIDEO_WRITE:
            num_samples, clipped, left_out = _to_video(in_path, info, stream, out_path, suffix, options, upmix_into)
        else:
            num_samples, clipped, left_out = _to_audio(info, stream, out_path, suffix, options, upmix_into)
    finally:
        if bar is not None:
            bar.close()
    for line in repairs.notices(str(in_path)):
        say(line)
    for line in left_out:
        say(f"{out_path}: left out {line}")
    if clipped:
        keeps_db = options.gain_db + gain_for(state["out_peak"])
        say(f"{out_path}: {clipped} samples clipped at full scale (the stereo peaks at "
            f"{peak_dbfs(state['out_peak']):+.1f} dBFS); try --gain-db {keeps_db:.1f}")
    return MediaResult(out_path, num_samples / rate, rate, stream.channels, peak_dbfs(state["peak"]), clipped,
                       left_out)


def _to_audio(info, stream, out_path: Path, suffix: str, options: MediaOptions, upmix_into):
    from .encode import AudioWriter

    with atomic_output(out_path) as tmp, _named_output(tmp, out_path):
        with AudioWriter(tmp, suffix, stream.sample_rate, 2, options.bit_rate, options.subtype, info.tags,
                         info.cover) as writer:
            num_samples = upmix_into(writer.write)
    return num_samples, writer.clipped, []


@contextlib.contextmanager
def _named_output(tmp: str | Path, out_path: Path):
    """Errors about the temporary file name the output instead."""
    try:
        yield
    except AudioFileError as err:
        text = str(err)
        if str(tmp) in text:
            raise AudioFileError(text.replace(str(tmp), str(out_path))) from None
        raise


def _to_video(in_path: Path, info, stream, out_path: Path, suffix: str, options: MediaOptions, upmix_into):
    """The stereo is encoded and the input's other streams copied as the chunks come (:class:`VideoRemux`,
    in the thread beside the model)."""
    from .remux import VideoRemux

    folder = out_path.parent if str(out_path.parent) else Path(".")
    if not folder.is_dir():
        raise AudioFileError(f"{out_path}: output folder {folder} does not exist")
    with atomic_output(out_path) as tmp, _named_output(tmp, out_path):
        remux = VideoRemux(in_path, stream, tmp, suffix, stream.sample_rate, options.bit_rate,
                           options.keep_original_audio, audio_codec=options.audio_codec)
        try:
            num_samples = upmix_into(remux.write)
        except BaseException:
            remux.abort()
            raise
        left_out = remux.close()
    return num_samples, remux.clipped, left_out
