"""Decoding one audio stream in blocks, in bounded memory: ``[C, T]`` float32 at the stream's own rate.

The length is the stream's own to the sample: FFmpeg drops the encoder delay (MP3 LAME header, MP4 edit
list, Opus pre-skip) and the end padding is cut here where the container declares the exact length (MP4).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import av
import numpy as np

from ..audio_io import AudioFileError
from .probe import AudioStream, open_input

BLOCK_S = 10.0
_EXACT_LENGTH_CONTAINERS = ("mov", "mp4")  # the declared duration is the decoded length (edit lists)


def iter_blocks(path: str | Path, stream: AudioStream, block_s: float = BLOCK_S) -> Iterator[np.ndarray]:
    """Yield ``[C, T]`` float32 blocks of about ``block_s`` seconds of ``stream`` of ``path``. Raises
    :class:`AudioFileError` for a corrupt or truncated stream (after the blocks before the damage)."""
    path = Path(path)
    rate = stream.sample_rate
    block = max(1, int(block_s * rate))
    with open_input(path) as container:
        av_stream = container.streams[stream.index]
        limit = None
        if any(name in container.format.name.split(",") for name in _EXACT_LENGTH_CONTAINERS) and \
                stream.declared_s is not None:
            limit = int(round(stream.declared_s * rate))
        resampler = None
        pending, num_pending, done = [], 0, 0
        try:
            for frame in container.decode(av_stream):
                if resampler is None:
                    resampler = av.AudioResampler(format="fltp", layout=frame.layout, rate=frame.sample_rate)
                    rate = frame.sample_rate
                for converted in resampler.resample(frame):
                    data = converted.to_ndarray()
                    if limit is not None:
                        data = data[:, :max(0, limit - done - num_pending)]
                    if data.shape[1]:
                        pending.append(data)
                        num_pending += data.shape[1]
                while num_pending >= block:
                    out, pending, num_pending = _take(pending, block)
                    done += out.shape[1]
                    yield _checked(out, path, done, rate)
        except av.error.FFmpegError as err:
            at_s = (done + num_pending) / max(rate, 1)
            raise AudioFileError(f"{path}: truncated or corrupt: bad data near {at_s:.1f} s ({_reason(err)})") from None
        if resampler is not None:
            for converted in resampler.resample(None):
                data = converted.to_ndarray()
                if limit is not None:
                    data = data[:, :max(0, limit - done - num_pending)]
                pending.append(data)
                num_pending += data.shape[1]
        if num_pending:
            out, pending, num_pending = _take(pending, num_pending)
            done += out.shape[1]
            yield _checked(out, path, done, rate)
    if done == 0:
        raise AudioFileError(f"{path}: no audio samples (truncated or corrupt?)")
    declared = stream.declared_s
    if declared is not None and done / rate < declared - max(0.5, 0.02 * declared):
        raise AudioFileError(f"{path}: truncated or corrupt: decoded {done / rate:.1f} s of the {declared:.1f} s "
                             "it declares")


def first_sample_s(path: str | Path, stream: AudioStream) -> float:
    """When the stream's first decoded sample plays (after the encoder delay FFmpeg drops), in seconds;
    the stream's start time when nothing decodes."""
    with open_input(path) as container:
        try:
            for frame in container.decode(container.streams[stream.index]):
                if frame.pts is not None and frame.time_base:
                    return float(frame.pts * frame.time_base)
        except av.error.FFmpegError:
            pass
    return stream.start_s


def read_stream(path: str | Path, stream: AudioStream) -> np.ndarray:
    """The whole stream ``[C, T]`` float32 (for short files; long ones go through :func:`iter_blocks`)."""
    blocks = list(iter_blocks(path, stream, block_s=60.0))
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)


def _take(pending: list[np.ndarray], count: int) -> tuple[np.ndarray, list[np.ndarray], int]:
    """The first ``count`` samples of the queued arrays, and what is left."""
    joined = pending[0] if len(pending) == 1 else np.concatenate(pending, axis=1)
    out, rest = joined[:, :count], joined[:, count:]
    return np.ascontiguousarray(out, dtype=np.float32), ([rest] if rest.shape[1] else []), rest.shape[1]


def _checked(block: np.ndarray, path: Path, end: int, rate: int) -> np.ndarray:
    if not np.isfinite(block).all():
        raise AudioFileError(f"{path}: contains NaN or infinite samples (near {end / rate:.1f} s)")
    return block


def _reason(err: Exception) -> str:
    return " ".join(str(getattr(err, "strerror", None) or err).split()).rstrip(".")
