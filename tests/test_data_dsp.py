"""Unit tests of the preparation's DSP helpers: stereo statistics, resampling, names, rules."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.data.package_rules import PACKAGE_RULES, TRAINING_PACKAGES, rule_for
from training.data.resample_48k import resample_ratio, resample_to_48k
from training.data.sources import make_unique, names_relative_to_common_folder, safe_name
from training.data.stereo_stats import lr_correlation, side_to_mid_db


def test_side_to_mid_extremes():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(10_000).astype(np.float32)
    assert side_to_mid_db(np.stack([x, x])) == -math.inf
    assert side_to_mid_db(np.stack([x, -x])) == math.inf
    assert math.isnan(side_to_mid_db(np.zeros((2, 100), np.float32)))
    independent = np.stack([x, rng.standard_normal(10_000).astype(np.float32)])
    assert side_to_mid_db(independent) == pytest.approx(0.0, abs=0.3)
    assert lr_correlation(np.stack([x, 2 * x])) == pytest.approx(1.0)
    assert lr_correlation(independent) == pytest.approx(0.0, abs=0.05)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), width=st.floats(0.05, 1.0))
def test_swap_keeps_side_to_mid_and_correlation(seed, width):
    rng = np.random.default_rng(seed)
    mid, side = rng.standard_normal((2, 2_000))
    audio = np.stack([mid + width * side, mid - width * side])
    assert side_to_mid_db(audio[::-1]) == pytest.approx(side_to_mid_db(audio))
    assert lr_correlation(audio[::-1]) == pytest.approx(lr_correlation(audio))
    expected = 10 * math.log10((width**2 * side @ side) / (mid @ mid))
    assert side_to_mid_db(audio) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("rate, up, down", [(44_100, 160, 147), (32_000, 3, 2), (48_000, 1, 1),
                                            (22_050, 320, 147)])
def test_resample_ratio(rate, up, down):
    assert resample_ratio(rate) == (up, down)


def test_resample_keeps_tone_frequency_and_length():
    rate = 44_100
    t = np.arange(rate) / rate
    audio = np.stack([np.sin(2 * np.pi * 440 * t), np.cos(2 * np.pi * 440 * t)]).astype(np.float32)
    out = resample_to_48k(audio, rate)
    assert out.shape == (2, 48_000) and out.dtype == np.float32
    assert np.argmax(np.abs(np.fft.rfft(out[0]))) == 440
    assert resample_to_48k(out, 48_000) is out


def test_names_are_safe_and_unique():
    assert safe_name("forest/forest 2.ogg") == "forest__forest_2"
    assert make_unique(["a", "a", "b"]) == ["a", "a-2", "b"]
    paths = [Path("/x/music/a/one.ogg"), Path("/x/music/b/One.ogg"), Path("/x/music/b/two.opus")]
    assert names_relative_to_common_folder(paths) == ["a__one", "b__One", "b__two"]


def test_rule_table_covers_training_packages_and_refuses_midi_renders():
    assert set(TRAINING_PACKAGES) == set(PACKAGE_RULES)
    assert rule_for("some-unknown-package").include_globs == ("**/*",)
    with pytest.raises(ValueError):
        rule_for("planetblupi-music")
