"""``SUMMARY.md``: per package, tracks kept/dropped (with reasons), minutes, median stereo stats."""

from __future__ import annotations

import math
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

import numpy as np

from training.data.dataset_build import split_of
from training.data.package_rules import GROUPED_REFERENCE, PACKAGE_RULES

SUMMARY_FILE = "SUMMARY.md"


def _median(values: list[float]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.median(finite)) if finite else math.nan


def _reason_key(reason: str) -> str:
    return reason.split(":", 1)[0]


def _reference(package: str) -> str:
    rule = PACKAGE_RULES.get(package)
    if rule is None:
        return ""
    if rule.reference_minutes is not None:
        return f"{rule.reference_minutes:g} min / {rule.reference_tracks}"
    if package in GROUPED_REFERENCE["packages"]:
        return f"(group: {GROUPED_REFERENCE['minutes']} min / {GROUPED_REFERENCE['tracks']})"
    return ""


def summary_markdown(records: list[dict], validation_packages: Iterable[str]) -> str:
    """Markdown text of the summary of ``records`` (kept and dropped)."""
    validation_packages = set(validation_packages)
    by_package: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_package[record["package"]].append(record)

    lines = ["# Prepared stereo music: summary", "",
             "Kept: stereo, >= 20 s, side-to-mid ratio S/M >= -20 dB (M=(L+R)/2, S=(L-R)/2); "
             "stored as 48 kHz float16 `[2, T]`.", "",
             "| split | package | kept | dropped (reasons) | min kept | median S/M dB "
             "| median L/R corr | listed (min / tracks) |",
             "|---|---|---|---|---|---|---|---|"]
    split_minutes: Counter = Counter()
    split_tracks: Counter = Counter()
    for package in sorted(by_package, key=lambda p: (split_of(p, validation_packages), p)):
        group = by_package[package]
        split = split_of(package, validation_packages)
        kept = [r for r in group if r["status"] == "kept"]
        dropped = Counter(_reason_key(r["drop_reason"]) for r in group if r["status"] != "kept")
        minutes = sum(r["duration_s"] for r in kept) / 60.0
        split_minutes[split] += minutes
        split_tracks[split] += len(kept)
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(dropped.items()))
        lines.append(
            f"| {split} | {package} | {len(kept)} | {sum(dropped.values())}"
            f"{f' ({reasons})' if reasons else ''} | {minutes:.1f} "
            f"| {_median([r['side_to_mid_db'] for r in kept]):.1f} "
            f"| {_median([r['lr_correlation'] for r in kept]):.2f} | {_reference(package)} |")

    lines += ["", "| split | tracks | hours |", "|---|---|---|"]
    for split in ("train", "validation"):
        lines.append(f"| {split} | {split_tracks[split]} | {split_minutes[split] / 60.0:.2f} |")
    total_minutes = sum(split_minutes.values())
    lines.append(f"| total | {sum(split_tracks.values())} | {total_minutes / 60.0:.2f} |")

    dropped_rows = sorted((r for r in records if r["status"] != "kept"),
                          key=lambda r: (r["package"], r["name"]))
    if dropped_rows:
        lines += ["", "## Dropped tracks", "", "| package | name | reason | duration s | S/M dB |",
                  "|---|---|---|---|---|"]
        for r in dropped_rows:
            lines.append(f"| {r['package']} | {r['name']} | {r['drop_reason']} "
                         f"| {r['duration_s']:.1f} | {r['side_to_mid_db']:.1f} |")
    return "\n".join(lines) + "\n"


def write_summary(records: list[dict], validation_packages: Iterable[str],
                  out_dir: str | os.PathLike) -> Path:
    """Write ``<out_dir>/SUMMARY.md`` and return its path."""
    path = Path(out_dir) / SUMMARY_FILE
    path.write_text(summary_markdown(records, validation_packages))
    return path
