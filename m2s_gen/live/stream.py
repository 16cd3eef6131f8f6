"""``UpmixStream``: mono blocks in, stereo blocks out, at a fixed latency.

The audio path, per block of the input at ``sample_rate``::

    mono -> [to 48 kHz] -> causal renderer (one frame per 10 ms hop, image from the schedule)
         -> side -> [back to sample_rate] -> width gain -> peak limiter (look-ahead)
    L = M' + S, R = M' - S, with M' the input delayed by ``latency_samples``.

Every stage is deterministic per sample and keeps its state between calls, so how the input is cut
into blocks does not change the output (with ``realtime=True``, as long as no image is late). The
latency is the renderer's 40 ms, the limiter's look-ahead and, at rates other than 48 kHz, the two
resamplers' delays, rounded up so that the side path's delay is a whole number of input samples.
"""
from __future__ import annotations

import numpy as np

from .. import spatial
from .causal_render import FRAME_LAG_SAMPLES, HOP, RENDER_LATENCY_SAMPLES, CausalSideRenderer
from .image_worker import ImageModel, ImageSchedule
from .limiter import LOOKAHEAD_SAMPLES, StreamLimiter
from .resampler import HALF_TAPS, StreamResampler, rate_ratio
from .settings import check_controls, resolve_settings
from .width_gain import RunningWidthGain

MODEL_RATE = spatial.MODEL_SAMPLE_RATE


def side_path_delays(sample_rate: int) -> tuple[int, int]:
    """(renderer delay at the model rate, whole side-path delay at ``sample_rate``), in samples."""
    if sample_rate == MODEL_RATE:
        return RENDER_LATENCY_SAMPLES, RENDER_LATENCY_SAMPLES
    up, down = rate_ratio(sample_rate, MODEL_RATE)  # 48k / rate ~= up / down
    # in: HALF_TAPS input samples; renderer R and out: HALF_TAPS at 48 kHz = (R + HALF_TAPS) * down / up inputs
    render = RENDER_LATENCY_SAMPLES
    render += (-(render + HALF_TAPS)) % up  # so that (render + HALF_TAPS) * down / up is whole
    return render, HALF_TAPS + (render + HALF_TAPS) * down // up


def latency_samples(sample_rate: int) -> int:
    """The stream's latency at ``sample_rate``, in samples (what ``UpmixStream.latency_samples`` says)."""
    return side_path_delays(int(sample_rate))[1] + LOOKAHEAD_SAMPLES


class UpmixStream:
    """A live upmix of one mono stream. Make it with :meth:`m2s_gen.Upmixer.stream`.

    ``process(block [n]) -> stereo [n, 2]`` float32, for any ``n`` (0 included); ``flush()`` returns
    the last ``latency_samples`` frames (the input's tail). Output frame ``t`` is the upmix of input
    frame ``t - latency_samples``; its fold-down ``(L + R) / 2`` is that input sample.
    """

    def __init__(self, upmixer, sample_rate: int, *, prompt=None, width_db=None, bass_mono_hz=None,
                 band_widths_db=None, preset=None, seed=None, num_steps=None, realtime: bool = True):
        import torch

        # 1. check the controls as the offline call does
        check_controls(sample_rate, width_db, bass_mono_hz, num_steps)
        settings = resolve_settings(upmixer, prompt, width_db, preset, num_steps)
        band_widths_db = upmixer._check_band_widths(band_widths_db)
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,)))
        self.sample_rate = int(sample_rate)
        self.seed = int(seed)
        self.settings = settings
        # 2. the stages
        weights = upmixer.config.time_course_weights
        course = (weights, settings.time_course) if weights is not None and settings.time_course > 0 else None
        self.renderer = CausalSideRenderer(seed=self.seed, time_course=course,
                                           envelope_subbands=1 if settings.diffuse else spatial.ENVELOPE_SUBBANDS,
                                           bass_mono_hz=bass_mono_hz)
        self.schedule = ImageSchedule(ImageModel(upmixer, settings, prompt, width_db, band_widths_db, self.seed),
                                      realtime=realtime)
        render_delay, side_delay = side_path_delays(self.sample_rate)
        self.to_model = StreamResampler(self.sample_rate, MODEL_RATE)
        self.to_input = StreamResampler(MODEL_RATE, self.sample_rate)
        self.side_delay = side_delay
        self.latency_samples = latency_samples(self.sample_rate)
        # side at the model rate: sample i is the side of mid sample i - render_delay
        self.side_fifo = np.zeros(render_delay - FRAME_LAG_SAMPLES, dtype=np.float64)
        self.pending_mid = np.zeros(0, dtype=np.float64)
        self.side_in = np.zeros(0, dtype=np.float32)  # side at the input rate, not yet paired with the mid
        self.mid_delay = np.zeros(side_delay, dtype=np.float32)  # the input, delayed as the side
        self.width = RunningWidthGain(width_db, self.sample_rate) if width_db is not None else None
        self.limiter = StreamLimiter()
        self.num_in = 0
        self.closed = False

    # -- the audio path -------------------------------------------------------------------------
    def _side_at_model_rate(self, mid: np.ndarray) -> np.ndarray:
        """Mid at the model rate ``[n]`` -> as many side samples, delayed by the renderer."""
        self.pending_mid = np.concatenate([self.pending_mid, mid])
        hops = len(self.pending_mid) // HOP
        out = [self.side_fifo]
        for k in range(hops):
            hop = self.pending_mid[k * HOP:(k + 1) * HOP]
            out.append(self.renderer.frame(hop, self.schedule.image()))
            self.schedule.advance(hop, self.renderer.mid_energy)
        self.pending_mid = self.pending_mid[hops * HOP:]
        side = np.concatenate(out)
        self.side_fifo = side[len(mid):]
        return side[:len(mid)]

    def process(self, block) -> np.ndarray:
        """Mono ``[n]`` (any float or int array; ``[n, 1]`` accepted) -> stereo ``[n, 2]`` float32."""
        if self.closed:
            raise RuntimeError("this stream was flushed; make a new one")
        x = np.asarray(block, dtype=np.float32)
        if x.ndim == 2 and 1 in x.shape:
            x = x.reshape(-1)
        if x.ndim != 1:
            raise ValueError(f"block must be mono [n], got shape {x.shape}")
        if not np.isfinite(x).all():
            raise ValueError("block contains NaN or infinite samples")
        n = len(x)
        self.num_in += n
        mid48 = self.to_model.process(x)
        side48 = self._side_at_model_rate(mid48.astype(np.float64))
        self.side_in = np.concatenate([self.side_in, self.to_input.process(side48)])
        delayed = np.concatenate([self.mid_delay, x])
        mid, self.mid_delay = delayed[:n], delayed[n:]
        # the side path's output count can trail the input's by a sample at odd rates: pad with silence
        side = self.side_in[:n]
        if len(side) < n:
            side = np.concatenate([side, np.zeros(n - len(side), np.float32)])
        self.side_in = self.side_in[n:]
        if self.width is not None:
            side = self.width.process(mid, side)
        mid, side = self.limiter.process(mid, side)
        return np.stack([mid + side, mid - side], axis=1).astype(np.float32)

    def flush(self) -> np.ndarray:
        """The last ``latency_samples`` frames ``[latency_samples, 2]``; the stream is closed after."""
        out = self.process(np.zeros(self.latency_samples, dtype=np.float32))
        self.close()
        return out

    def close(self) -> None:
        """Stop the image thread (flush does it too)."""
        self.closed = True
        self.schedule.close()

    @property
    def skipped_images(self) -> int:
        """Image updates not started because the model was still busy with the previous one."""
        return self.schedule.skipped_images

    @property
    def late_images(self) -> int:
        """Images the model delivered after they were due (rendered late, with the previous image meanwhile)."""
        return self.schedule.late_images

    def __enter__(self) -> "UpmixStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
