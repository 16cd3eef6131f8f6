"""The width head: ridge fit, storage, loading checks, and the pipeline anchoring to its prediction."""
import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from conftest import make_tiny_upmixer, music_like
from m2s_gen import Upmixer, features, spatial
from m2s_gen.loading import ModelLoadError
from m2s_gen.width_head import FILE_NAME, WidthHead
from training.width_windows import band_width_db

B = spatial.NUM_BANDS


def _linear_data(num_windows=400, num_features=10, seed=0, noise=0.1):
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 3.0, (num_windows, num_features))
    true_w = rng.normal(0, 1, (B, num_features))
    y = x @ true_w.T - 12.0 + noise * rng.normal(size=(num_windows, B))
    return x, y, true_w


def test_fit_recovers_a_linear_relation_and_skips_missing_targets():
    x, y, _ = _linear_data()
    y[::3, 5] = np.nan  # band 5 not audible in a third of the windows
    head = WidthHead.fit(x, y, alpha=1e-3)
    pred = head.predict_db(torch.from_numpy(x)).numpy()
    rows = np.isfinite(y)
    inside = (y > spatial.RATIO_FLOOR_DB) & (y < spatial.RATIO_CEIL_DB) & rows
    assert np.abs(pred - y)[inside].mean() < 0.2
    # a large penalty shrinks to the mean of each band: a fixed profile
    flat = WidthHead.fit(x, y, alpha=1e9).predict_db(torch.from_numpy(x)).numpy()
    assert np.allclose(flat.std(0), 0.0, atol=0.05)


def test_save_and_load_round_trip_and_bad_files_are_refused(tmp_path):
    x, y, _ = _linear_data(num_features=6)
    head = WidthHead.fit(x, y, alpha=1.0)
    path = head.save(tmp_path)
    loaded = WidthHead.load(path, cond_channels=3)
    assert torch.allclose(loaded.predict_db(torch.from_numpy(x)), head.predict_db(torch.from_numpy(x)), atol=1e-4)
    with pytest.raises(ValueError, match="shape"):
        WidthHead.load(path, cond_channels=4)
    bad = {"weight": torch.full((B, 6), float("nan")), "bias": torch.zeros(B),
           "feature_mean": torch.zeros(6), "feature_scale": torch.ones(6)}
    save_file(bad, str(tmp_path / "bad.safetensors"))
    with pytest.raises(ValueError, match="non-finite"):
        WidthHead.load(tmp_path / "bad.safetensors", cond_channels=3)


def test_band_width_is_the_energy_weighted_ratio():
    energy_db = torch.full((B, 100), -30.0)
    energy_db[:, 50:] = -20.0  # the second half 10x louder
    ratio = torch.full((B, 100), -10.0)
    ratio[:, 50:] = -20.0
    width = band_width_db((energy_db - features.MID_DB_CENTRE) / features.MID_DB_SCALE, ratio)
    want = 10 * np.log10((1e-3 * 0.1 + 1e-2 * 0.01) / (1e-3 + 1e-2))
    assert np.allclose(width, want, atol=1e-6)
    assert band_width_db(torch.full((B, 10), -1.0), torch.zeros(B, 10)) is None  # too short to judge


def _with_head(upmixer, bias_db: float) -> Upmixer:
    features_count = 2 * upmixer.denoiser.config.cond_channels
    head = WidthHead(torch.zeros(B, features_count), torch.full((B,), bias_db),
                     torch.zeros(features_count), torch.ones(features_count))
    return Upmixer(upmixer.codec, upmixer.denoiser, upmixer.scheduler_config, upmixer.config, width_head=head)


def _side_to_mid_db(stereo) -> float:
    stereo = np.asarray(stereo, dtype=np.float64)
    mid, side = stereo.mean(0), (stereo[0] - stereo[1]) / 2
    return 10 * np.log10((side ** 2).sum() / (mid ** 2).sum())


def test_anchoring_follows_the_head_and_is_saved_with_the_model(tmp_path):
    base = make_tiny_upmixer(seed=3)
    mono = music_like(48_000 * 3, 48_000, seed=1)
    narrow, wide = _with_head(base, -25.0), _with_head(base, -3.0)
    out = {name: up(mono, sample_rate=48_000, seed=0, band_level_anchor=1.0, calibrate=False)
           for name, up in (("narrow", narrow), ("wide", wide))}
    assert _side_to_mid_db(out["wide"]) > _side_to_mid_db(out["narrow"]) + 10.0
    # without anchoring the head is not used
    free = [up(mono, sample_rate=48_000, seed=0, band_level_anchor=0.0) for up in (narrow, wide)]
    np.testing.assert_array_equal(free[0], free[1])
    wide.save_pretrained(tmp_path / "m")
    assert (tmp_path / "m" / FILE_NAME).is_file()
    again = Upmixer.from_pretrained(tmp_path / "m")
    np.testing.assert_allclose(again(mono, sample_rate=48_000, seed=0, band_level_anchor=1.0, calibrate=False),
                               out["wide"], atol=1e-5)


def test_a_head_of_the_wrong_size_is_a_clear_load_error(tmp_path):
    base = make_tiny_upmixer(seed=3)
    base.save_pretrained(tmp_path / "m")
    WidthHead(torch.zeros(B, 5), torch.zeros(B), torch.zeros(5), torch.ones(5)).save(tmp_path / "m")
    with pytest.raises(ModelLoadError, match="width head"):
        Upmixer.from_pretrained(tmp_path / "m")


def _write_shards(folder, cond_channels, latent_dim, package, tracks, rng, width_of):
    folder.mkdir(parents=True, exist_ok=True)
    for t in range(tracks):
        cond = torch.from_numpy(rng.normal(0, 1, (cond_channels, 500))).float()
        cond[latent_dim:] = (-30.0 - features.MID_DB_CENTRE) / features.MID_DB_SCALE  # audible, steady
        level = float(rng.uniform(-1.0, 1.0))
        cond[0] += level  # the width follows the first latent channel's level
        params = torch.zeros(3 * B, 500)
        params[:B] = width_of(level)
        save_file({"cond": cond.half(), "params": params.half()}, str(folder / f"{package}__{t}.safetensors"),
                  metadata={"name": f"{package}/{t}", "source_rate_hz": "48000"})


def test_fit_width_head_command_writes_a_head_that_predicts_held_out_packages(tmp_path):
    import json

    from training import fit_width_head

    base = make_tiny_upmixer(seed=3)
    base.save_pretrained(tmp_path / "m")
    channels = base.denoiser.config.cond_channels
    latent_dim = channels - B
    rng = np.random.default_rng(0)
    width_of = lambda level: -10.0 + 6.0 * level  # noqa: E731
    for k in range(6):
        _write_shards(tmp_path / "lat" / "train", channels, latent_dim, f"pkg{k}", 8, rng, width_of)
    _write_shards(tmp_path / "lat" / "validation", channels, latent_dim, "val", 8, rng, width_of)
    (tmp_path / "lat" / "stats.json").write_text(json.dumps({"latent_dim": latent_dim, "latent_scale": 1.0}))
    report = tmp_path / "report.json"
    assert fit_width_head.main(["--model", str(tmp_path / "m"), "--latents", str(tmp_path / "lat"),
                                "--report", str(report)]) == 0
    written = json.loads(report.read_text())
    scores = written["validation"]
    assert scores["mean_correlation"] > 0.8
    assert scores["mae_db"] < scores["profile_mae_db"]
    head = Upmixer.from_pretrained(tmp_path / "m").width_head
    assert head is not None and head.residual_tril is not None
    # the spread of its errors on held-out packages is stored and reported: small for this easy relation
    assert len(written["held_out_residual_std_db"]) == B
    assert 0.0 < max(written["held_out_residual_std_db"]) < 3.0


def test_width_probe_finds_the_information_where_it_is(tmp_path):
    import json

    from evaluation import width_probe

    latent_dim, channels = 4, 4 + B
    rng = np.random.default_rng(1)
    width_of = lambda level: -10.0 + 6.0 * level  # noqa: E731
    for k in range(6):
        _write_shards(tmp_path / "lat" / "train", channels, latent_dim, f"pkg{k}", 10, rng, width_of)
    _write_shards(tmp_path / "lat" / "validation", channels, latent_dim, "val", 10, rng, width_of)
    (tmp_path / "lat" / "stats.json").write_text(json.dumps({"latent_dim": latent_dim, "latent_scale": 1.0}))
    assert width_probe.main(["--latents", str(tmp_path / "lat"), "--out", str(tmp_path / "out"),
                             "--regressors", "ridge"]) == 0
    results = {r["feature_set"]: r for r in json.loads((tmp_path / "out" / "width_probe.json").read_text())["results"]}
    assert results["latents"]["mean_correlation"] > 0.8
    assert results["latents+energies"]["mean_correlation"] > 0.8
    assert not results["energies"]["mean_correlation"] > 0.5  # steady energies carry nothing (NaN: constant)
    assert (tmp_path / "out" / "width_probe.md").is_file()


def test_fit_restricted_to_some_features_ignores_the_others():
    x, y, _ = _linear_data(num_features=6)
    use = np.array([True, True, False, False, True, False])
    head = WidthHead.fit(x, y, alpha=1.0, use=use)
    assert torch.all(head.weight[:, ~torch.from_numpy(use)] == 0)
    shifted = x.copy()
    shifted[:, ~use] += 100.0  # what the unused features say changes nothing
    assert torch.allclose(head.predict_db(torch.from_numpy(x)), head.predict_db(torch.from_numpy(shifted)))


def test_a_model_trained_without_latents_gets_a_head_without_them(tmp_path):
    import dataclasses
    import json

    from training import fit_width_head

    base = make_tiny_upmixer(seed=3)
    base = Upmixer(base.codec, base.denoiser, base.scheduler_config,
                   dataclasses.replace(base.config, use_codec_latents=False))
    base.save_pretrained(tmp_path / "m")
    channels = base.denoiser.config.cond_channels
    latent_dim = channels - B
    rng = np.random.default_rng(0)
    for k in range(6):
        _write_shards(tmp_path / "lat" / "train", channels, latent_dim, f"pkg{k}", 8, rng, lambda v: -10.0 + 6.0 * v)
    (tmp_path / "lat" / "stats.json").write_text(json.dumps({"latent_dim": latent_dim, "latent_scale": 1.0}))
    assert fit_width_head.main(["--model", str(tmp_path / "m"), "--latents", str(tmp_path / "lat")]) == 0
    head = Upmixer.from_pretrained(tmp_path / "m").width_head
    latent_columns = torch.cat([torch.arange(latent_dim), channels + torch.arange(latent_dim)])
    assert torch.all(head.weight[:, latent_columns] == 0)


def test_band_dynamics_features_and_their_head_round_trip(tmp_path):
    from m2s_gen import band_dynamics

    frames = 100
    level_db = torch.full((B, frames), -30.0)
    level_db[0, ::2] = -40.0  # band 0 jumps 10 dB every frame; the other bands hold still
    cond = torch.cat([torch.zeros(4, frames), (level_db - features.MID_DB_CENTRE) / features.MID_DB_SCALE])
    feats = band_dynamics.band_dynamics(cond).reshape(len(band_dynamics.GROUPS), B)
    mean, std, flux, flux_std, autocorr = feats
    assert np.isclose(float(mean[0]), (-35.0 - features.MID_DB_CENTRE) / features.MID_DB_SCALE, atol=1e-6)
    assert np.isclose(float(std[0]), 5.0 / features.MID_DB_SCALE, atol=1e-6)
    assert np.isclose(float(flux[0]), 10.0 / features.MID_DB_SCALE, atol=1e-6)
    assert float(flux_std[0]) < 1e-6 and float(autocorr[0]) < -0.9  # steady alternation: lag 5 is odd
    assert float(flux[1:].abs().max()) == 0 and float(std[1:].abs().max()) == 0
    # a head on these features: stored with its kind, checked against 5 x bands features on load
    x = np.random.default_rng(0).normal(size=(60, band_dynamics.NUM_FEATURES))
    y = np.random.default_rng(1).normal(-10, 3, size=(60, B))
    head = WidthHead.fit(x, y, alpha=10.0, kind="band_dynamics")
    loaded = WidthHead.load(head.save(tmp_path), cond_channels=4 + B)
    assert loaded.features == "band_dynamics"
    assert loaded.profile_db(cond[None]).shape == (1, B)
    assert torch.allclose(loaded.profile_db(cond[None])[0].float(),
                          head.predict_db(band_dynamics.band_dynamics(cond)[None])[0].float(), atol=1e-4)


def test_fit_width_head_from_audio_learns_from_the_band_dynamics(tmp_path):
    """A folder of stereo tracks whose width follows how jumpy the mid is: the band-dynamics head,
    fitted from the audio alone, predicts packages it was not fitted on."""
    import json

    import soundfile as sf

    from training import fit_width_head
    from training.width_windows import audio_windows

    rate, seconds = spatial.MODEL_SAMPLE_RATE, 10.5
    rng = np.random.default_rng(0)
    t = np.arange(int(rate * seconds)) / rate
    for package in range(7):
        for track in range(3):
            depth = rng.uniform(0.0, 1.0)  # 0: steady noise, 1: 4 Hz gated noise
            mid = rng.normal(0, 0.1, t.size) * (1.0 - depth * (np.sin(2 * np.pi * 4 * t) > 0))
            width_db = -8.0 - 12.0 * depth
            side = rng.normal(0, 0.1, t.size) * 10 ** (width_db / 20) * (np.abs(mid) > 0).astype(float)
            folder = tmp_path / "music" / f"pkg{package}"
            folder.mkdir(parents=True, exist_ok=True)
            sf.write(str(folder / f"t{track}.wav"), np.stack([mid + side, mid - side], 1).astype(np.float32), rate)
    windows = audio_windows(tmp_path / "music", "train", progress=False)
    assert windows["features"].shape == (21, 5 * B) and windows["widths"].shape == (21, B)
    assert set(windows["packages"]) == {f"pkg{k}" for k in range(7)}
    base = make_tiny_upmixer(seed=3)
    base.save_pretrained(tmp_path / "m")
    report = tmp_path / "report.json"
    assert fit_width_head.main(["--model", str(tmp_path / "m"), "--audio", str(tmp_path / "music"),
                                "--report", str(report)]) == 0
    held_out = json.loads(report.read_text())["cross_validated"]
    assert held_out["mean_correlation"] > 0.8 and held_out["mae_db"] < held_out["profile_mae_db"]
    head = Upmixer.from_pretrained(tmp_path / "m").width_head
    assert head.features == "band_dynamics" and head.residual_tril is not None
    assert fit_width_head.main(["--model", str(tmp_path / "m"), "--audio", str(tmp_path / "nowhere")]) == 2


def test_local_mask_reads_the_neighbouring_bands_of_every_group():
    from m2s_gen.band_dynamics import GROUPS, local_mask

    mask = local_mask(2)
    assert mask.shape == (B, len(GROUPS) * B)
    assert mask[0].sum() == 3 * len(GROUPS) and mask[10].sum() == 5 * len(GROUPS)
    for group in range(len(GROUPS)):
        assert mask[10, group * B + 8] and mask[10, group * B + 12] and not mask[10, group * B + 13]
    assert local_mask(None).all()


def test_a_local_head_ignores_distant_bands_and_the_choice_prefers_the_local_one():
    """Each band's width follows its own band's feature; the distant ones are noise. A per-band mask
    keeps their weights at 0, and the package-grouped choice takes the most local neighbourhood."""
    from m2s_gen.band_dynamics import GROUPS, local_mask
    from training import fit_width_head

    rng = np.random.default_rng(0)
    num_features = len(GROUPS) * B
    x = rng.normal(size=(400, num_features))
    y = 3.0 * x[:, :B] - 12.0 + 0.3 * rng.normal(size=(400, B))  # the "mean" group of the band itself
    head = WidthHead.fit(x, y, alpha=1.0, use=local_mask(1))
    weight = head.weight.numpy()
    assert np.all(weight[~local_mask(1)] == 0)
    assert np.allclose(np.diag(weight[:, :B]), 3.0, atol=0.35)
    # the per-band masks standardise like the global fit: same predictions where both read everything
    full = WidthHead.fit(x, y, alpha=1.0, use=local_mask(None))
    assert torch.allclose(full.predict_db(torch.from_numpy(x)), WidthHead.fit(x, y, alpha=1.0).predict_db(torch.from_numpy(x)), atol=1e-4)
    data = {"features": x, "widths": y, "packages": np.array([f"p{k % 6}" for k in range(400)])}
    neighbours, alpha, errors = fit_width_head.choose_neighbours(data, alphas=(1.0, 100.0), neighbours=(0, 5, None))
    assert neighbours == 0 and alpha == 1.0
    assert set(errors) == {f"{n}@{a:g}" for n in ("0", "5", "all") for a in (1.0, 100.0)}


def test_band_reach_tells_how_far_a_local_head_reads():
    from m2s_gen.band_dynamics import GROUPS, local_mask

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(100, len(GROUPS) * B)), rng.normal(size=(100, B))
    assert WidthHead.fit(x, y, alpha=1.0, use=local_mask(3), kind="band_dynamics").band_reach() == 3
    assert WidthHead.fit(x, y, alpha=1.0, kind="band_dynamics").band_reach() == B - 1
    assert WidthHead.fit(x, y, alpha=1.0).band_reach() is None  # a summary head has no bands to read
