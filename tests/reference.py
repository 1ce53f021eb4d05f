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


def objective(X, y, coef, intercept, alpha, l1_ratio=1.0, *, sample_weight=None, penalty_factor=None):
    """Return P(coef, intercept) for one target."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64)
    n, p = X.shape
    s = normalised_weights(sample_weight, n)
    f = penalty_factors(penalty_factor, p)
    r = y - X @ w - intercept
    loss = 0.5 * (s @ (r * r)) / n
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
