"""Presets and the call-time switches they set: calibration and band-level anchoring on or off."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile as sf
import torch

from m2s_gen import Upmixer, cli, presets, spatial
from m2s_gen.loading import UPMIXER_CONFIG, ModelLoadError

from conftest import FOLD_TOL, fold_error, music_like, write_wav

B = spatial.NUM_BANDS
SR = 16_000


def _side_db(stereo, mono) -> float:
    side = (stereo[0] - stereo[1]).numpy() / 2
    return float(10 * np.log10(np.mean(side**2) / np.mean(np.square(mono))))


def test_a_preset_is_the_same_as_its_settings_and_keywords_override_it(tiny_upmixer):
    mono = music_like(24_000, SR, seed=3)
    natural = presets.resolve("natural")
    assert torch.equal(tiny_upmixer(mono, SR, seed=2, preset="natural"), tiny_upmixer(mono, SR, seed=2, **natural))
    faithful = {**presets.resolve("faithful"), "num_draws": 2}
    assert torch.equal(tiny_upmixer(mono, SR, seed=2, preset="faithful", num_draws=2),
                       tiny_upmixer(mono, SR, seed=2, **faithful))
    assert not torch.equal(tiny_upmixer(mono, SR, seed=2, preset="faithful", num_draws=2),
                           tiny_upmixer(mono, SR, seed=2, preset="natural"))


def test_calibration_switch(tiny_upmixer):
    mono = music_like(48_000, SR, seed=5)
    config = tiny_upmixer.config
    try:
        config.ratio_offset_db, config.coherence_scale = [-20.0] * B, [1.0] * B
        on = tiny_upmixer(mono, SR, seed=1, calibrate=True)
        off = tiny_upmixer(mono, SR, seed=1, calibrate=False)
        default = tiny_upmixer(mono, SR, seed=1)
        config.default_calibrate = False
        default_off = tiny_upmixer(mono, SR, seed=1)
    finally:
        config.ratio_offset_db, config.coherence_scale, config.default_calibrate = None, None, True
    assert _side_db(on, mono) < _side_db(off, mono) - 10
    assert torch.equal(default, on) and torch.equal(default_off, off)
    assert fold_error(on, mono) <= FOLD_TOL and fold_error(off, mono) <= FOLD_TOL


def test_band_level_anchor_at_call_time(tiny_upmixer):
    mono = music_like(48_000, SR, seed=6)
    config = tiny_upmixer.config
    try:
        config.band_level_profile_db, config.band_level_anchor = [-30.0] * B, 0.0
        free = tiny_upmixer(mono, SR, seed=1)
        anchored = tiny_upmixer(mono, SR, seed=1, band_level_anchor=1.0)
        config.band_level_anchor = 1.0
        switched_off = tiny_upmixer(mono, SR, seed=1, band_level_anchor=0.0)
    finally:
        config.band_level_profile_db, config.band_level_anchor = None, 0.0
    assert _side_db(anchored, mono) < -24 < _side_db(free, mono)
    assert torch.equal(switched_off, free)


def test_model_presets_override_the_built_in_ones(tiny_upmixer):
    mono = music_like(16_000, SR, seed=7)
    config = tiny_upmixer.config
    try:
        config.presets = {"natural": {"num_draws": 3}, "mine": {"temperature": 0.0}}
        assert presets.resolve("natural", config.presets) == {"num_draws": 3}
        assert torch.equal(tiny_upmixer(mono, SR, seed=0, preset="natural"), tiny_upmixer(mono, SR, seed=0, num_draws=3))
        assert torch.equal(tiny_upmixer(mono, SR, seed=0, preset="mine"), tiny_upmixer(mono, SR, seed=0, temperature=0.0))
    finally:
        config.presets = None


@pytest.mark.parametrize("bad, match", [
    (dict(preset="loud"), "preset must be one of faithful, natural"),
    (dict(calibrate="yes"), "calibrate must be True or False"),
    (dict(band_level_anchor=1.5), r"band_level_anchor must be a number in \[0, 1\]"),
])
def test_bad_settings_raise_value_error_naming_them(tiny_upmixer, bad, match):
    with pytest.raises(ValueError, match=match):
        tiny_upmixer(music_like(4_000, SR), SR, **bad)


@pytest.mark.parametrize("saved, ok", [
    ({"natural": {"num_draws": 1, "calibrate": False, "band_level_anchor": 0.5}}, True),
    ({"natural": {"num_draws": 0}}, False),
    ({"natural": {"loudness": 1}}, False),
    ({"natural": {"calibrate": 1}}, False),
    ({"x" * 40: {"num_draws": 1}}, False),
    ({f"p{i}": {"num_draws": 1} for i in range(9)}, False),
])
def test_saved_presets_are_checked_on_load(tiny_model_dir, tmp_path, saved, ok):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / UPMIXER_CONFIG).read_text())
    (folder / UPMIXER_CONFIG).write_text(json.dumps({**config, "presets": saved, "default_calibrate": False}))
    if ok:
        loaded = Upmixer.from_pretrained(folder)
        assert loaded.config.presets == saved and loaded.config.default_calibrate is False
    else:
        with pytest.raises(ModelLoadError, match="preset"):
            Upmixer.from_pretrained(folder)


def test_cli_preset(tiny_model_dir, tmp_path, capsys):
    mono = music_like(8_000, SR, seed=8)
    src = write_wav(tmp_path / "a.wav", mono, SR)
    base = ["upmix", str(src), "--model", str(tiny_model_dir), "--steps", "2", "--seed", "0"]
    assert cli.main([*base, "-o", str(tmp_path / "b.wav"), "--preset", "faithful"]) == 0
    written = sf.read(str(tmp_path / "b.wav"), dtype="float32", always_2d=True)[0].T
    want = Upmixer.from_pretrained(tiny_model_dir)(mono, SR, preset="faithful", num_steps=2, seed=0).numpy()
    assert np.array_equal(written, want)
    assert cli.main([*base, "-o", str(tmp_path / "c.wav"), "--preset", "loud"]) == 2
    assert "argument --preset: preset must be one of faithful, natural" in capsys.readouterr().err
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "d.wav"), "--baseline", "mono", "--preset", "natural"]) == 2
    assert "--preset: apply to the model" in capsys.readouterr().err


def test_model_card_describes_the_sampler_defaults_and_presets(tiny_upmixer):
    from m2s_gen.model_card import render_model_card

    config = tiny_upmixer.config
    try:
        config.ratio_offset_db, config.presets = [0.0] * B, {"natural": {"num_draws": 1, "band_level_anchor": 1.0}}
        card = render_model_card(tiny_upmixer)
        assert "per-band calibration" in card and "`natural`: num_draws 1, band_level_anchor 1.0" in card
        config.default_calibrate = False
        assert "per-band calibration" not in render_model_card(tiny_upmixer)
    finally:
        config.ratio_offset_db, config.presets, config.default_calibrate = None, None, True
    assert "Presets" not in render_model_card(tiny_upmixer)
