"""``m2s stream`` in a pipe and ``m2s live`` without audio devices (as in CI)."""
from __future__ import annotations

import io
import subprocess
import sys
import types

import numpy as np
import soundfile as sf

from conftest import FOLD_TOL, music_like, write_wav
from m2s_gen import cli
from m2s_gen.live.stream import latency_samples


def m2s(*args, data: bytes = b""):
    return subprocess.run([sys.executable, "-m", "m2s_gen.cli", *args], input=data, capture_output=True, timeout=120)


def test_stream_in_a_pipe_on_a_generated_file(tmp_path, tiny_model_dir):
    rate = 16_000
    path = write_wav(tmp_path / "in.wav", music_like(rate + 123, rate, seed=0), rate)
    mono, _ = sf.read(str(path), dtype="float32")
    done = m2s("stream", "--rate", str(rate), "--model", str(tiny_model_dir), "--seed", "0", "--wait",
               data=mono.astype("<f4").tobytes())
    assert done.returncode == 0, done.stderr.decode()
    stereo = np.frombuffer(done.stdout, dtype="<f4").reshape(-1, 2)
    lat = latency_samples(rate)
    assert len(stereo) == len(mono) + lat  # flushed at the end of the input
    assert np.abs(stereo.astype(np.float64).mean(1)[lat:] - mono).max() < FOLD_TOL


def test_stream_s16le_with_a_trailing_half_sample(monkeypatch, tiny_model_dir, recwarn):
    rate = 16_000
    mono = music_like(rate // 2, rate, seed=1)
    pcm = np.round(mono * 32767).astype("<i2").tobytes() + b"\x01"
    stdout = io.BytesIO()
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BufferedReader(io.BytesIO(pcm))))
    monkeypatch.setattr(sys, "stdout", types.SimpleNamespace(buffer=stdout, fileno=lambda: 1))
    assert cli.main(["stream", "--rate", str(rate), "--format", "s16le", "--model", str(tiny_model_dir),
                     "--seed", "0", "--wait"]) == 0
    stereo = np.frombuffer(stdout.getvalue(), dtype="<i2").reshape(-1, 2)
    assert len(stereo) == len(mono) + latency_samples(rate)
    assert any("trailing byte" in str(w.message) for w in recwarn)


def test_stream_info_and_bad_rate(capsys):
    assert cli.main(["stream", "--info", "--rate", "48000"]) == 0
    assert f"({latency_samples(48_000)} frames at 48000 Hz)" in capsys.readouterr().out
    assert cli.main(["stream", "--rate", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("m2s: error: argument --rate") and "\n" not in err


def fake_sounddevice(devices: list[dict]):
    module = types.ModuleType("sounddevice")
    module.query_devices = lambda device=None, kind=None: devices if device is None else devices[device]
    module.default = types.SimpleNamespace(device=[-1, -1])
    module.PortAudioError = RuntimeError
    return module


def test_live_list_devices_and_no_device_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([]))
    assert cli.main(["live", "--list-devices"]) == 0
    assert "no audio devices found" in capsys.readouterr().out
    assert cli.main(["live", "--input", "0"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("m2s: error: no audio input device found") and "\n" not in err


def test_live_names_a_device_that_is_not_there(monkeypatch, capsys):
    devices = [{"name": "Mic", "max_input_channels": 1, "max_output_channels": 0, "default_samplerate": 48000.0},
               {"name": "Speakers", "max_input_channels": 0, "max_output_channels": 2, "default_samplerate": 48000.0}]
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(devices))
    assert cli.main(["live", "--input", "usb"]) == 2
    assert "valid: 0: Mic" in capsys.readouterr().err


def test_live_without_portaudio(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails, as without the library
    assert cli.main(["live", "--list-devices"]) == 1
    err = capsys.readouterr().err.strip()
    assert "PortAudio" in err and "\n" not in err


def test_live_list_devices_with_the_real_library(capsys):
    code = cli.main(["live", "--list-devices"])
    # with PortAudio: the device list (none in CI); without it: the one-line error
    assert code in (0, 1)
    assert code == 0 or capsys.readouterr().err.count("\n") == 1


DUPLEX = [{"name": "Duplex", "max_input_channels": 2, "max_output_channels": 2, "default_samplerate": 48000.0}]


def test_live_runs_the_stream_in_the_device_callback(monkeypatch, capsys, tiny_model_dir):
    """A fake PortAudio that calls the callback from its own thread, as the real one does."""
    import threading

    module = fake_sounddevice(DUPLEX)
    seen = {}

    class Stream:
        def __init__(self, callback, latency, blocksize, channels, **kwargs):
            seen.update(latency=latency, blocksize=blocksize, channels=channels)
            self.callback, self.latency = callback, (0.1, 0.1)

        def __enter__(self):
            def audio_thread():
                status = types.SimpleNamespace(input_overflow=False, output_underflow=False)
                mono = music_like(48_000, 48_000, seed=2)
                outs = []
                for start in range(0, len(mono), seen["blocksize"]):
                    block = np.repeat(mono[start:start + seen["blocksize"], None], 2, 1)  # a stereo input
                    out = np.zeros((len(block), 2), np.float32)
                    self.callback(block, out, len(block), None, status)
                    outs.append(out)
                seen["out"], seen["mono"] = np.concatenate(outs), mono

            thread = threading.Thread(target=audio_thread)
            thread.start()
            thread.join()
            return self

        def __exit__(self, *exc):
            return False

    module.Stream = Stream
    monkeypatch.setitem(sys.modules, "sounddevice", module)
    assert cli.main(["live", "--model", str(tiny_model_dir), "--seconds", "0", "--device-latency", "0.2",
                     "--seed", "0"]) == 0
    assert seen["latency"] == 0.2 and seen["channels"] == (2, 2) and seen["blocksize"] == 480
    lat = latency_samples(48_000)
    fold = seen["out"].astype(np.float64).mean(1)
    assert np.abs(fold[lat:] - seen["mono"][:len(fold) - lat]).max() < FOLD_TOL
    err = capsys.readouterr().err
    assert "device latency in / out 100 / 100 ms" in err
    assert "0 input overflow(s), 0 output underflow(s)" in err and "audio thread: " in err


def test_live_bad_device_latency(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(DUPLEX))
    for bad in ("medium", "0", "-1", "5"):
        assert cli.main(["live", "--device-latency", bad]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("m2s: error: argument --device-latency") and "\n" not in err
