"""Does a system's stereo image follow the music? Width of the output against the real one.

Two diagnostics on evaluation clips (issue: make the model learn the image from the music):

- **clip width per octave**: for each clip the side-to-mid ratio (dB) of each octave over the whole
  clip, output and reference; per octave, the Pearson correlation over clips. A fixed-profile DSP
  scores near 0 (its width barely depends on the input); a model that hears what makes a production
  wide or narrow scores high. The target in the issue is >= 0.5.
- **time course**: per clip, the broadband side-to-mid ratio in 0.5 s windows, output and reference;
  the Pearson correlation over windows, averaged over clips (does the width move when the real one
  moves?).

Each mean comes with a 95% interval from a bootstrap over productions (whole packages resampled, as
in :mod:`evaluation.improvement_interval`): clips of one production share its image, so a
correlation over 60 clips of 7 productions is less sure than 60 independent clips would make it.

Usage::

    python -m evaluation.width_tracking --data data/prepared --systems model,freq_decorrelator \\
        --max-clips 60 --out evaluation/reports/width_tracking

writes `width_tracking.json`, `width_tracking.md` and `width_tracking.png`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
from tqdm.auto import tqdm

from evaluation.clips import load_clips
from evaluation.metrics._spectral import DB_FLOOR, mid_side, power_db
from evaluation.metrics.width import band_side_to_mid_db, valid_bands
from evaluation.improvement_interval import percentile_interval
from evaluation.per_production import production_of
from evaluation.systems import build_system, check_system_names

WINDOW_S = 0.5
MIN_CLIPS_FOR_CORRELATION = 5
BOOTSTRAP_RESAMPLES = 1000


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of two 1-D arrays over their finite pairs (NaN if too few or constant)."""
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def windowed_width_db(stereo: np.ndarray, sample_rate: int, window_s: float = WINDOW_S) -> np.ndarray:
    """Broadband S/M in dB of consecutive `window_s` windows `[W]`; NaN where the mid is silent."""
    mid, side = mid_side(stereo)
    length = max(1, int(round(window_s * sample_rate)))
    count = mid.size // length
    e_mid = (mid[: count * length].astype(np.float64) ** 2).reshape(count, length).sum(1)
    e_side = (side[: count * length].astype(np.float64) ** 2).reshape(count, length).sum(1)
    loud = e_mid > 1e-4 * max(float(e_mid.max(initial=0.0)), 1e-30)
    return np.where(loud, power_db(e_side, np.maximum(e_mid, 1e-30), floor_db=DB_FLOOR), np.nan)


def track_widths(clips, system, seed: int = 0, desc: str = "") -> dict:
    """Per-clip octave widths and windowed widths of `system`'s outputs and of the references."""
    out_octaves, ref_octaves, time_corr = [], [], []
    centres = None
    for clip in tqdm(clips, desc=desc, file=sys.stderr, disable=not desc):
        stereo = system(clip.mono, clip.sample_rate, seed=seed)
        centres, w_out = band_side_to_mid_db(stereo, clip.sample_rate)
        _, w_ref = band_side_to_mid_db(clip.reference, clip.sample_rate)
        valid = valid_bands(clip.reference, clip.sample_rate)
        out_octaves.append(np.where(valid, w_out, np.nan))
        ref_octaves.append(np.where(valid, w_ref, np.nan))
        time_corr.append(pearson(windowed_width_db(stereo, clip.sample_rate),
                                 windowed_width_db(clip.reference, clip.sample_rate)))
    return {"centres_hz": np.asarray(centres), "out": np.array(out_octaves), "ref": np.array(ref_octaves),
            "time_correlation": np.array(time_corr), "ids": [clip.clip_id for clip in clips]}


def octave_correlations(out_db: np.ndarray, ref_db: np.ndarray) -> list[float]:
    """Per octave, the Pearson correlation over clips of ``out_db`` and ``ref_db`` ``[clips, octaves]``
    (clips where either is missing or at the floor left out; NaN with too few clips)."""
    per_octave = []
    for b in range(out_db.shape[1]):
        out, ref = out_db[:, b], ref_db[:, b]
        enough = np.isfinite(out) & np.isfinite(ref) & (out > DB_FLOOR) & (ref > DB_FLOOR)
        per_octave.append(pearson(out[enough], ref[enough]) if enough.sum() >= MIN_CLIPS_FOR_CORRELATION
                          else float("nan"))
    return per_octave


def production_intervals(widths: dict, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict:
    """95% intervals of the mean octave correlation and of the mean time-course correlation over
    resamples of whole productions (the package of each clip id); None with fewer than two."""
    productions = np.array([production_of(clip_id) for clip_id in widths.get("ids", [])])
    names = np.unique(productions)
    if len(names) < 2:
        return {"mean_octave_correlation": None, "time_correlation": None}
    members = [np.flatnonzero(productions == name) for name in names]
    rng = np.random.default_rng(seed)
    octave, time = [], []
    for _ in range(resamples):
        rows = np.concatenate([members[i] for i in rng.integers(0, len(names), len(names))])
        octave.append(_finite_mean(octave_correlations(widths["out"][rows], widths["ref"][rows])))
        time.append(_finite_mean(widths["time_correlation"][rows]))
    interval = lambda values: list(pair) if (pair := percentile_interval(values)) else None  # noqa: E731 (JSON lists)
    return {"mean_octave_correlation": interval(octave), "time_correlation": interval(time)}


def _finite_mean(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values[np.isfinite(values)].mean()) if np.isfinite(values).any() else float("nan")


def summarise(widths: dict) -> dict:
    """Per-octave correlation over clips, their mean, the mean time-course correlation, and the 95%
    intervals of both means over resampled productions."""
    per_octave = octave_correlations(widths["out"], widths["ref"])
    return {"octave_centres_hz": widths["centres_hz"].tolist(), "octave_correlation": per_octave,
            "mean_octave_correlation": float(np.nanmean(per_octave)),
            "time_correlation": float(np.nanmean(widths["time_correlation"])),
            "intervals": production_intervals(widths)}


def markdown(results: dict, notes: str) -> str:
    names = list(results)
    centres = results[names[0]]["octave_centres_hz"]
    head = ("| system | " + " | ".join(f"{c:g} Hz" for c in centres)
            + " | mean | 95% interval | time course | 95% interval |")
    lines = [head, "|" + "---|" * (len(centres) + 5)]
    span = lambda pair: f"{pair[0]:.2f} .. {pair[1]:.2f}" if pair else "–"  # noqa: E731
    for name in names:
        r = results[name]
        cells = " | ".join("—" if not np.isfinite(v) else f"{v:.2f}" for v in r["octave_correlation"])
        intervals = r.get("intervals", {})
        lines.append(f"| {name} | {cells} | {r['mean_octave_correlation']:.2f} | "
                     f"{span(intervals.get('mean_octave_correlation'))} | {r['time_correlation']:.2f} | "
                     f"{span(intervals.get('time_correlation'))} |")
    return ("Correlation of the output's width with the real one (1: follows it; 0: unrelated). Columns "
            "per octave: Pearson correlation over clips of the clip's side-to-mid ratio in that octave; "
            "time course: Pearson correlation over 0.5 s windows of the broadband ratio, mean over clips. "
            "95% intervals: a bootstrap over productions (whole packages resampled).\n\n"
            + "\n".join(lines) + "\n\n" + notes + "\n")


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    for name, r in results.items():
        ax.plot(r["octave_centres_hz"], r["octave_correlation"], marker="o", label=name)
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=1, label="target 0.5")
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("octave centre (Hz)")
    ax.set_ylabel("correlation of clip width with the real one")
    ax.set_ylim(-1, 1)
    ax.legend(fontsize=8)
    ax.set_title("Does the width follow the music? (per octave, over clips)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m evaluation.width_tracking", description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="validation")
    p.add_argument("--systems", default="model,freq_decorrelator")
    p.add_argument("--max-clips", type=int, default=60)
    p.add_argument("--clips-per-track", type=int, default=1)
    p.add_argument("--clip-seconds", type=float, default=10.0)
    p.add_argument("--out", required=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    names = [n.strip() for n in args.systems.split(",") if n.strip()]
    check_system_names(names)
    clips = load_clips(args.data, clip_s=args.clip_seconds, clips_per_track=args.clips_per_track,
                       max_clips=args.max_clips, split=args.split)
    if len(clips) < MIN_CLIPS_FOR_CORRELATION:
        print(f"width_tracking: error: {args.data}: {len(clips)} clips, need >= {MIN_CLIPS_FOR_CORRELATION}",
              file=sys.stderr)
        return 1
    results = {name: summarise(track_widths(clips, build_system(name), desc=name)) for name in names}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    notes = (f"{len(clips)} clips of {args.clip_seconds:g} s from the {args.split} split of {args.data}; "
             "`python -m evaluation.width_tracking " + " ".join(argv if argv is not None else sys.argv[1:]) + "`")
    (out / "width_tracking.json").write_text(json.dumps({"num_clips": len(clips), "results": results}, indent=1) + "\n")
    (out / "width_tracking.md").write_text(markdown(results, notes))
    plot(results, out / "width_tracking.png")
    print(markdown(results, notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
