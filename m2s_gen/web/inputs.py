"""An uploaded file -> mono to upmix, and its stereo original when it has one.

Errors are the CLI's one-line ``NAME: problem``, with the name the visitor gave the file, never the
server path it was stored under.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from m2s_gen.audio_io import AudioFileError, read_audio

from .settings import WebSettings

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class UploadError(ValueError):
    """A file the page cannot use, with a one-line message ``NAME: problem``."""


@dataclass
class Upload:
    name: str  # the file's own name, as uploaded
    mono: np.ndarray  # [T] float32: the file itself when mono, (L + R) / 2 when stereo
    sample_rate: int
    channels: int
    original: np.ndarray | None  # [2, T] float32: the stereo file, offered as the reference
    video: Path | None = None  # the uploaded file, when it is a video: offered back with the stereo track

    @property
    def duration_s(self) -> float:
        return self.mono.shape[-1] / self.sample_rate

    @property
    def stem(self) -> str:
        """A name for files derived from this one: letters, digits, ``._-`` only."""
        stem = _UNSAFE.sub("_", Path(self.name).stem).strip(" ._") or "audio"
        return stem.replace(" ", "_")[:60]


def display_name(path: str | Path) -> str:
    """The uploaded file's own name (gradio keeps it as the last path component), printable."""
    name = "".join(ch for ch in Path(path).name if ch.isprintable()).strip()
    return name[:120] or "upload"


def load_upload(path: str | Path, settings: WebSettings, name: str | None = None) -> Upload:
    """Check the size and duration limits, decode, fold to mono. Raises :class:`UploadError`."""
    path = Path(path)
    name = name or display_name(path)
    # 1. size, before anything reads the file
    try:
        size = path.stat().st_size
    except OSError:
        raise UploadError(f"{name}: no such file (upload it again)") from None
    if size > settings.max_upload_bytes:
        raise UploadError(f"{name}: {size / 1e6:.1f} MB, more than this server's limit of "
                          f"{settings.max_upload_mb:g} MB")
    # 2. duration from the header, before decoding
    try:
        from m2s_gen.media.probe import probe

        info = probe(path)
        duration_s, is_video = info.stream(0).duration_s, info.has_video
    except AudioFileError:
        duration_s, is_video = None, False  # read_audio below words the problem
    if duration_s is not None and duration_s > settings.max_duration_s:
        raise UploadError(f"{name}: {duration_s:.1f} s long, more than this server's limit "
                          f"of {settings.max_duration_s:g} s")
    # 3. decode and validate (the CLI's checks and messages)
    try:
        audio, rate = read_audio(path)
    except AudioFileError as err:
        raise UploadError(_renamed(str(err), path, name)) from None
    except OSError as err:
        raise UploadError(f"{name}: cannot read ({err.strerror or err})") from None
    if audio.shape[-1] > settings.max_duration_s * rate:  # a header that understated the length
        raise UploadError(f"{name}: {audio.shape[-1] / rate:.1f} s long, more than this server's limit "
                          f"of {settings.max_duration_s:g} s")
    if not 1_000 <= rate <= 768_000:
        raise UploadError(f"{name}: sample rate {rate} Hz is outside 1000..768000 Hz")
    # 4. fold to mono; a stereo file is its own reference
    channels = audio.shape[0]
    mono = audio[0] if channels == 1 else audio.mean(0, dtype=np.float64).astype(np.float32)
    original = audio if channels == 2 else None
    return Upload(name=name, mono=np.ascontiguousarray(mono), sample_rate=int(rate), channels=channels,
                  original=original, video=path if is_video else None)


def _renamed(message: str, path: Path, name: str) -> str:
    """``read_audio``'s ``PATH: problem`` with the visitor's name instead of the server path."""
    message = " ".join(message.replace(str(path), name).split())
    return message if message.startswith(name) else f"{name}: {message}"
