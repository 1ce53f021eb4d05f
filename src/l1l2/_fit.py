"""lasso, elastic_net and ridge (solver="cd"): validation, one kernel call per target, a FitResult."""
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from l1l2 import _validation as v
from l1l2._kernels._cd import Status, cd_csc, cd_dense, cd_gram
from l1l2._objectives import enet_objective_from_loss
from l1l2._parallel import n_workers, parallel_map
from l1l2._prepare import gram_choice, initial_state, prepare_design, prepare_targets
from l1l2._results import FitResult
from l1l2._typing import Design, Precompute
from l1l2._warnings import warn_if_not_converged

# float32 cannot certify a relative gap much below its own precision: the residual it updates in
# place drifts by about eps32 relative. Below this floor the gap test would only burn sweeps.
FLOAT32_TOL_FLOOR = 1e-6


def lasso(X: Design, y: ArrayLike, alpha: float, *, fit_intercept: bool = True,
          sample_weight: ArrayLike | None = None, positive: bool = False,
          penalty_factor: ArrayLike | None = None, tol: float = 1e-7, max_iter: int = 10_000,
          coef_init: ArrayLike | None = None, precompute: Precompute = "auto",
          threads: int | None = None, max_seconds: float | None = None) -> FitResult:
    """Fit the Lasso by coordinate descent, certified by its duality gap.

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha sum_j f_j |w_j|``.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix/array of shape (n_samples, n_features)
        Design matrix; float32 stays float32 (the fit runs in float32), other numeric input becomes
        float64. A Fortran-ordered float array is used without a copy. Sparse X is never densified
        (nor centred: the kernel centres implicitly): a CSC matrix with float values and sorted
        indices (int32 or int64) is used without a copy; other formats, integer values and unsorted
        or duplicate indices (summed) cost one converted copy.
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
    precompute : "auto", True or False
        Covariance mode: run CD on the Gram matrix (X - m)' S (X - m) instead of X, which costs one
        pass of O(n p^2) and then O(p) per coordinate update. "auto" uses it when n > p and the
        expected passes over X (about 10 per fit, per target of a 2-D y) cost more than the Gram.
    threads : int or None
        Threads for the Gram matrix (covariance mode) and, for a 2-D y, the targets (the kernels
        release the GIL): None or -1 for all cores, 1 for sequential. Results are identical
        either way.
    max_seconds : float > 0, optional
        Stop after about this many seconds of wall time (checked about every millisecond of work)
        and return the coefficients reached, with their duality gap, ``converged=False`` and a
        ConvergenceWarning. None: no limit. Ctrl-C (KeyboardInterrupt) stops any fit within a few
        milliseconds either way.

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
        Once per call when some target stops at max_iter or max_seconds (its ``converged`` is
        False).

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
                     coef_init=coef_init, precompute=precompute, threads=threads,
                     max_seconds=max_seconds)


def elastic_net(X: Design, y: ArrayLike, alpha: float, l1_ratio: float = 0.5, *,
                fit_intercept: bool = True, sample_weight: ArrayLike | None = None,
                positive: bool = False, penalty_factor: ArrayLike | None = None, tol: float = 1e-7,
                max_iter: int = 10_000, coef_init: ArrayLike | None = None,
                precompute: Precompute = "auto", threads: int | None = None,
                max_seconds: float | None = None) -> FitResult:
    """Fit the elastic net by coordinate descent, certified by its duality gap.

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha sum_j f_j (rho |w_j| + (1-rho)/2 w_j^2)``
    with ``rho = l1_ratio`` (1: Lasso, 0: Ridge).

    Parameters
    ----------
    l1_ratio : float in [0, 1]
        The L1 share rho of the penalty.
    X, y, alpha, fit_intercept, sample_weight, positive, penalty_factor, tol, max_iter, coef_init, \
precompute, threads, max_seconds
        As in :func:`lasso`.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError, TypeError
        For invalid input; the message names the argument.

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
                     coef_init=coef_init, precompute=precompute, threads=threads,
                     max_seconds=max_seconds)


def _fit_enet(X, y, alpha, l1_ratio, *, fit_intercept, sample_weight, positive, penalty_factor,
              tol, max_iter, coef_init, precompute, threads, max_seconds):
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
    budget = v.check_max_seconds(max_seconds)
    precompute = v.check_precompute(precompute)
    threads = v.check_threads(threads)
    Y = y.reshape(n_samples, -1)
    coef_init = v.check_coef_init(coef_init, (n_features,) if y.ndim == 1 else (Y.shape[1], n_features),
                                  X.dtype)
    W0 = (np.zeros((Y.shape[1], n_features), X.dtype) if coef_init is None
          else coef_init.reshape(-1, n_features))

    gram = gram_choice(precompute, X, n_fits=Y.shape[1])
    design = prepare_design(X, weights, fit_intercept, alpha * factors, gram=gram, threads=threads)
    # stacklevel 4: solve_prepared, this function, the public function, then the user's line.
    return solve_prepared(design, prepare_targets(design, Y, fit_intercept), W0, alpha, l1_ratio,
                          factors, positive=positive, tol=tol, max_iter=max_iter, budget=budget,
                          threads=threads, one_target=y.ndim == 1, stacklevel=4)


def solve_prepared(design, targets, coef_init, alpha, l1_ratio, factors, *, positive, tol, max_iter,
                   budget, threads, one_target, stacklevel):
    """The fit of prepared (Design, Targets) from coef_init (k, p): a FitResult, warned once."""
    l1, l2 = penalties(alpha, l1_ratio, factors, design.dtype)
    fits = Solver(design, targets, coef_init).run(l1, l2, positive, tol, max_iter, budget, threads)
    objective = enet_objective_from_loss(fits.loss, design.n_samples, fits.coef, alpha, l1_ratio,
                                         factors)
    warn_if_not_converged(fits.converged, fits.relative_gap, tol, max_iter, stacklevel=stacklevel,
                          budget=budget)
    return FitResult.from_targets(fits, objective, alpha=alpha, l1_ratio=l1_ratio, loss="squared",
                                  one_target=one_target)


def penalties(alpha, l1_ratio, factors, dtype):
    """Per-feature l1 and l2 penalty weights of the kernel, in the working dtype."""
    return ((alpha * l1_ratio * factors).astype(dtype),
            (alpha * (1 - l1_ratio) * factors).astype(dtype))


class Fits(NamedTuple):
    """The kernel's answers, one row per target (one target: TargetFit, from ``fits.target(k)``)."""
    coef: np.ndarray           # (k, p)
    intercept: np.ndarray      # (k,)
    loss: np.ndarray           # (k,) sum_i s_i r_i^2 at coef
    dual_gap: np.ndarray       # (k,)
    relative_gap: np.ndarray   # (k,) dual_gap / (sum_i s_i y_c,i^2 / n): what tol is compared with
    n_iter: np.ndarray         # (k,)
    converged: np.ndarray      # (k,)
    scores: np.ndarray         # (k, p) x_j . (s * r) / n: KKT scores, strong-rule input (a path
                               # keeps the last alpha's only: the others are None)

    def target(self, k):
        return TargetFit(*(field[k] for field in self))


class TargetFit(NamedTuple):
    """One row of Fits: the same fields for a single target."""
    coef: np.ndarray
    intercept: float
    loss: float
    dual_gap: float
    relative_gap: float
    n_iter: int
    converged: bool
    scores: np.ndarray


class Solver:
    """Warm-startable coordinate descent on k targets: their coefficients and residual states.

    Internal and mutable (each run continues from the last); results leave it as Fits copies.
    """

    def __init__(self, design, targets, coef_init):
        self.design, self.targets = design, targets
        self.coef = np.array(coef_init, dtype=design.dtype, order="C", ndmin=2)
        self.state = initial_state(design, targets, self.coef)

    def run(self, l1, l2, positive, tol, max_iter, budget, threads=1):
        """Every target at one penalty (l1, l2 of shape (p,)), targets split over `threads`: Fits.
        budget: the call's _limits.Budget (max_seconds; Ctrl-C raises KeyboardInterrupt)."""
        n_targets = self.coef.shape[0]
        bounds = np.linspace(0, n_targets, n_workers(threads, n_targets) + 1).astype(int)
        chunks = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
        parts = parallel_map(lambda rows: self._kernel(rows, l1[None, :], l2[None, :], positive, tol,
                                                       max_iter, budget, None, None),
                             chunks, threads, budget)
        return self._fits([np.concatenate(part) for part in zip(*parts)], slice(None))

    def run_path(self, l1, l2, positive, tol, max_iter, budget, scores=None, l1_previous=None):
        """The one target along penalty rows l1, l2 (T, p), each warm-started from the last; the
        first working set from KKT scores at l1_previous (else the support): Fits, a row per task;
        only the last task's scores are kept (the next strong rule needs no others), the other
        rows' are None."""
        *out, last_scores = self._kernel(slice(0, 1), l1, l2, positive, tol, max_iter, budget,
                                         scores, l1_previous)
        return self._fits((*out, [None] * (l1.shape[0] - 1) + [last_scores[0]]), 0)

    def _kernel(self, rows, l1, l2, positive, tol, max_iter, budget, scores, l1_previous):
        d, t = self.design, self.targets
        if d.dtype == np.float32:
            tol = max(tol, FLOAT32_TOL_FLOOR)
        no_scores = np.zeros(0) if scores is None else scores
        no_l1 = np.zeros(0, d.dtype) if l1_previous is None else l1_previous
        args = (d.colsq, l1, l2, positive, d.unpenalised, d.unpenalised_gram, no_scores, no_l1,
                max_iter, tol * t.scale[rows], budget)
        if d.gram is not None:
            return cd_gram(d.gram, t.y[rows], t.yy[rows], d.n_samples, self.coef[rows],
                           self.state[rows], *args)
        if d.sparse:
            return cd_csc(d.X.data, d.X.indices, d.X.indptr, d.n_samples, t.y[rows], self.coef[rows],
                          self.state[rows], d.sample_weight, d.offsets, *args)
        return cd_dense(d.X, t.y[rows], self.coef[rows], self.state[rows], d.sample_weight,
                        d.offsets, *args)

    def _fits(self, out, target):
        """Fits from the kernel's arrays; target: the rows' targets (a slice, or 0 for a path)."""
        coef, status, n_iter, gap, loss, scores = out
        gap = np.maximum(gap, 0.0)   # >= 0 in exact arithmetic; rounding may leave a tiny negative
        t, d = self.targets, self.design
        intercept = t.y_mean[target] - coef.astype(np.float64) @ d.x_mean
        return Fits(coef, intercept, loss, gap, gap / t.scale[target], n_iter.astype(np.int64),
                    status == Status.CONVERGED, scores)
