"""Hindsight oracles: the lowest error a system of a given kind can reach on a set of clips.

Each oracle looks at the reference stereo it is scored against, so no real system can use it; it
answers "how low could the metric go if the system knew X about the reference", and so whether a
quality bar is reachable by systems that do not know X.

- :func:`static_level_side_mel`: side log-mel distance of a side that follows the mid's own mel
  envelope with one level per mel band for the whole clip, the level chosen (per clip and band) to
  minimise the distance. Every DSP baseline and every static spatial image is of this kind; beating
  it needs knowing how the side's level moves against the mid inside the clip.
- :func:`shared_level_side_mel`: the same with one level per mel band shared by all clips: the floor
  of an input-independent stereoizer whose side follows the mid's envelope.
- :func:`constant_profile_error`: per-octave width (or ICC) error of the one per-octave value,
  shared by all clips, that minimises the error over them (the per-octave median): the floor of
  any system whose width (ICC) does not depend on the input.
"""
from __future__ import annotations

import numpy as np

from .metrics.side_mel import MEL_FLOOR_DB, mel_power


def best_static_offset_l1(mid_log: np.ndarray, side_log: np.ndarray, floor_log: float) -> float:
    """Minimum over ``o`` of ``mean_t |max(mid_log[t] + o, floor) - side_log[t]|``, one band ``[N]``.

    ``side_log`` is already floored. The objective is piecewise linear in ``o`` with breakpoints at
    ``side_log - mid_log`` and ``floor - mid_log``, so its minimum lies on one of them: all are tried.
    """
    candidates = np.concatenate([side_log - mid_log, floor_log - mid_log])
    predicted = np.maximum(mid_log[None, :] + candidates[:, None], floor_log)  # [C, N]
    return float(np.min(np.mean(np.abs(predicted - side_log[None, :]), axis=1)))


def log_mel_pair(reference: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(log10 mel power of the mid ``[M, N]``, of the side floored ``[M, N]``, the floor in log10) of
    a reference ``[2, T]``, as :func:`evaluation.metrics.side_mel.side_mel_distance` sees them."""
    reference = np.asarray(reference, dtype=np.float64)
    mid, side = 0.5 * (reference[0] + reference[1]), 0.5 * (reference[0] - reference[1])
    mid_power, side_power = mel_power(mid, sample_rate), mel_power(side, sample_rate)
    floor = max(10.0 ** (MEL_FLOOR_DB / 10.0) * float(np.mean(mid_power)), 1e-30)
    frames = min(mid_power.shape[-1], side_power.shape[-1])
    mid_log = np.log10(np.maximum(mid_power[:, :frames], 1e-30))
    return mid_log, np.log10(np.maximum(side_power[:, :frames], floor)), float(np.log10(floor))


def static_level_side_mel(reference: np.ndarray, sample_rate: int) -> float:
    """Hindsight floor of the side log-mel distance for a side with the mid's envelope and a static
    level per mel band (the metric's floor of -40 dB of the mean mid mel power applies to both).

    Args:
        reference: ``[2, T]`` real stereo.
        sample_rate: Hz.

    Returns:
        The distance in log10 units (bels), comparable with ``side_mel_distance``.
    """
    mid_log, side_log, floor_log = log_mel_pair(reference, sample_rate)
    return float(np.mean([best_static_offset_l1(mid_log[b], side_log[b], floor_log) for b in range(mid_log.shape[0])]))


#: Offsets (log10 units) tried by :func:`shared_level_side_mel`: -50..+10 dB in 0.1 dB steps.
SHARED_OFFSETS_LOG = np.arange(-5.0, 1.0001, 0.01)


def shared_level_side_mel(pairs: list[tuple[np.ndarray, np.ndarray, float]]) -> tuple[float, np.ndarray]:
    """Hindsight floor of the side log-mel distance, averaged over clips, for one level per mel
    band shared by all of them (searched on :data:`SHARED_OFFSETS_LOG`).

    Args:
        pairs: :func:`log_mel_pair` of each clip (same number of mel bands).

    Returns:
        (the mean distance over clips, the chosen offsets ``[M]`` in log10 units).
    """
    if not pairs:
        raise ValueError("no clips")
    num_bands = pairs[0][0].shape[0]
    offsets = np.zeros(num_bands)
    total = np.zeros(num_bands)
    for band in range(num_bands):
        cost = np.zeros(SHARED_OFFSETS_LOG.size)
        for mid_log, side_log, floor_log in pairs:
            predicted = np.maximum(mid_log[band][None, :] + SHARED_OFFSETS_LOG[:, None], floor_log)
            cost += np.mean(np.abs(predicted - side_log[band][None, :]), axis=1)
        best = int(np.argmin(cost))
        offsets[band], total[band] = SHARED_OFFSETS_LOG[best], cost[best] / len(pairs)
    return float(np.mean(total)), offsets


def constant_profile_error(per_clip_values: np.ndarray) -> tuple[float, np.ndarray]:
    """Error of the best input-independent per-band value over the clips.

    Args:
        per_clip_values: ``[clips, bands]`` each clip's reference value per band (NaN: band left
            out for that clip, as the metrics do).

    Returns:
        (mean error over clips and bands, the profile ``[bands]``): the profile is the per-band
        median over clips, the L1-optimal constant.
    """
    values = np.asarray(per_clip_values, dtype=np.float64)
    profile = np.nanmedian(values, axis=0)
    errors = np.abs(values - profile[None, :])
    per_clip = np.nanmean(errors, axis=1)  # the metrics average bands within a clip first
    return float(np.nanmean(per_clip)), profile
