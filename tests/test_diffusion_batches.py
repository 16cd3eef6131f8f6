"""Training windows for the denoiser: shapes, smoothing and loss weights."""
from __future__ import annotations

import numpy as np
import torch

from m2s_gen import features, spatial
from training.diffusion_batches import attribute_mask, sample_batch

D, B, N = 8, spatial.NUM_BANDS, 40


def _pairs(count: int = 3) -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(0)
    pairs = []
    for _ in range(count):
        mid_db = torch.rand(B, N, generator=gen) * 40 - 60
        cond = torch.cat([torch.randn(D, N, generator=gen), (mid_db - features.MID_DB_CENTRE) / features.MID_DB_SCALE])
        ratio = torch.rand(B, N, generator=gen) * 30 - 25
        params = spatial.clamp_params(torch.cat([ratio, torch.randn(2 * B, N, generator=gen) * 0.4]))
        pairs.append((cond.half(), params.half()))
    return pairs


def _batch(**kwargs):
    return sample_batch(_pairs(), 4, 32, D, 2.0, np.random.default_rng(0), flip_side=False, **kwargs)


def test_shapes_and_ranges():
    batch = _batch()
    assert batch["x0"].shape == (4, 3 * B, 32) and batch["cond"].shape == (4, D + B, 32)
    assert batch["attributes"].shape == (4, 5) and batch["weight"].shape == (4, 3 * B, 32)
    assert set(batch["weight"].unique().tolist()) <= {0.0, 1.0}


def test_smoothing_lowers_the_targets_frame_to_frame_swing():
    rough, smooth = _batch()["x0"][:, :B], _batch(smooth_frames=5)["x0"][:, :B]
    assert smooth.diff(dim=-1).abs().mean() < 0.5 * rough.diff(dim=-1).abs().mean()


def test_energy_weight_follows_the_mid_energy():
    batch = _batch(energy_weight=0.5)
    weight = batch["weight"][:, :B]
    mid_db = batch["cond"][:, D:] * features.MID_DB_SCALE + features.MID_DB_CENTRE
    assert weight.max() <= 1.0 and weight.amax(dim=-1).min() > 0.99  # each band's loudest tile: 1
    expected = 10 ** (0.5 * (mid_db - mid_db.amax(dim=-1, keepdim=True)) / 10)
    assert torch.allclose(weight, expected, atol=1e-5)


def test_attribute_mask_drops():
    mask = attribute_mask(2000, 5, 0.5, 0.2, np.random.default_rng(0))
    assert abs(float(mask.mean()) - 0.4) < 0.03
    assert abs(float((mask.sum(1) == 0).float().mean()) - (0.2 + 0.8 * 0.5**5)) < 0.03
