"""Phase-correlation meter: correlation of L and R over short frames, as on a mixing desk."""

from __future__ import annotations

import numpy as np

from m2s_gen.analysis import CORRELATION_FRAME_MS, SILENT_FRAME_DB, phase_correlation_series  # noqa: F401 (re-exported)


def phase_correlation_stats(stereo: np.ndarray, sample_rate: int) -> dict[str, float]:
    """{"mean": mean r over metered frames, "negative_share": share of frames with r < 0}. Informational."""
    series = phase_correlation_series(stereo, sample_rate)
    metered = series[np.isfinite(series)]
    if metered.size == 0:
        return {"mean": float("nan"), "negative_share": float("nan")}
    return {"mean": float(np.mean(metered)), "negative_share": float(np.mean(metered < 0.0))}


def phase_correlation_errors(stereo: np.ndarray, reference: np.ndarray, sample_rate: int) -> dict[str, float]:
    """Errors of the meter's statistics against the reference. Lower is better.

        mean_error           = | mean(r_out) - mean(r_ref) |
        negative_share_error = | P(r_out < 0) - P(r_ref < 0) |
    """
    out = phase_correlation_stats(stereo, sample_rate)
    ref = phase_correlation_stats(reference, sample_rate)
    return {
        "mean_error": abs(out["mean"] - ref["mean"]),
        "negative_share_error": abs(out["negative_share"] - ref["negative_share"]),
    }
