"""Decoded audio frames in one shape: ``[C, T]`` float32 at the first frame's channel count and sample rate,
whatever later frames carry. A TV recording may switch between a mono programme and stereo adverts, and
recordings joined end to end may differ in rate; FFmpeg decodes each part as it is.

A later part with another channel count is folded to the mean of its channels (what the upmix folds any
input to) and given the first part's channel count; another rate is resampled to the first part's.
"""
from __future__ import annotations

import av
import numpy as np


class FrameConverter:
    """:meth:`convert` each decoded frame in order (``at_s``: where it goes in the decoded audio, for
    :attr:`changes`), then :meth:`flush`. :attr:`changes` lists ``(at_s, channels, rate)`` where a part
    with another channel count or rate began."""

    def __init__(self):
        self.rate: int | None = None
        self.channels: int | None = None
        self.changes: list[tuple[float, int, int]] = []
        self._key = None
        self._resampler = None
        self._shape = None  # (channels, rate) of the part being converted

    def convert(self, frame, at_s: float = 0.0) -> np.ndarray:
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        tail = None
        if key != self._key:
            shape = (frame.layout.nb_channels, frame.sample_rate)
            if self._resampler is None:
                self.channels, self.rate = shape
            else:
                tail = self.flush()
                if shape != self._shape:
                    self.changes.append((at_s, *shape))
            self._key, self._shape = key, shape
            self._resampler = av.AudioResampler(format="fltp", layout=frame.layout, rate=self.rate)
        data = self._fit(self._resampler.resample(frame))
        return data if tail is None or not tail.shape[1] else np.concatenate([tail, data], axis=1)

    def flush(self) -> np.ndarray:
        """What the resampler still holds (a rate conversion's last samples)."""
        if self._resampler is None:
            return np.zeros((0, 0), np.float32)
        return self._fit(self._resampler.resample(None))

    def _fit(self, frames) -> np.ndarray:
        arrays = [frame.to_ndarray() for frame in frames]
        if not arrays:
            return np.zeros((self.channels, 0), np.float32)
        data = arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=1)
        if data.shape[0] != self.channels:
            data = np.repeat(data.mean(axis=0, keepdims=True), self.channels, axis=0)
        return data
