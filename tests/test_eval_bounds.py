"""Hindsight oracles (evaluation.oracles) and the bounds report (evaluation.bounds)."""

import json

import numpy as np
import pytest
import soundfile as sf

from evaluation.bounds import main
from evaluation.metrics.side_mel import side_mel_distance
from evaluation.oracles import (best_static_offset_l1, constant_profile_error, log_mel_pair,
                                shared_level_side_mel, static_level_side_mel)

SR = 16000


def _music_like(seed: int, seconds: float = 2.0) -> np.ndarray:
    """Stereo `[2, T]`: a mid with a moving envelope and a side whose level moves on its own."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    mid = rng.standard_normal(n) * (0.2 + np.abs(np.sin(2 * np.pi * 1.3 * t)))
    side = 0.3 * rng.standard_normal(n) * (0.1 + np.abs(np.sin(2 * np.pi * 0.7 * t + seed)))
    return np.stack([mid + side, mid - side])


def test_best_static_offset_is_the_exact_minimum():
    rng = np.random.default_rng(1)
    mid_log, side_log, floor_log = rng.normal(0, 1, 200), rng.normal(-0.5, 1, 200), -1.5
    side_log = np.maximum(side_log, floor_log)
    grid = np.linspace(-5, 5, 20001)
    on_grid = np.abs(np.maximum(mid_log[None] + grid[:, None], floor_log) - side_log[None]).mean(1).min()
    best = best_static_offset_l1(mid_log, side_log, floor_log)
    assert best <= on_grid + 1e-12 and best > on_grid - 1e-3


def test_static_oracle_is_zero_for_a_scaled_copy_and_beats_every_static_gain():
    reference = _music_like(0)
    mid = 0.5 * (reference[0] + reference[1])
    copy = np.stack([mid + 0.3 * mid, mid - 0.3 * mid])
    assert static_level_side_mel(copy, SR) < 1e-9
    oracle = static_level_side_mel(reference, SR)
    gains = [side_mel_distance(np.stack([mid + g * mid, mid - g * mid]), reference, SR) for g in (0.1, 0.3, 0.5, 1.0)]
    assert oracle > 0.01 and oracle <= min(gains) + 1e-9


def test_shared_level_lies_between_the_per_clip_oracle_and_any_fixed_level():
    references = [_music_like(seed) for seed in range(3)]
    pairs = [log_mel_pair(r, SR) for r in references]
    shared, offsets = shared_level_side_mel(pairs)
    per_clip = np.mean([static_level_side_mel(r, SR) for r in references])
    fixed = np.mean([np.mean(np.abs(np.maximum(m - 0.7, f) - s)) for m, s, f in pairs])
    assert per_clip <= shared + 1e-9 and shared <= fixed + 1e-9
    assert offsets.shape == (pairs[0][0].shape[0],)


def test_constant_profile_is_the_median():
    values = np.array([[-10.0, -5.0], [-6.0, np.nan], [-2.0, -7.0]])
    error, profile = constant_profile_error(values)
    np.testing.assert_allclose(profile, [-6.0, -6.0])
    assert error == pytest.approx(np.mean([(4 + 1) / 2, 0.0, (4 + 1) / 2]))


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for seed in range(2):
        sf.write(folder / f"song{seed}.wav", _music_like(seed).T, SR)
    return folder


def test_cli_writes_the_report(data_dir, tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"info": {"num_clips": 2}, "mean": {
        "reference": {}, "model": {"side_mel": 0.5, "width_error_db": 4.0, "icc_error": 0.2},
        "decorrelator": {"side_mel": 0.6, "width_error_db": 5.0, "icc_error": 0.25}}}))
    out = tmp_path / "bounds"
    assert main(["--data", str(data_dir), "--clip-seconds", "1", "--clips-per-track", "1",
                 "--results", str(results), "--out", str(out), "--quiet"]) == 0
    saved = json.loads((out / "bounds.json").read_text())
    assert saved["num_clips"] == 2
    side_row = saved["rows"][0]
    assert side_row["bar"] == pytest.approx(0.48) and side_row["best_baseline"] == "decorrelator"
    assert side_row["clip_oracle"] <= side_row["oracle"]
    assert "| side log-mel distance (log10) | 0.500 | 0.600 (decorrelator) | 0.480 |" in (out / "bounds.md").read_text()
    assert (out / "bounds.png").stat().st_size > 1000


def test_cli_bad_results_file_is_one_line(data_dir, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["--data", str(data_dir), "--results", str(bad), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.json" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()
