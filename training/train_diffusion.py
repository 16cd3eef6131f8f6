"""Training, third step: the spatial denoiser on precomputed pairs (accelerate: DDP, bf16, accumulation, EMA)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from diffusers import DDPMScheduler
from diffusers.optimization import get_cosine_schedule_with_warmup
from tqdm.auto import tqdm

from m2s_gen import attributes, features, spatial
from m2s_gen.codec import SeanetCodec
from m2s_gen.denoiser import SpatialDenoiser
from m2s_gen.factory import default_scheduler_config
from m2s_gen.model_card import render_model_card
from m2s_gen.pipeline import Upmixer, UpmixerConfig

from . import checkpoints
from .config import TrainConfig
from .diffusion_batches import attribute_mask, band_mask_for_rate, drop_context, pair_contexts, sample_batch
from .ema import EMA
from .precompute import STATS_FILE, load_shards, load_source_rates


def _loss(model, noise_scheduler, batch, mask, rng_torch) -> torch.Tensor:
    x0 = batch["x0"]
    noise = torch.randn(x0.shape, generator=rng_torch).to(x0)
    t = torch.randint(0, noise_scheduler.config.num_train_timesteps, (x0.shape[0],), generator=rng_torch).to(x0.device)
    noisy = noise_scheduler.add_noise(x0, noise, t)
    target = noise_scheduler.get_velocity(x0, noise, t)
    pred = model(noisy, t, batch["cond"], batch["attributes"], mask, batch.get("context"))
    weight = batch["weight"]
    return ((pred.float() - target) ** 2 * weight).sum() / weight.sum().clamp(min=1.0)


def _training_facts(cfg: TrainConfig, stats: dict, accelerator) -> dict:
    hours = stats["train_frames"] * spatial.PARAM_HOP / spatial.MODEL_SAMPLE_RATE / 3600
    source = {"npy_folder": cfg.data.npy_folder, "prepared": cfg.data.prepared_dir}.get(cfg.data.source, "synthetic stereo")
    return {
        "data": (f"{hours:.1f} h of diffusion training windows from the stereo music in `{source}` "
                 f"(source: {cfg.data.source}; validation packages held out: "
                 f"{', '.join(cfg.data.validation_packages)}). See docs/training.md for the packages and licences."),
        "compute": (f"{cfg.diffusion.steps} denoiser steps of batch {cfg.diffusion.batch_size} x "
                    f"{cfg.diffusion.segment_frames} frames on {accelerator.num_processes} process(es), "
                    f"device {accelerator.device.type}."),
    }


def _save_upmixer(cfg: TrainConfig, codec_path: Path, denoiser, latent_scale: float, folder: Path,
                  accelerator, stats: dict) -> None:
    import copy

    codec = SeanetCodec.from_pretrained(codec_path, use_safetensors=True)
    config = UpmixerConfig(latent_scale=latent_scale, segment_frames=cfg.diffusion.segment_frames,
                           use_codec_latents=cfg.diffusion.use_codec_latents)
    upmixer = Upmixer(codec, copy.deepcopy(denoiser).cpu().float(), default_scheduler_config(), config)
    upmixer.model_card = render_model_card(upmixer, _training_facts(cfg, stats, accelerator))
    upmixer.save_pretrained(folder)


def init_from(folder: str, kwargs: dict) -> SpatialDenoiser:
    """A denoiser started from a saved one (fine-tuning). A model without a track-context input
    gains one when ``kwargs`` asks for it: its last layer starts at zero, so the new model begins as
    exactly the old one and learns what the summary adds."""
    old = SpatialDenoiser.from_pretrained(folder, use_safetensors=True).float()
    fixed = {k: v for k, v in kwargs.items() if k != "context_channels"}
    if any(old.config[k] != v for k, v in fixed.items()):
        raise ValueError(f"init_denoiser {folder}: its channels do not match this data ({fixed})")
    want = kwargs.get("context_channels", 0)
    if old.config.get("context_channels", 0) == want:
        return old
    if old.config.get("context_channels", 0):
        raise ValueError(f"init_denoiser {folder}: has a track-context input of another size")
    config = {k: v for k, v in old.config.items() if not k.startswith("_")}
    model = SpatialDenoiser(**{**config, "context_channels": want})
    missing, unexpected = model.load_state_dict(old.state_dict(), strict=False)
    assert not unexpected and all(k.startswith("context_mlp.") for k in missing), (missing, unexpected)
    torch.nn.init.zeros_(model.context_mlp[-1].weight)
    torch.nn.init.zeros_(model.context_mlp[-1].bias)
    return model


def train_diffusion(cfg: TrainConfig, codec_path: Path, latents_dir: Path, output_dir: Path, accelerator) -> Path:
    """Train (or resume) the denoiser; saves the complete upmixer to ``output_dir/model``."""
    dcfg = cfg.diffusion
    stats = json.loads((latents_dir / STATS_FILE).read_text())
    dim, scale = stats["latent_dim"], stats["latent_scale"]
    train_pairs = load_shards(latents_dir / "train")
    val_pairs = load_shards(latents_dir / "validation")
    if not dcfg.use_codec_latents:  # ablation: the denoiser hears the mid's band energies only
        train_pairs = [(features.without_latents(c), p) for c, p in train_pairs]
        val_pairs = [(features.without_latents(c), p) for c, p in val_pairs]
    # bands above a band-limited source's Nyquist (32 kHz packages) carry no image: masked in the loss
    train_masks = [band_mask_for_rate(r) for r in load_source_rates(latents_dir / "train")]
    val_masks = [band_mask_for_rate(r) for r in load_source_rates(latents_dir / "validation")]
    train_ctx = pair_contexts(train_pairs, dim, scale) if dcfg.track_context else None
    val_ctx = pair_contexts(val_pairs, dim, scale) if dcfg.track_context else None
    torch.manual_seed(cfg.seed)
    kwargs = dict(param_channels=3 * spatial.NUM_BANDS, cond_channels=dim + spatial.NUM_BANDS,
                  num_attributes=len(attributes.ATTRIBUTE_NAMES))
    if dcfg.track_context:
        kwargs["context_channels"] = 2 * (dim + spatial.NUM_BANDS)
    if dcfg.init_denoiser:
        model = init_from(dcfg.init_denoiser, kwargs)
    else:
        model = SpatialDenoiser(**{**kwargs, **dcfg.model})
    ema = EMA(model, dcfg.ema_decay)
    noise_scheduler = DDPMScheduler.from_config(default_scheduler_config())
    optimizer = torch.optim.AdamW(model.parameters(), lr=dcfg.learning_rate, weight_decay=dcfg.weight_decay)
    lr_schedule = get_cosine_schedule_with_warmup(optimizer, dcfg.warmup_steps, dcfg.steps)
    model, optimizer, lr_schedule = accelerator.prepare(model, optimizer, lr_schedule)
    ema.model.to(accelerator.device)
    accelerator.register_for_checkpointing(ema)
    ckpt_dir = output_dir / "checkpoints_diffusion"
    start = checkpoints.resume(accelerator, ckpt_dir)
    log = checkpoints.CsvLog(output_dir / "diffusion_log.csv", accelerator.is_main_process)
    val_rng = np.random.default_rng([cfg.seed, 999])
    val_batch = {k: v.to(accelerator.device) for k, v in
                 sample_batch(val_pairs, 64, dcfg.segment_frames, dim, scale, val_rng, flip_side=False,
                              smooth_frames=dcfg.target_smooth_frames,
                              energy_weight=dcfg.loss_energy_weight, contexts=val_ctx,
                              band_masks=val_masks).items()}
    val_mask = attribute_mask(64, kwargs["num_attributes"], 0.5, 0.2, val_rng).to(accelerator.device)
    bar = tqdm(range(start, dcfg.steps), desc="diffusion", initial=start, total=dcfg.steps,
               disable=not accelerator.is_local_main_process)
    running = None
    for step in bar:
        rng = np.random.default_rng([cfg.seed, accelerator.process_index, step])
        rng_torch = torch.Generator().manual_seed(int(rng.integers(2**62)))
        batch = {k: v.to(accelerator.device) for k, v in
                 sample_batch(train_pairs, dcfg.batch_size, dcfg.segment_frames, dim, scale, rng,
                                      gain_db_range=dcfg.gain_db_range,
                                      smooth_frames=dcfg.target_smooth_frames,
                                      energy_weight=dcfg.loss_energy_weight, contexts=train_ctx,
                                      band_masks=train_masks).items()}
        if "context" in batch:
            batch["context"] = drop_context(batch["context"], dcfg.context_drop_prob, rng).to(accelerator.device)
        mask = attribute_mask(dcfg.batch_size, kwargs["num_attributes"], dcfg.attribute_drop_prob,
                              dcfg.all_attributes_drop_prob, rng).to(accelerator.device)
        with accelerator.accumulate(model), accelerator.autocast():
            loss = _loss(model, noise_scheduler, batch, mask, rng_torch)
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            lr_schedule.step()
            optimizer.zero_grad()
        if accelerator.sync_gradients:
            ema.update(accelerator.unwrap_model(model))
        running = float(loss) if running is None else 0.95 * running + 0.05 * float(loss)
        bar.set_postfix(loss=f"{running:.4f}")
        values = {"loss": running, "lr": lr_schedule.get_last_lr()[0], "val_loss": float("nan")}
        if (step + 1) % dcfg.validate_every == 0 or step + 1 == dcfg.steps:
            with torch.no_grad():
                values["val_loss"] = float(_loss(ema.model, noise_scheduler, val_batch, val_mask,
                                                 torch.Generator().manual_seed(0)))
            bar.write(f"step {step + 1}: train {running:.4f} val {values['val_loss']:.4f}")
            if accelerator.is_main_process:  # a loadable snapshot to evaluate while training goes on
                _save_upmixer(cfg, codec_path, ema.model, scale, output_dir / "model_latest", accelerator, stats)
        if (step + 1) % cfg.log_every == 0 or values["val_loss"] == values["val_loss"]:
            log.write(step + 1, values)
        if (step + 1) % cfg.checkpoint_every == 0 and step + 1 < dcfg.steps:
            checkpoints.save(accelerator, ckpt_dir, step + 1)
    accelerator.wait_for_everyone()
    final = output_dir / "model"
    if accelerator.is_main_process:
        _save_upmixer(cfg, codec_path, ema.model, scale, final, accelerator, stats)
    accelerator.wait_for_everyone()
    del model, optimizer, ema
    return final
