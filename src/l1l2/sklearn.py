"""scikit-learn estimators over l1l2's functional API (the ``[sklearn]`` extra).

``Lasso``, ``ElasticNet``, ``Ridge``, ``LassoCV``, ``ElasticNetCV``, ``RidgeCV`` and
``QuantileRegressor`` take exactly the constructor parameters, defaults and meanings of the
same-named classes of the installed scikit-learn; ``LADRegressor`` is l1l2's :func:`l1l2.lad`.
Every fit is one call of the functional API (no solver logic here): the wrappers validate the input
the scikit-learn way, convert scikit-learn's scaling of ``alpha`` where it differs from l1l2's,
and store scikit-learn's fitted attributes plus ``result_``, the l1l2 result object.

Conversions (see the README's objective): ``Lasso``/``ElasticNet`` and their CV classes use the
same objective, alpha and sample weights (normalised to sum to n_samples) as l1l2; ``Ridge``
minimises ``sum_i s_i r_i^2 + alpha ||w||^2``, which is l1l2's ridge at ``alpha / sum_i s_i``;
``QuantileRegressor`` minimises ``(1/sum s) sum_i s_i rho_q(r_i) + alpha ||w||_1``, which is
l1l2's quantile objective at the same alpha. ``tol`` of the squared-loss classes bounds the duality
gap relative to ``sum_i s_i y_i^2 / n`` in both packages.

This module imports scikit-learn; ``import l1l2`` never imports it.

Examples
--------
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from l1l2.sklearn import Lasso
>>> from l1l2.data import load_diabetes
>>> X, y, names = load_diabetes()
>>> model = make_pipeline(StandardScaler(), Lasso(alpha=1.0)).fit(X, y)
>>> model[-1].result_.converged, len(model[-1].result_.active)
(True, 7)
"""
import numbers

import numpy as np
import scipy.sparse
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV, check_cv
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

import l1l2
from l1l2._ridge import loo_predictions
from l1l2._warnings import ISSUE_AS

__all__ = ["ElasticNet", "ElasticNetCV", "LADRegressor", "Lasso", "LassoCV", "QuantileRegressor",
           "Ridge", "RidgeCV"]

SPARSE_FORMATS = ("csc", "csr", "coo")
# scikit-learn's Ridge solvers -> l1l2.ridge's: the direct ones where scikit-learn iterates
# stochastically (l1l2's direct answer is exact), conjugate gradients where it runs a Krylov method.
RIDGE_SOLVERS = {"auto": "auto", "cholesky": "cholesky", "svd": "svd", "sparse_cg": "cg", "lsqr": "cg",
                 "sag": "auto", "saga": "auto", "lbfgs": "auto"}


def _call(function, *args, **kwargs):
    """Call an l1l2 function, its ConvergenceWarning issued as scikit-learn's, which scikit-learn
    users and model selection tools filter on, at the line three frames above this one."""
    token = ISSUE_AS.set((SklearnConvergenceWarning, 3))
    try:
        return function(*args, **kwargs)
    finally:
        ISSUE_AS.reset(token)


def _threads(n_jobs):
    """scikit-learn's n_jobs (None: 1 outside a joblib context) as l1l2's threads."""
    return effective_n_jobs(n_jobs)


def _precompute(precompute):
    """scikit-learn's precompute (bool, "auto" or a Gram array) as l1l2's: a given Gram matrix is
    not used; l1l2 forms its own (with weights and centring) when asked to."""
    if isinstance(precompute, str):
        return precompute
    if isinstance(precompute, (bool, np.bool_)):
        return bool(precompute)
    return True


def _coef_and_intercept(result, y_2d):
    """scikit-learn's shapes: coef_ (n_features,) for one target, also for a 2-D y with one column
    (whose intercept_ stays (1,)); else (n_targets, n_features) and intercept_ (n_targets,)."""
    coef, intercept = np.asarray(result.coef), result.intercept
    if not y_2d:
        return coef, float(intercept)
    coef = coef.reshape(-1, coef.shape[-1])
    return (coef[0] if coef.shape[0] == 1 else coef), np.atleast_1d(np.asarray(intercept, dtype=float))


def _scalars(value, y_2d):
    """Per-target values (n_iter_, dual_gap_): a scalar for one target, else an array."""
    values = np.atleast_1d(np.asarray(value))
    return values if y_2d and values.size > 1 else values[0].item()


class _L1L2Regressor(RegressorMixin, BaseEstimator):
    """Shared validation, prediction and tags; subclasses implement _fit(X, y, sample_weight)."""

    _multi_output = False

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        self._fit(*self._validate(X, y, sample_weight))
        return self

    def _validate(self, X, y, sample_weight):
        X, y = validate_data(self, X, y, accept_sparse=SPARSE_FORMATS, dtype=[np.float64, np.float32],
                             y_numeric=True, multi_output=self._multi_output)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                                 ensure_non_negative=True)
        return X, np.asarray(y, dtype=X.dtype), sample_weight

    def _store(self, result, y_2d):
        self.result_ = result
        self.coef_, self.intercept_ = _coef_and_intercept(result, y_2d)
        self.n_iter_ = _scalars(result.n_iter, y_2d)

    def predict(self, X):
        """Predict with the fitted linear model: X @ coef_.T + intercept_.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=SPARSE_FORMATS, dtype=[np.float64, np.float32],
                          reset=False)
        prediction = X @ np.asarray(self.coef_).T.astype(X.dtype, copy=False)
        return np.asarray(prediction) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = self._multi_output
        tags.target_tags.single_output = True
        return tags


class _CoordinateDescent(MultiOutputMixin, _L1L2Regressor):
    _multi_output = True

    def _fit(self, X, y, sample_weight):
        coef_init = None
        n_coef = (y.shape[1], X.shape[1]) if y.ndim == 2 else (X.shape[1],)
        previous = getattr(self, "coef_", None)
        if self.warm_start and previous is not None and np.size(previous) == np.prod(n_coef):
            coef_init = np.reshape(previous, n_coef)
        ratio = self._ratio()
        function, args = (l1l2.lasso, ()) if ratio is None else (l1l2.elastic_net, (ratio,))
        result = _call(function, X, y, self.alpha, *args, fit_intercept=self.fit_intercept,
                       sample_weight=sample_weight, positive=self.positive, tol=self.tol,
                       max_iter=self.max_iter, coef_init=coef_init,
                       precompute=_precompute(self.precompute), threads=1)
        self._store(result, y.ndim == 2)
        self.dual_gap_ = _scalars(result.dual_gap, y.ndim == 2)

    def _ratio(self):
        return self.l1_ratio

    @property
    def sparse_coef_(self):
        """coef_ as a scipy.sparse CSR matrix."""
        return scipy.sparse.csr_matrix(np.atleast_2d(self.coef_))


class ElasticNet(_CoordinateDescent):
    """scikit-learn's ElasticNet, fitted by :func:`l1l2.elastic_net`.

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha (l1_ratio |w|_1 + (1 - l1_ratio)/2 |w|^2)``
    with the weights normalised to sum to n_samples: scikit-learn's objective, alpha and tol.

    Parameters
    ----------
    alpha, l1_ratio, fit_intercept, max_iter, tol, positive
        As in scikit-learn (and l1l2). max_iter counts l1l2's sweeps (full and active-set ones).
    precompute : bool, "auto" or array
        l1l2's covariance mode; a given Gram array is not used (l1l2 forms its own, with the
        weights and centring), it only asks for covariance mode.
    warm_start : bool
        Start from the previous ``coef_`` (l1l2's ``coef_init``) when its shape fits.
    copy_X, random_state, selection
        Accepted and ignored: l1l2 never modifies X and always updates cyclically (with working
        sets), so no random state is used.

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_, sparse_coef_, n_features_in_, feature_names_in_
        As in scikit-learn (dual_gap_ is l1l2's absolute duality gap).
    result_ : l1l2.FitResult
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, precompute=False, max_iter=1000,
                 copy_X=True, tol=1e-4, warm_start=False, positive=False, random_state=None,
                 selection="cyclic"):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection


class Lasso(_CoordinateDescent):
    """scikit-learn's Lasso, fitted by :func:`l1l2.lasso`.

    Minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2 + alpha |w|_1``, weights normalised to sum to
    n_samples: scikit-learn's objective, alpha and tol. Parameters and attributes as in
    :class:`ElasticNet` (copy_X, random_state and selection are accepted and ignored).
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute=False, copy_X=True, max_iter=1000,
                 tol=1e-4, warm_start=False, positive=False, random_state=None, selection="cyclic"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    def _ratio(self):
        return None       # l1l2.lasso


class Ridge(MultiOutputMixin, _L1L2Regressor):
    """scikit-learn's Ridge, fitted by :func:`l1l2.ridge`.

    Minimises scikit-learn's ``sum_i s_i (y_i - x_i.w - b)^2 + alpha |w|^2`` (raw weights), which is
    l1l2's ridge at ``alpha / sum_i s_i`` (``alpha / n_samples`` without weights).

    Parameters
    ----------
    alpha : float or array of shape (n_targets,)
        scikit-learn's scaling; an array fits each target at its own alpha.
    solver : str
        Mapped to l1l2.ridge's: "auto", "cholesky", "svd" as such; "sparse_cg" and "lsqr" to "cg"
        (conjugate gradients, alpha > 0; "auto" at alpha = 0); "sag", "saga" and "lbfgs" to "auto"
        (l1l2's direct solution is exact).
    positive : bool
        Coefficients >= 0: solved by :func:`l1l2.elastic_net` at l1_ratio=0 with positive=True
        (coordinate descent, stopped by tol and max_iter), whatever the solver.
    tol, max_iter
        Used by the iterative routes (positive=True; max_iter also caps "cg"'s steps);
        max_iter=None is l1l2's default.
    fit_intercept
        As in scikit-learn.
    copy_X, random_state
        Accepted and ignored (X is never modified; no solver is random).

    Attributes
    ----------
    coef_, intercept_, n_iter_, solver_, n_features_in_, feature_names_in_
        As in scikit-learn; n_iter_ is l1l2's (1 for direct solvers); solver_ is l1l2's solver.
    result_ : l1l2.FitResult, or a list of them (one per target) for an array alpha
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, max_iter=None, tol=1e-4,
                 solver="auto", positive=False, random_state=None):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state

    _multi_output = True

    def _fit(self, X, y, sample_weight):
        total = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        alpha = np.asarray(self.alpha, dtype=np.float64)
        if alpha.ndim > 1 or not np.all(alpha >= 0):      # NaN fails too
            raise ValueError(f"alpha must be >= 0 (a float or one per target), got {self.alpha!r}")
        y_2d = y.ndim == 2
        if alpha.ndim == 0:
            result = self._ridge(X, y, float(alpha) / total, sample_weight)
            self._store(result, y_2d)
            return
        Y = y if y_2d else y[:, None]
        if alpha.shape != (Y.shape[1],):
            raise ValueError(f"alpha has {alpha.size} values but y has {Y.shape[1]} targets")
        results = [self._ridge(X, Y[:, k], float(a) / total, sample_weight) for k, a in enumerate(alpha)]
        self.result_ = results
        coef = np.stack([np.asarray(r.coef) for r in results])
        intercept = np.array([r.intercept for r in results], dtype=float)
        if not y_2d:
            coef, intercept = coef[0], float(intercept[0])
        elif coef.shape[0] == 1:
            coef = coef[0]
        self.coef_, self.intercept_ = coef, intercept
        self.n_iter_ = _scalars([r.n_iter for r in results], y_2d)

    def _ridge(self, X, y, alpha, sample_weight):
        max_iter = {} if self.max_iter is None else {"max_iter": self.max_iter}
        if self.positive:
            self.solver_ = "cd"
            return _call(l1l2.elastic_net, X, y, alpha, 0.0, fit_intercept=self.fit_intercept,
                         sample_weight=sample_weight, positive=True, tol=self.tol, **max_iter)
        if self.solver not in RIDGE_SOLVERS:
            raise ValueError(f"solver must be one of {sorted(RIDGE_SOLVERS)}, got {self.solver!r}")
        solver = RIDGE_SOLVERS[self.solver]
        if solver == "cg" and alpha == 0:
            solver = "auto"
        self.solver_ = solver
        return _call(l1l2.ridge, X, y, alpha, solver=solver, fit_intercept=self.fit_intercept,
                     sample_weight=sample_weight, **max_iter)


class _PathCV(_L1L2Regressor):
    """LassoCV and ElasticNetCV: scikit-learn's folds, l1l2's path and refit."""

    def fit(self, X, y, sample_weight=None, **params):
        """Fit the model by cross-validation over the alpha grid.

        Parameters
        ----------
        X, y, sample_weight
            As in :meth:`Lasso.fit`; y must be 1-D.
        **params
            Passed to the CV splitter's ``split`` (e.g. ``groups``).

        Returns
        -------
        self
        """
        X, y, sample_weight = self._validate(X, y, sample_weight)
        self._fit(X, y, sample_weight, params)
        return self

    def _fit(self, X, y, sample_weight, params):
        splits = list(check_cv(self.cv).split(X, y, **params))
        ratios = self._ratios()
        if isinstance(self.alphas, numbers.Integral):
            grid = {"n_alphas": int(self.alphas), "alpha_min_ratio": self.eps}
        else:
            grid = {"alphas": np.sort(np.asarray(self.alphas, dtype=np.float64).ravel())[::-1]}
        options = dict(cv=splits, fit_intercept=self.fit_intercept, sample_weight=sample_weight,
                       positive=self.positive, tol=self.tol, max_iter=self.max_iter,
                       precompute=_precompute(self.precompute), threads=_threads(self.n_jobs),
                       verbose=bool(self.verbose), **grid)
        if ratios is None:
            ratios, results = np.ones(1), [_call(l1l2.lasso_cv, X, y, **options)]
        else:
            ratios = np.atleast_1d(np.asarray(ratios, dtype=np.float64))
            results = [_call(l1l2.enet_cv, X, y, l1_ratio=float(ratio), **options) for ratio in ratios]
        best = int(np.argmin([r.cv_mean.min() for r in results]))   # the first on ties
        cv = results[best]
        self.result_ = cv if len(results) == 1 else results
        if hasattr(self, "l1_ratio"):
            self.l1_ratio_ = float(ratios[best])
        self.alpha_ = cv.alpha_min
        fit = cv.best
        self.coef_, self.intercept_ = np.asarray(fit.coef), float(fit.intercept)
        self.n_iter_, self.dual_gap_ = int(fit.n_iter), float(fit.dual_gap)
        # scikit-learn's layout: alphas_ (n_alphas,), mse_path_ (n_alphas, n_folds), with an l1_ratio
        # axis first when there are several
        self.alphas_ = np.array([r.alphas for r in results])
        self.mse_path_ = np.array([r.fold_errors.T for r in results])
        if len(results) == 1:
            self.alphas_, self.mse_path_ = self.alphas_[0], self.mse_path_[0]


class LassoCV(_PathCV):
    """scikit-learn's LassoCV, fitted by :func:`l1l2.lasso_cv`.

    The folds are scikit-learn's (``check_cv(cv)``: 5 unshuffled folds by default, or any
    splitter; ``fit(..., groups=...)`` reaches its split), passed to l1l2 as index pairs, so
    ``alpha_`` and ``mse_path_`` (n_alphas, n_folds) are scikit-learn's. ``alphas``: an int is the
    grid length from l1l2's exact alpha_max down to ``eps * alpha_max``, or the grid itself.
    The fit at ``alpha_`` is the full-data path point (certified like any fit).

    Parameters
    ----------
    eps, alphas, fit_intercept, max_iter, tol, cv, positive
        As in scikit-learn.
    precompute : bool, "auto" or array
        l1l2's covariance mode (a Gram array is not used, only taken as True).
    n_jobs : int or None
        The folds run in this many threads (l1l2's ``threads``; None: 1).
    verbose : bool or int
        l1l2's per-alpha progress lines.
    copy_X, random_state, selection
        Accepted and ignored (X is never modified; updates are cyclic).

    Attributes
    ----------
    alpha_, alphas_, mse_path_, coef_, intercept_, dual_gap_, n_iter_, n_features_in_,
    feature_names_in_
        As in scikit-learn.
    result_ : l1l2.CVResult
    """

    def __init__(self, *, eps=1e-3, alphas=100, fit_intercept=True, precompute="auto", max_iter=1000,
                 tol=1e-4, copy_X=True, cv=None, verbose=False, n_jobs=None, positive=False,
                 random_state=None, selection="cyclic"):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    def _ratios(self):
        return None       # l1l2.lasso_cv


class ElasticNetCV(_PathCV):
    """scikit-learn's ElasticNetCV, fitted by :func:`l1l2.enet_cv` (once per l1_ratio).

    As :class:`LassoCV`, with ``l1_ratio`` a float or a list: the pair (l1_ratio_, alpha_) of the
    smallest mean held-out error wins (the first on ties); with a list, ``alphas_`` is
    (n_l1_ratio, n_alphas), ``mse_path_`` (n_l1_ratio, n_alphas, n_folds) and ``result_`` the list
    of CVResults. l1l2's default grid divides alpha_max by max(l1_ratio, 1e-3), so l1_ratio = 0 is
    allowed.
    """

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, alphas=100, fit_intercept=True, precompute="auto",
                 max_iter=1000, tol=1e-4, cv=None, copy_X=True, verbose=0, n_jobs=None, positive=False,
                 random_state=None, selection="cyclic"):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    def _ratios(self):
        return self.l1_ratio


class _Identity(RegressorMixin, BaseEstimator):
    """An estimator whose predictions are its input: lets a scorer judge given predictions."""

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return X


class RidgeCV(MultiOutputMixin, _L1L2Regressor):
    """scikit-learn's RidgeCV over :func:`l1l2.ridge_cv` and :func:`l1l2.ridge`.

    ``alphas`` are in scikit-learn's scaling (see :class:`Ridge`). With ``cv=None`` the
    leave-one-out predictions are exact, from l1l2's closed form (the one eigendecomposition of
    :func:`l1l2.ridge_cv`), with scikit-learn's penalty for every left-out refit, weighted or not.
    Without ``scoring``, ``alpha_`` minimises the mean of s_i e_i^2 (over samples, and over targets
    unless ``alpha_per_target``); with it, the scorer judges the predictions. The model is then
    refitted by :class:`Ridge` at ``alpha_``. With ``cv`` given, as in scikit-learn,
    :class:`sklearn.model_selection.GridSearchCV` runs over this module's :class:`Ridge` with
    ``scoring``.

    Parameters
    ----------
    alphas, fit_intercept, cv, store_cv_results, alpha_per_target
        As in scikit-learn.
    scoring
        As in scikit-learn. With ``cv=None`` the scorer judges the exact leave-one-out predictions
        (all samples at once), and ``cv_results_`` (store_cv_results) holds those predictions.
    gcv_mode
        Accepted and ignored: l1l2 chooses the smaller Gram matrix itself. With ``cv=None``, sparse
        X needs n_samples or n_features at most 5000 (the closed form's Gram, as in
        :func:`l1l2.ridge_cv`).

    Attributes
    ----------
    alpha_, best_score_, coef_, intercept_, cv_results_ (store_cv_results), n_features_in_,
    feature_names_in_
        As in scikit-learn.
    result_ : l1l2.FitResult
        The refit at ``alpha_``.
    """

    def __init__(self, alphas=(0.1, 1.0, 10.0), *, fit_intercept=True, scoring=None, cv=None,
                 gcv_mode=None, store_cv_results=False, alpha_per_target=False):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target

    _multi_output = True

    def _fit(self, X, y, sample_weight):
        alphas = np.atleast_1d(np.asarray(self.alphas, dtype=np.float64))
        if alphas.ndim != 1 or alphas.size == 0 or np.any(alphas <= 0):
            raise ValueError(f"alphas must be positive, got {self.alphas!r}")
        if self.cv is not None:
            self._grid_search(X, y, sample_weight, alphas)
            return
        n_samples = X.shape[0]
        if n_samples < 2:
            raise ValueError(f"leave-one-out needs n_samples >= 2, got n_samples={n_samples}")
        total = n_samples if sample_weight is None else float(np.sum(sample_weight))
        order = np.argsort(-alphas, kind="stable")       # l1l2 wants a decreasing grid
        l1l2_alphas = alphas[order] * n_samples / ((n_samples - 1) * total)
        Y = y if y.ndim == 2 else y[:, None]
        # exact leave-one-out predictions, (n, k, alphas) in the user's order of alphas, with
        # scikit-learn's penalty for every left-out refit (left_out_weight=1: see loo_predictions)
        predictions = np.empty((n_samples, Y.shape[1], alphas.size))
        for k in range(Y.shape[1]):
            predictions[:, k, order] = _call(loo_predictions, X, Y[:, k], l1l2_alphas,
                                             fit_intercept=self.fit_intercept,
                                             sample_weight=sample_weight, left_out_weight=1.0)
        if self.scoring is None:      # minus the mean of s_i e_i^2 (raw weights)
            weights = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight)
            results = weights[:, None, None] * (Y[:, :, None] - predictions)**2
            scores = -results.mean(axis=0)                                   # (k, alphas)
            joint = scores.mean(axis=0)
        else:                         # the scorer judges the predictions, all samples at once
            scorer = check_scoring(self, scoring=self.scoring)
            weighting = {} if sample_weight is None else {"sample_weight": sample_weight}
            results = predictions
            scores = np.array([[scorer(_Identity(), predictions[:, k, a], Y[:, k], **weighting)
                                for a in range(alphas.size)] for k in range(Y.shape[1])])
            joint = np.array([scorer(_Identity(), predictions[..., a] if y.ndim == 2
                                     else predictions[:, 0, a], y, **weighting)
                              for a in range(alphas.size)])
        if self.alpha_per_target and y.ndim == 2:
            best = np.argmax(scores, axis=1)
            self.alpha_ = alphas[best]
            self.best_score_ = scores[np.arange(Y.shape[1]), best]
        else:
            best = int(np.argmax(joint))
            self.alpha_ = float(alphas[best])
            self.best_score_ = float(joint[best])
        if self.store_cv_results:
            self.cv_results_ = results if y.ndim == 2 else results[:, 0, :]
        refit = Ridge(alpha=self.alpha_, fit_intercept=self.fit_intercept).fit(X, y, sample_weight)
        self.coef_, self.intercept_, self.result_ = refit.coef_, refit.intercept_, refit.result_

    def _grid_search(self, X, y, sample_weight, alphas):
        if self.store_cv_results:
            raise ValueError("store_cv_results is only supported with cv=None")
        if self.alpha_per_target:
            raise ValueError("alpha_per_target is only supported with cv=None")
        search = GridSearchCV(Ridge(fit_intercept=self.fit_intercept), {"alpha": alphas},
                              cv=self.cv, scoring=self.scoring)
        search.fit(X, y, sample_weight=sample_weight)
        self.alpha_ = float(search.best_params_["alpha"])
        self.best_score_ = float(search.best_score_)
        best = search.best_estimator_
        self.coef_, self.intercept_ = best.coef_, best.intercept_
        self.result_ = best.result_


class QuantileRegressor(_L1L2Regressor):
    """scikit-learn's QuantileRegressor, fitted exactly by :func:`l1l2.quantile`.

    scikit-learn minimises ``(1/sum s) sum_i s_i rho_q(y_i - x_i.w - b) + alpha |w|_1``, which is
    l1l2's quantile objective at the same alpha (l1l2 normalises the weights to sum to n).

    Parameters
    ----------
    quantile, alpha, fit_intercept
        As in scikit-learn.
    solver, solver_options
        Accepted and ignored: l1l2's simplex finish is exact (certified by the LP duality gap), so
        no LP solver needs choosing or tuning.

    Attributes
    ----------
    coef_, intercept_, n_iter_, n_features_in_, feature_names_in_
        As in scikit-learn (float64).
    result_ : l1l2.FitResult
    """

    def __init__(self, *, quantile=0.5, alpha=1.0, fit_intercept=True, solver="highs", solver_options=None):
        self.quantile = quantile
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.solver_options = solver_options

    def _fit(self, X, y, sample_weight):
        result = _call(l1l2.quantile, X, y, q=self.quantile, alpha=self.alpha,
                       fit_intercept=self.fit_intercept, sample_weight=sample_weight)
        self._store(result, False)


class LADRegressor(_L1L2Regressor):
    """Least absolute deviations, exactly, by :func:`l1l2.lad`, in l1l2's convention.

    Minimises ``1/n sum_i s_i |y_i - x_i.w - b| + alpha |w|_1`` (weights normalised to sum to n),
    which is twice scikit-learn's ``QuantileRegressor(quantile=0.5, alpha=alpha / 2)`` objective.

    Parameters
    ----------
    alpha : float >= 0
        L1 penalty (0: plain LAD).
    fit_intercept : bool
    tol : float
        Converged when the LP duality gap is at most tol times the best constant fit's objective.
    max_iter : int
        Cap on the simplex pivots.

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_, n_features_in_, feature_names_in_
    result_ : l1l2.FitResult
    """

    def __init__(self, alpha=0.0, fit_intercept=True, tol=1e-9, max_iter=10_000):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter

    def _fit(self, X, y, sample_weight):
        result = _call(l1l2.lad, X, y, alpha=self.alpha, fit_intercept=self.fit_intercept,
                       sample_weight=sample_weight, tol=self.tol, max_iter=self.max_iter)
        self._store(result, False)
        self.dual_gap_ = float(result.dual_gap)
