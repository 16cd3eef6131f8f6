"""training.bundle: sampler defaults, model card with the evaluation summary, fp16 weights."""
from __future__ import annotations

from pathlib import Path

import pytest
from safetensors.torch import load_file

from m2s_gen import Upmixer
from training import bundle

REPORT = """# Mono-to-stereo evaluation report

## How it was made

- command: `python -m evaluation.run --data d --systems model,mono --out r`

## Summary (means over clips)

| system | side log-mel distance (log10) |
|---|---|
| model | 0.4 |

## Metrics
"""


def test_summary_table(tmp_path):
    report = tmp_path / "report.md"
    report.write_text(REPORT)
    table = bundle.summary_table(report)
    assert "| model | 0.4 |" in table and "python -m evaluation.run" in table and "## Metrics" not in table
    assert "against the best DSP baseline" not in table  # this report has no improvement section
    gains = ("## Improvement of model over the best DSP baseline\n\n| metric | improvement % | 95% interval |\n"
             "|---|---|---|\n| side log-mel | 12.2 | 8.4 .. 16.0 |\n\n"
             "## Improvement of model@natural over the best DSP baseline\n\n| metric | improvement % |\n")
    report.write_text(REPORT.replace("## Metrics", gains + "## Metrics"))
    table = bundle.summary_table(report)
    assert "| side log-mel | 12.2 | 8.4 .. 16.0 |" in table and "model@natural" not in table
    report.write_text("# nothing here\n")
    with pytest.raises(ValueError, match="Summary"):
        bundle.summary_table(report)


def test_card_command_leaves_out_the_scratch_model_folder():
    command = "`python -m evaluation.run --data d --model scratch/m --systems model --out r --quiet`"
    assert bundle.card_command(command) == "`python -m evaluation.run --data d --systems model --out r`"
    assert bundle.card_command("python -m evaluation.run --data d") == "python -m evaluation.run --data d"


def test_card_names_the_release(tiny_model_dir):
    from m2s_gen.model_card import render_model_card

    up = Upmixer.from_pretrained(tiny_model_dir)
    assert render_model_card(up).startswith("# m2s-gen upmixer model card")  # a model with no release
    up.config.release_name, up.config.release_version = "m2s-default", "0.2.0"
    card = render_model_card(up, metrics_markdown="| model | 0.4 |")
    assert card.startswith("# m2s-default 0.2.0 model card") and "version 0.2.0" in card
    assert "Faithfulness" in card  # the tables come with what they measure


def test_bundle_round_trip(tiny_model_dir, tmp_path):
    report = tmp_path / "report.md"
    report.write_text(REPORT)
    held_out = tmp_path / "held_out.md"  # a second report (held-out productions) goes in after the first
    held_out.write_text(REPORT.replace("| model | 0.4 |", "| model | 0.7 |"))
    out = tmp_path / "bundled"
    assert bundle.main(["--model", str(tiny_model_dir), "--out", str(out), "--steps", "3", "--temperature", "0.5", "--smooth-frames", "4",
                        "--report", str(report), str(held_out), "--compute", "3 steps on a toaster"]) == 0
    up = Upmixer.from_pretrained(out)
    assert up.config.default_num_steps == 3 and up.config.default_temperature == 0.5
    assert up.config.param_smooth_frames == 4
    card = (out / "MODEL_CARD.md").read_text()
    assert "3 steps on a toaster" in card and "| model | 0.4 |" in card and "temperature 0.5" in card
    assert card.index("| model | 0.4 |") < card.index("| model | 0.7 |")
    weights = [load_file(str(p)) for p in Path(out).rglob("*.safetensors")]
    assert weights and all(t.dtype.is_floating_point is False or str(t.dtype) == "torch.float16"
                           for w in weights for t in w.values())
    assert not out.with_name("bundled.tmp").exists()


def test_the_bundled_model_loads_offline_and_is_calibrated(monkeypatch):
    """The shipped default: loads from the package with no network, and carries the sampler settings
    and the per-band calibration that the README's results were measured with."""
    import numpy as np
    import torch

    from m2s_gen import band_dynamics, spatial

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    up = Upmixer.from_pretrained()
    assert up.config.default_num_draws == 1 and up.config.param_smooth_frames == 1
    assert len(up.config.ratio_offset_db) == spatial.NUM_BANDS == len(up.config.coherence_scale)
    # the new codec (150 Hz, 64-dim) and the width head that band-level anchoring moves each band to
    assert up.codec.config.latent_dim == 64 and up.config.band_level_anchor == 1.0
    # the head reads the band dynamics of the mid, not the conditioning summary
    assert up.width_head is not None and up.width_head.features == "band_dynamics"
    assert up.width_head.num_features == band_dynamics.NUM_FEATURES
    # calibration is stored but off by default: the trade-off found it no longer helps
    assert up.config.default_calibrate is False
    # the head carries the spread of its held-out errors, which the natural preset draws band levels from
    assert up.width_head.residual_tril is not None and up.config.presets["natural"]["level_spread"] == 0.5
    # the width's time course within a segment, fitted on training clips, on by default (not in natural)
    assert up.config.time_course_weights is not None and up.config.default_time_course == 1.0
    assert up.config.presets["natural"]["time_course"] == 0.0
    # each band's width is read from its neighbourhood of bands, and the side level chosen on
    # training clips shifts every ratio (+1.5 dB, fitted for the quarter-band renderer)
    assert up.width_head.band_reach() == 10 and up.config.side_level_offset_db == 1.5
    rng = np.random.default_rng(0)
    mono = torch.from_numpy((0.1 * rng.standard_normal(22_050)).astype(np.float32))
    stereo = up(mono, 22_050, seed=0, num_draws=2)
    assert stereo.shape == (2, 22_050)
    assert float((stereo.mean(0) - mono).abs().max()) <= 1e-6
