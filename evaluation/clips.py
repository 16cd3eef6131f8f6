"""The evaluation protocol's data: 10 s stereo clips with their mono fold-down.

Two sources are accepted by `iter_clips(data_dir)` (and `find_tracks`):

- a prepared dataset: a `datasets` DatasetDict saved with `save_to_disk`, at `DIR/dataset` or at
  `DIR` itself, whose rows have `path` (a float16 `.npy` array `[2, T]` at 48 kHz, relative to
  the folder holding the `dataset` folder, e.g. data/prepared) and `package`; the `validation`
  split is used (or `--split`);
- any folder of stereo audio files that soundfile reads (searched recursively; mono files and
  files with more than two channels are skipped).

Clip positions are deterministic: each track is cut into non-overlapping `clip_s` windows, tried
in an order that spreads over the track; near-mono (S/M < -20 dB) and silent windows are
skipped (trying from the middle of the track); at most `clips_per_track` are kept. Tracks are visited in an order spread over the
sorted list, so that a small `max_clips` still covers many tracks and packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import soundfile as sf

PREPARED_SAMPLE_RATE = 48000
SPLIT_NAMES = ("validation", "valid", "val", "test")
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".opus", ".oga", ".aif", ".aiff", ".mp3"}
MIN_WIDTH_DB = -20.0
SILENCE_DBFS = -60.0


class DataError(ValueError):
    """The --data directory is missing or holds no usable stereo audio."""


@dataclass
class Clip:
    """One evaluation clip: reference stereo `[2, T]`, its mono M = (L + R) / 2 `[T]` (float32)."""

    clip_id: str
    reference: np.ndarray
    mono: np.ndarray
    sample_rate: int
    source: str
    start_s: float


@dataclass
class Track:
    """A stereo track: `read(start, stop)` returns float32 `[2, stop - start]`."""

    track_id: str
    source: str
    num_samples: int
    sample_rate: int
    read: Callable[[int, int], np.ndarray]


def spread_order(count: int) -> list[int]:
    """0..count-1 in bit-reversed order: every prefix is spread evenly over the range."""
    if count <= 0:
        return []
    bits = max(1, int(np.ceil(np.log2(count))))
    order = [int(format(i, f"0{bits}b")[::-1], 2) for i in range(2**bits)]
    return [i for i in order if i < count]


def _npy_track(root: Path, relative: str, package: str) -> Track:
    path = root / relative
    array = np.load(path, mmap_mode="r")
    if array.ndim != 2 or array.shape[0] != 2:
        raise DataError(f"{path}: expected a [2, T] array, got {tuple(array.shape)}")
    return Track(f"{package}/{Path(relative).stem}", str(path), int(array.shape[1]), PREPARED_SAMPLE_RATE,
                 lambda start, stop: np.asarray(array[:, start:stop], dtype=np.float32))


def _prepared_tracks(dataset_dir: Path, split: str | None) -> list[Track]:
    from datasets import load_from_disk  # heavy import, only for this source

    dataset = load_from_disk(str(dataset_dir))
    names = list(dataset.keys()) if hasattr(dataset, "keys") else []
    wanted = [split] if split else [name for name in SPLIT_NAMES if name in names]
    if not names:  # a single Dataset, not a DatasetDict
        rows = dataset
    elif wanted and wanted[0] in names:
        rows = dataset[wanted[0]]
    else:
        raise DataError(f"{dataset_dir}: no split {split or '/'.join(SPLIT_NAMES)} (has {', '.join(names)})")
    root = dataset_dir.parent
    packages = rows["package"] if "package" in rows.column_names else [""] * len(rows)
    seen = dict.fromkeys(zip(rows["path"], packages))
    return [_npy_track(root, path, package) for path, package in sorted(seen)]


def _audio_track(path: Path, folder: Path) -> Track | None:
    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.LibsndfileError):
        return None
    if info.channels != 2:
        return None

    def read(start: int, stop: int) -> np.ndarray:
        audio, _ = sf.read(str(path), start=start, stop=stop, dtype="float32", always_2d=True)
        return np.ascontiguousarray(audio.T)

    return Track(str(path.relative_to(folder).with_suffix("")), str(path), int(info.frames), int(info.samplerate), read)


def find_tracks(data_dir: str | Path, split: str | None = None) -> list[Track]:
    """The stereo tracks of a prepared dataset dir or of a folder of audio files, sorted by id.

    Raises:
        DataError: `data_dir` does not exist, or holds no stereo track.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"--data {data_dir}: not a directory")
    for candidate in (data_dir / "dataset", data_dir):
        if (candidate / "dataset_dict.json").is_file() or (candidate / "dataset_info.json").is_file():
            tracks = _prepared_tracks(candidate, split)
            break
    else:
        files = sorted(p for p in data_dir.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
        tracks = [t for t in (_audio_track(p, data_dir) for p in files) if t is not None]
    if not tracks:
        raise DataError(f"--data {data_dir}: no stereo audio found (expected a prepared dataset or stereo audio files)")
    return sorted(tracks, key=lambda t: t.track_id)


def _usable(reference: np.ndarray, min_width_db: float) -> bool:
    """Not silent (mid RMS >= -60 dBFS) and not near-mono (S/M >= min_width_db)."""
    mid = 0.5 * (reference[0].astype(np.float64) + reference[1])
    side = 0.5 * (reference[0].astype(np.float64) - reference[1])
    mid_power = float(np.mean(mid**2))
    if mid_power < 10.0 ** (SILENCE_DBFS / 10.0):
        return False
    return float(np.mean(side**2)) >= 10.0 ** (min_width_db / 10.0) * mid_power


def iter_clips(
    data: str | Path | list[Track],
    clip_s: float = 10.0,
    clips_per_track: int = 2,
    max_clips: int | None = None,
    split: str | None = None,
    min_width_db: float = MIN_WIDTH_DB,
) -> Iterator[Clip]:
    """Yield evaluation clips (see the module docstring for the protocol); deterministic.

    `data` is a directory (see `find_tracks`) or the tracks it found. Tracks shorter than
    `clip_s` are skipped.
    """
    yielded = 0
    tracks = data if isinstance(data, list) else find_tracks(data, split)
    for track_index in spread_order(len(tracks)):
        track = tracks[track_index]
        clip_len = int(round(clip_s * track.sample_rate))
        num_windows = track.num_samples // clip_len if clip_len > 0 else 0
        kept = 0
        # Spread from the middle of the track outwards: intros and fades are tried last.
        for window in ((w + num_windows // 2) % num_windows for w in spread_order(num_windows)):
            if kept >= clips_per_track or (max_clips is not None and yielded >= max_clips):
                break
            start = window * clip_len
            reference = track.read(start, start + clip_len)
            if reference.shape != (2, clip_len) or not _usable(reference, min_width_db):
                continue
            mono = (0.5 * (reference[0].astype(np.float64) + reference[1])).astype(np.float32)
            start_s = start / track.sample_rate
            yield Clip(f"{track.track_id}@{start_s:.1f}s", reference, mono, track.sample_rate, track.source, start_s)
            kept += 1
            yielded += 1
        if max_clips is not None and yielded >= max_clips:
            return


def load_clips(data: str | Path | list[Track], **kwargs) -> list[Clip]:
    """`list(iter_clips(data, **kwargs))`."""
    return list(iter_clips(data, **kwargs))
