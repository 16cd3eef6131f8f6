"""What keeps the audio thread on time: the frozen heap while a real-time stream is open, real-time
priority for the audio thread, and the model thread back on the normal scheduler."""
from __future__ import annotations

import gc
import os
import threading

import pytest

from conftest import make_tiny_upmixer, music_like
from m2s_gen.live.image_worker import FIRST_UPDATE_HOPS, MODEL_THREAD_NICENESS
from m2s_gen.live.realtime import FrozenHeap, audio_thread_priority
from m2s_gen.spatial import STFT_HOP

RATE = 48_000


@pytest.fixture(scope="module")
def up():
    return make_tiny_upmixer()


def test_heap_is_frozen_while_a_realtime_stream_is_open(up):
    assert FrozenHeap.open_streams() == 0 and gc.get_freeze_count() == 0
    first = up.stream(RATE, seed=0, realtime=True)
    frozen = gc.get_freeze_count()
    assert frozen > 1000  # the model and the imported modules
    second = up.stream(RATE, seed=1, realtime=True)
    assert FrozenHeap.open_streams() == 2
    first.close()
    first.close()  # closing twice releases once
    assert FrozenHeap.open_streams() == 1 and gc.get_freeze_count() > 1000  # still frozen for the second
    with second:
        pass
    assert FrozenHeap.open_streams() == 0 and gc.get_freeze_count() == 0


def test_offline_stream_leaves_the_collector_alone(up):
    stream = up.stream(RATE, seed=0, realtime=False)
    assert gc.get_freeze_count() == 0
    stream.flush()
    assert FrozenHeap.open_streams() == 0


def test_audio_thread_priority_says_what_it_got():
    out = {}

    def worker():
        out["said"] = audio_thread_priority()
        out["policy"] = os.sched_getscheduler(0) if hasattr(os, "sched_getscheduler") else None

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    said = out["said"]
    assert said.startswith(("real-time (SCHED_FIFO ", "normal ("))
    if said.startswith("real-time"):
        assert out["policy"] == os.SCHED_FIFO
    # the calling test thread is untouched
    if hasattr(os, "sched_getscheduler"):
        assert os.sched_getscheduler(0) == os.SCHED_OTHER


@pytest.mark.skipif(not hasattr(os, "sched_setscheduler"), reason="needs the Linux scheduler calls")
def test_model_thread_does_not_inherit_the_audio_threads_priority(up):
    """The model's thread starts at the first image, inside process(), in the audio thread."""
    out = {}

    def audio_thread():
        out["said"] = audio_thread_priority()
        with up.stream(RATE, seed=0, realtime=True) as stream:
            stream.process(music_like(2 * FIRST_UPDATE_HOPS * STFT_HOP, RATE))
            workers = list(stream.schedule.executor._threads)
            assert workers, "no image was asked for"
            out["tid"] = workers[0].native_id
            stream.schedule.running.result()  # the job ran in that thread
            out["policy"] = os.sched_getscheduler(out["tid"])
            out["nice"] = os.getpriority(os.PRIO_PROCESS, out["tid"])

    thread = threading.Thread(target=audio_thread)
    thread.start()
    thread.join()
    if not out["said"].startswith("real-time"):
        pytest.skip(f"no real-time scheduling here: {out['said']}")
    assert out["policy"] == os.SCHED_OTHER
    assert out["nice"] == MODEL_THREAD_NICENESS
