"""Ridge regression in closed form: Cholesky (primal or dual), SVD, one-factorisation paths, LOO.

Objective (the package's convention)::

    1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha/2 sum_j f_j w_j^2

With weights normalised to sum to n, times 2n this is ||y~ - B v||^2 + n alpha ||v||^2 in the scaled
variables B = sqrt(s) (X - m) F^(-1/2), y~ = sqrt(s) (y - y_mean), v = F^(1/2) w. Features with
f_j = 0 are projected out first (their columns' span removed from B and y~) and fitted by least
squares afterwards, so every solver below sees the plain problem min ||y~ - B v||^2 + lam ||v||^2:

- cholesky: (B'B + lam I) v = B'y~ (n >= p), or its dual v = B'(BB' + lam I)^(-1) y~ (p > n);
- svd: B = U diag(sigma) V', v = V diag(sigma / (sigma^2 + lam)) U'y~; lam = 0 gives the
  minimum-norm least-squares solution (pseudo-inverse with a relative cut-off);
- paths and leave-one-out use one eigendecomposition of the smaller Gram (B'B or BB').
"""
from typing import NamedTuple

import numpy as np
import scipy.linalg

from l1l2 import _validation as v
from l1l2._cv import held_out_mse, kfold, train_weights
from l1l2._fit import _fit_enet
from l1l2._grid import alpha_max_from_scores, default_alphas
from l1l2._objectives import enet_objective_from_loss
from l1l2._parallel import parallel_map
from l1l2._results import CVResult, FitResult, PathResult

SOLVERS = ("auto", "cd", "cholesky", "svd")


def significant(sigma, shape, dtype):
    """Singular values that are not rounding noise: above max(shape) * eps(dtype) * the largest
    (numpy.linalg.lstsq's cut-off, in the precision the data came in)."""
    cutoff = max(shape) * np.finfo(dtype).eps * max(sigma.max(initial=0.0), np.finfo(np.float64).tiny)
    return sigma > cutoff


class RidgeDesign:
    """The scaled, centred problem of validated X (n, p) and Y (n, k); one copy of X.

    B (n, r): the penalised columns, scaled and projected off the unpenalised ones; Yt (n, k): the
    scaled centred targets, projected likewise. coefficients() maps a solution back.
    """

    def __init__(self, X, Y, weights, factors, fit_intercept):
        n_samples, n_features = X.shape
        self.n_samples, self.n_features = n_samples, n_features
        self.weights = np.ones(n_samples) if weights is None else weights
        root = np.sqrt(self.weights)
        self.x_mean = self.weights @ X / n_samples if fit_intercept else np.zeros(n_features)
        self.y_mean = (self.weights @ Y / n_samples if fit_intercept
                       else np.zeros(Y.shape[1])).astype(np.float64)
        self.penalised = np.flatnonzero(factors > 0)
        self.free = np.flatnonzero(factors == 0)
        self.inv_root_f = 1.0 / np.sqrt(factors[self.penalised])
        B = X - self.x_mean.astype(X.dtype)          # the one copy of X; scaled in place below
        if weights is not None:
            B *= root[:, None].astype(X.dtype)
        free_columns = B[:, self.free].astype(np.float64)
        if self.free.size:
            B = B[:, self.penalised]
        if np.any(self.inv_root_f != 1):
            B *= self.inv_root_f.astype(X.dtype)
        Yt = Y - self.y_mean                           # a new float64 array: Y is not modified
        if weights is not None:
            Yt *= root[:, None]
        self.basis = None
        if self.free.size:
            # The unpenalised columns' span, basis Q: every solver works orthogonally to it, then
            # w_free = pinv(X_free) Q (Q'y - Q'B v) restores their least-squares coefficients.
            u, sigma, vt = np.linalg.svd(free_columns, full_matrices=False)
            keep = significant(sigma, free_columns.shape, X.dtype)
            self.basis = u[:, keep]
            self.free_map = vt[keep].T / sigma[keep]          # pinv(X_free) Q
            self.free_target = self.basis.T @ Yt               # Q'y
            self.free_loadings = self.basis.T @ B.astype(np.float64)   # Q'B
            B = B - (self.basis @ self.free_loadings).astype(B.dtype)
            Yt = Yt - self.basis @ self.free_target
        self.B, self.Yt = B, Yt

    def coefficients(self, V):
        """Coefficients W (m, p) of the solutions V (r, m) (m targets, or m alphas of one target)."""
        V = np.asarray(V, dtype=np.float64)
        W = np.zeros((V.shape[1], self.n_features))
        W[:, self.penalised] = (V * self.inv_root_f[:, None]).T
        if self.free.size:
            W[:, self.free] = (self.free_map @ (self.free_target - self.free_loadings @ V)).T
        return W

    def intercepts(self, W):
        """Intercepts of coefficient rows W (m, p): y_mean - x_mean . w (one target, or one each)."""
        return self.y_mean - W @ self.x_mean


def solve(design, lam, solver):
    """Solve min ||Yt - B v||^2 + lam ||v||^2 for each target column: (V (r, k), loss, gap).

    loss = ||Yt - B v||^2 is the weighted residual sum of squares and gap the duality gap of the
    package's objective, ||lam v - B'theta||^2 / (2 lam n) with theta the residual (for lam = 0 the
    suboptimality ||P_B theta||^2 / (2n)); both come from the factorised Gram or the SVD, with no
    further pass over X.
    """
    B, Yt = design.B, design.Yt
    n, r = B.shape
    if solver == "svd" or lam == 0:
        U, sigma, Vt = scipy.linalg.svd(B, full_matrices=False, check_finite=False,
                                        lapack_driver="gesdd")
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
    if n >= r:
        A = (B.T @ B).astype(np.float64)
        rhs = np.asarray(B.T @ np.asarray(Yt, dtype=B.dtype), dtype=np.float64)
        V = scipy.linalg.cho_solve(scipy.linalg.cho_factor(A + lam * np.eye(r), check_finite=False),
                                   rhs, check_finite=False)
        AV = A @ V
        loss = column_norms2(Yt) - 2 * np.einsum("jk,jk->k", V, rhs) + np.einsum("jk,jk->k", V, AV)
        return V, np.maximum(loss, 0.0), column_norms2(lam * V - (rhs - AV)) / (2 * lam * n)
    K = (B @ B.T).astype(np.float64)
    C = scipy.linalg.cho_solve(scipy.linalg.cho_factor(K + lam * np.eye(n), check_finite=False),
                               Yt, check_finite=False)
    theta = Yt - K @ C
    z = lam * C - theta                     # lam v - B'theta = B'z
    gap = np.einsum("ik,ik->k", z, K @ z) / (2 * lam * n)
    return (np.asarray(B.T @ np.asarray(C, dtype=B.dtype), dtype=np.float64), column_norms2(theta),
            np.maximum(gap, 0.0))


def column_norms2(A):
    return np.einsum("ik,ik->k", A, A)


def ridge_direct(X, Y, alpha, weights, factors, fit_intercept, solver):
    """(coefficients (k, p), intercepts (k,), loss (k,), gap (k,)) of ridge by a direct solver:
    "cholesky", "svd", or "auto" (Cholesky unless alpha = 0, the SVD if Cholesky fails)."""
    design = RidgeDesign(X, Y, weights, factors, fit_intercept)
    lam = design.n_samples * alpha
    choice = ("svd" if lam == 0 else "cholesky") if solver == "auto" else solver
    try:
        V, loss, gap = solve(design, lam, choice)
    except np.linalg.LinAlgError:
        if solver != "auto":
            raise
        V, loss, gap = solve(design, lam, "svd")
    W = design.coefficients(V)
    return W, design.intercepts(W), loss, gap


def ridge(X, y, alpha, *, solver="auto", fit_intercept=True, sample_weight=None,
          penalty_factor=None, tol=1e-7, max_iter=10_000, coef_init=None, precompute="auto",
          threads=None):
    """Fit ridge regression (least squares when alpha = 0).

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha/2 sum_j f_j w_j^2``.

    Parameters
    ----------
    X, y, fit_intercept, sample_weight, penalty_factor
        As in :func:`l1l2.lasso`. A 2-D y (k targets) shares one factorisation.
    alpha : float >= 0
        0 gives ordinary least squares: the minimum-norm solution when X is rank deficient.
    solver : "auto", "cholesky", "svd" or "cd"
        "cholesky" solves the normal equations (X'SX + n alpha F) w = X'Sy on the centred data, in
        the primal (n >= p) or the dual / kernel form (p > n); "svd" uses the singular value
        decomposition (rank-deficient X, alpha = 0); "cd" is the coordinate-descent engine of
        :func:`l1l2.elastic_net` (then tol, max_iter, coef_init, precompute and threads apply).
        "auto" picks Cholesky, or the SVD for alpha = 0 or when the matrix is not positive definite.

    Returns
    -------
    FitResult
        Direct solvers report n_iter = 1 and the duality gap of their solution (rounding level).

    Examples
    --------
    >>> import numpy as np, l1l2
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> l1l2.ridge(X, [0.1, 1.0, 2.1, 2.9], alpha=0.1).coef.round(3)
    array([0.884, 0.024])
    """
    solver = v.check_option(solver, "solver", SOLVERS)
    if solver == "cd":
        return _fit_enet(X, y, alpha, 0.0, fit_intercept=fit_intercept, sample_weight=sample_weight,
                         positive=False, penalty_factor=penalty_factor, tol=tol,
                         max_iter=max_iter, coef_init=coef_init, precompute=precompute,
                         threads=threads)
    X, y = v.check_Xy(X, y, accept_sparse=False)
    n_samples, n_features = X.shape
    alpha = v.check_alpha(alpha)
    fit_intercept = v.check_flag(fit_intercept, "fit_intercept")
    weights = v.check_sample_weight(sample_weight, n_samples)
    factors = v.check_penalty_factor(penalty_factor, n_features)
    # the coordinate-descent settings do not apply to a direct solve, but are still checked
    v.check_tol(tol), v.check_max_iter(max_iter), v.check_precompute(precompute)
    v.check_threads(threads)
    Y = y.reshape(n_samples, -1)
    v.check_coef_init(coef_init, (n_features,) if y.ndim == 1 else (Y.shape[1], n_features), X.dtype)
    W, b, loss, gap = ridge_direct(X, Y, alpha, weights, factors, fit_intercept, solver)
    objective = enet_objective_from_loss(loss, n_samples, W, alpha, 0.0, factors)
    fits = DirectFits(W.astype(X.dtype), b, gap, np.ones(len(b), dtype=np.int64),
                      np.isfinite(gap) & np.all(np.isfinite(W), axis=1))
    return FitResult.from_targets(fits, objective, alpha=alpha, l1_ratio=0.0, loss="squared",
                                  one_target=y.ndim == 1)


class DirectFits(NamedTuple):
    """A direct solver's answers per target (or per alpha), in the fields results are built from."""
    coef: np.ndarray
    intercept: np.ndarray
    dual_gap: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray


class Spectrum:
    """One eigendecomposition of the smaller Gram of B, for every alpha at once.

    B = U diag(sigma) V' with rank r: n >= r uses A = B'B = V sigma^2 V', p > n uses K = BB' =
    U sigma^2 U'. Kept: the Gram, sigma2 (r,), its eigenvectors (basis) and u = U'y~ (r,).
    """

    def __init__(self, design):
        B = np.asarray(design.B, dtype=np.float64)      # no copy for float64 data
        self.y = design.Yt[:, 0]
        self.tall = B.shape[0] >= B.shape[1]
        self.gram = B.T @ B if self.tall else B @ B.T
        sigma2, basis = scipy.linalg.eigh(self.gram, check_finite=False)
        # eigenvalues of a Gram carry absolute error ~ eps * the largest: cut at that level
        keep = significant(sigma2, B.shape, design.B.dtype)
        self.sigma2, self.basis, self.B = sigma2[keep], basis[:, keep], B
        self.rhs = B.T @ self.y
        self.u = (self.basis.T @ self.rhs) / np.sqrt(self.sigma2) if self.tall else self.basis.T @ self.y

    def left_vectors(self):
        """U (n, r): an extra product when tall (leave-one-out needs it)."""
        return self.B @ self.basis / np.sqrt(self.sigma2) if self.tall else self.basis

    def solve(self, lams):
        """(V (r_B, T), loss (T,), gap (T,)) at each lam, as in solve(): certificates from the Gram."""
        lams = np.asarray(lams, dtype=np.float64)
        shrink = self.u[:, None] / (self.sigma2[:, None] + lams[None, :])
        n = self.B.shape[0]
        if self.tall:
            V = self.basis @ (np.sqrt(self.sigma2)[:, None] * shrink)
            AV = self.gram @ V
            g = self.rhs[:, None] - AV
            loss = self.y @ self.y - 2 * self.rhs @ V + np.einsum("jt,jt->t", V, AV)
            exact = column_norms2((self.basis.T @ g) / np.sqrt(self.sigma2)[:, None]) / (2 * n)
            residual_gap = column_norms2(lams * V - g) / (2 * np.where(lams > 0, lams, 1) * n)
            return V, np.maximum(loss, 0.0), np.where(lams > 0, residual_gap, exact)
        C = self.basis @ shrink
        theta = self.y[:, None] - self.gram @ C
        z = lams * C - theta
        residual_gap = np.einsum("it,it->t", z, self.gram @ z) / (2 * np.where(lams > 0, lams, 1) * n)
        exact = column_norms2(self.basis.T @ theta) / (2 * n)
        return (self.B.T @ C, column_norms2(theta),
                np.maximum(np.where(lams > 0, residual_gap, exact), 0.0))

    def df(self, lams):
        """Effective degrees of freedom sum_k sigma_k^2 / (sigma_k^2 + lam) at each lam."""
        return (self.sigma2[None, :] / (self.sigma2[None, :] + np.asarray(lams)[:, None])).sum(axis=1)


def ridge_path(X, y, *, alphas=None, n_alphas=50, alpha_min_ratio=None, fit_intercept=True,
               sample_weight=None, penalty_factor=None):
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
    return fit_ridge_path(options.X, options.y, options)[0]


def ridge_options(X, y, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight,
                  penalty_factor):
    """The validated arguments of ridge_path and ridge_cv (the path options without CD settings)."""
    return v.check_path_options(X, y, 0.0, alphas=alphas, n_alphas=n_alphas,
                                alpha_min_ratio=alpha_min_ratio, fit_intercept=fit_intercept,
                                sample_weight=sample_weight, positive=False,
                                penalty_factor=penalty_factor, tol=1e-7, max_iter=1,
                                precompute="auto", verbose=False, accept_sparse=False)


def fit_ridge_path(X, y, options, alphas=None, weights=None):
    """(PathResult, RidgeDesign, Spectrum) of validated data; alphas and weights override."""
    weights = options.sample_weight if weights is None else weights
    factors = options.penalty_factor
    n_samples, n_features = X.shape
    design = RidgeDesign(X, y[:, None], weights, factors, options.fit_intercept)
    spectrum = Spectrum(design)
    if alphas is None:
        alphas = options.alphas
    if alphas is None:
        # x_j . S y_c / n of the penalised features (after the unpenalised fit): B_j = x_j / sqrt(f_j)
        scores = spectrum.rhs / design.inv_root_f / n_samples
        alpha_max = alpha_max_from_scores(scores, factors[design.penalised], 0.0, False)
        alphas = default_alphas(alpha_max, options.n_alphas, options.alpha_min_ratio, n_samples,
                                n_features)
    lams = n_samples * np.asarray(alphas)
    V, loss, gaps = spectrum.solve(lams)
    W = design.coefficients(V)
    b = design.intercepts(W)
    objectives = enet_objective_from_loss(loss, n_samples, W, np.asarray(alphas), 0.0, factors)
    fits = [DirectFits(W[t].astype(X.dtype), b[t], gaps[t], 1, bool(np.isfinite(gaps[t])))
            for t in range(len(lams))]
    df = spectrum.df(lams) + (design.basis.shape[1] if design.basis is not None else 0)
    path = PathResult.from_fits(alphas, fits, objectives, l1_ratio=0.0, df=df)
    return path, design, spectrum


def ridge_cv(X, y, *, alphas=None, n_alphas=50, alpha_min_ratio=None, cv="loo", fit_intercept=True,
             sample_weight=None, penalty_factor=None, random_state=0, threads=None):
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
    path, design, spectrum = fit_ridge_path(options.X, options.y, options)
    if closed_form:
        errors = (loo_errors if cv == "loo" else gcv_errors)(design, spectrum, path.alphas,
                                                            options.fit_intercept)
        fold_ids = np.arange(n_samples) if cv == "loo" else np.full(n_samples, -1)
        return CVResult.from_errors(path, errors, fold_ids)
    splits, fold_ids = kfold(n_samples, cv, random_state) if isinstance(cv, int) else cv
    errors = parallel_map(lambda split: held_out_ridge(options, *split, path.alphas), splits, threads)
    return CVResult.from_errors(path, np.array(errors), fold_ids)


def loo_errors(design, spectrum, alphas, fit_intercept):
    """(n, T) weighted squared leave-one-out errors s_i e_i^2 (normalised weights), exactly.

    Leaving sample i out of the package's objective leaves the penalty lam_i = (n - s_i) alpha on
    the scaled problem ||y~ - B v||^2 + lam ||v||^2 (the loss now sums to n - s_i), so by the
    Sherman-Morrison identity e_i = r_i(lam_i) / (sqrt(s_i) (1 - h_ii(lam_i))): the residual and
    leverage of the full fit at that penalty. With the intercept and the unpenalised columns
    orthogonal to B, h_ii = s_i / n + |Q_i|^2 + sum_k U_ik^2 sigma_k^2 / (sigma_k^2 + lam_i).
    Samples sharing a weight share lam_i: each group costs two matrix products for all alphas.
    """
    s, n = design.weights, design.n_samples
    U = spectrum.left_vectors()
    fixed = (s / n if fit_intercept else np.zeros(n))
    if design.basis is not None:
        fixed = fixed + (design.basis**2).sum(axis=1)
    y = design.Yt[:, 0]
    errors = np.zeros((n, len(alphas)))
    values, group = np.unique(s, return_inverse=True)
    for g, weight in enumerate(values):
        rows = np.flatnonzero(group == g)
        keep = spectrum.sigma2[:, None] / (spectrum.sigma2[:, None] + (n - weight) * alphas[None, :])
        leverage = fixed[rows, None] + U[rows]**2 @ keep
        residual = y[rows, None] - (U[rows] * spectrum.u) @ keep
        if weight > 0:      # a sample of zero weight counts for nothing
            errors[rows] = (residual / (1 - leverage))**2   # s_i e_i^2 in the scaled units
    return errors


def gcv_errors(design, spectrum, alphas, fit_intercept):
    """(1, T) generalised cross-validation: (sum_i s_i r_i^2 / n) / (1 - df / n)^2."""
    n = design.n_samples
    lams = n * np.asarray(alphas)
    keep = spectrum.sigma2[None, :] / (spectrum.sigma2[None, :] + lams[:, None])
    y = design.Yt[:, 0]
    fitted_norm2 = ((keep * spectrum.u[None, :])**2).sum(axis=1)
    cross = (keep * spectrum.u[None, :]**2).sum(axis=1)
    rss = y @ y - 2 * cross + fitted_norm2
    df = keep.sum(axis=1) + int(fit_intercept) + (design.basis.shape[1] if design.basis is not None else 0)
    return (rss / n / (1 - df / n)**2)[None, :]


def held_out_ridge(options, train, test, alphas):
    """Weighted mean squared error on the test rows of the ridge path fitted on the train rows."""
    path = fit_ridge_path(options.X[train], options.y[train], options, alphas=alphas,
                          weights=train_weights(options, train))[0]
    return held_out_mse(options, path, test)
