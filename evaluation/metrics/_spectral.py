"""Shared spectral tools of the metrics: octave bands, STFT, mid/side split."""

from __future__ import annotations

import numpy as np
from scipy.signal import ShortTimeFFT
from scipy.signal.windows import hann

#: Octave-band centres of the per-band metrics, Hz (63 Hz .. 16 kHz).
OCTAVE_CENTRES_HZ = (63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)

#: Analysis frame of the STFT metrics, ms (2048 samples at 48 kHz).
FRAME_MS = 42.7

#: Value standing for -inf dB (exact zero) in dB metrics.
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


def frame_length(sample_rate: int, frame_ms: float = FRAME_MS) -> int:
    """Power-of-two STFT frame length in samples closest to `frame_ms`."""
    return max(16, 2 ** int(round(np.log2(frame_ms * 1e-3 * sample_rate))))


def stft(signal: np.ndarray, sample_rate: int, frame_ms: float = FRAME_MS) -> tuple[np.ndarray, np.ndarray]:
    """Hann STFT with hop = frame / 2 of `signal` `[..., T]`: (freqs_hz `[F]`, spectra `[..., F, N]`).

    Signals shorter than one frame are zero-padded to one frame.
    """
    signal = np.asarray(signal, dtype=np.float64)
    num_taps = frame_length(sample_rate, frame_ms)
    if signal.shape[-1] < num_taps:
        pad = [(0, 0)] * (signal.ndim - 1) + [(0, num_taps - signal.shape[-1])]
        signal = np.pad(signal, pad)
    transform = ShortTimeFFT(hann(num_taps, sym=False), hop=num_taps // 2, fs=sample_rate)
    # Only frames that lie fully inside the signal: no edge frames of half zeros.
    first, last = transform.lower_border_end[1], transform.upper_border_begin(signal.shape[-1])[1]
    spectra = transform.stft(signal, p0=first, p1=max(last, first + 1))
    return transform.f, spectra


def band_energies(signal: np.ndarray, sample_rate: int, bands: list[tuple[float, float, float]]) -> np.ndarray:
    """Energy of `signal` `[..., T]` in each band `[..., B]`, from one FFT of the whole signal."""
    spectrum = np.fft.rfft(np.asarray(signal, dtype=np.float64), axis=-1)
    freqs_hz = np.fft.rfftfreq(signal.shape[-1], d=1.0 / sample_rate)
    power = np.abs(spectrum) ** 2
    return np.stack([power[..., band_rows(freqs_hz, lo, hi)].sum(axis=-1) for _, lo, hi in bands], axis=-1)
