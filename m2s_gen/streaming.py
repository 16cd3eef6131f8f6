"""Upmixing any length in bounded memory: chunks of the input, cross-faded, written as they finish.

The input arrives as blocks (any size, from :func:`m2s_gen.media.decode.iter_blocks`); they are folded
to mono and gathered into chunks of ``CHUNK_S`` seconds (plus ``OVERLAP_S`` shared with the next chunk).
Each chunk is upmixed on its own and the stereo of neighbouring chunks is cross-faded over the shared
seconds (raised cosine). The last chunk is never shorter than a fifth of a chunk (the one before it is
shortened instead). Both channels are faded with the same weights, so the fold-down of the result
is still the input, and each output sample is a convex combination of two outputs within the peak
ceiling, so it is too. Memory depends on ``CHUNK_S``, not on the length. A file shorter than one chunk
is one chunk: the whole file upmixed at once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import numpy as np

CHUNK_S = 300.0
OVERLAP_S = 4.0
#: the last chunk is at least this fraction of a chunk long (with the overlap): the chunk before it gives
#: up its end. A last chunk of a few seconds would be upmixed from little context, and the stereo of the
#: long chunk before it would be encoded after the model has finished, where nothing hides it.
LAST_CHUNK_FRACTION = 5

Generate = Callable[[np.ndarray, int, int], np.ndarray]  # (mono [T], rate, chunk index) -> stereo [2, T]
Emit = Callable[[np.ndarray], None]  # finished stereo [2, T], in order
BeforeChunk = Callable[[np.ndarray, int, bool], None]  # (mono chunk [T], index, is the last) before it is upmixed


def _fade(num_samples: int) -> np.ndarray:
    """Weights of the incoming chunk, 0 -> 1 (raised cosine)."""
    t = (np.arange(num_samples, dtype=np.float64) + 0.5) / max(num_samples, 1)
    return (0.5 - 0.5 * np.cos(np.pi * t)).astype(np.float32)


def to_mono(block: np.ndarray) -> np.ndarray:
    """``[C, T]`` -> ``[T]`` float32: the channel itself, or the mean of the channels (float64 sum)."""
    if block.shape[0] == 1:
        return np.asarray(block[0], dtype=np.float32)
    return block.mean(0, dtype=np.float64).astype(np.float32)


def chunk_samples(rate: int, chunk_s: float | None = None, overlap_s: float | None = None) -> tuple[int, int]:
    """(chunk, overlap) in samples at ``rate``."""
    chunk = max(1, int(round((CHUNK_S if chunk_s is None else chunk_s) * rate)))
    overlap = min(chunk // 2, int(round((OVERLAP_S if overlap_s is None else overlap_s) * rate)))
    return chunk, overlap


def chunked_upmix(blocks: Iterable[np.ndarray], rate: int, generate: Generate, emit: Emit,
                  chunk_s: float | None = None, overlap_s: float | None = None, gain: float = 1.0,
                  before_chunk: BeforeChunk | None = None) -> int:
    """Fold ``blocks`` (``[C, T]`` float32) to mono, scale by ``gain``, upmix chunk by chunk and ``emit``
    the stereo in order. Returns the number of samples emitted (the input's)."""
    chunk, overlap = chunk_samples(rate, chunk_s, overlap_s)
    shortest_last = max(chunk // LAST_CHUNK_FRACTION, 2 * overlap)
    buffer: list[np.ndarray] = []
    buffered = 0
    pending = None  # the previous chunk's last `keep` stereo samples, not yet emitted
    index = total = 0
    source = iter(blocks)
    exhausted = False
    while True:
        # read a shortest last chunk past this one: whether the rest after it would be shorter
        while not exhausted and buffered <= chunk + shortest_last:
            try:
                block = next(source)
            except StopIteration:
                exhausted = True
                break
            mono = to_mono(block)
            if gain != 1.0:
                mono = (mono.astype(np.float64) * gain).astype(np.float32)
            buffer.append(mono)
            buffered += mono.shape[0]
        if buffered == 0:
            break
        joined = np.concatenate(buffer) if len(buffer) > 1 else buffer[0]
        last = exhausted and buffered <= chunk
        take = chunk
        if exhausted and not last and buffered - chunk + overlap < shortest_last:
            take = buffered - shortest_last + overlap  # this chunk gives up the start of the short last one
        mono, rest = joined[:take], joined[take:]
        if before_chunk is not None:
            before_chunk(mono, index, last)
        stereo = np.asarray(generate(mono, rate, index), dtype=np.float32)
        if pending is not None and not stereo.flags.writeable:
            stereo = stereo.copy()
        if pending is not None:
            n = pending.shape[1]
            w = _fade(n)
            stereo[:, :n] = w * stereo[:, :n] + (1 - w) * pending
        keep = 0 if last else min(overlap, mono.shape[0] // 2)
        emit(stereo[:, :stereo.shape[1] - keep])
        total += stereo.shape[1] - keep
        pending = stereo[:, stereo.shape[1] - keep:].copy() if keep else None
        carry = mono[mono.shape[0] - keep:] if keep else mono[:0]
        buffer = [np.concatenate([carry, rest])] if carry.shape[0] + rest.shape[0] else []
        buffered = sum(b.shape[0] for b in buffer)
        index += 1
        if last:
            break
    return total


def stream_upmix(in_path: str | Path, out_path: str | Path, generate: Generate,
                 chunk_s: float | None = None, overlap_s: float | None = None) -> Path:
    """Upmix ``in_path`` (any media file) chunk by chunk into ``out_path`` (any output format, through a
    temporary file and a rename)."""
    from .media.job import MediaOptions, upmix_media

    return upmix_media(in_path, out_path, generate, MediaOptions(), chunk_s=chunk_s, overlap_s=overlap_s).path


def is_long(path: str | Path, chunk_s: float | None = None) -> bool:
    """True when ``path`` is a readable media file whose audio is longer than one chunk (unreadable files:
    False, so that the ordinary reader reports them)."""
    from .audio_io import AudioFileError
    from .media.probe import probe

    try:
        stream = probe(path).stream(0)
    except AudioFileError:
        return False
    return (stream.duration_s or 0.0) > (CHUNK_S if chunk_s is None else chunk_s)
