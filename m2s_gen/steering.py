"""Meet requested style attributes exactly on sampled spatial parameters.

Classifier-free guidance moves the sample towards a prompt's attributes; this module then sets the
attributes it asked for on the parameters themselves, so a request is met whatever the model's
guidance strength. Each step changes one attribute of :func:`m2s_gen.attributes.measure` and leaves
the rest of the image (its time course, its band shape) as the model sampled it:

- ``coherence``: every tile's ``|coh|`` is scaled by one factor (found by bisection, ``|coh| <= 1``),
  so more or less of the side is a panned copy of the mid; the side energy stays.
- ``movement_db``: each frame's broadband width is pushed away from (or towards) its mean by one factor.
- ``low_width_db`` / ``high_width_db`` / ``width_db``: side-to-mid ratios shifted over the bands concerned
  (those of :func:`m2s_gen.attributes.band_masks`), the broadband width over the other bands last.
"""
from __future__ import annotations

import torch

from . import attributes, spatial

_BISECTION_STEPS = 40
#: Bands on each side whose lean decides a band's side in :func:`_panned` (3 ERB bands: about an octave in all).
PAN_NEIGHBOURS = 3


def _measured(params: torch.Tensor, mid_energy_db: torch.Tensor, name: str) -> float:
    return float(attributes.measure(params, mid_energy_db)[attributes.ATTRIBUTE_NAMES.index(name)])


def set_coherence(params: torch.Tensor, mid_energy_db: torch.Tensor, target: float) -> torch.Tensor:
    """Scale the coherence magnitudes of ``params`` ``[3B, N]`` so that the side-energy-weighted
    coherent share equals ``target`` in [0, 1] (as close as ``|coh| <= 1`` allows)."""
    ratio_db, coh_re, coh_im = params.chunk(3, dim=-2)
    mag = torch.sqrt(coh_re**2 + coh_im**2).detach()
    if float(mag.max()) <= 1e-6:  # no phase to scale: start from an in-phase (panned) copy
        coh_re, mag = torch.full_like(coh_re, 1e-3), torch.full_like(mag, 1e-3)
    if target > _measured(params, mid_energy_db, "coherence"):
        coh_re, coh_im = _panned(coh_re, mag, mid_energy_db)

    def scaled(factor: float) -> torch.Tensor:
        new_mag = (mag * factor).clamp(max=1.0)
        unit = new_mag / mag.clamp(min=1e-12)
        return torch.cat([ratio_db, coh_re * unit, coh_im * unit], dim=-2)

    low, high = 0.0, 1.0 / float(mag[mag > 0].min().clamp(min=1e-6))
    for _ in range(_BISECTION_STEPS):
        middle = 0.5 * (low + high)
        if _measured(scaled(middle), mid_energy_db, "coherence") < target:
            low = middle
        else:
            high = middle
    return scaled(0.5 * (low + high))


def _panned(coh_re: torch.Tensor, mag: torch.Tensor, mid_energy_db: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Coherences ``[B, N]`` of the same magnitudes made real, with one sign per band for the whole
    segment (the sign of the band's energy-weighted mean): a panned source stays on its side, so a
    coherent share asked for is also heard, and measured, over longer tiles."""
    weight = 10 ** (mid_energy_db.double() / 10)
    lean = (coh_re.double() * weight).sum(-1, keepdim=True)  # [B, 1]: each band's energy-weighted side
    lean = lean / weight.sum(-1, keepdim=True).clamp(min=1e-30)
    # one side per neighbourhood of bands (an instrument spans an octave or more, and keeps its side
    # over it): the mean lean of the bands within PAN_NEIGHBOURS of each band
    kernel = torch.ones(1, 1, 2 * PAN_NEIGHBOURS + 1, dtype=lean.dtype)
    lean = torch.nn.functional.conv1d(lean.T.unsqueeze(0), kernel, padding=PAN_NEIGHBOURS)[0].T
    side = torch.sign(lean)
    side = torch.where(side == 0, torch.ones_like(side), side).to(coh_re.dtype)
    return side * mag, torch.zeros_like(mag)


def set_movement(params: torch.Tensor, mid_energy_db: torch.Tensor, target_db: float) -> torch.Tensor:
    """Scale each frame's deviation from the mean broadband width so that its std is ``target_db``."""
    now = _measured(params, mid_energy_db, "movement_db")
    if now <= 1e-6:
        return params
    e_mid = 10 ** (mid_energy_db.double() / 10)
    ratio_db = params[: params.shape[-2] // 3].double()
    frame_mid = e_mid.sum(-2)
    frame_width = 10 * torch.log10((e_mid * 10 ** (ratio_db / 10)).sum(-2) / frame_mid.clamp(min=1e-20))
    loud = frame_mid > frame_mid.max() * 1e-4
    mean = (frame_width * loud).sum() / loud.sum().clamp(min=1)
    shift = (target_db / now - 1.0) * (frame_width - mean) * loud
    out = params.clone()
    out[: ratio_db.shape[0]] = (ratio_db + shift[None]).float()
    return out


def meet_attributes(params: torch.Tensor, mid_energy_db: torch.Tensor, targets: dict[str, float]) -> torch.Tensor:
    """Parameters ``[3B, N]`` with each attribute named in ``targets`` (physical units) set; the rest
    are as sampled. ``mid_energy_db`` ``[B, N]`` weighs the tiles, as in :func:`attributes.measure`."""
    out = params.float()
    if "movement_db" in targets:  # keeps the broadband width: only its course over time changes
        width_before = _measured(out, mid_energy_db, "width_db")
        out = spatial.clamp_params(set_movement(out, mid_energy_db, float(targets["movement_db"])))
        for _ in range(3):  # the ratio ceiling may clip the shift: repeat until the width holds
            out = spatial.clamp_params(shift_broadband_width(out, mid_energy_db, width_before))
    low, high = attributes.band_masks(params.shape[-2] // 3)
    kept = torch.zeros_like(low)
    for name, rows in (("low_width_db", low), ("high_width_db", high)):
        if name in targets:
            out = spatial.set_rows_width(out, mid_energy_db, rows, float(targets[name]))
            kept |= rows
    if "width_db" in targets:
        out = shift_broadband_width(out, mid_energy_db, float(targets["width_db"]), kept)
    out = spatial.clamp_params(out)
    if "coherence" in targets:  # last: it weighs tiles by the side energy that the steps above set
        out = set_coherence(out, mid_energy_db, float(targets["coherence"]))
    return out


def shift_broadband_width(params: torch.Tensor, mid_energy_db: torch.Tensor, width_db: float,
                          kept: torch.Tensor | None = None) -> torch.Tensor:
    """Shift the ratios of the bands not ``kept`` (bool ``[B]``) so that the broadband width is
    ``width_db``. When every band is kept, or the kept ones alone exceed the target, all bands move."""
    num_bands = params.shape[-2] // 3
    free = torch.ones(num_bands, dtype=torch.bool) if kept is None else ~kept
    e_mid = 10 ** (mid_energy_db.double() / 10)
    e_side = e_mid * 10 ** (params[:num_bands].double() / 10)
    room = e_mid.sum() * 10 ** (width_db / 10) - e_side[~free].sum()  # side energy left to the free bands
    if bool(free.any()) and float(room) > 0 and float(e_side[free].sum()) > 0:
        return spatial.set_rows_width(params, mid_energy_db, free, float(10 * torch.log10(room / e_mid[free].sum())))
    return spatial.set_rows_width(params, mid_energy_db, torch.ones(num_bands, dtype=torch.bool), width_db)
