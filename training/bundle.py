"""Package a trained model as the bundled default: sampler defaults, model card, fp16 weights.

python -m training.bundle --model runs/model --out m2s_gen/default_model \\
    --steps 6 --temperature 1.0 --smooth-frames 1 --batch-segments 1 --card-copy MODEL_CARD.md \\
    --report evaluation/reports/default_model/report.md \\
    --compute "..." --data "..."

The summary table of each ``--report`` (``m2s evaluate`` reports: the validation packages, then for
example the held-out productions of ``training.data.unseen_packages``) goes into ``MODEL_CARD.md``.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import torch

from m2s_gen import Upmixer
from m2s_gen.loading import save_upmixer
from m2s_gen.model_card import render_model_card


def card_command(command: str) -> str:
    """The report's command as the card shows it: the report measured the model being packaged, so
    its ``--model FOLDER`` (a scratch folder, not part of the release) and ``--quiet`` are left out:
    without ``--model`` the command measures the packaged model."""
    quoted = command.startswith("`") and command.endswith("`")
    text = command.strip("`")
    text = re.sub(r" --model \S+", "", text)
    text = re.sub(r" --quiet\b", "", text)
    return f"`{text}`" if quoted else text


def summary_table(report: Path) -> str:
    """The "Summary" section of an evaluation report, with the command that made it, and the default
    model's improvement over the best baseline (with its intervals over productions) when the
    report has it."""
    text = report.read_text()
    command = re.search(r"- command: (.*)", text)
    summary = re.search(r"## Summary[^\n]*\n(.*?)(?=\n## )", text, re.S)
    if summary is None:
        raise ValueError(f"{report}: no '## Summary' section")
    before = " on its float32 weights before packaging," if command and " --model " in command.group(1) else ""
    head = (f"Measured{before} with {card_command(command.group(1).strip())} (report: `{report}`).\n\n"
            if command else "")
    gain = re.search(r"## Improvement of model over the best DSP baseline\n(.*?)(?=\n## |\Z)", text, re.S)
    tail = f"\n\nThe default (`model`) against the best DSP baseline:\n\n{gain.group(1).strip()}" if gain else ""
    return head + summary.group(1).strip() + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a save_pretrained folder")
    parser.add_argument("--out", required=True, help="destination folder (replaced)")
    parser.add_argument("--steps", type=int, help="default sampler steps")
    parser.add_argument("--temperature", type=float, help="default sampler temperature")
    parser.add_argument("--smooth-frames", type=int, help="energy-domain smoothing of the sampled parameters")
    parser.add_argument("--batch-segments", type=int, help="segments per sampler batch (1 is fastest on a CPU)")
    parser.add_argument("--draws", type=int, help="default diffusion draws per take (m2s_gen.posterior.consensus)")
    parser.add_argument("--report", type=Path, nargs="+", default=[],
                        help="evaluation report.md files whose summaries go into the card, in this order")
    parser.add_argument("--data", help="model card: training data")
    parser.add_argument("--compute", help="model card: training compute")
    parser.add_argument("--card-copy", type=Path, help="also write the model card here (e.g. MODEL_CARD.md)")
    parser.add_argument("--fp32", action="store_true", help="keep float32 weights (default: float16)")
    args = parser.parse_args(argv)
    up = Upmixer.from_pretrained(args.model)
    if args.steps is not None:
        up.config.default_num_steps = args.steps
    if args.temperature is not None:
        up.config.default_temperature = args.temperature
    if args.smooth_frames is not None:
        up.config.param_smooth_frames = args.smooth_frames
    if args.batch_segments is not None:
        up.config.batch_segments = args.batch_segments
    if args.draws is not None:
        up.config.default_num_draws = args.draws
    facts = {"data": args.data or "(not recorded)", "compute": args.compute or "(not recorded)"}
    up.model_card = render_model_card(up, facts, "\n\n".join(summary_table(report) for report in args.report))
    out = Path(args.out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    save_upmixer(up, tmp, dtype=torch.float32 if args.fp32 else torch.float16)
    Upmixer.from_pretrained(tmp)  # it must load before it replaces anything
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    if args.card_copy:
        args.card_copy.write_text(up.model_card)
    print(f"bundled {args.model} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
