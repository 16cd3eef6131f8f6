"""Haas-effect baselines: one channel delayed by ~15 ms."""

from __future__ import annotations

import numpy as np

from ._mid_side import DEFAULT_WIDTH_DB, check_mono, compose_mid_side, delay, scale_to_width

HAAS_DELAY_MS = 15.0


def haas(mono: np.ndarray, sample_rate: int, seed: int = 0) -> np.ndarray:
    """Classic Haas: L = M, R = M delayed by 15 ms. NOT mid-preserving.

    The fold-down (L + R) / 2 is a comb-filtered copy of the input, so the mid changes.
    Kept as the textbook reference, not as a fair competitor of mid-preserving systems.

    Args:
        mono: `[T]` float mono signal.
        sample_rate: Hz.
        seed: unused (deterministic).

    Returns:
        `[2, T]` float32 stereo.
    """
    mid = check_mono(mono, sample_rate)
    delay_samples = int(round(HAAS_DELAY_MS * 1e-3 * sample_rate))
    return np.stack([mid, delay(mid, delay_samples)]).astype(np.float32)


def haas_mid(
    mono: np.ndarray, sample_rate: int, seed: int = 0, width_db: float = DEFAULT_WIDTH_DB
) -> np.ndarray:
    """Mid-preserving Haas: S = g * (M - M delayed by 15 ms) / 2, L = M + S, R = M - S.

    The side is the Haas side signal, scaled so that the broadband S/M is `width_db`;
    (L + R) / 2 = M exactly. Mid-preserving.

    Args:
        mono: `[T]` float mono signal.
        sample_rate: Hz.
        seed: unused (deterministic).
        width_db: broadband side-to-mid energy ratio of the output, dB.

    Returns:
        `[2, T]` float32 stereo.
    """
    mid = check_mono(mono, sample_rate)
    delay_samples = int(round(HAAS_DELAY_MS * 1e-3 * sample_rate))
    side = 0.5 * (mid - delay(mid, delay_samples))
    return compose_mid_side(mid, scale_to_width(side, mid, width_db))
