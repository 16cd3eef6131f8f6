"""Encoding beside the model: finished stereo is handed to a thread that encodes and writes it while
the model works on the next chunk.

The thread runs only on cycles nothing else wants (Linux's ``SCHED_IDLE``). With the model on every
core, an encoder at normal priority holds a core that one of the model's threads is waiting for at its
next barrier, and the model slows down by nearly half of the encoder's time; at idle priority the
model's threads take the core back as soon as they need it (BENCHMARKS.md, "Media decode and
encode"). The stereo goes to the encoder a piece at a time (:data:`~.levels.PIECE_SAMPLES`), in
order. When the caller must wait for the thread (its queue is full, or at ``close``) it writes the next
pieces itself, at its own priority, so an output never waits on a thread that other work on the machine
keeps from running.

The encoders (LAME, FFmpeg's AAC and FLAC, libsndfile) run in C with the interpreter released. At most
:data:`QUEUE_BLOCKS` blocks wait beside the one being written (a block is a chunk of stereo: minutes),
so memory stays bounded. An error in the thread is raised in the caller at its next ``write`` or at
``close``.
"""
from __future__ import annotations

import collections
import os
import threading
from typing import Callable

import numpy as np

from .levels import PIECE_SAMPLES

QUEUE_BLOCKS = 1


def run_on_idle_cycles() -> None:
    """Move the calling thread to Linux's idle scheduling class: it runs when no other thread wants a
    core. Elsewhere, or where the system refuses, nothing changes."""
    try:
        os.sched_setscheduler(threading.get_native_id(), os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        pass


class WriterThread:
    """``write(block)`` returns at once (or, when the queue is full, once the caller has written the
    oldest block's rest itself); ``close()`` writes what is left and re-raises the thread's error, if
    any. Use as a context manager: leaving it with an exception drops what is queued and stops the
    thread without writing more. ``idle_priority=False`` keeps the thread at the caller's priority."""

    def __init__(self, write: Callable[[np.ndarray], None], name: str = "m2s-writer", idle_priority: bool = True):
        self._write = write
        self._blocks: collections.deque = collections.deque()  # [block, samples already written]
        self._changed = threading.Condition()  # guards the fields below; notified when they change
        self._error: BaseException | None = None
        self._stopped = False
        self._closing = False
        self._in_order = threading.Lock()  # held while a piece is written: one piece at a time
        self._thread = threading.Thread(target=self._run, args=(idle_priority,), name=name, daemon=True)
        self._thread.start()

    # -- either thread -----------------------------------------------------------------------------
    def _take_piece(self) -> np.ndarray | None:
        """The next piece of the oldest block (removing the block with its last piece); None if none."""
        with self._changed:
            if self._stopped or not self._blocks:
                return None
            entry = self._blocks[0]
            block, start = entry
            if start + PIECE_SAMPLES >= block.shape[-1]:
                self._blocks.popleft()
                self._changed.notify_all()
            else:
                entry[1] = start + PIECE_SAMPLES
            return block[..., start:start + PIECE_SAMPLES]

    def _write_next(self) -> bool:
        """Write the next piece in this thread; False when nothing is queued."""
        with self._in_order:
            piece = self._take_piece()
            if piece is None:
                return False
            try:
                self._write(piece)
            except BaseException:
                self._stop()
                raise
            return True

    def _stop(self, error: BaseException | None = None) -> None:
        with self._changed:
            self._stopped = True
            self._blocks.clear()
            if error is not None and self._error is None:
                self._error = error
            self._changed.notify_all()

    # -- the thread --------------------------------------------------------------------------------
    def _run(self, idle_priority: bool) -> None:
        if idle_priority:
            run_on_idle_cycles()
        while True:
            with self._changed:
                while not self._blocks and not self._closing and not self._stopped:
                    self._changed.wait()
                if self._stopped or not self._blocks:
                    return
            try:
                self._write_next()
            except BaseException as err:  # noqa: BLE001 - handed to the caller
                self._stop(err)
                return

    # -- the caller --------------------------------------------------------------------------------
    def _raise_error(self) -> None:
        with self._changed:
            error, self._error = self._error, None
        if error is not None:
            raise error

    def write(self, block: np.ndarray) -> None:
        self._raise_error()
        with self._changed:
            if self._stopped:
                raise RuntimeError("the writer thread stopped")
            self._blocks.append([block, 0])
            self._changed.notify_all()
        while True:
            with self._changed:
                if len(self._blocks) <= QUEUE_BLOCKS + 1:  # the one being written and the queue
                    break
            self._write_next()
        self._raise_error()

    def close(self) -> None:
        """Write everything queued (in this thread, at its priority); raise the thread's error."""
        try:
            self._raise_error()
            while self._write_next():
                pass
        except BaseException:
            self.abort()
            raise
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join()
        self._raise_error()

    def abort(self) -> None:
        """Stop without writing what is still queued (a piece being written is finished)."""
        self._stop()
        self._thread.join()

    def __enter__(self) -> "WriterThread":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
