"""Tests of the prepared-data readers (``StereoClips``, ``iter_tracks``) on a hand-made split."""

from __future__ import annotations

from pathlib import Path

import datasets
import numpy as np
import pytest
import torch

from training.data.dataset_build import FEATURES, build_dataset_dict, save_dataset_dict
from training.data.stereo_clips import StereoClips, iter_tracks

SEGMENT = 4_800


def make_split(root: Path, lengths: dict[str, int]) -> Path:
    """Write float16 ``[2, T]`` tracks (L = ramp, R = noise) and a saved DatasetDict."""
    rng = np.random.default_rng(0)
    records = []
    for name, length in lengths.items():
        rel = f"audio48k/pkg/{name}.npy"
        audio = np.stack([np.linspace(-0.5, 0.5, length), 0.3 * rng.standard_normal(length)])
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        np.save(root / rel, audio.astype(np.float16))
        records.append({key: None for key in FEATURES} | {
            "path": rel, "source_path": name, "package": "pkg", "name": name, "status": "kept",
            "duration_s": length / 48_000, "num_samples": length, "source_sample_rate": 48_000,
            "side_to_mid_db": -6.0, "lr_correlation": 0.0, "license": "test"})
    save_dataset_dict(build_dataset_dict(records, validation_packages=()), root)
    return root / "dataset" / "train"


@pytest.fixture(scope="module")
def split_dir(tmp_path_factory) -> Path:
    return make_split(tmp_path_factory.mktemp("clips"), {"long": 48_000, "mid": 20_000, "tiny": 1_000})


def test_crop_shapes_dtype_and_content(split_dir):
    clips = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=50, seed=1)
    assert len(clips) == 50
    root = split_dir.parent.parent
    for index in range(len(clips)):
        clip = clips[index]
        assert clip.shape == (2, SEGMENT) and clip.dtype == torch.float32
        track, start, gain_db, flipped = clips.crop_position(index)
        assert gain_db == 0.0 and not flipped
        source = np.load(clips.paths[track]).astype(np.float32)[:, start:start + SEGMENT]
        np.testing.assert_array_equal(clip[:, :source.shape[1]].numpy(), source)
        assert torch.all(clip[:, source.shape[1]:] == 0)  # zero padding of the 1000-sample track
    assert root.is_dir()


def test_deterministic_given_seed_and_index(split_dir):
    a = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=20, seed=7)
    b = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=20, seed=7)
    c = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=20, seed=8)
    assert all(torch.equal(a[i], b[i]) for i in range(20))
    assert any(not torch.equal(a[i], c[i]) for i in range(20))
    first = [a.crop_position(i) for i in range(20)]
    a.set_epoch(1)
    assert first != [a.crop_position(i) for i in range(20)]


def test_duration_weighting_prefers_long_tracks(split_dir):
    clips = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=2_000, seed=0)
    tracks = np.bincount([clips.crop_position(i)[0] for i in range(2_000)], minlength=3)
    share = tracks / tracks.sum()
    expected = clips.num_samples / clips.num_samples.sum()
    np.testing.assert_allclose(share, expected, atol=0.04)
    round_robin = StereoClips(split_dir, segment_samples=SEGMENT, weight_by_duration=False)
    assert [round_robin.crop_position(i)[0] for i in range(3)] == [0, 1, 2]


def test_side_flip_negates_side_and_keeps_mid(split_dir):
    plain = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=10, seed=2)
    flipped = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=10, seed=2, side_flip_p=1.0)
    for i in range(10):
        x, y = plain[i], flipped[i]
        torch.testing.assert_close((y[0] + y[1]) / 2, (x[0] + x[1]) / 2)
        torch.testing.assert_close((y[0] - y[1]) / 2, -(x[0] - x[1]) / 2)
    half = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=400, seed=2, side_flip_p=0.5)
    rate = np.mean([half.crop_position(i)[3] for i in range(400)])
    assert 0.4 < rate < 0.6


def test_random_gain_within_range(split_dir):
    plain = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=30, seed=4)
    gained = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=30, seed=4,
                         gain_db_range=(-6.0, 3.0))
    gains = []
    for i in range(30):
        x, y = plain[i], gained[i]
        gain_db = gained.crop_position(i)[2]
        assert -6.0 <= gain_db <= 3.0
        torch.testing.assert_close(y, x * 10 ** (gain_db / 20), rtol=1e-5, atol=1e-7)
        gains.append(gain_db)
    assert np.ptp(gains) > 3.0


def test_dataloader_workers_get_same_items(split_dir):
    clips = StereoClips(split_dir, segment_samples=SEGMENT, items_per_epoch=4, seed=5)
    clips[0]  # opens a memmap, which must not be pickled
    loader = torch.utils.data.DataLoader(clips, batch_size=2, num_workers=0)
    batch = next(iter(loader))
    assert batch.shape == (2, 2, SEGMENT)
    assert torch.equal(batch[1], clips[1])
    import pickle
    assert pickle.loads(pickle.dumps(clips))._arrays == {}


def test_iter_tracks_yields_whole_float32_tracks(split_dir):
    tracks = list(iter_tracks(split_dir))
    assert [(p, n) for p, n, _ in tracks] == [("pkg", "long"), ("pkg", "mid"), ("pkg", "tiny")]
    assert [a.shape for _, _, a in tracks] == [(2, 48_000), (2, 20_000), (2, 1_000)]
    assert all(a.dtype == torch.float32 for _, _, a in tracks)


def test_rejects_datasetdict_and_empty_split(split_dir):
    with pytest.raises(ValueError):
        StereoClips(split_dir.parent, segment_samples=SEGMENT)
    with pytest.raises(ValueError):
        StereoClips(split_dir.parent / "validation", segment_samples=SEGMENT)
    assert isinstance(datasets.load_from_disk(str(split_dir)), datasets.Dataset)
    assert len(datasets.load_from_disk(str(split_dir.parent))["validation"]) == 0
