"""The real-format check of `m2s upmix` (evaluation/media_check.py) end to end with the bundled model, on
short generated tracks: every case keeps the length and alignment, and the containers keep what they must."""
from __future__ import annotations

import re

import numpy as np
from conftest import music_like

from evaluation.media_check import main


def test_media_check_table_holds_on_every_case(tmp_path, capsys):
    for k in range(2):
        folder = tmp_path / "audio48k" / "pkg"
        folder.mkdir(parents=True, exist_ok=True)
        mono = music_like(12 * 48_000, 48_000, seed=k, peak=0.5)[::1 - 2 * k]  # the second one reversed
        np.save(folder / f"track{k}.npy", np.stack([mono, 0.8 * mono]).astype(np.float32))
    assert main(["--data", str(tmp_path), "--seconds", "6"]) == 0
    out = capsys.readouterr().out
    rows = [line.split("|")[1:-1] for line in out.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row[0].strip().split(" ")[0] for row in rows] == ["song.m4a", "song.mp3", "clip.mp4", "two_tracks.mkv"]
    for case, n_in, n_out, lag, fold_db, width in ([c.strip() for c in row] for row in rows):
        assert n_in == n_out and lag == "0", case  # AAC in Matroska decodes with its padding, in and out
        assert abs(int(n_out) - 6 * 48_000) <= (1024 if ".mkv" in case else 0), case
        assert float(fold_db) < (-60 if case.endswith(".flac") else -20), case
        assert float(width) > -30, case  # stereo, not a copied mono
    assert "tags kept, cover kept" in out and out.count("video packets identical") == 2
    assert "3 audio streams (1 ch, 2 ch, 1 ch)" in out
    chosen, other = (float(x) for x in re.search(r"correlates (\S+) with track 1 and (\S+) with track 0", out).groups())
    assert chosen > 0.9 and abs(other) < 0.3  # --audio-stream 1 upmixed the second track
