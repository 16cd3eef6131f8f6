"""Sample-rate conversion with an exact output length."""
from __future__ import annotations

from fractions import Fraction

import torch
import torchaudio.functional as taf


def resampled_length(num_samples: int, rate_in: int, rate_out: int) -> int:
    """Length of ``num_samples`` samples at ``rate_in`` once at ``rate_out`` (rounded; a signal that
    is not empty stays at least one sample long)."""
    return max(int(round(num_samples * rate_out / rate_in)), min(num_samples, 1))


def resample(audio: torch.Tensor, rate_in: int, rate_out: int) -> torch.Tensor:
    """``[..., T]`` at ``rate_in`` -> ``[..., resampled_length(T)]`` at ``rate_out`` (windowed sinc)."""
    if rate_in <= 0 or rate_out <= 0:
        raise ValueError(f"sample rates must be positive, got {rate_in} -> {rate_out}")
    target = resampled_length(audio.shape[-1], rate_in, rate_out)
    if rate_in == rate_out:
        return audio
    # Odd rate pairs (44101 -> 48000) would need a huge polyphase filter; a ratio within 1e-6 of the
    # true one, with the length set exactly, is inaudible for the side signal this is used on.
    ratio = Fraction(int(rate_out), int(rate_in)).limit_denominator(1000)
    out = taf.resample(audio, ratio.denominator, ratio.numerator)
    if out.shape[-1] < target:
        out = torch.nn.functional.pad(out, (0, target - out.shape[-1]))
    return out[..., :target]
