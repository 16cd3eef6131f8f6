"""Filter one candidate track and convert it to a 48 kHz float16 ``.npy`` file ``[2, T]``.

Filters, in order (the first that fails gives the drop reason):

* ``decode_error`` - soundfile cannot read it;
* ``mono`` / ``multichannel`` - not exactly 2 channels;
* ``too_short`` - shorter than :data:`MIN_DURATION_S`;
* ``silent`` - the mid channel is digitally silent;
* ``near_mono`` - side-to-mid energy ratio below :data:`MIN_SIDE_TO_MID_DB` (dual-mono);
* ``polarity_inverted`` - side louder than the mid with a negative L/R correlation: one
  channel is inverted and the "image" is an error (docs/training.md).

Kept tracks go to ``<out>/audio48k/<package>/<name>.npy`` (written atomically), and every
decision, kept or dropped, to ``<out>/records/<package>/<name>.json`` so that a re-run
skips finished tracks.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from training.data.audio_decode import decode_audio, read_header
from training.data.resample_48k import TARGET_SAMPLE_RATE_HZ, resample_to_48k
from training.data.sources import SourceTrack
from training.data.stereo_stats import stereo_statistics

MIN_DURATION_S = 20.0
MIN_SIDE_TO_MID_DB = -20.0
AUDIO_FOLDER = "audio48k"
RECORDS_FOLDER = "records"


def npy_relative_path(package: str, name: str) -> str:
    """Path of a converted track relative to the output folder."""
    return f"{AUDIO_FOLDER}/{package}/{name}.npy"


def record_path(out_dir: str | os.PathLike, package: str, name: str) -> Path:
    """Path of the JSON decision record of a track."""
    return Path(out_dir) / RECORDS_FOLDER / package / f"{name}.json"


def base_record(track: SourceTrack) -> dict:
    """Record fields known before decoding."""
    return {
        "package": track.package,
        "name": track.name,
        "source_path": track.source_path,
        "license": track.license,
        "status": "dropped",
        "drop_reason": "",
        "path": "",
        "channels": 0,
        "source_sample_rate": 0,
        "duration_s": 0.0,
        "num_samples": 0,
        "side_to_mid_db": math.nan,
        "lr_correlation": math.nan,
    }


def load_finished_record(out_dir: str | os.PathLike, track: SourceTrack) -> dict | None:
    """The record of a previous run for ``track`` if still valid (same source, file present)."""
    path = record_path(out_dir, track.package, track.name)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if record.get("source_path") != track.source_path:
        return None
    if record.get("status") == "kept" and not (Path(out_dir) / record["path"]).exists():
        return None
    return record


def _write_json_atomic(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, path)


def save_float16_npy(path: Path, audio: np.ndarray) -> None:
    """Save ``audio`` ``[2, T]`` as float16 ``.npy`` atomically (tmp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.save(f, audio.astype(np.float16))
    os.replace(tmp, path)


def evaluate_track(track: SourceTrack) -> tuple[dict, np.ndarray | None, int]:
    """Decode and filter ``track``.

    Returns:
        ``(record, audio [2, T] float32 or None if dropped, source sample rate in Hz)``.
    """
    record = base_record(track)
    try:
        header = read_header(track.file_path, track.audio_bytes)
    except Exception as err:  # noqa: BLE001 - any unreadable file is a drop
        record["drop_reason"] = f"decode_error: {type(err).__name__}: {err}"[:300]
        return record, None, 0
    record.update(channels=header.channels, source_sample_rate=header.sample_rate_hz,
                  duration_s=header.duration_s)
    if header.channels == 1:
        record["drop_reason"] = "mono"
        return record, None, header.sample_rate_hz
    if header.channels > 2:
        record["drop_reason"] = "multichannel"
        return record, None, header.sample_rate_hz
    if header.duration_s < MIN_DURATION_S:
        record["drop_reason"] = "too_short"
        return record, None, header.sample_rate_hz
    try:
        audio, rate = decode_audio(track.file_path, track.audio_bytes)
    except Exception as err:  # noqa: BLE001
        record["drop_reason"] = f"decode_error: {type(err).__name__}: {err}"[:300]
        return record, None, header.sample_rate_hz
    record["duration_s"] = audio.shape[1] / rate
    if record["duration_s"] < MIN_DURATION_S:
        record["drop_reason"] = "too_short"
        return record, None, rate
    ratio_db, correlation = stereo_statistics(audio)
    record["side_to_mid_db"] = ratio_db
    record["lr_correlation"] = correlation
    if math.isnan(ratio_db) or ratio_db == math.inf:
        record["drop_reason"] = "silent"
        return record, None, rate
    if ratio_db < MIN_SIDE_TO_MID_DB:
        record["drop_reason"] = "near_mono"
        return record, None, rate
    if ratio_db > 0.0 and correlation < 0.0:
        record["drop_reason"] = "polarity_inverted"
        return record, None, rate
    return record, audio, rate


def convert_track(track: SourceTrack, out_dir: str | os.PathLike) -> dict:
    """Filter ``track`` and, if kept, write its 48 kHz float16 ``.npy``; return its record.

    A valid record from a previous run is returned as is (resume).
    """
    finished = load_finished_record(out_dir, track)
    if finished is not None:
        return finished
    record, audio, rate = evaluate_track(track)
    if audio is not None:
        audio48k = resample_to_48k(audio, rate, TARGET_SAMPLE_RATE_HZ)
        del audio
        rel = npy_relative_path(track.package, track.name)
        save_float16_npy(Path(out_dir) / rel, audio48k)
        record.update(status="kept", path=rel, num_samples=int(audio48k.shape[1]))
    _write_json_atomic(record_path(out_dir, track.package, track.name), record)
    return record


def convert_track_star(args: tuple[SourceTrack, str]) -> dict:
    """``convert_track(*args)``, for ``Pool.imap_unordered``."""
    return convert_track(*args)
