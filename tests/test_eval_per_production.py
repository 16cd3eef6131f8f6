"""The per-production table of the report: grouping by package, the best DSP baseline per production
(mono left out), and the count of productions where the model leads."""
from __future__ import annotations

import math

import numpy as np

from evaluation.per_production import per_production_markdown, per_production_means, production_of


def clip(clip_id: str, model: float, freq: float, mono: float, width_db: float = -8.0) -> dict:
    systems = {"model": {"side_mel": model, "width_error_db": 10 * model, "icc_error": model / 4},
               "freq_decorrelator": {"side_mel": freq, "width_error_db": 10 * freq, "icc_error": freq / 4},
               "mono": {"side_mel": mono, "width_error_db": 10 * mono, "icc_error": mono / 4}}
    return {"id": clip_id, "reference": {"width_db": width_db}, "systems": systems}


def test_production_is_the_package_of_the_clip_id():
    assert production_of("xmoto-data/music__intro@12.0s") == "xmoto-data"
    assert production_of("song@3.0s") == "song"  # a folder of files: the track stands for itself


def test_means_are_per_production():
    table = per_production_means([clip("a/t1@0s", 0.4, 0.5, 0.1, -6.0), clip("a/t2@0s", 0.6, 0.5, 0.1, -10.0),
                                  clip("b/t1@0s", 0.2, 0.3, 0.1)])
    assert list(table) == ["a", "b"] and table["a"]["clips"] == 2
    assert math.isclose(table["a"]["systems"]["model"]["side_mel"], 0.5)
    assert math.isclose(table["a"]["width_db"], -8.0)


def test_markdown_counts_where_the_model_leads_and_ignores_mono():
    # production a: the model is behind freq_decorrelator; b: ahead. mono is always "best" and must not count.
    lines = per_production_markdown([clip("a/t@0s", 0.6, 0.5, 0.01), clip("b/t@0s", 0.2, 0.3, 0.01)])
    text = "\n".join(lines)
    assert "| b | 1 | -8.0 | **0.200** |" in text and "| a | 1 | -8.0 | 0.600 |" in text
    assert "0.500 (freq_decorrelator)" in text and "(mono)" not in text
    assert "model is ahead of every DSP baseline on: side log-mel 1, width dB 1, ICC 1 of 2 productions." in text


def test_one_production_gives_no_table():
    assert per_production_markdown([clip("a/t@0s", 0.6, 0.5, 0.1)]) == []


def test_improvement_per_production_and_its_plot(tmp_path):
    from evaluation.per_production_plot import production_improvements
    from evaluation.run import write_per_production_plot

    clips = [clip("wide/t1@0s", 0.4, 0.5, 0.1, -4.0), clip("wide/t2@0s", 0.4, 0.5, 0.1, -4.0),
             clip("narrow/t1@0s", 0.6, 0.5, 0.1, -14.0)]
    baselines = {"side_mel": "freq_decorrelator", "width_error_db": "freq_decorrelator", "icc_error": "freq_decorrelator"}
    rows = production_improvements(clips, "model", baselines)
    assert list(rows) == ["narrow", "wide"]  # narrowest first (drawn at the bottom)
    assert math.isclose(rows["wide"]["side_mel"], 20.0) and math.isclose(rows["narrow"]["width_error_db"], -20.0)
    mean = {"reference": {}, **{name: {metric: float(np.mean([c["systems"][name][metric] for c in clips]))
                                       for metric in ("side_mel", "width_error_db", "icc_error")}
                                for name in ("model", "freq_decorrelator", "mono")}}
    written = write_per_production_plot({"mean": mean, "per_clip": clips}, tmp_path / "p.png", "Improvement per production")
    assert written == {"Improvement per production": "p.png"} and (tmp_path / "p.png").stat().st_size > 5000
    assert write_per_production_plot({"mean": mean, "per_clip": clips[:2]}, tmp_path / "q.png", "x") == {}  # one production
    assert not (tmp_path / "q.png").exists()
