"""The upmixer: mono in, stereo out, the mid kept exactly.

``Upmixer(...)(mono, sample_rate)`` runs, for each overlapping segment of the input at the model
rate: codec latents of the mono -> diffusion sampling of the spatial latent (classifier-free guidance
over the style attributes) -> side signal rendered on the input's own spectrum. The segments' sides
are overlap-added, resampled back, and ``L = M + S``, ``R = M - S`` with ``M`` the input itself.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from diffusers import DPMSolverMultistepScheduler
from tqdm.auto import tqdm

from . import attributes, features, level_profile, posterior, presets, prompts, spatial, steering
from .smoothing import smooth_params
from .audio_io import read_audio, write_audio_atomic
from .peak import limit_side
from .resample import resample, resampled_length
from .segments import overlap_add, plan_segments

MAX_WIDTH_DB = 10.0
MIN_WIDTH_DB = -40.0
#: A requested side-mid coherence at or below this (the diffuse words) renders the decorrelated part
#: strictly decorrelated: its energy follows the mid per band, not per quarter band (spatial.render_side).
DIFFUSE_COHERENCE = 0.2


@dataclass
class UpmixerConfig:
    """Settings saved beside the weights (``upmixer_config.json``)."""

    latent_scale: float = 1.0
    segment_frames: int = 256  # 10.24 s per segment
    overlap_frames: int = 25  # 1 s cross-fade
    batch_segments: int = 1  # segments per sampler batch: 1 is fastest on a CPU (measured 1.7x), raise on a GPU
    default_num_steps: int = 12
    default_guidance_scale: float = 1.5
    default_temperature: float = 1.0  # initial-noise scale: 0 = the model's most typical image
    param_smooth_frames: int = 1  # energy-domain smoothing of the sampled parameters (frames of 40 ms)
    default_num_draws: int = 1  # diffusion draws averaged into one take (posterior.consensus); 1 = one draw
    ratio_offset_db: list[float] | None = None  # per-band calibration of the side-to-mid ratio (training.calibrate)
    coherence_scale: list[float] | None = None  # per-band calibration of the coherence magnitude
    band_level_profile_db: list[float] | None = None  # typical width per band (training.calibrate)
    band_level_flux_slope_db: list[float] | None = None  # its change per dB of bass movement (level_profile)
    band_level_anchor: float = 0.0  # 0..1: how far each band's level is moved to that profile
    default_calibrate: bool = True  # apply ratio_offset_db / coherence_scale (when present) by default
    presets: dict[str, dict] | None = None  # name -> sampler settings (m2s_gen.presets), over the built-in ones
    use_track_context: bool = True  # give a context-trained denoiser the input's summary (False: ablation)
    use_codec_latents: bool = True  # False: a model trained without them (ablation) gets zeros in their place
    anchor_to_width_head: bool = True  # anchor band levels to the width head's prediction, when the model has one
    default_level_spread: float = 0.0  # 0..2: band levels drawn around the head's prediction (0: its prediction)
    time_course_weights: list[list[float]] | None = None  # [B][1 + K]: the width's time course (m2s_gen.time_course)
    default_time_course: float = 1.0  # 0..2: how far the predicted time course replaces the sampled one
    hold_band_widths: float = 0.0  # 0..1: how far the renderer brings each band's width back to the image's
    side_level_offset_db: float = 0.0  # shift of every ratio of the image, dB (training.fit_side_level; 0: none)
    attribute_names: list[str] = field(default_factory=lambda: list(attributes.ATTRIBUTE_NAMES))
    codec: str = "codec"  # subfolder with our SeanetCodec, or "official:<folder>"
    format_version: int = 1


class Upmixer:
    """Generative mono-to-stereo upmixer. Build with :meth:`from_pretrained`."""

    def __init__(self, codec, denoiser, scheduler_config: dict, config: UpmixerConfig, model_card: str = "",
                 width_head=None):
        self.codec = codec.eval()
        self.width_head = width_head  # m2s_gen.width_head.WidthHead or None
        self.denoiser = denoiser.eval()
        self.scheduler_config = dict(scheduler_config)
        self.config = config
        self.model_card = model_card

    # -- loading and saving live in loading.py; thin wrappers keep one public class
    @classmethod
    def from_pretrained(cls, name_or_path: str | Path | None = None, device: str = "cpu") -> "Upmixer":
        """``None``: the bundled model; a folder: ``save_pretrained`` output; else a hub id."""
        from .loading import load_upmixer

        return load_upmixer(name_or_path, device=device)

    def save_pretrained(self, folder: str | Path) -> None:
        """Write JSON configs, safetensors weights and ``MODEL_CARD.md`` to ``folder``."""
        from .loading import save_upmixer

        save_upmixer(self, folder)

    def push_to_hub(self, repo_id: str, private: bool = False) -> str:
        """Upload a saved copy to the Hugging Face hub (needs a token and network); returns its URL."""
        import tempfile

        from huggingface_hub import HfApi

        api = HfApi()
        api.create_repo(repo_id, private=private, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            self.save_pretrained(tmp)
            return str(api.upload_folder(repo_id=repo_id, folder_path=tmp))

    @property
    def device(self) -> torch.device:
        return next(self.denoiser.parameters()).device

    # 1. check inputs -----------------------------------------------------------------------
    @staticmethod
    def check_inputs(mono, sample_rate, width_db, num_steps, guidance_scale, bass_mono_hz, num_takes,
                     temperature=None, num_draws=None, calibrate=None, band_level_anchor=None,
                     level_spread=None, time_course=None, hold_band_widths=None) -> None:
        if not isinstance(sample_rate, (int, np.integer)) or not 1_000 <= sample_rate <= 768_000:
            raise ValueError(f"sample_rate must be an integer in [1000, 768000] Hz, got {sample_rate!r}")
        if mono.ndim != 1:
            raise ValueError(f"mono must be 1-D [T] (or [2, T] / [T, 2] stereo), got shape {tuple(mono.shape)}")
        if mono.numel() == 0:
            raise ValueError("mono is empty (0 samples)")
        if not torch.isfinite(mono).all():
            raise ValueError("mono contains NaN or infinite samples")
        if width_db is not None and not MIN_WIDTH_DB <= width_db <= MAX_WIDTH_DB:
            raise ValueError(f"width_db must be in [{MIN_WIDTH_DB}, {MAX_WIDTH_DB}] dB, got {width_db}")
        if num_steps is not None and not 1 <= num_steps <= 1000:
            raise ValueError(f"num_steps must be in [1, 1000], got {num_steps}")
        if guidance_scale is not None and not 0 <= guidance_scale <= 20:
            raise ValueError(f"guidance_scale must be in [0, 20], got {guidance_scale}")
        if temperature is not None and not 0 <= temperature <= 2:
            raise ValueError(f"temperature must be in [0, 2], got {temperature}")
        if bass_mono_hz is not None and not 0 <= bass_mono_hz <= 2_000:
            raise ValueError(f"bass_mono_hz must be in [0, 2000] Hz, got {bass_mono_hz}")
        if not 1 <= num_takes <= 64:
            raise ValueError(f"num_takes must be in [1, 64], got {num_takes}")
        if num_draws is not None and (isinstance(num_draws, bool) or not isinstance(num_draws, (int, np.integer))
                                      or not 1 <= num_draws <= 64):
            raise ValueError(f"num_draws must be an integer in [1, 64], got {num_draws!r}")
        if calibrate is not None and not isinstance(calibrate, (bool, np.bool_)):
            raise ValueError(f"calibrate must be True or False, got {calibrate!r}")
        if band_level_anchor is not None and (isinstance(band_level_anchor, bool) or not isinstance(
                band_level_anchor, (int, float, np.number)) or not 0 <= band_level_anchor <= 1):
            raise ValueError(f"band_level_anchor must be a number in [0, 1], got {band_level_anchor!r}")
        if level_spread is not None and (isinstance(level_spread, bool) or not isinstance(
                level_spread, (int, float, np.number)) or not 0 <= level_spread <= 2):
            raise ValueError(f"level_spread must be a number in [0, 2], got {level_spread!r}")
        if time_course is not None and (isinstance(time_course, bool) or not isinstance(
                time_course, (int, float, np.number)) or not 0 <= time_course <= 2):
            raise ValueError(f"time_course must be a number in [0, 2], got {time_course!r}")
        if hold_band_widths is not None and (isinstance(hold_band_widths, bool) or not isinstance(
                hold_band_widths, (int, float, np.number)) or not 0 <= hold_band_widths <= 1):
            raise ValueError(f"hold_band_widths must be a number in [0, 1], got {hold_band_widths!r}")

    @staticmethod
    def _as_mono(audio) -> torch.Tensor:
        """``[T]``, ``[1, T]``, ``[T, 1]``; ``[2, T]`` or ``[T, 2]`` stereo is folded to mono with a warning."""
        mono = audio if torch.is_tensor(audio) else torch.as_tensor(np.asarray(audio))
        if mono.ndim == 2 and 1 in mono.shape:
            mono = mono.reshape(-1)
        elif mono.ndim == 2 and 2 in mono.shape:
            stereo = mono if mono.shape[0] == 2 else mono.T
            warnings.warn("stereo input: folded to mono (L+R)/2 before upmixing", stacklevel=3)
            mono = stereo.float().mean(0)
        return mono.float()

    # 2. conditioning -----------------------------------------------------------------------
    @staticmethod
    def _attribute_targets(prompt, width_db) -> dict[str, float]:
        """Requested attributes in physical units: the prompt's words, then ``width_db`` over them."""
        targets = prompts.parse_prompt(prompt) if prompt else {}
        if width_db is not None:
            targets["width_db"] = float(width_db)
        return targets

    def _attribute_condition(self, prompt, width_db) -> tuple[torch.Tensor, torch.Tensor]:
        targets = self._attribute_targets(prompt, width_db)
        names = list(attributes.ATTRIBUTE_NAMES)
        values = torch.zeros(len(names))
        mask = torch.zeros(len(names))
        for name, value in targets.items():
            values[names.index(name)] = value
            mask[names.index(name)] = 1.0
        return attributes.normalise(values) * mask, mask

    # 3. sampling -----------------------------------------------------------------------------
    def _sample(self, cond, attrs, mask, num_steps, guidance_scale, generator, temperature=1.0,
                context=None) -> torch.Tensor:
        """DPM-Solver++ from noise scaled by ``temperature``: 1 samples the learned distribution, lower
        values move towards its most typical member (0: deterministic given the input)."""
        scheduler = DPMSolverMultistepScheduler.from_config(self.scheduler_config)
        scheduler.set_timesteps(num_steps)
        batch, _, num_frames = cond.shape
        channels = self.denoiser.config.param_channels
        x = torch.randn(batch, channels, num_frames, generator=generator).to(self.device)
        x = x * scheduler.init_noise_sigma * temperature
        attrs, mask = attrs.expand(batch, -1).to(self.device), mask.expand(batch, -1).to(self.device)
        guided = guidance_scale != 1.0 and bool(mask.any())
        for t in scheduler.timesteps:
            x_in = scheduler.scale_model_input(x, t)
            if guided:
                out = self.denoiser(torch.cat([x_in, x_in]), t, torch.cat([cond, cond]),
                                    torch.cat([attrs, torch.zeros_like(attrs)]),
                                    torch.cat([mask, torch.zeros_like(mask)]), *self._context_args(context, 2 * batch))
                out_c, out_u = out.chunk(2)
                out = out_u + guidance_scale * (out_c - out_u)
            else:
                out = self.denoiser(x_in, t, cond, attrs, mask, *self._context_args(context, batch))
            x = scheduler.step(out, t, x).prev_sample
        return features.latent_to_params(x.float().cpu())

    def uses_track_context(self) -> bool:
        """Whether the denoiser was trained with a track summary and is to be given one."""
        return bool(self.denoiser.config.get("context_channels", 0)) and self.config.use_track_context

    def _context_args(self, context, batch: int) -> tuple:
        """The track summary as the denoiser's extra argument, for models trained with one."""
        if not self.denoiser.config.get("context_channels", 0):
            return ()
        return (None if context is None else context.to(self.device).reshape(1, -1).expand(batch, -1),)

    @staticmethod
    def _track_context(conds, groups) -> torch.Tensor:
        """Summary (:func:`features.track_context`) of the whole input's conditioning, from each group
        of segments' ``cond`` ``[S, C, N]`` (padding frames left out)."""
        frames = [c[:, :spatial.num_param_frames(e - s)] for cond, group in zip(conds, groups)
                  for c, (s, e) in zip(cond.cpu(), group)]
        return features.track_context(torch.cat(frames, dim=-1))

    # 4. render ------------------------------------------------------------------------------
    @staticmethod
    def _remove_bass(side: torch.Tensor, cutoff_hz: float) -> torch.Tensor:
        """High-pass the side at ``cutoff_hz`` (a half-octave raised-cosine ramp below it)."""
        num_samples = side.shape[-1]
        padded = torch.nn.functional.pad(side, (0, max(0, spatial.STFT_WINDOW - num_samples)))
        spec = spatial.stft(padded)
        freqs = torch.linspace(0, spatial.MODEL_SAMPLE_RATE / 2, spec.shape[-2])
        ramp = ((torch.log2(freqs.clamp(min=1e-3) / cutoff_hz) + 0.5) / 0.5).clamp(0, 1)
        gain = 0.5 - 0.5 * torch.cos(torch.pi * ramp)
        return spatial.istft(spec * gain[:, None], padded.shape[-1])[..., :num_samples]

    @torch.inference_mode()
    def __call__(self, mono, sample_rate: int, *, prompt: str | None = None, width_db: float | None = None,
                 bass_mono_hz: float | None = None, band_widths_db=None, num_steps: int | None = None,
                 guidance_scale: float | None = None, temperature: float | None = None, seed: int | None = None,
                 num_takes: int = 1, num_draws: int | None = None, calibrate: bool | None = None,
                 band_level_anchor: float | None = None, level_spread: float | None = None,
                 time_course: float | None = None, hold_band_widths: float | None = None, preset: str | None = None,
                 progress: bool = False) -> torch.Tensor:
        """Upmix ``mono`` ``[T]`` at ``sample_rate`` Hz -> stereo ``[2, T]`` float32 (``[num_takes, 2, T]``
        when ``num_takes > 1``), with ``(L + R) / 2 == mono``.

        prompt: style words (:data:`m2s_gen.prompts.VOCABULARY`), e.g. ``"wide, mono bass"``.
        width_db: target broadband side-to-mid energy ratio in dB (real music: about -15 to -3).
        bass_mono_hz: remove the side below this frequency. seed: same seed, same output.
        temperature: 0..2, how far a take may stray from the most typical image (default: the model's).
        band_widths_db: ``[(low_hz, high_hz, width_db), ...]``: the side-to-mid ratio of those bands.
        num_draws: diffusion draws averaged into each take (default: the model's); 1 gives a single
            draw, the most varied image, more give the middle of what the model finds plausible.
        calibrate: apply the model's per-band calibration of ratio and coherence (default: the model's).
        band_level_anchor: 0..1, how far each band's level is moved to the typical width of that band
            in the training music (default: the model's; 0: the model's own band levels).
        level_spread: 0..2, with a width head: each take's band levels are drawn around the head's
            prediction with this many times the spread of its errors on unseen productions (0: the
            prediction itself, the most faithful; 1: as varied over recordings as real stereo).
        time_course: 0..2, with fitted time-course weights: how far the width's movement within each
            band follows the one predicted from the mid's envelope (:mod:`m2s_gen.time_course`; 0: the
            sampled movement only, 1: the fitted blend). Band levels are not changed by it.
        hold_band_widths: 0..1, how far the renderer brings each band's width over a segment back to
            the image's when the ratios' movement at its 10 ms frames changes it (1: exactly the
            anchored width, closest in width; 0: as interpolated, a little closer on side log-mel).
        preset: named sampler settings (:mod:`m2s_gen.presets`, e.g. ``"faithful"``, ``"natural"``); the
            keywords above, when given, override it.
        """
        # 1. check inputs (a preset fills the sampler settings that were not given)
        mono = self._as_mono(mono)
        chosen = presets.resolve(preset, self.config.presets) if preset is not None else {}
        num_draws = chosen.get("num_draws") if num_draws is None else num_draws
        temperature = chosen.get("temperature") if temperature is None else temperature
        calibrate = chosen.get("calibrate") if calibrate is None else calibrate
        band_level_anchor = chosen.get("band_level_anchor") if band_level_anchor is None else band_level_anchor
        level_spread = chosen.get("level_spread") if level_spread is None else level_spread
        time_course = chosen.get("time_course") if time_course is None else time_course
        hold = chosen.get("hold_band_widths") if hold_band_widths is None else hold_band_widths
        self.check_inputs(mono, sample_rate, width_db, num_steps, guidance_scale, bass_mono_hz, num_takes, temperature,
                          num_draws, calibrate, band_level_anchor, level_spread, time_course, hold)
        hold = self.config.hold_band_widths if hold is None else float(hold)
        num_draws = num_draws or self.config.default_num_draws
        temperature = self.config.default_temperature if temperature is None else temperature
        calibrate = self.config.default_calibrate if calibrate is None else bool(calibrate)
        anchor = self.config.band_level_anchor if band_level_anchor is None else float(band_level_anchor)
        spread = self.config.default_level_spread if level_spread is None else float(level_spread)
        num_steps = num_steps or self.config.default_num_steps
        guidance_scale = self.config.default_guidance_scale if guidance_scale is None else guidance_scale
        attrs, mask = self._attribute_condition(prompt, width_db)
        band_widths_db = self._check_band_widths(band_widths_db)
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,)))
        # 2. resample to the model rate
        mid = resample(mono, int(sample_rate), spatial.MODEL_SAMPLE_RATE)
        targets = self._attribute_targets(prompt, width_db)
        course = self._time_course_scale(targets, time_course)
        takes = [self._side_at_model_rate(mid, attrs, mask, num_steps, guidance_scale, seed + 7919 * k, progress,
                                          band_widths_db, temperature, targets, num_draws, calibrate, anchor, spread,
                                          course, hold)
                 for k in range(num_takes)]
        outputs = []
        for side in takes:
            # 6. post-process: bass, back to the input rate, width target (measured at the input's
            # rate, whose band limit the side now shares), peak safety, L/R
            if bass_mono_hz:
                side = self._remove_bass(side, bass_mono_hz)
            side = resample(side, spatial.MODEL_SAMPLE_RATE, int(sample_rate))
            side = torch.nn.functional.pad(side, (0, max(0, mono.shape[-1] - side.shape[-1])))[: mono.shape[-1]]
            if "width_db" in targets:  # from width_db or a prompt word
                side = side * self._width_gain(mono, side, targets["width_db"])
            side = limit_side(mono, side)
            outputs.append(torch.stack([mono + side, mono - side]))
        return outputs[0] if num_takes == 1 else torch.stack(outputs)

    def _time_course_scale(self, targets: dict, time_course: float | None) -> float:
        """The time course's scale: ``time_course`` if given, else 0 when a word sets the movement
        (static, ping-pong: the word wins over the learned course), else the model's default."""
        if time_course is not None:
            return float(time_course)
        return 0.0 if "movement_db" in targets else self.config.default_time_course

    @staticmethod
    def _width_gain(mid: torch.Tensor, side: torch.Tensor, width_db: float) -> float:
        """Broadband gain on S that makes 10 log10(E_S / E_M) equal ``width_db``."""
        e_mid, e_side = float(mid.double().pow(2).sum()), float(side.double().pow(2).sum())
        if e_side <= 1e-20 or e_mid <= 1e-20:
            return 1.0
        return float(np.sqrt(e_mid / e_side * 10 ** (width_db / 10)))

    @staticmethod
    def _check_band_widths(band_widths_db) -> list[tuple[float, float, float]]:
        out = []
        for item in band_widths_db or []:
            if len(item) != 3:
                raise ValueError(f"band_widths_db items must be (low_hz, high_hz, width_db), got {item!r}")
            low, high, width = (float(v) for v in item)
            if not 0 <= low < high or not MIN_WIDTH_DB <= width <= MAX_WIDTH_DB:
                raise ValueError(f"band_widths_db: need 0 <= low_hz < high_hz and width_db in "
                                 f"[{MIN_WIDTH_DB}, {MAX_WIDTH_DB}], got {item!r}")
            out.append((low, high, width))
        return out

    def _side_at_model_rate(self, mid, attrs, mask, num_steps, guidance_scale, seed, progress,
                            band_widths_db=(), temperature=1.0, targets=None, num_draws=1, calibrate=True,
                            anchor=0.0, level_spread=0.0, time_course=0.0, hold=0.0) -> torch.Tensor:
        """Side ``[T]`` for ``mid`` ``[T]`` at the model rate, segment by segment."""
        seg_len = self.config.segment_frames * spatial.PARAM_HOP
        overlap = self.config.overlap_frames * spatial.PARAM_HOP
        windows = plan_segments(mid.shape[-1], seg_len, overlap)
        generator = torch.Generator().manual_seed(seed)
        level_offset = self._level_offset(seed, level_spread, mid)  # one draw of the band levels per take
        weights = self.config.time_course_weights
        retime = (weights, time_course) if time_course > 0 and weights is not None else None
        diffuse = bool(targets) and targets.get("coherence", 1.0) <= DIFFUSE_COHERENCE
        subbands = 1 if diffuse else spatial.ENVELOPE_SUBBANDS
        sides = []
        batch = self.config.batch_segments
        bar = tqdm(total=len(windows), desc="upmix", unit="seg", disable=not progress)
        groups = [windows[first:first + batch] for first in range(0, len(windows), batch)]
        # the STFT needs at least one window of samples: clips under 40 ms are zero-padded
        lengths = [max(spatial.STFT_WINDOW, max(end - start for start, end in group)) for group in groups]

        def segments(k: int) -> torch.Tensor:
            return torch.stack([torch.nn.functional.pad(mid[s:e], (0, lengths[k] - (e - s))) for s, e in groups[k]])

        def conditioning(k: int) -> torch.Tensor:
            cond = features.mono_conditioning(self.codec, segments(k).to(self.device), self.config.latent_scale)
            return cond if self.config.use_codec_latents else features.without_latents(cond)

        # 3. mono conditioning (codec latents + band energies); a model with track context first
        # summarises all of the input, so its segments are encoded up front (small: [C, N] each)
        context, conds = None, None
        if self.uses_track_context():
            conds = [conditioning(k) for k in range(len(groups))]
            context = self._track_context(conds, groups)
        for k, group in enumerate(groups):
            segs = segments(k)
            cond = conds[k] if conds is not None else conditioning(k)
            # 4. diffusion sampling of the spatial latent: num_draws per segment, in one batch
            draws = self._sample(cond.repeat_interleave(num_draws, 0), attrs, mask, num_steps, guidance_scale,
                                 generator, temperature, context)
            # 5. one calibrated image per segment, then render the side on the input's own spectrum
            params = self._images(draws, cond, targets, band_widths_db, calibrate, anchor, level_offset)
            for (s, e), seg, p in zip(group, segs, params):
                sides.append(spatial.render_side(seg, p, seed=seed, time_course=retime, hold=hold,
                                                 envelope_subbands=subbands)[: e - s])
            bar.update(len(group))
        bar.close()
        return overlap_add(sides, windows, mid.shape[-1])

    def _images(self, draws: torch.Tensor, cond: torch.Tensor, targets=None, band_widths_db=(), calibrate=True,
                anchor=0.0, level_offset=None) -> torch.Tensor:
        """Spatial images ``[S, 3B, N]`` of ``S`` segments from their draws ``[S * K, 3B, N]`` (``K`` per
        segment, consecutive) and conditioning ``cond`` ``[S, C, N]``: consensus of the draws, the model's
        calibration (if ``calibrate``) and band-level anchoring (weight ``anchor``, 0..1), smoothing, then
        the requested attributes and band widths met exactly. ``level_offset`` ``[B]`` dB (or None) shifts
        the anchoring target (a draw of the band levels, :meth:`_level_offset`)."""
        mid_db = cond[:, -spatial.NUM_BANDS:].cpu() * features.MID_DB_SCALE + features.MID_DB_CENTRE
        draws = draws.reshape(cond.shape[0], -1, *draws.shape[1:])
        params = torch.stack([posterior.consensus(d, db) for d, db in zip(draws, mid_db)])
        if calibrate:
            params = posterior.apply_calibration(params, self.config.ratio_offset_db, self.config.coherence_scale)
        profile = self._anchor_profile(cond, mid_db) if anchor > 0 else None
        if profile is not None and level_offset is not None:
            profile = (profile.double() + level_offset.double()).clamp(spatial.RATIO_FLOOR_DB, spatial.RATIO_CEIL_DB)
        if profile is not None:
            params = posterior.anchor_band_levels(params, mid_db, profile, anchor)
        if self.config.side_level_offset_db:  # every ratio shifted: chosen on training clips (training.fit_side_level)
            params = posterior.apply_calibration(params, [self.config.side_level_offset_db] * spatial.NUM_BANDS, None)
        params = smooth_params(params, mid_db, self.config.param_smooth_frames)
        if targets:  # meet the requested attributes exactly (guidance only leans towards them)
            params = torch.stack([steering.meet_attributes(p, db, targets) for p, db in zip(params, mid_db)])
        if band_widths_db:
            params = torch.stack([spatial.set_band_widths(p, db, band_widths_db) for p, db in zip(params, mid_db)])
        return params

    def _level_offset(self, seed: int, spread: float, mid: torch.Tensor) -> torch.Tensor | None:
        """One take's draw of band-level offsets ``[B]`` dB around the width head's prediction, or
        None (no spread, no head, or anchoring to it turned off). The draw depends on the seed and on
        the input (its length and level to 0.1 dB), so one seed gives each recording its own levels
        instead of one shared shift for a whole batch."""
        if spread <= 0 or self.width_head is None or not self.config.anchor_to_width_head:
            return None
        level_db = 10.0 * math.log10(float(mid.double().pow(2).mean()) + 1e-20)
        fingerprint = int(mid.shape[-1]) * 1_000_003 + int(round(level_db * 10.0))
        return self.width_head.draw_offsets_db((int(seed) * 7_919 + fingerprint) % (2**62), spread)

    def _anchor_profile(self, cond: torch.Tensor, mid_db: torch.Tensor) -> torch.Tensor | None:
        """Each segment's band-level target ``[S, B]`` dB: the width head's prediction from the music
        when the model has one (and ``anchor_to_width_head``), else the calibrated training profile,
        else None (no anchoring)."""
        if self.width_head is not None and self.config.anchor_to_width_head:
            return self.width_head.profile_db(cond.detach().cpu().float())
        if self.config.band_level_profile_db is not None:
            return level_profile.profile_db(mid_db, self.config.band_level_profile_db,
                                            self.config.band_level_flux_slope_db)
        return None

    def upmix_file(self, in_path: str | Path, out_path: str | Path, **kwargs) -> Path:
        """Upmix an audio file (any format soundfile reads) to WAV/FLAC at the input's sample rate.
        The output is written to a temporary file and renamed: never half-written. Files longer than
        :data:`m2s_gen.streaming.CHUNK_S` are upmixed chunk by chunk in bounded memory (chunk ``k``
        uses ``seed + k``)."""
        from . import streaming

        in_path, out_path = Path(in_path), Path(out_path)
        if out_path.exists() and in_path.exists() and out_path.resolve() == in_path.resolve():
            raise ValueError(f"{out_path}: output path is the input file")
        if kwargs.get("num_takes", 1) != 1:
            raise ValueError("upmix_file writes one take; use num_takes=1")
        if streaming.is_long(in_path):
            seed = kwargs.pop("seed", None)
            seed = int(torch.randint(0, 2**31 - 1, (1,))) if seed is None else seed

            def generate(mono, rate, index):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return self(mono, rate, seed=seed + index, **kwargs).numpy()

            return streaming.stream_upmix(in_path, out_path, generate)
        audio, rate = read_audio(in_path)
        mono = audio.mean(0) if audio.shape[0] > 1 else audio[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stereo = self(mono, rate, **kwargs)
        write_audio_atomic(out_path, stereo.numpy(), rate)
        return out_path

    def config_dict(self) -> dict:
        return asdict(self.config)

    def stream(self, sample_rate: int, **controls):
        """A live upmix: :class:`m2s_gen.live.stream.UpmixStream` (``process(block)``, ``flush()``,
        ``latency_samples``). Controls as offline: ``prompt``, ``width_db``, ``bass_mono_hz``,
        ``band_widths_db``, ``preset``, ``seed``, ``num_steps``; ``realtime=False`` makes the model
        finish each image on time (reproducible, for files) instead of never waiting for it."""
        from .live.stream import UpmixStream

        return UpmixStream(self, sample_rate, **controls)
