"""Phase-correlation meter: correlation of L and R over short frames, as on a mixing desk."""

from __future__ import annotations

import numpy as np

CORRELATION_FRAME_MS = 50.0
SILENT_FRAME_DB = -60.0  # frames this far below the clip's mean frame energy are not metered


def phase_correlation_series(stereo: np.ndarray, sample_rate: int, frame_ms: float = CORRELATION_FRAME_MS) -> np.ndarray:
    """Correlation of L and R per non-overlapping `frame_ms` frame: `[N]` in [-1, 1], NaN when silent.

        r_n = sum_n L R / sqrt( sum_n L^2 * sum_n R^2 )

    +1 for mono, -1 for a polarity-inverted pair, ~0 for independent channels. A frame with one
    silent channel reads 0.
    """
    stereo = np.asarray(stereo, dtype=np.float64)
    frame = max(1, int(round(frame_ms * 1e-3 * sample_rate)))
    num_frames = max(1, stereo.shape[-1] // frame)
    usable = stereo[:, : num_frames * frame]
    if usable.shape[-1] < frame:
        usable = np.pad(usable, ((0, 0), (0, frame - usable.shape[-1])))
    frames = usable.reshape(2, num_frames, frame)
    left, right = frames[0], frames[1]
    energy_l, energy_r = np.sum(left**2, axis=1), np.sum(right**2, axis=1)
    energy = energy_l + energy_r
    loud = energy > 10.0 ** (SILENT_FRAME_DB / 10.0) * max(float(np.mean(energy)), 1e-30)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.sum(left * right, axis=1) / np.sqrt(energy_l * energy_r)
    corr = np.nan_to_num(corr, nan=0.0, posinf=0.0, neginf=0.0)
    return np.where(loud, np.clip(corr, -1.0, 1.0), np.nan)


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
