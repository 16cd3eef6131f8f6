"""Random training windows of precomputed (conditioning, spatial parameters) pairs."""
from __future__ import annotations

import numpy as np
import torch

from m2s_gen import attributes, features, spatial
from m2s_gen.smoothing import smooth_params

MID_FLOOR_BELOW_PEAK_DB = 50.0


def band_mask_for_rate(source_rate_hz: float, num_bands: int = spatial.NUM_BANDS) -> torch.Tensor:
    """``[num_bands]`` 1 for bands that start below the source's Nyquist frequency, else 0: a track
    decoded from 32 kHz has no content above 16 kHz, so no spatial image to learn there."""
    nyquist = source_rate_hz / 2
    return torch.tensor([1.0 if low < nyquist else 0.0 for low, _ in spatial.band_edges_hz(num_bands)])


def pair_contexts(pairs, latent_dim: int, latent_scale: float) -> list[torch.Tensor]:
    """The track summary (:func:`m2s_gen.features.track_context`) of each pair's whole conditioning,
    with the latents scaled as the denoiser sees them."""
    out = []
    for cond, *_ in pairs:
        c = cond.float().clone()
        c[:latent_dim] /= latent_scale
        out.append(features.track_context(c))
    return out


def sample_batch(pairs, batch_size: int, num_frames: int, latent_dim: int, latent_scale: float,
                 rng: np.random.Generator, flip_side: bool = True, gain_db_range: float = 0.0,
                 smooth_frames: int = 1, energy_weight: float = 0.0, contexts=None,
                 band_masks=None) -> dict[str, torch.Tensor]:
    """A batch of windows: ``x0`` ``[B, 3 bands, N]`` (diffusion space), ``cond`` ``[B, C, N]``,
    ``attributes`` ``[B, 5]`` (normalised, measured on the target window) and ``weight``
    ``[B, 3 bands, N]`` (0 where the mid is more than 50 dB below the window's loudest tile, whose
    parameters mean nothing). ``smooth_frames`` > 1 smooths the targets over that many frames
    (:func:`m2s_gen.smoothing.smooth_params`). ``energy_weight`` = g > 0 weighs each tile by
    ``(E_M / E_M,max) ** g`` (band maximum over the window): loud tiles are what is heard.
    ``contexts`` (one track summary per pair) adds ``context`` ``[B, K]``; ``band_masks`` (``[bands]``
    per pair, :func:`band_mask_for_rate`) zeroes the weight of bands above a source's Nyquist."""
    lengths = np.array([p[1].shape[-1] for p in pairs], dtype=np.float64)
    picks = rng.choice(len(pairs), size=batch_size, p=lengths / lengths.sum())
    conds, params, masks = [], [], []
    for k in picks:
        cond, par = pairs[k]
        start = int(rng.integers(0, max(1, cond.shape[-1] - num_frames)))
        c = cond[:, start:start + num_frames].float()
        p = par[:, start:start + num_frames].float()
        pad = num_frames - c.shape[-1]
        if pad:
            c = torch.nn.functional.pad(c, (0, pad), value=0.0)
            p = torch.nn.functional.pad(p, (0, pad), value=0.0)
            c[latent_dim:, -pad:] = (-100.0 - features.MID_DB_CENTRE) / features.MID_DB_SCALE
        if gain_db_range:  # the input's level is arbitrary: shift the mid's band energies
            c[latent_dim:] += rng.uniform(-gain_db_range, gain_db_range) / features.MID_DB_SCALE
        if flip_side and rng.random() < 0.5:  # L<->R swap: the side changes sign, so do its coherences
            bands = p.shape[0] // 3
            p[bands:] = -p[bands:]
        conds.append(c)
        params.append(p)
        masks.append(band_masks[k] if band_masks is not None else torch.ones(p.shape[0] // 3))
    cond = torch.stack(conds)
    par = torch.stack(params)
    mid_db = cond[:, latent_dim:] * features.MID_DB_SCALE + features.MID_DB_CENTRE
    par = smooth_params(par, mid_db, smooth_frames)
    audible = (mid_db > mid_db.amax(dim=(1, 2), keepdim=True) - MID_FLOOR_BELOW_PEAK_DB).float()
    if energy_weight:
        audible = audible * 10 ** (energy_weight * (mid_db - mid_db.amax(dim=2, keepdim=True)) / 10)
    audible = audible * torch.stack(masks)[:, :, None]
    cond[:, :latent_dim] /= latent_scale
    batch = {
        "x0": features.params_to_latent(par),
        "cond": cond,
        "attributes": attributes.normalise(attributes.measure(par, mid_db)),
        "weight": audible.repeat(1, 3, 1),
    }
    if contexts is not None:
        batch["context"] = torch.stack([contexts[k] for k in picks])
    return batch


def drop_context(context: torch.Tensor, drop_prob: float, rng: np.random.Generator) -> torch.Tensor:
    """Hide each row's track summary (NaN = not given) with probability ``drop_prob``, so the model
    also works on a window alone."""
    hidden = torch.from_numpy(rng.random(context.shape[0]) < drop_prob)
    return torch.where(hidden[:, None], torch.full_like(context, float("nan")), context)


def attribute_mask(batch_size: int, num_attributes: int, drop_each: float, drop_all: float,
                   rng: np.random.Generator) -> torch.Tensor:
    """``[B, A]`` 1 = attribute given; each hidden with ``drop_each``, all with ``drop_all``, so the
    model learns every partial request and the unconditional case used by guidance."""
    keep = rng.random((batch_size, num_attributes)) >= drop_each
    keep &= (rng.random((batch_size, 1)) >= drop_all)
    return torch.from_numpy(keep.astype(np.float32))

