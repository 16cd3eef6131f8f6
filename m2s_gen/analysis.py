"""Stereo analysis shared by the library (the web page's plots) and the evaluation suite.

Pure numpy functions on stereo ``[2, T]``: octave bands, mid/side, the per-octave width (side-to-mid
energy ratio) and the L/R phase-correlation meter. The evaluation metrics build on these.
"""
from __future__ import annotations

import numpy as np

#: Octave-band centres of the per-band analysis, Hz (63 Hz .. 16 kHz).
OCTAVE_CENTRES_HZ = (63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)

#: Value standing for -inf dB (exact zero) in dB figures.
DB_FLOOR = -200.0


def power_db(numerator: float | np.ndarray, denominator: float | np.ndarray, floor_db: float = DB_FLOOR):
    """10 * log10(numerator / denominator), with `floor_db` for a zero numerator (or 0/0)."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.where(num > 0, np.inf, 0.0))
        out = 10.0 * np.log10(ratio)
    out = np.maximum(np.nan_to_num(out, nan=floor_db, neginf=floor_db), floor_db)
    return float(out) if out.ndim == 0 else out


def octave_bands(sample_rate: int) -> list[tuple[float, float, float]]:
    """(centre, low, high) in Hz of each octave band below Nyquist; the top band is clipped to it."""
    nyquist = sample_rate / 2.0
    bands = []
    for centre in OCTAVE_CENTRES_HZ:
        low, high = centre / np.sqrt(2.0), centre * np.sqrt(2.0)
        if low < nyquist:
            bands.append((centre, low, min(high, nyquist)))
    return bands


def band_rows(freqs_hz: np.ndarray, low_hz: float, high_hz: float) -> np.ndarray:
    """Boolean mask `[F]` of the bins with low_hz <= f < high_hz (the Nyquist bin included at the top)."""
    top = freqs_hz <= high_hz if high_hz >= freqs_hz[-1] else freqs_hz < high_hz
    return (freqs_hz >= low_hz) & top


def mid_side(stereo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mid `[T]` and side `[T]` float64 of stereo `[2, T]`: M = (L + R) / 2, S = (L - R) / 2."""
    stereo = np.asarray(stereo, dtype=np.float64)
    if stereo.ndim != 2 or stereo.shape[0] != 2:
        raise ValueError(f"stereo must have shape [2, T], got {tuple(stereo.shape)}")
    return 0.5 * (stereo[0] + stereo[1]), 0.5 * (stereo[0] - stereo[1])


def band_energies(signal: np.ndarray, sample_rate: int, bands: list[tuple[float, float, float]]) -> np.ndarray:
    """Energy of `signal` `[..., T]` in each band `[..., B]`, from one FFT of the whole signal."""
    spectrum = np.fft.rfft(np.asarray(signal, dtype=np.float64), axis=-1)
    freqs_hz = np.fft.rfftfreq(signal.shape[-1], d=1.0 / sample_rate)
    power = np.abs(spectrum) ** 2
    return np.stack([power[..., band_rows(freqs_hz, lo, hi)].sum(axis=-1) for _, lo, hi in bands], axis=-1)

#: S/M values below this are clipped before taking errors (and in plots), so that a mono output
#: (S/M = -inf) scores a large but finite error (same floor as the side log-mel metric).
WIDTH_ERROR_FLOOR_DB = -40.0


def band_side_to_mid_db(stereo: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-octave-band S/M in dB: (centres_hz `[B]`, width_db `[B]`).

        width_db[b] = 10 * log10( sum_{f in b} |S(f)|^2 / sum_{f in b} |M(f)|^2 ),
        S = (L - R) / 2, M = (L + R) / 2, one FFT over the whole clip.

    Pure mono gives -200 (the floor standing for -inf). Informational (no better direction).
    """
    mid, side = mid_side(stereo)
    bands = octave_bands(sample_rate)
    energies = band_energies(np.stack([mid, side]), sample_rate, bands)
    centres = np.array([centre for centre, _, _ in bands])
    return centres, power_db(energies[1], energies[0], floor_db=DB_FLOOR)


#: Frame of the phase-correlation meter, ms.
CORRELATION_FRAME_MS = 50.0
SILENT_FRAME_DB = -60.0  # frames this far below the clip's mean frame energy are not metered


def phase_correlation_series(stereo: np.ndarray, sample_rate: int, frame_ms: float = CORRELATION_FRAME_MS) -> np.ndarray:
    """Correlation of L and R per non-overlapping `frame_ms` frame: `[N]` in [-1, 1], NaN when silent.

        r_n = sum_n L R / sqrt( sum_n L^2 * sum_n R^2 )

    +1 for mono, -1 for a polarity-inverted pair, ~0 for independent channels. A frame with one
    silent channel reads 0.
    """
    stereo = np.asarray(stereo, dtype=np.float64)
    frame = max(1, int(round(frame_ms * 1e-3 * sample_rate)))
    num_frames = max(1, stereo.shape[-1] // frame)
    usable = stereo[:, : num_frames * frame]
    if usable.shape[-1] < frame:
        usable = np.pad(usable, ((0, 0), (0, frame - usable.shape[-1])))
    frames = usable.reshape(2, num_frames, frame)
    left, right = frames[0], frames[1]
    energy_l, energy_r = np.sum(left**2, axis=1), np.sum(right**2, axis=1)
    energy = energy_l + energy_r
    loud = energy > 10.0 ** (SILENT_FRAME_DB / 10.0) * max(float(np.mean(energy)), 1e-30)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.sum(left * right, axis=1) / np.sqrt(energy_l * energy_r)
    corr = np.nan_to_num(corr, nan=0.0, posinf=0.0, neginf=0.0)
    return np.where(loud, np.clip(corr, -1.0, 1.0), np.nan)
