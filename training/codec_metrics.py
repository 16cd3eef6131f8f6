"""Codec reconstruction quality on held-out music: SI-SDR and log-mel distance of mid and side."""
from __future__ import annotations

import numpy as np
import torch
import torchaudio

from .tracks import random_crops

_EPS = 1e-9


def si_sdr_db(estimate: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Scale-invariant SDR in dB, ``[..., T]`` -> ``[...]`` (higher is better)."""
    ref = reference - reference.mean(-1, keepdim=True)
    est = estimate - estimate.mean(-1, keepdim=True)
    scale = (est * ref).sum(-1, keepdim=True) / (ref.pow(2).sum(-1, keepdim=True) + _EPS)
    target = scale * ref
    return 10 * torch.log10(target.pow(2).sum(-1) / ((est - target).pow(2).sum(-1) + _EPS) + _EPS)


@torch.inference_mode()
def codec_validation_metrics(codec, tracks, num_crops: int, num_samples: int, seed: int) -> dict:
    """Mean SI-SDR (dB) and log10-mel L1 distance of the codec's mid and side on validation crops."""
    rng = np.random.default_rng([seed, 12345])
    batch = torch.from_numpy(random_crops(tracks, num_crops, num_samples, rng, flip_side=False))
    mel = torchaudio.transforms.MelSpectrogram(48_000, n_fft=2048, hop_length=480, n_mels=80)
    recon = torch.cat([codec(chunk) for chunk in batch.split(4)])
    out = {}
    for name, sign in (("mid", 1.0), ("side", -1.0)):
        ref = (batch[:, 0] + sign * batch[:, 1]) / 2
        est = (recon[:, 0] + sign * recon[:, 1]) / 2
        floor = mel(ref).mean() * 1e-4
        dist = (torch.log10(mel(est) + floor) - torch.log10(mel(ref) + floor)).abs().mean()
        out[f"{name}_si_sdr_db"] = float(si_sdr_db(est, ref).mean())
        out[f"{name}_log_mel_l1"] = float(dist)
    out["num_crops"] = num_crops
    out["crop_s"] = num_samples / 48_000
    return out
