"""Stereo tracks for training: the prepared data set (memory-mapped) or synthetic ones."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .config import DataConfig
from .synthetic import synthetic_track


def open_tracks(cfg: DataConfig, split: str) -> list[tuple[str, np.ndarray]]:
    """``[(name, audio [2, T] at 48 kHz), ...]`` of ``split`` ("train" or "validation")."""
    if cfg.source == "synthetic":
        offset = 0 if split == "train" else 10_000
        count = cfg.synthetic_tracks if split == "train" else max(1, cfg.synthetic_tracks // 4)
        return [(f"synthetic/{i}", synthetic_track(cfg.synthetic_seconds, seed=offset + i)) for i in range(count)]
    if cfg.source == "npy_folder":
        return _npy_folder_tracks(cfg, split)
    if cfg.source != "prepared":
        raise ValueError(f"data.source must be 'prepared', 'npy_folder' or 'synthetic', got {cfg.source!r}")
    import datasets

    root = Path(cfg.prepared_dir)
    if not (root / "dataset").is_dir():
        raise FileNotFoundError(f"{root / 'dataset'}: no prepared data set (run python -m training.data.prepare)")
    table = datasets.load_from_disk(str(root / "dataset"))[split]
    tracks = [(f"{pkg}/{Path(path).stem}", np.load(root / path, mmap_mode="r"))
              for path, pkg in zip(table["path"], table["package"])]
    return tracks[: cfg.max_tracks] if cfg.max_tracks else tracks


def _npy_folder_tracks(cfg: DataConfig, split: str) -> list[tuple[str, np.ndarray]]:
    """Tracks of a folder ``PACKAGE/NAME.npy``; the split is by package (``validation_packages``)."""
    files = sorted(Path(cfg.npy_folder).glob("*/*.npy"))
    if not files:
        raise FileNotFoundError(f"{cfg.npy_folder}: no PACKAGE/NAME.npy files")
    held_out = set(cfg.validation_packages)
    chosen = [f for f in files if (f.parent.name in held_out) == (split == "validation")]
    tracks = [(f"{f.parent.name}/{f.stem}", np.load(f, mmap_mode="r")) for f in chosen]
    return tracks[: cfg.max_tracks] if cfg.max_tracks else tracks


def random_crops(tracks: list[tuple[str, np.ndarray]], batch_size: int, num_samples: int,
                 rng: np.random.Generator, gain_db_range: float = 0.0, flip_side: bool = True) -> np.ndarray:
    """``[batch_size, 2, num_samples]`` float32 crops, tracks drawn in proportion to their length;
    augmented with a random gain (+-``gain_db_range`` dB) and, with ``flip_side``, L<->R swaps
    (the side's polarity), which are as real a stereo image as the original."""
    lengths = np.array([audio.shape[-1] for _, audio in tracks], dtype=np.float64)
    picks = rng.choice(len(tracks), size=batch_size, p=lengths / lengths.sum())
    out = np.zeros((batch_size, 2, num_samples), dtype=np.float32)
    for row, k in enumerate(picks):
        audio = tracks[k][1]
        start = int(rng.integers(0, max(1, audio.shape[-1] - num_samples)))
        crop = np.asarray(audio[:, start:start + num_samples], dtype=np.float32)
        out[row, :, : crop.shape[-1]] = crop
        out[row] *= 10 ** (rng.uniform(-gain_db_range, gain_db_range) / 20)
        if flip_side and rng.random() < 0.5:
            out[row] = out[row, ::-1]
    return out
