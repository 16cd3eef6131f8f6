"""Requested style attributes are met on the parameters, and the rest of the image is kept."""
from __future__ import annotations

import pytest
import torch

from m2s_gen import attributes, spatial, steering
from m2s_gen.prompts import VOCABULARY

from conftest import music_like

NAMES = list(attributes.ATTRIBUTE_NAMES)


def _random_image(seed: int = 0, frames: int = 64):
    gen = torch.Generator().manual_seed(seed)
    b = spatial.NUM_BANDS
    ratio = -8 + 4 * torch.randn(b, frames, generator=gen)
    phase = 6.28 * torch.rand(b, frames, generator=gen)
    mag = 0.2 + 0.3 * torch.rand(b, frames, generator=gen)
    params = torch.cat([ratio, mag * torch.cos(phase), mag * torch.sin(phase)])
    mid_db = -40 + 10 * torch.randn(b, frames, generator=gen) - torch.linspace(0, 20, b)[:, None]
    return params, mid_db


def _measure(params, mid_db) -> dict[str, float]:
    return dict(zip(NAMES, attributes.measure(params, mid_db).tolist()))


@pytest.mark.parametrize("target", [0.05, 0.3, 0.7])
def test_coherence_is_met_and_side_energy_kept(target):
    params, mid_db = _random_image()
    out = steering.set_coherence(params, mid_db, target)
    assert _measure(out, mid_db)["coherence"] == pytest.approx(target, abs=1e-3)
    assert torch.equal(out[: spatial.NUM_BANDS], params[: spatial.NUM_BANDS])
    assert float(torch.sqrt(out[32:64] ** 2 + out[64:] ** 2).max()) <= 1.0 + 1e-6


def test_a_panned_image_keeps_one_side_over_neighbouring_bands():
    """Asked for more coherence, each band takes the side its neighbourhood leans to: bands that
    lean weakly the other way are not panned against their neighbours (which would cancel over an
    octave, where the panned copy is heard and measured)."""
    params, mid_db = _random_image(frames=16)
    b = spatial.NUM_BANDS
    lean = torch.where(torch.arange(b) % 2 == 0, 0.4, -0.1)[:, None].expand(b, 16)
    params = torch.cat([params[:b], lean.clone(), torch.zeros(b, 16)])
    mid_db = torch.full((b, 16), -30.0)
    out = steering.set_coherence(params, mid_db, 0.8)
    assert _measure(out, mid_db)["coherence"] == pytest.approx(0.8, abs=1e-3)
    assert bool((out[b:2 * b] > 0).all()) and float(out[2 * b:].abs().max()) == 0.0


@pytest.mark.parametrize("target_db", [1.5, 7.0])
def test_movement_is_met(target_db):
    params, mid_db = _random_image(1)
    out = steering.set_movement(params, mid_db, target_db)
    assert _measure(out, mid_db)["movement_db"] == pytest.approx(target_db, rel=1e-3)


@pytest.mark.parametrize("word", sorted(VOCABULARY))
def test_every_prompt_word_is_met_on_the_parameters(word):
    params, mid_db = _random_image(2)
    targets = VOCABULARY[word][1]
    measured = _measure(steering.meet_attributes(params, mid_db, targets), mid_db)
    for name, value in targets.items():
        tolerance = 0.01 if name == "coherence" else 0.1
        assert measured[name] == pytest.approx(value, abs=tolerance), (word, name)


def test_unrequested_attributes_are_left_alone():
    params, mid_db = _random_image(3)
    before = _measure(params, mid_db)
    after = _measure(steering.meet_attributes(params, mid_db, {"movement_db": 6.0}), mid_db)
    assert after["width_db"] == pytest.approx(before["width_db"], abs=0.05)
    assert torch.equal(steering.meet_attributes(params, mid_db, {}), spatial.clamp_params(params))


def test_prompts_steer_the_output_of_the_upmixer(tiny_upmixer):
    """Through the whole pipeline: coherence words change how much of the side is a copy of the mid."""
    from evaluation.metrics import side_mid_coherence, side_to_mid_db

    mono = music_like(48_000, 16_000, seed=3)
    panned = tiny_upmixer(mono, 16_000, prompt="hard-panned", seed=0, num_steps=2).numpy()
    diffuse = tiny_upmixer(mono, 16_000, prompt="ambient", seed=0, num_steps=2).numpy()
    assert side_mid_coherence(panned, 16_000) > side_mid_coherence(diffuse, 16_000) + 0.2
    assert side_to_mid_db(panned) == pytest.approx(VOCABULARY["hard-panned"][1]["width_db"], abs=0.1)
