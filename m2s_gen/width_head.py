"""The width head: each band's width over a window, predicted from what the window sounds like.

A diffusion draw is one sample of the posterior: even a perfect sampler's width correlates with the
real one only as much as the square of what the conditioning can tell (docs/results.md). The
head is the other half: a ridge regression from the window's conditioning summary
(:func:`m2s_gen.features.track_context`: mean and spread of codec latents and mid band energies over
its audible frames) to the energy-weighted side-to-mid ratio of each band, in dB, fitted on the
training packages by ``training.fit_width_head``. Band-level anchoring moves each band of the sampled
image towards it (``band_level_anchor``), keeping the draw's course over time and its coherences.

The head also knows how wrong it is: ``residual_tril`` ``[B, B]``, the Cholesky factor of the
covariance of its errors on packages it was not fitted on (package-grouped cross-validation). Its
prediction is the middle of what the music allows, which the distances to one original reward; a
*draw* ``prediction + level_spread * residual_tril @ z`` (``z`` standard normal, one per take) spreads
the band levels over recordings as much as real ones spread, which the realism measures reward.

What the head reads, ``features`` (kept in the file's metadata): ``"summary"`` (F = 2 x conditioning
channels, the first heads) or ``"band_dynamics"`` (:mod:`m2s_gen.band_dynamics`, F = 5 x bands: level,
spread and movement of each band of the mid; better on unseen productions, docs/research-log.md).

Stored as ``width_head.safetensors`` in the model folder: ``weight`` ``[B, F]``, ``bias`` ``[B]``,
``feature_mean`` and ``feature_scale`` ``[F]``, optionally ``residual_tril`` ``[B, B]`` (heads
written before it existed draw nothing: their spread is 0).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import band_dynamics, features, spatial

FILE_NAME = "width_head.safetensors"
_KEYS = ("weight", "bias", "feature_mean", "feature_scale")
RESIDUAL_KEY = "residual_tril"
#: Added to a take's seed for the generator of its level draw (kept apart from the diffusion noise).
LEVEL_SEED_OFFSET = 104_729
#: What a head can read: name -> features [F] of one window's conditioning [C, N].
FEATURE_KINDS = {"summary": features.track_context, "band_dynamics": band_dynamics.band_dynamics}


def num_features_of(kind: str, cond_channels: int) -> int:
    """F of a head of ``kind`` for a model whose conditioning has ``cond_channels`` rows."""
    return band_dynamics.NUM_FEATURES if kind == "band_dynamics" else 2 * int(cond_channels)


@dataclass
class WidthHead:
    """Ridge regression ``summary [F] -> band widths [B]`` (dB), with the features standardised."""

    weight: torch.Tensor  # [B, F]
    bias: torch.Tensor  # [B]
    feature_mean: torch.Tensor  # [F]
    feature_scale: torch.Tensor  # [F]
    residual_tril: torch.Tensor | None = None  # [B, B] lower-triangular, or None
    features: str = "summary"  # a key of FEATURE_KINDS

    @property
    def num_features(self) -> int:
        return int(self.weight.shape[1])

    def band_reach(self) -> int | None:
        """For a band-dynamics head, how many bands on each side of a band its prediction reads
        (largest distance with a non-zero weight); None for other heads."""
        if self.features != "band_dynamics":
            return None
        num_bands = int(self.weight.shape[0])
        read = self.weight.reshape(num_bands, -1, num_bands).abs().amax(dim=1) > 0  # [B, B]
        rows, cols = torch.nonzero(read, as_tuple=True)
        return int((rows - cols).abs().max()) if len(rows) else 0

    def predict_db(self, summary: torch.Tensor) -> torch.Tensor:
        """Band widths ``[..., B]`` dB from summaries ``[..., F]``, clipped to the ratio's range."""
        x = (summary.double() - self.feature_mean.double()) / self.feature_scale.double()
        out = x @ self.weight.double().T + self.bias.double()
        return out.clamp(spatial.RATIO_FLOOR_DB, spatial.RATIO_CEIL_DB)

    def profile_db(self, cond: torch.Tensor) -> torch.Tensor:
        """Anchoring profile ``[S, B]`` for segments' conditioning ``[S, C, N]``."""
        summarise = FEATURE_KINDS[self.features]
        return torch.stack([self.predict_db(summarise(c)) for c in cond])

    def draw_offsets_db(self, seed: int, spread: float) -> torch.Tensor:
        """Band-level offsets ``[B]`` dB of one take: ``spread * residual_tril @ z``, ``z ~ N(0, I)``
        from ``seed``; zeros when ``spread`` is 0 or the head has no residual factor."""
        num_bands = int(self.weight.shape[0])
        if spread <= 0 or self.residual_tril is None:
            return torch.zeros(num_bands, dtype=torch.float64)
        generator = torch.Generator().manual_seed(int(seed) + LEVEL_SEED_OFFSET)
        z = torch.randn(num_bands, generator=generator, dtype=torch.float64)
        return float(spread) * (self.residual_tril.double() @ z)

    # -- fitting ------------------------------------------------------------------------------
    @classmethod
    def fit(cls, summaries: np.ndarray, widths_db: np.ndarray, alpha: float,
            use: np.ndarray | None = None, kind: str = "summary") -> "WidthHead":
        """Fit on ``summaries [W, F]`` and ``widths_db [W, B]`` (NaN: band not audible in that window,
        left out of that band's fit); ``alpha`` is the ridge penalty on standardised features; ``use``
        (bool ``[F]``, or ``[B, F]``: one mask per band, e.g. :func:`m2s_gen.band_dynamics.local_mask`)
        restricts the fit to some features, the others get weight 0."""
        x = np.asarray(summaries, np.float64)
        mean, scale = x.mean(0), x.std(0)
        scale = np.where(scale > 1e-8, scale, 1.0)
        num_bands = widths_db.shape[1]
        if use is not None:
            use = np.asarray(use, bool)
            if use.ndim == 1:  # features no band reads are stored as mean 0, scale 1
                mean, scale = np.where(use, mean, 0.0), np.where(use, scale, 1.0)
            use = np.broadcast_to(use, (num_bands, x.shape[1]))
        z = (x - mean) / scale
        weight = np.zeros((num_bands, x.shape[1]))
        bias = np.zeros(num_bands)
        for band in range(num_bands):
            rows = np.isfinite(widths_db[:, band])
            if rows.sum() < 2:
                bias[band] = spatial.RATIO_FLOOR_DB
                continue
            cols = use[band] if use is not None else np.ones(x.shape[1], bool)
            zb, yb = z[rows][:, cols], widths_db[rows, band]
            zc = zb - zb.mean(0)
            weight[band, cols] = np.linalg.solve(zc.T @ zc + alpha * np.eye(zc.shape[1]), zc.T @ (yb - yb.mean()))
            bias[band] = yb.mean() - z[rows].mean(0) @ weight[band]
        as_t = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
        return cls(as_t(weight), as_t(bias), as_t(mean), as_t(scale), features=kind)

    def with_residuals(self, residuals_db: np.ndarray) -> "WidthHead":
        """This head with ``residual_tril`` from held-out errors ``[W, B]`` (real minus predicted, NaN
        where a band was left out): pairwise-complete covariance, made positive definite."""
        return WidthHead(self.weight, self.bias, self.feature_mean, self.feature_scale,
                         torch.tensor(residual_tril(residuals_db), dtype=torch.float32), self.features)

    # -- storage ------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        from safetensors.torch import save_file

        path = Path(folder) / FILE_NAME
        tensors = {k: getattr(self, k).float().contiguous() for k in _KEYS}
        if self.residual_tril is not None:
            tensors[RESIDUAL_KEY] = self.residual_tril.float().contiguous()
        save_file(tensors, str(path), metadata={"format": "pt", "features": self.features})
        return path

    @classmethod
    def load(cls, path: str | Path, cond_channels: int, num_bands: int = spatial.NUM_BANDS) -> "WidthHead":
        """Read and check the head file of a model whose conditioning has ``cond_channels`` rows;
        ValueError naming the file if its kind, shapes or values are wrong."""
        from safetensors import safe_open
        from safetensors.torch import load_file

        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as f:
            kind = (f.metadata() or {}).get("features", "summary")
        if kind not in FEATURE_KINDS:
            raise ValueError(f"{path}: unknown features {kind!r} (known: {', '.join(FEATURE_KINDS)})")
        num_features = num_features_of(kind, cond_channels)
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
        tril = tensors.get(RESIDUAL_KEY)
        if tril is not None:
            if tuple(tril.shape) != (num_bands, num_bands):
                raise ValueError(f"{path}: {RESIDUAL_KEY} has shape {tuple(tril.shape)}, expected {(num_bands, num_bands)}")
            if not bool(torch.isfinite(tril).all()) or bool(torch.triu(tril, diagonal=1).abs().gt(0).any()):
                raise ValueError(f"{path}: {RESIDUAL_KEY} must be finite and lower-triangular")
            tril = tril.float()
        return cls(*(tensors[k].float() for k in _KEYS), residual_tril=tril, features=kind)


def residual_tril(residuals_db: np.ndarray, floor_db2: float = 1e-3) -> np.ndarray:
    """Cholesky factor ``[B, B]`` of the covariance of ``residuals_db`` ``[W, B]`` (NaN: missing).

    Each entry uses the windows where both bands are present (0 where fewer than 3 are); the matrix
    is then made positive definite by clipping its eigenvalues at ``floor_db2``.
    """
    r = np.asarray(residuals_db, np.float64)
    present = np.isfinite(r)
    mean = np.where(present, r, 0.0).sum(0) / np.maximum(present.sum(0), 1)
    centred = np.where(present, r - mean, 0.0)
    counts = present.T.astype(np.float64) @ present.astype(np.float64)
    cov = np.where(counts >= 3, centred.T @ centred / np.maximum(counts - 1, 1), 0.0)
    cov = 0.5 * (cov + cov.T)
    values, vectors = np.linalg.eigh(cov)
    cov = (vectors * np.maximum(values, floor_db2)) @ vectors.T
    return np.linalg.cholesky(0.5 * (cov + cov.T))
