"""Audio whose timestamps jump: the upmix stays in sync with the picture (gaps filled with silence,
overlaps dropped, restarts of MPEG-TS timestamps taken as they come), and the user is told."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import leftovers
from media_files import write_video

from m2s_gen.media.decode import first_sample_s, read_stream
from m2s_gen.media.job import upmix_media
from m2s_gen.media.probe import probe
from m2s_gen.media.timeline import TOLERANCE_S, Timeline, TimelineReport

RATE = 48_000


def test_a_gap_is_filled_exactly():
    line = Timeline(RATE)
    assert line.place(0.5, 1024) == (0, 0)  # the first frame sets where the stream starts
    assert line.place(0.5 + 1024 / RATE, 1024) == (0, 0)
    assert line.place(0.5 + 2048 / RATE + 0.25, 1024) == (12_000, 0)
    assert line.position == 3 * 1024 + 12_000
    assert line.report.filled == [(2048 / RATE, 0.25)]


def test_jitter_within_the_tolerance_is_left_alone():
    line = Timeline(RATE)
    at = 0.0
    for k in range(200):  # Matroska rounds each frame's start to the millisecond
        assert line.place(round(at, 3), 1024) == (0, 0)
        at += 1024 / RATE
    assert line.report == TimelineReport()
    assert TOLERANCE_S * RATE < 1024  # yet a lost frame is found


def test_an_overlap_is_dropped_across_frames():
    line = Timeline(RATE)
    line.place(0.0, 1024)
    back = 1024 / RATE - 0.05  # the next frames start 50 ms before the end of the first
    assert line.place(back, 1024) == (0, 1024)
    assert line.place(back + 1024 / RATE, 1024) == (0, 1024)
    assert line.place(back + 2048 / RATE, 1024) == (0, 352)  # 2400 samples in all
    assert line.place(back + 3072 / RATE, 1024) == (0, 0)
    assert line.report.dropped == [(1024 / RATE, pytest.approx(0.05))]
    assert line.position == 1024 + (1024 - 352) + 1024


@pytest.mark.parametrize("restarts", [False, True])
def test_restarting_timestamps_go_on_without_a_gap(restarts):
    line = Timeline(RATE, restarts=restarts)
    line.place(100.0, 1024)
    assert line.place(3.0, 1024) == (0, 0)  # backwards by far more than a frame: a restart
    assert line.place(3.0 + 1024 / RATE, 1024) == (0, 0)
    assert line.report.discontinuities == [1024 / RATE]
    silence, _ = line.place(3.0 + 2048 / RATE + 60.0, 1024)  # forwards by a minute
    assert silence == (0 if restarts else 60 * RATE)


def test_notices_name_the_file_and_what_was_done():
    report = TimelineReport(filled=[(5.0, 1.0), (9.0, 0.5)], dropped=[(2.0, 0.05)], discontinuities=[30.0])
    lines = report.notices("film.ts")
    assert lines[0] == ("film.ts: 2 gaps in the audio's timestamps (1.500 s in all, at 5.0 s, 9.0 s) filled with "
                        "silence to keep it in sync")
    assert "1 overlap " in lines[1] and "dropped" in lines[1]
    assert "restart at 30.0 s" in lines[2]
    assert TimelineReport().notices("x") == []


def _lag(out, reference, part, offset, max_lag=RATE // 4):
    """Where ``reference[part]`` is found in ``out`` (shifted by ``offset``), against where it should be."""
    ref = reference[part]
    window = out[part.start - offset - max_lag:part.stop - offset + max_lag]
    size = 1 << int(np.ceil(np.log2(window.size + ref.size)))
    scores = np.fft.irfft(np.fft.rfft(window, size) * np.conj(np.fft.rfft(ref, size)), size)[:2 * max_lag + 1]
    return int(np.argmax(scores)) - max_lag


def _fake(mono, rate, index):
    side = 0.2 * np.roll(mono, 5)
    return np.stack([mono + side, mono - side]).astype(np.float32)


@pytest.mark.parametrize("suffix,muxer,codec", [(".mkv", "matroska", "aac"), (".mp4", "mp4", "aac"),
                                                (".ts", "mpegts", "mp2")])
def test_a_video_whose_audio_lost_a_second_stays_in_sync(tmp_path, suffix, muxer, codec):
    rng = np.random.default_rng(3)
    seconds, gap_at, gap = 4.0, 1.5, 0.75
    mono = (0.2 * rng.standard_normal(int(seconds * RATE))).astype(np.float32)
    src = write_video(tmp_path / f"film{suffix}", [mono], RATE, seconds + gap, muxer, audio_codec=codec,
                      audio_gap=(gap_at, gap), chapters=False)
    said = []
    out = tmp_path / "out.mkv"
    upmix_media(src, out, _fake, say=said.append)
    assert any("1 gap in the audio's timestamps" in line and "filled with silence" in line for line in said), said

    stream_in, stream_out = probe(src).audio[0], probe(out).audio[0]
    decoded_in, decoded_out = read_stream(src, stream_in)[0], read_stream(out, stream_out).mean(0)
    # on the presentation timeline, the music after the gap is where the input's players put it
    offset = round((first_sample_s(out, stream_out) - first_sample_s(src, stream_in)) * RATE)
    after = slice(int((gap_at + gap + 0.5) * RATE), int((gap_at + gap + 1.5) * RATE))
    before = slice(int(0.3 * RATE), int(1.2 * RATE))
    lags = [_lag(decoded_out, decoded_in, part, offset) for part in (before, after)]
    assert lags[0] == lags[1] and abs(lags[0]) <= RATE // 2000, lags  # Matroska times to the millisecond
    assert abs(decoded_out.shape[0] - decoded_in.shape[0]) <= 1152
    assert decoded_in.shape[0] >= (seconds + gap - 0.05) * RATE  # the hole is in the decoded input too
    assert np.abs(decoded_in[int((gap_at + 0.1) * RATE):int((gap_at + gap - 0.1) * RATE)]).max() == 0
    assert leftovers(tmp_path) == []


def test_joined_recordings_go_on_where_their_timestamps_restart():
    line = Timeline(RATE, restarts=True)  # MPEG-TS: two 5 s recordings joined, both starting at 1.4 s
    line.place(1.4, 5 * RATE)
    assert line.place(1.4, 1024) == (0, 0)  # 5 s back in an MPEG-TS: a restart, nothing dropped
    assert line.place(1.4 + 1024 / RATE, 1024) == (0, 0)
    assert line.report.discontinuities == [5.0] and line.report.dropped == []
    other = Timeline(RATE)  # the same jump where timestamps never restart: an overlap, dropped
    other.place(1.4, 5 * RATE)
    assert other.place(1.4, 1024) == (0, 1024)


def test_a_jump_past_the_streams_length_is_a_damaged_timestamp():
    line = Timeline(RATE, length_s=60.0)
    line.place(0.0, 1024)
    assert line.place(5 * 3600.0, 1024) == (0, 0)  # five hours on, in a one-minute stream
    assert line.report.discontinuities == [1024 / RATE] and line.report.filled == []
    assert line.place(5 * 3600.0 + 1024 / RATE + 30.0, 1024)[0] == 30 * RATE  # a long gap inside it is filled


def test_joined_mpeg_ts_recordings_make_one_continuous_video(tmp_path):
    rng = np.random.default_rng(5)
    parts = [(0.2 * rng.standard_normal(int(2.0 * RATE))).astype(np.float32) for _ in range(2)]
    files = [write_video(tmp_path / f"part{k}.ts", [part], RATE, 2.0, "mpegts", audio_codec="mp2", chapters=False)
             for k, part in enumerate(parts)]
    joined = tmp_path / "joined.ts"  # as `cat part0.ts part1.ts > joined.ts` makes it
    joined.write_bytes(files[0].read_bytes() + files[1].read_bytes())
    said = []
    out = upmix_media(joined, tmp_path / "joined.mkv", _fake, say=said.append).path
    assert any("timestamps restart at" in line for line in said), said

    import av

    def video_times(path):
        with av.open(str(path)) as container:
            packets = [p for p in container.demux(container.streams.video[0]) if p.size]
            return [float(p.pts * p.time_base) for p in packets], [bytes(p) for p in packets]

    times, data = video_times(out)
    part_times, part_data = zip(*(video_times(f) for f in files))
    assert len(data) == len(part_data[0]) + len(part_data[1])  # every picture (Matroska stores H.264 its own way)
    first = len(part_times[0])
    video_end = max(part_times[0]) + 0.04  # 25 frames a second
    assert times[first:] == pytest.approx([t - min(part_times[1]) + video_end for t in part_times[1]], abs=2e-3)
    # the audio goes on without a gap: the second recording's audio follows the first's, within 20 ms
    # of where its own timestamps put it against its pictures
    stream_in = [probe(f).audio[0] for f in files]
    first_audio = [first_sample_s(f, s) for f, s in zip(files, stream_in)]
    lengths = [read_stream(f, s).shape[1] / RATE for f, s in zip(files, stream_in)]
    second_audio_at = first_sample_s(out, probe(out).audio[0]) + lengths[0]
    second_video_at = times[first]
    assert abs((second_video_at - second_audio_at) - (min(part_times[1]) - first_audio[1])) < TOLERANCE_S
    assert read_stream(out, probe(out).audio[0]).shape[1] == pytest.approx(sum(lengths) * RATE, abs=1152)


@pytest.mark.parametrize("second", ["stereo", "44.1 kHz"])
def test_a_stream_that_changes_channels_or_rate_midway_is_converted(tmp_path, second):
    rng = np.random.default_rng(7)
    first = (0.2 * rng.standard_normal(2 * RATE)).astype(np.float32)
    rate2 = 44_100 if second == "44.1 kHz" else RATE
    other = (0.2 * rng.standard_normal((2, 2 * rate2) if second == "stereo" else 2 * rate2)).astype(np.float32)
    files = [write_video(tmp_path / "programme.ts", [first], RATE, 2.0, "mpegts", audio_codec="mp2", chapters=False),
             write_video(tmp_path / "advert.ts", [other], rate2, 2.0, "mpegts", audio_codec="mp2", chapters=False)]
    joined = tmp_path / "joined.ts"
    joined.write_bytes(files[0].read_bytes() + files[1].read_bytes())
    said = []
    out = upmix_media(joined, tmp_path / "joined.flac", _fake, say=said.append).path
    assert any(("2 channels at 48000 Hz" if second == "stereo" else "1 channel at 44100 Hz") in line
               and "converted to the first part's" in line for line in said), said
    stereo = read_stream(out, probe(out).audio[0])
    parts = [read_stream(f, probe(f).audio[0]) for f in files]
    assert stereo.shape[0] == 2
    # within a frame: FFmpeg's MP2 decoder gives the new part's first frame the old part's rate
    assert stereo.shape[1] == pytest.approx(parts[0].shape[1] + parts[1].shape[1] * RATE / rate2, abs=1152)
    tail = stereo.mean(0)[-RATE:]  # the second part, folded as any input is
    expected = parts[1].mean(0)[-rate2:]
    if rate2 == RATE:
        assert np.max(np.abs(tail - expected)) < 2 ** -14
    else:
        assert float(np.sqrt(np.mean(tail ** 2))) == pytest.approx(float(np.sqrt(np.mean(expected ** 2))), rel=0.05)
