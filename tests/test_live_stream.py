"""The live stream (``Upmixer.stream``): fold-down after the latency, block-size invariance, edge cases.

A tiny seeded upmixer (tests/conftest.py) with time-course weights and a track-context denoiser, so
every stage of the stream runs; ``realtime=False`` makes the image timing part of the input.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import FOLD_TOL, TINY_CODEC, TINY_CONFIG, TINY_DENOISER, music_like
from m2s_gen import spatial
from m2s_gen.factory import build_upmixer
from m2s_gen.live.image_worker import FIRST_UPDATE_HOPS, UPDATE_HOPS
from m2s_gen.live.stream import latency_samples
from m2s_gen.pipeline import UpmixerConfig
from m2s_gen.time_course import NUM_ENVELOPE_FEATURES


@pytest.fixture(scope="module")
def live_upmixer():
    gen = torch.Generator().manual_seed(1)
    weights = (0.1 * torch.randn(spatial.NUM_BANDS, 1 + NUM_ENVELOPE_FEATURES, generator=gen)).tolist()
    config = UpmixerConfig(**TINY_CONFIG, time_course_weights=weights)
    return build_upmixer(denoiser_kwargs=dict(TINY_DENOISER, context_channels=2 * (TINY_CODEC["latent_dim"] + 32)),
                         codec_kwargs=dict(TINY_CODEC), config=config, seed=0)


def run(up, mono, rate, blocks=None, **controls):
    """Stereo ``[T + latency, 2]`` of ``mono`` fed in ``blocks`` (sizes; None: one block)."""
    stream = up.stream(rate, seed=3, realtime=False, **controls)
    cuts = np.cumsum([0, *(blocks or [len(mono)])])
    assert cuts[-1] == len(mono)
    out = [stream.process(mono[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    out.append(stream.flush())
    return np.concatenate(out), stream.latency_samples


def random_blocks(total: int, seed: int, largest: int) -> list[int]:
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < total:
        sizes.append(int(min(rng.integers(0, largest), total - sum(sizes))))
    return sizes


@pytest.mark.parametrize("rate", [48_000, 44_100])
def test_fold_down_is_the_input_delayed_by_the_latency(live_upmixer, rate):
    mono = music_like(int(1.6 * rate), rate, seed=1)
    stereo, lat = run(live_upmixer, mono, rate)
    assert lat == latency_samples(rate)
    assert stereo.shape == (len(mono) + lat, 2) and stereo.dtype == np.float32
    fold = stereo.astype(np.float64).mean(axis=1)
    assert np.abs(fold[:lat]).max() == 0
    assert np.abs(fold[lat:] - mono).max() < FOLD_TOL
    side = (stereo[:, 0] - stereo[:, 1]) / 2
    assert np.abs(side[lat + rate // 2:]).max() > 1e-3  # the side is rendered, not silent


def test_latency_at_48k_is_under_50_ms():
    assert 1000 * latency_samples(48_000) / 48_000 <= 50.0


def test_block_size_does_not_change_the_output(live_upmixer):
    rate = 48_000
    # long enough for two image updates, so images are swapped at the same hop whatever the blocks
    mono = music_like(int((UPDATE_HOPS * 2 + 10) * 480), rate, seed=2)
    whole, _ = run(live_upmixer, mono, rate)
    cut, _ = run(live_upmixer, mono, rate, random_blocks(len(mono), 0, 3000))
    assert np.abs(whole - cut).max() < 1e-6


def test_one_sample_blocks(live_upmixer):
    rate = 16_000
    mono = music_like(int(0.3 * rate), rate, seed=3)
    whole, lat = run(live_upmixer, mono, rate)
    single, _ = run(live_upmixer, mono, rate, [1] * len(mono))
    assert np.abs(whole - single).max() < 1e-6
    assert np.abs(single.astype(np.float64).mean(1)[lat:] - mono).max() < FOLD_TOL


def test_silence_gives_silence(live_upmixer):
    stereo, _ = run(live_upmixer, np.zeros(48_000, np.float32), 48_000, [480] * 100)
    assert np.isfinite(stereo).all() and np.abs(stereo).max() == 0


def test_level_jump_from_minus_60_to_0_dbfs(live_upmixer):
    rate = 48_000
    mono = music_like(2 * rate, rate, seed=4, peak=1.0)
    mono[:rate] *= 10 ** (-60 / 20)
    stereo, lat = run(live_upmixer, mono, rate, [480] * (len(mono) // 480))
    assert np.isfinite(stereo).all()
    assert np.abs(stereo.astype(np.float64).mean(1)[lat:] - mono).max() < FOLD_TOL
    # peak safety as offline: no channel beyond full scale where the input is within it
    assert np.abs(stereo).max() <= 1.0 + 1e-6
    side = (stereo[lat:, 0] - stereo[lat:, 1]) / 2
    quiet, loud = side[rate // 2:rate - 2 * spatial.STFT_WINDOW], side[rate + rate // 2:]  # frames spread 40 ms
    assert np.sqrt(np.mean(loud ** 2)) > 100 * np.sqrt(np.mean(quiet ** 2))


def test_stream_ending_mid_block(live_upmixer):
    rate = 48_000
    mono = music_like(FIRST_UPDATE_HOPS * 480 + 777, rate, seed=5)  # ends inside a hop and inside a block
    stream = live_upmixer.stream(rate, seed=0, realtime=False)
    out = [stream.process(mono[:1000]), stream.process(mono[1000:]), stream.flush()]
    assert [len(o) for o in out] == [1000, len(mono) - 1000, stream.latency_samples]
    stereo = np.concatenate(out)
    assert np.abs(stereo.astype(np.float64).mean(1)[stream.latency_samples:] - mono).max() < FOLD_TOL
    with pytest.raises(RuntimeError, match="flushed"):
        stream.process(mono[:10])


def test_realtime_stream_runs_with_its_thread(live_upmixer):
    rate = 48_000
    mono = music_like(rate, rate, seed=6)
    with live_upmixer.stream(rate, seed=0) as stream:
        out = np.concatenate([stream.process(mono[i:i + 480]) for i in range(0, len(mono), 480)] + [stream.flush()])
        assert stream.late_images >= 0
    assert np.abs(out.astype(np.float64).mean(1)[stream.latency_samples:] - mono).max() < FOLD_TOL
    assert stream.schedule.executor is None  # closed


def test_controls_are_used_and_checked(live_upmixer):
    rate = 48_000
    mono = music_like(2 * rate, rate, seed=7)
    base, lat = run(live_upmixer, mono, rate)
    narrow, _ = run(live_upmixer, mono, rate, width_db=-20.0, bass_mono_hz=200.0, prompt="wide")
    side = lambda s: (s[lat:, 0].astype(np.float64) - s[lat:, 1]) / 2  # noqa: E731
    assert np.sum(side(narrow) ** 2) < np.sum(side(base) ** 2)
    with pytest.raises(ValueError, match="width_db"):
        live_upmixer.stream(rate, width_db=99.0)
    with pytest.raises(ValueError, match="preset"):
        live_upmixer.stream(rate, preset="nope")
    with pytest.raises(ValueError, match="sample_rate"):
        live_upmixer.stream(10)
    with pytest.raises(ValueError, match="NaN"):
        live_upmixer.stream(rate, realtime=False).process(np.array([0.0, np.nan]))


def test_model_stream_evaluation_system(tiny_model_dir):
    from evaluation.systems import build_system, is_model, split_model_name

    assert is_model("model~stream") and is_model("model@natural~stream")
    assert split_model_name("model:runs/x@natural~stream") == ("runs/x", "natural")
    system = build_system("model~stream", model_path=str(tiny_model_dir))
    mono = music_like(24_000, 16_000, seed=8)
    stereo = system(mono, 16_000, seed=1)
    assert stereo.shape == (2, len(mono))
    assert np.abs(stereo.astype(np.float64).mean(0) - mono).max() < FOLD_TOL
    assert np.array_equal(stereo, system(mono, 16_000, seed=1))  # same seed, same output
