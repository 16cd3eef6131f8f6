"""Stereo width as side-to-mid energy ratio (S/M), per octave band and broadband."""

from __future__ import annotations

import numpy as np

from m2s_gen.analysis import WIDTH_ERROR_FLOOR_DB, band_side_to_mid_db  # noqa: F401 (re-exported)

from ._spectral import band_energies, mid_side, octave_bands, power_db


def side_to_mid_db(stereo: np.ndarray, sample_rate: int | None = None, low_hz: float = 0.0, high_hz: float | None = None) -> float:
    """Broadband (or band-limited) S/M in dB: 10 * log10(sum |S|^2 / sum |M|^2) over low_hz..high_hz.

    Without `sample_rate` the whole signal is used (time-domain energies). -200 for pure mono.
    """
    mid, side = mid_side(stereo)
    if sample_rate is None or (low_hz <= 0.0 and high_hz is None):
        return power_db(np.sum(side**2), np.sum(mid**2))
    high = sample_rate / 2.0 if high_hz is None else high_hz
    energies = band_energies(np.stack([mid, side]), sample_rate, [(0.0, low_hz, high)])
    return power_db(energies[1, 0], energies[0, 0])


def valid_bands(reference: np.ndarray, sample_rate: int) -> np.ndarray:
    """Bands `[B]` where the reference mid carries at least 1e-6 of the clip's energy."""
    mid_ref, _ = mid_side(reference)
    mid_energy = band_energies(mid_ref, sample_rate, octave_bands(sample_rate))
    return mid_energy > 1e-6 * max(float(np.sum(mid_ref**2)), 1e-30)


def band_width_error(width_out_db: np.ndarray, width_ref_db: np.ndarray, valid: np.ndarray,
                     floor_db: float = WIDTH_ERROR_FLOOR_DB) -> tuple[float, np.ndarray]:
    """(mean, per-band `[B]`) |max(W_out, floor) - max(W_ref, floor)| over the valid bands (NaN elsewhere)."""
    per_band = np.abs(np.maximum(width_out_db, floor_db) - np.maximum(width_ref_db, floor_db))
    per_band = np.where(valid, per_band, np.nan)
    mean = float(np.nanmean(per_band)) if np.any(valid) else float("nan")
    return mean, per_band


def width_error_db(
    stereo: np.ndarray, reference: np.ndarray, sample_rate: int, floor_db: float = WIDTH_ERROR_FLOOR_DB
) -> tuple[float, np.ndarray]:
    """Per-band width error against the reference, dB. Lower is better.

        error_db = mean_b | max(W_out[b], floor) - max(W_ref[b], floor) |,  W = band S/M in dB

    Bands where the reference mid carries under 1e-6 of the clip's energy are left out (NaN in
    the per-band array). Returns (mean error, per-band error `[B]`).
    """
    _, width_out = band_side_to_mid_db(stereo, sample_rate)
    _, width_ref = band_side_to_mid_db(reference, sample_rate)
    return band_width_error(width_out, width_ref, valid_bands(reference, sample_rate), floor_db)
