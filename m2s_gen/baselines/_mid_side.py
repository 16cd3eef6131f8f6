"""Shared helpers of the DSP baselines: mid/side composition, level matching, delays."""

from __future__ import annotations

import numpy as np

#: Broadband side-to-mid energy ratio of the fixed-width baselines. Real music sits around
#: -10 to -3 dB (the training music, docs/training.md); -7 dB was the best fixed width measured.
DEFAULT_WIDTH_DB = -7.0


def check_mono(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    """Validate a baseline's input and return it as float64 `[T]`.

    Raises:
        ValueError: `mono` is not one-dimensional or `sample_rate` is not positive.
    """
    mono = np.asarray(mono)
    if mono.ndim != 1:
        raise ValueError(f"mono must have shape [T], got {tuple(mono.shape)}")
    if int(sample_rate) <= 0:
        raise ValueError(f"sample_rate must be a positive number of Hz, got {sample_rate}")
    return np.nan_to_num(mono.astype(np.float64))


def compose_mid_side(mid: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Stereo `[2, T]` float32 from mid `[T]` and side `[T]`: L = M + S, R = M - S.

    Computed in float64 so that (L + R) / 2 equals the mid up to float32 rounding.
    """
    mid = np.asarray(mid, dtype=np.float64)
    side = np.asarray(side, dtype=np.float64)
    return np.stack([mid + side, mid - side]).astype(np.float32)


def scale_to_width(side: np.ndarray, mid: np.ndarray, width_db: float) -> np.ndarray:
    """Scale `side` `[T]` so that mean(side^2) / mean(mid^2) = 10^(width_db / 10).

    A silent mid or side gives a silent side (no division by zero).
    """
    side_energy = float(np.mean(np.square(side))) if side.size else 0.0
    mid_energy = float(np.mean(np.square(mid))) if mid.size else 0.0
    if side_energy <= 1e-30 or mid_energy <= 1e-30:
        return np.zeros_like(side)
    gain = np.sqrt(10.0 ** (width_db / 10.0) * mid_energy / side_energy)
    return side * gain


def delay(signal: np.ndarray, delay_samples: int) -> np.ndarray:
    """`signal` `[T]` delayed by `delay_samples` (zeros shifted in), same length."""
    out = np.zeros_like(signal)
    if delay_samples < signal.shape[-1]:
        out[delay_samples:] = signal[: signal.shape[-1] - delay_samples]
    return out
