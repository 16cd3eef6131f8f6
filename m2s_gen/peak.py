"""Peak safety that keeps the fold-down exact: only the side is turned down, never one channel clipped."""
from __future__ import annotations

import torch

WINDOW_SAMPLES = 257  # odd, ~5 ms at 48 kHz


def _min_filter(x: torch.Tensor, width: int) -> torch.Tensor:
    return -torch.nn.functional.max_pool1d(-x[None, None], width, stride=1, padding=width // 2)[0, 0]


def _mean_filter(x: torch.Tensor, width: int) -> torch.Tensor:
    """Centred running mean (edges repeated), from a float64 cumulative sum: O(T) whatever the width."""
    padded = torch.nn.functional.pad(x[None, None], (width // 2, width // 2), mode="replicate")[0, 0]
    total = torch.nn.functional.pad(padded.double().cumsum(0), (1, 0))
    return ((total[width:] - total[:-width]) / width).to(x.dtype)


def limit_side(mid: torch.Tensor, side: torch.Tensor, ceiling: float = 1.0) -> torch.Tensor:
    """Scale ``side`` ``[T]`` by a smooth gain in [0, 1] so ``|mid ± side| <= max(ceiling, |mid|)``.

    The allowed gain per sample is ``(ceiling - |mid|) / |side|``; a running minimum followed by a
    running mean over the same window stays below it everywhere and has no clicks. Where the mid
    alone already exceeds the ceiling, the side is removed there (the input's own peak is kept).
    """
    if side.numel() == 0:
        return side
    headroom = (ceiling - mid.abs()).clamp(min=0)
    allowed = torch.where(side.abs() > 0, headroom / side.abs().clamp(min=1e-12), torch.ones_like(side))
    allowed = allowed.clamp(max=1.0)
    if bool((allowed >= 1).all()):
        return side
    width = min(WINDOW_SAMPLES, side.numel() if side.numel() % 2 else side.numel() - 1)
    if width < 1:
        return side * allowed
    gain = _mean_filter(_min_filter(allowed, width), width)
    return side * torch.minimum(gain, allowed)
