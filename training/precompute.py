"""Training, second step: the diffusion model's training pairs, computed once and stored in safetensors shards.

For every track: the mono conditioning (codec latents of ``[M, M]`` + mid band energies) and the
target spatial parameters of the real stereo, both ``[channels, frames]`` at 25 frames/s, float16.
Processes split the tracks between them; a finished shard is never recomputed (resumable).
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from m2s_gen import features, spatial
from m2s_gen.codec import SeanetCodec

from .config import TrainConfig
from .tracks import open_tracks

STATS_FILE = "stats.json"
MIN_TAIL_SAMPLES = spatial.MODEL_SAMPLE_RATE  # the end of a track shorter than this is not analysed on its own


def _chunk_starts(num_samples: int, chunk: int, max_chunks: int) -> list[int]:
    """Start of each whole chunk (a track shorter than one chunk: one start, 0); with ``max_chunks`` > 0,
    that many spread evenly over the track. A remainder shorter than a chunk is not a chunk of its own
    (a few samples at the end of a track are too short to analyse)."""
    starts = list(range(0, max(num_samples - chunk, 0) + 1, chunk))
    tail = starts[-1] + chunk
    if not max_chunks and num_samples - tail >= MIN_TAIL_SAMPLES:  # whole tracks: keep a real remainder
        starts.append(tail)
    if max_chunks and len(starts) > max_chunks:
        picks = torch.linspace(0, len(starts) - 1, max_chunks).round().long().tolist()
        starts = [starts[i] for i in picks]
    return starts


@torch.inference_mode()
def track_pairs(codec, audio, chunk_s: float, max_chunks: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(cond ``[D + B, N]``, params ``[3B, N]``) of one stereo track ``[2, T]`` at 48 kHz, over
    all of it or ``max_chunks`` chunks of ``chunk_s`` seconds spread over it."""
    chunk = max(1, round(chunk_s * spatial.MODEL_SAMPLE_RATE / spatial.PARAM_HOP)) * spatial.PARAM_HOP
    conds, params = [], []
    for start in _chunk_starts(audio.shape[-1], chunk, max_chunks):
        piece = torch.as_tensor(audio[:, start:start + chunk], dtype=torch.float32)
        mid, side = (piece[0] + piece[1]) / 2, (piece[0] - piece[1]) / 2
        conds.append(features.mono_conditioning(codec, mid[None], 1.0)[0])
        params.append(spatial.analyze(mid, side))
    return torch.cat(conds, -1), torch.cat(params, -1)


def precompute(cfg: TrainConfig, codec_path: Path, out: Path, accelerator) -> Path:
    """Write ``out/{train,validation}/TRACK.safetensors`` and ``out/stats.json``; tracks
    already done are skipped, so it can be re-run as more tracks arrive."""
    codec = SeanetCodec.from_pretrained(codec_path, use_safetensors=True).eval()
    for split in ("train", "validation"):
        tracks = open_tracks(cfg.data, split)
        (out / split).mkdir(parents=True, exist_ok=True)
        mine = list(range(accelerator.process_index, len(tracks), accelerator.num_processes))
        for i in tqdm(mine, desc=f"latents {split}", disable=not accelerator.is_local_main_process):
            path = out / split / (tracks[i][0].replace("/", "__") + ".safetensors")
            if path.is_file():
                continue
            cond, params = track_pairs(codec, tracks[i][1], cfg.diffusion.precompute_chunk_s,
                                       cfg.diffusion.precompute_max_chunks)
            tmp = path.with_suffix(".tmp")
            rate = source_rate_hz(cfg, tracks[i][0])
            save_file({"cond": cond.half().contiguous(), "params": params.half().contiguous()}, str(tmp),
                      metadata={"name": tracks[i][0], "source_rate_hz": str(rate)})
            tmp.rename(path)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        dim = codec.config.latent_dim
        latents = torch.cat([load_file(str(p))["cond"][:dim].float() for p in sorted((out / "train").glob("*.safetensors"))], -1)
        stats = {"latent_scale": float(latents.std()), "latent_dim": dim, "train_frames": latents.shape[-1]}
        (out / STATS_FILE).write_text(json.dumps(stats, indent=2) + "\n")
    accelerator.wait_for_everyone()
    return out


def source_rate_hz(cfg: TrainConfig, track_name: str) -> int:
    """The sample rate a track was decoded from (its ``training.data.prepare`` record), else 48000."""
    package, _, name = track_name.partition("/")
    root = Path(cfg.data.prepared_dir if cfg.data.source == "prepared" else Path(cfg.data.npy_folder).parent)
    record = root / "records" / package / f"{name}.json"
    try:
        return int(json.loads(record.read_text()).get("source_sample_rate") or spatial.MODEL_SAMPLE_RATE)
    except (OSError, ValueError):
        return spatial.MODEL_SAMPLE_RATE


def load_source_rates(folder: Path) -> list[int]:
    """Each shard's source sample rate (48000 for shards written before it was recorded), in track order."""
    from safetensors import safe_open

    rates = []
    for path in sorted(folder.glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as f:
            rates.append(int((f.metadata() or {}).get("source_rate_hz", spatial.MODEL_SAMPLE_RATE)))
    return rates


def load_shards(folder: Path) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """All (cond, params) pairs of one split, float16, in track order."""
    pairs = []
    for path in sorted(folder.glob("*.safetensors")):
        tensors = load_file(str(path))
        pairs.append((tensors["cond"], tensors["params"]))
    return pairs
