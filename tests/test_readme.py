"""The README's Python quick start runs as written, on a generated file, and saves a usable result."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import soundfile as sf

from conftest import music_like

REPO = Path(__file__).resolve().parents[1]


def _python_quick_start() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Quick start"):readme.index("## Controls")]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the quick start has one Python block"
    return blocks[0]


def test_the_python_quick_start_runs_and_saves_stereo(tmp_path, monkeypatch):
    rate = 22_050
    mono = music_like(2 * rate, rate)
    sf.write(tmp_path / "song.wav", mono, rate, subtype="FLOAT")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(_python_quick_start(), "README.md", "exec"), namespace)

    saved, saved_rate = sf.read(tmp_path / "song_stereo.wav", dtype="float32")
    assert saved_rate == rate and saved.shape == (mono.size, 2)
    np.testing.assert_allclose(saved.mean(axis=1), mono, atol=1e-6)  # the fold-down is the input
    assert np.abs(saved[:, 0] - saved[:, 1]).max() > 1e-3  # and it is stereo
    assert tuple(namespace["takes"].shape) == (3, 2, mono.size)
    from m2s_gen.audio_io import read_audio  # the saved MP3, decoded: stereo of the input's length
    from_file, file_rate = read_audio(tmp_path / "song_stereo.mp3")
    assert file_rate == rate and from_file.shape == (2, mono.size)
