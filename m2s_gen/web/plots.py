"""The page's three plots, drawn with the same analysis and plotting code as the evaluation report:
goniometer, width per octave against the input's (or the original's), L/R correlation over time."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..analysis import CORRELATION_FRAME_MS, WIDTH_ERROR_FLOOR_DB, band_side_to_mid_db, phase_correlation_series
from ..plots import plot_band_widths, plot_phase_correlation, plot_vectorscope

PLOT_FILES = {"goniometer": "goniometer.png", "band_widths": "width_per_band.png", "correlation": "correlation.png"}


def as_stereo(mono: np.ndarray) -> np.ndarray:
    """``[T]`` -> ``[2, T]`` with L = R: how a mono file plays on two speakers."""
    return np.stack([mono, mono])


def make_plots(input_mono: np.ndarray, takes: list[np.ndarray], baseline: tuple[str, np.ndarray],
               original: np.ndarray | None, sample_rate: int, folder: Path) -> dict[str, Path]:
    """Write the three PNGs into ``folder``; returns {"goniometer" | "band_widths" | "correlation": path}.

    input_mono ``[T]``; takes: ``[2, T]`` each; baseline: (name, ``[2, T]``); original ``[2, T]`` or None.
    """
    folder = Path(folder)
    paths = {key: folder / name for key, name in PLOT_FILES.items()}
    baseline_name, baseline_stereo = baseline
    systems = {f"take {k + 1}": take for k, take in enumerate(takes)}
    systems[baseline_name] = baseline_stereo

    # goniometer: one panel per sound the page plays (the first take stands for the model)
    panels = {"input (mono)": as_stereo(input_mono), "take 1": takes[0], baseline_name: baseline_stereo}
    if original is not None:
        panels["original"] = original
    plot_vectorscope(panels, paths["goniometer"], title="Goniometer: mono is a vertical line, wider is rounder")

    # width per octave, against the input file's own (a mono input sits on the floor)
    reference = original if original is not None else as_stereo(input_mono)
    centres, reference_db = band_side_to_mid_db(reference, sample_rate)
    widths = {name: band_side_to_mid_db(stereo, sample_rate)[1] for name, stereo in systems.items()}
    plot_band_widths(centres, widths, np.maximum(reference_db, WIDTH_ERROR_FLOOR_DB), paths["band_widths"],
                     title="Width per octave (side-to-mid energy)",
                     reference_label="original (input file)" if original is not None else "input (mono)")

    # correlation meter over time (+1 is mono, 0 unrelated channels, below 0 cancels in mono)
    series = {name: phase_correlation_series(stereo, sample_rate) for name, stereo in systems.items()}
    if original is not None:
        series["original"] = phase_correlation_series(original, sample_rate)
    plot_phase_correlation(series, CORRELATION_FRAME_MS / 1000.0, paths["correlation"],
                           title="L/R correlation per 50 ms (the input: +1 throughout)")
    return paths
