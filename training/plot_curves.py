"""Plot a run's training curves (codec_log.csv, diffusion_log.csv) to PNG.

python -m training.plot_curves RUN_DIR [RUN_DIR ...] --out training/curves.png
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _read(path: Path) -> dict[str, list[float]]:
    rows = []
    with path.open() as f:
        for row in csv.DictReader(f):
            extra = row.pop(None, None)  # older logs: rows with val_loss had one column more than the header
            if extra:
                row["val_loss"] = extra[0]
            rows.append(row)
    keys = {k for row in rows for k in row}
    return {k: [float(row[k]) if row.get(k) not in ("", None) else float("nan") for row in rows] for k in keys}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logs = [(run, name, run / f"{name}_log.csv") for run in args.runs for name in ("codec", "diffusion")]
    logs = [item for item in logs if item[2].is_file()]
    fig, axes = plt.subplots(1, len(logs), figsize=(6 * len(logs), 4), squeeze=False)
    for ax, (run, name, path) in zip(axes[0], logs):
        columns = _read(path)
        for key in ("loss", "val_loss", "stft_side", "mel_side", "mel_lr"):
            if key in columns:
                steps = [s for s, v in zip(columns["step"], columns[key]) if v == v]
                values = [v for v in columns[key] if v == v]
                ax.plot(steps, values, label=key, marker="o" if key == "val_loss" else None, markersize=3)
        ax.set(title=f"{name} ({run.name})", xlabel="step", ylabel="loss", yscale="log")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
