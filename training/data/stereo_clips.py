"""Readers of the prepared data: random stereo crops for training, whole tracks for latents.

``split_dir`` is one split of the saved DatasetDict, e.g. ``data/prepared/dataset/train``;
its ``path`` column is relative to the preparation folder (``split_dir/../..``).  Audio is
48 kHz float16 ``[2, T]`` ``.npy``, read through ``np.load(mmap_mode="r")``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

SAMPLE_RATE_HZ = 48_000


def _default_audio_root(split_dir: str | os.PathLike) -> Path:
    return Path(split_dir).resolve().parent.parent


def _load_columns(split_dir: str | os.PathLike) -> dict[str, list]:
    import datasets

    ds = datasets.load_from_disk(str(split_dir))
    if isinstance(ds, datasets.DatasetDict):
        raise ValueError(f"{split_dir} is a DatasetDict; pass one split, e.g. {split_dir}/train")
    keys = ("path", "package", "name", "num_samples")
    if len(ds) == 0:  # column access on an empty Dataset raises in datasets 5.x
        return {key: [] for key in keys}
    return {key: ds[key] for key in keys}


class StereoClips(torch.utils.data.Dataset):
    """Random stereo crops ``[2, segment_samples]`` float32 at 48 kHz from one split.

    Item ``index`` draws, from ``np.random.default_rng([seed, epoch, index])`` and always in
    this order: the track (weighted by duration, or ``index % n_tracks``), the crop start,
    the gain and the flip decision.  The same (seed, epoch, index) thus gives the same crop,
    whatever the augmentation options.  Tracks shorter than a segment are zero-padded.

    Args:
        split_dir: saved split folder (``.../dataset/train``).
        segment_samples: crop length in 48 kHz samples.
        items_per_epoch: ``len()`` of the dataset (default: number of tracks).
        seed: base seed.
        gain_db_range: ``(low_db, high_db)`` uniform random gain, or None for none.
        side_flip_p: probability of swapping L and R (negates S = (L-R)/2, keeps M).
        weight_by_duration: pick tracks proportionally to their length (else round-robin).
        audio_root: folder the ``path`` column is relative to (default ``split_dir/../..``).
    """

    def __init__(self, split_dir: str | os.PathLike, segment_samples: int,
                 items_per_epoch: int | None = None, seed: int = 0,
                 gain_db_range: tuple[float, float] | None = None, side_flip_p: float = 0.0,
                 weight_by_duration: bool = True, audio_root: str | os.PathLike | None = None):
        if segment_samples <= 0:
            raise ValueError("segment_samples must be positive")
        columns = _load_columns(split_dir)
        if not columns["path"]:
            raise ValueError(f"{split_dir}: empty split")
        root = Path(audio_root) if audio_root is not None else _default_audio_root(split_dir)
        self.paths = [str(root / p) for p in columns["path"]]
        self.packages: list[str] = columns["package"]
        self.names: list[str] = columns["name"]
        self.num_samples = np.asarray(columns["num_samples"], dtype=np.int64)
        self.segment_samples = int(segment_samples)
        self.items_per_epoch = int(items_per_epoch) if items_per_epoch is not None else len(self.paths)
        self.seed = int(seed)
        self.epoch = 0
        self.gain_db_range = tuple(gain_db_range) if gain_db_range is not None else None
        self.side_flip_p = float(side_flip_p)
        self.weight_by_duration = weight_by_duration
        self._cumulative = np.cumsum(self.num_samples)
        self._arrays: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return self.items_per_epoch

    def set_epoch(self, epoch: int) -> None:
        """Change the crops drawn for every index (call once per epoch)."""
        self.epoch = int(epoch)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_arrays"] = {}  # memmaps are reopened lazily in each worker
        return state

    def _array(self, track: int) -> np.ndarray:
        array = self._arrays.get(track)
        if array is None:
            array = np.load(self.paths[track], mmap_mode="r")
            if array.ndim != 2 or array.shape[0] != 2:
                raise ValueError(f"{self.paths[track]}: expected [2, T], got {array.shape}")
            self._arrays[track] = array
        return array

    def crop_position(self, index: int) -> tuple[int, int, float, bool]:
        """``(track index, start sample, gain dB, flipped)`` of item ``index``."""
        rng = np.random.default_rng([self.seed, self.epoch, int(index)])
        u_track, u_start, u_gain, u_flip = rng.random(4)
        if self.weight_by_duration:
            target = u_track * self._cumulative[-1]
            track = int(np.searchsorted(self._cumulative, target, side="right"))
            track = min(track, len(self.paths) - 1)
        else:
            track = int(index) % len(self.paths)
        room = int(self.num_samples[track]) - self.segment_samples
        start = int(u_start * (room + 1)) if room > 0 else 0
        gain_db = 0.0
        if self.gain_db_range is not None:
            low, high = self.gain_db_range
            gain_db = float(low + u_gain * (high - low))
        flipped = bool(u_flip < self.side_flip_p)
        return track, start, gain_db, flipped

    def __getitem__(self, index: int) -> torch.Tensor:
        """Crop ``[2, segment_samples]`` float32 of item ``index``."""
        if not 0 <= index < len(self):
            raise IndexError(index)
        track, start, gain_db, flipped = self.crop_position(index)
        array = self._array(track)
        clip = np.zeros((2, self.segment_samples), dtype=np.float32)
        piece = array[:, start:start + self.segment_samples]
        clip[:, :piece.shape[1]] = piece
        if gain_db:
            clip *= np.float32(10.0 ** (gain_db / 20.0))
        if flipped:
            clip = clip[::-1].copy()
        return torch.from_numpy(clip)


def iter_tracks(split_dir: str | os.PathLike,
                audio_root: str | os.PathLike | None = None) -> Iterator[tuple[str, str, torch.Tensor]]:
    """Yield ``(package, name, audio)`` for every track of a split, audio ``[2, T]`` float32 48 kHz."""
    columns = _load_columns(split_dir)
    root = Path(audio_root) if audio_root is not None else _default_audio_root(split_dir)
    for rel, package, name in zip(columns["path"], columns["package"], columns["name"]):
        audio = np.load(root / rel).astype(np.float32)
        yield package, name, torch.from_numpy(audio)
