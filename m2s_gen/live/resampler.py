"""A streaming polyphase resampler with an integer delay, for the live side path.

The offline path resamples whole signals (:func:`m2s_gen.resample.resample`); a stream needs the same
conversion block by block, with a state, and with a known delay so that the side can be aligned with
the mid to the sample. The filter is a Kaiser-windowed sinc of ``2 * HALF_TAPS * U + 1`` taps at the
intermediate rate ``U * rate_in``: ``HALF_TAPS`` input samples on each side of the output instant,
so the delay is exactly :data:`HALF_TAPS` input samples.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

HALF_TAPS = 16  # input samples each side of an output instant: the resampler's delay
MAX_DENOMINATOR = 1000  # as m2s_gen.resample: odd rate pairs use a ratio within 1e-6 of the true one


def rate_ratio(rate_in: int, rate_out: int) -> tuple[int, int]:
    """``(up, down)`` with ``rate_out / rate_in ~= up / down`` (exact for ordinary rates)."""
    ratio = Fraction(int(rate_out), int(rate_in)).limit_denominator(MAX_DENOMINATOR)
    return ratio.numerator, ratio.denominator


class StreamResampler:
    """``process(x [n]) -> y [m]`` at ``rate_out``: every output sample whose inputs have arrived.

    Output ``j`` is the input at time ``j * down / up - HALF_TAPS`` (input samples): the stream starts
    with :data:`HALF_TAPS` input samples of delay (zeros before the first sample). Equal rates: identity,
    no delay.
    """

    def __init__(self, rate_in: int, rate_out: int):
        from scipy.signal import firwin

        self.up, self.down = rate_ratio(rate_in, rate_out)
        self.identity = self.up == self.down
        self.delay_in_samples = 0 if self.identity else HALF_TAPS
        if self.identity:
            return
        num_taps = 2 * HALF_TAPS * self.up + 1
        cutoff = 0.92 / max(self.up, self.down)  # of the intermediate Nyquist; a little below the lower rate's
        taps = firwin(num_taps, cutoff, window=("kaiser", 8.0)) * self.up
        # y[j] = sum_i taps[j * down - i * up] x[i]: a causal filter, centred HALF_TAPS inputs back.
        # With i_max = floor(j * down / up) and phase p = j * down - i_max * up, the terms are
        # x[i_max - t] * taps[p + t * up], t = 0 .. 2 * HALF_TAPS.
        self.num_phase_taps = 2 * HALF_TAPS + 1
        padded = np.zeros(self.up * (self.num_phase_taps + 1))
        padded[:num_taps] = taps
        self.phase_taps = padded[: self.up * self.num_phase_taps].reshape(self.num_phase_taps, self.up).T.copy()
        self.kept = np.zeros(self.num_phase_taps, dtype=np.float64)  # the latest inputs (zeros before the start)
        self.num_in = 0  # inputs consumed
        self.next_out = 0  # index of the next output

    def process(self, x: np.ndarray) -> np.ndarray:
        """Input samples ``[n]`` -> the outputs ``[m]`` they complete (float32)."""
        if self.identity:
            return np.asarray(x, dtype=np.float32)
        full = np.concatenate([self.kept, np.asarray(x, dtype=np.float64)])
        self.num_in += len(x)
        offset = self.num_in - len(full)  # absolute input index of full[0]
        last = (self.num_in * self.up - 1) // self.down  # largest j whose i_max has arrived
        j = np.arange(self.next_out, last + 1, dtype=np.int64)
        self.kept = full[-self.num_phase_taps:]
        if len(j) == 0:
            return np.zeros(0, dtype=np.float32)
        pos = j * self.down
        i_max = pos // self.up
        phase = pos - i_max * self.up
        idx = (i_max - offset)[:, None] - np.arange(self.num_phase_taps)[None, :]
        y = np.einsum("jt,jt->j", self.phase_taps[phase], full[idx])
        self.next_out = int(last) + 1
        return y.astype(np.float32)
