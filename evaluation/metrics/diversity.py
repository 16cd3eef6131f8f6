"""Diversity across seeds: how different the takes of one system on one input are."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from .side_mel import log_mel_l1, mean_mel_power, side_log_mel


def seed_diversity(takes: list[np.ndarray], mono: np.ndarray, sample_rate: int) -> float:
    """Mean pairwise side log-mel distance between takes `[2, T]` made with different seeds.

        diversity = mean_{i < j} side_mel_distance(take_i, take_j)   (floor from the input M)

    0 for a deterministic system; higher = more varied takes (not better in itself: read it
    beside the side log-mel distance to the reference). NaN with fewer than two takes.
    """
    pairs = list(combinations(range(len(takes)), 2))
    if not pairs:
        return float("nan")
    mid_mean = mean_mel_power(np.asarray(mono, dtype=np.float64), sample_rate)
    log_mels = [side_log_mel(take, sample_rate, mid_mean) for take in takes]
    return float(np.mean([log_mel_l1(log_mels[i], log_mels[j]) for i, j in pairs]))
