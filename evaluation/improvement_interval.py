"""How sure is an improvement over the best baseline? A bootstrap over productions.

The clips of one production (a Debian package: one composer, one studio) share their stereo
image, so they are not independent draws of "music": a model can be well ahead on a set of clips
because two large productions suit it. What a user with music from another production wants to
know is how the improvement varies with *which productions* were measured. The interval here
resamples whole productions with replacement (a cluster bootstrap), recomputes both systems' means
over the clips of the resampled productions and the relative improvement from them, and reports the
2.5th and 97.5th percentiles. With a handful of productions the interval is rough (the percentile
bootstrap understates the spread of very small samples); it is wide where the improvement depends
on a few productions, which is what it is there to show.
"""

from __future__ import annotations

import numpy as np

from .per_production import production_of

#: Resamples of the bootstrap.
NUM_RESAMPLES = 2000
#: Coverage of the interval.
LEVEL = 0.95


def production_sums(per_clip: list[dict], model: str, baseline: str, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per production (sorted): the sum of ``metric`` over its clips for ``model`` and for
    ``baseline``, and the number of clips, over the clips where both values are finite."""
    groups: dict[str, list[tuple[float, float]]] = {}
    for clip in per_clip:
        systems = clip.get("systems", {})
        if model not in systems or baseline not in systems:
            continue
        pair = (systems[model].get(metric, np.nan), systems[baseline].get(metric, np.nan))
        if np.isfinite(pair).all():
            groups.setdefault(production_of(clip["id"]), []).append(pair)
    values = [np.array(groups[name], dtype=float) for name in sorted(groups)]
    return (np.array([v[:, 0].sum() for v in values]), np.array([v[:, 1].sum() for v in values]),
            np.array([len(v) for v in values], dtype=float))


def improvement_interval(per_clip: list[dict], model: str, baseline: str, metric: str, better: str = "lower",
                         num_resamples: int = NUM_RESAMPLES, level: float = LEVEL, seed: int = 0) -> tuple[float, float] | None:
    """(low, high) % of the relative improvement of ``model`` over ``baseline`` on ``metric`` (as
    :func:`evaluation.report.improvement_pct`: positive = model better; ``better`` is "lower" or
    "higher"), over resamples of whole productions; None with fewer than two productions."""
    model_sums, baseline_sums, counts = production_sums(per_clip, model, baseline, metric)
    if len(counts) < 2:
        return None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(counts), size=(num_resamples, len(counts)))
    model_means = model_sums[picks].sum(1) / counts[picks].sum(1)
    baseline_means = baseline_sums[picks].sum(1) / counts[picks].sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if better == "lower":
            gains = 100.0 * (baseline_means - model_means) / np.abs(baseline_means)
        else:
            gains = 100.0 * (model_means - baseline_means) / np.abs(baseline_means)
    return percentile_interval(gains, level)


def percentile_interval(values, level: float = LEVEL) -> tuple[float, float] | None:
    """The central ``level`` percentile interval (low, high) of the finite ``values`` of a bootstrap;
    None if there are none."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        return None
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)


def num_productions(per_clip: list[dict]) -> int:
    """How many productions the clips come from."""
    return len({production_of(clip["id"]) for clip in per_clip})
