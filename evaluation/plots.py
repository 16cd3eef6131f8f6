"""The report's plots: drawn by the library's own plotting module (:mod:`m2s_gen.plots`)."""

from m2s_gen.plots import REFERENCE_STYLE, plot_band_widths, plot_phase_correlation, plot_vectorscope

__all__ = ["REFERENCE_STYLE", "plot_band_widths", "plot_phase_correlation", "plot_vectorscope"]
