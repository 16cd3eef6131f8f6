"""The table of reported metrics (name, direction, formula) and scoring of one output."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import metrics
from .metrics.panning_index import PANNING_EDGES
from .metrics.spatial_cues import ILD_EDGES_DB, IPD_EDGES_RAD


@dataclass(frozen=True)
class MetricSpec:
    """One reported number.

    better: "lower", "higher" or None (informational: compare with the reference row).
    relative: the improvement over the best baseline in % is meaningful (an error >= 0).
    """

    name: str
    label: str
    unit: str
    better: str | None
    formula: str
    relative: bool = True


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("side_mel", "side log-mel distance", "log10", "lower",
               "mean |log10 max(melpow(S_out), fl) - log10 max(melpow(S_ref), fl)|, fl = -40 dB of mean melpow(M)"),
    MetricSpec("width_error_db", "per-octave width error", "dB", "lower",
               "mean over octaves 63 Hz..16 kHz of |S/M_out - S/M_ref|, S/M clipped at -40 dB"),
    MetricSpec("icc_error", "per-octave ICC error", "", "lower",
               "mean over octaves of |ICC_out - ICC_ref|, ICC = |sum X_L X_R*| / sqrt(sum|X_L|^2 sum|X_R|^2) on 0.2 s tiles"),
    MetricSpec("ild_w1_db", "ILD distribution distance", "dB", "lower",
               "Wasserstein-1 between energy-weighted histograms of 20 log10(|X_L|/|X_R|) per STFT bin"),
    MetricSpec("ipd_w1_rad", "IPD distribution distance", "rad", "lower",
               "circular Wasserstein-1 between energy-weighted histograms of angle(X_L X_R*) per STFT bin"),
    MetricSpec("panning_w1", "panning-index distance", "", "lower",
               "Wasserstein-1 between energy-weighted histograms of the Avendano-Jot panning index"),
    MetricSpec("corr_mean_error", "phase-correlation mean error", "", "lower",
               "|mean_n r_out(n) - mean_n r_ref(n)|, r(n) = correlation of L and R in 50 ms frame n"),
    MetricSpec("corr_negative_error", "negative-correlation share error", "", "lower",
               "|P(r_out < 0) - P(r_ref < 0)| over 50 ms frames"),
    MetricSpec("fold_down_error_db", "fold-down error", "dB", "lower",
               "10 log10(mean(((L+R)/2 - M)^2) / mean(M^2)), -200 = exact", relative=False),
    MetricSpec("width_db", "broadband width S/M", "dB", None,
               "10 log10(sum S^2 / sum M^2)", relative=False),
    MetricSpec("corr_mean", "mean phase correlation", "", None,
               "mean_n r(n) over 50 ms frames", relative=False),
    MetricSpec("fold_down_loss_db", "fold-down energy loss", "dB", "higher",
               "10 log10(E[((L+R)/2)^2] / ((E[L^2] + E[R^2]) / 2)), broadband", relative=False),
    MetricSpec("diversity", "diversity across seeds", "log10", None,
               "mean pairwise side log-mel distance between takes with different seeds", relative=False),
    MetricSpec("frechet_distance", "Fréchet distance to real stereo", "", "lower",
               "|mu_o - mu_r|^2 + tr(C_o + C_r - 2 (C_o^1/2 C_r C_o^1/2)^1/2) of Gaussian fits to 0.25 s segment features "
               "(per octave S/M dB, L/R coherence, and their change), standardised by the references"),
    MetricSpec("classifier_accuracy", "real-vs-upmix classifier accuracy", "", "lower",
               "balanced accuracy of gradient-boosted trees telling output from reference segments, 5 folds of whole "
               "clips held out; 0.5 = indistinguishable", relative=False),
)

METRICS_BY_NAME = {spec.name: spec for spec in METRICS}

#: Metrics whose value also exists for the reference itself (a "reference" row in the tables).
REFERENCE_METRICS = ("width_db", "corr_mean", "fold_down_loss_db")

#: Metrics of a whole set of outputs (all clips pooled), not means over clips.
SET_METRICS = ("frechet_distance", "classifier_accuracy")

#: The errors whose best over K takes (E_min) is reported.
BEST_OF_METRICS = ("side_mel", "width_error_db", "icc_error")


def reference_features(reference: np.ndarray, mono: np.ndarray, sample_rate: int) -> dict:
    """Everything the scores need from one clip's reference `[2, T]` and input `mono` `[T]`.

    Computed once per clip and shared by all systems (the analysis of the reference is half the
    cost of scoring an output).
    """
    mid_mean = metrics.mean_mel_power(np.asarray(mono, dtype=np.float64), sample_rate)
    ild_hist, ipd_hist = metrics.ild_ipd_histograms(reference, sample_rate)
    return {
        "band_width_db": metrics.band_side_to_mid_db(reference, sample_rate)[1],
        "valid_bands": metrics.valid_bands(reference, sample_rate),
        "icc": metrics.band_icc(reference, sample_rate)[1],
        "ild_hist": ild_hist,
        "ipd_hist": ipd_hist,
        "panning_hist": metrics.panning_histogram(reference, sample_rate),
        "mid_mean_mel_power": mid_mean,
        "side_log_mel": metrics.side_log_mel(reference, sample_rate, mid_mean),
        "corr": metrics.phase_correlation_stats(reference, sample_rate),
        "width_db": metrics.side_to_mid_db(reference),
        "fold_down_loss_db": metrics.fold_down_loss_db(reference, sample_rate)[0],
    }


def describe_reference(features: dict) -> dict[str, float | list[float]]:
    """The reference's own values of the informational metrics, plus its per-octave width `[B]`."""
    return {
        "width_db": features["width_db"],
        "corr_mean": features["corr"]["mean"],
        "fold_down_loss_db": features["fold_down_loss_db"],
        "band_width_db": np.asarray(features["band_width_db"]).tolist(),
    }


def headline_errors(stereo: np.ndarray, reference: dict, sample_rate: int) -> dict[str, float]:
    """The errors of :data:`BEST_OF_METRICS` of one output `[2, T]` against `reference_features(...)`:
    the same values as `score_output`, for scoring many takes cheaply."""
    _, band_width = metrics.band_side_to_mid_db(stereo, sample_rate)
    width_error, _ = metrics.band_width_error(band_width, reference["band_width_db"], reference["valid_bands"])
    icc_diff = np.abs(metrics.band_icc(stereo, sample_rate)[1] - reference["icc"])
    side_log_mel = metrics.side_log_mel(stereo, sample_rate, reference["mid_mean_mel_power"])
    return {"side_mel": metrics.log_mel_l1(side_log_mel, reference["side_log_mel"]),
            "width_error_db": width_error,
            "icc_error": float(np.nanmean(icc_diff)) if np.any(np.isfinite(icc_diff)) else float("nan")}


def score_output(stereo: np.ndarray, reference: dict, mono: np.ndarray, sample_rate: int) -> dict[str, float | list[float]]:
    """Every metric of one output `[2, T]` for input `mono` `[T]`, against `reference_features(...)`.

    Returns metric name -> float (the names of `METRICS` except "diversity" and `SET_METRICS`), plus
    "band_width_db" -> per-octave S/M `[B]` for the plots. Same values as the metric functions'
    `*_error` / `*_distance` forms.
    """
    _, band_width = metrics.band_side_to_mid_db(stereo, sample_rate)
    width_error, _ = metrics.band_width_error(band_width, reference["band_width_db"], reference["valid_bands"])
    _, icc = metrics.band_icc(stereo, sample_rate)
    icc_diff = np.abs(icc - reference["icc"])
    ild_hist, ipd_hist = metrics.ild_ipd_histograms(stereo, sample_rate)
    corr = metrics.phase_correlation_stats(stereo, sample_rate)
    side_log_mel = metrics.side_log_mel(stereo, sample_rate, reference["mid_mean_mel_power"])
    return {
        "side_mel": metrics.log_mel_l1(side_log_mel, reference["side_log_mel"]),
        "width_error_db": width_error,
        "icc_error": float(np.nanmean(icc_diff)) if np.any(np.isfinite(icc_diff)) else float("nan"),
        "ild_w1_db": metrics.wasserstein_1(ild_hist, reference["ild_hist"], float(ILD_EDGES_DB[1] - ILD_EDGES_DB[0])),
        "ipd_w1_rad": metrics.circular_wasserstein_1(ipd_hist, reference["ipd_hist"], float(IPD_EDGES_RAD[1] - IPD_EDGES_RAD[0])),
        "panning_w1": metrics.wasserstein_1(metrics.panning_histogram(stereo, sample_rate), reference["panning_hist"],
                                            float(PANNING_EDGES[1] - PANNING_EDGES[0])),
        "corr_mean_error": abs(corr["mean"] - reference["corr"]["mean"]),
        "corr_negative_error": abs(corr["negative_share"] - reference["corr"]["negative_share"]),
        "fold_down_error_db": metrics.fold_down_error_db(stereo, mono),
        "width_db": metrics.side_to_mid_db(stereo),
        "corr_mean": corr["mean"],
        "fold_down_loss_db": metrics.fold_down_loss_db(stereo, sample_rate)[0],
        "band_width_db": band_width.tolist(),
    }
