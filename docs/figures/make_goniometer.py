"""The README's picture: goniometers of one example clip, mono in, the model's stereo out, the real mix.

    .venv/bin/python docs/figures/make_goniometer.py     # -> docs/figures/goniometer.png

Reads the listening examples in examples/ (``evaluation.make_examples`` wrote them with the bundled model).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from m2s_gen.plots import plot_vectorscope

REPO = Path(__file__).resolve().parents[2]
CLIP = "unknown_waves"


def main() -> None:
    mono, _ = sf.read(REPO / "examples" / f"{CLIP}_mono.flac", dtype="float32")
    model, _ = sf.read(REPO / "examples" / f"{CLIP}_model.flac", dtype="float32")
    original, _ = sf.read(REPO / "examples" / f"{CLIP}_original.flac", dtype="float32")
    panels = {"input: mono": np.stack([mono, mono]), "m2s-gen output": model.T, "the real stereo mix": original.T}
    out = REPO / "docs" / "figures" / "goniometer.png"
    plot_vectorscope(panels, out, title=f"Goniometer of an example clip ({CLIP}): mono is a vertical line, "
                                         "stereo a cloud; the output's mid is the input exactly")
    print(out)


if __name__ == "__main__":
    main()
