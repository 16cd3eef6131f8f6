"""MP3 outputs: the lameenc path and PyAV's own LAME give the input's length to the sample, in line,
with tags and cover art; the LAME tag the length depends on carries a valid CRC; the lameenc path in a
video container is exact too."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import music_like
from media_files import cover_jpeg, decode_audio, lag_samples
from m2s_gen.media import mp3_lame
from m2s_gen.media.encode import AudioWriter
from m2s_gen.media.probe import probe

TAGS = {"title": "Info Xing LAME", "artist": "Someone"}  # words the tag patcher must not be fooled by


def _write(path, stereo, rate):
    with AudioWriter(path, ".mp3", rate, 2, tags=TAGS, cover=None) as writer:
        for start in range(0, stereo.shape[1], 7_000):  # blocks that are not whole MP3 frames
            writer.write(stereo[:, start:start + 7_000])
    return writer


def _lame_tag(path):
    data = open(path, "rb").read()
    start = mp3_lame._id3v2_length(data[:10])
    info = start + 4 + 32
    assert data[info:info + 4] == b"Info"
    tag = info + 120
    return data[start:tag + 36], tag - start


@pytest.mark.parametrize("rate", [32_000, 44_100, 48_000])
@pytest.mark.parametrize("use_lameenc", [True, False])
def test_mp3_is_exact_in_length_and_in_line(tmp_path, monkeypatch, rate, use_lameenc):
    if use_lameenc:
        pytest.importorskip("lameenc")
    else:
        monkeypatch.setattr(mp3_lame, "available", lambda sample_rate: False)
    n = 2 * rate + 333
    stereo = np.stack([music_like(n, rate, seed=1, peak=0.4), music_like(n, rate, seed=2, peak=0.4)])
    writer = _write(tmp_path / "out.mp3", stereo, rate)
    assert isinstance(writer._encoder, mp3_lame.LameMp3Stream) == use_lameenc
    decoded, got_rate = decode_audio(tmp_path / "out.mp3")
    assert got_rate == rate and decoded.shape == stereo.shape
    for channel in range(2):
        assert lag_samples(decoded[channel], stereo[channel]) == 0
        noise = decoded[channel] - stereo[channel]
        assert 10 * np.log10((stereo[channel] ** 2).sum() / (noise ** 2).sum()) > 15
    assert {k.lower(): v for k, v in probe(tmp_path / "out.mp3").tags.items()}["title"] == TAGS["title"]
    frame, tag = _lame_tag(tmp_path / "out.mp3")
    assert int.from_bytes(frame[tag + 34:tag + 36], "big") == mp3_lame._crc16(frame[:tag + 34])


def test_lameenc_path_keeps_the_cover(tmp_path):
    pytest.importorskip("lameenc")
    from media_files import write_audio

    from m2s_gen.media.job import upmix_media

    src = write_audio(tmp_path / "in.flac", music_like(48_000, 48_000), 48_000, tags=TAGS, cover=cover_jpeg())
    out = upmix_media(src, tmp_path / "out.mp3", lambda mono, rate, index: np.stack([mono, mono])).path
    assert probe(out).cover.data == cover_jpeg()


def test_crc16_is_the_lame_tags():
    assert mp3_lame._crc16(b"123456789") == 0xBB3D  # CRC-16/ARC check value


def test_frame_bytes_rejects_what_is_not_mpeg1_layer3():
    assert mp3_lame.frame_bytes(bytes.fromhex("fffbe404"), 48_000) == 960  # 320k at 48 kHz
    with pytest.raises(ValueError):
        mp3_lame.frame_bytes(b"ID3\x04", 48_000)


@pytest.mark.parametrize("muxer", ["mp4", "matroska"])
def test_lameenc_in_a_video_container_is_exact_at_any_start(tmp_path, muxer):
    import av

    from m2s_gen.media.decode import first_sample_s
    from m2s_gen.media.encode import open_encoder

    rate, start_s = 48_000, 0.5
    stereo = np.stack([music_like(rate + 77, rate, peak=0.4)] * 2)
    path = tmp_path / f"a.{'mp4' if muxer == 'mp4' else 'mkv'}"
    options = {"movie_timescale": str(rate)} if muxer == "mp4" else {}
    with av.open(str(path), "w", format=muxer, options=options) as out:
        encoder = open_encoder(out, "libmp3lame", rate, 2, 320_000, start_s=start_s)
        assert isinstance(encoder, mp3_lame.LameMp3Stream)
        encoder.encode(stereo)
        encoder.finish()
    decoded, _ = decode_audio(path)
    start = first_sample_s(path, probe(path).stream(0))
    # the end is exact; an MP4 marks LAME's delay only for a stream at zero, so a later one starts with it
    delay = mp3_lame.ENCODER_DELAY + mp3_lame.DECODER_DELAY if muxer == "mp4" else 0
    assert round(start * rate) == round(start_s * rate) - delay
    assert decoded.shape[1] == stereo.shape[1] + delay
    assert lag_samples(decoded[0], stereo[0]) == delay
