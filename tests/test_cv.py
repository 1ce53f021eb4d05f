"""lasso_cv and enet_cv: cross-validated paths against a NumPy recomputation and scikit-learn.

Oracles, most trusted first: cv_mean and cv_se recomputed here from per-fold l1l2 paths on the
training rows, evaluated on the held-out rows (weighted mean squared error); the documented selection
rules (argmin, glmnet's one-standard-error rule); the full-data fits (lasso_path, lasso at alpha_min);
then scikit-learn's LassoCV / ElasticNetCV with the same folds and the same alphas as a cross-check.
Then folds, threads, explicit splits, the CVResult contract and the documented input errors.
"""

import dataclasses
import pickle
import warnings

import numpy as np
import pytest

import l1l2
import reference
from helpers import L1_FAMILIES, PATIENT, RATIO, TIGHT, assert_coef_close, cv_of, draw_options, fit_of, path_of


def splits_of(fold_ids):
    """The (train, test) index pairs of a fold assignment, fold 0 first."""
    return [(np.flatnonzero(fold_ids != k), np.flatnonzero(fold_ids == k)) for k in range(fold_ids.max() + 1)]


def recomputed_cv(family, X, y, alphas, splits, *, sample_weight=None, **options):
    """Return (cv_mean, cv_se, per-fold errors (folds, alphas)) from per-fold l1l2 paths.

    Each fold fits the path on its training rows at the given alphas and scores the held-out rows
    by their weighted mean squared error sum_test s_i r_i^2 / sum_test s_i.
    """
    weights = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    errors = []
    for train, test in splits:
        train_weights = None if sample_weight is None else weights[train]
        path = path_of(family, X[train], y[train], alphas=alphas, sample_weight=train_weights, **options)
        np.testing.assert_array_equal(path.alphas, alphas)
        residual = y[test][:, None] - path.predict(X[test])
        errors.append(weights[test] @ residual**2 / weights[test].sum())
    errors = np.array(errors)
    return errors.mean(axis=0), errors.std(axis=0, ddof=1) / np.sqrt(len(errors)), errors


def one_se_alpha(alphas, cv_mean, cv_se):
    """glmnet's lambda.1se: the largest alpha whose cv_mean is within one SE of the minimum."""
    best = np.argmin(cv_mean)
    return np.max(alphas[cv_mean <= cv_mean[best] + cv_se[best]])


CV_OPTIONS = {
    "plain": {},
    "weights": {"sample_weight": "random"},
    "factors_positive": {"penalty_factor": "with_zero", "positive": True},
    "no_intercept": {"fit_intercept": False},
}


def cv_options(name, X, rng):
    """Keyword arguments for a CV_OPTIONS entry: weights in [0.2, 3), feature 1 free."""
    return draw_options(CV_OPTIONS[name], X, rng, weight_low=0.2, free=1)


# --------------------------------------------------------------------------------------------------
# cv_mean, cv_se and the selection rules against a NumPy recomputation


@pytest.mark.parametrize("option", list(CV_OPTIONS))
@pytest.mark.parametrize("kind", ["tall", "wide"])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_cv_mean_matches_recomputation_from_fold_paths(family, kind, option, problem, rng):
    X, y = problem(kind)
    options = cv_options(option, X, rng)
    result = cv_of(family, X, y, cv=4, n_alphas=30, tol=TIGHT, max_iter=PATIENT, **options)
    cv_mean, cv_se, errors = recomputed_cv(family, X, y, result.alphas, splits_of(result.fold_ids),
                                           tol=TIGHT, max_iter=PATIENT, **options)

    assert result.cv_mean.shape == result.cv_se.shape == result.alphas.shape == (30,)
    np.testing.assert_allclose(result.cv_mean, cv_mean, rtol=1e-7)
    np.testing.assert_allclose(result.cv_se, cv_se, rtol=1e-6, atol=1e-9 * cv_mean.max())
    assert np.all(result.cv_se > 0)
    assert result.alpha_min == result.alphas[np.argmin(result.cv_mean)]
    assert result.alpha_1se == one_se_alpha(result.alphas, result.cv_mean, result.cv_se)
    assert result.alpha_1se >= result.alpha_min


@pytest.mark.parametrize("option", list(CV_OPTIONS))
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_full_data_path_grid_and_best_fit(family, option, problem, rng, tols64):
    X, y = problem("correlated")
    options = cv_options(option, X, rng)
    result = cv_of(family, X, y, cv=3, n_alphas=25, tol=TIGHT, max_iter=PATIENT, **options)
    path = path_of(family, X, y, n_alphas=25, tol=TIGHT, max_iter=PATIENT, **options)
    best = fit_of(family, X, y, result.alpha_min, tol=TIGHT, max_iter=PATIENT, **options)

    np.testing.assert_allclose(result.alphas, path.alphas, rtol=1e-14)
    np.testing.assert_array_equal(result.path.alphas, result.alphas)
    assert_coef_close(result.path.coefs, path.coefs, tols64.coef)
    assert type(result.best).__name__ == "FitResult"
    assert result.best.alpha == result.alpha_min
    assert result.best.l1_ratio == RATIO[family]
    assert result.best.converged
    np.testing.assert_allclose(result.best.objective, best.objective, rtol=tols64.objective)
    assert_coef_close(result.best.coef, best.coef, tols64.coef)
    assert_coef_close(result.best.intercept, best.intercept, tols64.coef)


def test_user_alphas_are_sorted_and_used_by_every_fold(problem, rng):
    X, y = problem("tall")
    top = reference.alpha_max(X, y)
    alphas = top * np.array([0.05, 1.5, 0.2, 0.01, 0.5])
    result = l1l2.lasso_cv(X, y, cv=3, alphas=alphas, tol=TIGHT, max_iter=PATIENT)
    expected = np.sort(alphas)[::-1]
    cv_mean, _, _ = recomputed_cv("lasso", X, y, expected, splits_of(result.fold_ids), tol=TIGHT,
                                  max_iter=PATIENT)

    np.testing.assert_array_equal(result.alphas, expected)
    np.testing.assert_array_equal(result.path.alphas, expected)
    np.testing.assert_allclose(result.cv_mean, cv_mean, rtol=1e-7)
    assert result.alpha_min in expected and result.alpha_1se in expected


def test_one_se_rule_takes_the_largest_qualifying_alpha(problem):
    # pure noise: the null model is (nearly) best, so alpha_1se should sit at the top of the grid
    X, _ = problem("tall")
    y = np.random.default_rng(5).standard_normal(X.shape[0])
    result = l1l2.lasso_cv(X, y, cv=5, n_alphas=20)
    assert result.alpha_1se == one_se_alpha(result.alphas, result.cv_mean, result.cv_se)
    assert result.alpha_1se >= result.alpha_min


# --------------------------------------------------------------------------------------------------
# Folds, explicit splits, threads


@pytest.mark.parametrize(("n_samples", "n_folds"), [(80, 5), (23, 4), (10, 10), (7, 2)])
def test_fold_ids_are_a_shuffled_k_fold(n_samples, n_folds, rng):
    X = rng.standard_normal((n_samples, 3))
    y = X[:, 0] + rng.standard_normal(n_samples)
    result = l1l2.lasso_cv(X, y, cv=n_folds, n_alphas=5)
    ids = result.fold_ids
    sizes = np.bincount(ids, minlength=n_folds)

    assert ids.shape == (n_samples,)
    assert np.issubdtype(ids.dtype, np.integer)
    assert ids.min() == 0 and ids.max() == n_folds - 1
    assert sizes.sum() == n_samples
    assert set(sizes) <= {n_samples // n_folds, -(-n_samples // n_folds)}
    if n_samples > n_folds:
        assert np.any(np.diff(ids) < 0), "folds are not shuffled"


def test_fold_ids_follow_random_state(problem):
    X, y = problem("tall")
    first = l1l2.lasso_cv(X, y, cv=5, n_alphas=5, random_state=3)
    again = l1l2.lasso_cv(X, y, cv=5, n_alphas=5, random_state=3)
    other = l1l2.lasso_cv(X, y, cv=5, n_alphas=5, random_state=4)
    default = l1l2.lasso_cv(X, y, cv=5, n_alphas=5)
    zero = l1l2.lasso_cv(X, y, cv=5, n_alphas=5, random_state=0)

    np.testing.assert_array_equal(first.fold_ids, again.fold_ids)
    np.testing.assert_array_equal(first.cv_mean, again.cv_mean)
    assert not np.array_equal(first.fold_ids, other.fold_ids)
    np.testing.assert_array_equal(default.fold_ids, zero.fold_ids)


@pytest.mark.parametrize("family", L1_FAMILIES)
def test_explicit_splits_equal_the_int_folds(family, problem):
    X, y = problem("tall")
    by_int = cv_of(family, X, y, cv=4, n_alphas=20, tol=TIGHT, max_iter=PATIENT)
    splits = splits_of(by_int.fold_ids)
    by_list = cv_of(family, X, y, cv=splits, n_alphas=20, tol=TIGHT, max_iter=PATIENT)
    by_generator = cv_of(family, X, y, cv=(pair for pair in splits), n_alphas=20, tol=TIGHT, max_iter=PATIENT)

    for result in (by_list, by_generator):
        np.testing.assert_array_equal(result.alphas, by_int.alphas)
        np.testing.assert_allclose(result.cv_mean, by_int.cv_mean, rtol=1e-10)
        np.testing.assert_allclose(result.cv_se, by_int.cv_se, rtol=1e-8)
        assert result.alpha_min == by_int.alpha_min
        assert result.alpha_1se == by_int.alpha_1se


def test_uneven_explicit_splits_match_recomputation(problem, rng):
    # splits need not partition the data: three random 30 / 10 splits with overlapping test sets
    X, y = problem("tall")
    weights = rng.uniform(0.2, 3.0, X.shape[0])
    splits = []
    for _ in range(3):
        order = rng.permutation(X.shape[0])
        splits.append((np.sort(order[:30]), np.sort(order[30:40])))
    result = l1l2.lasso_cv(X, y, cv=splits, n_alphas=15, tol=TIGHT, max_iter=PATIENT, sample_weight=weights)
    cv_mean, cv_se, _ = recomputed_cv("lasso", X, y, result.alphas, splits, tol=TIGHT, max_iter=PATIENT,
                                      sample_weight=weights)

    np.testing.assert_allclose(result.cv_mean, cv_mean, rtol=1e-7)
    np.testing.assert_allclose(result.cv_se, cv_se, rtol=1e-6)
    assert result.alpha_min == result.alphas[np.argmin(result.cv_mean)]


@pytest.mark.parametrize("family", L1_FAMILIES)
def test_threads_do_not_change_results(family, problem, rng):
    X, y = problem("wide")
    weights = rng.uniform(0.2, 3.0, X.shape[0])
    results = {threads: cv_of(family, X, y, cv=5, n_alphas=40, sample_weight=weights, threads=threads,
                              max_iter=PATIENT)
               for threads in (1, 2, None, -1)}
    sequential = results[1]
    for threads, result in results.items():
        for name in ("alphas", "cv_mean", "cv_se", "fold_ids"):
            assert np.array_equal(getattr(result, name), getattr(sequential, name)), (threads, name)
        assert result.alpha_min == sequential.alpha_min
        assert result.alpha_1se == sequential.alpha_1se
        assert np.array_equal(result.best.coef, sequential.best.coef)
        assert np.array_equal(result.path.coefs, sequential.path.coefs)


def test_precompute_does_not_change_cv(problem):
    X, y = problem("tall")
    gram = l1l2.lasso_cv(X, y, cv=4, n_alphas=20, tol=TIGHT, max_iter=PATIENT, precompute=True)
    residual = l1l2.lasso_cv(X, y, cv=4, n_alphas=20, tol=TIGHT, max_iter=PATIENT, precompute=False)
    np.testing.assert_array_equal(gram.fold_ids, residual.fold_ids)
    np.testing.assert_allclose(gram.alphas, residual.alphas, rtol=1e-12)  # alpha_max: rounding may differ
    np.testing.assert_allclose(gram.cv_mean, residual.cv_mean, rtol=1e-8)
    assert np.argmin(gram.cv_mean) == np.argmin(residual.cv_mean)
    assert gram.alpha_min == pytest.approx(residual.alpha_min, rel=1e-12)


def test_leave_one_out(rng):
    X = rng.standard_normal((12, 3))
    y = X @ np.array([1.0, 0.0, -1.0]) + 0.3 * rng.standard_normal(12)
    result = l1l2.lasso_cv(X, y, cv=12, n_alphas=10, tol=TIGHT, max_iter=PATIENT)
    np.testing.assert_array_equal(np.sort(result.fold_ids), np.arange(12))
    cv_mean, cv_se, _ = recomputed_cv("lasso", X, y, result.alphas, splits_of(result.fold_ids), tol=TIGHT,
                                      max_iter=PATIENT)
    np.testing.assert_allclose(result.cv_mean, cv_mean, rtol=1e-7)
    np.testing.assert_allclose(result.cv_se, cv_se, rtol=1e-6)


# --------------------------------------------------------------------------------------------------
# scikit-learn with the same folds and the same alphas


@pytest.mark.slow
@pytest.mark.parametrize("option", ["plain", "weights", "positive", "no_intercept"])
@pytest.mark.parametrize("family", L1_FAMILIES)
def test_matches_sklearn_cv(family, option, problem, rng):
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = problem("correlated")
    options = {"weights": {"sample_weight": rng.uniform(0.2, 3.0, X.shape[0])},
               "positive": {"positive": True}, "no_intercept": {"fit_intercept": False}}.get(option, {})
    result = cv_of(family, X, y, cv=5, n_alphas=50, tol=TIGHT, max_iter=PATIENT, **options)
    splits = splits_of(result.fold_ids)
    common = dict(alphas=result.alphas, cv=splits, tol=1e-12, max_iter=1_000_000,
                  fit_intercept=options.get("fit_intercept", True), positive=options.get("positive", False))
    if family == "lasso":
        model = linear_model.LassoCV(**common)
    else:
        model = linear_model.ElasticNetCV(l1_ratio=RATIO[family], **common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn may not reach its tol at the smallest alphas
        model.fit(X, y, sample_weight=options.get("sample_weight"))

    np.testing.assert_allclose(model.alphas_, result.alphas, rtol=1e-14)
    np.testing.assert_allclose(model.mse_path_.mean(axis=1), result.cv_mean, rtol=1e-5)
    selected = int(np.argmin(np.abs(result.alphas - model.alpha_)))
    assert abs(selected - int(np.argmin(result.cv_mean))) <= 1, (model.alpha_, result.alpha_min)


# --------------------------------------------------------------------------------------------------
# CVResult


@pytest.mark.parametrize("family", L1_FAMILIES)
def test_cv_result_fields(family, problem):
    X, y = problem("tall")
    result = cv_of(family, X, y, cv=3, n_alphas=10)

    assert dataclasses.is_dataclass(result)
    assert type(result).__name__ == "CVResult"
    assert type(result.path).__name__ == "PathResult"
    assert result.alphas.shape == result.cv_mean.shape == result.cv_se.shape == (10,)
    assert np.all(np.diff(result.alphas) < 0)
    assert result.fold_ids.shape == (X.shape[0],)
    assert np.all(np.isfinite(result.cv_mean)) and np.all(result.cv_se >= 0)
    assert np.ndim(result.alpha_min) == 0 and np.ndim(result.alpha_1se) == 0
    assert result.path.l1_ratio == RATIO[family]


def test_cv_result_is_frozen_and_pickles(problem):
    X, y = problem("tall")
    result = l1l2.lasso_cv(X, y, cv=3, n_alphas=8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.alpha_min = 1.0
    for name in ("alphas", "cv_mean", "cv_se", "fold_ids"):
        assert not getattr(result, name).flags.writeable, name
    clone = pickle.loads(pickle.dumps(result))
    for name in ("alphas", "cv_mean", "cv_se", "fold_ids"):
        np.testing.assert_array_equal(getattr(clone, name), getattr(result, name))
    assert clone.alpha_min == result.alpha_min and clone.alpha_1se == result.alpha_1se
    np.testing.assert_array_equal(clone.best.coef, result.best.coef)
    np.testing.assert_array_equal(clone.path.coefs, result.path.coefs)


def test_cv_is_quiet_unless_verbose(problem, capsys):
    X, y = problem("tall")
    l1l2.lasso_cv(X, y, cv=3, n_alphas=5)
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


def test_cv_does_not_modify_inputs(problem, rng):
    X, y = problem("tall")
    weights = rng.uniform(0.2, 3.0, X.shape[0])
    copies = [a.copy() for a in (X, y, weights)]
    l1l2.lasso_cv(X, y, cv=3, n_alphas=5, sample_weight=weights, threads=2)
    for original, copy in zip((X, y, weights), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


# --------------------------------------------------------------------------------------------------
# Documented errors


CVS = {"lasso_cv": "lasso", "enet_cv": "enet"}


@pytest.fixture(params=list(CVS))
def cv_function(request):
    family = CVS[request.param]
    return lambda X, y, **kwargs: cv_of(family, X, y, **kwargs)


@pytest.mark.parametrize("cv", [1, 0, -3, 21])
def test_cv_out_of_range(cv_function, data, cv):
    with pytest.raises(ValueError, match="cv"):
        cv_function(*data, cv=cv)


@pytest.mark.parametrize("threads", [0, -2, -5])
def test_bad_threads(cv_function, data, threads):
    with pytest.raises(ValueError, match="threads"):
        cv_function(*data, threads=threads)


@pytest.mark.parametrize(("keyword", "value"), [
    ("n_alphas", 0), ("alpha_min_ratio", 0.0), ("alpha_min_ratio", 1.0), ("alphas", [0.1, -1.0]),
    ("precompute", "sometimes"),
])
def test_path_arguments_are_checked(cv_function, data, keyword, value):
    with pytest.raises(ValueError, match=keyword):
        cv_function(*data, **{keyword: value})


def test_cv_names_are_public():
    for name in ("lasso_cv", "enet_cv"):
        assert name in l1l2.__all__
        assert hasattr(l1l2, name)
