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

from . import attributes, features, image_stages, presets, prompts, spatial
from .controls import MAX_WIDTH_DB, MIN_WIDTH_DB, check_band_widths, check_controls  # noqa: F401 (re-exported)
from .sampler_settings import FIELD_NAMES as SAMPLER_FIELDS, SamplerSettings
from .audio_io import read_audio, write_audio_atomic
from .peak import limit_side
from .resample import resample, resampled_length
from .segments import overlap_add, plan_segments

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
    release_name: str | None = None  # the model's published name, e.g. "m2s-default"
    release_version: str | None = None  # its version, moving with the package's
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
    def check_request(mono, sample_rate, *, width_db=None, bass_mono_hz=None, num_takes=1,
                      settings: SamplerSettings | None = None) -> None:
        """Raise ``ValueError`` (naming the argument and its range) for a request the upmixer cannot run;
        a bad sampler setting raises :class:`~m2s_gen.sampler_settings.SettingError`."""
        if not isinstance(sample_rate, (int, np.integer)) or not 1_000 <= sample_rate <= 768_000:
            raise ValueError(f"sample_rate must be an integer in [1000, 768000] Hz, got {sample_rate!r}")
        if mono.ndim != 1:
            raise ValueError(f"mono must be 1-D [T] (or [2, T] / [T, 2] stereo), got shape {tuple(mono.shape)}")
        if mono.numel() == 0:
            raise ValueError("mono is empty (0 samples)")
        if not torch.isfinite(mono).all():
            raise ValueError("mono contains NaN or infinite samples")
        check_controls(width_db, bass_mono_hz, num_takes)
        if settings is not None:
            settings.check()

    @classmethod
    def check_inputs(cls, mono, sample_rate, width_db, num_steps, guidance_scale, bass_mono_hz, num_takes,
                     temperature=None, num_draws=None, calibrate=None, band_level_anchor=None,
                     level_spread=None, time_course=None, hold_band_widths=None) -> None:
        """The checks of :meth:`check_request`, with the sampler settings as separate arguments."""
        settings = SamplerSettings(num_steps=num_steps, guidance_scale=guidance_scale, temperature=temperature,
                                   num_draws=num_draws, calibrate=calibrate, band_level_anchor=band_level_anchor,
                                   level_spread=level_spread, time_course=time_course,
                                   hold_band_widths=hold_band_widths)
        cls.check_request(mono, sample_rate, width_db=width_db, bass_mono_hz=bass_mono_hz, num_takes=num_takes,
                          settings=settings)

    def resolve_settings(self, preset: str | None = None, settings: SamplerSettings | None = None,
                         targets: dict | None = None) -> SamplerSettings:
        """Every sampler setting filled in: ``settings`` where given, else the ``preset``'s, else the model's
        defaults. ``targets`` (the requested attributes) matter for the time course: a word that sets
        the movement (static, ping-pong) turns the learned course off unless ``time_course`` is given."""
        chosen = SamplerSettings.from_dict(presets.resolve(preset, self.config.presets)) if preset else None
        requested = (settings or SamplerSettings()).over(chosen).check()
        c = self.config
        course = self._time_course_scale(targets or {}, None)
        defaults = SamplerSettings(num_steps=c.default_num_steps, guidance_scale=c.default_guidance_scale,
                                   temperature=c.default_temperature, num_draws=c.default_num_draws,
                                   calibrate=c.default_calibrate, band_level_anchor=c.band_level_anchor,
                                   level_spread=c.default_level_spread, time_course=course,
                                   hold_band_widths=c.hold_band_widths)
        full = requested.over(defaults)
        return SamplerSettings(num_steps=int(full.num_steps), guidance_scale=full.guidance_scale,
                               temperature=full.temperature, num_draws=int(full.num_draws),
                               calibrate=bool(full.calibrate), band_level_anchor=float(full.band_level_anchor),
                               level_spread=float(full.level_spread), time_course=float(full.time_course),
                               hold_band_widths=float(full.hold_band_widths))

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

    # 7. finishing helpers ----------------------------------------------------------------------
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
                 bass_mono_hz: float | None = None, band_widths_db=None, seed: int | None = None,
                 num_takes: int = 1, preset: str | None = None, settings: SamplerSettings | None = None,
                 progress: bool = False, **sampler_kwargs) -> torch.Tensor:
        """Upmix ``mono`` ``[T]`` at ``sample_rate`` Hz -> stereo ``[2, T]`` float32 (``[num_takes, 2, T]``
        when ``num_takes > 1``), with ``(L + R) / 2 == mono``.

        mono: ``[T]`` (``[2, T]`` or ``[T, 2]`` stereo is folded to mono, with a warning), numpy or torch.
        prompt: style words (:data:`m2s_gen.prompts.VOCABULARY`), e.g. ``"wide, mono bass"``.
        width_db: broadband side-to-mid energy ratio of the output in dB (real music: about -15 to -3).
        bass_mono_hz: no side below this frequency.
        band_widths_db: ``[(low_hz, high_hz, width_db), ...]``: the side-to-mid ratio of those bands.
        seed: same seed, same output; other seeds give other plausible images.
        num_takes: that many different images of the same input, ``[num_takes, 2, T]``.
        preset: named sampler settings (:mod:`m2s_gen.presets`: ``"faithful"``, ``"natural"``, or one
            saved with the model).
        settings: a :class:`~m2s_gen.SamplerSettings`; its fields win over the preset's, and both over
            the model's defaults.
        progress: show a progress bar over the segments.

        The sampler settings may also be given one by one as keywords (``num_steps=8``), as in earlier
        versions; that form is deprecated.
        """
        # 1. check inputs: the request, then the sampler settings (preset, settings=, model defaults)
        mono = self._as_mono(mono)
        settings = self._with_legacy_settings(settings, sampler_kwargs)
        self.check_request(mono, sample_rate, width_db=width_db, bass_mono_hz=bass_mono_hz, num_takes=num_takes,
                           settings=settings)
        targets = self._attribute_targets(prompt, width_db)
        sampler = self.resolve_settings(preset, settings, targets)
        band_widths_db = self._check_band_widths(band_widths_db)
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,)))
        # 2. conditioning on the requested attributes; the mono at the model rate
        attrs, mask = self._attribute_condition(prompt, width_db)
        mid = resample(mono, int(sample_rate), spatial.MODEL_SAMPLE_RATE)
        # 3-6. per take: codec conditioning, sampling, image stages, rendering (_side_at_model_rate)
        takes = [self._side_at_model_rate(mid, attrs, mask, sampler, seed + 7919 * k, targets, band_widths_db,
                                          progress)
                 for k in range(num_takes)]
        outputs = []
        for side in takes:
            # 7. finishing: mono bass, back to the input rate, width target (measured at the input's
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

    @staticmethod
    def _with_legacy_settings(settings: SamplerSettings | None, sampler_kwargs: dict) -> SamplerSettings | None:
        """``settings`` with the sampler settings given as separate keywords (the deprecated form) over it."""
        if not sampler_kwargs:
            return settings
        unknown = sorted(set(sampler_kwargs) - set(SAMPLER_FIELDS))
        if unknown:
            raise TypeError(f"Upmixer() got an unexpected keyword argument {unknown[0]!r}")
        given = {k: v for k, v in sampler_kwargs.items() if v is not None}
        if given:
            names = ", ".join(f"{k}=" for k in given)
            warnings.warn(f"{names} as keywords of the call is deprecated; pass settings=SamplerSettings("
                          f"{', '.join(f'{k}=...' for k in given)})", FutureWarning, stacklevel=4)
        return SamplerSettings(**given).over(settings)

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
        return check_band_widths(band_widths_db)

    def _side_at_model_rate(self, mid: torch.Tensor, attrs: torch.Tensor, mask: torch.Tensor,
                            sampler: SamplerSettings, seed: int, targets: dict, band_widths_db=(),
                            progress: bool = False) -> torch.Tensor:
        """Side ``[T]`` for ``mid`` ``[T]`` at the model rate, segment by segment, with the resolved
        ``sampler`` settings (:meth:`resolve_settings`)."""
        seg_len = self.config.segment_frames * spatial.PARAM_HOP
        overlap = self.config.overlap_frames * spatial.PARAM_HOP
        windows = plan_segments(mid.shape[-1], seg_len, overlap)
        generator = torch.Generator().manual_seed(seed)
        level_offset = self._level_offset(seed, sampler.level_spread, mid)  # one draw of the band levels per take
        weights = self.config.time_course_weights
        retime = (weights, sampler.time_course) if sampler.time_course > 0 and weights is not None else None
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
            draws = self._sample(cond.repeat_interleave(sampler.num_draws, 0), attrs, mask, sampler.num_steps,
                                 sampler.guidance_scale, generator, sampler.temperature, context)
            # 5. one image per segment (m2s_gen.image_stages), 6. the side rendered on the input's own spectrum
            params = self._images(draws, cond, targets, band_widths_db, sampler.calibrate, sampler.band_level_anchor,
                                  level_offset)
            for (s, e), seg, p in zip(group, segs, params):
                sides.append(spatial.render_side(seg, p, seed=seed, time_course=retime, hold=sampler.hold_band_widths,
                                                 envelope_subbands=subbands)[: e - s])
            bar.update(len(group))
        bar.close()
        return overlap_add(sides, windows, mid.shape[-1])

    def _images(self, draws: torch.Tensor, cond: torch.Tensor, targets=None, band_widths_db=(), calibrate=True,
                anchor=0.0, level_offset=None) -> torch.Tensor:
        """Spatial images ``[S, 3B, N]`` of ``S`` segments from their draws ``[S * K, 3B, N]`` (``K`` per
        segment, consecutive) and conditioning ``cond`` ``[S, C, N]``, through the stages of
        :mod:`m2s_gen.image_stages`. ``level_offset`` ``[B]`` dB (or None) shifts the anchoring target."""
        inputs = image_stages.ImageInputs(cond=cond, config=self.config, width_head=self.width_head,
                                          targets=dict(targets or {}), band_widths_db=tuple(band_widths_db or ()),
                                          calibrate=bool(calibrate), anchor=float(anchor), level_offset_db=level_offset)
        return image_stages.build_images(draws, inputs)

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

    def upmix_file(self, in_path: str | Path, out_path: str | Path, *, audio_stream: int | None = None,
                   bit_rate: int | str | None = None, subtype: str | None = None, gain_db: float = 0.0,
                   keep_original_audio: bool = False, audio_codec: str | None = None, **kwargs) -> Path:
        """Upmix a media file (anything FFmpeg reads; ``audio_stream`` picks one of a video's audio streams)
        into ``out_path``, written by its extension (.wav .flac .mp3 .m4a .opus .ogg, or a video container
        .mp4 .m4v .mov .mkv .webm whose other streams are copied as they are), at the input's sample rate,
        with its tags and cover art. ``bit_rate`` (e.g. "192k") for lossy outputs, ``subtype`` for WAV/FLAC
        (see :mod:`m2s_gen.media.formats`), ``gain_db`` scales the input first. For a video output,
        ``audio_codec`` picks the stereo's codec (``"aac"``, ``"ac3"``, ``"eac3"``, ``"opus"``, ``"flac"``,
        ``"alac"``, ``"mp3"``, ``"pcm"``; default: the input stream's own where the container takes it, else
        AAC) and
        ``keep_original_audio`` keeps the replaced stream as a second track. Never half-written (a
        temporary file and a rename); any length, chunk by chunk in bounded memory (chunk ``k`` uses
        ``seed + k``). ``kwargs`` go to :meth:`__call__`."""
        from .media.formats import parse_bitrate
        from .media.job import MediaOptions, upmix_media

        in_path, out_path = Path(in_path), Path(out_path)
        if out_path.exists() and in_path.exists() and out_path.resolve() == in_path.resolve():
            raise ValueError(f"{out_path}: output path is the input file")
        if kwargs.get("num_takes", 1) != 1:
            raise ValueError("upmix_file writes one take; use num_takes=1")
        if isinstance(bit_rate, str):
            bit_rate = parse_bitrate(bit_rate)
        options = MediaOptions(audio_stream=audio_stream, bit_rate=bit_rate, subtype=subtype, gain_db=gain_db,
                               keep_original_audio=keep_original_audio, audio_codec=audio_codec)
        seed = kwargs.pop("seed", None)
        seed = int(torch.randint(0, 2**31 - 1, (1,))) if seed is None else seed

        def generate(mono, rate, index):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return self(mono, rate, seed=seed + index, **kwargs).numpy()

        return upmix_media(in_path, out_path, generate, options).path

    def config_dict(self) -> dict:
        return asdict(self.config)

    def stream(self, sample_rate: int, **controls):
        """A live upmix: :class:`m2s_gen.live.stream.UpmixStream` (``process(block)``, ``flush()``,
        ``latency_samples``). Controls as offline: ``prompt``, ``width_db``, ``bass_mono_hz``,
        ``band_widths_db``, ``preset``, ``seed``, ``num_steps``; ``realtime=False`` makes the model
        finish each image on time (reproducible, for files) instead of never waiting for it.

        Call ``process`` from the audio thread (a sound card callback) and ``close()`` the stream, or use
        it in a ``with`` block: while a real-time stream is open the objects alive when it opened are
        frozen out of the garbage collector (:class:`m2s_gen.live.realtime.FrozenHeap`). On a loaded
        machine, give the audio thread real-time priority
        (:func:`m2s_gen.live.realtime.audio_thread_priority`; ``m2s live`` does)."""
        from .live.stream import UpmixStream

        return UpmixStream(self, sample_rate, **controls)
