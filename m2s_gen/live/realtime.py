"""What keeps a live stream's audio thread on time, beside the stream's own code.

- :class:`FrozenHeap`: while a real-time stream is open, the objects that were alive when it opened
  (the model, torch, every imported module: about half a million) are moved out of the cyclic
  garbage collector's reach (:func:`gc.freeze`). A full collection of them takes 100-140 ms on the
  reference CPU and holds the interpreter the whole time, whichever thread started it; with them
  frozen a collection takes well under a millisecond. The last stream to close unfreezes them.
- :func:`audio_thread_priority`: asks the OS to run the calling thread under the real-time
  scheduler, as audio servers (JACK, PipeWire, Core Audio) run their audio threads. Without it,
  a thread that shares a core with a busy process waits out that process's time slice now and then
  (10-11 ms on the reference CPU: one late 10 ms block in a few minutes).
"""
from __future__ import annotations

import gc
import os
import threading

#: SCHED_FIFO priority asked for the audio thread: under JACK's and PipeWire's own threads (70-88),
#: above everything that runs with the normal scheduler.
AUDIO_THREAD_PRIORITY = 60


class FrozenHeap:
    """Counts the open real-time streams; the heap is frozen while there is at least one."""

    _lock = threading.Lock()
    _open = 0

    @classmethod
    def acquire(cls) -> None:
        with cls._lock:
            if cls._open == 0:
                gc.collect()  # what is garbage now is freed, not frozen
                gc.freeze()
            cls._open += 1

    @classmethod
    def release(cls) -> None:
        with cls._lock:
            if cls._open == 0:
                return
            cls._open -= 1
            if cls._open == 0:
                gc.unfreeze()

    @classmethod
    def open_streams(cls) -> int:
        return cls._open


def audio_thread_priority(priority: int = AUDIO_THREAD_PRIORITY) -> str:
    """Run the calling thread with real-time priority where the OS allows it. Returns what it got, in
    words ("real-time (SCHED_FIFO 60)" or "normal (...why)"); never raises. Needs Linux (or another
    system with ``os.sched_setscheduler``) and the right to use it: root, or an ``rtprio`` limit (the
    ``audio`` group's on most desktop Linux systems)."""
    if not hasattr(os, "sched_setscheduler"):
        return "normal (this system has no real-time scheduler call)"
    try:
        low, high = os.sched_get_priority_min(os.SCHED_FIFO), os.sched_get_priority_max(os.SCHED_FIFO)
        level = min(max(int(priority), low), high)
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(level))  # 0: the calling thread, on Linux
    except PermissionError:
        return "normal (no permission for real-time scheduling: run as a member of a group with an rtprio limit)"
    except OSError as err:
        return f"normal (real-time scheduling refused: {err.strerror or err})"
    return f"real-time (SCHED_FIFO {level})"
