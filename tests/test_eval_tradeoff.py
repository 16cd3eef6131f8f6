"""The trade-off sweep and the rule that picks the default from it."""

import json
import shutil

import numpy as np
import pytest
import soundfile as sf

from evaluation.default_rule import choose_default
from evaluation.tradeoff import SETTINGS, main
from m2s_gen import Upmixer
from m2s_gen.loading import UPMIXER_CONFIG

SR = 16000


def test_rule_takes_the_most_realistic_of_the_settings_that_tie_on_faithfulness():
    rng = np.random.default_rng(0)
    base = 0.5 + 0.1 * rng.random(40)
    side_mel = {
        "a": base,                                        # the most faithful
        "b": base + 0.002 * rng.standard_normal(40),      # no measurable excess
        "c": base + 0.05 + 0.002 * rng.standard_normal(40),  # clearly less faithful
    }
    choice = choose_default(side_mel, {"a": 30.0, "b": 20.0, "c": 5.0})
    assert choice["faithful"] == "a" and choice["default"] == "b" and choice["natural"] == "c"
    assert choice["rows"]["b"]["as_faithful"] and not choice["rows"]["c"]["as_faithful"]
    assert choice["rows"]["a"]["excess"] == 0.0
    # when nothing ties, the default is the most faithful setting
    assert choose_default({"a": base, "c": side_mel["c"]}, {"a": 30.0, "c": 5.0})["default"] == "a"
    # a tied setting takes over only when it is measurably more realistic than the faithful one
    frechet = {"a": 30.0, "b": 20.0, "c": 5.0}
    assert choose_default(side_mel, frechet, frechet_se={"a": 15.0})["default"] == "a"
    assert choose_default(side_mel, frechet, frechet_se={"a": 5.0})["default"] == "b"
    assert choose_default(side_mel, frechet, frechet_se={"a": float("nan")})["default"] == "b"
    with pytest.raises(ValueError):
        choose_default({"a": base}, {"a": float("nan")})


@pytest.fixture
def data_dir(tmp_path):
    rng = np.random.default_rng(0)
    for index in range(4):
        mid, side = 0.1 * rng.standard_normal((2, int(2.2 * SR)))
        gain = np.repeat(rng.uniform(0.1, 0.6, 9), SR // 4 + 1)[: mid.size]
        sf.write(tmp_path / f"song{index}.wav", np.stack([mid + gain * side, mid - gain * side]).T, SR)
    return tmp_path


def test_sweep_writes_the_report_and_applies_the_choice(data_dir, tmp_path, tiny_model_dir, capsys):
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    out = tmp_path / "report"
    status = main(["--data", str(data_dir), "--model", str(model), "--out", str(out), "--clip-seconds", "2",
                   "--settings", "d1,d2,d1-T0.5", "--baselines", "mono,decorrelator", "--quiet", "--apply"])
    assert status == 0
    result = json.loads((out / "tradeoff.json").read_text())
    choice = result["choice"]
    assert {choice["default"], choice["faithful"], choice["natural"]} <= {"d1", "d2", "d1-T0.5"}
    assert set(result["mean"]) >= {"model d1", "model d2", "model d1-T0.5", "mono", "decorrelator"}
    assert result["mean"]["mono"]["frechet_distance"] > result["mean"]["decorrelator"]["frechet_distance"]
    assert (out / "tradeoff.png").stat().st_size > 1000
    report = (out / "tradeoff.md").read_text()
    assert f"**Default: {choice['default']}**" in report and "| mono |" in report
    config = json.loads((model / UPMIXER_CONFIG).read_text())
    default = SETTINGS[choice["default"]][0]
    assert config["default_num_draws"] == default["num_draws"] and config["default_temperature"] == default["temperature"]
    assert config["presets"]["natural"] == SETTINGS[choice["natural"]][0]
    loaded = Upmixer.from_pretrained(model)  # the written config loads
    assert loaded.config.presets["faithful"] == SETTINGS[choice["faithful"]][0]
    assert choice["default"] in capsys.readouterr().err


def test_bad_settings_are_one_line(data_dir, tmp_path, capsys):
    assert main(["--data", str(data_dir), "--settings", "d3", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--settings: unknown ['d3']" in err and len(err.strip().splitlines()) == 1


def test_m2s_tradeoff_forwards_to_the_sweep(monkeypatch):
    import sys
    import types

    from m2s_gen import cli

    seen = []
    fake = types.ModuleType("evaluation.tradeoff")
    fake.main = lambda argv: seen.append(argv) or 0
    monkeypatch.setitem(sys.modules, "evaluation.tradeoff", fake)
    assert cli.main(["tradeoff", "--data", "d", "--apply"]) == 0
    assert seen == [["--data", "d", "--apply"]]


def test_a_setting_that_loses_width_is_not_as_faithful():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.4, 0.5, 30)
    side_mel = {"a": base, "b": base + rng.normal(0, 0.001, 30)}
    width = {"a": rng.uniform(3, 5, 30)}
    width["b"] = width["a"] + 0.3 + rng.normal(0, 0.05, 30)  # clearly wider of the mark on every clip
    frechet = {"a": 10.0, "b": 5.0}
    assert choose_default(side_mel, frechet)["default"] == "b"  # side log-mel alone: b ties and is more real
    choice = choose_default(side_mel, frechet, other_errors={"width_error_db": width})
    assert choice["default"] == "a" and not choice["rows"]["b"]["as_faithful"]
    assert choice["rows"]["b"]["other_excess"]["width_error_db"]["excess"] > 0.25
    better = {"a": width["a"], "b": width["a"] - 0.3}  # better on width: still ties
    assert choose_default(side_mel, frechet, other_errors={"width_error_db": better})["default"] == "b"
