"""The `mono` baseline: the input on both channels."""

from __future__ import annotations

import numpy as np

from ._mid_side import check_mono, compose_mid_side


def mono_passthrough(mono: np.ndarray, sample_rate: int, seed: int = 0) -> np.ndarray:
    """L = R = M: no width at all. Mid-preserving (S = 0).

    Args:
        mono: `[T]` float mono signal.
        sample_rate: Hz (unused).
        seed: unused; accepted so every baseline has the same signature.

    Returns:
        `[2, T]` float32 stereo.
    """
    mid = check_mono(mono, sample_rate)
    return compose_mid_side(mid, np.zeros_like(mid))
