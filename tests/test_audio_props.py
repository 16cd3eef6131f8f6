"""Properties of the pure audio pieces (segments, resampling, peak limiting) and of the whole upmix."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import FOLD_TOL, fold_error, music_like
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from m2s_gen.peak import limit_side
from m2s_gen.resample import resample, resampled_length
from m2s_gen.segments import overlap_add, plan_segments

FAST = settings(max_examples=60, deadline=None)
RATES = st.sampled_from([8_000, 11_025, 16_000, 22_050, 44_100, 48_000, 88_200, 96_000, 192_000])


# -- segments ----------------------------------------------------------------------------------------
def _check_plan(num_samples, segment_len, overlap):
    windows = plan_segments(num_samples, segment_len, overlap)
    assert windows[0][0] == 0 and windows[-1][1] == num_samples
    for (s0, e0), (s1, e1) in zip(windows, windows[1:]):
        assert s0 < s1 <= e0 <= e1  # consecutive windows touch or overlap, and move forward
        assert e0 - s1 == overlap
    assert all(0 < e - s <= segment_len for s, e in windows)
    return windows


@pytest.mark.parametrize("num_samples,segment_len,overlap", [
    (1, 10, 0), (10, 10, 3), (11, 10, 3), (100, 10, 0), (100, 10, 9), (1000, 64, 16), (65, 64, 16)])
def test_overlap_add_of_unprocessed_pieces_is_the_input(num_samples, segment_len, overlap):
    x = torch.randn(2, num_samples, dtype=torch.float64)
    windows = _check_plan(num_samples, segment_len, overlap)
    y = overlap_add([x[..., s:e] for s, e in windows], windows, num_samples)
    torch.testing.assert_close(y, x, rtol=0, atol=1e-12)


@FAST
@given(num_samples=st.integers(1, 5_000), segment_len=st.integers(1, 800), data=st.data())
def test_overlap_add_identity_property(num_samples, segment_len, data):
    overlap = data.draw(st.integers(0, segment_len - 1))
    windows = _check_plan(num_samples, segment_len, overlap)
    x = torch.randn(num_samples, dtype=torch.float64)
    y = overlap_add([x[s:e] for s, e in windows], windows, num_samples)
    assert float((y - x).abs().max()) <= 1e-12
    ones = overlap_add([torch.ones(e - s) for s, e in windows], windows, num_samples)
    assert float((ones - 1).abs().max()) <= 1e-6  # the cross-fade weights sum to one everywhere


@pytest.mark.parametrize("segment_len,overlap", [(0, 0), (10, 10), (10, -1), (10, 11)])
def test_plan_segments_rejects_bad_sizes(segment_len, overlap):
    with pytest.raises(ValueError, match="segment_len"):
        plan_segments(100, segment_len, overlap)


# -- resampling --------------------------------------------------------------------------------------
@FAST
@given(num_samples=st.integers(1, 4_000), rate_in=RATES, rate_out=RATES)
def test_resample_length_is_exact(num_samples, rate_in, rate_out):
    out = resample(torch.randn(num_samples), rate_in, rate_out)
    assert out.shape == (resampled_length(num_samples, rate_in, rate_out),)
    assert torch.isfinite(out).all()


@FAST
@given(num_samples=st.integers(1, 10**7), rate_in=st.integers(1_000, 768_000), rate_out=st.integers(1_000, 768_000))
def test_resampled_length_is_the_rounded_duration(num_samples, rate_in, rate_out):
    length = resampled_length(num_samples, rate_in, rate_out)
    assert abs(length - num_samples * rate_out / rate_in) <= 0.5 or length == 1  # never empty
    assert length >= 1
    if rate_in == rate_out:
        assert length == num_samples


@pytest.mark.parametrize("rate_in,rate_out", [(44_100, 48_000), (48_000, 44_100), (8_000, 48_000),
                                              (48_000, 192_000), (44_101, 48_000)])
def test_resample_keeps_a_tone(rate_in, rate_out):
    t = torch.arange(rate_in // 4, dtype=torch.float64) / rate_in
    tone = torch.sin(2 * torch.pi * 1_000 * t).float()
    out = resample(tone, rate_in, rate_out)
    t_out = torch.arange(out.shape[-1], dtype=torch.float64) / rate_out
    expected = torch.sin(2 * torch.pi * 1_000 * t_out).float()
    middle = slice(out.shape[-1] // 4, 3 * out.shape[-1] // 4)  # away from the filter's edge effects
    assert float((out[middle] - expected[middle]).abs().max()) < 0.02


def test_resample_batched_and_rejects_bad_rates():
    x = torch.randn(3, 2, 1_000)
    assert resample(x, 16_000, 48_000).shape == (3, 2, 3_000)
    with pytest.raises(ValueError, match="positive"):
        resample(x, 0, 48_000)


# -- peak safety -------------------------------------------------------------------------------------
@FAST
@given(seed=st.integers(0, 2**31 - 1), num_samples=st.integers(1, 3_000), side_gain=st.floats(0, 50),
       peak=st.floats(0, 1.5))
def test_limit_side_keeps_channels_within_the_ceiling(seed, num_samples, side_gain, peak):
    gen = torch.Generator().manual_seed(seed)
    mid = (torch.rand(num_samples, generator=gen) * 2 - 1) * peak
    side = torch.randn(num_samples, generator=gen) * side_gain
    limited = limit_side(mid, side)
    assert limited.shape == side.shape
    # never louder than asked for, never flips sign
    assert bool((limited.abs() <= side.abs()).all()) and bool((limited * side >= 0).all())
    bound = torch.maximum(torch.ones_like(mid), mid.abs()) + 1e-6
    assert bool(((mid + limited).abs() <= bound).all()) and bool(((mid - limited).abs() <= bound).all())


def test_limit_side_leaves_quiet_sides_alone():
    mid = torch.linspace(-0.5, 0.5, 1_000)
    side = 0.1 * torch.sin(torch.arange(1_000.0))
    assert torch.equal(limit_side(mid, side), side)
    assert limit_side(torch.zeros(0), torch.zeros(0)).shape == (0,)


# -- the whole upmix -------------------------------------------------------------------------------
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), num_samples=st.integers(1, 6_000), sample_rate=RATES,
       level=st.sampled_from([0.0, 1e-6, 0.1, 1.0, 2.0]), dc=st.sampled_from([0.0, 0.5, -0.9]))
def test_upmix_fold_down_property(tiny_upmixer, seed, num_samples, sample_rate, level, dc):
    rng = np.random.default_rng(seed)
    mono = np.clip(dc + level * rng.standard_normal(num_samples), -4, 4).astype(np.float32)
    stereo = tiny_upmixer(mono, sample_rate, seed=seed, num_steps=2)
    assert stereo.shape == (2, num_samples) and stereo.dtype == torch.float32
    assert fold_error(stereo, mono) <= FOLD_TOL
    if np.abs(mono).max() <= 1:
        assert float(stereo.abs().max()) <= 1.0


@pytest.mark.parametrize("num_samples,width", [(5, 5), (1000, 257), (30_001, 257)])
def test_running_mean_matches_average_pooling(num_samples, width):
    from m2s_gen.peak import _mean_filter

    x = torch.rand(num_samples, generator=torch.Generator().manual_seed(num_samples))
    padded = torch.nn.functional.pad(x[None, None], (width // 2, width // 2), mode="replicate")
    expected = torch.nn.functional.avg_pool1d(padded, width, stride=1)[0, 0]
    assert torch.allclose(_mean_filter(x, width), expected, atol=1e-6)


def test_rendered_side_has_the_energy_its_parameters_ask_for():
    """The decorrelated part is built frame by frame; the renderer must not lose its energy in the
    overlap-add: a fully diffuse side at -6 dB comes out at -6 dB, like a coherent one."""
    import torch

    from m2s_gen import spatial

    mid = torch.from_numpy(music_like(4 * 48_000, 48_000, seed=8))
    frames = spatial.num_param_frames(mid.shape[-1])
    for coherence in (0.0, 0.9):
        params = torch.cat([torch.full((spatial.NUM_BANDS, frames), -6.0),
                            torch.full((spatial.NUM_BANDS, frames), coherence),
                            torch.zeros(spatial.NUM_BANDS, frames)])
        side = spatial.render_side(mid, params, seed=1)
        width_db = 10 * torch.log10(side.double().pow(2).sum() / mid.double().pow(2).sum())
        assert abs(float(width_db) + 6.0) < 0.5, (coherence, float(width_db))  # 7 dB short before the fix


def test_diffuse_side_follows_the_mids_envelope_inside_each_band():
    """The decorrelated part's energy is set per quarter of a model band: a diffuse side at -6 dB is
    -6 dB below the mid in each quarter band and frame, not coloured by the decorrelation filter's
    peaks and notches (3.4 dB mean deviation when its energy was set per model band only, 1.3 now)."""
    import torch

    from m2s_gen import spatial

    mid = torch.from_numpy(music_like(4 * 48_000, 48_000, seed=8))
    frames = spatial.num_param_frames(mid.shape[-1])
    params = torch.cat([torch.full((spatial.NUM_BANDS, frames), -6.0), torch.zeros(2 * spatial.NUM_BANDS, frames)])
    side = spatial.render_side(mid, params, seed=1)
    quarter_bands = 4 * spatial.NUM_BANDS
    e_mid = spatial._band_sum(spatial.stft(mid).abs() ** 2, quarter_bands)
    e_side = spatial._band_sum(spatial.stft(side).abs() ** 2, quarter_bands)
    audible = e_mid > e_mid.amax() * 1e-4
    deviation_db = (10 * torch.log10((e_side[audible] + 1e-12) / e_mid[audible]) + 6.0).abs()
    assert float(deviation_db.mean()) < 2.0, float(deviation_db.mean())
