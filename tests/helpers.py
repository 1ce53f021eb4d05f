"""Helpers shared by the test modules: the families and their calls, option tables turned into keywords,
and comparisons. Test modules import them as `import helpers` or `from helpers import ...`, like
`import reference` (conftest.py puts this folder on sys.path)."""

import functools

import numpy as np

import l1l2
import reference

TIGHT = 1e-12  # tol for float64 fits and paths that must be (nearly) exact
# At TIGHT, CD on wide or correlated designs (or CV folds) near the end of the grid can need 1e5..3e5
# sweeps (cold or warm, l1l2 or scikit-learn alike); tests about the optimum, not the speed, allow that many.
PATIENT = 1_000_000
RATIO = {"lasso": 1.0, "enet": 0.5, "ridge": 0.0}  # the l1_ratio of each family
FAMILIES = ["lasso", "enet", "ridge"]
L1_FAMILIES = ["lasso", "enet"]  # the families with paths and cross-validation
KINDS = ["tall", "wide", "correlated"]


def fit_of(family, X, y, alpha, **kwargs):
    """Call the l1l2 function of a family at one alpha (enet: l1_ratio = RATIO["enet"]; ridge: solver="cd")."""
    if family == "lasso":
        return l1l2.lasso(X, y, alpha, **kwargs)
    if family == "enet":
        return l1l2.elastic_net(X, y, alpha, RATIO["enet"], **kwargs)
    return l1l2.ridge(X, y, alpha, solver="cd", **kwargs)


def path_callable(family):
    """lasso_path, or enet_path with l1_ratio = RATIO[family]: a callable f(X, y, **kwargs).

    It adds no Python frame of its own (a functools.partial), so a warning raised by a path computed
    with it points at the caller's line, not at this file.
    """
    if family == "lasso":
        return l1l2.lasso_path
    return functools.partial(l1l2.enet_path, l1_ratio=RATIO[family])


def path_of(family, X, y, **kwargs):
    """Call lasso_path or enet_path (l1_ratio = RATIO["enet"])."""
    return path_callable(family)(X, y, **kwargs)


def cv_of(family, X, y, **kwargs):
    """Call lasso_cv or enet_cv (l1_ratio = RATIO["enet"])."""
    if family == "lasso":
        return l1l2.lasso_cv(X, y, **kwargs)
    return l1l2.enet_cv(X, y, l1_ratio=RATIO[family], **kwargs)


def assert_coef_close(actual, expected, tol, err_msg=""):
    """Coefficients (or intercepts) agree to tol relative to max(1, largest |expected|)."""
    expected = np.asarray(expected, dtype=np.float64)
    atol = tol * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=0, atol=atol,
                               err_msg=err_msg)


def reference_keywords(options):
    """The keywords the reference functions share with the fit (all but positive)."""
    return {key: value for key, value in options.items() if key in ("sample_weight", "penalty_factor")}


def draw_options(entry, X, rng, *, weight_low, free, weight_dtype=None):
    """Turn an entry of an options table into keyword arguments for X, drawing from rng.

    sample_weight "random" becomes weights drawn uniformly from [weight_low, 3) (cast to weight_dtype
    if given); penalty_factor "with_zero" becomes factors drawn from [0.3, 3) and set to 0 at `free`
    (an index or a list of indices). Other entries are passed on as they are.
    """
    options = dict(entry)
    if options.get("sample_weight") == "random":
        weights = rng.uniform(weight_low, 3.0, X.shape[0])
        options["sample_weight"] = weights if weight_dtype is None else weights.astype(weight_dtype)
    if options.get("penalty_factor") == "with_zero":
        factors = rng.uniform(0.3, 3.0, X.shape[1])
        factors[free] = 0.0
        options["penalty_factor"] = factors
    return options


def centred_objective(X, y, coef, alpha, l1_ratio, sample_weight):
    """P at coef with the optimal intercept, evaluated on explicitly centred data (no cancellation)."""
    xc, yc, _, _, _ = reference.centre(X, y, sample_weight)
    return reference.objective(xc, yc, coef, 0.0, alpha, l1_ratio, sample_weight=sample_weight)


def shifted_problem(problem, rng, offset):
    """Return (X, y, weights): the "tall" problem with column means and y moved by about offset, and
    sample weights drawn from [0.1, 3)."""
    X, y = problem("tall")
    X = X + offset * rng.uniform(0.5, 2.0, X.shape[1])
    y = y + offset
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    return X, y, weights


def centred_suboptimality(X, y, coef, alpha, l1_ratio, weights):
    """Return (optimum, suboptimality of coef, unit) on explicitly centred data.

    optimum is centred_objective at reference.coordinate_descent's coef, suboptimality is
    centred_objective at coef minus optimum, and unit is reference.scale(y, weights).
    """
    coef_ref, _ = reference.coordinate_descent(X, y, alpha, l1_ratio, sample_weight=weights)
    unit = reference.scale(y, weights)
    optimum = centred_objective(X, y, coef_ref, alpha, l1_ratio, weights)
    suboptimality = centred_objective(X, y, coef, alpha, l1_ratio, weights) - optimum
    return optimum, suboptimality, unit


def convergence_warnings(caught):
    """The ConvergenceWarnings among the warnings recorded by warnings.catch_warnings(record=True)."""
    return [w for w in caught if issubclass(w.category, l1l2.ConvergenceWarning)]
