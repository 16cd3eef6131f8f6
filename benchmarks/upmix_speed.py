"""Real-time factor of the upmixer, stage by stage, next to the DSP baselines and the bare codec.

    python -m benchmarks.upmix_speed                       # the bundled model, 60 s of test music
    python -m benchmarks.upmix_speed --untrained --out bench.json
    python -m benchmarks.upmix_speed --tiny --seconds 2    # smoke run (tests/test_benchmarks.py)

RTF = processing seconds / audio seconds (lower is faster; 0.25 = four times real time). Model
loading is excluded; every figure is the median of ``--repeats`` runs after one warm-up run.

The stages are timed by calling the pipeline's own functions in the order ``Upmixer.__call__`` calls
them (``_staged_upmix`` below mirrors it: keep the two in step). Each staged run's output is checked
against ``up(...)`` with the same seed, and the stage sum is compared to the measured ``up(...)``
total. On a GPU (``--device cuda``) the script also sweeps fp32/fp16/bf16 autocast and
``config.batch_segments``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from m2s_gen import features, spatial
from m2s_gen.peak import limit_side
from m2s_gen.resample import resample
from m2s_gen.segments import overlap_add, plan_segments

from ._common import add_model_arguments, load_model, machine_info, music_like, parameter_counts

STAGES = ("resample in", "encode (codec)", "sampler (all steps)", "render", "resample out + limiter")
TOTAL_ROW = "total (up() call)"
SUM_ROW = "stage sum"
FAST = dict(num_steps=4, guidance_scale=1.0)
PROMPT = "wide"  # any prompt turns classifier-free guidance on (the denoiser runs on a doubled batch)
GPU_BATCHES = (1, 4, 16)


# -- timing ----------------------------------------------------------------------------------------
class StageTimer:
    """Accumulates wall time per stage name; synchronises CUDA around each stage."""

    def __init__(self, device: torch.device):
        self.sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu_seconds: dict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def __call__(self, name: str):
        self.sync()
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.sync()
            self.seconds[name] += time.perf_counter() - start
            self.cpu_seconds[name] += time.process_time() - cpu


@torch.inference_mode()
def _staged_upmix(up, mono: torch.Tensor, sample_rate: int, timer: StageTimer, *, prompt=None,
                  num_steps=None, guidance_scale=None, seed: int = 0) -> torch.Tensor:
    """``up(mono, sample_rate, prompt=, num_steps=, guidance_scale=, seed=)`` (one take, no width or
    bass option), with each stage timed. Mirrors ``Upmixer.__call__`` and ``_side_at_model_rate``."""
    with timer("resample in"):
        mono = up._as_mono(mono)
        up.check_inputs(mono, sample_rate, None, num_steps, guidance_scale, None, 1)
        num_steps = num_steps or up.config.default_num_steps
        guidance_scale = up.config.default_guidance_scale if guidance_scale is None else guidance_scale
        temperature = up.config.default_temperature
        num_draws = up.config.default_num_draws
        calibrate, anchor = up.config.default_calibrate, up.config.band_level_anchor
        spread = up.config.default_level_spread
        attrs, mask = up._attribute_condition(prompt, None)
        targets = up._attribute_targets(prompt, None)
        weights, course = up.config.time_course_weights, up._time_course_scale(targets, None)
        retime = (weights, course) if course > 0 and weights is not None else None
        mid = resample(mono, int(sample_rate), spatial.MODEL_SAMPLE_RATE)
    # _side_at_model_rate
    seg_len = up.config.segment_frames * spatial.PARAM_HOP
    overlap = up.config.overlap_frames * spatial.PARAM_HOP
    windows = plan_segments(mid.shape[-1], seg_len, overlap)
    generator = torch.Generator().manual_seed(seed)
    level_offset = up._level_offset(seed, spread, mid)
    sides = []
    batch = up.config.batch_segments
    groups = [windows[first:first + batch] for first in range(0, len(windows), batch)]
    encoded = []
    with timer("encode (codec)"):  # all segments first: a context-trained model summarises the input
        for group in groups:
            length = max(spatial.STFT_WINDOW, max(end - start for start, end in group))
            segs = torch.stack([torch.nn.functional.pad(mid[s:e], (0, length - (e - s))) for s, e in group])
            cond = features.mono_conditioning(up.codec, segs.to(up.device), up.config.latent_scale)
            encoded.append((segs, cond if up.config.use_codec_latents else features.without_latents(cond)))
        context = None
        if up.uses_track_context():
            context = up._track_context([cond for _, cond in encoded], groups)
    for group, (segs, cond) in zip(groups, encoded):
        with timer("sampler (all steps)"):
            draws = up._sample(cond.repeat_interleave(num_draws, 0), attrs, mask, num_steps, guidance_scale,
                               generator, temperature, context)
        with timer("render"):
            params = up._images(draws, cond, targets, calibrate=calibrate, anchor=anchor, level_offset=level_offset)
            for (s, e), seg, p in zip(group, segs, params):
                sides.append(spatial.render_side(seg, p, seed=seed, time_course=retime,
                                                 hold=up.config.hold_band_widths)[: e - s])
    with timer("render"):
        side = overlap_add(sides, windows, mid.shape[-1])
    with timer("resample out + limiter"):
        side = resample(side, spatial.MODEL_SAMPLE_RATE, int(sample_rate))
        side = torch.nn.functional.pad(side, (0, max(0, mono.shape[-1] - side.shape[-1])))[: mono.shape[-1]]
        if "width_db" in targets:  # a prompt word's width, met at the output as in Upmixer.__call__
            side = side * up._width_gain(mono, side, targets["width_db"])
        side = limit_side(mono, side)
        stereo = torch.stack([mono + side, mono - side])
    return stereo


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_call(fn, repeats: int, device: torch.device, warmup: int = 1) -> tuple[list[float], list[float]]:
    """(wall seconds, process CPU seconds) of ``repeats`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times, cpu_times = [], []
    for _ in range(repeats):
        _sync(device)
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)
    return times, cpu_times


def bench_preset(up, mono: torch.Tensor, sample_rate: int, options: dict, repeats: int, autocast=None) -> dict:
    """Median stage times and the ``up(...)`` total for one set of call options."""
    device = up.device
    ctx = autocast or contextlib.nullcontext
    audio_s = mono.shape[-1] / sample_rate

    def full():
        with ctx(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return up(mono, sample_rate, seed=0, **options)

    reference = full()  # the warm-up run
    stage_runs, cpu_runs, totals, cpu_totals, max_diff = [], [], [], [], 0.0
    for _ in range(repeats):  # interleaved, so load changes hit both alike
        timer = StageTimer(device)
        with ctx():
            staged = _staged_upmix(up, mono, sample_rate, timer, seed=0, **options)
        max_diff = max(max_diff, float((staged.float() - reference.float()).abs().max()))
        stage_runs.append(dict(timer.seconds))
        cpu_runs.append(dict(timer.cpu_seconds))
        wall, cpu = time_call(full, 1, device, warmup=0)
        totals += wall
        cpu_totals += cpu

    def summary(runs, total_runs):
        stages = {name: _median([run.get(name, 0.0) for run in runs]) for name in STAGES}
        return {**stages, SUM_ROW: _median([sum(run.values()) for run in runs]), TOTAL_ROW: _median(total_runs)}

    seconds, cpu_seconds = summary(stage_runs, totals), summary(cpu_runs, cpu_totals)
    return {
        "options": {k: v for k, v in options.items()},
        "audio_seconds": audio_s,
        "seconds": seconds,
        "rtf": {name: s / audio_s for name, s in seconds.items()},
        "cpu_seconds": cpu_seconds,
        "cpu_rtf": {name: s / audio_s for name, s in cpu_seconds.items()},
        "stage_sum_over_total": seconds[SUM_ROW] / seconds[TOTAL_ROW] if seconds[TOTAL_ROW] > 0 else float("nan"),
        "staged_output_max_abs_diff": max_diff,
        "total_runs_s": totals,
        "total_runs_cpu_s": cpu_totals,
    }


def bench_baselines(mono: np.ndarray, sample_rate: int, repeats: int) -> dict:
    from m2s_gen.baselines import BASELINES, BaselineUnavailable

    results = {}
    for name, fn in BASELINES.items():
        try:
            times, cpu = time_call(lambda fn=fn: fn(mono, sample_rate, 0), repeats, torch.device("cpu"))
        except (BaselineUnavailable, FileNotFoundError, OSError) as err:
            results[name] = {"skipped": f"{type(err).__name__}: {err}"}
            continue
        s, c = _median(times), _median(cpu)
        audio_s = mono.shape[-1] / sample_rate
        results[name] = {"seconds": s, "rtf": s / audio_s, "cpu_seconds": c, "cpu_rtf": c / audio_s}
    return results


@torch.inference_mode()
def bench_codec(up, mono: torch.Tensor, sample_rate: int, repeats: int, autocast=None) -> dict:
    """The codec alone on the pipeline's segments (dual mono, batches of ``batch_segments``):
    encode only (what the pipeline runs) and encode + decode (a codec round trip)."""
    device = up.device
    ctx = autocast or contextlib.nullcontext
    mid = resample(up._as_mono(mono), sample_rate, spatial.MODEL_SAMPLE_RATE)
    seg_len = up.config.segment_frames * spatial.PARAM_HOP
    windows = plan_segments(mid.shape[-1], seg_len, up.config.overlap_frames * spatial.PARAM_HOP)
    batches = []
    for first in range(0, len(windows), up.config.batch_segments):
        group = windows[first:first + up.config.batch_segments]
        length = max(end - start for start, end in group)
        segs = torch.stack([torch.nn.functional.pad(mid[s:e], (0, length - (e - s))) for s, e in group])
        batches.append(torch.stack([segs, segs], dim=1).to(device))

    def encode():
        with ctx():
            return [up.codec.encode(b) for b in batches]

    def roundtrip():
        with ctx():
            return [up.codec.decode(up.codec.encode(b), b.shape[-1]) for b in batches]

    if not hasattr(up.codec, "decode"):
        return {"encode": None, "encode+decode": None}
    audio_s = mono.shape[-1] / sample_rate
    out = {}
    for name, fn in (("encode", encode), ("encode+decode", roundtrip)):
        times, cpu = time_call(fn, repeats, device)
        s, c = _median(times), _median(cpu)
        out[name] = {"seconds": s, "rtf": s / audio_s, "cpu_seconds": c, "cpu_rtf": c / audio_s}
    return out


def gpu_sweep(up, mono: torch.Tensor, sample_rate: int, repeats: int, presets: dict) -> list[dict]:
    """fp32 / fp16 / bf16 autocast x ``batch_segments``, the ``up(...)`` total per preset."""
    device = up.device
    rows = []
    saved = up.config.batch_segments
    precisions = {"fp32": None, "fp16": torch.float16, "bf16": torch.bfloat16}
    try:
        for precision, dtype in precisions.items():
            if dtype is torch.bfloat16 and device.type == "cuda" and not torch.cuda.is_bf16_supported():
                rows.append({"precision": precision, "skipped": "bf16 not supported on this GPU"})
                continue
            ctx = contextlib.nullcontext if dtype is None else \
                (lambda dtype=dtype: torch.autocast(device_type=device.type, dtype=dtype))
            for batch in GPU_BATCHES:
                up.config.batch_segments = batch
                for preset, options in presets.items():
                    if device.type == "cuda":
                        torch.cuda.reset_peak_memory_stats()
                    try:
                        res = bench_preset(up, mono, sample_rate, options, repeats, autocast=ctx)
                    except RuntimeError as err:  # an op without a kernel in this precision
                        rows.append({"precision": precision, "batch_segments": batch, "preset": preset,
                                     "error": str(err).splitlines()[0][:200]})
                        continue
                    row = {"precision": precision, "batch_segments": batch, "preset": preset,
                           "rtf": res["rtf"], "x_realtime": 1 / res["rtf"][TOTAL_ROW],
                           "staged_output_max_abs_diff_vs_autocast_up": res["staged_output_max_abs_diff"]}
                    if device.type == "cuda":
                        row["peak_gpu_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20
                    rows.append(row)
    finally:
        up.config.batch_segments = saved
    return rows


# -- report ----------------------------------------------------------------------------------------
def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if value < 0.1 else f"{value:.3f}"


def _pair(value: dict) -> str:
    return f"{_fmt(value['rtf'])} / {_fmt(value['cpu_rtf'])}"


def markdown(result: dict) -> str:
    machine = result["machine"]
    load = machine.get("load_average_1_5_15")
    lines = [f"Model: {result['model']}",
             f"Audio: {result['audio']['description']} ({result['audio']['seconds']:.1f} s at "
             f"{result['audio']['sample_rate']} Hz); device {result['device']}; torch threads "
             f"{machine['torch_threads']}; CPU {machine['cpu_model']} ({machine['cpus_usable']} usable cores)"
             + (f"; load average at start {load[0]:.2f}" if load else ""), "",
             f"Cells: wall-clock RTF / process-CPU RTF (seconds per audio second, median of {result['repeats']} "
             "after a warm-up; lower is faster). On a shared CPU with 1 thread, the CPU figure is the better "
             "estimate of an idle machine's wall time.", ""]
    presets = result["presets"]
    names = list(presets)
    lines.append("| stage | " + " | ".join(f"{n} ({presets[n]['label']})" for n in names) + " |")
    lines.append("|---|" + "---:|" * len(names))
    for row in (*STAGES, SUM_ROW, TOTAL_ROW):
        lines.append(f"| {row} | " + " | ".join(
            f"{_fmt(presets[n]['rtf'][row])} / {_fmt(presets[n]['cpu_rtf'][row])}" for n in names) + " |")
    lines.append("| x real time (total, wall) | " + " | ".join(
        f"{1 / presets[n]['rtf'][TOTAL_ROW]:.1f}x" for n in names) + " |")
    lines.append("| stage sum / total (wall) | " + " | ".join(
        f"{presets[n]['stage_sum_over_total']:.2f}" for n in names) + " |")
    lines.append("| staged == up() (max abs diff) | " + " | ".join(
        f"{presets[n]['staged_output_max_abs_diff']:.1e}" for n in names) + " |")
    if result.get("codec"):
        lines += ["", "| codec alone (the floor) | wall RTF / CPU RTF |", "|---|---:|"]
        for name, value in result["codec"].items():
            lines.append(f"| {name} | {_pair(value) if value else 'n/a'} |")
        lines.append("| (the pipeline runs encode only) | |")
    if result.get("baselines"):
        lines += ["", "| DSP baseline | wall RTF / CPU RTF |", "|---|---:|"]
        for name, value in result["baselines"].items():
            cell = _pair(value) if "rtf" in value else "skipped: " + value["skipped"]
            if name == "ffmpeg_haas" and "rtf" in value:
                cell += " (CPU: without the ffmpeg child)"
            lines.append(f"| {name} | {cell} |")
    if result.get("gpu_sweep"):
        lines += ["", "| precision | batch_segments | preset | total RTF | x real time | peak GPU MB |",
                  "|---|---:|---|---:|---:|---:|"]
        for row in result["gpu_sweep"]:
            if "rtf" not in row:
                lines.append(f"| {row['precision']} | {row.get('batch_segments', '-')} | {row.get('preset', '-')} "
                             f"| {row.get('error') or row.get('skipped')} | | |")
                continue
            mem = row.get("peak_gpu_memory_mb")
            lines.append(f"| {row['precision']} | {row['batch_segments']} | {row['preset']} | "
                         f"{_fmt(row['rtf'][TOTAL_ROW])} | {row['x_realtime']:.0f}x | "
                         f"{'-' if mem is None else f'{mem:.0f}'} |")
    return "\n".join(lines)


# -- main --------------------------------------------------------------------------------------------
def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.upmix_speed", description=__doc__.split("\n")[0])
    add_model_arguments(parser)
    parser.add_argument("--audio", type=Path, metavar="FILE", help="audio file to upmix (default: generated music)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the test audio (default: %(default)s)")
    parser.add_argument("--sample-rate", type=int, default=44_100, help="rate of the generated audio (default: %(default)s)")
    parser.add_argument("--steps", type=int, help="sampler steps of the default preset (default: the model's)")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's choice)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per figure (default: %(default)s)")
    parser.add_argument("--presets", default="default,prompt,fast",
                        help="comma list of default, prompt (guided: a prompt turns CFG on), fast (default: %(default)s)")
    parser.add_argument("--batch-segments", type=int, help="override config.batch_segments")
    parser.add_argument("--no-baselines", action="store_true", help="skip the DSP baselines")
    parser.add_argument("--no-codec", action="store_true", help="skip the codec-alone figures")
    parser.add_argument("--sweep", action="store_true",
                        help="the precision x batch sweep even off a GPU (it always runs on --device cuda)")
    parser.add_argument("--out", type=Path, metavar="FILE.json", help="write the results as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = get_parser().parse_args(argv)
    threads = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        return _main(args)
    finally:
        torch.set_num_threads(threads)  # main() is also called in-process (tests)


def _main(args: argparse.Namespace) -> int:
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda asked for but no CUDA device is available")
    up, model_name = load_model(args)
    if args.batch_segments:
        up.config.batch_segments = args.batch_segments
    if args.audio:
        from m2s_gen.audio_io import read_audio

        audio, sample_rate = read_audio(args.audio)
        mono_np = np.ascontiguousarray(audio.mean(0), dtype=np.float32)
        if args.seconds:
            mono_np = mono_np[: int(args.seconds * sample_rate)]
        description = str(args.audio)
    else:
        sample_rate = args.sample_rate
        mono_np = music_like(args.seconds, sample_rate)
        description = "generated test music (chords, bass, drums)"
    mono = torch.from_numpy(mono_np)
    audio_s = mono_np.shape[-1] / sample_rate

    default = {"num_steps": args.steps} if args.steps else {}
    all_presets = {
        "default": (default, f"{args.steps or up.config.default_num_steps} steps, no prompt: no guidance"),
        "prompt": ({**default, "prompt": PROMPT},
                   f"{args.steps or up.config.default_num_steps} steps, prompt '{PROMPT}', "
                   f"guidance {up.config.default_guidance_scale}"),
        "fast": (dict(FAST), f"{FAST['num_steps']} steps, guidance off"),
    }
    chosen = [p.strip() for p in args.presets.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in all_presets]
    if unknown:
        raise SystemExit(f"unknown preset(s) {unknown}; choose from {list(all_presets)}")

    result = {"model": model_name, "parameters": parameter_counts(up), "device": str(up.device),
              "machine": machine_info(), "repeats": args.repeats,
              "config": up.config_dict(),
              "audio": {"description": description, "seconds": audio_s, "sample_rate": sample_rate},
              "presets": {}}
    for name in chosen:
        options, label = all_presets[name]
        res = bench_preset(up, mono, sample_rate, options, args.repeats)
        res["label"] = label
        result["presets"][name] = res
        if not 0.85 <= res["stage_sum_over_total"] <= 1.15:
            print(f"warning: preset {name}: stage sum is {res['stage_sum_over_total']:.2f} x the up() total",
                  file=sys.stderr)
    if not args.no_codec:
        result["codec"] = bench_codec(up, mono, sample_rate, args.repeats)
    if not args.no_baselines:
        result["baselines"] = bench_baselines(mono_np, sample_rate, args.repeats)
    if up.device.type == "cuda" or args.sweep:
        sweep_presets = {n: all_presets[n][0] for n in chosen}
        result["gpu_sweep"] = gpu_sweep(up, mono, sample_rate, args.repeats, sweep_presets)
    result["machine"]["load_average_at_end"] = machine_info()["load_average_1_5_15"]
    table = markdown(result)
    result["markdown"] = table
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
