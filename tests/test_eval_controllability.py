"""Controllability measurement with a fake system that honours its controls."""

import numpy as np

from evaluation.clips import Clip
from evaluation.controllability import WIDTH_TARGETS_DB, controllability_markdown, measure_controllability
from m2s_gen.baselines import BASELINES

SR = 16000
PROMPT_WIDTH_DB = {"narrow": -15.0, "wide": -4.0}


def fake_system(mono, sample_rate, seed=0, width_db=None, prompt=None):
    """A decorrelated side scaled to width_db, or to the prompt's width, or to -9 dB."""
    width = width_db if width_db is not None else PROMPT_WIDTH_DB.get(prompt, -9.0)
    return BASELINES["decorrelator"](mono, sample_rate, seed, width_db=width)


def _clips(count=2):
    rng = np.random.default_rng(0)
    out = []
    for index in range(count):
        mono = (0.1 * rng.standard_normal(SR)).astype(np.float32)
        out.append(Clip(f"c{index}", np.stack([mono, mono]), mono, SR, "test", 0.0))
    return out


def test_width_and_prompts_are_measured():
    vocabulary = {"narrow": ("a narrow image", {"width_db": -15.0}), "wide": "a wide image"}
    result = measure_controllability(fake_system, _clips(), vocabulary=vocabulary)
    assert [row["requested_db"] for row in result["width"]] == list(WIDTH_TARGETS_DB)
    for row in result["width"]:
        assert abs(row["measured_mean_db"] - row["requested_db"]) < 0.01 and row["error_db"] < 0.01
    by_word = {row["prompt"]: row for row in result["prompts"]}
    assert set(by_word) == {"(none)", "narrow", "wide"}
    assert abs(by_word["narrow"]["width_db"] + 15.0) < 0.01 and abs(by_word["wide"]["width_db"] + 4.0) < 0.01
    assert by_word["wide"]["icc"] < by_word["narrow"]["icc"]
    assert by_word["narrow"]["targets"] == {"width_db": -15.0}
    table = controllability_markdown("fake", result)
    assert "| -20 | -20.00 |" in table and "| narrow | width_db -15 |" in table
    assert all(np.isfinite(row["movement_db"]) for row in result["prompts"])


def test_prompt_checks_compare_words():
    from evaluation.controllability import check_prompts

    rows = [{"prompt": "narrow", "width_db": -15.0}, {"prompt": "very wide", "width_db": -2.0},
            {"prompt": "wide", "width_db": -9.0}]
    checks = check_prompts(rows, [("very wide", "width_db", "narrow", 6.0), ("wide", "width_db", "narrow", 7.0),
                                  ("hall", "coherence", "wide", 0.1)])
    assert [(c["word"], c["holds"]) for c in checks] == [("very wide", True), ("wide", False)]
    assert checks[0]["difference"] == 13.0
    table = controllability_markdown("x", {"num_clips": 1, "width": [], "prompts": None, "note": "", "checks": checks})
    assert "(1 of 2 hold)" in table and "| NO |" in table


def test_width_movement_tells_a_moving_image_from_a_static_one():
    from evaluation.controllability import width_movement_db

    rng = np.random.default_rng(1)
    mid = rng.standard_normal(SR * 4)
    steady = np.stack([mid + 0.3 * mid[::-1], mid - 0.3 * mid[::-1]])
    swing = 0.3 * (1 + 0.9 * np.sin(2 * np.pi * 0.5 * np.arange(mid.size) / SR))
    moving = np.stack([mid + swing * mid[::-1], mid - swing * mid[::-1]])
    assert width_movement_db(steady, SR) < 0.5 < 3.0 < width_movement_db(moving, SR)


def test_system_without_prompt_is_noted():
    def width_only(mono, sample_rate, seed=0, width_db=-9.0):
        return BASELINES["decorrelator"](mono, sample_rate, seed, width_db=width_db)

    result = measure_controllability(width_only, _clips(1), vocabulary={"wide": "a wide image"})
    assert result["prompts"] is None and "prompt" in result["note"]
