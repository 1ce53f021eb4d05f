"""lasso, elastic_net and ridge (solver="cd") against their oracles.

Oracles, most trusted first: the KKT conditions (reference.kkt_violation), the slow twins in
reference.py (naive coordinate descent, closed-form ridge), then scikit-learn with the objective
converted explicitly (Lasso/ElasticNet: same alpha; Ridge: alpha_sk = alpha * sum of raw weights).
Then certificates (dual gap, alpha_max), invariants (weights, penalty factors, layouts, 2-D y, warm
starts), numerical robustness on degenerate or badly centred data, and the FitResult contract.
"""

import dataclasses
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import l1l2
import reference
from helpers import (FAMILIES, KINDS, L1_FAMILIES, RATIO, TIGHT, assert_coef_close, centred_objective,
                     centred_suboptimality, draw_options, reference_keywords, shifted_problem)
# Called `fit` here: hypothesis derives the examples of a derandomized test from its source text, so
# test_tiny_random_problems_are_optimal must keep calling fit(...) to draw the same examples.
from helpers import fit_of as fit


def some_alpha(family, X, y, fraction=0.1, **kwargs):
    """Return fraction * alpha_max of the family (of the lasso for ridge): a mix of zero and nonzero coef."""
    ratio = RATIO[family] or 1.0
    return fraction * reference.alpha_max(X, y, ratio, **kwargs)


def sklearn_fit(family, X, y, alpha, *, fit_intercept=True, sample_weight=None, positive=False):
    """Fit scikit-learn's twin of the family in float64 at a tight tol; return (coef, intercept)."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if family == "ridge":
        weight_sum = X.shape[0] if sample_weight is None else np.sum(sample_weight)
        model = linear_model.Ridge(alpha=alpha * weight_sum, fit_intercept=fit_intercept, solver="cholesky")
    elif family == "lasso":
        model = linear_model.Lasso(alpha=alpha, fit_intercept=fit_intercept, positive=positive,
                                   tol=1e-13, max_iter=1_000_000)
    else:
        model = linear_model.ElasticNet(alpha=alpha, l1_ratio=RATIO[family], fit_intercept=fit_intercept,
                                        positive=positive, tol=1e-13, max_iter=1_000_000)
    model.fit(X, y, sample_weight=sample_weight)
    return model.coef_, model.intercept_


def assert_objective_close(actual, expected, tol):
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=0)


def check_objective_field(res, X, y, family, alpha, **kwargs):
    """result.objective is the documented objective at the returned (coef, intercept)."""
    tol = 1e-12 if res.coef.dtype == np.float64 else 1e-5
    expected = reference.objective(X, y, res.coef, res.intercept, alpha, RATIO[family], **kwargs)
    floor = tol * reference.scale(y, kwargs.get("sample_weight"), fit_intercept=False)  # for exact fits
    np.testing.assert_allclose(res.objective, expected, rtol=tol, atol=floor)


# --------------------------------------------------------------------------------------------------
# scikit-learn cross-checks


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("family", FAMILIES)
def test_matches_sklearn(family, kind, fit_intercept, dtype, tols, problem):
    X, y = problem(kind, dtype=dtype)
    alpha = some_alpha(family, X, y, fit_intercept=fit_intercept)
    res = fit(family, X, y, alpha, fit_intercept=fit_intercept, tol=tols.fit_tol)
    coef_sk, intercept_sk = sklearn_fit(family, X, y, alpha, fit_intercept=fit_intercept)

    assert res.converged
    assert res.coef.dtype == dtype
    optimum = reference.objective(X, y, coef_sk, intercept_sk, alpha, RATIO[family])
    assert_objective_close(res.objective, optimum, tols.objective)
    check_objective_field(res, X, y, family, alpha)
    assert_coef_close(res.coef, coef_sk, tols.coef)
    assert_coef_close(res.intercept, intercept_sk, tols.coef)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("family", FAMILIES)
def test_sample_weight_matches_sklearn(family, fit_intercept, dtype, tols, problem, rng):
    X, y = problem("tall", dtype=dtype)
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    alpha = some_alpha(family, X, y, sample_weight=weights, fit_intercept=fit_intercept)
    res = fit(family, X, y, alpha, fit_intercept=fit_intercept, sample_weight=weights, tol=tols.fit_tol)
    coef_sk, intercept_sk = sklearn_fit(family, X, y, alpha, fit_intercept=fit_intercept, sample_weight=weights)

    assert res.converged
    optimum = reference.objective(X, y, coef_sk, intercept_sk, alpha, RATIO[family], sample_weight=weights)
    assert_objective_close(res.objective, optimum, tols.objective)
    check_objective_field(res, X, y, family, alpha, sample_weight=weights)
    assert_coef_close(res.coef, coef_sk, tols.coef)
    assert_coef_close(res.intercept, intercept_sk, tols.coef)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_positive_matches_sklearn(family, kind, dtype, tols, problem):
    X, y = problem(kind, dtype=dtype)
    if reference.alpha_max(X, -y, positive=True) > reference.alpha_max(X, y, positive=True):
        y = -y  # the sign with more positively correlated features: w = 0 must not be the answer
    alpha = 0.1 * reference.alpha_max(X, y, RATIO[family], positive=True)
    res = fit(family, X, y, alpha, positive=True, tol=tols.fit_tol)
    coef_sk, intercept_sk = sklearn_fit(family, X, y, alpha, positive=True)

    assert res.converged
    assert np.all(res.coef >= 0)
    assert np.any(res.coef > 0)
    optimum = reference.objective(X, y, coef_sk, intercept_sk, alpha, RATIO[family])
    assert_objective_close(res.objective, optimum, tols.objective)
    assert_coef_close(res.coef, coef_sk, tols.coef)
    assert_coef_close(res.intercept, intercept_sk, tols.coef)


@pytest.mark.parametrize("kind", KINDS)
def test_lasso_penalty_factor_matches_rescaled_sklearn(kind, dtype, tols, problem, rng):
    # f_j |w_j| with w_j = v_j / f_j is |v_j| on the column x_j / f_j.
    X, y = problem(kind, dtype=dtype)
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    alpha = some_alpha("lasso", X, y, penalty_factor=factors)
    res = l1l2.lasso(X, y, alpha, penalty_factor=factors, tol=tols.fit_tol)
    coef_sk, intercept_sk = sklearn_fit("lasso", X.astype(np.float64) / factors, y, alpha)
    coef_sk = coef_sk / factors

    assert res.converged
    optimum = reference.objective(X, y, coef_sk, intercept_sk, alpha, penalty_factor=factors)
    assert_objective_close(res.objective, optimum, tols.objective)
    check_objective_field(res, X, y, "lasso", alpha, penalty_factor=factors)
    assert_coef_close(res.coef, coef_sk, tols.coef)


@pytest.mark.parametrize("kind", KINDS)
def test_ridge_penalty_factor_matches_rescaled_sklearn(kind, dtype, tols, problem, rng):
    # f_j w_j^2 with w_j = v_j / sqrt(f_j) is v_j^2 on the column x_j / sqrt(f_j).
    X, y = problem(kind, dtype=dtype)
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    alpha = some_alpha("ridge", X, y)
    res = l1l2.ridge(X, y, alpha, penalty_factor=factors, tol=tols.fit_tol)
    coef_sk, intercept_sk = sklearn_fit("ridge", X.astype(np.float64) / np.sqrt(factors), y, alpha)
    coef_sk = coef_sk / np.sqrt(factors)

    assert res.converged
    optimum = reference.objective(X, y, coef_sk, intercept_sk, alpha, 0.0, penalty_factor=factors)
    assert_objective_close(res.objective, optimum, tols.objective)
    assert_coef_close(res.coef, coef_sk, tols.coef)


# --------------------------------------------------------------------------------------------------
# The slow twins and the optimality conditions

OPTIONS = {
    "plain": {},
    "no_intercept": {"fit_intercept": False},
    "weights": {"sample_weight": "random"},
    "positive": {"positive": True},
    "free_feature": {"penalty_factor": "with_zero"},
    "everything": {"sample_weight": "random", "penalty_factor": "with_zero", "positive": True},
}


# every (family, option) pair but ridge with positive, which ridge does not offer
FAMILY_OPTIONS = [(family, option) for family in FAMILIES for option in OPTIONS
                  if not (family == "ridge" and OPTIONS[option].get("positive"))]


def make_options(name, X, rng):
    """Turn an OPTIONS entry into keyword arguments for X: weights in [0.1, 3), features 0 and 3 free."""
    return draw_options(OPTIONS[name], X, rng, weight_low=0.1, free=[0, 3])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("family", "option"), FAMILY_OPTIONS)
def test_kkt_conditions_hold(family, option, kind, dtype, tols, problem, rng):
    X, y = problem(kind, dtype=dtype)
    options = make_options(option, X, rng)
    alpha = some_alpha(family, X, y)
    res = fit(family, X, y, alpha, tol=tols.fit_tol, **options)

    assert res.converged
    violation = reference.kkt_violation(X, y, res.coef, res.intercept, alpha, RATIO[family], **options)
    assert violation <= tols.kkt
    if "sample_weight" in options or not options.get("fit_intercept", True):
        expected_intercept = reference.intercept(X, y, res.coef, options.get("sample_weight"),
                                                 options.get("fit_intercept", True))
        assert_coef_close(res.intercept, expected_intercept, tols.coef)


@pytest.mark.parametrize("kind", ["tall", "wide"])
@pytest.mark.parametrize(("family", "option"), FAMILY_OPTIONS)
def test_matches_naive_coordinate_descent(family, option, kind, problem, rng, tols64):
    X, y = problem(kind)
    options = make_options(option, X, rng)
    alpha = some_alpha(family, X, y)
    res = fit(family, X, y, alpha, tol=TIGHT, **options)
    coef_ref, intercept_ref = reference.coordinate_descent(X, y, alpha, RATIO[family], **options)

    assert res.converged
    optimum = reference.objective(X, y, coef_ref, intercept_ref, alpha, RATIO[family],
                                  **reference_keywords(options))
    assert_objective_close(res.objective, optimum, tols64.objective)
    check_objective_field(res, X, y, family, alpha, **reference_keywords(options))
    assert_coef_close(res.coef, coef_ref, tols64.coef)
    assert_coef_close(res.intercept, intercept_ref, tols64.coef)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("kind", KINDS)
def test_ridge_matches_closed_form(kind, fit_intercept, weighted, dtype, tols, problem, rng):
    X, y = problem(kind, dtype=dtype)
    weights = rng.uniform(0.1, 3.0, X.shape[0]) if weighted else None
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    factors[1] = 0.0  # one free feature keeps the normal equations regular, even when p > n
    alpha = some_alpha("ridge", X, y)
    options = dict(fit_intercept=fit_intercept, sample_weight=weights, penalty_factor=factors)
    res = l1l2.ridge(X, y, alpha, tol=tols.fit_tol, **options)
    coef_ref, intercept_ref = reference.ridge_closed_form(X, y, alpha, **options)

    assert res.converged
    optimum = reference.objective(X, y, coef_ref, intercept_ref, alpha, 0.0, sample_weight=weights,
                                  penalty_factor=factors)
    assert_objective_close(res.objective, optimum, tols.objective)
    assert_coef_close(res.coef, coef_ref, tols.coef)
    assert_coef_close(res.intercept, intercept_ref, tols.coef)


TINY_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def tiny_problems(draw):
    """Tiny float64 problems with small-integer entries: duplicated, constant and zero columns happen,
    and so do unpenalised ones (penalty factor 0)."""
    n = draw(st.integers(2, 8))
    p = draw(st.integers(1, 6))
    entries = st.integers(-4, 4).map(float)
    X = draw(arrays(np.float64, (n, p), elements=entries))
    y = draw(arrays(np.float64, (n,), elements=entries))
    fit_intercept = draw(st.booleans())
    if reference.scale(y, fit_intercept=fit_intercept) < 1e-3:
        y[0] += 5.0  # keep the target non-constant: its scale is the unit of tol
    weights = draw(st.none() | arrays(np.float64, (n,), elements=st.sampled_from([0.5, 1.0, 2.0, 3.0])))
    factors = draw(st.none() | arrays(np.float64, (p,), elements=st.sampled_from([0.0, 0.5, 1.0, 2.0])))
    fraction = draw(st.sampled_from([0.01, 0.1, 0.5, 0.9, 2.0]))
    return X, y, fit_intercept, weights, factors, fraction


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
@TINY_SETTINGS
@given(case=tiny_problems(), positive=st.booleans())
def test_tiny_random_problems_are_optimal(family, case, positive):
    X, y, fit_intercept, weights, factors, fraction = case
    positive = positive and family != "ridge"
    options = dict(fit_intercept=fit_intercept, sample_weight=weights, penalty_factor=factors)
    if positive:
        options["positive"] = True
    lasso_max = reference.alpha_max(X, y, 1.0, sample_weight=weights, fit_intercept=fit_intercept)
    alpha = fraction * lasso_max if lasso_max > 0 else fraction
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit(family, X, y, alpha, tol=1e-10, max_iter=100_000, **options)
    if not res.converged:  # legitimately hard problems may stop at max_iter, but must say so
        assert res.n_iter == 100_000
        assert sum(issubclass(w.category, l1l2.ConvergenceWarning) for w in caught) == 1
        return
    violation = reference.kkt_violation(X, y, res.coef, res.intercept, alpha, RATIO[family], **options)
    assert violation <= 1e-4
    check_objective_field(res, X, y, family, alpha, sample_weight=weights, penalty_factor=factors)
    assert 0 <= res.dual_gap <= 1e-10 * reference.scale(y, weights, fit_intercept) * (1 + 1e-9)


# --------------------------------------------------------------------------------------------------
# Certificates: dual gap and alpha_max


@pytest.mark.parametrize("tol", [1e-3, 1e-5, 1e-7])
@pytest.mark.parametrize("family", FAMILIES)
def test_dual_gap_is_a_certificate(family, tol, problem, rng):
    X, y = problem("correlated")
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    alpha = some_alpha(family, X, y, sample_weight=weights)
    res = fit(family, X, y, alpha, tol=tol, sample_weight=weights)
    coef_ref, intercept_ref = reference.coordinate_descent(X, y, alpha, RATIO[family], sample_weight=weights)
    optimum = reference.objective(X, y, coef_ref, intercept_ref, alpha, RATIO[family], sample_weight=weights)
    unit = reference.scale(y, weights)

    assert res.converged
    assert 0 <= res.dual_gap <= tol * unit * (1 + 1e-9)
    # the gap bounds the suboptimality of the returned point
    assert res.objective - optimum <= res.dual_gap + 1e-12 * unit
    assert res.objective >= optimum - 1e-12 * unit


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("family", FAMILIES)
def test_dual_gap_within_tol_at_default_tol(family, fit_intercept, dtype, tols, problem):
    X, y = problem("wide", dtype=dtype)
    alpha = some_alpha(family, X, y, fit_intercept=fit_intercept)
    res = fit(family, X, y, alpha, fit_intercept=fit_intercept)

    assert res.converged
    assert 0 <= res.dual_gap <= tols.gap * reference.scale(y, fit_intercept=fit_intercept) * (1 + 1e-6)


@pytest.mark.parametrize("options", ["plain", "weights_and_factors", "no_intercept"])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_alpha_max_gives_zero_coef(family, options, dtype, tols, problem, rng):
    X, y = problem("wide", dtype=dtype)
    kwargs = {}
    if options == "weights_and_factors":
        kwargs = dict(sample_weight=rng.uniform(0.1, 3.0, X.shape[0]),
                      penalty_factor=rng.uniform(0.3, 3.0, X.shape[1]))
    if options == "no_intercept":
        kwargs = dict(fit_intercept=False)
    top = reference.alpha_max(X, y, RATIO[family], **kwargs)
    margin = 1e-6 if dtype == np.float64 else 1e-3  # alpha_max itself is computed in the fit's dtype

    for alpha in [top * (1 + margin), 10 * top]:
        res = fit(family, X, y, alpha, **kwargs)
        assert res.converged
        assert not np.any(res.coef)
        assert len(res.active) == 0
        expected = reference.intercept(X, y, np.zeros(X.shape[1]), kwargs.get("sample_weight"),
                                       kwargs.get("fit_intercept", True))
        assert_coef_close(res.intercept, expected, tols.coef)
    below = fit(family, X, y, top * (1 - 10 * margin), **kwargs)
    assert np.count_nonzero(below.coef) >= 1


# --------------------------------------------------------------------------------------------------
# Invariants


@pytest.mark.parametrize("family", FAMILIES)
def test_unit_weights_equal_none(family, dtype, tols, problem):
    X, y = problem("tall", dtype=dtype)
    alpha = some_alpha(family, X, y)
    plain = fit(family, X, y, alpha, tol=tols.fit_tol)
    ones = fit(family, X, y, alpha, tol=tols.fit_tol, sample_weight=np.ones(X.shape[0], dtype=dtype))
    assert_coef_close(ones.coef, plain.coef, tols.coef)
    assert_coef_close(ones.intercept, plain.intercept, tols.coef)
    assert_objective_close(ones.objective, plain.objective, tols.objective)


@pytest.mark.parametrize("family", FAMILIES)
def test_weights_are_scale_free(family, problem, rng, tols64):
    X, y = problem("tall")
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    alpha = some_alpha(family, X, y, sample_weight=weights)
    base = fit(family, X, y, alpha, tol=TIGHT, sample_weight=weights)
    scaled = fit(family, X, y, alpha, tol=TIGHT, sample_weight=37.5 * weights)
    assert_coef_close(scaled.coef, base.coef, tols64.coef)
    assert_objective_close(scaled.objective, base.objective, tols64.objective)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("family", FAMILIES)
def test_integer_weights_equal_repeated_rows(family, fit_intercept, problem, rng, tols64):
    X, y = problem("tall")
    counts = rng.integers(0, 4, X.shape[0])
    counts[:3] = [0, 1, 3]
    alpha = some_alpha(family, X, y)
    weighted = fit(family, X, y, alpha, tol=TIGHT, sample_weight=counts, fit_intercept=fit_intercept)
    repeated = fit(family, np.repeat(X, counts, axis=0), np.repeat(y, counts), alpha, tol=TIGHT,
                   fit_intercept=fit_intercept)
    assert_coef_close(weighted.coef, repeated.coef, tols64.coef)
    assert_coef_close(weighted.intercept, repeated.intercept, tols64.coef)
    assert_objective_close(weighted.objective, repeated.objective, tols64.objective)


@pytest.mark.parametrize("family", FAMILIES)
def test_penalty_factor_ones_equal_none(family, problem, tols64):
    X, y = problem("correlated")
    alpha = some_alpha(family, X, y)
    plain = fit(family, X, y, alpha, tol=TIGHT)
    ones = fit(family, X, y, alpha, tol=TIGHT, penalty_factor=np.ones(X.shape[1]))
    assert_coef_close(ones.coef, plain.coef, tols64.coef)
    assert_objective_close(ones.objective, plain.objective, tols64.objective)


@pytest.mark.parametrize("family", FAMILIES)
def test_penalty_factor_scale_moves_into_alpha(family, problem, rng, tols64):
    # alpha * (c f) is (c alpha) * f: same objective, same solution
    X, y = problem("correlated")
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    alpha = some_alpha(family, X, y, penalty_factor=factors)
    small = fit(family, X, y, alpha, tol=TIGHT, penalty_factor=4.0 * factors)
    large = fit(family, X, y, 4.0 * alpha, tol=TIGHT, penalty_factor=factors)
    assert_coef_close(small.coef, large.coef, tols64.coef)
    assert_objective_close(small.objective, large.objective, tols64.objective)


@pytest.mark.parametrize("family", FAMILIES)
def test_zero_penalty_factor_leaves_feature_free(family, problem, tols64):
    # With a huge alpha the penalised coefs vanish and the free ones are least squares on their columns.
    X, y = problem("tall")
    free = [2, 5]
    factors = np.ones(X.shape[1])
    factors[free] = 0.0
    alpha = 1e10 * some_alpha("lasso", X, y)  # penalised ridge coefs are O(1 / alpha)
    res = fit(family, X, y, alpha, tol=TIGHT, penalty_factor=factors)
    design = np.column_stack([X[:, free], np.ones(X.shape[0])])
    least_squares = np.linalg.lstsq(design, y, rcond=None)[0]

    assert res.converged
    assert_coef_close(res.coef[free], least_squares[:2], tols64.coef)
    assert_coef_close(res.intercept, least_squares[2], tols64.coef)
    if family != "ridge":
        np.testing.assert_array_equal(res.active, free)


@pytest.mark.parametrize("family", FAMILIES)
def test_alpha_zero_is_least_squares(family, problem, tols64):
    X, y = problem("tall")
    res = fit(family, X, y, 0.0, tol=TIGHT)
    design = np.column_stack([X, np.ones(X.shape[0])])
    least_squares = np.linalg.lstsq(design, y, rcond=None)[0]
    assert res.converged
    assert_coef_close(res.coef, least_squares[:-1], tols64.coef)
    assert_coef_close(res.intercept, least_squares[-1], tols64.coef)


@pytest.mark.parametrize("kind", ["tall", "wide"])
def test_elastic_net_end_points_are_lasso_and_ridge(kind, problem, tols64):
    X, y = problem(kind)
    alpha = some_alpha("lasso", X, y)
    for l1_ratio, twin in [(1.0, l1l2.lasso), (0.0, l1l2.ridge)]:
        enet = l1l2.elastic_net(X, y, alpha, l1_ratio, tol=TIGHT)
        other = twin(X, y, alpha, tol=TIGHT)
        assert enet.l1_ratio == l1_ratio
        assert_coef_close(enet.coef, other.coef, tols64.coef)
        assert_objective_close(enet.objective, other.objective, tols64.objective)


LAYOUTS = ["C", "F", "strided", "reversed"]


def as_layout(array, layout):
    """Return the same values in another memory layout."""
    if layout == "C":
        return np.ascontiguousarray(array)
    if layout == "F":
        return np.asfortranarray(array)
    if layout == "strided":  # every other row (and every third column) of a larger array
        step = (2, 3)[: array.ndim]
        big = np.zeros(tuple(size * s for size, s in zip(array.shape, step)), dtype=array.dtype)
        view = big[tuple(slice(None, None, s) for s in step)]
        view[...] = array
        return view
    # negative strides: the reversed view of a reversed copy
    return np.asfortranarray(array[::-1])[::-1]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("family", FAMILIES)
def test_memory_layouts_agree(family, layout, dtype, tols, problem, rng):
    X, y = problem("correlated", dtype=dtype)
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    alpha = some_alpha(family, X, y, sample_weight=weights)
    reference_fit = fit(family, X, y, alpha, tol=tols.fit_tol, sample_weight=weights)
    X_layout, y_layout, weights_layout = (as_layout(array, layout) for array in (X, y, weights))
    np.testing.assert_array_equal(X_layout, X)  # same values, other memory
    res = fit(family, X_layout, y_layout, alpha, tol=tols.fit_tol, sample_weight=weights_layout)
    assert res.coef.dtype == dtype
    assert_coef_close(res.coef, reference_fit.coef, tols.coef)
    assert_coef_close(res.intercept, reference_fit.intercept, tols.coef)
    assert_objective_close(res.objective, reference_fit.objective, tols.objective)


@pytest.mark.parametrize("n_targets", [1, 3, 8])
@pytest.mark.parametrize("family", FAMILIES)
def test_2d_y_equals_per_column_fits(family, n_targets, dtype, tols, problem, rng):
    X, Y = problem("tall", n_targets=n_targets, dtype=dtype)
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    alpha = some_alpha(family, X, Y[:, 0], sample_weight=weights)
    res = fit(family, X, Y, alpha, tol=tols.fit_tol, sample_weight=weights)

    p = X.shape[1]
    assert res.coef.shape == (n_targets, p)
    assert res.coef.dtype == dtype
    for name in ["intercept", "objective", "dual_gap", "n_iter", "converged"]:
        assert np.shape(getattr(res, name)) == (n_targets,), name
    assert isinstance(res.active, tuple) and len(res.active) == n_targets
    for k in range(n_targets):
        single = fit(family, X, Y[:, k], alpha, tol=tols.fit_tol, sample_weight=weights)
        assert_coef_close(res.coef[k], single.coef, tols.coef)
        assert_coef_close(res.intercept[k], single.intercept, tols.coef)
        assert_objective_close(res.objective[k], single.objective, tols.objective)
        assert bool(res.converged[k])
        gap_bound = tols.fit_tol if dtype == np.float64 else tols.gap  # float32 raises its tol
        assert 0 <= res.dual_gap[k] <= gap_bound * reference.scale(Y[:, k], weights) * (1 + 1e-6)
        np.testing.assert_array_equal(res.active[k], np.flatnonzero(res.coef[k]))
    expected = X.astype(np.float64) @ res.coef.T.astype(np.float64) + res.intercept
    prediction_tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(res.predict(X), expected, rtol=0, atol=prediction_tol * np.max(np.abs(expected)))


@pytest.mark.parametrize("precompute", [True, False])
@pytest.mark.parametrize("family", FAMILIES)
def test_threads_give_bit_identical_results(family, precompute, problem, rng):
    """A 2-D y split over threads: every field equal, bit for bit, to the sequential fit."""
    X, Y = problem("tall", n_targets=7)
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    alpha = some_alpha(family, X, Y[:, 0], sample_weight=weights)
    fits = {threads: fit(family, X, Y, alpha, sample_weight=weights, precompute=precompute,
                         threads=threads) for threads in (1, 2, 3, None, -1)}
    for threads, res in fits.items():
        for name in ("coef", "intercept", "objective", "dual_gap", "n_iter", "converged"):
            assert np.array_equal(getattr(res, name), getattr(fits[1], name)), (threads, name)


@pytest.mark.parametrize("family", FAMILIES)
def test_warm_start_gives_same_answer_in_fewer_iterations(family, problem, tols64):
    X, y = problem("correlated")
    alpha = some_alpha(family, X, y, fraction=0.02)
    cold = fit(family, X, y, alpha, tol=TIGHT)
    assert cold.n_iter > 2  # the test needs a problem that takes a few epochs

    from_solution = fit(family, X, y, alpha, tol=TIGHT, coef_init=cold.coef)
    assert from_solution.n_iter < cold.n_iter
    assert_coef_close(from_solution.coef, cold.coef, tols64.coef)

    nearby = fit(family, X, y, 1.2 * alpha, tol=TIGHT).coef
    from_nearby = fit(family, X, y, alpha, tol=TIGHT, coef_init=nearby)  # usually, not always, faster
    assert_coef_close(from_nearby.coef, cold.coef, tols64.coef)
    assert_objective_close(from_nearby.objective, cold.objective, tols64.objective)


@pytest.mark.parametrize("family", FAMILIES)
def test_warm_start_2d_y(family, problem, tols64):
    X, Y = problem("correlated", n_targets=2)
    alpha = some_alpha(family, X, Y[:, 0], fraction=0.02)
    cold = fit(family, X, Y, alpha, tol=TIGHT)
    warm = fit(family, X, Y, alpha, tol=TIGHT, coef_init=cold.coef)
    assert np.all(np.asarray(warm.n_iter) <= np.asarray(cold.n_iter))
    assert_coef_close(warm.coef, cold.coef, tols64.coef)


def test_bad_warm_start_still_converges(problem, rng, tols64):
    X, y = problem("tall")
    alpha = some_alpha("lasso", X, y)
    cold = l1l2.lasso(X, y, alpha, tol=TIGHT)
    wild = l1l2.lasso(X, y, alpha, tol=TIGHT, coef_init=100 * rng.standard_normal(X.shape[1]))
    assert_coef_close(wild.coef, cold.coef, tols64.coef)


# --------------------------------------------------------------------------------------------------
# Numerical robustness and degenerate data


@pytest.mark.parametrize("offset", [1e2, 1e4, 1e6])
@pytest.mark.parametrize("family", FAMILIES)
def test_large_column_means_with_intercept(family, offset, problem, rng):
    # Shifting columns leaves the problem unchanged when an intercept is fitted. With means of
    # 1e6 standard deviations float64 still holds 10 digits of each centred value; a solver that
    # centres without cancellation (no copy needed) keeps its certificate.
    X, y, weights = shifted_problem(problem, rng, offset)
    alpha = some_alpha(family, X, y, sample_weight=weights)
    tol = 1e-7
    with warnings.catch_warnings():
        warnings.simplefilter("error", l1l2.ConvergenceWarning)
        res = fit(family, X, y, alpha, tol=tol, sample_weight=weights)
    optimum, suboptimality, unit = centred_suboptimality(X, y, res.coef, alpha, RATIO[family], weights)

    assert res.converged
    assert suboptimality <= tol * unit
    assert suboptimality <= res.dual_gap + 1e-9 * unit, "dual_gap is not an upper bound"
    expected_intercept = reference.intercept(X, y, res.coef, weights)
    assert res.intercept == pytest.approx(expected_intercept, rel=1e-12, abs=1e-9 * offset)
    assert res.objective == pytest.approx(optimum + suboptimality, rel=1e-9)


@pytest.mark.parametrize("family", FAMILIES)
def test_huge_column_means_do_not_diverge(family, problem, rng):
    # Means of 1e8 standard deviations: float64 keeps 8 digits of each centred value, so the exact
    # solution of the stored data is still well defined. Whatever the solver reports, coordinate
    # descent from w = 0 must not end above its starting objective, and a converged claim must hold.
    X, y = problem("tall")
    X = X + 1e8 * rng.uniform(0.5, 2.0, X.shape[1])
    alpha = some_alpha(family, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", l1l2.ConvergenceWarning)
        res = fit(family, X, y, alpha)
    coef_ref, _ = reference.coordinate_descent(X, y, alpha, RATIO[family])
    optimum = centred_objective(X, y, coef_ref, alpha, RATIO[family], None)
    start = centred_objective(X, y, np.zeros(X.shape[1]), alpha, RATIO[family], None)

    assert np.all(np.isfinite(res.coef))
    value = centred_objective(X, y, res.coef, alpha, RATIO[family], None)
    assert value <= start
    if res.converged:
        assert value - optimum <= 1e-7 * reference.scale(y)


@pytest.mark.parametrize("factor", [1e-6, 1e6])
@pytest.mark.parametrize("family", ["lasso", "ridge"])
def test_tol_is_relative_to_the_scale_of_y(family, factor, problem, tols64):
    # lasso(X, c y, c alpha) = c lasso(X, y, alpha) and ridge(X, c y, alpha) = c ridge(X, y, alpha)
    X, y = problem("correlated")
    alpha = some_alpha(family, X, y)
    base = fit(family, X, y, alpha, tol=1e-10)
    scaled = fit(family, X, factor * y, alpha * (factor if family == "lasso" else 1.0), tol=1e-10)
    assert scaled.converged
    assert_coef_close(scaled.coef / factor, base.coef, tols64.coef)
    assert_coef_close(scaled.intercept / factor, base.intercept, tols64.coef)
    assert abs(scaled.n_iter - base.n_iter) <= 2


@pytest.mark.parametrize("family", FAMILIES)
def test_single_sample(family, problem):
    X, y = problem("tall")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fit(family, X[:1], y[:1], 0.1)
    assert res.converged
    assert not np.any(res.coef)
    assert res.intercept == pytest.approx(y[0], rel=1e-14)
    assert res.objective == pytest.approx(0.0, abs=1e-14)
    assert res.dual_gap >= 0


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("family", FAMILIES)
def test_constant_target(family, fit_intercept, problem):
    X, _ = problem("tall")
    y = np.full(X.shape[0], 2.5) if fit_intercept else np.zeros(X.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fit(family, X, y, 0.1, fit_intercept=fit_intercept)
    assert res.converged
    assert not np.any(res.coef)
    assert res.intercept == pytest.approx(2.5 if fit_intercept else 0.0, rel=1e-14)
    assert res.dual_gap >= 0


@pytest.mark.parametrize("family", FAMILIES)
def test_constant_and_zero_columns_get_zero_coef(family, problem, tols64):
    # After centring, constant columns are zero: they cannot lower the loss, only add penalty.
    X, y = problem("tall")
    degenerate = [1, 6]
    X_padded = X.copy()
    X_padded[:, 1] = 7.0
    X_padded[:, 6] = 0.0
    keep = [j for j in range(X.shape[1]) if j not in degenerate]
    alpha = some_alpha(family, X[:, keep], y)
    res = fit(family, X_padded, y, alpha, tol=TIGHT)
    without = fit(family, X[:, keep], y, alpha, tol=TIGHT)
    assert res.converged
    assert not np.any(res.coef[degenerate])
    assert_coef_close(res.coef[keep], without.coef, tols64.coef)
    assert_objective_close(res.objective, without.objective, tols64.objective)


@pytest.mark.parametrize("family", FAMILIES)
def test_duplicated_column(family, problem, tols64):
    X, y = problem("tall")
    X_twin = np.column_stack([X, X[:, 0]])
    alpha = some_alpha(family, X, y)
    res = fit(family, X_twin, y, alpha, tol=TIGHT)
    assert res.converged
    violation = reference.kkt_violation(X_twin, y, res.coef, res.intercept, alpha, RATIO[family])
    assert violation <= tols64.kkt
    if family != "lasso":  # strictly convex: the twins share the weight equally
        assert_coef_close(res.coef[-1], res.coef[0], tols64.coef)
    else:  # the lasso only cares about the sum: same optimum as with one copy
        single = fit(family, X, y, alpha, tol=TIGHT)
        assert_objective_close(res.objective, single.objective, tols64.objective)
        assert_coef_close(res.coef[0] + res.coef[-1], single.coef[0], tols64.coef)


# --------------------------------------------------------------------------------------------------
# FitResult


@pytest.mark.parametrize("family", FAMILIES)
def test_result_fields(family, dtype, problem):
    X, y = problem("tall", dtype=dtype)
    alpha = some_alpha(family, X, y)
    res = fit(family, X, y, alpha)

    assert dataclasses.is_dataclass(res)
    assert type(res).__name__ == "FitResult"
    assert res.coef.shape == (X.shape[1],)
    assert res.coef.dtype == dtype
    assert np.ndim(res.intercept) == 0
    assert res.alpha == pytest.approx(alpha)
    assert res.l1_ratio == RATIO[family]
    assert res.loss == "squared"
    assert np.ndim(res.objective) == 0 and np.isfinite(res.objective)
    assert np.ndim(res.dual_gap) == 0 and res.dual_gap >= 0
    assert int(res.n_iter) == res.n_iter and res.n_iter >= 1
    assert res.converged is True or res.converged == np.True_
    np.testing.assert_array_equal(res.active, np.flatnonzero(res.coef))
    if family == "ridge":
        assert len(res.active) == X.shape[1]


@pytest.mark.parametrize("n_targets", [None, 2])
def test_result_predict(n_targets, problem, rng):
    X, y = problem("tall", n_targets=n_targets)
    res = l1l2.elastic_net(X, y, some_alpha("enet", X, y if n_targets is None else y[:, 0]))
    X_new = rng.standard_normal((7, X.shape[1]))
    prediction = res.predict(X_new)
    assert prediction.shape == ((7,) if n_targets is None else (7, n_targets))
    np.testing.assert_allclose(prediction, X_new @ res.coef.T + res.intercept, rtol=1e-12, atol=1e-12)


def test_result_repr_is_one_line(problem):
    X, y = problem("tall")
    for res in [l1l2.lasso(X, y, 0.1), l1l2.lasso(X, np.column_stack([y, -y]), 0.1)]:
        text = repr(res)
        assert text.startswith("FitResult(")
        assert "\n" not in text
        assert len(text) < 300


@pytest.mark.parametrize("n_targets", [None, 2])
def test_result_pickles(n_targets, problem):
    X, y = problem("tall", n_targets=n_targets)
    res = l1l2.lasso(X, y, 0.1)
    clone = pickle.loads(pickle.dumps(res))
    for field in dataclasses.fields(res):
        original, copy = getattr(res, field.name), getattr(clone, field.name)
        if field.name == "active" and n_targets is not None:
            for a, b in zip(original, copy, strict=True):
                np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_array_equal(copy, original, err_msg=field.name)
    np.testing.assert_array_equal(clone.predict(X), res.predict(X))
    assert repr(clone) == repr(res)


def test_result_is_read_only(problem):
    X, y = problem("tall")
    res = l1l2.lasso(X, y, 0.1)
    assert not res.coef.flags.writeable
    with pytest.raises(ValueError):
        res.coef[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.coef = np.zeros(X.shape[1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.alpha = 1.0


def test_result_array_fields_of_2d_fit_are_read_only(problem):
    X, Y = problem("tall", n_targets=2)
    res = l1l2.lasso(X, Y, 0.1)
    for field in dataclasses.fields(res):
        value = getattr(res, field.name)
        arrays_in_field = value if isinstance(value, tuple) else (value,)
        for array in arrays_in_field:
            if isinstance(array, np.ndarray):
                assert not array.flags.writeable, field.name
