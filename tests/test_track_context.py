"""The track summary the denoiser can be conditioned on, and the band-limit mask of the loss."""
from __future__ import annotations

import numpy as np
import torch

from m2s_gen import features, spatial
from m2s_gen.denoiser import SpatialDenoiser
from training.diffusion_batches import band_mask_for_rate, drop_context, pair_contexts, sample_batch
from tests.test_diffusion_batches import D, _pairs

B = spatial.NUM_BANDS


def test_track_context_is_mean_and_std_of_audible_frames():
    cond = torch.zeros(D + B, 10)
    cond[:D] = torch.arange(10.0)
    loud = (-20.0 - features.MID_DB_CENTRE) / features.MID_DB_SCALE
    silent = (-120.0 - features.MID_DB_CENTRE) / features.MID_DB_SCALE
    cond[D:] = loud
    cond[D:, 5:] = silent  # the last five frames are 100 dB down: left out of the summary
    ctx = features.track_context(cond)
    assert ctx.shape == (2 * (D + B),)
    assert torch.allclose(ctx[:D], torch.full((D,), 2.0))  # mean of 0..4
    assert torch.allclose(ctx[D + B:2 * D + B], torch.full((D,), float(np.std(np.arange(5.0)))))
    # segments [S, C, N] are summarised as one track
    assert torch.allclose(features.track_context(torch.stack([cond[:, :5], cond[:, 5:]])), ctx)


def test_band_mask_drops_bands_above_the_source_nyquist():
    assert band_mask_for_rate(48_000).sum() == B
    mask = band_mask_for_rate(32_000)
    lows = torch.tensor([lo for lo, _ in spatial.band_edges_hz()])
    assert torch.equal(mask.bool(), lows < 16_000) and 0 < mask.sum() < B


def test_sample_batch_carries_context_and_band_masks():
    pairs = _pairs()
    contexts = pair_contexts(pairs, D, 2.0)
    masks = [band_mask_for_rate(32_000)] * len(pairs)
    batch = sample_batch(pairs, 4, 32, D, 2.0, np.random.default_rng(0), flip_side=False,
                         contexts=contexts, band_masks=masks)
    assert batch["context"].shape == (4, 2 * (D + B))
    cut = ~band_mask_for_rate(32_000).bool()
    weight = batch["weight"].reshape(4, 3, B, 32)
    assert weight[:, :, cut].sum() == 0 and weight[:, :, ~cut].sum() > 0


def test_drop_context_hides_rows():
    ctx = torch.ones(1000, 4)
    dropped = drop_context(ctx, 0.2, np.random.default_rng(0))
    hidden = torch.isnan(dropped).all(dim=1)
    assert 150 < int(hidden.sum()) < 250 and torch.equal(dropped[~hidden], ctx[~hidden])


def test_denoiser_uses_the_context_and_none_means_not_given():
    torch.manual_seed(0)
    model = SpatialDenoiser(param_channels=3 * B, cond_channels=D + B, hidden_dim=32, num_layers=1,
                            num_heads=2, context_channels=6).eval()
    torch.nn.init.normal_(model.out_proj.weight, std=0.1)  # zero-initialised: give it an output
    for block in model.blocks:
        torch.nn.init.normal_(block.modulation.weight, std=0.1)
    x, cond = torch.randn(2, 3 * B, 8), torch.randn(2, D + B, 8)
    attrs, mask = torch.zeros(2, 5), torch.zeros(2, 5)
    with torch.no_grad():
        none = model(x, 10, cond, attrs, mask)
        nan = model(x, 10, cond, attrs, mask, torch.full((2, 6), float("nan")))
        given = model(x, 10, cond, attrs, mask, torch.randn(2, 6))
    assert torch.allclose(none, nan)
    assert not torch.allclose(none, given)


def test_upmixer_passes_one_summary_of_the_whole_input(tmp_path):
    from m2s_gen.factory import build_upmixer
    from m2s_gen.pipeline import Upmixer, UpmixerConfig

    latent_dim = 8
    up = build_upmixer(denoiser_kwargs=dict(hidden_dim=32, num_layers=1, num_heads=2,
                                            context_channels=2 * (latent_dim + B)),
                       codec_kwargs=dict(n_filters=4, latent_dim=latent_dim),
                       config=UpmixerConfig(segment_frames=64, overlap_frames=8), seed=0)
    seen = []
    forward = up.denoiser.forward

    def spy(*args, **kwargs):
        seen.append(args[5] if len(args) > 5 else kwargs.get("context"))
        return forward(*args, **kwargs)

    up.denoiser.forward = spy
    rate = 16_000
    mono = torch.from_numpy(np.random.default_rng(0).standard_normal(rate * 6).astype(np.float32) * 0.1)
    stereo = up(mono, sample_rate=rate, seed=3, num_steps=2, num_draws=1)
    assert stereo.shape == (2, mono.numel())
    assert torch.allclose((stereo[0] + stereo[1]) / 2, mono, atol=1e-6)
    assert seen and all(c is not None and torch.isfinite(c).all() for c in seen)
    assert all(torch.equal(c[0], seen[0][0]) for c in seen)  # one summary for every segment
    # the ablation switch: the same model with the summary hidden
    seen.clear()
    up.config.use_track_context = False
    hidden = up(mono, sample_rate=rate, seed=3, num_steps=2, num_draws=1)
    assert seen and all(c is None for c in seen) and hidden.shape == stereo.shape
    up.config.use_track_context = True
    # saved and loaded, the model keeps its context input
    up.denoiser.forward = forward
    up.save_pretrained(tmp_path / "m")
    again = Upmixer.from_pretrained(tmp_path / "m")
    assert again.denoiser.config.context_channels == 2 * (latent_dim + B)
    assert torch.allclose(again(mono, sample_rate=rate, seed=3, num_steps=2, num_draws=1), stereo, atol=1e-5)


def test_a_model_without_context_gains_one_and_starts_unchanged(tmp_path):
    from training.train_diffusion import init_from

    torch.manual_seed(0)
    kwargs = dict(param_channels=3 * B, cond_channels=D + B, num_attributes=5)
    old = SpatialDenoiser(**kwargs, hidden_dim=32, num_layers=1, num_heads=2).eval()
    torch.nn.init.normal_(old.out_proj.weight, std=0.1)
    old.save_pretrained(tmp_path / "old")
    new = init_from(str(tmp_path / "old"), {**kwargs, "context_channels": 6}).eval()
    assert new.config.context_channels == 6 and new.config.hidden_dim == 32
    x, cond = torch.randn(2, 3 * B, 8), torch.randn(2, D + B, 8)
    attrs, mask = torch.zeros(2, 5), torch.zeros(2, 5)
    with torch.no_grad():
        assert torch.allclose(new(x, 5, cond, attrs, mask, torch.randn(2, 6)), old(x, 5, cond, attrs, mask), atol=1e-6)
    try:
        init_from(str(tmp_path / "old"), {**kwargs, "cond_channels": D + B + 1})
    except ValueError as err:
        assert "do not match" in str(err)
    else:
        raise AssertionError("a denoiser of other channels was accepted")
