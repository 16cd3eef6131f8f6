"""Shared spectral tools of the metrics: octave bands, STFT, mid/side split."""

from __future__ import annotations

import numpy as np
from scipy.signal import ShortTimeFFT
from scipy.signal.windows import hann

# the band, mid/side and dB helpers live in the library; the metrics use them from here
from m2s_gen.analysis import (  # noqa: F401
    DB_FLOOR, OCTAVE_CENTRES_HZ, band_energies, band_rows, mid_side, octave_bands, power_db)

#: Analysis frame of the STFT metrics, ms (2048 samples at 48 kHz).
FRAME_MS = 42.7


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
