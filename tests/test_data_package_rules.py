"""The data rules of docs/training.md: the 31 packages and the fixed split, audio found by magic bytes
(Ogg files without an extension, members of .pk3 zip archives), excluded stems, and tracks with one
channel polarity-inverted dropped."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import soundfile as sf

from training.data.convert_track import evaluate_track
from training.data.debian_source import extract_zip_audio, list_music_files
from training.data.package_rules import (DEFAULT_VALIDATION_PACKAGES, TRAINING_PACKAGES, PackageRule,
                                         looks_like_audio, rule_for)
from training.data.sources import SourceTrack

RATE_HZ = 8_000


def ogg_bytes(audio: np.ndarray) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, audio, RATE_HZ, format="OGG", subtype="VORBIS")
    return buf.getvalue()


def stereo(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mid = rng.standard_normal(int(seconds * RATE_HZ))
    side = 0.3 * rng.standard_normal(mid.size)
    return (0.2 * np.stack([mid + side, mid - side], axis=1)).astype(np.float32)


def test_split_is_datas_fixed_one():
    assert len(TRAINING_PACKAGES) == len(set(TRAINING_PACKAGES)) == 31
    assert set(DEFAULT_VALIDATION_PACKAGES) == {"hedgewars-data", "singularity-music", "marsshooter-data",
                                                "unknown-horizons", "wizznic-data", "starfighter-data",
                                                "davegnukem-data"}
    assert set(DEFAULT_VALIDATION_PACKAGES) <= set(TRAINING_PACKAGES)
    # every package has a rule of its own, not the every-file fallback
    assert all(rule_for(p).include_globs != ("**/*",) for p in TRAINING_PACKAGES)


def test_audio_found_by_extension_or_magic_bytes():
    assert looks_like_audio("song.OGG", b"")
    assert looks_like_audio("arctic", b"OggS\x00\x02")
    assert looks_like_audio("x.bin", b"fLaC")
    assert not looks_like_audio("arctic.tags", b"titl")
    assert not looks_like_audio("readme", b"")


def test_list_music_files_takes_extensionless_ogg_and_skips_excluded(tmp_path: Path):
    music = tmp_path / "music"
    music.mkdir()
    (music / "arctic").write_bytes(ogg_bytes(stereo(1.0, 0)))
    (music / "arctic.tags").write_text("title: Arctic")
    (music / "theme.ogg").write_bytes(ogg_bytes(stereo(1.0, 1)))
    (music / "theme_chip.ogg").write_bytes(ogg_bytes(stereo(1.0, 2)))
    rule = PackageRule("demo", "GPL", ("music/*",), exclude_names=("theme_chip",))
    assert [p.name for p in list_music_files(tmp_path, rule)] == ["arctic", "theme.ogg"]


def test_pk3_members_found_by_content(tmp_path: Path):
    pk3 = tmp_path / "0music.pk3"
    with zipfile.ZipFile(pk3, "w") as archive:
        archive.writestr("music/battle", ogg_bytes(stereo(1.0, 3)))  # no extension
        archive.writestr("music/readme.txt", "not audio")
        archive.writestr("maps/ambient.ogg", ogg_bytes(stereo(1.0, 4)))  # outside the prefix
    extracted = extract_zip_audio(pk3, "music/", tmp_path / "_zip")
    assert [p.relative_to(tmp_path / "_zip").as_posix() for p in extracted] == ["music/battle"]
    audio, rate = sf.read(extracted[0])
    assert rate == RATE_HZ and audio.shape[1] == 2


def test_polarity_inverted_track_is_dropped(tmp_path: Path):
    good = stereo(21.0, 5)
    inverted = good.copy()
    inverted[:, 1] *= -1.0  # side now louder than the mid, L/R correlation negative
    for name, audio, reason in (("good", good, ""), ("inverted", inverted, "polarity_inverted")):
        path = tmp_path / f"{name}.wav"
        sf.write(path, audio, RATE_HZ)
        record, decoded, _ = evaluate_track(SourceTrack("pkg", name, str(path), "GPL", file_path=str(path)))
        assert record["drop_reason"] == reason
        assert (decoded is None) == bool(reason)
