"""Data preparation entry point: real stereo music -> 48 kHz float16 ``[2, T]`` + DatasetDict.

Usage::

    python -m training.data.prepare --out data/prepared            # the 31 packages of docs/training.md
    python -m training.data.prepare --out OUT --folder DIR [DIR ...]
    python -m training.data.prepare --out OUT --hub-dataset NAME --audio-column audio
    python -m training.data.prepare --out data/unseen --unseen     # held-out productions, eval only

Without ``--packages``, the Debian training packages are used only when neither
``--folder`` nor ``--hub-dataset`` is given; ``--packages`` with no name means none.

Outputs under ``--out``: ``audio48k/<package>/<name>.npy`` (float16 ``[2, T]``, 48 kHz),
``records/`` (per-track decisions, for resuming), ``dataset/`` (DatasetDict
{"train", "validation"} split by package), ``manifest.csv`` and ``SUMMARY.md``.
Re-running resumes: finished tracks are not decoded again.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import multiprocessing
import os
import sys
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import datasets
from tqdm import tqdm

from training.data.convert_track import convert_track, convert_track_star, load_finished_record
from training.data.dataset_build import build_dataset_dict, save_dataset_dict, write_manifest
from training.data.package_rules import DEFAULT_VALIDATION_PACKAGES, TRAINING_PACKAGES
from training.data.sources import (SourceTrack, load_hub_split, tracks_from_debian,
                                   tracks_from_folder, tracks_from_hub)
from training.data.summary_md import write_summary
from training.data.unseen_packages import UNSEEN_PACKAGES, check_not_trained_on

log = logging.getLogger("training.data.prepare")

TASK_CHUNK = 64
"""Tracks submitted to the pool at a time (bounds memory for hub rows holding bytes)."""


def _chunks(items: Iterable[SourceTrack], size: int) -> Iterator[list[SourceTrack]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _check_unique(track: SourceTrack, seen: set[tuple[str, str]]) -> SourceTrack:
    key = (track.package, track.name)
    if key in seen:
        raise ValueError(f"two sources give the same package/name {key}: rename a folder")
    seen.add(key)
    return track


def convert_all(tracks: Iterable[SourceTrack], out_dir: str | os.PathLike, workers: int = 2,
                total: int | None = None, progress: bool = True) -> list[dict]:
    """Convert ``tracks`` with a pool of ``workers`` processes (inline when <= 1).

    Tracks with a valid record from a previous run are skipped.  Returns all records.
    """
    out = str(out_dir)
    records: list[dict] = []
    bar = tqdm(total=total, desc="tracks", unit="track", disable=not progress,
               mininterval=2.0, file=sys.stderr)
    pool = None
    if workers > 1:
        pool = multiprocessing.get_context("spawn").Pool(workers, maxtasksperchild=16)
    seen: set[tuple[str, str]] = set()
    try:
        for chunk in _chunks((_check_unique(t, seen) for t in tracks), TASK_CHUNK):
            pending = []
            for track in chunk:
                finished = load_finished_record(out, track)
                if finished is not None:
                    records.append(finished)
                    bar.update(1)
                else:
                    pending.append(track)
            if pool is not None:
                results = pool.imap_unordered(convert_track_star, [(t, out) for t in pending])
            else:
                results = (convert_track(t, out) for t in pending)
            for record in results:
                records.append(record)
                bar.update(1)
                bar.set_postfix_str(f"{record['package']}/{record['name']}"[-40:], refresh=False)
    finally:
        bar.close()
        if pool is not None:
            pool.close()
            pool.join()
    return records


def prepare(out_dir: str | os.PathLike,
            packages: Sequence[str] = (),
            folders: Sequence[str | os.PathLike] = (),
            hub_datasets: Sequence[str] = (),
            hub_split: str = "train",
            audio_column: str = "audio",
            package_column: str | None = None,
            license: str = "unknown",
            debs_dir: str | os.PathLike = "data/debs",
            extract_dir: str | os.PathLike = "data/extracted",
            validation_packages: Sequence[str] = DEFAULT_VALIDATION_PACKAGES,
            workers: int = 2,
            progress: bool = True) -> datasets.DatasetDict:
    """Run the whole preparation; see the module docstring.

    Args:
        out_dir: output folder.
        packages: Debian packages (``.deb`` from ``debs_dir``, else ``apt-get download``).
        folders: folders of stereo audio files; each folder's name is its package.
        hub_datasets: hub dataset names, or local ``save_to_disk`` folders, with an audio
            column (``audio_column``) of ``{"bytes", "path"}``.
        hub_split: split of the hub datasets to read.
        package_column: hub column giving each row's package (default: the dataset name).
        license: licence recorded for folder and hub tracks.
        validation_packages: packages of the validation split.
        workers: conversion processes (2 on this machine).

    Returns:
        The DatasetDict {"train", "validation"}, also saved to ``<out_dir>/dataset``.
    """
    # held-out productions never reach a training split (checked before anything is written or downloaded)
    check_not_trained_on({*packages, *(Path(folder).resolve().name for folder in folders)} - set(validation_packages))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    file_tracks: list[SourceTrack] = []
    for package in packages:
        tracks = tracks_from_debian(package, debs_dir, extract_dir)
        log.info("%s: %d candidate music files", package, len(tracks))
        file_tracks += tracks
    for folder in folders:
        tracks = tracks_from_folder(folder, license=license)
        log.info("folder %s: %d audio files", folder, len(tracks))
        file_tracks += tracks

    total = len(file_tracks)
    hub_iters = []
    for name in hub_datasets:
        rows = len(load_hub_split(name, hub_split, audio_column))
        log.info("hub dataset %s[%s]: %d rows", name, hub_split, rows)
        total += rows
        hub_iters.append(tracks_from_hub(name, hub_split, audio_column, package_column, license))

    records = convert_all(itertools.chain(file_tracks, *hub_iters), out, workers=workers,
                          total=total, progress=progress)

    dataset_dict = build_dataset_dict(records, validation_packages)
    save_dataset_dict(dataset_dict, out)
    write_manifest(records, validation_packages, out)
    write_summary(records, validation_packages, out)
    log.info("kept %d of %d tracks; train %d, validation %d", sum(r["status"] == "kept" for r in records),
             len(records), len(dataset_dict["train"]), len(dataset_dict["validation"]))
    return dataset_dict


def build_parser() -> argparse.ArgumentParser:
    """Command-line parser of ``python -m training.data.prepare``."""
    p = argparse.ArgumentParser(prog="python -m training.data.prepare", description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="output folder (e.g. data/prepared)")
    p.add_argument("--packages", nargs="*", default=None,
                   help="Debian packages (default: the training list of docs/training.md unless --folder/--hub-dataset)")
    p.add_argument("--folder", nargs="+", action="extend", default=[], help="folders of stereo audio files")
    p.add_argument("--hub-dataset", action="append", default=[], help="hub dataset name or save_to_disk folder")
    p.add_argument("--hub-split", default="train")
    p.add_argument("--audio-column", default="audio")
    p.add_argument("--package-column", default=None, help="hub column naming each row's package")
    p.add_argument("--license", default="unknown", help="licence recorded for folder/hub tracks")
    p.add_argument("--debs-dir", default="data/debs")
    p.add_argument("--extract-dir", default="data/extracted")
    p.add_argument("--validation-packages", nargs="*", default=list(DEFAULT_VALIDATION_PACKAGES))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--unseen", action="store_true",
                   help="the held-out productions of training.data.unseen_packages, all in the validation split "
                        "(evaluation only; not with --packages or --validation-packages)")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    packages = args.packages
    if args.unseen:
        if packages is not None or args.validation_packages != list(DEFAULT_VALIDATION_PACKAGES):
            raise SystemExit("prepare: --unseen chooses the packages and puts them all in validation; "
                             "drop --packages / --validation-packages")
        packages = args.validation_packages = list(UNSEEN_PACKAGES)
    elif packages is None:
        packages = () if (args.folder or args.hub_dataset) else TRAINING_PACKAGES
    try:
        prepare(args.out, packages=packages, folders=args.folder, hub_datasets=args.hub_dataset,
                hub_split=args.hub_split, audio_column=args.audio_column,
                package_column=args.package_column, license=args.license, debs_dir=args.debs_dir,
                extract_dir=args.extract_dir, validation_packages=args.validation_packages,
                workers=args.workers, progress=not args.no_progress)
    except ValueError as err:  # a refused package (held out, or a MIDI render): one line, no traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
