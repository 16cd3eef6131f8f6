"""What is read and written, by extension. Plain tables: importing this module imports nothing heavy.

Reading goes through FFmpeg, so any file it can open is read; the lists here only name the common
ones (for the help text, the web page's file picker and the docs).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: extensions of common audio files FFmpeg reads (all of them are accepted; this list is for humans)
AUDIO_READ = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".alac", ".opus", ".ogg", ".oga", ".wma", ".aif", ".aiff",
              ".aifc", ".caf", ".w64", ".wv", ".ape", ".mka", ".ac3", ".au")
VIDEO_READ = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".m2ts", ".mts", ".mpg", ".wmv", ".flv", ".3gp")


@dataclass(frozen=True)
class AudioOutput:
    """An audio-only output format: FFmpeg muxer and encoder (``writer`` "sndfile": written by libsndfile)."""
    container: str
    codec: str
    lossy: bool
    default_kbps: int | None = None
    rates_hz: tuple[int, ...] = ()  # the sample rates the codec takes (empty: any)
    writer: str = "av"


_MP3_RATES = (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)
_AAC_RATES = (7_350, 8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 64_000, 88_200, 96_000)

AUDIO_WRITE: dict[str, AudioOutput] = {
    ".wav": AudioOutput("wav", "pcm_f32le", lossy=False),
    ".flac": AudioOutput("flac", "flac", lossy=False, rates_hz=()),
    ".mp3": AudioOutput("mp3", "libmp3lame", lossy=True, default_kbps=320, rates_hz=_MP3_RATES),
    ".m4a": AudioOutput("mp4", "aac", lossy=True, default_kbps=256, rates_hz=_AAC_RATES),
    ".opus": AudioOutput("ogg", "libopus", lossy=True, default_kbps=192, rates_hz=(48_000,)),
    ".ogg": AudioOutput("OGG", "VORBIS", lossy=True, default_kbps=224, writer="sndfile"),
}
#: WAV sample types: --subtype NAME -> FFmpeg encoder
WAV_SUBTYPES = {"FLOAT": "pcm_f32le", "PCM_24": "pcm_s24le", "PCM_16": "pcm_s16le"}
FLAC_SUBTYPES = ("PCM_24", "PCM_16")


@dataclass(frozen=True)
class VideoAudioCodec:
    """An encoder for the upmix in a video container: FFmpeg encoder, default kbps (None: lossless) and
    the sample rates it takes (empty: any)."""
    encoder: str
    default_kbps: int | None
    rates_hz: tuple[int, ...] = ()


_AC3_RATES = (32_000, 44_100, 48_000)
#: --audio-codec NAME -> encoder. AC-3 and E-AC-3 cost a tenth of AAC's encoding time (BENCHMARKS.md).
VIDEO_AUDIO_CODECS: dict[str, VideoAudioCodec] = {
    "aac": VideoAudioCodec("aac", 256, _AAC_RATES),
    "ac3": VideoAudioCodec("ac3", 448, _AC3_RATES),
    "eac3": VideoAudioCodec("eac3", 384, _AC3_RATES),
    "opus": VideoAudioCodec("libopus", 192, (48_000,)),
    "mp3": VideoAudioCodec("libmp3lame", 320, _MP3_RATES),
    "flac": VideoAudioCodec("flac", None),
    "alac": VideoAudioCodec("alac", None),
    "pcm": VideoAudioCodec("pcm_s24le", None),  # uncompressed 24-bit, as cameras and editors write it
}
#: an input stream's decoder name -> the --audio-codec name that re-encodes it
_CODEC_OF_DECODER = {"aac": "aac", "ac3": "ac3", "eac3": "eac3", "opus": "opus", "mp3": "mp3", "mp3float": "mp3",
                     "flac": "flac", "alac": "alac"}


@dataclass(frozen=True)
class VideoOutput:
    """A container that keeps video: FFmpeg muxer and the audio codecs it takes for the upmix (names of
    :data:`VIDEO_AUDIO_CODECS`; the first is the default for inputs whose own codec it does not take)."""
    container: str
    codecs: tuple[str, ...]


_MP4_CODECS = ("aac", "ac3", "eac3", "alac", "flac", "opus", "mp3")
VIDEO_WRITE: dict[str, VideoOutput] = {
    ".mp4": VideoOutput("mp4", _MP4_CODECS),
    ".m4v": VideoOutput("mp4", _MP4_CODECS),
    ".mov": VideoOutput("mov", ("aac", "ac3", "eac3", "alac", "mp3", "pcm")),
    ".mkv": VideoOutput("matroska", ("aac", "ac3", "eac3", "opus", "flac", "alac", "mp3", "pcm")),
    ".webm": VideoOutput("webm", ("opus",)),
}

WRITE_SUFFIXES = tuple(AUDIO_WRITE) + tuple(VIDEO_WRITE)
#: --format choices for folder outputs
FORMAT_CHOICES = tuple(s.lstrip(".") for s in WRITE_SUFFIXES)


class FormatError(ValueError):
    """An output name or option that cannot be written, with a one-line message."""


def check_output(path: str | Path) -> str:
    """The output's extension (lower case) when it is one we write, else :class:`FormatError`."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITE_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "no extension"
        raise FormatError(f"{path}: cannot write {shown}; choose one of {', '.join(WRITE_SUFFIXES)}")
    return suffix


def is_video_output(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_WRITE


def video_audio_codec(out_suffix: str, input_codec: str, chosen: str | None = None) -> str:
    """The codec (a :data:`VIDEO_AUDIO_CODECS` name) of the upmix in a video container: ``chosen``, else
    the input stream's own codec where the container takes it (any PCM as 24-bit PCM), else the
    container's default."""
    spec = VIDEO_WRITE[out_suffix]
    if chosen is not None:
        check_video_audio_codec(out_suffix, chosen)
        return chosen
    own = "pcm" if input_codec.startswith("pcm_") else _CODEC_OF_DECODER.get(input_codec)
    return own if own in spec.codecs else spec.codecs[0]


def check_video_audio_codec(out_suffix: str, chosen: str | None) -> None:
    """A one-line :class:`FormatError` when ``--audio-codec`` does not apply to ``out_suffix``."""
    if chosen is None:
        return
    if out_suffix not in VIDEO_WRITE:
        raise FormatError(f"--audio-codec: only for video outputs ({', '.join(VIDEO_WRITE)}), not {out_suffix}; "
                          f"an audio output's codec comes from its extension")
    takes = VIDEO_WRITE[out_suffix].codecs
    if chosen not in takes:
        raise FormatError(f"--audio-codec {chosen}: {out_suffix} takes {', '.join(takes)}")


def default_output_suffix(in_suffix: str, has_video: bool, lossless: bool) -> str:
    """A folder output keeps its input's extension where it is written; else a video goes to .mkv (which
    takes any stream), lossless audio to .flac and lossy audio to .m4a."""
    in_suffix = in_suffix.lower()
    if in_suffix == ".oga":
        return ".ogg"
    if in_suffix in (VIDEO_WRITE if has_video else AUDIO_WRITE):
        return in_suffix
    if has_video:
        return ".mkv"
    return ".flac" if lossless else ".m4a"


def parse_bitrate(text: str) -> int:
    """``"320k"``, ``"320"`` (kbps) or ``"320000"`` -> bits per second; :class:`FormatError` otherwise."""
    raw = str(text).strip().lower()
    try:
        value = float(raw[:-1]) * 1000 if raw.endswith("k") else float(raw)
    except ValueError:
        raise FormatError(f"--bitrate: expected e.g. 320k, got {text!r}") from None
    if value < 1000:  # a bare "320" means kbps
        value *= 1000
    if not 8_000 <= value <= 1_024_000:
        raise FormatError(f"--bitrate: {text!r} is outside 8k..1024k")
    return int(value)
