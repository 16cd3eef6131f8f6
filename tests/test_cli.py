"""The ``m2s`` command, run in-process through ``main(argv)`` (one subprocess run checks the real thing)."""
from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import m2s_gen
import soundfile as sf
from conftest import fold_error, leftovers, music_like, write_wav

from m2s_gen import cli

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def upmix(tiny_model_dir):
    """``upmix(*args)`` -> exit code of ``m2s upmix ARGS --model TINY --steps 2 --seed 0``."""

    def run(*args, model=True):
        extra = ["--model", str(tiny_model_dir), "--steps", "2", "--seed", "0"] if model else []
        return cli.main(["upmix", *map(str, args), *extra])

    return run


def _read(path: Path) -> tuple[np.ndarray, int]:
    audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return audio.T, rate


def test_one_file(upmix, tmp_path, capsys):
    mono = music_like(20_000, 22_050)
    src = write_wav(tmp_path / "song.wav", mono, 22_050)
    assert upmix(src, "-o", tmp_path / "song_stereo.wav") == 0
    stereo, rate = _read(tmp_path / "song_stereo.wav")
    assert rate == 22_050 and stereo.shape == (2, 20_000)
    assert fold_error(stereo, mono) <= 1e-6
    out = capsys.readouterr()
    assert out.out.strip() == str(tmp_path / "song_stereo.wav")
    assert "error" not in out.err
    assert leftovers(tmp_path) == []


def test_one_file_into_an_existing_folder_and_to_flac(upmix, tmp_path):
    src = write_wav(tmp_path / "song.flac", music_like(8_000, 8_000), 8_000, subtype="PCM_16")
    (tmp_path / "out").mkdir()
    assert upmix(src, "-o", tmp_path / "out") == 0  # into a folder: the input's own format
    assert _read(tmp_path / "out" / "song.flac")[0].shape == (2, 8_000)
    assert sf.info(str(tmp_path / "out" / "song.flac")).format == "FLAC"
    assert upmix(src, "-o", tmp_path / "out" / "song.wav") == 0
    assert _read(tmp_path / "out" / "song.wav")[0].shape == (2, 8_000)


def test_an_out_ending_in_a_slash_is_a_folder(upmix, tmp_path):
    src = write_wav(tmp_path / "song.wav", music_like(4_000, 8_000), 8_000)
    assert upmix(src, "-o", f"{tmp_path / 'new'}/") == 0
    assert _read(tmp_path / "new" / "song.wav")[0].shape == (2, 4_000)


def test_several_files_to_a_folder(upmix, tmp_path, capsys):
    sources = [write_wav(tmp_path / f"{name}.wav", music_like(6_000, 16_000, seed=k), 16_000)
               for k, name in enumerate(["a", "b", "c"])]
    assert upmix(*sources, "-o", tmp_path / "out") == 0  # the folder is created
    for src in sources:
        stereo, rate = _read(tmp_path / "out" / src.name)
        assert rate == 16_000 and fold_error(stereo, _read(src)[0][0]) <= 1e-6
    assert "3 written, 0 skipped, 0 failed" in capsys.readouterr().err


def test_shards_split_a_batch_without_overlap(upmix, tmp_path, monkeypatch):
    sources = [write_wav(tmp_path / f"{name}.wav", music_like(4_000, 16_000, seed=k), 16_000)
               for k, name in enumerate(["a", "b", "c"])]
    assert upmix(*sources, "-o", tmp_path / "s0", "--shard", "0/2") == 0
    monkeypatch.setenv("RANK", "1")  # as `accelerate launch` / torchrun set them
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert upmix(*sources, "-o", tmp_path / "s1") == 0
    first, second = {p.name for p in (tmp_path / "s0").iterdir()}, {p.name for p in (tmp_path / "s1").iterdir()}
    assert first == {"a.wav", "c.wav"} and second == {"b.wav"}


def test_shard_helpers():
    from m2s_gen.sharding import local_device, parse_shard, shard_from_environment

    assert parse_shard("1/4") == (1, 4)
    for bad in ["4/4", "x", "1/0", "-1/2"]:
        with pytest.raises(ValueError):
            parse_shard(bad)
    assert shard_from_environment({}) == (0, 1)
    assert shard_from_environment({"RANK": "3", "WORLD_SIZE": "4"}) == (3, 4)
    assert local_device("cuda", {"LOCAL_RANK": "2"}) == "cuda:2" and local_device("cpu", {"LOCAL_RANK": "2"}) == "cpu"


def test_a_folder_input(upmix, tmp_path):
    (tmp_path / "album").mkdir()
    write_wav(tmp_path / "album" / "one.wav", music_like(4_000, 8_000), 8_000)
    write_wav(tmp_path / "album" / "two.flac", music_like(4_000, 8_000, seed=1), 8_000, subtype="PCM_24")
    (tmp_path / "album" / "notes.txt").write_text("not audio")
    assert upmix(tmp_path / "album", "-o", tmp_path / "out") == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["one.wav", "two.flac"]  # formats kept


def test_existing_outputs_are_skipped_unless_overwrite(upmix, tmp_path, capsys):
    src = write_wav(tmp_path / "a.wav", music_like(4_000, 8_000), 8_000)
    out = tmp_path / "a_out.wav"
    out.write_bytes(b"keep me")
    assert upmix(src, "-o", out) == 0
    assert out.read_bytes() == b"keep me"
    assert "exists, skipped" in capsys.readouterr().err
    assert upmix(src, "-o", out, "--overwrite") == 0
    assert _read(out)[0].shape == (2, 4_000)


def test_batch_skips_existing_and_runs_the_rest(upmix, tmp_path, capsys):
    sources = [write_wav(tmp_path / f"{n}.wav", music_like(4_000, 8_000), 8_000) for n in "ab"]
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.wav").write_bytes(b"old")
    assert upmix(*sources, "-o", tmp_path / "out") == 0
    assert (tmp_path / "out" / "a.wav").read_bytes() == b"old"
    assert _read(tmp_path / "out" / "b.wav")[0].shape == (2, 4_000)
    assert "1 written, 1 skipped, 0 failed" in capsys.readouterr().err


def test_same_seed_same_file(upmix, tmp_path):
    src = write_wav(tmp_path / "a.wav", music_like(8_000, 8_000), 8_000)
    controls = ["--prompt", "wide", "--width-db", "-6", "--band-width", "2000:4000:-3", "--bass-mono-hz", "100"]
    assert upmix(src, "-o", tmp_path / "1.wav", *controls) == 0
    assert upmix(src, "-o", tmp_path / "2.wav", *controls) == 0
    assert fold_error(_read(tmp_path / "1.wav")[0], _read(src)[0][0]) <= 1e-6
    # the audio, not the bytes: libsndfile stamps float WAVs' PEAK chunk with the time
    assert np.array_equal(_read(tmp_path / "1.wav")[0], _read(tmp_path / "2.wav")[0])


@pytest.mark.parametrize("name", ["mono", "haas_mid", "decorrelator"])
def test_baseline(tmp_path, name):
    mono = music_like(8_000, 16_000)
    src = write_wav(tmp_path / "a.wav", mono, 16_000)
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "b.wav"), "--baseline", name]) == 0
    stereo, rate = _read(tmp_path / "b.wav")
    assert rate == 16_000 and stereo.shape == (2, 8_000)
    assert fold_error(stereo, mono) <= 1e-6  # these three keep the mid


@pytest.mark.parametrize("argv,message", [
    (["--baseline", "nope"], "unknown 'nope'"),
    (["--baseline", "haas", "--prompt", "wide"], "--prompt: apply to the model"),
    (["--width-db", "50"], "argument --width-db"),
    (["--steps", "0"], "argument --steps"),
    (["--guidance", "-1"], "argument --guidance"),
    (["--shard", "2/2"], "argument --shard"),
    (["--temperature", "5"], "argument --temperature"),
    (["--draws", "0"], "argument --draws"),
    (["--level-spread", "3"], "argument --level-spread"),
    (["--baseline", "haas", "--level-spread", "1"], "--level-spread: apply to the model"),
    (["--time-course", "2.5"], "argument --time-course"),
    (["--baseline", "haas", "--time-course", "1"], "--time-course: apply to the model"),
    (["--hold-band-widths", "1.5"], "argument --hold-band-widths"),
    (["--baseline", "haas", "--hold-band-widths", "1"], "--hold-band-widths: apply to the model"),
    (["--bass-mono-hz", "-3"], "argument --bass-mono-hz"),
    (["--band-width", "4000:100:-3"], "argument --band-width"),
    (["--band-width", "100:4000:30"], "argument --band-width"),
    (["--prompt", "wide, sparkly"], "argument --prompt: prompt: unknown word 'sparkly'"),
    (["--device", "nonsense"], "argument --device"),
])
def test_bad_options_are_usage_errors(tmp_path, capsys, argv, message):
    src = write_wav(tmp_path / "a.wav", music_like(1_000, 8_000), 8_000)
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "b.wav"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("m2s: error: ") and message in err
    assert not (tmp_path / "b.wav").exists()


def test_argparse_usage_errors_exit_2(capsys):
    for argv in ([], ["upmix"], ["upmix", "x.wav"], ["frobnicate"], ["upmix", "x.wav", "-o", "y.wav", "--steps", "two"],
                 ["upmix", "x.wav", "-o", "y.wav", "--band-width", "100-200:-3"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2
    assert "usage: m2s" in capsys.readouterr().err


def test_help_and_version(capsys):
    for argv in (["--help"], ["upmix", "--help"], ["--version"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "upmix" in out and "evaluate" in out and "--baseline" in out and m2s_gen.__version__ in out


def test_missing_bundled_model_is_one_line(tmp_path, capsys, monkeypatch):
    import m2s_gen.loading

    monkeypatch.setattr(m2s_gen.loading, "BUNDLED_MODEL", tmp_path / "no_model")
    src = write_wav(tmp_path / "a.wav", music_like(1_000, 8_000), 8_000)
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "b.wav")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bundled default model is missing" in err


def test_bad_model_path_is_one_line(tmp_path, capsys):
    src = write_wav(tmp_path / "a.wav", music_like(1_000, 8_000), 8_000)
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "b.wav"), "--model", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err == f"m2s: error: {tmp_path / 'nope'}: no such model folder (a hub id looks like 'org/name')\n"


@pytest.mark.parametrize("command,module", [("evaluate", "evaluation.run"), ("bounds", "evaluation.bounds"),
                                            ("train", "training.train")])
def test_forwarded_commands(monkeypatch, command, module):
    seen = []
    fake = types.ModuleType(module)
    fake.main = lambda argv: seen.append(argv) or 3
    monkeypatch.setitem(sys.modules, module, fake)
    assert cli.main([command, "--help", "-x", "1"]) == 3
    assert seen == [["--help", "-x", "1"]]


def test_forwarded_command_that_is_not_installed(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "evaluation.run", None)  # makes the import fail
    assert cli.main(["evaluate", "--data", "x"]) == 1
    assert capsys.readouterr().err.startswith("m2s: error: evaluate: evaluation.run")


def test_console_script_in_a_real_process(tiny_model_dir, tmp_path):
    """The real process: an error is one line on stderr with no traceback, and a run writes its file."""
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    src = write_wav(tmp_path / "a.wav", music_like(4_000, 8_000), 8_000)
    (tmp_path / "bad.wav").write_text("hello, I am text")
    code = "import sys; from m2s_gen.cli import main; sys.exit(main())"
    done = subprocess.run([sys.executable, "-c", code, "upmix", str(src), str(tmp_path / "bad.wav"),
                           "-o", str(tmp_path / "out"), "--model", str(tiny_model_dir), "--steps", "2"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr
    assert f"m2s: error: {tmp_path / 'bad.wav'}: not a readable audio file" in done.stderr
    assert "1 written, 0 skipped, 1 failed" in done.stderr
    assert done.stdout.strip() == str(tmp_path / "out" / "a.wav")
    assert _read(tmp_path / "out" / "a.wav")[0].shape == (2, 4_000)


def test_upmix_lets_the_models_threads_give_way_to_the_encoder(tmp_path, monkeypatch):
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    src = write_wav(tmp_path / "in.wav", music_like(8_000, 16_000), 16_000)
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "out.wav"), "--baseline", "haas_mid"]) == 0
    assert os.environ["GOMP_SPINCOUNT"] == cli.UPMIX_SPIN_COUNT
    monkeypatch.setenv("GOMP_SPINCOUNT", "123")  # the user's own setting is kept
    assert cli.main(["upmix", str(src), "-o", str(tmp_path / "out2.wav"), "--baseline", "haas_mid"]) == 0
    assert os.environ["GOMP_SPINCOUNT"] == "123"
