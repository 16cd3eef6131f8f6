"""The denoiser: a 1-D transformer over spatial-parameter frames.

Input per frame: the noisy spatial latent ``x`` ``[B, param_channels, N]`` concatenated with the
conditioning of the mono input ``cond`` ``[B, cond_channels, N]`` (its codec latents and band
energies). Global conditioning (diffusion timestep, style attributes with a mask for "unspecified")
modulates every block through adaptive layer norm (scale, shift, gate), as in DiT.
"""
from __future__ import annotations

import math

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn


def sinusoidal_embedding(values: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """``[B]`` (or ``[N]``) float -> ``[B, dim]`` sin/cos features."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=values.device) / half)
    angles = values.float()[:, None] * freqs[None]
    return torch.cat([angles.cos(), angles.sin()], dim=-1)


class AdaBlock(nn.Module):
    """Pre-norm transformer block whose norms are scaled/shifted/gated by a global embedding."""

    def __init__(self, dim: int, heads: int, ff_mult: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False)
        self.ff = nn.Sequential(nn.Linear(dim, dim * ff_mult), nn.GELU(), nn.Dropout(dropout),
                                nn.Linear(dim * ff_mult, dim))
        self.modulation = nn.Linear(dim, 6 * dim)
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(emb)[:, None].chunk(6, dim=-1)
        a = self.norm1(h) * (1 + scale1) + shift1
        h = h + gate1 * self.attn(a, a, a, need_weights=False)[0]
        f = self.norm2(h) * (1 + scale2) + shift2
        return h + gate2 * self.ff(f)


class SpatialDenoiser(ModelMixin, ConfigMixin):
    """Predicts the diffusion target (``v`` or ``epsilon``) of the spatial latent."""

    config_name = "config.json"

    @register_to_config
    def __init__(
        self,
        param_channels: int = 96,
        cond_channels: int = 96,
        num_attributes: int = 5,
        hidden_dim: int = 256,
        num_layers: int = 6,
        num_heads: int = 4,
        ff_mult: int = 4,
        dropout: float = 0.0,
        max_frames: int = 4096,
        patch_frames: int = 1,
        context_channels: int = 0,
    ):
        super().__init__()
        # patch_frames consecutive frames make one token: fewer tokens, same output resolution
        self.input_proj = nn.Conv1d(param_channels + cond_channels, hidden_dim, kernel_size=patch_frames,
                                    stride=patch_frames) if patch_frames > 1 else \
            nn.Conv1d(param_channels + cond_channels, hidden_dim, kernel_size=3, padding=1)
        self.time_mlp = nn.Sequential(nn.Linear(hidden_dim, hidden_dim), nn.SiLU(), nn.Linear(hidden_dim, hidden_dim))
        # attributes and their "given" mask -> one embedding; all-masked is the unconditional case
        self.attr_mlp = nn.Sequential(nn.Linear(2 * num_attributes, hidden_dim), nn.SiLU(),
                                      nn.Linear(hidden_dim, hidden_dim))
        # a summary of the whole track (features.track_context) and its "given" flag: 0 = none
        if context_channels:
            self.context_mlp = nn.Sequential(nn.Linear(context_channels + 1, hidden_dim), nn.SiLU(),
                                             nn.Linear(hidden_dim, hidden_dim))
        self.blocks = nn.ModuleList(AdaBlock(hidden_dim, num_heads, ff_mult, dropout) for _ in range(num_layers))
        self.out_norm = nn.LayerNorm(hidden_dim, elementwise_affine=False)
        self.out_modulation = nn.Linear(hidden_dim, 2 * hidden_dim)
        self.out_proj = nn.Linear(hidden_dim, param_channels * patch_frames)
        nn.init.zeros_(self.out_proj.weight)
        nn.init.zeros_(self.out_proj.bias)

    def forward(
        self,
        sample: torch.Tensor,
        timestep: torch.Tensor,
        cond: torch.Tensor,
        attributes: torch.Tensor,
        attribute_mask: torch.Tensor,
        context: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``sample`` ``[B, P, N]``, ``timestep`` ``[B]`` or scalar, ``cond`` ``[B, C, N]``,
        ``attributes`` ``[B, A]`` (normalised), ``attribute_mask`` ``[B, A]`` (1 = given), ``context``
        ``[B, context_channels]`` (the track summary; None or NaN rows = not given) -> ``[B, P, N]``."""
        batch, _, num_frames = sample.shape
        if num_frames > self.config.max_frames:
            raise ValueError(f"{num_frames} frames > max_frames={self.config.max_frames}")
        timestep = torch.as_tensor(timestep, device=sample.device).reshape(-1).expand(batch)
        dim = self.config.hidden_dim
        emb = self.time_mlp(sinusoidal_embedding(timestep, dim).to(sample.dtype))
        mask = attribute_mask.to(sample.dtype)
        emb = emb + self.attr_mlp(torch.cat([attributes.to(sample.dtype) * mask, mask], dim=-1))
        if self.config.context_channels:
            if context is None:
                context = sample.new_full((batch, self.config.context_channels), float("nan"))
            context = context.to(sample.dtype).expand(batch, -1)
            given = torch.isfinite(context).all(dim=-1, keepdim=True).to(sample.dtype)
            emb = emb + self.context_mlp(torch.cat([torch.nan_to_num(context) * given, given], dim=-1))
        patch = self.config.patch_frames
        pad = (-num_frames) % patch
        x = torch.nn.functional.pad(torch.cat([sample, cond.to(sample.dtype)], dim=1), (0, pad))
        h = self.input_proj(x).transpose(1, 2)
        positions = torch.arange(h.shape[1], device=sample.device) * patch
        h = h + sinusoidal_embedding(positions, dim).to(h.dtype)[None]
        emb = nn.functional.silu(emb)
        for block in self.blocks:
            h = block(h, emb)
        shift, scale = self.out_modulation(emb)[:, None].chunk(2, dim=-1)
        h = self.out_norm(h) * (1 + scale) + shift
        out = self.out_proj(h)  # [B, tokens, patch * P]
        out = out.reshape(batch, -1, patch, self.config.param_channels).reshape(batch, -1, self.config.param_channels)
        return out[:, :num_frames].transpose(1, 2)
