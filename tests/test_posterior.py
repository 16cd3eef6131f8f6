"""Consensus of several diffusion draws, the sampler's calibration, and their fitting script."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from m2s_gen import Upmixer, posterior, spatial
from m2s_gen.loading import UPMIXER_CONFIG

from conftest import FOLD_TOL, fold_error, music_like

B = spatial.NUM_BANDS


def _draws(k: int, frames: int = 40, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    ratio = -8 + 5 * torch.randn(k, B, frames, generator=gen)
    phase = 6.28 * torch.rand(k, B, frames, generator=gen)
    mag = 0.6 * torch.rand(k, B, frames, generator=gen)
    draws = torch.cat([ratio, mag * torch.cos(phase), mag * torch.sin(phase)], dim=1)
    mid_db = -40 + 10 * torch.randn(B, frames, generator=gen)
    return draws, mid_db


def test_one_draw_is_its_own_consensus():
    draws, mid_db = _draws(1)
    assert torch.equal(posterior.consensus(draws, mid_db), draws[0])


def test_identical_draws_give_the_draw_back():
    draws, mid_db = _draws(1)
    same = posterior.consensus(draws.expand(4, -1, -1), mid_db)
    assert torch.allclose(same, spatial.clamp_params(draws[0]), atol=1e-4)


def test_consensus_keeps_the_draws_mean_band_width_and_coherence_magnitude():
    draws, mid_db = _draws(6)
    image = posterior.consensus(draws, mid_db)
    want = posterior.band_widths_db(draws, mid_db).mean(0)
    assert torch.allclose(posterior.band_widths_db(image, mid_db), want, atol=1e-3)
    magnitude = torch.sqrt(image[B:2 * B] ** 2 + image[2 * B:] ** 2)
    draws_magnitude = torch.sqrt(draws[:, B:2 * B] ** 2 + draws[:, 2 * B:] ** 2).mean(0)
    assert torch.allclose(magnitude, draws_magnitude, atol=1e-5)
    # the middle of the draws varies less over time than any one draw
    assert float(image[:B].std(-1).mean()) < float(draws[:, :B].std(-1).mean())


def test_calibration_shifts_ratios_and_scales_coherence():
    draws, _ = _draws(1)
    params = spatial.clamp_params(draws[0])
    assert torch.equal(posterior.apply_calibration(params, None, None), params)
    offset, scale = [float(b % 3) - 1 for b in range(B)], [0.5] * B
    out = posterior.apply_calibration(params, offset, scale)
    shifted = (params[:B] + torch.tensor(offset)[:, None]).clamp(spatial.RATIO_FLOOR_DB, spatial.RATIO_CEIL_DB)
    assert torch.allclose(out[:B], shifted)
    assert torch.allclose(out[B:], 0.5 * params[B:], atol=1e-6)


def test_anchoring_sets_band_levels_and_keeps_the_course_over_time():
    draws, mid_db = _draws(1)
    params = spatial.clamp_params(draws[0])
    profile = [-12.0 + 0.2 * b for b in range(B)]
    assert torch.equal(posterior.anchor_band_levels(params, mid_db, None, 1.0), params)
    assert torch.equal(posterior.anchor_band_levels(params, mid_db, profile, 0.0), params)
    full = posterior.anchor_band_levels(params, mid_db, profile, 1.0)
    assert torch.allclose(posterior.band_widths_db(full, mid_db), torch.tensor(profile), atol=0.05)
    # every frame of a band moves alike, the coherences are untouched
    moved = full[:B] - params[:B]
    assert torch.allclose(moved, moved[:, :1].expand_as(moved), atol=1e-4)
    assert torch.equal(full[B:], params[B:])
    half = posterior.anchor_band_levels(params, mid_db, profile, 0.5)
    before = posterior.band_widths_db(params, mid_db)
    assert torch.allclose(posterior.band_widths_db(half, mid_db), (before + torch.tensor(profile)) / 2, atol=0.05)


def test_anchoring_through_the_upmixer(tiny_upmixer):
    mono = music_like(48_000, 16_000, seed=5)
    config = tiny_upmixer.config
    try:
        config.band_level_profile_db, config.band_level_anchor = [-30.0] * B, 1.0
        narrow = tiny_upmixer(mono, 16_000, seed=1, num_steps=2)
        config.band_level_profile_db = [-6.0] * B
        wide = tiny_upmixer(mono, 16_000, seed=1, num_steps=2)
        config.band_level_flux_slope_db = [-10.0] * B  # any movement of the bass narrows every band
        sloped = tiny_upmixer(mono, 16_000, seed=1, num_steps=2)
    finally:
        config.band_level_profile_db, config.band_level_anchor, config.band_level_flux_slope_db = None, 0.0, None
    def side_db(stereo):
        side = (stereo[0] - stereo[1]).numpy() / 2
        return 10 * np.log10(np.mean(side**2) / np.mean(np.square(mono)))

    assert side_db(narrow) < -24 and -10 < side_db(wide) < -2 and side_db(sloped) < side_db(wide) - 3
    assert fold_error(narrow, mono) <= FOLD_TOL and fold_error(wide, mono) <= FOLD_TOL


def test_num_draws_through_the_upmixer(tiny_upmixer):
    mono = music_like(24_000, 16_000, seed=2)
    one = tiny_upmixer(mono, 16_000, seed=4, num_steps=2, num_draws=1)
    four = tiny_upmixer(mono, 16_000, seed=4, num_steps=2, num_draws=4)
    assert torch.equal(four, tiny_upmixer(mono, 16_000, seed=4, num_steps=2, num_draws=4))
    assert float((one - four).abs().max()) > 1e-5
    assert fold_error(four, mono) <= FOLD_TOL
    for bad in (0, 65, 2.5, True):
        with pytest.raises(ValueError, match="num_draws"):
            tiny_upmixer(mono, 16_000, num_draws=bad)


def test_calibrate_fits_and_writes_a_loadable_model(tiny_model_dir, tmp_path):
    import shutil

    from evaluation.clips import Clip
    from training import calibrate

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    rng = np.random.default_rng(0)
    clips = []
    for index in range(3):
        mono = music_like(48_000, 16_000, seed=index)
        side = 0.3 * rng.standard_normal(mono.shape).astype(np.float32) * np.abs(mono)
        clips.append(Clip(f"c{index}", np.stack([mono + side, mono - side]), mono, 16_000, "test", 0.0))
    up = Upmixer.from_pretrained(folder)
    values = calibrate.fit(up, clips, draws=2, progress=False)
    assert values["default_num_draws"] == 2
    assert len(values["ratio_offset_db"]) == B and len(values["coherence_scale"]) == B
    assert all(np.isfinite(values["ratio_offset_db"])) and min(values["coherence_scale"]) >= 0
    assert len(values["band_level_profile_db"]) == B and values["band_level_anchor"] == 1.0
    assert len(values["band_level_flux_slope_db"]) == B
    assert all(-40.0 <= v <= 10.0 for v in values["band_level_profile_db"])
    calibrate.write_config(folder, values)
    config = json.loads((folder / UPMIXER_CONFIG).read_text())
    assert config["ratio_offset_db"] == values["ratio_offset_db"]
    reloaded = Upmixer.from_pretrained(folder)
    assert reloaded.config.default_num_draws == 2 and reloaded.config.band_level_anchor == 1.0
    stereo = reloaded(clips[0].mono, 16_000, seed=0, num_steps=2)
    assert fold_error(stereo, clips[0].mono) <= FOLD_TOL


def test_anchoring_reaches_the_target_despite_clamped_tiles():
    g = torch.Generator().manual_seed(0)
    frames = 50
    ratio = torch.clamp(-10 + 15 * torch.randn(B, frames, generator=g), -40, 10)  # many tiles at the ends
    params = torch.cat([ratio, 0.3 * torch.ones(2 * B, frames)])
    mid_db = -30 + 5 * torch.randn(B, frames, generator=g)
    target = torch.full((B,), -6.0)
    out = posterior.anchor_band_levels(params, mid_db, target, 1.0)
    assert float((posterior.band_widths_db(out, mid_db) - target).abs().max()) < 0.1
