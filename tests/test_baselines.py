"""DSP baselines: shapes, dtypes, determinism, mid preservation."""

import numpy as np
import pytest

from m2s_gen.baselines import BASELINES, MID_PRESERVING, BaselineUnavailable
from evaluation.metrics import fold_down_error_db, side_to_mid_db


def _noise(num_samples: int, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(num_samples)).astype(np.float32)


def _run(name, mono, sample_rate, seed=0):
    try:
        return BASELINES[name](mono, sample_rate, seed)
    except BaselineUnavailable as error:
        pytest.skip(f"{name}: {error}")


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize("sample_rate", [8000, 44100, 96000])
@pytest.mark.parametrize("kind", ["50ms", "1s", "silence"])
def test_shape_dtype_finite(name, sample_rate, kind):
    length = int(0.05 * sample_rate) if kind == "50ms" else sample_rate
    mono = np.zeros(length, np.float32) if kind == "silence" else _noise(length)
    stereo = _run(name, mono, sample_rate)
    assert stereo.shape == (2, length)
    assert stereo.dtype == np.float32
    assert np.all(np.isfinite(stereo))
    if kind == "silence":
        assert np.all(stereo == 0)


@pytest.mark.parametrize("name", sorted(MID_PRESERVING))
def test_mid_preserving_fold_down_exact(name):
    mono = _noise(44100)
    assert fold_down_error_db(_run(name, mono, 44100), mono) < -120.0


@pytest.mark.parametrize("name", ["haas", "ffmpeg_haas"])
def test_haas_is_not_mid_preserving(name):
    mono = _noise(44100)
    assert fold_down_error_db(_run(name, mono, 44100), mono) > -20.0


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_deterministic_for_a_seed(name):
    mono = _noise(16000)
    np.testing.assert_array_equal(_run(name, mono, 16000, seed=3), _run(name, mono, 16000, seed=3))


def test_seed_changes_the_decorrelators():
    mono = _noise(16000)
    for name in ("decorrelator", "freq_decorrelator"):
        assert not np.allclose(BASELINES[name](mono, 16000, 0), BASELINES[name](mono, 16000, 1))


def test_widths():
    mono = _noise(48000)
    assert side_to_mid_db(BASELINES["mono"](mono, 48000)) == -200.0
    assert abs(side_to_mid_db(BASELINES["decorrelator"](mono, 48000)) + 7.0) < 0.01
    assert abs(side_to_mid_db(BASELINES["haas_mid"](mono, 48000)) + 7.0) < 0.01
    # narrower at 63 Hz than at 1 kHz, as in real music
    from evaluation.metrics import band_side_to_mid_db

    centres, widths = band_side_to_mid_db(BASELINES["freq_decorrelator"](mono, 48000), 48000)
    assert widths[centres == 63.0][0] < widths[centres == 1000.0][0] - 4.0


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="shape"):
        BASELINES["decorrelator"](np.zeros((2, 100), np.float32), 16000)
    with pytest.raises(ValueError, match="sample_rate"):
        BASELINES["decorrelator"](np.zeros(100, np.float32), 0)
