"""Synthetic stereo with known pans: tones and noise sources panned at random, plus diffuse ambience.

Used by the smoke config (no data needed) and as an optional complement to real music.
"""
from __future__ import annotations

import numpy as np

SAMPLE_RATE = 48_000


def synthetic_track(seconds: float, seed: int, num_sources: int = 4) -> np.ndarray:
    """Stereo ``[2, T]`` float32: ``num_sources`` sources, each constant-power panned, and a
    decorrelated ambience (the same dry mix through two different noise-burst reverbs)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    left, right = np.zeros(n), np.zeros(n)
    for _ in range(num_sources):
        if rng.random() < 0.6:
            f0 = 55 * 2 ** rng.uniform(0, 5)
            src = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k**1.5 for k in range(1, 6))
            beat = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.5, 4) * t)
            src = src * beat
        else:
            src = np.convolve(rng.standard_normal(n), np.hanning(rng.integers(4, 64)), "same")
        theta = rng.uniform(0, np.pi / 2)  # 0 = hard left, pi/2 = hard right
        gain = rng.uniform(0.05, 0.2) / (np.std(src) + 1e-9)
        left += np.cos(theta) * src * gain
        right += np.sin(theta) * src * gain
    dry = (left + right) / 2
    decay = np.exp(-np.arange(int(0.3 * SAMPLE_RATE)) / (0.08 * SAMPLE_RATE))
    for channel in (left, right):
        burst = rng.standard_normal(decay.size) * decay
        channel += rng.uniform(0.1, 0.4) * np.convolve(dry, burst / np.linalg.norm(burst), "full")[:n]
    stereo = np.stack([left, right])
    return (stereo / max(1.0, np.abs(stereo).max() / 0.9)).astype(np.float32)
