"""Random training windows of precomputed (conditioning, spatial parameters) pairs."""
from __future__ import annotations

import numpy as np
import torch

from m2s_gen import attributes, features, spatial
from m2s_gen.smoothing import smooth_params

MID_FLOOR_BELOW_PEAK_DB = 50.0


def sample_batch(pairs, batch_size: int, num_frames: int, latent_dim: int, latent_scale: float,
                 rng: np.random.Generator, flip_side: bool = True, gain_db_range: float = 0.0,
                 smooth_frames: int = 1, energy_weight: float = 0.0) -> dict[str, torch.Tensor]:
    """A batch of windows: ``x0`` ``[B, 3 bands, N]`` (diffusion space), ``cond`` ``[B, C, N]``,
    ``attributes`` ``[B, 5]`` (normalised, measured on the target window) and ``weight``
    ``[B, 3 bands, N]`` (0 where the mid is more than 50 dB below the window's loudest tile, whose
    parameters mean nothing). ``smooth_frames`` > 1 smooths the targets over that many frames
    (:func:`m2s_gen.smoothing.smooth_params`). ``energy_weight`` = g > 0 weighs each tile by
    ``(E_M / E_M,max) ** g`` (band maximum over the window): loud tiles are what is heard."""
    lengths = np.array([p[1].shape[-1] for p in pairs], dtype=np.float64)
    picks = rng.choice(len(pairs), size=batch_size, p=lengths / lengths.sum())
    conds, params = [], []
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
    cond = torch.stack(conds)
    par = torch.stack(params)
    mid_db = cond[:, latent_dim:] * features.MID_DB_SCALE + features.MID_DB_CENTRE
    par = smooth_params(par, mid_db, smooth_frames)
    audible = (mid_db > mid_db.amax(dim=(1, 2), keepdim=True) - MID_FLOOR_BELOW_PEAK_DB).float()
    if energy_weight:
        audible = audible * 10 ** (energy_weight * (mid_db - mid_db.amax(dim=2, keepdim=True)) / 10)
    cond[:, :latent_dim] /= latent_scale
    return {
        "x0": features.params_to_latent(par),
        "cond": cond,
        "attributes": attributes.normalise(attributes.measure(par, mid_db)),
        "weight": audible.repeat(1, 3, 1),
    }


def attribute_mask(batch_size: int, num_attributes: int, drop_each: float, drop_all: float,
                   rng: np.random.Generator) -> torch.Tensor:
    """``[B, A]`` 1 = attribute given; each hidden with ``drop_each``, all with ``drop_all``, so the
    model learns every partial request and the unconditional case used by guidance."""
    keep = rng.random((batch_size, num_attributes)) >= drop_each
    keep &= (rng.random((batch_size, 1)) >= drop_all)
    return torch.from_numpy(keep.astype(np.float32))

