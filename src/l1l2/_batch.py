"""fit_many: one model fitted to many targets that share X, at one alpha or along a path each.

X is prepared once (centring, column norms, the Gram matrix in covariance mode) and shared; the
targets are cut into contiguous blocks whose number depends on the number of targets alone, and the
blocks run in threads (the kernels release the GIL). Each block prepares its own targets (centring,
X'y), runs the kernel and extracts its results, so the serial part is only the shared preparation
of X. BLAS is held to one thread throughout, for every `threads`: a block then computes exactly the
same floats whichever thread runs it, which makes results bit-identical for any `threads` (and
keeps BLAS from oversubscribing the cores). Ridge's direct solvers are the exception: one BLAS
call (multithreaded as BLAS likes) solves every target with one alpha.
"""
import inspect
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from l1l2 import _lad
from l1l2 import _validation as v
from l1l2._fit import Solver, elastic_net, lasso, penalties
from l1l2._limits import Budget
from l1l2._objectives import enet_objective_from_loss
from l1l2._parallel import parallel_map, single_threaded_blas
from l1l2._path import N_PATH_FITS, enet_path, fit_path, lasso_path
from l1l2._prepare import Targets, gram_choice, prepare_design, prepare_targets
from l1l2._results import FitResult, PathResult, ReadOnly
from l1l2._ridge import SOLVERS, fit_ridge_path, ridge, ridge_options, ridge_path, warn_path
from l1l2._typing import Design
from l1l2._warnings import warn_if_not_converged

# The targets are cut into at most this many blocks, a number independent of `threads`, so a
# block's floats never depend on it. More blocks balance the threads better (blocks are taken as
# threads free up), fewer read X fewer times (each block's X'Y reads all of X) and cost less
# Python work under the GIL: on 2 cores, 16 scaled best (1.8x at 10000 targets, n = 500, p = 50,
# against 1.7x with 32 or 64 and 1.5x with 4). One CD fit at one alpha is cheap: its blocks have
# at least MIN_CD_BLOCK targets (paths and LP fits: one target may be a block).
MAX_BLOCKS = 16
MIN_CD_BLOCK = 8
# A Lasso or elastic-net path per target spends some 300 us in Python (under the GIL) besides its
# kernel calls; where the kernel's work is small next to that, threads only contend for the GIL
# (10 alphas on 2 cores: 0.62x at p = 200, 0.70x at p = 50), so such paths run in one thread. The
# work of a path: n_alphas p^2 multiply-adds per sweep in covariance mode, n_alphas n p otherwise;
# from 20 alphas at p = 400 (3.2e6) two threads ran 1.55x faster, at p = 1000 1.85x.
MIN_THREADED_PATH_WORK = 1e6

# model -> (function at one alpha, path function): their signatures define each model's options
MODELS = {
    "lasso": (lasso, lasso_path),
    "elastic_net": (elastic_net, enet_path),
    "ridge": (ridge, ridge_path),
    "lad": (_lad.lad, _lad.lad_path),
    "quantile": (_lad.quantile, _lad.quantile_path),
}
# arguments of those functions that fit_many sets itself
OWN_ARGUMENTS = {"X", "y", "alpha", "alphas", "threads"}


@dataclass(frozen=True, repr=False, eq=False)
class FitResults(ReadOnly, Sequence):
    """The fits of many targets at one alpha each, stacked: ``fits[j]`` is target j's FitResult.

    A read-only sequence (len, iteration, negative indices; a slice gives a FitResults). Each
    FitResult is built when indexed, from the stacked arrays below: coef (k, p); intercept, alpha,
    objective, dual_gap, n_iter and converged (k,). ``predict(X)`` is (n_samples, k).
    """
    coef: np.ndarray
    intercept: np.ndarray
    alpha: np.ndarray
    l1_ratio: float
    loss: str
    objective: np.ndarray
    dual_gap: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray

    def __len__(self) -> int:
        return self.coef.shape[0]

    def __getitem__(self, j):
        if isinstance(j, slice):
            return FitResults(**{name: value[j] if isinstance(value, np.ndarray) else value
                                 for name, value in vars(self).items()})
        j = range(len(self))[j]     # negative indices, and IndexError past the end
        return FitResult(coef=self.coef[j], intercept=float(self.intercept[j]),
                         alpha=float(self.alpha[j]), l1_ratio=self.l1_ratio, loss=self.loss,
                         objective=float(self.objective[j]), dual_gap=float(self.dual_gap[j]),
                         n_iter=int(self.n_iter[j]), converged=bool(self.converged[j]))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predictions of every target: (n_samples, n_targets)."""
        X = v.check_predict_X(X, self.coef.shape[1])
        return X @ self.coef.T.astype(X.dtype, copy=False) + self.intercept

    def __repr__(self) -> str:
        nonzero = np.count_nonzero(self.coef, axis=1)
        return (f"FitResults(loss={self.loss!r}, l1_ratio={self.l1_ratio:.4g}, "
                f"targets={len(self)}, "
                f"alpha={self.alpha.min():.4g}..{self.alpha.max():.4g}, "
                f"nonzero={nonzero.min()}..{nonzero.max()}/{self.coef.shape[1]}, "
                f"max_dual_gap={self.dual_gap.max():.2g}, "
                f"converged={int(self.converged.sum())}/{len(self)})")


def fit_many(X: Design, Y: ArrayLike, model: str = "lasso", *,
             alpha: float | ArrayLike | None = None, alphas: ArrayLike | None = None,
             path: bool = False, threads: int | None = None,
             **options: Any) -> "FitResults | list[PathResult]":
    """Fit one model to every column of Y (same X): at one alpha each, or along a path each.

    X is prepared once for all targets (centring, column norms, the Gram matrix in covariance
    mode); the targets run in parallel threads, each result as from a call on that column alone.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        As in the model's function (:func:`l1l2.lasso`, :func:`l1l2.lad`, ...).
    Y : array-like of shape (n_samples, n_targets)
        The targets, one per column; must be 2-D (for one target, pass ``y[:, None]`` or call the
        model's function).
    model : {"lasso", "elastic_net", "ridge", "lad", "quantile"}
        The model, whose function (or path function) defines the options below.
    alpha : float >= 0 or array-like of shape (n_targets,)
        One fit per target at this alpha (an array: alpha[j] for target j).
    alphas : array-like, optional
        One path per target along this grid (as in :func:`l1l2.lasso_path`).
    path : bool
        One path per target along its own default grid (from its own alpha_max; n_alphas and
        alpha_min_ratio apply). Give exactly one of alpha, or alphas and/or path=True.
    threads : int or None
        Threads the targets run in: None or -1 for all cores, 1 for sequential. Results are
        bit-identical for every value. Lasso and elastic-net paths whose kernel work is small
        (n_alphas p^2 below 1e6 in covariance mode, n_alphas n p otherwise) run in one thread:
        their Python work per target would only contend for the GIL. BLAS is held to one thread throughout (the shared
        preparation of X included), except by ridge's direct solvers, which solve all targets
        of one alpha in one multithreaded BLAS call.
    **options
        The keyword options of the model's function with one alpha (:func:`l1l2.lasso`,
        :func:`l1l2.elastic_net`, :func:`l1l2.ridge`, :func:`l1l2.lad`, :func:`l1l2.quantile`), or
        of its path function with alphas or path=True (:func:`l1l2.lasso_path`, ...): for example
        fit_intercept, sample_weight, penalty_factor, positive, tol, max_iter, precompute,
        l1_ratio, q, solver, n_alphas, alpha_min_ratio. coef_init, where taken, is (n_targets,
        n_features).

    Returns
    -------
    FitResults or list of PathResult
        One result per column of Y, in order. With alpha: a FitResults, a read-only sequence
        whose item j is the FitResult of target j (coef of shape (n_features,)), also holding the
        stacked arrays (coef (n_targets, n_features), ...). With alphas or path: a list of
        PathResult.

    Raises
    ------
    ValueError
        For invalid values and shapes (the message names the argument), for both or neither of
        alpha and alphas/path, or an alpha array not of shape (n_targets,).
    TypeError
        For an option the model's function does not take (the message names it), and for
        arguments of the wrong type.

    Warns
    -----
    ConvergenceWarning
        Once per call if some target (or path point) stopped at max_iter.

    Notes
    -----
    Each target solves the model's own objective (see :func:`l1l2.lasso`, :func:`l1l2.lad`, ...).
    Lasso and elastic net share X's preparation (and its Gram matrix, chosen by the cost of all
    the fits) between every target and alpha; targets with equal alphas share a kernel call. The
    paths of ridge compute one eigendecomposition per target, its one-alpha fits one factorisation
    per distinct alpha; lad and quantile share the LP's problem data.

    Examples
    --------
    >>> import numpy as np, l1l2
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> Y = np.column_stack([[0.1, 1.0, 2.1, 2.9], [1.0, 0.0, 1.1, 0.1]])
    >>> fits = l1l2.fit_many(X, Y, "lasso", alpha=0.1)
    >>> len(fits), fits[0].active, fits[1].active
    (2, array([0]), array([1]))
    >>> paths = l1l2.fit_many(X, Y, "lasso", path=True, n_alphas=5)
    >>> [int(p.df[-1]) for p in paths]
    [2, 2]
    """
    model = v.check_option(model, "model", tuple(MODELS))
    as_path = check_mode(alpha, alphas, path)
    options = model_options(model, as_path, options)
    threads = v.check_threads(threads)
    X, Y = check_X_Y(X, Y, squares=model not in ("lad", "quantile"))
    # BLAS held to one thread throughout, the shared preparation of X included: a multithreaded
    # BLAS call would leave its workers spinning (OpenBLAS: for about 0.1 s), taking cores from
    # the threads of the targets, and X's statistics would depend on the BLAS threads.
    with nullcontext() if one_blas_call(model, as_path, options) else single_threaded_blas():
        if as_path:
            return PATHS[model](X, Y, alphas, threads, options)
        return FITS[model](X, Y, check_alphas_per_target(alpha, Y.shape[1]), threads, options)


def one_blas_call(model, as_path, options):
    """Whether the targets are solved together by BLAS (ridge's direct solvers), not in threads."""
    return model == "ridge" and not as_path and options["solver"] != "cd"


# ------------------------------------------------------------------------------------ validation

def check_mode(alpha, alphas, path):
    """Whether paths are asked for: exactly one of alpha, or alphas and/or path=True."""
    path = v.check_flag(path, "path")
    as_path = path or alphas is not None
    if alpha is not None and as_path:
        raise ValueError("give either alpha (one fit per target) or alphas / path=True (one path "
                         "per target), not both")
    if alpha is None and not as_path:
        raise ValueError("give alpha (one fit per target), or alphas or path=True (one path per "
                         "target)")
    return as_path


def model_options(model, as_path, options):
    """The options with the defaults of the model's function; TypeError for one it does not take."""
    function = MODELS[model][as_path]
    parameters = {name: parameter.default
                  for name, parameter in inspect.signature(function).parameters.items()
                  if name not in OWN_ARGUMENTS}
    for name in options:
        if name not in parameters:
            mode = "with a path" if as_path else "at one alpha"
            raise TypeError(f"model={model!r} takes no option {name!r} {mode} "
                            f"(l1l2.{function.__name__} takes {', '.join(parameters)})")
    return {**parameters, **options}


def check_X_Y(X, Y, squares=True):
    """X validated as by the models; Y an (n_samples, n_targets) array of X's dtype.

    Y's values are checked (finite) by each runner: enet_fits block by block in its threads (a
    serial pass over a large Y would cost as much as a tenth of the fits), the others with
    check_finite_Y first.
    """
    X = v.check_X(X, finite=False)          # (check_X_magnitude finds NaN and infinity too)
    Y_given = np.asarray(Y)
    Y = v.as_float_array(Y, "Y", X.dtype)
    x_largest = v.check_X_magnitude(X, squares)      # squares: as in v.check_Xy
    if Y_given.dtype.kind in "iuf":          # as given: a cast to float32 may flush tiny values
        y_largest = v.check_magnitude(Y_given, "Y", X.shape[0], X.dtype, squares)
        if squares:
            v.check_product_magnitude(x_largest, y_largest, "Y", X.shape[0], X.dtype)
    if Y.ndim != 2:
        raise ValueError(f"Y must be 2-D (n_samples, n_targets), got {Y.ndim}-D with shape "
                         f"{Y.shape}; for one target pass y[:, None]")
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"Y has {Y.shape[0]} samples but X has {X.shape[0]}")
    if Y.shape[1] == 0:
        raise ValueError(f"Y has no targets: shape {Y.shape}")
    return X, Y


def check_finite_Y(Y):
    v.check_finite(Y, "Y")


def check_alphas_per_target(alpha, n_targets):
    """alpha as a float64 array (n_targets,) of finite values >= 0 (a scalar: repeated)."""
    if np.ndim(alpha) == 0:
        return np.full(n_targets, v.check_alpha(alpha))
    alpha = np.array(v.as_float_array(alpha, "alpha", np.float64))   # ours: results keep it
    if alpha.shape != (n_targets,):
        raise ValueError(f"alpha must be a number or have shape ({n_targets},), one per column "
                         f"of Y, got shape {alpha.shape}")
    v.check_finite(alpha, "alpha")
    if alpha.min() < 0:
        raise ValueError(f"alpha must be >= 0, got a minimum of {alpha.min()}")
    return alpha


def check_coef_init(coef_init, shape, dtype):
    """coef_init (n_targets, n_features) in dtype, or zeros."""
    coef_init = v.check_coef_init(coef_init, shape, dtype)
    return np.zeros(shape, dtype) if coef_init is None else coef_init


# ------------------------------------------------------------------------------------ threads

def blocks(n_targets, min_block):
    """Contiguous slices covering the targets; how many depends on n_targets alone."""
    n_blocks = max(1, min(MAX_BLOCKS, n_targets // min_block))
    bounds = np.linspace(0, n_targets, n_blocks + 1).astype(int)
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def run_blocks(function, n_targets, threads, budget, min_block=1):
    """[function(block) for block in blocks(n_targets, min_block)], in threads (Ctrl-C stops
    them all through the call's budget)."""
    return parallel_map(function, blocks(n_targets, min_block), threads, budget)


def stacked(parts):
    """Per-block tuples of arrays (one row per target) concatenated field by field."""
    return [np.concatenate(field) for field in zip(*parts)]


# ------------------------------------------------------------------------------ lasso, elastic net

def enet_fits(X, Y, alpha, threads, options, l1_ratio=None):
    """FitResults of lasso (l1_ratio 1), elastic net or ridge by CD (l1_ratio 0)."""
    n_samples, n_features = X.shape
    n_targets = Y.shape[1]
    if l1_ratio is None:
        l1_ratio = v.check_l1_ratio(options["l1_ratio"])
    fit_intercept = v.check_flag(options["fit_intercept"], "fit_intercept")
    positive = v.check_flag(options.get("positive", False), "positive")
    weights = v.check_sample_weight(options["sample_weight"], n_samples)
    factors = v.check_penalty_factor(options["penalty_factor"], n_features)
    tol, max_iter = v.check_tol(options["tol"]), v.check_max_iter(options["max_iter"])
    budget = v.check_max_seconds(options["max_seconds"])
    precompute = v.check_precompute(options["precompute"])
    W0 = check_coef_init(options["coef_init"], (n_targets, n_features), X.dtype)

    gram = gram_choice(precompute, X, n_fits=n_targets)
    # an alpha of 0 leaves every feature unpenalised, which the design (its gap) must know
    designs = {zero: prepare_design(X, weights, fit_intercept, factors * (not zero), gram=gram,
                                    threads=threads)
               for zero in np.unique(alpha == 0)}
    any_design = next(iter(designs.values()))   # they differ in the unpenalised features only
    out = Outputs.empty(n_targets, n_features, X.dtype)

    def fit_block(block):
        with np.errstate(invalid="ignore", over="ignore"):   # NaN and infinity: ValueError next
            targets = prepare_targets(any_design, Y[:, block], fit_intercept)
        check_finite_targets(targets, Y, block)
        for value in np.unique(alpha[block]):    # equal alphas share a kernel call
            members = np.flatnonzero(alpha[block] == value)
            whole = members.size == block.stop - block.start
            rows, mine = (block, slice(None)) if whole else (block.start + members, members)
            solver = Solver(designs[value == 0], subset(targets, mine), W0[rows])
            fits = solver.run(*penalties(value, l1_ratio, factors, X.dtype), positive, tol,
                              max_iter, budget, threads=1)
            objective = enet_objective_from_loss(fits.loss, n_samples, fits.coef, value, l1_ratio,
                                                 factors)
            out.store(rows, fits, objective)

    run_blocks(fit_block, n_targets, threads, budget, MIN_CD_BLOCK)
    # stacklevel 3: this function, then fit_many, then the user's line.
    warn_if_not_converged(out.converged, out.relative_gap, tol, max_iter, stacklevel=3,
                          budget=budget)
    return out.results(alpha, l1_ratio, "squared")


def check_finite_targets(targets, Y, block):
    """ValueError if the block's columns of Y hold NaN or infinity: the check of the boundary, made
    in the threads. Either makes some yy non-finite (inf - inf or inf * inf), and so may huge
    finite values, which the exact check then lets through."""
    if not np.all(np.isfinite(targets.yy)):
        v.check_finite(Y[:, block], "Y")


@dataclass(frozen=True)
class Outputs:
    """Per-target answers, each block writing its own rows (in its thread): no stacking after."""
    coef: np.ndarray            # (k, p)
    intercept: np.ndarray       # (k,), and the others alike
    objective: np.ndarray
    dual_gap: np.ndarray
    relative_gap: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray

    @classmethod
    def empty(cls, n_targets, n_features, dtype):
        return cls(np.empty((n_targets, n_features), dtype), np.empty(n_targets),
                   np.empty(n_targets), np.empty(n_targets), np.empty(n_targets),
                   np.empty(n_targets, np.int64), np.empty(n_targets, bool))

    def store(self, rows, fits, objective):
        """Write the Fits (or stacked TargetFits) of targets `rows`, and their objectives."""
        for name in ("coef", "intercept", "dual_gap", "relative_gap", "n_iter", "converged"):
            getattr(self, name)[rows] = getattr(fits, name)
        self.objective[rows] = objective

    def results(self, alpha, l1_ratio, loss):
        """The FitResults, taking the arrays without copies (they are ours alone)."""
        for array in (self.coef, self.intercept, self.objective, self.dual_gap, self.n_iter,
                      self.converged):
            array.flags.writeable = False
        return FitResults(coef=self.coef, intercept=self.intercept, alpha=alpha, l1_ratio=l1_ratio,
                          loss=loss, objective=self.objective, dual_gap=self.dual_gap,
                          n_iter=self.n_iter, converged=self.converged)


def subset(targets, members):
    """The Targets of some of the rows."""
    return Targets(*(field[members] for field in (targets.y, targets.y_mean, targets.yy,
                                                   targets.scale)))


def enet_paths(X, Y, alphas, threads, options):
    """One lasso or elastic-net path per target (fit_path on the shared design)."""
    check_finite_Y(Y)
    options = v.check_path_options(X, Y[:, 0], options.get("l1_ratio", 1.0), alphas=alphas,
                                   **{name: value for name, value in options.items()
                                      if name != "l1_ratio"})
    n_targets = Y.shape[1]
    gram = gram_choice(options.precompute, X, n_fits=N_PATH_FITS * n_targets)
    design = prepare_design(X, options.sample_weight, options.fit_intercept, options.penalty_factor,
                            gram=gram, threads=threads)

    def path_block(block):
        targets = prepare_targets(design, Y[:, block], options.fit_intercept)
        return [fit_path(None, None, options, prepared=(design, subset(targets, slice(j, j + 1))))
                for j in range(block.stop - block.start)]

    n_alphas = options.n_alphas if options.alphas is None else len(options.alphas)
    work = n_alphas * X.shape[1] * (X.shape[1] if gram else X.shape[0])
    if work < MIN_THREADED_PATH_WORK:
        threads = 1
    paths = [one for part in run_blocks(path_block, n_targets, threads, options.budget)
             for one in part]
    warn_if_not_converged(np.concatenate([path.converged for path, _ in paths]),
                          [fit.relative_gap for _, fits in paths for fit in fits], options.tol,
                          options.max_iter, stacklevel=3, what="path points (all targets)",
                          budget=options.budget)
    return [path for path, _ in paths]


# ------------------------------------------------------------------------------------ ridge

def ridge_fits(X, Y, alpha, threads, options):
    """FitResults of ridge: one call of l1l2.ridge per distinct alpha (one factorisation each);
    solver="cd" runs the elastic-net batch with l1_ratio 0."""
    check_finite_Y(Y)
    solver = v.check_option(options["solver"], "solver", SOLVERS)
    if solver == "cd":
        return enet_fits(X, Y, alpha, threads, options, l1_ratio=0.0)
    n_targets, n_features = Y.shape[1], X.shape[1]
    coef_init = options["coef_init"]
    if coef_init is not None:
        coef_init = v.check_coef_init(coef_init, (n_targets, n_features), X.dtype)
    options = {**options, "threads": threads}
    budget = v.check_max_seconds(options["max_seconds"])      # one limit for all the alphas
    groups = []
    for value in np.unique(alpha):
        members = np.flatnonzero(alpha == value)
        start = None if coef_init is None else coef_init[members]
        fit = ridge(X, Y[:, members], value,
                    **{**options, "coef_init": start, "max_seconds": budget.remaining()})
        groups.append((members, fit.coef, fit.intercept, fit.objective, fit.dual_gap, fit.n_iter,
                       fit.converged))
    members, coef, intercept, objective, gap, n_iter, converged = stacked(groups)
    order = np.argsort(members)
    return FitResults(coef=coef[order], intercept=intercept[order], alpha=alpha, l1_ratio=0.0,
                      loss="squared", objective=objective[order], dual_gap=gap[order],
                      n_iter=n_iter[order], converged=converged[order])


def ridge_paths(X, Y, alphas, threads, options):
    """One ridge path per target (each its own eigendecomposition)."""
    check_finite_Y(Y)
    options = ridge_options(X, Y[:, 0], alphas, **options)

    def path_block(block):
        return [fit_ridge_path(X, Y[:, j], options) for j in range(block.start, block.stop)]

    fitted = [one for part in run_blocks(path_block, Y.shape[1], threads, Budget()) for one in part]
    checks = [one.converged_relative_gaps() for one in fitted]
    warn_path((np.concatenate([c for c, _ in checks]), np.concatenate([g for _, g in checks])),
              X.dtype, stacklevel=3, what="path points (all targets)")
    return [one.path for one in fitted]


# ------------------------------------------------------------------------------ lad, quantile

def lad_loss(options):
    return _lad.quantile_loss(v.check_q(options["q"])) if "q" in options else _lad.absolute_loss()


def lad_fits(X, Y, alpha, threads, options):
    """FitResults of lad or quantile: one LP solver per target on the shared problem data."""
    check_finite_Y(Y)
    n_samples, n_features = X.shape
    n_targets = Y.shape[1]
    loss = lad_loss(options)
    problem = _lad.make_problem(X, loss, v.check_flag(options["fit_intercept"], "fit_intercept"),
                                v.check_sample_weight(options["sample_weight"], n_samples))
    factors = v.check_penalty_factor(options["penalty_factor"], n_features)
    tol, max_iter = v.check_tol(options["tol"]), v.check_max_iter(options["max_iter"])
    budget = v.check_max_seconds(options["max_seconds"])
    starts = check_coef_init(options["coef_init"], (n_targets, n_features), np.float64)

    out = Outputs.empty(n_targets, n_features, np.float64)

    def fit_block(block):
        fits = [_lad.Solver(problem, Y[:, j], starts[j], budget).fit(alpha[j] * factors, tol,
                                                                      max_iter)
                for j in range(block.start, block.stop)]
        fits = _lad.Stacked(*(np.array(field) for field in zip(*fits)))
        out.store(block, fits, fits.objective)

    run_blocks(fit_block, n_targets, threads, budget)
    # stacklevel 3: this function, then fit_many, then the user's line.
    warn_if_not_converged(out.converged, out.relative_gap, tol, max_iter, stacklevel=3,
                          scale=_lad.LAD_SCALE, steps="pivots", budget=budget)
    return out.results(alpha, 1.0, loss.name)


def lad_paths(X, Y, alphas, threads, options):
    """One lad or quantile path per target, on the shared problem data."""
    check_finite_Y(Y)
    loss = lad_loss(options)
    options = v.check_path_options(X, Y[:, 0], 1.0, alphas=alphas, positive=False,
                                   precompute="auto", squares=False,
                                   **{name: value for name, value in options.items()
                                      if name != "q"})
    problem = _lad.make_problem(options.X, loss, options.fit_intercept, options.sample_weight)

    def path_block(block):
        return [_lad.fit_path(problem, Y[:, j], options) for j in range(block.start, block.stop)]

    paths = [one for part in run_blocks(path_block, Y.shape[1], threads, options.budget)
             for one in part]
    warn_if_not_converged(np.concatenate([path.converged for path, _ in paths]),
                          [fit.relative_gap for _, fits in paths for fit in fits], options.tol,
                          options.max_iter, stacklevel=3, what="path points (all targets)",
                          scale=_lad.LAD_SCALE, steps="pivots", budget=options.budget)
    return [path for path, _ in paths]


# partial, not lambda: no frame of its own, so the warnings' stacklevel holds
FITS = {"lasso": partial(enet_fits, l1_ratio=1.0), "elastic_net": enet_fits,
        "ridge": ridge_fits, "lad": lad_fits, "quantile": lad_fits}
PATHS = {"lasso": enet_paths, "elastic_net": enet_paths, "ridge": ridge_paths, "lad": lad_paths,
         "quantile": lad_paths}
