"""Video out: every stream of the input copied packet for packet, the chosen audio stream replaced by the
stereo upmix (encoded in a codec the container takes), starting at the replaced stream's start time.

The stereo comes from a finished file (pass 1 wrote it), so memory stays bounded: packets are copied in
the input's order and the new audio is encoded just ahead of them, which keeps the output interleaved.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import av

from ..audio_io import AudioFileError
from .decode import first_sample_s, iter_blocks
from .encode import AudioEncoder
from .formats import _AAC_RATES, VIDEO_AUDIO_KBPS, VIDEO_WRITE, video_audio_encoder
from .probe import AudioStream, open_input, probe
from .tags import tags_of

_LEAD_S = 1.0  # the new audio is encoded this far ahead of the packets being copied
_CODEC_RATES = {"aac": _AAC_RATES, "libopus": (48_000,)}


def remux_with_audio(in_path: str | Path, stream: AudioStream, stereo_path: str | Path, out_tmp: str | Path,
                     suffix: str, bit_rate: int | None = None, keep_original: bool = False,
                     on_progress: Callable[[float], None] | None = None) -> list[str]:
    """Write ``out_tmp`` (format from ``suffix``, not from the name): ``in_path``'s streams copied, audio
    stream ``stream`` replaced by ``stereo_path`` (and kept after it as a second track if ``keep_original``).
    ``on_progress(seconds)`` is told the audio seconds written. Returns one line per stream the container
    could not take (left out)."""
    spec = VIDEO_WRITE[suffix]
    codec = video_audio_encoder(suffix, stream.codec)
    bit_rate = bit_rate or ((VIDEO_AUDIO_KBPS.get(codec) or 0) * 1000) or None
    stereo_info = probe(stereo_path).stream(0)
    rate = stereo_info.sample_rate
    options = {"movie_timescale": str(rate)} if spec.container in ("mp4", "mov") else {}
    left_out: list[str] = []
    start_s = first_sample_s(in_path, stream)
    with open_input(in_path) as src, av.open(str(out_tmp), "w", format=spec.container, options=options) as out:
        supported = out.supported_codecs
        mapping, encoder = {}, None
        for s in src.streams:
            name = s.codec_context.name if s.codec_context is not None else "unknown"
            if s.index == stream.index:
                encoder = AudioEncoder(out, codec, rate, 2, bit_rate, rates=_CODEC_RATES.get(codec, ()),
                                       start_s=start_s)
                for key in ("language", "title"):
                    if s.metadata.get(key):
                        encoder.stream.metadata[key] = s.metadata[key]
                encoder.stream.disposition = s.disposition | av.stream.Disposition.default
                if not keep_original:
                    continue
            if s.discard == av.stream.Discard.all:
                continue  # a track the demuxer reads for itself (MP4 chapter titles): the chapters are copied
            if s.type == "attachment" or name not in supported:
                left_out.append(f"stream {s.index} ({s.type} {name}): {spec.container} cannot hold it")
                continue
            try:
                copy = out.add_stream_from_template(s)
            except (ValueError, av.error.FFmpegError) as err:
                left_out.append(f"stream {s.index} ({s.type} {name}): {err}")
                continue
            copy.metadata.update(dict(s.metadata))
            disposition = s.disposition
            if s.index == stream.index:  # the original, kept as a second track: not the default one
                disposition &= ~av.stream.Disposition.default
            copy.disposition = disposition
            mapping[s.index] = copy
        for key, value in tags_of(src).items():
            out.metadata[key] = value
        try:
            out.set_chapters(src.chapters())
        except (ValueError, av.error.FFmpegError):
            left_out.append("chapters: the container cannot hold them")
        audio = iter_blocks(stereo_path, stereo_info, block_s=1.0)
        done_s = start_s

        def feed(until_s: float) -> None:
            nonlocal done_s
            while done_s < until_s:
                block = next(audio, None)
                if block is None:
                    done_s = float("inf")
                    return
                encoder.encode(block)
                done_s += block.shape[1] / rate
                if on_progress is not None:
                    on_progress(block.shape[1] / rate)

        try:
            copied = [src.streams[i] for i in mapping]
            for packet in src.demux(copied) if copied else ():
                if packet.dts is None and packet.pts is None:
                    continue  # a demuxer's end-of-stream marker
                when = packet.dts if packet.dts is not None else packet.pts
                feed(float(when * packet.time_base) + _LEAD_S)
                packet.stream = mapping[packet.stream_index]
                out.mux(packet)
            feed(float("inf"))
            encoder.finish()
        except av.error.FFmpegError as err:
            raise AudioFileError(f"{in_path}: cannot remux ({' '.join(str(err).split())})") from None
    return left_out
