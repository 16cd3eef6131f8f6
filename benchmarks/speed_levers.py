"""A/B timings of speed levers of the upmixer, each pair interleaved in one process.

    python -m benchmarks.speed_levers --untrained --seconds 30
    python -m benchmarks.speed_levers --tiny --seconds 2 --repeats 1   # smoke run

Levers (A = as shipped, B = the change; gain = time A / time B; > 1 means B is faster):

- ``steps``: 12 -> 4 sampler steps (the "fast" preset), whole ``up(...)`` call;
- ``guidance``: with a prompt, classifier-free guidance on (default scale) -> off (``guidance_scale=1``),
  whole call (the prompt still conditions the model, on one batch instead of two);
- ``batch_segments``: the config's batch -> 1 segment per batch (no padding of a short last segment
  up to the batch's length), whole call;
- ``threads``: torch.set_num_threads(1) -> (2), whole call;
- ``dual_mono_fold``: the codec's first convolution sees ``[M, M]``; summing its weights over the two
  input channels gives the same latents from ``M`` alone. Encode step (``features.mono_conditioning``)
  only. Not a change the pipeline has yet: this measures what it would gain.

These are not pipeline settings to ship blindly: ``steps`` and ``guidance`` change the output. With
several threads the process-CPU time counts every thread (spin-waits included): for ``threads`` read
the wall-clock gain.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch

from m2s_gen import features, spatial
from m2s_gen.resample import resample
from m2s_gen.segments import plan_segments

from ._common import add_model_arguments, load_model, machine_info, music_like


class _FirstChannel(torch.nn.Module):
    """``encoder(x[:, :1])``: the folded encoder fed with one of the two identical channels."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, x):
        return self.encoder(x[:, :1])


class DualMonoFold:
    """Switches a SEANet encoder between as-is and "first conv takes one channel, its weights summed
    over the two input channels", so that ``folded(M) == encoder([M, M])`` up to rounding."""

    def __init__(self, codec):
        self.codec = codec
        self.encoder = codec.encoder
        self.conv = self.encoder.model[0].conv.conv
        conv = self.conv
        if hasattr(conv, "weight_v"):  # torch.nn.utils.weight_norm: the effective weight
            weight = torch._weight_norm(conv.weight_v, conv.weight_g, 0)
        else:
            weight = conv.weight
        self.new = torch.nn.Conv1d(1, conv.out_channels, conv.kernel_size, conv.stride, 0, conv.dilation,
                                   bias=conv.bias is not None).eval()
        with torch.no_grad():
            self.new.weight.copy_(weight.sum(1, keepdim=True))
            if conv.bias is not None:
                self.new.bias.copy_(conv.bias)
        self.wrapper = _FirstChannel(self.encoder)

    def on(self):
        self.encoder.model[0].conv.conv = self.new
        self.codec.encoder = self.wrapper

    def off(self):
        self.encoder.model[0].conv.conv = self.conv
        self.codec.encoder = self.encoder


def _time(fn) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def ab(fn_a, fn_b, repeats: int, setup_a=None, setup_b=None) -> dict:
    """Median wall and process-CPU seconds of A and B, interleaved (A B A B ...), after one warm-up
    of each."""
    times = {"a": [], "b": [], "a_cpu": [], "b_cpu": []}
    for r in range(repeats + 1):
        for key, fn, setup in (("a", fn_a, setup_a), ("b", fn_b, setup_b)):
            if setup:
                setup()
            wall, cpu = _time(fn)
            if r:
                times[key].append(wall)
                times[key + "_cpu"].append(cpu)
    return {key: statistics.median(values) for key, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed_levers", description=__doc__.split("\n")[0])
    add_model_arguments(parser)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--sample-rate", type=int, default=44_100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, help="torch.set_num_threads for every lever but 'threads'")
    parser.add_argument("--levers", default="steps,guidance,batch_segments,threads,dual_mono_fold")
    parser.add_argument("--out", type=Path, metavar="FILE.json")
    args = parser.parse_args(argv)
    up, model_name = load_model(args)
    sr = args.sample_rate
    mono = torch.from_numpy(music_like(args.seconds, sr))
    audio_s = mono.shape[-1] / sr
    threads_before = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    threads0 = torch.get_num_threads()

    def call(**options):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                up(mono, sr, seed=0, **options)
        return run

    batch0 = up.config.batch_segments

    def set_batch(n):
        return lambda: setattr(up.config, "batch_segments", n)

    # the encode step alone, on the pipeline's segment batches
    mid = resample(mono, sr, spatial.MODEL_SAMPLE_RATE)
    windows = plan_segments(mid.shape[-1], up.config.segment_frames * spatial.PARAM_HOP,
                            up.config.overlap_frames * spatial.PARAM_HOP)
    batches = []
    for first in range(0, len(windows), batch0):
        group = windows[first:first + batch0]
        length = max(spatial.STFT_WINDOW, max(e - s for s, e in group))
        batches.append(torch.stack([torch.nn.functional.pad(mid[s:e], (0, length - (e - s))) for s, e in group]))

    def encode_all():
        with torch.inference_mode():
            return [features.mono_conditioning(up.codec, b, up.config.latent_scale) for b in batches]

    steps = up.config.default_num_steps
    levers = {
        "steps": (f"{steps} -> 4 sampler steps (whole call)", call(), call(num_steps=4), None, None),
        "guidance": ("prompt 'wide': guidance on -> off (whole call)", call(prompt="wide"),
                     call(prompt="wide", guidance_scale=1.0), None, None),
        "batch_segments": (f"batch_segments {batch0} -> 1 (whole call)", call(), call(),
                           set_batch(batch0), set_batch(1)),
        "threads": ("torch threads 1 -> 2 (whole call)", call(), call(),
                    lambda: torch.set_num_threads(1), lambda: torch.set_num_threads(2)),
        "dual_mono_fold": ("codec first conv: [M, M] -> M with summed weights (encode step only)",
                           encode_all, encode_all,
                           lambda: fold.off(), lambda: fold.on()),
    }
    chosen = [lv.strip() for lv in args.levers.split(",") if lv.strip()]
    fold = DualMonoFold(up.codec) if "dual_mono_fold" in chosen else None
    rows = {}
    try:
        if fold is not None:  # the fold is exact up to rounding
            a = encode_all()
            fold.on()
            b = encode_all()
            fold.off()
            fold_diff = max(float((x - y).abs().max()) for x, y in zip(a, b))
        for name in chosen:
            label, fa, fb, sa, sb = levers[name]
            t = ab(fa, fb, args.repeats, sa, sb)
            rows[name] = {"label": label, "a_s": t["a"], "b_s": t["b"], "a_cpu_s": t["a_cpu"], "b_cpu_s": t["b_cpu"],
                          "a_rtf": t["a"] / audio_s, "b_rtf": t["b"] / audio_s,
                          "a_cpu_rtf": t["a_cpu"] / audio_s, "b_cpu_rtf": t["b_cpu"] / audio_s,
                          "gain": t["a"] / t["b"], "cpu_gain": t["a_cpu"] / t["b_cpu"]}
            if name == "dual_mono_fold":
                rows[name]["max_abs_latent_diff"] = fold_diff
            torch.set_num_threads(threads0)
    finally:
        if fold is not None:
            fold.off()
        up.config.batch_segments = batch0
        torch.set_num_threads(threads_before)
    lines = [f"Model: {model_name}", f"Audio: generated music, {audio_s:.0f} s at {sr} Hz; torch threads "
             f"{threads0} unless the lever sets them; median of {args.repeats}, A and B interleaved", "",
             "| lever | A RTF wall / CPU | B RTF wall / CPU | gain wall | gain CPU |", "|---|---:|---:|---:|---:|"]
    for name, r in rows.items():
        lines.append(f"| {name}: {r['label']} | {r['a_rtf']:.4f} / {r['a_cpu_rtf']:.4f} | "
                     f"{r['b_rtf']:.4f} / {r['b_cpu_rtf']:.4f} | {r['gain']:.2f}x | {r['cpu_gain']:.2f}x |")
    if "dual_mono_fold" in rows:
        lines.append(f"\n(dual_mono_fold: max |latent difference| {rows['dual_mono_fold']['max_abs_latent_diff']:.1e})")
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"model": model_name, "machine": machine_info(), "seconds": audio_s,
                                        "repeats": args.repeats, "levers": rows, "markdown": table}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
