"""Writing stereo by extension (WAV, FLAC, MP3, M4A, Opus, Ogg Vorbis), block by block.

Every block is ``[C, T]`` float32 at the input's sample rate. Codecs that take only some rates (MP3, AAC,
Opus) get the block resampled to the nearest rate they take. Integer and lossy outputs are limited to full
scale and the clipped samples counted (:attr:`AudioEncoder.clipped`), never wrapped. Lengths are exact
to the sample: the muxers record the encoder delay and padding (LAME header, MP4 edit list with a movie
time scale of the sample rate, Opus pre-skip; Ogg Vorbis through libsndfile).
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soundfile as sf

from ..audio_io import AudioFileError
from . import mp3_lame
from .end_trim import FIXED_FRAME_ENCODERS, mark_end_padding, needs_marked_end
from .formats import AUDIO_WRITE, FLAC_SUBTYPES, WAV_SUBTYPES, AudioOutput, FormatError
from .levels import PIECE_SAMPLES, clip_to_full_scale, integer_pcm
from .tags import Cover, add_cover, add_ogg_picture, write_cover, write_tags

#: encoder -> (FFmpeg sample format, integer bits or 0 for float)
_SAMPLE_FORMATS = {"pcm_f32le": ("flt", 0), "pcm_s24le": ("s32", 24), "pcm_s16le": ("s16", 16),
                   "libmp3lame": ("fltp", 0), "aac": ("fltp", 0), "libopus": ("flt", 0), "ac3": ("fltp", 0),
                   "eac3": ("fltp", 0), "alac": ("s32p", 24)}
_LOSSY = frozenset({"libmp3lame", "aac", "libopus", "ac3", "eac3"})
#: encoders that delay the audio (FFmpeg's initial padding) but never flush the delayed tail: this many
#: samples of silence are added at the end so that the last input samples are encoded (the container's
#: length still ends at the last input sample)
_UNFLUSHED_DELAY = {"ac3": 256, "eac3": 256}
_LAYOUTS = {1: "mono", 2: "stereo"}


def supported_rate(rate: int, rates: tuple[int, ...]) -> int:
    """``rate`` if the codec takes it, else the lowest it takes above it (or its highest)."""
    if not rates or rate in rates:
        return rate
    above = [r for r in rates if r >= rate]
    return min(above) if above else max(rates)


class AudioEncoder:
    """One audio stream of an open output ``container``, fed ``[C, T]`` float32 blocks; the first
    sample is at ``start_s``."""

    def __init__(self, container, codec: str, sample_rate: int, channels: int = 2, bit_rate: int | None = None,
                 bits: int = 24, rates: tuple[int, ...] = (), start_s: float = 0.0):
        self.container = container
        self.in_rate = int(sample_rate)
        self.rate = supported_rate(self.in_rate, rates if codec != "libopus" else (48_000,))
        self.channels = channels
        if codec == "flac":
            fmt, self.bits = ("s16", 16) if bits == 16 else ("s32", 24)
        else:
            fmt, self.bits = _SAMPLE_FORMATS[codec]
        self.format = fmt
        layout = _LAYOUTS.get(channels, f"{channels}c")
        self.stream = container.add_stream(codec, rate=self.rate, layout=layout, format=fmt)
        if bit_rate:
            self.stream.bit_rate = int(bit_rate)
        self.stream.time_base = Fraction(1, self.rate)
        self.lossy = codec in _LOSSY
        self.resampler = (av.AudioResampler(format=fmt, layout=layout, rate=self.rate)
                          if self.rate != self.in_rate else None)
        self.pts = int(round(start_s * self.rate))
        self.clipped = 0
        self.samples_in = 0
        self._end_pts: int | None = None  # where the last packet ends (encoders with an unflushed delay)
        self._mark_end = codec in FIXED_FRAME_ENCODERS and needs_marked_end(container)

    def encode(self, block: np.ndarray) -> None:
        """Encode and mux ``block`` ``[C, T]`` float32, a piece at a time (a chunk of minutes would
        otherwise be converted whole: several float64 copies of it)."""
        block = np.asarray(block, dtype=np.float32)
        for start in range(0, block.shape[1], PIECE_SAMPLES):
            self._encode_piece(block[:, start:start + PIECE_SAMPLES])

    def _encode_piece(self, block: np.ndarray) -> None:
        self.samples_in += block.shape[1]
        if self.lossy or self.bits:
            block, over = clip_to_full_scale(block)
            self.clipped += over
        if self.resampler is not None:
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format="fltp", layout=self.stream.layout)
            frame.sample_rate = self.in_rate
            frames = self.resampler.resample(frame)
        else:
            frames = [self._frame(block)]
        for frame in frames:
            self._mux(frame)

    def finish(self) -> None:
        """Flush the resampler and the encoder."""
        if self.resampler is not None:
            for frame in self.resampler.resample(None):
                self._mux(frame)
        tail = _UNFLUSHED_DELAY.get(self.stream.codec_context.name, 0)
        if tail and self.samples_in:
            self._end_pts = self.pts  # the last packet is cut here: the silence only pushes the tail out
            self._mux(self._frame(np.zeros((self.channels, tail), np.float32)))
        for packet in self.stream.encode(None):
            self._put(packet)

    def _put(self, packet) -> None:
        if self._end_pts is not None and packet.pts is not None and packet.pts + packet.duration > self._end_pts:
            packet.duration = self._end_pts - packet.pts
            if packet.duration <= 0:
                return
        frame_size = self.stream.codec_context.frame_size if self._mark_end else 0
        if packet.duration and packet.duration < frame_size:  # only the last packet is short
            mark_end_padding(packet, frame_size - packet.duration)
        self.container.mux(packet)

    def _frame(self, block: np.ndarray):
        data = integer_pcm(block, self.bits) if self.bits else block
        if not self.format.endswith("p"):  # packed: [1, T * C], channels interleaved
            data = data.T.reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=self.format, layout=self.stream.layout)
        frame.sample_rate = self.rate
        return frame

    def _mux(self, frame) -> None:
        frame.pts = self.pts
        frame.time_base = Fraction(1, self.rate)
        self.pts += frame.samples
        for packet in self.stream.encode(frame):
            self._put(packet)


def open_encoder(container, codec: str, sample_rate: int, channels: int = 2, bit_rate: int | None = None,
                 bits: int = 24, rates: tuple[int, ...] = (), start_s: float = 0.0):
    """An :class:`AudioEncoder` on ``container``, or for MP3 at the rates LAME takes as they are, the
    faster ``lameenc`` LAME (:class:`~.mp3_lame.LameMp3Stream`, the same interface)."""
    if codec == "libmp3lame" and mp3_lame.available(sample_rate):
        return mp3_lame.LameMp3Stream(container, sample_rate, channels, bit_rate, start_s=start_s)
    return AudioEncoder(container, codec, sample_rate, channels, bit_rate, bits=bits, rates=rates, start_s=start_s)


class AudioWriter:
    """A stereo file written block by block into ``path`` (usually a temporary name: the format comes from
    ``suffix``, not from the name). Use as a context manager; :attr:`clipped` after it closes."""

    def __init__(self, path: str | Path, suffix: str, sample_rate: int, channels: int = 2,
                 bit_rate: int | None = None, subtype: str | None = None, tags: dict | None = None,
                 cover: Cover | None = None):
        self.path, self.suffix = Path(path), suffix.lower()
        if self.suffix not in AUDIO_WRITE:
            raise FormatError(f"{path}: cannot write {suffix!r}; choose one of {', '.join(AUDIO_WRITE)}")
        self.spec: AudioOutput = AUDIO_WRITE[self.suffix]
        codec, bits = _codec_and_bits(self.suffix, self.spec, subtype)
        if bit_rate is None and self.spec.default_kbps:
            bit_rate = self.spec.default_kbps * 1000
        self.bit_rate = bit_rate if self.spec.lossy else None
        self.sample_rate, self.channels = int(sample_rate), channels
        self.tags, self.cover = dict(tags or {}), cover
        self.clipped = 0
        self._sf = self._container = self._encoder = None
        if self.spec.writer == "sndfile":
            self._open_sndfile()
        else:
            self._open_av(codec, bits)

    @property
    def output_rate(self) -> int:
        return self._encoder.rate if self._encoder is not None else self.sample_rate

    def _open_av(self, codec: str, bits: int) -> None:
        options = {}
        if self.spec.container == "mp4":  # edit lists in samples: the exact length survives
            options["movie_timescale"] = str(supported_rate(self.sample_rate, self.spec.rates_hz))
            options["brand"] = "M4A "
        if self.spec.container == "wav":
            options["rf64"] = "auto"  # past 4 GB
        try:
            self._container = av.open(str(self.path), "w", format=self.spec.container, options=options)
            self._encoder = open_encoder(self._container, codec, self.sample_rate, self.channels,
                                         self.bit_rate, bits=bits, rates=self.spec.rates_hz)
            cover_stream = add_cover(self._container, self.cover)
            write_tags(self._container, self._encoder.stream, self.tags, self.cover)
            self._container.start_encoding()
            write_cover(self._container, cover_stream, self.cover)
        except (av.error.FFmpegError, ValueError) as err:
            self.abort()
            raise AudioFileError(f"{self.path}: cannot write {self.suffix} ({_reason(err)})") from None

    def _open_sndfile(self) -> None:
        quality = _vorbis_quality(self.bit_rate or self.spec.default_kbps * 1000)
        try:
            self._sf = sf.SoundFile(str(self.path), "w", self.sample_rate, self.channels, format=self.spec.container,
                                    subtype=self.spec.codec, compression_level=1.0 - quality)
        except (sf.LibsndfileError, RuntimeError) as err:
            raise AudioFileError(f"{self.path}: cannot write {self.suffix} "
                                 f"({getattr(err, 'error_string', err)})") from None
        for key, value in self.tags.items():
            name = {"track": "tracknumber", "description": "comment"}.get(key.lower(), key.lower())
            if name in sf._str_types:
                try:
                    setattr(self._sf, name, str(value))
                except (RuntimeError, sf.LibsndfileError):
                    pass

    def write(self, block: np.ndarray) -> None:
        """Append ``block`` ``[C, T]`` float32."""
        try:
            if self._sf is not None:
                for start in range(0, block.shape[1], PIECE_SAMPLES):
                    piece, over = clip_to_full_scale(np.asarray(block[:, start:start + PIECE_SAMPLES], np.float32))
                    self.clipped += over
                    self._sf.write(np.ascontiguousarray(piece.T))
            else:
                self._encoder.encode(block)
        except (av.error.FFmpegError, sf.LibsndfileError, RuntimeError) as err:
            raise AudioFileError(f"{self.path}: cannot write {self.suffix} ({_reason(err)})") from None

    def close(self) -> None:
        if self._sf is not None:
            self._sf.close()
            self._sf = None
            try:
                add_ogg_picture(self.path, self.cover)
            except (av.error.FFmpegError, OSError) as err:
                raise AudioFileError(f"{self.path}: cannot write {self.suffix} ({_reason(err)})") from None
        if self._container is not None:
            try:
                self._encoder.finish()
                self.clipped += self._encoder.clipped
            finally:
                self._container.close()
                self._container = None
            if isinstance(self._encoder, mp3_lame.LameMp3Stream):
                try:
                    mp3_lame.write_gapless_info(self.path, self._encoder.samples_in, self.channels)
                except (OSError, ValueError) as err:
                    raise AudioFileError(f"{self.path}: cannot write {self.suffix} ({err})") from None

    def abort(self) -> None:
        """Close without flushing (the caller deletes the file)."""
        for handle in (self._sf, self._container):
            try:
                if handle is not None:
                    handle.close()
            except Exception:  # noqa: BLE001 - the file is being thrown away
                pass
        self._sf = self._container = None

    def __enter__(self) -> "AudioWriter":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            try:
                self.close()
            except av.error.FFmpegError as err:
                raise AudioFileError(f"{self.path}: cannot write {self.suffix} ({_reason(err)})") from None
        else:
            self.abort()


def check_subtype(suffix: str, subtype: str | None) -> None:
    """A one-line :class:`FormatError` when ``--subtype`` does not apply to ``suffix``."""
    if subtype is None:
        return
    allowed = WAV_SUBTYPES if suffix == ".wav" else FLAC_SUBTYPES if suffix == ".flac" else ()
    if subtype.upper() not in allowed:
        where = f"for {suffix}: choose {', '.join(allowed)}" if allowed else "only applies to .wav and .flac outputs"
        raise FormatError(f"--subtype {subtype}: {where}")


def _codec_and_bits(suffix: str, spec: AudioOutput, subtype: str | None) -> tuple[str, int]:
    check_subtype(suffix, subtype)
    if suffix == ".wav":
        codec = WAV_SUBTYPES[(subtype or "FLOAT").upper()]
        return codec, _SAMPLE_FORMATS[codec][1]
    if suffix == ".flac":
        return "flac", 16 if (subtype or "").upper() == "PCM_16" else 24
    return spec.codec, 0


def _vorbis_quality(bit_rate: int) -> float:
    """libvorbis quality 0..1 for a stereo bit rate (its nominal rates at 44.1 kHz, interpolated)."""
    kbps = (96, 112, 128, 160, 192, 224, 256, 320, 500)
    quality = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    return float(np.interp(bit_rate / 1000, kbps, quality))


def _reason(err: Exception) -> str:
    return " ".join(str(getattr(err, "strerror", None) or err).split()).rstrip(".")
