"""Bad and odd inputs through the CLI: one-line errors naming the file, no partial outputs, the rest of a
batch still written; every valid WAV flavour gives a valid stereo file of the same length and rate."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import fold_error, leftovers, music_like, write_wav

from m2s_gen import cli
from m2s_gen.audio_io import AudioFileError, read_audio, write_audio_atomic
from m2s_gen.pipeline import Upmixer


def _upmix(model_dir: Path, *args) -> int:
    return cli.main(["upmix", *map(str, args), "--model", str(model_dir), "--steps", "2", "--seed", "0"])


def _wav_bytes(num_samples: int = 1_000) -> bytes:
    import io

    buffer = io.BytesIO()
    sf.write(buffer, music_like(num_samples, 8_000), 8_000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


# each maker writes a bad input at the path it is given and returns (path to pass, problem text)
def _empty(tmp):
    (tmp / "empty.wav").write_bytes(b"")
    return tmp / "empty.wav", "empty file"


def _text(tmp):
    (tmp / "text.wav").write_text("This is a shopping list, not a song.\n" * 20)
    return tmp / "text.wav", "not a readable audio file"


def _truncated_header(tmp):
    (tmp / "truncated.wav").write_bytes(_wav_bytes()[:30])
    return tmp / "truncated.wav", "not a readable audio file"


def _nan(tmp):
    audio = music_like(1_000, 8_000)
    audio[500] = np.nan
    return write_wav(tmp / "nan.wav", audio, 8_000, subtype="FLOAT"), "NaN"


def _inf(tmp):
    audio = music_like(1_000, 8_000).astype(np.float64)
    audio[10] = -np.inf
    return write_wav(tmp / "inf.wav", audio, 8_000, subtype="DOUBLE"), "infinite"


def _zero_length(tmp):
    return write_wav(tmp / "zero.wav", np.zeros(0, np.float32), 8_000, subtype="PCM_16"), "no audio samples"


def _missing(tmp):
    return tmp / "missing.wav", "no such file"


def _random_bytes(tmp):
    (tmp / "noise.flac").write_bytes(np.random.default_rng(0).bytes(5_000))
    return tmp / "noise.flac", "not a readable audio file"


BAD_INPUTS = [_empty, _text, _truncated_header, _nan, _inf, _zero_length, _missing, _random_bytes]


def _check_one_line_error(err: str, path: Path, problem: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"m2s: error: {path}: ") and problem in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize("make", BAD_INPUTS, ids=lambda f: f.__name__.strip("_"))
def test_bad_input_alone(tiny_model_dir, tmp_path, capsys, make):
    path, problem = make(tmp_path)
    assert _upmix(tiny_model_dir, path, "-o", tmp_path / "out.wav") == 1
    _check_one_line_error(capsys.readouterr().err, path, problem)
    assert not (tmp_path / "out.wav").exists()
    assert leftovers(tmp_path) == []


def test_bad_inputs_in_a_batch_do_not_stop_the_good_ones(tiny_model_dir, tmp_path, capsys):
    (tmp_path / "in").mkdir()
    bad = [make(tmp_path / "in") for make in BAD_INPUTS]
    good = [write_wav(tmp_path / "in" / f"good{k}.wav", music_like(3_000, 8_000, seed=k), 8_000) for k in range(2)]
    inputs = [good[0], *[path for path, _ in bad], good[1]]
    assert _upmix(tiny_model_dir, *inputs, "-o", tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"2 written, 0 skipped, {len(bad)} failed" in err
    for path, problem in bad:
        assert f"m2s: error: {path}: " in err and problem in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good0.wav", "good1.wav"]
    assert leftovers(tmp_path) == []


def test_a_folder_input_with_bad_files(tiny_model_dir, tmp_path, capsys):
    (tmp_path / "in").mkdir()
    _text(tmp_path / "in")
    write_wav(tmp_path / "in" / "good.wav", music_like(3_000, 8_000), 8_000)
    assert _upmix(tiny_model_dir, tmp_path / "in", "-o", tmp_path / "out") == 1
    assert "1 written, 0 skipped, 1 failed" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["good.wav"]


def test_a_folder_without_audio(tiny_model_dir, tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "readme.txt").write_text("hi")
    assert _upmix(tiny_model_dir, tmp_path / "in", "-o", tmp_path / "out") == 1
    assert f"m2s: error: {tmp_path / 'in'}: no audio files in this folder" in capsys.readouterr().err


def test_a_folder_input_needs_a_folder_output(tiny_model_dir, tmp_path, capsys):
    (tmp_path / "in").mkdir()
    write_wav(tmp_path / "in" / "a.wav", music_like(3_000, 8_000), 8_000)
    (tmp_path / "taken.wav").write_bytes(b"x")
    assert _upmix(tiny_model_dir, tmp_path / "in", "-o", tmp_path / "taken.wav") == 1
    _check_one_line_error(capsys.readouterr().err, tmp_path / "taken.wav", "not a folder")
    assert (tmp_path / "taken.wav").read_bytes() == b"x"


def test_output_equal_to_input(tiny_model_dir, tmp_path, capsys):
    src = write_wav(tmp_path / "a.wav", music_like(3_000, 8_000), 8_000)
    before = src.read_bytes()
    for extra in ([], ["--overwrite"]):
        assert _upmix(tiny_model_dir, src, "-o", src, *extra) == 1
        _check_one_line_error(capsys.readouterr().err, src, "overwrite the input")
    # a batch written into the inputs' own folder: the same, file by file
    assert _upmix(tiny_model_dir, src, tmp_path / "a.wav", "-o", tmp_path, "--overwrite") == 1
    assert "overwrite the input" in capsys.readouterr().err
    assert src.read_bytes() == before


@pytest.mark.parametrize("where", ["missing_folder", "file_as_folder"])
def test_unwritable_output_folder(tiny_model_dir, tmp_path, capsys, where):
    src = write_wav(tmp_path / "a.wav", music_like(3_000, 8_000), 8_000)
    (tmp_path / "plain_file").write_text("x")
    folder = tmp_path / ("no/such/folder" if where == "missing_folder" else "plain_file")
    # one file: the output's folder must exist
    assert _upmix(tiny_model_dir, src, "-o", folder / "out.wav") == 1
    err = capsys.readouterr().err
    _check_one_line_error(err, folder / "out.wav", "output folder")
    assert str(folder) in err
    # a batch: the output folder cannot be made
    assert _upmix(tiny_model_dir, src, src, "-o", folder / "sub") == 1
    err = capsys.readouterr().err
    assert err.startswith(f"m2s: error: {folder / 'sub'}: cannot create the output folder") and "Traceback" not in err
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["out.xyz", "out.txt", "out", "out.WAVE"])
def test_unsupported_output_extension(tiny_model_dir, tmp_path, capsys, name):
    src = write_wav(tmp_path / "a.wav", music_like(3_000, 8_000), 8_000)
    assert _upmix(tiny_model_dir, src, "-o", tmp_path / name) == 1
    err = capsys.readouterr().err
    _check_one_line_error(err, tmp_path / name, "cannot write")
    assert "choose one of .wav, .flac, .mp3, .m4a, .opus, .ogg, .mp4" in err  # the choices are named
    assert not (tmp_path / name).exists()


def test_two_inputs_with_the_same_name(tiny_model_dir, tmp_path, capsys):
    (tmp_path / "x").mkdir()
    first = write_wav(tmp_path / "song.wav", music_like(3_000, 8_000), 8_000)
    second = write_wav(tmp_path / "x" / "song.wav", music_like(3_000, 8_000, seed=1), 8_000, subtype="PCM_16")
    assert _upmix(tiny_model_dir, first, second, "-o", tmp_path / "out") == 1
    assert f"{second}: same output name as {first}" in capsys.readouterr().err
    assert fold_error(sf.read(str(tmp_path / "out" / "song.wav"))[0].T, sf.read(str(first))[0]) <= 1e-6


def test_an_unwritable_rate_is_reported_not_raised(tiny_model_dir, tmp_path, capsys):
    """FLAC cannot store 1.1 MHz: the write fails cleanly and leaves nothing behind."""
    src = write_wav(tmp_path / "a.wav", music_like(2_000, 1_100_000), 1_100_000)
    assert _upmix(tiny_model_dir, src, "-o", tmp_path / "out.flac") == 1
    _check_one_line_error(capsys.readouterr().err, tmp_path / "out.flac", "cannot write")
    assert not (tmp_path / "out.flac").exists() and leftovers(tmp_path) == []


# -- Ctrl-C ----------------------------------------------------------------------------------------------
def test_ctrl_c_keeps_finished_outputs_and_leaves_no_partial_ones(tiny_model_dir, tmp_path, capsys, monkeypatch):
    sources = [write_wav(tmp_path / f"{n}.wav", music_like(3_000, 8_000), 8_000) for n in "abc"]
    calls = []
    real_call = Upmixer.__call__

    def interrupted_on_the_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(Upmixer, "__call__", interrupted_on_the_second)
    assert _upmix(tiny_model_dir, *sources, "-o", tmp_path / "out") == 130
    assert "interrupted" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.wav"]
    assert sf.read(str(tmp_path / "out" / "a.wav"))[0].shape == (3_000, 2)


def test_ctrl_c_during_a_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def half_a_write(file, data, *args, **kwargs):
        Path(file).write_bytes(b"RIFF....half")
        raise KeyboardInterrupt

    monkeypatch.setattr(sf, "write", half_a_write)
    with pytest.raises(KeyboardInterrupt):
        write_audio_atomic(tmp_path / "out.wav", np.zeros((2, 100), np.float32), 8_000)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "old.wav").write_bytes(b"previous take")
    with pytest.raises(KeyboardInterrupt):
        write_audio_atomic(tmp_path / "old.wav", np.zeros((2, 100), np.float32), 8_000)
    assert [p.name for p in tmp_path.iterdir()] == ["old.wav"]
    assert (tmp_path / "old.wav").read_bytes() == b"previous take"


def test_written_files_get_ordinary_permissions(tmp_path):
    write_audio_atomic(tmp_path / "out.wav", np.zeros((2, 100), np.float32), 8_000)
    assert (tmp_path / "out.wav").stat().st_mode & 0o644 == 0o644


# -- odd but valid inputs --------------------------------------------------------------------------------
@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
def test_every_wav_flavour(tiny_model_dir, tmp_path, subtype):
    src = write_wav(tmp_path / "a.wav", music_like(4_000, 11_025, peak=0.9), 11_025, subtype=subtype)
    mono, _ = read_audio(src)
    assert _upmix(tiny_model_dir, src, "-o", tmp_path / "out.wav") == 0
    stereo, rate = sf.read(str(tmp_path / "out.wav"), dtype="float32", always_2d=True)
    assert rate == 11_025 and stereo.shape == (4_000, 2)
    assert fold_error(stereo.T, mono[0]) <= 1e-6
    assert np.abs(stereo).max() <= 1.0


@pytest.mark.parametrize("name,make_audio,rate", [
    ("clip_50ms", lambda: music_like(2_205, 44_100), 44_100),
    ("clip_1_sample", lambda: np.array([0.25], np.float32), 48_000),
    ("silence", lambda: np.zeros(8_000, np.float32), 8_000),
    ("dc_offset", lambda: (0.5 + 0.2 * music_like(8_000, 8_000)).astype(np.float32), 8_000),
    ("full_scale_clipped", lambda: np.clip(5 * music_like(8_000, 8_000), -1, 1).astype(np.float32), 8_000),
    ("over_full_scale_float", lambda: 3 * music_like(8_000, 8_000), 8_000),
    ("rate_96k", lambda: music_like(9_600, 96_000), 96_000),
    ("rate_192k", lambda: music_like(19_200, 192_000), 192_000),
])
def test_odd_valid_inputs(tiny_model_dir, tmp_path, capsys, name, make_audio, rate):
    mono = make_audio()
    src = write_wav(tmp_path / f"{name}.wav", mono, rate, subtype="FLOAT")
    assert _upmix(tiny_model_dir, src, "-o", tmp_path / "out.wav") == 0
    stereo, out_rate = sf.read(str(tmp_path / "out.wav"), dtype="float32", always_2d=True)
    assert out_rate == rate and stereo.shape == (mono.shape[0], 2)
    assert np.isfinite(stereo).all()
    assert fold_error(stereo.T, mono) <= 1e-6
    if np.abs(mono).max() <= 1:
        assert np.abs(stereo).max() <= 1.0
    assert "error" not in capsys.readouterr().err


@pytest.mark.parametrize("channels", [2, 6])
def test_multichannel_input_is_folded_with_a_notice(tiny_model_dir, tmp_path, capsys, channels):
    audio = np.stack([music_like(4_000, 8_000, seed=c) for c in range(channels)])
    src = write_wav(tmp_path / "multi.wav", audio, 8_000)
    assert _upmix(tiny_model_dir, src, "-o", tmp_path / "out.wav") == 0
    err = capsys.readouterr().err
    assert f"{src}: " in err and "folded to mono" in err and "error" not in err
    assert ("stereo input" in err) == (channels == 2)
    stereo, _ = sf.read(str(tmp_path / "out.wav"), dtype="float32", always_2d=True)
    assert fold_error(stereo.T, audio.mean(0)) <= 1e-6


def test_wav_with_an_odd_header_still_reads(tmp_path):
    """A WAV whose RIFF size field is wrong (as some recorders leave it) is still read."""
    data = bytearray(_wav_bytes(800))
    data[4:8] = struct.pack("<I", 0xFFFFFFFF)
    (tmp_path / "odd.wav").write_bytes(bytes(data))
    audio, rate = read_audio(tmp_path / "odd.wav")
    assert rate == 8_000 and audio.shape == (1, 800)


def test_read_audio_errors_are_audio_file_errors(tmp_path):
    for make in BAD_INPUTS:
        path, problem = make(tmp_path)
        with pytest.raises(AudioFileError, match=problem):
            read_audio(path)
    with pytest.raises(AudioFileError, match="is a folder"):
        read_audio(tmp_path)
