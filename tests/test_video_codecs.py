"""A video's new audio track in every codec its container takes (``--audio-codec``): the video copied
packet for packet, the stereo in sync, the input's own codec kept by default, and wrong choices refused."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import fold_error, leftovers, music_like
from media_files import decode_audio, lag_samples, packets, write_video

from m2s_gen import cli
from m2s_gen.media.decode import first_sample_s, read_stream
from m2s_gen.media.formats import VIDEO_AUDIO_CODECS, VIDEO_WRITE, FormatError, video_audio_codec
from m2s_gen.media.job import MediaOptions, upmix_media
from m2s_gen.media.probe import probe
from m2s_gen.media.timeline import TimelineReport

RATE = 48_000
SECONDS = 1.6
#: --audio-codec name -> the decoder name a probe reports
DECODER = {"aac": "aac", "ac3": "ac3", "eac3": "eac3", "opus": "opus", "mp3": "mp3float", "flac": "flac",
           "alac": "alac", "pcm": "pcm_s24le"}


def _fake(mono, rate, index):
    """A mid-preserving stand-in for the model: a delayed side."""
    side = 0.3 * np.roll(mono, 7)
    return np.stack([mono + side, mono - side]).astype(np.float32)


def _snr_db(test, ref):
    n = min(test.shape[-1], ref.shape[-1])
    return 10 * np.log10(np.sum(ref[:n] ** 2) / max(np.sum((test[:n] - ref[:n]) ** 2), 1e-20))


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    """One small H.264 + AAC film per container, made once."""
    folder = tmp_path_factory.mktemp("films")
    mono = music_like(int(SECONDS * RATE) + 333, RATE, peak=0.4)  # no whole number of any codec's frames
    return {suffix: write_video(folder / f"film{suffix}", [mono], RATE, SECONDS, VIDEO_WRITE[suffix].container)
            for suffix in (".mp4", ".mov", ".mkv")}


CASES = [(suffix, codec) for suffix in (".mp4", ".mkv") for codec in VIDEO_WRITE[suffix].codecs]
CASES += [(".mov", "ac3"), (".mov", "alac"), (".mov", "pcm")]


@pytest.mark.parametrize("suffix,codec", CASES)
def test_every_codec_a_container_takes_is_written_in_sync(films, tmp_path, suffix, codec):
    src = films[suffix]
    out = upmix_media(src, tmp_path / f"out{suffix}", _fake, MediaOptions(audio_codec=codec)).path
    assert packets(out, "video") == packets(src, "video")
    before, after = probe(src).audio[0], probe(out).audio[0]
    assert (after.codec, after.channels) == (DECODER[codec], 2)
    mono, _ = decode_audio(src)
    stereo, rate = decode_audio(out)
    assert rate == RATE
    # the same end on the presentation timeline, to the sample (the last frame's padding cut in MP4 by the
    # packet's duration, in Matroska by the padding marked on it); the start within one codec frame
    start_in, start_out = first_sample_s(src, before), first_sample_s(out, after)
    end_in, end_out = start_in + mono.shape[1] / RATE, start_out + stereo.shape[1] / RATE
    assert abs(end_out - end_in) < 0.5 / RATE, (end_in, end_out)
    assert abs(start_out - start_in) <= 1536 / RATE + 1e-3
    fold = stereo.mean(0)
    assert lag_samples(fold, mono[0]) == round((start_in - start_out) * RATE)
    repairs = TimelineReport()  # each frame starts where the one before ends
    read_stream(out, after, report=repairs)
    assert repairs == TimelineReport(), repairs
    if codec in ("flac", "alac", "pcm"):  # lossless, 24-bit
        assert start_out == start_in and fold_error(stereo, mono[0]) <= 2 ** -22
    else:
        shift = round((start_in - start_out) * RATE)
        assert _snr_db(fold[shift:] if shift >= 0 else fold, mono[0] if shift >= 0 else mono[0][-shift:]) > 15
    assert leftovers(tmp_path) == []


def test_the_input_streams_own_codec_is_kept_where_the_container_takes_it(tmp_path):
    assert video_audio_codec(".mp4", "aac") == "aac"
    assert video_audio_codec(".mp4", "ac3") == "ac3"
    assert video_audio_codec(".mkv", "eac3") == "eac3"
    assert video_audio_codec(".mkv", "flac") == "flac"
    assert video_audio_codec(".mov", "flac") == "aac"  # QuickTime takes no FLAC: the default
    assert video_audio_codec(".mp4", "pcm_s16le") == "aac"
    assert video_audio_codec(".mov", "pcm_s16be") == "pcm"  # a camera's PCM stays PCM (24-bit)
    assert video_audio_codec(".mkv", "pcm_f32le") == "pcm"
    assert video_audio_codec(".webm", "aac") == "opus"
    assert video_audio_codec(".mp4", "ac3", chosen="aac") == "aac"
    mono = music_like(RATE, RATE, peak=0.4)
    src = write_video(tmp_path / "dvd.mkv", [mono], RATE, 1.0, "matroska", audio_codec="ac3")
    out = upmix_media(src, tmp_path / "dvd_stereo.mp4", _fake).path
    assert (probe(out).audio[0].codec, probe(out).audio[0].channels) == ("ac3", 2)


def test_codec_defaults_and_bitrate(films, tmp_path):
    assert {name: c.default_kbps for name, c in VIDEO_AUDIO_CODECS.items()} == {
        "aac": 256, "ac3": 448, "eac3": 384, "opus": 192, "mp3": 320, "flac": None, "alac": None, "pcm": None}
    small = upmix_media(films[".mkv"], tmp_path / "small.mkv", _fake,
                        MediaOptions(audio_codec="eac3", bit_rate=96_000)).path
    large = upmix_media(films[".mkv"], tmp_path / "large.mkv", _fake, MediaOptions(audio_codec="eac3")).path
    assert small.stat().st_size < large.stat().st_size - 0.5 * (384_000 - 96_000) / 8 * SECONDS
    # a lossless codec takes no bit rate: --bitrate is left to the lossy ones
    upmix_media(films[".mkv"], tmp_path / "flac.mkv", _fake, MediaOptions(audio_codec="flac", bit_rate=96_000))


def test_wrong_codec_choices_are_refused_in_one_line(films, tmp_path, capsys):
    with pytest.raises(FormatError, match=r"^--audio-codec ac3: \.webm takes opus$"):
        upmix_media(films[".mkv"], tmp_path / "x.webm", _fake, MediaOptions(audio_codec="ac3"))
    with pytest.raises(FormatError, match=r"^--audio-codec opus: \.mov takes aac, ac3, eac3, alac, mp3, pcm$"):
        upmix_media(films[".mov"], tmp_path / "x.mov", _fake, MediaOptions(audio_codec="opus"))
    with pytest.raises(FormatError, match=r"^--audio-codec: only for video outputs .* not \.flac"):
        upmix_media(films[".mp4"], tmp_path / "x.flac", _fake, MediaOptions(audio_codec="ac3"))
    assert cli.main(["upmix", str(films[".mkv"]), "-o", str(tmp_path / "y.webm"), "--audio-codec", "ac3",
                     "--baseline", "haas_mid"]) == 1
    assert capsys.readouterr().err.strip().endswith("--audio-codec ac3: .webm takes opus")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["upmix", str(films[".mkv"]), "-o", str(tmp_path / "y.mkv"), "--audio-codec", "dts"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'dts'" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_cli_writes_the_chosen_codec(films, tmp_path):
    out = tmp_path / "film_stereo.mp4"
    assert cli.main(["upmix", str(films[".mp4"]), "-o", str(out), "--audio-codec", "eac3",
                     "--baseline", "haas_mid"]) == 0
    assert probe(out).audio[0].codec == "eac3"
    assert packets(out, "video") == packets(films[".mp4"], "video")


@pytest.mark.parametrize("codec", ["aac", "ac3", "eac3"])
def test_matroska_cuts_the_last_frames_padding(tmp_path, codec):
    import av

    from m2s_gen.media.encode import AudioEncoder

    stereo = np.stack([music_like(RATE + 77, RATE, peak=0.4)] * 2)  # no whole number of frames
    path = tmp_path / "a.mkv"
    with av.open(str(path), "w", format="matroska") as out:
        encoder = AudioEncoder(out, codec, RATE, 2, 256_000)
        encoder.encode(stereo)
        encoder.finish()
    decoded, _ = decode_audio(path)
    assert decoded.shape == stereo.shape and lag_samples(decoded[0], stereo[0]) == 0
