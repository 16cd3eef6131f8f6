"""Fit a model's width head (m2s_gen.width_head) on the precomputed training windows.

    python -m training.fit_width_head --model runs/model --audio data/prepared          # band dynamics
    python -m training.fit_width_head --model runs/model --latents runs/diffusion/latents  # summary

With ``--audio`` the head reads the band dynamics (:mod:`m2s_gen.band_dynamics`) of windows cut from
the prepared dataset's tracks (no codec needed); with ``--latents``, the conditioning summary of the
precomputed windows (the whole summary, or the mid band energies' only, preferred unless the other
is better by more than a standard error). The ridge penalty is chosen by cross-validation grouped by
package (the head must carry over to productions it never saw), then the head is fitted on all
training windows and written to
``<model>/width_head.safetensors``, with the covariance of its held-out errors (for level draws,
``level_spread``). Prints the validation windows' per-band correlation and error
beside the fixed training profile's; ``--report`` also writes them as JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from m2s_gen.band_dynamics import local_mask
from m2s_gen.width_head import WidthHead

from .width_windows import audio_windows, load_windows

ALPHAS = (10.0, 100.0, 300.0, 1_000.0, 3_000.0, 10_000.0, 100_000.0)
FOLDS = 5
#: Neighbourhoods a band-dynamics head may read (bands on each side; None: every band), most local first.
NEIGHBOURS = (2, 5, 10, None)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if x.size < 5 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def scores(head: WidthHead, data: dict, profile_db: np.ndarray) -> dict:
    """Per-band correlation and mean absolute error (dB) of the head on ``data``, beside the error
    of the fixed ``profile_db`` ``[B]``."""
    return scores_of(head.predict_db(torch.from_numpy(data["features"])).numpy(), data, profile_db)


def scores_of(pred: np.ndarray, data: dict, profile_db: np.ndarray) -> dict:
    """:func:`scores` of predictions ``pred`` ``[W, B]`` of ``data``'s windows."""
    corr, mae, mae_profile = [], [], []
    for b in range(pred.shape[1]):
        rows = np.isfinite(data["widths"][:, b])
        real = data["widths"][rows, b]
        corr.append(_pearson(pred[rows, b], real))
        mae.append(float(np.abs(pred[rows, b] - real).mean()) if rows.any() else float("nan"))
        mae_profile.append(float(np.abs(profile_db[b] - real).mean()) if rows.any() else float("nan"))
    return {"mean_correlation": float(np.nanmean(corr)), "mae_db": float(np.nanmean(mae)),
            "profile_mae_db": float(np.nanmean(mae_profile)), "per_band_correlation": corr}


def feature_sets(num_features: int, latent_dim: int) -> dict[str, np.ndarray]:
    """Bool masks ``[F]`` of the summary's columns: everything, or the mid band energies only."""
    channels = num_features // 2
    energies = np.tile(np.arange(channels) >= latent_dim, 2)
    return {"latents+energies": np.ones(num_features, bool), "energies": energies}


def _within_one_se(candidate: np.ndarray, best: np.ndarray) -> bool:
    """True when the per-fold errors ``candidate`` exceed ``best`` (same folds) on average by at most
    one standard error of their paired difference: the one-standard-error rule."""
    diff = np.asarray(candidate) - np.asarray(best)
    se = float(np.std(diff, ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return float(np.mean(diff)) <= se


def choose(data: dict, latent_dim: int, alphas: Sequence[float] = ALPHAS, folds: int = FOLDS) -> tuple[str, float, dict]:
    """Feature set and penalty by held-out squared error, folds grouped by package, with the
    one-standard-error rule: the simpler feature set (band energies only) is taken unless the best
    setting beats it by more than one standard error of their paired per-fold difference."""
    per_fold = {}
    for name, use in feature_sets(data["features"].shape[1], latent_dim).items():
        per_fold.update({f"{name}@{a:g}": e for a, e in cv_errors(data, alphas, folds, use).items()})
    errors = {k: float(np.mean(v)) for k, v in per_fold.items()}
    best = min(errors, key=errors.get)
    simple = min((k for k in errors if k.startswith("energies@")), key=errors.get)
    chosen = simple if _within_one_se(per_fold[simple], per_fold[best]) else best
    name, alpha = chosen.split("@")
    return name, float(alpha), errors


def choose_neighbours(data: dict, alphas: Sequence[float] = ALPHAS, folds: int = FOLDS,
                      neighbours: Sequence[int | None] = NEIGHBOURS) -> tuple[int | None, float, dict]:
    """(neighbours, penalty, mean held-out squared error of every setting) of a band-dynamics head,
    folds grouped by package, with the one-standard-error rule: the most local neighbourhood whose
    best penalty is within one standard error (of the paired per-fold difference) of the best setting."""
    per_fold = {(k, a): e for k in neighbours for a, e in cv_errors(data, alphas, folds, local_mask(k)).items()}
    errors = {key: float(np.mean(v)) for key, v in per_fold.items()}
    best = min(errors, key=errors.get)
    for k in neighbours:  # most local first
        candidate = min((key for key in errors if key[0] == k), key=errors.get)
        if _within_one_se(per_fold[candidate], per_fold[best]):
            return candidate[0], candidate[1], {f"{'all' if n is None else n}@{a:g}": e for (n, a), e in errors.items()}
    raise AssertionError("unreachable: the best setting is within one standard error of itself")


def package_folds(packages: np.ndarray, folds: int = FOLDS) -> np.ndarray:
    """Fold index ``[W]`` of each window: whole packages per fold, seeded."""
    names = np.unique(packages)
    rng = np.random.default_rng(0)
    fold_of = dict(zip(rng.permutation(names), np.arange(len(names)) % folds))
    return np.array([fold_of[p] for p in packages])


def held_out_predictions(data: dict, alpha: float, use: np.ndarray | None = None, folds: int = FOLDS) -> np.ndarray:
    """Each window's prediction ``[W, B]`` by a head fitted without its package's fold."""
    fold = package_folds(data["packages"], folds)
    pred = np.full(data["widths"].shape, np.nan)
    for k in np.unique(fold):
        held = fold == k
        head = WidthHead.fit(data["features"][~held], data["widths"][~held], alpha, use)
        pred[held] = head.predict_db(torch.from_numpy(data["features"][held])).numpy()
    return pred


def cv_errors(data: dict, alphas: Sequence[float] = ALPHAS, folds: int = FOLDS,
              use: np.ndarray | None = None) -> dict[float, np.ndarray]:
    """Held-out mean squared error (dB^2) of each fold, per penalty; folds grouped by package."""
    fold = package_folds(data["packages"], folds)
    errors = {}
    for alpha in alphas:
        pred = held_out_predictions(data, alpha, use, folds)
        errors[alpha] = np.array([np.nanmean((pred[fold == k] - data["widths"][fold == k]) ** 2)
                                  for k in np.unique(fold)])
    return errors


def choose_alpha(data: dict, alphas: Sequence[float] = ALPHAS, folds: int = FOLDS,
                 use: np.ndarray | None = None) -> tuple[float, dict]:
    """The penalty with the lowest held-out squared error (folds grouped by package), and each one's error."""
    errors = {a: float(np.mean(e)) for a, e in cv_errors(data, alphas, folds, use).items()}
    return min(errors, key=errors.get), errors


def _drop_latent_features(data: dict, latent_dim: int) -> None:
    """Zero the summary's codec-latent columns (mean and spread), as the upmixer of a model trained
    without latents computes them."""
    channels = data["features"].shape[1] // 2
    data["features"][:, :latent_dim] = 0.0
    data["features"][:, channels:channels + latent_dim] = 0.0


def _fit_and_report(model: Path, train: dict, val: dict | None, kind: str, latent_dim: int | None) -> dict:
    """Choose features and penalty, fit, store with held-out residuals; the report's dict."""
    if latent_dim is None:  # band dynamics: how many neighbouring bands each band reads
        neighbours, alpha, cv_errors = choose_neighbours(train)
        use = local_mask(neighbours)
        features_name = f"{kind} ({'all bands' if neighbours is None else f'bands within {neighbours}'})"
    else:
        features_name, alpha, cv_errors = choose(train, latent_dim)
        use = feature_sets(train["features"].shape[1], latent_dim)[features_name]
    head = WidthHead.fit(train["features"], train["widths"], alpha, use, kind=kind)
    held_out = held_out_predictions(train, alpha, use)  # each window predicted by a head not fitted on its package
    head = head.with_residuals(train["widths"] - held_out)
    head.save(model)
    profile = np.nanmedian(train["widths"], axis=0)
    report = {"features": features_name, "alpha": alpha, "cv_mse_db2": cv_errors, "train_windows": len(train["widths"]),
              "cross_validated": scores_of(held_out, train, profile),
              "held_out_residual_std_db": head.residual_tril.double().norm(dim=1).numpy().round(3).tolist()}
    if val is not None and len(val["widths"]):
        report["validation"] = scores(head, val, profile)
        report["validation_windows"] = len(val["widths"])
        v = report["validation"]
        print(f"validation ({len(val['widths'])} windows): per-band correlation {v['mean_correlation']:.3f}, "
              f"MAE {v['mae_db']:.2f} dB (fixed profile {v['profile_mae_db']:.2f} dB)")
    c = report["cross_validated"]
    print(f"training packages, held out by package: per-band correlation {c['mean_correlation']:.3f}, "
          f"MAE {c['mae_db']:.2f} dB (fixed profile {c['profile_mae_db']:.2f} dB)")
    print(f"width head ({features_name}, alpha {alpha:g}) written to {model}")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.fit_width_head", description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="model folder (save_pretrained output); the head is written into it")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--audio", default=None, help="prepared dataset (train/ and validation splits): a band-dynamics head")
    source.add_argument("--latents", default=None, help="precomputed latents folder (train/ and validation/ shards): a summary head")
    parser.add_argument("--report", default=None, help="JSON file for the scores")
    args = parser.parse_args(argv)
    model = Path(args.model)
    try:
        config = json.loads((model / "upmixer_config.json").read_text())
        denoiser = json.loads((model / "denoiser" / "config.json").read_text())
        stats = json.loads((Path(args.latents) / "stats.json").read_text()) if args.latents else None
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.audio:
        from evaluation.clips import DataError

        try:
            train = audio_windows(args.audio, "train")
            prepared = (Path(args.audio) / "dataset" / "dataset_dict.json").is_file()  # a folder has no splits
            val = audio_windows(args.audio, "validation") if prepared else None
        except (DataError, KeyError) as err:
            print(f"error: --audio {args.audio}: {str(err).strip(chr(39))}", file=sys.stderr)
            return 2
        kind, latent_dim = "band_dynamics", None
    else:
        latents = Path(args.latents)
        latent_dim = int(stats["latent_dim"])
        train = load_windows(latents / "train", latent_dim, latent_scale=float(config["latent_scale"]))
        if len(train["widths"]) and train["features"].shape[1] != 2 * int(denoiser["cond_channels"]):
            print(f"error: {latents}: conditioning has {train['features'].shape[1] // 2} channels, the model's "
                  f"denoiser {denoiser['cond_channels']}", file=sys.stderr)
            return 2
        val_dir = latents / "validation"
        val = load_windows(val_dir, latent_dim, latent_scale=float(config["latent_scale"])) if val_dir.is_dir() else None
        if not config.get("use_codec_latents", True):  # a model trained without latents: nor is its head
            _drop_latent_features(train, latent_dim)
            if val is not None and len(val["widths"]):
                _drop_latent_features(val, latent_dim)
        kind = "summary"
    if len(train["widths"]) < 20:
        print(f"error: {args.audio or args.latents}: only {len(train['widths'])} training windows", file=sys.stderr)
        return 2
    report = _fit_and_report(model, train, val, kind, latent_dim)
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
