"""The live stream at real-time pace: late blocks, the audio thread's block times, CPU load.

    python -m benchmarks.stream_realtime --data data/prepared --seconds 600 --busy
    python -m benchmarks.stream_realtime --tiny --seconds 3 --no-pace    # smoke run (tests)

Mono music (the tracks under ``--data`` one after another, folded to mono, or generated music) is
fed to ``Upmixer.stream(48000)`` in blocks of ``--block-ms``, each block handed over at the moment
a sound card would (block ``i`` at ``i * block``), from one thread, as an audio callback would be
called. A block is *late* when its ``process()`` returns after the next block is due. The model
runs in the stream's own background thread (``realtime=True``). ``--busy`` keeps one core busy with
a spinning process for the whole run (the target's "one core busy with something else"). The
feeding thread asks for real-time priority first, as ``m2s live`` does in its audio callback and as
audio servers run their audio threads (``--normal-priority``: not).

Reported: late blocks, the audio thread's per-block time (median, 99th percentile, max) against
the block duration, the images that came late, the model thread's time per image, and the CPU
load of the whole stream (process CPU seconds / audio seconds, model thread included; the busy
process is another process and not counted), with the machine's load average before and after.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import add_model_arguments, cpu_model, load_model, music_like  # noqa: E402

RATE = 48_000
SWITCH_INTERVAL_S = 0.001


def _spin(stop) -> None:
    while not stop.is_set():
        pass


def source_audio(data: str | None, seconds: float) -> tuple[np.ndarray, str]:
    """Mono ``[T]`` at 48 kHz: the tracks of ``data`` in order (folded), or generated music."""
    if data is None:
        return music_like(seconds, RATE), "generated music (benchmarks._common.music_like)"
    from evaluation.clips import find_tracks

    need = int(seconds * RATE)
    parts, have, names = [], 0, 0
    for track in find_tracks(data):
        if track.sample_rate != RATE:
            continue
        take = min(track.num_samples, need - have)
        parts.append(track.read(0, take).mean(axis=0).astype(np.float32))
        have += take
        names += 1
        if have >= need:
            break
    if have < need:
        raise SystemExit(f"--data {data}: only {have / RATE:.0f} s of 48 kHz audio, {seconds:.0f} s asked")
    return np.concatenate(parts), f"{names} tracks of {data}, folded to mono, one after another"


def run(up, audio: np.ndarray, block: int, pace: bool, priority: bool = True) -> dict:
    """Feed ``audio`` through a stream in blocks; the timings (see the module text)."""
    from m2s_gen.live.realtime import audio_thread_priority

    scheduling = audio_thread_priority() if priority else "normal (--normal-priority)"
    stream = up.stream(RATE, seed=0, realtime=True)
    block_s = block / RATE
    times = []
    late = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i, start in enumerate(range(0, len(audio), block)):
        due = wall0 + i * block_s
        if pace:
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        t0 = time.perf_counter()
        stream.process(audio[start:start + block])
        t1 = time.perf_counter()
        times.append(t1 - t0)
        if pace and t1 > due + block_s:
            late += 1
    stream.flush()
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    jobs = np.asarray(stream.schedule.job_seconds)
    times_ms = 1000 * np.asarray(times)
    return {"blocks": len(times), "late_blocks": late if pace else None, "block_ms": 1000 * block_s,
            "block_time_median_ms": float(np.median(times_ms)), "block_time_p99_ms": float(np.percentile(times_ms, 99)),
            "block_time_max_ms": float(times_ms.max()), "late_images": stream.late_images, "skipped_images": stream.skipped_images,
            "images": int(len(jobs)), "image_time_mean_s": float(jobs.mean()) if len(jobs) else None,
            "image_time_p99_s": float(np.percentile(jobs, 99)) if len(jobs) else None,
            "cpu_rtf": cpu / (len(audio) / RATE), "wall_s": wall, "latency_ms": 1000 * stream.latency_samples / RATE,
            "audio_thread": scheduling}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stream_realtime", description=__doc__.split("\n\n")[0])
    add_model_arguments(parser)
    parser.add_argument("--data", help="a prepared dataset dir or a folder of stereo audio (default: generated music)")
    parser.add_argument("--seconds", type=float, default=600.0, help="audio length, s (default: %(default)s)")
    parser.add_argument("--block-ms", type=float, default=10.0, help="block size, ms (default: %(default)s)")
    parser.add_argument("--busy", action="store_true", help="keep one core busy with a spinning process")
    parser.add_argument("--no-pace", action="store_true", help="feed as fast as possible (no real-time pacing)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: %(default)s)")
    parser.add_argument("--normal-priority", action="store_true",
                        help="leave the feeding thread on the normal scheduler (default: ask for real-time "
                             "priority, as m2s live does for its audio thread)")
    parser.add_argument("--out", help="also write the result as JSON here")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as m2s live: the audio thread gets the interpreter back within 1 ms
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        up, model_name = load_model(args)
    audio, source = source_audio(args.data, args.seconds)
    audio = audio[: int(args.seconds * RATE)]
    block = max(1, int(round(args.block_ms * RATE / 1000)))
    load_before = os.getloadavg()
    stop = multiprocessing.Event()
    spinner = multiprocessing.Process(target=_spin, args=(stop,), daemon=True) if args.busy else None
    if spinner is not None:
        spinner.start()
    try:
        result = run(up, audio, block, pace=not args.no_pace, priority=not args.normal_priority)
    finally:
        if spinner is not None:
            stop.set()
            spinner.join()
    load_after = os.getloadavg()
    result.update(model=model_name, source=source, audio_s=len(audio) / RATE, busy_core=bool(args.busy),
                  paced=not args.no_pace, torch_threads=args.threads, cpu_model=cpu_model(), cpu_count=os.cpu_count(),
                  load_before=list(load_before), load_after=list(load_after),
                  date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    half = result["block_ms"] / 2
    print(f"model: {model_name}\naudio: {result['audio_s']:.0f} s, {source}\n"
          f"machine: {result['cpu_model']}, {result['cpu_count']} cores, busy core: {result['busy_core']}, "
          f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}\n"
          f"audio thread: {result['audio_thread']}\n")
    print("| measure | value |\n|---|---:|")
    rows = [("algorithmic latency (ms)", f"{result['latency_ms']:.2f}"),
            ("blocks", result["blocks"]),
            ("late blocks", "not paced" if result["late_blocks"] is None else result["late_blocks"]),
            ("block time median (ms)", f"{result['block_time_median_ms']:.3f}"),
            (f"block time p99 (ms; target < {half:g})", f"{result['block_time_p99_ms']:.3f}"),
            ("block time max (ms)", f"{result['block_time_max_ms']:.2f}"),
            ("images made / late / skipped (model busy)", f"{result['images']} / {result['late_images']} / {result['skipped_images']}"),
            ("model time per image, mean / p99 (s)", f"{result['image_time_mean_s'] or 0:.3f} / {result['image_time_p99_s'] or 0:.3f}"),
            ("CPU load of the stream (RTF, model thread included)", f"{result['cpu_rtf']:.3f}")]
    for name, value in rows:
        print(f"| {name} | {value} |")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
