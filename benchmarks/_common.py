"""Shared by the benchmark scripts: which model, the test audio, and a description of the machine."""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]

# the sizes of tests/conftest.py's tiny upmixer (a few thousand weights): for smoke runs only
TINY_DENOISER = dict(hidden_dim=32, num_layers=1, num_heads=2)
TINY_CODEC = dict(n_filters=4, latent_dim=8)
TINY_CONFIG = dict(segment_frames=32, overlap_frames=4, batch_segments=2, default_num_steps=2)

# the shipped architecture, if configs/*.yaml cannot be read
SHIPPED_CODEC = dict(latent_dim=32, n_filters=8, lstm_layers=1)
SHIPPED_DENOISER = dict(hidden_dim=192, num_layers=4, num_heads=4)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model (default: the bundled model)")
    which = group.add_mutually_exclusive_group()
    which.add_argument("--model", metavar="PATH", help="a saved model folder (save_pretrained output) or hub id")
    which.add_argument("--tiny", action="store_true",
                       help="a tiny untrained model (the test suite's sizes): smoke runs only, not a speed figure")
    which.add_argument("--untrained", action="store_true",
                       help="the shipped architecture (configs/codec.yaml, configs/diffusion.yaml) with random "
                       "weights: the same cost as the trained model, for use before it exists")
    group.add_argument("--device", default="cpu", help="torch device (default: %(default)s)")


def _yaml_sizes(name: str, section: str, fallback: dict) -> tuple[dict, dict]:
    """(model sizes, whole section) from ``configs/<name>.yaml``; the fallback if it is unreadable."""
    try:
        import yaml

        data = yaml.safe_load((REPO_ROOT / "configs" / f"{name}.yaml").read_text())[section]
        return dict(data["model"]), dict(data)
    except Exception:  # noqa: BLE001 - a missing or changed config: use the recorded sizes
        return dict(fallback), {}


def load_model(args: argparse.Namespace):
    """(upmixer, a one-line description of the model) for the ``add_model_arguments`` options."""
    from m2s_gen.factory import build_upmixer
    from m2s_gen.loading import ModelLoadError
    from m2s_gen.pipeline import Upmixer, UpmixerConfig

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch's weight_norm deprecation, inside encodec
        if args.tiny:
            up = build_upmixer(denoiser_kwargs=dict(TINY_DENOISER), codec_kwargs=dict(TINY_CODEC),
                               config=UpmixerConfig(**TINY_CONFIG), seed=0)
            name = ("TINY untrained model (test sizes: denoiser hidden 32 x 1 layer, codec 4 filters, "
                    "1.28 s segments, 2 steps) - a smoke run, NOT representative")
        elif args.untrained:
            codec_sizes, _ = _yaml_sizes("codec", "codec", SHIPPED_CODEC)
            den_sizes, dcfg = _yaml_sizes("diffusion", "diffusion", SHIPPED_DENOISER)
            config = UpmixerConfig(segment_frames=int(dcfg.get("segment_frames", 256)))
            up = build_upmixer(denoiser_kwargs=den_sizes, codec_kwargs=codec_sizes, config=config, seed=0)
            name = (f"shipped architecture, UNTRAINED random weights (codec {codec_sizes}, denoiser {den_sizes}, "
                    f"{config.segment_frames}-frame segments, {config.default_num_steps} steps)")
        else:
            try:
                up = Upmixer.from_pretrained(args.model, device="cpu")
            except ModelLoadError as err:
                raise SystemExit(f"cannot load the model: {err}\n(use --model PATH, --untrained or --tiny)") from None
            name = f"bundled model ({Path(__file__).parents[1] / 'm2s_gen' / 'default_model'})" \
                if args.model is None else f"model {args.model}"
    up.codec.to(args.device)
    up.denoiser.to(args.device)
    return up, name


def model_folder(args: argparse.Namespace, up) -> tuple[str | None, tempfile.TemporaryDirectory | None]:
    """A folder ``from_pretrained`` reads for this model (``None``: the bundled one); for --tiny and
    --untrained the model is saved to a temporary folder (returned too, to be cleaned up)."""
    if args.tiny or args.untrained:
        tmp = tempfile.TemporaryDirectory(prefix="m2s_bench_model_")
        up.save_pretrained(tmp.name)
        return tmp.name, tmp
    return args.model, None


def parameter_counts(up) -> dict:
    return {"codec_encoder": sum(p.numel() for p in up.codec.encoder.parameters()),
            "codec_total": sum(p.numel() for p in up.codec.parameters()),
            "denoiser": sum(p.numel() for p in up.denoiser.parameters())}


def music_like(seconds: float, sample_rate: int, seed: int = 0, peak: float = 0.7) -> np.ndarray:
    """Mono test music ``[T]`` float32: a chord progression of harmonic tones (changing every 2 s),
    a bass line, kick and hi-hat bursts at 120 BPM, and a little noise. Deterministic."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sample_rate))
    t = np.arange(n) / sample_rate
    out = np.zeros(n)
    chords = [(220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6), (196.0, 246.9, 329.6)]
    bar = 2 * sample_rate
    for start in range(0, n, bar):
        stop = min(n, start + bar)
        seg = t[start:stop] - t[start]
        notes = chords[(start // bar) % len(chords)]
        env = np.minimum(1.0, seg / 0.02) * np.exp(-seg / 1.5)
        for f in notes:
            for h in range(1, 6):
                if f * h < sample_rate / 2:
                    out[start:stop] += env * np.sin(2 * np.pi * f * h * seg + rng.uniform(0, 6.3)) / (h * h * 3)
        out[start:stop] += 0.5 * env * np.sin(2 * np.pi * notes[0] / 2 * seg)
    beat = sample_rate // 2
    kick_len, hat_len = int(0.15 * sample_rate), int(0.03 * sample_rate)
    kt = np.arange(kick_len) / sample_rate
    kick = np.sin(2 * np.pi * (50 + 80 * np.exp(-kt / 0.03)) * kt) * np.exp(-kt / 0.08)
    for k, start in enumerate(range(0, n, beat)):
        seg = slice(start, min(n, start + kick_len))
        if k % 2 == 0:
            out[seg] += kick[: seg.stop - seg.start]
        hat = rng.standard_normal(hat_len) * np.exp(-np.arange(hat_len) / (0.006 * sample_rate)) * 0.2
        hs = start + beat // 2
        if hs < n:
            out[hs: hs + hat_len] += hat[: max(0, min(hat_len, n - hs))]
    out += 0.01 * rng.standard_normal(n)
    return (peak * out / max(np.abs(out).max(), 1e-9)).astype(np.float32)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    info = {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1_5_15": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "cuda_available": torch.cuda.is_available(),
    }
    try:
        import torchaudio

        info["torchaudio_version"] = torchaudio.__version__
    except ImportError:
        pass
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info
