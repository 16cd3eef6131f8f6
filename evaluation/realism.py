"""Realism of each system: how far the distribution of its spatial features lies from real stereo.

Input: per clip, the segment features (:func:`evaluation.metrics.realism_features.segment_features`)
of the reference and of each system's output. Output, per system:

- ``frechet_distance``: Fréchet distance between the Gaussian fits of all its segments and of all
  the references' segments, with every feature standardised by the references' mean and standard
  deviation (so each of the 36 features counts alike and the number has no unit);
- ``classifier_accuracy``: balanced accuracy of a classifier telling real from upmix segments,
  cross-validated with whole clips held out (0.5: indistinguishable).

``frechet_se`` is the standard error of the Fréchet distance over the choice of clips (bootstrap:
clips drawn with replacement, each with its reference and output segments).

And a floor, ``reference_split``: the Fréchet distance between the references of two halves of the
tracks (alternating, whole tracks on each side). It is the distance between two sets of *different*
real music, so a system below it is as close to the original stereo as other real stereo is; a
perfect copy of the references would score 0.
"""

from __future__ import annotations

import numpy as np

from .metrics.frechet import frechet_distance
from .metrics.two_sample import classifier_accuracy

#: Bootstrap resamples of the clips for the standard error of the Fréchet distance.
NUM_BOOTSTRAP = 50


def _stack(per_clip: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(rows `[N, D]`, clip index of each row `[N]`) of a list of per-clip feature arrays."""
    width = next((a.shape[1] for a in per_clip if a.ndim == 2), 0)
    rows = [np.asarray(a, dtype=np.float64).reshape(-1, width) for a in per_clip]
    groups = np.concatenate([np.full(len(r), i) for i, r in enumerate(rows)]) if rows else np.zeros(0, dtype=int)
    return (np.concatenate(rows) if rows else np.zeros((0, width))), groups


def usable_columns(reference_rows: np.ndarray) -> np.ndarray:
    """Columns `[D]` that are finite in every reference row and vary (bands above Nyquist and
    constant features cannot be standardised)."""
    finite = np.all(np.isfinite(reference_rows), axis=0)
    spread = np.zeros_like(finite)
    spread[finite] = reference_rows[:, finite].std(axis=0) > 1e-9
    return finite & spread


def track_halves(clip_ids: list[str]) -> np.ndarray:
    """Bool `[C]`: True for clips of the first half of the tracks (alternating over the sorted
    track ids, the part of a clip id before '@'), so that no track is on both sides."""
    tracks = sorted({clip_id.split("@")[0] for clip_id in clip_ids})
    first = {track for index, track in enumerate(tracks) if index % 2 == 0}
    return np.array([clip_id.split("@")[0] in first for clip_id in clip_ids], dtype=bool)


def bootstrap_frechet_se(real: np.ndarray, real_groups: np.ndarray, fake: np.ndarray, fake_groups: np.ndarray,
                         num_resamples: int = NUM_BOOTSTRAP, seed: int = 0) -> float:
    """Standard error of `frechet_distance(real, fake)` over resamples of the clips (groups) with
    replacement; a clip drawn brings its rows of both sets. NaN with fewer than 2 clips."""
    clips = np.unique(np.concatenate([real_groups, fake_groups]))
    if clips.size < 2:
        return float("nan")
    rng = np.random.default_rng(seed)
    real_by_clip = {c: real[real_groups == c] for c in clips}
    fake_by_clip = {c: fake[fake_groups == c] for c in clips}
    values = []
    for _ in range(num_resamples):
        drawn = rng.choice(clips, size=clips.size, replace=True)
        a, b = np.concatenate([real_by_clip[c] for c in drawn]), np.concatenate([fake_by_clip[c] for c in drawn])
        if len(a) >= 2 and len(b) >= 2:
            values.append(frechet_distance(a, b))
    return float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")


def realism_scores(reference: list[np.ndarray], outputs: dict[str, list[np.ndarray]], clip_ids: list[str],
                   seed: int = 0) -> dict:
    """Realism of each system against the references.

    Args:
        reference: per clip, the reference's features `[K_c, D]`.
        outputs: system name -> per clip (same order) its output's features `[K'_c, D]`.
        clip_ids: the clips' ids (tracks are the part before '@').

    Returns {"systems": {name: {"frechet_distance", "frechet_se", "classifier_accuracy", "num_segments"}},
    "reference_split": {"frechet_distance", "num_segments"}, "num_features"}; NaN where there is
    too little data (fewer than 2 clips or segments).
    """
    ref_rows, ref_groups = _stack(reference)
    columns = usable_columns(ref_rows) if len(ref_rows) >= 2 else np.zeros(ref_rows.shape[1], dtype=bool)
    out = {"systems": {}, "num_features": int(columns.sum()),
           "reference_split": {"frechet_distance": float("nan"), "num_segments": [0, 0]}}
    if not columns.any():
        for name in outputs:
            out["systems"][name] = {"frechet_distance": float("nan"), "frechet_se": float("nan"),
                                    "classifier_accuracy": float("nan"), "num_segments": 0}
        return out
    centre = ref_rows[:, columns].mean(axis=0)
    scale = ref_rows[:, columns].std(axis=0)

    def standardised(rows: np.ndarray) -> np.ndarray:
        rows = (rows[:, columns] - centre) / scale
        return rows[np.all(np.isfinite(rows), axis=1)] if len(rows) else rows

    real = standardised(ref_rows)  # reference rows are finite in every usable column: groups stay aligned
    halves = track_halves(clip_ids)[ref_groups]
    if min(halves.sum(), (~halves).sum()) >= 2:
        out["reference_split"] = {"frechet_distance": frechet_distance(real[halves], real[~halves]),
                                  "num_segments": [int(halves.sum()), int((~halves).sum())]}
    for name, per_clip in outputs.items():
        rows, groups = _stack(per_clip)
        keep = np.all(np.isfinite(rows[:, columns]), axis=1) if len(rows) else np.zeros(0, dtype=bool)
        fake, fake_groups = standardised(rows), groups[keep]
        enough = len(fake) >= 2 and len(real) >= 2
        out["systems"][name] = {
            "frechet_distance": frechet_distance(real, fake) if enough else float("nan"),
            "frechet_se": bootstrap_frechet_se(real, ref_groups, fake, fake_groups, seed=seed) if enough else float("nan"),
            "classifier_accuracy": classifier_accuracy(real, ref_groups, fake, fake_groups, seed=seed) if enough else float("nan"),
            "num_segments": int(len(fake)),
        }
    return out
