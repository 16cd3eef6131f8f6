"""Blind A/B test: pairs of unnamed sounds in random order, the listener's choices, and each system's
preference with a 95% binomial (Clopper-Pearson) interval, written as JSON and CSV."""
from __future__ import annotations

import csv
import json
import os
import random
import secrets
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from scipy.stats import binomtest

MODEL = "model"
CHOICES = ("A", "B")
CSV_FIELDS = ("trial", "file", "take", "a", "b", "choice", "preferred", "other", "decided_at")


@dataclass
class Trial:
    trial: int  # 1-based, in the order played
    file: str  # the uploaded file it came from
    take: int  # the model's take (1-based)
    a: str  # system names, hidden from the listener until the results
    b: str
    a_path: Path
    b_path: Path
    choice: str | None = None  # "A" or "B"
    decided_at: str | None = None

    @property
    def preferred(self) -> str | None:
        return None if self.choice is None else (self.a if self.choice == "A" else self.b)

    @property
    def other(self) -> str | None:
        return None if self.choice is None else (self.b if self.choice == "A" else self.a)

    def row(self) -> dict:
        row = {key: value for key, value in asdict(self).items() if key in CSV_FIELDS}
        return {**row, "preferred": self.preferred, "other": self.other}


class BlindTest:
    """One listener's test. ``add`` queues the pairs of an upmix; ``current`` is the trial to play."""

    def __init__(self, folder: Path, rng: random.Random | None = None):
        self.folder = Path(folder)  # the trials' copies of the sounds, under neutral names
        self.rng = rng or random.Random(secrets.randbits(64))
        self.trials: list[Trial] = []

    def add(self, file_name: str, systems: dict[str, list[Path]]) -> int:
        """Queue the model (each take) against every other system of one upmix; returns how many.
        Which of a pair is A is drawn at random, and the new trials are played in random order."""
        if MODEL not in systems or len(systems) < 2:
            raise ValueError("a blind test needs the model and at least one other system")
        pairs = [(k, path, name, others[0]) for k, path in enumerate(systems[MODEL], 1)
                 for name, others in systems.items() if name != MODEL]
        self.rng.shuffle(pairs)
        self.folder.mkdir(parents=True, exist_ok=True)
        for take, model_path, name, other_path in pairs:
            sides = [(MODEL, model_path), (name, other_path)]
            self.rng.shuffle(sides)
            number = len(self.trials) + 1
            paths = [self._copy(path, f"trial{number:03d}_{label}{path.suffix}")
                     for (_, path), label in zip(sides, CHOICES)]
            self.trials.append(Trial(number, file_name, take, sides[0][0], sides[1][0], *paths))
        return len(pairs)

    def _copy(self, source: Path, name: str) -> Path:
        target = self.folder / name
        try:
            os.link(source, target)  # the same bytes, no copy; survives the upmix folder's removal
        except OSError:
            shutil.copyfile(source, target)
        return target

    @property
    def current(self) -> Trial | None:
        return next((trial for trial in self.trials if trial.choice is None), None)

    @property
    def decided(self) -> list[Trial]:
        return [trial for trial in self.trials if trial.choice is not None]

    def choose(self, choice: str) -> Trial:
        """Record ``choice`` ("A" or "B") for the current trial and return it."""
        if choice not in CHOICES:
            raise ValueError(f"choice must be 'A' or 'B', got {choice!r}")
        trial = self.current
        if trial is None:
            raise ValueError("no trial is waiting for a choice: add an upmix to the test first")
        trial.choice, trial.decided_at = choice, time.strftime("%Y-%m-%dT%H:%M:%S%z")
        return trial

    def summary(self) -> dict:
        """Per system and per pair: times preferred ``k`` of ``n`` decided trials, the share and its
        95% Clopper-Pearson interval."""
        per_system, per_pair = {}, {}
        for trial in self.decided:
            for name in (trial.a, trial.b):
                per_system.setdefault(name, [0, 0])[1] += 1
            per_system[trial.preferred][0] += 1
            pair = tuple(sorted((trial.a, trial.b), key=lambda name: (name != MODEL, name)))
            counts = per_pair.setdefault(pair, [0, 0])
            counts[0] += trial.preferred == pair[0]
            counts[1] += 1
        return {"decided": len(self.decided), "trials": len(self.trials),
                "systems": {name: preference(k, n) for name, (k, n) in sorted(per_system.items())},
                "pairs": [{"system": x, "against": y, **preference(k, n)} for (x, y), (k, n) in per_pair.items()]}

    def write(self, folder: Path, stem: str) -> tuple[Path, Path]:
        """``stem.json`` (trials and summary) and ``stem.csv`` (one row per decided trial) in ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        json_path, csv_path = folder / f"{stem}.json", folder / f"{stem}.csv"
        rows = [trial.row() for trial in self.decided]
        json_path.write_text(json.dumps({"trials": rows, "summary": self.summary()}, indent=2) + "\n")
        with open(csv_path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        return json_path, csv_path


def preference(k: int, n: int, confidence: float = 0.95) -> dict:
    """``k`` preferences of ``n``: the share and its exact (Clopper-Pearson) binomial interval."""
    if n == 0:
        return {"preferred": 0, "of": 0, "share": None, "ci_low": None, "ci_high": None}
    interval = binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    return {"preferred": k, "of": n, "share": k / n, "ci_low": float(interval.low), "ci_high": float(interval.high)}


def summary_markdown(summary: dict) -> str:
    """The summary as the page shows it: one table per system, one per pair."""
    if not summary["decided"]:
        return f"No choices yet ({summary['trials']} trial(s) queued)."
    lines = [f"**{summary['decided']} of {summary['trials']} trials decided.** Preference with a 95% "
             "binomial (Clopper-Pearson) interval; an interval that contains 50% is no clear preference.", "",
             "| system | preferred | share | 95% interval |", "|---|---|---|---|"]
    for name, row in summary["systems"].items():
        lines.append(f"| {name} | {row['preferred']} of {row['of']} | {row['share']:.0%} | "
                     f"{row['ci_low']:.0%} to {row['ci_high']:.0%} |")
    lines += ["", "| pair | first preferred | share | 95% interval |", "|---|---|---|---|"]
    for row in summary["pairs"]:
        lines.append(f"| {row['system']} vs {row['against']} | {row['preferred']} of {row['of']} | "
                     f"{row['share']:.0%} | {row['ci_low']:.0%} to {row['ci_high']:.0%} |")
    return "\n".join(lines)
