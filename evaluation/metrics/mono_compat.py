"""Mono compatibility: how much energy a stereo signal loses when folded down to mono."""

from __future__ import annotations

import numpy as np

from ._spectral import DB_FLOOR, band_energies, octave_bands, power_db


def fold_down_loss_db(stereo: np.ndarray, sample_rate: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Energy kept on fold-down, dB (<= 0). Higher (closer to 0) is better.

        loss_db = 10 * log10( E[((L + R) / 2)^2] / ((E[L^2] + E[R^2]) / 2) )

    broadband and per octave band. 0 dB for mono, -200 (floor for -inf) for a polarity-inverted
    pair, -3 dB for independent channels of equal level. For a mid-preserving output this is
    -10 log10(1 + S/M): any width costs some loss, so read it beside the reference's value.

    Returns (broadband loss_db, centres_hz `[B]`, per-band loss_db `[B]`).
    """
    stereo = np.asarray(stereo, dtype=np.float64)
    fold = 0.5 * (stereo[0] + stereo[1])
    broadband = power_db(np.mean(fold**2), 0.5 * (np.mean(stereo[0] ** 2) + np.mean(stereo[1] ** 2)), DB_FLOOR)
    bands = octave_bands(sample_rate)
    energies = band_energies(np.stack([fold, stereo[0], stereo[1]]), sample_rate, bands)
    per_band = power_db(energies[0], 0.5 * (energies[1] + energies[2]), DB_FLOOR)
    centres = np.array([centre for centre, _, _ in bands])
    return broadband, centres, per_band
