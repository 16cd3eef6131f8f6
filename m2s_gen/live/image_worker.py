"""The spatial image of a stream, re-sampled by the model on the recent past.

Every :data:`UPDATE_HOPS` hops (0.48 s; the first after 0.24 s) a job takes the last
:data:`ENCODE_FRAMES` frames of the mid heard so far and

1. encodes them with the codec (the new frames, with :data:`ENCODE_CONTEXT_FRAMES` of context
   before them: the codec is convolutional) into the conditioning history;
2. summarises the whole history (:func:`m2s_gen.features.track_context`: a running track summary);
3. samples the spatial latent of the last :data:`SAMPLE_FRAMES` frames (10.24 s, as an offline
   segment) and makes the image as offline (:meth:`m2s_gen.Upmixer._images`: calibration, band-level
   anchoring to the width head, the prompt's attributes, band widths);
4. keeps, per band, the width the offline renderer would give that image and its coherence
   (:func:`summarise_image`).

The result is due :data:`APPLY_DELAY_HOPS` hops after the job started and is cross-faded in over
:data:`CROSSFADE_HOPS`. With ``realtime=True`` the jobs run in a background thread and the audio
never waits: an image not ready when due is counted as late and cross-faded in when it arrives.
With ``realtime=False`` the jobs run in the caller's thread, so the output depends only on the
input and the seed.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import torch

from .. import features, spatial
from .realtime import FrozenHeap

HOP = spatial.STFT_HOP
HOPS_PER_FRAME = spatial.STFT_FRAMES_PER_PARAM
UPDATE_HOPS = 48  # 0.48 s: 12 parameter frames
FIRST_UPDATE_HOPS = 24
APPLY_DELAY_HOPS = 48  # the model's time to make an image (half that for the first)
CROSSFADE_HOPS = 12
ENCODE_FRAMES = 48  # 1.92 s encoded per job (more after skipped jobs, up to RING_FRAMES)
ENCODE_CONTEXT_FRAMES = 12  # of which the first 0.48 s only give context (their latents are kept from before)
RING_FRAMES = 96  # the mid kept for the next job: 3.84 s
SAMPLE_FRAMES = 256  # the window the image is sampled on: 10.24 s, an offline segment
MAX_HISTORY_FRAMES = 15_000  # the track summary reads the last 10 minutes


def summarise_image(params: torch.Tensor, cond: torch.Tensor, mid_energy: np.ndarray | None = None,
                    hold: float = 0.0) -> np.ndarray:
    """Per-band ``[3B]`` (width dB, coherence re, im) of an image ``[3B, N]`` over its window.

    The width is the one the offline renderer gives the image: its ratios interpolated in dB to the
    10 ms STFT frames and weighted with the mid's band energies there (``mid_energy`` ``[B, 4N]``,
    the latest frames last; a swinging ratio then loses 1-2 dB against the energy-weighted width of
    the 40 ms frames, :func:`m2s_gen.spatial._hold_band_widths`), moved by ``hold`` 0..1 towards
    that energy-weighted width (the mid's band energies read from ``cond`` ``[C, N]``). Without
    ``mid_energy``: the energy-weighted width."""
    num_bands = spatial.NUM_BANDS
    mid_db = cond[-num_bands:].double() * features.MID_DB_SCALE + features.MID_DB_CENTRE
    e_mid = 10 ** (mid_db / 10)
    ratio_db, coh_re, coh_im = params.double().chunk(3, dim=-2)
    e_side = e_mid * 10 ** (ratio_db / 10)
    total_mid, total_side = e_mid.sum(-1) + 1e-20, e_side.sum(-1) + 1e-20
    level = 10 * torch.log10(total_side / total_mid)
    if mid_energy is not None and mid_energy.shape[-1] > 0:
        energy = torch.from_numpy(mid_energy).double()
        per_frame = spatial._to_stft_frames(ratio_db, ratio_db.shape[-1] * HOPS_PER_FRAME)[..., -energy.shape[-1]:]
        realised = 10 * torch.log10(((energy * 10 ** (per_frame / 10)).sum(-1) + 1e-20) / (energy.sum(-1) + 1e-20))
        level = realised + float(hold) * (level - realised)
    # the coherence: the direction of its side-energy-weighted mean, the size that keeps the coherent
    # share of the side's energy (a mean of swinging coherences alone would be smaller)
    mean_re, mean_im = (coh_re * e_side).sum(-1) / total_side, (coh_im * e_side).sum(-1) / total_side
    size = torch.sqrt(((coh_re**2 + coh_im**2) * e_side).sum(-1) / total_side)
    scale = size / torch.sqrt(mean_re**2 + mean_im**2).clamp(min=1e-9)
    out = torch.cat([level, mean_re * scale, mean_im * scale])
    return spatial.clamp_params(out[:, None]).squeeze(-1).detach().numpy()


#: Before the model's first image the stream renders the training music's typical width per band this
#: many dB down: a quiet, generic side (none at all measured worse on the side's spectrum, the full
#: typical width worse on the width; BENCHMARKS.md, "Live streaming").
START_BELOW_TYPICAL_DB = 10.0


def initial_image(config) -> np.ndarray:
    """The image before the model has heard anything (see :data:`START_BELOW_TYPICAL_DB`), no coherence."""
    typical = config.band_level_profile_db if config.band_level_profile_db is not None \
        else [features.RATIO_CENTRE_DB] * spatial.NUM_BANDS
    level = np.asarray(typical, dtype=np.float64) + config.side_level_offset_db - START_BELOW_TYPICAL_DB
    return np.concatenate([np.clip(level, spatial.RATIO_FLOOR_DB, spatial.RATIO_CEIL_DB),
                           np.zeros(2 * spatial.NUM_BANDS)])


MODEL_THREAD_NICENESS = 10


def _lower_priority() -> None:
    """The model thread yields the CPU to the audio thread (and to the rest of the machine): a late
    image costs a little quality, a late block is a click. The thread starts at the first image,
    from the audio thread, and would inherit its real-time scheduling: it goes back to the normal
    scheduler first. Linux sets niceness per thread; elsewhere this does nothing."""
    import os

    try:
        if hasattr(os, "sched_setscheduler") and os.sched_getscheduler(0) != os.SCHED_OTHER:
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), MODEL_THREAD_NICENESS)
    except (AttributeError, OSError):
        pass


class ImageModel:
    """The model's side of a stream: the conditioning history and one image per job."""

    def __init__(self, upmixer, settings, prompt, width_db, band_widths_db, seed: int):
        self.up = upmixer
        self.settings = settings
        self.attrs, self.mask = upmixer._attribute_condition(prompt, width_db)
        self.targets = upmixer._attribute_targets(prompt, width_db)
        self.band_widths_db = band_widths_db
        self.seed = int(seed)
        self.level_offset = None
        head = upmixer.width_head
        if settings.level_spread > 0 and head is not None and upmixer.config.anchor_to_width_head:
            self.level_offset = head.draw_offsets_db(self.seed * 7_919 % (2**62), settings.level_spread)
        channels = upmixer.denoiser.config.cond_channels
        self.history = np.zeros((channels, 0), dtype=np.float32)
        self.history_start = 0  # absolute frame of history[:, 0]

    def _store(self, cond: np.ndarray, first_frame: int) -> None:
        """Write frames ``first_frame ..`` of the conditioning into the history."""
        end = first_frame + cond.shape[1]
        have_end = self.history_start + self.history.shape[1]
        if end > have_end:
            self.history = np.concatenate([self.history, np.zeros((cond.shape[0], end - have_end), np.float32)], 1)
        self.history[:, first_frame - self.history_start:end - self.history_start] = cond
        if self.history.shape[1] > MAX_HISTORY_FRAMES:
            drop = self.history.shape[1] - MAX_HISTORY_FRAMES
            self.history, self.history_start = self.history[:, drop:], self.history_start + drop

    @torch.inference_mode()
    def image(self, index: int, num_frames: int, window: np.ndarray, mid_energy: np.ndarray) -> np.ndarray:
        """Job ``index``: the mid heard up to frame ``num_frames``; ``window`` its last samples
        (up to ``ENCODE_FRAMES`` frames) at the model rate; ``mid_energy`` ``[B, n]`` its band
        energies at the renderer's latest ``n`` STFT frames -> the image ``[3B]``."""
        up = self.up
        # 1. encode the new frames with their context
        cond = features.mono_conditioning(up.codec, torch.from_numpy(window).float()[None], up.config.latent_scale)
        if not up.config.use_codec_latents:
            cond = features.without_latents(cond)
        cond = cond[0].float().numpy()
        first = num_frames - cond.shape[1]
        keep = 0 if first == 0 else ENCODE_CONTEXT_FRAMES
        self._store(cond[:, keep:], first + keep)
        history = torch.from_numpy(self.history[:, :num_frames - self.history_start])
        # 2. the running track summary; 3. the image of the last SAMPLE_FRAMES frames
        context = features.track_context(history) if up.uses_track_context() else None
        recent = history[:, -SAMPLE_FRAMES:][None]
        s = self.settings
        generator = torch.Generator().manual_seed((self.seed * 1_000_003 + index) % (2**62))
        draws = up._sample(recent.repeat_interleave(s.num_draws, 0).to(up.device), self.attrs, self.mask,
                           s.num_steps, s.guidance_scale, generator, s.temperature, context)
        params = up._images(draws, recent, self.targets, self.band_widths_db, s.calibrate,
                            s.band_level_anchor, self.level_offset)
        # 4. per band over the window
        return summarise_image(params[0], recent[0], mid_energy[:, -recent.shape[-1] * HOPS_PER_FRAME:], s.hold)


class ImageSchedule:
    """When images are asked for, when they are due, and the cross-fade between them.

    ``advance(mid_hop, mid_energy)`` once per hop of the mid at the model rate, after that hop is rendered;
    ``image()`` the image ``[3B]`` to render the next hop with.
    """

    def __init__(self, model: ImageModel, realtime: bool):
        self.model = model
        self.realtime = realtime
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="m2s-image",
                                           initializer=_lower_priority) if realtime else None
        self.heap_frozen = realtime
        if realtime:  # no full garbage collection of the model's objects may stall the audio thread
            FrozenHeap.acquire()
        self.lock = threading.Lock()
        self.ring = np.zeros(RING_FRAMES * spatial.PARAM_HOP)
        self.encoded_frames = 0  # frames the jobs so far were given
        self.running: Future | None = None
        self.skipped_images = 0
        self.energy_ring = np.zeros((spatial.NUM_BANDS, SAMPLE_FRAMES * HOPS_PER_FRAME))
        self.num_hops = 0
        self.num_jobs = 0
        self.due: dict[int, Future] = {}
        self.overdue: list[Future] = []
        self.late_images = 0
        self.job_seconds: list[float] = []
        self.current = initial_image(model.up.config)
        self.fade_from = self.fade_to = None
        self.fade_pos = 0

    def image(self) -> np.ndarray:
        return self.current

    def _job(self, index: int, num_frames: int, window: np.ndarray, energy: np.ndarray) -> np.ndarray:
        import time

        start = time.perf_counter()
        out = self.model.image(index, num_frames, window, energy)
        with self.lock:
            self.job_seconds.append(time.perf_counter() - start)
        return out

    def _submit(self) -> Future:
        num_frames = self.num_hops // HOPS_PER_FRAME
        new_frames = num_frames - self.encoded_frames
        self.encoded_frames = num_frames
        length = min(num_frames, max(ENCODE_FRAMES, new_frames + ENCODE_CONTEXT_FRAMES), RING_FRAMES) * spatial.PARAM_HOP
        window = self.ring[len(self.ring) - length:].copy()
        energy = self.energy_ring[:, self.energy_ring.shape[1] - min(self.num_hops, self.energy_ring.shape[1]):].copy()
        index = self.num_jobs
        self.num_jobs += 1
        if self.executor is not None:
            return self.executor.submit(self._job, index, num_frames, window, energy)
        future: Future = Future()
        future.set_result(self._job(index, num_frames, window, energy))
        return future

    def _start_fade(self, image: np.ndarray) -> None:
        self.fade_from, self.fade_to, self.fade_pos = self.current.copy(), image, 0

    def advance(self, mid_hop: np.ndarray, mid_energy: np.ndarray) -> None:
        """After a hop: its mid ``[HOP]`` and the renderer's band energies of it ``[B]``."""
        self.ring = np.concatenate([self.ring[HOP:], mid_hop])  # the last ENCODE_FRAMES frames heard
        self.energy_ring = np.roll(self.energy_ring, -1, axis=1)
        self.energy_ring[:, -1] = mid_energy
        self.num_hops += 1
        h = self.num_hops
        if h == FIRST_UPDATE_HOPS or (h >= UPDATE_HOPS and h % UPDATE_HOPS == 0):
            if self.running is not None and not self.running.done():
                self.skipped_images += 1
            else:
                self.running = self.due[h + min(APPLY_DELAY_HOPS, h)] = self._submit()
        job = self.due.pop(h, None)
        if job is not None:
            if job.done() or not self.realtime:
                self._start_fade(job.result())
            else:
                self.late_images += 1
                self.overdue.append(job)
        if self.overdue and self.overdue[0].done():  # a late image: faded in as soon as it is there
            self._start_fade(self.overdue.pop(0).result())
        if self.fade_to is not None:
            self.fade_pos += 1
            t = self.fade_pos / CROSSFADE_HOPS
            self.current = self.fade_from + (self.fade_to - self.fade_from) * min(t, 1.0)
            if t >= 1:
                self.fade_to = None

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
        if self.heap_frozen:
            self.heap_frozen = False
            FrozenHeap.release()
