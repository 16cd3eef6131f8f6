"""Before/after listening examples from the validation packages, and a plot of their width per band.

python -m evaluation.make_examples --data data/prepared --model PATH --out examples/ [--count 3 --seconds 5]

Writes, per clip, ``NAME_mono.flac`` (the input), ``NAME_model.flac`` (the upmix),
``NAME_BASELINE.flac`` (the best DSP baseline), ``NAME_original.flac`` (the real stereo it came from),
plus ``width_per_band.png`` and ``README.md`` with the sources and licences.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from evaluation.metrics.width import band_side_to_mid_db  # noqa: E402
from m2s_gen import Upmixer  # noqa: E402
from m2s_gen.baselines import BASELINES  # noqa: E402

def licence_of(package: str) -> str:
    """The music licence of a Debian package of the data list (its rule, docs/training.md), with where it came from."""
    from training.data.package_rules import PACKAGE_RULES

    rule = PACKAGE_RULES.get(package)
    return f"{rule.license} (Debian package {package})" if rule else "see the package"


def _pick_clips(data: Path, count: int, seconds: float) -> list[tuple[str, str, np.ndarray]]:
    """``count`` loud, clearly stereo clips, one per track, from the validation packages."""
    import datasets

    table = datasets.load_from_disk(str(data / "dataset"))["validation"]
    order = np.random.default_rng(7).permutation(len(table))
    clips = []
    n = int(seconds * 48_000)
    for i in order:
        row = table[int(i)]
        audio = np.load(data / row["path"], mmap_mode="r")
        start = audio.shape[-1] // 3
        clip = np.asarray(audio[:, start:start + n], dtype=np.float32)
        mid, side = clip.mean(0), (clip[0] - clip[1]) / 2
        if np.mean(mid**2) < 1e-4 or 10 * np.log10(np.mean(side**2) / np.mean(mid**2)) < -15:
            continue
        clips.append((row["package"], Path(row["path"]).stem, clip))
        if len(clips) == count:
            break
    return clips


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("data/prepared"))
    parser.add_argument("--model", default=None)
    parser.add_argument("--baseline", default="freq_decorrelator")
    parser.add_argument("--out", type=Path, default=Path("examples"))
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    up = Upmixer.from_pretrained(args.model)
    args.out.mkdir(parents=True, exist_ok=True)
    clips = _pick_clips(args.data, args.count, args.seconds)
    fig, axes = plt.subplots(1, len(clips), figsize=(5 * len(clips), 3.6), squeeze=False)
    lines = ["# Listening examples", "", "Each clip: the real stereo (`_original`), its mono fold-down "
             "(`_mono`, the input), the model's upmix (`_model`, seed 0) and the best DSP baseline "
             f"(`_{args.baseline}`). Made with `python -m evaluation.make_examples "
             f"--data {args.data} --out {args.out}" + (f" --model {args.model}" if args.model else "") + "`.",
             "", "| clip | source | licence |", "|---|---|---|"]
    for ax, (package, name, ref) in zip(axes[0], clips):
        mono = ref.mean(0)
        outputs = {"original": ref, "model": up(mono, 48_000, seed=0).numpy(),
                   args.baseline: BASELINES[args.baseline](mono, 48_000, 0)}
        short = f"{package.split('-')[0]}_{name[:24]}"
        sf.write(args.out / f"{short}_mono.flac", mono, 48_000, subtype="PCM_16")
        for key, stereo in outputs.items():
            sf.write(args.out / f"{short}_{key}.flac", stereo.T, 48_000, subtype="PCM_16")
            centres, width = band_side_to_mid_db(stereo, 48_000)
            ax.semilogx(centres, np.maximum(width, -40), marker="o", label=key)
        ax.set(title=short, xlabel="octave band centre (Hz)", ylabel="S/M (dB)", ylim=(-40, 5))
        ax.grid(alpha=0.3)
        ax.legend()
        lines.append(f"| `{short}` | {package} / {name} | {licence_of(package)} |")
    fig.tight_layout()
    fig.savefig(args.out / "width_per_band.png", dpi=100)
    lines += ["", "![width per band](width_per_band.png)", ""]
    (args.out / "README.md").write_text("\n".join(lines))
    print(f"wrote {len(clips)} examples to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
