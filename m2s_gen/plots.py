"""PNG plots of stereo images, for the web page and the evaluation report (matplotlib, Agg backend):
goniometer, width per octave, L/R correlation over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

REFERENCE_STYLE = {"color": "black", "linewidth": 2.5}


def plot_band_widths(centres_hz: np.ndarray, widths_db: dict[str, np.ndarray], reference_db: np.ndarray, path: Path,
                     title: str = "Width per octave, mean over clips", reference_label: str = "reference") -> None:
    """Mean per-octave width S/M (dB) of each system `[B]` against the reference `[B]`."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(centres_hz, reference_db, marker="o", label=reference_label, **REFERENCE_STYLE)
    for name, width in widths_db.items():
        ax.plot(centres_hz, np.maximum(width, -40.0), marker=".", label=name)
    ax.set_xscale("log")
    ax.set_xticks(centres_hz, [f"{c:g}" if c < 1000 else f"{c / 1000:g}k" for c in centres_hz])
    ax.set_xlabel("octave band centre (Hz)")
    ax.set_ylabel("side-to-mid energy S/M (dB, clipped at -40)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_vectorscope(panels: dict[str, np.ndarray], path: Path, title: str = "", max_points: int = 20000) -> None:
    """Goniometer of each stereo `[2, T]`: x = (L - R) / sqrt 2 (side), y = (L + R) / sqrt 2 (mid).

    Mono is a vertical line, anti-phase a horizontal one, independent channels a round cloud.
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.9), squeeze=False)
    for ax, (name, stereo) in zip(axes[0], panels.items()):
        stereo = np.asarray(stereo, dtype=np.float64)
        step = max(1, stereo.shape[-1] // max_points)
        left, right = stereo[0, ::step], stereo[1, ::step]
        peak = max(float(np.max(np.abs(stereo))), 1e-9)
        ax.scatter((left - right) / np.sqrt(2) / peak, (left + right) / np.sqrt(2) / peak, s=0.5, alpha=0.25, color="tab:blue")
        ax.set_xlim(-1.1, 1.1)
        ax.set_ylim(-1.1, 1.1)
        ax.set_aspect("equal")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("side (L-R)/√2")
        ax.set_ylabel("mid (L+R)/√2")
    fig.suptitle(title or "Vectorscope", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_phase_correlation(series: dict[str, np.ndarray], frame_s: float, path: Path, title: str = "") -> None:
    """Phase-correlation meter over time: one line per stereo, r per `frame_s` frame `[N]`."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for name, values in series.items():
        times = np.arange(len(values)) * frame_s
        style = REFERENCE_STYLE if name == "reference" else {"linewidth": 1.0}
        ax.plot(times, values, label=name, **style)
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("L/R correlation per frame")
    ax.set_title(title or "Phase correlation", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
