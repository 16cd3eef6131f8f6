"""The ablation switch `use_codec_latents`: a model trained on band energies alone hears nothing else."""
import dataclasses

import numpy as np
import torch

from conftest import make_tiny_upmixer, music_like
from m2s_gen import Upmixer, features, spatial


def test_without_latents_zeroes_the_latents_and_keeps_the_energies():
    cond = torch.randn(2, 8 + spatial.NUM_BANDS, 5)
    out = features.without_latents(cond)
    assert torch.all(out[:, :8] == 0)
    assert torch.equal(out[:, 8:], cond[:, 8:])
    assert torch.equal(cond, cond.clone())  # the input is left alone


def test_a_model_without_latents_does_not_depend_on_the_codec():
    first, other = make_tiny_upmixer(seed=1), make_tiny_upmixer(seed=2)
    torch.manual_seed(0)  # a fresh denoiser's zero-initialised output layers would ignore any input
    with torch.no_grad():
        for weight in first.denoiser.parameters():
            weight.copy_(0.2 * torch.randn_like(weight))
    mono = music_like(48_000 * 2, 48_000, seed=4)
    outs = []
    for codec in (first.codec, other.codec):
        config = dataclasses.replace(first.config, use_codec_latents=False)
        outs.append(Upmixer(codec, first.denoiser, first.scheduler_config, config)(mono, sample_rate=48_000, seed=0))
    np.testing.assert_array_equal(np.asarray(outs[0]), np.asarray(outs[1]))
    with_latents = [Upmixer(c, first.denoiser, first.scheduler_config, first.config)(mono, sample_rate=48_000, seed=0)
                    for c in (first.codec, other.codec)]
    assert not np.array_equal(np.asarray(with_latents[0]), np.asarray(with_latents[1]))
