"""The time course of the width within a recording, predicted from the mid's envelope.

Real stereo is not the mid made wider by a fixed amount: within a band the side-to-mid ratio moves
from frame to frame, and a good part of that movement follows the mid itself. Reverb, room and
doubled parts make the side a slower, smeared copy of the music, so the side is relatively weak on
an attack (the mid jumps above its recent level) and relatively strong in the decay after it.
Measured on the validation clips, the mid's envelope explains about a third of the frame-to-frame
variance of the side-to-mid ratio in mel bands (docs/research-log.md, "the width's time course"), more than the
diffusion model's consensus of draws reproduces.

The predictor is linear per band ``b`` over the frames ``n`` of a segment (the renderer's STFT
frames, 10 ms apart: the movement is finer than the 40 ms parameter frames the diffusion model
samples):

    fluct[b, n] = a[b] * (model ratio[b, n] - mean) + sum_k w[b, k] * (env_k[b, n] - mean)
    env_k[b, n] = mid_db[b, n] - 10 log10(EMA_k(10^(mid_db[b, :] / 10)))[n]

where EMA_k is an exponential moving average of the band's mid energy with time constant
``TIME_CONSTANTS_S[k]``, run forwards (what came before: the tail of a reverb)
or both ways (the frame's surroundings). Means are over the segment's active tiles (mid within
``ACTIVE_RANGE_DB`` of the band's loudest frame). The image's ratio becomes its band level plus
``fluct``, shifted so that each band's energy-weighted width over the segment is unchanged: the
time course moves energy within the segment, never the levels the sampler and the width head set.

``a`` and ``w`` are fitted on the training packages by ``training.fit_time_course`` and stored in
``upmixer_config.json`` as ``time_course_weights`` ``[B][1 + K]`` (``a`` first).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.signal import lfilter

#: Time constants of the envelope followers, s.
TIME_CONSTANTS_S = (0.06, 0.2, 0.6)
#: Each time constant is used forwards only and both ways: 2 features per constant.
NUM_ENVELOPE_FEATURES = 2 * len(TIME_CONSTANTS_S)
#: Frame spacing the weights are fitted and applied at: the renderer's STFT hop, s.
FRAME_S = 480 / 48_000  # m2s_gen.spatial.STFT_HOP / MODEL_SAMPLE_RATE (not imported: spatial uses this module)
#: The ratios' range, dB (m2s_gen.spatial.RATIO_FLOOR_DB, RATIO_CEIL_DB).
RATIO_RANGE_DB = (-40.0, 10.0)
#: Passes of shifting each band back to its width and clamping to the ratio range.
RESTORE_PASSES = 3
#: A tile counts (in the means and the fit) when its mid is within this many dB of the band's loudest frame.
ACTIVE_RANGE_DB = 40.0
_EPS = 1e-12


def _ema(energy: torch.Tensor, tau_frames: float, reverse: bool = False) -> torch.Tensor:
    """Exponential moving average of ``energy`` ``[..., N]`` along the last axis (time constant in
    frames), started at the first value (the last one when ``reverse``)."""
    decay = math.exp(-1.0 / tau_frames)
    x = energy.detach().cpu().double().numpy()
    if reverse:
        x = x[..., ::-1]
    initial = (decay * x[..., :1]).copy()
    out, _ = lfilter([1.0 - decay], [1.0, -decay], x, axis=-1, zi=initial)
    if reverse:
        out = out[..., ::-1]
    return torch.from_numpy(np.ascontiguousarray(out)).to(energy.device)


def active_tiles(mid_db: torch.Tensor) -> torch.Tensor:
    """Bool ``[..., B, N]``: tiles whose mid is within ``ACTIVE_RANGE_DB`` of the band's loudest frame."""
    return mid_db >= mid_db.amax(-1, keepdim=True) - ACTIVE_RANGE_DB


def centred(values: torch.Tensor, active: torch.Tensor) -> torch.Tensor:
    """``values`` ``[..., N]`` minus their mean over the active frames (0 on inactive frames)."""
    weight = active.to(values.dtype)
    mean = (values * weight).sum(-1, keepdim=True) / weight.sum(-1, keepdim=True).clamp(min=1.0)
    return (values - mean) * weight


def envelope_features(mid_db: torch.Tensor, frame_s: float = FRAME_S) -> torch.Tensor:
    """``[..., K, B, N]`` centred envelope features (dB) of the mid's band energies ``[..., B, N]`` dB
    at frames ``frame_s`` apart."""
    mid_db = mid_db.double()
    energy = 10 ** (mid_db / 10)
    active = active_tiles(mid_db)
    out = []
    for tau_s in TIME_CONSTANTS_S:
        forwards = _ema(energy, tau_s / frame_s)
        both = 0.5 * (forwards + _ema(energy, tau_s / frame_s, reverse=True))
        for smooth in (forwards, both):
            out.append(centred(mid_db - 10 * torch.log10(smooth + _EPS), active))
    return torch.stack(out, dim=-3)


def design(ratio_db: torch.Tensor, mid_db: torch.Tensor, frame_s: float = FRAME_S) -> torch.Tensor:
    """Regressors ``[..., 1 + K, B, N]`` of a segment: its centred model ratio, then the envelope features."""
    active = active_tiles(mid_db.double())
    return torch.cat([centred(ratio_db.double(), active).unsqueeze(-3), envelope_features(mid_db, frame_s)], dim=-3)


def retime_ratio(ratio_db: torch.Tensor, mid_db: torch.Tensor, weights: torch.Tensor | list,
                 scale: float = 1.0, frame_s: float = FRAME_S) -> torch.Tensor:
    """Ratios ``[..., B, N]`` dB (frames ``frame_s`` apart) given the predicted time course.

    ``weights`` ``[B, 1 + K]`` (see the module's docstring); ``scale`` 0..2 blends from the model's
    own movement (0) to the predicted one (1) and beyond. Each band's width over the segment
    (weighted by the mid's energies ``mid_db`` ``[..., B, N]``) is unchanged, and the result stays
    within the ratio range of :mod:`m2s_gen.spatial`.
    """
    if scale <= 0:
        return ratio_db
    num_bands = ratio_db.shape[-2]
    weights = torch.as_tensor(weights, dtype=torch.float64, device=ratio_db.device)
    if weights.shape != (num_bands, 1 + NUM_ENVELOPE_FEATURES):
        raise ValueError(f"time_course_weights must have shape [{num_bands}, {1 + NUM_ENVELOPE_FEATURES}], "
                         f"got {list(weights.shape)}")
    ratio = ratio_db.double()
    x = design(ratio, mid_db, frame_s)  # [..., 1 + K, B, N]
    predicted = torch.einsum("bk,...kbn->...bn", weights, x)
    new_ratio = ratio + scale * (predicted - x[..., 0, :, :])  # the band level stays, the movement is replaced
    e_mid = 10 ** (mid_db.double() / 10)
    width_before = 10 * torch.log10((e_mid * 10 ** (ratio / 10)).sum(-1) + _EPS)
    for _ in range(RESTORE_PASSES):  # shift back to the band's width, clamp, and again (clamped tiles)
        width_after = 10 * torch.log10((e_mid * 10 ** (new_ratio / 10)).sum(-1) + _EPS)
        new_ratio = (new_ratio + (width_before - width_after).unsqueeze(-1)).clamp(*RATIO_RANGE_DB)
    return new_ratio.to(ratio_db.dtype)


def fit_weights(x: torch.Tensor, y: torch.Tensor, active: torch.Tensor, ridge: float = 1e-3,
                loss: str = "l1", iterations: int = 12) -> torch.Tensor:
    """Per-band weights ``[B, 1 + K]`` of ``y`` ``[S, B, N]`` (true centred ratio, dB) on ``x``
    ``[S, 1 + K, B, N]`` over the active tiles ``[S, B, N]``.

    ``loss`` "l2": ridge regression (``ridge`` relative to the number of tiles of each band);
    "l1": least absolute deviations by iteratively reweighted least squares, started from the l2
    fit: the median movement, as the side log-mel distance (an L1 of log powers) rewards, where the
    l2 fit follows the rare large swings of a tile's ratio.
    """
    if loss not in ("l1", "l2"):
        raise ValueError(f"loss must be 'l1' or 'l2', got {loss!r}")
    x, y = x.double(), y.double()
    num_features, num_bands = x.shape[1], x.shape[2]
    weights = torch.zeros(num_bands, num_features, dtype=torch.float64)
    eye = torch.eye(num_features, dtype=torch.float64)
    for band in range(num_bands):
        keep = active[:, band].reshape(-1)
        a = x[:, :, band].permute(0, 2, 1).reshape(-1, num_features)[keep]
        b = y[:, band].reshape(-1)[keep]
        if len(b) < num_features:
            continue
        w = torch.linalg.solve(a.T @ a + ridge * len(b) * eye, a.T @ b)
        for _ in range(iterations if loss == "l1" else 0):
            tile_weight = 1.0 / (b - a @ w).abs().clamp(min=0.1)  # 0.1 dB: no tile weighs without bound
            weighted = a * tile_weight[:, None]
            w = torch.linalg.solve(weighted.T @ a + ridge * float(tile_weight.sum()) * eye, weighted.T @ b)
        weights[band] = w
    return weights
