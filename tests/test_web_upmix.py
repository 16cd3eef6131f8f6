"""One upmix for the web page (m2s_gen.web.controls, .upmix, .plots) with the tiny model."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from conftest import FOLD_TOL, fold_error, music_like, write_wav
from m2s_gen.baselines import BASELINES
from m2s_gen.web.controls import Controls, preset_names, prompt_words
from m2s_gen.web.inputs import load_upload
from m2s_gen.web.settings import WebSettings
from m2s_gen.web.upmix import downloads, fold_down_error_db, run_upmix

RATE = 16_000


def test_controls_from_the_pages_text_fields():
    controls = Controls.from_text(words=["wide", "mono bass"], width_db="-8.5", bass_mono_hz=" ", seed=3.0,
                                  num_takes=2, preset="", num_steps="2", num_draws="", temperature="0.5",
                                  guidance_scale=None)
    assert controls.prompt == "wide, mono bass" and controls.width_db == -8.5 and controls.bass_mono_hz is None
    assert (controls.seed, controls.num_takes, controls.num_steps, controls.num_draws) == (3, 2, 2, None)
    assert controls.preset is None and controls.temperature == 0.5
    kwargs = controls.upmixer_kwargs()
    assert kwargs["prompt"] == "wide, mono bass" and kwargs["num_takes"] == 2 and kwargs["preset"] is None
    assert "width -8.5 dB" in controls.describe() and 'prompt "wide, mono bass"' in controls.describe()


@pytest.mark.parametrize("fields, message", [
    (dict(width_db="wide"), "width_db: expected a number, got 'wide'"),
    (dict(num_steps="2.5"), "num_steps: expected a whole number, got '2.5'"),
    (dict(temperature="nan"), "temperature: expected a finite number"),
])
def test_controls_text_errors_name_the_setting(fields, message):
    with pytest.raises(ValueError, match=message):
        Controls.from_text(**fields)


@pytest.mark.parametrize("controls, message", [
    (Controls(width_db=20.0), r"width_db must be in \[-40.0, 10.0\] dB"),
    (Controls(num_takes=5), r"takes must be an integer in \[1, 4\] on this server"),
    (Controls(seed=-1), r"seed must be an integer in \[0, 2147483647\]"),
    (Controls(prompt_words=["loud"]), "loud"),
    (Controls(preset="loudest"), "preset must be one of faithful, natural"),
    (Controls(num_draws=0), r"num_draws must be an integer in \[1, 64\]"),
    (Controls(bass_mono_hz=5000.0), r"bass_mono_hz must be in \[0, 2000\] Hz"),
])
def test_controls_check_uses_the_pipelines_ranges(controls, message):
    with pytest.raises(ValueError, match=message):
        controls.check(max_takes=4)


def test_choices_offered_by_the_page(tiny_upmixer):
    assert "mono bass" in prompt_words() and "wide" in prompt_words()
    assert {"faithful", "natural"} <= set(preset_names(tiny_upmixer))


@pytest.fixture(scope="module")
def stereo_result(tiny_upmixer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web_upmix")
    left, right = music_like(2 * RATE, RATE, seed=4), music_like(2 * RATE, RATE, seed=5)
    upload = load_upload(write_wav(folder / "mix.wav", np.stack([left, right]), RATE), WebSettings())
    steps = []
    result = run_upmix(tiny_upmixer, upload, Controls(seed=7, num_takes=2), folder / "run", "freq_decorrelator",
                       progress=lambda fraction, text: steps.append((fraction, text)))
    return upload, result, steps


def test_every_sound_is_written_with_its_label(stereo_result):
    upload, result, steps = stereo_result
    assert list(result.players) == ["input", "take 1", "take 2", "baseline (freq_decorrelator)", "original",
                                    "fold-down (L+R)/2 of take 1"]
    for label, path in result.players.items():
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        assert rate == RATE and audio.shape[0] == 2 * RATE
        assert audio.shape[1] == (1 if label in ("input", "fold-down (L+R)/2 of take 1") else 2), label
    original, _ = sf.read(str(result.original), dtype="float32")
    np.testing.assert_array_equal(original.T, upload.original)
    assert [fraction for fraction, _ in steps] == sorted(fraction for fraction, _ in steps) and len(steps) >= 3


def test_takes_fold_down_to_the_input_and_differ(stereo_result):
    upload, result, _ = stereo_result
    takes = [sf.read(str(path), dtype="float32")[0].T for path in result.takes]
    for take in takes:
        assert fold_error(take, upload.mono) < FOLD_TOL
    assert not np.allclose(takes[0], takes[1])
    assert result.fold_down_error_db < -120
    folded, _ = sf.read(str(result.players["fold-down (L+R)/2 of take 1"]), dtype="float32")
    assert np.max(np.abs(folded - upload.mono)) < FOLD_TOL


def test_the_baseline_is_the_named_one_with_the_same_seed(stereo_result):
    upload, result, _ = stereo_result
    baseline, _ = sf.read(str(result.players["baseline (freq_decorrelator)"]), dtype="float32")
    np.testing.assert_allclose(baseline.T, BASELINES["freq_decorrelator"](upload.mono, RATE, 7), atol=1e-6)


def test_plots_are_pngs(stereo_result):
    _, result, _ = stereo_result
    assert set(result.plots) == {"goniometer", "band_widths", "correlation"}
    for path in result.plots.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_downloads_wav_and_flac_keep_the_fold_down(stereo_result):
    upload, result, _ = stereo_result
    wavs, flacs = downloads(result, "WAV"), downloads(result, "FLAC")
    assert [p.name for p in wavs] == ["mix_m2s_take1.wav", "mix_m2s_take2.wav"]
    assert [p.name for p in flacs] == ["mix_m2s_take1.flac", "mix_m2s_take2.flac"]
    for path in flacs:
        info = sf.info(str(path))
        assert info.subtype == "PCM_24" and info.samplerate == RATE
        audio, _ = sf.read(str(path), dtype="float64")
        assert fold_error(audio.T, upload.mono) < 2 ** -22  # 24-bit quantisation of L and R
    assert downloads(result, "FLAC") == flacs
    mp3s = downloads(result, "MP3")  # lossy downloads: the same length, the fold-down to codec error
    assert [p.name for p in mp3s] == ["mix_m2s_take1.mp3", "mix_m2s_take2.mp3"]
    from m2s_gen.audio_io import read_audio

    audio, rate = read_audio(mp3s[0])
    assert rate == RATE and audio.shape == (2, upload.mono.shape[0])
    with pytest.raises(ValueError, match="format must be one of WAV, FLAC, MP3, M4A, got 'OGG'"):
        downloads(result, "OGG")
    assert result.systems() == {"model": result.takes, "freq_decorrelator": [result.players[
        "baseline (freq_decorrelator)"]], "original": [result.original]}


def test_mono_input_has_no_original_and_a_preset_is_passed_on(tiny_upmixer, tmp_path):
    upload = load_upload(write_wav(tmp_path / "mono.wav", music_like(RATE, RATE)), WebSettings())
    calls = []

    def spy(mono, rate, **kwargs):
        calls.append(kwargs)
        return tiny_upmixer(mono, rate, **kwargs)

    result = run_upmix(spy, upload, Controls(seed=1, preset="natural"), tmp_path / "run", "haas_mid")
    assert calls[0]["preset"] == "natural" and calls[0]["seed"] == 1
    assert "original" not in result.players and result.original is None
    assert set(result.systems()) == {"model", "haas_mid"}


def test_fold_down_error_db():
    mono = np.ones(4, dtype=np.float32)
    assert fold_down_error_db(np.stack([mono, mono]), mono) == -200.0
    assert fold_down_error_db(np.stack([mono, mono + 0.2]), mono) == pytest.approx(-20.0)


def test_a_video_upload_is_offered_back_with_the_stereo_track(tiny_upmixer, tmp_path):
    from media_files import decode_audio, packets, write_video

    rate = 48_000
    mono = music_like(rate, rate)  # 1 s
    video = write_video(tmp_path / "clip.mp4", [mono], rate, 1.0, "mp4")
    upload = load_upload(video, WebSettings())
    assert upload.video == video
    result = run_upmix(tiny_upmixer, upload, Controls(seed=0, num_steps=2), tmp_path / "out", "freq_decorrelator")
    files = downloads(result, "WAV")
    assert [p.name for p in files] == ["clip_m2s_take1.wav", "clip_stereo.mp4"]
    assert packets(files[-1], "video") == packets(video, "video")  # copied, not re-encoded
    stereo, out_rate = decode_audio(files[-1])
    source, _ = decode_audio(video)
    assert out_rate == rate and stereo.shape == (2, source.shape[-1])
    assert downloads(result, "FLAC")[-1] == files[-1]  # made once


def test_an_audio_upload_offers_no_video(tmp_path):
    upload = load_upload(write_wav(tmp_path / "a.wav", music_like(8_000, 16_000), 16_000), WebSettings())
    assert upload.video is None


def test_a_video_no_output_container_takes_still_gives_its_audio(tiny_upmixer, tmp_path):
    from media_files import write_video

    rate = 44_100
    video = write_video(tmp_path / "old.flv", [music_like(rate, rate)], rate, 1.0, "flv", audio_codec="libmp3lame",
                        chapters=False, video_codec="flv")
    upload = load_upload(video, WebSettings())
    result = run_upmix(tiny_upmixer, upload, Controls(seed=0, num_steps=2), tmp_path / "out", "freq_decorrelator")
    files = downloads(result, "WAV")
    assert [p.name for p in files] == ["old_m2s_take1.wav"]
    assert result.video_problem.startswith("old.flv: its video (flv) cannot go into .mkv")
    assert downloads(result, "FLAC")[0].suffix == ".flac"
