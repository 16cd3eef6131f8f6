"""The controls of a stream, resolved as :meth:`m2s_gen.Upmixer.__call__` resolves them.

A preset fills the sampler settings it names; the model's config gives the rest. One place, so that
when the offline call's settings move (a dataclass of sampler settings), only this helper follows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np



@dataclass(frozen=True)
class StreamSettings:
    """Everything the image worker and the renderer need besides the audio."""

    num_steps: int
    guidance_scale: float
    temperature: float
    num_draws: int
    calibrate: bool
    band_level_anchor: float
    level_spread: float
    time_course: float  # scale of the predicted time course (0: none)
    hold: float  # 0..1: how far each band's width is the image's energy-weighted one (as offline)
    diffuse: bool  # a diffuse word: the decorrelated part stays strictly decorrelated


def check_controls(sample_rate, width_db, bass_mono_hz, num_steps) -> None:
    """Raise ``ValueError`` naming the control and its range, as the offline call does."""
    from ..pipeline import MAX_WIDTH_DB, MIN_WIDTH_DB

    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)) \
            or not 1_000 <= sample_rate <= 768_000:
        raise ValueError(f"sample_rate must be an integer in [1000, 768000] Hz, got {sample_rate!r}")
    if width_db is not None and not MIN_WIDTH_DB <= width_db <= MAX_WIDTH_DB:
        raise ValueError(f"width_db must be in [{MIN_WIDTH_DB}, {MAX_WIDTH_DB}] dB, got {width_db}")
    if bass_mono_hz is not None and not 0 <= bass_mono_hz <= 2_000:
        raise ValueError(f"bass_mono_hz must be in [0, 2000] Hz, got {bass_mono_hz}")
    if num_steps is not None and (isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer))
                                  or not 1 <= num_steps <= 1000):
        raise ValueError(f"num_steps must be an integer in [1, 1000], got {num_steps!r}")


def resolve_settings(upmixer, prompt: str | None, width_db: float | None, preset: str | None,
                     num_steps: int | None = None) -> StreamSettings:
    """Settings for ``upmixer`` with the given controls, resolved as an offline call resolves them
    (:meth:`m2s_gen.Upmixer.resolve_settings`; ``ValueError`` for an unknown preset)."""
    from ..pipeline import DIFFUSE_COHERENCE
    from ..sampler_settings import SamplerSettings

    targets = upmixer._attribute_targets(prompt, width_db)
    full = upmixer.resolve_settings(preset, SamplerSettings(num_steps=num_steps), targets)
    return StreamSettings(
        num_steps=full.num_steps, guidance_scale=float(full.guidance_scale), temperature=float(full.temperature),
        num_draws=full.num_draws, calibrate=full.calibrate, band_level_anchor=full.band_level_anchor,
        level_spread=full.level_spread, time_course=full.time_course, hold=full.hold_band_widths,
        diffuse=bool(targets) and targets.get("coherence", 1.0) <= DIFFUSE_COHERENCE,
    )
