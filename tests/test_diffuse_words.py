"""The diffuse words (ambient, hall, diffuse) get a strictly decorrelated side: the renderer's
decorrelated part then follows the mid per band, not per quarter band, whose one- or two-bin low
sub-bands make it partly coherent with the mid (docs/research-log.md, "productions it was never tuned on")."""
from __future__ import annotations

import numpy as np
import torch
from conftest import music_like

from evaluation.metrics import side_mid_coherence
from m2s_gen import spatial


def test_one_subband_gives_a_more_decorrelated_side():
    mid = torch.from_numpy(music_like(4 * 48_000, 48_000, seed=3))
    frames = spatial.num_param_frames(mid.shape[-1])
    params = torch.cat([torch.full((spatial.NUM_BANDS, frames), -6.0), torch.zeros(2 * spatial.NUM_BANDS, frames)])
    coherence = {}
    for subbands in (1, spatial.ENVELOPE_SUBBANDS):
        side = spatial.render_side(mid, params, seed=1, envelope_subbands=subbands)
        coherence[subbands] = side_mid_coherence(torch.stack([mid + side, mid - side]).numpy(), 48_000)
    assert coherence[1] < coherence[spatial.ENVELOPE_SUBBANDS] - 0.03, coherence


def test_only_a_low_coherence_request_selects_it(tiny_upmixer, monkeypatch):
    seen = []
    render = spatial.render_side

    def spy(*args, envelope_subbands=spatial.ENVELOPE_SUBBANDS, **kwargs):
        seen.append(envelope_subbands)
        return render(*args, envelope_subbands=envelope_subbands, **kwargs)

    monkeypatch.setattr(spatial, "render_side", spy)
    mono = music_like(24_000, 16_000, seed=2)
    chosen = {}
    for prompt in (None, "wide", "hard-panned", "hall", "ambient, mono bass", "diffuse"):
        seen.clear()
        stereo = tiny_upmixer(mono, 16_000, prompt=prompt, seed=0, num_steps=2)
        assert np.isfinite(stereo.numpy()).all()
        chosen[prompt] = set(seen)
    four = {spatial.ENVELOPE_SUBBANDS}
    assert chosen == {None: four, "wide": four, "hard-panned": four, "hall": {1}, "ambient, mono bass": {1}, "diffuse": {1}}
