"""How the width head's correlation grows with the number of training productions.

The width head (:mod:`m2s_gen.width_head`, a ridge over the mono's band dynamics) is refitted on
``k`` training productions drawn at random, several draws per ``k``, and scored on windows of
productions none of the fits saw (the validation packages, and optionally a held-out set).
The means are fitted with ``rho(k) = rho_inf - c / k``: ``rho_inf`` is where more productions of the
same kind lead this head, and the ``k`` at which the fit reaches a target (the issue's 0.5) says how
much more data that would take, or that this head does not reach it at all.

    python -m training.width_learning_curve --audio data/prepared --held-out data/unseen \\
        --out evaluation/reports/width_learning_curve

writes ``width_learning_curve.json``, ``.md`` and ``.png``. The neighbourhood and penalty are chosen
once, by the same package-grouped cross-validation as :mod:`training.fit_width_head`, on all
training windows, and kept for every subset.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from m2s_gen.band_dynamics import local_mask
from m2s_gen.width_head import WidthHead

from .fit_width_head import choose_neighbours, scores_of

DEFAULT_SIZES = (3, 6, 12, 18, 24)
DEFAULT_REPEATS = 12
TARGET_CORRELATION = 0.5  # the target for the per-octave clip-width correlation


def subset_curve(train: dict, targets: dict[str, dict], sizes: Sequence[int], repeats: int, alpha: float,
                 use: np.ndarray | None, seed: int = 0) -> dict:
    """Per size ``k``: the mean per-band correlation on each target of heads fitted on ``k`` random
    training productions (``repeats`` draws; one when ``k`` is all of them). Sizes above the number
    of productions are an error."""
    names = np.unique(train["packages"])
    if max(sizes) > len(names) or min(sizes) < 1:
        raise ValueError(f"sizes must lie in 1..{len(names)} (the training productions), got {list(sizes)}")
    rng = np.random.default_rng(seed)
    curve = {"sizes": [int(k) for k in sizes], "productions": int(len(names)), "targets": {}}
    results = {name: [] for name in targets}
    for k in sizes:
        draws = 1 if k == len(names) else repeats
        per_target = {name: [] for name in targets}
        for _ in range(draws):
            rows = np.isin(train["packages"], rng.choice(names, k, replace=False))
            head = WidthHead.fit(train["features"][rows], train["widths"][rows], alpha, use)
            for name, data in targets.items():
                pred = head.predict_db(torch.from_numpy(data["features"])).numpy()
                per_target[name].append(scores_of(pred, data, np.zeros(pred.shape[1]))["mean_correlation"])
        for name, values in per_target.items():
            results[name].append({"k": int(k), "draws": draws, "mean": float(np.mean(values)),
                                  "std": float(np.std(values))})
    for name, rows in results.items():
        fit = saturation_fit([r["k"] for r in rows], [r["mean"] for r in rows])
        curve["targets"][name] = {"windows": int(len(targets[name]["widths"])), "points": rows, **fit}
    return curve


def saturation_fit(sizes: Sequence[float], means: Sequence[float], target: float = TARGET_CORRELATION) -> dict:
    """Least-squares ``rho(k) = rho_inf - c / k``; ``k_for_target``: the ``k`` where the fit reaches
    ``target`` (None when ``rho_inf`` does not exceed it)."""
    k = np.asarray(sizes, float)
    design = np.stack([np.ones_like(k), -1.0 / k], axis=1)
    (rho_inf, c), *_ = np.linalg.lstsq(design, np.asarray(means, float), rcond=None)
    reach = float(c / (rho_inf - target)) if rho_inf > target and c > 0 else None
    return {"rho_inf": float(rho_inf), "c": float(c), "target": target, "k_for_target": reach}


def with_more_productions(train: dict, extra: dict, target: dict, alpha: float, use: np.ndarray | None) -> dict:
    """The head fitted on the training windows plus ``extra``'s (other productions), scored on ``target``."""
    merged = {key: np.concatenate([train[key], extra[key]]) for key in ("features", "widths", "packages")}
    head = WidthHead.fit(merged["features"], merged["widths"], alpha, use)
    pred = head.predict_db(torch.from_numpy(target["features"])).numpy()
    return {"productions": int(len(np.unique(merged["packages"]))),
            "mean_correlation": scores_of(pred, target, np.zeros(pred.shape[1]))["mean_correlation"]}


def markdown(curve: dict, extra_rows: dict, notes: str) -> str:
    names = list(curve["targets"])
    lines = ["| training productions | draws | " + " | ".join(f"{n}: correlation (sd)" for n in names) + " |",
             "|" + "---|" * (len(names) + 2)]
    for i, k in enumerate(curve["sizes"]):
        cells = [f"{curve['targets'][n]['points'][i]['mean']:.3f} ({curve['targets'][n]['points'][i]['std']:.3f})"
                 for n in names]
        lines.append(f"| {k} | {curve['targets'][names[0]]['points'][i]['draws']} | " + " | ".join(cells) + " |")
    lines += ["", "| fit rho(k) = rho_inf - c/k | rho_inf | c | productions for " + f"{TARGET_CORRELATION:g} |",
              "|---|---|---|---|"]
    for n in names:
        t = curve["targets"][n]
        reach = "not reached" if t["k_for_target"] is None else f"{t['k_for_target']:.0f}"
        lines.append(f"| {n} ({t['windows']} windows) | {t['rho_inf']:.3f} | {t['c']:.3f} | {reach} |")
    if extra_rows:
        lines += ["", "| fitted on | productions | scored on | correlation |", "|---|---|---|---|"]
        lines += [f"| {row['fitted_on']} | {row['productions']} | {row['scored_on']} | {row['mean_correlation']:.3f} |"
                  for row in extra_rows.values()]
    return "# Width head: correlation against the number of training productions\n\n" + notes + "\n\n" + "\n".join(lines) + "\n"


def plot(curve: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    grid = np.linspace(min(curve["sizes"]), max(curve["sizes"]) * 4, 200)
    for i, (name, t) in enumerate(curve["targets"].items()):
        colour = f"C{i}"
        ks = [p["k"] for p in t["points"]]
        ax.errorbar(ks, [p["mean"] for p in t["points"]], yerr=[p["std"] for p in t["points"]], fmt="o",
                    color=colour, capsize=3, label=f"{name} (measured, ±1 sd over draws)")
        ax.plot(grid, t["rho_inf"] - t["c"] / grid, color=colour, alpha=0.6,
                label=f"{name}: fit, ceiling {t['rho_inf']:.2f}")
    ax.axhline(TARGET_CORRELATION, color="k", linestyle="--", linewidth=1, label=f"target {TARGET_CORRELATION:g}")
    ax.set_xscale("log")
    ax.set_xlabel("training productions (log scale)")
    ax.set_ylabel("per-band width correlation")
    ax.set_title("Width head: more productions of the same kind")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.width_learning_curve", description=__doc__.split("\n")[0])
    parser.add_argument("--audio", required=True, help="prepared dataset (its train and validation splits)")
    parser.add_argument("--held-out", default=None, help="a second dataset of other productions, scored as well")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="numbers of training productions")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="random draws of productions per size")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    from evaluation.clips import DataError

    from .width_windows import audio_windows

    started = time.time()
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        sizes = []
    if not sizes:
        print(f"error: --sizes {args.sizes!r}: expected whole numbers separated by commas", file=sys.stderr)
        return 2
    try:
        windows = {"train": audio_windows(args.audio, "train", progress=not args.no_progress),
                   "validation": audio_windows(args.audio, "validation", progress=not args.no_progress)}
        if args.held_out:
            windows["held out"] = audio_windows(args.held_out, "validation", progress=not args.no_progress)
    except (DataError, KeyError, OSError) as err:
        print(f"error: {str(err).strip(chr(39))}", file=sys.stderr)
        return 2
    train = windows.pop("train")
    empty = [name for name, data in {"train": train, **windows}.items() if len(data["widths"]) == 0]
    if empty:
        print(f"error: no windows in {', '.join(empty)}", file=sys.stderr)
        return 2
    neighbours, alpha, _ = choose_neighbours(train)
    use = local_mask(neighbours)
    try:
        curve = subset_curve(train, windows, sizes, args.repeats, alpha, use)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    extra = {}
    if "held out" in windows:
        extra["held-out"] = {"fitted_on": "training + held-out", "scored_on": "validation",
                             **with_more_productions(train, windows["held out"], windows["validation"], alpha, use)}
        extra["validation"] = {"fitted_on": "training + validation", "scored_on": "held out",
                               **with_more_productions(train, windows["validation"], windows["held out"], alpha, use)}
    reach = "all bands" if neighbours is None else f"bands within {neighbours}"
    command = "python -m training.width_learning_curve " + " ".join(sys.argv[1:] if argv is None else argv)
    notes = (f"Command: `{command}` ({time.time() - started:.0f} s). Head: band dynamics, {reach}, ridge penalty "
             f"{alpha:g} (chosen once by package-grouped cross-validation on all training windows). Score: the mean "
             "over bands of the Pearson correlation, over 10 s windows, of predicted and real width (dB).")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result = {"curve": curve, "more_productions": extra, "neighbours": neighbours, "alpha": alpha}
    (out / "width_learning_curve.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "width_learning_curve.md").write_text(markdown(curve, extra, notes))
    plot(curve, out / "width_learning_curve.png")
    print(markdown(curve, extra, notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
