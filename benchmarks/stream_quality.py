"""The live stream against the offline upmix on evaluation clips, cold and with a pre-roll.

    python -m benchmarks.stream_quality --data data/prepared --max-clips 12

``python -m evaluation.run --systems model,model~stream`` measures a stream that starts cold on each
10 s clip (the honest worst case: the first half second is mono). This script adds a stream that has
been running: the ``--preroll-s`` seconds of the track before the clip are streamed first and their
output dropped. Same clips and headline errors as the evaluation (evaluation.clips.iter_clips,
evaluation.scoring.headline_errors), seed 0, the stream with ``realtime=False`` (every image on time).
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COLUMNS = ("side_mel", "width_error_db", "icc_error")


def streamed(up, mono: np.ndarray, rate: int, preroll: np.ndarray | None, block: int) -> np.ndarray:
    """Stereo ``[2, T]`` of ``mono`` through a stream (after ``preroll``), aligned by its latency."""
    stream = up.stream(rate, seed=0, realtime=False)
    if preroll is not None and len(preroll):
        for start in range(0, len(preroll), block):
            stream.process(preroll[start:start + block])
    out = [stream.process(mono[start:start + block]) for start in range(0, len(mono), block)]
    out.append(stream.flush())
    return np.concatenate(out)[stream.latency_samples:stream.latency_samples + len(mono)].T.copy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stream_quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="a prepared dataset dir (as evaluation.run --data)")
    parser.add_argument("--max-clips", type=int, default=12)
    parser.add_argument("--clips-per-track", type=int, default=1)
    parser.add_argument("--preroll-s", type=float, default=10.0)
    args = parser.parse_args(argv)
    import torch
    from tqdm.auto import tqdm

    from evaluation.clips import find_tracks, iter_clips
    from evaluation.scoring import headline_errors, reference_features
    from m2s_gen import Upmixer

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    up = Upmixer.from_pretrained()
    tracks = find_tracks(args.data)
    by_id = {t.track_id: t for t in tracks}
    clips = list(iter_clips(tracks, clips_per_track=args.clips_per_track, max_clips=args.max_clips))
    rows = {"offline": [], "stream, cold": [], f"stream, {args.preroll_s:g} s pre-roll": []}
    for clip in tqdm(clips, desc="clips"):
        ref = reference_features(clip.reference, clip.mono, clip.sample_rate)
        track = by_id[clip.clip_id.rsplit("@", 1)[0]]
        start = int(round(clip.start_s * track.sample_rate))
        preroll = track.read(max(0, start - int(args.preroll_s * track.sample_rate)), start).mean(axis=0)
        block = clip.sample_rate // 100
        with torch.inference_mode():
            outputs = [up(torch.from_numpy(clip.mono), clip.sample_rate, seed=0).numpy(),
                       streamed(up, clip.mono, clip.sample_rate, None, block),
                       streamed(up, clip.mono, clip.sample_rate, preroll.astype(np.float32), block)]
        for name, stereo in zip(rows, outputs):
            errors = headline_errors(stereo, ref, clip.sample_rate)
            rows[name].append([errors[c] for c in COLUMNS])
    print(f"{len(clips)} clips of {args.data}\n")
    print("| system | side log-mel distance | per-octave width error (dB) | per-octave ICC error |\n|---|---:|---:|---:|")
    base = np.nanmean(rows["offline"], axis=0)
    for name, values in rows.items():
        mean = np.nanmean(values, axis=0)
        cells = [f"{m:.3f}" + ("" if name == "offline" else f" ({100 * (m / b - 1):+.1f} %)") for m, b in zip(mean, base)]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
