"""Fold-down error: how far the output's mid is from the mono input."""

from __future__ import annotations

import numpy as np

from ._spectral import DB_FLOOR, power_db


def fold_down_error_db(stereo: np.ndarray, mono: np.ndarray) -> float:
    """Energy of the fold-down error relative to the input, dB. Lower is better.

        error_db = 10 * log10( mean(((L' + R') / 2 - M)^2) / mean(M^2) )

    An exact mid gives -200 dB (the floor standing for -inf); float32 rounding gives about -150 dB.

    Args:
        stereo: `[2, T]` output (L', R').
        mono: `[T]` input M.
    """
    stereo = np.asarray(stereo, dtype=np.float64)
    mono = np.asarray(mono, dtype=np.float64)
    fold = 0.5 * (stereo[0] + stereo[1])
    return power_db(np.mean((fold - mono) ** 2), np.mean(mono**2), floor_db=DB_FLOOR)
