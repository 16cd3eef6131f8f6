"""The width head: each band's width over a window, predicted from what the window sounds like.

A diffusion draw is one sample of the posterior: even a perfect sampler's width correlates with the
real one only as much as the square of what the conditioning can tell (training/RESULTS.md). The
head is the other half: a ridge regression from the window's conditioning summary
(:func:`m2s_gen.features.track_context`: mean and spread of codec latents and mid band energies over
its audible frames) to the energy-weighted side-to-mid ratio of each band, in dB, fitted on the
training packages by ``training.fit_width_head``. Band-level anchoring moves each band of the sampled
image towards it (``band_level_anchor``), keeping the draw's course over time and its coherences.

Stored as ``width_head.safetensors`` in the model folder: ``weight`` ``[B, F]``, ``bias`` ``[B]``,
``feature_mean`` and ``feature_scale`` ``[F]`` (F = 2 x conditioning channels).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import features, spatial

FILE_NAME = "width_head.safetensors"
_KEYS = ("weight", "bias", "feature_mean", "feature_scale")


@dataclass
class WidthHead:
    """Ridge regression ``summary [F] -> band widths [B]`` (dB), with the features standardised."""

    weight: torch.Tensor  # [B, F]
    bias: torch.Tensor  # [B]
    feature_mean: torch.Tensor  # [F]
    feature_scale: torch.Tensor  # [F]

    @property
    def num_features(self) -> int:
        return int(self.weight.shape[1])

    def predict_db(self, summary: torch.Tensor) -> torch.Tensor:
        """Band widths ``[..., B]`` dB from summaries ``[..., F]``, clipped to the ratio's range."""
        x = (summary.double() - self.feature_mean.double()) / self.feature_scale.double()
        out = x @ self.weight.double().T + self.bias.double()
        return out.clamp(spatial.RATIO_FLOOR_DB, spatial.RATIO_CEIL_DB)

    def profile_db(self, cond: torch.Tensor) -> torch.Tensor:
        """Anchoring profile ``[S, B]`` for segments' conditioning ``[S, C, N]``."""
        return torch.stack([self.predict_db(features.track_context(c)) for c in cond])

    # -- fitting ------------------------------------------------------------------------------
    @classmethod
    def fit(cls, summaries: np.ndarray, widths_db: np.ndarray, alpha: float,
            use: np.ndarray | None = None) -> "WidthHead":
        """Fit on ``summaries [W, F]`` and ``widths_db [W, B]`` (NaN: band not audible in that window,
        left out of that band's fit); ``alpha`` is the ridge penalty on standardised features; ``use``
        (bool ``[F]``) restricts the fit to some features, the others get weight 0."""
        x = np.asarray(summaries, np.float64)
        mean, scale = x.mean(0), x.std(0)
        scale = np.where(scale > 1e-8, scale, 1.0)
        if use is not None:
            use = np.asarray(use, bool)
            mean, scale = np.where(use, mean, 0.0), np.where(use, scale, 1.0)
        z = (x - mean) / scale
        if use is not None:
            z = z * use
        weight = np.zeros((widths_db.shape[1], x.shape[1]))
        bias = np.zeros(widths_db.shape[1])
        for band in range(widths_db.shape[1]):
            rows = np.isfinite(widths_db[:, band])
            if rows.sum() < 2:
                bias[band] = spatial.RATIO_FLOOR_DB
                continue
            zb, yb = z[rows], widths_db[rows, band]
            zc = zb - zb.mean(0)
            weight[band] = np.linalg.solve(zc.T @ zc + alpha * np.eye(z.shape[1]), zc.T @ (yb - yb.mean()))
            if use is not None:
                weight[band][~use] = 0.0
            bias[band] = yb.mean() - zb.mean(0) @ weight[band]
        as_t = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
        return cls(as_t(weight), as_t(bias), as_t(mean), as_t(scale))

    # -- storage ------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        from safetensors.torch import save_file

        path = Path(folder) / FILE_NAME
        save_file({k: getattr(self, k).float().contiguous() for k in _KEYS}, str(path), metadata={"format": "pt"})
        return path

    @classmethod
    def load(cls, path: str | Path, num_features: int, num_bands: int = spatial.NUM_BANDS) -> "WidthHead":
        """Read and check a head file; ValueError naming the file if shapes or values are wrong."""
        from safetensors.torch import load_file

        tensors = load_file(str(path))
        missing = [k for k in _KEYS if k not in tensors]
        if missing:
            raise ValueError(f"{path}: missing tensors {missing}")
        want = {"weight": (num_bands, num_features), "bias": (num_bands,),
                "feature_mean": (num_features,), "feature_scale": (num_features,)}
        for key, shape in want.items():
            if tuple(tensors[key].shape) != shape:
                raise ValueError(f"{path}: {key} has shape {tuple(tensors[key].shape)}, expected {shape}")
            if not bool(torch.isfinite(tensors[key]).all()):
                raise ValueError(f"{path}: {key} has non-finite values")
        if bool((tensors["feature_scale"] <= 0).any()):
            raise ValueError(f"{path}: feature_scale must be positive")
        return cls(*(tensors[k].float() for k in _KEYS))
