"""Short-segment spatial features: what the realism metrics compare between outputs and real stereo.

Every 0.25 s segment of a stereo clip is described, per octave band, by its side-to-mid ratio in
dB and its L/R coherence, and by how both changed since the previous segment. The distribution of
these vectors over many clips is the clip set's "spatial style": how wide, how coherent and how
much the image moves. A consensus of many draws narrows that distribution; a fixed DSP image
collapses it to nearly a point (Serrà et al. 2023 compare such distributions with a Fréchet
distance, :mod:`evaluation.metrics.frechet`; :mod:`evaluation.metrics.two_sample` trains a
classifier to tell them apart).
"""

from __future__ import annotations

import numpy as np

from ._spectral import OCTAVE_CENTRES_HZ, band_rows, octave_bands, stft

#: Segment length, s (12 STFT hops of 21.3 ms at 48 kHz).
SEGMENT_S = 0.25
#: Side-to-mid ratios are clipped to this range, dB (a mono output sits at the floor).
RATIO_RANGE_DB = (-40.0, 10.0)
#: Energy floor of a band, relative to the clip's mean band energy of the mid (-60 dB): keeps the
#: ratio and the coherence of a silent band finite.
BAND_FLOOR = 1e-6
#: Segments whose mid is more than 40 dB below the clip's mean segment are left out (silence).
SILENT_SEGMENT = 1e-4

FEATURE_GROUPS = ("ratio_db", "icc", "delta_ratio_db", "delta_icc")


def feature_names() -> list[str]:
    """Names of the feature columns `[4B]`: group x octave centre, e.g. "icc@1000Hz"."""
    return [f"{group}@{centre:g}Hz" for group in FEATURE_GROUPS for centre in OCTAVE_CENTRES_HZ]


def segment_band_stats(stereo: np.ndarray, sample_rate: int, segment_s: float = SEGMENT_S) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per segment and octave band: (ratio_db `[N, B]`, icc `[N, B]`, keep `[N]`).

        E_M, E_S, P_L, P_R, C = sums over the band's STFT bins and the segment's frames of
        |M|^2, |S|^2, |L|^2, |R|^2 and L R^*, with M = (L + R) / 2, S = (L - R) / 2;
        ratio_db = clip(10 log10((E_S + e) / (E_M + e)), -40, 10),  icc = |C| / sqrt((P_L + e) (P_R + e)),
        e = 1e-6 x the clip's mean band energy of M.

    B is the length of `OCTAVE_CENTRES_HZ`; bands above Nyquist are NaN. `keep` is False for
    segments whose mid energy is 40 dB below the clip's mean segment (silence).
    """
    stereo = np.asarray(stereo, dtype=np.float64)
    if stereo.ndim != 2 or stereo.shape[0] != 2:
        raise ValueError(f"stereo must have shape [2, T], got {tuple(stereo.shape)}")
    freqs_hz, spectra = stft(stereo, sample_rate)  # [2, F, N]
    hop_s = (freqs_hz.size - 1) / sample_rate
    per_segment = max(1, int(round(segment_s / hop_s)))
    num_segments = spectra.shape[-1] // per_segment
    num_bands = len(OCTAVE_CENTRES_HZ)
    ratio_db = np.full((num_segments, num_bands), np.nan)
    icc = np.full((num_segments, num_bands), np.nan)
    if num_segments == 0:
        return ratio_db, icc, np.zeros(0, dtype=bool)
    spectra = spectra[..., : num_segments * per_segment]

    def segment_sums(values: np.ndarray) -> np.ndarray:  # [F_b, N'] -> [num_segments]
        return values.sum(axis=0).reshape(num_segments, per_segment).sum(axis=1)

    sums = []
    for _, low, high in octave_bands(sample_rate):
        rows = band_rows(freqs_hz, low, high)
        left, right = spectra[0, rows], spectra[1, rows]
        power_l, power_r = segment_sums(np.abs(left) ** 2), segment_sums(np.abs(right) ** 2)
        cross = segment_sums(left * np.conj(right))
        sums.append((power_l, power_r, cross))
    mid_energy = np.stack([(pl + pr + 2 * c.real) / 4 for pl, pr, c in sums], axis=1)  # [N, B']
    floor = BAND_FLOOR * max(float(np.mean(mid_energy)), 1e-30)
    for band, (power_l, power_r, cross) in enumerate(sums):
        side_energy = (power_l + power_r - 2 * cross.real) / 4
        ratio = 10 * np.log10((np.maximum(side_energy, 0) + floor) / (np.maximum(mid_energy[:, band], 0) + floor))
        ratio_db[:, band] = np.clip(ratio, *RATIO_RANGE_DB)
        icc[:, band] = np.abs(cross) / np.sqrt((power_l + floor) * (power_r + floor))
    segment_energy = mid_energy.sum(axis=1)
    keep = segment_energy >= SILENT_SEGMENT * max(float(np.mean(segment_energy)), 1e-30)
    return ratio_db, icc, keep


def segment_features(stereo: np.ndarray, sample_rate: int, segment_s: float = SEGMENT_S) -> np.ndarray:
    """Feature vectors `[K, 4B]` of one clip `[2, T]`: for segments 1..N-1 whose own and previous
    segment are not silent, `[ratio_db, icc, ratio_db - previous ratio_db, icc - previous icc]`
    per octave band (columns named by :func:`feature_names`; NaN above Nyquist). K = 0 for clips
    shorter than two segments."""
    ratio_db, icc, keep = segment_band_stats(stereo, sample_rate, segment_s)
    static = np.concatenate([ratio_db, icc], axis=1)
    if static.shape[0] < 2:
        return np.zeros((0, 2 * static.shape[1]))
    rows = np.concatenate([static[1:], np.diff(static, axis=0)], axis=1)
    return rows[keep[1:] & keep[:-1]]
