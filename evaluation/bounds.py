"""Where the quality bar sits against what systems that do not know the reference can reach.

python -m evaluation.bounds --data data/prepared --max-clips 40 \\
    --results evaluation/reports/default_model/results.json --out evaluation/reports/bounds

Uses the clips of ``python -m evaluation.run`` (same protocol and arguments) and the hindsight
oracles of :mod:`evaluation.oracles`. With ``--results`` (an evaluation's ``results.json`` on the
same clips) the table also shows the model, the best DSP baseline and the bar (``--bar-pct`` lower
than the best baseline). Writes ``bounds.md``, ``bounds.json`` and ``bounds.png`` to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .clips import DataError, find_tracks, iter_clips
from .metrics.coherence import band_icc
from .metrics.width import WIDTH_ERROR_FLOOR_DB, band_side_to_mid_db, valid_bands
from .oracles import constant_profile_error, log_mel_pair, shared_level_side_mel, static_level_side_mel

#: (metric key of results.json, label, input-independent oracle, per-clip oracle or None)
ROWS = (
    ("side_mel", "side log-mel distance (log10)", "one static level per mel band for all clips",
     "one static level per mel band and clip"),
    ("width_error_db", "per-octave width error (dB)", "one width per octave for all clips", None),
    ("icc_error", "per-octave ICC error", "one ICC per octave for all clips", None),
)


def clip_references(reference: np.ndarray, sample_rate: int) -> tuple[float, np.ndarray, np.ndarray]:
    """(per-clip static-level side log-mel floor, per-octave width dB ``[B]``, per-octave ICC ``[B]``)
    of one reference clip ``[2, T]``; widths are clipped at the metric's floor, NaN where the metric
    leaves the band out."""
    _, width = band_side_to_mid_db(reference, sample_rate)
    width = np.where(valid_bands(reference, sample_rate), np.maximum(width, WIDTH_ERROR_FLOOR_DB), np.nan)
    _, icc = band_icc(reference, sample_rate)
    return static_level_side_mel(reference, sample_rate), width, icc


def compute_bounds(clips, total: int | None = None, progress: bool = True) -> dict:
    """The oracle values (means over ``clips``) with the input-independent profiles they used."""
    per_clip_mel, pairs, widths, iccs, ids = [], [], [], [], []
    for clip in tqdm(clips, total=total, desc="bounds", unit="clip", disable=not progress):
        floor, width, icc = clip_references(clip.reference, clip.sample_rate)
        per_clip_mel.append(floor)
        pairs.append(log_mel_pair(clip.reference, clip.sample_rate))
        widths.append(width)
        iccs.append(icc)
        ids.append(clip.clip_id)
    if not ids:
        raise DataError("no usable clips")
    shared_mel, mel_offsets = shared_level_side_mel(pairs)
    width_error, width_profile = constant_profile_error(np.array(widths))
    icc_error, icc_profile = constant_profile_error(np.array(iccs))
    return {"num_clips": len(ids), "clip_ids": ids,
            "oracle": {"side_mel": shared_mel, "width_error_db": width_error, "icc_error": icc_error},
            "per_clip_oracle": {"side_mel": float(np.mean(per_clip_mel))},
            "side_mel_offsets_db": (10 * mel_offsets).tolist(),
            "width_profile_db": width_profile.tolist(), "icc_profile": icc_profile.tolist()}


def compare(bounds: dict, results: dict | None, bar_pct: float) -> list[dict]:
    """One row per metric: oracle, and from ``results`` the model, best baseline and the bar."""
    from .report import best_baseline
    from .scoring import METRICS_BY_NAME

    rows = []
    for key, label, oracle_label, clip_label in ROWS:
        row = {"metric": key, "label": label, "oracle_label": oracle_label, "oracle": bounds["oracle"][key],
               "clip_oracle_label": clip_label, "clip_oracle": bounds["per_clip_oracle"].get(key, math.nan)}
        if results is not None:
            mean = results["mean"]
            name, value = best_baseline(mean, METRICS_BY_NAME[key])
            row.update(best_baseline=name, best_value=value, bar=value * (1 - bar_pct / 100),
                       model=mean.get("model", {}).get(key, math.nan))
        rows.append(row)
    return rows


def markdown(rows: list[dict], bounds: dict, command: str, bar_pct: float) -> str:
    """The report: how it was made, then one line per metric."""
    lines = ["# Bounds: what a system that does not know the reference can reach", "",
             f"- command: `{command}`", f"- clips: {bounds['num_clips']}", "",
             "| metric | model | best DSP baseline | bar (" + f"{bar_pct:g}" + "% below it) "
             "| input-independent oracle | its kind | per-clip oracle | its kind |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        base = f"{row['best_value']:.3f} ({row['best_baseline']})" if "best_value" in row else "–"
        model = f"{row['model']:.3f}" if math.isfinite(row.get("model", math.nan)) else "–"
        bar = f"{row['bar']:.3f}" if "bar" in row else "–"
        clip = f"{row['clip_oracle']:.3f}" if math.isfinite(row["clip_oracle"]) else "0 (trivially)"
        clip_kind = row["clip_oracle_label"] or "the clip's own value"
        lines.append(f"| {row['label']} | {model} | {base} | {bar} | {row['oracle']:.3f} | {row['oracle_label']} "
                     f"| {clip} | {clip_kind} |")
    lines += ["", "Oracles are chosen with hindsight on these very clips (L1-optimal), so no real system "
              "reaches them. Where the bar is below the input-independent oracle, no stereoizer whose "
              "spatial image ignores the input (every DSP baseline) can meet it, however it is tuned: "
              "a system must predict, from the mono alone, how this recording's image differs from the "
              "typical one. The side log-mel oracles give the side the mid's own mel envelope.", ""]
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    """Bars per metric, each divided by the best baseline: model, bar, oracle."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    usable = [row for row in rows if "best_value" in row and row["best_value"]]
    if not usable:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(usable))
    for offset, (key, label) in zip((-0.27, 0.0, 0.27), (("model", "model"), ("bar", "bar"), ("oracle", "hindsight oracle"))):
        ax.bar(x + offset, [row[key] / row["best_value"] for row in usable], width=0.25, label=label)
    ax.axhline(1.0, color="black", linewidth=1, label="best DSP baseline")
    ax.set_xticks(x, [row["label"] for row in usable], fontsize=8)
    ax.set_ylabel("error / best DSP baseline's error")
    ax.set_title("Quality bar against hindsight oracles")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="prepared data or a folder of stereo files (as evaluation.run)")
    parser.add_argument("--split", default=None, help="dataset split (default: validation)")
    parser.add_argument("--max-clips", type=int, default=None)
    parser.add_argument("--clips-per-track", type=int, default=2)
    parser.add_argument("--clip-seconds", type=float, default=10.0)
    parser.add_argument("--results", type=Path, default=None, help="results.json of evaluation.run on the same clips")
    parser.add_argument("--bar-pct", type=float, default=20.0, help="the bar: this many %% below the best baseline")
    parser.add_argument("--out", type=Path, default=Path("evaluation/reports/bounds"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    command = "python -m evaluation.bounds " + " ".join(sys.argv[1:] if argv is None else argv)
    try:
        results = json.loads(args.results.read_text()) if args.results is not None else None
        if results is not None and "mean" not in results:
            raise DataError(f"{args.results}: not an evaluation results.json (no 'mean')")
        tracks = find_tracks(args.data, args.split)
        clips = iter_clips(tracks, clip_s=args.clip_seconds, clips_per_track=args.clips_per_track,
                           max_clips=args.max_clips)
        bounds = compute_bounds(clips, total=args.max_clips, progress=not args.quiet)
    except (OSError, ValueError) as error:  # DataError and JSON errors are ValueErrors
        print(f"error: {error}", file=sys.stderr)
        return 2
    if results is not None and results.get("info", {}).get("num_clips") not in (None, bounds["num_clips"]):
        print(f"warning: {args.results} has {results['info']['num_clips']} clips, the bounds {bounds['num_clips']}",
              file=sys.stderr)
    rows = compare(bounds, results, args.bar_pct)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bounds.json").write_text(json.dumps({"command": command, **bounds, "rows": rows}, indent=2) + "\n")
    text = markdown(rows, bounds, command, args.bar_pct)
    (args.out / "bounds.md").write_text(text)
    plot(rows, args.out / "bounds.png")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
