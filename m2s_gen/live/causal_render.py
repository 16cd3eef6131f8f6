"""The side rendered frame by frame from audio already heard: a causal :func:`m2s_gen.spatial.render_side`.

Same STFT as offline (Hann 40 ms, hop 10 ms), but frame ``k`` ends where the input ends
(samples ``480 k - 1440 .. 480 k + 480``) instead of being centred, and every step of the offline
renderer that looked at a whole 10 s segment is replaced by a running estimate:

- the image (per band: side-to-mid ratio, complex coherence) is the latest one the model gave,
  cross-faded (:class:`m2s_gen.live.image_worker.ImageSchedule`);
- the decorrelated copy of the mid is a causal FIR (:func:`m2s_gen.spatial.decorrelation_filter`),
  orthogonalised against M per band and matched to M's energy per sub-band in every frame, as offline;
- the time course (:mod:`m2s_gen.time_course`): envelope followers run forwards only; the
  both-ways follower's backward half, which needs the future, is replaced by the present frame's
  energy; the centring means over the segment's active tiles are running means; each band's width
  is held by a running correction instead of a shift over the segment;
- the energy the decorrelated part loses in the overlap-add (made up offline by round trips through
  the STFT) is measured on a second overlap-add of it, 30 ms later, and made up by a per-sub-band
  gain that follows the measurement (averaged over a few frames).

A sample of the side is final once the last frame covering it is added: 1440 to 1919 samples after
it arrived, so the renderer's output lags its input by :data:`RENDER_LATENCY_SAMPLES` (40 ms).
Everything runs at :data:`m2s_gen.spatial.MODEL_SAMPLE_RATE`.
"""
from __future__ import annotations

import math

import numpy as np

from .. import spatial
from ..time_course import ACTIVE_RANGE_DB, NUM_ENVELOPE_FEATURES, TIME_CONSTANTS_S

HOP = spatial.STFT_HOP
WINDOW = spatial.STFT_WINDOW
RENDER_LATENCY_SAMPLES = WINDOW
#: The samples a frame finishes start this many samples before the frame's last input sample + 1.
FRAME_LAG_SAMPLES = WINDOW - HOP
#: Overlap-add gain of the Hann analysis and synthesis windows at 75 % overlap (sum of w^2 per hop).
_OLA_GAIN = 1.5
#: Running means of the envelope features and of the widths held: time constant, s.
RUNNING_MEAN_S = 5.0
#: The running loudest frame per band falls by this many dB per second (the segment's maximum offline).
PEAK_FALL_DB_PER_S = 1.0
#: The make-up gain of the decorrelated part: averaging of the energies (per frame), its range.
RESTORE_SMOOTHING = 0.3
RESTORE_MAX_GAIN = 4.0
#: Share of the loss (in dB) made up: the offline round trips leave part of it (their output is again
#: an overlap-add), and the model's side levels were calibrated with that renderer.
RESTORE_SHARE = 0.85
_EPS = 1e-10
_NUM_FEATURES = NUM_ENVELOPE_FEATURES


def _band_sum(values: np.ndarray, bins: np.ndarray, num_bands: int) -> np.ndarray:
    return np.bincount(bins, weights=values, minlength=num_bands)


class CausalSideRenderer:
    """``frame(image [3B]) -> side [HOP]``, one call per hop of input (see the module text).

    Args:
        seed: picks the decorrelation filter, as offline.
        time_course: ``(weights [B][1 + K], scale)`` or None (as offline).
        envelope_subbands: as :func:`m2s_gen.spatial.render_side`.
        bass_mono_hz: high-pass of the side (as :meth:`m2s_gen.Upmixer._remove_bass`), or None.
    """

    def __init__(self, seed: int = 0, time_course: tuple | None = None,
                 envelope_subbands: int = spatial.ENVELOPE_SUBBANDS, bass_mono_hz: float | None = None):
        self.num_bands = spatial.NUM_BANDS
        self.bins = spatial.band_of_bin(self.num_bands).numpy()
        self.num_fine = envelope_subbands * self.num_bands
        self.fine_bins = spatial.band_of_bin(self.num_fine).numpy()
        self.window = np.hanning(WINDOW + 1)[:WINDOW]  # periodic Hann, as torch.hann_window
        h = spatial.decorrelation_filter(seed).double().numpy()
        self.filter_len = len(h)
        self.conv_fft = 1 << (self.filter_len + HOP - 1).bit_length()
        self.filter_spec = np.fft.rfft(h, self.conv_fft)
        self.mid = np.zeros(WINDOW)  # the latest WINDOW samples of the mid
        self.wet = np.zeros(WINDOW)  # and of its decorrelated copy
        self.side_acc = np.zeros(WINDOW)  # overlap-add of the side, aligned with the latest frame
        self.diffuse_acc = np.zeros(WINDOW)  # and of its decorrelated part alone
        self.diffuse_done = np.zeros(WINDOW)  # the latest finished samples of the decorrelated part
        self.want_history = [np.zeros(self.num_fine)] * 3  # wanted energies of the 3 frames before
        self.restore_gain = np.ones(self.num_fine)
        self.restore_want = self.restore_have = None
        self.bass_gain = None
        if bass_mono_hz:
            freqs = np.linspace(0, spatial.MODEL_SAMPLE_RATE / 2, WINDOW // 2 + 1)
            ramp = np.clip((np.log2(np.maximum(freqs, 1e-3) / bass_mono_hz) + 0.5) / 0.5, 0, 1)
            self.bass_gain = 0.5 - 0.5 * np.cos(np.pi * ramp)
        self.course = None
        if time_course is not None and time_course[1] > 0:
            weights = np.asarray(time_course[0], dtype=np.float64)
            if weights.shape != (self.num_bands, 1 + _NUM_FEATURES):
                raise ValueError(f"time_course_weights must have shape [{self.num_bands}, {1 + _NUM_FEATURES}], "
                                 f"got {list(weights.shape)}")
            self.course = (weights[:, 1:], float(time_course[1]))  # the model-ratio term: 0 for a held image
        frames_per_s = spatial.MODEL_SAMPLE_RATE / HOP
        self.decays = np.array([math.exp(-1.0 / (tau * frames_per_s)) for tau in TIME_CONSTANTS_S])
        self.mean_rate = 1.0 / (RUNNING_MEAN_S * frames_per_s)
        self.peak_fall_db = PEAK_FALL_DB_PER_S / frames_per_s
        self.followers = None  # [K, B] forwards envelope followers (energy)
        self.feature_mean = np.zeros((_NUM_FEATURES, self.num_bands))
        self.feature_count = np.zeros(self.num_bands)
        self.peak_db = np.full(self.num_bands, -np.inf)
        self.width_have = self.width_want = None
        self.num_frames = 0
        self.mid_energy = np.zeros(self.num_bands)  # the latest frame's band energies of the mid

    # -- the pieces of one frame ------------------------------------------------------------------
    def _push_input(self, mid_hop: np.ndarray) -> None:
        """Append one hop of mid and of its decorrelated copy (causal FIR)."""
        context = np.concatenate([self.mid[-(self.filter_len - 1):], mid_hop])
        wet = np.fft.irfft(np.fft.rfft(context, self.conv_fft) * self.filter_spec, self.conv_fft)
        wet_hop = wet[self.filter_len - 1:self.filter_len - 1 + HOP]
        self.mid = np.concatenate([self.mid[HOP:], mid_hop])
        self.wet = np.concatenate([self.wet[HOP:], wet_hop])

    def _ratio(self, level_db: np.ndarray, e_mid: np.ndarray) -> np.ndarray:
        """Per-band ratio of this frame: the image's level moved by the predicted time course."""
        if self.course is None:
            return level_db
        weights, scale = self.course
        mid_db = 10 * np.log10(e_mid + _EPS)
        if self.followers is None:
            self.followers = np.tile(e_mid, (len(self.decays), 1))
            self.width_have = e_mid * 10 ** (level_db / 10) + _EPS
            self.width_want = self.width_have.copy()
        else:
            self.followers = self.decays[:, None] * self.followers + (1 - self.decays[:, None]) * e_mid
        both = 0.5 * (self.followers + e_mid)  # the backward follower's look-ahead: the present frame
        raw = np.empty((_NUM_FEATURES, self.num_bands))
        raw[0::2] = mid_db - 10 * np.log10(self.followers + 1e-12)
        raw[1::2] = mid_db - 10 * np.log10(both + 1e-12)
        self.peak_db = np.maximum(mid_db, self.peak_db - self.peak_fall_db)
        active = mid_db >= self.peak_db - ACTIVE_RANGE_DB
        self.feature_count += active
        rate = np.where(active, np.maximum(1.0 / np.maximum(self.feature_count, 1), self.mean_rate), 0.0)
        self.feature_mean += rate * (raw - self.feature_mean)
        centred = (raw - self.feature_mean) * active
        predicted = np.einsum("bk,kb->b", weights, centred)
        ratio = level_db + scale * predicted
        # hold each band's width: the running energy-weighted width of the moved ratios against the image's
        shift = 10 * np.log10(self.width_have / self.width_want)
        ratio = np.clip(ratio - shift, spatial.RATIO_FLOOR_DB, spatial.RATIO_CEIL_DB)
        a = self.mean_rate * 4  # a little faster than the means: about 1.2 s
        self.width_have = (1 - a) * self.width_have + a * (e_mid * 10 ** ((ratio + shift) / 10) + _EPS)
        self.width_want = (1 - a) * self.width_want + a * (e_mid * 10 ** (level_db / 10) + _EPS)
        return ratio

    def _restore(self, want_now: np.ndarray) -> None:
        """Measure what the overlap-add kept of the (un-made-up) decorrelated part of 3 frames ago
        and set the make-up gain from it: open loop, so it cannot oscillate."""
        done = np.fft.rfft(self.diffuse_done * self.window)
        have = _band_sum(np.abs(done) ** 2, self.fine_bins, self.num_fine)
        want = self.want_history[0]
        self.want_history = self.want_history[1:] + [want_now]
        if self.restore_want is None:
            self.restore_want, self.restore_have = want.copy(), have.copy()
        s = RESTORE_SMOOTHING
        self.restore_want = (1 - s) * self.restore_want + s * want
        self.restore_have = (1 - s) * self.restore_have + s * have
        gain = ((self.restore_want + _EPS) / (self.restore_have + _EPS)) ** (0.5 * RESTORE_SHARE)
        self.restore_gain = np.clip(gain, 1 / RESTORE_MAX_GAIN, RESTORE_MAX_GAIN)

    def frame(self, mid_hop: np.ndarray, image: np.ndarray) -> np.ndarray:
        """One hop of mid ``[HOP]`` in, the image ``[3B]`` (ratio dB, coh re, coh im) to render it
        with; out: the ``HOP`` side samples this frame finishes (those of 1440 samples before)."""
        self._push_input(np.asarray(mid_hop, dtype=np.float64))
        m_spec = np.fft.rfft(self.mid * self.window)
        d_spec = np.fft.rfft(self.wet * self.window)
        power_m = np.abs(m_spec) ** 2
        e_mid = _band_sum(power_m, self.bins, self.num_bands)
        self.mid_energy = e_mid
        # decorrelated copy: orthogonal to M per band, M's energy per sub-band
        proj = _band_sum((d_spec * m_spec.conj()).real, self.bins, self.num_bands) \
            + 1j * _band_sum((d_spec * m_spec.conj()).imag, self.bins, self.num_bands)
        d_perp = d_spec - (proj / (e_mid + _EPS))[self.bins] * m_spec
        e_m_fine = _band_sum(power_m, self.fine_bins, self.num_fine)
        e_d_fine = _band_sum(np.abs(d_perp) ** 2, self.fine_bins, self.num_fine)
        d_spec = d_perp * np.sqrt(e_m_fine / (e_d_fine + _EPS))[self.fine_bins]
        # the image at this frame
        level_db, coh_re, coh_im = np.split(np.asarray(image, dtype=np.float64), 3)
        mag = np.maximum(np.sqrt(coh_re**2 + coh_im**2), 1.0)
        coh_re, coh_im = coh_re / mag, coh_im / mag
        ratio_db = self._ratio(np.clip(level_db, spatial.RATIO_FLOOR_DB, spatial.RATIO_CEIL_DB), e_mid)
        gain = 10 ** (ratio_db / 20)
        diffuse = np.sqrt(np.clip(1 - coh_re**2 - coh_im**2, 0, None))
        diffuse_spec = (gain * diffuse)[self.bins] * d_spec
        want = _band_sum(np.abs(diffuse_spec) ** 2, self.fine_bins, self.num_fine)
        side_spec = (gain * (coh_re + 1j * coh_im))[self.bins] * m_spec + diffuse_spec * self.restore_gain[self.fine_bins]
        if self.bass_gain is not None:
            side_spec = side_spec * self.bass_gain
        synthesis = self.window / _OLA_GAIN
        self.side_acc += np.fft.irfft(side_spec, WINDOW) * synthesis
        self.diffuse_acc += np.fft.irfft(diffuse_spec, WINDOW) * synthesis
        out = self.side_acc[:HOP].copy()
        self.diffuse_done = np.concatenate([self.diffuse_done[HOP:], self.diffuse_acc[:HOP]])
        self.side_acc = np.concatenate([self.side_acc[HOP:], np.zeros(HOP)])
        self.diffuse_acc = np.concatenate([self.diffuse_acc[HOP:], np.zeros(HOP)])
        self._restore(want)
        self.num_frames += 1
        return out

