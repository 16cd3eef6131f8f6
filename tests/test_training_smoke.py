"""The smoke config end to end: codec -> latents -> denoiser, single process, 2 processes, resume."""
from __future__ import annotations

import os
import subprocess
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from m2s_gen import Upmixer

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "configs" / "smoke.yaml"


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.pop("CUDA_VISIBLE_DEVICES", None)
    return env


def _run(args: list[str], timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _check_model(folder: Path) -> None:
    up = Upmixer.from_pretrained(folder)
    mono = np.random.default_rng(0).standard_normal(22050).astype(np.float32) * 0.1
    stereo = up(mono, 22050, num_steps=2, seed=0).numpy()
    assert stereo.shape == (2, 22050)
    assert np.abs((stereo[0] + stereo[1]) / 2 - mono).max() < 1e-6
    assert np.abs(stereo[0] - stereo[1]).max() > 0  # a side was generated


def test_smoke_single_process_and_resume(tmp_path):
    out = tmp_path / "run"
    base = [sys.executable, "-m", "training.train", "--config", str(SMOKE), "--output-dir", str(out)]
    # a first run that stops early (as if killed after its checkpoint), then the full run resumes it
    _run(base + ["--set", "diffusion.steps=5", "--set", "codec.steps=5"])
    first_log = (out / "diffusion_log.csv").read_text().splitlines()
    import shutil

    shutil.rmtree(out / "model")
    result = _run(base + ["--set", "codec.steps=5"])
    assert "resumed from" in result.stdout + result.stderr
    assert (out / "checkpoints_diffusion").is_dir()
    assert len((out / "diffusion_log.csv").read_text().splitlines()) > len(first_log)
    assert not list((out / "model").rglob("*.bin")) and list((out / "model").rglob("*.safetensors"))
    assert (out / "model" / "MODEL_CARD.md").is_file()
    _check_model(out / "model")
    # then fine-tune that denoiser on smoothed targets, reusing the run's codec and latents
    tuned = tmp_path / "tuned"
    _run([sys.executable, "-m", "training.train", "--config", str(SMOKE), "--output-dir", str(tuned),
          "--stages", "diffusion", "--set", f"codec.pretrained={out / 'codec'}",
          "--set", f"diffusion.init_denoiser={out / 'model' / 'denoiser'}",
          "--set", f"diffusion.latents_dir={out / 'latents'}",
          "--set", "diffusion.target_smooth_frames=3", "--set", "diffusion.steps=3",
          "--set", "diffusion.track_context=true"])
    assert not (tuned / "latents").exists()
    _check_model(tuned / "model")
    # the fine-tuned denoiser gained the track-context input (2 x its conditioning channels)
    config = json.loads((tuned / "model" / "denoiser" / "config.json").read_text())
    assert config["context_channels"] == 2 * config["cond_channels"]


def test_smoke_two_processes_gloo(tmp_path):
    out = tmp_path / "ddp"
    _run([sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
          "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
          "-m", "training.train", "--config", str(SMOKE), "--output-dir", str(out)])
    _check_model(out / "model")
    shards = list((out / "latents" / "train").glob("*.safetensors"))
    assert len(shards) == 4  # both processes wrote their share of the 4 synthetic tracks


def test_config_rejects_unknown_keys(tmp_path):
    from training.config import load_config

    bad = tmp_path / "bad.yaml"
    bad.write_text("diffusion: {stepz: 3}\n")
    with pytest.raises(ValueError, match="stepz"):
        load_config(bad)
    assert load_config(SMOKE, ["diffusion.steps=3"]).diffusion.steps == 3


def test_chunk_starts_take_whole_chunks_and_a_real_remainder_only():
    from training.precompute import MIN_TAIL_SAMPLES, _chunk_starts

    chunk = 30 * 48_000
    assert _chunk_starts(61 * 48_000, chunk, 2) == [0, chunk]  # not a 1 s remainder as the 2nd chunk
    assert _chunk_starts(60 * 48_000 + 2, chunk, 2) == [0, chunk]  # 2 samples left: nothing to analyse
    assert _chunk_starts(10 * 48_000, chunk, 2) == [0]  # shorter than a chunk: one chunk from the start
    assert _chunk_starts(60 * 48_000 + MIN_TAIL_SAMPLES, chunk, 0) == [0, chunk, 2 * chunk]
    assert _chunk_starts(60 * 48_000 + MIN_TAIL_SAMPLES - 1, chunk, 0) == [0, chunk]
    assert _chunk_starts(100 * 48_000, chunk, 3) == [0, chunk, 2 * chunk]
