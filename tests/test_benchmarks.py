"""The speed benchmark runs end to end on a tiny model and reports every stage (no timing checks)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ is not an installed package

from benchmarks.upmix_speed import STAGES, SUM_ROW, TOTAL_ROW, main  # noqa: E402


def test_upmix_speed_reports_every_stage(tmp_path, capsys):
    out = tmp_path / "speed.json"
    assert main(["--tiny", "--seconds", "2", "--repeats", "1", "--threads", "1", "--out", str(out)]) == 0
    table = capsys.readouterr().out
    for row in (*STAGES, SUM_ROW, TOTAL_ROW):
        assert f"| {row} |" in table, row
    assert "TINY" in table  # the model used is named in the table
    assert "| encode+decode |" in table
    result = json.loads(out.read_text())
    assert set(result["presets"]) == {"default", "prompt", "fast"}
    for preset in result["presets"].values():
        assert set(STAGES) <= set(preset["rtf"])
        assert preset["staged_output_max_abs_diff"] == 0.0  # the staged run is the pipeline's own
    for key in ("cpu_model", "cpu_count", "torch_threads", "torch_version"):
        assert key in result["machine"]
    assert set(result["baselines"]) >= {"mono", "haas"}


def test_video_audio_codecs_table_has_a_row_per_codec(capsys):
    from benchmarks.video_audio_codecs import main as codecs_main

    assert codecs_main(["--minutes", "0.25", "--codecs", "aac,ac3,flac"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split("|")[1].strip() for row in rows] == ["codec", "aac", "ac3", "flac"]
    snr = {row.split("|")[1].strip(): float(row.split("|")[5]) for row in rows[1:]}
    assert snr["flac"] > 100 > snr["ac3"] > 20 and snr["aac"] > 20  # lossless is lossless, lossy is not


def test_aac_settings_table_has_a_row_per_setting(capsys):
    from benchmarks.aac_settings import SETTINGS
    from benchmarks.aac_settings import main as settings_main

    assert settings_main(["--minutes", "0.25", "--only", "2"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split("|")[1].strip() for row in rows[1:]] == [name for name, _, _ in SETTINGS[:2]]
    assert all(float(row.split("|")[4]) > 20 for row in rows[1:])  # SNR: the encoder really ran and decoded


def test_encoder_beside_model_reports_each_priority(capsys):
    from benchmarks.encoder_beside_model import PRIORITIES, WRITERS
    from benchmarks.encoder_beside_model import main as beside_main

    assert beside_main(["--tiny", "--seconds", "3", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row.split("|")[1].strip() for row in rows[1:]] == ["none (model alone)", *PRIORITIES, *WRITERS]
    for row in rows[2:]:
        assert float(row.split("|")[3]) > 0  # the encoder ran beside the model and finished
    assert "TINY" in out


def test_media_io_alternates_its_pairs_and_leaves_no_output(capsys, monkeypatch):
    import benchmarks.media_io as media_io

    runs = []
    real_run = media_io._run

    def recorded(case, src, out, model_args):
        result = real_run(case, src, out, model_args)
        runs.append((case, Path(out).suffix))
        assert not Path(out).exists()  # deleted (and the disk synced) before the next run
        return result

    monkeypatch.setattr(media_io, "_run", recorded)
    assert media_io.main(["--inputs", "mp3", "--mp3-min", "0.05", "--video-min", "0.05", "--tiny",
                          "--repeat", "2"]) == 0
    assert [suffix for case, suffix in runs if case == "whole"] == [".mp3", ".wav", ".wav", ".mp3"]
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| MP3")]
    assert len(rows) == 1 and rows[0].count("%") >= 4  # the shares and each pair's
