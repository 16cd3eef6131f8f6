"""Peak resident memory of upmixing a long file, through the API and through the CLI.

    python -m benchmarks.peak_memory                       # the bundled model, 1 and 10 minutes
    python -m benchmarks.peak_memory --untrained --out mem.json
    python -m benchmarks.peak_memory --tiny --minutes 0.5 1  # smoke run

Each measurement is a fresh child process; its peak resident set (``ru_maxrss`` from ``os.wait4``)
is read when it exits. Rows: the child that only imports the package and loads the model (the fixed
cost), ``Upmixer.from_pretrained(...).upmix_file(in, out)`` and ``m2s upmix in -o out``. The test
files are generated music (mono, 16-bit WAV at ``--sample-rate``); comparing the lengths shows
whether memory grows with the length of the input.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

from ._common import REPO_ROOT, add_model_arguments, load_model, machine_info, model_folder, music_like

LOAD_ONLY = """
import sys
from m2s_gen import Upmixer
Upmixer.from_pretrained({model!r})
"""

API = """
import warnings
from m2s_gen import Upmixer
up = Upmixer.from_pretrained({model!r})
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    up.upmix_file({src!r}, {dst!r}, seed=0, **{options!r})
"""


def _env(threads: int | None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)  # torch's intra-op threads, for the CLI child too
    return env


# Linux carries a process's peak RSS across exec from the memory it was spawned with, so a child
# started by this (large: torch, the model, the test music) process would report at least this
# process's peak. A small launcher, started first, spawns the measured command and reports its wait4.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
kb = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)
print(json.dumps({"peak_rss_mb": kb / 1024, "wall_s": time.perf_counter() - start,
                  "exit_code": os.waitstatus_to_exitcode(status), "stderr_tail": err.decode(errors="replace")[-500:]}))
"""


def run_child(command: list[str], env: dict) -> dict:
    """Run ``command`` through a small launcher; (peak RSS in MB, wall seconds, exit status) of it alone."""
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *command], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"peak_memory: the launcher failed: {done.stderr[-500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not result["exit_code"]:
        result.pop("stderr_tail")
    return result


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peak_memory", description=__doc__.split("\n")[0])
    add_model_arguments(parser)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0],
                        help="lengths of the test files (default: %(default)s)")
    parser.add_argument("--sample-rate", type=int, default=44_100, help="(default: %(default)s)")
    parser.add_argument("--steps", type=int, help="sampler steps (default: the model's; memory does not depend "
                        "on it, only the run time does)")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS of the children (default: torch's choice)")
    parser.add_argument("--paths", default="api,cli", help="comma list of api, cli (default: %(default)s)")
    parser.add_argument("--out", type=Path, metavar="FILE.json", help="write the results as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = get_parser().parse_args(argv)
    if args.device != "cpu":
        raise SystemExit("peak_memory measures host memory on the CPU path; --device must be cpu")
    up, model_name = load_model(args)
    folder, tmp_model = model_folder(args, up)
    del up
    env = _env(args.threads)
    options = {"num_steps": args.steps} if args.steps else {}
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    rows: dict[str, dict[str, dict]] = {"load model only": {}}
    with tempfile.TemporaryDirectory(prefix="m2s_bench_mem_") as work:
        load = run_child([sys.executable, "-c", LOAD_ONLY.format(model=folder)], env)
        for minutes in args.minutes:
            key = f"{minutes:g} min"
            src = Path(work) / f"in_{key.replace(' ', '')}.wav"
            sf.write(str(src), music_like(60 * minutes, args.sample_rate), args.sample_rate, subtype="PCM_16")
            rows["load model only"][key] = load
            for path in paths:
                dst = Path(work) / f"out_{path}.wav"
                if path == "api":
                    code = API.format(model=folder, src=str(src), dst=str(dst), options=options)
                    command = [sys.executable, "-c", code]
                    label = "Upmixer.upmix_file"
                elif path == "cli":
                    command = [sys.executable, "-m", "m2s_gen.cli", "upmix", str(src), "-o", str(dst),
                               "--seed", "0", "--overwrite"]
                    command += ["--model", str(folder)] if folder else []
                    command += ["--steps", str(args.steps)] if args.steps else []
                    label = "CLI (m2s upmix)"
                else:
                    raise SystemExit(f"unknown path {path!r}: api or cli")
                rows.setdefault(label, {})[key] = run_child(command, env)
                dst.unlink(missing_ok=True)
            src.unlink()
    if tmp_model is not None:
        tmp_model.cleanup()

    keys = [f"{m:g} min" for m in args.minutes]
    lines = [f"Model: {model_name}",
             f"Input: generated mono music, 16-bit WAV at {args.sample_rate} Hz; steps "
             f"{args.steps or 'default'}; threads {args.threads or 'default'}", "",
             "| path | " + " | ".join(f"peak RSS {k} (MB)" for k in keys) + " | " +
             " | ".join(f"wall {k} (s)" for k in keys) + " |",
             "|---|" + "---:|" * (2 * len(keys))]
    for label, by_len in rows.items():
        cells = []
        for k in keys:
            r = by_len.get(k)
            cells.append("-" if r is None else (f"{r['peak_rss_mb']:.0f}" if not r["exit_code"]
                                                else f"FAILED ({r['exit_code']})"))
        walls = [f"{by_len[k]['wall_s']:.1f}" if k in by_len else "-" for k in keys]
        lines.append(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(walls) + " |")
    if len(keys) >= 2:
        lo, hi = args.minutes[0], args.minutes[-1]
        lines.append("")
        for label, by_len in rows.items():
            if label == "load model only":
                continue
            a, b = by_len[keys[0]]["peak_rss_mb"], by_len[keys[-1]]["peak_rss_mb"]
            lines.append(f"{label}: {(b - a) / (hi - lo):.0f} MB more peak RSS per extra minute of input")
    table = "\n".join(lines)
    print(table)
    for label, by_len in rows.items():
        for k, r in by_len.items():
            if r["exit_code"]:
                print(f"{label} {k} failed:\n{r['stderr_tail']}", file=sys.stderr)
    if args.out:
        result = {"model": model_name, "machine": machine_info(), "sample_rate": args.sample_rate,
                  "steps": args.steps, "threads": args.threads, "minutes": args.minutes, "rows": rows,
                  "markdown": table}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if all(not r["exit_code"] for by_len in rows.values() for r in by_len.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
