"""How well a codec reconstructs stereo music: our SEANet codec against Opus (ffmpeg libopus).

Each clip's stereo `[2, T]` at 48 kHz goes through the codec and back; the round trip is scored
on both channels with

- SI-SDR in dB (scale-invariant signal-to-distortion ratio; higher is better; 0 dB means as much
  error as signal);
- log-mel L1 in log10 units: 64 mel bands of a 2048-point STFT (hop 512), power floored at
  -80 dB below the reference clip's peak band power, |log10(est) - log10(ref)| averaged over
  bands and frames (lower is better).

Usage::

    python -m evaluation.codec_roundtrip --data data/prepared --codec m2s_gen/default_model/codec \\
        --opus-kbps 6 12 24 --max-clips 40 --out evaluation/reports/codec

writes `codec_roundtrip.json` and `codec_roundtrip.md` (a table, one row per system).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import soundfile as sf
import torch
import torchaudio
from tqdm.auto import tqdm

from evaluation.clips import load_clips

SAMPLE_RATE_HZ = 48_000
N_FFT = 2048
HOP = 512
N_MELS = 64
FLOOR_DB_BELOW_PEAK = 80.0
CHUNK_S = 10.24


def si_sdr_db(estimate: np.ndarray, reference: np.ndarray) -> float:
    """SI-SDR in dB of `estimate` against `reference` (same shape; channels are concatenated)."""
    ref = reference.astype(np.float64).ravel()
    est = estimate.astype(np.float64).ravel()
    ref = ref - ref.mean()
    est = est - est.mean()
    energy = float(ref @ ref)
    if energy <= 0.0:
        return float("nan")
    target = (float(est @ ref) / energy) * ref
    noise = est - target
    return float(10 * np.log10((target @ target + 1e-20) / (noise @ noise + 1e-20)))


_MEL = {}


def _mel_power(audio: np.ndarray) -> np.ndarray:
    """Mel power `[C, 64, frames]` of `audio` `[C, T]` at 48 kHz."""
    if "mel" not in _MEL:
        _MEL["mel"] = torchaudio.transforms.MelSpectrogram(
            SAMPLE_RATE_HZ, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, power=2.0)
    with torch.inference_mode():
        return _MEL["mel"](torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))).double().numpy()


def log_mel_l1(estimate: np.ndarray, reference: np.ndarray) -> float:
    """Mean |log10 mel power| difference, both floored at the reference's peak - 80 dB."""
    ref = _mel_power(reference)
    est = _mel_power(estimate)
    floor = max(float(ref.max()), 1e-20) * 10 ** (-FLOOR_DB_BELOW_PEAK / 10)
    return float(np.abs(np.log10(np.maximum(est, floor)) - np.log10(np.maximum(ref, floor))).mean())


def codec_round_trip(codec) -> Callable[[np.ndarray], np.ndarray]:
    """A round trip `[2, T] -> [2, T]` through a codec with `encode`/`decode` (chunks of 10.24 s)."""
    chunk = int(CHUNK_S * SAMPLE_RATE_HZ)

    def run(audio: np.ndarray) -> np.ndarray:
        out = np.zeros_like(audio, dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, audio.shape[-1], chunk):
                piece = torch.from_numpy(np.ascontiguousarray(audio[:, start:start + chunk], dtype=np.float32))
                latents = codec.encode(piece[None])
                out[:, start:start + chunk] = codec.decode(latents, piece.shape[-1])[0].numpy()
        return out

    return run


def opus_round_trip(bitrate_kbps: float) -> Callable[[np.ndarray], np.ndarray]:
    """A round trip `[2, T] -> [2, T]` through ffmpeg's libopus at `bitrate_kbps` (stereo, 48 kHz)."""
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("ffmpeg not found: install Debian's ffmpeg (it has libopus) to compare with Opus")

    def run(audio: np.ndarray) -> np.ndarray:
        with tempfile.TemporaryDirectory() as tmp:
            src, coded, back = Path(tmp, "in.wav"), Path(tmp, "coded.opus"), Path(tmp, "out.wav")
            sf.write(src, audio.T, SAMPLE_RATE_HZ, subtype="FLOAT")
            quiet = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
            subprocess.run(quiet + ["-i", str(src), "-c:a", "libopus", "-b:a", f"{bitrate_kbps:g}k", str(coded)],
                           check=True)
            subprocess.run(quiet + ["-i", str(coded), "-ar", str(SAMPLE_RATE_HZ), "-c:a", "pcm_f32le", str(back)],
                           check=True)
            decoded, _ = sf.read(back, dtype="float32", always_2d=True)
        # Opus adds a fixed pre-skip; ffmpeg removes it, so the lengths agree up to the last frame
        out = np.zeros_like(audio, dtype=np.float32)
        length = min(decoded.shape[0], audio.shape[-1])
        out[:, :length] = decoded[:length].T
        return out

    return run


def score_systems(clips, systems: dict[str, Callable[[np.ndarray], np.ndarray]],
                  progress: bool = True) -> dict[str, dict]:
    """Mean (and per-clip) SI-SDR and log-mel L1 of each system's round trip over `clips`."""
    results = {}
    for name, run in systems.items():
        si, mel = [], []
        for clip in tqdm(clips, desc=name, disable=not progress, file=sys.stderr):
            estimate = run(clip.reference)
            si.append(si_sdr_db(estimate, clip.reference))
            mel.append(log_mel_l1(estimate, clip.reference))
        results[name] = {"si_sdr_db": float(np.nanmean(si)), "log_mel_l1": float(np.mean(mel)),
                         "per_clip_si_sdr_db": si, "per_clip_log_mel_l1": mel}
    return results


def markdown_table(results: dict[str, dict], notes: str = "") -> str:
    lines = ["| system | stereo SI-SDR (dB) ↑ | log-mel L1 (log10) ↓ |", "|---|---|---|"]
    for name, row in results.items():
        lines.append(f"| {name} | {row['si_sdr_db']:.2f} | {row['log_mel_l1']:.3f} |")
    return "\n".join(lines) + ("\n\n" + notes if notes else "") + "\n"


def load_codec(path: str):
    """Our `SeanetCodec` folder, or `official:<folder>` for Meta's encodec_48khz checkpoint."""
    from m2s_gen.codec import SeanetCodec, load_official_encodec_48khz

    if path.startswith("official:"):
        return load_official_encodec_48khz(path[len("official:"):])
    return SeanetCodec.from_pretrained(path).eval()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m evaluation.codec_roundtrip", description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="prepared data (data/prepared) or a folder of stereo files")
    p.add_argument("--split", default="validation")
    p.add_argument("--codec", action="append", default=[], metavar="NAME=PATH",
                   help="a codec folder (NAME=PATH or PATH); repeatable")
    p.add_argument("--opus-kbps", type=float, nargs="*", default=[6.0, 12.0, 24.0])
    p.add_argument("--max-clips", type=int, default=40)
    p.add_argument("--clip-s", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--out", required=True, help="output folder")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    clips = load_clips(args.data, clip_s=args.clip_s, clips_per_track=1, max_clips=args.max_clips,
                       split=args.split)
    if not clips:
        print(f"codec_roundtrip: error: {args.data}: no clips", file=sys.stderr)
        return 1
    systems: dict[str, Callable] = {}
    for spec in args.codec:
        name, _, path = spec.rpartition("=")
        systems[name or f"codec ({path})"] = codec_round_trip(load_codec(path))
    for kbps in args.opus_kbps:
        systems[f"opus {kbps:g} kbps"] = opus_round_trip(kbps)
    results = score_systems(clips, systems)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"data": args.data, "split": args.split, "num_clips": len(clips), "clip_s": args.clip_s,
            "packages": sorted({c.clip_id.split("/")[0] for c in clips})}
    (out / "codec_roundtrip.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    notes = (f"{len(clips)} stereo clips of {args.clip_s:g} s from the {args.split} split of {args.data} "
             f"({', '.join(meta['packages'])}); `python -m evaluation.codec_roundtrip "
             + " ".join(argv if argv is not None else sys.argv[1:]) + "`")
    (out / "codec_roundtrip.md").write_text(markdown_table(results, notes))
    print(markdown_table(results, notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
