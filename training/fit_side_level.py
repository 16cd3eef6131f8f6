"""Choose the model's side level (``side_level_offset_db``) on training clips, by the rendered metrics.

    python -m training.fit_side_level --model runs/model --data data/prepared --clips 80

The model's band levels are fitted in dB (the width head's ridge regression, the time course's L1
fit), but the evaluation scores what the renderer makes of them: an L1 of log mel powers (side
log-mel distance, which the median frame minimises) and energy ratios per octave (width error, which
the loud frames decide). A side that moves less than the real one cannot suit both with one level,
and the renderer's interpolation of dB values between frames loses some energy besides. So each
training clip (10 s, one per track, the ``train`` split; never the validation packages) is upmixed
with the model's default settings at every shift of :data:`OFFSETS_DB`, and scored, beside the
``freq_decorrelator`` baseline, on the three faithfulness errors. The shift kept is the one whose
*smallest* relative improvement over the baseline (side log-mel, width, ICC) is largest: the product
must beat the DSP on every metric, not trade one away for another. It is written into
``upmixer_config.json`` unless ``--dry-run``; ``--report`` writes the table as JSON.
"""
from __future__ import annotations

import json
import sys
from typing import Sequence

import numpy as np
from tqdm.auto import tqdm

#: Shifts of every side-to-mid ratio tried, dB.
OFFSETS_DB = (-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
#: The faithfulness errors the shift is chosen by (evaluation.scoring.headline_errors).
METRICS = ("side_mel", "width_error_db", "icc_error")
#: The baseline the improvements are relative to.
BASELINE = "freq_decorrelator"


def improvements(errors: dict[str, float], baseline: dict[str, float]) -> dict[str, float]:
    """Relative improvement (fraction, > 0 is better) of ``errors`` over ``baseline`` per metric."""
    return {m: (baseline[m] - errors[m]) / baseline[m] for m in METRICS}


def choose_offset(table: dict[float, dict[str, float]], baseline: dict[str, float]) -> float:
    """The offset of ``table`` (offset -> mean errors) with the largest smallest improvement over
    ``baseline``; ties go to the offset nearest 0."""
    def worst(offset: float) -> float:
        return min(improvements(table[offset], baseline).values())

    return max(sorted(table, key=abs), key=worst)


def score_offsets(up, clips: list, offsets: Sequence[float] = OFFSETS_DB, progress: bool = True) -> tuple[dict, dict]:
    """(offset -> mean errors over ``clips``, the baseline's mean errors) of ``up`` rendered at each offset."""
    from evaluation.scoring import headline_errors, reference_features
    from evaluation.systems import build_system

    baseline = build_system(BASELINE)
    saved = up.config.side_level_offset_db
    totals = {o: {m: [] for m in METRICS} for o in offsets}
    base = {m: [] for m in METRICS}
    try:
        for index, clip in enumerate(tqdm(clips, desc="side level", unit="clip", disable=not progress)):
            reference = reference_features(clip.reference, clip.mono, clip.sample_rate)
            for name, value in headline_errors(np.asarray(baseline(clip.mono, clip.sample_rate, seed=index)),
                                               reference, clip.sample_rate).items():
                base[name].append(value)
            for offset in offsets:
                up.config.side_level_offset_db = float(offset)
                stereo = up(clip.mono, clip.sample_rate, seed=index).numpy()
                for name, value in headline_errors(stereo, reference, clip.sample_rate).items():
                    totals[offset][name].append(value)
    finally:
        up.config.side_level_offset_db = saved
    table = {o: {m: float(np.nanmean(v)) for m, v in errs.items()} for o, errs in totals.items()}
    return table, {m: float(np.nanmean(v)) for m, v in base.items()}


def main(argv: Sequence[str] | None = None) -> int:
    from .calibrate import write_config
    from .fit_args import load_model_and_clips, model_fit_parser

    parser = model_fit_parser(__doc__, default_clips=80)
    parser.add_argument("--clip-seconds", type=float, default=10.0, help="clip length, s")
    args = parser.parse_args(argv)
    loaded = load_model_and_clips(args, clip_s=args.clip_seconds)
    if loaded is None:
        return 2
    up, clips = loaded
    table, baseline = score_offsets(up, clips, progress=not args.quiet)
    chosen = choose_offset(table, baseline)
    print(f"{len(clips)} clips of split {args.split!r}; {BASELINE}: "
          + " / ".join(f"{baseline[m]:.3f}" for m in METRICS))
    print("| side level offset dB | side log-mel | width error dB | ICC error | smallest improvement % |")
    print("|---|---|---|---|---|")
    for offset, errors in table.items():
        worst = 100 * min(improvements(errors, baseline).values())
        mark = " (chosen)" if offset == chosen else ""
        print(f"| {offset:+g}{mark} | " + " | ".join(f"{errors[m]:.3f}" for m in METRICS) + f" | {worst:.1f} |")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps({"clips": len(clips), "split": args.split, "baseline": BASELINE,
                                           "baseline_errors": baseline, "chosen_offset_db": chosen,
                                           "errors_by_offset_db": {f"{k:g}": v for k, v in table.items()}}, indent=1))
    if not args.dry_run:
        write_config(args.model, {"side_level_offset_db": chosen})
        print(f"wrote side_level_offset_db {chosen:g} into {args.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
