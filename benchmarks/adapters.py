"""One adapter per solver and task, each returning the same timed record.

Single fits: ``fit(X, y, alpha, l1_ratio, tol)``; with a 2-D y (n, k) the same
adapters solve k independent targets. Paths: ``path(X, y, alphas, l1_ratio, tol)``
over an explicit, decreasing alphas grid. Cross-validation:
``cv(X, y, alphas, splits)`` with explicit (train, test) index pairs.

Each adapter times only the solver's public call (estimator construction
included, it is negligible). The objective is recomputed here from the returned
coef/intercept with a single NumPy function, so every solver is judged by the
same yardstick rather than by its own report.
"""
import importlib
from time import perf_counter

import numpy as np

# Iteration caps high enough that the tolerance, not the cap, stops every solver.
MAX_EPOCHS = 100_000
# Working-set iterations for celer and skglm (their outer loop).
MAX_OUTER = 1_000
# Parallel folds for the cross-validation estimators that take n_jobs.
CV_JOBS = 2

# solver -> (module, distribution name for version reporting, (lasso API, enet API)).
PACKAGES = {
    "l1l2": ("l1l2", "l1l2", ("lasso", "elastic_net")),
    "sklearn": ("sklearn.linear_model", "scikit-learn", ("Lasso", "ElasticNet")),
    "sklearn-gram": ("sklearn.linear_model", "scikit-learn", ("Lasso", "ElasticNet")),
    "celer": ("celer", "celer", ("Lasso", "ElasticNet")),
    "skglm": ("skglm", "skglm", ("Lasso", "ElasticNet")),
}


def objective(X, y, coef, intercept, alpha, l1_ratio):
    """(1/2n)||y - Xw - b||^2 + alpha * (rho ||w||_1 + (1 - rho)/2 ||w||^2).

    Vectorised over fits: coef of shape (k, p) and intercept (k,) give k
    objectives, either for one y and k alphas (a path) or for the k columns of a
    2-D y and one alpha (a batch). A 1-D coef gives a scalar.
    """
    W = np.atleast_2d(coef)
    # (k, n) rows, so the sums of squares run along contiguous memory (pairwise).
    residual = y.reshape(len(y), -1).T - W @ X.T - np.reshape(intercept, (-1, 1))
    penalty = l1_ratio * np.abs(W).sum(axis=1) + 0.5 * (1.0 - l1_ratio) * (W * W).sum(axis=1)
    obj = (residual * residual).sum(axis=1) / (2 * len(y)) + alpha * penalty
    return obj if np.ndim(coef) == 2 else float(obj[0])


def _load(module, attr):
    return getattr(importlib.import_module(module), attr)


def importable(module, attr):
    try:
        _load(module, attr)
        return True
    except (ImportError, AttributeError):
        return False


def _api(solver, l1_ratio):
    """The solver's Lasso entry point if l1_ratio == 1, else its elastic-net one."""
    module, _, (lasso, enet) = PACKAGES[solver]
    return _load(module, lasso if l1_ratio == 1.0 else enet)


def _record(solver, fit_call, X, y, alpha, l1_ratio):
    start = perf_counter()
    coef, intercept, n_iter, converged = fit_call()
    elapsed = perf_counter() - start
    # One fit: coef (p,), scalar intercept. Several (path or batch): (k, p) and (k,).
    coef = np.asarray(coef, dtype=float)
    coef = coef.ravel() if y.ndim == 1 and np.ndim(alpha) == 0 else coef
    intercept = np.asarray(intercept, dtype=float)
    return dict(solver=solver, time=elapsed, n_iter=n_iter, converged=converged,
                objective=objective(X, y, coef, intercept, alpha, l1_ratio),
                coef=coef, intercept=intercept.tolist())


def fit_l1l2(X, y, alpha, l1_ratio, tol):
    solve = _api("l1l2", l1_ratio)
    # Lasso is called without l1_ratio: it is the dedicated public entry point.
    extra = () if l1_ratio == 1.0 else (l1_ratio,)

    def call():
        res = solve(X, y, alpha, *extra, tol=tol, max_iter=MAX_EPOCHS)
        return res.coef, res.intercept, int(np.max(res.n_iter)), bool(np.all(res.converged))

    return _record("l1l2", call, X, y, alpha, l1_ratio)


def _estimator_adapter(solver, **params):
    """Adapter for sklearn-style estimators (coef_, intercept_, n_iter_)."""
    def fit(X, y, alpha, l1_ratio, tol):
        cls = _api(solver, l1_ratio)
        kwargs = dict(alpha=alpha, tol=tol, **params)
        if l1_ratio != 1.0:
            kwargs["l1_ratio"] = l1_ratio

        def call():
            est = cls(**kwargs).fit(X, y)
            # Only l1l2 reports convergence directly; the others warn instead.
            return est.coef_, est.intercept_, int(np.max(est.n_iter_)), None

        return _record(solver, call, X, y, alpha, l1_ratio)
    return fit


# n_iter is solver-specific: epochs for l1l2 and sklearn, outer working-set
# iterations for celer and skglm. Only time and objective are compared.
SOLVERS = {
    "l1l2": fit_l1l2,
    # precompute=False is scikit-learn's default for Lasso/ElasticNet; the Gram
    # variant is its other dense strategy and is strong when n >> p.
    "sklearn": _estimator_adapter("sklearn", precompute=False, max_iter=MAX_EPOCHS),
    "sklearn-gram": _estimator_adapter("sklearn-gram", precompute=True, max_iter=MAX_EPOCHS),
    "celer": _estimator_adapter("celer", max_iter=MAX_OUTER, max_epochs=MAX_EPOCHS),
    "skglm": _estimator_adapter("skglm", max_iter=MAX_OUTER, max_epochs=MAX_EPOCHS),
}


def available_solvers():
    """Solvers whose API imports; missing ones (e.g. l1l2 not built yet) are skipped."""
    found, missing = {}, []
    for name, fit in SOLVERS.items():
        module, _, apis = PACKAGES[name]
        if all(importable(module, api) for api in apis):
            found[name] = fit
        else:
            missing.append(name)
    return found, missing


# ---------------------------------------------------------------- paths
def _centred(X, y):
    """Centre X and y (copies), as scikit-learn's and celer's estimators do before
    calling their path functions, which fit no intercept themselves."""
    X_mean, y_mean = X.mean(axis=0), y.mean()
    return np.asfortranarray(X - X_mean), y - y_mean, X_mean, y_mean


def _centred_path_adapter(solver, run_path):
    """Adapter for a path function on centred data; ``run_path(Xc, yc, alphas, l1_ratio,
    tol)`` returns coefs (p, n_alphas) and per-alpha iteration counts. Centring and
    recovering the intercepts are timed, since a user has to do them too."""
    def path(X, y, alphas, l1_ratio, tol):
        def call():
            Xc, yc, X_mean, y_mean = _centred(X, y)
            coefs, n_iters = run_path(Xc, yc, alphas, l1_ratio, tol)
            return coefs.T, y_mean - coefs.T @ X_mean, int(np.sum(n_iters)), None
        return _record(solver, call, X, y, alphas, l1_ratio)
    return path


def _sklearn_path(Xc, yc, alphas, l1_ratio, tol):
    # lasso_path is enet_path with l1_ratio=1. precompute="auto" uses the Gram
    # matrix when n > p.
    enet_path = _load("sklearn.linear_model", "enet_path")
    _, coefs, _, n_iters = enet_path(Xc, yc, l1_ratio=l1_ratio, alphas=alphas, precompute="auto",
                                     tol=tol, max_iter=MAX_EPOCHS, copy_X=False, return_n_iter=True)
    return coefs, n_iters


def _celer_path(Xc, yc, alphas, l1_ratio, tol):
    # prune=1 is the default of celer's estimators (celer_path's own default is 0).
    celer_path = _load("celer", "celer_path")
    _, coefs, _, n_iters = celer_path(Xc, yc, "lasso", alphas=alphas, l1_ratio=l1_ratio, tol=tol,
                                      max_iter=MAX_OUTER, max_epochs=MAX_EPOCHS, prune=1,
                                      return_n_iter=True)
    return coefs, n_iters


def path_l1l2(X, y, alphas, l1_ratio, tol):
    import l1l2
    # lasso_path is the dedicated entry point; enet_path takes l1_ratio positionally.
    solve, extra = (l1l2.lasso_path, ()) if l1_ratio == 1.0 else (l1l2.enet_path, (l1_ratio,))

    def call():
        res = solve(X, y, *extra, alphas=alphas, tol=tol, max_iter=MAX_EPOCHS)
        return res.coefs, res.intercepts, int(np.sum(res.n_iters)), bool(np.all(res.converged))

    return _record("l1l2", call, X, y, alphas, l1_ratio)


def _warm_loop(est, X, y, alphas):
    """Fit the warm-starting estimator ``est`` down ``alphas``: (coefs, intercepts, n_iter, None)."""
    coefs, intercepts, n_iter = [], [], 0
    for alpha in alphas:
        est.set_params(alpha=alpha).fit(X, y)
        coefs.append(est.coef_.copy())
        intercepts.append(est.intercept_)
        n_iter += int(np.max(est.n_iter_))
    return np.array(coefs), np.array(intercepts), n_iter, None


def _warm_loop_adapter(solver, **params):
    """Path as a loop of warm-started estimator fits (warm_start=True), one per alpha."""
    def path(X, y, alphas, l1_ratio, tol):
        cls = _api(solver, l1_ratio)
        kwargs = dict(tol=tol, warm_start=True, **params)
        if l1_ratio != 1.0:
            kwargs["l1_ratio"] = l1_ratio

        return _record(solver, lambda: _warm_loop(cls(**kwargs), X, y, alphas), X, y, alphas,
                       l1_ratio)
    return path


def path_glum(X, y, alphas, l1_ratio, tol):
    """glum's own path (alpha_search over the given alphas, warm-started).

    For family="normal" glum minimises 1/(2 sum(s)) * sum s_i (y_i - mu_i)^2
    + alpha * (l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2): exactly the objective
    above with s = 1, so alpha and l1_ratio are passed unchanged (run_paths.py
    checks this on a small problem every run). solver="irls-cd" is what
    solver="auto" selects for an L1 penalty; glum 3.4's "auto" fails on an array
    alpha. gradient_tol is glum's only tolerance on the path.
    """
    GLM = _load("glum", "GeneralizedLinearRegressor")

    def call():
        est = GLM(family="normal", alpha=alphas, alpha_search=True, l1_ratio=l1_ratio,
                  solver="irls-cd", gradient_tol=tol, max_inner_iter=MAX_EPOCHS).fit(X, y)
        return est.coef_path_, est.intercept_path_, int(np.sum(est.n_iter_)), None

    return _record("glum", call, X, y, alphas, l1_ratio)


# solver -> (adapter, (module, attribute) that must import for it to run).
# n_iter is the path total and solver-specific (epochs for l1l2 and sklearn,
# working-set iterations for celer and skglm, IRLS iterations for glum).
PATH_SOLVERS = {
    "l1l2": (path_l1l2, ("l1l2", "enet_path")),
    "sklearn": (_centred_path_adapter("sklearn", _sklearn_path), ("sklearn.linear_model", "enet_path")),
    "celer": (_centred_path_adapter("celer", _celer_path), ("celer", "celer_path")),
    "skglm": (_warm_loop_adapter("skglm", max_iter=MAX_OUTER, max_epochs=MAX_EPOCHS),
              ("skglm", "ElasticNet")),
    "glum": (path_glum, ("glum", "GeneralizedLinearRegressor")),
}


# ------------------------------------------------------- cross-validation
def _cv_record(solver, start, alpha_min, cv_mean, coef, intercept):
    return dict(solver=solver, time=perf_counter() - start, alpha_min=float(alpha_min),
                cv_mean=np.asarray(cv_mean, dtype=float), coef=np.asarray(coef, dtype=float),
                intercept=float(intercept))


def cv_l1l2(X, y, alphas, splits):
    import l1l2
    start = perf_counter()
    res = l1l2.lasso_cv(X, y, cv=splits, alphas=alphas)
    return _cv_record("l1l2", start, res.alpha_min, res.cv_mean, res.best.coef, res.best.intercept)


def _cv_estimator_adapter(solver, module):
    """LassoCV of scikit-learn or celer, CV_JOBS folds in parallel."""
    def cv(X, y, alphas, splits):
        LassoCV = _load(module, "LassoCV")
        start = perf_counter()
        est = LassoCV(alphas=alphas, cv=splits, n_jobs=CV_JOBS).fit(X, y)
        # mse_path_ is (n_alphas, n_folds), alphas in decreasing order like ours.
        return _cv_record(solver, start, est.alpha_, est.mse_path_.mean(axis=1), est.coef_,
                          est.intercept_)
    return cv


CV_SOLVERS = {
    "l1l2": (cv_l1l2, ("l1l2", "lasso_cv")),
    "sklearn": (_cv_estimator_adapter("sklearn", "sklearn.linear_model"),
                ("sklearn.linear_model", "LassoCV")),
    "celer": (_cv_estimator_adapter("celer", "celer"), ("celer", "LassoCV")),
}


def available(table):
    """Adapters of ``table`` whose API imports, and the names of those that do not."""
    found = {name: fit for name, (fit, api) in table.items() if importable(*api)}
    return found, [name for name in table if name not in found]


# ------------------------------------------------------------- sparse X
# Lasso on a scipy.sparse CSC X (run_sparse.py). Each builder returns the solver's public
# call as a no-argument function returning (coef, intercept, n_iter, converged), so that
# run_sparse.py can time it and measure its peak memory without the objective computed
# afterwards. Nothing here centres X, which would densify it: every solver handles the
# intercept with column offsets instead. Tasks: "fit" (alpha a float) and "path" (alphas a
# decreasing array; coef (n_alphas, p), intercept (n_alphas,)).

def _l1l2_fit_call(X, y, alpha, tol):
    import l1l2

    def call():
        res = l1l2.lasso(X, y, alpha, tol=tol, max_iter=MAX_EPOCHS)
        return res.coef, res.intercept, int(np.max(res.n_iter)), bool(np.all(res.converged))
    return call


def _l1l2_path_call(X, y, alphas, tol):
    import l1l2

    def call():
        res = l1l2.lasso_path(X, y, alphas=alphas, tol=tol, max_iter=MAX_EPOCHS)
        return res.coefs, res.intercepts, int(np.sum(res.n_iters)), bool(np.all(res.converged))
    return call


def _estimator_fit_call(solver, **params):
    """One fit of the Lasso estimator of ``solver`` (a PACKAGES key)."""
    def build(X, y, alpha, tol):
        cls = _api(solver, 1.0)

        def call():
            est = cls(alpha=alpha, tol=tol, **params).fit(X, y)
            return est.coef_, est.intercept_, int(np.max(est.n_iter_)), None
        return call
    return build


def _estimator_path_call(solver, **params):
    """The Lasso estimator of ``solver`` refitted with warm_start=True down the grid."""
    def build(X, y, alphas, tol):
        cls = _api(solver, 1.0)

        return lambda: _warm_loop(cls(tol=tol, warm_start=True, **params), X, y, alphas)
    return build


def _celer_path_call(X, y, alphas, tol):
    """celer_path on the uncentred X, as celer's Lasso.fit calls it for sparse input: y
    centred, the column means passed as X_offset (with unit X_scale); prune=1 is its
    estimators' default. The intercepts are recovered from the means."""
    celer_path = _load("celer", "celer_path")

    def call():
        X_offset, y_mean = np.asarray(X.mean(axis=0)).ravel(), y.mean()
        _, coefs, _, n_iters = celer_path(X, y - y_mean, "lasso", alphas=alphas, tol=tol,
                                          max_iter=MAX_OUTER, max_epochs=MAX_EPOCHS, prune=1,
                                          X_offset=X_offset, X_scale=np.ones_like(X_offset),
                                          return_n_iter=True)
        return coefs.T, y_mean - coefs.T @ X_offset, int(np.sum(n_iters)), None
    return call


# scikit-learn runs with copy_X=False: it never modifies a sparse X (its sparse solver takes
# the column means instead), and with copy_X=True every fit would copy X first. celer's
# Lasso has no copy_X and copies X on every fit; skglm copies X when fit_intercept=True.
# Paths: scikit-learn's and celer's path functions fit no intercept (centring X would
# densify it), so scikit-learn runs as warm-started Lasso fits and celer as celer_path with
# X_offset ("celer-warm": its warm-started Lasso, about as fast); skglm as warm-started
# Lasso fits, as on dense X.
SPARSE_CALLS = {
    "fit": {
        "l1l2": _l1l2_fit_call,
        "sklearn": _estimator_fit_call("sklearn", precompute=False, copy_X=False, max_iter=MAX_EPOCHS),
        "celer": _estimator_fit_call("celer", max_iter=MAX_OUTER, max_epochs=MAX_EPOCHS),
        "skglm": _estimator_fit_call("skglm", max_iter=MAX_OUTER, max_epochs=MAX_EPOCHS),
    },
    "path": {
        "l1l2": _l1l2_path_call,
        "sklearn": _estimator_path_call("sklearn", precompute=False, copy_X=False, max_iter=MAX_EPOCHS),
        "celer": _celer_path_call,
        "celer-warm": _estimator_path_call("celer", max_iter=MAX_OUTER, max_epochs=MAX_EPOCHS),
        "skglm": _estimator_path_call("skglm", max_iter=MAX_OUTER, max_epochs=MAX_EPOCHS),
    },
}


def sparse_call(task, solver, X, y, alpha, tol):
    """The public call of ``solver`` for ``task`` ("fit" or "path") on CSC X, ready to run."""
    return SPARSE_CALLS[task][solver](X, y, alpha, tol)
