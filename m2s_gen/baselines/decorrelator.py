"""Broadband decorrelator baseline: side = M through a random-phase, flat-magnitude FIR."""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

from ._mid_side import DEFAULT_WIDTH_DB, check_mono, compose_mid_side, scale_to_width

DECORRELATION_FILTER_MS = 20.0


def decorrelation_filter(sample_rate: int, seed: int = 0, length_ms: float = DECORRELATION_FILTER_MS) -> np.ndarray:
    """A noise-burst all-pass: `[N]` float64 FIR with unit DFT magnitude and random phase.

    Flat magnitude keeps the side's spectrum that of the mid (no colouring on the N-point grid);
    the random phase spreads each input sample over `length_ms`, which decorrelates the output
    from the input above roughly 1 / length_ms Hz. Unit energy.
    """
    num_taps = max(8, int(round(length_ms * 1e-3 * sample_rate)))
    rng = np.random.default_rng(seed)
    num_bins = num_taps // 2 + 1
    spectrum = np.exp(1j * rng.uniform(-np.pi, np.pi, num_bins))
    # DC (and Nyquist for even N) must be real for a real filter: a random sign keeps them all-pass.
    spectrum[0] = rng.choice([-1.0, 1.0])
    if num_taps % 2 == 0:
        spectrum[-1] = rng.choice([-1.0, 1.0])
    taps = np.fft.irfft(spectrum, n=num_taps)
    return taps / np.sqrt(np.sum(taps**2))


def decorrelated_copy(mid: np.ndarray, sample_rate: int, seed: int = 0) -> np.ndarray:
    """`mid` `[T]` filtered by `decorrelation_filter`, same length `[T]` (causal, truncated)."""
    if mid.shape[-1] == 0:
        return np.zeros_like(mid)
    taps = decorrelation_filter(sample_rate, seed)
    return fftconvolve(mid, taps, mode="full")[: mid.shape[-1]]


def decorrelator(
    mono: np.ndarray, sample_rate: int, seed: int = 0, width_db: float = DEFAULT_WIDTH_DB
) -> np.ndarray:
    """Fixed-width decorrelator: S = decorrelated copy of M scaled to `width_db` broadband S/M.

    L = M + S, R = M - S, so (L + R) / 2 = M exactly. Mid-preserving. The seed draws the
    decorrelation filter, so different seeds give different (equally wide) takes.

    Args:
        mono: `[T]` float mono signal.
        sample_rate: Hz.
        seed: draws the random-phase filter; same seed, same output.
        width_db: broadband side-to-mid energy ratio of the output, dB (default -7).

    Returns:
        `[2, T]` float32 stereo.
    """
    mid = check_mono(mono, sample_rate)
    side = decorrelated_copy(mid, sample_rate, seed)
    return compose_mid_side(mid, scale_to_width(side, mid, width_db))
