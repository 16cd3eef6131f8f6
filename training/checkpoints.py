"""Checkpoints with accelerate's save_state/load_state: resume from the newest after a kill."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

_PREFIX = "step_"


def latest_checkpoint(folder: Path) -> tuple[Path | None, int]:
    """(newest complete checkpoint folder, its step) or (None, 0)."""
    if not folder.is_dir():
        return None, 0
    done = [p for p in folder.glob(f"{_PREFIX}*") if (p / "DONE").exists()]
    if not done:
        return None, 0
    newest = max(done, key=lambda p: int(p.name[len(_PREFIX):]))
    return newest, int(newest.name[len(_PREFIX):])


def resume(accelerator, folder: Path) -> int:
    """Load the newest checkpoint in ``folder`` into the prepared objects; returns the step to go on from."""
    path, step = latest_checkpoint(folder)
    if path is not None:
        accelerator.load_state(str(path))
        accelerator.print(f"resumed from {path} (step {step})")
    return step


def save(accelerator, folder: Path, step: int, keep: int = 2) -> None:
    """Save a checkpoint at ``step``; a ``DONE`` marker is written last so a kill mid-save is ignored."""
    path = folder / f"{_PREFIX}{step:08d}"
    accelerator.save_state(str(path))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        (path / "DONE").touch()
        done = sorted(p for p in folder.glob(f"{_PREFIX}*") if (p / "DONE").exists())
        for old in done[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()


class CsvLog:
    """Append-only CSV of training metrics (``step``, then named values), kept across resumes."""

    def __init__(self, path: Path, enabled: bool = True):
        self.path, self.enabled = path, enabled

    def write(self, step: int, values: dict) -> None:
        if not self.enabled:
            return
        new = not self.path.exists()
        with self.path.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["step", *values])
            if new:
                writer.writeheader()
            writer.writerow({"step": step, **{k: f"{v:.6g}" for k, v in values.items()}})
