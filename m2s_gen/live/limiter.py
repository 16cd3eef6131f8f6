"""Peak safety for a stream: :func:`m2s_gen.peak.limit_side` with a look-ahead instead of the whole signal.

The offline limiter scales the side by a running mean of a running minimum of the allowed gain
``(ceiling - |mid|) / |side|``, both centred windows of :data:`m2s_gen.peak.WINDOW_SAMPLES`; the
gain of sample ``n`` reads the allowed gains of ``n - W + 1 .. n + W - 1``. The stream does the same
with ``W - 1`` samples of look-ahead, which is its share of the latency. Only the side is scaled, so
the fold-down is untouched.
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import minimum_filter1d

from ..peak import WINDOW_SAMPLES

LOOKAHEAD_SAMPLES = WINDOW_SAMPLES - 1


class StreamLimiter:
    """``process(mid [n], side [n]) -> (mid [n], side [n])``, both delayed by :data:`LOOKAHEAD_SAMPLES`."""

    def __init__(self, ceiling: float = 1.0):
        self.ceiling = float(ceiling)
        half = WINDOW_SAMPLES // 2
        self.context = 2 * half  # finished samples kept behind the next one to finish
        # the stream starts with LOOKAHEAD_SAMPLES of silence (its delay), behind `context` of allowed gain 1
        self.mid = np.zeros(self.context + LOOKAHEAD_SAMPLES, dtype=np.float32)
        self.side = np.zeros(self.context + LOOKAHEAD_SAMPLES, dtype=np.float32)
        self.allowed = np.ones(self.context + LOOKAHEAD_SAMPLES, dtype=np.float64)

    def _allowed(self, mid: np.ndarray, side: np.ndarray) -> np.ndarray:
        headroom = np.maximum(self.ceiling - np.abs(mid.astype(np.float64)), 0.0)
        magnitude = np.abs(side.astype(np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):
            allowed = np.where(magnitude > 0, headroom / np.maximum(magnitude, 1e-12), 1.0)
        return np.minimum(allowed, 1.0)

    def process(self, mid: np.ndarray, side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(mid)
        self.mid = np.concatenate([self.mid, mid.astype(np.float32)])
        self.side = np.concatenate([self.side, side.astype(np.float32)])
        self.allowed = np.concatenate([self.allowed, self._allowed(mid, side)])
        # buffer: [context | n samples to finish | LOOKAHEAD_SAMPLES ahead]
        first = self.context
        allowed = self.allowed
        if n and bool((allowed < 1).any()):
            half = WINDOW_SAMPLES // 2
            minimum = minimum_filter1d(allowed, WINDOW_SAMPLES, mode="nearest")
            total = np.concatenate([[0.0], np.cumsum(minimum)])
            centre = np.arange(first, first + n)
            gain = (total[centre + half + 1] - total[centre - half]) / WINDOW_SAMPLES
            gain = np.minimum(gain, allowed[first:first + n])
        else:
            gain = np.ones(n)
        mid_out = self.mid[first:first + n].copy()
        side_out = (self.side[first:first + n] * gain).astype(np.float32)
        keep = len(self.mid) - n - first + self.context  # context + look-ahead after the step
        self.mid, self.side, self.allowed = self.mid[-keep:], self.side[-keep:], self.allowed[-keep:]
        return mid_out, side_out
