"""l1l2 on Dask: fits of tall data chunked by rows, on a cluster or out of core; many fits at once.

Requires the ``dask`` extra (``pip install 'l1l2[dask]'``: dask[array] and distributed).

- :func:`lasso`, :func:`elastic_net`, :func:`ridge`, :func:`lasso_path`, :func:`enet_path`: one pass
  over the rows computes the weighted sufficient statistics (X'SX, X'Sy, column means, weight sums,
  each block centred at its own means and the blocks merged exactly in a tree on the cluster); the
  driver then solves in covariance mode, exactly as the in-memory fit with ``precompute=True`` does.
  The intercept is unpenalised. The statistics take O(p^2) memory, so p is at most 5000.
- :func:`lad`, :func:`quantile`: a start from IRLS on a subsample drawn in one pass, then the exact
  simplex finish on the driver from the rows nearest the fit, gathered (the others held on their side
  and summed in the blocks); one more pass checks that none crossed and certifies the result by the LP
  duality gap. Typically 3-4 passes (see l1l2._dask_lad for the decision against IRLS on all rows).
- :func:`map_fits`: many independent in-memory fits ("one model per group") in batches on the cluster.

X is a ``dask.array`` (n, p) chunked by rows (column chunks are merged: each task needs whole rows);
y and sample_weight are dask or in-memory arrays, rechunked to X's row blocks. Every pass reads each
block once, on the worker that holds or loads it, so a worker needs memory for one block and small
summaries, and the data may live on disk (read lazily) and never fit in memory. A fit whose data is
in the cluster's memory is faster when X is persisted first (``X = X.persist()``): LAD reads it
several times. Each block is checked as it is read: NaN or infinity, negative weights or mismatched
lengths raise ValueError naming the argument.

Pass ``client=`` a ``distributed.Client`` to run on that cluster; by default dask's current scheduler
is used (the active Client if there is one, else local threads). If a worker dies, the scheduler
reruns its tasks elsewhere from the graph (the result is the same), or raises distributed's
``KilledWorker`` once a task has killed too many workers: never a partial answer.
"""
import math
import os

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from l1l2 import _validation as v
from l1l2._dask_lad import lad, quantile
from l1l2._distributed import check_client, check_rows, compute, import_dask, map_reduce
from l1l2._fit import solve_prepared
from l1l2._limits import Budget
from l1l2._objectives import enet_objective_from_loss
from l1l2._path import fit_path
from l1l2._prepare import MAX_GRAM_FEATURES, Moments, design_from_moments
from l1l2._results import FitResult, PathResult
from l1l2._ridge import DirectFits, significant
from l1l2._warnings import warn_if_not_converged

__all__ = ["elastic_net", "enet_path", "lad", "lasso", "lasso_path", "map_fits", "quantile", "ridge"]

import_dask()      # fail at import, naming the extra, when dask is missing


def lasso(X, y, alpha: float, *, fit_intercept: bool = True, sample_weight=None,
          positive: bool = False, penalty_factor: ArrayLike | None = None, tol: float = 1e-7,
          max_iter: int = 10_000, coef_init: ArrayLike | None = None, client=None) -> FitResult:
    """The Lasso of row-chunked dask X, y: one pass for the statistics, then CD on the driver.

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha sum_j f_j |w_j|``, as
    :func:`l1l2.lasso` does (same parameters, and the same answer as its covariance mode).

    Parameters
    ----------
    X : dask.array of shape (n_samples, n_features), n_features <= 5000
        Chunked by rows; float32 stays float32 (the solve runs in float32), other numeric dtypes
        become float64. The statistics are accumulated in float64.
    y : dask.array or array-like of shape (n_samples,) or (n_samples, n_targets)
    sample_weight : dask.array or array-like of shape (n_samples,), optional
        Non-negative weights (normalised internally to sum to n_samples).
    client : distributed.Client, optional
        The cluster to run on; default: dask's current scheduler.
    alpha, fit_intercept, positive, penalty_factor, tol, max_iter, coef_init
        As in :func:`l1l2.lasso`.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import numpy as np, dask.array as da, l1l2, l1l2.dask
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((1000, 5))
    >>> y = X @ [1.0, 0.0, 2.0, 0.0, 0.0] + 0.1 * rng.standard_normal(1000)
    >>> fit = l1l2.dask.lasso(da.from_array(X, chunks=(250, 5)), da.from_array(y, chunks=250), 0.1)
    >>> bool(np.allclose(fit.coef, l1l2.lasso(X, y, 0.1, tol=1e-12).coef, atol=1e-6))
    True
    """
    return _enet(X, y, alpha, 1.0, fit_intercept=fit_intercept, sample_weight=sample_weight,
                 positive=positive, penalty_factor=penalty_factor, tol=tol, max_iter=max_iter,
                 coef_init=coef_init, client=client)


def elastic_net(X, y, alpha: float, l1_ratio: float = 0.5, *, fit_intercept: bool = True,
                sample_weight=None, positive: bool = False, penalty_factor: ArrayLike | None = None,
                tol: float = 1e-7, max_iter: int = 10_000, coef_init: ArrayLike | None = None,
                client=None) -> FitResult:
    """The elastic net of row-chunked dask X, y (see :func:`lasso` and :func:`l1l2.elastic_net`).

    Examples
    --------
    >>> import numpy as np, dask.array as da, l1l2.dask
    >>> X = da.random.default_rng(0).standard_normal((2000, 4), chunks=(500, 4))
    >>> l1l2.dask.elastic_net(X, X[:, 0] - X[:, 1], alpha=0.01, l1_ratio=0.5).converged
    True
    """
    return _enet(X, y, alpha, l1_ratio, fit_intercept=fit_intercept, sample_weight=sample_weight,
                 positive=positive, penalty_factor=penalty_factor, tol=tol, max_iter=max_iter,
                 coef_init=coef_init, client=client)


def _enet(X, y, alpha, l1_ratio, *, fit_intercept, sample_weight, positive, penalty_factor, tol,
          max_iter, coef_init, client):
    alpha, l1_ratio = v.check_alpha(alpha), v.check_l1_ratio(l1_ratio)
    positive = v.check_flag(positive, "positive")
    tol, max_iter = v.check_tol(tol), v.check_max_iter(max_iter)
    rows, design, targets, factors = prepare(X, y, sample_weight, fit_intercept, penalty_factor,
                                             client, multi_target=True)
    k = targets.y.shape[0]
    shape = (rows.n_features,) if rows.y_ndim == 1 else (k, rows.n_features)
    W0 = v.check_coef_init(coef_init, shape, design.dtype)
    W0 = np.zeros((k, rows.n_features), design.dtype) if W0 is None else W0.reshape(k, -1)
    # stacklevel 4: solve_prepared, this function, the public function, then the user's line
    return solve_prepared(design, targets, W0, alpha, l1_ratio, factors, positive=positive, tol=tol,
                          max_iter=max_iter, budget=Budget(), threads=1,
                          one_target=rows.y_ndim == 1, stacklevel=4)


def ridge(X, y, alpha: float, *, fit_intercept: bool = True, sample_weight=None,
          penalty_factor: ArrayLike | None = None, client=None) -> FitResult:
    """Ridge regression of row-chunked dask X, y: one pass for the statistics, a closed form on the
    driver.

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha/2 sum_j f_j w_j^2`` as
    :func:`l1l2.ridge` does (alpha = 0: least squares, the minimum-norm solution if X is rank
    deficient). The solution comes from a Cholesky factorisation of the Hessian
    H = G/n + alpha F (G the weighted centred Gram), or its eigendecomposition if H is singular;
    dual_gap is the exact suboptimality of the quadratic, g' H^+ g / 2 for the gradient g.
    Parameters as in :func:`lasso`.

    Examples
    --------
    >>> import numpy as np, dask.array as da, l1l2, l1l2.dask
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> y = np.array([0.1, 1.0, 2.1, 2.9])
    >>> l1l2.dask.ridge(da.from_array(X, chunks=(2, 2)), y, alpha=0.1).coef.round(3)
    array([0.884, 0.024])
    """
    alpha = v.check_alpha(alpha)
    rows, design, targets, factors = prepare(X, y, sample_weight, fit_intercept, penalty_factor,
                                             client, multi_target=True)
    n = design.n_samples
    hessian = design.gram.astype(np.float64) / n + alpha * np.diag(factors)
    rhs = targets.y.astype(np.float64).T / n                        # (p, k)
    solve = pseudo_inverse(hessian, rows.n_samples) if alpha == 0 else cholesky_or_pseudo_inverse(
        hessian, rows.n_samples)
    W = solve(rhs)
    gradient = hessian @ W - rhs
    gap = np.maximum(np.einsum("jk,jk->k", gradient, solve(gradient)) / 2, 0.0)
    W = W.T                                                        # (k, p)
    loss = targets.yy - 2 * np.einsum("kj,kj->k", W, rhs.T * n) \
        + np.einsum("kj,jl,kl->k", W, design.gram.astype(np.float64), W)
    objective = enet_objective_from_loss(np.maximum(loss, 0.0), n, W, alpha, 0.0, factors)
    intercept = targets.y_mean - W @ design.x_mean
    fits = DirectFits(W.astype(design.dtype), intercept, gap, np.ones(len(gap), np.int64),
                     np.isfinite(gap) & np.all(np.isfinite(W), axis=1))
    return FitResult.from_targets(fits, objective, alpha=alpha, l1_ratio=0.0, loss="squared",
                                  one_target=rows.y_ndim == 1)


def lasso_path(X, y, *, alphas: ArrayLike | None = None, n_alphas: int = 100,
               alpha_min_ratio: float | None = None, fit_intercept: bool = True, sample_weight=None,
               positive: bool = False, penalty_factor: ArrayLike | None = None, tol: float = 1e-7,
               max_iter: int = 10_000, verbose: bool = False, client=None) -> PathResult:
    """The Lasso path of row-chunked dask X, y: one pass for the statistics, every alpha on the
    driver (see :func:`l1l2.lasso_path`; y must be 1-D).

    Examples
    --------
    >>> import dask.array as da, l1l2.dask
    >>> X = da.random.default_rng(0).standard_normal((2000, 4), chunks=(500, 4))
    >>> path = l1l2.dask.lasso_path(X, X[:, 0] - X[:, 1], n_alphas=10)
    >>> int(path.df[0]), int(path.df[-1])
    (0, 2)
    """
    return enet_path(X, y, 1.0, alphas=alphas, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio,
                     fit_intercept=fit_intercept, sample_weight=sample_weight, positive=positive,
                     penalty_factor=penalty_factor, tol=tol, max_iter=max_iter, verbose=verbose,
                     client=client)


def enet_path(X, y, l1_ratio: float = 0.5, *, alphas: ArrayLike | None = None, n_alphas: int = 100,
              alpha_min_ratio: float | None = None, fit_intercept: bool = True, sample_weight=None,
              positive: bool = False, penalty_factor: ArrayLike | None = None, tol: float = 1e-7,
              max_iter: int = 10_000, verbose: bool = False, client=None) -> PathResult:
    """The elastic-net path of row-chunked dask X, y (see :func:`lasso_path`, :func:`l1l2.enet_path`).

    Examples
    --------
    >>> import dask.array as da, l1l2.dask
    >>> X = da.random.default_rng(0).standard_normal((2000, 4), chunks=(500, 4))
    >>> bool(l1l2.dask.enet_path(X, X[:, 0], 0.5, n_alphas=5).converged.all())
    True
    """
    rows, design, targets, factors = prepare(X, y, sample_weight, fit_intercept, penalty_factor,
                                             client, multi_target=False)
    options = v.PathOptions(
        X=None, y=None, l1_ratio=v.check_l1_ratio(l1_ratio), alphas=v.check_alphas(alphas),
        n_alphas=v.check_n_alphas(n_alphas),
        alpha_min_ratio=v.check_alpha_min_ratio(alpha_min_ratio),
        fit_intercept=v.check_flag(fit_intercept, "fit_intercept"), sample_weight=None,
        raw_weight=None, positive=v.check_flag(positive, "positive"), penalty_factor=factors,
        tol=v.check_tol(tol), max_iter=v.check_max_iter(max_iter), budget=Budget(), precompute=True,
        verbose=v.check_flag(verbose, "verbose"))
    path, fits = fit_path(None, None, options, prepared=(design, targets))
    warn_if_not_converged(path.converged, [fit.relative_gap for fit in fits], options.tol,
                          options.max_iter, stacklevel=2, what="alphas")
    return path


def map_fits(fit, groups, *, client=None, batch_size: int | None = None, **options):
    """Many independent in-memory fits on the cluster: ``fit(X, y, **options)`` for each (X, y).

    For the "one model per group" job (a model per region, product, gene ...). The groups are sent
    in batches, one task per batch, so that thousands of small fits do not pay a task's overhead
    each; each worker runs its batch's fits one after the other.

    Parameters
    ----------
    fit : callable
        An l1l2 fitting function (``l1l2.lasso``, ``l1l2.lad``, ``l1l2.lasso_path``, ``l1l2.fit_many``
        ...) or any picklable function of (X, y, **options).
    groups : iterable of (X, y) pairs, or a mapping of name -> (X, y)
    client : distributed.Client, optional
        Default: dask's current scheduler.
    batch_size : int, optional
        Groups per task; default: about 4 tasks per worker (per core without a Client).
    **options
        Passed to every call of fit (e.g. ``alpha=0.1``).

    Returns
    -------
    list of results in the order of groups, or a dict name -> result for a mapping

    Examples
    --------
    >>> import numpy as np, l1l2, l1l2.dask
    >>> rng = np.random.default_rng(0)
    >>> groups = {g: (rng.standard_normal((50, 3)), rng.standard_normal(50)) for g in "abc"}
    >>> fits = l1l2.dask.map_fits(l1l2.lasso, groups, alpha=0.1)
    >>> sorted(fits) == ["a", "b", "c"] and all(f.converged for f in fits.values())
    True
    """
    dask, _ = import_dask()
    client = check_client(client)
    if not callable(fit):
        raise TypeError(f"fit must be callable (e.g. l1l2.lasso), got {type(fit).__name__}")
    names = list(groups) if hasattr(groups, "keys") else None
    pairs = [groups[name] for name in names] if names is not None else list(groups)
    for k, pair in enumerate(pairs):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"groups must hold (X, y) pairs; item {k} is a {type(pair).__name__}")
    if batch_size is None:
        batch_size = max(1, math.ceil(len(pairs) / (4 * worker_threads(client))))
    batch_size = v.check_positive_int(batch_size, "batch_size")
    batches = [pairs[i:i + batch_size] for i in range(0, len(pairs), batch_size)]
    task = dask.delayed(fit_batch, pure=False)       # (fresh keys: no hashing of the groups' data)
    results = [fit for batch in compute([task(fit, batch, options) for batch in batches], client)
               for fit in batch]
    return dict(zip(names, results)) if names is not None else results


# ------------------------------------------------------------------------------------ internals

def prepare(X, y, sample_weight, fit_intercept, penalty_factor, client, *, multi_target):
    """One pass over the rows: (Rows, Design, Targets, penalty factors) in covariance mode."""
    fit_intercept = v.check_flag(fit_intercept, "fit_intercept")
    client = check_client(client)
    rows = check_rows(X, y, sample_weight, multi_target=multi_target)
    if rows.n_features > MAX_GRAM_FEATURES:
        raise ValueError(f"X has {rows.n_features} features; l1l2.dask's squared-loss fits solve "
                         f"from the {rows.n_features}^2 Gram matrix and take at most "
                         f"{MAX_GRAM_FEATURES}")
    factors = v.check_penalty_factor(penalty_factor, rows.n_features)
    moments = map_reduce(block_moments, rows, client=client)
    if moments.weight <= 0:
        raise ValueError("sample_weight must have a positive sum, got all zeros")
    design, targets = design_from_moments(moments, fit_intercept, factors, rows.dtype)
    return rows, design, targets, factors


def block_moments(X, y, s):
    return Moments.of(X, y, s)


def cholesky_or_pseudo_inverse(H, n_samples):
    """B -> H^-1 B by Cholesky for symmetric H, or by pseudo_inverse where H is singular."""
    try:
        factor = scipy.linalg.cho_factor(H, check_finite=False)
    except np.linalg.LinAlgError:
        return pseudo_inverse(H, n_samples)
    return lambda B: scipy.linalg.cho_solve(factor, B, check_finite=False)


def pseudo_inverse(H, n_samples):
    """B -> H^+ B for symmetric positive semi-definite H (the minimum-norm solution), by its
    eigendecomposition; eigenvalues are squared singular values, so the cut-off is lstsq's squared."""
    values, vectors = np.linalg.eigh(H)
    sigma = np.sqrt(np.maximum(values, 0.0))
    keep = significant(sigma, (n_samples, H.shape[0]), np.float64)
    basis = vectors[:, keep]
    return lambda B: basis @ ((basis.T @ B) / values[keep, None])


def fit_batch(fit, batch, options):
    return [fit(X, y, **options) for X, y in batch]


def worker_threads(client):
    """Worker threads of client (or local cores without one)."""
    if client is None:
        return os.cpu_count() or 1
    return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
