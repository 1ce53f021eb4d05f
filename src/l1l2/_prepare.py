"""Kernel-ready data: Fortran-ordered X, weights, column offsets and norms, the unpenalised Gram.

X is never centred or scaled in memory (the kernels centre implicitly) and is copied only when it is
not already Fortran-ordered; the statistics are computed in float64 over blocks of columns so a
float32 X is never upcast whole.
"""
from dataclasses import dataclass

import numpy as np

BLOCK_BYTES = 1 << 23   # temporary float64 block for column statistics: 8 MiB


@dataclass(frozen=True)
class Design:
    """What every target of a fit shares: X in kernel form and its column statistics."""
    X: np.ndarray                 # (n, p) Fortran-ordered float32/float64
    sample_weight: np.ndarray     # (n,) in X's dtype, summing to n; empty for unit weights
    offsets: np.ndarray           # (p,) weighted column means in X's dtype; empty without intercept
    x_mean: np.ndarray            # (p,) float64 weighted column means (zeros without intercept)
    colsq: np.ndarray             # (p,) weighted centred squared norms / n, in X's dtype
    unpenalised: np.ndarray       # (q,) intp indices of features with penalty factor 0
    unpenalised_gram: np.ndarray  # (q, q) float64 weighted centred Gram of those columns / n

    @property
    def weights64(self):
        return None if self.sample_weight.size == 0 else self.sample_weight.astype(np.float64)


def column_blocks(n_samples, n_features):
    """Slices of columns whose float64 copy stays under BLOCK_BYTES."""
    width = max(1, BLOCK_BYTES // (8 * n_samples))
    return [slice(j, min(j + width, n_features)) for j in range(0, n_features, width)]


def column_stats(X, weights, fit_intercept):
    """Return float64 (weighted means or zeros, weighted centred squared norms / n) of X's columns."""
    n_samples, n_features = X.shape
    means = np.zeros(n_features)
    colsq = np.empty(n_features)
    for cols in column_blocks(n_samples, n_features):
        block = X[:, cols].astype(np.float64)
        if fit_intercept:
            means[cols] = (weights @ block if weights is not None else block.sum(axis=0)) / n_samples
            block -= means[cols]
        sq = block * block
        colsq[cols] = (weights @ sq if weights is not None else sq.sum(axis=0)) / n_samples
    return means, colsq


def prepare_design(X, sample_weight, fit_intercept, penalty_factor):
    """Build the Design of a validated X (sample_weight normalised float64 or None)."""
    dtype = X.dtype
    X = np.asfortranarray(X)
    means, colsq = column_stats(X, sample_weight, fit_intercept)
    unpenalised = np.flatnonzero(penalty_factor == 0).astype(np.intp)
    centred = X[:, unpenalised].astype(np.float64) - means[unpenalised]
    weighted = centred if sample_weight is None else centred * sample_weight[:, None]
    gram = np.ascontiguousarray(centred.T @ weighted) / X.shape[0]
    empty = np.empty(0, dtype=dtype)
    return Design(
        X=X,
        sample_weight=empty if sample_weight is None else sample_weight.astype(dtype),
        offsets=means.astype(dtype) if fit_intercept else empty,
        x_mean=means,
        colsq=colsq.astype(dtype),
        unpenalised=unpenalised,
        unpenalised_gram=gram,
    )


def prepare_target(design, y, fit_intercept):
    """Return (centred y in X's dtype, weighted mean of y, sum_i s_i y_c,i^2 / n) for one target."""
    weights = design.weights64
    y64 = y.astype(np.float64)
    n_samples = y.shape[0]
    y_mean = 0.0
    if fit_intercept:
        y_mean = (weights @ y64 if weights is not None else y64.sum()) / n_samples
        y64 = y64 - y_mean
    yy = (weights @ (y64 * y64) if weights is not None else y64 @ y64) / n_samples
    return np.ascontiguousarray(y64, dtype=design.X.dtype), y_mean, yy


def initial_residual(design, y_centred, coef):
    """r = y_c - (X - offsets) coef, in X's dtype (a new array the kernel may write)."""
    r = y_centred.copy()
    if coef is not None and np.any(coef):
        r -= design.X @ coef
        if design.offsets.size:
            r += design.offsets @ coef
    return r
