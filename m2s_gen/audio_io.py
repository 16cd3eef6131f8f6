"""Reading and writing audio files: validated on the way in, atomic on the way out."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf

WRITE_FORMATS = {".wav": ("WAV", "FLOAT"), ".flac": ("FLAC", "PCM_24")}
#: libsndfile formats read through libsndfile (lossless, sample-exact, fast); everything else through FFmpeg
_SNDFILE_READS = frozenset({"WAV", "WAVEX", "FLAC", "AIFF", "W64", "RF64", "CAF", "AU"})


class AudioFileError(ValueError):
    """A file that cannot be used, with a one-line message ``PATH: problem``."""


def check_readable(path: str | Path) -> Path:
    """``path`` if it is a non-empty file, else :class:`AudioFileError` saying what it is."""
    path = Path(path)
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{path}: empty file")
    return path


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Read ``path`` (anything FFmpeg reads; the first audio stream of a video) -> (``[C, T]`` float32,
    sample_rate). Raises :class:`AudioFileError`."""
    path = check_readable(path)
    try:
        lossless = sf.info(str(path)).format in _SNDFILE_READS
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError):
        lossless = False
    if not lossless:  # MP3, AAC, Opus, Vorbis, video...: FFmpeg, with the encoder delay removed
        from .media.decode import read_stream
        from .media.probe import probe

        data = read_stream(path, probe(path).stream(0))
        return data, probe(path).stream(0).sample_rate
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except sf.LibsndfileError as err:
        raise AudioFileError(f"{path}: not a readable audio file ({err.error_string.strip()})") from None
    except (OSError, RuntimeError, ValueError) as err:
        raise AudioFileError(f"{path}: cannot read ({err})") from None
    if data.shape[0] == 0:
        raise AudioFileError(f"{path}: no audio samples")
    if not np.isfinite(data).all():
        raise AudioFileError(f"{path}: contains NaN or infinite samples")
    return np.ascontiguousarray(data.T), int(rate)


def output_format(path: str | Path) -> tuple[str, str]:
    """(soundfile format, subtype) for an output path, by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITE_FORMATS:
        raise AudioFileError(f"{path}: output must end in {' or '.join(WRITE_FORMATS)}")
    return WRITE_FORMATS[suffix]


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[str]:
    """Yield a temporary file name beside ``path``; when the block ends without an exception it is
    renamed to ``path``, otherwise deleted: ``path`` is either complete or untouched."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise AudioFileError(f"{path}: output folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as err:
        raise AudioFileError(f"{path}: cannot write in {folder} ({err.strerror})") from None
    os.close(fd)
    try:
        # mkstemp makes the file 0600; give the output the mode a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_audio_atomic(path: str | Path, audio: np.ndarray, sample_rate: int) -> None:
    """Write ``audio`` ``[C, T]`` to ``path`` through a temporary file in the same folder and a rename,
    so ``path`` is either complete or untouched."""
    fmt, subtype = output_format(path)
    try:
        with atomic_output(path) as tmp:
            sf.write(tmp, np.ascontiguousarray(audio.T), sample_rate, format=fmt, subtype=subtype)
    except RuntimeError as err:  # libsndfile refused, e.g. a rate FLAC cannot store
        raise AudioFileError(f"{path}: cannot write ({getattr(err, 'error_string', err)})") from None
