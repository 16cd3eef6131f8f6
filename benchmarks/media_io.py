"""Decode + encode as a share of the whole upmix, for an MP3 and a synthetic video, and the video's peak
memory. Prints a table.

    PYTHONPATH=. python benchmarks/media_io.py                      # 10-min MP3, 30-min video, bundled model
    PYTHONPATH=. python benchmarks/media_io.py --mp3-min 1 --video-min 2 --tiny   # a smoke run

Each case is timed in its own process (peak memory is that process's maximum resident set): decode alone
(every block of the input's audio), encode alone (a stereo of the same length into the output's codec, or
for the video the remux of pass 2), the whole ``m2s upmix`` (decode, model, encode: the encoding runs in
a thread beside the model), and the whole upmix of the same input into a float WAV (whose writing costs
next to nothing): the difference is the wall time the output format really adds. On a shared machine one
pair of runs can differ by 10% either way: ``--repeat N`` alternates the two whole runs N times (which
of them goes first swaps from pair to pair) and gives the medians, with each pair's share."""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

REPO = Path(__file__).resolve().parents[1]
RATE = 48_000


def _make_inputs(folder: Path, mp3_min: float, video_min: float) -> tuple[Path, Path]:
    """A music-like MP3 and an H.264 + AAC MP4 (a tiny picture: the audio is what is measured)."""
    sys.path.insert(0, str(REPO / "tests"))
    import numpy as np
    from media_files import write_audio, write_video

    def music(seconds, seed):
        rng = np.random.default_rng(seed)
        t = np.arange(int(seconds * RATE)) / RATE
        x = sum(np.sin(2 * np.pi * f * t) / (k + 1) for k, f in enumerate((110.0, 220.0, 523.0, 1760.0)))
        x = x * (0.6 + 0.4 * np.sign(np.sin(2 * np.pi * 2 * t))) + 0.05 * rng.standard_normal(t.shape[0])
        return (0.3 * x / np.abs(x).max()).astype(np.float32)

    mp3 = write_audio(folder / "song.mp3", music(mp3_min * 60, 0), RATE)
    video = write_video(folder / "film.mp4", [music(video_min * 60, 1)], RATE, video_min * 60, "mp4", chapters=True)
    return mp3, video


def _child(case: str, src: str, out: str, model_args: list[str]) -> dict:
    """Run one case in this process; -> seconds and peak RSS (MiB). ``model_args`` may hold
    ``--audio-codec NAME`` (a video output's codec), which the encode case takes too."""
    from m2s_gen.media.decode import iter_blocks
    from m2s_gen.media.probe import probe

    stream = probe(src).stream(0)
    start = time.perf_counter()
    if case == "decode":
        for _ in iter_blocks(src, stream):
            pass
    elif case == "encode":
        import numpy as np

        from m2s_gen.media.job import MediaOptions, upmix_media

        # the trivial 'upmix' L = R = input: what is left is decode + encode (+ the remux for a video)
        codec = model_args[model_args.index("--audio-codec") + 1] if "--audio-codec" in model_args else None
        upmix_media(src, out, lambda mono, rate, index: np.stack([mono, mono]), MediaOptions(audio_codec=codec))
    else:
        from m2s_gen import cli

        code = cli.main(["upmix", src, "-o", out, "--overwrite", "--seed", "0", *model_args])
        assert code == 0
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mib": _peak_rss_mib(), "audio_s": stream.duration_s}


def _peak_rss_mib() -> float:
    """This process's resident-set high-water mark (VmHWM: unlike ru_maxrss, not inherited through exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(case, src, out, model_args) -> dict:
    """One case in a child process. Its output is deleted and the disk synced afterwards, untimed: a
    30-minute float WAV leaves hundreds of MB to be written back, which would otherwise land in the
    next run's time."""
    done = subprocess.run([sys.executable, __file__, "--child", case, str(src), str(out), *model_args],
                          capture_output=True, text=True, cwd=REPO)
    Path(out).unlink(missing_ok=True)
    os.sync()
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        case, src, out, *model_args = sys.argv[2:]
        print(json.dumps(_child(case, src, out, model_args)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mp3-min", type=float, default=10.0)
    parser.add_argument("--video-min", type=float, default=30.0)
    parser.add_argument("--inputs", default="mp3,video", help="which cases: mp3, video or both (default: both)")
    parser.add_argument("--tiny", action="store_true", help="the model of --model PATH is still used when given")
    parser.add_argument("--model", help="a saved model folder (default: the bundled model)")
    parser.add_argument("--audio-codec", help="the video output's audio codec (default: the input's, AAC)")
    parser.add_argument("--repeat", type=int, default=1, help="pairs of whole runs (to the format, to a WAV), "
                        "alternated; the table gives their medians")
    args = parser.parse_args(argv)
    model_args = ["--model", args.model] if args.model else []
    codec_args = ["--audio-codec", args.audio_codec] if args.audio_codec else []
    if args.tiny:
        model_args += ["--steps", "2"]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        mp3, video = _make_inputs(folder, args.mp3_min, args.video_min)
        rows = []
        video_name = f"MP4 video -> MP4 ({args.audio_codec or 'aac'})"
        cases = {"mp3": ("MP3 -> MP3", mp3, ".mp3"), "video": (video_name, video, ".mp4")}
        for name, src, suffix in (cases[key] for key in args.inputs.split(",")):
            decode = _run("decode", src, folder / "x", model_args)
            own = codec_args if suffix == ".mp4" else []
            io = _run("encode", src, folder / f"io{suffix}", model_args + own)
            pairs = []
            runs = {"format": (folder / f"whole{suffix}", model_args + own), "wav": (folder / "whole.wav", model_args)}
            for index in range(max(1, args.repeat)):
                # the first run of two tends to be the slower: which goes first swaps from pair to pair
                order = ("wav", "format") if index % 2 else ("format", "wav")
                done = {name: _run("whole", src, *runs[name]) for name in order}
                pairs.append((done["format"], done["wav"]))
            whole = median(w["seconds"] for w, _ in pairs)
            to_wav = median(t["seconds"] for _, t in pairs)
            each = " / ".join(f"{100 * (w['seconds'] - t['seconds']) / w['seconds']:.1f}%" for w, t in pairs)
            rows.append((name, decode["audio_s"] / 60, decode["seconds"], io["seconds"], whole,
                         100 * io["seconds"] / whole, to_wav, 100 * (whole - to_wav) / whole, each,
                         decode["audio_s"] / whole, max(w["peak_mib"] for w, _ in pairs), io["peak_mib"]))
    print("| input | audio (min) | decode alone (s) | decode + encode (s) | whole upmix (s) | decode + encode "
          "share | whole upmix to a float WAV (s) | wall time the output format adds | each pair | speed (x real "
          "time) | peak RSS whole (MiB) | peak RSS decode + encode (MiB) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| {} | {:.1f} | {:.1f} | {:.1f} | {:.1f} | {:.1f}% | {:.1f} | {:.1f}% | {} | {:.1f} | {:.0f} | {:.0f} |"
              .format(*row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
