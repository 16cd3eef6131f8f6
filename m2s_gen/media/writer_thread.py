"""Encoding beside the model: finished stereo is handed to a thread that encodes and writes it while
the model works on the next chunk.

The encoders (LAME, FFmpeg's AAC and FLAC, libsndfile) run in C with the interpreter released, so
the encoding overlaps the model's work instead of following it. At most :data:`QUEUE_BLOCKS` blocks
wait (a block is a chunk of stereo: minutes), so memory stays bounded. An error in the thread is
raised in the caller at its next ``write`` or at ``close``.
"""
from __future__ import annotations

import queue
import threading
from typing import Callable

import numpy as np

QUEUE_BLOCKS = 1
_END = object()


class WriterThread:
    """``write(block)`` returns at once (or when the queue has room); ``close()`` waits for the last block
    and re-raises the thread's error, if any. Use as a context manager: leaving it with an exception
    drops what is queued and stops the thread without writing more."""

    def __init__(self, write: Callable[[np.ndarray], None], name: str = "m2s-writer"):
        self._write = write
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_BLOCKS)
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            block = self._queue.get()
            if block is _END:
                return
            if self._error is not None or self._stop.is_set():
                continue  # drain without writing
            try:
                self._write(block)
            except BaseException as err:  # noqa: BLE001 - handed to the caller
                self._error = err

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._stop.set()
            raise error

    def write(self, block: np.ndarray) -> None:
        self._raise_error()
        while True:
            try:
                self._queue.put(block, timeout=0.1)
                return
            except queue.Full:
                self._raise_error()
                if not self._thread.is_alive():
                    raise RuntimeError("the writer thread stopped") from None

    def close(self) -> None:
        """Wait until everything queued is written; raise the thread's error."""
        self._queue.put(_END)
        self._thread.join()
        self._raise_error()

    def abort(self) -> None:
        """Stop without writing what is still queued."""
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(_END)
        self._thread.join()

    def __enter__(self) -> "WriterThread":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
