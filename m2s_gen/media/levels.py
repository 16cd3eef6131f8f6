"""Levels: peaks in dBFS, and full-scale clipping that is always counted, never silent."""
from __future__ import annotations

import math

import numpy as np

#: the largest value a 24-bit integer sample holds, as a float
FULL_SCALE = 1.0
PIECE_SAMPLES = 1 << 16  # samples converted and encoded at once (a chunk of minutes would otherwise be
# converted whole: several float64 copies of it)


def peak_dbfs(peak: float) -> float:
    """A linear peak in dB re full scale (-inf for silence)."""
    return 20.0 * math.log10(peak) if peak > 0 else float("-inf")


def gain_for(peak: float, margin_db: float = 0.1) -> float:
    """The --gain-db (rounded down to 0.1 dB) that brings ``peak`` to ``-margin_db`` dBFS."""
    return math.floor((-peak_dbfs(peak) - margin_db) * 10.0) / 10.0


def hot_input_warning(name: str, peak: float, at_least: bool = False) -> str:
    """One line: the input peaks above full scale, by how much, and what to do."""
    return (f"{name}: input peaks at {'at least ' if at_least else ''}{peak_dbfs(peak):+.1f} dBFS, above full scale; "
            f"the stereo will too. Integer and lossy outputs are clipped at full scale (counted); "
            f"use --gain-db {gain_for(peak):.1f} or lower (the stereo can peak higher: a clipped output "
            f"names the gain that keeps it)")


def clip_to_full_scale(block: np.ndarray) -> tuple[np.ndarray, int]:
    """(``block`` limited to [-1, 1], how many samples were beyond)."""
    over = int(np.count_nonzero(np.abs(block) > FULL_SCALE))
    return (np.clip(block, -FULL_SCALE, FULL_SCALE) if over else block), over


def integer_pcm(block: np.ndarray, bits: int) -> np.ndarray:
    """``block`` (within full scale) as ``bits``-bit integers: int16 for 16 bits, else int32 with the
    samples in the top ``bits`` bits (FFmpeg's s32 for 24-bit audio)."""
    scale = float(2 ** (bits - 1))
    ints = np.clip(np.round(block.astype(np.float64) * scale), -scale, scale - 1)
    return ints.astype(np.int16) if bits == 16 else ints.astype(np.int32) << (32 - bits)
