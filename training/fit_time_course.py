"""Fit the width's time course (m2s_gen.time_course) on clips of the training packages.

    python -m training.fit_time_course --model runs/model --data data/prepared --clips 160

For each clip (10 s, one per track, the ``train`` split), the model's image as the sampler makes it
with its default settings (consensus of draws, calibration, anchoring; no time course yet) is
compared with the clip's own side-to-mid ratios at the renderer's STFT frames (10 ms). Per band, a
least-absolute-deviations regression predicts the real ratio's movement within the clip (each tile's ratio minus the clip's mean, active tiles only) from
the image's own movement and the mid's envelope features. Cross-validation with whole packages held
out reports each predictor's mean absolute error on unseen productions;
the weights fitted on all clips go into ``upmixer_config.json`` (``time_course_weights``), unless
``--dry-run``. The default scale (``default_time_course``) is the one of :data:`SCALES` whose
rendered sides are closest to the real ones in side log-mel distance on training clips: the fit is
in dB per 10 ms tile, the metric compares mel powers over 43 ms windows. ``--report`` writes the scores as JSON.
"""
from __future__ import annotations

import json
import sys
from typing import Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from m2s_gen import Upmixer, features, spatial, time_course
from m2s_gen.resample import resample

from .calibrate import write_config
from .fit_args import load_model_and_clips, model_fit_parser

FOLDS = 5
#: Time-course scales tried on training clips; the one with the lowest side log-mel distance is the default.
SCALES = (0.0, 0.25, 0.5, 0.75, 1.0)
#: Training clips the scale is chosen on (rendering each at every scale).
SCALE_CLIPS = 80
#: Band groups of the report (model bands, 32 in all).
REPORT_GROUPS = {"bass (bands 0-7)": slice(0, 8), "mid (8-19)": slice(8, 20), "high (20-31)": slice(20, 32)}


@torch.inference_mode()
def clip_design(up: Upmixer, mono: np.ndarray, side: np.ndarray, sample_rate: int, seed: int):
    """(regressors ``[1 + K, B, N]``, true centred ratio ``[B, N]``, active tiles ``[B, N]``, the
    model's image ``[3B, N']``, mid ``[T]`` and true side ``[T]`` at the model rate) of one clip."""
    mid = resample(torch.as_tensor(mono, dtype=torch.float32), sample_rate, spatial.MODEL_SAMPLE_RATE)
    true_side = resample(torch.as_tensor(side, dtype=torch.float32), sample_rate, spatial.MODEL_SAMPLE_RATE)
    cond = features.mono_conditioning(up.codec, mid[None].to(up.device), up.config.latent_scale)
    attrs, mask = up._attribute_condition(None, None)
    draws = up.config.default_num_draws
    context = up._track_context([cond], [[(0, mid.shape[-1])]]) if up.uses_track_context() else None
    sampled = up._sample(cond.repeat_interleave(draws, 0), attrs, mask, up.config.default_num_steps,
                         up.config.default_guidance_scale, torch.Generator().manual_seed(seed),
                         up.config.default_temperature, context)
    image = up._images(sampled, cond, calibrate=up.config.default_calibrate, anchor=up.config.band_level_anchor)[0]
    # at the renderer's STFT frames (10 ms), where the time course is applied
    e_mid, e_side = (spatial._band_sum(spatial.stft(x.float()).abs() ** 2, spatial.NUM_BANDS).double()
                     for x in (mid, true_side))
    mid_db = 10 * torch.log10(e_mid + 1e-10)
    truth = (10 * torch.log10((e_side + 1e-10) / (e_mid + 1e-10))).clamp(spatial.RATIO_FLOOR_DB, spatial.RATIO_CEIL_DB)
    ratio = spatial._to_stft_frames(image, mid_db.shape[-1])[: spatial.NUM_BANDS].double()
    active = time_course.active_tiles(mid_db)
    return time_course.design(ratio, mid_db), time_course.centred(truth, active), active, image, mid, true_side


@torch.inference_mode()
def choose_scale(weights: torch.Tensor, renders: list, scales: Sequence[float] = SCALES) -> dict[float, float]:
    """Mean side log-mel distance to the real side (the evaluation's faithfulness metric) of the
    sides rendered at each time-course scale, over ``renders`` ``[(image, mid, true side), ...]``."""
    from evaluation.metrics.side_mel import side_mel_distance

    totals = dict.fromkeys(scales, 0.0)
    for index, (image, mid, true_side) in enumerate(renders):
        mid_np = mid.double().numpy()
        reference = np.stack([mid_np + true_side.double().numpy(), mid_np - true_side.double().numpy()])
        for scale in scales:
            side = spatial.render_side(mid, image, seed=index, time_course=(weights.tolist(), scale)).double().numpy()
            totals[scale] += side_mel_distance(np.stack([mid_np + side, mid_np - side]), reference,
                                               spatial.MODEL_SAMPLE_RATE, mono=mid_np)
    return {scale: total / max(len(renders), 1) for scale, total in totals.items()}


def mean_abs_error(weights: torch.Tensor, x: torch.Tensor, y: torch.Tensor, active: torch.Tensor) -> np.ndarray:
    """Per band ``[B]``: mean |y - weights @ x| over the active tiles, dB."""
    predicted = torch.einsum("bk,skbn->sbn", weights.double(), x.double())
    mask = active.double()
    return ((((y - predicted).abs()) * mask).sum((0, 2)) / mask.sum((0, 2)).clamp(min=1.0)).numpy()


def package_folds(packages: list[str], folds: int = FOLDS) -> np.ndarray:
    """Fold index of each clip: whole packages per fold, seeded."""
    names = np.unique(packages)
    fold_of = dict(zip(np.random.default_rng(0).permutation(names), np.arange(len(names)) % folds))
    return np.array([fold_of[p] for p in packages])


def cross_validate(x: torch.Tensor, y: torch.Tensor, active: torch.Tensor, packages: list[str]) -> dict:
    """Held-out mean absolute error per band (dB) of the predictors of the movement: none (a flat
    ratio), the image's own movement (weights 1, 0, ...), the envelope only, and the blend fitted
    with an l2 and with an l1 loss; each fold's weights fitted without its packages."""
    fold = package_folds(packages)
    num_bands, num_features = x.shape[2], x.shape[1]
    own = torch.zeros(num_bands, num_features, dtype=torch.float64)
    own[:, 0] = 1.0
    names = ("flat", "own", "envelope (l1)", "blend (l2)", "blend (l1)")
    scores = {name: [] for name in names}
    weights_sum = {name: [] for name in names}
    for k in np.unique(fold):
        train, test = torch.as_tensor(fold != k), torch.as_tensor(fold == k)
        envelope = time_course.fit_weights(x[train][:, 1:], y[train], active[train])
        fitted = {"flat": torch.zeros_like(own), "own": own,
                  "envelope (l1)": torch.cat([torch.zeros(num_bands, 1, dtype=torch.float64), envelope], dim=1),
                  "blend (l2)": time_course.fit_weights(x[train], y[train], active[train], loss="l2"),
                  "blend (l1)": time_course.fit_weights(x[train], y[train], active[train])}
        for name, w in fitted.items():
            scores[name].append(mean_abs_error(w, x[test], y[test], active[test]))
            weights_sum[name].append(float(active[test].sum()))
    out = {}
    for name, per_fold in scores.items():
        w = np.array(weights_sum[name])
        out[name] = (np.array(per_fold) * w[:, None]).sum(0) / w.sum()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = model_fit_parser(__doc__, default_clips=160)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    loaded = load_model_and_clips(args, min_clips=2 * FOLDS)
    if loaded is None:
        return 2
    up, clips = loaded
    weights, scale, report = fit(up, clips, progress=not args.quiet)
    for name, groups in report["held_out_mean_abs_error_db"].items():
        print(f"{name:13s} held-out mean |error| dB: " + ", ".join(f"{g} {v:.3f}" for g, v in groups.items()))
    distances = report["side_mel_by_scale"]
    print(f"side log-mel distance on {report['scale_clips']} training clips by scale: "
          + ", ".join(f"{k}: {v:.4f}" for k, v in distances.items()) + f" -> default_time_course {scale:g}")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report, indent=1))
    if not args.dry_run:
        write_config(args.model, {"time_course_weights": [[round(float(v), 5) for v in row] for row in weights],
                                  "default_time_course": scale})
        print(f"wrote time_course_weights into {args.model}")
    return 0


def fit(up: Upmixer, clips: list, progress: bool = True) -> tuple[torch.Tensor, float, dict]:
    """(weights ``[B, 1 + K]``, default scale, report) fitted on ``clips`` (evaluation.clips.Clip,
    ids ``package/track@start``; at least ``2 * FOLDS`` of them)."""
    xs, ys, actives, packages, renders = [], [], [], [], []
    for index, clip in enumerate(tqdm(clips, desc="time course", unit="clip", disable=not progress)):
        side = 0.5 * (clip.reference[0].astype(np.float64) - clip.reference[1])
        x, y, active, image, mid, true_side = clip_design(up, clip.mono, side, clip.sample_rate, seed=index)
        xs.append(x), ys.append(y), actives.append(active), packages.append(clip.clip_id.split("/")[0])
        if index % max(1, len(clips) // SCALE_CLIPS) == 0 and len(renders) < SCALE_CLIPS:
            renders.append((image, mid, true_side))
    frames = min(y.shape[-1] for y in ys)
    x = torch.stack([v[..., :frames] for v in xs])
    y = torch.stack([v[..., :frames] for v in ys])
    active = torch.stack([v[..., :frames] for v in actives])
    scores = cross_validate(x, y, active, packages)
    weights = time_course.fit_weights(x, y, active)
    distances = choose_scale(weights, renders)
    scale = min(distances, key=distances.get)
    report = {"clips": len(clips), "packages": sorted(set(packages)),
              "held_out_mean_abs_error_db": {name: {group: float(np.mean(v[sl])) for group, sl in REPORT_GROUPS.items()}
                              | {"all": float(np.mean(v))} for name, v in scores.items()},
              "weights_mean": [float(v) for v in weights.mean(0)],
              "side_mel_by_scale": {f"{k:g}": v for k, v in distances.items()}, "scale_clips": len(renders),
              "default_time_course": scale}
    return weights, scale, report


if __name__ == "__main__":
    sys.exit(main())
