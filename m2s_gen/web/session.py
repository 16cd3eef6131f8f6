"""One visitor's files: a folder under the server's temporary root, removed when the visitor leaves
(and with the root when the server stops). Nothing in it is named by the client."""
from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from pathlib import Path

from .blind import BlindTest
from .upmix import UpmixResult


class Session:
    def __init__(self, root: Path):
        self.folder = Path(tempfile.mkdtemp(prefix="session-", dir=root))
        self.runs = 0
        self.result: UpmixResult | None = None
        self.blind = BlindTest(self.folder / "blind")
        self.results_stem = f"blind-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"

    def new_run_folder(self) -> Path:
        """A fresh folder for the next upmix; the previous upmix's files are removed (the blind test
        keeps its own links to the sounds it still needs)."""
        if self.result is not None:
            shutil.rmtree(self.result.folder, ignore_errors=True)
            self.result = None
        self.runs += 1
        return self.folder / f"run{self.runs:03d}"

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def close_session(session: Session | None) -> None:
    """``gr.State``'s delete callback."""
    if session is not None:
        session.close()
