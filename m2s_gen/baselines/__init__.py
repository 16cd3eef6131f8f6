"""DSP stereoizers to compare the model against.

Every baseline is `fn(mono [T] float32, sample_rate: int, seed: int = 0) -> [2, T] float32`.
`BASELINES` is the one place that maps a name to its function; `MID_PRESERVING` says which keep
(L + R) / 2 equal to the input.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .decorrelator import decorrelator
from .ffmpeg_haas import BaselineUnavailable, ffmpeg_haas
from .freq_decorrelator import freq_decorrelator
from .haas import haas, haas_mid
from .passthrough import mono_passthrough

Baseline = Callable[[np.ndarray, int, int], np.ndarray]

BASELINES: dict[str, Baseline] = {
    "mono": mono_passthrough,
    "haas": haas,
    "haas_mid": haas_mid,
    "decorrelator": decorrelator,
    "freq_decorrelator": freq_decorrelator,
    "ffmpeg_haas": ffmpeg_haas,
}

#: Baselines whose fold-down (L + R) / 2 is the input itself.
MID_PRESERVING = frozenset({"mono", "haas_mid", "decorrelator", "freq_decorrelator"})

__all__ = ["BASELINES", "MID_PRESERVING", "Baseline", "BaselineUnavailable", *BASELINES]
