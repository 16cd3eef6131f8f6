"""A plot of where the model leads: its improvement over the best baseline, per production.

One row per production (narrowest real image at the bottom), one marker per distance of the model
issue's bar: the relative improvement (%) of the model's mean over that production's clips against
the report's best baseline for the metric (the same baseline on every row). The top row is all
clips together, with the 95% interval over resampled productions
(:mod:`evaluation.improvement_interval`). Points right of 0: the model is closer to the originals.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .per_production import DISTANCES, per_production_means  # noqa: E402
from .report import improvement_pct  # noqa: E402
from .scoring import METRICS_BY_NAME  # noqa: E402

#: Markers and colours of the three distances.
STYLES = {"side_mel": ("o", "tab:blue"), "width_error_db": ("s", "tab:orange"), "icc_error": ("^", "tab:green")}
#: Improvements beyond this (%) are drawn at the edge, with an arrow-like marker.
CLIP_PCT = 60.0


def production_improvements(per_clip: list[dict], model: str, baselines: dict[str, str]) -> dict[str, dict]:
    """production -> {"clips", "width_db", metric: improvement % of ``model`` over ``baselines[metric]``}
    (lower is better for every distance), sorted from the narrowest real image to the widest."""
    table = per_production_means(per_clip)
    rows = {}
    for production, row in table.items():
        gains = {}
        for metric, baseline in baselines.items():
            ours, theirs = row["systems"].get(model, {}).get(metric, np.nan), row["systems"].get(baseline, {}).get(metric, np.nan)
            gains[metric] = improvement_pct(ours, theirs, METRICS_BY_NAME[metric]) if np.isfinite(theirs) else np.nan
        rows[production] = {"clips": row["clips"], "width_db": row["width_db"], **gains}
    return dict(sorted(rows.items(), key=lambda item: (np.nan_to_num(item[1]["width_db"], nan=-99.0), item[0])))


def plot_per_production(rows: dict[str, dict], overall: dict[str, tuple[float, tuple[float, float] | None]],
                        baselines: dict[str, str], path: Path, title: str = "") -> None:
    """Draw :func:`production_improvements` ``rows`` under an "all clips" row (``overall``: metric ->
    (improvement %, 95% interval or None)) and save a PNG to ``path``."""
    labels = [f"{name} ({row['clips']}, {row['width_db']:.0f} dB)" for name, row in rows.items()] + ["all clips"]
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.32 * len(labels)))
    offsets = {metric: (i - 1) * 0.22 for i, (metric, _, _) in enumerate(DISTANCES)}
    for metric, label, _ in DISTANCES:
        marker, colour = STYLES[metric]
        values = np.array([row[metric] for row in rows.values()], dtype=float)
        shown = np.clip(values, -CLIP_PCT, CLIP_PCT)
        y = np.arange(len(rows)) + offsets[metric]
        ax.scatter(shown, y, marker=marker, color=colour, s=28, label=f"{label} (vs {baselines[metric]})", zorder=3)
        gain, interval = overall.get(metric, (np.nan, None))
        top = len(rows) + offsets[metric]
        if interval is not None:
            low, high = np.clip(interval, -CLIP_PCT, CLIP_PCT)
            ax.plot([low, high], [top, top], color=colour, linewidth=2.0, zorder=2)
        if np.isfinite(gain):
            ax.scatter([np.clip(gain, -CLIP_PCT, CLIP_PCT)], [top], marker=marker, color=colour, s=60,
                       edgecolor="black", zorder=4)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.axvline(10.0, color="grey", linewidth=0.8, linestyle="--")
    ax.axhline(len(rows) - 0.5, color="grey", linewidth=0.5)
    ax.set_yticks(np.arange(len(labels)), labels, fontsize=8)
    ax.set_xlim(-CLIP_PCT * 1.05, CLIP_PCT * 1.05)
    ax.set_xlabel(f"improvement over the baseline, % (right: better; dashed: 10%; clipped at ±{CLIP_PCT:g})", fontsize=9)
    ax.set_title(title or "Improvement per production (clips, median real width)", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.6 / (0.32 * len(labels) + 0.3)), ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
