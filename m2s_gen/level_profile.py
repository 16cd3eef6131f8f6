"""The typical side-to-mid ratio of each band, and how the movement of the bass shifts it.

The width of real music below ~180 Hz is bimodal: a mono low end or a wide one. Of simple measures of
the mono, one told them apart on the training packages and on the unseen validation packages alike:
how much the bass level moves from frame to frame. Punchy, rhythmic bass goes with a narrow low end,
sustained bass with a wide one (docs/research-log.md). :func:`profile_db` is the anchoring profile of
:func:`m2s_gen.posterior.anchor_band_levels`: an intercept per band plus a slope times that movement,
both fitted by ``training.calibrate`` on the training packages.
"""
from __future__ import annotations

import torch

from . import spatial

#: Bands whose centre lies below this frequency make up "the bass", Hz.
BASS_BELOW_HZ = 180.0
#: The movement is clipped to this, dB per frame, so that odd input cannot push a band far off the
#: fitted range (training clips: 1.9 +- 1.1 dB).
MAX_FLUX_DB = 6.0


def bass_bands(num_bands: int = spatial.NUM_BANDS) -> torch.Tensor:
    """Bool ``[B]``: the bands whose centre is below :data:`BASS_BELOW_HZ`."""
    centres = torch.tensor([(low + high) / 2 for low, high in spatial.band_edges_hz(num_bands)])
    return centres < BASS_BELOW_HZ


def bass_flux_db(mid_energy_db: torch.Tensor) -> torch.Tensor:
    """Mean absolute frame-to-frame change of the bass level, dB, ``[...]`` from the mid's band
    energies ``[..., B, N]`` (dB); 0 for a single frame or a silent input."""
    rows = bass_bands(mid_energy_db.shape[-2]).to(mid_energy_db.device)
    energy = (10 ** (mid_energy_db[..., rows, :].double() / 10)).sum(-2)
    level_db = 10 * torch.log10(energy + 1e-12)
    if level_db.shape[-1] < 2:
        return torch.zeros(level_db.shape[:-1], dtype=torch.float64)
    return level_db.diff(dim=-1).abs().mean(-1).clamp(0.0, MAX_FLUX_DB)


def profile_db(mid_energy_db: torch.Tensor, intercept_db: list[float],
               flux_slope_db: list[float] | None = None) -> torch.Tensor:
    """Anchoring profile ``[..., B]`` dB: ``intercept_db[b] + flux_slope_db[b] * bass_flux_db``
    (without slopes, the intercept alone), for the window whose mid band energies are
    ``mid_energy_db`` ``[..., B, N]``; clipped to the ratio's range."""
    intercept = torch.tensor(intercept_db, dtype=torch.float64)
    if flux_slope_db is None:
        return intercept.expand(*mid_energy_db.shape[:-2], -1)
    flux = bass_flux_db(mid_energy_db)
    profile = intercept + torch.tensor(flux_slope_db, dtype=torch.float64) * flux[..., None]
    return profile.clamp(spatial.RATIO_FLOOR_DB, spatial.RATIO_CEIL_DB)
