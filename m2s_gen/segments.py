"""Long audio in bounded memory: overlapping segments and their weighted overlap-add.

``plan_segments`` cuts ``[0, num_samples)`` into windows of ``segment_len`` samples that overlap by
``overlap`` samples; ``overlap_add`` puts processed windows back with linear cross-fades whose weights
sum to one everywhere, so unprocessed windows give back the input exactly.
"""
from __future__ import annotations

import torch


def plan_segments(num_samples: int, segment_len: int, overlap: int) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` windows covering ``num_samples``; the last one may be shorter."""
    if segment_len <= 0 or not 0 <= overlap < segment_len:
        raise ValueError(f"need segment_len > overlap >= 0, got {segment_len=} {overlap=}")
    if num_samples <= segment_len:
        return [(0, num_samples)]
    step = segment_len - overlap
    starts = list(range(0, num_samples - overlap, step))
    return [(s, min(s + segment_len, num_samples)) for s in starts if s < num_samples]


def _fade_weights(length: int, fade_in: int, fade_out: int, dtype: torch.dtype) -> torch.Tensor:
    w = torch.ones(length, dtype=dtype)
    if fade_in:
        w[:fade_in] = (torch.arange(fade_in, dtype=dtype) + 0.5) / fade_in
    if fade_out:
        w[length - fade_out:] *= 1 - (torch.arange(fade_out, dtype=dtype) + 0.5) / fade_out
    return w


def overlap_add(pieces: list[torch.Tensor], windows: list[tuple[int, int]], num_samples: int) -> torch.Tensor:
    """Sum ``pieces`` (``[..., end - start]`` each) into ``[..., num_samples]`` with cross-fades over
    the overlap of consecutive windows.

    The sum is divided by the summed weights: that is 1 where two windows cross-fade, and it keeps
    the identity where more than two overlap (``overlap > segment_len / 2``)."""
    out = pieces[0].new_zeros(*pieces[0].shape[:-1], num_samples)
    total = torch.zeros(num_samples, dtype=pieces[0].dtype, device=pieces[0].device)
    for i, (piece, (start, end)) in enumerate(zip(pieces, windows)):
        fade_in = windows[i - 1][1] - start if i > 0 else 0
        fade_out = end - windows[i + 1][0] if i + 1 < len(windows) else 0
        weights = _fade_weights(end - start, max(fade_in, 0), max(fade_out, 0), piece.dtype).to(piece.device)
        out[..., start:end] += piece * weights
        total[start:end] += weights
    return out / total.clamp(min=torch.finfo(total.dtype).tiny)
