"""The evaluation loop: every system on every clip, scored against the reference.

Per clip and system: the metrics of the first take (seed 0) against the reference, the diversity of
the first `num_seeds` takes, the headline errors of every take for the best of K takes (E_min), and
the first take's short-segment spatial features; over all clips, the realism of each system
(:mod:`evaluation.realism`).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from tqdm import tqdm

from .clips import Clip
from .metrics import OCTAVE_CENTRES_HZ, phase_correlation_series, seed_diversity
from .metrics.realism_features import segment_features
from .realism import realism_scores
from .scoring import (BEST_OF_METRICS, METRICS, REFERENCE_METRICS, SET_METRICS, describe_reference, headline_errors,
                      reference_features, score_output)
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
    best_of: tuple[int, ...] = (),
) -> dict:
    """Run and score every system on every clip.

    Args:
        systems: name -> system callable.
        clips: the evaluation clips (consumed once).
        num_seeds: takes per system and clip; with >= 2, "diversity" is measured (metrics use seed 0).
        total: number of clips for the progress bar.
        progress: show a tqdm bar over clips.
        keep_clips: how many of the first clips to return in "kept_clips" (for controllability).
        best_of: the K of the best-of-K errors (E_min), e.g. (1, 4, 16): max(K) takes are made.

    Returns a dict: "per_clip" (list of {"id", "reference", "systems": {name: metrics}}; with
    `best_of`, each system's metrics hold "take_errors": {metric: [errors of each take]}), "mean"
    ({name: {metric: mean}}, "reference" included for the informational metrics; the realism
    metrics of `SET_METRICS` are over all clips pooled), "realism" (`realism_scores` output, with
    the real-vs-real floor), "best_of_k" ({name: {metric: {K: mean over clips of the best of the
    first K takes}}}), "skipped" ({name: reason}), "band_width_db" ({name: [B]} mean per octave,
    "reference" included), "plot_clip" (the first clip's outputs and reference) and "kept_clips".
    """
    active = dict(systems)
    skipped: dict[str, str] = {}
    num_takes = max(1, num_seeds, *best_of)
    per_clip, kept, plot_clip = [], [], None
    reference_rows, output_rows = [], {name: [] for name in systems}
    for clip in tqdm(clips, total=total, desc="clips", unit="clip", disable=not progress):
        num_samples = clip.mono.shape[-1]
        features = reference_features(clip.reference, clip.mono, clip.sample_rate)
        record = {"id": clip.clip_id, "reference": describe_reference(features), "systems": {}}
        reference_rows.append(segment_features(clip.reference, clip.sample_rate))
        outputs = {}
        for name, system in list(active.items()):
            try:
                takes = [_check_output(name, system(clip.mono, clip.sample_rate, seed), num_samples)
                         for seed in range(num_takes)]
            except BaselineUnavailable as error:
                skipped[name] = str(error)
                del active[name]
                continue
            scores = score_output(takes[0], features, clip.mono, clip.sample_rate)
            if num_seeds >= 2:
                scores["diversity"] = seed_diversity(takes[:num_seeds], clip.mono, clip.sample_rate)
            if best_of:
                scores["take_errors"] = _take_errors(takes, scores, features, clip.sample_rate)
            record["systems"][name] = scores
            outputs[name] = takes[0]
            output_rows[name].append(segment_features(takes[0], clip.sample_rate))
        per_clip.append(record)
        if plot_clip is None:
            plot_clip = {"id": clip.clip_id, "sample_rate": clip.sample_rate, "reference": clip.reference, "outputs": outputs}
        if len(kept) < keep_clips:
            kept.append(clip)
    names = [name for name in active if len(output_rows[name]) == len(per_clip)]
    realism = realism_scores(reference_rows, {name: output_rows[name] for name in names}, [r["id"] for r in per_clip])
    mean = _means(per_clip, list(active))
    for name in names:
        mean[name].update({key: realism["systems"][name][key] for key in SET_METRICS})
    return {
        "per_clip": per_clip,
        "mean": mean,
        "realism": realism,
        "best_of_k": {name: best_of_k(per_clip, name, best_of) for name in active} if best_of else {},
        "skipped": skipped,
        "band_width_db": {
            "reference": _mean_band_width([r["reference"]["band_width_db"] for r in per_clip]),
            **{name: _mean_band_width([r["systems"][name]["band_width_db"] for r in per_clip if name in r["systems"]])
               for name in active},
        },
        "plot_clip": plot_clip,
        "kept_clips": kept,
    }


def _take_errors(takes: list[np.ndarray], first_scores: dict, features: dict, sample_rate: int) -> dict[str, list[float]]:
    """{metric: [error of each take]} for `BEST_OF_METRICS`; take 0's are `first_scores`', and a take
    identical to take 0 (a deterministic system) reuses them."""
    rows = [{key: first_scores[key] for key in BEST_OF_METRICS}]
    for take in takes[1:]:
        rows.append(rows[0] if np.array_equal(take, takes[0]) else headline_errors(take, features, sample_rate))
    return {key: [row[key] for row in rows] for key in BEST_OF_METRICS}


def best_of_k(per_clip: list[dict], name: str, ks: tuple[int, ...]) -> dict[str, dict[str, float]]:
    """{metric: {str(K): mean over clips of min(errors of takes 0..K-1)}} of system `name` (E_min)."""
    out = {}
    for key in BEST_OF_METRICS:
        errors = [r["systems"][name]["take_errors"][key] for r in per_clip if name in r["systems"]]
        out[key] = {}
        for k in ks:
            best = [np.nanmin(row[:k]) for row in errors if np.any(np.isfinite(row[:k]))]
            out[key][str(k)] = float(np.mean(best)) if best else float("nan")
    return out


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
