"""The bootstrap over productions of the model's improvement over the best baseline."""
from __future__ import annotations

import math

import numpy as np

from evaluation.improvement_interval import improvement_interval, num_productions, production_sums
from evaluation.report import improvements, report_markdown


def clip(clip_id: str, model: float, base: float) -> dict:
    return {"id": clip_id, "systems": {"model": {"side_mel": model}, "freq_decorrelator": {"side_mel": base}}}


def test_sums_group_whole_productions_and_skip_missing_values():
    clips = [clip("a/1@0s", 1.0, 2.0), clip("a/2@0s", 3.0, 4.0), clip("b/1@0s", 5.0, float("nan")), clip("c/1@0s", 1.0, 1.0)]
    model, base, counts = production_sums(clips, "model", "freq_decorrelator", "side_mel")
    assert model.tolist() == [4.0, 1.0] and base.tolist() == [6.0, 1.0] and counts.tolist() == [2.0, 1.0]
    assert num_productions(clips) == 3


def test_the_same_gain_everywhere_has_a_point_interval():
    clips = [clip(f"p{p}/t{t}@0s", 0.9 * v, v) for p in range(5) for t, v in enumerate((0.3, 0.5, 0.7)[: p % 3 + 1])]
    low, high = improvement_interval(clips, "model", "freq_decorrelator", "side_mel")
    assert math.isclose(low, 10.0, abs_tol=1e-9) and math.isclose(high, 10.0, abs_tol=1e-9)


def test_a_gain_carried_by_one_large_production_is_uncertain():
    rng = np.random.default_rng(1)
    # one large production where the model is far ahead, five small ones where it is slightly behind
    clips = [clip(f"big/t{t}@0s", 0.3, 0.5) for t in range(30)]
    clips += [clip(f"p{p}/t{t}@0s", 0.52 + 0.01 * rng.standard_normal(), 0.5) for p in range(5) for t in range(3)]
    pooled = 100 * (0.5 - np.mean([c["systems"]["model"]["side_mel"] for c in clips])) / 0.5
    low, high = improvement_interval(clips, "model", "freq_decorrelator", "side_mel")
    assert pooled > 10 and low < 0 < high
    assert improvement_interval(clips, "model", "freq_decorrelator", "side_mel") == (low, high)  # seeded


def test_higher_is_better_flips_the_sign_and_one_production_gives_none():
    clips = [clip("a/1@0s", 1.1, 1.0), clip("b/1@0s", 2.2, 2.0)]
    low, high = improvement_interval(clips, "model", "freq_decorrelator", "side_mel", better="higher")
    assert math.isclose(low, 10.0) and math.isclose(high, 10.0)
    assert improvement_interval(clips[:1], "model", "freq_decorrelator", "side_mel") is None


def test_report_shows_the_interval_beside_the_improvement():
    clips = [clip(f"p{p}/t@0s", 0.9 * (0.4 + 0.05 * p), 0.4 + 0.05 * p) for p in range(4)]
    mean = {"reference": {}, "model": {"side_mel": float(np.mean([c["systems"]["model"]["side_mel"] for c in clips]))},
            "freq_decorrelator": {"side_mel": float(np.mean([c["systems"]["freq_decorrelator"]["side_mel"] for c in clips]))}}
    rows = improvements(mean, clips)["model"]
    assert math.isclose(rows["side_mel"]["improvement_pct"], 10.0) and rows["side_mel"]["interval"] is not None
    assert improvements(mean)["model"]["side_mel"]["interval"] is None  # no clips, no interval
    info = {"command": "x", "data": "d", "num_clips": 4, "clip_s": 10.0, "clips_per_track": 1, "seeds": 1, "elapsed_s": 1.0}
    text = report_markdown({"mean": mean, "skipped": {}, "per_clip": clips}, info, {})
    assert "| improvement % | 95% interval |" in text and "| 10.0 | 10.0 .. 10.0 |" in text
    assert "bootstrap over the 4 productions" in text
