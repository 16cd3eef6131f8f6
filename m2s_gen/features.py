"""What the denoiser sees: the mono input's conditioning and the normalised spatial latent.

Shared by training (precomputed to disk) and the upmixer, so both use the same numbers.
"""
from __future__ import annotations

import torch

from . import spatial

RATIO_CENTRE_DB = -10.0
RATIO_SCALE_DB = 10.0
MID_DB_CENTRE = -50.0
MID_DB_SCALE = 20.0


def params_to_latent(params: torch.Tensor) -> torch.Tensor:
    """Spatial parameters ``[..., 3B, N]`` (dB, coherences) -> the diffusion space (about unit scale)."""
    ratio_db, coh = params[..., : params.shape[-2] // 3, :], params[..., params.shape[-2] // 3:, :]
    return torch.cat([(ratio_db - RATIO_CENTRE_DB) / RATIO_SCALE_DB, coh], dim=-2)


def latent_to_params(latent: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`params_to_latent`, projected onto valid parameters."""
    ratio, coh = latent[..., : latent.shape[-2] // 3, :], latent[..., latent.shape[-2] // 3:, :]
    return spatial.clamp_params(torch.cat([ratio * RATIO_SCALE_DB + RATIO_CENTRE_DB, coh], dim=-2))


def _to_frames(latents: torch.Tensor, num_frames: int) -> torch.Tensor:
    """Codec latents at the codec's frame rate -> ``num_frames`` parameter frames (area pooling)."""
    if latents.shape[-1] == num_frames:
        return latents
    return torch.nn.functional.adaptive_avg_pool1d(latents, num_frames)


@torch.inference_mode()
def mono_conditioning(codec, mid: torch.Tensor, latent_scale: float) -> torch.Tensor:
    """Conditioning ``[B, D + B_bands, N]`` of mid signals ``[B, T]`` at the model rate: the codec
    latents of the dual-mono signal ``[M, M]`` (divided by ``latent_scale``) and the mid's band
    energies, one column per parameter frame."""
    num_frames = spatial.num_param_frames(mid.shape[-1])
    latents = codec.encode(torch.stack([mid, mid], dim=1).float())
    latents = _to_frames(latents, num_frames) / latent_scale
    energy = (spatial.mid_band_energy_db(mid) - MID_DB_CENTRE) / MID_DB_SCALE
    return torch.cat([latents, energy.to(latents.dtype)], dim=1)


def without_latents(cond: torch.Tensor) -> torch.Tensor:
    """``cond`` ``[..., D + B, N]`` with the codec latents zeroed and the band energies kept: what a
    model trained without codec latents (the ablation of ``diffusion.use_codec_latents``) sees."""
    out = cond.clone()
    out[..., : cond.shape[-2] - spatial.NUM_BANDS, :] = 0
    return out


CONTEXT_FLOOR_BELOW_PEAK_DB = 50.0


def audible_frames(cond: torch.Tensor) -> torch.Tensor:
    """The audible frames ``[C, N']`` (float32) of ``cond`` ``[C, N]`` (or ``[S, C, N]`` segments,
    frames concatenated): the mid's loudest band within 50 dB of the loudest frame; all frames when
    none is."""
    if cond.dim() == 3:
        cond = cond.transpose(0, 1).reshape(cond.shape[1], -1)
    cond = cond.float()
    loudest_db = cond[-spatial.NUM_BANDS:].amax(dim=0) * MID_DB_SCALE + MID_DB_CENTRE
    audible = loudest_db > loudest_db.max() - CONTEXT_FLOOR_BELOW_PEAK_DB
    return cond[:, audible] if bool(audible.any()) else cond


def track_context(cond: torch.Tensor) -> torch.Tensor:
    """Summary of a whole track's conditioning ``[C, N]`` (or ``[S, C, N]`` segments of it, frames
    concatenated) -> ``[2C]``: mean and standard deviation over its audible frames (the mid's loudest
    band within 50 dB of the track's loudest frame). The stereo image is a property of the production,
    so the denoiser sees this beside the 10 s window it generates."""
    frames = audible_frames(cond)
    std = frames.std(dim=1, unbiased=False) if frames.shape[1] > 1 else torch.zeros_like(frames[:, 0])
    return torch.cat([frames.mean(dim=1), std])
