"""Metrics on signals whose answer is known."""

import numpy as np
import pytest

from evaluation import metrics as m
from evaluation.metrics.panning_index import PANNING_EDGES
from evaluation.metrics.spatial_cues import ILD_EDGES_DB, IPD_EDGES_RAD

SR = 16000
THETA = np.pi / 8  # constant-power pan: g_L = cos(theta), g_R = sin(theta), left of centre


def _noise(seconds=2.0, seed=0):
    return np.random.default_rng(seed).standard_normal(int(seconds * SR))


def _panned(seconds=2.0):
    source = _noise(seconds)
    return np.stack([np.cos(THETA) * source, np.sin(THETA) * source])


def _hist_mean(hist, edges):
    return float(np.sum(hist * 0.5 * (edges[1:] + edges[:-1])))


def test_panned_source():
    stereo = _panned()
    ild_hist, ipd_hist = m.ild_ipd_histograms(stereo, SR)
    expected_ild = 20 * np.log10(np.cos(THETA) / np.sin(THETA))  # 7.66 dB
    assert abs(_hist_mean(ild_hist, ILD_EDGES_DB) - expected_ild) <= 0.5  # one 1 dB bin
    assert ild_hist.max() > 0.999
    assert ipd_hist[np.searchsorted(IPD_EDGES_RAD, 0.0) - 1] > 0.999
    pan_hist = m.panning_histogram(stereo, SR)
    expected_pan = 1 - np.sin(2 * THETA)  # 0.293, positive = left
    assert pan_hist[np.searchsorted(PANNING_EDGES, expected_pan) - 1] > 0.999
    _, icc = m.band_icc(stereo, SR)
    assert np.all(icc > 0.999)
    stats = m.phase_correlation_stats(stereo, SR)
    assert stats["mean"] == pytest.approx(1.0) and stats["negative_share"] == 0.0
    loss, _, per_band = m.fold_down_loss_db(stereo, SR)
    assert loss == pytest.approx(10 * np.log10((1 + np.sin(2 * THETA)) / 2), abs=1e-6)
    expected_width = 20 * np.log10((np.cos(THETA) - np.sin(THETA)) / (np.cos(THETA) + np.sin(THETA)))
    _, width = m.band_side_to_mid_db(stereo, SR)
    assert np.allclose(width, expected_width, atol=1e-6)
    assert m.side_to_mid_db(stereo) == pytest.approx(expected_width)


def test_independent_noise():
    stereo = np.stack([_noise(4.0, 1), _noise(4.0, 2)])
    centres, icc = m.band_icc(stereo, SR)
    assert np.all(icc[centres >= 2000] < 0.1)
    assert np.nanmean(icc) < 0.3  # the few-bin low bands are biased upward
    assert abs(m.phase_correlation_stats(stereo, SR)["mean"]) < 0.1
    assert m.fold_down_loss_db(stereo, SR)[0] == pytest.approx(-3.0, abs=0.2)
    assert m.side_to_mid_db(stereo) == pytest.approx(0.0, abs=0.2)


def test_polarity_inverted_pair():
    left = _noise()
    stereo = np.stack([left, -left])
    stats = m.phase_correlation_stats(stereo, SR)
    assert stats["mean"] == pytest.approx(-1.0) and stats["negative_share"] == 1.0
    loss, _, per_band = m.fold_down_loss_db(stereo, SR)
    assert loss == m.DB_FLOOR and np.all(per_band == m.DB_FLOOR)
    _, ipd_hist = m.ild_ipd_histograms(stereo, SR)
    assert ipd_hist[0] > 0.999  # all at +-pi


def test_pure_mono():
    mono = _noise()
    stereo = np.stack([mono, mono])
    assert m.side_to_mid_db(stereo) == m.DB_FLOOR
    assert np.all(m.band_side_to_mid_db(stereo, SR)[1] == m.DB_FLOOR)
    assert m.phase_correlation_stats(stereo, SR)["mean"] == pytest.approx(1.0)
    assert m.fold_down_loss_db(stereo, SR)[0] == pytest.approx(0.0, abs=1e-9)
    assert m.fold_down_error_db(stereo, mono) == m.DB_FLOOR
    assert m.panning_histogram(stereo, SR)[np.searchsorted(PANNING_EDGES, 0.0) - 1] > 0.999  # centre bin


def test_errors_against_self_are_zero():
    stereo = np.stack([_noise(2.0, 1), 0.5 * _noise(2.0, 1) + 0.5 * _noise(2.0, 2)])
    assert m.width_error_db(stereo, stereo, SR)[0] == 0.0
    assert m.icc_error(stereo, stereo, SR)[0] == 0.0
    assert m.ild_ipd_distances(stereo, stereo, SR) == (0.0, 0.0)
    assert m.panning_distance(stereo, stereo, SR) == 0.0
    assert m.side_mel_distance(stereo, stereo, SR) == 0.0
    assert m.phase_correlation_errors(stereo, stereo, SR) == {"mean_error": 0.0, "negative_share_error": 0.0}


def test_width_error_and_side_mel_of_mono_against_wide():
    mid, side = _noise(2.0, 1), _noise(2.0, 2) * 10 ** (-7 / 20)
    reference = np.stack([mid + side, mid - side])
    mono = np.stack([mid, mid])
    assert m.width_error_db(mono, reference, SR)[0] == pytest.approx(33.0, abs=0.5)  # -7 vs the -40 floor
    assert m.side_mel_distance(mono, reference, SR) == pytest.approx(3.3, abs=0.3)
    louder = np.stack([mid + side * 10 ** 0.5, mid - side * 10 ** 0.5])  # side +10 dB
    assert m.side_mel_distance(louder, reference, SR) == pytest.approx(1.0, abs=0.02)


def test_fold_down_error():
    mono = _noise()
    assert m.fold_down_error_db(np.stack([mono, np.zeros_like(mono)]), mono) == pytest.approx(-6.02, abs=0.01)


def test_wasserstein_distances():
    a = np.zeros(10)
    a[2] = 1.0
    b = np.zeros(10)
    b[5] = 1.0
    assert m.wasserstein_1(a, b, 0.5) == pytest.approx(1.5)
    assert m.total_variation(a, b) == 1.0
    c = np.zeros(10)
    c[9] = 1.0
    d = np.zeros(10)
    d[0] = 1.0
    assert m.circular_wasserstein_1(c, d, 1.0) == pytest.approx(1.0)  # neighbours across the wrap
    assert m.wasserstein_1(c, d, 1.0) == pytest.approx(9.0)


def test_seed_diversity():
    mono = _noise(1.0).astype(np.float32)
    from m2s_gen.baselines import BASELINES

    takes = [BASELINES["decorrelator"](mono, SR, seed) for seed in range(3)]
    assert m.seed_diversity(takes, mono, SR) > 0.05
    same = [BASELINES["haas_mid"](mono, SR, seed) for seed in range(3)]
    assert m.seed_diversity(same, mono, SR) == 0.0
    assert np.isnan(m.seed_diversity(takes[:1], mono, SR))


def test_short_and_silent_inputs_stay_finite():
    for stereo in (np.zeros((2, SR)), np.random.default_rng(0).standard_normal((2, 300))):
        assert np.isfinite(m.side_mel_distance(stereo, stereo, SR))
        assert np.isfinite(m.panning_distance(stereo, stereo, SR))
        assert np.all(np.isfinite(m.ild_ipd_distances(stereo, stereo, SR)))
        m.band_icc(stereo, SR)
        m.phase_correlation_stats(stereo, SR)


def test_scoring_matches_the_metric_functions():
    from evaluation.scoring import reference_features, score_output

    mid, side = _noise(2.0, 1), _noise(2.0, 2)
    reference = np.stack([mid + 0.5 * side, mid - 0.5 * side])
    output = np.stack([mid + 0.3 * side, mid - 0.3 * side + 0.1 * _noise(2.0, 3)])
    scores = score_output(output, reference_features(reference, mid, SR), mid, SR)
    assert scores["side_mel"] == pytest.approx(m.side_mel_distance(output, reference, SR, mono=mid))
    assert scores["width_error_db"] == pytest.approx(m.width_error_db(output, reference, SR)[0])
    assert scores["icc_error"] == pytest.approx(m.icc_error(output, reference, SR)[0])
    assert (scores["ild_w1_db"], scores["ipd_w1_rad"]) == pytest.approx(m.ild_ipd_distances(output, reference, SR))
    assert scores["panning_w1"] == pytest.approx(m.panning_distance(output, reference, SR))
    errors = m.phase_correlation_errors(output, reference, SR)
    assert scores["corr_mean_error"] == pytest.approx(errors["mean_error"])
