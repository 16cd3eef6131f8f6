"""Command line of the evaluation suite: `python -m evaluation.run --data DIR --systems ... --out DIR`.

Writes REPORT_DIR/results.json (per clip and mean per system per metric, realism, best of K takes),
REPORT_DIR/report.md and the PNG plots. Bad input (a --data dir without stereo audio, an unknown system name, a model that
cannot be loaded) prints one `error: ...` line and returns 2.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from .clips import DataError, find_tracks, iter_clips
from .controllability import controllability_markdown, measure_controllability
from .evaluate import evaluate_systems, phase_series_for_plot
from .metrics import OCTAVE_CENTRES_HZ
from .metrics.phase_correlation import CORRELATION_FRAME_MS
from .improvement_interval import num_productions
from .per_production import DISTANCES
from .per_production_plot import plot_per_production, production_improvements
from .plots import plot_band_widths, plot_phase_correlation, plot_vectorscope
from .report import best_baseline, improvements, report_markdown
from .tradeoff_plot import plot_tradeoff
from .scoring import METRICS_BY_NAME
from .systems import UnknownSystemError, build_system, check_system_names, is_model, system_names

DEFAULT_SYSTEMS = "model,mono,haas,haas_mid,decorrelator,freq_decorrelator,ffmpeg_haas"
PLOT_FILES = {"Width per octave against the reference": "band_widths.png",
              "Vectorscope of the first clip": "vectorscope.png",
              "Phase correlation of the first clip": "phase_correlation.png",
              "Faithfulness against realism": "faithfulness_realism.png",
              "Improvement per production": "per_production.png"}


def get_parser() -> argparse.ArgumentParser:
    """The evaluation CLI's parser (`m2s evaluate` uses the same)."""
    parser = argparse.ArgumentParser(prog="m2s evaluate", description="Evaluate mono-to-stereo systems against real stereo.")
    parser.add_argument("--data", required=True, help="a prepared dataset dir (holding dataset/) or a folder of stereo audio files")
    parser.add_argument("--systems", default=DEFAULT_SYSTEMS, help=f"comma-separated names from: {', '.join(system_names())}")
    parser.add_argument("--out", default="evaluation/reports/latest", help="report directory (created)")
    parser.add_argument("--max-clips", type=int, default=None, help="stop after N clips (default: all)")
    parser.add_argument("--clips-per-track", type=int, default=2, help="at most K clips per track")
    parser.add_argument("--clip-seconds", type=float, default=10.0, help="clip length, s")
    parser.add_argument("--seeds", type=int, default=2, help="takes per clip and system; >= 2 measures diversity")
    parser.add_argument("--best-of", default="1,4,16",
                        help="K of the best-of-K errors (E_min), comma-separated; max(K) takes per clip and system "
                             "are made ('none': off)")
    parser.add_argument("--model", default=None, help="model folder for the `model` system (default: the package's)")
    parser.add_argument("--device", default=None, help="torch device of the model, e.g. cuda (default: the Upmixer's)")
    parser.add_argument("--split", default=None, help="dataset split (default: validation)")
    parser.add_argument("--controllability", action="store_true", help="also measure width and prompt control")
    parser.add_argument("--controllability-systems", default=None,
                        help="systems whose controls are measured (default: the model systems)")
    parser.add_argument("--controllability-clips", type=int, default=8, help="clips used for controllability")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _split_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def parse_best_of(text: str) -> tuple[int, ...]:
    """"1,4,16" -> (1, 4, 16); "none" or "" -> (); ValueError naming --best-of otherwise."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        ks = tuple(sorted({int(part) for part in _split_names(text)}))
    except ValueError:
        raise ValueError(f"--best-of: expected K values like 1,4,16 or 'none', got {text!r}") from None
    if not ks or ks[0] < 1 or ks[-1] > 64:
        raise ValueError(f"--best-of: K must be in [1, 64], got {text!r}")
    return ks


def _json_safe(value):
    """NaN/inf -> None, numpy -> Python, recursively (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _write_plots(results: dict, out_dir: Path) -> dict[str, str]:
    """The three PNGs; returns title -> file name of those written."""
    names = [n for n in results["band_width_db"] if n != "reference"]
    widths = {n: np.array(results["band_width_db"][n], dtype=float) for n in names}
    reference = np.array(results["band_width_db"]["reference"], dtype=float)
    centres = np.array(OCTAVE_CENTRES_HZ)
    valid = np.isfinite(reference)
    titles = list(PLOT_FILES)
    written = {}
    plot_band_widths(centres[valid], {n: w[valid] for n, w in widths.items()}, reference[valid], out_dir / PLOT_FILES[titles[0]])
    written[titles[0]] = PLOT_FILES[titles[0]]
    clip = results["plot_clip"]
    if clip is None:
        return written
    best, _ = best_baseline(results["mean"], METRICS_BY_NAME["side_mel"])
    shown = [n for n in names if is_model(n)] + ([best] if best else [])
    def label(name):
        return f"{name} (best DSP)" if name == best else name

    panels = {"reference": clip["reference"], **{label(n): clip["outputs"][n] for n in shown if n in clip["outputs"]}}
    plot_vectorscope(panels, out_dir / PLOT_FILES[titles[1]], title=f"clip {clip['id']}")
    written[titles[1]] = PLOT_FILES[titles[1]]
    series = {label(n): values for n, values in phase_series_for_plot(clip, shown).items()}
    plot_phase_correlation(series, CORRELATION_FRAME_MS * 1e-3, out_dir / PLOT_FILES[titles[2]], title=f"clip {clip['id']}")
    written[titles[2]] = PLOT_FILES[titles[2]]
    written.update(_write_tradeoff_plot(results, out_dir / PLOT_FILES[titles[3]], titles[3]))
    written.update(write_per_production_plot(results, out_dir / PLOT_FILES[titles[4]], titles[4]))
    return written


def write_per_production_plot(results: dict, path: Path, title: str) -> dict[str, str]:
    """The default model's improvement per production (:mod:`evaluation.per_production_plot`); {}
    without a model named ``model`` or with fewer than two productions."""
    per_clip = results.get("per_clip", [])
    if "model" not in results["mean"] or num_productions(per_clip) < 2:
        return {}
    gains = improvements(results["mean"], per_clip).get("model", {})
    baselines = {metric: gains[metric]["best_baseline"] for metric, _, _ in DISTANCES
                 if metric in gains and gains[metric]["best_baseline"]}
    if len(baselines) < len(DISTANCES):
        return {}
    overall = {metric: (gains[metric]["improvement_pct"], gains[metric]["interval"]) for metric in baselines}
    plot_per_production(production_improvements(per_clip, "model", baselines), overall, baselines, path,
                        title=f"{title}: the default against the best DSP baseline per metric")
    return {title: path.name}


def _write_tradeoff_plot(results: dict, path: Path, title: str) -> dict[str, str]:
    """Every system as a point, side log-mel against Fréchet distance; {} without realism scores."""
    mean = results["mean"]
    points = {n: (mean[n].get("side_mel", np.nan), mean[n].get("frechet_distance", np.nan)) for n in mean if n != "reference"}
    if not any(np.all(np.isfinite(p)) for p in points.values()):
        return {}
    floor = results.get("realism", {}).get("reference_split", {}).get("frechet_distance")
    plot_tradeoff({n: p for n, p in points.items() if is_model(n)}, {n: p for n, p in points.items() if not is_model(n)},
                  path, floor=floor, title=f"{title}, {len(results['per_clip'])} clips")
    return {title: path.name}


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; returns the exit status (0, or 2 after a one-line error)."""
    args = get_parser().parse_args(argv)
    shown_argv = sys.argv[1:] if argv is None else argv
    command = "python -m evaluation.run " + shlex.join(shown_argv)
    started = time.time()

    # 1. check inputs
    try:
        names = _split_names(args.systems)
        if not names:
            raise UnknownSystemError(f"--systems is empty; valid names: {', '.join(system_names())}")
        check_system_names(names)
        control_names = _split_names(args.controllability_systems) if args.controllability_systems else [n for n in names if is_model(n)]
        check_system_names(control_names)
        best_of = parse_best_of(args.best_of)
        tracks = find_tracks(args.data, args.split)
    except (DataError, UnknownSystemError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    # 2. build the systems (a model that cannot load is an input error too)
    systems = {}
    for name in dict.fromkeys(names + control_names):
        try:
            systems[name] = build_system(name, model_path=args.model, device=args.device)
        except Exception as error:  # noqa: BLE001 - reported in one line, whatever the cause
            print(f"error: cannot load system {name!r}: {type(error).__name__}: {error}", file=sys.stderr)
            return 2

    # 3. evaluate
    clips = iter_clips(tracks, clip_s=args.clip_seconds, clips_per_track=args.clips_per_track, max_clips=args.max_clips)
    results = evaluate_systems({n: systems[n] for n in names}, clips, num_seeds=args.seeds, total=args.max_clips,
                               progress=not args.quiet, keep_clips=args.controllability_clips if args.controllability else 0,
                               best_of=best_of)
    if not results["per_clip"]:
        print(f"error: --data {args.data}: no clip of {args.clip_seconds:g} s passed the checks (too short, silent or near-mono)",
              file=sys.stderr)
        return 2

    # 4. controllability
    control_results, control_md = {}, ""
    if args.controllability:
        for name in control_names:
            control_results[name] = measure_controllability(systems[name], results["kept_clips"])
            control_md += controllability_markdown(name, control_results[name]) + "\n"
        if not control_names:
            control_md = "_no model system to measure: pass --controllability-systems_\n"

    # 5. write
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = _write_plots(results, out_dir)
    info = {"command": command, "data": str(args.data), "num_clips": len(results["per_clip"]), "clip_s": args.clip_seconds,
            "clips_per_track": args.clips_per_track, "seeds": args.seeds, "best_of": list(best_of),
            "elapsed_s": time.time() - started}
    (out_dir / "report.md").write_text(report_markdown(results, info, plots, control_md))
    payload = {"info": info, "systems": [n for n in names if n not in results["skipped"]], "skipped": results["skipped"],
               "band_centres_hz": list(OCTAVE_CENTRES_HZ), "mean": results["mean"],
               "realism": results["realism"], "best_of_k": results["best_of_k"],
               "band_width_db": results["band_width_db"], "per_clip": results["per_clip"], "controllability": control_results}
    (out_dir / "results.json").write_text(json.dumps(_json_safe(payload), indent=1))
    print(f"wrote {out_dir / 'report.md'} ({len(results['per_clip'])} clips, {info['elapsed_s']:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
