"""Long files chunk by chunk: same length, exact fold-down, smooth joins, nothing half-written."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from conftest import fold_error, leftovers, music_like, write_wav

from m2s_gen import Upmixer, cli, streaming
from m2s_gen.audio_io import AudioFileError

RATE = 16_000


def _fake(mono: np.ndarray, rate: int, index: int) -> np.ndarray:
    """A mid-preserving 'upmix' whose side differs per chunk, so joins are visible if not faded."""
    side = (0.2 + 0.3 * (index % 2)) * mono
    return np.stack([mono + side, mono - side]).astype(np.float32)


def test_chunks_keep_length_and_fold_down_and_join_smoothly(tmp_path):
    mono = music_like(5 * RATE + 123, RATE)
    src = write_wav(tmp_path / "in.wav", mono, RATE)
    out = streaming.stream_upmix(src, tmp_path / "out.wav", _fake, chunk_s=1.0, overlap_s=0.25)
    stereo, rate = sf.read(str(out), dtype="float32", always_2d=True)
    assert rate == RATE and stereo.shape == (mono.shape[0], 2)
    assert fold_error(stereo.T, mono) <= 1e-6
    side = (stereo[:, 0] - stereo[:, 1]) / 2
    gain = side / np.where(np.abs(mono) > 1e-3, mono, np.nan)
    steps = np.abs(np.diff(gain[np.isfinite(gain)]))
    assert np.nanmax(steps) < 0.05  # the side's gain glides from 0.2 to 0.5 and back, never jumps
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("seconds", [4.0, 4.3, 4.9, 10.0, 11.3, 11.5, 11.9])
def test_the_last_chunk_is_never_a_sliver(seconds):
    """Chunks of 4 s sharing 0.25 s: the last is at least a fifth of a chunk, the rest are whole chunks
    but the one before the last, which gives up its end; the stereo is the input's length, in order."""
    mono = music_like(int(seconds * RATE), RATE)
    sizes, emitted = [], []

    def generate(chunk, rate, index):
        sizes.append(chunk.shape[0])
        return np.stack([chunk, chunk])

    blocks = (mono[None, at:at + 1000] for at in range(0, mono.shape[0], 1000))
    total = streaming.chunked_upmix(blocks, RATE, generate, emitted.append, chunk_s=4.0, overlap_s=0.25)
    chunk, overlap = 4 * RATE, RATE // 4
    assert total == mono.shape[0] and np.allclose(np.concatenate(emitted, axis=1)[0], mono, atol=1e-6)
    assert sizes[-1] >= chunk // 5 or len(sizes) == 1
    assert all(size == chunk for size in sizes[:-2]) and all(size <= chunk for size in sizes)
    assert sum(sizes) - overlap * (len(sizes) - 1) == mono.shape[0]


def test_a_bad_sample_in_a_later_chunk_leaves_no_output(tmp_path):
    mono = music_like(3 * RATE, RATE)
    mono[int(2.5 * RATE)] = np.nan
    src = write_wav(tmp_path / "in.wav", mono, RATE)
    with pytest.raises(AudioFileError, match="in.wav: contains NaN"):
        streaming.stream_upmix(src, tmp_path / "out.wav", _fake, chunk_s=1.0, overlap_s=0.1)
    assert not (tmp_path / "out.wav").exists() and leftovers(tmp_path) == []


def test_is_long(tmp_path):
    src = write_wav(tmp_path / "in.wav", music_like(2 * RATE, RATE), RATE)
    assert streaming.is_long(src, chunk_s=1.0) and not streaming.is_long(src, chunk_s=3.0)
    (tmp_path / "text.wav").write_text("not audio")
    assert not streaming.is_long(tmp_path / "text.wav", chunk_s=0.1)


def test_upmix_file_and_cli_stream_long_files(tiny_model_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(streaming, "CHUNK_S", 1.0)
    monkeypatch.setattr(streaming, "OVERLAP_S", 0.2)
    mono = music_like(3 * RATE + 55, RATE)
    src = write_wav(tmp_path / "in.wav", mono, RATE)
    up = Upmixer.from_pretrained(tiny_model_dir)
    up.upmix_file(src, tmp_path / "api.wav", seed=1, num_steps=2)
    stereo, _ = sf.read(str(tmp_path / "api.wav"), dtype="float32", always_2d=True)
    assert stereo.shape == (mono.shape[0], 2) and fold_error(stereo.T, mono) <= 1e-6
    stereo_src = write_wav(tmp_path / "st.wav", np.stack([mono, 0.5 * mono]), RATE)
    assert cli.main(["upmix", str(stereo_src), "-o", str(tmp_path / "cli.wav"), "--model", str(tiny_model_dir),
                     "--steps", "2", "--seed", "0"]) == 0
    assert "stereo input, folded to mono" in capsys.readouterr().err
    stereo, _ = sf.read(str(tmp_path / "cli.wav"), dtype="float32", always_2d=True)
    assert stereo.shape == (mono.shape[0], 2) and fold_error(stereo.T, 0.75 * mono) <= 1e-6
