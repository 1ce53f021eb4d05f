"""Kernel-ready data: Fortran-ordered X, weights, column offsets and norms, the unpenalised Gram.

X is never centred or scaled in memory (the kernels centre implicitly) and is copied only when it is
not already Fortran-ordered; its statistics are accumulated in float64.
"""
from dataclasses import dataclass

import numpy as np


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


def column_stats(X, weights, fit_intercept):
    """Return float64 (weighted means or zeros, weighted centred squared norms / n) of X's columns.

    One pass for the second moments, one for the means; columns whose variance is small against
    their mean (where E[x^2] - m^2 cancels) are recomputed in two passes, and a column whose
    variance is at rounding level is called constant (0), so the kernel leaves it at zero.
    """
    n_samples, n_features = X.shape
    if weights is None:
        second = np.einsum("ij,ij->j", X, X, dtype=np.float64) / n_samples
        means = np.einsum("ij->j", X, dtype=np.float64) / n_samples
    else:
        second = np.einsum("ij,i,ij->j", X, weights, X, dtype=np.float64) / n_samples
        means = np.einsum("ij,i->j", X, weights, dtype=np.float64) / n_samples
    if not fit_intercept:
        return np.zeros(n_features), second
    colsq = second - means * means
    for j in np.flatnonzero(colsq <= 1e-6 * second):
        centred = X[:, j].astype(np.float64) - means[j]
        squares = centred * centred
        colsq[j] = (squares.sum() if weights is None else weights @ squares) / n_samples
    colsq[colsq <= 1e-20 * second] = 0.0
    return means, colsq


def prepare_design(X, sample_weight, fit_intercept, penalty):
    """Build the Design of a validated X (sample_weight normalised float64 or None).

    penalty: (p,) total penalty weight of each feature (alpha * penalty_factor); its zeros are the
    unpenalised features, whose dual constraint the kernel's gap enforces by projection.
    """
    dtype = X.dtype
    X = np.asfortranarray(X)
    means, colsq = column_stats(X, sample_weight, fit_intercept)
    unpenalised = np.flatnonzero(penalty == 0).astype(np.intp)
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
