"""Distances between histograms of the distribution metrics (ILD, IPD, panning index)."""

from __future__ import annotations

import numpy as np


def weighted_histogram(values: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Histogram `[len(edges) - 1]` of `values` weighted by `weights`, normalised to sum 1.

    Values outside the edges are clipped into the end bins. All-zero weights give a uniform
    histogram (no information), so distances stay finite.
    """
    values = np.clip(np.ravel(values), edges[0], edges[-1])
    hist, _ = np.histogram(values, bins=edges, weights=np.ravel(weights))
    total = hist.sum()
    if total <= 0:
        return np.full(len(edges) - 1, 1.0 / (len(edges) - 1))
    return hist / total


def wasserstein_1(hist_a: np.ndarray, hist_b: np.ndarray, bin_width: float) -> float:
    """Earth mover's distance W1 between two histograms on the same uniform bins, in value units.

        W1 = bin_width * sum_k | CDF_a[k] - CDF_b[k] |
    """
    return float(bin_width * np.sum(np.abs(np.cumsum(hist_a) - np.cumsum(hist_b))))


def circular_wasserstein_1(hist_a: np.ndarray, hist_b: np.ndarray, bin_width: float) -> float:
    """W1 between two histograms on a circle (uniform bins covering one turn), in value units.

        W1 = bin_width * min_c sum_k | CDF_a[k] - CDF_b[k] - c |,  attained at c = median(CDF_a - CDF_b)
    """
    diff = np.cumsum(hist_a) - np.cumsum(hist_b)
    return float(bin_width * np.sum(np.abs(diff - np.median(diff))))


def total_variation(hist_a: np.ndarray, hist_b: np.ndarray) -> float:
    """Total-variation distance 0.5 * sum |a - b|, in [0, 1]."""
    return float(0.5 * np.sum(np.abs(hist_a - hist_b)))
