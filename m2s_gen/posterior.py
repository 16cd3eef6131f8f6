"""From several diffusion draws to one spatial image: their consensus, then the model's calibration.

The quality metrics of the field (side log-mel distance, per-octave width and ICC errors) are L1
errors, and what the mono input does not determine (which tile swings wide, how wide the bass of
this recording was) is best guessed by the middle of the posterior, not by one random draw of it.
:func:`consensus` estimates that middle from ``K`` draws sampled together (a Monte-Carlo posterior
mean); ``K = 1`` returns the draw itself, the most varied take.

:func:`apply_calibration` then removes the sampler's measured bias: a per-band offset of the
side-to-mid ratio and a per-band scale of the coherence magnitude, fitted on clips of the *training*
packages by :mod:`training.calibrate` and saved in ``upmixer_config.json``.

:func:`anchor_band_levels` finally moves each band's level over the segment towards a fixed
profile (the typical width of each band in the training music), keeping the model's course over
time and its coherence: on packages it never saw, the model's per-recording band levels turned out
to carry no information about the real ones (docs/research-log.md), while how the side moves and
which part of it is panned still comes from the model.
"""
from __future__ import annotations

import torch

from . import spatial


def band_widths_db(params: torch.Tensor, mid_energy_db: torch.Tensor) -> torch.Tensor:
    """Side-to-mid ratio of each band over the whole window, ``[..., B]`` dB, from ``params``
    ``[..., 3B, N]`` weighted by the mid's band energies ``[..., B, N]`` (dB)."""
    num_bands = params.shape[-2] // 3
    e_mid = 10 ** (mid_energy_db.double() / 10)
    e_side = e_mid * 10 ** (params[..., :num_bands, :].double() / 10)
    return (10 * torch.log10(e_side.sum(-1) / e_mid.sum(-1).clamp(min=1e-30))).float()


def consensus(draws: torch.Tensor, mid_energy_db: torch.Tensor) -> torch.Tensor:
    """One image ``[3B, N]`` from ``K`` draws ``[K, 3B, N]`` of the same input.

    1. ratio: the mean over draws in dB (the middle of each tile's distribution);
    2. coherence: the mean magnitude over draws, with the phase of the mean coherence (averaging the
       complex values would cancel draws that pan the same band to opposite sides);
    3. each band is then shifted so that its width over the window is the draws' mean width in dB:
       the mean of dB values in 1. is lower than the energy the draws agree on.
    """
    if draws.shape[0] == 1:
        return draws[0]
    num_bands = draws.shape[-2] // 3
    x = draws.double()
    ratio_db = x[:, :num_bands].mean(0)
    coh_re, coh_im = x[:, num_bands:2 * num_bands], x[:, 2 * num_bands:]
    magnitude = torch.sqrt(coh_re**2 + coh_im**2).mean(0)
    phase = torch.atan2(coh_im.mean(0), coh_re.mean(0))
    image = torch.cat([ratio_db, magnitude * torch.cos(phase), magnitude * torch.sin(phase)]).float()
    target = band_widths_db(draws, mid_energy_db).double().mean(0)
    shift = (target - band_widths_db(image, mid_energy_db).double()).float()
    image[:num_bands] += shift[:, None]
    return spatial.clamp_params(image)


def apply_calibration(params: torch.Tensor, ratio_offset_db: list[float] | None,
                      coherence_scale: list[float] | None) -> torch.Tensor:
    """``params`` ``[..., 3B, N]`` with ``ratio_offset_db`` ``[B]`` added to the ratios and the
    coherences scaled by ``coherence_scale`` ``[B]`` (each ``None``: left as is)."""
    num_bands = params.shape[-2] // 3
    out = params.clone()
    if ratio_offset_db is not None:
        out[..., :num_bands, :] += torch.tensor(ratio_offset_db, dtype=out.dtype)[:, None]
    if coherence_scale is not None:
        scale = torch.tensor(coherence_scale, dtype=out.dtype)[:, None]
        out[..., num_bands:2 * num_bands, :] *= scale
        out[..., 2 * num_bands:, :] *= scale
    return spatial.clamp_params(out)


#: Shift-and-clamp passes of :func:`anchor_band_levels` (each brings a band with clamped tiles closer).
ANCHOR_PASSES = 4


def anchor_band_levels(params: torch.Tensor, mid_energy_db: torch.Tensor,
                       profile_db: list[float] | torch.Tensor | None, weight: float) -> torch.Tensor:
    """``params`` ``[..., 3B, N]`` with each band's width over the window (:func:`band_widths_db`,
    weighted by ``mid_energy_db`` ``[..., B, N]``) moved ``weight`` of the way (0..1, in dB) to
    ``profile_db`` ``[B]`` (or ``[..., B]``, e.g. :func:`m2s_gen.level_profile.profile_db`); every frame of a band is shifted alike, so the course over time and the
    coherences are kept. ``profile_db`` None or ``weight`` 0: unchanged."""
    if profile_db is None or weight <= 0:
        return params
    num_bands = params.shape[-2] // 3
    now = band_widths_db(params, mid_energy_db).double()
    target = now + float(weight) * (torch.as_tensor(profile_db, dtype=torch.float64) - now)
    out = params.clone()
    # shifted, clamped to the ratio range, and shifted again: tiles pinned at the range's ends would
    # otherwise leave the band short of (or past) its target, by up to 2 dB for a single draw
    for _ in range(ANCHOR_PASSES):
        shift = target - band_widths_db(out, mid_energy_db).double()
        out[..., :num_bands, :] += shift.to(out.dtype)[..., None]
        out = spatial.clamp_params(out)
    return out
