"""One adapter per solver, all with the signature ``fit(X, y, alpha, l1_ratio, tol)``.

Each adapter times only the solver's public fit call (estimator construction
included, it is negligible) and returns the same record. The objective is
recomputed here from the returned coef/intercept with a single NumPy function,
so every solver is judged by the same yardstick rather than by its own report.
"""
import importlib
from time import perf_counter

import numpy as np

# Iteration caps high enough that the tolerance, not the cap, stops every solver.
MAX_EPOCHS = 100_000

# solver -> (module, distribution name for version reporting, (lasso API, enet API)).
PACKAGES = {
    "l1l2": ("l1l2", "l1l2", ("lasso", "elastic_net")),
    "sklearn": ("sklearn.linear_model", "scikit-learn", ("Lasso", "ElasticNet")),
    "sklearn-gram": ("sklearn.linear_model", "scikit-learn", ("Lasso", "ElasticNet")),
    "celer": ("celer", "celer", ("Lasso", "ElasticNet")),
    "skglm": ("skglm", "skglm", ("Lasso", "ElasticNet")),
}


def objective(X, y, coef, intercept, alpha, l1_ratio):
    """(1/2n)||y - Xw - b||^2 + alpha * (rho ||w||_1 + (1 - rho)/2 ||w||^2)."""
    residual = y - X @ coef - intercept
    penalty = l1_ratio * np.abs(coef).sum() + 0.5 * (1.0 - l1_ratio) * (coef @ coef)
    return residual @ residual / (2 * len(y)) + alpha * penalty


def _api(solver, l1_ratio):
    """The solver's Lasso entry point if l1_ratio == 1, else its elastic-net one."""
    module, _, (lasso, enet) = PACKAGES[solver]
    return getattr(importlib.import_module(module), lasso if l1_ratio == 1.0 else enet)


def _record(solver, fit_call, X, y, alpha, l1_ratio):
    start = perf_counter()
    coef, intercept, n_iter, converged = fit_call()
    elapsed = perf_counter() - start
    coef = np.asarray(coef, dtype=float).ravel()
    return dict(solver=solver, time=elapsed, n_iter=n_iter, converged=converged,
                objective=objective(X, y, coef, float(intercept), alpha, l1_ratio),
                coef=coef, intercept=float(intercept))


def fit_l1l2(X, y, alpha, l1_ratio, tol):
    solve = _api("l1l2", l1_ratio)
    # Lasso is called without l1_ratio: it is the dedicated public entry point.
    extra = () if l1_ratio == 1.0 else (l1_ratio,)

    def call():
        res = solve(X, y, alpha, *extra, tol=tol, max_iter=MAX_EPOCHS)
        return res.coef, res.intercept, res.n_iter, bool(res.converged)

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
    "celer": _estimator_adapter("celer", max_iter=1_000, max_epochs=MAX_EPOCHS),
    "skglm": _estimator_adapter("skglm", max_iter=1_000, max_epochs=MAX_EPOCHS),
}


def available_solvers():
    """Solvers whose API imports; missing ones (e.g. l1l2 not built yet) are skipped."""
    found, missing = {}, []
    for name, fit in SOLVERS.items():
        try:
            _api(name, 1.0), _api(name, 0.5)
            found[name] = fit
        except (ImportError, AttributeError):
            missing.append(name)
    return found, missing
