"""The requested broadband width (``width_db``) held by a running gain on the side.

Offline, the side is scaled once so that the whole output has ``10 log10(E_S / E_M) = width_db``
(:meth:`m2s_gen.Upmixer._width_gain`). A stream measures the two energies with exponential
averages (:data:`TIME_CONSTANT_S`) and moves the gain every :data:`STEP_SAMPLES` samples of the
stream (a linear ramp within the step), so the result does not depend on how the input is cut.
"""
from __future__ import annotations

import math

import numpy as np

TIME_CONSTANT_S = 4.0
STEP_SAMPLES = 480
#: The image already meets the width (the model's steering); this gain only corrects the renderer,
#: by a few dB at most: it must not chase the silent side of the stream's first half second.
MAX_GAIN_DB = 6.0


class RunningWidthGain:
    """``process(mid [n], side [n]) -> side [n]`` scaled towards ``width_db``."""

    def __init__(self, width_db: float, sample_rate: int):
        self.target = 10 ** (float(width_db) / 10)
        self.step = max(1, int(round(STEP_SAMPLES * sample_rate / 48_000)))
        self.decay = math.exp(-self.step / (TIME_CONSTANT_S * sample_rate))
        self.e_mid = self.e_side = 0.0
        self.gain = self.next_gain = 1.0
        self.pos = 0  # samples into the current step
        self.acc_mid = self.acc_side = 0.0

    def process(self, mid: np.ndarray, side: np.ndarray) -> np.ndarray:
        out = np.empty(len(side), dtype=np.float32)
        done = 0
        while done < len(side):
            take = min(self.step - self.pos, len(side) - done)
            ramp = self.gain + (self.next_gain - self.gain) * (self.pos + np.arange(take) + 1) / self.step
            m, s = mid[done:done + take].astype(np.float64), side[done:done + take].astype(np.float64)
            out[done:done + take] = s * ramp
            self.acc_mid += float(m @ m)
            self.acc_side += float(s @ s)
            self.pos += take
            done += take
            if self.pos == self.step:  # a step ends: update the energies and aim the next ramp
                self.e_mid = self.decay * self.e_mid + self.acc_mid
                self.e_side = self.decay * self.e_side + self.acc_side
                self.acc_mid = self.acc_side = 0.0
                self.pos = 0
                self.gain = self.next_gain
                if self.e_side > 1e-20 and self.e_mid > 1e-20:
                    gain_db = 10 * math.log10(self.e_mid / self.e_side * self.target)
                    self.next_gain = 10 ** (min(max(gain_db, -MAX_GAIN_DB), MAX_GAIN_DB) / 20)
        return out
