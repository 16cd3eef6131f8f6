"""Shared fixtures: a tiny seeded upmixer (untrained, a few thousand weights) and audio helpers.

Every test runs the real pipeline end to end with 2 sampler steps; what is checked is what holds for
any weights: shapes, rates, lengths, determinism, the exact fold-down, peak safety, error handling.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from m2s_gen.factory import build_upmixer
from m2s_gen.pipeline import UpmixerConfig

# The test machine's few cores are shared with other jobs: more than one intra-op thread makes torch's
# thread pool spin against them (a 3-minute clip took 30-90 s of CPU with 2 threads, 4.5 s with 1).
torch.set_num_threads(1)

TINY_DENOISER = dict(hidden_dim=32, num_layers=1, num_heads=2)
TINY_CODEC = dict(n_filters=4, latent_dim=8)
# 32 frames of 40 ms = 1.28 s segments, so a few seconds of audio already spans several segments
TINY_CONFIG = dict(segment_frames=32, overlap_frames=4, batch_segments=2, default_num_steps=2)
FOLD_TOL = 1e-6


def pytest_configure(config):
    # third-party noise on every model build and sampler run; nothing the tests can act on
    config.addinivalue_line("filterwarnings", "ignore:.*weight_norm.*:FutureWarning")
    config.addinivalue_line("filterwarnings", "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")


def make_tiny_upmixer(seed: int = 0):
    return build_upmixer(denoiser_kwargs=dict(TINY_DENOISER), codec_kwargs=dict(TINY_CODEC),
                         config=UpmixerConfig(**TINY_CONFIG), seed=seed)


@pytest.fixture(scope="session")
def tiny_upmixer():
    """One shared instance: ``Upmixer.__call__`` keeps no state between calls."""
    return make_tiny_upmixer()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_upmixer) -> Path:
    """The tiny upmixer saved with ``save_pretrained`` (JSON + safetensors)."""
    folder = tmp_path_factory.mktemp("models") / "tiny"
    tiny_upmixer.save_pretrained(folder)
    return folder


def music_like(num_samples: int, sample_rate: int, seed: int = 0, peak: float = 0.5) -> np.ndarray:
    """A mono test signal ``[T]`` float32: a few partials with a beat plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(num_samples) / sample_rate
    tones = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3)) / (k + 1)
                for k, f in enumerate((110.0, 220.0, 330.0, 523.0, 1760.0)) if f < sample_rate / 2)
    beat = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * 2 * t))
    x = tones * beat + 0.1 * rng.standard_normal(num_samples)
    return (peak * x / max(np.abs(x).max(), 1e-9)).astype(np.float32)


def write_wav(path: Path, audio: np.ndarray, sample_rate: int = 16_000, subtype: str = "FLOAT") -> Path:
    """Write ``audio`` (``[T]`` mono or ``[C, T]``) to ``path``; returns ``path``."""
    audio = np.asarray(audio)
    sf.write(str(path), audio.T if audio.ndim == 2 else audio, sample_rate, subtype=subtype)
    return Path(path)


def fold_error(stereo, mono) -> float:
    """max |(L + R) / 2 - M|, computed in float64 so the check adds no rounding of its own."""
    stereo = torch.as_tensor(np.asarray(stereo)).double()
    mono = torch.as_tensor(np.asarray(mono)).double()
    return float(((stereo[..., 0, :] + stereo[..., 1, :]) / 2 - mono).abs().max())


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write left behind (there should be none)."""
    return sorted(p.name for p in Path(folder).rglob("*.part"))
