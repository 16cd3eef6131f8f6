"""The thread that encodes finished stereo beside the model: order, errors, abort."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from m2s_gen.media.writer_thread import WriterThread


def blocks(n):
    return [np.full((2, 3), k, dtype=np.float32) for k in range(n)]


def test_blocks_are_written_in_order_in_another_thread():
    seen, threads = [], set()

    def write(block):
        time.sleep(0.002)
        seen.append(int(block[0, 0]))
        threads.add(threading.get_ident())

    with WriterThread(write) as writer:
        for block in blocks(20):
            writer.write(block)
    assert seen == list(range(20))
    assert threads and threading.get_ident() not in threads


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
