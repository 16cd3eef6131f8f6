"""The rule that picks the sampler's default (and the two presets) from the trade-off measurements.

Rule (docs/evaluation.md, "The trade-off and the default settings"):

1. *faithful* is the setting with the lowest mean side log-mel distance over the clips;
2. a setting is *as faithful* when its per-clip excess over *faithful* (paired on the same clips)
   is not measurable: mean excess <= ``num_se`` (2) standard errors of that excess, on the side
   log-mel distance and on every other distance given (the per-octave width and ICC errors: a
   setting that ties on side log-mel but loses width it could keep is not as faithful);
3. the **default** is the as-faithful setting with the lowest Fréchet distance to real stereo, if
   that distance is below *faithful*'s by more than the standard error of *faithful*'s Fréchet
   distance (bootstrap over clips); otherwise *faithful* itself;
4. *natural* is the setting with the lowest Fréchet distance of all.

So the default never gives up faithfulness that the evaluation can measure, and among the settings
that tie on it, it takes the image most like real stereo, when that is measurably more like it;
the presets are the two ends.
"""

from __future__ import annotations

import math

import numpy as np

NUM_STANDARD_ERRORS = 2.0


def _paired_excess(values: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(mean, standard error) of the per-clip excess ``values - reference`` (NaN clips left out)."""
    excess = np.asarray(values, dtype=np.float64) - np.asarray(reference, dtype=np.float64)
    excess = excess[np.isfinite(excess)]
    se = float(np.std(excess, ddof=1) / np.sqrt(excess.size)) if excess.size > 1 else 0.0
    return (float(np.mean(excess)) if excess.size else math.nan), se


def choose_default(side_mel: dict[str, np.ndarray], frechet: dict[str, float],
                   num_se: float = NUM_STANDARD_ERRORS, other_errors: dict[str, dict[str, np.ndarray]] | None = None,
                   frechet_se: dict[str, float] | None = None) -> dict:
    """Apply the rule to settings measured on the same clips.

    Args:
        side_mel: setting name -> per-clip side log-mel distance `[C]` (same clips, same order).
        frechet: setting name -> Fréchet distance to real stereo.
        num_se: how many standard errors of the paired excess count as "not measurable".
        other_errors: metric name (e.g. "width_error_db") -> setting name -> per-clip errors `[C]`
            (lower is better); a setting is as faithful only if it ties on each of them too.
        frechet_se: setting name -> standard error of its Fréchet distance; a tied setting replaces
            *faithful* as the default only when its Fréchet distance is lower by more than
            *faithful*'s standard error (none given, or NaN: by any amount).

    Returns {"default", "faithful", "natural": setting names, "rows": {name: {"side_mel", "excess",
    "excess_se", "as_faithful", "frechet_distance"}}, "num_se", "frechet_margin"}.
    """
    names = [n for n in side_mel if n in frechet and math.isfinite(frechet[n])]
    if not names:
        raise ValueError("no setting has both a side log-mel distance and a Fréchet distance")
    per_clip = {n: np.asarray(side_mel[n], dtype=np.float64) for n in names}
    mean = {n: float(np.nanmean(per_clip[n])) for n in names}
    faithful = min(names, key=lambda n: mean[n])
    rows = {}
    for name in names:
        mean_excess, se = _paired_excess(per_clip[name], per_clip[faithful])
        ties = name == faithful or mean_excess <= num_se * se
        others = {}
        for metric, by_setting in (other_errors or {}).items():
            if name in by_setting and faithful in by_setting:
                other_mean, other_se = _paired_excess(by_setting[name], by_setting[faithful])
                others[metric] = {"excess": other_mean, "excess_se": other_se}
                ties = ties and (name == faithful or not other_mean > num_se * other_se)
        rows[name] = {"side_mel": mean[name], "excess": mean_excess, "excess_se": se, "other_excess": others,
                      "as_faithful": ties, "frechet_distance": float(frechet[name])}
    tied = [n for n in names if rows[n]["as_faithful"]]
    realest = min(tied, key=lambda n: frechet[n])
    margin = float((frechet_se or {}).get(faithful, 0.0))
    margin = margin if math.isfinite(margin) else 0.0
    default = realest if frechet[faithful] - frechet[realest] > margin else faithful
    return {"default": default, "faithful": faithful,
            "natural": min(names, key=lambda n: frechet[n]), "rows": rows, "num_se": num_se,
            "frechet_margin": margin}
