"""Style attributes measured from audio: what width, prompts and training conditions are made of.

All are computed from the spatial parameters of :mod:`m2s_gen.spatial` and the mid's band energies,
so training needs no labels: each target's own measured attributes are its condition.
"""
from __future__ import annotations

import torch

from . import spatial

ATTRIBUTE_NAMES = ("width_db", "low_width_db", "high_width_db", "coherence", "movement_db")
# (centre, scale) so that normalised attributes are about unit range on real music
_NORMALISATION = {
    "width_db": (-9.0, 5.0),
    "low_width_db": (-14.0, 7.0),
    "high_width_db": (-8.0, 5.0),
    "coherence": (0.25, 0.2),
    "movement_db": (3.0, 1.5),
}
LOW_BAND_MAX_HZ = 200.0
HIGH_BAND_MIN_HZ = 4000.0
_EPS = 1e-12


def band_masks(num_bands: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Boolean ``[num_bands]`` masks of the bands of ``low_width_db`` and of ``high_width_db``."""
    edges = spatial.band_edges_hz(num_bands)
    low = torch.tensor([hi <= LOW_BAND_MAX_HZ * 1.25 for _, hi in edges])
    high = torch.tensor([lo >= HIGH_BAND_MIN_HZ for lo, _ in edges])
    return low, high


def measure(params: torch.Tensor, mid_energy_db: torch.Tensor) -> torch.Tensor:
    """Attributes ``[..., 5]`` (in ATTRIBUTE_NAMES order, physical units) of spatial ``params``
    ``[..., 3B, N]`` over the mid's band energies ``[..., B, N]`` (dB)."""
    ratio_db, coh_re, coh_im = params.float().chunk(3, dim=-2)
    e_mid = 10 ** (mid_energy_db.float() / 10)
    e_side = e_mid * 10 ** (ratio_db / 10)
    low, high = band_masks(ratio_db.shape[-2])

    def width(mask=None):
        em, es = (e_mid, e_side) if mask is None else (e_mid[..., mask, :], e_side[..., mask, :])
        return 10 * torch.log10((es.sum((-1, -2)) + _EPS) / (em.sum((-1, -2)) + _EPS))

    coherence = (e_side * (coh_re**2 + coh_im**2)).sum((-1, -2)) / (e_side.sum((-1, -2)) + _EPS)
    frame_mid = e_mid.sum(-2)
    frame_width = 10 * torch.log10((e_side.sum(-2) + _EPS) / (frame_mid + _EPS))
    loud = frame_mid > frame_mid.amax(-1, keepdim=True) * 1e-4
    mean = (frame_width * loud).sum(-1) / loud.sum(-1).clamp(min=1)
    movement = torch.sqrt((((frame_width - mean[..., None]) ** 2) * loud).sum(-1) / loud.sum(-1).clamp(min=1))
    return torch.stack([width(), width(low), width(high), coherence, movement], dim=-1)


def normalise(values: torch.Tensor) -> torch.Tensor:
    """Physical units ``[..., 5]`` -> model units (about -2..2)."""
    centre = torch.tensor([_NORMALISATION[n][0] for n in ATTRIBUTE_NAMES], dtype=values.dtype)
    scale = torch.tensor([_NORMALISATION[n][1] for n in ATTRIBUTE_NAMES], dtype=values.dtype)
    return ((values - centre.to(values.device)) / scale.to(values.device)).clamp(-4, 4)
