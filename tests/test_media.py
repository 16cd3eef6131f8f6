"""Media in and out: every read and write format, video remux, tags and cover art, --audio-stream,
mixed folders, hot inputs and bad inputs. Media are made in the test with PyAV."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import fold_error, leftovers, music_like
from media_files import (AUDIO_MAKERS, cover_jpeg, decode_audio, lag_samples, packets, with_attachment,
                         write_audio, write_camera_mov, write_video)

from m2s_gen import cli
from m2s_gen.audio_io import AudioFileError, read_audio
from m2s_gen.media.decode import read_stream
from m2s_gen.media.formats import FormatError
from m2s_gen.media.job import MediaOptions, upmix_media
from m2s_gen.media.probe import probe
from m2s_gen.media.timeline import TimelineReport

RATE = 44_100
TAGS = {"title": "A song", "artist": "Someone", "album": "An album"}


def _fake(mono, rate, index):
    """A mid-preserving stand-in for the model: a delayed side."""
    side = 0.3 * np.roll(mono, 7)
    return np.stack([mono + side, mono - side]).astype(np.float32)


def _snr_db(test, ref):
    n = min(test.shape[-1], ref.shape[-1])
    noise = np.sum((test[..., :n] - ref[..., :n]) ** 2)
    return 10 * np.log10(np.sum(ref[..., :n] ** 2) / max(noise, 1e-20))


@pytest.mark.parametrize("kind", list(AUDIO_MAKERS))
def test_every_read_format_decodes_to_its_length(tmp_path, kind):
    rate = 48_000 if kind == ".opus" else RATE
    mono = music_like(2 * rate + 321, rate)
    path = write_audio(tmp_path / f"in{kind}", mono, rate, kind=kind)
    audio, got_rate = read_audio(path)
    assert got_rate == rate and audio.shape[0] == 1
    if kind in (".wma", ".mka"):  # no delay signalled by these containers: FFmpeg cannot cut it
        assert abs(audio.shape[1] - mono.shape[0]) <= 2048
        return
    assert audio.shape[1] == mono.shape[0]
    assert lag_samples(audio[0], mono) == 0
    assert _snr_db(audio[0], mono) > (60 if kind in (".flac", ".wav", ".aiff", ".alac.m4a") else 10)


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".mp3", ".m4a", ".opus", ".ogg"])
def test_every_write_format_keeps_length_alignment_tags_and_cover(tmp_path, suffix):
    mono = music_like(3 * RATE + 77, RATE, peak=0.4)
    src = write_audio(tmp_path / "in.mp3", mono, RATE, tags=TAGS, cover=cover_jpeg())
    decoded, _ = decode_audio(src)
    out = upmix_media(src, tmp_path / f"out{suffix}", _fake).path
    stereo, rate = decode_audio(out)
    info = probe(out)
    repairs = TimelineReport()  # every packet's time follows from the one before
    read_stream(out, info.stream(0), report=repairs)
    assert repairs == TimelineReport(), repairs
    if suffix == ".opus":  # Opus is 48 kHz only: the same duration, resampled
        assert rate == 48_000 and abs(stereo.shape[1] - round(decoded.shape[1] * 48_000 / RATE)) <= 1
    else:
        assert rate == RATE and stereo.shape == (2, decoded.shape[1])
        fold = stereo.mean(0)
        if suffix in (".wav", ".flac"):
            assert fold_error(stereo, decoded[0]) <= (1e-6 if suffix == ".wav" else 2 ** -22)
        else:
            assert lag_samples(fold, decoded[0]) == 0 and _snr_db(fold, decoded[0]) > 15
    lower = {k.lower(): v for k, v in info.tags.items()}
    for key, value in TAGS.items():
        assert lower.get(key) == value, (suffix, info.tags)
    if suffix != ".wav":
        assert info.cover is not None and info.cover.data == cover_jpeg(), suffix
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", [".opus", ".ogg"])
def test_ogg_cover_comment_is_read_back_into_other_formats(tmp_path, suffix):
    src = write_audio(tmp_path / "in.mp3", music_like(RATE, RATE, peak=0.4), RATE, tags=TAGS, cover=cover_jpeg())
    ogg = upmix_media(src, tmp_path / f"mid{suffix}", _fake).path
    again = upmix_media(ogg, tmp_path / "out.flac", _fake).path
    cover = probe(again).cover
    assert cover is not None and cover.data == cover_jpeg() and (cover.width, cover.height) == (32, 24)
    assert leftovers(tmp_path) == []


def test_wav_subtypes_and_bitrate(tmp_path):
    mono = music_like(RATE, RATE)
    src = write_audio(tmp_path / "in.flac", mono, RATE)
    for subtype, codec in (("PCM_16", "pcm_s16le"), ("PCM_24", "pcm_s24le")):
        out = upmix_media(src, tmp_path / f"{subtype}.wav", _fake, MediaOptions(subtype=subtype)).path
        assert probe(out).audio[0].codec == codec
    small = upmix_media(src, tmp_path / "small.mp3", _fake, MediaOptions(bit_rate=96_000)).path
    large = upmix_media(src, tmp_path / "large.mp3", _fake).path  # 320k by default
    assert small.stat().st_size < 0.5 * large.stat().st_size
    with pytest.raises(FormatError, match="--subtype PCM_16: only applies to .wav and .flac"):
        upmix_media(src, tmp_path / "x.mp3", _fake, MediaOptions(subtype="PCM_16"))


def _noise(seconds, rate, seed):
    return music_like(int(seconds * rate), rate, seed=seed, peak=0.4)


def test_video_remux_copies_streams_and_replaces_the_audio_in_sync(tmp_path):
    srt = tmp_path / "subs.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:01,500\nHello\n\n2\n00:00:02,000 --> 00:00:02,800\nWorld\n")
    tracks = [_noise(3, RATE, 0), _noise(3, RATE, 1)]
    for muxer, suffix in (("mp4", ".mp4"), ("matroska", ".mkv")):
        src = write_video(tmp_path / f"film{suffix}", tracks[:1] if suffix == ".mp4" else tracks, RATE, 3.0, muxer,
                          audio_start_s=0.2, subtitles=srt if suffix == ".mkv" else None)
        out = upmix_media(src, tmp_path / f"film_stereo{suffix}", _fake).path
        assert packets(out, "video") == packets(src, "video")  # packet for packet
        before, after = probe(src), probe(out)
        assert [(s.codec, s.channels) for s in after.audio] == [("aac", 2)] + [("aac", 1)] * (len(before.audio) - 1)
        assert after.tags.get("title") == "A film"
        mono, _ = decode_audio(src)
        stereo, _ = decode_audio(out)
        repairs = TimelineReport()
        read_stream(out, after.audio[0], report=repairs)
        assert repairs == TimelineReport(), repairs
        from m2s_gen.media.decode import first_sample_s

        # in sync on the presentation timeline: the same end, the same start up to one AAC priming block
        # (FFmpeg marks the priming in an MP4 edit list only for tracks that start at 0)
        start_in, start_out = first_sample_s(src, before.audio[0]), first_sample_s(out, after.audio[0])
        assert abs((start_out + stereo.shape[1] / RATE) - (start_in + mono.shape[1] / RATE)) < 1e-3
        assert abs(start_out - start_in) <= 1024 / RATE + 1e-3
        assert lag_samples(stereo.mean(0), mono[0]) == round((start_in - start_out) * RATE)
        import av

        with av.open(str(src)) as a, av.open(str(out)) as b:
            assert [c["metadata"]["title"] for c in b.chapters()] == [c["metadata"]["title"] for c in a.chapters()]
        if suffix == ".mkv":
            assert packets(out, "subtitle") == packets(src, "subtitle")
    assert leftovers(tmp_path) == []


def test_matroska_attachments_are_kept(tmp_path, capsys):
    font = b"\x00\x01\x00\x00" + bytes(range(256)) * 4
    plain = write_video(tmp_path / "plain.mkv", [_noise(1, RATE, 0)], RATE, 1.0, "matroska", chapters=False)
    src = with_attachment(plain, tmp_path / "styled.mkv", "Subtitle Font.ttf", "font/ttf", font)
    out = upmix_media(src, tmp_path / "styled_stereo.mkv", _fake).path
    import av

    with av.open(str(out)) as container:
        attached = [s for s in container.streams if s.type == "attachment"]
        assert [(s.name, s.mimetype, bytes(s.data)) for s in attached] == [("Subtitle Font.ttf", "font/ttf", font)]
    said = []
    upmix_media(src, tmp_path / "styled_stereo.mp4", _fake, say=said.append)  # MP4 holds no attachments
    assert said == [f"{tmp_path / 'styled_stereo.mp4'}: left out stream 2 (attachment Subtitle Font.ttf): "
                    "mp4 cannot hold it"]


@pytest.mark.parametrize("suffix", [".mov", ".mp4", ".mkv"])
def test_a_cameras_timecode_and_pcm_are_kept(tmp_path, suffix):
    src = write_camera_mov(tmp_path / "camera.mov", _noise(1, RATE, 0), RATE, timecode="10:00:00:00")
    said = []
    out = upmix_media(src, tmp_path / f"camera_stereo{suffix}", _fake, say=said.append).path
    assert said == []  # nothing left out
    import av

    with av.open(str(out)) as container:
        tags = [{k.lower(): v for k, v in s.metadata.items()} for s in container.streams]
        assert tags[0].get("timecode") == "10:00:00:00"  # the video's
        if suffix in (".mov", ".mp4"):  # and a timecode track again
            assert [s.type for s in container.streams] == ["video", "audio", "data"]
            assert tags[2]["timecode"] == "10:00:00:00"
        codec = container.streams.audio[0].codec_context.name
    assert codec == ("aac" if suffix == ".mp4" else "pcm_s24le")  # PCM stays PCM where the container takes it


def test_audio_stream_choice_and_keeping_the_original(tmp_path):
    tracks = [_noise(2, RATE, 0), _noise(2, RATE, 1)]
    src = write_video(tmp_path / "two.mkv", tracks, RATE, 2.0, "matroska")
    out = upmix_media(src, tmp_path / "out.mkv", _fake,
                      MediaOptions(audio_stream=1, keep_original_audio=True)).path
    info = probe(out)
    assert [(s.channels, s.language) for s in info.audio] == [(1, "eng"), (2, "fra"), (1, "fra")]
    second, _ = decode_audio(src, 1)
    assert lag_samples(decode_audio(out, 1)[0].mean(0), second[0]) == 0
    with pytest.raises(AudioFileError, match=r"two.mkv: no audio stream 2; it has 2: 0 \(aac, 1 ch, 44100 Hz, eng\)"):
        upmix_media(src, tmp_path / "bad.mkv", _fake, MediaOptions(audio_stream=2))
    with pytest.raises(FormatError, match="--keep-original-audio: only for video outputs"):
        upmix_media(src, tmp_path / "x.flac", _fake, MediaOptions(keep_original_audio=True))


def test_video_in_audio_out_and_mixed_folder(tmp_path, capsys):
    folder = tmp_path / "mixed"
    folder.mkdir()
    write_audio(folder / "mono.mp3", _noise(1, RATE, 0), RATE)
    write_audio(folder / "mono.ogg.flac", _noise(1, RATE, 1), RATE, kind=".flac")
    write_audio(folder / "tune.wma", _noise(1, RATE, 2), RATE)
    import soundfile as sf

    sf.write(str(folder / "mono.ogg"), _noise(1, RATE, 3), RATE, format="OGG", subtype="VORBIS")
    write_video(folder / "clip.avi", [_noise(1, RATE, 4)], RATE, 1.0, "avi", audio_codec="libmp3lame", chapters=False)
    (folder / "notes.txt").write_text("not media")
    (folder / "broken.mp3").write_bytes(b"\xff\xfb" + bytes(300))
    code = cli.main(["upmix", str(folder), "-o", str(tmp_path / "out"), "--baseline", "haas_mid"])
    err = capsys.readouterr().err
    assert code == 1  # broken.mp3 fails; notes.txt is only listed
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["clip.mkv", "mono.mp3", "mono.ogg", "mono.ogg.flac", "tune.m4a"]
    assert "5 written, 0 skipped, 1 failed, 1 not media" in err
    assert f"{folder / 'broken.mp3'}: " in err and f"not processed: {folder / 'notes.txt'}: " in err
    assert len([line for line in err.splitlines() if " -> " in line]) == 5  # a line per file: not a terminal
    assert leftovers(tmp_path) == []


def test_hot_input_warns_and_counts_clipping(tmp_path, capsys):
    mono = music_like(RATE, RATE, peak=2.0)  # +6 dBFS
    import soundfile as sf

    src = tmp_path / "hot.wav"
    sf.write(str(src), mono, RATE, subtype="FLOAT")
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "hot.flac"), "--baseline", "haas_mid"]) == 0
    err = capsys.readouterr().err
    assert "input peaks at +6.0 dBFS, above full scale" in err and "--gain-db -6.2" in err
    assert "samples clipped at full scale (the stereo peaks at +" in err
    stereo, _ = read_audio(tmp_path / "hot.flac")
    assert np.abs(stereo).max() <= 1.0  # clipped, not wrapped
    keeps = err.rsplit("--gain-db ", 1)[1].split()[0]  # the gain the end of the run names
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "kept.flac"), "--baseline", "haas_mid",
                     "--gain-db", keeps]) == 0
    assert "clipped" not in capsys.readouterr().err
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "ok.wav"), "--baseline", "haas_mid",
                     "--gain-db", "-6.1"]) == 0
    err = capsys.readouterr().err
    assert "above full scale" not in err and "clipped" not in err
    stereo, _ = read_audio(tmp_path / "ok.wav")
    assert fold_error(stereo, mono * 10 ** (-6.1 / 20)) <= 1e-6  # the fold-down is the scaled input


def _truncated_flac(tmp):
    path = write_audio(tmp / "cut.flac", _noise(3, RATE, 0), RATE)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path, "truncated or corrupt"


def _video_only(tmp):
    path = write_video(tmp / "silent.mp4", [], RATE, 1.0, "mp4", chapters=False)
    return path, "no audio stream (video h264)"


def _cut_mp4(tmp):
    path = write_video(tmp / "cut.mp4", [_noise(1, RATE, 0)], RATE, 1.0, "mp4", chapters=False)
    path.write_bytes(path.read_bytes()[:2000])
    return path, "not a readable audio file"


def test_a_stereo_that_peaks_above_full_scale_names_the_gain_that_keeps_it(tmp_path):
    mono = music_like(RATE, RATE, peak=0.95)  # within full scale; the fake's side adds up to 30 %
    src = write_audio(tmp_path / "loud.flac", mono, RATE)
    said = []
    result = upmix_media(src, tmp_path / "loud.mp3", _fake, say=said.append)
    assert result.clipped > 0 and not any("input peaks" in line for line in said)
    line = next(line for line in said if "clipped at full scale" in line)
    gain_db = float(line.rsplit("--gain-db ", 1)[1])
    assert -3.0 < gain_db < 0.0 and "the stereo peaks at +" in line
    said = []
    again = upmix_media(src, tmp_path / "fits.mp3", _fake, MediaOptions(gain_db=gain_db), say=said.append)
    assert again.clipped == 0 and said == []


@pytest.mark.parametrize("make", [_truncated_flac, _video_only, _cut_mp4], ids=lambda f: f.__name__.strip("_"))
def test_bad_media_inputs(tmp_path, capsys, make):
    path, problem = make(tmp_path)
    for out in ("out.wav", "out.mp4"):
        assert cli.main(["upmix", str(path), "-o", str(tmp_path / out), "--baseline", "haas_mid"]) == 1
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"m2s: error: {path}: ") and problem in lines[0], lines
        assert not (tmp_path / out).exists()
    assert leftovers(tmp_path) == [] and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_video_the_output_cannot_hold_is_refused_not_dropped(tmp_path, capsys):
    flash = write_video(tmp_path / "old.flv", [_noise(1, 44_100, 0)], 44_100, 1.0, "flv", audio_codec="libmp3lame",
                        chapters=False, video_codec="flv")
    for out in ("old.mp4", "old.mkv"):
        assert cli.main(["upmix", str(flash), "-o", str(tmp_path / out), "--baseline", "haas_mid"]) == 1
        assert capsys.readouterr().err.strip() == (
            f"m2s: error: {flash}: its video (flv) cannot go into .{out.split('.')[1]}; no video output here can: "
            "upmix to an audio file (e.g. .flac) or convert the video first")
    assert cli.main(["upmix", str(flash), "-o", str(tmp_path / "old.flac"), "--baseline", "haas_mid"]) == 0
    mpeg = write_video(tmp_path / "prog.mpg", [_noise(1, RATE, 0)], RATE, 1.0, "mpeg", audio_codec="mp2",
                       chapters=False, video_codec="mpeg2video")
    assert cli.main(["upmix", str(mpeg), "-o", str(tmp_path / "prog.webm"), "--baseline", "haas_mid"]) == 1
    assert capsys.readouterr().err.strip().endswith("its video (mpeg2video) cannot go into .webm; .mp4, .m4v, .mov, "
                                                    ".mkv can")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.flac", "old.flv", "prog.mpg"]
    # in a folder, where no output was named, such a video gives its audio (.m4a from a lossy source)
    assert cli.main(["upmix", str(flash), "-o", str(tmp_path / "out") + "/", "--baseline", "haas_mid"]) == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["old.m4a"]


def test_bad_options_name_the_problem(tmp_path, capsys):
    src = write_audio(tmp_path / "in.mp3", _noise(1, RATE, 0), RATE)
    cases = [(["-o", str(tmp_path / "out.xyz")], f"{tmp_path / 'out.xyz'}: cannot write '.xyz'; choose one of .wav"),
             (["-o", str(tmp_path / "out.mkv"), "--audio-stream", "3"], "no audio stream 3; it has 1: 0 (mp3"),
             (["-o", str(src), "--overwrite"], "overwrite the input")]
    for extra, problem in cases:
        assert cli.main(["upmix", str(src), *extra, "--baseline", "haas_mid"]) == 1
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and problem in lines[0], lines
    assert leftovers(tmp_path) == []
