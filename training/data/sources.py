"""Candidate tracks from the three kinds of source: Debian packages, folders, hub datasets.

Every source yields :class:`SourceTrack` items; each has a ``package`` (the unit of the
train/validation split) and a ``name`` unique within the package (the output file stem).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from training.data.package_rules import AUDIO_EXTENSIONS, rule_for


@dataclass(frozen=True)
class SourceTrack:
    """One candidate track.

    Attributes:
        package: split unit (Debian package, folder name, or hub dataset/package column).
        name: output stem, unique within ``package``; only ``[A-Za-z0-9._-]`` characters.
        source_path: where it came from (file path, or ``hub:NAME:SPLIT[i]`` reference).
        license: licence string stored with the track.
        file_path: decodable audio file on disk, or None when ``audio_bytes`` is given.
        audio_bytes: encoded audio (hub rows that embed bytes), or None.
    """

    package: str
    name: str
    source_path: str
    license: str
    file_path: str | None = None
    audio_bytes: bytes | None = None


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str) -> str:
    """File-system safe stem: folders joined by ``__``, other odd characters as ``_``."""
    parts = [_UNSAFE.sub("_", part).strip("_") or "_" for part in Path(text).with_suffix("").parts]
    return "__".join(parts)


def names_relative_to_common_folder(paths: list[Path]) -> list[str]:
    """Safe, unique names for ``paths``, relative to their deepest common folder."""
    if not paths:
        return []
    common = Path(os.path.commonpath([str(p.parent) for p in paths]))
    names = [safe_name(str(p.relative_to(common))) for p in paths]
    return make_unique(names)


def make_unique(names: list[str]) -> list[str]:
    """Append ``-2``, ``-3``... to repeated names (order preserved)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        out.append(name if count == 1 else f"{name}-{count}")
    return out


def tracks_from_files(package: str, files: list[Path], license: str) -> list[SourceTrack]:
    """Wrap a package's audio files as :class:`SourceTrack` items."""
    names = names_relative_to_common_folder(files)
    return [SourceTrack(package, name, str(path), license, file_path=str(path))
            for name, path in zip(names, files)]


def tracks_from_debian(package: str, debs_dir: str | os.PathLike,
                       extract_dir: str | os.PathLike) -> list[SourceTrack]:
    """Fetch/unpack a Debian package and list its music tracks (see ``package_rules``)."""
    from training.data.debian_source import prepare_package_files

    rule = rule_for(package)
    _, files = prepare_package_files(package, rule, debs_dir, extract_dir)
    return tracks_from_files(package, files, rule.license)


def tracks_from_folder(folder: str | os.PathLike, license: str = "unknown") -> list[SourceTrack]:
    """Every audio file under ``folder`` (recursive); the package is the folder's name."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {root}")
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)
    return tracks_from_files(root.resolve().name, files, license)


def load_hub_split(name: str, split: str, audio_column: str):
    """Load a hub dataset split (or a ``save_to_disk`` folder) with undecoded audio.

    ``datasets``' own Audio decoding averages stereo to mono and needs torchcodec, so the
    column is cast to ``Audio(decode=False)``: rows then hold ``{"bytes", "path"}``.
    """
    import datasets

    if Path(name).is_dir():
        loaded = datasets.load_from_disk(name)
        ds = loaded[split] if isinstance(loaded, datasets.DatasetDict) else loaded
    else:
        ds = datasets.load_dataset(name, split=split)
    return ds.cast_column(audio_column, datasets.Audio(decode=False))


def hub_package_name(name: str) -> str:
    """Package name of a hub dataset: ``owner/name`` -> ``hub_owner__name``."""
    base = Path(name).name if Path(name).is_dir() else name
    return "hub_" + safe_name(base.replace("/", "__"))


def tracks_from_hub(name: str, split: str = "train", audio_column: str = "audio",
                    package_column: str | None = None, license: str = "unknown",
                    license_column: str | None = None) -> Iterator[SourceTrack]:
    """Yield one :class:`SourceTrack` per row of a hub dataset with an audio column.

    The package is the row's ``package_column`` value when given, else the dataset name.
    Names are ``<row index>_<stem of the audio path>`` (zero-padded index).  A row with
    neither bytes nor a readable path is yielded anyway and dropped as a decode error.
    """
    ds = load_hub_split(name, split, audio_column)
    default_package = hub_package_name(name)
    for index in range(len(ds)):
        row = ds[index]
        audio = row[audio_column] or {}
        path = audio.get("path") or ""
        data = audio.get("bytes")
        stem = safe_name(Path(path).name) if path else "audio"
        package = safe_name(str(row[package_column])) if package_column else default_package
        track_license = str(row[license_column]) if license_column else license
        ref = f"hub:{name}:{split}[{index}]" + (f":{path}" if path else "")
        yield SourceTrack(package, f"{index:06d}_{stem}", ref, track_license,
                          file_path=None if data is not None else path,
                          audio_bytes=data)
