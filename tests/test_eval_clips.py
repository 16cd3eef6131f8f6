"""Evaluation clips from a folder of audio files and from a prepared dataset."""

import numpy as np
import pytest
import soundfile as sf

from evaluation.clips import DataError, find_tracks, load_clips, spread_order

SR = 8000


def _stereo(seconds, width=0.5, seed=0, sample_rate=SR):
    rng = np.random.default_rng(seed)
    mid, side = rng.standard_normal((2, int(seconds * sample_rate))) * 0.1
    return np.stack([mid + width * side, mid - width * side]).astype(np.float32)


@pytest.fixture
def folder(tmp_path):
    sf.write(tmp_path / "wide.wav", _stereo(3.5).T, SR)
    sub = tmp_path / "sub"
    sub.mkdir()
    sf.write(sub / "narrow.flac", _stereo(2.0, width=0.01).T, SR)  # S/M = -40 dB: near-mono
    sf.write(sub / "silent.wav", np.zeros((2 * SR, 2), np.float32), SR)
    sf.write(tmp_path / "mono.wav", np.zeros(2 * SR, np.float32), SR)
    sf.write(tmp_path / "short.wav", _stereo(0.5).T, SR)
    return tmp_path


def test_folder_clips(folder):
    clips = load_clips(folder, clip_s=1.0, clips_per_track=2)
    assert [c.clip_id for c in clips] == ["wide@1.0s", "wide@0.0s"]  # from the middle out
    for clip in clips:
        assert clip.reference.shape == (2, SR) and clip.mono.shape == (SR,) and clip.sample_rate == SR
        np.testing.assert_allclose(clip.mono, clip.reference.mean(axis=0), atol=1e-7)
    again = load_clips(folder, clip_s=1.0, clips_per_track=2)
    assert all(np.array_equal(a.reference, b.reference) for a, b in zip(clips, again))
    assert len(load_clips(folder, clip_s=1.0, clips_per_track=3, max_clips=1)) == 1
    assert len(load_clips(folder, clip_s=1.0, clips_per_track=5)) == 3


def test_prepared_dataset(tmp_path):
    datasets = pytest.importorskip("datasets")
    root = tmp_path / "prepared"
    (root / "audio").mkdir(parents=True)
    rows = {"path": [], "package": []}
    for index, package in enumerate(["pkg-a", "pkg-b"]):
        path = f"audio/track{index}.npy"
        np.save(root / path, _stereo(2.5, seed=index, sample_rate=48000).astype(np.float16))
        rows["path"].append(path)
        rows["package"].append(package)
    train = datasets.Dataset.from_dict({"path": rows["path"][:1], "package": rows["package"][:1]})
    validation = datasets.Dataset.from_dict(rows)
    datasets.DatasetDict({"train": train, "validation": validation}).save_to_disk(str(root / "dataset"))
    for data in (root, root / "dataset"):
        clips = load_clips(data, clip_s=1.0, clips_per_track=1)
        assert [c.clip_id for c in clips] == ["pkg-a/track0@1.0s", "pkg-b/track1@1.0s"]
        assert clips[0].sample_rate == 48000 and clips[0].reference.dtype == np.float32
    assert len(find_tracks(root, split="train")) == 1
    with pytest.raises(DataError, match="no split"):
        find_tracks(root, split="nope")


def test_bad_dirs(tmp_path):
    with pytest.raises(DataError, match="not a directory"):
        find_tracks(tmp_path / "missing")
    with pytest.raises(DataError, match="no stereo audio"):
        find_tracks(tmp_path)


def test_spread_order():
    assert spread_order(0) == [] and spread_order(1) == [0]
    order = spread_order(10)
    assert sorted(order) == list(range(10)) and order[:2] == [0, 8]
