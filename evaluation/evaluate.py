"""The evaluation loop: every system on every clip, scored against the reference."""

from __future__ import annotations

from typing import Iterable

import numpy as np
from tqdm import tqdm

from .clips import Clip
from .metrics import OCTAVE_CENTRES_HZ, phase_correlation_series, seed_diversity
from .scoring import METRICS, REFERENCE_METRICS, describe_reference, reference_features, score_output
from .systems import BaselineUnavailable, System


def _check_output(name: str, stereo: np.ndarray, num_samples: int) -> np.ndarray:
    stereo = np.asarray(stereo, dtype=np.float32)
    if stereo.shape != (2, num_samples):
        raise RuntimeError(f"system {name!r} returned shape {tuple(stereo.shape)}, expected (2, {num_samples})")
    if not np.all(np.isfinite(stereo)):
        raise RuntimeError(f"system {name!r} returned non-finite samples")
    return stereo


def _mean_band_width(rows: list[list[float]]) -> list[float]:
    """Mean per-octave width over clips, in dB, padded with NaN where a clip has fewer bands."""
    length = len(OCTAVE_CENTRES_HZ)
    if not rows:
        return [np.nan] * length
    padded = np.array([row + [np.nan] * (length - len(row)) for row in rows], dtype=np.float64)
    clipped = np.maximum(padded, -40.0)
    counts = np.sum(np.isfinite(clipped), axis=0)
    sums = np.nansum(clipped, axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan).tolist()


def evaluate_systems(
    systems: dict[str, System],
    clips: Iterable[Clip],
    num_seeds: int = 1,
    total: int | None = None,
    progress: bool = True,
    keep_clips: int = 0,
) -> dict:
    """Run and score every system on every clip.

    Args:
        systems: name -> system callable.
        clips: the evaluation clips (consumed once).
        num_seeds: takes per system and clip; with >= 2, "diversity" is measured (metrics use seed 0).
        total: number of clips for the progress bar.
        progress: show a tqdm bar over clips.
        keep_clips: how many of the first clips to return in "kept_clips" (for controllability).

    Returns a dict: "per_clip" (list of {"id", "reference", "systems": {name: metrics}}), "mean"
    ({name: {metric: mean}}, "reference" included for the informational metrics), "skipped"
    ({name: reason}), "band_width_db" ({name: [B]} mean per octave, "reference" included),
    "plot_clip" (the first clip's outputs and reference) and "kept_clips".
    """
    active = dict(systems)
    skipped: dict[str, str] = {}
    per_clip, kept, plot_clip = [], [], None
    for clip in tqdm(clips, total=total, desc="clips", unit="clip", disable=not progress):
        num_samples = clip.mono.shape[-1]
        features = reference_features(clip.reference, clip.mono, clip.sample_rate)
        record = {"id": clip.clip_id, "reference": describe_reference(features), "systems": {}}
        outputs = {}
        for name, system in list(active.items()):
            try:
                takes = [_check_output(name, system(clip.mono, clip.sample_rate, seed), num_samples)
                         for seed in range(max(1, num_seeds))]
            except BaselineUnavailable as error:
                skipped[name] = str(error)
                del active[name]
                continue
            scores = score_output(takes[0], features, clip.mono, clip.sample_rate)
            if num_seeds >= 2:
                scores["diversity"] = seed_diversity(takes, clip.mono, clip.sample_rate)
            record["systems"][name] = scores
            outputs[name] = takes[0]
        per_clip.append(record)
        if plot_clip is None:
            plot_clip = {"id": clip.clip_id, "sample_rate": clip.sample_rate, "reference": clip.reference, "outputs": outputs}
        if len(kept) < keep_clips:
            kept.append(clip)
    return {
        "per_clip": per_clip,
        "mean": _means(per_clip, list(active)),
        "skipped": skipped,
        "band_width_db": {
            "reference": _mean_band_width([r["reference"]["band_width_db"] for r in per_clip]),
            **{name: _mean_band_width([r["systems"][name]["band_width_db"] for r in per_clip if name in r["systems"]])
               for name in active},
        },
        "plot_clip": plot_clip,
        "kept_clips": kept,
    }


def _means(per_clip: list[dict], names: list[str]) -> dict[str, dict[str, float]]:
    """Mean over clips of each scalar metric (non-finite values left out), per system and for the reference."""
    def mean(values):
        values = np.array([v for v in values if v is not None], dtype=np.float64)
        values = values[np.isfinite(values)]
        return float(np.mean(values)) if values.size else float("nan")

    means = {"reference": {key: mean([r["reference"][key] for r in per_clip])
                           for key in REFERENCE_METRICS}}
    for name in names:
        rows = [r["systems"][name] for r in per_clip if name in r["systems"]]
        means[name] = {spec.name: mean([row.get(spec.name) for row in rows]) for spec in METRICS
                       if any(spec.name in row for row in rows)}
    return means


def phase_series_for_plot(plot_clip: dict, names: list[str]) -> dict[str, np.ndarray]:
    """Phase-correlation series `[N]` of the plot clip's reference and of the named systems."""
    sample_rate = plot_clip["sample_rate"]
    series = {"reference": phase_correlation_series(plot_clip["reference"], sample_rate)}
    for name in names:
        if name in plot_clip["outputs"]:
            series[name] = phase_correlation_series(plot_clip["outputs"][name], sample_rate)
    return series
