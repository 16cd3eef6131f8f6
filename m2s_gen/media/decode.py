"""Decoding one audio stream in blocks, in bounded memory: ``[C, T]`` float32 at the stream's own rate.

The length is the stream's own to the sample: FFmpeg drops the encoder delay (MP3 LAME header, MP4 edit
list, Opus pre-skip) and the end padding is cut here where the container declares the exact length (MP4).
"""
from __future__ import annotations

from itertools import chain
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from ..audio_io import AudioFileError
from .frame_convert import FrameConverter
from .probe import AudioStream, open_input
from .timeline import Timeline, TimelineReport, may_restart

BLOCK_S = 10.0
_EXACT_LENGTH_CONTAINERS = ("mov", "mp4")  # the declared duration is the decoded length (edit lists)


def iter_blocks(path: str | Path, stream: AudioStream, block_s: float = BLOCK_S,
                report: TimelineReport | None = None) -> Iterator[np.ndarray]:
    """Yield ``[C, T]`` float32 blocks of about ``block_s`` seconds of ``stream`` of ``path``, on the stream's
    timeline: gaps in its timestamps are filled with silence and overlaps dropped (:mod:`.timeline`; what was
    repaired is added to ``report``). Raises :class:`AudioFileError` for a corrupt or truncated
    stream (after the blocks before the damage)."""
    path = Path(path)
    rate = stream.sample_rate
    block = max(1, int(block_s * rate))
    with open_input(path) as container:
        av_stream = container.streams[stream.index]
        limit = None
        if any(name in container.format.name.split(",") for name in _EXACT_LENGTH_CONTAINERS) and \
                stream.declared_s is not None:
            limit = int(round(stream.declared_s * rate))
        restarts = may_restart(container)
        queue, converter, timeline = _Queue(limit), FrameConverter(), None
        seconds_per_tick = float(av_stream.time_base) if av_stream.time_base else None  # the frames' time base
        try:
            for frame in container.decode(av_stream):
                pts = frame.pts
                start_s = pts * seconds_per_tick if pts is not None and seconds_per_tick else None
                data = converter.convert(frame, at_s=timeline.position / rate if timeline is not None else 0.0)
                if timeline is None:  # later frames come in the first one's channel count and rate
                    rate, queue.channels = converter.rate, converter.channels
                    timeline = Timeline(rate, restarts, report, length_s=stream.duration_s)
                silence, skip = timeline.place(start_s, data.shape[1])
                if silence:
                    for piece in queue.add_silence(silence, block):
                        yield _checked(piece, path, queue.done, rate)
                for piece in queue.add(data[:, skip:] if skip else data, block):
                    yield _checked(piece, path, queue.done, rate)
        except av.error.FFmpegError as err:
            at_s = queue.total / max(rate, 1)
            raise AudioFileError(f"{path}: truncated or corrupt: bad data near {at_s:.1f} s ({_reason(err)})") from None
        if timeline is not None:
            timeline.report.changes.extend(converter.changes)
            for piece in chain(queue.add(converter.flush(), block), queue.rest()):
                yield _checked(piece, path, queue.done, rate)
    done = queue.done
    if done == 0:
        raise AudioFileError(f"{path}: no audio samples (truncated or corrupt?)")
    declared = stream.declared_s
    if declared is not None and done / rate < declared - max(0.5, 0.02 * declared):
        raise AudioFileError(f"{path}: truncated or corrupt: decoded {done / rate:.1f} s of the {declared:.1f} s "
                             "it declares")


class _Queue:
    """Decoded samples waiting to make a block; ``limit``: the stream's exact length in samples, or None."""

    def __init__(self, limit: int | None):
        self.limit, self.channels = limit, 0
        self.pending: list[np.ndarray] = []
        self.num_pending = self.done = 0

    @property
    def total(self) -> int:
        return self.done + self.num_pending

    def add(self, data: np.ndarray, block: int) -> Iterator[np.ndarray]:
        """Queue ``data``; yield the whole blocks now ready."""
        if self.limit is not None:
            data = data[:, :max(0, self.limit - self.total)]
        if data.shape[1]:
            self.pending.append(data)
            self.num_pending += data.shape[1]
        while self.num_pending >= block:
            yield self._take(block)

    def add_silence(self, samples: int, block: int) -> Iterator[np.ndarray]:
        """Queue ``samples`` of silence a block at a time (a long gap never sits in memory whole)."""
        while samples > 0:
            piece = min(samples, block)
            yield from self.add(np.zeros((self.channels, piece), np.float32), block)
            samples -= piece

    def rest(self) -> Iterator[np.ndarray]:
        if self.num_pending:
            yield self._take(self.num_pending)

    def _take(self, count: int) -> np.ndarray:
        joined = self.pending[0] if len(self.pending) == 1 else np.concatenate(self.pending, axis=1)
        out, rest = joined[:, :count], joined[:, count:]
        self.pending, self.num_pending = ([rest] if rest.shape[1] else []), rest.shape[1]
        self.done += out.shape[1]
        return np.ascontiguousarray(out, dtype=np.float32)


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


def read_stream(path: str | Path, stream: AudioStream, report: TimelineReport | None = None) -> np.ndarray:
    """The whole stream ``[C, T]`` float32 (for short files; long ones go through :func:`iter_blocks`)."""
    blocks = list(iter_blocks(path, stream, block_s=60.0, report=report))
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)


def _checked(block: np.ndarray, path: Path, end: int, rate: int) -> np.ndarray:
    if not np.isfinite(block).all():
        raise AudioFileError(f"{path}: contains NaN or infinite samples (near {end / rate:.1f} s)")
    return block


def _reason(err: Exception) -> str:
    return " ".join(str(getattr(err, "strerror", None) or err).split()).rstrip(".")
