"""Temporal smoothing of spatial parameters in the energy domain.

Tile-level parameters of real stereo are noisy (a 40 ms tile's side-to-mid ratio swings by +-10 dB).
The denoiser is trained on targets smoothed over a few frames, so it models the audible spatial
image rather than estimation noise: energies and the cross-spectrum are averaged, never the dB
values, so the smoothed parameters keep each band's side energy over the window.
"""
from __future__ import annotations

import torch

from . import spatial

_EPS = 1e-20


def _moving_average(x: torch.Tensor, frames: int) -> torch.Tensor:
    """Centred Hann-weighted moving average over the last axis of ``[..., N]`` (edges renormalised)."""
    window = torch.hann_window(frames + 2, periodic=False, dtype=x.dtype, device=x.device)[1:-1]
    flat = x.reshape(-1, 1, x.shape[-1])
    pad = frames // 2
    kernel = window.view(1, 1, -1)
    num = torch.nn.functional.conv1d(torch.nn.functional.pad(flat, (pad, frames - 1 - pad)), kernel)
    den = torch.nn.functional.conv1d(torch.nn.functional.pad(torch.ones_like(flat), (pad, frames - 1 - pad)), kernel)
    return (num / den).reshape(x.shape)


def smooth_params(params: torch.Tensor, mid_energy_db: torch.Tensor, frames: int) -> torch.Tensor:
    """Smooth ``params`` ``[..., 3B, N]`` over ``frames`` parameter frames (40 ms each), weighting
    tiles by the mid's band energies ``mid_energy_db`` ``[..., B, N]``. ``frames <= 1``: unchanged."""
    if frames <= 1:
        return params
    ratio_db, coh_re, coh_im = params.double().chunk(3, dim=-2)
    e_mid = 10 ** (mid_energy_db.double() / 10)
    e_side = e_mid * 10 ** (ratio_db / 10)
    amplitude = torch.sqrt(e_mid * e_side)
    e_mid_s, e_side_s = _moving_average(e_mid, frames), _moving_average(e_side, frames)
    cross_re, cross_im = _moving_average(coh_re * amplitude, frames), _moving_average(coh_im * amplitude, frames)
    norm = torch.sqrt(e_mid_s * e_side_s) + _EPS
    ratio_s = 10 * torch.log10((e_side_s + _EPS) / (e_mid_s + _EPS))
    smoothed = torch.cat([ratio_s, cross_re / norm, cross_im / norm], dim=-2)
    return spatial.clamp_params(smoothed).to(params.dtype)
