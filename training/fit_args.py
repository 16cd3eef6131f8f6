"""The command line shared by the steps that fit part of a saved model on clips of the training packages
(``training.calibrate``, ``training.fit_time_course``, ``training.fit_side_level``)."""
from __future__ import annotations

import argparse
from pathlib import Path


def model_fit_parser(description: str, default_clips: int, report: bool = True) -> argparse.ArgumentParser:
    """A parser with ``--model``, ``--data``, ``--split`` (default ``train``), ``--clips`` and ``--quiet``;
    with ``report``, also ``--report`` (JSON) and ``--dry-run``. Callers add their own options."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path, help="a save_pretrained folder (updated in place)")
    parser.add_argument("--data", required=True, help="prepared data (training.data.prepare) or a folder of stereo files")
    parser.add_argument("--split", default="train", help="dataset split to fit on (never the validation one)")
    parser.add_argument("--clips", type=int, default=default_clips, help="clips, one per track")
    if report:
        parser.add_argument("--report", type=Path, help="write the fit's scores here (JSON)")
        parser.add_argument("--dry-run", action="store_true", help="report only; leave the model as it is")
    parser.add_argument("--quiet", action="store_true")
    return parser


def load_model_and_clips(args: argparse.Namespace, min_clips: int = 1, clip_s: float = 10.0):
    """(Upmixer, clips) for the parsed ``args``, or None after one ``error: ...`` line on stderr (a
    model that cannot load, data that is not there, too few clips in the split)."""
    import sys

    from evaluation.clips import DataError, load_clips
    from m2s_gen import Upmixer

    try:
        up = Upmixer.from_pretrained(args.model)
        clips = load_clips(args.data, split=args.split, max_clips=args.clips, clips_per_track=1, clip_s=clip_s)
    except (DataError, ValueError, OSError, KeyError) as error:  # ModelLoadError is a ValueError
        print(f"error: {str(error).strip(chr(39))}", file=sys.stderr)
        return None
    if len(clips) < min_clips:
        print(f"error: --data {args.data}: {len(clips)} clips in split {args.split!r}, need at least {min_clips}",
              file=sys.stderr)
        return None
    return up, clips
