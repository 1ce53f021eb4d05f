"""Slow, obviously correct twins of the l1l2 solvers (NumPy, float64, one target at a time).

Objective (glmnet convention) for one target y of length n:

    P(w, b) = 1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha sum_j f_j (rho |w_j| + (1 - rho)/2 w_j^2)

s are the sample weights rescaled to sum to n, f the penalty factors (f_j = 0: unpenalised), rho the
l1_ratio (1 for lasso, 0 for ridge) and b the unpenalised intercept, b = mean_s(y) - mean_s(X) . w.
Legend: n, p sizes; s weights; f penalty factors; l1 = alpha rho f, l2 = alpha (1 - rho) f the per-feature
penalties; colsq_j = sum_i s_i xc_ij^2 / n; "scale" = sum_i s_i yc_i^2 / n, the unit of tol and dual_gap
(xc, yc: weighted-centred when fitting an intercept, raw otherwise).

Nothing here is fast or clever: every function is written to be checked by reading it.
"""

import numpy as np
import scipy.optimize
import scipy.sparse


def normalised_weights(sample_weight, n_samples):
    """Return the weights rescaled to sum to n_samples (ones when None)."""
    if sample_weight is None:
        return np.ones(n_samples)
    s = np.asarray(sample_weight, dtype=np.float64)
    return s * (n_samples / s.sum())


def penalty_factors(penalty_factor, n_features):
    """Return the penalty factors as float64 (ones when None)."""
    if penalty_factor is None:
        return np.ones(n_features)
    return np.asarray(penalty_factor, dtype=np.float64)


def centre(X, y, sample_weight=None, fit_intercept=True):
    """Return (xc, yc, x_mean, y_mean, s): weighted-centred data when fitting an intercept."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    s = normalised_weights(sample_weight, n)
    if fit_intercept:
        x_mean = s @ X / n
        y_mean = s @ y / n
    else:
        x_mean = np.zeros(X.shape[1])
        y_mean = np.zeros(y.shape[1:])
    return X - x_mean, y - y_mean, x_mean, y_mean, s


def scale(y, sample_weight=None, fit_intercept=True):
    """Return sum_i s_i yc_i^2 / n (per column for 2-D y), the unit of tol and dual_gap."""
    y = np.asarray(y, dtype=np.float64)
    n = y.shape[0]
    s = normalised_weights(sample_weight, n)
    if fit_intercept:
        y = y - s @ y / n
    return s @ (y * y) / n


def intercept(X, y, coef, sample_weight=None, fit_intercept=True):
    """Return the optimal intercept for coef: mean_s(y) - mean_s(X) . coef (0 without intercept)."""
    if not fit_intercept:
        return 0.0
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    s = normalised_weights(sample_weight, n)
    return s @ np.asarray(y, dtype=np.float64) / n - (s @ X / n) @ np.asarray(coef, dtype=np.float64)


def fit_terms(X, y, coef, intercept, sample_weight, penalty_factor):
    """(r, s / n, f, w): residuals, the weights of the loss, penalty factors and coefficients."""
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64)
    n, p = X.shape
    r = np.asarray(y, dtype=np.float64) - X @ w - intercept
    return r, normalised_weights(sample_weight, n) / n, penalty_factors(penalty_factor, p), w


def objective(X, y, coef, intercept, alpha, l1_ratio=1.0, *, sample_weight=None, penalty_factor=None):
    """Return P(coef, intercept) for one target."""
    r, c, f, w = fit_terms(X, y, coef, intercept, sample_weight, penalty_factor)
    loss = 0.5 * (c @ (r * r))
    penalty = alpha * (f @ (l1_ratio * np.abs(w) + 0.5 * (1.0 - l1_ratio) * w * w))
    return loss + penalty


def alpha_max(X, y, l1_ratio=1.0, *, sample_weight=None, penalty_factor=None, fit_intercept=True,
              positive=False):
    """Return the smallest alpha whose solution is w = 0 (needs l1_ratio > 0 and every f_j > 0).

    w = 0 is optimal iff |xc_j' S yc| / n <= alpha rho f_j for all j (xc_j' S yc / n <= ... when positive).
    """
    xc, yc, _, _, s = centre(X, y, sample_weight, fit_intercept)
    n, p = xc.shape
    f = penalty_factors(penalty_factor, p)
    correlation = xc.T @ (s * yc) / n
    if not positive:
        correlation = np.abs(correlation)
    return max(np.max(correlation / f), 0.0) / l1_ratio


def coordinate_descent(X, y, alpha, l1_ratio=1.0, *, fit_intercept=True, sample_weight=None,
                       positive=False, penalty_factor=None, max_epochs=200_000, step_tol=1e-26):
    """Minimise P by plain cyclic coordinate descent; return (coef, intercept).

    Stops when the largest epoch step colsq_j (w_j_new - w_j_old)^2 falls below step_tol * scale.
    A zero column (after centring) of an unpenalised feature is not identifiable; its coef stays 0.
    """
    xc, yc, x_mean, y_mean, s = centre(X, y, sample_weight, fit_intercept)
    n, p = xc.shape
    f = penalty_factors(penalty_factor, p)
    l1 = alpha * l1_ratio * f
    l2 = alpha * (1.0 - l1_ratio) * f
    colsq = s @ (xc * xc) / n
    stop = step_tol * (s @ (yc * yc) / n)
    w = np.zeros(p)
    r = yc.copy()
    for _ in range(max_epochs):
        largest_step = 0.0
        for j in range(p):
            if colsq[j] + l2[j] == 0.0:
                continue
            z = xc[:, j] @ (s * r) / n + colsq[j] * w[j]
            new = np.sign(z) * max(abs(z) - l1[j], 0.0) / (colsq[j] + l2[j])
            if positive:
                new = max(new, 0.0)
            delta = new - w[j]
            if delta != 0.0:
                r -= delta * xc[:, j]
                w[j] = new
                largest_step = max(largest_step, colsq[j] * delta * delta)
        if largest_step <= stop:
            break
    else:
        raise RuntimeError("reference coordinate descent did not converge; use a smaller problem")
    return w, float(y_mean - x_mean @ w)


def kkt_violation(X, y, coef, intercept, alpha, l1_ratio=1.0, *, sample_weight=None, penalty_factor=None,
                  positive=False, fit_intercept=True):
    """Return the largest violation of the optimality conditions of P, made dimensionless.

    With g = grad_w of the loss = -X' (s * r) / n and r = y - X w - b, optimality reads
        w_j > 0:  g_j + l1_j + l2_j w_j = 0
        w_j < 0:  g_j - l1_j + l2_j w_j = 0           (impossible when positive)
        w_j = 0:  |g_j| <= l1_j,  or  g_j >= -l1_j    when positive
        intercept: sum_i s_i r_i = 0                   (b = 0 without an intercept)
    Unpenalised features (f_j = 0) thus need g_j = 0. Feature violations are divided by
    sqrt(scale * max colsq), a bound on |g_j| at w = 0, the intercept's |mean_s(r)| by sqrt(scale);
    a negative coef under positive=True, or a nonzero intercept without one, is an infinite violation.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64)
    n, p = X.shape
    s = normalised_weights(sample_weight, n)
    f = penalty_factors(penalty_factor, p)
    l1 = alpha * l1_ratio * f
    l2 = alpha * (1.0 - l1_ratio) * f
    if positive and np.any(w < 0):
        return np.inf
    if not fit_intercept and intercept != 0:
        return np.inf
    r = y - X @ w - intercept
    g = -(X.T @ (s * r)) / n
    violation = np.where(
        w > 0,
        np.abs(g + l1 + l2 * w),
        np.where(
            w < 0,
            np.abs(g - l1 + l2 * w),
            np.maximum(-g - l1, 0.0) if positive else np.maximum(np.abs(g) - l1, 0.0),
        ),
    )
    xc, yc, _, _, _ = centre(X, y, sample_weight, fit_intercept)
    root_scale = np.sqrt(s @ (yc * yc) / n)
    unit = root_scale * np.sqrt(np.max(s @ (xc * xc) / n))
    worst = np.max(violation) / unit if unit > 0 else np.max(violation)
    if fit_intercept:
        worst = max(worst, abs(s @ r) / n / root_scale if root_scale > 0 else abs(s @ r) / n)
    return worst


def ridge_closed_form(X, y, alpha, *, fit_intercept=True, sample_weight=None, penalty_factor=None):
    """Solve the ridge normal equations (xc' S xc / n + alpha diag(f)) w = xc' S yc / n.

    y may be 2-D (n, k); returns (coef, intercept) with coef (p,) or (k, p).
    """
    xc, yc, x_mean, y_mean, s = centre(X, y, sample_weight, fit_intercept)
    n, p = xc.shape
    f = penalty_factors(penalty_factor, p)
    gram = xc.T @ (s[:, None] * xc) / n + alpha * np.diag(f)
    rhs = xc.T @ (s[:, None] * yc.reshape(n, -1)) / n
    w = np.linalg.solve(gram, rhs).T  # (k, p)
    b = y_mean - w @ x_mean  # (k,)
    if np.ndim(y) == 1:
        return w[0], float(b[0])
    return w, b


# --------------------------------------------------------------------------------------------------
# LAD and quantile regression: the check loss, solved as linear programs by HiGHS
#
#     P(w, b) = 1/n sum_i s_i rho(y_i - x_i.w - b) + alpha sum_j f_j |w_j|
#
# with rho(r) = |r| for LAD (q=None) and rho(r) = r (q - [r < 0]) for quantile q. Written
# rho(r) = max(lo r, hi r) with (lo, hi) = (-1, 1) for LAD and (q - 1, q) for quantile q.

# HiGHS's default feasibility tolerances are 1e-7; these are as tight as it accepts comfortably.
HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def check_loss_slopes(q=None):
    """Return (lo, hi): rho(r) = hi r for r >= 0 and lo r below. q=None is LAD, |r|."""
    return (-1.0, 1.0) if q is None else (q - 1.0, q)


def check_loss(r, q=None):
    """Return rho(r) elementwise: |r| for q=None, r (q - [r < 0]) otherwise."""
    r = np.asarray(r, dtype=np.float64)
    if q is None:
        return np.abs(r)
    return r * (q - (r < 0))


def quantile_objective(X, y, coef, intercept, alpha, q=None, *, sample_weight=None, penalty_factor=None):
    """Return P(coef, intercept) for one target (q=None: LAD)."""
    r, c, f, w = fit_terms(X, y, coef, intercept, sample_weight, penalty_factor)
    return float(c @ check_loss(r, q) + alpha * (f @ np.abs(w)))


def lp_terms(X, y, q, sample_weight, penalty_factor):
    """(X, y, n, p, lo, hi, c, f) as float64: the data, the loss slopes, c = s / n and the factors."""
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    lo, hi = check_loss_slopes(q)
    return (X, np.asarray(y, dtype=np.float64), n, p, lo, hi,
            normalised_weights(sample_weight, n) / n, penalty_factors(penalty_factor, p))


def _linprog(cost, **kwargs):
    result = scipy.optimize.linprog(cost, method="highs", options=HIGHS_OPTIONS, **kwargs)
    if result.status != 0:
        raise RuntimeError(f"reference LP failed: {result.message}")
    return result


def quantile_lp(X, y, alpha, q=None, *, fit_intercept=True, sample_weight=None, penalty_factor=None):
    """Solve the primal LP; return (coef, intercept, optimum), optimum = quantile_objective there.

    Variables [w+ (p), w- (p), b (free, only with an intercept), u (n), v (n)] >= 0 but b:
        minimise  alpha f.(w+ + w-) + sum_i c_i (hi u_i - lo v_i),   c = s / n
        such that X (w+ - w-) + b + u - v = y
    so that u_i = max(r_i, 0), v_i = max(-r_i, 0) at the optimum and the cost is P.
    """
    X, y, n, p, lo, hi, c, f = lp_terms(X, y, q, sample_weight, penalty_factor)
    n_b = 1 if fit_intercept else 0
    eye = scipy.sparse.identity(n, format="csr")
    A_eq = scipy.sparse.hstack([X, -X, np.ones((n, n_b)), eye, -eye], format="csr")
    cost = np.concatenate([alpha * f, alpha * f, np.zeros(n_b), hi * c, -lo * c])
    bounds = [(0, None)] * (2 * p) + [(None, None)] * n_b + [(0, None)] * (2 * n)
    x = _linprog(cost, A_eq=A_eq, b_eq=y, bounds=bounds).x
    coef = x[:p] - x[p:2 * p]
    b = float(x[2 * p]) if fit_intercept else 0.0
    optimum = quantile_objective(X, y, coef, b, alpha, q, sample_weight=sample_weight,
                                 penalty_factor=penalty_factor)
    return coef, b, optimum


def quantile_dual_lp(X, y, alpha, q=None, *, fit_intercept=True, sample_weight=None, penalty_factor=None):
    """Return the optimum of the dual LP (equal to the primal optimum, up to HiGHS's tolerances):

        maximise  sum_i c_i d_i y_i   over lo <= d_i <= hi
        such that |sum_i c_i d_i x_ij| <= alpha f_j  for every j,  and  sum_i c_i d_i = 0 (intercept)

    (rho(r) = max over d in [lo, hi] of d r; minimising over w and b gives the constraints.)
    """
    X, y, n, p, lo, hi, c, f = lp_terms(X, y, q, sample_weight, penalty_factor)
    cX = (X * c[:, None]).T                                       # (p, n): row j is c_i x_ij
    A_eq, b_eq = (c[None, :], [0.0]) if fit_intercept else (None, None)
    result = _linprog(-(c * y), A_ub=np.vstack([cX, -cX]), b_ub=np.concatenate([alpha * f, alpha * f]),
                      A_eq=A_eq, b_eq=b_eq, bounds=[(lo, hi)] * n)
    return float(-result.fun)


def quantile_alpha_max(X, y, q=None, *, fit_intercept=True, sample_weight=None, penalty_factor=None):
    """Return the smallest alpha at which every penalised coefficient may be 0 (0 if none is penalised).

    That alpha is the least tau for which some dual point d of the fit restricted to the unpenalised
    features U (and the intercept) is optimal there and has |sum_i c_i d_i x_ij| <= tau f_j for every
    penalised j. Optimality of d is written as a zero duality gap against a primal point of the
    restricted fit, so the whole question is one LP in (beta_U free, u, v >= 0, d in [lo, hi], tau >= 0):

        minimise  tau
        such that Z_U beta_U + u - v = y                       (primal point, residual r = u - v)
                  Z_U' (c d) = 0                               (d dual feasible for the restricted fit)
                  -tau f_j <= x_j . (c d) <= tau f_j           (penalised j)
                  sum_i c_i (hi u_i - lo v_i) - sum_i c_i d_i y_i <= 0   (no gap: both optimal)
    """
    X, y, n, p, lo, hi, c, f = lp_terms(X, y, q, sample_weight, penalty_factor)
    penalised = f > 0
    if not penalised.any():
        return 0.0
    Z = X[:, ~penalised]
    if fit_intercept:
        Z = np.hstack([Z, np.ones((n, 1))])
    k = Z.shape[1]
    cX = (X[:, penalised] * c[:, None]).T                         # (m, n)
    m = cX.shape[0]
    zeros = np.zeros
    eye = scipy.sparse.identity(n, format="csr")
    # columns: beta (k), u (n), v (n), d (n), tau (1)
    A_eq = scipy.sparse.vstack([
        scipy.sparse.hstack([Z, eye, -eye, scipy.sparse.csr_matrix((n, n + 1))]),
        scipy.sparse.hstack([scipy.sparse.csr_matrix((k, k + 2 * n)), (Z * c[:, None]).T, zeros((k, 1))]),
    ], format="csr")
    b_eq = np.concatenate([y, zeros(k)])
    fp = f[penalised][:, None]
    A_ub = scipy.sparse.vstack([
        scipy.sparse.hstack([scipy.sparse.csr_matrix((m, k + 2 * n)), cX, -fp]),
        scipy.sparse.hstack([scipy.sparse.csr_matrix((m, k + 2 * n)), -cX, -fp]),
        np.concatenate([zeros(k), hi * c, -lo * c, -(c * y), [0.0]])[None, :],
    ], format="csr")
    b_ub = zeros(2 * m + 1)
    cost = np.concatenate([zeros(k + 3 * n), [1.0]])
    bounds = [(None, None)] * k + [(0, None)] * (2 * n) + [(lo, hi)] * n + [(0, None)]
    return float(_linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds).x[-1])
