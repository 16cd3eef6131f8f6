"""Interaural level and phase differences (ILD, IPD) per time-frequency bin."""

from __future__ import annotations

import numpy as np

from ._spectral import stft
from .distributions import circular_wasserstein_1, wasserstein_1, weighted_histogram

# Bins centred on round values (0 dB, 0 rad), so that exact mono is not split across two bins.
ILD_EDGES_DB = np.arange(-30.5, 31.0, 1.0)  # 1 dB bins; |ILD| > 30 dB lands in the end bins
IPD_BIN_RAD = np.pi / 36  # 5 degrees
IPD_EDGES_RAD = -np.pi - IPD_BIN_RAD / 2 + IPD_BIN_RAD * np.arange(73)  # one turn, +-pi in bin 0
LOWEST_HZ, HIGHEST_HZ = 44.0, 22600.0  # the span of the octave bands 63 Hz .. 16 kHz


def ild_ipd_histograms(stereo: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Energy-weighted ILD and IPD histograms: (ild_hist `[61]`, ipd_hist `[72]`), each summing to 1.

        ILD = 20 * log10(|X_L| / |X_R|) dB (positive = louder left), 1 dB bins centred on -30..30
        IPD = angle(X_L X_R^*) rad, 5 degree bins centred on -180..175 degrees (+-pi share bin 0)
        weight of a bin = |X_L|^2 + |X_R|^2, over the bins from 44 Hz to 22.6 kHz.
    """
    freqs_hz, spectra = stft(np.asarray(stereo, dtype=np.float64), sample_rate)
    rows = (freqs_hz >= LOWEST_HZ) & (freqs_hz <= HIGHEST_HZ)
    left, right = spectra[0, rows], spectra[1, rows]
    power_l, power_r = np.abs(left) ** 2, np.abs(right) ** 2
    weight = power_l + power_r
    tiny = 1e-30
    ild_db = 10.0 * np.log10((power_l + tiny) / (power_r + tiny))
    ipd_rad = np.angle(left * np.conj(right))
    ipd_rad = np.mod(ipd_rad - IPD_EDGES_RAD[0], 2 * np.pi) + IPD_EDGES_RAD[0]  # wrap into the edges
    return weighted_histogram(ild_db, weight, ILD_EDGES_DB), weighted_histogram(ipd_rad, weight, IPD_EDGES_RAD)


def ild_ipd_distances(stereo: np.ndarray, reference: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(ILD distance in dB, IPD distance in rad) to the reference's distributions. Lower is better.

        ild_distance = W1(hist_ILD_out, hist_ILD_ref)            (Wasserstein-1, dB)
        ipd_distance = circular W1(hist_IPD_out, hist_IPD_ref)   (on the circle, rad)
    """
    ild_out, ipd_out = ild_ipd_histograms(stereo, sample_rate)
    ild_ref, ipd_ref = ild_ipd_histograms(reference, sample_rate)
    ild = wasserstein_1(ild_out, ild_ref, float(ILD_EDGES_DB[1] - ILD_EDGES_DB[0]))
    ipd = circular_wasserstein_1(ipd_out, ipd_ref, float(IPD_EDGES_RAD[1] - IPD_EDGES_RAD[0]))
    return ild, ipd
