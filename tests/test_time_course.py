"""The width's time course predicted from the mid's envelope (m2s_gen.time_course)."""

import pytest
import torch

from m2s_gen import posterior, spatial, time_course

B, K = spatial.NUM_BANDS, time_course.NUM_ENVELOPE_FEATURES


def _mid_db(frames=120, seed=0):
    g = torch.Generator().manual_seed(seed)
    return -40 + 5 * torch.randn(B, frames, generator=g, dtype=torch.float64)


def _params(frames=120, seed=1):
    g = torch.Generator().manual_seed(seed)
    ratio = -10 + 3 * torch.randn(B, frames, generator=g)
    coh = 0.5 * torch.ones(2 * B, frames)
    return torch.cat([ratio, coh]).float()


def test_envelope_features_are_centred_over_active_tiles():
    mid_db = _mid_db()
    mid_db[3, :20] = -200.0  # a silent stretch: inactive
    x = time_course.envelope_features(mid_db)
    assert x.shape == (K, B, mid_db.shape[-1])
    active = time_course.active_tiles(mid_db)
    assert not active[3, :20].any() and active[3, 20:].all()
    means = (x * active).sum(-1) / active.sum(-1)
    assert torch.allclose(means, torch.zeros_like(means), atol=1e-9)
    assert torch.all(x[:, 3, :20] == 0)


def test_attack_gives_a_positive_forward_feature():
    mid_db = torch.full((B, 60), -40.0, dtype=torch.float64)
    mid_db[:, 30:] = -10.0  # a step up: the mid is above its recent past just after it
    forwards_short = time_course.envelope_features(mid_db)[0]
    assert float(forwards_short[0, 30]) > float(forwards_short[0, 50]) + 3.0


def test_retime_keeps_band_widths():
    params, mid_db = _params(), _mid_db()
    weights = torch.zeros(B, 1 + K)
    weights[:, 1] = -0.8
    out = time_course.retime_ratio(params[:B], mid_db, weights, 1.0)
    assert not torch.allclose(out, params[:B])
    full = torch.cat([out, params[B:]])
    assert torch.allclose(posterior.band_widths_db(full, mid_db), posterior.band_widths_db(params, mid_db), atol=1e-3)


def test_identity_weights_and_zero_scale_leave_the_ratios():
    params, mid_db = _params(), _mid_db()
    own = torch.zeros(B, 1 + K)
    own[:, 0] = 1.0
    assert torch.allclose(time_course.retime_ratio(params[:B], mid_db, own, 1.0), params[:B], atol=1e-4)
    zero = time_course.retime_ratio(params[:B], mid_db, torch.ones(B, 1 + K), 0.0)
    assert torch.equal(zero, params[:B])


def test_wrong_weight_shape_is_refused():
    with pytest.raises(ValueError, match="time_course_weights must have shape"):
        time_course.retime_ratio(_params()[:B], _mid_db(), torch.zeros(B, 3), 1.0)


def test_render_side_follows_the_envelope():
    """A side rendered with a negative weight on the attack feature is quieter, relative to the mid,
    on the attack than in the decay; band energy over the segment is about unchanged."""
    sr = spatial.MODEL_SAMPLE_RATE
    t = torch.arange(2 * sr) / sr
    g = torch.Generator().manual_seed(0)
    envelope = torch.where(t % 0.5 < 0.05, 1.0, 0.15)
    mid = envelope * torch.randn(t.shape[0], generator=g)
    frames = spatial.num_param_frames(mid.shape[-1])
    params = torch.cat([torch.full((B, frames), -10.0), torch.zeros(2 * B, frames)])
    weights = torch.zeros(B, 1 + K)
    weights[:, 1] = -1.0  # 60 ms forwards follower: the mid above its recent past -> less side
    plain = spatial.render_side(mid, params, seed=0)
    moving = spatial.render_side(mid, params, seed=0, time_course=(weights.tolist(), 1.0))
    attack = (t % 0.5) < 0.04
    decay = ((t % 0.5) > 0.1) & ((t % 0.5) < 0.3)
    def ratio(side, mask):
        return float(side[mask].pow(2).mean() / mid[mask].pow(2).mean())
    assert ratio(moving, attack) / ratio(moving, decay) < 0.7 * ratio(plain, attack) / ratio(plain, decay)
    total = float(moving.pow(2).sum() / plain.pow(2).sum())
    assert 0.6 < total < 1.6


def test_fit_recovers_known_weights():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 1 + K, B, 50, generator=g, dtype=torch.float64)
    true = torch.randn(B, 1 + K, generator=g, dtype=torch.float64)
    y = torch.einsum("bk,skbn->sbn", true, x) + 0.01 * torch.randn(40, B, 50, generator=g, dtype=torch.float64)
    active = torch.ones(40, B, 50, dtype=torch.bool)
    fitted = time_course.fit_weights(x, y, active, ridge=1e-6)
    assert torch.allclose(fitted, true, atol=1e-2)


def _weights(value: float = -0.8) -> list[list[float]]:
    rows = torch.zeros(B, 1 + K)
    rows[:, 1] = value
    return rows.tolist()


def test_the_pipeline_applies_it_when_the_model_has_weights(tmp_path):
    import dataclasses

    import numpy as np

    from conftest import make_tiny_upmixer, music_like
    from m2s_gen import Upmixer

    base = make_tiny_upmixer(seed=3)
    mono = music_like(48_000 * 2, 48_000, seed=1)
    kw = dict(sample_rate=48_000, seed=0, num_draws=1)
    without = base(mono, **kw)
    np.testing.assert_array_equal(without, base(mono, time_course=1.0, **kw))  # no weights: nothing to apply
    config = dataclasses.replace(base.config, time_course_weights=_weights(), default_time_course=1.0)
    up = Upmixer(base.codec, base.denoiser, base.scheduler_config, config)
    moving = up(mono, **kw)
    assert not np.array_equal(moving, without)
    np.testing.assert_array_equal(up(mono, time_course=0.0, **kw), without)
    np.testing.assert_allclose(moving.sum(0) / 2, mono, atol=1e-5)  # the fold-down stays exact
    with pytest.raises(ValueError, match="time_course must be a number in"):
        up(mono, time_course=3.0, **kw)
    # a word that sets the movement wins over the learned time course (unless asked for explicitly)
    np.testing.assert_array_equal(up(mono, prompt="ping-pong", **kw), up(mono, prompt="ping-pong", time_course=0.0, **kw))
    assert not np.array_equal(up(mono, prompt="wide", **kw), up(mono, prompt="wide", time_course=0.0, **kw))
    # saved and loaded with the model; malformed weights are refused at load time
    up.save_pretrained(tmp_path / "m")
    assert Upmixer.from_pretrained(tmp_path / "m").config.time_course_weights == config.time_course_weights
    import json

    from m2s_gen.loading import ModelLoadError

    path = tmp_path / "m" / "upmixer_config.json"
    data = json.loads(path.read_text())
    data["time_course_weights"] = [[0.0] * 3] * B
    path.write_text(json.dumps(data))
    with pytest.raises(ModelLoadError, match="time_course_weights"):
        Upmixer.from_pretrained(tmp_path / "m")


def test_fit_learns_a_reverb_like_movement_and_writes_a_loadable_model(tiny_model_dir, tmp_path):
    """Clips whose side is a slow (reverb-like) copy of a beating mid: the fitted movement is lower
    on attacks (negative weight on the short forwards follower), it beats a flat ratio on held-out
    packages, and the model with the weights loads and renders."""
    import shutil

    import numpy as np
    from scipy.signal import lfilter

    from evaluation.clips import Clip
    from m2s_gen import Upmixer
    from training import calibrate, fit_time_course

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    sr = 16_000
    clips = []
    for index in range(10):
        rng = np.random.default_rng(index)
        t = np.arange(3 * sr) / sr
        period = rng.uniform(0.3, 0.6)
        mono = (np.where(t % period < 0.04, 1.0, 0.1) * rng.standard_normal(t.size)).astype(np.float32)
        envelope = np.sqrt(lfilter([0.002], [1, -0.998], mono.astype(np.float64) ** 2))  # ~30 ms smear
        side = (0.5 * envelope * rng.standard_normal(t.size)).astype(np.float32)
        clips.append(Clip(f"pkg{index % 5}/t{index}@0", np.stack([mono + side, mono - side]), mono, sr, "test", 0.0))
    up = Upmixer.from_pretrained(folder)
    weights, scale, report = fit_time_course.fit(up, clips, progress=False)
    assert weights.shape == (B, 1 + K) and torch.isfinite(weights).all()
    assert float(weights[:, 1].mean()) < -0.1  # the mid above its recent past: relatively less side
    errors = report["held_out_mean_abs_error_db"]
    assert errors["envelope (l1)"]["all"] < errors["flat"]["all"]
    assert scale in fit_time_course.SCALES and set(report["side_mel_by_scale"]) == {f"{s:g}" for s in fit_time_course.SCALES}
    calibrate.write_config(folder, {"time_course_weights": weights.tolist(), "default_time_course": scale})
    loaded = Upmixer.from_pretrained(folder)
    stereo = loaded(clips[0].mono, sr, seed=0, num_steps=2, time_course=1.0)
    np.testing.assert_allclose(stereo.sum(0) / 2, clips[0].mono, atol=1e-5)
