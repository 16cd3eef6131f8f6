"""Training, first step: the stereo SEANet codec (our own EnCodec-architecture weights)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from m2s_gen.codec import SeanetCodec

from . import checkpoints
from .codec_losses import CodecLoss
from .codec_metrics import codec_validation_metrics
from .config import TrainConfig
from .tracks import open_tracks, random_crops


def cosine_lr(peak: float, final_fraction: float, step: int, total_steps: int) -> float:
    """Learning rate at ``step``: ``peak`` decaying along a half cosine to ``peak * final_fraction``."""
    progress = min(max(step / max(total_steps, 1), 0.0), 1.0)
    return peak * (final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + math.cos(math.pi * progress)))


def codec_dir(output_dir: Path) -> Path:
    return output_dir / "codec"


def train_codec(cfg: TrainConfig, output_dir: Path, accelerator) -> Path:
    """Train (or resume) the codec; returns the folder of the saved ``SeanetCodec``."""
    if cfg.codec.pretrained:
        return Path(cfg.codec.pretrained)
    final = codec_dir(output_dir)
    if (final / "config.json").is_file():
        accelerator.print(f"codec already trained: {final}")
        return final
    tracks = open_tracks(cfg.data, "train")
    torch.manual_seed(cfg.seed)
    model = SeanetCodec(**cfg.codec.model)
    hop = model.hop_length
    num_samples = max(1, round(cfg.codec.segment_s * model.config.sample_rate / hop)) * hop
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.codec.learning_rate, betas=tuple(cfg.codec.adam_betas))
    loss_fn = CodecLoss(model.config.sample_rate, snr_weight=cfg.codec.snr_weight).to(accelerator.device)
    model, optimizer = accelerator.prepare(model, optimizer)
    ckpt_dir = output_dir / "checkpoints_codec"
    start = checkpoints.resume(accelerator, ckpt_dir)
    log = checkpoints.CsvLog(output_dir / "codec_log.csv", accelerator.is_main_process)
    bar = tqdm(range(start, cfg.codec.steps), desc="codec", initial=start, total=cfg.codec.steps,
               disable=not accelerator.is_local_main_process)
    running = {}
    for step in bar:
        # the batch depends only on (seed, process, step): a resumed run sees the batches it missed
        rng = np.random.default_rng([cfg.seed, accelerator.process_index, step])
        batch = torch.from_numpy(random_crops(tracks, cfg.codec.batch_size, num_samples, rng,
                                              cfg.codec.gain_db_range)).to(accelerator.device)
        for group in optimizer.param_groups:
            group["lr"] = cosine_lr(cfg.codec.learning_rate, cfg.codec.final_lr_fraction, step, cfg.codec.steps)
        with accelerator.accumulate(model):
            pred = model(batch)
            if step < cfg.codec.waveform_warmup_steps:
                # the waveform first: spectral terms alone never line the phase up (docs/research-log.md)
                loss = CodecLoss.negative_snr_db(pred, batch)
                with torch.no_grad():
                    _, parts = loss_fn(pred.detach(), batch)
            else:
                loss, parts = loss_fn(pred, batch)
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
        running = {k: 0.9 * running.get(k, v) + 0.1 * v for k, v in {"loss": float(loss), **parts}.items()}
        bar.set_postfix(loss=f"{running['loss']:.3f}")
        if (step + 1) % cfg.log_every == 0:
            log.write(step + 1, running)
        if (step + 1) % cfg.checkpoint_every == 0 and step + 1 < cfg.codec.steps:
            checkpoints.save(accelerator, ckpt_dir, step + 1)
            # data still being prepared (training.data.prepare runs beside): take the new tracks
            tracks = open_tracks(cfg.data, "train")
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        codec = accelerator.unwrap_model(model)
        try:
            val_tracks = open_tracks(cfg.data, "validation")
        except FileNotFoundError:
            val_tracks = []
        metrics = (codec_validation_metrics(codec.eval(), val_tracks, cfg.codec.validation_crops,
                                            num_samples * 5, cfg.seed)
                   if val_tracks else {"note": "no validation tracks: run training.codec_metrics later"})
        (output_dir / "codec_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        accelerator.print("codec validation: " + json.dumps(metrics))
        codec.save_pretrained(final, safe_serialization=True)
    accelerator.wait_for_everyone()
    # forget the codec's prepared objects, so the next stage's checkpoints hold only its own
    del model, optimizer
    accelerator.free_memory()
    return final
