"""Energy-domain smoothing of spatial parameters (the denoiser's training targets)."""
from __future__ import annotations

import torch

from m2s_gen import spatial
from m2s_gen.smoothing import smooth_params

B, N = spatial.NUM_BANDS, 60


def _random_params(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    ratio = torch.rand(B, N, generator=gen) * 30 - 25
    coh = torch.randn(2, B, N, generator=gen) * 0.5
    params = spatial.clamp_params(torch.cat([ratio, coh[0], coh[1]]))
    mid_db = torch.rand(B, N, generator=gen) * 40 - 60
    return params, mid_db


def test_one_frame_is_the_identity():
    params, mid_db = _random_params(0)
    assert torch.equal(smooth_params(params, mid_db, 1), params)


def test_constant_parameters_are_unchanged():
    params = torch.cat([torch.full((B, N), -8.0), torch.full((B, N), 0.3), torch.full((B, N), -0.4)])
    mid_db = torch.rand(B, N, generator=torch.Generator().manual_seed(1)) * 30 - 50
    assert torch.allclose(smooth_params(params, mid_db, 5), params, atol=1e-4)


def test_side_energy_is_kept_and_coherence_stays_valid():
    params, mid_db = _random_params(2)
    smoothed = smooth_params(params, mid_db, 5)
    e_mid = 10 ** (mid_db.double() / 10)
    side = lambda p: (e_mid * 10 ** (p[:B].double() / 10)).sum(-1)  # noqa: E731
    # the side energy of each band over the whole window, as the renderer would make it
    ratio_db = 10 * torch.log10(side(smoothed) / side(params))
    assert ratio_db.abs().max() < 3.0
    assert ratio_db.mean().abs() < 1.0
    assert (torch.hypot(smoothed[B:2 * B], smoothed[2 * B:]) <= 1 + 1e-5).all()
    # smoothing lowers the frame-to-frame swing of the ratio
    assert smoothed[:B].diff(dim=-1).abs().mean() < 0.5 * params[:B].diff(dim=-1).abs().mean()
