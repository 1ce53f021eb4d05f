"""Kernel-ready data: Fortran-ordered or CSC X, or its Gram matrix; weights, column offsets, norms.

X is never centred or scaled in memory (the kernels centre implicitly) and is copied only when it is
dense and not already Fortran-ordered (a validated sparse X is canonical CSC, used as it is); its
statistics are accumulated in float64. In covariance ("Gram") mode the kernels work on
G = (X - m)' S (X - m) and q = (X - m)' S y_c instead of X and y.
"""
import functools
import operator
from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg.blas
import scipy.sparse

from l1l2._kernels._cd import csc_column_stats
from l1l2._limits import Budget
from l1l2._parallel import parallel_map

# Covariance mode pays when the passes over X that CD would make exceed the cost of G (about p/2
# passes): a coordinate-descent fit needs about this many passes.
PASSES_PER_FIT = 10
MAX_GRAM_FEATURES = 5000         # G must stay small: 200 MB in float64
ROW_BLOCK_BYTES = 1 << 24        # temporary centred row block for the Gram of awkward data: 16 MiB
# G = X'X - n m m' loses about log10((m/sd)^2) digits; beyond this ratio the Gram is centred blockwise.
MAX_MEAN_OVER_SD = 100.0
# X'SX is summed over this many fixed parts of the rows (each at least MIN_PART_ROWS), computed in
# threads: a number independent of the threads, so their count never changes a float.
GRAM_PARTS, MIN_PART_ROWS = 4, 256


@dataclass(frozen=True)
class Design:
    """What every target and every alpha of a fit share: X in kernel form and its statistics."""
    X: object                     # (n, p) Fortran-ordered float32/float64 ndarray or canonical CSC
                                  # scipy.sparse; None if built from Moments
    n_samples: int
    dtype: np.dtype
    sample_weight: np.ndarray     # (n,) in X's dtype, summing to n; empty for unit weights
    offsets: np.ndarray           # (p,) weighted column means in X's dtype; empty without intercept
    x_mean: np.ndarray            # (p,) float64 weighted column means (zeros without intercept)
    colsq: np.ndarray             # (p,) weighted centred squared norms / n, in X's dtype
    unpenalised: np.ndarray       # (q,) intp indices of the features without any penalty
    unpenalised_gram: np.ndarray  # (q, q) float64 weighted centred Gram of those columns / n
    gram: np.ndarray | None       # (p, p) Fortran-ordered (X - m)' S (X - m) in covariance mode

    @property
    def sparse(self):
        return scipy.sparse.issparse(self.X)

    @property
    def weights64(self):
        return None if self.sample_weight.size == 0 else self.sample_weight.astype(np.float64)


@dataclass(frozen=True)
class Targets:
    """k responses, centred: what the kernel needs besides the Design (one row per target)."""
    y: np.ndarray        # (k, n) centred responses in X's dtype (residual mode), or (k, p) rows
                         # q = (X - m)' S y_c (covariance mode)
    y_mean: np.ndarray   # (k,) weighted means subtracted (0 without intercept)
    yy: np.ndarray       # (k,) y_c . (s * y_c)
    scale: np.ndarray    # (k,) yy / n (> 0): what tol is relative to


def use_gram(precompute, n_samples, n_features, n_fits, nnz=None):
    """Decide covariance mode: precompute True/False, or "auto" by the cost model above.

    nnz (sparse X): a pass costs nnz and the Gram about n r^2 for r = nnz / n nonzeros per row, so it
    pays when r <= 2 * PASSES_PER_FIT * n_fits, and only while a Gram sweep (p^2) costs no more
    than a sparse one (nnz).
    """
    if precompute != "auto":
        return bool(precompute)
    if n_samples <= n_features or n_features > MAX_GRAM_FEATURES:
        return False
    if nnz is not None:
        return nnz <= 2 * PASSES_PER_FIT * n_fits * n_samples and n_features**2 <= nnz
    return n_features <= 2 * PASSES_PER_FIT * n_fits


def gram_choice(precompute, X, n_fits):
    """use_gram for a validated X, dense or sparse."""
    n_samples, n_features = X.shape
    nnz = int(X.indptr[-1]) if scipy.sparse.issparse(X) else None
    return use_gram(precompute, n_samples, n_features, n_fits, nnz)


def centring_cancels(means, variances):
    """Whether subtracting n m m' from uncentred second moments would cancel too many digits: some
    mean lies beyond MAX_MEAN_OVER_SD standard deviations."""
    return bool(np.any(np.square(means) > MAX_MEAN_OVER_SD**2 * np.maximum(variances, 0)))


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


def centred_gram(X, weights, fit_intercept, threads=1):
    """(means, (X - m)' S (X - m) as a Fortran-ordered (p, p) array in X's dtype, colsq).

    Unweighted with modest means: one pass for the means, one X'X (BLAS syrk through NumPy) and a
    rank-one correction; the squared norms are its diagonal. Otherwise (weights, or means beyond
    MAX_MEAN_OVER_SD standard deviations, where the correction would cancel digits) the statistics
    come from column_stats and the centred, sqrt(s)-scaled rows are accumulated block by block.
    Either way X'SX is a sum over GRAM_PARTS fixed parts of the rows, computed in `threads` threads
    and added in a fixed order: the same floats for any number of threads. Each part is a sum over
    row blocks, between which Ctrl-C is seen.
    """
    n_samples, n_features = X.shape
    rows_per_block = max(1, ROW_BLOCK_BYTES // (X.itemsize * n_features))
    if weights is None:
        means = (np.einsum("ij->j", X, dtype=np.float64) / n_samples if fit_intercept
                 else np.zeros(n_features))

        def product_part(part, halt):
            # blocks of at least p rows: adding a block's (p, p) product costs less than making it
            gram = np.zeros((n_features, n_features), dtype=X.dtype)
            for rows in blocks_of(part, max(n_features, rows_per_block), halt):
                gram += X[rows].T @ X[rows]
            return gram

        gram = summed_parts(product_part, n_samples, threads)
        second = np.diag(gram).astype(np.float64) / n_samples
        if not centring_cancels(means, second - means**2):
            gram -= (n_samples * np.outer(means, means)).astype(X.dtype)
            colsq = np.diag(gram).astype(np.float64) / n_samples
            colsq[colsq <= 1e-20 * second] = 0.0
            return means, np.asfortranarray(gram), colsq
    means, colsq = column_stats(X, weights, fit_intercept)
    syrk = scipy.linalg.blas.get_blas_funcs("syrk", dtype=X.dtype)

    def centred_part(part, halt):
        gram = np.zeros((n_features, n_features), dtype=X.dtype, order="F")
        for rows in blocks_of(part, rows_per_block, halt):
            block = X[rows] - means.astype(X.dtype)
            if weights is not None:
                block *= np.sqrt(weights[rows], dtype=X.dtype)[:, None]
            gram = syrk(1.0, np.asfortranarray(block), beta=1.0, c=gram, trans=1, overwrite_c=True)
        return gram

    gram = summed_parts(centred_part, n_samples, threads)
    upper = np.triu_indices(n_features, 1)
    gram.T[upper] = gram[upper]     # syrk fills the upper triangle only
    return means, gram, colsq


def summed_parts(function, n_samples, threads):
    """function(rows, halt) summed over the GRAM_PARTS parts of the rows (fewer for small n) in a
    fixed order, the parts computed in `threads` threads. halt: a Budget that Ctrl-C in the main
    thread sets, so the parts in other threads stop at their next block (blocks_of)."""
    n_parts = max(1, min(GRAM_PARTS, n_samples // MIN_PART_ROWS))
    bounds = np.linspace(0, n_samples, n_parts + 1).astype(int)
    halt = Budget()
    parts = parallel_map(lambda part: function(part, halt),
                         [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])], threads, halt)
    return functools.reduce(operator.add, parts)


def blocks_of(part, rows_per_block, halt):
    """Slices of rows_per_block rows covering the slice part, until halt is set."""
    for start in range(part.start, part.stop, rows_per_block):
        if halt.halted():
            return
        yield slice(start, min(start + rows_per_block, part.stop))


def fortran_ordered(X):
    """X in Fortran order: X itself if it is, else a copy made ROW_BLOCK_BYTES of columns at a
    time, so that Ctrl-C is seen in between (one copy of 20000 x 2000 took 0.6 to 1.6 s here, most
    of it the first touch of the new pages, which column blocks spread out)."""
    if X.flags.f_contiguous:
        return X
    out = np.empty(X.shape, dtype=X.dtype, order="F")
    width = max(1, ROW_BLOCK_BYTES // (X.itemsize * max(X.shape[0], 1)))
    for start in range(0, X.shape[1], width):
        out[:, start:start + width] = X[:, start:start + width]
    return out


def sparse_column_stats(X, weights, fit_intercept):
    """column_stats of a canonical CSC X, and its squared norms / n without centring."""
    no_weights = np.empty(0)
    return csc_column_stats(X.data, X.indices, X.indptr, X.shape[0],
                            no_weights if weights is None else weights, fit_intercept)


def sparse_gram(X, weights, means):
    """(X - m)' S (X - m) of sparse X (weights or None) for the weighted means m, as a dense float64
    array: X' S X by a sparse product (one scaled copy of X when weighted), then the rank-one
    centring."""
    total = X.shape[0] if weights is None else float(np.sum(weights))
    if weights is not None:
        X = X.copy()
        X.data = X.data * np.sqrt(weights)[X.indices]
    gram = (X.T @ X).toarray().astype(np.float64)
    return gram - total * np.outer(means, means)


def prepare_sparse(X, weights, fit_intercept, unpenalised, gram):
    """(means, G or None, colsq, unpenalised Gram * n) of canonical CSC X.

    The Gram is skipped (residual mode instead) where its rank-one centring would cancel digits.
    """
    means, colsq, second = sparse_column_stats(X, weights, fit_intercept)
    colsq[colsq <= 1e-20 * second] = 0.0
    if gram and centring_cancels(means, colsq):
        gram = False
    G = np.asfortranarray(sparse_gram(X, weights, means), dtype=X.dtype) if gram else None
    sub = sparse_gram(X[:, unpenalised], weights, means[unpenalised])
    # the diagonal exactly (colsq is two-pass); off it the centring may cancel some digits
    sub[np.diag_indices_from(sub)] = X.shape[0] * colsq[unpenalised]
    return means, G, colsq, sub


def prepare_design(X, sample_weight, fit_intercept, penalty, gram=False, threads=1):
    """Build the Design of a validated X (sample_weight normalised float64 or None).

    penalty: (p,) total penalty weight of each feature (alpha * penalty_factor, or any vector with the
    same zeros); its zeros are the unpenalised features, whose dual constraint the kernel's gap
    enforces by projection. gram: build the covariance-mode Gram matrix too (in `threads` threads,
    the same floats for any number).
    """
    dtype = X.dtype
    unpenalised = np.flatnonzero(penalty == 0).astype(np.intp)
    if scipy.sparse.issparse(X):
        means, G, colsq, sub = prepare_sparse(X, sample_weight, fit_intercept, unpenalised, gram)
    else:
        X = fortran_ordered(X)
        means, G, colsq, sub = prepare_dense(X, sample_weight, fit_intercept, unpenalised, gram,
                                             threads)
    empty = np.empty(0, dtype=dtype)
    return Design(
        X=X, n_samples=X.shape[0], dtype=dtype,
        sample_weight=empty if sample_weight is None else sample_weight.astype(dtype),
        offsets=means.astype(dtype) if fit_intercept else empty,
        x_mean=means,
        colsq=colsq.astype(dtype),
        unpenalised=unpenalised,
        unpenalised_gram=np.ascontiguousarray(sub) / X.shape[0],
        gram=G,
    )


def prepare_dense(X, sample_weight, fit_intercept, unpenalised, gram, threads=1):
    """(means, G or None, colsq, unpenalised Gram * n) of Fortran-ordered X."""
    if gram:
        means, G, colsq = centred_gram(X, sample_weight, fit_intercept, threads)
    else:
        means, colsq = column_stats(X, sample_weight, fit_intercept)
        G = None
    if G is not None:
        sub = G[np.ix_(unpenalised, unpenalised)].astype(np.float64)
    else:
        centred = X[:, unpenalised].astype(np.float64) - means[unpenalised]
        sub = centred.T @ (centred if sample_weight is None else centred * sample_weight[:, None])
    return means, G, colsq, sub


def prepare_targets(design, Y, fit_intercept):
    """Centre the columns of Y (n, k) (weighted) and, in covariance mode, project them: Targets."""
    weights = design.weights64
    n_samples = Y.shape[0]
    rows = np.array(Y.T, dtype=np.float64, order="C")     # (k, n): a target per row, one copy
    y_mean = np.zeros(rows.shape[0])
    if fit_intercept:
        y_mean = (rows @ weights if weights is not None else rows.sum(axis=1)) / n_samples
        rows -= y_mean[:, None]
    weighted = rows if weights is None else rows * weights
    yy = np.einsum("kn,kn->k", weighted, rows)
    dtype = design.dtype
    if design.gram is not None:
        # (X - m)' S y_c; the m term cancels in exact arithmetic (sum_i s_i y_c,i = 0) but not in floats
        weighted = weighted.astype(dtype, copy=False)
        kernel_y = (design.X.T @ weighted.T).T if design.sparse else weighted @ design.X  # (k, p)
        kernel_y = kernel_y - np.outer(weighted.sum(axis=1), design.x_mean)
    else:
        kernel_y = rows
    return Targets(np.ascontiguousarray(kernel_y, dtype=dtype), y_mean, yy,
                   np.maximum(yy / n_samples, np.finfo(np.float64).tiny))


def initial_state(design, targets, coef):
    """The kernel's states for coef (k, p): rows r = y_c - (X - m) w, or g = q - G w (a new array);
    sparse X: rows (u, c) with u = y_c - X w and c = m . w (the residual is u + c)."""
    if design.sparse and design.gram is None:
        state = np.zeros((coef.shape[0], design.n_samples + 1), dtype=design.dtype)
        state[:, :-1] = targets.y
        if np.any(coef):
            state[:, :-1] -= (design.X @ coef.T).T
            if design.offsets.size:
                state[:, -1] = coef @ design.offsets
        return state
    state = targets.y.copy()
    if np.any(coef):
        if design.gram is not None:
            state -= coef @ design.gram
        else:
            state -= coef @ design.X.T
            if design.offsets.size:
                state += (coef @ design.offsets)[:, None]
    return state


@dataclass(frozen=True)
class Moments:
    """Weighted moments of a set of rows, centred at their own means: all that covariance mode needs.

    Two sets merge exactly (Chan, Golub and LeVeque's pairwise update), so blocks of rows are
    summarised separately (each centred in two passes) and added in any order or tree, with no
    cancellation however far the means are from 0; subtracting a part undoes its addition (the
    moments of a training fold are those of all rows minus its held-out rows'). y has k columns.
    """
    n: int                 # rows
    weight: float          # W = sum_i s_i
    x_mean: np.ndarray     # (p,) sum_i s_i x_i / W
    y_mean: np.ndarray     # (k,)
    xx: np.ndarray         # (p, p) sum_i s_i (x_i - x_mean)(x_i - x_mean)'
    xy: np.ndarray         # (p, k) sum_i s_i (x_i - x_mean)(y_i - y_mean)'
    yy: np.ndarray         # (k,) sum_i s_i (y_i - y_mean)^2

    @classmethod
    def of(cls, X, y, weights):
        """Moments of the rows of X (dense or sparse), y ((n,) or (n, k)) with raw weights (None:
        unit), accumulated in float64."""
        s = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
        Y = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)
        weight = float(s.sum())
        if weight <= 0:                  # no weight: nothing but a row count
            p, k = X.shape[1], Y.shape[1]
            return cls(X.shape[0], 0.0, np.zeros(p), np.zeros(k), np.zeros((p, p)),
                       np.zeros((p, k)), np.zeros(k))
        y_mean = s @ Y / weight
        if scipy.sparse.issparse(X):
            x_mean = X.T @ s / weight
            xx = sparse_gram(X, weights, x_mean)          # (X - m)' S (X - m), never densified
            Yc = Y - y_mean
            xy, yy = X.T @ (s[:, None] * Yc), s @ Yc**2   # the centring of X adds m sum s Yc = 0
        else:
            x_mean = sum(s[rows] @ X[rows].astype(np.float64, copy=False)
                         for rows in row_blocks(X)) / weight
            xx, xy, yy = centred_products(X, Y, weights, x_mean, y_mean)
        return cls(X.shape[0], weight, x_mean, y_mean, xx, np.asarray(xy), yy)

    def __add__(self, other):
        """The moments of both sets of rows."""
        weight = self.weight + other.weight
        if self.weight == 0 or other.weight == 0:     # weightless rows move nothing but n
            heavy = other if self.weight == 0 else self
            return replace(heavy, n=self.n + other.n)
        share = other.weight / weight
        dx, dy = other.x_mean - self.x_mean, other.y_mean - self.y_mean
        f = self.weight * share                        # W_a W_b / W
        return Moments(self.n + other.n, weight, self.x_mean + share * dx, self.y_mean + share * dy,
                       self.xx + other.xx + f * np.outer(dx, dx),
                       self.xy + other.xy + f * np.outer(dx, dy), self.yy + other.yy + f * dy**2)

    def __sub__(self, part):
        """The moments of these rows without part's (which must be among them)."""
        weight = self.weight - part.weight
        if part.weight == 0:
            return replace(self, n=self.n - part.n)
        x_mean = (self.weight * self.x_mean - part.weight * part.x_mean) / weight
        y_mean = (self.weight * self.y_mean - part.weight * part.y_mean) / weight
        dx, dy = part.x_mean - x_mean, part.y_mean - y_mean
        f = weight * part.weight / self.weight
        return Moments(self.n - part.n, weight, x_mean, y_mean,
                       self.xx - part.xx - f * np.outer(dx, dx),
                       self.xy - part.xy - f * np.outer(dx, dy), self.yy - part.yy - f * dy**2)


def row_blocks(X):
    """Slices of X's rows of about ROW_BLOCK_BYTES in float64: the temporaries of a pass."""
    rows = max(1, ROW_BLOCK_BYTES // (8 * X.shape[1]))
    return [slice(start, start + rows) for start in range(0, X.shape[0], rows)]


def centred_products(X, Y, weights, x_mean, y_mean):
    """(Xc' S Xc, Xc' S Yc, diag(Yc' S Yc)) in float64 for dense X centred at x_mean and Y at
    y_mean: rows centred (and scaled by sqrt(s)) a block of ROW_BLOCK_BYTES at a time, X'X by syrk."""
    p, k = X.shape[1], Y.shape[1]
    xx, xy, yy = np.zeros((p, p), order="F"), np.zeros((p, k)), np.zeros(k)
    for block in row_blocks(X):
        Xc, Yc = X[block] - x_mean, Y[block] - y_mean      # float64 (the means are)
        if weights is not None:
            root = np.sqrt(weights[block])[:, None]
            Xc *= root
            Yc *= root
        # syrk's trans=0 on Xc' (Fortran-ordered, as C-ordered Xc transposed) gives Xc'Xc, no copy
        xx = scipy.linalg.blas.dsyrk(1.0, Xc.T, beta=1.0, c=xx, overwrite_c=True)
        xy += Xc.T @ Yc
        yy += np.einsum("ik,ik->k", Yc, Yc)
    upper = np.triu_indices(p, 1)
    xx.T[upper] = xx[upper]     # syrk fills the upper triangle only
    return xx, xy, yy


def design_from_moments(moments, fit_intercept, penalty, dtype):
    """(Design, Targets) in covariance mode from Moments (weights normalised to sum to n)."""
    n, weight = moments.n, moments.weight
    to_n = n / weight
    G, xty, yy = moments.xx, moments.xy, moments.yy
    if not fit_intercept:         # moments about 0: add back the means' share
        G = G + weight * np.outer(moments.x_mean, moments.x_mean)
        xty = xty + weight * np.outer(moments.x_mean, moments.y_mean)
        yy = yy + weight * moments.y_mean**2
    G, xty, yy = to_n * G, to_n * xty, to_n * yy
    colsq = np.diag(G) / n
    second = colsq + (to_n * weight / n) * moments.x_mean**2 * fit_intercept
    colsq = np.where(colsq <= 1e-20 * second, 0.0, colsq)   # constant columns: exactly 0
    unpenalised = np.flatnonzero(penalty == 0).astype(np.intp)
    empty = np.empty(0, dtype=dtype)
    x_mean = moments.x_mean if fit_intercept else np.zeros_like(moments.x_mean)
    design = Design(
        X=None, n_samples=n, dtype=np.dtype(dtype), sample_weight=empty,
        offsets=x_mean.astype(dtype) if fit_intercept else empty, x_mean=x_mean,
        colsq=colsq.astype(dtype), unpenalised=unpenalised,
        unpenalised_gram=np.ascontiguousarray(G[np.ix_(unpenalised, unpenalised)]) / n,
        gram=np.asfortranarray(G, dtype=dtype),
    )
    y_mean = moments.y_mean if fit_intercept else np.zeros_like(moments.y_mean)
    targets = Targets(np.ascontiguousarray(xty.T, dtype=dtype), y_mean, yy,
                      np.maximum(yy / n, np.finfo(np.float64).tiny))
    return design, targets
