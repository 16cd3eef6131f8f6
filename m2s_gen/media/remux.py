"""Video out: every stream of the input copied packet for packet, the chosen audio stream replaced by the
stereo upmix (encoded in a codec the container takes), starting at the replaced stream's start time.

:class:`VideoRemux` takes the stereo as it is made (``write(block)``, in order): each block is encoded, then
the input's packets up to :data:`_LEAD_S` before the end of the audio so far are copied, which keeps the
output interleaved and memory bounded; ``close()`` copies the rest. :func:`remux_with_audio` does the same
from a finished stereo file.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import av

from ..audio_io import AudioFileError
from .decode import first_sample_s, iter_blocks
from .encode import open_encoder
from .formats import VIDEO_AUDIO_CODECS, VIDEO_WRITE, video_audio_codec
from .probe import AudioStream, open_input, probe
from .tags import tags_of
from .timeline import ContinuousPackets, may_restart

_LEAD_S = 1.0  # the new audio is encoded this far ahead of the packets being copied


class VideoRemux:
    """Write ``out_tmp`` (format from ``suffix``, not from the name): ``in_path``'s streams copied, audio
    stream ``stream`` replaced by the stereo pushed with :meth:`write` (``[2, T]`` float32 at ``rate``),
    encoded with ``audio_codec`` (a :data:`~.formats.VIDEO_AUDIO_CODECS` name; None: the input stream's own
    where the container takes it, else the container's default), and kept after it as a second track if
    ``keep_original``. ``on_progress(seconds)`` is told the audio
    seconds written. :meth:`close` returns one line per stream the container could not take (left out);
    :meth:`abort` drops the output. Raises :class:`AudioFileError`."""

    def __init__(self, in_path: str | Path, stream: AudioStream, out_tmp: str | Path, suffix: str, rate: int,
                 bit_rate: int | None = None, keep_original: bool = False,
                 on_progress: Callable[[float], None] | None = None, audio_codec: str | None = None):
        spec = VIDEO_WRITE[suffix]
        codec = VIDEO_AUDIO_CODECS[video_audio_codec(suffix, stream.codec, audio_codec)]
        bit_rate = (bit_rate or codec.default_kbps * 1000) if codec.default_kbps else None  # None: lossless
        self.in_path, self.rate, self.on_progress = Path(in_path), int(rate), on_progress
        self.left_out: list[str] = []
        self.start_s = first_sample_s(in_path, stream)
        options = {"movie_timescale": str(rate)} if spec.container in ("mp4", "mov") else {}
        self.src = open_input(in_path)
        try:
            self.out = av.open(str(out_tmp), "w", format=spec.container, options=options)
        except BaseException:
            self.src.close()
            raise
        try:
            self._add_streams(stream, spec, codec, bit_rate, keep_original, suffix)
        except BaseException:
            self.abort()
            raise
        copied = [self.src.streams[i] for i in self.mapping]
        self.packets = iter(self.src.demux(copied)) if copied else iter(())
        self.waiting = None  # the next input packet, not yet due (its time already corrected)
        self.continuous = ContinuousPackets() if may_restart(self.src) else None  # joined recordings
        self.done_s = self.start_s

    def _add_streams(self, stream, spec, codec, bit_rate, keep_original, suffix) -> None:
        src, out = self.src, self.out
        supported = out.supported_codecs
        self.mapping, self.encoder, timecode = {}, None, None
        for s in src.streams:
            name = (s.name if s.type == "attachment" else s.codec_context.name if s.codec_context is not None
                    else None) or "unknown"
            if s.index == stream.index:
                self.encoder = open_encoder(out, codec.encoder, self.rate, 2, bit_rate, rates=codec.rates_hz,
                                            start_s=self.start_s)
                for key in ("language", "title"):
                    if s.metadata.get(key):
                        self.encoder.stream.metadata[key] = s.metadata[key]
                self.encoder.stream.disposition = s.disposition | av.stream.Disposition.default
                if not keep_original:
                    continue
            if s.discard == av.stream.Discard.all:
                continue  # a track the demuxer reads for itself (MP4 chapter titles): the chapters are copied
            if s.type == "data" and s.metadata.get("timecode"):
                timecode = s.metadata["timecode"]  # a QuickTime timecode track: written again from the video's tag
                continue
            if s.type == "attachment" and spec.container == "matroska":  # fonts of styled subtitles, ...
                self._copy_attachment(s)
                continue
            if s.type == "attachment" or name not in supported:
                self.left_out.append(f"stream {s.index} ({s.type} {name}): {spec.container} cannot hold it")
                continue
            try:
                copy = out.add_stream_from_template(s)
            except (ValueError, av.error.FFmpegError) as err:
                self.left_out.append(f"stream {s.index} ({s.type} {name}): {err}")
                continue
            copy.metadata.update(dict(s.metadata))
            disposition = s.disposition
            if s.index == stream.index:  # the original, kept as a second track: not the default one
                disposition &= ~av.stream.Disposition.default
            copy.disposition = disposition
            self.mapping[s.index] = copy
        pictures = [s for s in src.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
        videos = [copy for copy in self.mapping.values() if copy.type == "video"]
        if pictures and not videos:  # a "video" with no picture is not what was asked for
            codecs = [s.codec_context.name if s.codec_context is not None else "unknown" for s in pictures]
            names = ", ".join(sorted(set(codecs)))
            holders = [other for other, output in VIDEO_WRITE.items() if holds_codecs(output.container, codecs)]
            where = f"; {', '.join(holders)} can" if holders else (
                "; no video output here can: upmix to an audio file (e.g. .flac) or convert the video first")
            raise AudioFileError(f"{self.in_path}: its video ({names}) cannot go into {suffix}{where}")
        if timecode and videos and not any(v.metadata.get("timecode") for v in videos):
            videos[0].metadata["timecode"] = timecode  # MP4 and MOV write it as a timecode track again
        elif timecode and not videos:
            self.left_out.append(f"timecode {timecode}: no video stream to carry it")
        for key, value in tags_of(src).items():
            out.metadata[key] = value
        try:
            out.set_chapters(src.chapters())
        except (ValueError, av.error.FFmpegError):
            self.left_out.append("chapters: the container cannot hold them")

    def _copy_attachment(self, s) -> None:
        try:
            attachment = self.out.add_attachment(s.name or f"attachment{s.index}", s.mimetype or
                                                 "application/octet-stream", bytes(s.data or b""))
        except (ValueError, TypeError, av.error.FFmpegError) as err:
            self.left_out.append(f"stream {s.index} (attachment {s.name}): {err}")
            return
        for key, value in s.metadata.items():
            if key not in ("filename", "mimetype"):
                attachment.metadata[key] = value

    @property
    def clipped(self) -> int:
        return self.encoder.clipped

    def write(self, block) -> None:
        """Encode the next stereo ``block``, then copy the input's packets the audio is now ahead of."""
        try:
            self.encoder.encode(block)
            self.done_s += block.shape[1] / self.rate
            if self.on_progress is not None:
                self.on_progress(block.shape[1] / self.rate)
            self._copy_until(self.done_s - _LEAD_S)
        except av.error.FFmpegError as err:
            raise self._error(err) from None

    def _error(self, err: Exception) -> AudioFileError:
        return AudioFileError(f"{self.in_path}: cannot remux ({' '.join(str(err).split())})")

    def _copy_until(self, until_s: float) -> None:
        while True:
            if self.waiting is not None:
                (packet, at_s), self.waiting = self.waiting, None
            else:
                packet = next(self.packets, None)
                if packet is None:
                    return
                if packet.dts is None and packet.pts is None:
                    continue  # a demuxer's end-of-stream marker
                at_s = (self.continuous.correct(packet) if self.continuous is not None
                        else float((packet.dts if packet.dts is not None else packet.pts) * packet.time_base))
            if at_s > until_s:
                self.waiting = (packet, at_s)
                return
            packet.stream = self.mapping[packet.stream_index]
            self.out.mux(packet)

    def close(self) -> list[str]:
        """Copy the remaining packets, flush the encoder and close the output."""
        try:
            self._copy_until(float("inf"))
            self.encoder.finish()
            self.out.close()
        except av.error.FFmpegError as err:
            self.abort()
            raise self._error(err) from None
        self.src.close()
        return self.left_out

    def abort(self) -> None:
        for handle in (self.out, self.src):
            try:
                handle.close()
            except Exception:  # noqa: BLE001 - the output is being thrown away
                pass


def holds_codecs(container: str, codecs) -> bool:
    """Whether the muxer ``container`` takes every codec named in ``codecs`` (decoder names)."""
    with av.open(io.BytesIO(), "w", format=container) as probe_output:  # nothing is written
        supported = probe_output.supported_codecs
    return all(name in supported for name in codecs)


def remux_with_audio(in_path: str | Path, stream: AudioStream, stereo_path: str | Path, out_tmp: str | Path,
                     suffix: str, bit_rate: int | None = None, keep_original: bool = False,
                     on_progress: Callable[[float], None] | None = None, audio_codec: str | None = None) -> list[str]:
    """:class:`VideoRemux` fed from a finished stereo file ``stereo_path``; returns the left-out lines."""
    stereo_info = probe(stereo_path).stream(0)
    remux = VideoRemux(in_path, stream, out_tmp, suffix, stereo_info.sample_rate, bit_rate, keep_original,
                       on_progress, audio_codec)
    try:
        for block in iter_blocks(stereo_path, stereo_info, block_s=1.0):
            remux.write(block)
    except BaseException:
        remux.abort()
        raise
    return remux.close()
