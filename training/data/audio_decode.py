"""Decoding of audio files or bytes with soundfile (libsndfile reads Ogg Vorbis, Opus, FLAC, WAV).

Audio is returned channels-first, ``[C, T]`` float32.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import soundfile as sf


@dataclass(frozen=True)
class AudioHeader:
    """Header of an encoded track: channel count, sample rate (Hz), frames (per channel)."""

    channels: int
    sample_rate_hz: int
    frames: int

    @property
    def duration_s(self) -> float:
        """Duration in seconds according to the header."""
        return self.frames / self.sample_rate_hz if self.sample_rate_hz else 0.0


def _open(file_path: str | None, audio_bytes: bytes | None) -> sf.SoundFile:
    if audio_bytes is not None:
        return sf.SoundFile(io.BytesIO(audio_bytes))
    if not file_path:
        raise FileNotFoundError("no audio bytes and no file path")
    return sf.SoundFile(file_path)


def read_header(file_path: str | None = None, audio_bytes: bytes | None = None) -> AudioHeader:
    """Read the header only (no decoding) of a file or of encoded bytes."""
    with _open(file_path, audio_bytes) as f:
        return AudioHeader(f.channels, f.samplerate, f.frames)


def decode_audio(file_path: str | None = None, audio_bytes: bytes | None = None) -> tuple[np.ndarray, int]:
    """Decode a file or encoded bytes to ``([C, T] float32, sample_rate_hz)``."""
    with _open(file_path, audio_bytes) as f:
        data = f.read(dtype="float32", always_2d=True)  # [T, C]
        rate = f.samplerate
    return np.ascontiguousarray(data.T), rate
