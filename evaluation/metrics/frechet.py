"""Fréchet distance between two sets of feature vectors (each fitted by a Gaussian)."""

from __future__ import annotations

import numpy as np

#: Added to the diagonal of both covariances (in the features' units squared): keeps the matrix
#: square root stable when a set is (nearly) degenerate, e.g. a fixed DSP image.
RIDGE = 1e-6


def gaussian_fit(rows: np.ndarray, ridge: float = RIDGE) -> tuple[np.ndarray, np.ndarray]:
    """(mean `[D]`, covariance `[D, D]` + ridge I) of `rows` `[N, D]` (N >= 2)."""
    rows = np.asarray(rows, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[0] < 2:
        raise ValueError(f"need at least 2 rows of shape [N, D], got {tuple(rows.shape)}")
    covariance = np.cov(rows, rowvar=False).reshape(rows.shape[1], rows.shape[1])
    return rows.mean(axis=0), covariance + ridge * np.eye(rows.shape[1])


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (negative eigenvalues set to 0)."""
    values, vectors = np.linalg.eigh(0.5 * (matrix + matrix.T))
    return (vectors * np.sqrt(np.maximum(values, 0.0))) @ vectors.T


def frechet_from_moments(mean_a: np.ndarray, cov_a: np.ndarray, mean_b: np.ndarray, cov_b: np.ndarray) -> float:
    """Fréchet (2-Wasserstein squared) distance between N(mean_a, cov_a) and N(mean_b, cov_b):

        |mean_a - mean_b|^2 + tr(cov_a) + tr(cov_b) - 2 tr((cov_a^1/2 cov_b cov_a^1/2)^1/2)

    (the last trace equals tr((cov_a cov_b)^1/2); the symmetric form keeps it real).
    """
    root_a = _sqrt_psd(cov_a)
    cross = _sqrt_psd(root_a @ cov_b @ root_a)
    distance = float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(cross))
    return max(distance, 0.0)


def frechet_distance(rows_a: np.ndarray, rows_b: np.ndarray, ridge: float = RIDGE) -> float:
    """Fréchet distance between the Gaussian fits of `rows_a` `[N, D]` and `rows_b` `[M, D]`. 0 for
    identical sets; for a set collapsed to one point against a spread one it is at least the
    spread set's total variance."""
    return frechet_from_moments(*gaussian_fit(rows_a, ridge), *gaussian_fit(rows_b, ridge))
