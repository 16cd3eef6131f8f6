"""Fetch Debian packages (no install), unpack them, and list their music files.

``apt-get download PKG`` only when no ``PKG_*.deb`` is already in the debs folder;
``dpkg -x`` into ``<extract_dir>/PKG`` (a ``.extracted_ok`` marker makes it resumable);
audio members of zip archives named by the package rule (0 A.D.'s ``public.zip``) are
extracted with :mod:`zipfile`, only under the rule's folder prefix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

from training.data.package_rules import AUDIO_MAGIC, PackageRule, looks_like_audio

EXTRACTED_MARKER = ".extracted_ok"
ZIP_FOLDER = "_zip"


def find_or_download_deb(package: str, debs_dir: str | os.PathLike) -> Path:
    """Return the ``.deb`` of ``package`` in ``debs_dir``, downloading it if absent.

    Uses ``apt-get download`` (needs a prior ``apt-get update``); nothing is installed.
    When several versions are present, the lexicographically last file name is used.
    """
    debs = Path(debs_dir)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", package], cwd=debs, check=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        raise FileNotFoundError(f"apt-get download {package} produced no .deb in {debs}")
    return found[-1]


def extract_deb(deb_path: str | os.PathLike, dest_dir: str | os.PathLike) -> Path:
    """``dpkg -x`` ``deb_path`` into ``dest_dir`` unless already done; return ``dest_dir``."""
    dest = Path(dest_dir)
    if (dest / EXTRACTED_MARKER).exists():
        return dest
    if dest.exists():  # a partial extraction from an interrupted run
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    subprocess.run(["dpkg", "-x", str(deb_path), str(dest)], check=True)
    (dest / EXTRACTED_MARKER).touch()
    return dest


def extract_zip_audio(zip_path: str | os.PathLike, prefix: str, dest_dir: str | os.PathLike) -> list[Path]:
    """Extract the audio members of ``zip_path`` under folder ``prefix`` into ``dest_dir``.

    Members keep their path inside the zip (``dest_dir/<prefix>/...``).  Members already
    extracted with the right size are skipped.  Returns the extracted paths.
    """
    dest = Path(dest_dir)
    out: list[Path] = []
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not name.startswith(prefix) or ".." in Path(name).parts:
                continue
            with archive.open(info) as member:
                head = member.read(len(AUDIO_MAGIC[0]))
            if not looks_like_audio(name, head):
                continue
            target = dest / name
            if not (target.exists() and target.stat().st_size == info.file_size):
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".part")
                with archive.open(info) as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst, length=1 << 20)
                os.replace(tmp, target)
            out.append(target)
    return out


def file_head(path: Path, size: int = 4) -> bytes:
    """The first ``size`` bytes of a file (b"" when unreadable)."""
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except OSError:
        return b""


def list_music_files(root: str | os.PathLike, rule: PackageRule) -> list[Path]:
    """Audio files of an extracted package matching ``rule.include_globs``.

    Audio is recognised by extension or by magic bytes (Ogg files without an extension).
    Symbolic links are skipped (Drascula's per-language folders link to ``audio/``), stems
    starting with one of ``rule.exclude_names`` are left out, and files reached twice through
    different globs are listed once.  Sorted by path.
    """
    root = Path(root)
    seen: set[Path] = set()
    files: list[Path] = []
    for pattern in rule.include_globs:
        for path in root.glob(pattern):
            if path.is_symlink() or not path.is_file():
                continue
            if rule.exclude_names and path.stem.startswith(rule.exclude_names):
                continue
            if not looks_like_audio(path.name, file_head(path)):
                continue
            real = path.resolve()
            if real not in seen:
                seen.add(real)
                files.append(path)
    return sorted(files)


def prepare_package_files(package: str, rule: PackageRule, debs_dir: str | os.PathLike,
                          extract_dir: str | os.PathLike) -> tuple[Path, list[Path]]:
    """Fetch, unpack and list the music files of one package.

    Returns:
        ``(extracted root, music file paths)``.
    """
    deb = find_or_download_deb(package, debs_dir)
    root = extract_deb(deb, Path(extract_dir) / package)
    for zip_rel, prefix in rule.zip_members:
        extract_zip_audio(root / zip_rel, prefix, root / ZIP_FOLDER)
    return root, list_music_files(root, rule)
