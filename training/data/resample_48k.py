"""Resampling of ``[C, T]`` audio to 48 kHz with a polyphase filter (scipy ``resample_poly``)."""

from __future__ import annotations

from math import gcd

import numpy as np
from scipy.signal import resample_poly

TARGET_SAMPLE_RATE_HZ = 48_000


def resample_ratio(source_rate_hz: int, target_rate_hz: int = TARGET_SAMPLE_RATE_HZ) -> tuple[int, int]:
    """Integer ``(up, down)`` factors, reduced by their gcd (44.1 kHz -> 48 kHz: 160/147)."""
    g = gcd(int(source_rate_hz), int(target_rate_hz))
    return int(target_rate_hz) // g, int(source_rate_hz) // g


def resample_to_48k(audio: np.ndarray, source_rate_hz: int,
                    target_rate_hz: int = TARGET_SAMPLE_RATE_HZ) -> np.ndarray:
    """Resample ``audio`` ``[C, T]`` from ``source_rate_hz`` to ``target_rate_hz``.

    Returns float32 ``[C, ceil(T * up / down)]``; a copy-free cast when the rates match.
    Channels are processed one at a time to bound memory.
    """
    if audio.ndim != 2:
        raise ValueError(f"expected audio [C, T], got shape {audio.shape}")
    up, down = resample_ratio(source_rate_hz, target_rate_hz)
    if up == down:
        return audio.astype(np.float32, copy=False)
    return np.stack([resample_poly(channel, up, down).astype(np.float32, copy=False)
                     for channel in audio])
