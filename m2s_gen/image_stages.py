"""From the sampler's draws to the image that is rendered: a short, fixed sequence of named stages.

The diffusion sampler gives ``K`` draws of the spatial image per segment (``[3B, N]`` each: per ERB
band and 40 ms frame, the side-to-mid ratio in dB and the complex coherence of the side with the
mid). :func:`build_images` turns them into one image per segment, in this order:

1. ``consensus``: the draws' middle (mean ratio in dB, mean coherence, each band's width set to the
   draws' mean); one draw passes through unchanged.
2. ``calibrate``: the model's per-band calibration of ratio and coherence, fitted on training clips
   (when the settings ask for it).
3. ``anchor_levels``: each band's level over the segment moved towards the width that the width head
   predicts from the music (or the typical width of the band, for a model without a head), shifted
   by this take's draw of band levels when ``level_spread`` > 0.
4. ``side_level``: every ratio shifted by the model's side level (fitted on training clips).
5. ``smooth``: energy-domain smoothing over the model's ``param_smooth_frames`` (for models trained
   on smoothed targets; one frame, the bundled model's, is no smoothing).
6. ``meet_attributes``: the attributes asked for by prompt words or ``width_db`` met exactly.
7. ``band_widths``: the per-band widths asked for (``band_widths_db``) met exactly.

Each stage is a function ``(params [S, 3B, N], inputs) -> params`` that returns its input unchanged
when it is off; :data:`STAGES` fixes the order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from . import features, level_profile, posterior, spatial, steering
from .smoothing import smooth_params


@dataclass(frozen=True)
class ImageInputs:
    """What the stages read: the segments' conditioning and the request, resolved."""

    cond: torch.Tensor  # [S, C, N] the segments' mono conditioning (codec latents + band energies)
    config: object  # the model's UpmixerConfig
    width_head: object = None  # m2s_gen.width_head.WidthHead or None
    targets: dict = field(default_factory=dict)  # requested attributes in physical units
    band_widths_db: tuple = ()  # ((low_hz, high_hz, width_db), ...)
    calibrate: bool = False
    anchor: float = 0.0  # 0..1
    level_offset_db: torch.Tensor | None = None  # [B]: this take's draw of band levels, or None

    @property
    def mid_db(self) -> torch.Tensor:
        """The mid's band energies ``[S, B, N]`` dB, from the conditioning."""
        return self.cond[:, -spatial.NUM_BANDS:].cpu() * features.MID_DB_SCALE + features.MID_DB_CENTRE


Stage = Callable[[torch.Tensor, ImageInputs], torch.Tensor]


def consensus(draws: torch.Tensor, inputs: ImageInputs) -> torch.Tensor:
    """``[S * K, 3B, N]`` draws (``K`` consecutive per segment) -> ``[S, 3B, N]``."""
    mid_db = inputs.mid_db
    draws = draws.reshape(mid_db.shape[0], -1, *draws.shape[1:])
    return torch.stack([posterior.consensus(d, db) for d, db in zip(draws, mid_db)])


def calibrate(params: torch.Tensor, inputs: ImageInputs) -> torch.Tensor:
    if not inputs.calibrate:
        return params
    return posterior.apply_calibration(params, inputs.config.ratio_offset_db, inputs.config.coherence_scale)


def anchor_profile_db(inputs: ImageInputs) -> torch.Tensor | None:
    """Each segment's band-level target ``[S, B]`` dB: the width head's prediction from the music when
    the model has one (and anchors to it), else the calibrated training profile, else None."""
    config = inputs.config
    if inputs.width_head is not None and config.anchor_to_width_head:
        return inputs.width_head.profile_db(inputs.cond.detach().cpu().float())
    if config.band_level_profile_db is not None:
        return level_profile.profile_db(inputs.mid_db, config.band_level_profile_db, config.band_level_flux_slope_db)
    return None


def anchor_levels(params: torch.Tensor, inputs: ImageInputs) -> torch.Tensor:
    if inputs.anchor <= 0:
        return params
    profile = anchor_profile_db(inputs)
    if profile is None:
        return params
    if inputs.level_offset_db is not None:
        profile = (profile.double() + inputs.level_offset_db.double()).clamp(spatial.RATIO_FLOOR_DB,
                                                                            spatial.RATIO_CEIL_DB)
    return posterior.anchor_band_levels(params, inputs.mid_db, profile, inputs.anchor)


def side_level(params: torch.Tensor, inputs: ImageInputs) -> torch.Tensor:
    offset_db = inputs.config.side_level_offset_db
    if not offset_db:
        return params
    return posterior.apply_calibration(params, [offset_db] * spatial.NUM_BANDS, None)


def smooth(params: torch.Tensor, inputs: ImageInputs) -> torch.Tensor:
    return smooth_params(params, inputs.mid_db, inputs.config.param_smooth_frames)


def meet_attributes(params: torch.Tensor, inputs: ImageInputs) -> torch.Tensor:
    if not inputs.targets:
        return params
    return torch.stack([steering.meet_attributes(p, db, inputs.targets) for p, db in zip(params, inputs.mid_db)])


def band_widths(params: torch.Tensor, inputs: ImageInputs) -> torch.Tensor:
    if not inputs.band_widths_db:
        return params
    return torch.stack([spatial.set_band_widths(p, db, inputs.band_widths_db) for p, db in zip(params, inputs.mid_db)])


#: The stages after the consensus, in the order they run.
STAGES: tuple[tuple[str, Stage], ...] = (
    ("calibrate", calibrate),
    ("anchor_levels", anchor_levels),
    ("side_level", side_level),
    ("smooth", smooth),
    ("meet_attributes", meet_attributes),
    ("band_widths", band_widths),
)


def build_images(draws: torch.Tensor, inputs: ImageInputs, stages=STAGES,
                 on_stage: Callable[[str, torch.Tensor], None] | None = None) -> torch.Tensor:
    """Images ``[S, 3B, N]`` from the draws ``[S * K, 3B, N]``: the consensus, then each stage in turn.
    ``on_stage(name, params)`` is called after each (for inspection and tests)."""
    params = consensus(draws, inputs)
    if on_stage is not None:
        on_stage("consensus", params)
    for name, stage in stages:
        params = stage(params, inputs)
        if on_stage is not None:
            on_stage(name, params)
    return params
