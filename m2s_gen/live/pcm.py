"""Raw PCM for ``m2s stream``: interleaved little-endian samples in and out, no header.

``f32le``: 32-bit floats; ``s16le``: 16-bit integers (full scale 32768; outputs are clipped to it,
which can only happen where the stereo itself goes past full scale).
"""
from __future__ import annotations

import numpy as np

FORMATS = {"f32le": np.dtype("<f4"), "s16le": np.dtype("<i2")}
_S16_SCALE = 32768.0


def decode(data: bytes, fmt: str) -> np.ndarray:
    """Whole mono samples of ``data`` -> float32 ``[n]`` (the caller keeps any partial sample)."""
    samples = np.frombuffer(data, dtype=FORMATS[fmt])
    if fmt == "s16le":
        return samples.astype(np.float32) / _S16_SCALE
    return samples.astype(np.float32)


def encode(stereo: np.ndarray, fmt: str) -> bytes:
    """Stereo ``[n, 2]`` float -> interleaved bytes."""
    if fmt == "s16le":
        return np.clip(np.round(stereo * _S16_SCALE), -32768, 32767).astype("<i2").tobytes()
    return np.ascontiguousarray(stereo, dtype="<f4").tobytes()


def sample_bytes(fmt: str) -> int:
    return FORMATS[fmt].itemsize
