"""ffmpeg's `haas` filter as a baseline (needs the `ffmpeg` program on PATH)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from ._mid_side import check_mono

FFMPEG_FILTER = "pan=stereo|c0=c0|c1=c0,haas"


class BaselineUnavailable(RuntimeError):
    """A baseline cannot run on this machine (a missing program): report it as skipped."""


def ffmpeg_haas(mono: np.ndarray, sample_rate: int, seed: int = 0) -> np.ndarray:
    """`ffmpeg -af "pan=stereo|c0=c0|c1=c0,haas"` with its default settings. NOT mid-preserving.

    ffmpeg's Haas filter delays and pans each channel, so the fold-down is not the input.

    Args:
        mono: `[T]` float mono signal.
        sample_rate: Hz (kept: ffmpeg is asked for the same rate).
        seed: unused (deterministic).

    Returns:
        `[2, T]` float32 stereo (ffmpeg's output trimmed or zero-padded to T).

    Raises:
        BaselineUnavailable: `ffmpeg` is not on PATH.
        RuntimeError: ffmpeg failed.
    """
    mid = check_mono(mono, sample_rate)
    program = shutil.which("ffmpeg")
    if program is None:
        raise BaselineUnavailable("ffmpeg is not on PATH")
    with tempfile.TemporaryDirectory(prefix="m2s_ffmpeg_") as tmp:
        src, dst = Path(tmp) / "mono.wav", Path(tmp) / "stereo.wav"
        sf.write(src, mid.astype(np.float32), int(sample_rate), subtype="FLOAT")
        command = [program, "-nostdin", "-loglevel", "error", "-y", "-i", str(src),
                   "-af", FFMPEG_FILTER, "-ar", str(int(sample_rate)), "-c:a", "pcm_f32le", str(dst)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"ffmpeg failed: {done.stderr.strip()[-500:]}")
        stereo, _ = sf.read(dst, dtype="float32", always_2d=True)
    out = np.zeros((2, mid.shape[-1]), dtype=np.float32)
    length = min(mid.shape[-1], stereo.shape[0])
    out[:, :length] = stereo[:length, :2].T
    return out
