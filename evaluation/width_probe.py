"""Is the stereo width predictable from what the denoiser hears? A probe of the conditioning.

Before asking a denoiser to learn which image fits which music, ask whether its conditioning carries
that at all: fit a plain regressor from a window's conditioning summary (mean and standard deviation
over its audible frames, as `features.track_context` computes it) to that window's real width per
band (side-to-mid ratio in dB, energy-weighted over its frames), on the training packages, and
measure on the validation packages the per-band correlation of predicted and real widths over
windows (the quantity `evaluation.width_tracking` measures for a whole system).

Feature sets compared: codec latents and mid band energies (what the denoiser sees), band energies
only, codec latents only. Regressors: ridge (linear, the width head's fit: penalty chosen by cross-validation grouped by package)
and gradient-boosted trees (non-linear).

Usage (on the precomputed training pairs of `training.train --stages latents`)::

    python -m evaluation.width_probe --latents runs/diffusion_ctx/latents --out evaluation/reports/width_probe

writes `width_probe.json` and `width_probe.md`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from m2s_gen import spatial
from m2s_gen.width_head import WidthHead
from training.fit_width_head import choose_alpha
from training.width_windows import WINDOW_FRAMES, load_windows

def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 5 or np.std(x[keep]) == 0 or np.std(y[keep]) == 0:
        return float("nan")
    return float(np.corrcoef(x[keep], y[keep])[0, 1])


def _columns(num_features: int, latent_dim: int, which: str) -> np.ndarray:
    """Columns of the summary `[mean(C), std(C)]` for a feature set."""
    channels = num_features // 2
    is_latent = np.arange(channels) < latent_dim
    pick = {"latents+energies": np.ones(channels, bool), "energies": ~is_latent, "latents": is_latent}[which]
    return np.concatenate([np.flatnonzero(pick), channels + np.flatnonzero(pick)])


class _GroupedRidge:
    """The width head's own fit (m2s_gen.width_head): ridge with its penalty chosen by cross-validation
    grouped by package, so that it is judged on productions it did not see."""

    def __init__(self, packages: np.ndarray):
        self.packages = packages

    def fit(self, x: np.ndarray, y: np.ndarray) -> "_GroupedRidge":
        data = {"features": x, "widths": y[:, None], "packages": self.packages[: len(x)]}
        alpha, _ = choose_alpha(data)
        self.head = WidthHead.fit(x, y[:, None], alpha)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.head.predict_db(torch.from_numpy(np.asarray(x, np.float64))).numpy()[:, 0]


def _regressor(kind: str, seed: int, packages: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingRegressor

    if kind == "ridge":
        return _GroupedRidge(packages)
    return HistGradientBoostingRegressor(max_iter=150, learning_rate=0.05, max_leaf_nodes=15,
                                         min_samples_leaf=20, random_state=seed)


def probe(train: dict, val: dict, latent_dim: int, feature_set: str, kind: str, seed: int = 0) -> dict:
    """Fit per band on `train`, score on `val`: per-band correlation and mean absolute error (dB),
    beside the error of the training mean profile (what a fixed-profile DSP can at best do)."""
    cols = _columns(train["features"].shape[1], latent_dim, feature_set)
    corr, mae, mae_profile = [], [], []
    for b in range(train["widths"].shape[1]):
        fit_rows = np.isfinite(train["widths"][:, b])
        val_rows = np.isfinite(val["widths"][:, b])
        if fit_rows.sum() < 50 or val_rows.sum() < 10:
            corr.append(np.nan), mae.append(np.nan), mae_profile.append(np.nan)
            continue
        model = _regressor(kind, seed, train["packages"][fit_rows]).fit(train["features"][fit_rows][:, cols],
                                                                       train["widths"][fit_rows, b])
        pred = model.predict(val["features"][val_rows][:, cols])
        real = val["widths"][val_rows, b]
        corr.append(_pearson(pred, real))
        mae.append(float(np.abs(pred - real).mean()))
        mae_profile.append(float(np.abs(np.median(train["widths"][fit_rows, b]) - real).mean()))
    return {"feature_set": feature_set, "regressor": kind, "per_band_correlation": corr,
            "mean_correlation": float(np.nanmean(corr)), "mae_db": float(np.nanmean(mae)),
            "profile_mae_db": float(np.nanmean(mae_profile))}


def between_package_share(data: dict) -> float:
    """Share of the width variance (mean over bands) explained by the package alone."""
    shares = []
    for b in range(data["widths"].shape[1]):
        w, p = data["widths"][:, b], data["packages"]
        keep = np.isfinite(w)
        if keep.sum() < 10:
            continue
        w, p = w[keep], p[keep]
        means = {k: w[p == k].mean() for k in np.unique(p)}
        fitted = np.array([means[k] for k in p])
        shares.append(1.0 - ((w - fitted) ** 2).sum() / max(((w - w.mean()) ** 2).sum(), 1e-12))
    return float(np.mean(shares))


def write_markdown(results: list[dict], info: dict, path: Path) -> None:
    lines = ["# Width probe: is the real width predictable from the conditioning?", "",
             f"Latents: `{info['latents']}` ({info['latent_dim']}-dim codec latents + {spatial.NUM_BANDS} band "
             f"energies), summary of each {info['summary']}. Windows of {WINDOW_FRAMES * 40 / 1000:.0f} s: {info['train_windows']} training, "
             f"{info['val_windows']} validation ({info['val_packages']} packages). Share of the validation "
             f"width variance explained by the package alone: {info['val_package_share']:.2f}.", "",
             "| features | regressor | mean per-band correlation | MAE dB | fixed-profile MAE dB |",
             "|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['feature_set']} | {r['regressor']} | {r['mean_correlation']:.3f} | "
                     f"{r['mae_db']:.2f} | {r['profile_mae_db']:.2f} |")
    lines += ["", f"Command: `{info['command']}`", ""]
    path.write_text("\n".join(lines))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.width_probe", description=__doc__.split("\n")[0])
    parser.add_argument("--latents", required=True, help="folder with train/ and validation/ shards and stats.json")
    parser.add_argument("--out", required=True)
    parser.add_argument("--summary", default="window", choices=["window", "track"],
                        help="summarise each window's conditioning, or the whole track's (all its chunks)")
    parser.add_argument("--regressors", nargs="+", default=["ridge", "trees"], choices=["ridge", "trees"])
    args = parser.parse_args(argv)
    folder = Path(args.latents)
    try:
        latent_dim = int(json.loads((folder / "stats.json").read_text())["latent_dim"])
    except (OSError, ValueError, KeyError) as err:
        print(f"error: {folder / 'stats.json'}: {err}", file=sys.stderr)
        return 2
    train = load_windows(folder / "train", latent_dim, summary=args.summary)
    val = load_windows(folder / "validation", latent_dim, summary=args.summary)
    if len(train["widths"]) < 50 or len(val["widths"]) < 10:
        print(f"error: {folder}: too few windows ({len(train['widths'])} train, {len(val['widths'])} validation)",
              file=sys.stderr)
        return 2
    results = [probe(train, val, latent_dim, fs, kind)
               for kind in args.regressors for fs in ("latents+energies", "energies", "latents")]
    info = {"latents": str(folder), "latent_dim": latent_dim, "summary": args.summary, "train_windows": len(train["widths"]),
            "val_windows": len(val["widths"]), "val_packages": len(np.unique(val["packages"])),
            "val_package_share": between_package_share(val),
            "command": "python -m evaluation.width_probe " + " ".join(argv if argv is not None else sys.argv[1:])}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "width_probe.json").write_text(json.dumps({"info": info, "results": results}, indent=2) + "\n")
    write_markdown(results, info, out / "width_probe.md")
    for r in results:
        print(f"{r['feature_set']:>17} {r['regressor']:>5}: corr {r['mean_correlation']:.3f}  "
              f"MAE {r['mae_db']:.2f} dB (profile {r['profile_mae_db']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
