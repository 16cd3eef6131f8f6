"""A web-page server in a subprocess for the tests: ``m2s serve`` or ``app.py``, on a free port of
127.0.0.1, with its own TMPDIR so that its temporary files can be checked after it stops."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STARTUP_S = 120  # importing gradio and torch on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``python ARGS --port P --results-dir FOLDER/kept-results``, started and waited for."""

    def __init__(self, args: list[str], folder: Path, env: dict[str, str] | None = None, port_option: bool = True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.tmp = folder / "server-tmp"
        self.tmp.mkdir()
        self.results = folder / "kept-results"
        command = [sys.executable, *args, "--results-dir", str(self.results)]
        if port_option:
            command += ["--port", str(self.port)]
        environ = {**os.environ, "TMPDIR": str(self.tmp), "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1",
                   "OMP_NUM_THREADS": "1", "GRADIO_SERVER_PORT": str(self.port), **(env or {})}
        environ.pop("GRADIO_TEMP_DIR", None)
        self.process = subprocess.Popen(command, cwd=REPO, env=environ, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(STARTUP_S) or self.process.poll() is not None:
            self.stop()
            pytest.fail("the server did not start:\n" + "".join(self.lines[-30:]))

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if "Running on local URL" in line:
                self.ready.set()

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
