"""How each band of the mid moves over a window: the width head's features.

A window's width per band is better told by how its mid *moves* than by its average spectrum alone
(docs/research-log.md, "a width head that listens to how the music moves"): sustained, smoothly changing bands (pads, strings, reverberant mixes)
go with wide images, jumpy ones (dry drums, chiptune) with narrow ones. From the mid's normalised
band energies ``[B, N]`` (the conditioning's last rows, one column per 40 ms parameter frame; see
:func:`m2s_gen.features.mono_conditioning`), over the window's audible frames (as
:func:`m2s_gen.features.track_context`), per band:

- ``mean`` and ``std``: the level and its spread;
- ``flux``: mean absolute change from one frame to the next;
- ``flux_std``: standard deviation of that absolute change (steady movement or bursts);
- ``autocorr_200ms``: autocorrelation of the level at a lag of 5 frames (200 ms): how sustained.

Concatenated in that order: ``[5B]``.

A band's width is told best by the dynamics of the bands around it (:func:`local_mask`): a head that
reads every band for every band couples the widths of distant octaves through the music's overall
character, which real mixes do not (docs/research-log.md, "a width head that listens locally").
"""
from __future__ import annotations

import numpy as np
import torch

from . import features, spatial

GROUPS = ("mean", "std", "flux", "flux_std", "autocorr_200ms")
AUTOCORR_LAG_FRAMES = 5
NUM_FEATURES = len(GROUPS) * spatial.NUM_BANDS


def band_dynamics(cond: torch.Tensor) -> torch.Tensor:
    """Features ``[5B]`` (float32) of one window's conditioning ``[C, N]`` (see the module text).
    Statistics that need more frames than the window has are 0."""
    x = features.audible_frames(cond)[-spatial.NUM_BANDS:].double()
    num_bands, num_frames = x.shape
    zeros = torch.zeros(num_bands, dtype=torch.float64)
    mean = x.mean(dim=1)
    centred = x - mean[:, None]
    std = centred.pow(2).mean(dim=1).sqrt()
    if num_frames > 1:
        step = (x[:, 1:] - x[:, :-1]).abs()
        flux, flux_std = step.mean(dim=1), step.std(dim=1, unbiased=False)
    else:
        flux, flux_std = zeros, zeros
    lag = AUTOCORR_LAG_FRAMES
    if num_frames > lag:
        covariance = (centred[:, lag:] * centred[:, :-lag]).mean(dim=1)
        autocorr = covariance / (centred.pow(2).mean(dim=1) + 1e-9)
    else:
        autocorr = zeros
    return torch.cat([mean, std, flux, flux_std, autocorr]).float()


def local_mask(neighbours: int | None, num_bands: int = spatial.NUM_BANDS) -> np.ndarray:
    """Bool ``[B, 5B]``: the features band ``b``'s width is predicted from, every group's values of
    bands ``b - neighbours .. b + neighbours``; ``None``: all features for every band."""
    if neighbours is None:
        return np.ones((num_bands, len(GROUPS) * num_bands), dtype=bool)
    band = np.arange(num_bands)
    near = np.abs(band[:, None] - band[None, :]) <= int(neighbours)  # [B, B]
    return np.tile(near, (1, len(GROUPS)))
