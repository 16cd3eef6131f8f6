"""Train an upmixer: codec -> precomputed latents -> denoiser, one command, resumable.

Single process:   python -m training.train --config configs/smoke.yaml --output-dir runs/smoke
Data-parallel:    accelerate launch --multi_gpu --num_processes N -m training.train --config C --output-dir D
Several nodes:    add --num_machines M --machine_rank R --main_process_ip IP to accelerate launch.
"""
from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import InitProcessGroupKwargs

from .config import load_config
from .precompute import precompute
from .train_codec import train_codec
from .train_diffusion import train_diffusion


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="m2s train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="YAML config (see configs/)")
    parser.add_argument("--output-dir", required=True, help="run folder: checkpoints, logs, the final model/")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. --set diffusion.steps=100 (repeatable)")
    parser.add_argument("--stages", default="codec,latents,diffusion",
                        help="comma-separated stages to run (default: all)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = get_parser().parse_args(argv)
    try:
        cfg = load_config(args.config, args.set)
    except (OSError, ValueError) as err:
        print(f"m2s train: error: {err}", file=sys.stderr)
        return 2
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    from datetime import timedelta

    accelerator = Accelerator(mixed_precision=cfg.mixed_precision, cpu=not torch.cuda.is_available(),
                              gradient_accumulation_steps=cfg.gradient_accumulation_steps,
                              kwargs_handlers=[InitProcessGroupKwargs(timeout=timedelta(hours=2))])
    if accelerator.is_main_process:
        (output_dir / "config.yaml").write_text(Path(args.config).read_text())
    stages = set(args.stages.split(","))
    codec_path = train_codec(cfg, output_dir, accelerator) if "codec" in stages else Path(cfg.codec.pretrained or output_dir / "codec")
    latents = Path(cfg.diffusion.latents_dir or output_dir / "latents")
    if "latents" in stages:
        precompute(cfg, codec_path, latents, accelerator)
    if "diffusion" in stages:
        final = train_diffusion(cfg, codec_path, latents, output_dir, accelerator)
        accelerator.print(f"model saved: {final}  (load with Upmixer.from_pretrained({str(final)!r}))")
    # gloo may abort at exit while models are alive: drop them and sync, then end the process group
    accelerator.free_memory()
    gc.collect()
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return 0


if __name__ == "__main__":
    sys.exit(main())
