"""Draw docs/figures/dataflow.png: how a mono input becomes stereo in m2s-gen.

    python docs/figures/make_dataflow.py            # writes docs/figures/dataflow.png
"""
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

OUT = Path(__file__).with_name("dataflow.png")

#: Box colours by role: audio, learned model, fitted or fixed processing, user controls.
COLOURS = {"audio": "#dbe9f6", "model": "#fde2c8", "stage": "#e4f2dc", "control": "#efe4f6"}


def box(ax, x: float, y: float, w: float, h: float, title: str, body: str, kind: str) -> None:
    """A rounded box with ``title`` in bold and ``body`` below it; (x, y) is the lower-left corner."""
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                                facecolor=COLOURS[kind], edgecolor="#444444", linewidth=1.0))
    ax.text(x + w / 2, y + h - 0.22, title, ha="center", va="top", fontsize=10.5, fontweight="bold")
    ax.text(x + w / 2, y + h - 0.58, body, ha="center", va="top", fontsize=8.6, linespacing=1.35)


def arrow(ax, start: tuple[float, float], end: tuple[float, float], label: str = "",
          rad: float = 0.0) -> None:
    """An arrow from ``start`` to ``end`` with an optional label at its middle."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, linewidth=1.2,
                                 color="#333333", connectionstyle=f"arc3,rad={rad}"))
    if label:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        ax.text(mx, my + 0.12, label, ha="center", va="bottom", fontsize=8, style="italic",
                color="#333333")


def draw(out: Path = OUT) -> Path:
    """Draw the data-flow figure and save it to ``out`` (PNG)."""
    fig, ax = plt.subplots(figsize=(16.5, 8.6))
    ax.set_xlim(0, 16.6)
    ax.set_ylim(0, 8.6)
    ax.axis("off")
    w = 3.0  # box width; columns at x = 0.2, 3.5, 6.8, 10.1, 13.4

    # top row: from the mono file to the conditioning
    box(ax, 0.2, 6.0, w, 1.9, "Mono input M", "any sample rate\n(a stereo file is folded\nto (L+R)/2)", "audio")
    box(ax, 3.5, 6.0, w, 1.9, "Segments", "resampled to 48 kHz,\n10.24 s windows\nwith 1 s overlap", "stage")
    box(ax, 6.8, 6.0, w, 1.9, "Codec encoder", "SEANet (EnCodec architecture),\ntrained here: 64-dim latents\n"
        "pooled to 40 ms frames,\n+ 32 band energies of M", "model")
    box(ax, 10.1, 6.0, w, 1.9, "Track context", "mean and spread of the\nconditioning over the\n"
        "whole input", "stage")

    # middle row: generation of the spatial latent and the image stages
    box(ax, 0.2, 3.2, w, 2.1, "Your controls", "prompt words, width_db,\nseed, takes, preset", "control")
    box(ax, 3.5, 3.2, w, 2.1, "Denoiser", "1-D transformer, v-prediction,\nDPM-Solver++ (6 steps),\n"
        "classifier-free guidance\non 5 style attributes", "model")
    box(ax, 6.8, 3.2, w, 2.1, "Spatial latent", "per ERB band (32) and\n40 ms frame: side-to-mid\n"
        "ratio and complex\ncoherence with the mid", "stage")
    box(ax, 10.1, 3.2, w, 2.1, "Image stages", "consensus of draws, calibration,\nband levels to the width head,\n"
        "side level, smoothing,\nattribute steering, band widths", "stage")
    box(ax, 13.4, 3.2, w, 2.1, "Width head", "ridge regression from\nthe mid's band dynamics\n"
        "to each band's width:\nthe band-level targets", "model")

    # bottom row: rendering and output
    box(ax, 10.1, 0.3, w, 2.1, "Renderer", "time course from the mid's\nenvelope; coherent part +\n"
        "decorrelated copy of M,\northogonalised against M", "stage")
    box(ax, 6.8, 0.3, w, 2.1, "Post-process", "overlap-add of segments,\nmono bass (optional),\n"
        "back to the input rate,\nwidth target, side limiter", "stage")
    box(ax, 3.5, 0.3, w, 2.1, "Stereo output", "L = M + S\nR = M - S\n(L+R)/2 == M exactly", "audio")

    arrow(ax, (3.2, 6.95), (3.5, 6.95))
    arrow(ax, (6.5, 6.95), (6.8, 6.95))
    arrow(ax, (9.8, 6.95), (10.1, 6.95))
    arrow(ax, (8.3, 6.0), (5.6, 5.3), "conditioning")
    arrow(ax, (11.6, 6.0), (6.2, 5.3), "summary")
    arrow(ax, (3.2, 4.25), (3.5, 4.25))
    arrow(ax, (6.5, 4.25), (6.8, 4.25))
    arrow(ax, (9.8, 4.25), (10.1, 4.25))
    arrow(ax, (13.4, 4.25), (13.1, 4.25))
    arrow(ax, (11.6, 3.2), (11.6, 2.4))
    ax.text(11.7, 2.8, "image", ha="left", va="center", fontsize=8, style="italic")
    arrow(ax, (10.1, 1.35), (9.8, 1.35))
    ax.text(9.95, 1.5, "S", ha="center", va="bottom", fontsize=8, style="italic")
    arrow(ax, (6.8, 1.35), (6.5, 1.35))
    ax.text(14.9, 1.35, "The side S is built\nfrom the input's own\nspectrum: no codec\ndecoder touches\n"
            "the output.", ha="center", va="center", fontsize=8.6, color="#1f5f9f")

    ax.text(8.3, 8.5, "m2s-gen: from mono to stereo", ha="center", va="top", fontsize=14, fontweight="bold")
    handles = [FancyBboxPatch((0, 0), 1, 1, facecolor=COLOURS[k], edgecolor="#444444") for k in COLOURS]
    ax.legend(handles, ["audio", "learned model", "processing", "user controls"], loc="lower center",
              bbox_to_anchor=(0.5, -0.04), ncol=4, frameon=False, fontsize=9)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


if __name__ == "__main__":
    print(draw(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
