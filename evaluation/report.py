"""The markdown report: how it was made, a table per metric, the model's gain over DSP."""

from __future__ import annotations

import math

from .scoring import METRICS, METRICS_BY_NAME, REFERENCE_METRICS, MetricSpec
from .systems import is_model

ARROWS = {"lower": "↓", "higher": "↑", None: ""}

#: The headline columns of the summary table.
HEADLINE = ("side_mel", "width_error_db", "icc_error", "ild_w1_db", "ipd_w1_rad", "panning_w1", "corr_mean_error", "fold_down_error_db")


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


def improvements(mean: dict[str, dict[str, float]]) -> dict[str, dict[str, dict]]:
    """{model name: {metric: {"model", "best_baseline", "best_value", "improvement_pct"}}}."""
    out = {}
    for name in (n for n in mean if is_model(n)):
        out[name] = {}
        for spec in METRICS:
            if spec.better is None or spec.name not in mean[name]:
                continue
            best_name, best_value = best_baseline(mean, spec)
            out[name][spec.name] = {"model": mean[name][spec.name], "best_baseline": best_name,
                                    "best_value": best_value,
                                    "improvement_pct": improvement_pct(mean[name][spec.name], best_value, spec)}
    return out


def _header(spec: MetricSpec) -> str:
    unit = f" ({spec.unit})" if spec.unit else ""
    return f"{spec.label}{unit} {ARROWS[spec.better]}".strip()


def report_markdown(results: dict, info: dict, plots: dict[str, str], controllability_md: str = "") -> str:
    """The report text. `info`: command, data, num_clips, clip_s, seeds, elapsed_s; `plots`: title -> file name."""
    mean = results["mean"]
    systems = [name for name in mean if name != "reference"]
    lines = ["# Mono-to-stereo evaluation report", "",
             "## How it was made", "",
             f"- command: `{info['command']}`",
             f"- data: `{info['data']}`: {info['num_clips']} clips of {info['clip_s']:g} s "
             f"(at most {info['clips_per_track']} per track, near-mono and silent windows skipped)",
             f"- systems: {', '.join(systems) or 'none'}; seeds per clip: {info['seeds']}",
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

    gains = improvements(mean)
    for model_name, rows in gains.items():
        lines += [f"## Improvement of {model_name} over the best DSP baseline", "",
                  "| metric | model | best baseline | its value | improvement % |", "|---|---|---|---|---|"]
        for metric, row in rows.items():
            lines.append(f"| {_header(METRICS_BY_NAME[metric])} | {_fmt(row['model'])} | {row['best_baseline'] or '–'} "
                         f"| {_fmt(row['best_value'])} | {_fmt(row['improvement_pct'], 1)} |")
        lines.append("")

    lines += ["## Metrics", ""]
    for spec in METRICS:
        rows = [(name, mean[name].get(spec.name)) for name in systems if spec.name in mean[name]]
        if spec.name in REFERENCE_METRICS:
            rows.insert(0, ("reference", mean["reference"].get(spec.name)))
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
