"""Controllability: does the model do what its controls ask?

- width: requested broadband S/M (`width_db=`) against the S/M measured on the output;
- prompts: for each word of `m2s_gen.prompts.VOCABULARY`, the measured broadband, low-band
  (< 200 Hz) and high-band (> 4 kHz) width, the mean ICC and the side-mid coherence, beside the
  output with no prompt and the word's own targets.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .clips import Clip
from .metrics import band_icc, side_mid_coherence, side_to_mid_db

WIDTH_TARGETS_DB = (-20.0, -15.0, -10.0, -6.0, -3.0)
LOW_BAND_HZ = 200.0
HIGH_BAND_HZ = 4000.0
MOVEMENT_FRAME_S = 0.2
MOVEMENT_LOUD_DB = -40.0  # frames this far below the loudest are left out of the movement

#: What each word means, as a comparison of measured attributes that must hold:
#: (word, attribute, other word, least difference word - other). "(none)" is the output with no prompt.
PROMPT_CHECKS: tuple[tuple[str, str, str, float], ...] = (
    ("very wide", "width_db", "narrow", 6.0),
    ("wide", "width_db", "natural", 3.0),
    ("natural", "width_db", "narrow", 3.0),
    ("narrow", "width_db", "mono", 6.0),
    ("wide bass", "low_width_db", "mono bass", 15.0),
    ("(none)", "low_width_db", "mono bass", 10.0),
    ("bright", "high_width_db", "(none)", 3.0),
    ("hard-panned", "coherence", "ambient", 0.3),
    ("vintage", "coherence", "diffuse", 0.3),
    ("(none)", "coherence", "hall", 0.1),
    ("ping-pong", "movement_db", "static", 1.0),
)

System = Callable[..., np.ndarray]


def prompt_vocabulary() -> dict[str, tuple[str, dict[str, float]]] | None:
    """`m2s_gen.prompts.VOCABULARY` (word -> (description, attribute targets)), or None if absent."""
    try:
        from m2s_gen.prompts import VOCABULARY
    except ImportError:
        return None
    return {word: _entry(value) for word, value in VOCABULARY.items()}


def _entry(value) -> tuple[str, dict[str, float]]:
    """A vocabulary value as (description, targets): accepts a bare description string too."""
    if isinstance(value, str):
        return value, {}
    description, targets = value
    return str(description), dict(targets)


def measure_attributes(stereo: np.ndarray, sample_rate: int) -> dict[str, float]:
    """Measured attributes of one output `[2, T]`: S/M broadband, < 200 Hz, > 4 kHz (dB), mean ICC,
    side-mid coherence (the prompts' "coherence")."""
    _, icc = band_icc(stereo, sample_rate)
    return {
        "width_db": side_to_mid_db(stereo),
        "low_width_db": side_to_mid_db(stereo, sample_rate, 0.0, LOW_BAND_HZ),
        "high_width_db": side_to_mid_db(stereo, sample_rate, HIGH_BAND_HZ, None),
        "icc": float(np.nanmean(icc)) if np.any(np.isfinite(icc)) else float("nan"),
        "coherence": side_mid_coherence(stereo, sample_rate),
        "movement_db": width_movement_db(stereo, sample_rate),
    }


def width_movement_db(stereo: np.ndarray, sample_rate: int, frame_s: float = MOVEMENT_FRAME_S) -> float:
    """Std over 0.2 s frames of the broadband S/M in dB (frames within 40 dB of the loudest): how much
    the width moves over time. NaN when fewer than two frames are loud."""
    stereo = np.asarray(stereo, dtype=np.float64)
    frame = max(1, int(round(frame_s * sample_rate)))
    count = stereo.shape[-1] // frame
    if count < 2:
        return float("nan")
    blocks = stereo[:, : count * frame].reshape(2, count, frame)
    e_mid = np.sum((0.5 * (blocks[0] + blocks[1])) ** 2, axis=-1)
    e_side = np.sum((0.5 * (blocks[0] - blocks[1])) ** 2, axis=-1)
    loud = e_mid > e_mid.max() * 10 ** (MOVEMENT_LOUD_DB / 10)
    if loud.sum() < 2:
        return float("nan")
    width = 10 * np.log10(np.maximum(e_side[loud], 1e-30) / e_mid[loud])
    return float(np.std(np.maximum(width, -60.0)))


def check_prompts(rows: list[dict], checks=PROMPT_CHECKS) -> list[dict]:
    """Each of ``checks`` whose two words were measured: the difference and whether it holds."""
    by_word = {row["prompt"]: row for row in rows}
    out = []
    for word, name, other, least in checks:
        if word not in by_word or other not in by_word or name not in by_word[word]:
            continue
        difference = by_word[word][name] - by_word[other][name]
        out.append({"word": word, "attribute": name, "other": other, "least": least,
                    "difference": float(difference), "holds": bool(difference >= least)})
    return out


def measure_width_control(system: System, clips: Sequence[Clip], targets_db: Sequence[float] = WIDTH_TARGETS_DB, seed: int = 0) -> list[dict]:
    """One row per requested width: measured S/M mean and std over clips, mean |error|, bias (dB).

        error = mean_clips |S/M_measured - width_db_requested|,  bias = mean_clips (measured - requested)
    """
    rows = []
    for target in targets_db:
        measured = np.array([side_to_mid_db(system(c.mono, c.sample_rate, seed, width_db=target)) for c in clips])
        rows.append({
            "requested_db": float(target),
            "measured_mean_db": float(np.mean(measured)),
            "measured_std_db": float(np.std(measured)),
            "error_db": float(np.mean(np.abs(measured - target))),
            "bias_db": float(np.mean(measured - target)),
        })
    return rows


def measure_prompt_control(system: System, clips: Sequence[Clip], vocabulary: dict, seed: int = 0) -> list[dict]:
    """One row per prompt word (and one for no prompt): its targets and mean measured attributes over clips.

    `vocabulary`: word -> description, or word -> (description, {attribute: target}).
    """
    rows = []
    for word in [None, *vocabulary]:
        controls = {} if word is None else {"prompt": word}
        measured = [measure_attributes(system(c.mono, c.sample_rate, seed, **controls), c.sample_rate) for c in clips]
        description, targets = ("", {}) if word is None else _entry(vocabulary[word])
        row = {"prompt": "(none)" if word is None else word, "description": description, "targets": targets}
        for key in measured[0]:
            row[key] = float(np.nanmean([m[key] for m in measured]))
        rows.append(row)
    return rows


def measure_controllability(system: System, clips: Sequence[Clip], seed: int = 0, vocabulary: dict | None = None) -> dict:
    """Width and prompt controllability of `system` on `clips`.

    Returns {"num_clips", "width": rows, "prompts": rows or None, "note": why prompts are missing}.
    `vocabulary=None` reads `m2s_gen.prompts.VOCABULARY` when it exists.
    """
    result = {"num_clips": len(clips), "width": measure_width_control(system, clips, seed=seed), "prompts": None, "note": ""}
    vocabulary = prompt_vocabulary() if vocabulary is None else vocabulary
    if vocabulary is None:
        result["note"] = "m2s_gen.prompts.VOCABULARY does not exist yet: prompts not measured"
        return result
    try:
        result["prompts"] = measure_prompt_control(system, clips, vocabulary, seed=seed)
        result["checks"] = check_prompts(result["prompts"])
    except TypeError as error:  # a system without a prompt argument
        result["note"] = f"prompts not measured: {error}"
    return result


def controllability_markdown(name: str, result: dict) -> str:
    """Markdown tables of one system's controllability result."""
    lines = [f"### {name}: width control ({result['num_clips']} clips)", "",
             "| requested S/M dB | measured mean dB | measured std dB | mean abs error dB ↓ | bias dB |",
             "|---|---|---|---|---|"]
    for row in result["width"]:
        lines.append(f"| {row['requested_db']:.0f} | {row['measured_mean_db']:.2f} | {row['measured_std_db']:.2f} "
                     f"| {row['error_db']:.2f} | {row['bias_db']:+.2f} |")
    lines.append("")
    if result["prompts"]:
        lines += [f"### {name}: prompt words (means over clips)", "",
                  "| prompt | targets | width dB | < 200 Hz width dB | > 4 kHz width dB | mean ICC | side-mid coherence "
                  "| width movement dB |",
                  "|---|---|---|---|---|---|---|---|"]
        for row in result["prompts"]:
            targets = ", ".join(f"{k} {v:g}" for k, v in row["targets"].items()) or "–"
            lines.append(f"| {row['prompt']} | {targets} | {row['width_db']:.2f} | {row['low_width_db']:.2f} "
                         f"| {row['high_width_db']:.2f} | {row['icc']:.3f} | {row['coherence']:.3f} "
                         f"| {row.get('movement_db', float('nan')):.2f} |")
        lines.append("")
    if result.get("checks"):
        held = sum(c["holds"] for c in result["checks"])
        lines += [f"### {name}: do the words mean what they say? ({held} of {len(result['checks'])} hold)", "",
                  "| check | measured difference | holds |", "|---|---|---|"]
        for c in result["checks"]:
            lines.append(f"| {c['attribute']}: {c['word']} - {c['other']} >= {c['least']:g} "
                         f"| {c['difference']:+.2f} | {'yes' if c['holds'] else 'NO'} |")
        lines.append("")
    if result["note"]:
        lines += [f"_{result['note']}_", ""]
    return "\n".join(lines)
