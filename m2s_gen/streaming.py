"""Upmixing long files in bounded memory: chunks of the input, cross-faded, written as they finish.

A file longer than ``CHUNK_S`` is read ``CHUNK_S`` seconds at a time (plus ``OVERLAP_S`` shared with
the next chunk), each chunk is upmixed on its own and the stereo of neighbouring chunks is
cross-faded over the shared seconds (raised cosine). Both channels are faded with the same weights,
so the fold-down of the result is still the input, and each output sample is a convex combination of
two outputs within the peak ceiling, so it is too. Memory depends on ``CHUNK_S``, not on the length.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

from .audio_io import AudioFileError, atomic_output, output_format

CHUNK_S = 300.0
OVERLAP_S = 4.0

Generate = Callable[[np.ndarray, int, int], np.ndarray]  # (mono [T], rate, chunk index) -> stereo [2, T]


def _fade(num_samples: int) -> np.ndarray:
    """Weights of the incoming chunk, 0 -> 1 (raised cosine)."""
    t = (np.arange(num_samples, dtype=np.float64) + 0.5) / max(num_samples, 1)
    return (0.5 - 0.5 * np.cos(np.pi * t)).astype(np.float32)


def audio_frames(path: str | Path) -> tuple[int, int]:
    """(frames, sample rate) of an audio file without decoding it; :class:`AudioFileError` if unreadable."""
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as err:
        raise AudioFileError(f"{path}: not a readable audio file ({getattr(err, 'error_string', err)})") from None
    return int(info.frames), int(info.samplerate)


def is_long(path: str | Path, chunk_s: float | None = None) -> bool:
    """True when ``path`` is a readable audio file longer than one chunk (unreadable files: False,
    so that the ordinary reader reports them)."""
    try:
        frames, rate = audio_frames(path)
    except AudioFileError:
        return False
    return frames > (CHUNK_S if chunk_s is None else chunk_s) * rate


def stream_upmix(in_path: str | Path, out_path: str | Path, generate: Generate,
                 chunk_s: float | None = None, overlap_s: float | None = None) -> Path:
    """Upmix ``in_path`` chunk by chunk into ``out_path`` (through a temporary file and a rename)."""
    in_path, out_path = Path(in_path), Path(out_path)
    frames, rate = audio_frames(in_path)
    chunk = max(1, int(round((CHUNK_S if chunk_s is None else chunk_s) * rate)))
    overlap = min(chunk // 2, int(round((OVERLAP_S if overlap_s is None else overlap_s) * rate)))
    fmt, subtype = output_format(out_path)
    try:
        with atomic_output(out_path) as tmp, sf.SoundFile(str(in_path)) as src, \
                sf.SoundFile(tmp, "w", rate, 2, format=fmt, subtype=subtype) as dst:
            pending = None  # the previous chunk's last `overlap` stereo samples, not yet written
            start, index = 0, 0
            while start < frames:
                block = src.read(min(chunk, frames - start), dtype="float32", always_2d=True)
                if block.shape[0] == 0:
                    break
                if not np.isfinite(block).all():
                    raise AudioFileError(f"{in_path}: contains NaN or infinite samples")
                stereo = np.asarray(generate(block.mean(1), rate, index), dtype=np.float32)
                if pending is not None:
                    n = pending.shape[1]
                    w = _fade(n)
                    stereo[:, :n] = w * stereo[:, :n] + (1 - w) * pending
                last = start + block.shape[0] >= frames
                keep = 0 if last else min(overlap, block.shape[0] // 2)
                dst.write(np.ascontiguousarray(stereo[:, :stereo.shape[1] - keep].T))
                pending = stereo[:, stereo.shape[1] - keep:] if keep else None
                if keep:
                    src.seek(start + block.shape[0] - keep)
                start += block.shape[0] - keep
                index += 1
    except (sf.LibsndfileError, RuntimeError) as err:
        raise AudioFileError(f"{in_path}: cannot upmix ({getattr(err, 'error_string', err)})") from None
    return out_path


def sf_channels(path: str | Path) -> int:
    """Number of channels of a readable audio file."""
    return int(sf.info(str(path)).channels)
