"""What a media file holds: its audio streams, whether it has video, its tags and cover art."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import av

from ..audio_io import AudioFileError, check_readable
from .tags import Cover, cover_of, tags_of

LOSSLESS_CODECS = frozenset({"flac", "alac", "wavpack", "ape", "tta", "mlp", "truehd", "shorten", "tak"})


@dataclass(frozen=True)
class AudioStream:
    """One audio stream: ``index`` in the file, ``position`` among the audio streams (``--audio-stream``)."""
    index: int
    position: int
    codec: str
    sample_rate: int
    channels: int
    duration_s: float | None  # the stream's, else the file's (None: unknown): for progress bars
    start_s: float
    declared_s: float | None = None  # the stream's own declared duration: a truncated file decodes less
    language: str | None = None
    title: str | None = None

    @property
    def lossless(self) -> bool:
        return self.codec.startswith("pcm_") or self.codec in LOSSLESS_CODECS

    def describe(self) -> str:
        extra = ", ".join(x for x in (self.language, self.title and repr(self.title)) if x)
        return (f"{self.position} ({self.codec}, {self.channels} ch, {self.sample_rate} Hz"
                + (f", {extra}" if extra else "") + ")")


@dataclass
class MediaInfo:
    path: Path
    container: str
    audio: list[AudioStream]
    video_codecs: list[str]  # real video streams (cover art not counted)
    other_codecs: list[str]  # subtitles, data, attachments
    tags: dict[str, str] = field(default_factory=dict)
    cover: Cover | None = None

    @property
    def has_video(self) -> bool:
        return bool(self.video_codecs)

    def stream(self, position: int | None) -> AudioStream:
        """The audio stream ``--audio-stream position`` picks (None: the first); a one-line error naming the
        choices when there is no such stream."""
        position = 0 if position is None else position
        if not 0 <= position < len(self.audio):
            choices = "; ".join(s.describe() for s in self.audio)
            raise AudioFileError(f"{self.path}: no audio stream {position}; it has {len(self.audio)}: {choices}")
        return self.audio[position]


def open_input(path: str | Path):
    """``av.open`` with the project's one-line errors."""
    path = check_readable(path)
    try:
        return av.open(str(path), metadata_errors="replace")
    except av.error.FFmpegError as err:
        raise AudioFileError(f"{path}: not a readable audio file ({_reason(err)})") from None
    except (OSError, ValueError) as err:
        raise AudioFileError(f"{path}: cannot read ({err})") from None


def probe(path: str | Path) -> MediaInfo:
    """Open ``path`` and describe it (no decoding). Raises :class:`AudioFileError` when it cannot be opened
    or has no audio stream."""
    path = Path(path)
    try:
        info = _describe(path)
    except (av.error.FFmpegError, ZeroDivisionError, ValueError) as err:  # a header FFmpeg half-parsed
        if isinstance(err, AudioFileError):
            raise
        raise AudioFileError(f"{path}: not a readable audio file ({_reason(err)})") from None
    if not info.audio:
        found = ", ".join([f"video {c}" for c in info.video_codecs] + info.other_codecs) or "no streams"
        raise AudioFileError(f"{path}: no audio stream ({found})")
    return info


def _describe(path: Path) -> MediaInfo:
    with open_input(path) as container:
        audio, video, other = [], [], []
        for stream in container.streams:
            codec = stream.codec_context.name if stream.codec_context is not None else "unknown"
            if stream.type == "audio":
                audio.append(_audio_stream(container, stream, len(audio)))
            elif stream.type == "video" and not stream.disposition & av.stream.Disposition.attached_pic:
                video.append(codec)
            elif stream.type != "video":
                other.append(f"{stream.type} {codec}")
        info = MediaInfo(path, container.format.name, audio, video, other,
                         tags=tags_of(container, container.streams.audio[0] if audio else None),
                         cover=cover_of(container))
    for stream in info.audio:
        if stream.sample_rate <= 0 or stream.channels <= 0:
            raise AudioFileError(f"{path}: not a readable audio file (audio stream {stream.position} has no "
                                 "sample rate or channels)")
    return info


def _audio_stream(container, stream, position: int) -> AudioStream:
    ctx = stream.codec_context
    tb = stream.time_base
    start_s = float(stream.start_time * tb) if stream.start_time is not None and tb else 0.0
    declared_s = float(stream.duration * tb) if stream.duration is not None and tb else None
    if declared_s is not None:
        duration_s = declared_s
    elif container.duration is not None:
        duration_s = max(0.0, container.duration / 1e6 - start_s)
    else:
        duration_s = None
    meta = stream.metadata
    return AudioStream(index=stream.index, position=position, codec=ctx.name, sample_rate=int(ctx.sample_rate or 0),
                       channels=int(ctx.channels or 0), duration_s=duration_s, start_s=start_s,
                       declared_s=declared_s,
                       language=meta.get("language") if meta.get("language") not in (None, "und") else None,
                       title=meta.get("title"))


def _reason(err: Exception) -> str:
    text = getattr(err, "strerror", None) or str(err)
    return " ".join(str(text).split()).rstrip(".")
