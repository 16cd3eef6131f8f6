"""The evaluation CLI end to end on tiny generated stereo files."""

import json

import numpy as np
import pytest
import soundfile as sf

from evaluation.run import main

SR = 16000


@pytest.fixture
def data_dir(tmp_path):
    rng = np.random.default_rng(0)
    for index in range(2):
        mid, side = 0.1 * rng.standard_normal((2, int(1.5 * SR)))
        sf.write(tmp_path / f"song{index}.wav", np.stack([mid + 0.4 * side, mid - 0.4 * side]).T, SR)
    return tmp_path


def test_run_writes_report(data_dir, tmp_path):
    out = tmp_path / "report"
    status = main(["--data", str(data_dir), "--systems", "mono,haas,decorrelator", "--out", str(out),
                   "--clip-seconds", "1", "--seeds", "2", "--quiet",
                   "--controllability", "--controllability-systems", "decorrelator", "--controllability-clips", "1"])
    assert status == 0
    results = json.loads((out / "results.json").read_text())
    assert results["info"]["num_clips"] == 2 and len(results["per_clip"]) == 2
    assert set(results["mean"]) == {"reference", "mono", "haas", "decorrelator"}
    assert results["mean"]["decorrelator"]["fold_down_error_db"] < -120
    assert results["mean"]["haas"]["fold_down_error_db"] > -20
    assert results["mean"]["decorrelator"]["diversity"] > 0
    assert results["controllability"]["decorrelator"]["width"][0]["requested_db"] == -20.0
    report = (out / "report.md").read_text()
    assert "--systems mono,haas,decorrelator" in report and "side log-mel distance (log10) ↓" in report
    for name in ("band_widths.png", "vectorscope.png", "phase_correlation.png", "faithfulness_realism.png"):
        assert (out / name).stat().st_size > 1000
    # realism: both measures for every system, and the real-vs-real floor
    assert "## Realism" in report and "## Best of K takes (E_min)" in report
    for name in ("mono", "haas", "decorrelator"):
        assert results["mean"][name]["frechet_distance"] >= 0
        assert 0 <= results["mean"][name]["classifier_accuracy"] <= 1
    assert results["realism"]["reference_split"]["frechet_distance"] is not None
    # best of K: deterministic systems score alike for every K, seeded ones never worse with more takes
    best = results["best_of_k"]
    assert best["haas"]["side_mel"]["1"] == best["haas"]["side_mel"]["16"]
    assert best["decorrelator"]["side_mel"]["16"] <= best["decorrelator"]["side_mel"]["4"] < best["decorrelator"]["side_mel"]["1"]
    assert len(results["per_clip"][0]["systems"]["decorrelator"]["take_errors"]["icc_error"]) == 16


@pytest.mark.parametrize("argv, message", [
    (["--data", "{missing}", "--systems", "mono"], "not a directory"),
    (["--data", "{data}", "--systems", "mono,nope"], "unknown system 'nope'; valid names: mono, haas"),
    (["--data", "{data}", "--systems", "mono", "--best-of", "0,4"], "--best-of: K must be in [1, 64]"),
    (["--data", "{data}", "--systems", "mono", "--best-of", "a"], "--best-of: expected K values"),
])
def test_bad_input_is_one_line(data_dir, tmp_path, capsys, argv, message):
    argv = [a.format(missing=tmp_path / "missing", data=data_dir) for a in argv] + ["--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


@pytest.mark.slow
def test_run_with_a_saved_model(data_dir, tmp_path, tiny_model_dir):
    out = tmp_path / "report"
    status = main(["--data", str(data_dir), "--systems", f"model:{tiny_model_dir},decorrelator", "--out", str(out),
                   "--clip-seconds", "1", "--max-clips", "1", "--seeds", "1", "--quiet"])
    assert status == 0
    results = json.loads((out / "results.json").read_text())
    assert results["mean"][f"model:{tiny_model_dir}"]["fold_down_error_db"] < -120
    assert "over the best DSP baseline" in (out / "report.md").read_text()


def test_model_names_with_a_preset():
    from evaluation.systems import check_system_names, is_model, split_model_name

    assert split_model_name("model") == (None, None)
    assert split_model_name("model@natural") == (None, "natural")
    assert split_model_name("model:runs/x@faithful") == ("runs/x", "faithful")
    assert split_model_name("model:/tmp/a@b/model") == ("/tmp/a@b/model", None)
    assert is_model("model@natural") and not is_model("modelx")
    check_system_names(["model@natural", "model:runs/x@faithful"])
