"""lasso_cv and enet_cv: K-fold cross-validation over the path, folds in parallel threads."""
import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike

from l1l2 import _validation as v
from l1l2._parallel import parallel_map
from l1l2._path import N_PATH_FITS, fit_path
from l1l2._prepare import Moments, centring_cancels, design_from_moments, use_gram
from l1l2._results import CVResult
from l1l2._typing import Design, Precompute, Splits
from l1l2._warnings import warn_if_not_converged


def lasso_cv(X: Design, y: ArrayLike, *, cv: int | Splits = 5, alphas: ArrayLike | None = None,
             n_alphas: int = 100, alpha_min_ratio: float | None = None, fit_intercept: bool = True,
             sample_weight: ArrayLike | None = None, positive: bool = False,
             penalty_factor: ArrayLike | None = None, tol: float = 1e-7, max_iter: int = 10_000,
             precompute: Precompute = "auto", random_state: int | None = 0,
             threads: int | None = None, verbose: bool = False,
             max_seconds: float | None = None) -> CVResult:
    """Choose the Lasso's alpha by K-fold cross-validation of the held-out weighted squared error.

    Parameters
    ----------
    X, y, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight, positive, penalty_factor,
    tol, max_iter, precompute, verbose
        As in :func:`l1l2.lasso_path`. The grid is that of the full data; every fold uses it.
    max_seconds : float > 0, optional
        A time limit for the whole call (the full path and the folds), as in
        :func:`l1l2.lasso_path`: what runs out of time is not converged, with one warning.
    cv : int >= 2 or iterable of (train_indices, test_indices)
        An int gives shuffled K-fold with K = cv, seeded by random_state.
    random_state : int or None
        Seed of the K-fold shuffle.
    threads : int or None
        Folds fitted in parallel threads (the kernels release the GIL): None or -1 for all cores,
        1 for sequential. Results are identical either way. BLAS is limited to one thread while the
        folds run (if threadpoolctl is installed) so nothing oversubscribes.

    Returns
    -------
    CVResult
        cv_mean[i] is the mean over folds of sum_test s_i r_i^2 / sum_test s_i at alphas[i], cv_se its
        standard error; alpha_min minimises cv_mean; alpha_1se is the largest alpha within one
        standard error of that minimum (glmnet); best is the full-data fit at alpha_min.

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_diabetes
    >>> X, y, names = load_diabetes()
    >>> cv = l1l2.lasso_cv(X, y, cv=5, n_alphas=30)
    >>> bool(cv.alpha_1se >= cv.alpha_min)
    True
    """
    return _cv(X, y, 1.0, cv=cv, alphas=alphas, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio,
               fit_intercept=fit_intercept, sample_weight=sample_weight, positive=positive,
               penalty_factor=penalty_factor, tol=tol, max_iter=max_iter, precompute=precompute,
               random_state=random_state, threads=threads, verbose=verbose,
               max_seconds=max_seconds)


def enet_cv(X: Design, y: ArrayLike, *, l1_ratio: float = 0.5, cv: int | Splits = 5,
            alphas: ArrayLike | None = None, n_alphas: int = 100,
            alpha_min_ratio: float | None = None, fit_intercept: bool = True,
            sample_weight: ArrayLike | None = None, positive: bool = False,
            penalty_factor: ArrayLike | None = None, tol: float = 1e-7, max_iter: int = 10_000,
            precompute: Precompute = "auto", random_state: int | None = 0,
            threads: int | None = None, verbose: bool = False,
            max_seconds: float | None = None) -> CVResult:
    """Choose the elastic net's alpha (at a fixed l1_ratio) by K-fold cross-validation.

    Parameters
    ----------
    l1_ratio : float in [0, 1]
        The L1 share of the penalty, fixed; the grid is that of :func:`l1l2.enet_path`.
    X, y, cv, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight, positive, \
penalty_factor, tol, max_iter, precompute, random_state, threads, verbose, max_seconds
        As in :func:`lasso_cv`.

    Returns
    -------
    CVResult

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_diabetes
    >>> X, y, names = load_diabetes()
    >>> cv = l1l2.enet_cv(X, y, l1_ratio=0.5, cv=5, n_alphas=30)
    >>> bool(cv.alpha_1se >= cv.alpha_min), cv.best.l1_ratio
    (True, 0.5)
    """
    return _cv(X, y, l1_ratio, cv=cv, alphas=alphas, n_alphas=n_alphas,
               alpha_min_ratio=alpha_min_ratio, fit_intercept=fit_intercept,
               sample_weight=sample_weight, positive=positive, penalty_factor=penalty_factor,
               tol=tol, max_iter=max_iter, precompute=precompute, random_state=random_state,
               threads=threads, verbose=verbose, max_seconds=max_seconds)


def _cv(X, y, l1_ratio, *, cv, random_state, threads, **path_args):
    options = v.check_path_options(X, y, l1_ratio, **path_args)
    cv = v.check_cv(cv, options.X.shape[0], random_state)
    threads = v.check_threads(threads)
    splits, fold_ids = kfold(options.X.shape[0], cv, random_state) if isinstance(cv, int) else cv
    check_fold_weights(options, splits)
    full, folds = shared_gram_designs(options, splits, fold_ids)
    path, fits = fit_path(options.X, options.y, options, prepared=full)
    fold_errors, fold_converged, fold_gaps = run_folds(options, splits, folds, path.alphas, threads)
    # stacklevel 3: this function, then the public function, then the user's line.
    warn_if_not_converged(np.concatenate([path.converged, fold_converged]),
                          np.concatenate([[fit.relative_gap for fit in fits], fold_gaps]),
                          options.tol, options.max_iter, stacklevel=3,
                          what="path points (full data and folds)", budget=options.budget)
    return CVResult.from_errors(path, fold_errors, fold_ids)


def kfold(n_samples, n_folds, random_state):
    """Shuffled K-fold: (list of (train, test) index arrays, fold id of every sample)."""
    order = np.random.default_rng(random_state).permutation(n_samples)
    fold_ids = np.empty(n_samples, dtype=np.intp)
    for k, test in enumerate(np.array_split(order, n_folds)):
        fold_ids[test] = k
    folds = [(np.flatnonzero(fold_ids != k), np.flatnonzero(fold_ids == k)) for k in range(n_folds)]
    return folds, fold_ids


def shared_gram_designs(options, splits, fold_ids):
    """Covariance-mode (Design, Targets) of the full data and of every training fold, from one pass.

    When the folds partition the rows and covariance mode is chosen, the Moments (X'SX, X's, ...)
    of each held-out part are summed for the full data, and each training fold's are the full ones
    minus its held-out part: one Gram's worth of work for all K + 1 paths, not K + 1 Grams.
    Returns (None, [None] * K) where that does not apply, or where sparse X's centred Gram (the
    rank-one centring of X'SX) would lose too many digits: those paths are built from the rows.
    """
    X, n_folds = options.X, len(splits)
    partition = (np.all(fold_ids >= 0) and sum(test.size for _, test in splits) == X.shape[0]
                 and all(train.size + test.size == X.shape[0] for train, test in splits))
    n_train = min(train.size for train, _ in splits)
    nnz = int(X.indptr[-1]) * n_train // X.shape[0] if scipy.sparse.issparse(X) else None
    if not partition or not use_gram(options.precompute, n_train, X.shape[1], N_PATH_FITS, nnz):
        return None, [None] * n_folds
    raw = options.raw_weight
    held_out = [Moments.of(X[test], options.y[test], None if raw is None else raw[test])
                for _, test in splits]
    total = sum(held_out[1:], held_out[0])
    # a training fold with a tiny share of the weight would lose its digits to the subtraction
    # (weights spanning 1e154 left a fold's weight at exactly 0): its paths come from the rows
    if any(total.weight - part.weight < 1e-3 * total.weight for part in held_out):
        return None, [None] * n_folds
    if scipy.sparse.issparse(X) and centring_cancels(total.x_mean, np.diag(total.xx) / total.weight):
        return None, [None] * n_folds
    build = lambda moments: design_from_moments(moments, options.fit_intercept,
                                                options.penalty_factor, X.dtype)
    return build(total), [build(total - part) for part in held_out]


def held_out_errors(options, train, test, prepared, alphas):
    """Weighted mean squared error on the test rows of the path fitted on the train rows, per alpha,
    with the path's converged flags and relative gaps."""
    X_train = options.X[train] if prepared is None else None
    path, fits = fit_path(X_train, options.y[train], options, alphas=alphas,
                          weights=train_weights(options, train), prepared=prepared)
    return (held_out_mse(options, path, test), path.converged,
            np.array([fit.relative_gap for fit in fits]))


def check_fold_weights(options, splits):
    """ValueError if some training fold has only zero weights (its fit is undefined) or some test
    fold has (its weighted error is 0/0: NaN, which made every cv_mean NaN and alpha_min the
    largest alpha)."""
    raw = options.raw_weight
    if raw is None:
        return
    for k, (train, test) in enumerate(splits):
        if not np.any(raw[train] > 0):
            raise ValueError(f"sample_weight is zero on every training sample of cv fold {k}: that "
                             f"fold cannot be fitted; give more samples a positive weight or fewer "
                             f"folds")
        if not np.any(raw[test] > 0):
            raise ValueError(f"sample_weight is zero on every test sample of cv fold {k}: its "
                             f"held-out error is undefined; give more samples a positive weight or "
                             f"fewer folds")


def train_weights(options, train):
    """The sample weights of a training fold, renormalised to sum to its size (None: unit)."""
    raw = options.raw_weight
    return None if raw is None else v.check_sample_weight(raw[train], train.size)


def held_out_mse(options, path, test):
    """sum_test s_i (y_i - prediction_i)^2 / sum_test s_i at every alpha of path (raw weights)."""
    residual = options.y[test][:, None] - path.predict(options.X[test])
    weights = np.ones(test.size) if options.raw_weight is None else options.raw_weight[test]
    return weights @ residual**2 / weights.sum()


def run_folds(options, splits, prepared, alphas, threads):
    """(n_folds, n_alphas) held-out errors, and the folds' converged flags and relative gaps
    (concatenated); the folds run in `threads` threads."""
    results = parallel_map(lambda k: held_out_errors(options, *splits[k], prepared[k], alphas),
                           range(len(splits)), threads, options.budget)
    errors, converged, gaps = zip(*results)
    return np.array(errors), np.concatenate(converged), np.concatenate(gaps)
