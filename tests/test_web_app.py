"""The page's handlers and the ``m2s serve`` command, without a browser (tests/test_web_browser.py has one)."""
from __future__ import annotations

import importlib.util
import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import soundfile as sf

from conftest import FOLD_TOL, fold_error, music_like, write_wav
from web_server import REPO, Server
from m2s_gen import cli
from m2s_gen.web import serve
from m2s_gen.web.handlers import NO_TRIALS, PageHandlers
from m2s_gen.web.session import Session, close_session
from m2s_gen.web.settings import WebSettings
from m2s_gen.web.ui import build_app

RATE = 16_000
DEFAULTS = dict(words=[], width_db="", bass_mono_hz="", seed=0, takes=1, preset=None, steps="", draws="",
                temperature="", guidance="", fmt="WAV")


def _upmix(handlers, file, session=None, **changes):
    values = {**DEFAULTS, **changes}
    return handlers.upmix(None if file is None else str(file), *values.values(), session)


@pytest.fixture
def handlers(tiny_upmixer, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    return PageHandlers(tiny_upmixer, WebSettings(max_takes=3, results_dir=tmp_path / "kept"), root)


def test_page_builds_with_every_control(handlers, tiny_upmixer, tmp_path):
    demo = build_app(tiny_upmixer, WebSettings(max_takes=3), tmp_path)
    assert isinstance(demo, gr.Blocks)
    ids = {block.elem_id for block in demo.blocks.values() if getattr(block, "elem_id", None)}
    assert {"m2s-upload", "m2s-run", "m2s-status", "m2s-goniometer", "m2s-band-widths", "m2s-correlation",
            "m2s-format", "m2s-downloads", "m2s-preset", "m2s-blind-add", "m2s-choose-A", "m2s-choose-B"} <= ids
    assert {f"m2s-player-{k}" for k in range(len(handlers.player_labels))} <= ids  # input, 3 takes, baseline, ...


@pytest.mark.parametrize("content, message", [
    (None, "no file: upload an audio file first"),
    (b"garbage" * 50, "tune.wav: not a readable audio file"),
])
def test_bad_uploads_are_one_line_errors(handlers, tmp_path, content, message):
    path = None
    if content is not None:
        path = tmp_path / "upload" / "tune.wav"
        path.parent.mkdir()
        path.write_bytes(content)
    with pytest.raises(gr.Error) as info:
        _upmix(handlers, path)
    assert info.value.message.startswith(message) and "\n" not in info.value.message
    assert str(tmp_path) not in info.value.message


def test_bad_controls_are_one_line_errors(handlers, tmp_path):
    path = write_wav(tmp_path / "tune.wav", music_like(RATE, RATE))
    with pytest.raises(gr.Error, match=r"takes must be an integer in \[1, 3\] on this server"):
        _upmix(handlers, path, takes=4)
    with pytest.raises(gr.Error, match="width_db: expected a number, got 'wide'"):
        _upmix(handlers, path, width_db="wide")


def test_upmix_fills_players_plots_and_downloads(handlers, tmp_path):
    mono = music_like(RATE, RATE)
    path = write_wav(tmp_path / "tune.wav", mono)
    status, *rest = _upmix(handlers, path, takes=2, width_db="-9", words=["mono bass"])
    players, plots, files, session = rest[:len(handlers.player_labels)], rest[-5:-2], rest[-2], rest[-1]
    assert status.startswith("**tune.wav** (1.0 s, 16000 Hz, 1 channel(s)): seed 0, 2 take(s)")
    visible = [label for label, update in zip(handlers.player_labels, players) if update["visible"]]
    assert visible == ["input", "take 1", "take 2", "baseline (freq_decorrelator)", "fold-down (L+R)/2 of take 1"]
    assert all(Path(p).read_bytes()[:4] == b"\x89PNG" for p in plots)
    assert [Path(f).name for f in files] == ["tune_m2s_take1.wav", "tune_m2s_take2.wav"]
    for file in files:
        stereo, _ = sf.read(file, dtype="float32")
        assert fold_error(stereo.T, mono) < FOLD_TOL
    flacs = handlers.change_format("FLAC", session)
    assert [Path(f).name for f in flacs] == ["tune_m2s_take1.flac", "tune_m2s_take2.flac"]
    assert handlers.change_format("WAV", None) is None
    # a second upmix in the same session replaces the first one's files
    first = session.result.folder
    _upmix(handlers, path, session)
    assert not first.exists() and session.result.folder.exists()
    close_session(session)
    assert not session.folder.exists()


def test_blind_test_round_trip(handlers, tmp_path):
    with pytest.raises(gr.Error, match="nothing to compare yet"):
        handlers.blind_add(None)
    left, right = music_like(RATE, RATE, seed=1), music_like(RATE, RATE, seed=2)
    *_, session = _upmix(handlers, write_wav(tmp_path / "mix.wav", np.stack([left, right])))
    assert handlers.blind_view(session)[0] == NO_TRIALS
    line, a, b, button_a, button_b, summary, files, session = handlers.blind_add(session)
    assert line.startswith("**Trial 1 of 2** (mix.wav)") and Path(a).exists() and Path(b).exists()
    assert button_a["interactive"] and summary == "" and files is None
    assert "model" not in line and "freq_decorrelator" not in Path(a).name + Path(b).name
    for _ in range(2):
        line, a, b, button_a, button_b, summary, files, session = handlers.blind_choose("B", session)
    assert line == "All 2 trials decided. Add an upmix again to go on." and not button_a["interactive"]
    assert "| model |" in summary and "95% interval" in summary
    data = json.loads(Path(next(f for f in files if f.endswith(".json"))).read_text())
    assert data["summary"]["decided"] == 2 and [t["choice"] for t in data["trials"]] == ["B", "B"]
    kept = sorted(p.name for p in (tmp_path / "kept").iterdir())
    assert kept == sorted(Path(f).name for f in files) and kept[0].startswith("blind-")
    with pytest.raises(gr.Error, match="no trial is waiting for a choice"):
        handlers.blind_choose("A", session)


def test_session_folders_live_under_the_root(tmp_path):
    session = Session(tmp_path)
    assert session.folder.parent == tmp_path and session.new_run_folder().parent == session.folder
    close_session(session)
    close_session(None)
    assert list(tmp_path.iterdir()) == []


def test_serve_options_default_to_this_machine_only():
    args = serve.get_parser().parse_args([])
    assert (args.host, args.port, args.model, args.device) == ("127.0.0.1", 7860, None, "cpu")


def test_m2s_serve_is_a_subcommand(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["serve", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: m2s serve") and "--max-duration-s" in out and "--results-dir" in out


def test_serve_errors_are_one_line_and_leave_no_temporary_files(tmp_path, monkeypatch, capsys, tiny_model_dir):
    for key, value in serve.OFFLINE_ENV.items():  # serve sets these for its process: undone after the test
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "not-made"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    assert cli.main(["serve", "--max-takes", "20"]) == 2
    assert capsys.readouterr().err == "m2s serve: error: argument --max-takes: max_takes must be an integer in " \
                                      "[1, 8], got 20\n"
    monkeypatch.setenv("M2S_WEB_MAX_DURATION_S", "-1")
    assert cli.main(["serve"]) == 2
    assert capsys.readouterr().err == "m2s serve: error: max_duration_s must be in (0, 86400] s, got -1.0\n"
    monkeypatch.delenv("M2S_WEB_MAX_DURATION_S")
    assert cli.main(["serve", "--port", "0"]) == 2
    assert "argument --port: must be in 1..65535" in capsys.readouterr().err
    assert cli.main(["serve", "--model", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("m2s serve: error: ") and err.count("\n") == 1 and "missing" in err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--model", str(tiny_model_dir), "--port", str(port)]) == 1
    assert capsys.readouterr().err == (f"m2s serve: error: cannot listen on 127.0.0.1:{port} (Cannot find empty "
                                       f"port in range: {port}-{port})\n")
    assert list(tmp_path.iterdir()) == []


def _app_module():
    spec = importlib.util.spec_from_file_location("space_app", REPO / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_app_py_listens_where_a_space_says_and_on_127_0_0_1_otherwise():
    space_argv = _app_module().space_argv
    assert space_argv({}) == ["--host", "127.0.0.1", "--port", "7860"]
    assert space_argv({"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "7861", "M2S_MODEL": "org/name"}) == [
        "--host", "0.0.0.0", "--port", "7861", "--model", "org/name"]


def _post_upload(url: str, name: str, content: bytes):
    boundary = "m2s-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: audio/wav\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(url + "gradio_api/upload", body,
                                     {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return urllib.request.urlopen(request, timeout=30)


def test_app_py_serves_the_page_with_the_limits_from_its_environment(tiny_model_dir, tmp_path):
    env = {"M2S_MODEL": str(tiny_model_dir), "M2S_WEB_MAX_TAKES": "3", "M2S_WEB_MAX_UPLOAD_MB": "0.05"}
    server = Server(["app.py"], tmp_path, env=env, port_option=False)
    try:
        assert f"http://127.0.0.1:{server.port}" in "".join(server.lines)
        config = json.load(urllib.request.urlopen(server.url + "config", timeout=30))
        assert config["title"] == "m2s-gen: mono to stereo"
        sliders = [c["props"] for c in config["components"] if c["props"].get("elem_id") == "m2s-takes"]
        assert sliders[0]["maximum"] == 3
        # the upload limit is the server's: a file over it is refused while it is received
        assert _post_upload(server.url, "small.wav", b"x" * 40_000).status == 200
        with pytest.raises(urllib.error.HTTPError) as info:
            _post_upload(server.url, "large.wav", b"x" * 60_000)
        assert info.value.code == 413
    finally:
        assert server.stop() == 0
    assert list(server.tmp.iterdir()) == []
