"""Band levels drawn around the width head's prediction (``level_spread``): the residual covariance,
the seeded draw, storage, and the pipeline, preset and CLI plumbing."""
import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from conftest import make_tiny_upmixer, music_like
from m2s_gen import Upmixer, presets, spatial
from m2s_gen.width_head import WidthHead, residual_tril

B = spatial.NUM_BANDS


def _head(num_features: int, bias_db: float = -12.0, std_db: float | None = 6.0) -> WidthHead:
    tril = None if std_db is None else torch.eye(B) * std_db
    return WidthHead(torch.zeros(B, num_features), torch.full((B,), bias_db), torch.zeros(num_features),
                     torch.ones(num_features), tril)


def test_residual_factor_reproduces_the_covariance_and_handles_gaps():
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(B, B)) * 0.3 + np.eye(B) * 2.0
    residuals = rng.normal(size=(3000, B)) @ mix.T
    tril = residual_tril(residuals)
    assert np.allclose(np.triu(tril, 1), 0.0)
    np.testing.assert_allclose(tril @ tril.T, np.cov(residuals.T), rtol=1e-6, atol=1e-6)
    # missing values: pairwise-complete, still a valid factor; one band never present gets the floor
    gappy = residuals.copy()
    gappy[::2, 3] = np.nan
    gappy[:, B - 1] = np.nan
    tril = residual_tril(gappy)
    cov = tril @ tril.T
    assert np.all(np.isfinite(tril))
    assert abs(cov[3, 3] - np.nanvar(gappy[:, 3], ddof=1)) < 0.05 * cov[3, 3]
    assert cov[B - 1, B - 1] < 1e-2
    # rank-deficient residuals (every band the same error) still factor
    same = np.repeat(rng.normal(size=(500, 1)), B, axis=1)
    assert np.all(np.isfinite(residual_tril(same)))


def test_draws_are_seeded_scaled_and_zero_without_spread():
    head = _head(4, std_db=6.0)
    a, b = head.draw_offsets_db(5, 1.0), head.draw_offsets_db(5, 1.0)
    assert torch.equal(a, b)
    assert not torch.equal(a, head.draw_offsets_db(6, 1.0))
    assert torch.allclose(head.draw_offsets_db(5, 0.5), 0.5 * a)
    assert torch.count_nonzero(head.draw_offsets_db(5, 0.0)) == 0
    assert torch.count_nonzero(_head(4, std_db=None).draw_offsets_db(5, 1.0)) == 0
    many = torch.stack([head.draw_offsets_db(s, 1.0) for s in range(400)])
    assert abs(float(many.std()) - 6.0) < 0.5 and abs(float(many.mean())) < 0.5


def test_the_factor_is_stored_and_checked(tmp_path):
    head = _head(4, std_db=4.0)
    loaded = WidthHead.load(head.save(tmp_path), cond_channels=2)
    assert torch.equal(loaded.residual_tril, head.residual_tril)
    assert WidthHead.load(_head(4, std_db=None).save(tmp_path / ".."), cond_channels=2).residual_tril is None
    tensors = {"weight": torch.zeros(B, 4), "bias": torch.zeros(B), "feature_mean": torch.zeros(4),
               "feature_scale": torch.ones(4), "residual_tril": torch.ones(B, B)}
    save_file(tensors, str(tmp_path / "upper.safetensors"))
    with pytest.raises(ValueError, match="lower-triangular"):
        WidthHead.load(tmp_path / "upper.safetensors", cond_channels=2)
    tensors["residual_tril"] = torch.eye(B - 1)
    save_file(tensors, str(tmp_path / "small.safetensors"))
    with pytest.raises(ValueError, match="shape"):
        WidthHead.load(tmp_path / "small.safetensors", cond_channels=2)


def _side_to_mid_db(stereo) -> float:
    stereo = np.asarray(stereo, dtype=np.float64)
    return float(10 * np.log10(((stereo[0] - stereo[1]) ** 2).sum() / ((stereo[0] + stereo[1]) ** 2).sum()))


@pytest.fixture(scope="module")
def spread_upmixer():
    base = make_tiny_upmixer(seed=3)
    head = _head(2 * base.denoiser.config.cond_channels, std_db=6.0)
    return Upmixer(base.codec, base.denoiser, base.scheduler_config, base.config, width_head=head)


def test_the_pipeline_draws_levels_per_take_when_asked(spread_upmixer):
    up = spread_upmixer
    mono = music_like(48_000 * 2, 48_000, seed=1)
    kw = dict(sample_rate=48_000, band_level_anchor=1.0, calibrate=False, num_draws=1)
    plain = up(mono, seed=0, **kw)
    np.testing.assert_array_equal(plain, up(mono, seed=0, level_spread=0.0, **kw))
    drawn = up(mono, seed=0, level_spread=1.0, **kw)
    np.testing.assert_array_equal(drawn, up(mono, seed=0, level_spread=1.0, **kw))  # same seed, same take
    assert not np.array_equal(drawn, plain)
    np.testing.assert_allclose(drawn.sum(0) / 2, mono, atol=1e-5)  # the fold-down stays exact
    # over seeds, drawn takes spread in width far more than takes at the head's prediction
    widths = {s: [_side_to_mid_db(up(mono, seed=k, level_spread=s, **kw)) for k in range(6)] for s in (0.0, 1.0)}
    assert np.std(widths[1.0]) > max(1.0, 3 * np.std(widths[0.0]))
    # one seed gives each recording its own draw (no shared shift over a batch)
    other = music_like(48_000 * 2, 48_000, seed=9) * 0.5
    first, second = (up._level_offset(0, 1.0, torch.as_tensor(x)) for x in (mono, other))
    assert not torch.equal(first, second)
    assert torch.equal(first, up._level_offset(0, 1.0, torch.as_tensor(mono)))
    # a preset may carry it; out-of-range values are refused
    presets.check_preset("p", {"level_spread": 1.0})
    with pytest.raises(ValueError, match="level_spread"):
        presets.check_preset("p", {"level_spread": 5.0})
    with pytest.raises(ValueError, match="level_spread"):
        up(mono, seed=0, level_spread=-1.0, **kw)


def test_without_a_head_the_spread_changes_nothing():
    up = make_tiny_upmixer(seed=3)
    mono = music_like(48_000, 48_000, seed=2)
    kw = dict(sample_rate=48_000, seed=0, num_draws=1, band_level_anchor=1.0)
    np.testing.assert_array_equal(up(mono, level_spread=1.0, **kw), up(mono, **kw))
