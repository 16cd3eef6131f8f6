"""Realism metrics on cases with known answers: segment features, Fréchet distance, classifier test."""

import numpy as np
import pytest

from evaluation.metrics.frechet import frechet_distance, frechet_from_moments
from evaluation.metrics.realism_features import RATIO_RANGE_DB, feature_names, segment_band_stats, segment_features
from evaluation.metrics.two_sample import classifier_accuracy
from evaluation.realism import realism_scores, track_halves

SR = 48000
B = 9  # octave bands 63 Hz .. 16 kHz


def _noise(seconds: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(seconds * SR)) * 0.1


def test_panned_source_has_its_pan_ratio_full_coherence_and_no_movement():
    x = _noise(2.0, 0)
    rows = segment_features(np.stack([0.8 * x, 0.2 * x]), SR)
    assert rows.shape[1] == 4 * B and len(rows) >= 6
    assert np.allclose(rows[:, :B], 20 * np.log10(0.3 / 0.5), atol=1e-3)
    assert np.allclose(rows[:, B:2 * B], 1.0, atol=1e-3)  # the -60 dB band floor costs < 1e-3
    assert np.allclose(rows[:, 2 * B:], 0.0, atol=1e-3)


def test_mono_sits_at_the_ratio_floor_and_independent_noise_near_0_db():
    x = _noise(2.0, 1)
    mono = segment_features(np.stack([x, x]), SR)
    assert np.allclose(mono[:, :B], RATIO_RANGE_DB[0]) and np.allclose(mono[:, B:2 * B], 1.0, atol=1e-3)
    wide = segment_features(np.stack([x, _noise(2.0, 2)]), SR)
    # above 1.4 kHz a 0.25 s segment holds hundreds of bins: ratio ~0 dB, coherence small
    assert np.all(np.abs(wide[:, 5:B]) < 1.0) and np.all(wide[:, B + 5:2 * B] < 0.15)


def test_silent_segments_are_left_out_and_names_match_columns():
    x = _noise(3.0, 3)
    x[SR: 2 * SR] = 0.0
    ratio, _, keep = segment_band_stats(np.stack([x, 0.5 * x]), SR)
    assert keep.sum() < len(keep) and not keep[len(keep) // 2]
    rows = segment_features(np.stack([x, 0.5 * x]), SR)
    assert len(rows) == int(np.sum(keep[1:] & keep[:-1]))
    assert len(feature_names()) == rows.shape[1] and feature_names()[B] == "icc@63Hz"
    low_rate = segment_features(np.stack([x, 0.5 * x])[:, ::3], SR // 3)  # 16 kHz: the top bands are NaN
    assert np.all(np.isnan(low_rate[:, B - 1])) and np.all(np.isfinite(low_rate[:, :B - 2]))
    assert segment_features(np.zeros((2, 100)), SR).shape == (0, 4 * B)


def test_frechet_known_answers():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4000, 6))
    assert frechet_distance(a, a) < 1e-9
    assert frechet_distance(a, rng.standard_normal((4000, 6))) < 0.05  # same distribution, new sample
    assert frechet_distance(a, a + 2.0) == pytest.approx(6 * 4.0, rel=1e-6)  # mean shift: |m|^2
    # closed form for diagonal covariances: sum (sigma_a - sigma_b)^2
    assert frechet_from_moments(np.zeros(3), np.diag([4.0, 1, 9]), np.zeros(3), np.eye(3)) == pytest.approx(1 + 0 + 4)
    # a set collapsed to one point: about the other set's total variance (6)
    assert frechet_distance(a, np.zeros((100, 6))) == pytest.approx(6.0, rel=0.05)


def test_classifier_cannot_tell_identical_distributions_and_sees_a_collapse():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(40), 50)
    real = rng.standard_normal((2000, 6))
    assert classifier_accuracy(real, groups, real, groups) == pytest.approx(0.5, abs=1e-9)
    same = classifier_accuracy(real, groups, rng.standard_normal((2000, 6)), groups)
    assert abs(same - 0.5) < 0.06
    collapsed = classifier_accuracy(real, groups, 0.2 * rng.standard_normal((2000, 6)), groups)
    assert collapsed > 0.85
    assert np.isnan(classifier_accuracy(real[:10], np.zeros(10), real[:10], np.zeros(10)))


def _varying_clip(seed: int, seconds: float = 3.0) -> np.ndarray:
    """Stereo whose width and coherence change every 0.25 s, like a mix that moves."""
    rng = np.random.default_rng(seed)
    mid = _noise(seconds, seed)
    hop = SR // 4
    gains = np.repeat(10 ** (rng.uniform(-20, 0, size=int(seconds * 4) + 1) / 20), hop)[: mid.size]
    panned = np.repeat(rng.uniform(-0.5, 0.5, size=int(seconds * 4) + 1), hop)[: mid.size]
    side = gains * _noise(seconds, seed + 1000) + panned * mid
    return np.stack([mid + side, mid - side])


def test_realism_scores_known_answers():
    clips = [_varying_clip(seed) for seed in range(12)]
    ids = [f"pkg/track{seed // 2}@{seed % 2}.0s" for seed in range(12)]
    reference = [segment_features(c, SR) for c in clips]
    constant = []
    for clip in clips:  # a fixed image: the same decorrelated side at -8 dB on every clip
        mid = 0.5 * (clip[0] + clip[1])
        side = 10 ** (-8 / 20) * np.roll(mid, 4801)
        constant.append(segment_features(np.stack([mid + side, mid - side]), SR))
    scores = realism_scores(reference, {"copy": reference, "constant": constant}, ids)
    assert scores["systems"]["copy"]["frechet_distance"] < 1e-6
    assert scores["systems"]["copy"]["classifier_accuracy"] == pytest.approx(0.5)
    # with standardised features a collapsed image is at least the references' total variance away
    assert scores["systems"]["constant"]["frechet_distance"] > 0.9 * scores["num_features"]
    assert scores["systems"]["constant"]["classifier_accuracy"] > 0.9
    floor = scores["reference_split"]["frechet_distance"]
    assert 0 < floor < scores["systems"]["constant"]["frechet_distance"]
    assert list(track_halves(ids)) == [True, True, False, False] * 3


def test_evaluation_loop_scores_a_perfect_copy_and_mono():
    from evaluation.clips import Clip
    from evaluation.evaluate import evaluate_systems

    clips = []
    for seed in range(8):
        reference = _varying_clip(seed, seconds=2.0).astype(np.float32)
        mono = (0.5 * (reference[0] + reference[1])).astype(np.float32)
        clips.append(Clip(f"pkg/t{seed}@0.0s", reference, mono, SR, "test", 0.0))
    originals = {clip.mono.tobytes(): clip.reference for clip in clips}

    def copy(mono, sample_rate, seed=0):  # knows the answer: the original stereo itself
        return originals[np.asarray(mono, dtype=np.float32).tobytes()]

    def mono_out(mono, sample_rate, seed=0):
        return np.stack([mono, mono])

    results = evaluate_systems({"copy": copy, "mono": mono_out}, clips, num_seeds=1, progress=False, best_of=(1, 2))
    assert results["mean"]["copy"]["frechet_distance"] < 1e-6
    assert results["mean"]["copy"]["classifier_accuracy"] == pytest.approx(0.5)
    assert results["mean"]["mono"]["frechet_distance"] > 10 * results["realism"]["reference_split"]["frechet_distance"]
    assert results["mean"]["mono"]["classifier_accuracy"] > 0.95
    assert results["best_of_k"]["copy"]["side_mel"] == {"1": 0.0, "2": 0.0}


def test_bootstrap_standard_error_of_the_frechet_distance():
    from evaluation.realism import bootstrap_frechet_se

    rng = np.random.default_rng(2)
    groups = np.repeat(np.arange(20), 30)
    real = rng.standard_normal((600, 4))
    assert bootstrap_frechet_se(real, groups, real, groups) == pytest.approx(0.0, abs=1e-9)
    noisy = bootstrap_frechet_se(real, groups, 1.5 * rng.standard_normal((600, 4)), groups)
    assert 0 < noisy < 2.0
    assert np.isnan(bootstrap_frechet_se(real[:30], groups[:30], real[:30], groups[:30]))
