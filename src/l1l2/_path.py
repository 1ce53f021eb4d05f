"""lasso_path and enet_path: warm-started paths with strong rules, every point certified.

The loop (solve_path) works on prepared data so cross-validation reuses it fold by fold.
"""
import sys
import time
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from l1l2 import _validation as v
from l1l2._fit import Solver, penalties
from l1l2._grid import GLMNET_MIN_L1_RATIO, alpha_max_from_scores, default_alphas
from l1l2._objectives import enet_objective_from_loss
from l1l2._prepare import gram_choice, prepare_design, prepare_targets, sparse_gram
from l1l2._results import PathResult
from l1l2._typing import Design, Precompute
from l1l2._warnings import warn_if_not_converged

N_PATH_FITS = 100   # covariance-mode cost model: a path costs about as many passes as 100 fits


def lasso_path(X: Design, y: ArrayLike, *, alphas: ArrayLike | None = None, n_alphas: int = 100,
               alpha_min_ratio: float | None = None, fit_intercept: bool = True,
               sample_weight: ArrayLike | None = None, positive: bool = False,
               penalty_factor: ArrayLike | None = None, tol: float = 1e-7, max_iter: int = 10_000,
               precompute: Precompute = "auto", verbose: bool = False,
               max_seconds: float | None = None) -> PathResult:
    """Lasso along a decreasing grid of alphas, warm-started, every point certified by its gap.

    Parameters
    ----------
    X, y, fit_intercept, sample_weight, positive, penalty_factor, tol, max_iter, precompute
        As in :func:`l1l2.lasso`; y must be 1-D.
    alphas : array-like, optional
        The grid (sorted decreasing). Default: n_alphas log-spaced from alpha_max, the smallest alpha
        whose solution is all zero (exact, with weights, penalty factors and positivity), down to
        alpha_max * alpha_min_ratio.
    n_alphas : int >= 1
        Length of the default grid.
    alpha_min_ratio : float in (0, 1), optional
        End of the default grid relative to alpha_max; 1e-4 if n_samples >= n_features, else 1e-2.
    verbose : bool
        Print one line per alpha to stderr (alpha, nonzeros, gap, sweeps, seconds).
    max_seconds : float > 0, optional
        A time limit for the whole path: once it is reached, the alpha being fitted stops where it
        is (with its duality gap) and all later ones keep those coefficients, uncertified
        (dual_gap inf); all of them have ``converged=False``, and one ConvergenceWarning says so.
        The preparation of X (its Gram matrix in covariance mode) is not cut short. None: no
        limit.

    Returns
    -------
    PathResult

    Warns
    -----
    ConvergenceWarning
        Once per call if some alphas stop at max_iter or max_seconds ("k of N alphas ...").

    Notes
    -----
    Each alpha starts from the previous solution, on the survivors of glmnet's sequential strong
    rule plus the previous support; the kernel then adds every feature whose KKT condition fails
    and stops only when none does and the duality gap is at most tol.

    References
    ----------
    Tibshirani et al. (2012), Strong rules for discarding predictors in lasso-type problems, JRSS B.

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_diabetes
    >>> X, y, names = load_diabetes()
    >>> path = l1l2.lasso_path(X, y, n_alphas=20)
    >>> int(path.df[0]), bool(path.df[-1] == 10)
    (0, True)
    """
    return _path(X, y, 1.0, alphas=alphas, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio,
                 fit_intercept=fit_intercept, sample_weight=sample_weight, positive=positive,
                 penalty_factor=penalty_factor, tol=tol, max_iter=max_iter, precompute=precompute,
                 verbose=verbose, max_seconds=max_seconds)


def enet_path(X: Design, y: ArrayLike, l1_ratio: float = 0.5, *, alphas: ArrayLike | None = None,
              n_alphas: int = 100, alpha_min_ratio: float | None = None, fit_intercept: bool = True,
              sample_weight: ArrayLike | None = None, positive: bool = False,
              penalty_factor: ArrayLike | None = None, tol: float = 1e-7, max_iter: int = 10_000,
              precompute: Precompute = "auto", verbose: bool = False,
              max_seconds: float | None = None) -> PathResult:
    """Elastic net along a decreasing grid of alphas, warm-started, every point certified.

    Parameters
    ----------
    l1_ratio : float in [0, 1]
        The L1 share rho of the penalty ``alpha (rho |w|_1 + (1 - rho)/2 |w|^2)``.
    X, y, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight, positive, penalty_factor, \
tol, max_iter, precompute, verbose, max_seconds
        As in :func:`lasso_path`. alpha_max divides by max(l1_ratio, 1e-3), as glmnet does, so a
        (near) ridge path starts where the coefficients are small but not zero.

    Returns
    -------
    PathResult

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_diabetes
    >>> X, y, names = load_diabetes()
    >>> path = l1l2.enet_path(X, y, l1_ratio=0.5, n_alphas=20)
    >>> bool(path.converged.all()), int(path.df[0])
    (True, 0)
    """
    return _path(X, y, l1_ratio, alphas=alphas, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio,
                 fit_intercept=fit_intercept, sample_weight=sample_weight, positive=positive,
                 penalty_factor=penalty_factor, tol=tol, max_iter=max_iter, precompute=precompute,
                 verbose=verbose, max_seconds=max_seconds)


def _path(X, y, l1_ratio, *, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight,
          positive, penalty_factor, tol, max_iter, precompute, verbose, max_seconds):
    options = v.check_path_options(X, y, l1_ratio, alphas=alphas, n_alphas=n_alphas,
                                   alpha_min_ratio=alpha_min_ratio, fit_intercept=fit_intercept,
                                   sample_weight=sample_weight, positive=positive,
                                   penalty_factor=penalty_factor, tol=tol, max_iter=max_iter,
                                   precompute=precompute, verbose=verbose, max_seconds=max_seconds)
    path, fits = fit_path(options.X, options.y, options)
    # stacklevel 3: this function, then the public function, then the user's line.
    warn_if_not_converged(path.converged, [fit.relative_gap for fit in fits], options.tol,
                          options.max_iter, stacklevel=3, what="alphas", budget=options.budget)
    return path


def fit_path(X, y, options, alphas=None, weights=None, prepared=None):
    """The path of validated data: (PathResult, TargetFits).

    alphas (decreasing) and weights (normalised) override the options' (cross-validation folds);
    prepared = (Design, Targets) already built (from Moments) replaces X, y and weights.
    """
    factors = options.penalty_factor
    if prepared is None:
        weights = options.sample_weight if weights is None else weights
        gram = gram_choice(options.precompute, X, n_fits=N_PATH_FITS)
        design = prepare_design(X, weights, options.fit_intercept, factors, gram=gram)
        prepared = design, prepare_targets(design, y[:, None], options.fit_intercept)
    design, targets = prepared
    n_samples, n_features = design.n_samples, design.colsq.shape[0]
    solver = Solver(design, targets, np.zeros((1, n_features), design.dtype))
    start = solve_unpenalised(solver, factors, options)
    alpha_max = alpha_max_from_scores(start.scores, factors, options.l1_ratio, options.positive)
    if alphas is None:
        alphas = options.alphas
    if alphas is None:
        alphas = default_alphas(alpha_max, options.n_alphas, options.alpha_min_ratio, n_samples,
                                n_features)
    # Where alpha_max is the exact zero threshold, alphas at or above it need no solve: the
    # unpenalised fit is their solution (and its gap theirs), with no rounding-level coefficients.
    zero_above = alpha_max if options.l1_ratio >= GLMNET_MIN_L1_RATIO else np.inf
    fits = solve_path(solver, alphas, start, zero_above, options)
    objectives = enet_objective_from_loss(np.array([fit.loss for fit in fits]), n_samples,
                                          np.array([fit.coef for fit in fits]), alphas,
                                          options.l1_ratio, factors)
    return PathResult.from_fits(alphas, fits, objectives, l1_ratio=options.l1_ratio), fits


def solve_unpenalised(solver, factors, options):
    """Fit only the unpenalised features (every penalised one held at zero by an infinite l1).

    Its KKT scores are exact (the gap projects the residual off the unpenalised columns), so they
    give alpha_max, and the fit is the path's warm start.
    """
    dtype = solver.design.dtype
    l1 = np.where(factors > 0, np.finfo(dtype).max, 0).astype(dtype)
    return solver.run(l1, np.zeros_like(l1), options.positive, options.tol,
                      options.max_iter, options.budget).target(0)


def solve_path(solver, alphas, start, zero_above, options):
    """Warm-started fits along alphas (decreasing) with the sequential strong rule; TargetFits.

    start is the unpenalised fit, which is also the solution at every alpha >= zero_above. The
    kernel runs the rest in one call (one per alpha with verbose, to report as it goes).
    """
    l1, l2 = penalties(alphas[:, None], options.l1_ratio, options.penalty_factor, solver.design.dtype)
    n_zero = int(np.count_nonzero(alphas >= zero_above))
    # alpha = 0 (a user grid's last points): least squares, solved after the loop
    n_solved = max(n_zero, int(np.count_nonzero(alphas > 0)))
    fits = []
    for alpha in alphas[:n_zero]:
        fits.append(start)
        report(options, alpha, start, 0.0)
    # the first strong rule compares with the first alpha itself: its KKT violators at the start
    scores, l1_previous = start.scores, l1[min(n_zero, len(alphas) - 1)]
    step = 1 if options.verbose else max(len(alphas), 1)
    for first in range(n_zero, n_solved, step):
        started = time.perf_counter()
        rows = slice(first, min(first + step, n_solved))
        chunk = solver.run_path(l1[rows], l2[rows], options.positive, options.tol, options.max_iter,
                                options.budget, scores, l1_previous)
        fits += [chunk.target(i) for i in range(chunk.coef.shape[0])]
        scores, l1_previous = fits[-1].scores, l1[rows][-1]
        report(options, alphas[first], fits[-1], time.perf_counter() - started)
    if n_solved < len(alphas):
        fits += [least_squares_fit(solver, options)] * (len(alphas) - n_solved)
        report(options, 0.0, fits[-1], 0.0)
    return fits


def least_squares_fit(solver, options):
    """The fit at alpha = 0 from the solver's current point. The kernel's duality gap needs every
    feature without any penalty in the design's unpenalised set (their dual constraint is an
    equality, met by projection); at alpha = 0 that is every feature, as in a single fit."""
    design = solver.design
    n_samples, n_features = design.n_samples, design.colsq.shape[0]
    if design.gram is not None:
        gram = design.gram.astype(np.float64)
    elif design.sparse:
        gram = sparse_gram(design.X, design.weights64, design.x_mean)
    else:
        centred = design.X.astype(np.float64) - design.x_mean
        weights = design.weights64
        gram = centred.T @ (centred if weights is None else centred * weights[:, None])
    free = replace(design, unpenalised=np.arange(n_features, dtype=np.intp),
                   unpenalised_gram=np.ascontiguousarray(gram) / n_samples)
    zeros = np.zeros(n_features, dtype=design.dtype)
    return Solver(free, solver.targets, solver.coef).run(zeros, zeros, options.positive, options.tol,
                                                        options.max_iter, options.budget).target(0)


def report(options, alpha, fit, seconds, steps="sweeps"):
    """verbose: one line per alpha on stderr (steps: what fit.n_iter counts)."""
    if options.verbose:
        print(f"alpha={alpha:.4g} nonzero={np.count_nonzero(fit.coef)} gap={fit.dual_gap:.2g} "
              f"{steps}={fit.n_iter} seconds={seconds:.3f}", file=sys.stderr)
