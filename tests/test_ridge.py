"""ridge (every solver), ridge_path and ridge_cv against their oracles.

Oracles, most trusted first: the closed form (reference.ridge_closed_form, NumPy normal equations on
weighted-centred data), numpy.linalg.lstsq on weighted-centred data for alpha = 0 (minimum norm),
singular values and hat-matrix traces computed here for the effective degrees of freedom, brute-force
leave-one-out refits with l1l2.ridge, the GCV and K-fold formulas recomputed here, then scikit-learn's
Ridge (alpha_sk = alpha * sum of raw weights) as a cross-check. Then the certificate (dual_gap), inputs
left unchanged and the documented errors.
"""

import numpy as np
import pytest

import l1l2
import reference
from helpers import PATIENT, TIGHT, assert_coef_close, draw_options

SOLVERS = ["auto", "cholesky", "svd", "cd"]
DIRECT_SOLVERS = ["auto", "cholesky", "svd"]

# (shape kind of conftest.make_problem, number of targets or None, duplicated columns)
KINDS = {
    "tall": ("tall", None, False),
    "wide": ("wide", None, False),
    "duplicated": ("tall", None, True),  # rank deficient: the first three columns appear twice
    "targets": ("tall", 3, False),
    "wide_targets": ("wide", 2, False),
}

OPTIONS = {
    "plain": {},
    "no_intercept": {"fit_intercept": False},
    "weights": {"sample_weight": "random"},
    "free_feature": {"penalty_factor": "with_zero"},
    "everything": {"sample_weight": "random", "penalty_factor": "with_zero", "fit_intercept": False},
}


def make_kind(problem, name, dtype=np.float64):
    """(X, y) of a KINDS entry in dtype."""
    shape, n_targets, duplicated = KINDS[name]
    X, y = problem(shape, n_targets=n_targets, dtype=dtype)
    if duplicated:
        X = np.column_stack([X, X[:, :3]])
    return X, y


def make_options(name, X, rng):
    """Keyword arguments of an OPTIONS entry: weights in [0.1, 3), factors in [0.3, 3) with features
    0 (duplicated by column p in the "duplicated" kind) and 5 unpenalised."""
    return draw_options(OPTIONS[name], X, rng, weight_low=0.1, free=[0, 5])


def first_target(y):
    return y if np.ndim(y) == 1 else y[:, 0]


def ridge_alpha(X, y, fraction=0.1, **kwargs):
    """fraction * the Lasso's alpha_max of the first target: a penalty that matters but does not dominate."""
    return fraction * reference.alpha_max(X, first_target(y), 1.0, **kwargs)


def weighted_centred(X, y, sample_weight=None, fit_intercept=True):
    """(sqrt(S) Xc, sqrt(S) yc, x_mean, y_mean, s) in float64, S the weights normalised to sum n."""
    xc, yc, x_mean, y_mean, s = reference.centre(X, y, sample_weight, fit_intercept)
    root = np.sqrt(s)
    return root[:, None] * xc, root.reshape((-1,) + (1,) * (yc.ndim - 1)) * yc, x_mean, y_mean, s


def min_norm_least_squares(X, y, sample_weight=None, fit_intercept=True):
    """(coef, intercept): numpy.linalg.lstsq (minimum norm) on weighted-centred data."""
    xs, ys, x_mean, y_mean, _ = weighted_centred(X, y, sample_weight, fit_intercept)
    coef = np.linalg.lstsq(xs, ys, rcond=None)[0].T
    return coef, y_mean - coef @ x_mean


def effective_df(X, alpha, sample_weight=None, penalty_factor=None, fit_intercept=True):
    """trace of the ridge smoother of the features (intercept excluded): Z (Z'Z + n alpha F)^-1 Z',
    Z = sqrt(S) Xc. Needs Z'Z + n alpha F regular (alpha > 0, free columns independent)."""
    xs, _, _, _, _ = weighted_centred(X, np.zeros(X.shape[0]), sample_weight, fit_intercept)
    n, p = xs.shape
    factors = reference.penalty_factors(penalty_factor, p)
    return np.trace(xs @ np.linalg.solve(xs.T @ xs + n * alpha * np.diag(factors), xs.T))


def solver_keywords(solver, dtype):
    """tol and max_iter for coordinate descent at a tight tol; nothing for the direct solvers."""
    if solver != "cd":
        return {}
    return {"tol": TIGHT if np.dtype(dtype) == np.float64 else 1e-7, "max_iter": PATIENT}


def direct_coef_tol(dtype, tols):
    """Agreement of a direct solver with the closed form: rounding only in float64."""
    return 1e-8 if np.dtype(dtype) == np.float64 else tols.coef


# --------------------------------------------------------------------------------------------------
# Every solver against the closed form


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("solver", SOLVERS)
def test_solvers_match_closed_form(solver, kind, option, dtype, tols, problem, rng):
    X, y = make_kind(problem, kind, dtype)
    options = make_options(option, X, rng)
    alpha = ridge_alpha(X, y)
    res = l1l2.ridge(X, y, alpha, solver=solver, **solver_keywords(solver, dtype), **options)
    coef_ref, intercept_ref = reference.ridge_closed_form(X, y, alpha, **options)

    assert res.coef.dtype == dtype
    assert res.coef.shape == np.shape(coef_ref)
    assert np.all(res.converged)
    if solver != "cd":
        assert np.all(np.asarray(res.n_iter) == 1)
    coef_tol = tols.coef if solver == "cd" else direct_coef_tol(dtype, tols)
    assert_coef_close(res.coef, coef_ref, coef_tol)
    assert_coef_close(res.intercept, intercept_ref, coef_tol)
    shared = {key: options[key] for key in ("sample_weight", "penalty_factor") if key in options}
    coefs, intercepts = np.atleast_2d(coef_ref), np.atleast_1d(intercept_ref)
    for k, target in enumerate(y.reshape(y.shape[0], -1).T):
        optimum = reference.objective(X, target, coefs[k], intercepts[k], alpha, 0.0, **shared)
        np.testing.assert_allclose(np.atleast_1d(res.objective)[k], optimum, rtol=tols.objective)


@pytest.mark.parametrize("solver", DIRECT_SOLVERS)
def test_duplicated_columns_share_the_weight(solver, problem):
    X, y = make_kind(problem, "duplicated")
    res = l1l2.ridge(X, y, ridge_alpha(X, y), solver=solver)
    p = X.shape[1] - 3
    assert_coef_close(res.coef[p:], res.coef[:3], 1e-9)


# --------------------------------------------------------------------------------------------------
# alpha = 0: minimum-norm least squares; "auto" never fails


@pytest.mark.parametrize("option", ["plain", "no_intercept", "weights"])
@pytest.mark.parametrize("kind", ["tall", "wide", "duplicated", "wide_targets"])
@pytest.mark.parametrize("solver", ["auto", "svd"])
def test_alpha_zero_is_min_norm_least_squares(solver, kind, option, dtype, tols, problem, rng):
    X, y = make_kind(problem, kind, dtype)
    options = make_options(option, X, rng)
    res = l1l2.ridge(X, y, 0.0, solver=solver, **options)
    coef_ref, intercept_ref = min_norm_least_squares(X, y, options.get("sample_weight"),
                                                     options.get("fit_intercept", True))

    assert res.coef.dtype == dtype
    assert np.all(res.converged)
    assert np.all(np.asarray(res.n_iter) == 1)
    assert_coef_close(res.coef, coef_ref, direct_coef_tol(dtype, tols))
    assert_coef_close(res.intercept, intercept_ref, direct_coef_tol(dtype, tols))


@pytest.mark.parametrize("alpha", [0.0, 1e-18, 1e-300])
@pytest.mark.parametrize("kind", ["wide", "duplicated", "doubled"])
def test_auto_never_fails_on_singular_problems(kind, alpha, problem):
    # At alpha = 0 or a positive alpha far below rounding, X'SX + n alpha F is singular in floating
    # point (p > n, or duplicated columns): "auto" must still answer, with the minimum-norm solution
    # (the limit of ridge as alpha -> 0, reached to rounding at these alphas).
    if kind == "doubled":  # every column twice, and three of them a third time
        X, y = make_kind(problem, "duplicated")
        X = np.column_stack([X, X[:, :-3]])
    else:
        X, y = make_kind(problem, kind)
    res = l1l2.ridge(X, y, alpha)
    coef_ref, intercept_ref = min_norm_least_squares(X, y)

    assert res.converged
    assert_coef_close(res.coef, coef_ref, 1e-6)
    assert_coef_close(res.intercept, intercept_ref, 1e-6)


# --------------------------------------------------------------------------------------------------
# scikit-learn cross-check


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("kind", ["tall", "wide", "targets"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_matches_sklearn_ridge(solver, kind, fit_intercept, weighted, problem, rng, tols64):
    # (1/2n) sum s_i r_i^2 + alpha/2 |w|^2 with s = raw * n / sum(raw), times 2 sum(raw), is
    # sum raw_i r_i^2 + alpha sum(raw) |w|^2: scikit-learn's objective at alpha_sk = alpha * sum(raw).
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = make_kind(problem, kind)
    raw = rng.uniform(0.1, 3.0, X.shape[0]) if weighted else None
    alpha = ridge_alpha(X, y, sample_weight=raw)
    res = l1l2.ridge(X, y, alpha, solver=solver, fit_intercept=fit_intercept, sample_weight=raw,
                     **solver_keywords(solver, np.float64))
    weight_sum = X.shape[0] if raw is None else raw.sum()
    model = linear_model.Ridge(alpha=alpha * weight_sum, fit_intercept=fit_intercept, solver="cholesky")
    model.fit(X, y, sample_weight=raw)

    coef_tol = tols64.coef if solver == "cd" else 1e-8
    assert_coef_close(res.coef, model.coef_, coef_tol)
    assert_coef_close(res.intercept, model.intercept_, coef_tol)


# --------------------------------------------------------------------------------------------------
# ridge_path


PATH_OPTIONS = ["plain", "no_intercept", "weights", "free_feature"]


@pytest.mark.parametrize("option", PATH_OPTIONS)
@pytest.mark.parametrize("kind", ["tall", "wide", "duplicated"])
def test_path_equals_per_alpha_fits(kind, option, dtype, tols, problem, rng):
    X, y = make_kind(problem, kind, dtype)
    options = make_options(option, X, rng)
    path = l1l2.ridge_path(X, y, n_alphas=8, **options)

    assert len(path) == 8
    assert path.coefs.shape == (8, X.shape[1])
    assert path.coefs.dtype == dtype
    assert np.all(path.converged)
    coef_tol = direct_coef_tol(dtype, tols)
    for i, alpha in enumerate(path.alphas):
        single = l1l2.ridge(X, y, alpha, **options)
        coef_ref, intercept_ref = reference.ridge_closed_form(X, y, alpha, **options)
        assert_coef_close(path.coefs[i], single.coef, coef_tol, err_msg=f"alpha[{i}]")
        assert_coef_close(path.coefs[i], coef_ref, coef_tol, err_msg=f"alpha[{i}]")
        assert_coef_close(path.intercepts[i], intercept_ref, coef_tol, err_msg=f"alpha[{i}]")
        np.testing.assert_allclose(path.objectives[i], single.objective, rtol=tols.objective)
        point = path[i]
        assert point.alpha == alpha
        np.testing.assert_array_equal(point.coef, path.coefs[i])
        assert point.intercept == path.intercepts[i]
    expected = X.astype(np.float64) @ path.coefs.T.astype(np.float64) + path.intercepts
    np.testing.assert_allclose(path.predict(X), expected, rtol=0,
                               atol=(1e-10 if dtype == np.float64 else 1e-4) * np.max(np.abs(expected)))


@pytest.mark.parametrize("option", ["plain", "no_intercept", "weights", "factors"])
@pytest.mark.parametrize("kind", ["tall", "wide"])
def test_path_df_is_the_singular_value_formula(kind, option, problem, rng):
    X, y = problem(kind)
    weights = rng.uniform(0.1, 3.0, X.shape[0]) if option == "weights" else None
    factors = rng.uniform(0.3, 3.0, X.shape[1]) if option == "factors" else None
    fit_intercept = option != "no_intercept"
    path = l1l2.ridge_path(X, y, n_alphas=10, sample_weight=weights, penalty_factor=factors,
                           fit_intercept=fit_intercept)
    xs, _, _, _, _ = weighted_centred(X, y, weights, fit_intercept)
    sigma = np.linalg.svd(xs / np.sqrt(reference.penalty_factors(factors, X.shape[1])), compute_uv=False)
    n = X.shape[0]
    expected = [np.sum(sigma**2 / (sigma**2 + n * alpha)) for alpha in path.alphas]

    np.testing.assert_allclose(path.df, expected, rtol=1e-9)
    assert np.all(np.diff(path.df) > 0)  # alphas decrease, df increases
    assert np.all(path.df <= min(n - fit_intercept, X.shape[1]) + 1e-9)


@pytest.mark.parametrize("kind", ["tall", "wide"])
def test_path_df_counts_unpenalised_features(kind, problem, rng):
    # With f_j = 0 the formula's diag(f)^(-1/2) is read as: the penalised columns after the free ones
    # are fitted, i.e. the trace of the smoother, whose free part contributes exactly one per feature.
    X, y = problem(kind)
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    factors[[0, 5]] = 0.0
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    path = l1l2.ridge_path(X, y, n_alphas=10, sample_weight=weights, penalty_factor=factors)
    expected = [effective_df(X, alpha, weights, factors) for alpha in path.alphas]

    np.testing.assert_allclose(path.df, expected, rtol=1e-9)
    assert np.all(path.df >= 2)


@pytest.mark.parametrize("n_alphas", [1, 7, 50])
@pytest.mark.parametrize("kind", ["tall", "wide"])
def test_default_grid_is_decreasing_and_of_length_n_alphas(kind, n_alphas, problem):
    X, y = problem(kind)
    path = l1l2.ridge_path(X, y, n_alphas=n_alphas)
    cv = l1l2.ridge_cv(X, y, n_alphas=n_alphas, cv="gcv")

    assert path.alphas.shape == (n_alphas,)
    assert len(path) == n_alphas
    assert np.all(path.alphas > 0)
    assert np.all(np.diff(path.alphas) < 0)
    np.testing.assert_array_equal(cv.alphas, path.alphas)


def test_default_grid_uses_alpha_min_ratio(problem):
    X, y = problem("tall")
    path = l1l2.ridge_path(X, y, n_alphas=9, alpha_min_ratio=1e-3)
    np.testing.assert_allclose(path.alphas[-1] / path.alphas[0], 1e-3, rtol=1e-10)
    np.testing.assert_allclose(np.diff(np.log(path.alphas)), np.log(1e-3) / 8, rtol=1e-8)


def test_user_alphas_are_sorted_decreasing(problem):
    X, y = problem("tall")
    alphas = [0.01, 1.0, 0.1, 10.0]
    path = l1l2.ridge_path(X, y, alphas=alphas)
    np.testing.assert_array_equal(path.alphas, [10.0, 1.0, 0.1, 0.01])
    for i, alpha in enumerate(path.alphas):
        assert_coef_close(path.coefs[i], l1l2.ridge(X, y, alpha).coef, 1e-9)


# --------------------------------------------------------------------------------------------------
# ridge_cv: exact leave-one-out, GCV, K-fold


def brute_force_loo(X, y, alphas, *, sample_weight=None, **options):
    """(n, n_alphas) s_i e_i^2: e_i the error on sample i of l1l2.ridge refitted without it (its weights
    renormalised by the fit), s normalised to sum n."""
    n = X.shape[0]
    s = reference.normalised_weights(sample_weight, n)
    errors = np.empty((n, len(alphas)))
    for i in range(n):
        keep = np.arange(n) != i
        weights = None if sample_weight is None else np.asarray(sample_weight)[keep]
        for t, alpha in enumerate(alphas):
            refit = l1l2.ridge(X[keep], y[keep], alpha, sample_weight=weights, **options)
            errors[i, t] = s[i] * (y[i] - refit.predict(X[i:i + 1])[0]) ** 2
    return errors


def small_problem(rng, kind):
    """A small (X, y): 14 x 4 ("tall") or 9 x 13 ("wide"), shifted columns, an offset in y."""
    n, p = (14, 4) if kind == "tall" else (9, 13)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, p) + rng.uniform(-1.0, 1.0, p)
    y = X[:, 0] - 2.0 * X[:, 1] + 0.5 * rng.standard_normal(n) + 3.0
    return X, y


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("kind", ["tall", "wide"])
def test_loo_equals_brute_force_refits(kind, weighted, fit_intercept, rng):
    X, y = small_problem(rng, kind)
    n = X.shape[0]
    weights = rng.uniform(0.2, 3.0, n) if weighted else None
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    factors[1] = 0.0
    options = dict(penalty_factor=factors, fit_intercept=fit_intercept)
    result = l1l2.ridge_cv(X, y, cv="loo", n_alphas=6, sample_weight=weights, **options)
    expected = brute_force_loo(X, y, result.alphas, sample_weight=weights, **options)

    assert result.fold_errors.shape == (n, 6)
    np.testing.assert_allclose(result.fold_errors, expected, rtol=1e-8, atol=1e-12 * expected.max())
    np.testing.assert_allclose(result.cv_mean, expected.mean(axis=0), rtol=1e-8)
    np.testing.assert_allclose(result.cv_se, expected.std(axis=0, ddof=1) / np.sqrt(n), rtol=1e-7)
    best = int(np.argmin(result.cv_mean))
    assert result.alpha_min == result.alphas[best]
    within = result.cv_mean <= result.cv_mean[best] + result.cv_se[best]
    assert result.alpha_1se == np.max(result.alphas[within])
    full = l1l2.ridge_path(X, y, n_alphas=6, sample_weight=weights, **options)
    np.testing.assert_array_equal(result.alphas, full.alphas)
    assert_coef_close(result.best.coef, full.coefs[best], 1e-12)
    assert result.best.alpha == result.alpha_min


def test_loo_with_user_alphas_including_a_large_one(rng):
    X, y = small_problem(rng, "tall")
    weights = rng.uniform(0.2, 3.0, X.shape[0])
    alphas = [1e3, 3.0, 0.05, 1e-4]
    result = l1l2.ridge_cv(X, y, cv="loo", alphas=alphas, sample_weight=weights)
    expected = brute_force_loo(X, y, result.alphas, sample_weight=weights)
    np.testing.assert_allclose(result.fold_errors, expected, rtol=1e-8, atol=1e-12 * expected.max())


@pytest.mark.parametrize("option", ["plain", "weights_and_factor", "no_intercept"])
@pytest.mark.parametrize("kind", ["tall", "wide"])
def test_gcv_equals_its_formula(kind, option, problem, rng):
    X, y = problem(kind)
    n = X.shape[0]
    weights = factors = None
    if option == "weights_and_factor":
        weights = rng.uniform(0.1, 3.0, n)
        factors = rng.uniform(0.3, 3.0, X.shape[1])
        factors[2] = 0.0
    fit_intercept = option != "no_intercept"
    options = dict(sample_weight=weights, penalty_factor=factors, fit_intercept=fit_intercept)
    result = l1l2.ridge_cv(X, y, cv="gcv", n_alphas=12, **options)
    s = reference.normalised_weights(weights, n)
    expected = []
    for alpha in result.alphas:
        coef, intercept = reference.ridge_closed_form(X, y, alpha, **options)
        residual = y - X @ coef - intercept
        df = effective_df(X, alpha, weights, factors, fit_intercept) + fit_intercept
        expected.append((s @ residual**2 / n) / (1 - df / n) ** 2)

    assert result.fold_errors.shape == (1, 12)
    np.testing.assert_allclose(result.fold_errors[0], expected, rtol=1e-8)
    np.testing.assert_allclose(result.cv_mean, expected, rtol=1e-8)
    # the path's df is the one in the formula, plus the intercept
    path_df = result.path.df + fit_intercept
    residuals = y[:, None] - result.path.predict(X)
    np.testing.assert_allclose(result.fold_errors[0], (s @ residuals**2 / n) / (1 - path_df / n) ** 2,
                               rtol=1e-8)
    assert result.alpha_min == result.alphas[np.argmin(result.cv_mean)]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_kfold_equals_recomputation_from_fold_paths(weighted, problem, rng):
    X, y = problem("tall")
    n = X.shape[0]
    weights = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    order = rng.permutation(n)
    splits = [(np.setdiff1d(order, part), np.sort(part)) for part in np.array_split(order, 4)]
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    factors[0] = 0.0
    raw = weights if weighted else None
    result = l1l2.ridge_cv(X, y, cv=splits, n_alphas=10, sample_weight=raw, penalty_factor=factors)
    expected = []
    for train, test in splits:
        fold = l1l2.ridge_path(X[train], y[train], alphas=result.alphas,
                               sample_weight=None if raw is None else raw[train], penalty_factor=factors)
        residual = y[test][:, None] - fold.predict(X[test])
        expected.append(weights[test] @ residual**2 / weights[test].sum())
    expected = np.array(expected)

    np.testing.assert_allclose(result.fold_errors, expected, rtol=1e-9)
    np.testing.assert_allclose(result.cv_mean, expected.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(result.cv_se, expected.std(axis=0, ddof=1) / 2.0, rtol=1e-7)


@pytest.mark.parametrize("cv", [5, "splits"])
def test_kfold_threads_give_identical_results(cv, problem, rng):
    X, y = problem("wide")
    weights = rng.uniform(0.2, 3.0, X.shape[0])
    if cv == "splits":
        order = rng.permutation(X.shape[0])
        cv = [(np.setdiff1d(order, part), part) for part in np.array_split(order, 3)]
    results = [l1l2.ridge_cv(X, y, cv=cv, n_alphas=15, sample_weight=weights, threads=threads)
               for threads in (1, 2)]
    for name in ("alphas", "cv_mean", "cv_se", "fold_errors", "fold_ids"):
        np.testing.assert_array_equal(getattr(results[1], name), getattr(results[0], name), err_msg=name)
    assert results[1].alpha_min == results[0].alpha_min
    assert results[1].alpha_1se == results[0].alpha_1se
    np.testing.assert_array_equal(results[1].best.coef, results[0].best.coef)


# --------------------------------------------------------------------------------------------------
# The certificate of the direct solvers


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("solver", DIRECT_SOLVERS)
def test_direct_dual_gap_is_nonnegative_and_tiny(solver, kind, option, dtype, tols, problem, rng):
    X, y = make_kind(problem, kind, dtype)
    options = make_options(option, X, rng)
    res = l1l2.ridge(X, y, ridge_alpha(X, y), solver=solver, **options)
    unit = reference.scale(y, options.get("sample_weight"), options.get("fit_intercept", True))
    bound = 1e-10 if dtype == np.float64 else tols.gap

    gaps = np.asarray(res.dual_gap)
    assert np.all(gaps >= 0)
    assert np.all(gaps <= bound * unit), (gaps / unit).max()


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
def test_path_dual_gaps_are_nonnegative_and_tiny(fit_intercept, problem, rng):
    X, y = problem("wide")
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    path = l1l2.ridge_path(X, y, n_alphas=10, sample_weight=weights, fit_intercept=fit_intercept)
    unit = reference.scale(y, weights, fit_intercept)
    assert np.all(path.dual_gaps >= 0)
    assert np.all(path.dual_gaps <= 1e-10 * unit), (path.dual_gaps / unit).max()


# --------------------------------------------------------------------------------------------------
# Inputs unchanged; documented errors


def test_inputs_are_not_modified(problem, rng):
    X, y = problem("tall")
    X = np.asfortranarray(X)
    Y = np.column_stack([y, -y])
    weights = rng.uniform(0.2, 3.0, X.shape[0])
    factors = rng.uniform(0.3, 3.0, X.shape[1])
    factors[0] = 0.0
    arrays = (X, y, Y, weights, factors)
    copies = [array.copy() for array in arrays]
    options = dict(sample_weight=weights, penalty_factor=factors)
    for solver in SOLVERS:
        l1l2.ridge(X, y, 0.1, solver=solver, **options)
        l1l2.ridge(X, Y, 0.1, solver=solver, **options)
    l1l2.ridge(X, y, 0.0, **options)
    l1l2.ridge_path(X, y, n_alphas=5, **options)
    for cv in ("loo", "gcv", 3):
        l1l2.ridge_cv(X, y, cv=cv, n_alphas=5, threads=2, **options)
    for original, copy in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(original, copy)


@pytest.mark.parametrize("solver", ["lbfgs", "Cholesky", "", "sag"])
def test_bad_solver_name(data, solver):
    X, y = data
    with pytest.raises(ValueError, match="solver"):
        l1l2.ridge(X, y, 0.1, solver=solver)


@pytest.mark.parametrize("cv", ["LOO", "loocv", "kfold", ""])
def test_bad_cv_string(data, cv):
    X, y = data
    with pytest.raises(ValueError, match="cv"):
        l1l2.ridge_cv(X, y, cv=cv)
