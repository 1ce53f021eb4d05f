"""lasso_path and enet_path (and the precompute option of the single fits) against their oracles.

Oracles, most trusted first: the KKT conditions at every alpha (reference.kkt_violation), cold single
fits at a tight tol, the exact piecewise-linear lasso path of scikit-learn's lars_path on the diabetes
data, and the exact alpha_max (reference.alpha_max, or least squares on the free features first when
some penalty factors are 0). Then Gram mode against residual mode, the default grid, the PathResult
contract, the ConvergenceWarning, verbose output and the documented input errors.
"""

import dataclasses
import pickle
import re
import warnings

import numpy as np
import pytest

import l1l2
import reference
from helpers import (FAMILIES, KINDS, L1_FAMILIES, PATIENT, RATIO, TIGHT, assert_coef_close,
                     centred_suboptimality, convergence_warnings, draw_options, fit_of, path_callable, path_of,
                     reference_keywords, shifted_problem)
from l1l2.data import load_diabetes


def exact_alpha_max(X, y, l1_ratio=1.0, *, sample_weight=None, penalty_factor=None, fit_intercept=True,
                    positive=False):
    """Return the smallest alpha at which every penalised coef is 0, also when some factors are 0.

    Features with factor 0 are fitted first by weighted least squares (with the intercept); alpha_max
    is then the largest |correlation| / f_j of a penalised feature with that residual, divided by
    max(l1_ratio, 1e-3) as glmnet does. (Not for positive=True with free features.)
    """
    xc, yc, _, _, s = reference.centre(X, y, sample_weight, fit_intercept)
    n, p = xc.shape
    f = reference.penalty_factors(penalty_factor, p)
    free = f == 0
    residual = yc
    if free.any():
        root = np.sqrt(s)
        beta = np.linalg.lstsq(root[:, None] * xc[:, free], root * yc, rcond=None)[0]
        residual = yc - xc[:, free] @ beta
    correlation = xc[:, ~free].T @ (s * residual) / n
    if not positive:
        correlation = np.abs(correlation)
    return max(float(np.max(correlation / f[~free])), 0.0) / max(l1_ratio, 1e-3)


def check_point_is_optimal(path, i, X, y, l1_ratio, options, kkt_tol, err_msg=""):
    """The i-th point of the path satisfies the KKT conditions of its alpha and its certificate."""
    fit_intercept = options.get("fit_intercept", True)
    violation = reference.kkt_violation(
        X, y, path.coefs[i], path.intercepts[i], path.alphas[i], l1_ratio,
        positive=options.get("positive", False), fit_intercept=fit_intercept, **reference_keywords(options))
    assert violation <= kkt_tol, f"{err_msg} alpha[{i}]={path.alphas[i]:.4g}: KKT violation {violation:.3g}"


def stress_problem(rng, kind):
    """Return (X, y) built to trip strong rules and screening.

    "toeplitz": 50 x 40, Toeplitz(0.95) columns; "duplicated": 60 x 16 with exact copies and a
    negated copy of signal columns; "wide": 25 x 300 with a few strong, correlated columns.
    """
    if kind == "toeplitz":
        n, p = 50, 40
        correlation = 0.95 ** np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
        X = rng.standard_normal((n, p)) @ np.linalg.cholesky(correlation).T
        coef = np.zeros(p)
        coef[[3, 4, 20, 30]] = [2.0, -2.0, 1.5, 1.0]  # neighbours of opposite sign: hard for the path
    elif kind == "duplicated":
        n = 60
        base = rng.standard_normal((n, 10))
        X = np.column_stack([base, base[:, 0], base[:, 0], -base[:, 1], base[:, 2], base[:, 5], base[:, 9]])
        coef = np.zeros(X.shape[1])
        coef[[0, 1, 2, 5]] = [3.0, -2.0, 1.0, 0.5]
    else:
        n, p = 25, 300
        X = rng.standard_normal((n, p))
        X[:, 1:6] = X[:, [0]] + 0.1 * rng.standard_normal((n, 5))
        coef = np.zeros(p)
        coef[[0, 7, 100, 250]] = [3.0, -2.0, 1.5, 1.0]
    X = X * rng.uniform(0.5, 2.0, X.shape[1]) + rng.uniform(-1.0, 1.0, X.shape[1])
    y = X @ coef + 0.3 * rng.standard_normal(X.shape[0]) + 2.0
    return X, y


STRESS_OPTIONS = ["plain", "weights", "free_features", "positive", "no_intercept", "everything"]


def stress_options(name, X, rng):
    """Keyword arguments for a STRESS_OPTIONS entry."""
    n, p = X.shape
    options = {}
    if name in ("weights", "everything"):
        weights = rng.uniform(0.1, 3.0, n)
        weights[[1, 4]] = 0.0  # zero weights: these rows must not count anywhere
        options["sample_weight"] = weights
    if name in ("free_features", "everything"):
        factors = rng.uniform(0.3, 3.0, p)
        factors[[1, 2]] = 0.0
        options["penalty_factor"] = factors
    if name in ("positive", "everything"):
        options["positive"] = True
    if name == "no_intercept":
        options["fit_intercept"] = False
    return options


# --------------------------------------------------------------------------------------------------
# The path equals cold fits; KKT at every alpha


@pytest.mark.parametrize("option", ["plain", "weights", "free_features", "positive", "no_intercept"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_path_equals_cold_fits(family, kind, option, problem, rng, tols64):
    X, y = problem(kind)
    options = stress_options(option, X, rng)
    path = path_of(family, X, y, n_alphas=15, tol=TIGHT, max_iter=PATIENT, **options)

    assert np.all(path.converged)
    for i, alpha in enumerate(path.alphas):
        cold = fit_of(family, X, y, alpha, tol=TIGHT, max_iter=PATIENT, **options)
        assert cold.converged
        np.testing.assert_allclose(path.objectives[i], cold.objective, rtol=tols64.objective,
                                   err_msg=f"alpha[{i}]")
        # two fits with gaps of 1e-12 * scale may differ by sqrt(gap / curvature): 4e-5 seen on
        # "correlated" with free features; anything larger is a different solution
        assert_coef_close(path.coefs[i], cold.coef, 1e-4, err_msg=f"alpha[{i}]")
        # the intercept sums the coef errors of every feature (x_mean . w): check it is optimal instead
        optimal = reference.intercept(X, y, path.coefs[i], options.get("sample_weight"),
                                      options.get("fit_intercept", True))
        assert_coef_close(path.intercepts[i], optimal, 1e-10, err_msg=f"alpha[{i}]")


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_path_fields_are_the_documented_objective_and_gap(family, fit_intercept, problem, rng):
    X, y = problem("correlated")
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    tol = 1e-8
    path = path_of(family, X, y, n_alphas=20, tol=tol, sample_weight=weights, penalty_factor=factors,
                   fit_intercept=fit_intercept)
    unit = reference.scale(y, weights, fit_intercept)

    assert np.all(path.converged)
    assert np.all(path.dual_gaps >= 0)
    assert np.all(path.dual_gaps <= tol * unit * (1 + 1e-6))
    for i, alpha in enumerate(path.alphas):
        expected = reference.objective(X, y, path.coefs[i], path.intercepts[i], alpha, RATIO[family],
                                       sample_weight=weights, penalty_factor=factors)
        np.testing.assert_allclose(path.objectives[i], expected, rtol=1e-12, atol=1e-14 * unit)
        intercept = reference.intercept(X, y, path.coefs[i], weights, fit_intercept)
        assert_coef_close(path.intercepts[i], intercept, 1e-10)


@pytest.mark.parametrize("option", STRESS_OPTIONS)
@pytest.mark.parametrize("kind", ["toeplitz", "duplicated", "wide"])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_kkt_holds_at_every_alpha_of_hard_paths(family, kind, option, rng, tols64):
    X, y = stress_problem(rng, kind)
    options = stress_options(option, X, rng)
    path = path_of(family, X, y, n_alphas=40, tol=TIGHT, max_iter=PATIENT, **options)

    assert np.all(path.converged)
    assert np.all(np.diff(path.alphas) < 0)
    for i in range(len(path.alphas)):
        check_point_is_optimal(path, i, X, y, RATIO[family], options, tols64.kkt)
    if options.get("positive"):
        assert np.all(path.coefs >= 0)


@pytest.mark.parametrize("option", ["plain", "everything"])
@pytest.mark.parametrize("kind", ["toeplitz", "duplicated", "wide"])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_hard_paths_drop_nothing_that_cold_fits_keep(family, kind, option, rng, tols64):
    # The fitted values of the lasso are unique even when its coefs are not (duplicated columns);
    # a feature wrongly discarded by screening shows up as a different fit or a higher objective.
    X, y = stress_problem(rng, kind)
    options = stress_options(option, X, rng)
    path = path_of(family, X, y, n_alphas=25, tol=TIGHT, max_iter=PATIENT, **options)
    fitted = path.predict(X)

    assert np.all(path.converged)
    for i, alpha in enumerate(path.alphas):
        # a cold start on duplicated columns can need ~50000 sweeps (the split of a twin pair
        # converges at rate 1 - l2 / colsq); the point is the optimum, not the speed
        cold = fit_of(family, X, y, alpha, tol=TIGHT, max_iter=PATIENT, **options)
        assert cold.converged, f"alpha[{i}]"
        assert path.objectives[i] <= cold.objective * (1 + tols64.objective), f"alpha[{i}]"
        scale = np.sqrt(reference.scale(y, options.get("sample_weight")))
        np.testing.assert_allclose(fitted[:, i], cold.predict(X), rtol=0, atol=1e-4 * scale,
                                   err_msg=f"alpha[{i}]")
        if kind != "duplicated":  # unique solutions: same support
            clearly_nonzero = np.abs(cold.coef) > 1e-4 * max(1.0, np.max(np.abs(cold.coef)))
            assert np.all(path.coefs[i][clearly_nonzero] != 0), f"alpha[{i}]"


@pytest.mark.parametrize("positive", [False, True], ids=["signed", "positive"])
def test_tiny_random_paths_are_optimal(positive, tols64):
    # many small problems, a few degenerate (n = 1, p = 1, constant columns)
    rng = np.random.default_rng(20240601)
    for case in range(30):
        n, p = int(rng.integers(1, 8)), int(rng.integers(1, 8))
        X = rng.standard_normal((n, p)).round(1)
        if case % 5 == 0:
            X[:, 0] = 1.5
        y = rng.standard_normal(n).round(1)
        path = l1l2.lasso_path(X, y, n_alphas=8, tol=TIGHT, positive=positive)
        assert np.all(path.converged), case
        for i in range(len(path)):
            check_point_is_optimal(path, i, X, y, 1.0, {"positive": positive}, tols64.kkt, f"case {case}")


@pytest.mark.parametrize("case", ["positive_all_negative", "nothing_penalised", "constant_y"])
def test_paths_without_an_alpha_max_are_still_optimal(case, problem, tols64):
    # alpha_max is 0 here (no penalised feature can enter): the grid is the package's choice, but
    # every point must be a certified optimum, without errors or warnings
    X, y = problem("tall")
    options = {}
    if case == "positive_all_negative":  # every column follows z, y follows -z
        z = X[:, 0] - X[:, 0].mean()
        X = np.column_stack([z + 0.1 * X[:, j] for j in range(1, 4)])
        y = 1.0 - z
        options["positive"] = True
        assert reference.alpha_max(X, y, positive=True) == 0
    if case == "nothing_penalised":
        options["penalty_factor"] = np.zeros(X.shape[1])
    if case == "constant_y":
        y = np.full(X.shape[0], 2.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = l1l2.lasso_path(X, y, n_alphas=5, tol=TIGHT, **options)
    assert len(path) == 5 and np.all(np.diff(path.alphas) < 0) and np.all(path.alphas > 0)
    assert np.all(path.converged)
    for i in range(len(path)):
        check_point_is_optimal(path, i, X, y, 1.0, options, tols64.kkt)
    if case != "nothing_penalised":
        assert not np.any(path.coefs)


# --------------------------------------------------------------------------------------------------
# The exact lasso path on the diabetes data (scikit-learn's LARS)


def diabetes(standardise):
    X, y, _ = load_diabetes()
    if standardise:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


def lars_knots(X, y):
    """Return (alphas, coefs (p, knots)) of the exact lasso path of centred data, by LARS."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    xc, yc = X - X.mean(axis=0), y - y.mean()
    alphas, _, coefs = linear_model.lars_path(xc, yc, method="lasso")
    return alphas, coefs


@pytest.mark.slow
@pytest.mark.parametrize("standardise", [False, True], ids=["raw", "standardised"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "centred_no_intercept"])
def test_diabetes_path_matches_lars_at_its_knots(standardise, fit_intercept):
    X, y = diabetes(standardise)
    knots, lars_coefs = lars_knots(X, y)
    knots, lars_coefs = knots[knots > 0], lars_coefs[:, knots > 0]
    if not fit_intercept:  # lars_path has no intercept: give the same centred data
        X, y = X - X.mean(axis=0), y - y.mean()
    path = l1l2.lasso_path(X, y, alphas=knots, tol=TIGHT, fit_intercept=fit_intercept)
    x_scale = X.std(axis=0)  # compare coefs in units of y, whatever the scale of the columns

    np.testing.assert_allclose(path.alphas, knots, rtol=1e-15)
    assert np.all(path.converged)
    for i, alpha in enumerate(knots):
        assert_coef_close(path.coefs[i] * x_scale, lars_coefs[:, i] * x_scale, 1e-6, err_msg=f"knot {i}")
        lars_objective = reference.objective(X, y, lars_coefs[:, i],
                                             reference.intercept(X, y, lars_coefs[:, i], None, fit_intercept),
                                             alpha)
        np.testing.assert_allclose(path.objectives[i], lars_objective, rtol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("standardise", [False, True], ids=["raw", "standardised"])
def test_diabetes_default_path_is_the_lars_interpolation(standardise):
    # The lasso path is piecewise linear between the LARS knots: every point of the default grid must
    # lie on it, and the grid must start exactly at the first knot (alpha_max).
    X, y = diabetes(standardise)
    knots, lars_coefs = lars_knots(X, y)
    path = l1l2.lasso_path(X, y, tol=TIGHT)
    x_scale = X.std(axis=0)
    largest = np.max(np.abs(lars_coefs * x_scale[:, None]))

    np.testing.assert_allclose(path.alphas[0], knots[0], rtol=1e-12)
    assert len(path) == 100
    np.testing.assert_allclose(path.alphas[-1], 1e-4 * knots[0], rtol=1e-12)
    assert np.all(path.converged)
    for i, alpha in enumerate(path.alphas):
        expected = np.array([np.interp(alpha, knots[::-1], row[::-1]) for row in lars_coefs])
        assert_coef_close(path.coefs[i] * x_scale, expected * x_scale, 1e-6, err_msg=f"alpha[{i}]")
        # the support is the LARS active set (LARS leaves ~1e-17 on a variable about to drop out)
        size = np.abs(expected * x_scale)
        assert np.all(path.coefs[i][size > 1e-9 * largest] != 0), f"alpha[{i}]"
        assert not np.any(path.coefs[i][expected == 0]), f"alpha[{i}]"
    np.testing.assert_array_equal(path.df, np.count_nonzero(path.coefs, axis=1))


# --------------------------------------------------------------------------------------------------
# Gram (covariance) mode equals residual mode


GRAM_OPTIONS = {
    "plain": {},
    "weights": {"sample_weight": "random"},
    "no_intercept": {"fit_intercept": False},
    "weights_factors_positive": {"sample_weight": "random", "penalty_factor": "with_zero", "positive": True},
}


def gram_options(name, X, rng):
    """Keyword arguments for a GRAM_OPTIONS entry: weights in [0.1, 3) of the dtype of X, feature 0 free."""
    return draw_options(GRAM_OPTIONS[name], X, rng, weight_low=0.1, free=0, weight_dtype=X.dtype)


@pytest.mark.filterwarnings("ignore::l1l2.ConvergenceWarning")  # float32 may stop short of tol
@pytest.mark.parametrize("option", list(GRAM_OPTIONS))
@pytest.mark.parametrize("kind", ["tall", "correlated", "wide"])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_gram_path_equals_residual_path(family, kind, option, dtype, tols, problem, rng):
    X, y = problem(kind, dtype=dtype)
    options = gram_options(option, X, rng)
    gram = path_of(family, X, y, n_alphas=20, tol=tols.fit_tol, precompute=True, max_iter=PATIENT, **options)
    residual = path_of(family, X, y, n_alphas=20, tol=tols.fit_tol, precompute=False, max_iter=PATIENT,
                       **options)

    np.testing.assert_allclose(gram.alphas, residual.alphas, rtol=1e-12 if dtype == np.float64 else 1e-6)
    assert gram.coefs.dtype == residual.coefs.dtype == dtype
    if dtype == np.float64:
        assert np.all(gram.converged) and np.all(residual.converged)
    np.testing.assert_allclose(gram.objectives, residual.objectives, rtol=tols.objective)
    for i in range(len(gram)):
        assert_coef_close(gram.coefs[i], residual.coefs[i], tols.coef, err_msg=f"alpha[{i}]")
        assert_coef_close(gram.intercepts[i], residual.intercepts[i], tols.coef, err_msg=f"alpha[{i}]")
    if dtype == np.float64:  # the Gram path must be optimal in its own right
        for i in range(len(gram)):
            check_point_is_optimal(gram, i, X, y, RATIO[family], options, tols.kkt)


@pytest.mark.parametrize("option", list(GRAM_OPTIONS))
@pytest.mark.parametrize("family", FAMILIES)
def test_gram_single_fit_equals_residual_fit(family, option, dtype, tols, problem, rng):
    X, y = problem("correlated", dtype=dtype)
    options = gram_options(option, X, rng)
    if family == "ridge":
        options.pop("positive", None)
        fit = lambda **kw: l1l2.ridge(X, y, alpha, **kw)  # noqa: E731
        alpha = 0.1 * reference.alpha_max(X, y)
    else:
        fit = lambda **kw: fit_of(family, X, y, alpha, **kw)  # noqa: E731
        alpha = 0.05 * reference.alpha_max(X, y, RATIO[family])
    gram = fit(precompute=True, tol=tols.fit_tol, **options)
    residual = fit(precompute=False, tol=tols.fit_tol, **options)
    auto = fit(precompute="auto", tol=tols.fit_tol, **options)

    np.testing.assert_allclose(gram.objective, residual.objective, rtol=tols.objective)
    np.testing.assert_allclose(auto.objective, residual.objective, rtol=tols.objective)
    assert_coef_close(gram.coef, residual.coef, tols.coef)
    assert_coef_close(gram.intercept, residual.intercept, tols.coef)
    assert gram.coef.dtype == dtype
    if dtype == np.float64:
        assert gram.converged
        violation = reference.kkt_violation(X, y, gram.coef, gram.intercept, alpha,
                                            RATIO.get(family, 0.0), positive=options.get("positive", False),
                                            fit_intercept=options.get("fit_intercept", True),
                                            **reference_keywords(options))
        assert violation <= tols.kkt


@pytest.mark.parametrize("offset", [1e2, 1e4, 1e6])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_gram_mode_with_large_column_means(family, offset, problem, rng):
    # X'X of uncentred columns loses the centred Gram matrix to cancellation (offset^2 against 1):
    # Gram mode must centre before it multiplies, and keep its certificate like residual mode does.
    X, y, weights = shifted_problem(problem, rng, offset)
    alpha = 0.05 * reference.alpha_max(X, y, RATIO[family], sample_weight=weights)
    tol = 1e-7
    with warnings.catch_warnings():
        warnings.simplefilter("error", l1l2.ConvergenceWarning)
        res = fit_of(family, X, y, alpha, tol=tol, sample_weight=weights, precompute=True)
    _, suboptimality, unit = centred_suboptimality(X, y, res.coef, alpha, RATIO[family], weights)

    assert res.converged
    assert suboptimality <= tol * unit
    assert res.intercept == pytest.approx(reference.intercept(X, y, res.coef, weights), rel=1e-12,
                                          abs=1e-9 * offset)


# --------------------------------------------------------------------------------------------------
# The default grid and user grids


@pytest.mark.parametrize("option",
                         ["plain", "weights", "factors", "free_features", "positive", "no_intercept"])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_first_alpha_is_exact_alpha_max(family, option, problem, rng):
    X, y = problem("wide")
    options = {}
    if option == "weights":
        options["sample_weight"] = rng.uniform(0.1, 3.0, X.shape[0])
    if option in ("factors", "free_features"):
        options["penalty_factor"] = rng.uniform(0.3, 3.0, X.shape[1])
        if option == "free_features":
            options["penalty_factor"][[0, 5]] = 0.0
    if option == "positive":
        options["positive"] = True
        y = y - 0.5 * X[:, 0]  # make sure both signs occur among the correlations
    if option == "no_intercept":
        options["fit_intercept"] = False
    path = path_of(family, X, y, tol=TIGHT, max_iter=PATIENT, **options)
    top = exact_alpha_max(X, y, RATIO[family], **options)
    penalised = reference.penalty_factors(options.get("penalty_factor"), X.shape[1]) > 0

    np.testing.assert_allclose(path.alphas[0], top, rtol=1e-10)
    assert not np.any(path.coefs[0][penalised])
    assert path.df[0] == np.count_nonzero(path.coefs[0][~penalised])  # only free features
    assert np.any(path.coefs[1][penalised])
    if option == "free_features":
        assert np.all(path.coefs[0][~penalised] != 0)
    # just above alpha_max a cold fit is zero too, just below it is not
    assert not np.any(fit_of(family, X, y, top * (1 + 1e-7), tol=TIGHT, **options).coef[penalised])
    assert np.any(fit_of(family, X, y, top * (1 - 1e-5), tol=TIGHT, **options).coef[penalised])


@pytest.mark.parametrize("l1_ratio", [1.0, 0.3, 1e-2, 2e-3, 1e-3, 1e-4, 0.0])
def test_alpha_max_divides_by_l1_ratio_floored_at_1e_3(l1_ratio, problem):
    X, y = problem("tall")
    path = l1l2.enet_path(X, y, l1_ratio, n_alphas=3)
    top = reference.alpha_max(X, y, 1.0) / max(l1_ratio, 1e-3)
    np.testing.assert_allclose(path.alphas[0], top, rtol=1e-10)
    assert path.l1_ratio == l1_ratio
    if l1_ratio >= 1e-3:
        assert not np.any(path.coefs[0])


@pytest.mark.filterwarnings("ignore::l1l2.ConvergenceWarning")  # square Gaussian X: near singular
@pytest.mark.parametrize(("n_samples", "n_features", "ratio"),
                         [(40, 10, 1e-4), (20, 20, 1e-4), (15, 30, 1e-2)], ids=["tall", "square", "wide"])
def test_default_grid_length_and_ratio(n_samples, n_features, ratio, rng):
    X = rng.standard_normal((n_samples, n_features))
    y = X[:, 0] - X[:, 1] + rng.standard_normal(n_samples)
    path = l1l2.lasso_path(X, y)
    log_steps = np.diff(np.log(path.alphas))

    assert path.alphas.shape == (100,)
    assert len(path) == 100
    np.testing.assert_allclose(path.alphas[-1] / path.alphas[0], ratio, rtol=1e-10)
    np.testing.assert_allclose(log_steps, np.log(ratio) / 99, rtol=1e-8)
    np.testing.assert_allclose(path.alphas[0], reference.alpha_max(X, y), rtol=1e-10)


@pytest.mark.parametrize("n_alphas", [1, 2, 7])
@pytest.mark.parametrize("alpha_min_ratio", [None, 0.3, 1e-6])
def test_grid_keywords(n_alphas, alpha_min_ratio, problem):
    X, y = problem("tall")
    path = l1l2.lasso_path(X, y, n_alphas=n_alphas, alpha_min_ratio=alpha_min_ratio)
    ratio = 1e-4 if alpha_min_ratio is None else alpha_min_ratio
    top = reference.alpha_max(X, y)
    expected = top if n_alphas == 1 else np.geomspace(top, top * ratio, n_alphas)

    assert len(path) == n_alphas
    np.testing.assert_allclose(path.alphas, np.atleast_1d(expected), rtol=1e-10)
    assert not np.any(path.coefs[0])


def test_user_alphas_are_sorted_decreasing(problem, rng, tols64):
    X, y = problem("correlated")
    top = reference.alpha_max(X, y)
    alphas = top * np.array([0.01, 0.5, 2.0, 0.1, 0.03, 1.0, 0.2])
    shuffled = l1l2.lasso_path(X, y, alphas=alphas, tol=TIGHT, max_iter=PATIENT)
    ordered = l1l2.lasso_path(X, y, alphas=np.sort(alphas)[::-1], tol=TIGHT, max_iter=PATIENT)

    np.testing.assert_array_equal(shuffled.alphas, np.sort(alphas)[::-1])
    assert_coef_close(shuffled.coefs, ordered.coefs, tols64.coef)
    for i, alpha in enumerate(shuffled.alphas):
        cold = l1l2.lasso(X, y, alpha, tol=TIGHT, max_iter=PATIENT)
        assert_coef_close(shuffled.coefs[i], cold.coef, tols64.coef)
    assert not np.any(shuffled.coefs[0])  # 2 alpha_max: all zero
    assert np.all(np.abs(shuffled.coefs[1]) <= 1e-12)  # alpha_max up to rounding: zero up to rounding


def test_user_alphas_accept_lists_and_a_single_alpha(problem, tols64):
    X, y = problem("tall")
    alpha = 0.1 * reference.alpha_max(X, y)
    for alphas in ([alpha], (alpha,), np.array([alpha])):
        path = l1l2.lasso_path(X, y, alphas=alphas, tol=TIGHT)
        assert len(path) == 1
        assert_coef_close(path.coefs[0], l1l2.lasso(X, y, alpha, tol=TIGHT).coef, tols64.coef)


def test_user_alpha_zero_is_least_squares(problem, tols64):
    X, y = problem("tall")
    path = l1l2.lasso_path(X, y, alphas=[0.1 * reference.alpha_max(X, y), 0.0], tol=TIGHT)
    design = np.column_stack([X, np.ones(X.shape[0])])
    least_squares = np.linalg.lstsq(design, y, rcond=None)[0]
    assert path.alphas[-1] == 0.0
    assert_coef_close(path.coefs[-1], least_squares[:-1], tols64.coef)
    assert_coef_close(path.intercepts[-1], least_squares[-1], tols64.coef)


# --------------------------------------------------------------------------------------------------
# PathResult


@pytest.mark.parametrize("family", L1_FAMILIES)
def test_path_result_fields_and_shapes(family, dtype, problem):
    X, y = problem("wide", dtype=dtype)
    n_alphas = 12
    path = path_of(family, X, y, n_alphas=n_alphas)

    assert dataclasses.is_dataclass(path)
    assert type(path).__name__ == "PathResult"
    assert len(path) == n_alphas
    assert path.alphas.shape == path.intercepts.shape == (n_alphas,)
    assert path.objectives.shape == path.dual_gaps.shape == (n_alphas,)
    assert path.n_iters.shape == path.converged.shape == path.df.shape == (n_alphas,)
    assert path.coefs.shape == (n_alphas, X.shape[1])
    assert path.coefs.dtype == dtype
    assert np.all(np.diff(path.alphas) < 0)
    assert path.converged.dtype == bool and np.all(path.converged)
    assert np.issubdtype(path.n_iters.dtype, np.integer) and np.all(path.n_iters >= 0)
    assert np.issubdtype(path.df.dtype, np.integer)
    np.testing.assert_array_equal(path.df, np.count_nonzero(path.coefs, axis=1))
    assert path.l1_ratio == RATIO[family]
    assert np.all(np.isfinite(path.objectives)) and np.all(path.dual_gaps >= 0)
    assert path.df[0] == 0 and path.df[-1] > 0


@pytest.mark.parametrize("family", L1_FAMILIES)
def test_path_getitem_is_the_fit_at_that_point(family, problem, rng):
    X, y = problem("tall")
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    path = path_of(family, X, y, n_alphas=10, sample_weight=weights)

    for i in range(len(path)):
        point = path[i]
        assert type(point).__name__ == "FitResult"
        np.testing.assert_array_equal(point.coef, path.coefs[i])
        assert point.intercept == path.intercepts[i]
        assert point.alpha == path.alphas[i]
        assert point.l1_ratio == path.l1_ratio
        assert point.objective == path.objectives[i]
        assert point.dual_gap == path.dual_gaps[i]
        assert point.n_iter == path.n_iters[i]
        assert bool(point.converged) == bool(path.converged[i])
        np.testing.assert_array_equal(point.active, np.flatnonzero(path.coefs[i]))
        np.testing.assert_allclose(point.predict(X), path.predict(X)[:, i], rtol=1e-12, atol=1e-12)


def test_path_predict(problem, rng):
    X, y = problem("tall")
    path = l1l2.lasso_path(X, y, n_alphas=9)
    X_new = rng.standard_normal((7, X.shape[1]))
    prediction = path.predict(X_new)
    assert prediction.shape == (7, 9)
    np.testing.assert_allclose(prediction, X_new @ path.coefs.T + path.intercepts, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError):
        path.predict(X_new[:, :-1])


def test_path_result_is_frozen_and_read_only(problem):
    X, y = problem("tall")
    path = l1l2.lasso_path(X, y, n_alphas=5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        path.alphas = np.ones(5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        path.l1_ratio = 0.5
    for field in dataclasses.fields(path):
        value = getattr(path, field.name)
        if isinstance(value, np.ndarray):
            assert not value.flags.writeable, field.name
    with pytest.raises(ValueError):
        path.coefs[0, 0] = 1.0


def test_path_result_pickles(problem):
    X, y = problem("tall")
    path = l1l2.enet_path(X, y, 0.7, n_alphas=6)
    clone = pickle.loads(pickle.dumps(path))
    for field in dataclasses.fields(path):
        np.testing.assert_array_equal(getattr(clone, field.name), getattr(path, field.name),
                                      err_msg=field.name)
    np.testing.assert_array_equal(clone.predict(X), path.predict(X))
    assert len(clone) == len(path)
    assert repr(clone) == repr(path)


def test_path_repr_is_short(problem):
    X, y = problem("tall")
    text = repr(l1l2.lasso_path(X, y))
    assert text.startswith("PathResult(")
    assert "\n" not in text and len(text) < 300


def test_path_does_not_modify_inputs(problem, rng):
    X, y = problem("tall")
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    alphas = np.array([0.01, 1.0, 0.1])
    copies = [a.copy() for a in (X, y, weights, factors, alphas)]
    l1l2.lasso_path(X, y, alphas=alphas, sample_weight=weights, penalty_factor=factors, precompute=True)
    l1l2.lasso_path(X, y, alphas=alphas, sample_weight=weights, penalty_factor=factors, precompute=False)
    for original, copy in zip((X, y, weights, factors, alphas), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


# --------------------------------------------------------------------------------------------------
# ConvergenceWarning and verbose


@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_one_warning_counting_the_failed_alphas(family, precompute, rng):
    X, y = stress_problem(rng, "toeplitz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # path_callable, not path_of: l1l2 is called from this file, where the warning must point
        path = path_callable(family)(X, y, n_alphas=30, tol=1e-12, max_iter=1, precompute=precompute)
    (warning,) = convergence_warnings(caught)
    n_failed = int(np.sum(~path.converged))
    unit = reference.scale(y)

    assert n_failed >= 1
    assert f"{n_failed} of 30 alphas" in str(warning.message)
    assert warning.filename == __file__
    assert np.all(path.n_iters <= 1)
    assert np.all(np.isfinite(path.coefs))
    assert np.all(path.dual_gaps[~path.converged] > 1e-12 * unit)
    assert np.all(path.dual_gaps[path.converged] <= 1e-12 * unit * (1 + 1e-6))


def test_no_warning_when_every_alpha_converges(problem):
    X, y = problem("tall")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = l1l2.lasso_path(X, y)
        l1l2.enet_path(X, y, 0.5)
    assert np.all(path.converged)


@pytest.mark.parametrize("family", L1_FAMILIES)
def test_verbose_prints_one_line_per_alpha(family, problem, capsys):
    X, y = problem("tall")
    path_of(family, X, y, n_alphas=7, verbose=False)
    quiet = capsys.readouterr()
    assert quiet.out == quiet.err == ""

    path = path_of(family, X, y, n_alphas=7, verbose=True)
    captured = capsys.readouterr()
    lines = [line for line in (captured.out + captured.err).splitlines() if line.strip()]
    # one line per alpha; a single header line is tolerated
    assert len(path) <= len(lines) <= len(path) + 1, lines
    per_alpha = lines[-len(path):]
    for line, df in zip(per_alpha, path.df, strict=True):
        numbers = re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", line)
        assert len(numbers) >= 5, line  # alpha, nonzeros, gap, iterations, seconds
        assert str(int(df)) in numbers, (line, df)


# --------------------------------------------------------------------------------------------------
# Documented errors


PATHS = {"lasso_path": l1l2.lasso_path, "enet_path": lambda X, y, **kw: l1l2.enet_path(X, y, 0.5, **kw)}


@pytest.fixture(params=list(PATHS))
def path_function(request):
    return PATHS[request.param]


@pytest.mark.parametrize("n_alphas", [0, -1])
def test_n_alphas_below_one(path_function, data, n_alphas):
    with pytest.raises(ValueError, match="n_alphas"):
        path_function(*data, n_alphas=n_alphas)


@pytest.mark.parametrize("ratio", [0.0, 1.0, -0.1, 1.5, np.nan])
def test_alpha_min_ratio_outside_open_unit_interval(path_function, data, ratio):
    with pytest.raises(ValueError, match="alpha_min_ratio"):
        path_function(*data, alpha_min_ratio=ratio)


@pytest.mark.parametrize("alphas", [[0.1, -0.01], [-1.0], [0.1, np.nan], [np.inf, 0.1]])
def test_bad_user_alphas(path_function, data, alphas):
    with pytest.raises(ValueError, match="alphas"):
        path_function(*data, alphas=alphas)


@pytest.mark.parametrize("precompute", ["yes", "gram", "AUTO", None])
def test_bad_precompute_of_paths(path_function, data, precompute):
    with pytest.raises(ValueError, match="precompute"):
        path_function(*data, precompute=precompute)


@pytest.mark.parametrize("precompute", ["yes", "gram", None])
@pytest.mark.parametrize("name", ["lasso", "elastic_net", "ridge"])
def test_bad_precompute_of_single_fits(name, data, precompute):
    with pytest.raises(ValueError, match="precompute"):
        getattr(l1l2, name)(*data, 0.1, precompute=precompute)


def test_path_names_are_public():
    for name in ("lasso_path", "enet_path"):
        assert name in l1l2.__all__
        assert hasattr(l1l2, name)
