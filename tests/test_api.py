"""The public API: ``Upmixer(...)(mono, sample_rate, ...)`` and ``upmix_file``."""
from __future__ import annotations

import time

import numpy as np
import pytest
import soundfile as sf
import torch
from conftest import FOLD_TOL, fold_error, make_tiny_upmixer, music_like, write_wav

from m2s_gen import AudioFileError, Upmixer
from m2s_gen.prompts import VOCABULARY, parse_prompt

STEPS = dict(num_steps=2)


def _inputs(name: str, num_samples: int, sample_rate: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    if name == "random":
        return rng.uniform(-1, 1, num_samples).astype(np.float32)
    if name == "loud":
        return music_like(num_samples, sample_rate, peak=0.999)
    if name == "clipped":  # a full-scale square-ish wave, hard clipped at +-1
        return np.clip(4 * music_like(num_samples, sample_rate), -1, 1).astype(np.float32)
    if name == "dc":
        return (0.6 + 0.3 * music_like(num_samples, sample_rate)).astype(np.float32)
    if name == "over_full_scale":  # float files can hold samples beyond +-1
        return 3 * music_like(num_samples, sample_rate)
    raise AssertionError(name)


@pytest.mark.parametrize("kind", ["random", "loud", "clipped", "dc", "over_full_scale"])
def test_fold_down_is_the_input(tiny_upmixer, kind):
    mono = _inputs(kind, 40_000, 16_000)  # 2.5 s: two segments and their cross-fade
    stereo = tiny_upmixer(mono, 16_000, seed=0, **STEPS)
    assert fold_error(stereo, mono) <= FOLD_TOL


@pytest.mark.parametrize("sample_rate", [8_000, 11_025, 44_100, 48_000, 96_000, 192_000])
def test_fold_down_and_shape_at_any_rate(tiny_upmixer, sample_rate):
    mono = music_like(int(1.6 * sample_rate) + 7, sample_rate)
    stereo = tiny_upmixer(torch.from_numpy(mono), sample_rate, seed=3, **STEPS)
    assert stereo.shape == (2, mono.shape[0])
    assert stereo.dtype == torch.float32
    assert fold_error(stereo, mono) <= FOLD_TOL
    assert float((stereo[0] - stereo[1]).abs().max()) > 0  # it is stereo, not dual mono


@pytest.mark.parametrize("options", [dict(width_db=-3.0), dict(width_db=-30.0, bass_mono_hz=150.0),
                                     dict(prompt="very wide, mono bass", guidance_scale=3.0),
                                     dict(prompt="vintage"), dict(bass_mono_hz=2000.0),
                                     dict(band_widths_db=[(100.0, 1000.0, -3.0), (4000.0, 20000.0, 5.0)])])
def test_fold_down_with_every_control(tiny_upmixer, options):
    mono = music_like(30_000, 22_050, peak=0.9)
    stereo = tiny_upmixer(mono, 22_050, seed=1, **STEPS, **options)
    assert stereo.shape == (2, 30_000)
    assert fold_error(stereo, mono) <= FOLD_TOL
    assert float(stereo.abs().max()) <= 1.0


def test_width_db_sets_the_side_level(tiny_upmixer):
    mono = music_like(48_000, 48_000, peak=0.3)
    narrow = tiny_upmixer(mono, 48_000, seed=0, width_db=-30.0, **STEPS)
    wide = tiny_upmixer(mono, 48_000, seed=0, width_db=-3.0, **STEPS)

    def ratio_db(stereo):
        side = (stereo[0] - stereo[1]) / 2
        return 10 * np.log10(float(side.double().pow(2).sum()) / float(np.sum(mono.astype(np.float64) ** 2)))

    assert ratio_db(narrow) == pytest.approx(-30.0, abs=0.5)
    assert ratio_db(wide) == pytest.approx(-3.0, abs=0.5)


def test_input_layouts(tiny_upmixer):
    mono = music_like(8_000, 8_000)
    reference = tiny_upmixer(mono, 8_000, seed=0, **STEPS)
    for layout in (mono[None], mono[:, None], torch.from_numpy(mono).double(), mono.astype(np.float64)):
        assert torch.equal(tiny_upmixer(layout, 8_000, seed=0, **STEPS), reference)


def test_stereo_input_is_folded_with_a_warning(tiny_upmixer):
    left, right = music_like(8_000, 8_000, seed=1), music_like(8_000, 8_000, seed=2)
    for stereo_in in (np.stack([left, right]), np.stack([left, right], axis=1)):
        with pytest.warns(UserWarning, match="folded to mono"):
            out = tiny_upmixer(stereo_in, 8_000, seed=0, **STEPS)
        assert fold_error(out, (left + right) / 2) <= FOLD_TOL


def test_same_seed_same_output_other_seed_other_output(tiny_upmixer):
    mono = music_like(40_000, 16_000)
    a = tiny_upmixer(mono, 16_000, seed=11, **STEPS)
    b = tiny_upmixer(mono, 16_000, seed=11, **STEPS)
    c = tiny_upmixer(mono, 16_000, seed=12, **STEPS)
    assert torch.equal(a, b)
    assert float((a - c).abs().max()) > 1e-4


def test_a_rebuilt_model_gives_the_same_output(tiny_upmixer):
    mono = music_like(16_000, 16_000)
    assert torch.equal(make_tiny_upmixer()(mono, 16_000, seed=5, **STEPS),
                       tiny_upmixer(mono, 16_000, seed=5, **STEPS))


def test_num_takes(tiny_upmixer):
    mono = music_like(16_000, 16_000)
    takes = tiny_upmixer(mono, 16_000, seed=2, num_takes=3, **STEPS)
    assert takes.shape == (3, 2, 16_000)
    assert fold_error(takes, mono) <= FOLD_TOL
    assert torch.equal(takes[0], tiny_upmixer(mono, 16_000, seed=2, **STEPS))
    assert float((takes[0] - takes[1]).abs().max()) > 1e-4
    assert float((takes[1] - takes[2]).abs().max()) > 1e-4


def test_temperature_zero_makes_the_spatial_image_deterministic(tiny_upmixer):
    cond = torch.randn(1, tiny_upmixer.denoiser.config.cond_channels, 12, generator=torch.Generator().manual_seed(0))
    attrs, mask = torch.zeros(1, 5), torch.zeros(1, 5)

    def params(seed, temperature):
        return tiny_upmixer._sample(cond, attrs, mask, 4, 1.0, torch.Generator().manual_seed(seed), temperature)

    assert torch.equal(params(1, 0.0), params(2, 0.0))
    assert float((params(1, 1.0) - params(2, 1.0)).abs().max()) > 1e-3
    mono = music_like(16_000, 16_000)
    assert fold_error(tiny_upmixer(mono, 16_000, seed=3, temperature=0.0, **STEPS), mono) <= FOLD_TOL


@pytest.mark.parametrize("peak", [1.0, 0.999, 0.5])
def test_peak_safety(tiny_upmixer, peak):
    """Loud input within [-1, 1] gives output within [-1, 1], and the fold-down stays exact."""
    mono = music_like(32_000, 16_000, seed=4, peak=peak)
    stereo = tiny_upmixer(mono, 16_000, seed=0, width_db=8.0, **STEPS)  # a huge side, to force limiting
    assert float(stereo.abs().max()) <= 1.0
    assert fold_error(stereo, mono) <= FOLD_TOL


def test_long_input_stays_fast(tiny_upmixer):
    """3 minutes at 8 kHz: 150-odd segments at the model rate, in bounded memory and a few seconds."""
    sample_rate = 8_000
    mono = music_like(180 * sample_rate, sample_rate, seed=6)
    stereo = tiny_upmixer(mono, sample_rate, seed=0, **STEPS)
    assert stereo.shape == (2, mono.shape[0])
    assert fold_error(stereo, mono) <= FOLD_TOL
    # every segment got a side, the last one included
    side = (stereo[0] - stereo[1]).abs()
    assert float(side[-sample_rate:].max()) > 0 and float(side[:sample_rate].max()) > 0


@pytest.mark.parametrize("num_samples,sample_rate", [(1, 48_000), (10, 8_000), (400, 8_000), (100, 192_000),
                                                     (959, 48_000), (2_205, 44_100)])
def test_very_short_clips(tiny_upmixer, num_samples, sample_rate):
    mono = np.random.default_rng(0).uniform(-0.5, 0.5, num_samples).astype(np.float32)
    stereo = tiny_upmixer(mono, sample_rate, seed=0, bass_mono_hz=100.0, **STEPS)
    assert stereo.shape == (2, num_samples)
    assert fold_error(stereo, mono) <= FOLD_TOL


def test_silence_gives_silence(tiny_upmixer):
    stereo = tiny_upmixer(np.zeros(16_000, np.float32), 16_000, seed=0, width_db=0.0, **STEPS)
    assert torch.isfinite(stereo).all()
    assert float(stereo.abs().max()) == 0.0


@pytest.mark.parametrize("bad,match", [
    (dict(sample_rate=500), "sample_rate"), (dict(sample_rate=44_100.0), "sample_rate"),
    (dict(width_db=11.0), "width_db"), (dict(width_db=float("nan")), "width_db"),
    (dict(num_steps=0), "num_steps"), (dict(num_steps=5000), "num_steps"),
    (dict(guidance_scale=-1.0), "guidance_scale"), (dict(bass_mono_hz=-5.0), "bass_mono_hz"),
    (dict(num_takes=0), "num_takes"), (dict(prompt="wide, sparkly"), "sparkly"),
    (dict(temperature=-0.1), "temperature"), (dict(temperature=3.0), "temperature"),
])
def test_bad_arguments_raise_value_error_naming_them(tiny_upmixer, bad, match):
    kwargs = dict(sample_rate=16_000, seed=0, **STEPS)
    kwargs.update(bad)
    with pytest.raises(ValueError, match=match):
        tiny_upmixer(music_like(1_000, 16_000), **kwargs)


@pytest.mark.parametrize("mono,match", [(np.zeros(0, np.float32), "empty"),
                                        (np.array([0.1, np.nan, 0.2], np.float32), "NaN"),
                                        (np.array([0.1, np.inf, 0.2], np.float32), "NaN or inf"),
                                        (np.zeros((3, 100), np.float32), "1-D")])
def test_bad_audio_raises_value_error(tiny_upmixer, mono, match):
    with pytest.raises(ValueError, match=match):
        tiny_upmixer(mono, 16_000, seed=0, **STEPS)


def test_prompts():
    assert parse_prompt("") == {}
    assert parse_prompt("wide, mono bass") == {"width_db": -4.0, "low_width_db": -30.0}
    assert parse_prompt("Very Wide and ambient") == parse_prompt("very wide + ambient")
    assert parse_prompt("wide narrow")["width_db"] == VOCABULARY["narrow"][1]["width_db"]  # later wins
    assert parse_prompt("very wide")["width_db"] == VOCABULARY["very wide"][1]["width_db"]  # longest first
    for word in VOCABULARY:
        assert parse_prompt(word) == VOCABULARY[word][1]
    with pytest.raises(ValueError, match="unknown word 'loud'.*known words"):
        parse_prompt("wide, loud")


def test_upmix_file(tiny_upmixer, tmp_path):
    mono = music_like(24_000, 24_000)
    src = write_wav(tmp_path / "in.wav", mono, 24_000)
    out = tiny_upmixer.upmix_file(src, tmp_path / "out.flac", seed=0, **STEPS)
    stereo, rate = sf.read(str(out), dtype="float32", always_2d=True)
    assert rate == 24_000 and stereo.shape == (24_000, 2)
    assert fold_error(stereo.T, mono) <= 2 ** -23 * 2  # 24-bit FLAC quantisation of L and R
    with pytest.raises(ValueError, match="output path is the input"):
        tiny_upmixer.upmix_file(src, src, seed=0, **STEPS)
    with pytest.raises(AudioFileError, match="is a folder"):
        tiny_upmixer.upmix_file(tmp_path, tmp_path / "x.wav", seed=0, **STEPS)
    with pytest.raises(ValueError, match=r"x\.xyz: cannot write '\.xyz'; choose one of \.wav, \.flac, \.mp3"):
        tiny_upmixer.upmix_file(src, tmp_path / "x.xyz", seed=0, **STEPS)
    mp3 = tiny_upmixer.upmix_file(src, tmp_path / "x.mp3", seed=0, bit_rate="128k", **STEPS)  # any format
    assert sf.info(str(mp3)).frames == 24_000


def test_public_names():
    import m2s_gen

    assert {"Upmixer", "UpmixerConfig", "AudioFileError", "ModelLoadError"} <= set(m2s_gen.__all__)
    assert m2s_gen.Upmixer is Upmixer
