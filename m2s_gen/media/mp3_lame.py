"""MP3 through the ``lameenc`` wheel's LAME, muxed by FFmpeg's MP3 muxer.

The LAME inside PyAV's wheel is a slow build: 15.8 s for 10 minutes of stereo at 320k on the
reference CPU, where the ``lameenc`` wheel's LAME (the same 3.100, the same quality setting) takes
6.6 s (BENCHMARKS.md). Its frames are muxed as packets by FFmpeg's MP3 muxer, which writes the ID3v2
tag (tags, cover art) and the Info frame; the encoder delay and padding are then written into the
Info frame's LAME tag (with its CRC), so that decoders give back the input's length to the sample.

Used for MPEG-1 rates (32, 44.1, 48 kHz) when ``lameenc`` imports; otherwise the writer falls back to
PyAV's own LAME. LAME gets 16-bit PCM here (its own input format); the MP3's coding noise is far above
16-bit quantisation.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from .end_trim import mark_end_padding, needs_marked_end
from .levels import PIECE_SAMPLES, clip_to_full_scale, integer_pcm

MPEG1_RATES = {44_100: 0, 48_000: 1, 32_000: 2}  # rate -> header index
SAMPLES_PER_FRAME = 1152
ENCODER_DELAY = 576  # LAME's delay before the first input sample; decoders skip 529 more themselves
DECODER_DELAY = 529  # the decoder's own delay (in an MP4 or Matroska the container skips it too)
LAME_QUALITY = 3  # LAME's own default algorithm quality, as through FFmpeg
_BITRATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_SIDE_INFO_BYTES = {1: 17, 2: 32}  # MPEG-1 layer III, mono / stereo


def available(sample_rate: int) -> bool:
    """True when ``lameenc`` imports and the rate is one MP3 takes as it is (MPEG-1)."""
    if int(sample_rate) not in MPEG1_RATES:
        return False
    try:
        import lameenc  # noqa: F401
    except ImportError:
        return False
    return True


def frame_bytes(header: bytes, sample_rate: int) -> int:
    """Length of the MPEG-1 layer III frame whose 4-byte ``header`` is given."""
    word = int.from_bytes(header, "big")
    if word >> 21 != 0x7FF or (word >> 19) & 3 != 3 or (word >> 17) & 3 != 1:
        raise ValueError(f"not an MPEG-1 layer III frame header: {header.hex()}")
    kbps = _BITRATES_KBPS[(word >> 12) & 15]
    return 144_000 * kbps // sample_rate + ((word >> 9) & 1)


class LameMp3Stream:
    """One MP3 stream of an open ``container``, fed ``[C, T]`` float32 blocks, its first sample at
    ``start_s``. In an ``mp3`` file the delay and padding go into the LAME tag
    (:func:`write_gapless_info`); in a video container the packets are timed so that its edit list (MP4,
    MOV) or codec delay (Matroska) skips the delay, and the last packet is cut at the input's end."""

    def __init__(self, container, sample_rate: int, channels: int, bit_rate: int, start_s: float = 0.0):
        import lameenc

        self.container, self.rate, self.channels = container, int(sample_rate), channels
        self.in_file = container.format.name == "mp3"
        self.start = int(round(start_s * self.rate))
        self.first_pts = self.start - (0 if self.in_file else ENCODER_DELAY + DECODER_DELAY)
        self.mark_end = needs_marked_end(container)
        self.encoder = lameenc.Encoder()
        self.encoder.set_bit_rate(int(round(bit_rate / 1000)))
        self.encoder.set_in_sample_rate(self.rate)
        self.encoder.set_out_sample_rate(self.rate)
        self.encoder.set_channels(channels)
        self.encoder.set_quality(LAME_QUALITY)
        # the stream the packets are muxed into (its own encoder is opened by FFmpeg but never fed)
        self.stream = container.add_stream("libmp3lame", rate=self.rate, layout="stereo" if channels == 2 else "mono")
        self.stream.bit_rate = int(bit_rate)
        self.stream.time_base = Fraction(1, self.rate)
        self.pending = b""
        self.num_frames = 0
        self.samples_in = 0
        self.clipped = 0

    def encode(self, block: np.ndarray) -> None:
        block = np.asarray(block, dtype=np.float32)
        for start in range(0, block.shape[1], PIECE_SAMPLES):
            piece, over = clip_to_full_scale(block[:, start:start + PIECE_SAMPLES])
            self.clipped += over
            self.samples_in += piece.shape[1]
            pcm = integer_pcm(piece, 16).astype("<i2")  # interleaved, little-endian: what LAME takes
            self._mux(bytes(self.encoder.encode(np.ascontiguousarray(pcm.T).tobytes())))

    def finish(self) -> None:
        self._mux(bytes(self.encoder.flush()), last=not self.in_file)
        if self.pending:
            raise ValueError(f"LAME left {len(self.pending)} bytes that are not a whole frame")

    def _mux(self, data: bytes, last: bool = False) -> None:
        """Mux the whole frames in ``data`` (the rest waits); ``last``: the flushed tail of a stream in a
        video container, cut at the input's end."""
        import av

        buffer, at = self.pending + data, 0
        while len(buffer) - at >= 4:
            size = frame_bytes(buffer[at:at + 4], self.rate)
            if len(buffer) - at < size:
                break
            packet = av.Packet(buffer[at:at + size])
            packet.stream = self.stream
            packet.time_base = Fraction(1, self.rate)  # the muxer may change the stream's (Matroska: 1 ms)
            packet.pts = packet.dts = self.first_pts + self.num_frames * SAMPLES_PER_FRAME
            packet.duration = SAMPLES_PER_FRAME
            self.num_frames += 1
            at += size
            if last:
                packet.duration = min(SAMPLES_PER_FRAME, self.start + self.samples_in - packet.pts)
                if packet.duration <= 0:
                    continue  # only padding
                if self.mark_end and packet.duration < SAMPLES_PER_FRAME:
                    mark_end_padding(packet, SAMPLES_PER_FRAME - packet.duration)
            self.container.mux(packet)
        self.pending = buffer[at:]


def _crc16(data: bytes) -> int:
    """CRC-16/ARC, the LAME tag's checksum."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _id3v2_length(head: bytes) -> int:
    if head[:3] != b"ID3":
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if head[5] & 0x10 else 0)


def write_gapless_info(path: str | Path, num_samples: int, channels: int) -> None:
    """Write the encoder delay and the end padding of ``num_samples`` input samples into the LAME tag of
    the Info frame that FFmpeg's muxer wrote at the start of ``path``, and the tag's CRC."""
    with open(path, "r+b") as handle:
        head = handle.read(10)
        start = _id3v2_length(head)
        handle.seek(start)
        frame = bytearray(handle.read(4 + _SIDE_INFO_BYTES[channels] + 120 + 36))
        info = 4 + _SIDE_INFO_BYTES[channels]
        if frame[info:info + 4] not in (b"Info", b"Xing") or not frame[info + 7] & 1:
            raise ValueError(f"{path}: no Info frame with a frame count where the muxer writes it")
        num_frames = int.from_bytes(frame[info + 8:info + 12], "big")
        padding = num_frames * SAMPLES_PER_FRAME - ENCODER_DELAY - int(num_samples)
        if not 0 <= padding < 4096:
            raise ValueError(f"{path}: {padding} samples of padding cannot be written in the LAME tag")
        flags = int.from_bytes(frame[info + 4:info + 8], "big")
        tag = info + 8 + 4 * (flags & 1) + 4 * (flags >> 1 & 1) + 100 * (flags >> 2 & 1) + 4 * (flags >> 3 & 1)
        if frame[tag:tag + 4] not in (b"Lavf", b"Lavc", b"LAME"):
            raise ValueError(f"{path}: the Info frame has no LAME tag")
        frame[tag + 21:tag + 24] = ((ENCODER_DELAY << 12) | padding).to_bytes(3, "big")
        frame[tag + 34:tag + 36] = _crc16(bytes(frame[:tag + 34])).to_bytes(2, "big")
        handle.seek(start)
        handle.write(frame)
