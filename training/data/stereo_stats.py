"""Broadband stereo statistics of a track ``[2, T]``: side-to-mid ratio and L/R correlation.

M = (L + R) / 2 and S = (L - R) / 2.  Sums are accumulated in float64 over chunks so that
hour-long float32 tracks need no float64 copy.
"""

from __future__ import annotations

import math

import numpy as np

CHUNK_SAMPLES = 1 << 20


def _channel_sums(audio: np.ndarray) -> tuple[float, float, float, float, float]:
    """Return ``(sum L, sum R, sum L^2, sum R^2, sum L*R)`` of ``audio`` ``[2, T]``."""
    if audio.ndim != 2 or audio.shape[0] != 2:
        raise ValueError(f"expected stereo audio [2, T], got shape {audio.shape}")
    sl = sr = sll = srr = slr = 0.0
    for start in range(0, audio.shape[1], CHUNK_SAMPLES):
        left = audio[0, start:start + CHUNK_SAMPLES].astype(np.float64)
        right = audio[1, start:start + CHUNK_SAMPLES].astype(np.float64)
        sl += float(left.sum())
        sr += float(right.sum())
        sll += float(left @ left)
        srr += float(right @ right)
        slr += float(left @ right)
    return sl, sr, sll, srr, slr


def _side_to_mid_from_sums(sums: tuple[float, float, float, float, float]) -> float:
    _, _, sll, srr, slr = sums
    mid = max((sll + srr + 2.0 * slr) / 4.0, 0.0)
    side = max((sll + srr - 2.0 * slr) / 4.0, 0.0)
    if mid <= 0.0:
        return math.inf if side > 0.0 else math.nan
    if side <= 0.0:
        return -math.inf
    return 10.0 * math.log10(side / mid)


def _correlation_from_sums(sums: tuple[float, float, float, float, float], n: int) -> float:
    sl, sr, sll, srr, slr = sums
    if n == 0:
        return math.nan
    cov = slr - sl * sr / n
    var_l = sll - sl * sl / n
    var_r = srr - sr * sr / n
    if var_l <= 0.0 or var_r <= 0.0:
        return math.nan
    return float(np.clip(cov / math.sqrt(var_l * var_r), -1.0, 1.0))


def side_to_mid_db(audio: np.ndarray) -> float:
    """Side-to-mid energy ratio in dB of ``audio`` ``[2, T]``.

    -inf for dual-mono (L == R), +inf when the mid is silent but not the side, nan for
    digital silence.  Real music sits around -10 to -3 dB.
    """
    return _side_to_mid_from_sums(_channel_sums(audio))


def lr_correlation(audio: np.ndarray) -> float:
    """Pearson correlation of the left and right channels of ``audio`` ``[2, T]``.

    nan when a channel is constant.
    """
    return _correlation_from_sums(_channel_sums(audio), audio.shape[1])


def stereo_statistics(audio: np.ndarray) -> tuple[float, float]:
    """``(side_to_mid_db, lr_correlation)`` of ``audio`` ``[2, T]`` in one pass."""
    sums = _channel_sums(audio)
    return _side_to_mid_from_sums(sums), _correlation_from_sums(sums, audio.shape[1])
