"""The headline distances per production (Debian package): where the model is ahead and where not.

A mean over clips hides which productions a system suits; a user upmixing one kind of music cares
about that kind. The production is the part of a clip id before the first '/' (the package).
"""

from __future__ import annotations

import numpy as np

from .systems import is_model

#: The three headline distances, with the digits they are shown with.
DISTANCES = (("side_mel", "side log-mel", 3), ("width_error_db", "width dB", 2), ("icc_error", "ICC", 3))


def production_of(clip_id: str) -> str:
    """The production (package) of a clip id such as ``"xmoto-data/track@12.0s"``."""
    return clip_id.split("/", 1)[0] if "/" in clip_id else clip_id.split("@", 1)[0]


def per_production_means(per_clip: list[dict]) -> dict[str, dict]:
    """production -> {"clips": n, "width_db": median real broadband width, "systems": {name: {metric:
    mean}}} over the clips of that production, for the metrics of :data:`DISTANCES` (NaN-aware)."""
    groups: dict[str, list[dict]] = {}
    for clip in per_clip:
        groups.setdefault(production_of(clip["id"]), []).append(clip)
    out = {}
    for production, clips in sorted(groups.items()):
        systems = {}
        for name in clips[0]["systems"]:
            systems[name] = {}
            for metric, _, _ in DISTANCES:
                values = np.array([c["systems"][name].get(metric, np.nan) for c in clips], dtype=float)
                systems[name][metric] = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
        widths = [c.get("reference", {}).get("width_db", np.nan) for c in clips]
        out[production] = {"clips": len(clips), "width_db": float(np.nanmedian(widths)) if np.isfinite(widths).any()
                           else float("nan"), "systems": systems}
    return out


def _best_dsp(systems: dict[str, dict], metric: str) -> tuple[str | None, float]:
    """The report's best baseline (:func:`evaluation.report.best_baseline`) with ``mono`` left out: on
    a near-mono production its ICC alone could win, which says nothing about stereo."""
    from .report import best_baseline  # imported here: the report imports this module
    from .scoring import METRICS_BY_NAME

    return best_baseline({name: values for name, values in systems.items() if name != "mono"}, METRICS_BY_NAME[metric])


def per_production_markdown(per_clip: list[dict]) -> list[str]:
    """Report lines: one row per production, each model system's three distances beside the best DSP
    baseline's on that production (``mono`` left out), and how many productions each model leads.
    Empty with fewer than two productions."""
    table = per_production_means(per_clip)
    if len(table) < 2:
        return []
    models = [name for name in next(iter(table.values()))["systems"] if is_model(name)]
    header = "| production | clips | real width dB | " + " | ".join(
        f"{model}: {label}" for model in models for _, label, _ in DISTANCES) + " | " + " | ".join(
        f"best DSP: {label}" for _, label, _ in DISTANCES) + " |"
    lines = ["## Per production", "",
             "Means over each production's clips (the package a clip comes from). **Bold**: the model is "
             "ahead of every DSP baseline (`mono` aside) on that production. The best baseline is chosen per "
             "production and metric, in hindsight, so this is a stricter comparison than the overall one.", "",
             header, "|---" * (3 + len(DISTANCES) * (len(models) + 1)) + "|"]
    ahead = {model: {metric: 0 for metric, _, _ in DISTANCES} for model in models}
    for production, row in table.items():
        cells = [production, str(row["clips"]), f"{row['width_db']:.1f}"]
        best = {metric: _best_dsp(row["systems"], metric) for metric, _, _ in DISTANCES}
        for model in models:
            for metric, _, digits in DISTANCES:
                value = row["systems"][model][metric]
                lead = np.isfinite(value) and np.isfinite(best[metric][1]) and value < best[metric][1]
                ahead[model][metric] += int(lead)
                cells.append(f"**{value:.{digits}f}**" if lead else f"{value:.{digits}f}")
        for metric, _, digits in DISTANCES:
            name, value = best[metric]
            cells.append(f"{value:.{digits}f} ({name})" if name else "–")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for model in models:
        counts = ", ".join(f"{label} {ahead[model][metric]}" for metric, label, _ in DISTANCES)
        lines.append(f"- {model} is ahead of every DSP baseline on: {counts} of {len(table)} productions.")
    lines.append("")
    return lines
