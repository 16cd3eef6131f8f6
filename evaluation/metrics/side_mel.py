"""Side-channel log-mel distance: does the side signal sound like the reference's side."""

from __future__ import annotations

import numpy as np

from ._spectral import mid_side, stft

NUM_MELS = 64
MEL_FLOOR_DB = -40.0  # relative to the mid's mean mel power


def mel_filterbank(freqs_hz: np.ndarray, sample_rate: int, num_mels: int = NUM_MELS, low_hz: float = 20.0) -> np.ndarray:
    """Triangular HTK-mel filterbank `[num_mels, F]` over the STFT bin frequencies `freqs_hz` `[F]`."""
    def to_mel(hz):
        return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)

    def to_hz(mel):
        return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)

    edges_hz = to_hz(np.linspace(to_mel(low_hz), to_mel(sample_rate / 2.0), num_mels + 2))
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (freqs_hz[None, :] - lower) / (centre - lower)
    falling = (upper - freqs_hz[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def mel_power(signal: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mel power spectrogram `[num_mels, N]` of `signal` `[T]` (~43 ms Hann frames, hop / 2)."""
    freqs_hz, spectra = stft(signal, sample_rate)
    return mel_filterbank(freqs_hz, sample_rate) @ (np.abs(spectra) ** 2)


def side_log_mel(stereo: np.ndarray, sample_rate: int, mid_mean_mel_power: float) -> np.ndarray:
    """log10 mel power of the side S = (L - R) / 2, floored at -40 dB of the mid: `[num_mels, N]`.

        log10( max(melpower(S), 10^(-4) * mean(melpower(M))) )
    """
    _, side = mid_side(stereo)
    floor = max(10.0 ** (MEL_FLOOR_DB / 10.0) * mid_mean_mel_power, 1e-30)
    return np.log10(np.maximum(mel_power(side, sample_rate), floor))


def side_mel_distance(stereo: np.ndarray, reference: np.ndarray, sample_rate: int, mono: np.ndarray | None = None) -> float:
    """L1 distance of side log-mel spectrograms (log10 units, i.e. bels). Lower is better.

        distance = mean_{mel, frame} | log10 max(P_S_out, floor) - log10 max(P_S_ref, floor) |
        floor = 10^(-40/10) * mean_{mel, frame} P_M,  M = `mono` (default: the reference's mid)

    0 for identical sides; a mono output against a -7 dB reference scores about 3.
    """
    mid = mid_side(reference)[0] if mono is None else np.asarray(mono, dtype=np.float64)
    mid_mean = mean_mel_power(mid, sample_rate)
    return log_mel_l1(side_log_mel(stereo, sample_rate, mid_mean), side_log_mel(reference, sample_rate, mid_mean))


def mean_mel_power(mid: np.ndarray, sample_rate: int) -> float:
    """Mean over mel bands and frames of the mid's mel power (the floor's reference)."""
    return float(np.mean(mel_power(mid, sample_rate)))


def log_mel_l1(log_mel_a: np.ndarray, log_mel_b: np.ndarray) -> float:
    """mean |a - b| of two log10 mel spectrograms `[num_mels, N]` (frames trimmed to the shorter)."""
    frames = min(log_mel_a.shape[-1], log_mel_b.shape[-1])
    return float(np.mean(np.abs(log_mel_a[:, :frames] - log_mel_b[:, :frames])))
