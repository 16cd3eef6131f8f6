"""One loader for upmixer models: the bundled one, a local folder, then the Hugging Face hub.

A model folder holds JSON and safetensors only (file names below). Nothing is unpickled and no code
from the model is run; every config value is checked against limits before anything is allocated.
"""
from __future__ import annotations

import json
import math
import os
import pickle
from dataclasses import asdict, fields
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from . import attributes, presets, time_course
from .spatial import NUM_BANDS
from .codec import SeanetCodec, load_official_encodec_48khz
from .denoiser import SpatialDenoiser
from .pipeline import Upmixer, UpmixerConfig
from . import width_head as width_head_file

UPMIXER_CONFIG = "upmixer_config.json"
DENOISER_DIR = "denoiser"
CODEC_DIR = "codec"
SCHEDULER_DIR = "scheduler"
SCHEDULER_CONFIG = "scheduler_config.json"
MODEL_CARD = "MODEL_CARD.md"
BUNDLED_MODEL = Path(__file__).parent / "default_model"
_ALLOWED = ("*.json", "*.safetensors", "*.md")
_MAX_CONFIG_BYTES = 1_000_000

# (min, max) for every integer-sized config value: a hostile config cannot ask for huge tensors
_DENOISER_LIMITS = {"param_channels": (3, 768), "cond_channels": (1, 4096), "num_attributes": (1, 64),
                    "hidden_dim": (8, 4096), "num_layers": (1, 64), "num_heads": (1, 64),
                    "ff_mult": (1, 16), "max_frames": (16, 100_000), "patch_frames": (1, 64)}
_CODEC_LIMITS = {"sample_rate": (48_000, 48_000), "channels": (2, 2), "latent_dim": (1, 1024),
                 "n_filters": (1, 256), "lstm_layers": (0, 8)}
_UPMIXER_LIMITS = {"segment_frames": (8, 4096), "overlap_frames": (0, 1024), "batch_segments": (1, 64),
                   "default_num_steps": (1, 1000), "param_smooth_frames": (1, 64),
                   "default_num_draws": (1, 64)}
_CALIBRATION_LIMITS = {"ratio_offset_db": (-40.0, 40.0), "coherence_scale": (0.0, 10.0),
                       "band_level_profile_db": (-40.0, 10.0), "band_level_flux_slope_db": (-10.0, 10.0)}


class ModelLoadError(ValueError):
    """A model that cannot be found or is not valid; the message names it and says why."""


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise ModelLoadError(f"{path}: missing")
    if path.stat().st_size > _MAX_CONFIG_BYTES:
        raise ModelLoadError(f"{path}: config file larger than {_MAX_CONFIG_BYTES} bytes")
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError, RecursionError) as err:  # ValueError: also huge int literals
        raise ModelLoadError(f"{path}: not valid JSON ({type(err).__name__}: {str(err)[:200]})") from None
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: expected a JSON object")
    return data


def _check_limits(path: Path, config: dict, limits: dict) -> None:
    for key, (low, high) in limits.items():
        if key not in config:
            continue
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ModelLoadError(f"{path}: {key}={value!r} outside the allowed range [{low}, {high}]")


def _validate_denoiser(path: Path) -> None:
    config = _read_json(path)
    _check_limits(path, config, _DENOISER_LIMITS)
    if config.get("hidden_dim", 256) % config.get("num_heads", 4):
        raise ModelLoadError(f"{path}: hidden_dim must be divisible by num_heads")
    if config.get("param_channels", 96) % 3:
        raise ModelLoadError(f"{path}: param_channels must be a multiple of 3")


def _validate_codec(path: Path) -> None:
    config = _read_json(path)
    _check_limits(path, config, _CODEC_LIMITS)
    ratios = config.get("ratios", [8, 6, 5, 4, 2])
    if not (isinstance(ratios, list) and 1 <= len(ratios) <= 8
            and all(isinstance(r, int) and 1 <= r <= 16 for r in ratios)):
        raise ModelLoadError(f"{path}: ratios must be 1 to 8 integers in [1, 16]")


def _check_time_course_weights(path: Path, weights) -> None:
    """``time_course_weights``: None or ``[NUM_BANDS][1 + K]`` finite numbers of at most 10 in size."""
    if weights is None:
        return
    shape = (NUM_BANDS, 1 + time_course.NUM_ENVELOPE_FEATURES)
    if not (isinstance(weights, list) and len(weights) == shape[0]
            and all(isinstance(row, list) and len(row) == shape[1] for row in weights)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= 10
                    for row in weights for v in row)):
        raise ModelLoadError(f"{path}: time_course_weights must be {shape[0]} lists of {shape[1]} numbers in [-10, 10]")


def _upmixer_config(path: Path) -> UpmixerConfig:
    data = _read_json(path)
    known = {f.name for f in fields(UpmixerConfig)}
    unknown = set(data) - known
    if unknown:
        raise ModelLoadError(f"{path}: unknown keys {sorted(unknown)}")
    _check_limits(path, data, _UPMIXER_LIMITS)
    config = UpmixerConfig(**data)
    if config.overlap_frames >= config.segment_frames:
        raise ModelLoadError(f"{path}: overlap_frames must be smaller than segment_frames")
    if not (isinstance(config.latent_scale, (int, float)) and 1e-6 < config.latent_scale < 1e6):
        raise ModelLoadError(f"{path}: latent_scale must be a positive number")
    guidance = config.default_guidance_scale
    if isinstance(guidance, bool) or not isinstance(guidance, (int, float)) or not 0 <= guidance <= 20:
        raise ModelLoadError(f"{path}: default_guidance_scale must be a number in [0, 20]")
    temperature = config.default_temperature
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
        raise ModelLoadError(f"{path}: default_temperature must be a number in [0, 2]")
    anchor = config.band_level_anchor
    if isinstance(anchor, bool) or not isinstance(anchor, (int, float)) or not 0 <= anchor <= 1:
        raise ModelLoadError(f"{path}: band_level_anchor must be a number in [0, 1]")
    spread = config.default_level_spread
    if isinstance(spread, bool) or not isinstance(spread, (int, float)) or not 0 <= spread <= 2:
        raise ModelLoadError(f"{path}: default_level_spread must be a number in [0, 2]")
    course = config.default_time_course
    if isinstance(course, bool) or not isinstance(course, (int, float)) or not 0 <= course <= 2:
        raise ModelLoadError(f"{path}: default_time_course must be a number in [0, 2]")
    hold = config.hold_band_widths
    if isinstance(hold, bool) or not isinstance(hold, (int, float)) or not 0 <= hold <= 1:
        raise ModelLoadError(f"{path}: hold_band_widths must be a number in [0, 1]")
    offset = config.side_level_offset_db
    if isinstance(offset, bool) or not isinstance(offset, (int, float)) or not -12 <= offset <= 12:
        raise ModelLoadError(f"{path}: side_level_offset_db must be a number of dB in [-12, 12]")
    _check_time_course_weights(path, config.time_course_weights)
    if not isinstance(config.default_calibrate, bool):
        raise ModelLoadError(f"{path}: default_calibrate must be true or false")
    if config.presets is not None:
        try:
            presets.check_presets(config.presets)
        except ValueError as err:
            raise ModelLoadError(f"{path}: {err}") from None
    if not isinstance(config.codec, str):
        raise ModelLoadError(f"{path}: codec must be a string, got {config.codec!r}")
    for key in ("release_name", "release_version"):
        value = getattr(config, key)
        if value is not None and not (isinstance(value, str) and 0 < len(value) <= 64):
            raise ModelLoadError(f"{path}: {key} must be null or a string of 1 to 64 characters, got {value!r}")
    if config.attribute_names != list(attributes.ATTRIBUTE_NAMES):
        raise ModelLoadError(f"{path}: attribute_names must be {list(attributes.ATTRIBUTE_NAMES)}")
    for key, (low, high) in _CALIBRATION_LIMITS.items():
        values = getattr(config, key)
        if values is None:
            continue
        if not (isinstance(values, list) and len(values) == NUM_BANDS and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v <= high for v in values)):
            raise ModelLoadError(f"{path}: {key} must be null or {NUM_BANDS} numbers in [{low}, {high}]")
    return config


def _resolve(name_or_path: str | Path | None) -> Path:
    if name_or_path is None:
        if not (BUNDLED_MODEL / UPMIXER_CONFIG).is_file():
            raise ModelLoadError(f"{BUNDLED_MODEL}: the bundled default model is missing from this install")
        return BUNDLED_MODEL
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    text = str(name_or_path)
    looks_local = path.exists() or text.startswith((".", "/", "~")) or text.count("/") != 1 or "\\" in text
    if looks_local:
        raise ModelLoadError(f"{text}: no such model folder (a hub id looks like 'org/name')")
    return _download(text)


def _download(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError

    try:
        return Path(snapshot_download(repo_id, allow_patterns=list(_ALLOWED), etag_timeout=10))
    except HFValidationError as err:
        raise ModelLoadError(f"{repo_id}: not a valid hub id ({err})") from None
    except Exception as err:  # network, offline mode, missing repo, auth: one message
        offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false", "False")
        why = "offline mode (HF_HUB_OFFLINE=1) and not in the local cache" if offline else type(err).__name__
        raise ModelLoadError(f"{repo_id}: model not found on the hub or in the cache ({why})") from None


def _load_codec(folder: Path, config: UpmixerConfig, device: str):
    if config.codec.startswith("official:"):
        return load_official_encodec_48khz(Path(config.codec.split(":", 1)[1]).expanduser()).to(device)
    codec_dir = folder / config.codec
    if "/" in config.codec or ".." in config.codec:
        raise ModelLoadError(f"{folder}: codec must name a subfolder, got {config.codec!r}")
    _validate_codec(codec_dir / "config.json")
    return SeanetCodec.from_pretrained(codec_dir, use_safetensors=True, torch_dtype=torch.float32).to(device)


def load_upmixer(name_or_path: str | Path | None = None, device: str = "cpu") -> Upmixer:
    """Load an :class:`Upmixer` (see :meth:`Upmixer.from_pretrained`)."""
    folder = _resolve(name_or_path)
    config = _upmixer_config(folder / UPMIXER_CONFIG)
    _validate_denoiser(folder / DENOISER_DIR / "config.json")
    scheduler_config = _read_json(folder / SCHEDULER_DIR / SCHEDULER_CONFIG)
    try:
        denoiser = SpatialDenoiser.from_pretrained(folder / DENOISER_DIR, use_safetensors=True,
                                                   torch_dtype=torch.float32).to(device)
        codec = _load_codec(folder, config, device)
    except ModelLoadError:
        raise
    except (OSError, ValueError, RuntimeError, pickle.UnpicklingError) as err:
        raise ModelLoadError(f"{folder}: cannot load weights ({str(err).splitlines()[0]})") from None
    card = (folder / MODEL_CARD).read_text() if (folder / MODEL_CARD).is_file() else ""
    head = _load_width_head(folder, int(denoiser.config.cond_channels))
    return Upmixer(codec, denoiser, scheduler_config, config, model_card=card, width_head=head)


def _load_width_head(folder: Path, cond_channels: int):
    """The model's width head (``width_head.safetensors``), or None when the folder has none."""
    path = folder / width_head_file.FILE_NAME
    if not path.is_file():
        return None
    try:
        return width_head_file.WidthHead.load(path, cond_channels)
    except (OSError, ValueError, RuntimeError) as err:
        raise ModelLoadError(f"{path}: invalid width head ({str(err).splitlines()[0]})") from None


def save_upmixer(upmixer: Upmixer, folder: str | Path, dtype: torch.dtype = torch.float32) -> None:
    """Write ``folder`` in the layout :func:`load_upmixer` reads; ``dtype=torch.float16`` halves it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / UPMIXER_CONFIG).write_text(json.dumps(asdict(upmixer.config), indent=2) + "\n")
    for name, module in ((DENOISER_DIR, upmixer.denoiser), (CODEC_DIR, upmixer.codec)):
        if name == CODEC_DIR and not upmixer.config.codec == CODEC_DIR:
            continue
        module.save_pretrained(folder / name, safe_serialization=True)
        if dtype != torch.float32:  # save_pretrained writes the module's own dtype: cast the files after
            for path in (folder / name).glob("*.safetensors"):
                tensors = {k: v.to(dtype) if v.is_floating_point() else v for k, v in load_file(str(path)).items()}
                save_file(tensors, str(path), metadata={"format": "pt"})
    (folder / SCHEDULER_DIR).mkdir(exist_ok=True)
    (folder / SCHEDULER_DIR / SCHEDULER_CONFIG).write_text(json.dumps(upmixer.scheduler_config, indent=2) + "\n")
    if upmixer.model_card:
        (folder / MODEL_CARD).write_text(upmixer.model_card)
    if getattr(upmixer, "width_head", None) is not None:
        upmixer.width_head.save(folder)
