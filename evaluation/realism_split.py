"""Where the realism gap lies: within recordings (movement) or between them (each one's image).

python -m evaluation.realism_split --data data/prepared --max-clips 40 --clips-per-track 1 \\
    --systems model,model@natural,freq_decorrelator [--model runs/model]

The real-vs-upmix classifier of :mod:`evaluation.realism` sees 0.25 s segments. This splits what it
sees: **within** clips (every feature minus its clip's mean: how the image moves in a recording)
and **between** clips (every segment replaced by its clip's mean: each recording's image), for all
features and for each group (ratios, coherences, their changes), and prints, per feature, the
spread of the system's features relative to the real ones (within and between clips). A spread
well under 1 within clips is a too-still image; between clips, images too alike over recordings.

Two substitutions tell which half has to change for the output to pass as real: the system's
segments with each clip's mean replaced by the original's (**real images**: its own movement on
the true image of every recording), and the original's segments with each clip's mean replaced by
the system's (**real movement**: the true movement on the system's images). An accuracy that stays
high under a substitution says the other half gives the output away by itself.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from tqdm.auto import tqdm

from .clips import DataError, find_tracks, iter_clips
from .metrics.realism_features import FEATURE_GROUPS, feature_names, segment_features
from .metrics.two_sample import classifier_accuracy
from .realism import _stack, usable_columns
from .run import _split_names
from .systems import UnknownSystemError, build_system, check_system_names


def within(rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """``rows`` ``[N, D]`` minus the mean of their group (clip)."""
    out = rows.copy()
    for group in np.unique(groups):
        out[groups == group] -= rows[groups == group].mean(axis=0)
    return out


def between(rows: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """``rows`` ``[N, D]`` replaced by the mean of their group (clip)."""
    out = rows.copy()
    for group in np.unique(groups):
        out[groups == group] = rows[groups == group].mean(axis=0)
    return out


def with_means_of(rows: np.ndarray, groups: np.ndarray, donor: np.ndarray, donor_groups: np.ndarray) -> np.ndarray:
    """``rows`` ``[N, D]`` with each group's mean replaced by the mean of the same group in ``donor``
    ``[M, D]`` (groups are clip indices shared by both; a group ``donor`` lacks keeps its own mean)."""
    out = within(rows, groups)
    for group in np.unique(groups):
        source = donor[donor_groups == group] if np.any(donor_groups == group) else rows[groups == group]
        out[groups == group] += source.mean(axis=0)
    return out


def split_scores(reference: list[np.ndarray], output: list[np.ndarray], seed: int = 0) -> dict:
    """Classifier accuracies (all / within / between clips, for all features and per group), the
    accuracies under the two substitutions (``substituted``: ``real_images``, ``real_movement``; all
    features) and spread ratios per feature of one system's per-clip features against the references'."""
    real, real_groups = _stack(reference)
    fake, fake_groups = _stack(output)
    columns = usable_columns(real)
    centre, scale = real[:, columns].mean(axis=0), real[:, columns].std(axis=0)
    real, fake = (real[:, columns] - centre) / scale, (fake[:, columns] - centre) / scale
    keep = np.all(np.isfinite(fake), axis=1)
    fake, fake_groups = fake[keep], fake_groups[keep]
    names = np.array(feature_names())[columns]
    group_of = np.array([name.split("@")[0] for name in names])
    subsets = {"all": np.ones(len(names), dtype=bool)} | {g: group_of == g for g in FEATURE_GROUPS}
    views = {"all": (real, fake), "within": (within(real, real_groups), within(fake, fake_groups)),
             "between": (between(real, real_groups), between(fake, fake_groups))}
    accuracy = {subset: {view: classifier_accuracy(a[:, use], real_groups, b[:, use], fake_groups, seed=seed)
                         for view, (a, b) in views.items()} for subset, use in subsets.items() if use.any()}
    spread = {name: {"within": float(views["within"][1][:, i].std() / max(views["within"][0][:, i].std(), 1e-12)),
                     "between": float(views["between"][1][:, i].std() / max(views["between"][0][:, i].std(), 1e-12))}
              for i, name in enumerate(names)}
    substituted = {
        "real_images": classifier_accuracy(real, real_groups, with_means_of(fake, fake_groups, real, real_groups),
                                           fake_groups, seed=seed),
        "real_movement": classifier_accuracy(real, real_groups, with_means_of(real, real_groups, fake, fake_groups),
                                             real_groups, seed=seed),
    }
    return {"accuracy": accuracy, "substituted": substituted, "spread": spread}


def markdown(name: str, scores: dict) -> str:
    lines = [f"## {name}", "", "| features | all segments | within clips | between clips |", "|---|---|---|---|"]
    for subset, views in scores["accuracy"].items():
        lines.append(f"| {subset} | {views['all']:.3f} | {views['within']:.3f} | {views['between']:.3f} |")
    if "substituted" in scores:
        sub = scores["substituted"]
        lines += ["", f"Substitutions (all features): its movement on the real images {sub['real_images']:.3f}; "
                      f"the real movement on its images {sub['real_movement']:.3f}."]
    lines += ["", "| feature | spread within clips (x real) | between clips (x real) |", "|---|---|---|"]
    lines += [f"| {f} | {v['within']:.2f} | {v['between']:.2f} |" for f, v in scores["spread"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.realism_split", description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="a prepared dataset dir or a folder of stereo audio files")
    parser.add_argument("--systems", default="model", help="comma-separated systems (evaluation.systems)")
    parser.add_argument("--model", default=None, help="model folder (default: the bundled model)")
    parser.add_argument("--max-clips", type=int, default=40)
    parser.add_argument("--clips-per-track", type=int, default=1)
    parser.add_argument("--split", default=None, help="dataset split (default: validation)")
    args = parser.parse_args(argv)
    try:
        names = _split_names(args.systems)
        check_system_names(names)
        tracks = find_tracks(args.data, args.split)
    except (DataError, UnknownSystemError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    systems = {name: build_system(name, model_path=args.model) for name in names}
    clips = list(iter_clips(tracks, clip_s=10.0, clips_per_track=args.clips_per_track, max_clips=args.max_clips))
    reference = [segment_features(c.reference, c.sample_rate) for c in clips]
    print(f"# Realism within and between clips ({len(clips)} clips of {args.data})\n")
    for name, system in systems.items():
        output = [segment_features(np.asarray(system(c.mono, c.sample_rate, seed=0)), c.sample_rate)
                  for c in tqdm(clips, desc=name, unit="clip")]
        print(markdown(name, split_scores(reference, output)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
