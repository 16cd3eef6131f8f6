"""The trade-off plot: faithfulness (side log-mel distance) against realism (Fréchet distance)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FormatStrFormatter, ScalarFormatter  # noqa: E402


def plot_tradeoff(settings: dict[str, tuple[float, float]], baselines: dict[str, tuple[float, float]], path: Path,
                  series: dict[str, list[str]] | None = None, marked: dict[str, str] | None = None, floor: float | None = None,
                  title: str = "Faithfulness against realism") -> None:
    """One point per model setting and per baseline: x = side log-mel distance, y = Fréchet distance.

    Args:
        settings: model setting name -> (side_mel, frechet_distance); drawn as labelled circles.
        baselines: DSP baseline name -> (side_mel, frechet_distance); grey squares.
        series: label -> setting names joined by a line in that order (e.g. draws 1, 2, 4, 8, 16).
        marked: setting name -> label drawn beside a star (e.g. "default", "natural").
        floor: the real-vs-real Fréchet distance, a dashed line.
    Lower-left is better on both axes. The Fréchet axis is logarithmic; baselines far less faithful than
    every setting (side log-mel above 1.5x the settings' largest) are listed in a note, not drawn.
    """
    marked = marked or {}
    finite = [p for p in settings.values() if np.all(np.isfinite(p))]
    limit = 1.5 * max((x for x, _ in finite), default=np.inf)
    off_plot = {n: p for n, p in baselines.items() if np.all(np.isfinite(p)) and p[0] > limit}
    baselines = {n: p for n, p in baselines.items() if n not in off_plot}
    fig, ax = plt.subplots(figsize=(8.5, 6))
    for index, (label, names) in enumerate((series or {}).items()):
        shown = [settings[n] for n in names if n in settings and np.all(np.isfinite(settings[n]))]
        if len(shown) > 1:
            ax.plot(*zip(*shown), color=f"C{index + 1}", alpha=0.6, linewidth=1.2, linestyle=("-", "--", ":")[index % 3],
                    label=label)
    for name, (x, y) in settings.items():
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        ax.scatter(x, y, color="tab:blue", s=30, zorder=3)
        ax.annotate(name, (x, y), fontsize=7, xytext=(4, 3), textcoords="offset points", color="tab:blue")
    for name, (x, y) in baselines.items():
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        ax.scatter(x, y, color="dimgrey", marker="s", s=30, zorder=3)
        ax.annotate(name, (x, y), fontsize=7, xytext=(4, -9), textcoords="offset points", color="dimgrey")
    for name, label in marked.items():
        if name in settings and np.all(np.isfinite(settings[name])):
            ax.scatter(*settings[name], marker="*", s=260, facecolor="none", edgecolor="tab:red", linewidth=1.5, zorder=4)
            ax.annotate(label, settings[name], fontsize=8, xytext=(4, -12), textcoords="offset points", color="tab:red",
                        fontweight="bold")
    if floor is not None and np.isfinite(floor):
        ax.axhline(floor, color="black", linestyle="--", linewidth=1)
        ax.annotate("real vs real (two halves of the tracks)", (ax.get_xlim()[0], floor), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")
    if off_plot:
        note = "off the plot: " + ", ".join(f"{n} ({x:.2f}, {y:.0f})" for n, (x, y) in off_plot.items())
        ax.text(0.99, 0.99, note, transform=ax.transAxes, ha="right", va="top", fontsize=7, color="dimgrey")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    ax.tick_params(axis="y", which="minor", labelsize=7)
    if series:
        ax.legend(fontsize=7, loc="upper left", title="settings joined", title_fontsize=7)
    ax.set_xlabel("side log-mel distance to the original (faithfulness, lower is better)")
    ax.set_ylabel("Fréchet distance to real stereo (realism, lower is better)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
