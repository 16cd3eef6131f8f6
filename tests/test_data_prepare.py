"""End-to-end tests of ``training.data.prepare`` on tiny generated sources (no network).

Sources built in ``tmp_path``: a folder of stereo/mono/short/dual-mono/3-channel files, a
local ``datasets`` dataset with an audio column (bytes and a path), and two fake ``.deb``
packages named after rule-table entries (music folder vs sound-effect folder, and 0 A.D.'s
music inside a zip).
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import datasets
import numpy as np
import pytest
import soundfile as sf

from training.data import convert_track as convert_module
from training.data.prepare import main, prepare
from training.data.stereo_clips import StereoClips, iter_tracks

RATE_HZ = 16_000
LONG_S = 21.0


def stereo_music(seconds: float, rate_hz: int, seed: int, width: float = 0.0) -> np.ndarray:
    """``[T, 2]`` test signal: a 1 kHz tone in the mid plus decorrelated noise in L and R."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    mid = 0.3 * np.sin(2 * np.pi * 1000.0 * t)
    noise = 0.1 * rng.standard_normal((t.size, 2))
    left = mid + noise[:, 0] + width * noise[:, 1]
    right = mid + noise[:, 1] + width * noise[:, 0]
    return np.stack([left, right], axis=1).astype(np.float32)


def write_ogg(path: Path, audio: np.ndarray, rate_hz: int = RATE_HZ) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, rate_hz, format="OGG", subtype="VORBIS", compression_level=0.0)


def ogg_bytes(audio: np.ndarray, rate_hz: int = RATE_HZ) -> bytes:
    buf = io.BytesIO()
    # best quality: Vorbis' lossy channel coupling shrinks the side of noise by ~7 dB otherwise
    sf.write(buf, audio, rate_hz, format="OGG", subtype="VORBIS", compression_level=0.0)
    return buf.getvalue()


def make_folder(root: Path) -> Path:
    folder = root / "fakeband"
    write_ogg(folder / "stereo_ok.ogg", stereo_music(LONG_S, RATE_HZ, 1))
    (folder / "sub").mkdir()
    sf.write(folder / "sub" / "wide.wav", stereo_music(20.5, 22_050, 2, width=0.5), 22_050)
    sf.write(folder / "mono.wav", stereo_music(LONG_S, RATE_HZ, 3)[:, 0], RATE_HZ)
    write_ogg(folder / "short.ogg", stereo_music(5.0, RATE_HZ, 4))
    dual = stereo_music(LONG_S, RATE_HZ, 5)[:, :1]
    write_ogg(folder / "dualmono.ogg", np.concatenate([dual, dual], axis=1))
    three = np.concatenate([stereo_music(LONG_S, RATE_HZ, 6), stereo_music(LONG_S, RATE_HZ, 7)[:, :1]], axis=1)
    sf.write(folder / "threech.wav", three, RATE_HZ)
    (folder / "notes.txt").write_text("not audio")
    return folder


def make_hub_dataset(root: Path) -> Path:
    import datasets

    by_path = root / "hub_files" / "by_path.wav"
    by_path.parent.mkdir(parents=True)
    sf.write(by_path, stereo_music(LONG_S, RATE_HZ, 8), RATE_HZ)
    ds = datasets.Dataset.from_dict({
        "audio": [
            {"bytes": ogg_bytes(stereo_music(LONG_S, RATE_HZ, 9)), "path": "song_a.ogg"},
            {"bytes": ogg_bytes(stereo_music(LONG_S, RATE_HZ, 10)[:, :1]), "path": "mono_b.ogg"},
            {"bytes": None, "path": str(by_path)},
        ],
        "title": ["a", "b", "c"],
    })
    ds = ds.cast_column("audio", datasets.Audio(decode=False))
    target = root / "fakehub"
    datasets.DatasetDict({"train": ds}).save_to_disk(str(target))
    return target


def build_deb(root: Path, package: str, files: dict[str, bytes], debs_dir: Path) -> Path:
    tree = root / "debtree" / package
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: 0.0-1\nArchitecture: all\nMaintainer: t <t@t>\nDescription: test\n")
    for rel, data in files.items():
        target = tree / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    deb = debs_dir / f"{package}_0.0-1_all.deb"
    subprocess.run(["dpkg-deb", "-Znone", "--root-owner-group", "--build", str(tree), str(deb)],
                   check=True, capture_output=True)
    return deb


def make_debs(root: Path) -> Path:
    debs = root / "debs"
    debs.mkdir()
    song = ogg_bytes(stereo_music(LONG_S, RATE_HZ, 11))
    sfx = ogg_bytes(stereo_music(LONG_S, RATE_HZ, 12))
    build_deb(root, "hedgewars-data", {
        "usr/share/games/hedgewars/Data/Music/song.ogg": song,
        "usr/share/games/hedgewars/Data/Sounds/long_sfx.ogg": sfx,  # not a music folder
    }, debs)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as archive:
        archive.writestr("audio/music/Theme.ogg", ogg_bytes(stereo_music(LONG_S, RATE_HZ, 13)))
        archive.writestr("audio/music/album.png", b"png")
        archive.writestr("audio/ambient/wind.ogg", sfx)
    build_deb(root, "0ad-data", {"usr/share/games/0ad/mods/public/public.zip": zbuf.getvalue()}, debs)
    return debs


VALIDATION = ("hub_fakehub", "hedgewars-data")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb not available")
    root = tmp_path_factory.mktemp("sources")
    return {"folder": make_folder(root), "hub": make_hub_dataset(root), "debs": make_debs(root),
            "extract": root / "extracted"}


@pytest.fixture(scope="module")
def prepared(sources, tmp_path_factory):
    out = tmp_path_factory.mktemp("prepared")
    dataset_dict = prepare(out, packages=["hedgewars-data", "0ad-data"], folders=[sources["folder"]],
                           hub_datasets=[str(sources["hub"])], debs_dir=sources["debs"],
                           extract_dir=sources["extract"], validation_packages=VALIDATION,
                           workers=1, progress=False)
    return out, dataset_dict


def manifest(out: Path) -> dict[tuple[str, str], dict]:
    with open(out / "manifest.csv") as f:
        return {(r["package"], r["name"]): r for r in csv.DictReader(f)}


def test_filtering_drops_mono_short_dual_mono_multichannel(prepared):
    out, _ = prepared
    rows = manifest(out)
    reasons = {key: (r["status"], r["drop_reason"]) for key, r in rows.items()}
    assert reasons[("fakeband", "stereo_ok")] == ("kept", "")
    assert reasons[("fakeband", "sub__wide")] == ("kept", "")
    assert reasons[("fakeband", "mono")] == ("dropped", "mono")
    assert reasons[("fakeband", "short")] == ("dropped", "too_short")
    assert reasons[("fakeband", "dualmono")] == ("dropped", "near_mono")
    assert reasons[("fakeband", "threech")] == ("dropped", "multichannel")
    assert reasons[("hub_fakehub", "000000_song_a")] == ("kept", "")
    assert reasons[("hub_fakehub", "000001_mono_b")] == ("dropped", "mono")
    assert reasons[("hub_fakehub", "000002_by_path")] == ("kept", "")
    assert float(rows[("fakeband", "dualmono")]["side_to_mid_db"]) < -20


def test_package_rules_select_music_folders_and_zip(prepared):
    out, dataset_dict = prepared
    names = {(r["package"], r["name"]) for split in dataset_dict.values() for r in split}
    assert ("hedgewars-data", "song") in names
    assert ("0ad-data", "Theme") in names
    assert not any("sfx" in n or "wind" in n or "album" in n for _, n in names)


def test_output_is_48k_float16_stereo(prepared):
    out, dataset_dict = prepared
    row = next(r for r in dataset_dict["train"] if r["name"] == "sub__wide")
    audio = np.load(out / row["path"], mmap_mode="r")
    assert audio.dtype == np.float16 and audio.shape[0] == 2
    frames = int(20.5 * 22_050)
    assert audio.shape[1] == row["num_samples"] == math.ceil(frames * 320 / 147)
    assert row["source_sample_rate"] == 22_050
    assert row["duration_s"] == pytest.approx(20.5)
    # the 1 kHz tone lands on the 1 kHz bin at 48 kHz
    mid = np.asarray(audio[:, :48_000], dtype=np.float32).mean(axis=0)
    spectrum = np.abs(np.fft.rfft(mid))
    assert np.argmax(spectrum) == pytest.approx(1000, abs=2)


def test_split_by_package(prepared):
    _, dataset_dict = prepared
    train = set(dataset_dict["train"]["package"])
    validation = set(dataset_dict["validation"]["package"])
    assert train == {"fakeband", "0ad-data"}
    assert validation == {"hub_fakehub", "hedgewars-data"}
    assert set(dataset_dict["train"].column_names) >= {
        "path", "source_path", "package", "duration_s", "source_sample_rate",
        "side_to_mid_db", "lr_correlation", "license"}
    assert set(dataset_dict["train"].filter(lambda r: r["package"] == "0ad-data")["license"]) == {"CC-BY-SA-3.0"}


def test_saved_dataset_summary_and_reader(prepared):
    out, _ = prepared
    summary = (out / "SUMMARY.md").read_text()
    assert "fakeband" in summary and "near_mono 1" in summary
    clips = StereoClips(out / "dataset" / "train", segment_samples=24_000, items_per_epoch=5, seed=3)
    assert all(clips[i].shape == (2, 24_000) for i in range(len(clips)))
    tracks = list(iter_tracks(out / "dataset" / "validation"))
    assert {p for p, _, _ in tracks} == {"hub_fakehub", "hedgewars-data"}
    assert all(a.shape[0] == 2 and a.dtype.is_floating_point for _, _, a in tracks)


def test_resume_skips_finished_tracks(prepared, sources, monkeypatch):
    out, first = prepared
    kept_path = out / first["train"][0]["path"]
    mtime = kept_path.stat().st_mtime_ns
    removed = out / first["validation"][0]["path"]
    removed.unlink()

    calls = []
    original = convert_module.evaluate_track

    def counting(track):
        calls.append(track.name)
        return original(track)

    monkeypatch.setattr(convert_module, "evaluate_track", counting)
    again = prepare(out, packages=["hedgewars-data", "0ad-data"], folders=[sources["folder"]],
                    hub_datasets=[str(sources["hub"])], debs_dir=sources["debs"],
                    extract_dir=sources["extract"], validation_packages=VALIDATION,
                    workers=1, progress=False)
    assert calls == [first["validation"][0]["name"]]  # only the deleted one is redone
    assert removed.exists() and kept_path.stat().st_mtime_ns == mtime
    assert again["train"].to_list() == first["train"].to_list()
    record = json.loads((out / "records" / "fakeband" / "mono.json").read_text())
    assert record["status"] == "dropped"


def test_cli_folder_only(sources, tmp_path):
    out = tmp_path / "cli"
    assert main(["--out", str(out), "--folder", str(sources["folder"]), "--workers", "1",
                 "--validation-packages", "--no-progress"]) == 0
    rows = manifest(out)
    assert {p for p, _ in rows} == {"fakeband"}
    loaded = datasets.load_from_disk(str(out / "dataset"))  # the empty validation split loads too
    assert len(loaded["validation"]) == 0 and len(loaded["train"]) == 2
