"""The width head's learning curve in productions: subsets, the saturation fit, the report, the CLI."""
import json

import numpy as np
import pytest

from m2s_gen import spatial
from training import width_learning_curve as wlc

B = spatial.NUM_BANDS


def _productions(num_productions, windows_each=12, features=6, seed=0, offset_sd=4.0):
    """Windows whose width is a shared linear function of the features plus a per-production offset
    the features do not tell (what a head cannot learn from more of the same)."""
    rng = np.random.default_rng(seed)
    weights = np.random.default_rng(99).normal(0, 1, (B, features))
    x, y, packages = [], [], []
    for p in range(num_productions):
        feats = rng.normal(0, 1, (windows_each, features))
        x.append(feats)
        y.append(feats @ weights.T - 10.0 + rng.normal(0, offset_sd) + rng.normal(0, 1.0, (windows_each, B)))
        packages += [f"prod{seed}_{p}"] * windows_each
    return {"features": np.concatenate(x), "widths": np.concatenate(y), "packages": np.array(packages)}


def test_saturation_fit_recovers_a_known_curve_and_says_when_the_target_is_out_of_reach():
    ks = [3, 6, 12, 24]
    fit = wlc.saturation_fit(ks, [0.8 - 0.9 / k for k in ks], target=0.5)
    assert fit["rho_inf"] == pytest.approx(0.8) and fit["c"] == pytest.approx(0.9)
    assert fit["k_for_target"] == pytest.approx(3.0)  # 0.8 - 0.9/3 = 0.5
    assert wlc.saturation_fit(ks, [0.40 - 0.3 / k for k in ks], target=0.5)["k_for_target"] is None


def test_more_productions_give_a_better_head_and_each_size_draws_distinct_subsets():
    train = _productions(12, seed=0, offset_sd=1.0)
    target = {"validation": _productions(6, seed=1, offset_sd=1.0)}
    curve = wlc.subset_curve(train, target, sizes=[1, 3, 12], repeats=4, alpha=10.0, use=None)
    points = curve["targets"]["validation"]["points"]
    assert [p["draws"] for p in points] == [4, 4, 1]  # all productions: one fit only
    assert points[0]["mean"] < points[2]["mean"]  # one production's windows teach less than twelve
    assert points[0]["std"] > 0 and points[2]["std"] == 0
    assert curve["productions"] == 12 and curve["targets"]["validation"]["windows"] == 72


def test_sizes_beyond_the_productions_are_refused():
    train = _productions(4)
    with pytest.raises(ValueError, match="1..4"):
        wlc.subset_curve(train, {"v": _productions(2, seed=1)}, sizes=[2, 5], repeats=2, alpha=1.0, use=None)


def test_more_productions_row_merges_the_extra_windows():
    train, extra, target = _productions(5), _productions(3, seed=1), _productions(3, seed=2)
    row = wlc.with_more_productions(train, extra, target, alpha=10.0, use=None)
    assert row["productions"] == 8 and -1.0 <= row["mean_correlation"] <= 1.0


def test_report_and_plot_are_written(tmp_path):
    curve = wlc.subset_curve(_productions(6), {"validation": _productions(3, seed=1)}, sizes=[2, 6], repeats=2,
                             alpha=10.0, use=None)
    text = wlc.markdown(curve, {}, "notes")
    assert "| 2 | 2 |" in text and "rho_inf" in text and "notes" in text
    wlc.plot(curve, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000
    json.dumps(curve)  # the stored result is plain JSON


def test_cli_refuses_a_missing_dataset_and_bad_sizes(tmp_path, capsys):
    assert wlc.main(["--audio", str(tmp_path / "nothing"), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "error:" in capsys.readouterr().err
    assert wlc.main(["--audio", str(tmp_path), "--sizes", "a,b", "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "--sizes" in capsys.readouterr().err
    assert wlc.main(["--audio", str(tmp_path), "--sizes", ",", "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "--sizes" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
