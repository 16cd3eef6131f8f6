"""Fit the sampler's per-band calibration on clips of the training packages, write it to the model.

python -m training.calibrate --model m2s_gen/default_model --data data/prepared --clips 80 --draws 8

For each clip (10 s, the ``train`` split: the validation packages stay unseen), the model's
consensus of ``--draws`` draws is compared with the clip's own spatial parameters:

- ``ratio_offset_db[b]`` = -median over clips of (model band width - true band width), dB;
- ``coherence_scale[b]`` = sqrt(median over clips of true / model coherent share of the side);
- ``band_level_profile_db[b]`` = median over clips of the true band width, dB (clipped at -40), the
  profile each band's level is moved to by ``band_level_anchor`` (``--level-anchor``, default 1:
  the model's per-recording band levels do not carry over to unseen packages, docs/research-log.md);
  for the bass bands (``m2s_gen.level_profile``) an L1 line in the clip's bass movement instead:
  intercept in ``band_level_profile_db``, slope in ``band_level_flux_slope_db``.

All go into ``upmixer_config.json`` (with ``default_num_draws``); the weights are not touched.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from m2s_gen import Upmixer, features, level_profile, posterior, spatial
from m2s_gen.loading import UPMIXER_CONFIG
from m2s_gen.resample import resample


def coherent_share(params: torch.Tensor, mid_energy_db: torch.Tensor) -> torch.Tensor:
    """Per band ``[B]``: the side-energy-weighted mean of ``|coh|^2`` over the window."""
    num_bands = params.shape[-2] // 3
    e_side = 10 ** (mid_energy_db.double() / 10) * 10 ** (params[:num_bands].double() / 10)
    coh2 = params[num_bands:2 * num_bands].double() ** 2 + params[2 * num_bands:].double() ** 2
    return ((e_side * coh2).sum(-1) / e_side.sum(-1).clamp(min=1e-30)).float()


@torch.inference_mode()
def clip_errors(up: Upmixer, mono: np.ndarray, side: np.ndarray, sample_rate: int, draws: int,
                seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
    """(model - true band width ``[B]`` dB, true / model coherent share ``[B]``, true band width
    ``[B]`` dB, bass movement dB) of one clip."""
    mid = resample(torch.as_tensor(mono, dtype=torch.float32), sample_rate, spatial.MODEL_SAMPLE_RATE)
    true_side = resample(torch.as_tensor(side, dtype=torch.float32), sample_rate, spatial.MODEL_SAMPLE_RATE)
    cond = features.mono_conditioning(up.codec, mid[None].to(up.device), up.config.latent_scale)
    attrs, mask = up._attribute_condition(None, None)
    sampled = up._sample(cond.repeat_interleave(draws, 0), attrs, mask, up.config.default_num_steps,
                         up.config.default_guidance_scale, torch.Generator().manual_seed(seed),
                         up.config.default_temperature)
    mid_db = cond[0, -spatial.NUM_BANDS:].cpu() * features.MID_DB_SCALE + features.MID_DB_CENTRE
    image = posterior.consensus(sampled, mid_db)
    truth = spatial.analyze(mid, true_side)
    true_width = posterior.band_widths_db(truth, mid_db)
    width_error = posterior.band_widths_db(image, mid_db) - true_width
    share_ratio = coherent_share(truth, mid_db) / coherent_share(image, mid_db).clamp(min=1e-6)
    return width_error, share_ratio, true_width, float(level_profile.bass_flux_db(mid_db))


def l1_line(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """(a, b) minimising sum |a + b x - y| over points ``x``, ``y`` ``[n]`` (a linear programme);
    fewer than 3 points or no spread in ``x``: (median of y, 0)."""
    from scipy.optimize import linprog

    x, y = x.double().numpy(), y.double().numpy()
    if x.size < 3 or float(np.ptp(x)) < 1e-9:
        return float(np.median(y)), 0.0
    n = x.size
    design = np.stack([np.ones(n), x], axis=1)
    # variables: a, b, then one t_i >= |a + b x_i - y_i| per point; minimise sum t
    cost = np.concatenate([np.zeros(2), np.ones(n)])
    bounds_ub = np.block([[design, -np.eye(n)], [-design, -np.eye(n)]])
    result = linprog(cost, A_ub=bounds_ub, b_ub=np.concatenate([y, -y]),
                     bounds=[(None, None)] * 2 + [(0, None)] * n)
    if not result.success:
        return float(np.median(y)), 0.0
    return float(result.x[0]), float(result.x[1])


def fit(up: Upmixer, clips, draws: int, level_anchor: float = 1.0, progress: bool = True) -> dict:
    """Calibration fields of ``upmixer_config.json`` fitted on ``clips`` (uncalibrated model)."""
    up.config.ratio_offset_db, up.config.coherence_scale = None, None
    errors, ratios, widths, fluxes = [], [], [], []
    for index, clip in enumerate(tqdm(clips, desc="calibrate", unit="clip", disable=not progress)):
        side = 0.5 * (clip.reference[0].astype(np.float64) - clip.reference[1])
        error, ratio, width, flux = clip_errors(up, clip.mono, side, clip.sample_rate, draws, seed=index)
        errors.append(error)
        ratios.append(ratio)
        widths.append(width)
        fluxes.append(flux)
    if not errors:
        raise ValueError("no clips to calibrate on")
    offset = -torch.stack(errors).median(0).values
    scale = torch.stack(ratios).median(0).values.clamp(0.0, 100.0).sqrt()
    widths = torch.stack(widths).clamp(-40.0, 10.0).double()
    profile = widths.median(0).values
    slope = torch.zeros_like(profile)
    flux = torch.tensor(fluxes, dtype=torch.float64)
    for band in torch.nonzero(level_profile.bass_bands(widths.shape[-1])).flatten().tolist():
        profile[band], slope[band] = l1_line(flux, widths[:, band])
    return {"default_num_draws": draws,
            "ratio_offset_db": [round(float(v), 3) for v in offset.clamp(-40, 40)],
            "coherence_scale": [round(float(v), 4) for v in scale.clamp(0, 10)],
            "band_level_profile_db": [round(float(v), 3) for v in profile.clamp(-40, 10)],
            "band_level_flux_slope_db": [round(float(v), 4) for v in slope.clamp(-10, 10)],
            "band_level_anchor": float(level_anchor)}


def write_config(model: Path, values: dict) -> None:
    """Merge ``values`` into ``model/upmixer_config.json`` (written to a temporary file, then renamed)."""
    path = model / UPMIXER_CONFIG
    config = json.loads(path.read_text())
    config.update(values)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(config, indent=2) + "\n")
    os.replace(tmp, path)
    Upmixer.from_pretrained(model)  # it must still load


def main(argv: list[str] | None = None) -> int:
    from .fit_args import load_model_and_clips, model_fit_parser

    parser = model_fit_parser(__doc__, default_clips=80, report=False)
    parser.add_argument("--draws", type=int, default=8, help="draws per consensus (also the new default)")
    parser.add_argument("--level-anchor", type=float, default=1.0,
                        help="0..1: how far each band's level is moved to the training profile (1: all the way)")
    args = parser.parse_args(argv)
    if not 1 <= args.draws <= 64:
        parser.error(f"--draws must be in [1, 64], got {args.draws}")
    if not 0.0 <= args.level_anchor <= 1.0:
        parser.error(f"--level-anchor must be in [0, 1], got {args.level_anchor}")
    torch.manual_seed(0)
    loaded = load_model_and_clips(args)
    if loaded is None:
        return 2
    up, clips = loaded
    values = fit(up, clips, args.draws, args.level_anchor, progress=not args.quiet)
    write_config(args.model, values)
    print(f"calibrated {args.model} on {len(clips)} clips of split {args.split!r}: "
          f"ratio offset {min(values['ratio_offset_db']):+.1f}..{max(values['ratio_offset_db']):+.1f} dB, "
          f"coherence scale {min(values['coherence_scale']):.2f}..{max(values['coherence_scale']):.2f}, "
          f"band level profile {min(values['band_level_profile_db']):+.1f}..{max(values['band_level_profile_db']):+.1f} dB, "
          f"bass slopes {min(values['band_level_flux_slope_db']):+.2f}..{max(values['band_level_flux_slope_db']):+.2f} dB/dB "
          f"(anchor {values['band_level_anchor']:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
