"""The image stages: a fixed, documented order, each the identity when it is off."""
from __future__ import annotations

import torch

from m2s_gen import image_stages, spatial
from m2s_gen.image_stages import ImageInputs, build_images


def _inputs(tiny_upmixer, **overrides) -> ImageInputs:
    torch.manual_seed(0)
    cond = torch.randn(2, tiny_upmixer.denoiser.config.cond_channels, 16) * 0.3
    return ImageInputs(cond=cond, config=tiny_upmixer.config, width_head=None, **overrides)


def _params(num_segments: int = 2) -> torch.Tensor:
    torch.manual_seed(1)
    ratio = torch.rand(num_segments, spatial.NUM_BANDS, 16) * -20 - 3
    coh = torch.rand(num_segments, 2 * spatial.NUM_BANDS, 16) * 0.4 - 0.2
    return torch.cat([ratio, coh], dim=1)


def test_the_order_is_the_documented_one():
    names = [name for name, _ in image_stages.STAGES]
    assert names == ["calibrate", "anchor_levels", "side_level", "smooth", "meet_attributes", "band_widths"]
    doc = image_stages.__doc__
    positions = [doc.index(f"``{name}``") for name in ["consensus", *names]]
    assert positions == sorted(positions)


def test_each_stage_is_the_identity_when_off(tiny_upmixer, monkeypatch):
    monkeypatch.setattr(tiny_upmixer.config, "side_level_offset_db", 0.0)
    inputs = _inputs(tiny_upmixer)  # no calibration, no anchoring, no targets, no band widths
    params = _params()
    for name, stage in image_stages.STAGES:
        assert torch.equal(stage(params, inputs), params), name


def test_stages_that_are_on_change_the_image(tiny_upmixer, monkeypatch):
    params = _params()
    monkeypatch.setattr(tiny_upmixer.config, "side_level_offset_db", 1.5)
    inputs = _inputs(tiny_upmixer, targets={"width_db": -6.0}, band_widths_db=((4000.0, 16000.0, -3.0),))
    for name in ("side_level", "meet_attributes", "band_widths"):
        stage = dict(image_stages.STAGES)[name]
        assert not torch.equal(stage(params, inputs), params), name


def test_build_images_runs_every_stage_in_order(tiny_upmixer):
    seen = []
    draws = _params(4)  # 2 segments x 2 draws
    images = build_images(draws, _inputs(tiny_upmixer), on_stage=lambda name, p: seen.append((name, p.shape)))
    assert [name for name, _ in seen] == ["consensus", *(name for name, _ in image_stages.STAGES)]
    assert images.shape == (2, 3 * spatial.NUM_BANDS, 16)
