"""`m2s upmix` on real music in the formats people hold: an AAC .m4a to FLAC, an MP3 to MP3, an H.264 +
AAC .mp4 to .mp4 and a two-track .mkv with ``--audio-stream 1``, each through the command line with the
bundled model. Prints a table: length and alignment against the decoded input, the fold-down's error,
the width made, and what the container must keep (video packets, the other track, tags, cover).

    PYTHONPATH=. python evaluation/media_check.py --data data/unseen

The inputs are made here from the prepared real stereo music (``audio48k/*/*.npy``): 40 s from the middle
of two tracks, folded to mono ((L+R)/2) and encoded with PyAV.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RATE = 48_000
TAGS = {"title": "A real song", "artist": "Someone"}


def mono_excerpts(folder: Path, seconds: int, count: int = 2) -> list[np.ndarray]:
    """``count`` mono ``[T]`` excerpts of ``seconds``, from the middle of the first tracks twice as long."""
    found = []
    for path in sorted(folder.glob("*/*.npy")):
        audio = np.load(path, mmap_mode="r")
        stereo = audio if audio.shape[0] == 2 else audio.T
        if stereo.shape[1] < 2 * seconds * RATE:
            continue
        middle = stereo.shape[1] // 2
        mono = np.asarray(stereo[:, middle - seconds * RATE // 2:middle + seconds * RATE // 2], np.float64).mean(0)
        found.append((mono * min(1.0, 0.9 / np.abs(mono).max())).astype(np.float32))
        if len(found) == count:
            return found
    raise SystemExit(f"{folder}: fewer than {count} prepared tracks of {2 * seconds} s or more")


def run(*args: str) -> None:
    command = [sys.executable, "-m", "m2s_gen.cli", "upmix", *args]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip().splitlines()[-1]}")


def fold_error_db(stereo: np.ndarray, reference: np.ndarray) -> float:
    fold = stereo.astype(np.float64).mean(0)
    return float(10 * np.log10(np.sum((fold - reference) ** 2) / np.sum(reference.astype(np.float64) ** 2) + 1e-30))


def width_db(stereo: np.ndarray) -> float:
    mid, side = stereo.astype(np.float64).mean(0), (stereo[0] - stereo[1]) / 2.0
    return float(10 * np.log10(np.sum(side ** 2) / np.sum(mid ** 2)))


def check(name: str, src: Path, out: Path, position: int = 0, out_position: int = 0) -> dict:
    from media_files import decode_audio, lag_samples

    decoded, _ = decode_audio(src, position)
    stereo, _ = decode_audio(out, out_position)
    n = min(decoded.shape[1], stereo.shape[1])
    return {"case": name, "input samples": decoded.shape[1], "output samples": stereo.shape[1],
            "lag (samples)": lag_samples(stereo.mean(0)[:n], decoded[0, :n]),
            "fold-down error (dB)": fold_error_db(stereo[:, :n], decoded[0, :n]),
            "width S/M (dB)": width_db(stereo)}


def main(argv=None) -> int:
    sys.path.insert(0, str(REPO / "tests"))
    from media_files import cover_jpeg, packets, write_audio, write_video

    from m2s_gen.media.probe import probe

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a prepared data folder (its audio48k/)")
    parser.add_argument("--seconds", type=int, default=40, help="length of each excerpt")
    args = parser.parse_args(argv)
    first, second = mono_excerpts(args.data / "audio48k", args.seconds)
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        m4a = write_audio(tmp / "song.m4a", first, RATE, tags=TAGS, cover=cover_jpeg())
        run(str(m4a), "-o", str(tmp / "song.flac"))
        rows.append(check("song.m4a -> song.flac", m4a, tmp / "song.flac"))
        info = probe(tmp / "song.flac")
        notes.append(f"song.flac: tags {'kept' if {k.lower() for k in info.tags} >= set(TAGS) else 'LOST'}, "
                     f"cover {'kept' if info.cover is not None and info.cover.data == cover_jpeg() else 'LOST'}")

        mp3 = write_audio(tmp / "song.mp3", first, RATE, tags=TAGS)
        run(str(mp3), "-o", str(tmp / "song_stereo.mp3"))
        rows.append(check("song.mp3 -> song_stereo.mp3", mp3, tmp / "song_stereo.mp3"))

        mp4 = write_video(tmp / "clip.mp4", [first], RATE, args.seconds, "mp4")
        run(str(mp4), "-o", str(tmp / "clip_stereo.mp4"))
        rows.append(check("clip.mp4 -> clip_stereo.mp4", mp4, tmp / "clip_stereo.mp4"))
        same = packets(mp4, "video") == packets(tmp / "clip_stereo.mp4", "video")
        a, b = probe(mp4).stream(0), probe(tmp / "clip_stereo.mp4").stream(0)
        notes.append(f"clip_stereo.mp4: video packets {'identical' if same else 'CHANGED'}; audio "
                     f"{a.codec} {a.channels} ch -> {b.codec} {b.channels} ch")

        mkv = write_video(tmp / "two_tracks.mkv", [first, second], RATE, args.seconds, "matroska")
        run(str(mkv), "-o", str(tmp / "out.mkv"), "--audio-stream", "1", "--keep-original-audio")
        rows.append(check("two_tracks.mkv -> out.mkv --audio-stream 1", mkv, tmp / "out.mkv", position=1,
                          out_position=1))  # the stereo takes the replaced stream's place
        from media_files import decode_audio

        stereo, _ = decode_audio(tmp / "out.mkv", 1)
        fold = stereo.mean(0)
        other = [np.corrcoef(fold[:len(t)], t[:len(fold)])[0, 1] for t in (first, second)]
        streams = probe(tmp / "out.mkv").audio
        notes.append(f"out.mkv: {len(streams)} audio streams ({', '.join(f'{s.channels} ch' for s in streams)}); "
                     f"the stereo's fold correlates {other[1]:.3f} with track 1 and {other[0]:.3f} with track 0; "
                     f"video packets {'identical' if packets(mkv, 'video') == packets(tmp / 'out.mkv', 'video') else 'CHANGED'}")

    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in row.values()) + " |")
    print()
    for note in notes:
        print("- " + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
