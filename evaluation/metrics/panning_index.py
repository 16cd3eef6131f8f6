"""Avendano-Jot panning index: where in the stereo image each time-frequency bin sits."""

from __future__ import annotations

import numpy as np

from ._spectral import stft
from .distributions import wasserstein_1, weighted_histogram
from .spatial_cues import HIGHEST_HZ, LOWEST_HZ

PANNING_EDGES = np.linspace(-1.025, 1.025, 42)  # 41 bins of 0.05 centred on -1..1 (0 = centre bin)


def panning_index(left_tf: np.ndarray, right_tf: np.ndarray) -> np.ndarray:
    """Panning index Gamma per bin, in [-1, 1] (Avendano & Jot, 2004), same shape as the inputs.

        psi   = 2 |X_L X_R^*| / (|X_L|^2 + |X_R|^2)     (similarity, 1 = same level and phase)
        Gamma = (1 - psi) * sign(|X_L| - |X_R|)         (+ = towards the left, - = right, 0 = centre)

    A source amplitude-panned with gains (g_L, g_R) has psi = 2 g_L g_R / (g_L^2 + g_R^2).
    Anti-phase bins of equal level also get psi = 1 and Gamma = 0 (the index sees levels only).
    """
    power_l, power_r = np.abs(left_tf) ** 2, np.abs(right_tf) ** 2
    total = power_l + power_r
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = np.where(total > 0, 2.0 * np.abs(left_tf * np.conj(right_tf)) / total, 1.0)
    return (1.0 - similarity) * np.sign(power_l - power_r)


def panning_histogram(stereo: np.ndarray, sample_rate: int) -> np.ndarray:
    """Energy-weighted histogram `[41]` of the panning index over 44 Hz .. 22.6 kHz, summing to 1."""
    freqs_hz, spectra = stft(np.asarray(stereo, dtype=np.float64), sample_rate)
    rows = (freqs_hz >= LOWEST_HZ) & (freqs_hz <= HIGHEST_HZ)
    left, right = spectra[0, rows], spectra[1, rows]
    weight = np.abs(left) ** 2 + np.abs(right) ** 2
    return weighted_histogram(panning_index(left, right), weight, PANNING_EDGES)


def panning_distance(stereo: np.ndarray, reference: np.ndarray, sample_rate: int) -> float:
    """Wasserstein-1 distance between panning-index histograms (index units, 0..2). Lower is better.

        distance = W1(hist_Gamma_out, hist_Gamma_ref)
    """
    width = float(PANNING_EDGES[1] - PANNING_EDGES[0])
    return wasserstein_1(panning_histogram(stereo, sample_rate), panning_histogram(reference, sample_rate), width)
