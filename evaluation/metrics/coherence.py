"""Inter-channel coherence (ICC) per octave band."""

from __future__ import annotations

import numpy as np

from ._spectral import band_rows, octave_bands, stft

#: Length of the time-frequency tiles over which the cross-spectrum is summed, s.
ICC_BLOCK_S = 0.2


def band_icc(stereo: np.ndarray, sample_rate: int, block_s: float = ICC_BLOCK_S) -> tuple[np.ndarray, np.ndarray]:
    """Per-octave-band ICC: (centres_hz `[B]`, icc `[B]` in [0, 1]). Informational.

    For each tile k (one octave band x `block_s` of ~43 ms STFT frames):

        ICC_k = | sum X_L X_R^* | / sqrt( sum |X_L|^2 * sum |X_R|^2 )   (sums over the tile's bins)

    and the band's ICC is the mean of ICC_k weighted by the tile energy sum(|X_L|^2 + |X_R|^2).
    1 for any amplitude-panned source, ~0 for independent noise (the estimate is biased upward
    by about 1 / sqrt(bins in a tile), most in the 63 Hz band). NaN for a silent band.
    """
    stereo = np.asarray(stereo, dtype=np.float64)
    freqs_hz, spectra = stft(stereo, sample_rate)  # [2, F, N]
    hop_s = (freqs_hz.size - 1) / sample_rate  # hop = frame / 2 = (F - 1) samples
    frames_per_block = max(1, int(round(block_s / hop_s)))
    bands = octave_bands(sample_rate)
    icc = np.full(len(bands), np.nan)
    for index, (_, low, high) in enumerate(bands):
        rows = band_rows(freqs_hz, low, high)
        if not np.any(rows):
            continue
        left, right = spectra[0, rows], spectra[1, rows]  # [F_b, N]
        cross = _block_sum(left * np.conj(right), frames_per_block)
        power_l = _block_sum(np.abs(left) ** 2, frames_per_block)
        power_r = _block_sum(np.abs(right) ** 2, frames_per_block)
        weight = power_l + power_r
        if np.sum(weight) <= 0:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            tile_icc = np.abs(cross) / np.sqrt(power_l * power_r)
        # A tile with one silent channel has no coherence to speak of: count it as 0.
        tile_icc = np.nan_to_num(tile_icc, nan=0.0, posinf=0.0)
        icc[index] = float(np.sum(weight * tile_icc) / np.sum(weight))
    centres = np.array([centre for centre, _, _ in bands])
    return centres, icc


def _block_sum(values: np.ndarray, frames_per_block: int) -> np.ndarray:
    """Sum `[F_b, N]` over the bins and over groups of `frames_per_block` frames: `[N // k]`."""
    per_frame = values.sum(axis=0)
    num_blocks = max(1, per_frame.shape[-1] // frames_per_block)
    if per_frame.shape[-1] < frames_per_block:
        return per_frame.sum(keepdims=True)
    return per_frame[: num_blocks * frames_per_block].reshape(num_blocks, frames_per_block).sum(axis=1)


def icc_error(stereo: np.ndarray, reference: np.ndarray, sample_rate: int) -> tuple[float, np.ndarray]:
    """ICC error against the reference. Lower is better.

        error = mean_b | ICC_out[b] - ICC_ref[b] |   (bands silent in either are left out)

    Returns (mean error, per-band error `[B]`).
    """
    _, icc_out = band_icc(stereo, sample_rate)
    _, icc_ref = band_icc(reference, sample_rate)
    per_band = np.abs(icc_out - icc_ref)
    mean = float(np.nanmean(per_band)) if np.any(np.isfinite(per_band)) else float("nan")
    return mean, per_band


def side_mid_coherence(stereo: np.ndarray, sample_rate: int, block_s: float = ICC_BLOCK_S) -> float:
    """Share of the side's energy that is coherent with the mid, in [0, 1]. Informational.

    Per tile k (octave band x `block_s`), c_k = |sum S M^*|^2 / (sum |S|^2 * sum |M|^2); the result
    is the mean of c_k weighted by the tile's side energy. 1 when the side is a panned copy of the
    mid, ~0 for a decorrelated side. NaN for a silent side.
    """
    stereo = np.asarray(stereo, dtype=np.float64)
    mid_side_pair = np.stack([stereo[0] + stereo[1], stereo[0] - stereo[1]]) * 0.5
    freqs_hz, spectra = stft(mid_side_pair, sample_rate)
    hop_s = (freqs_hz.size - 1) / sample_rate
    frames_per_block = max(1, int(round(block_s / hop_s)))
    total, weight_sum = 0.0, 0.0
    for _, low, high in octave_bands(sample_rate):
        rows = band_rows(freqs_hz, low, high)
        if not np.any(rows):
            continue
        mid_tf, side_tf = spectra[0, rows], spectra[1, rows]
        cross = _block_sum(side_tf * np.conj(mid_tf), frames_per_block)
        power_s = _block_sum(np.abs(side_tf) ** 2, frames_per_block)
        power_m = _block_sum(np.abs(mid_tf) ** 2, frames_per_block)
        with np.errstate(divide="ignore", invalid="ignore"):
            tile = np.nan_to_num(np.abs(cross) ** 2 / (power_s * power_m), nan=0.0, posinf=0.0)
        total += float(np.sum(power_s * tile))
        weight_sum += float(np.sum(power_s))
    return total / weight_sum if weight_sum > 0 else float("nan")
