"""Metrics of the evaluation suite: pure functions on numpy arrays (stereo is `[2, T]`)."""

from ._spectral import DB_FLOOR, OCTAVE_CENTRES_HZ, octave_bands
from .coherence import band_icc, icc_error, side_mid_coherence
from .distributions import circular_wasserstein_1, total_variation, wasserstein_1, weighted_histogram
from .diversity import seed_diversity
from .fold_down import fold_down_error_db
from .mono_compat import fold_down_loss_db
from .panning_index import panning_distance, panning_histogram, panning_index
from .phase_correlation import phase_correlation_errors, phase_correlation_series, phase_correlation_stats
from .side_mel import log_mel_l1, mean_mel_power, side_log_mel, side_mel_distance
from .spatial_cues import ild_ipd_distances, ild_ipd_histograms
from .width import band_side_to_mid_db, band_width_error, side_to_mid_db, valid_bands, width_error_db

__all__ = [
    "DB_FLOOR", "OCTAVE_CENTRES_HZ", "octave_bands",
    "band_icc", "icc_error", "side_mid_coherence",
    "circular_wasserstein_1", "total_variation", "wasserstein_1", "weighted_histogram",
    "seed_diversity",
    "fold_down_error_db",
    "fold_down_loss_db",
    "panning_distance", "panning_histogram", "panning_index",
    "phase_correlation_errors", "phase_correlation_series", "phase_correlation_stats",
    "log_mel_l1", "mean_mel_power", "side_log_mel", "side_mel_distance",
    "ild_ipd_distances", "ild_ipd_histograms",
    "band_side_to_mid_db", "band_width_error", "side_to_mid_db", "valid_bands", "width_error_db",
]
