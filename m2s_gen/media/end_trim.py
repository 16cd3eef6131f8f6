"""The end of a stream in Matroska: its last packet's padding, marked for the decoder to drop.

MP4 cuts a stream where its last packet's duration ends; Matroska ignores that duration and keeps the
encoder's whole last frame unless the packet carries FFmpeg's "skip samples" side data, which its muxer
writes as the block's DiscardPadding. FFmpeg's AAC and AC-3 encoders do not attach it (its LAME and Opus
encoders do), so it is attached here.

PyAV can copy side data between packets but not create it: a template is taken once from a packet of
PyAV's own LAME encoder (one frame of silence, to a null output) and its ten bytes rewritten.
"""
from __future__ import annotations

import av
import numpy as np
from av.packet import PacketSideData

#: encoders whose frames all have the stream's frame size and that mark no padding themselves
FIXED_FRAME_ENCODERS = frozenset({"aac", "ac3", "eac3"})
_template: av.Packet | None = None


def _skip_samples_template() -> av.Packet:
    """A packet that carries skip-samples side data (what it says does not matter: it is rewritten)."""
    global _template
    if _template is None:
        with av.open("/dev/null", "w", format="null") as sink:
            stream = sink.add_stream("libmp3lame", rate=48_000, layout="mono")
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1152), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 48_000, 0
            for packet in stream.encode(frame) + stream.encode(None):
                if packet.has_sidedata("skip_samples"):
                    _template = av.Packet(b"\0")
                    PacketSideData.from_packet(packet, "skip_samples").to_packet(_template)
                    break
        if _template is None:
            raise RuntimeError("PyAV's LAME gave no skip-samples side data to copy")
    return _template


def needs_marked_end(container) -> bool:
    """True for an output container that keeps a last frame whole unless its padding is marked
    (Matroska, WebM); MP4 and MOV cut it where the packet's duration ends."""
    return container.format.name in ("matroska", "webm")


def mark_end_padding(packet: av.Packet, padding: int) -> None:
    """Tell the decoder to drop the last ``padding`` samples of ``packet`` (the stream's last)."""
    side = PacketSideData.from_packet(_skip_samples_template(), "skip_samples")
    # FFmpeg's layout: samples to skip at the start, at the end (little-endian 32-bit), two reason bytes
    memoryview(side)[:10] = (0).to_bytes(4, "little") + int(padding).to_bytes(4, "little") + b"\0\0"
    side.to_packet(packet)
