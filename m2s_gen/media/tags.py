"""Tags and cover art: read from the input, written to the output where its format keeps them."""
from __future__ import annotations

import base64
import os
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

#: keys that describe the old file, not the music: never copied
TECHNICAL_KEYS = frozenset({"encoder", "major_brand", "minor_version", "compatible_brands", "handler_name",
                            "vendor_id", "encoded_by", "duration", "creation_time", "itunsmpb", "itunnorm",
                            "replaygain_track_gain", "replaygain_track_peak", "replaygain_album_gain",
                            "replaygain_album_peak", "r128_track_gain", "r128_album_gain", "metadata_block_picture",
                            "language"})
#: muxers that store a cover picture as an attached-picture stream
COVER_MUXERS = frozenset({"mp3", "ipod", "mp4", "mov", "flac", "matroska"})


@dataclass(frozen=True)
class Cover:
    """An embedded picture: its encoded bytes and what a stream needs to carry them."""
    codec: str  # "mjpeg" or "png"
    data: bytes
    width: int
    height: int
    pix_fmt: str


def tags_of(container, audio_stream=None) -> dict[str, str]:
    """The music's tags: the file's, then the audio stream's (Ogg keeps them there), technical keys left out."""
    tags = {}
    for source in (container.metadata, audio_stream.metadata if audio_stream is not None else {}):
        for key, value in source.items():
            if key.lower() not in TECHNICAL_KEYS and value and key not in tags:
                tags[key] = value
    return tags


def cover_of(container) -> Cover | None:
    """The first attached picture (MJPEG or PNG) of an open input, read without moving its position."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            continue
        ctx = stream.codec_context
        if ctx.name not in ("mjpeg", "png"):
            continue
        packet = _attached_packet(container, stream)
        if packet:
            return Cover(ctx.name, packet, int(ctx.width), int(ctx.height),
                         ctx.format.name if ctx.format is not None else "yuvj420p")
    return None


def _attached_packet(container, stream) -> bytes | None:
    try:
        for packet in container.demux(stream):
            if packet.size:
                return bytes(packet)
    except av.error.FFmpegError:
        return None
    finally:
        try:
            container.seek(0)
        except av.error.FFmpegError:
            pass
    return None


def add_cover(output, cover: Cover | None):
    """Add ``cover`` as an attached-picture stream of ``output`` (before any packet is written);
    -> the stream, or None when there is no cover or the format does not keep one."""
    if cover is None or output.format.name.split(",")[0] not in COVER_MUXERS:
        return None
    stream = output.add_stream(cover.codec)
    stream.width, stream.height = cover.width, cover.height
    stream.pix_fmt = cover.pix_fmt if cover.codec == "mjpeg" else "rgb24"
    stream.time_base = Fraction(1, 90_000)
    stream.disposition = av.stream.Disposition.attached_pic
    return stream


def write_cover(output, stream, cover: Cover | None) -> None:
    """Mux the picture's one packet into the stream :func:`add_cover` made."""
    if stream is None or cover is None:
        return
    packet = av.Packet(cover.data)
    packet.stream = stream
    packet.pts = packet.dts = 0
    packet.time_base = stream.time_base
    output.mux(packet)


def picture_comment(cover: Cover) -> str:
    """``cover`` as the value of an Ogg ``METADATA_BLOCK_PICTURE`` comment: a FLAC picture block (front
    cover, its MIME type, no description, its size) in base64, where Ogg players look for cover art."""
    mime = b"image/jpeg" if cover.codec == "mjpeg" else b"image/png"
    block = b"".join([struct.pack(">II", 3, len(mime)), mime, struct.pack(">I", 0),
                      struct.pack(">IIIII", cover.width, cover.height, 24, 0, len(cover.data)), cover.data])
    return base64.b64encode(block).decode("ascii")


def write_tags(output, stream, tags: dict[str, str], cover: Cover | None = None) -> None:
    """``tags`` on the file and, for Ogg (where players read them from the stream), on the stream too,
    with ``cover`` as its picture comment."""
    for key, value in tags.items():
        output.metadata[key] = value
        if output.format.name == "ogg" and stream is not None:
            stream.metadata[key] = value
    if output.format.name == "ogg" and stream is not None and cover is not None:
        stream.metadata["METADATA_BLOCK_PICTURE"] = picture_comment(cover)


def add_ogg_picture(path: Path, cover: Cover | None) -> None:
    """Add ``cover`` to the finished Ogg file ``path`` (one written by a library that cannot): its
    packets copied as they are into a new file with the picture comment, which then replaces it."""
    if cover is None:
        return
    staged = path.with_name(path.name + ".picture")
    try:
        with av.open(str(path)) as source, av.open(str(staged), "w", format="ogg") as output:
            audio = source.streams.audio[0]
            stream = output.add_stream_from_template(audio)
            for key, value in audio.metadata.items():
                stream.metadata[key] = value
            stream.metadata["METADATA_BLOCK_PICTURE"] = picture_comment(cover)
            for packet in source.demux(audio):
                if packet.dts is not None:
                    packet.stream = stream
                    output.mux(packet)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)
