"""FFmpeg's AAC encoder at other settings than the default output's (twoloop coder, 256 kbit/s): encode
time per 10 minutes of stereo against the error it leaves. Prints a table.

    PYTHONPATH=. python benchmarks/aac_settings.py --data data/unseen      # real stereo music
    PYTHONPATH=. python benchmarks/aac_settings.py --minutes 1             # synthetic music

Each setting encodes the same stereo into Matroska through PyAV, one thread; the time is the process's
CPU time for the encoding alone. The errors are those of ``video_audio_codecs.py`` (SNR and the
third-octave band error-to-signal ratio, 50 Hz to 16 kHz: waveform measures, not a listening test).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.video_audio_codecs import RATE, add_music_arguments, file_errors, music  # noqa: E402

#: (name, kbit/s, encoder options); the first is what ``m2s upmix`` writes
SETTINGS = (
    ("twoloop 256k (the default)", 256, {}),
    ("twoloop 256k, no IS/PNS/TNS", 256, {"aac_is": "0", "aac_pns": "0", "aac_tns": "0"}),
    ("twoloop 256k, no M/S", 256, {"aac_ms": "0"}),
    ("twoloop 256k, 18 kHz cutoff", 256, {"cutoff": "18000"}),
    ("twoloop 192k", 192, {}),
    ("twoloop 320k", 320, {}),
    ("fast 256k", 256, {"aac_coder": "fast"}),
    ("fast 320k", 320, {"aac_coder": "fast"}),
)


def encode_seconds(stereo: np.ndarray, kbps: int, options: dict, path: Path) -> float:
    """CPU seconds to encode ``stereo`` ``[2, T]`` (48 kHz) as AAC with ``options`` into ``path``."""
    import av

    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("aac", rate=RATE, layout="stereo")
        stream.bit_rate = kbps * 1000
        stream.codec_context.options = dict(options)
        start = time.process_time()
        for at in range(0, stereo.shape[1], RATE * 10):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(stereo[:, at:at + RATE * 10]),
                                               format="fltp", layout="stereo")
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        return time.process_time() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_music_arguments(parser)
    parser.add_argument("--only", type=int, help="the first N settings only (smoke runs)")
    args = parser.parse_args(argv)
    stereo, what = music(args)
    minutes = stereo.shape[1] / RATE / 60
    print(f"{what}, AAC through PyAV")
    print("| setting | encode CPU time per 10 min (s) | written kbit/s | SNR (dB) | band error mean (dB) "
          "| band error p95 (dB) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, kbps, options in SETTINGS[:args.only]:
            path = Path(folder) / "aac.mkv"
            seconds = encode_seconds(stereo, kbps, options, path)
            written, snr, mean, p95 = file_errors(stereo, path)
            print(f"| {name} | {seconds * 10 / minutes:.2f} | {written:.0f} | {snr:.1f} | {mean:.1f} | {p95:.1f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
