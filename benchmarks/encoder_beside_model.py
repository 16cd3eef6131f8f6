"""What an encoder beside the model costs the model, at three scheduling priorities of the encoder's
thread and through ``m2s upmix``'s own writer. Prints a table.

    PYTHONPATH=. python benchmarks/encoder_beside_model.py                  # 300 s, 3 rounds
    PYTHONPATH=. python benchmarks/encoder_beside_model.py --data data/unseen

Each round upmixes the same mono (the model on all cores, as ``m2s upmix`` runs it, with its
``GOMP_SPINCOUNT``) alone, then with a thread beside it that encodes the same length of stereo as AAC
256k (the video's default track): the thread at normal priority, at nice 19 and under ``SCHED_IDLE``
(it runs only when a core would otherwise be idle). Then the same stereo goes through ``m2s upmix``'s
writer thread into an .m4a, at normal priority and in the idle class (its default on Linux); what is
left when the model ends is written at ``close``, as in an upmix. The table gives the model's wall
time, when the encoder finished, when both were done, the time that adds to the model alone, and that
as a share of the encoder's own CPU time (encoding alone, measured first). Linux only (per-thread
priorities).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from m2s_gen.cli import UPMIX_SPIN_COUNT  # noqa: E402  (imports no torch)

os.environ.setdefault("GOMP_SPINCOUNT", UPMIX_SPIN_COUNT)  # read when torch is first imported

import numpy as np  # noqa: E402

from benchmarks._common import add_model_arguments, load_model  # noqa: E402
from benchmarks.aac_settings import encode_seconds  # noqa: E402
from benchmarks.video_audio_codecs import RATE, real_music, synthetic_music  # noqa: E402

PRIORITIES = ("normal", "nice 19", "SCHED_IDLE")
#: rows through the product's writer thread -> its ``idle_priority``
WRITERS = {"m2s writer, normal priority": False, "m2s writer, idle class (the default)": True}


def _set_priority(priority: str) -> None:
    """Lower the calling thread's priority (Linux: a thread id is a scheduling entity of its own)."""
    thread = threading.get_native_id()
    if priority == "nice 19":
        os.setpriority(os.PRIO_PROCESS, thread, 19)
    elif priority == "SCHED_IDLE":
        os.sched_setscheduler(thread, os.SCHED_IDLE, os.sched_param(0))


def run(up, mono: np.ndarray, stereo: np.ndarray, priority: str | None, path: Path) -> tuple[float, float]:
    """(model wall seconds, seconds until the encoder finished; 0 without one)."""
    finished = {}

    def encode():
        _set_priority(priority)
        encode_seconds(stereo, 256, {}, path)
        finished["at"] = time.perf_counter()

    start = time.perf_counter()
    thread = threading.Thread(target=encode) if priority else None
    if thread:
        thread.start()
    up(mono, sample_rate=RATE, seed=0)
    model = time.perf_counter() - start
    if thread:
        thread.join()
    return model, finished.get("at", start) - start


def run_writer(up, mono: np.ndarray, stereo: np.ndarray, idle: bool, path: Path) -> tuple[float, float]:
    """The same through ``m2s upmix``'s own writer (:class:`~m2s_gen.media.writer_thread.WriterThread` into an
    .m4a): the stereo is handed over, the model runs, and what is left is written at ``close``.
    -> (model wall seconds, seconds until the file was complete)."""
    from m2s_gen.media.encode import AudioWriter
    from m2s_gen.media.writer_thread import WriterThread

    start = time.perf_counter()
    with AudioWriter(path, ".m4a", RATE, 2) as out:
        writer = WriterThread(out.write, idle_priority=idle)
        writer.write(stereo)
        up(mono, sample_rate=RATE, seed=0)
        model = time.perf_counter() - start
        writer.close()
    return model, time.perf_counter() - start


def main(argv=None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="audio length (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", type=Path, help="a prepared data folder (its audio48k/): real stereo music")
    add_model_arguments(parser)
    args = parser.parse_args(argv)
    stereo = (real_music(args.data / "audio48k", args.seconds) if args.data else synthetic_music(args.seconds))
    mono = np.ascontiguousarray(stereo.mean(axis=0))
    up, name = load_model(args)
    up(mono[:RATE * 5], sample_rate=RATE, seed=0)  # warm-up
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "beside.mkv"
        encoder_cpu = statistics.median(encode_seconds(stereo, 256, {}, path) for _ in range(2))
        times = {priority: [] for priority in (None, *PRIORITIES, *WRITERS)}
        for _ in range(args.rounds):
            for priority in times:
                if priority in WRITERS:
                    times[priority].append(run_writer(up, mono, stereo, WRITERS[priority], Path(folder) / "w.m4a"))
                else:
                    times[priority].append(run(up, mono, stereo, priority, path))
    alone = statistics.median(model for model, _ in times[None])
    print(f"{name}; {args.seconds:.0f} s of {'real' if args.data else 'synthetic'} music at 48 kHz; "
          f"torch threads {torch.get_num_threads()}, GOMP_SPINCOUNT {os.environ['GOMP_SPINCOUNT']}; "
          f"AAC 256k alone: {encoder_cpu:.2f} s of CPU; medians of {args.rounds} rounds")
    print("| encoder thread | model wall time (s) | encoder finished at (s) | both done (s) "
          "| added to the model alone (s) | added / encoder CPU time |")
    print("|---|---|---|---|---|---|")
    for priority, pairs in times.items():
        model = statistics.median(m for m, _ in pairs)
        done = statistics.median(d for _, d in pairs)
        both = statistics.median(max(m, d) for m, d in pairs)
        label = priority or "none (model alone)"
        share = f"{(both - alone) / encoder_cpu:.0%}" if priority else ""
        print(f"| {label} | {model:.2f} | {done:.2f} | {both:.2f} | {both - alone:+.2f} | {share} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
