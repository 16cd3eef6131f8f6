"""The model's side level: a checked config shift of every ratio, chosen by the rendered metrics."""
import json

import numpy as np
import pytest
import torch

from conftest import make_tiny_upmixer
from m2s_gen import Upmixer, posterior, spatial
from m2s_gen.loading import ModelLoadError
from training import fit_side_level

B = spatial.NUM_BANDS


def _width_db(stereo: torch.Tensor) -> float:
    side, mid = (stereo[0] - stereo[1]) / 2, (stereo[0] + stereo[1]) / 2
    return float(10 * torch.log10(side.double().pow(2).sum() / mid.double().pow(2).sum()))


def test_shift_moves_every_ratio_and_keeps_the_coherence():
    params = torch.cat([torch.full((B, 5), -12.0), torch.full((B, 5), 0.5), torch.zeros(B, 5)])
    params[0] = 9.5  # clamped at the ceiling
    out = posterior.apply_calibration(params, [2.0] * B, None)  # how the pipeline applies the side level
    assert torch.allclose(out[1:B], params[1:B] + 2.0)
    assert torch.allclose(out[0], torch.full((5,), spatial.RATIO_CEIL_DB))
    assert torch.equal(out[B:], params[B:])


def test_the_model_setting_widens_the_output_and_keeps_the_mid(tmp_path):
    upmixer = make_tiny_upmixer(seed=3)
    mono = torch.randn(3 * 44_100, generator=torch.Generator().manual_seed(0)) * 0.1
    plain = upmixer(mono, 44_100, seed=0)
    upmixer.config.side_level_offset_db = 3.0
    upmixer.save_pretrained(tmp_path / "m")
    loaded = Upmixer.from_pretrained(tmp_path / "m")
    assert loaded.config.side_level_offset_db == 3.0
    wider = loaded(mono, 44_100, seed=0)
    assert torch.allclose(wider.mean(0), mono, atol=1e-6)
    assert 2.0 < _width_db(wider) - _width_db(plain) < 4.0
    path = tmp_path / "m" / "upmixer_config.json"
    config = json.loads(path.read_text())
    for bad in (20.0, "1", True):
        path.write_text(json.dumps(config | {"side_level_offset_db": bad}))
        with pytest.raises(ModelLoadError, match="side_level_offset_db"):
            Upmixer.from_pretrained(tmp_path / "m")


def test_choice_is_the_best_worst_improvement():
    baseline = {"side_mel": 0.5, "width_error_db": 4.0, "icc_error": 0.2}
    table = {0.0: {"side_mel": 0.40, "width_error_db": 3.9, "icc_error": 0.15},   # worst: width 2.5%
             1.0: {"side_mel": 0.42, "width_error_db": 3.6, "icc_error": 0.15},   # worst: width 10%
             2.0: {"side_mel": 0.47, "width_error_db": 3.4, "icc_error": 0.15}}   # worst: side log-mel 6%
    assert fit_side_level.choose_offset(table, baseline) == 1.0
    improvement = fit_side_level.improvements(table[1.0], baseline)
    assert improvement["width_error_db"] == pytest.approx(0.1)
    # a tie goes to the smaller shift
    assert fit_side_level.choose_offset({-1.0: table[1.0], 1.0: table[1.0], 0.0: table[1.0]}, baseline) == 0.0


def test_fit_command_writes_the_choice(tmp_path, tiny_model_dir):
    import shutil

    import soundfile as sf

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    folder = tmp_path / "music"
    folder.mkdir()
    for index in range(2):
        rng = np.random.default_rng(index)
        mid, side = rng.standard_normal((2, 40_000)) * np.array([[0.2], [0.05]])
        sf.write(folder / f"t{index}.wav", np.stack([mid + side, mid - side], axis=1), 16_000)
    report = tmp_path / "report.json"
    assert fit_side_level.main(["--model", str(model), "--data", str(folder), "--clips", "2",
                                "--clip-seconds", "2", "--report", str(report), "--quiet"]) == 0
    written = json.loads(report.read_text())
    assert written["chosen_offset_db"] in fit_side_level.OFFSETS_DB
    assert set(written["errors_by_offset_db"]) == {f"{o:g}" for o in fit_side_level.OFFSETS_DB}
    assert np.isfinite(written["baseline_errors"]["side_mel"])
    assert Upmixer.from_pretrained(model).config.side_level_offset_db == written["chosen_offset_db"]


@pytest.mark.parametrize("module", ["fit_side_level", "fit_time_course", "calibrate"])
def test_fitting_steps_refuse_bad_input_in_one_line(module, tmp_path, tiny_model_dir, capsys):
    import importlib

    main = importlib.import_module(f"training.{module}").main
    assert main(["--model", str(tiny_model_dir), "--data", str(tmp_path / "nowhere")]) == 2
    assert main(["--model", str(tmp_path / "no_model"), "--data", str(tmp_path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("error: ") for line in lines)
    assert "nowhere" in lines[0] and "no_model" in lines[1]
