"""The blind A/B test of the web page: m2s_gen.web.blind."""
from __future__ import annotations

import csv
import json
import random
from collections import Counter

import pytest

from m2s_gen.web.blind import BlindTest, preference, summary_markdown


def _systems(folder, takes=2, original=True):
    folder.mkdir(parents=True, exist_ok=True)
    names = {"model": [f"take{k}" for k in range(1, takes + 1)], "freq_decorrelator": ["baseline"]}
    if original:
        names["original"] = ["original"]
    systems = {}
    for system, stems in names.items():
        systems[system] = []
        for stem in stems:
            path = folder / f"{stem}.wav"
            path.write_bytes(stem.encode())  # the content tells the test which sound a trial plays
            systems[system].append(path)
    return systems


def test_pairs_are_the_model_against_each_other_system_under_neutral_names(tmp_path):
    test = BlindTest(tmp_path / "blind", rng=random.Random(0))
    assert test.add("song.wav", _systems(tmp_path / "run")) == 4  # 2 takes x (baseline, original)
    pairs = Counter(tuple(sorted((t.a, t.b))) for t in test.trials)
    assert pairs == {("freq_decorrelator", "model"): 2, ("model", "original"): 2}
    assert sorted(t.take for t in test.trials) == [1, 1, 2, 2]
    for trial in test.trials:
        number = f"trial{trial.trial:03d}"
        assert trial.a_path.name == f"{number}_A.wav" and trial.b_path.name == f"{number}_B.wav"
        played = {trial.a_path.read_text(), trial.b_path.read_text()}
        expected_other = "baseline" if "freq_decorrelator" in (trial.a, trial.b) else "original"
        assert played == {f"take{trial.take}", expected_other}
        model_path = trial.a_path if trial.a == "model" else trial.b_path
        assert model_path.read_text() == f"take{trial.take}"


def test_a_and_b_sides_and_the_order_are_drawn_at_random(tmp_path):
    test = BlindTest(tmp_path / "blind", rng=random.Random(1))
    for _ in range(10):
        test.add("song.wav", _systems(tmp_path / "run", takes=1, original=False))
    sides = Counter(trial.a for trial in test.trials)
    assert sides["model"] > 0 and sides["freq_decorrelator"] > 0  # both sides occur (1 in 512 to fail by chance)


def test_the_trials_survive_the_upmix_folder(tmp_path):
    test = BlindTest(tmp_path / "blind", rng=random.Random(2))
    systems = _systems(tmp_path / "run", takes=1)
    test.add("song.wav", systems)
    for paths in systems.values():
        for path in paths:
            path.unlink()
    assert all(trial.a_path.exists() and trial.b_path.exists() for trial in test.trials)


def test_choices_summary_and_files(tmp_path):
    test = BlindTest(tmp_path / "blind", rng=random.Random(3))
    test.add("song.wav", _systems(tmp_path / "run", takes=2))
    assert test.summary()["decided"] == 0 and "No choices yet (4 trial(s) queued)" in summary_markdown(test.summary())
    # the listener always prefers the model
    while test.current is not None:
        trial = test.current
        test.choose("A" if trial.a == "model" else "B")
        assert trial.preferred == "model" and trial.other != "model"
    summary = test.summary()
    assert summary["decided"] == summary["trials"] == 4
    assert summary["systems"]["model"]["preferred"] == 4 and summary["systems"]["model"]["of"] == 4
    assert summary["systems"]["original"] == preference(0, 2)
    assert {(row["system"], row["against"]) for row in summary["pairs"]} == {("model", "freq_decorrelator"),
                                                                            ("model", "original")}
    json_path, csv_path = test.write(tmp_path / "results", "blind-x")
    data = json.loads(json_path.read_text())
    assert data["summary"] == json.loads(json.dumps(summary)) and len(data["trials"]) == 4
    rows = list(csv.DictReader(csv_path.open()))
    assert [row["preferred"] for row in rows] == ["model"] * 4
    assert {row["choice"] for row in rows} <= {"A", "B"} and rows[0]["file"] == "song.wav"
    table = summary_markdown(summary)
    assert "| model | 4 of 4 | 100% | 40% to 100% |" in table


def test_preference_is_the_exact_binomial_interval():
    row = preference(7, 10)
    assert row["share"] == 0.7
    assert row["ci_low"] == pytest.approx(0.3475, abs=1e-4) and row["ci_high"] == pytest.approx(0.9333, abs=1e-4)
    assert preference(0, 5)["ci_low"] == 0.0 and preference(0, 5)["ci_high"] == pytest.approx(0.5218, abs=1e-4)
    assert preference(0, 0)["share"] is None


def test_misuse_is_refused(tmp_path):
    test = BlindTest(tmp_path / "blind")
    with pytest.raises(ValueError, match="no trial is waiting for a choice"):
        test.choose("A")
    with pytest.raises(ValueError, match="needs the model and at least one other system"):
        test.add("x.wav", {"model": [tmp_path / "a.wav"]})
    test.add("x.wav", _systems(tmp_path / "run", takes=1, original=False))
    with pytest.raises(ValueError, match="choice must be 'A' or 'B', got 'C'"):
        test.choose("C")
