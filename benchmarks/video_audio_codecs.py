"""What each codec for a video's new audio track costs: encoding time per 10 minutes of stereo, the bit
rate it wrote, and its error against the stereo it was given. Prints a table.

    PYTHONPATH=. python benchmarks/video_audio_codecs.py                        # synthetic music, 10 min
    PYTHONPATH=. python benchmarks/video_audio_codecs.py --data data/unseen     # real stereo music

Each codec encodes the same stereo at its default bit rate (``--audio-codec`` defaults) into Matroska,
one thread, as ``m2s upmix`` does; the time is the encoder's alone. The error is the decoded file against
the input after aligning them: SNR, and the error-to-signal ratio in third-octave bands from 50 Hz to
16 kHz (mean and 95th percentile over bands and 43 ms frames): waveform errors, not a listening test
(a perceptual coder shapes its noise under the music, where these measures still count it).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RATE = 48_000


def real_music(folder: Path, seconds: float) -> np.ndarray:
    """``[2, T]``: a minute from each of the prepared stereo files in ``folder`` (``*.npy``, 48 kHz),
    every seventh file in name order, until ``seconds`` are gathered. A minute that peaks above full
    scale (resampling can overshoot) is scaled to peak at 0.99, as the upmix's limiter leaves its output:
    a lossless codec would otherwise be charged for clipping."""
    parts, total = [], 0
    for path in sorted(folder.glob("*/*.npy"))[::7]:
        audio = np.load(path, mmap_mode="r")
        audio = np.asarray(audio[:, :RATE * 60] if audio.shape[0] == 2 else audio[:RATE * 60].T, np.float32)
        parts.append(audio * min(1.0, 0.99 / max(float(np.abs(audio).max()), 1e-9)))
        total += audio.shape[1]
        if total >= seconds * RATE:
            break
    if not parts:
        raise SystemExit(f"{folder}: no prepared stereo files (*/*.npy)")
    return np.ascontiguousarray(np.concatenate(parts, axis=1)[:, :int(seconds * RATE)])


def synthetic_music(seconds: float) -> np.ndarray:
    """``[2, T]``: partials with a beat and a little noise, a decorrelated side 10 dB under the mid."""
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import music_like

    n = int(seconds * RATE)
    mid, side = music_like(n, RATE, seed=0, peak=0.5), music_like(n, RATE, seed=1, peak=0.16)
    return np.stack([mid + side, mid - side]).astype(np.float32)


def encode(stereo: np.ndarray, codec_name: str, path: Path) -> float:
    """Seconds to encode ``stereo`` with the codec's defaults into ``path`` (Matroska)."""
    import av

    from m2s_gen.media.encode import open_encoder
    from m2s_gen.media.formats import VIDEO_AUDIO_CODECS

    codec = VIDEO_AUDIO_CODECS[codec_name]
    with av.open(str(path), "w", format="matroska") as out:
        encoder = open_encoder(out, codec.encoder, RATE, 2, (codec.default_kbps or 0) * 1000 or None,
                               rates=codec.rates_hz)
        start = time.perf_counter()
        for at in range(0, stereo.shape[1], RATE * 10):
            encoder.encode(stereo[:, at:at + RATE * 10])
        encoder.finish()
        return time.perf_counter() - start


def errors_db(reference: np.ndarray, decoded: np.ndarray) -> tuple[float, float, float]:
    """(SNR, mean and 95th-percentile band error-to-signal ratio), in dB, after aligning ``decoded``."""
    probe = reference[0, RATE * 10:RATE * 12]
    lag = max(range(0, 4000), key=lambda k: float(np.dot(probe, decoded[0, RATE * 10 + k:RATE * 12 + k])))
    n = min(reference.shape[1], decoded.shape[1] - lag)
    ref, test = reference[:, :n].astype(np.float64), decoded[:, lag:lag + n].astype(np.float64)
    snr = 10 * np.log10(np.sum(ref ** 2) / max(np.sum((test - ref) ** 2), 1e-30))
    size = 2048
    window = np.hanning(size)
    freqs = np.fft.rfftfreq(size, 1 / RATE)
    edges = [50 * 2 ** (k / 3) for k in range(30) if 50 * 2 ** (k / 3) <= 16_000]
    bands = [(freqs >= lo) & (freqs < hi) for lo, hi in zip(edges[:-1], edges[1:])]
    ratios = []
    for channel in range(2):
        for at in range(0, n - size, 4 * size):
            signal = np.abs(np.fft.rfft(window * ref[channel, at:at + size])) ** 2
            error = np.abs(np.fft.rfft(window * (test[channel, at:at + size] - ref[channel, at:at + size]))) ** 2
            for band in bands:
                if signal[band].sum() > 1e-7 * size:
                    ratios.append(10 * np.log10(error[band].sum() / signal[band].sum() + 1e-12))
    return float(snr), float(np.mean(ratios)), float(np.percentile(ratios, 95))


def add_music_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--data", type=Path, help="a prepared data folder (its audio48k/): real stereo music")


def music(args: argparse.Namespace) -> tuple[np.ndarray, str]:
    """(``[2, T]`` stereo, a line that says what it is) for :func:`add_music_arguments`' options."""
    stereo = (real_music(args.data / "audio48k", args.minutes * 60) if args.data
              else synthetic_music(args.minutes * 60))
    return stereo, f"{stereo.shape[1] / RATE / 60:.1f} min of {'real' if args.data else 'synthetic'} stereo at 48 kHz"


def file_errors(stereo: np.ndarray, path: Path) -> tuple[float, float, float, float]:
    """(written kbit/s, SNR, band error mean and p95 in dB) of the encoded ``path`` against ``stereo``."""
    from m2s_gen.media.decode import read_stream
    from m2s_gen.media.probe import probe

    decoded = read_stream(path, probe(path).stream(0))
    kbps = path.stat().st_size * 8 / (stereo.shape[1] / RATE) / 1000
    return (kbps, *errors_db(stereo, decoded))


def main(argv=None) -> int:
    from m2s_gen.media.formats import VIDEO_AUDIO_CODECS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_music_arguments(parser)
    parser.add_argument("--codecs", default=",".join(VIDEO_AUDIO_CODECS))
    args = parser.parse_args(argv)
    stereo, what = music(args)
    minutes = stereo.shape[1] / RATE / 60
    print(what)
    print("| codec | default | encode time per 10 min (s) | written kbit/s | SNR (dB) "
          "| band error mean (dB) | band error p95 (dB) |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.codecs.split(","):
            path = Path(folder) / f"{name}.mkv"
            seconds = encode(stereo, name, path)
            kbps, snr, mean, p95 = file_errors(stereo, path)
            default = f"{VIDEO_AUDIO_CODECS[name].default_kbps}k" if VIDEO_AUDIO_CODECS[name].default_kbps else "lossless"
            print(f"| {name} | {default} | {seconds * 10 / minutes:.2f} | {kbps:.0f} | {snr:.1f} | {mean:.1f} "
                  f"| {p95:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
