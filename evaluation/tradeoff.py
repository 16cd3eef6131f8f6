"""The sampler's trade-off between faithfulness and realism, and the default chosen from it.

python -m evaluation.tradeoff --data data/prepared --model m2s_gen/default_model --max-clips 32 \\
    --out evaluation/reports/tradeoff [--apply]

Runs the model with every sampler setting of :data:`SETTINGS` (draws 1..16, temperature, calibration,
band-level anchoring, level spread, time course, band-width hold) and every DSP baseline on the same
validation clips (one take
each), measures faithfulness (side log-mel distance and the other errors) and realism (Fréchet
distance, real-vs-upmix classifier: :mod:`evaluation.realism`), and applies the rule of
:mod:`evaluation.default_rule`. Writes ``tradeoff.png``, ``tradeoff.md`` and ``tradeoff.json`` to
``--out``; with ``--apply`` also writes the chosen default and the ``faithful`` / ``natural``
presets into the model folder's ``upmixer_config.json``. Re-run it after retraining a model.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from m2s_gen.loading import BUNDLED_MODEL, UPMIXER_CONFIG

from .clips import DataError, find_tracks, iter_clips
from .default_rule import NUM_STANDARD_ERRORS, choose_default
from .evaluate import evaluate_systems
from .run import _json_safe, _split_names
from .systems import UnknownSystemError, build_system, check_system_names, load_upmixer, upmixer_system
from .tradeoff_plot import plot_tradeoff

_ON = {"temperature": 1.0, "calibrate": True, "band_level_anchor": 1.0, "level_spread": 0.0, "time_course": 0.75,
       "hold_band_widths": 0.0}

#: name -> (sampler settings, description). Every setting is explicit, so the points do not move
#: when --apply changes the model's defaults.
SETTINGS: dict[str, tuple[dict, str]] = {
    **{f"d{k}": ({**_ON, "num_draws": k}, f"{k} draw{'s' * (k > 1)}, calibrated, anchored") for k in (1, 2, 4, 8, 16)},
    "d1-T0.5": ({**_ON, "num_draws": 1, "temperature": 0.5}, "1 draw, temperature 0.5"),
    "d1-T0.75": ({**_ON, "num_draws": 1, "temperature": 0.75}, "1 draw, temperature 0.75"),
    "d8-T0.5": ({**_ON, "num_draws": 8, "temperature": 0.5}, "8 draws, temperature 0.5"),
    "d1-nocal": ({**_ON, "num_draws": 1, "calibrate": False}, "1 draw, no calibration"),
    "d8-nocal": ({**_ON, "num_draws": 8, "calibrate": False}, "8 draws, no calibration"),
    "d1-noanchor": ({**_ON, "num_draws": 1, "band_level_anchor": 0.0}, "1 draw, no band-level anchoring"),
    "d8-noanchor": ({**_ON, "num_draws": 8, "band_level_anchor": 0.0}, "8 draws, no band-level anchoring"),
    "d1-anchor0.5": ({**_ON, "num_draws": 1, "band_level_anchor": 0.5}, "1 draw, anchoring halfway"),
    "d1-raw": ({**_ON, "num_draws": 1, "calibrate": False, "band_level_anchor": 0.0}, "1 draw, neither"),
    "d8-raw": ({**_ON, "num_draws": 8, "calibrate": False, "band_level_anchor": 0.0}, "8 draws, neither"),
    "d16-anchor0.75": ({**_ON, "num_draws": 16, "band_level_anchor": 0.75}, "16 draws, anchoring 3/4 of the way"),
    "d16-lv1": ({**_ON, "num_draws": 16, "level_spread": 1.0}, "16 draws, band levels drawn (spread 1)"),
    "d1-lv1": ({**_ON, "num_draws": 1, "level_spread": 1.0}, "1 draw, band levels drawn (spread 1)"),
    "d1-T0.75-lv0.5": ({**_ON, "num_draws": 1, "temperature": 0.75, "level_spread": 0.5},
                       "1 draw, temperature 0.75, band levels drawn (spread 0.5)"),
    "d1-T0.75-lv1": ({**_ON, "num_draws": 1, "temperature": 0.75, "level_spread": 1.0},
                     "1 draw, temperature 0.75, band levels drawn (spread 1)"),
    "d16-anchor0.75-tc0": ({**_ON, "num_draws": 16, "band_level_anchor": 0.75, "time_course": 0.0},
                           "16 draws, anchoring 3/4, sampled movement only (no time course)"),
    "d16-anchor0.75-tc0.5": ({**_ON, "num_draws": 16, "band_level_anchor": 0.75, "time_course": 0.5},
                             "16 draws, anchoring 3/4, time course at scale 0.5"),
    "d16-anchor0.75-tc1": ({**_ON, "num_draws": 16, "band_level_anchor": 0.75, "time_course": 1.0},
                           "16 draws, anchoring 3/4, time course at scale 1"),
    "d1-tc0": ({**_ON, "num_draws": 1, "time_course": 0.0}, "1 draw, sampled movement only (no time course)"),
    **{f"d1-tc{scale:g}": ({**_ON, "num_draws": 1, "time_course": scale}, f"1 draw, time course at scale {scale:g}")
       for scale in (0.5, 1.0, 1.25)},
    **{f"d{k}-tc1": ({**_ON, "num_draws": k, "time_course": 1.0}, f"{k} draws, time course at scale 1") for k in (2, 4)},
    "d1-tc1-nocal": ({**_ON, "num_draws": 1, "time_course": 1.0, "calibrate": False},
                     "1 draw, time course 1, no calibration"),
    **{f"d{k}-tc1-hold{h:g}": ({**_ON, "num_draws": k, "time_course": 1.0, "hold_band_widths": h},
                               f"{k} draw{'s' * (k > 1)}, time course 1, band widths held {h:g}")
       for k, h in ((1, 0.5), (1, 1.0), (2, 0.5))},
    "d1-T0.75-lv0.5-tc0": ({**_ON, "num_draws": 1, "temperature": 0.75, "level_spread": 0.5, "time_course": 0.0},
                           "1 draw, T 0.75, band levels drawn (spread 0.5), no time course"),
}
SERIES = {"draws 1-16": ["d1", "d2", "d4", "d8", "d16"], "temperature 0.5-1": ["d1-T0.5", "d1-T0.75", "d1"],
          "anchoring 0-1 (1 draw)": ["d1-noanchor", "d1-anchor0.5", "d1"], "no calibration": ["d1-nocal", "d8-nocal"],
          "no anchoring": ["d1-noanchor", "d8-noanchor"], "neither": ["d1-raw", "d8-raw"],
          "band levels drawn (1 draw, T 0.75)": ["d1-T0.75", "d1-T0.75-lv0.5", "d1-T0.75-lv1"],
          "time course 0-1 (16 draws)": ["d16-anchor0.75-tc0", "d16-anchor0.75-tc0.5", "d16-anchor0.75",
                                         "d16-anchor0.75-tc1"],
          "time course 0-1.25 (1 draw)": ["d1-tc0", "d1-tc0.5", "d1", "d1-tc1", "d1-tc1.25"],
          "draws 1-4 (time course 1)": ["d1-tc1", "d2-tc1", "d4-tc1"],
          "band widths held 0-1 (1 draw, time course 1)": ["d1-tc1", "d1-tc1-hold0.5", "d1-tc1-hold1"]}
DEFAULT_BASELINES = "mono,haas,haas_mid,decorrelator,freq_decorrelator,ffmpeg_haas"
COLUMNS = (("side_mel", "side log-mel ↓"), ("width_error_db", "width err dB ↓"), ("icc_error", "ICC err ↓"),
           ("frechet_distance", "Fréchet distance ↓"), ("frechet_se", "± SE"), ("classifier_accuracy", "classifier acc. ↓"))
PREFIX = "model "
#: Distances besides the side log-mel one on which a setting must tie with *faithful* to be as faithful.
OTHER_FAITHFULNESS = ("width_error_db", "icc_error")


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="m2s tradeoff", description="Faithfulness against realism over the "
                                     "sampler's settings; picks the default by the rule of docs/evaluation.md.")
    parser.add_argument("--data", required=True, help="a prepared dataset dir or a folder of stereo audio files")
    parser.add_argument("--model", default=None, help="model folder (default: the bundled model)")
    parser.add_argument("--out", default="evaluation/reports/tradeoff", help="report directory (created)")
    parser.add_argument("--max-clips", type=int, default=32, help="clips (default: %(default)s)")
    parser.add_argument("--clips-per-track", type=int, default=2, help="at most K clips per track")
    parser.add_argument("--clip-seconds", type=float, default=10.0, help="clip length, s")
    parser.add_argument("--settings", default=",".join(SETTINGS), help="comma-separated names from: %(default)s")
    parser.add_argument("--baselines", default=DEFAULT_BASELINES, help="DSP baselines drawn as points")
    parser.add_argument("--split", default=None, help="dataset split (default: validation)")
    parser.add_argument("--device", default=None, help="torch device of the model")
    parser.add_argument("--apply", action="store_true",
                        help="write the chosen default and the faithful/natural presets into the model's upmixer_config.json")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def apply_choice(model_dir: Path, choice: dict) -> dict:
    """Write the default's settings as the model's defaults and the two ends as its presets; returns
    the new config. Settings of the sweep are explicit (`SETTINGS`), so every default is set."""
    path = model_dir / UPMIXER_CONFIG
    config = json.loads(path.read_text())
    default = SETTINGS[choice["default"]][0]
    config.update(default_num_draws=default["num_draws"], default_temperature=default["temperature"],
                  default_calibrate=default["calibrate"], band_level_anchor=default["band_level_anchor"],
                  default_level_spread=default["level_spread"], default_time_course=default["time_course"],
                  hold_band_widths=default["hold_band_widths"],
                  presets={end: dict(SETTINGS[choice[end]][0]) for end in ("faithful", "natural")})
    path.write_text(json.dumps(config, indent=2) + "\n")
    return config


def _marks(choice: dict) -> dict[str, str]:
    """Setting name -> its roles, e.g. {"d8": "default, faithful", "d1": "natural"}."""
    marks: dict[str, list[str]] = {}
    for role in ("default", "faithful", "natural"):
        marks.setdefault(choice[role], []).append(role)
    return {name: ", ".join(roles) for name, roles in marks.items()}


def _fmt(value, digits=3) -> str:
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def tradeoff_markdown(info: dict, mean: dict, realism: dict, choice: dict, names: list[str], baselines: list[str]) -> str:
    """The report: how it was made, the settings and baselines on both axes, the rule and its choice."""
    rows = choice["rows"]
    header = "| " + " | ".join(label for _, label in COLUMNS) + " |"
    lines = ["# Trade-off of the sampler: faithfulness against realism", "",
             f"- command: `{info['command']}`",
             f"- model: `{info['model']}`; data: `{info['data']}`, {info['num_clips']} clips of {info['clip_s']:g} s, "
             f"one take (seed 0) per clip and system; time: {info['elapsed_s']:.0f} s", "",
             "Faithfulness: distance of each output to its original (side log-mel, per-octave width and ICC errors, "
             "means over clips). Realism: distance of the distribution of all outputs' 0.25 s spatial features to "
             "that of the originals (Fréchet distance, and a classifier's balanced accuracy telling them apart, 0.5 = "
             f"cannot). Real vs real floor (two halves of the tracks): Fréchet distance "
             f"{_fmt(realism['reference_split']['frechet_distance'], 2)}.", "",
             "![trade-off](tradeoff.png)", "",
             "## Model settings", "",
             "| setting | what | " + header[2:] + " excess over faithful ± SE: side log-mel / width / ICC | as faithful |",
             "|---" * (len(COLUMNS) + 4) + "|"]
    for name in names:
        values = mean.get(PREFIX + name, {})
        row = rows.get(name, {})
        excess = " / ".join([f"{_fmt(row.get('excess'))} ± {_fmt(row.get('excess_se'))}"]
                            + [f"{_fmt(v['excess'])} ± {_fmt(v['excess_se'])}" for v in row.get("other_excess", {}).values()]
                            ) if row else "–"
        lines.append(f"| {name} | {SETTINGS[name][1]} | " + " | ".join(_fmt(values.get(k)) for k, _ in COLUMNS)
                     + f" | {excess} | {'yes' if row.get('as_faithful') else 'no'} |")
    lines += ["", "## DSP baselines (same clips)", "", "| baseline " + header, "|---" * (len(COLUMNS) + 1) + "|"]
    for name in baselines:
        lines.append(f"| {name} | " + " | ".join(_fmt(mean[name].get(k)) for k, _ in COLUMNS) + " |")
    default = SETTINGS[choice["default"]]
    lines += ["", "## The rule and its choice", "",
              f"1. *faithful*: the lowest mean side log-mel distance: **{choice['faithful']}** "
              f"({SETTINGS[choice['faithful']][1]}).",
              f"2. As faithful: per-clip excess over it (paired) at most {choice['num_se']:g} standard errors "
              "on side log-mel distance, per-octave width error and ICC error: "
              + ", ".join(n for n in names if rows.get(n, {}).get("as_faithful")) + ".",
              f"3. **Default: {choice['default']}** ({default[1]}), the lowest Fréchet distance among those "
              f"when it is below *faithful*'s by more than *faithful*'s standard error "
              f"({choice.get('frechet_margin', 0.0):.2f}), else *faithful*: `{json.dumps(default[0])}`.",
              f"4. *natural*: the lowest Fréchet distance of all: **{choice['natural']}** ({SETTINGS[choice['natural']][1]}).",
              ""]
    if info.get("applied"):
        lines += [f"Written into `{info['model']}/{UPMIXER_CONFIG}` (`--apply`).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = get_parser().parse_args(argv)
    shown_argv = sys.argv[1:] if argv is None else argv
    started = time.time()
    # 1. check inputs
    try:
        names = _split_names(args.settings)
        unknown = [n for n in names if n not in SETTINGS]
        if unknown or not names:
            raise UnknownSystemError(f"--settings: unknown {unknown or 'empty'}; valid: {', '.join(SETTINGS)}")
        baselines = _split_names(args.baselines)
        check_system_names(baselines)
        model_dir = Path(args.model) if args.model else BUNDLED_MODEL
        if args.apply and not (model_dir / UPMIXER_CONFIG).is_file():
            raise ValueError(f"--apply: {model_dir} is not a model folder (a hub id cannot be written to)")
        tracks = find_tracks(args.data, args.split)
        upmixer = load_upmixer(args.model, args.device)
    except (DataError, UnknownSystemError, ValueError) as error:  # ModelLoadError is a ValueError
        print(f"error: {error}", file=sys.stderr)
        return 2
    # 2. every setting and baseline on the same clips
    systems = {PREFIX + n: upmixer_system(upmixer, **SETTINGS[n][0]) for n in names}
    systems.update({n: build_system(n) for n in baselines})
    clips = iter_clips(tracks, clip_s=args.clip_seconds, clips_per_track=args.clips_per_track, max_clips=args.max_clips)
    results = evaluate_systems(systems, clips, num_seeds=1, total=args.max_clips, progress=not args.quiet)
    if len(results["per_clip"]) < 2:
        print("error: fewer than 2 usable clips", file=sys.stderr)
        return 2
    mean = results["mean"]
    for name, row in results["realism"]["systems"].items():
        mean[name]["frechet_se"] = row["frechet_se"]
    # 3. the rule
    side_mel = {n: [r["systems"][PREFIX + n]["side_mel"] for r in results["per_clip"]] for n in names}
    other_errors = {metric: {n: [r["systems"][PREFIX + n][metric] for r in results["per_clip"]] for n in names}
                    for metric in OTHER_FAITHFULNESS}
    choice = choose_default(side_mel, {n: mean[PREFIX + n].get("frechet_distance", float("nan")) for n in names},
                            NUM_STANDARD_ERRORS, other_errors,
                            {n: mean[PREFIX + n].get("frechet_se", float("nan")) for n in names})
    # 4. write
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shown_baselines = [n for n in baselines if n in mean]
    plot_tradeoff({n: (mean[PREFIX + n]["side_mel"], mean[PREFIX + n]["frechet_distance"]) for n in names},
                  {n: (mean[n]["side_mel"], mean[n]["frechet_distance"]) for n in shown_baselines}, out / "tradeoff.png",
                  series=SERIES,
                  marked=_marks(choice),
                  floor=results["realism"]["reference_split"]["frechet_distance"],
                  title=f"Sampler settings and DSP baselines, {len(results['per_clip'])} validation clips")
    if args.apply:
        apply_choice(model_dir, choice)
    info = {"command": "python -m evaluation.tradeoff " + shlex.join(shown_argv), "model": str(model_dir),
            "data": str(args.data), "num_clips": len(results["per_clip"]), "clip_s": args.clip_seconds,
            "elapsed_s": time.time() - started, "applied": args.apply}
    (out / "tradeoff.md").write_text(tradeoff_markdown(info, mean, results["realism"], choice, names, shown_baselines))
    payload = {"info": info, "settings": {n: SETTINGS[n][0] for n in names}, "choice": choice, "mean": mean,
               "realism": results["realism"], "skipped": results["skipped"],
               "clip_ids": [r["id"] for r in results["per_clip"]], "side_mel_per_clip": side_mel,
               "other_errors_per_clip": other_errors}
    (out / "tradeoff.json").write_text(json.dumps(_json_safe(payload), indent=1))
    print(f"default: {choice['default']}  faithful: {choice['faithful']}  natural: {choice['natural']}  "
          f"(wrote {out / 'tradeoff.md'}, {info['elapsed_s']:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
