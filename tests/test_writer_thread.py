"""The thread that encodes finished stereo beside the model: order, idle priority, a starved thread,
errors, abort."""
from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from m2s_gen.media import writer_thread
from m2s_gen.media.writer_thread import WriterThread, run_on_idle_cycles


def blocks(n, samples=3):
    return [np.full((2, samples), k, dtype=np.float32) for k in range(n)]


def test_pieces_are_written_in_order_and_add_up_to_the_blocks(monkeypatch):
    monkeypatch.setattr(writer_thread, "PIECE_SAMPLES", 4)
    rng = np.random.default_rng(0)
    given = [rng.standard_normal((2, n)).astype(np.float32) for n in (10, 4, 1, 0, 7, 13)]
    written = []

    def write(piece):
        time.sleep(0.001)
        assert piece.shape[1] <= 4
        written.append(piece)

    with WriterThread(write) as writer:
        for block in given:
            writer.write(block)
    np.testing.assert_array_equal(np.concatenate(written, axis=1), np.concatenate(given, axis=1))


def _policy_of_a_thread_on_idle_cycles() -> int:
    seen = []

    def lowered():
        run_on_idle_cycles()
        seen.append(os.sched_getscheduler(0))

    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join()
    return seen[0]


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="no idle scheduling class on this system")
def test_the_thread_writes_on_idle_cycles_while_the_caller_works():
    if _policy_of_a_thread_on_idle_cycles() != os.SCHED_IDLE:
        pytest.skip("this system refuses the idle scheduling class")
    writers = []

    def write(piece):
        writers.append((threading.get_ident(), os.sched_getscheduler(0)))

    with WriterThread(write) as writer:
        for block in blocks(5):
            writer.write(block)
            time.sleep(0.05)  # the caller's own work (the model): the thread keeps up
        time.sleep(0.05)
    assert len(writers) == 5
    assert {who for who, _ in writers} != {threading.get_ident()}
    assert all(policy == os.SCHED_IDLE for who, policy in writers if who != threading.get_ident())
    assert os.sched_getscheduler(0) != os.SCHED_IDLE  # the caller's priority is untouched


def test_a_thread_that_never_runs_does_not_hold_the_output_back(monkeypatch):
    """Other work on the machine may keep an idle-priority thread from running: then the caller writes
    each block itself when the queue is full, and the rest at close, in order."""
    started = threading.Event()
    monkeypatch.setattr(writer_thread, "run_on_idle_cycles", lambda: started.wait())
    given, written = blocks(6), []

    def write(piece):
        written.append((int(piece[0, 0]), threading.get_ident()))
        if len(written) == len(given):
            started.set()  # the thread may run now: there is nothing left for it

    with WriterThread(write) as writer:
        for block in given:
            writer.write(block)
        assert [k for k, _ in written] == [0, 1, 2, 3]  # the queue holds two blocks
    assert [k for k, _ in written] == list(range(6))
    assert {who for _, who in written} == {threading.get_ident()}


def test_an_error_in_the_thread_reaches_the_caller():
    def write(block):
        if block[0, 0] == 2:
            raise OSError("disk full")

    writer = WriterThread(write)
    with pytest.raises(OSError, match="disk full"):
        for block in blocks(50):
            writer.write(block)
        writer.close()
    writer.abort()  # already stopped: returns


def test_an_error_in_the_last_block_is_raised_at_close():
    def write(block):
        if block[0, 0] == 4:
            raise ValueError("bad block")

    with pytest.raises(ValueError, match="bad block"):
        with WriterThread(write) as writer:
            for block in blocks(5):
                writer.write(block)


def test_leaving_with_an_exception_writes_nothing_more():
    seen = []
    release = threading.Event()

    def write(block):
        release.wait(5)
        seen.append(int(block[0, 0]))

    with pytest.raises(KeyboardInterrupt):
        with WriterThread(write) as writer:
            writer.write(blocks(1)[0])  # taken by the thread, which waits in write()
            time.sleep(0.05)
            writer.write(blocks(2)[1])  # queued
            threading.Timer(0.2, release.set).start()  # the block in progress ends after the abort began
            raise KeyboardInterrupt
    assert seen == [0]  # the queued block was dropped
