"""The markdown report: how it was made, a table per metric, the model's gain over DSP, realism and E_min."""

from __future__ import annotations

import math

from .improvement_interval import improvement_interval, num_productions
from .per_production import per_production_markdown
from .scoring import BEST_OF_METRICS, METRICS, METRICS_BY_NAME, REFERENCE_METRICS, MetricSpec
from .systems import is_model

ARROWS = {"lower": "↓", "higher": "↑", None: ""}

#: The headline columns of the summary table.
HEADLINE = ("side_mel", "width_error_db", "icc_error", "frechet_distance", "classifier_accuracy", "ild_w1_db", "ipd_w1_rad",
            "panning_w1", "corr_mean_error", "fold_down_error_db")

REALISM_TEXT = (
    "Faithfulness (the errors above) compares each output with the one original; realism compares the "
    "*distribution* of all outputs with the distribution of real stereo. Every 0.25 s segment is described "
    "per octave by its side-to-mid ratio (dB), its L/R coherence and the change of both since the previous "
    "segment; features are standardised by the references' mean and spread. **Fréchet distance**: between "
    "Gaussian fits of the outputs' and the references' segments (0 = same mean and covariance; a fixed image "
    "scores at least the number of features). **Classifier accuracy**: gradient-boosted trees telling output "
    "from reference segments, cross-validated with whole clips held out (0.5 = cannot tell them apart, 1 = "
    "always can).")


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}f}"


def best_baseline(mean: dict[str, dict[str, float]], spec: MetricSpec) -> tuple[str | None, float]:
    """The DSP baseline (any non-model system) with the best mean on `spec`, and its value."""
    candidates = [(name, values[spec.name]) for name, values in mean.items()
                  if name != "reference" and not is_model(name) and math.isfinite(values.get(spec.name, math.nan))]
    if not candidates or spec.better is None:
        return None, math.nan
    pick = min if spec.better == "lower" else max
    return pick(candidates, key=lambda item: item[1])


def improvement_pct(model_value: float, best_value: float, spec: MetricSpec) -> float:
    """Relative improvement of the model over the best baseline, % (positive = model better).

        lower is better:  100 * (best - model) / best;   higher is better: 100 * (model - best) / |best|
    """
    if not spec.relative or spec.better is None or not math.isfinite(model_value) or not best_value:
        return math.nan
    if spec.better == "lower":
        return 100.0 * (best_value - model_value) / abs(best_value)
    return 100.0 * (model_value - best_value) / abs(best_value)


def improvements(mean: dict[str, dict[str, float]], per_clip: list[dict] | None = None) -> dict[str, dict[str, dict]]:
    """{model name: {metric: {"model", "best_baseline", "best_value", "improvement_pct", "interval"}}};
    "interval" is the 95% bootstrap interval over productions of the improvement
    (:mod:`evaluation.improvement_interval`) when ``per_clip`` holds two productions or more, else None."""
    out = {}
    for name in (n for n in mean if is_model(n)):
        out[name] = {}
        for spec in METRICS:
            if spec.better is None or spec.name not in mean[name]:
                continue
            best_name, best_value = best_baseline(mean, spec)
            gain = improvement_pct(mean[name][spec.name], best_value, spec)
            interval = (improvement_interval(per_clip, name, best_name, spec.name, spec.better)
                        if per_clip and best_name and math.isfinite(gain) else None)
            out[name][spec.name] = {"model": mean[name][spec.name], "best_baseline": best_name,
                                    "best_value": best_value, "improvement_pct": gain, "interval": interval}
    return out


def _header(spec: MetricSpec) -> str:
    unit = f" ({spec.unit})" if spec.unit else ""
    return f"{spec.label}{unit} {ARROWS[spec.better]}".strip()


def realism_markdown(results: dict) -> list[str]:
    """The realism section: both measures per system and the real-vs-real floor."""
    realism = results.get("realism")
    if not realism or not realism.get("systems"):
        return []
    split = realism["reference_split"]
    lines = ["## Realism (distribution of short-segment spatial features against real stereo)", "", REALISM_TEXT, "",
             f"Floor: the Fréchet distance between the references of two halves of the tracks (different real "
             f"music, {split['num_segments'][0]} and {split['num_segments'][1]} segments) is "
             f"**{_fmt(split['frechet_distance'], 2)}**: a system below it is as close to these originals as "
             f"other real stereo is. {realism['num_features']} features.", "",
             "| system | Fréchet distance ↓ | ± SE (bootstrap over clips) | classifier accuracy ↓ | segments |",
             "|---|---|---|---|---|"]
    for name, row in realism["systems"].items():
        lines.append(f"| {name} | {_fmt(row['frechet_distance'], 2)} | {_fmt(row.get('frechet_se'), 2)} "
                     f"| {_fmt(row['classifier_accuracy'])} | {row['num_segments']} |")
    return lines + [""]


def best_of_k_markdown(results: dict) -> list[str]:
    """The E_min section: per system, the mean over clips of the best error of K takes."""
    table = results.get("best_of_k")
    if not table:
        return []
    ks = list(next(iter(table.values()))[BEST_OF_METRICS[0]])
    headers = [f"{METRICS_BY_NAME[key].label} best of {k}" for key in BEST_OF_METRICS for k in ks]
    lines = ["## Best of K takes (E_min)", "",
             f"Per clip the lowest error over takes with seeds 0..K-1, then the mean over clips (Serrà et al. "
             f"2023's E_min). A system whose takes differ can land closer to the original in one of them; a "
             f"deterministic one scores the same for every K.", "",
             "| system | " + " | ".join(headers) + " |", "|---" * (len(headers) + 1) + "|"]
    for name, rows in table.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(rows[key][k]) for key in BEST_OF_METRICS for k in ks) + " |")
    return lines + [""]


def report_markdown(results: dict, info: dict, plots: dict[str, str], controllability_md: str = "") -> str:
    """The report text. `info`: command, data, num_clips, clip_s, seeds, elapsed_s; `plots`: title -> file name."""
    mean = results["mean"]
    systems = [name for name in mean if name != "reference"]
    lines = ["# Mono-to-stereo evaluation report", "",
             "## How it was made", "",
             f"- command: `{info['command']}`",
             f"- data: `{info['data']}`: {info['num_clips']} clips of {info['clip_s']:g} s "
             f"(at most {info['clips_per_track']} per track, near-mono and silent windows skipped)",
             f"- systems: {', '.join(systems) or 'none'}; seeds per clip: {info['seeds']}"
             + (f"; takes for the best of K: {max(info['best_of'])}" if info.get("best_of") else ""),
             f"- time: {info['elapsed_s']:.0f} s", ""]
    for name, reason in results["skipped"].items():
        lines.append(f"- **{name} skipped**: {reason}")
    if results["skipped"]:
        lines.append("")
    lines += ["Mid-preserving systems keep (L+R)/2 equal to the input; `haas` and `ffmpeg_haas` do not. "
              "↓ lower is better, ↑ higher is better, no arrow: compare with the reference row.", ""]

    headline = [METRICS_BY_NAME[n] for n in HEADLINE]
    lines += ["## Summary (means over clips)", "",
              "| system | " + " | ".join(_header(s) for s in headline) + " |",
              "|---" * (len(headline) + 1) + "|"]
    for name in systems:
        lines.append(f"| {name} | " + " | ".join(_fmt(mean[name].get(s.name)) for s in headline) + " |")
    lines.append("")

    per_clip = results.get("per_clip", [])
    gains = improvements(mean, per_clip)
    for model_name, rows in gains.items():
        lines += [f"## Improvement of {model_name} over the best DSP baseline", ""]
        if any(row["interval"] for row in rows.values()):
            lines += [f"95% interval: the improvement over resampled productions (a bootstrap over the "
                      f"{num_productions(per_clip)} productions the clips come from, whole productions at a time; "
                      f"`evaluation/improvement_interval.py`). An interval that reaches below 0 means that on "
                      f"another draw of productions the baseline could come out ahead.", ""]
        lines += ["| metric | model | best baseline | its value | improvement % | 95% interval |", "|---|---|---|---|---|---|"]
        for metric, row in rows.items():
            low_high = row["interval"]
            interval = f"{low_high[0]:.1f} .. {low_high[1]:.1f}" if low_high else "–"
            lines.append(f"| {_header(METRICS_BY_NAME[metric])} | {_fmt(row['model'])} | {row['best_baseline'] or '–'} "
                         f"| {_fmt(row['best_value'])} | {_fmt(row['improvement_pct'], 1)} | {interval} |")
        lines.append("")

    lines += per_production_markdown(per_clip)
    lines += realism_markdown(results)
    lines += best_of_k_markdown(results)

    lines += ["## Metrics", ""]
    for spec in METRICS:
        rows = [(name, mean[name].get(spec.name)) for name in systems if spec.name in mean[name]]
        if spec.name in REFERENCE_METRICS:
            rows.insert(0, ("reference", mean["reference"].get(spec.name)))
        if spec.name == "frechet_distance" and rows and results.get("realism"):
            rows.insert(0, ("reference, two halves of the tracks (floor)",
                            results["realism"]["reference_split"]["frechet_distance"]))
        if not rows:
            continue
        best_name, _ = best_baseline(mean, spec)
        lines += [f"### {_header(spec)}", "", f"`{spec.formula}`", "", "| system | mean |", "|---|---|"]
        for name, value in rows:
            mark = " (best DSP)" if name == best_name else ""
            lines.append(f"| {name}{mark} | {_fmt(value)} |")
        lines.append("")

    if plots:
        lines += ["## Plots", ""]
        for title, file_name in plots.items():
            lines += [f"### {title}", "", f"![{title}]({file_name})", ""]
    if controllability_md:
        lines += ["## Controllability", "", controllability_md]
    return "\n".join(lines)
