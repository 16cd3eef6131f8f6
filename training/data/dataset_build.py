"""Build the ``datasets.DatasetDict`` {"train", "validation"} (split by package) and the manifest.

Columns are plain (no Audio feature); ``path`` points to the ``[2, T]`` float16 ``.npy``
relative to the output folder (the parent of the saved ``dataset/`` folder).
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path
from typing import Iterable

import datasets

DATASET_FOLDER = "dataset"
MANIFEST_FILE = "manifest.csv"

FEATURES = datasets.Features({
    "path": datasets.Value("string"),
    "source_path": datasets.Value("string"),
    "package": datasets.Value("string"),
    "name": datasets.Value("string"),
    "duration_s": datasets.Value("float64"),
    "num_samples": datasets.Value("int64"),
    "source_sample_rate": datasets.Value("int32"),
    "side_to_mid_db": datasets.Value("float32"),
    "lr_correlation": datasets.Value("float32"),
    "license": datasets.Value("string"),
})
"""Columns of each split.  ``num_samples`` counts 48 kHz samples per channel."""

MANIFEST_COLUMNS = ("split", "status", "drop_reason", "package", "name", "path", "source_path",
                    "channels", "source_sample_rate", "duration_s", "num_samples",
                    "side_to_mid_db", "lr_correlation", "license")


def split_of(package: str, validation_packages: Iterable[str]) -> str:
    """``"validation"`` for held-out packages, else ``"train"``."""
    return "validation" if package in set(validation_packages) else "train"


def build_dataset_dict(records: list[dict], validation_packages: Iterable[str]) -> datasets.DatasetDict:
    """DatasetDict of the kept records, split by package, sorted by (package, name)."""
    validation_packages = set(validation_packages)
    rows: dict[str, dict[str, list]] = {s: {k: [] for k in FEATURES} for s in ("train", "validation")}
    kept = sorted((r for r in records if r["status"] == "kept"), key=lambda r: (r["package"], r["name"]))
    for record in kept:
        columns = rows[split_of(record["package"], validation_packages)]
        for key in FEATURES:
            columns[key].append(record[key])
    return datasets.DatasetDict({split: datasets.Dataset.from_dict(columns, features=FEATURES)
                                 for split, columns in rows.items()})


def save_dataset_dict(dataset_dict: datasets.DatasetDict, out_dir: str | os.PathLike) -> Path:
    """``save_to_disk`` into ``<out_dir>/dataset`` (replacing a previous one); return that path."""
    target = Path(out_dir) / DATASET_FOLDER
    tmp = Path(out_dir) / (DATASET_FOLDER + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    # an empty split saved with 0 shards cannot be loaded back (datasets 5.x): force 1 shard
    empty = {split: 1 for split, ds in dataset_dict.items() if len(ds) == 0}
    dataset_dict.save_to_disk(str(tmp), num_shards=empty or None)
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    return target


def write_manifest(records: list[dict], validation_packages: Iterable[str],
                   out_dir: str | os.PathLike) -> Path:
    """Write every record (kept and dropped) to ``<out_dir>/manifest.csv``."""
    validation_packages = set(validation_packages)
    path = Path(out_dir) / MANIFEST_FILE
    ordered = sorted(records, key=lambda r: (r["package"], r["name"]))
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=MANIFEST_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for record in ordered:
            writer.writerow({**record, "split": split_of(record["package"], validation_packages)})
    return path
