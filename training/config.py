"""Training configuration: one dataclass per stage, read from a YAML file (see configs/)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

import yaml

from training.data.package_rules import DEFAULT_VALIDATION_PACKAGES


@dataclass
class DataConfig:
    source: str = "prepared"  # "prepared" (training.data.prepare output), "npy_folder" or "synthetic"
    prepared_dir: str = "data/prepared"
    npy_folder: str = "data/prepared/audio48k"  # for source=npy_folder: PACKAGE/NAME.npy, [2, T] at 48 kHz
    # the data list's fixed validation split (docs/training.md) (seven productions), never trained on
    validation_packages: list = field(default_factory=lambda: list(DEFAULT_VALIDATION_PACKAGES))
    synthetic_tracks: int = 8  # for source=synthetic
    synthetic_seconds: float = 6.0
    max_tracks: int = 0  # 0 = all


@dataclass
class CodecConfig:
    pretrained: str = ""  # a saved SeanetCodec folder: skip codec training
    model: dict = field(default_factory=dict)  # SeanetCodec kwargs
    steps: int = 1000
    batch_size: int = 8
    segment_s: float = 0.96  # a multiple of the 40 ms hop
    learning_rate: float = 3e-4
    adam_betas: tuple = (0.5, 0.9)  # EnCodec's; (0.9, 0.999) converges faster without a discriminator
    final_lr_fraction: float = 1.0  # cosine decay of the learning rate to this fraction at the last step
    gain_db_range: float = 6.0
    snr_weight: float = 0.0  # weight of the waveform SNR term (dB / 10) beside the spectral losses
    waveform_warmup_steps: int = 0  # train on the waveform SNR alone for this many steps first
    validation_crops: int = 32


@dataclass
class DiffusionConfig:
    model: dict = field(default_factory=dict)  # SpatialDenoiser kwargs (sizes)
    steps: int = 2000
    batch_size: int = 32
    segment_frames: int = 256
    learning_rate: float = 3e-4
    weight_decay: float = 0.01
    warmup_steps: int = 200
    ema_decay: float = 0.999
    attribute_drop_prob: float = 0.5  # each attribute hidden independently
    all_attributes_drop_prob: float = 0.2  # the unconditional case for guidance
    precompute_chunk_s: float = 30.0
    precompute_max_chunks: int = 0  # 0 = whole tracks; else this many chunks spread over each track
    validate_every: int = 500
    gain_db_range: float = 10.0  # random level shift of the mid's band energies (augmentation)
    target_smooth_frames: int = 1  # smooth the spatial targets over this many 40 ms frames (1 = off)
    loss_energy_weight: float = 0.0  # weigh tiles by (mid energy / band max) ** this (0 = uniform)
    track_context: bool = False  # condition on a summary of the whole track (features.track_context)
    context_drop_prob: float = 0.2  # the summary hidden this often, so a window alone works too
    use_codec_latents: bool = True  # False: the latents are zeroed (ablation: band energies only)
    init_denoiser: str = ""  # a saved SpatialDenoiser folder to start from (fine-tuning)
    latents_dir: str = ""  # precomputed latents to use (default: OUTPUT_DIR/latents)


@dataclass
class TrainConfig:
    seed: int = 0
    mixed_precision: str = "no"  # "bf16" on a GPU
    gradient_accumulation_steps: int = 1
    checkpoint_every: int = 500
    log_every: int = 50
    num_workers: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    codec: CodecConfig = field(default_factory=CodecConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)


def _build(cls, values: dict, where: str):
    known = {f.name: f for f in fields(cls)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; known: {sorted(known)}")
    kwargs = {}
    for name, value in values.items():
        default = known[name].default_factory() if callable(known[name].default_factory) else None
        if is_dataclass(default):
            kwargs[name] = _build(type(default), value or {}, f"{where}.{name}")
        else:
            kwargs[name] = value
    return cls(**kwargs)


def load_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """Read a YAML config; ``overrides`` like ``["diffusion.steps=10"]`` change single values."""
    values = yaml.safe_load(Path(path).read_text()) or {}
    for item in overrides or []:
        key, _, raw = item.partition("=")
        node = values
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = yaml.safe_load(raw)
    return _build(TrainConfig, values, str(path))
