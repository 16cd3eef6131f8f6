"""The rule that picks the sampler's default (and the two presets) from the trade-off measurements.

Rule (README, "Choosing the default"):

1. *faithful* is the setting with the lowest mean side log-mel distance over the clips;
2. a setting is *as faithful* when its per-clip excess over *faithful* (paired on the same clips)
   is not measurable: mean excess <= ``num_se`` (2) standard errors of that excess;
3. the **default** is the as-faithful setting with the lowest Fréchet distance to real stereo;
4. *natural* is the setting with the lowest Fréchet distance of all.

So the default never gives up faithfulness that the evaluation can measure, and among the settings
that tie on it, it takes the image most like real stereo; the presets are the two ends.
"""

from __future__ import annotations

import math

import numpy as np

NUM_STANDARD_ERRORS = 2.0


def choose_default(side_mel: dict[str, np.ndarray], frechet: dict[str, float],
                   num_se: float = NUM_STANDARD_ERRORS) -> dict:
    """Apply the rule to settings measured on the same clips.

    Args:
        side_mel: setting name -> per-clip side log-mel distance `[C]` (same clips, same order).
        frechet: setting name -> Fréchet distance to real stereo.
        num_se: how many standard errors of the paired excess count as "not measurable".

    Returns {"default", "faithful", "natural": setting names, "rows": {name: {"side_mel", "excess",
    "excess_se", "as_faithful", "frechet_distance"}}, "num_se"}.
    """
    names = [n for n in side_mel if n in frechet and math.isfinite(frechet[n])]
    if not names:
        raise ValueError("no setting has both a side log-mel distance and a Fréchet distance")
    per_clip = {n: np.asarray(side_mel[n], dtype=np.float64) for n in names}
    mean = {n: float(np.nanmean(per_clip[n])) for n in names}
    faithful = min(names, key=lambda n: mean[n])
    rows = {}
    for name in names:
        excess = per_clip[name] - per_clip[faithful]
        excess = excess[np.isfinite(excess)]
        se = float(np.std(excess, ddof=1) / np.sqrt(excess.size)) if excess.size > 1 else 0.0
        mean_excess = float(np.mean(excess)) if excess.size else math.nan
        rows[name] = {"side_mel": mean[name], "excess": mean_excess, "excess_se": se,
                      "as_faithful": name == faithful or mean_excess <= num_se * se,
                      "frechet_distance": float(frechet[name])}
    tied = [n for n in names if rows[n]["as_faithful"]]
    return {"default": min(tied, key=lambda n: frechet[n]), "faithful": faithful,
            "natural": min(names, key=lambda n: frechet[n]), "rows": rows, "num_se": num_se}
