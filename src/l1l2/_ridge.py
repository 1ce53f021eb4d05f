"""Ridge regression: closed forms (Cholesky, SVD, one factorisation per path, leave-one-out) and, for
scipy.sparse X, the same problem solved from products with X alone.

Objective (the package's convention)::

    1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha/2 sum_j f_j w_j^2

With weights normalised to sum to n, times 2n this is ||y~ - B v||^2 + n alpha ||v||^2 in the scaled
variables B = sqrt(s) (X - m) F^(-1/2), y~ = sqrt(s) (y - y_mean), v = F^(1/2) w. Features with
f_j = 0 are projected out first (their columns' span removed from B and y~) and fitted by least
squares afterwards, so every solver below sees the plain problem min ||y~ - B v||^2 + lam ||v||^2:

- cholesky: (B'B + lam I) v = B'y~ (n >= p), or its dual v = B'(BB' + lam I)^(-1) y~ (p > n);
- svd: B = U diag(sigma) V', v = V diag(sigma / (sigma^2 + lam)) U'y~; lam = 0 gives the
  minimum-norm least-squares solution (pseudo-inverse with a relative cut-off);
- paths and leave-one-out use one eigendecomposition of the smaller Gram (B'B or BB');
- cg: conjugate gradients on (B'B + lam I) v = B'y~ (Jacobi-preconditioned when n >= p), every
  target at once, from products B v and B'z only.

Two designs hold B. RidgeDesign (dense X) forms it: one centred, scaled copy of X. ImplicitDesign
(sparse X, or dense X with solver="cg") never does: it multiplies by X and corrects for the centring,
B v = sqrt(s) (X u - (m.u) 1) with u = F^(-1/2) v, so X - 1 m' is never formed and sparse X is never
densified. Its smaller Gram, X'SX (p x p) or XSX' (n x n), comes from one sparse product and the
rank-one centring correction when that matrix is small (MAX_GRAM_FEATURES); every closed form above
then works unchanged, except the SVD of B, which needs B itself. Only the unpenalised columns become
dense (n x q, q = the number of zero penalty factors): that is their exact projection.

References
----------
Hestenes and Stiefel (1952), Methods of conjugate gradients for solving linear systems, J. Res. Natl.
Bur. Stand. 49(6). Golub, Heath and Wahba (1979), Generalized cross-validation as a method for
choosing a good ridge parameter, Technometrics 21(2).
"""
from functools import cached_property
from typing import Literal, NamedTuple

import numpy as np
import scipy.linalg
import scipy.sparse
from numpy.typing import ArrayLike

from l1l2 import _validation as v
from l1l2._cv import check_fold_weights, held_out_mse, kfold, train_weights
from l1l2._fit import _fit_enet
from l1l2._grid import alpha_max_from_scores, default_alphas
from l1l2._limits import Budget
from l1l2._objectives import enet_objective_from_loss
from l1l2._parallel import parallel_map
from l1l2._prepare import MAX_GRAM_FEATURES, MAX_MEAN_OVER_SD, sparse_column_stats
from l1l2._results import CVResult, FitResult, PathResult
from l1l2._typing import Design, Precompute, RidgeSolver, Splits
from l1l2._warnings import warn_if_not_converged

SOLVERS = ("auto", "cd", "cholesky", "svd", "cg")

# Conjugate gradients stop when the duality gap of each target, computed from the recursive
# residual, is at most this times sum_i s_i y_c,i^2 / n: far below what tol means for coordinate
# descent, so that "cg" agrees with the closed forms to about 1e-10 (float64) in the coefficients.
# float32 products carry 1e-7 relative errors: its floor is higher.
CG_TOL = {np.dtype(np.float64): 1e-22, np.dtype(np.float32): 1e-12}
PATH_MAX_ITER = 10_000      # conjugate-gradient steps per alpha of a path (ridge_path has no max_iter)
# The true gap (recomputed at the end) may exceed the recursive one's bound by rounding: up to
# CG_RESTARTS restarts from the true residual, and converged only within CG_SLACK of the bound.
CG_RESTARTS, CG_SLACK = 2, 1e6

# Sparse X: the smaller Gram (formed by one sparse product, then Cholesky, or one eigendecomposition
# for a path) against conjugate gradients, by cost in units of one stored entry of X read by a
# sparse mat-vec (about 2 ns): a multiply-add of the sparse product X'X costs about 10, an entry of
# the dense Gram 2, Cholesky m^3 / 50 and an eigendecomposition m^3 / 7. A single fit races the
# two (choose_sparse_solver); a path assumes PATH_CG_STEPS steps of two mat-vecs per alpha.
PRODUCT_COST, ENTRY_COST, CHOLESKY_COST, EIGH_COST = 10.0, 2.0, 1 / 50, 1 / 7
PATH_CG_STEPS = 100

# Sparse X: the dense block of the unpenalised columns (n x q) may have this many entries, or as
# many as X stores.
FREE_BLOCK_ENTRIES = 1 << 22
# The rows of U (n x r, leave-one-out) are made this many bytes at a time.
ROW_BLOCK_BYTES = 1 << 24


def significant(sigma, shape, dtype):
    """Singular values that are not rounding noise: above max(shape) * eps(dtype) * the largest
    (numpy.linalg.lstsq's cut-off, in the precision the data came in)."""
    cutoff = max(shape) * np.finfo(dtype).eps * max(sigma.max(initial=0.0), np.finfo(np.float64).tiny)
    return sigma > cutoff


def column_norms2(A):
    return np.einsum("ik,ik->k", A, A)


def dense(A):
    """A scipy.sparse result as an ndarray (ndarrays pass through)."""
    return A.toarray() if scipy.sparse.issparse(A) else np.asarray(A)


class ScaledDesign:
    """What both designs share: sizes, weights, means, the penalty scaling, the projection off the
    unpenalised columns, and the map from solutions v back to coefficients and intercepts.

    A design provides shape (n, r), dtype, Yt (n, k) (scaled, centred, projected targets), scale (k,)
    (sum_i s_i y_c,i^2 / n before the projection, what gaps are relative to), rhs = B'Yt, and the
    products gram() = B'B, kernel() = BB', matvec(V, rows) = B[rows] V and rmatvec(Z) = B'Z.
    """

    def set_penalty(self, factors):
        self.penalised = np.flatnonzero(factors > 0)
        self.free = np.flatnonzero(factors == 0)
        self.inv_root_f = 1.0 / np.sqrt(factors[self.penalised])

    def centred_targets(self, Y, weights, fit_intercept):
        """y~ = sqrt(s) (Y - y_mean) as a new float64 array (Y is not modified); sets y_mean, scale."""
        n_samples = Y.shape[0]
        self.y_mean = (self.weights @ Y / n_samples if fit_intercept
                       else np.zeros(Y.shape[1])).astype(np.float64)
        Yt = Y - self.y_mean
        if weights is not None:
            Yt *= np.sqrt(weights)[:, None]
        self.scale = np.maximum(column_norms2(Yt) / n_samples, np.finfo(np.float64).tiny)
        return Yt

    def project_free(self, free_columns, Yt, loadings):
        """Remove the span of the unpenalised columns (free_columns (n, q) float64, scaled and
        centred) from Yt and return it; loadings(Q) = Q'B of the unprojected B.

        The span's basis Q: every solver works orthogonally to it, then
        w_free = pinv(X_free) Q (Q'y - Q'B v) restores their least-squares coefficients.
        """
        self.basis = None
        if not self.free.size:
            return Yt
        u, sigma, vt = np.linalg.svd(free_columns, full_matrices=False)
        keep = significant(sigma, free_columns.shape, self.dtype)
        basis = u[:, keep]
        self.free_loadings = loadings(basis)                 # Q'B, before basis is set
        self.free_map = vt[keep].T / sigma[keep]            # pinv(X_free) Q
        self.free_target = basis.T @ Yt                     # Q'y
        self.basis = basis
        return Yt - basis @ self.free_target

    @cached_property
    def rhs(self):
        """B'Yt (r, k)."""
        return self.rmatvec(self.Yt)

    def coefficients(self, V):
        """Coefficients W (m, p) of the solutions V (r, m) (m targets, or m alphas of one target)."""
        V = np.asarray(V, dtype=np.float64)
        W = np.zeros((V.shape[1], self.n_features))
        W[:, self.penalised] = (V * self.inv_root_f[:, None]).T
        if self.free.size:
            W[:, self.free] = (self.free_map @ (self.free_target - self.free_loadings @ V)).T
        return W

    def scaled(self, W):
        """The solutions V (r, m) of coefficient rows W (m, p): v = F^(1/2) w (a warm start)."""
        return np.asarray(W, dtype=np.float64)[:, self.penalised].T / self.inv_root_f[:, None]

    def intercepts(self, W):
        """Intercepts of coefficient rows W (m, p): y_mean - x_mean . w (one target, or one each)."""
        return self.y_mean - W @ self.x_mean


class RidgeDesign(ScaledDesign):
    """The scaled, centred problem of validated dense X (n, p) and Y (n, k); one copy of X.

    B (n, r): the penalised columns, scaled and projected off the unpenalised ones; Yt (n, k): the
    scaled centred targets, projected likewise. coefficients() maps a solution back.
    """

    def __init__(self, X, Y, weights, factors, fit_intercept):
        n_samples, n_features = X.shape
        self.n_samples, self.n_features, self.dtype = n_samples, n_features, X.dtype
        self.weights = np.ones(n_samples) if weights is None else weights
        root = np.sqrt(self.weights)
        self.x_mean = self.weights @ X / n_samples if fit_intercept else np.zeros(n_features)
        self.set_penalty(factors)
        B = X - self.x_mean.astype(X.dtype)          # the one copy of X; scaled in place below
        if weights is not None:
            B *= root[:, None].astype(X.dtype)
        free_columns = B[:, self.free].astype(np.float64)
        if self.free.size:
            B = B[:, self.penalised]
        if np.any(self.inv_root_f != 1):
            B *= self.inv_root_f.astype(X.dtype)
        Yt = self.centred_targets(Y, weights, fit_intercept)
        self.Yt = self.project_free(free_columns, Yt, lambda basis: basis.T @ B.astype(np.float64))
        if self.basis is not None:
            B = B - (self.basis @ self.free_loadings).astype(B.dtype)
        self.B = B
        self.shape = B.shape

    def gram(self):
        return (self.B.T @ self.B).astype(np.float64)

    def kernel(self):
        return (self.B @ self.B.T).astype(np.float64)

    def matvec(self, V, rows=slice(None)):
        return np.asarray(self.B[rows] @ np.asarray(V, dtype=self.dtype), dtype=np.float64)

    def rmatvec(self, Z):
        return np.asarray(self.B.T @ np.asarray(Z, dtype=self.dtype), dtype=np.float64)


class ImplicitDesign(ScaledDesign):
    """The same problem from products with X (scipy.sparse CSC, or dense), which is never centred
    nor densified, nor copied but for one float64 copy of float32 values (the Gram) and one CSR copy
    (the rows of leave-one-out):

        B v  = sqrt(s) (X u - (m.u) 1) - Q (L v),       u = F^(-1/2) v (0 on unpenalised features)
        B'z  = F^(-1/2) [X'(sqrt(s) z) - m (1'sqrt(s) z)]_penalised - L'(Q'z)

    with m the weighted column means, Q the basis of the unpenalised columns' span and L = Q'B.
    Products with float32 X run in float32 (the vectors are cast), everything else in float64.
    """

    def __init__(self, X, Y, weights, factors, fit_intercept):
        n_samples, n_features = X.shape
        self.X, self.dtype = X, X.dtype
        self.n_samples, self.n_features = n_samples, n_features
        self.weights = np.ones(n_samples) if weights is None else weights
        self.root = None if weights is None else np.sqrt(weights)
        self.x_mean = (np.asarray(X.T @ self.weights, dtype=np.float64) / n_samples if fit_intercept
                       else np.zeros(n_features))
        self.set_penalty(factors)
        self.shape = (n_samples, self.penalised.size)
        self.plain = not self.free.size and np.all(self.inv_root_f == 1)   # then u = v
        Yt = self.centred_targets(Y, weights, fit_intercept)
        free_columns = None
        if self.free.size:
            check_free_block(X, self.free.size)
            free_columns = dense(X[:, self.free]).astype(np.float64) - self.x_mean[self.free]
            if self.root is not None:
                free_columns *= self.root[:, None]
        self.Yt = self.project_free(free_columns, Yt, lambda basis: self.rmatvec(basis).T)

    def expand(self, V):
        """u = F^(-1/2) v as (p, m), zero on the unpenalised features."""
        if self.plain:
            return V
        if not self.free.size:
            return self.inv_root_f[:, None] * V
        U = np.zeros((self.n_features, V.shape[1]))
        U[self.penalised] = self.inv_root_f[:, None] * V
        return U

    @cached_property
    def rows_of_X(self):
        """X in a row-sliceable layout (CSR for sparse X, one copy of its entries)."""
        return self.X.tocsr() if scipy.sparse.issparse(self.X) else self.X

    def matvec(self, V, rows=slice(None)):
        U = self.expand(np.asarray(V, dtype=np.float64))
        X = self.X if rows == slice(None) else self.rows_of_X[rows]
        shifted = self.shifted
        rest = U
        if shifted.size:                  # their part comes centred explicitly (see shifted)
            rest = U.copy()
            rest[shifted] = 0.0
        out = np.asarray(X @ rest.astype(self.dtype, copy=False), dtype=np.float64)
        out -= np.einsum("j,jk->k", self.x_mean, rest)  # (X - 1 m') u (einsum: no threaded BLAS)
        if shifted.size:
            out += self.shifted_block[rows] @ U[shifted]
        if self.root is not None:
            out *= self.root[rows, None]
        if self.basis is not None:
            out -= self.basis[rows] @ (self.free_loadings @ V)
        return out

    def rmatvec(self, Z):
        Z = np.asarray(Z, dtype=np.float64)
        scaled = Z if self.root is None else Z * self.root[:, None]
        XtZ = np.asarray(self.X.T @ scaled.astype(self.dtype, copy=False), dtype=np.float64)
        XtZ -= np.outer(self.x_mean, scaled.sum(axis=0))          # (X - 1 m')' sqrt(s) z
        if self.shifted.size:
            XtZ[self.shifted] = self.shifted_block.T @ scaled
        out = XtZ if self.plain else self.inv_root_f[:, None] * XtZ[self.penalised]
        if self.basis is not None:
            out -= self.free_loadings.T @ (self.basis.T @ Z)
        return out

    def as_float64(self):
        return self.X.astype(np.float64, copy=False)

    def gram(self):
        """B'B (r, r): X'SX by one sparse product, minus n m m' (the centring), scaled, projected.
        The shifted columns' rows and columns come from those columns centred explicitly."""
        X, s, m = self.as_float64(), self.weights, self.x_mean
        weighted = X if self.root is None else scale_rows(X, s)
        G = dense(X.T @ weighted) - self.n_samples * np.outer(m, m)
        shifted = self.shifted
        if shifted.size:
            block = dense(X[:, shifted]) - m[shifted]             # (n, c), centred
            weighted_block = s[:, None] * block
            cross = np.asarray(X.T @ weighted_block) - np.outer(m, weighted_block.sum(axis=0))
            cross[shifted] = block.T @ weighted_block
            G[:, shifted] = cross
            G[shifted, :] = cross.T
        G = G[np.ix_(self.penalised, self.penalised)] * np.outer(self.inv_root_f, self.inv_root_f)
        if self.basis is not None:
            G -= self.free_loadings.T @ self.free_loadings
        return G

    def kernel(self):
        """BB' (n, n): X F^(-1) X' by one sparse product, the centring terms, weights, projection;
        the shifted columns' part (X_c - m_c) F_c^(-1) (X_c - m_c)' from them centred explicitly."""
        X, m = self.as_float64(), self.x_mean
        g = np.zeros(self.n_features)
        g[self.penalised] = self.inv_root_f**2
        shifted = self.shifted
        rest = g.copy()
        rest[shifted] = 0.0
        K = dense(scale_columns(X, rest) @ X.T)
        a = np.asarray(X @ (rest * m), dtype=np.float64)             # X F^(-1) m
        K -= a[:, None]
        K -= a[None, :]
        K += m @ (rest * m)
        if shifted.size:
            block = dense(X[:, shifted]) - m[shifted]
            K += (block * g[shifted]) @ block.T
        if self.root is not None:
            K *= np.outer(self.root, self.root)
        if self.basis is not None:
            Q = self.basis
            K -= Q @ (Q.T @ K)
            K -= (K @ Q) @ Q.T
        return K

    @cached_property
    def square_sums(self):
        """sum_i s_i x_ij^2 (p,) in float64."""
        X = self.X
        if scipy.sparse.issparse(X):     # the kernels' one pass over the nonzeros, no temporary
            return sparse_column_stats(X, self.weights, False)[2] * self.n_samples
        return np.einsum("ij,i,ij->j", X, self.weights, X, dtype=np.float64)

    @cached_property
    def shifted(self):
        """The columns whose mean exceeds MAX_MEAN_OVER_SD standard deviations, where X'SX - n m m'
        would cancel their digits (constant columns too). Such a column is nearly dense (a
        column stored in a fraction d of the rows has (m / sd)^2 <= d / (1 - d)), so the Gram
        takes it centred explicitly, as a dense column, at no more than its storage."""
        n, m = self.n_samples, self.x_mean
        variance = np.maximum(self.square_sums / n - m**2, 0.0)
        cancels = m**2 > MAX_MEAN_OVER_SD**2 * variance
        return self.penalised[cancels[self.penalised]]

    @cached_property
    def shifted_block(self):
        """The shifted columns centred explicitly, (n, c) float64: products with them through
        X - 1 m' would lose their digits to the cancellation (a constant column of 2^59 and a
        centred y once gave a ridge coefficient of -480 for 0)."""
        return dense(self.X[:, self.shifted]).astype(np.float64) - self.x_mean[self.shifted]

    @cached_property
    def diagonal(self):
        """diag(B'B) (r,), the Jacobi preconditioner (up to lam): sum_i s_i (x_ij - m_j)^2 / f_j."""
        d = self.square_sums - self.n_samples * self.x_mean**2
        if self.shifted.size:
            d[self.shifted] = np.einsum("i,ic,ic->c", self.weights, self.shifted_block,
                                        self.shifted_block)
        d = d[self.penalised] * self.inv_root_f**2
        if self.basis is not None:
            d -= column_norms2(self.free_loadings)
        return np.maximum(d, 0.0)


def scale_rows(X, s):
    return scipy.sparse.diags_array(s) @ X if scipy.sparse.issparse(X) else X * s[:, None]


def scale_columns(X, g):
    return X @ scipy.sparse.diags_array(g) if scipy.sparse.issparse(X) else X * g


def check_free_block(X, n_free):
    """Sparse X: the unpenalised columns are projected out as a dense (n, q) block, which must not
    outgrow X itself (or FREE_BLOCK_ENTRIES)."""
    if scipy.sparse.issparse(X) and X.shape[0] * n_free > max(X.nnz, FREE_BLOCK_ENTRIES):
        raise ValueError(
            f"penalty_factor leaves {n_free} features unpenalised; with sparse X ridge projects them "
            f"out as a dense ({X.shape[0]}, {n_free}) block, larger than X: penalise more features, "
            f"use solver='cd', or pass dense X")


def gram_size(design):
    """The order of the smaller Gram: B'B (r) when n >= r, else BB' (n)."""
    return min(design.shape)


def gram_cost(X, n_penalised, eigen):
    """The cost of forming the smaller Gram of sparse X by one sparse product and factorising it
    (Cholesky, or an eigendecomposition if `eigen`), in units of one stored entry read by a
    mat-vec; infinite when it would have more than MAX_GRAM_FEATURES rows."""
    n_samples = X.shape[0]
    size = min(n_samples, n_penalised)
    if size > MAX_GRAM_FEATURES:
        return np.inf
    nnz = X.indptr[-1]
    if n_samples >= n_penalised:     # X'X: each row's entries pair up
        counts = np.bincount(X.indices[:nnz], minlength=n_samples)
    else:                            # XX': each column's entries pair up
        counts = np.diff(X.indptr)
    product = float(np.sum(counts.astype(np.float64) ** 2))
    return (PRODUCT_COST * product + ENTRY_COST * size**2
            + (EIGH_COST if eigen else CHOLESKY_COST) * float(size) ** 3)


def cg_step_cost(X):
    """The cost of one conjugate-gradient step for one target: a product with X and one with X'."""
    return 2.0 * X.indptr[-1]


def require_gram(design, what, instead):
    """Raise unless the smaller Gram of sparse X is small enough to form and factorise."""
    if gram_size(design) > MAX_GRAM_FEATURES:
        n, r = design.shape
        raise ValueError(
            f"{what} with sparse X needs the smaller Gram matrix, X'SX ({r} x {r}) or XSX' "
            f"({n} x {n}), but both exceed {MAX_GRAM_FEATURES} rows: {instead}")


# --------------------------------------------------------------------------------------------------
# Solvers: a closed form from the design's products, or conjugate gradients


def solve(design, lam, solver):
    """Solve min ||Yt - B v||^2 + lam ||v||^2 for each target column: (V (r, k), loss, gap).

    loss = ||Yt - B v||^2 is the weighted residual sum of squares and gap the duality gap of the
    package's objective, ||lam v - B'theta||^2 / (2 lam n) with theta the residual (for lam = 0 the
    suboptimality ||P_B theta||^2 / (2n)); both come from the factorised Gram or the SVD, with no
    further pass over X. solver "svd" (and any lam = 0) is the spectral route: the SVD of B when
    the design holds B, else one eigendecomposition of the smaller Gram.
    """
    if solver == "svd" or lam == 0:
        if not isinstance(design, RidgeDesign):
            k = design.Yt.shape[1]
            return Spectrum(design).solve(np.full(k, lam), np.arange(k))
        return svd_solve(design, lam)
    Yt = design.Yt
    n, r = design.shape
    if n >= r:
        A = design.gram()
        rhs = design.rhs
        V = scipy.linalg.cho_solve(scipy.linalg.cho_factor(A + lam * np.eye(r), check_finite=False),
                                   rhs, check_finite=False)
        AV = A @ V
        loss = column_norms2(Yt) - 2 * np.einsum("jk,jk->k", V, rhs) + np.einsum("jk,jk->k", V, AV)
        return V, np.maximum(loss, 0.0), column_norms2(lam * V - (rhs - AV)) / (2 * lam * n)
    K = design.kernel()
    C = scipy.linalg.cho_solve(scipy.linalg.cho_factor(K + lam * np.eye(n), check_finite=False),
                               Yt, check_finite=False)
    theta = Yt - K @ C
    z = lam * C - theta                     # lam v - B'theta = B'z
    gap = np.einsum("ik,ik->k", z, K @ z) / (2 * lam * n)
    return design.rmatvec(C), column_norms2(theta), np.maximum(gap, 0.0)


def svd_solve(design, lam):
    """solve() by the SVD of the design's B."""
    B, Yt = design.B, design.Yt
    n = B.shape[0]
    U, sigma, Vt = scipy.linalg.svd(B, full_matrices=False, check_finite=False, lapack_driver="gesdd")
    keep = significant(sigma, B.shape, B.dtype)
    U, sigma, Vt = U[:, keep].astype(np.float64), sigma[keep], Vt[keep].astype(np.float64)
    projected = U.T @ Yt                                          # U'y
    V = Vt.T @ ((sigma / (sigma**2 + lam))[:, None] * projected)
    theta = Yt - U @ ((sigma**2 / (sigma**2 + lam))[:, None] * projected)
    along = U.T @ theta
    if lam == 0:
        return V, column_norms2(theta), column_norms2(along) / (2 * n)
    g = Vt.T @ (sigma[:, None] * along)
    return V, column_norms2(theta), column_norms2(lam * V - g) / (2 * lam * n)


class IterativeFits(NamedTuple):
    """Conjugate gradients' answers per target, in the scaled variables."""
    V: np.ndarray              # (r, k)
    loss: np.ndarray           # (k,) ||Yt - B v||^2
    dual_gap: np.ndarray       # (k,) from the true residual (one more pass over X)
    relative_gap: np.ndarray   # (k,) dual_gap / scale
    n_iter: np.ndarray         # (k,)
    converged: np.ndarray      # (k,) the stopping rule was met within max_iter


def conjugate_gradients(design, lam, V0, max_iter, budget):
    """Solve (B'B + lam I) V = B'Yt (lam > 0) from V0 (r, k) by conjugate gradients, all targets at
    once (one product with X per step serves every target still running).

    Target k stops when the duality gap of its recursive residual R_k = B'y~_k - (B'B + lam I) v_k,
    ||R_k||^2 / (2 lam n) (the gap of ridge is exactly that), is at most CG_TOL times its scale, or
    after max_iter steps. The certificate is then recomputed from the true residual (one more
    product each way); a target whose true gap misses the bound restarts from it (the recursive
    residual drifts from the true one by rounding), up to CG_RESTARTS times. Converged: the
    recursive bound met, and the true gap within CG_SLACK of it. Past the budget's deadline the
    steps stop, and the targets still running are not converged.

    Preconditioning: by the diagonal of B'B + lam I (Jacobi) when n >= r, which evens out columns
    of different scales; none when r > n, where B'B + lam I has the eigenvalue lam with multiplicity
    at least r - n (the null space of B), a cluster plain conjugate gradients absorb at once and a
    diagonal preconditioner would spread out (on text-like data it takes 2 to 5 times the steps).
    """
    n, r = design.shape

    def normal(V):                     # (B'B + lam I) V
        return design.rmatvec(design.matvec(V)) + lam * V

    inverse_diagonal = 1.0 / (design.diagonal + lam)[:, None] if n >= r else 1.0
    bound = 2 * lam * n * CG_TOL[np.dtype(design.dtype)] * design.scale   # on ||R_k||^2
    V = np.array(V0, dtype=np.float64)
    R = design.rhs - normal(V) if V.any() else design.rhs.copy()
    n_iter = np.zeros(V.shape[1], dtype=np.int64)
    for _ in range(1 + CG_RESTARTS):
        running = cg_steps(normal, inverse_diagonal, V, R, bound, n_iter, max_iter, budget)
        theta = design.Yt - design.matvec(V)
        R = design.rmatvec(theta) - lam * V                  # the true residual
        if not np.any(~running & (column_norms2(R) > bound)) or budget.out_of_time():
            break
    gap = column_norms2(R) / (2 * lam * n)
    converged = ~running & (column_norms2(R) <= CG_SLACK * bound)
    return IterativeFits(V, column_norms2(theta), gap, gap / design.scale, n_iter, converged)


def converged_gap(dtype):
    """The relative duality gap a converged conjugate-gradient fit has at most."""
    return CG_SLACK * CG_TOL[np.dtype(dtype)]


# how a convergence warning names the steps of conjugate gradients, which may also stall in rounding
CG_STEPS_WORDS = "conjugate-gradient steps (or stalled at rounding level)"


def cg_steps(normal, inverse_diagonal, V, R, bound, n_iter, max_iter, budget):
    """Preconditioned conjugate-gradient steps from V with residual R (both updated in place, as
    n_iter) until ||R_k||^2 <= bound_k or n_iter_k = max_iter, or the budget's deadline; returns the
    targets still running."""
    P = inverse_diagonal * R
    rz = np.einsum("jk,jk->k", R, P)
    running = column_norms2(R) > bound
    while True:
        cols = np.flatnonzero(running & (n_iter < max_iter))
        if not cols.size or budget.out_of_time():
            return running
        sel = slice(None) if cols.size == V.shape[1] else cols     # views while all targets run
        Pa = P[:, sel]
        APa = normal(Pa)
        curvature = np.einsum("jk,jk->k", Pa, APa)
        # no curvature along P (lam * |P|^2 underflows for a tiny alpha): the target stalls where
        # it is, as if at max_iter (not converged, so warned), rather than step by 0 / 0
        stalled = ~(curvature > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(stalled, 0.0, rz[sel] / curvature)
        V[:, sel] += step * Pa
        R[:, sel] -= step * APa
        Ra = R[:, sel]
        n_iter[sel] += 1
        n_iter[cols[stalled]] = max_iter
        running[sel] = column_norms2(Ra) > bound[sel]
        Za = inverse_diagonal * Ra
        rz_next = np.einsum("jk,jk->k", Ra, Za)
        with np.errstate(divide="ignore", invalid="ignore"):
            P[:, sel] = Za + np.where(stalled, 0.0, rz_next / rz[sel]) * Pa
        rz[sel] = rz_next


def ridge_direct(design, alpha, solver):
    """(V (r, k), loss (k,), gap (k,)) of ridge by a direct solver: "cholesky", "svd", or "auto"
    (Cholesky unless alpha = 0, the spectral route if Cholesky fails)."""
    lam = design.n_samples * alpha
    choice = ("svd" if lam == 0 else "cholesky") if solver == "auto" else solver
    failure = (f"solver={solver!r} failed: the weighted, centred X'X + n alpha diag(penalty_factor) "
               f"is singular to working precision (alpha = {alpha:g})")
    try:
        V, loss, gap = solve(design, lam, choice)
    except np.linalg.LinAlgError as error:
        if solver != "auto":
            raise ValueError(f"{failure} ({error}); use solver='auto' or 'svd'") from error
        return solve(design, lam, "svd")
    if choice == "cholesky" and not (np.all(np.isfinite(V)) and np.all(np.isfinite(gap))):
        # a tiny alpha factorises, but the dual-form coefficients overflow (1 / alpha): spectral
        if solver != "auto":
            raise ValueError(f"{failure}: its solution overflows; use solver='auto' or 'svd'")
        return solve(design, lam, "svd")
    return V, loss, gap


def choose_sparse_solver(X, design, alpha, solver, n_targets):
    """(solver, steps) for sparse X. "cholesky" and "svd" need the smaller Gram (and "svd" becomes
    its eigendecomposition: the squared singular values), as does alpha = 0. "auto" with alpha > 0
    races them: "cg" for at most `steps`, the steps that cost as much as the Gram route, which
    takes over if they do not converge (never much over twice the cheaper route's cost; steps
    None: no Gram within reach, "cg" runs to max_iter)."""
    if solver == "auto" and alpha > 0:
        steps = gram_cost(X, design.shape[1], eigen=False) / (cg_step_cost(X) * n_targets)
        if steps >= 1:
            return "cg", None if np.isinf(steps) else int(steps)
    if solver != "cg":
        what = f"solver={solver!r}" if alpha > 0 else "alpha=0 (least squares)"
        require_gram(design, what, "use solver='cg' or 'auto'" if alpha > 0 else "use alpha > 0")
    return solver, None


def check_cg_alpha(alpha):
    if alpha == 0:
        raise ValueError("solver='cg' needs alpha > 0 (its stopping rule and certificate are the "
                         "duality gap of ridge); for least squares use solver='auto' or 'cholesky'")


def ridge(X: Design, y: ArrayLike, alpha: float, *, solver: RidgeSolver = "auto",
          fit_intercept: bool = True, sample_weight: ArrayLike | None = None,
          penalty_factor: ArrayLike | None = None, tol: float = 1e-7, max_iter: int = 10_000,
          coef_init: ArrayLike | None = None, precompute: Precompute = "auto",
          threads: int | None = None, max_seconds: float | None = None) -> FitResult:
    """Fit ridge regression (least squares when alpha = 0).

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha/2 sum_j f_j w_j^2``.

    Parameters
    ----------
    X, y, fit_intercept, sample_weight, penalty_factor
        As in :func:`l1l2.lasso`; X may be scipy.sparse (any format), which is never densified.
        A 2-D y (k targets) shares one factorisation (or one product with X per cg step).
    alpha : float >= 0
        0 gives ordinary least squares: the minimum-norm solution when X is rank deficient.
    solver : "auto", "cholesky", "svd", "cg" or "cd"
        "cholesky" solves the normal equations (X'SX + n alpha F) w = X'Sy on the centred data, in
        the primal (n >= p) or the dual / kernel form (p > n); "svd" uses the singular value
        decomposition (rank-deficient X, alpha = 0); "cg" runs conjugate gradients on the normal
        equations from products with X (preconditioned by their diagonal when n >= p), alpha > 0,
        until the duality gap is at rounding level (CG_TOL; tol does not apply, max_iter caps the
        steps and coef_init warm-starts); "cd" is the coordinate-descent engine of
        :func:`l1l2.elastic_net` (then tol, max_iter, coef_init, precompute and threads apply).
        "auto" picks Cholesky, or the SVD for alpha = 0 or when the matrix is not positive
        definite.
        Sparse X is never densified, nor centred (the centring is implicit). "cholesky" forms the
        smaller Gram (X'SX or XSX', at most MAX_GRAM_FEATURES = 5000 rows) by one sparse product;
        "svd" eigendecomposes that Gram instead of factorising X (its eigenvalues are the squared
        singular values), as "cholesky" and "auto" do for alpha = 0. "auto" runs "cg", for at most
        as many steps as the Gram route would cost when that is within reach, then hands over to
        "cholesky" if they did not converge: n_iter tells which answered. Unpenalised features
        (f_j = 0) are projected out exactly, which makes their columns a dense (n, q) block.
    max_seconds : float > 0, optional
        A time limit for "cg" and "cd", as in :func:`l1l2.lasso` (the direct solvers run one
        factorisation and have no loop to stop).

    Returns
    -------
    FitResult
        Direct solvers report n_iter = 1 and the duality gap of their solution (rounding level);
        "cg" its number of steps and the gap of its solution.

    Raises
    ------
    ValueError
        For invalid input; for sparse X whose smaller Gram has more than 5000 rows with solver
        "cholesky" or "svd" or alpha = 0, or with more unpenalised features than its n x q block
        can hold (see check_free_block); for solver "cg" with alpha = 0.

    Warns
    -----
    ConvergenceWarning
        When "cg" or "cd" stops at max_iter or max_seconds for some target.

    Examples
    --------
    >>> import numpy as np, scipy.sparse, l1l2
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> l1l2.ridge(X, [0.1, 1.0, 2.1, 2.9], alpha=0.1).coef.round(3)
    array([0.884, 0.024])
    >>> l1l2.ridge(scipy.sparse.csr_matrix(X), [0.1, 1.0, 2.1, 2.9], alpha=0.1, solver="cg").coef.round(3)
    array([0.884, 0.024])
    """
    solver = v.check_option(solver, "solver", SOLVERS)
    if solver == "cd":
        return _fit_enet(X, y, alpha, 0.0, fit_intercept=fit_intercept, sample_weight=sample_weight,
                         positive=False, penalty_factor=penalty_factor, tol=tol,
                         max_iter=max_iter, coef_init=coef_init, precompute=precompute,
                         threads=threads, max_seconds=max_seconds)
    X, y = v.check_Xy(X, y, accept_sparse=True)
    n_samples, n_features = X.shape
    alpha = v.check_alpha(alpha)
    fit_intercept = v.check_flag(fit_intercept, "fit_intercept")
    weights = v.check_sample_weight(sample_weight, n_samples)
    factors = v.check_penalty_factor(penalty_factor, n_features)
    # tol, precompute and threads apply to "cd" only (max_iter and coef_init to "cg" too), but
    # are always checked
    v.check_tol(tol), v.check_precompute(precompute), v.check_threads(threads)
    max_iter = v.check_max_iter(max_iter)
    budget = v.check_max_seconds(max_seconds)
    Y = y.reshape(n_samples, -1)
    n_targets = Y.shape[1]
    coef_init = v.check_coef_init(coef_init, (n_features,) if y.ndim == 1 else (n_targets, n_features),
                                  X.dtype)
    sparse = scipy.sparse.issparse(X)
    if solver == "cg":
        check_cg_alpha(alpha)
    design = (ImplicitDesign if sparse or solver == "cg" else RidgeDesign)(X, Y, weights, factors,
                                                                          fit_intercept)
    steps = None
    if sparse:
        solver, steps = choose_sparse_solver(X, design, alpha, solver, n_targets)
    if solver == "cg":
        start = (np.zeros((design.shape[1], n_targets)) if coef_init is None
                 else design.scaled(coef_init.reshape(n_targets, n_features)))
        fits = conjugate_gradients(design, n_samples * alpha, start,
                                   max_iter if steps is None else min(steps, max_iter), budget)
        if steps is not None and not np.all(fits.converged) and not budget.out_of_time():
            solver = "auto"                # the Gram route takes over
    if solver == "cg":
        V, loss, gap, n_iter = fits.V, fits.loss, fits.dual_gap, fits.n_iter
        converged = fits.converged & np.isfinite(gap)
        # stacklevel 2: this function, then the user's line
        warn_if_not_converged(converged, fits.relative_gap, converged_gap(X.dtype), max_iter,
                              stacklevel=2, steps=CG_STEPS_WORDS, budget=budget)
    else:
        V, loss, gap = ridge_direct(design, alpha, solver)
        n_iter, converged = np.ones(len(gap), dtype=np.int64), np.isfinite(gap)
    W = design.coefficients(V)
    objective = enet_objective_from_loss(loss, n_samples, W, alpha, 0.0, factors)
    fits = DirectFits(W.astype(X.dtype), design.intercepts(W), gap, n_iter,
                      converged & np.all(np.isfinite(W), axis=1))
    if solver != "cg":      # a closed form fails only by overflow, but must say so too
        warn_if_not_converged(fits.converged, gap / design.scale, converged_gap(X.dtype), 1,
                              stacklevel=2, steps="direct solves (overflow in the closed form)")
    return FitResult.from_targets(fits, objective, alpha=alpha, l1_ratio=0.0, loss="squared",
                                  one_target=y.ndim == 1)


class DirectFits(NamedTuple):
    """A solver's answers per target (or per alpha), in the fields results are built from."""
    coef: np.ndarray
    intercept: np.ndarray
    dual_gap: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray


class Spectrum:
    """One eigendecomposition of the smaller Gram of B, for every alpha (and target) at once.

    B = U diag(sigma) V' with rank r: n >= r uses A = B'B = V sigma^2 V', p > n uses K = BB' =
    U sigma^2 U'. Kept: the Gram, sigma2 (r,), its eigenvectors (basis) and u = U'y~ (r, k).
    """

    def __init__(self, design):
        self.design = design
        self.Y = design.Yt
        self.tall = design.shape[0] >= design.shape[1]
        self.gram = design.gram() if self.tall else design.kernel()
        sigma2, basis = scipy.linalg.eigh(self.gram, check_finite=False)
        # eigenvalues of a Gram carry absolute error ~ eps * the largest: cut at that level
        keep = significant(sigma2, design.shape, design.dtype)
        self.sigma2, self.basis = sigma2[keep], basis[:, keep]
        self.rhs = design.rhs
        self.u = ((self.basis.T @ self.rhs) / np.sqrt(self.sigma2)[:, None] if self.tall
                  else self.basis.T @ self.Y)

    def left_vectors(self, rows=slice(None)):
        """Rows of U (n, r): an extra product when tall (leave-one-out needs it)."""
        if self.tall:
            return self.design.matvec(self.basis, rows) / np.sqrt(self.sigma2)
        return self.basis[rows]

    def solve(self, lams, targets):
        """(V (r_B, T), loss (T,), gap (T,)) for target targets[t] at lams[t], as in solve():
        certificates from the Gram."""
        lams = np.asarray(lams, dtype=np.float64)
        shrink = self.u[:, targets] / (self.sigma2[:, None] + lams[None, :])
        n = self.design.n_samples
        if self.tall:
            rhs = self.rhs[:, targets]
            V = self.basis @ (np.sqrt(self.sigma2)[:, None] * shrink)
            AV = self.gram @ V
            g = rhs - AV
            loss = column_norms2(self.Y)[targets] - 2 * np.einsum("jt,jt->t", rhs, V) + np.einsum(
                "jt,jt->t", V, AV)
            exact = column_norms2((self.basis.T @ g) / np.sqrt(self.sigma2)[:, None]) / (2 * n)
            residual_gap = column_norms2(lams * V - g) / (2 * np.where(lams > 0, lams, 1) * n)
            return V, np.maximum(loss, 0.0), np.where(lams > 0, residual_gap, exact)
        C = self.basis @ shrink
        theta = self.Y[:, targets] - self.gram @ C
        z = lams * C - theta
        residual_gap = np.einsum("it,it->t", z, self.gram @ z) / (2 * np.where(lams > 0, lams, 1) * n)
        exact = column_norms2(self.basis.T @ theta) / (2 * n)
        return (self.design.rmatvec(C), column_norms2(theta),
                np.maximum(np.where(lams > 0, residual_gap, exact), 0.0))

    def df(self, lams):
        """Effective degrees of freedom sum_k sigma_k^2 / (sigma_k^2 + lam) at each lam."""
        return (self.sigma2[None, :] / (self.sigma2[None, :] + np.asarray(lams)[:, None])).sum(axis=1)


# --------------------------------------------------------------------------------------------------
# Paths and cross-validation


def ridge_path(X: Design, y: ArrayLike, *, alphas: ArrayLike | None = None, n_alphas: int = 50,
               alpha_min_ratio: float | None = None, fit_intercept: bool = True,
               sample_weight: ArrayLike | None = None,
               penalty_factor: ArrayLike | None = None) -> PathResult:
    """Ridge along a grid of alphas from one eigendecomposition (of X'SX or XSX', the smaller).

    Parameters
    ----------
    X, y, fit_intercept, sample_weight, penalty_factor
        As in :func:`ridge`; y must be 1-D.
    alphas : array-like, optional
        The grid (sorted decreasing). Default: n_alphas log-spaced from glmnet's alpha_max for
        ridge (the Lasso's alpha_max divided by 1e-3) down to alpha_max * alpha_min_ratio (1e-4 if
        n_samples >= n_features, else 1e-2).

    Returns
    -------
    PathResult
        df is the effective degrees of freedom sum_k s_k^2 / (s_k^2 + n alpha) over the singular
        values s_k of the weighted, centred X (with penalty factors), plus one per unpenalised
        feature; each point carries its duality gap.

    Notes
    -----
    Sparse X: the smaller Gram is formed by one sparse product and eigendecomposed when that is
    cheaper than conjugate gradients; otherwise each alpha is solved by solver="cg" of
    :func:`ridge`, warm-started from the previous one (at most PATH_MAX_ITER steps each; then
    alphas must be > 0, n_iters counts the steps and df is NaN: it needs the spectrum).

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_diabetes
    >>> X, y, names = load_diabetes()
    >>> path = l1l2.ridge_path(X, y, n_alphas=5)
    >>> bool(path.df[0] < path.df[-1] <= 10)
    True
    """
    options = ridge_options(X, y, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight,
                            penalty_factor)
    fitted = fit_ridge_path(options.X, options.y, options)
    # stacklevel 2: this function, then the user's line
    warn_path(fitted.converged_relative_gaps(), options.X.dtype, stacklevel=2)
    return fitted.path


def warn_path(flags_and_gaps, dtype, stacklevel, what="alphas"):
    """One ConvergenceWarning for conjugate-gradient path points stopped at PATH_MAX_ITER."""
    converged, relative_gaps = flags_and_gaps
    warn_if_not_converged(converged, relative_gaps, converged_gap(dtype), PATH_MAX_ITER,
                          stacklevel=stacklevel + 1, what=what, steps=CG_STEPS_WORDS)


def ridge_options(X, y, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight,
                  penalty_factor):
    """The validated arguments of ridge_path and ridge_cv (the path options without CD settings)."""
    return v.check_path_options(X, y, 0.0, alphas=alphas, n_alphas=n_alphas,
                                alpha_min_ratio=alpha_min_ratio, fit_intercept=fit_intercept,
                                sample_weight=sample_weight, positive=False,
                                penalty_factor=penalty_factor, tol=1e-7, max_iter=1,
                                precompute="auto", verbose=False, accept_sparse=True)


class FittedPath(NamedTuple):
    """fit_ridge_path's answer: the path, its design, and the Spectrum (None on the cg route)."""
    path: PathResult
    design: ScaledDesign
    spectrum: "Spectrum | None"
    relative_gaps: np.ndarray      # (T,) dual gap / scale, for convergence warnings

    def converged_relative_gaps(self):
        """(converged, relative gaps) of the points a convergence warning may speak about: the
        conjugate-gradient ones, and closed-form ones only where they failed (a gap that is not
        finite: overflow), as they never stop early."""
        if self.spectrum is not None:
            failed = ~self.path.converged
            return self.path.converged[failed], self.relative_gaps[failed]
        return self.path.converged, self.relative_gaps


def n_path_alphas(options, alphas):
    return len(alphas) if alphas is not None else (
        len(options.alphas) if options.alphas is not None else options.n_alphas)


def fit_ridge_path(X, y, options, alphas=None, weights=None, spectral=False):
    """FittedPath of validated data; alphas and weights override the options'. spectral: demand the
    eigendecomposition route (leave-one-out, GCV) rather than choose it by cost for sparse X."""
    weights = options.sample_weight if weights is None else weights
    factors = options.penalty_factor
    n_samples, n_features = X.shape
    sparse = scipy.sparse.issparse(X)
    design = (ImplicitDesign if sparse else RidgeDesign)(X, y[:, None], weights, factors,
                                                         options.fit_intercept)
    if not sparse or spectral:
        use_spectrum = True
        if sparse:
            require_gram(design, "ridge_cv with cv='loo' or 'gcv'", "pass an int cv (K-fold) instead")
    else:
        cg_cost = n_path_alphas(options, alphas) * PATH_CG_STEPS * cg_step_cost(X)
        use_spectrum = gram_cost(X, design.shape[1], eigen=True) <= cg_cost
    spectrum = Spectrum(design) if use_spectrum else None
    if alphas is None:
        alphas = options.alphas
    if alphas is None:
        # x_j . S y_c / n of the penalised features (after the unpenalised fit): B_j = x_j / sqrt(f_j)
        scores = design.rhs[:, 0] / design.inv_root_f / n_samples
        alpha_max = alpha_max_from_scores(scores, factors[design.penalised], 0.0, False)
        alphas = default_alphas(alpha_max, options.n_alphas, options.alpha_min_ratio, n_samples,
                                n_features)
    lams = n_samples * np.asarray(alphas)
    if spectrum is not None:
        V, loss, gaps = spectrum.solve(lams, np.zeros(len(lams), dtype=np.intp))
        n_iter, converged = np.ones(len(lams), dtype=np.int64), np.isfinite(gaps)
        df = spectrum.df(lams) + (design.basis.shape[1] if design.basis is not None else 0)
    else:
        V, loss, gaps, n_iter, converged = cg_path(design, lams)
        df = np.full(len(lams), np.nan)
    W = design.coefficients(V)
    b = design.intercepts(W)
    objectives = enet_objective_from_loss(loss, n_samples, W, np.asarray(alphas), 0.0, factors)
    fits = [DirectFits(W[t].astype(X.dtype), b[t], gaps[t], n_iter[t], bool(converged[t]))
            for t in range(len(lams))]
    path = PathResult.from_fits(alphas, fits, objectives, l1_ratio=0.0, df=df)
    return FittedPath(path, design, spectrum, gaps / design.scale[0])


def cg_path(design, lams):
    """(V (r, T), loss, gap, n_iter, converged (T,)) by conjugate gradients at each lam, each
    warm-started from the solution at the previous one."""
    if np.any(lams == 0):
        raise ValueError("alphas must be > 0 for a ridge path of sparse X solved by conjugate "
                         "gradients (alpha = 0 needs the Gram of a smaller X)")
    V = np.zeros((design.shape[1], 1))
    fits = []
    for lam in lams:
        fit = conjugate_gradients(design, lam, V, PATH_MAX_ITER, Budget())
        V = fit.V
        fits.append(fit)
    converged = np.array([fit.converged[0] and np.isfinite(fit.dual_gap[0]) for fit in fits])
    return (np.column_stack([fit.V[:, 0] for fit in fits]), np.array([fit.loss[0] for fit in fits]),
            np.array([fit.dual_gap[0] for fit in fits]), np.array([fit.n_iter[0] for fit in fits]),
            converged)


def ridge_cv(X: Design, y: ArrayLike, *, alphas: ArrayLike | None = None, n_alphas: int = 50,
             alpha_min_ratio: float | None = None, cv: Literal["loo", "gcv"] | int | Splits = "loo",
             fit_intercept: bool = True, sample_weight: ArrayLike | None = None,
             penalty_factor: ArrayLike | None = None, random_state: int | None = 0,
             threads: int | None = None) -> CVResult:
    """Choose ridge's alpha by exact leave-one-out, generalised cross-validation or K-fold.

    Parameters
    ----------
    X, y, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight, penalty_factor
        As in :func:`ridge_path`.
    cv : "loo", "gcv", int >= 2 or iterable of (train, test) index pairs
        "loo": exact leave-one-out in closed form from the path's eigendecomposition. Each
        left-out refit is the package's objective on n - 1 samples (weights renormalised), whose
        penalty relative to the loss is a little weaker; the closed form accounts for that, so the
        errors equal brute-force refits. "gcv": generalised cross-validation,
        (sum_i s_i r_i^2 / n) / (1 - df / n)^2 with df counting the intercept. An int or pairs:
        K-fold (shuffled, seeded by random_state) over per-fold ridge paths, in `threads` threads.
        Sparse X: "loo" and "gcv" need the smaller Gram (n_features or n_samples at most 5000)
        and raise ValueError otherwise; K-fold works at any size.

    Returns
    -------
    CVResult
        For "loo", fold_errors holds each sample's weighted squared error (n_samples, n_alphas)
        and cv_se the standard error of their mean; for "gcv" it is one row and cv_se is zero.

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_diabetes
    >>> X, y, names = load_diabetes()
    >>> cv = l1l2.ridge_cv(X, y)
    >>> bool(cv.alpha_1se >= cv.alpha_min)
    True
    """
    options = ridge_options(X, y, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight,
                            penalty_factor)
    n_samples = options.X.shape[0]
    threads = v.check_threads(threads)
    closed_form = isinstance(cv, str)
    cv = v.check_option(cv, "cv", ("loo", "gcv")) if closed_form else v.check_cv(cv, n_samples,
                                                                                 random_state)
    if closed_form and n_samples < 2:
        raise ValueError(f"cv={cv!r} needs n_samples >= 2 (leaving out the only sample leaves "
                         f"nothing to fit), got n_samples={n_samples}")
    full = fit_ridge_path(options.X, options.y, options, spectral=closed_form)
    path = full.path
    if closed_form:
        errors = (loo_errors if cv == "loo" else gcv_errors)(full.design, full.spectrum, path.alphas,
                                                            options.fit_intercept)
        if np.isnan(errors).any():
            why = ("some sample has leverage 1 (the fit without it cannot predict it)" if cv == "loo"
                   else "the fit interpolates (df = n_samples)")
            raise ValueError(f"cv={cv!r} is undefined for this X at some alpha: {why}, 0 / 0; use "
                             f"an int cv (K-fold) or larger alphas")
        fold_ids = np.arange(n_samples) if cv == "loo" else np.full(n_samples, -1)
        return CVResult.from_errors(path, errors, fold_ids)
    splits, fold_ids = kfold(n_samples, cv, random_state) if isinstance(cv, int) else cv
    check_fold_weights(options, splits)
    folds = parallel_map(lambda split: held_out_ridge(options, *split, path.alphas), splits, threads)
    errors = [fold[0] for fold in folds]
    checks = [full.converged_relative_gaps()] + [fold[1] for fold in folds]
    # stacklevel 2: this function, then the user's line
    warn_path((np.concatenate([c for c, _ in checks]), np.concatenate([g for _, g in checks])),
              options.X.dtype, stacklevel=2, what="path points (full data and folds)")
    return CVResult.from_errors(path, np.array(errors), fold_ids)


def loo_errors(design, spectrum, alphas, fit_intercept):
    """(n, T) weighted squared leave-one-out errors s_i e_i^2 (normalised weights), exactly."""
    return loo_scaled_residuals(design, spectrum, alphas, fit_intercept)**2


def loo_predictions(X, y, alphas, *, fit_intercept=True, sample_weight=None, left_out_weight=None):
    """(n, T) exact leave-one-out predictions of ridge on 1-D y at each of alphas (decreasing): row
    i is sample i's prediction by the fits without it, from ridge_cv(cv="loo")'s closed form. For
    scorers that need predictions, not squared errors (l1l2.sklearn.RidgeCV).

    left_out_weight: None for the package's refits (see loo_scaled_residuals); 1.0 for
    scikit-learn's convention, whose refits keep one penalty whatever the left-out weight.
    """
    options = ridge_options(X, y, alphas, len(alphas), None, fit_intercept, sample_weight, None)
    full = fit_ridge_path(options.X, options.y, options, spectral=True)
    scaled = loo_scaled_residuals(full.design, full.spectrum, full.path.alphas, fit_intercept,
                                  left_out_weight)
    weights = full.design.weights
    predictions = full.path.predict(options.X)     # a sample of weight 0: its refit is the full fit
    counted = weights > 0
    predictions[counted] = (options.y[counted, None]
                            - scaled[counted] / np.sqrt(weights[counted])[:, None])
    return predictions


def loo_scaled_residuals(design, spectrum, alphas, fit_intercept, left_out_weight=None):
    """(n, T) leave-one-out residuals sqrt(s_i) e_i (normalised weights; 0 where s_i = 0), exactly.

    Leaving sample i out of the package's objective leaves the penalty lam_i = (n - s_i) alpha on
    the scaled problem ||y~ - B v||^2 + lam ||v||^2 (the loss now sums to n - s_i), so by the
    Sherman-Morrison identity e_i = r_i(lam_i) / (sqrt(s_i) (1 - h_ii(lam_i))): the residual and
    leverage of the full fit at that penalty. With the intercept and the unpenalised columns
    orthogonal to B, h_ii = s_i / n + |Q_i|^2 + sum_k U_ik^2 sigma_k^2 / (sigma_k^2 + lam_i).
    Samples sharing a weight share lam_i: each group costs two matrix products for all alphas.
    The rows of U are made a block at a time (ROW_BLOCK_BYTES), so U (n x r) never exists whole.
    A left_out_weight w replaces s_i in lam_i for every sample: lam = (n - w) alpha throughout.
    """
    s, n = design.weights, design.n_samples
    fixed = (s / n if fit_intercept else np.zeros(n))
    if design.basis is not None:
        fixed = fixed + (design.basis**2).sum(axis=1)
    y, u = design.Yt[:, 0], spectrum.u[:, 0]
    errors = np.zeros((n, len(alphas)))
    values, group = np.unique(s, return_inverse=True)
    block = max(1, ROW_BLOCK_BYTES // (8 * max(1, spectrum.sigma2.size)))
    for start in range(0, n, block):
        rows = slice(start, min(start + block, n))
        U = spectrum.left_vectors(rows)
        in_block = group[rows]
        for g in np.unique(in_block):
            weight = values[g]
            if weight == 0:         # a sample of zero weight counts for nothing
                continue
            local = np.flatnonzero(in_block == g)
            lam = (n - (weight if left_out_weight is None else left_out_weight)) * alphas
            keep = spectrum.sigma2[:, None] / (spectrum.sigma2[:, None] + lam[None, :])
            leverage = fixed[start + local, None] + U[local]**2 @ keep
            residual = y[start + local, None] - (U[local] * u) @ keep
            errors[start + local] = residual / (1 - leverage)   # sqrt(s_i) e_i: the scaled units
    return errors


def gcv_errors(design, spectrum, alphas, fit_intercept):
    """(1, T) generalised cross-validation: (sum_i s_i r_i^2 / n) / (1 - df / n)^2."""
    n = design.n_samples
    lams = n * np.asarray(alphas)
    keep = spectrum.sigma2[None, :] / (spectrum.sigma2[None, :] + lams[:, None])
    y, u = design.Yt[:, 0], spectrum.u[:, 0]
    fitted_norm2 = ((keep * u[None, :])**2).sum(axis=1)
    cross = (keep * u[None, :]**2).sum(axis=1)
    rss = y @ y - 2 * cross + fitted_norm2
    df = keep.sum(axis=1) + int(fit_intercept) + (design.basis.shape[1] if design.basis is not None else 0)
    return (rss / n / (1 - df / n)**2)[None, :]


def held_out_ridge(options, train, test, alphas):
    """Weighted mean squared error on the test rows of the ridge path fitted on the train rows, per
    alpha, with the (converged, relative gaps) a warning may speak about."""
    fitted = fit_ridge_path(options.X[train], options.y[train], options, alphas=alphas,
                            weights=train_weights(options, train))
    return held_out_mse(options, fitted.path, test), fitted.converged_relative_gaps()
