"""Small media files made in the test with PyAV: audio in any codec, videos with several audio tracks,
subtitles, chapters, tags and cover art."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

#: extension -> (muxer, encoder, sample format) for inputs made with PyAV
AUDIO_MAKERS = {".mp3": ("mp3", "libmp3lame", "fltp"), ".m4a": ("mp4", "aac", "fltp"),
                ".alac.m4a": ("mp4", "alac", "s16p"), ".opus": ("ogg", "libopus", "flt"),
                ".wma": ("asf", "wmav2", "fltp"), ".flac": ("flac", "flac", "s16"), ".wav": ("wav", "pcm_s16le", "s16"),
                ".aiff": ("aiff", "pcm_s16be", "s16"), ".mka": ("matroska", "aac", "fltp")}


def _frames(audio: np.ndarray, rate: int, fmt: str, block: int = 4096):
    layout = "mono" if audio.shape[0] == 1 else "stereo"
    for start in range(0, audio.shape[1], block):
        data = audio[:, start:start + block]
        if fmt.startswith("s16"):
            data = np.clip(np.round(data * 32767), -32768, 32767).astype(np.int16)
        if not fmt.endswith("p"):
            data = data.T.reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout=layout)
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        yield frame


def cover_jpeg(width: int = 32, height: int = 24) -> bytes:
    ctx = av.CodecContext.create("mjpeg", "w")
    ctx.width, ctx.height, ctx.pix_fmt, ctx.time_base = width, height, "yuvj420p", Fraction(1, 25)
    image = av.VideoFrame.from_ndarray(np.full((height, width, 3), 180, np.uint8), format="rgb24")
    return bytes((ctx.encode(image.reformat(format="yuvj420p")) + ctx.encode(None))[0])


def write_audio(path: Path, audio: np.ndarray, rate: int, kind: str | None = None, tags: dict | None = None,
                cover: bytes | None = None) -> Path:
    """``audio`` ``[C, T]`` (or ``[T]``) float32 -> ``path`` in the codec :data:`AUDIO_MAKERS` gives ``kind``
    (default: the path's extension)."""
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
    muxer, codec, fmt = AUDIO_MAKERS[kind or Path(path).suffix.lower()]
    options = {"movie_timescale": str(rate)} if muxer == "mp4" else {}  # a sample-exact edit list
    with av.open(str(path), "w", format=muxer, options=options) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono" if audio.shape[0] == 1 else "stereo", format=fmt)
        if codec in ("libmp3lame", "aac", "wmav2"):
            stream.bit_rate = 192_000
        picture = None
        if cover is not None:
            picture = out.add_stream("mjpeg")
            picture.width, picture.height, picture.pix_fmt = 32, 24, "yuvj420p"
            picture.disposition = av.stream.Disposition.attached_pic
        for key, value in (tags or {}).items():
            out.metadata[key] = value
            if muxer == "ogg":
                stream.metadata[key] = value
        out.start_encoding()
        if picture is not None:
            packet = av.Packet(cover)
            packet.stream, packet.pts, packet.dts, packet.time_base = picture, 0, 0, Fraction(1, 90_000)
            out.mux(packet)
        for frame in _frames(audio, rate, fmt):
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return Path(path)


def write_video(path: Path, tracks: list[np.ndarray], rate: int, seconds: float, muxer: str,
                audio_codec: str = "aac", audio_start_s: float = 0.0, subtitles: Path | None = None,
                chapters: bool = True, audio_gap: tuple[float, float] | None = None,
                video_codec: str = "libx264") -> Path:
    """A small video (H.264, or ``video_codec``) with one audio stream per ``tracks`` entry (``[T]`` mono or ``[2, T]`` float32), chapters,
    and subtitles copied from an .srt file when given. ``audio_gap=(at_s, seconds)``: the audio's
    timestamps jump forwards by ``seconds`` at ``at_s`` of the track (a capture that lost packets)."""
    fps = 25
    with av.open(str(path), "w", format=muxer) as out:
        video = out.add_stream(video_codec, rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio_streams = []
        for k, track in enumerate(tracks):
            stream = out.add_stream(audio_codec, rate=rate, layout="mono" if np.ndim(track) == 1 else "stereo")
            stream.metadata["language"] = ("eng", "fra", "deu")[k]
            audio_streams.append(stream)
        srt = sub_stream = None
        if subtitles is not None:
            srt = av.open(str(subtitles))
            sub_stream = out.add_stream_from_template(srt.streams.subtitles[0])
        out.metadata["title"] = "A film"
        if chapters:
            ms = Fraction(1, 1000)
            half = int(seconds * 500)
            out.set_chapters([{"id": 1, "start": 0, "end": half, "time_base": ms, "metadata": {"title": "One"}},
                              {"id": 2, "start": half, "end": 2 * half, "time_base": ms, "metadata": {"title": "Two"}}])
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), (i * 7) % 255, np.uint8), format="rgb24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        for stream, track in zip(audio_streams, tracks):
            offset = int(round(audio_start_s * rate))
            block = stream.codec_context.frame_size or 4096  # whole codec frames: a jump stays where it is put
            formats = [f.name for f in stream.codec_context.codec.audio_formats or ()]
            fmt = "fltp" if "fltp" in formats else stream.format.name  # float where the encoder takes it
            for frame in _frames(np.atleast_2d(np.asarray(track, np.float32)), rate, fmt, block):
                if audio_gap is not None and frame.pts >= audio_gap[0] * rate:
                    frame.pts += int(round(audio_gap[1] * rate))
                frame.pts += offset
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
        if srt is not None:
            for packet in srt.demux(srt.streams.subtitles[0]):
                if packet.size:
                    packet.stream = sub_stream
                    out.mux(packet)
            srt.close()
    return Path(path)


def with_attachment(src: Path, dst: Path, name: str, mimetype: str, data: bytes) -> Path:
    """``src`` (Matroska) copied into ``dst`` with a file attached (as a font for styled subtitles is)."""
    with av.open(str(src)) as source, av.open(str(dst), "w", format="matroska") as out:
        copies = {s.index: out.add_stream_from_template(s) for s in source.streams}
        out.add_attachment(name, mimetype, data)
        for packet in source.demux():
            if packet.size:
                packet.stream = copies[packet.stream_index]
                out.mux(packet)
    return Path(dst)


def write_camera_mov(path: Path, mono: np.ndarray, rate: int, timecode: str = "10:00:00:00") -> Path:
    """A QuickTime file as a camera writes it: H.264, 16-bit PCM, and a timecode track."""
    seconds = mono.shape[-1] / rate
    with av.open(str(path), "w", format="mov") as out:
        video = out.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.metadata["timecode"] = timecode  # the muxer writes the timecode track from it
        audio = out.add_stream("pcm_s16le", rate=rate, layout="mono")
        for i in range(int(seconds * 25)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 90, np.uint8), format="rgb24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        for frame in _frames(np.atleast_2d(mono), rate, "s16"):
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)
    return Path(path)


def decode_audio(path: Path, position: int = 0) -> tuple[np.ndarray, int]:
    from m2s_gen.media.decode import read_stream
    from m2s_gen.media.probe import probe

    stream = probe(path).stream(position)
    return read_stream(path, stream), stream.sample_rate


def packets(path: Path, kind: str) -> list[bytes]:
    """The bytes of every packet of the first stream of ``kind`` ("video", "subtitle")."""
    with av.open(str(path)) as container:
        stream = getattr(container.streams, {"video": "video", "subtitle": "subtitles"}[kind])[0]
        return [bytes(p) for p in container.demux(stream) if p.size]


def lag_samples(a: np.ndarray, b: np.ndarray, max_lag: int = 3000) -> int:
    """The shift of ``a`` against ``b`` that correlates best (0: aligned)."""
    n = min(a.shape[-1], b.shape[-1]) - 2 * max_lag
    ref = b[max_lag:max_lag + n]
    scores = [float(np.dot(a[max_lag + lag:max_lag + lag + n], ref)) for lag in range(-max_lag, max_lag + 1)]
    return int(np.argmax(scores)) - max_lag
