"""lasso, elastic_net and ridge (solver="cd"): validation, one kernel call per target, a FitResult."""
from typing import NamedTuple

import numpy as np

from l1l2 import _validation as v
from l1l2._kernels._cd import Status, cd_dense
from l1l2._objectives import enet_objective_from_residual
from l1l2._prepare import initial_residual, prepare_design, prepare_target
from l1l2._results import FitResult
from l1l2._warnings import warn_if_not_converged

# float32 cannot certify a relative gap much below its own precision: the residual it updates in
# place drifts by about eps32 relative. Below this floor the gap test would only burn sweeps.
FLOAT32_TOL_FLOOR = 1e-6


def lasso(X, y, alpha, *, fit_intercept=True, sample_weight=None, positive=False,
          penalty_factor=None, tol=1e-7, max_iter=10_000, coef_init=None):
    """Fit the Lasso by coordinate descent, certified by its duality gap.

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha sum_j f_j |w_j|``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Design matrix; float32 stays float32 (the fit runs in float32), other numeric input becomes
        float64. A Fortran-ordered float array is used without a copy.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Response; a 2-D y fits each column independently.
    alpha : float >= 0
        Regularisation strength.
    fit_intercept : bool
        Fit an unpenalised intercept (by weighted centring; X is never modified).
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights s_i, normalised internally to sum to n_samples.
    positive : bool
        Constrain the coefficients to be >= 0.
    penalty_factor : array-like of shape (n_features,), optional
        Per-feature multipliers f_j >= 0 of the penalty, used as given (0 leaves a feature
        unpenalised). glmnet rescales its penalty.factor to sum to n_features; l1l2 does not.
    tol : float >= 0
        Stop when the duality gap is at most ``tol * sum_i s_i y_i^2 / n`` (y centred when there is an
        intercept). For float32 input tol is raised to at least 1e-6.
    max_iter : int >= 1
        Maximum number of coordinate-descent sweeps, counting both the full sweeps over all features
        and the cheaper sweeps over the nonzero coefficients between them.
    coef_init : array-like of shape (n_features,) or (n_targets, n_features), optional
        Warm start.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError, TypeError
        For invalid input; the message names the argument.

    Warns
    -----
    ConvergenceWarning
        Once per call when some target stops at max_iter (its ``converged`` is False).

    Notes
    -----
    The duality gap bounds the suboptimality of the returned objective.

    References
    ----------
    Friedman, Hastie and Tibshirani (2010), Regularization paths for generalized linear models via
    coordinate descent, J. Stat. Softw. 33(1).

    Examples
    --------
    >>> import numpy as np, l1l2
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> fit = l1l2.lasso(X, [0.1, 1.0, 2.1, 2.9], alpha=0.1)
    >>> fit.active
    array([0])
    """
    return _fit_enet(X, y, alpha, 1.0, fit_intercept=fit_intercept, sample_weight=sample_weight,
                     positive=positive, penalty_factor=penalty_factor, tol=tol, max_iter=max_iter,
                     coef_init=coef_init)


def elastic_net(X, y, alpha, l1_ratio=0.5, *, fit_intercept=True, sample_weight=None, positive=False,
                penalty_factor=None, tol=1e-7, max_iter=10_000, coef_init=None):
    """Fit the elastic net by coordinate descent, certified by its duality gap.

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha sum_j f_j (rho |w_j| + (1-rho)/2 w_j^2)``
    with ``rho = l1_ratio`` in [0, 1] (1: Lasso, 0: Ridge). Other parameters, returns and errors
    as in :func:`lasso`.

    Examples
    --------
    >>> import numpy as np, l1l2
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> fit = l1l2.elastic_net(X, [0.1, 1.0, 2.1, 2.9], alpha=0.1, l1_ratio=0.5)
    >>> fit.converged
    True
    """
    return _fit_enet(X, y, alpha, l1_ratio, fit_intercept=fit_intercept, sample_weight=sample_weight,
                     positive=positive, penalty_factor=penalty_factor, tol=tol, max_iter=max_iter,
                     coef_init=coef_init)


def ridge(X, y, alpha, *, solver="cd", fit_intercept=True, sample_weight=None, penalty_factor=None,
          tol=1e-7, max_iter=10_000, coef_init=None):
    """Fit ridge regression.

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha/2 sum_j f_j w_j^2``: the elastic net with
    l1_ratio = 0. solver="cd" (the only solver so far) is coordinate descent certified by the
    duality gap; alpha = 0 is least squares. Other parameters, returns and errors as in
    :func:`lasso`.

    Examples
    --------
    >>> import numpy as np, l1l2
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> l1l2.ridge(X, [0.1, 1.0, 2.1, 2.9], alpha=0.1).coef.round(3)
    array([0.884, 0.024])
    """
    v.check_option(solver, "solver", ("cd",))
    return _fit_enet(X, y, alpha, 0.0, fit_intercept=fit_intercept, sample_weight=sample_weight,
                     positive=False, penalty_factor=penalty_factor, tol=tol, max_iter=max_iter,
                     coef_init=coef_init)


def _fit_enet(X, y, alpha, l1_ratio, *, fit_intercept, sample_weight, positive, penalty_factor,
              tol, max_iter, coef_init):
    """Validate, prepare X once, run the CD kernel per target, warn once, return a FitResult."""
    X, y = v.check_Xy(X, y)
    n_samples, n_features = X.shape
    alpha = v.check_alpha(alpha)
    l1_ratio = v.check_l1_ratio(l1_ratio)
    fit_intercept = v.check_flag(fit_intercept, "fit_intercept")
    positive = v.check_flag(positive, "positive")
    weights = v.check_sample_weight(sample_weight, n_samples)
    factors = v.check_penalty_factor(penalty_factor, n_features)
    tol = v.check_tol(tol)
    max_iter = v.check_max_iter(max_iter)
    Y = y.reshape(n_samples, -1)
    coef_init = v.check_coef_init(coef_init, (n_features,) if y.ndim == 1 else (Y.shape[1], n_features),
                                  X.dtype)
    W0 = (np.zeros((Y.shape[1], n_features), X.dtype) if coef_init is None
          else coef_init.reshape(-1, n_features))

    design = prepare_design(X, weights, fit_intercept, alpha * factors)
    l1 = (alpha * l1_ratio * factors).astype(X.dtype)
    l2 = (alpha * (1 - l1_ratio) * factors).astype(X.dtype)
    fits = [_cd_target(design, Y[:, k], W0[k], l1, l2, positive, fit_intercept, tol, max_iter)
            for k in range(Y.shape[1])]
    objective = [enet_objective_from_residual(fit.residual, fit.coef, alpha, l1_ratio, weights, factors)
                 for fit in fits]
    # stacklevel 3: this function, then the public function, then the user's line.
    warn_if_not_converged([fit.converged for fit in fits], [fit.relative_gap for fit in fits], tol,
                          max_iter, stacklevel=3)
    return FitResult.from_targets(fits, objective, alpha=alpha, l1_ratio=l1_ratio, loss="squared",
                                  one_target=y.ndim == 1)


class TargetFit(NamedTuple):
    """The kernel's answer for one target."""
    coef: np.ndarray
    intercept: float
    residual: np.ndarray      # y - X coef - intercept, recomputed from scratch by the kernel
    dual_gap: float
    relative_gap: float       # dual_gap / (sum_i s_i y_c,i^2 / n): what tol is compared with
    n_iter: int
    converged: bool


def _cd_target(design, y, coef_init, l1, l2, positive, fit_intercept, tol, max_iter):
    """Run the CD kernel on one target from coef_init (not modified)."""
    y_centred, y_mean, scale = prepare_target(design, y, fit_intercept)
    scale = scale if scale > 0 else np.finfo(np.float64).tiny
    if design.X.dtype == np.float32:
        tol = max(tol, FLOAT32_TOL_FLOOR)
    w = coef_init.copy()
    r = initial_residual(design, y_centred, w)
    status, n_iter, gap = cd_dense(
        design.X, y_centred, w, r, design.sample_weight, design.offsets, design.colsq, l1, l2,
        positive, design.unpenalised, design.unpenalised_gram, max_iter, tol * scale)
    gap = max(gap, 0.0)   # >= 0 in exact arithmetic; rounding may leave a tiny negative
    intercept = y_mean - design.x_mean @ w.astype(np.float64) if fit_intercept else 0.0
    return TargetFit(w, float(intercept), r, gap, gap / scale, n_iter, status == Status.CONVERGED)
