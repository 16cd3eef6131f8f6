"""The web page's upload handling and limits: m2s_gen.web.inputs and m2s_gen.web.settings."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from conftest import music_like, write_wav
from m2s_gen.web.inputs import UploadError, display_name, load_upload
from m2s_gen.web.settings import WebSettings


def test_mono_file_is_the_input_and_has_no_original(tmp_path):
    mono = music_like(8000, 16_000)
    upload = load_upload(write_wav(tmp_path / "song.wav", mono), WebSettings())
    assert upload.name == "song.wav" and upload.sample_rate == 16_000 and upload.channels == 1
    assert upload.original is None
    np.testing.assert_array_equal(upload.mono, mono)


def test_stereo_file_is_folded_and_kept_as_the_original(tmp_path):
    left, right = music_like(8000, 22_050, seed=1), music_like(8000, 22_050, seed=2)
    upload = load_upload(write_wav(tmp_path / "mix.flac", np.stack([left, right]), 22_050, "PCM_24"), WebSettings())
    assert upload.channels == 2 and upload.original.shape == (2, 8000)
    np.testing.assert_allclose(upload.mono, (upload.original[0] + upload.original[1]) / 2, atol=1e-7)
    assert abs(upload.duration_s - 8000 / 22_050) < 1e-9


def test_more_channels_are_averaged_without_an_original(tmp_path):
    audio = np.stack([music_like(4000, 16_000, seed=k) for k in range(4)])
    upload = load_upload(write_wav(tmp_path / "quad.wav", audio), WebSettings())
    assert upload.channels == 4 and upload.original is None
    np.testing.assert_allclose(upload.mono, audio.mean(0), atol=1e-7)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = write_wav(tmp_path / "big.wav", music_like(40_000, 16_000))  # 160 kB of float samples
    with pytest.raises(UploadError, match=r"^big\.wav: 0\.2 MB, more than this server's limit of 0\.1 MB$"):
        load_upload(path, WebSettings(max_upload_mb=0.1))


def test_a_file_over_the_duration_limit_is_refused(tmp_path):
    path = write_wav(tmp_path / "long.wav", music_like(3 * 16_000, 16_000))
    with pytest.raises(UploadError, match=r"^long\.wav: 3\.0 s long, more than this server's limit of 2 s$"):
        load_upload(path, WebSettings(max_duration_s=2))
    assert load_upload(path, WebSettings(max_duration_s=3)).mono.shape == (48_000,)


@pytest.mark.parametrize("content, problem", [(b"", "empty file"),
                                              (b"not audio at all" * 10, "not a readable audio file")])
def test_bad_files_give_one_line_naming_the_upload_not_the_server_path(tmp_path, content, problem):
    server_path = tmp_path / "cache" / "0123abcd"
    server_path.mkdir(parents=True)
    path = server_path / "my song.wav"
    path.write_bytes(content)
    with pytest.raises(UploadError) as info:
        load_upload(path, WebSettings())
    message = str(info.value)
    assert message.startswith(f"my song.wav: {problem}") and "\n" not in message
    assert str(tmp_path) not in message


def test_nan_samples_are_refused(tmp_path):
    audio = music_like(1000, 16_000)
    audio[10] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(str(path), audio, 16_000, subtype="FLOAT")
    with pytest.raises(UploadError, match=r"^nan\.wav: contains NaN or infinite samples$"):
        load_upload(path, WebSettings())


def test_missing_file(tmp_path):
    with pytest.raises(UploadError, match=r"^gone\.wav: no such file"):
        load_upload(tmp_path / "gone.wav", WebSettings())


def test_names_are_printable_and_stems_safe(tmp_path):
    assert display_name("/srv/cache/x/bad\x07name.wav") == "badname.wav"
    upload = load_upload(write_wav(tmp_path / "a b;$(rm).wav", music_like(800, 16_000)), WebSettings())
    assert upload.stem == "a_b_rm"


def test_settings_from_env_then_overrides_and_their_checks(tmp_path):
    env = {"M2S_WEB_MAX_UPLOAD_MB": "5", "M2S_WEB_MAX_DURATION_S": "30", "M2S_WEB_MAX_TAKES": "2",
           "M2S_WEB_BASELINE": "haas_mid", "M2S_WEB_RESULTS_DIR": str(tmp_path)}
    settings = WebSettings.from_env(env, max_takes=3)
    assert (settings.max_upload_mb, settings.max_duration_s, settings.max_takes) == (5.0, 30.0, 3)
    assert settings.baseline == "haas_mid" and settings.results_dir == tmp_path
    assert settings.max_upload_bytes == 5_000_000
    assert WebSettings.from_env({}) == WebSettings()
    with pytest.raises(ValueError, match="M2S_WEB_MAX_TAKES: expected a number, got 'many'"):
        WebSettings.from_env({"M2S_WEB_MAX_TAKES": "many"})
    with pytest.raises(ValueError, match="baseline: unknown 'nope'; choose from mono, haas"):
        WebSettings(baseline="nope")
    with pytest.raises(ValueError, match=r"max_takes must be an integer in \[1, 8\]"):
        WebSettings(max_takes=9)
    with pytest.raises(ValueError, match=r"max_duration_s must be in"):
        WebSettings(max_duration_s=0)
