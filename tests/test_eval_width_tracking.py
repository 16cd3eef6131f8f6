"""evaluation.width_tracking on known answers: an oracle follows the real width, a fixed image does not."""
from __future__ import annotations

import numpy as np

from evaluation.clips import Clip
from evaluation.width_tracking import markdown, pearson, production_intervals, summarise, track_widths, windowed_width_db

RATE = 16_000


def _clips(count: int = 12) -> list[Clip]:
    rng = np.random.default_rng(0)
    clips = []
    for k in range(count):
        mid = rng.standard_normal(RATE * 4).astype(np.float32) * 0.1
        gain = 10 ** (rng.uniform(-15, -2) / 20)  # each clip its own width, the side moving over time
        envelope = np.repeat(rng.uniform(0.2, 1.0, 8), RATE // 2).astype(np.float32)
        side = rng.standard_normal(mid.size).astype(np.float32) * 0.1 * gain * envelope
        reference = np.stack([mid + side, mid - side])
        clips.append(Clip(f"c{k}", reference, mid, RATE, "test", 0.0))
    return clips


def test_an_oracle_tracks_the_width_and_a_fixed_image_does_not():
    clips = _clips()
    by_id = {id(c.mono): c.reference for c in clips}
    oracle = summarise(track_widths(clips, lambda mono, rate, seed=0: by_id[id(mono)]))
    assert oracle["mean_octave_correlation"] > 0.99 and oracle["time_correlation"] > 0.99
    rng = np.random.default_rng(1)

    def fixed(mono, rate, seed=0):  # the same width for every input, steady in time
        side = 0.3 * rng.standard_normal(mono.size).astype(np.float32) * np.std(mono)
        return np.stack([mono + side, mono - side])

    fixed_scores = summarise(track_widths(clips, fixed))
    assert abs(fixed_scores["mean_octave_correlation"]) < 0.5
    assert abs(fixed_scores["time_correlation"]) < 0.5


def test_windowed_width_and_pearson():
    mid = np.ones(RATE, dtype=np.float32)
    stereo = np.stack([mid * 1.5, mid * 0.5])  # side = 0.5 mid: -6 dB
    assert np.allclose(windowed_width_db(stereo, RATE), 20 * np.log10(0.5), atol=1e-6)
    assert np.isnan(pearson(np.ones(5), np.arange(5.0)))
    assert abs(pearson(np.arange(5.0), 2 * np.arange(5.0)) - 1) < 1e-12


def test_intervals_resample_whole_productions():
    # six productions of two clips each; the oracle's correlation is 1 on every resample
    clips = [Clip(f"p{k // 2}/t{k}@0s", c.reference, c.mono, c.sample_rate, c.source, 0.0) for k, c in enumerate(_clips())]
    by_id = {id(c.mono): c.reference for c in clips}
    oracle = summarise(track_widths(clips, lambda mono, rate, seed=0: by_id[id(mono)]))
    low, high = oracle["intervals"]["mean_octave_correlation"]
    assert 0.99 < low <= high <= 1.0 + 1e-9
    text = markdown({"oracle": oracle}, "notes")
    assert "| mean | 95% interval | time course | 95% interval |" in text and "| 1.00 .. 1.00 |" in text
    # a fixed image: the interval is wide and spans its (near-zero) correlation
    rng = np.random.default_rng(2)

    def fixed_image(mono, rate, seed=0):
        side = 0.3 * rng.standard_normal(mono.size).astype(np.float32) * np.std(mono)
        return np.stack([mono + side, mono - side])

    fixed = summarise(track_widths(clips, fixed_image))
    low, high = fixed["intervals"]["mean_octave_correlation"]
    assert low < fixed["mean_octave_correlation"] < high and high - low > 0.2
    assert production_intervals({"ids": ["a/x@0s"], "out": np.zeros((1, 9)), "ref": np.zeros((1, 9)),
                                 "time_correlation": np.zeros(1)}) == {"mean_octave_correlation": None,
                                                                       "time_correlation": None}
