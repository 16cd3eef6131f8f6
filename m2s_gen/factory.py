"""Building a fresh upmixer from sizes: used by training (before the weights are learnt) and tests."""
from __future__ import annotations

import torch
from diffusers import DPMSolverMultistepScheduler

from . import attributes, spatial
from .codec import SeanetCodec
from .denoiser import SpatialDenoiser
from .pipeline import Upmixer, UpmixerConfig


def default_scheduler_config(num_train_timesteps: int = 1000) -> dict:
    """The noise schedule shared by training (DDPM forward process) and sampling (DPM-Solver++)."""
    scheduler = DPMSolverMultistepScheduler(
        num_train_timesteps=num_train_timesteps, beta_schedule="squaredcos_cap_v2",
        prediction_type="v_prediction", algorithm_type="dpmsolver++", solver_order=2,
        timestep_spacing="trailing", final_sigmas_type="zero",
    )
    return dict(scheduler.config)


def build_upmixer(codec: SeanetCodec | None = None, denoiser_kwargs: dict | None = None,
                  codec_kwargs: dict | None = None, config: UpmixerConfig | None = None,
                  seed: int = 0) -> Upmixer:
    """An upmixer with freshly initialised (seeded) weights; pass ``codec`` to reuse a trained one."""
    torch.manual_seed(seed)
    codec = codec or SeanetCodec(**(codec_kwargs or {}))
    kwargs = dict(param_channels=3 * spatial.NUM_BANDS,
                  cond_channels=codec.config.latent_dim + spatial.NUM_BANDS,
                  num_attributes=len(attributes.ATTRIBUTE_NAMES))
    kwargs.update(denoiser_kwargs or {})
    denoiser = SpatialDenoiser(**kwargs)
    return Upmixer(codec, denoiser, default_scheduler_config(), config or UpmixerConfig())
