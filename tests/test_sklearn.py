"""l1l2.sklearn: scikit-learn's estimator contract, and the same answers as scikit-learn's classes."""
import inspect
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse

sklearn = pytest.importorskip("sklearn")
from sklearn import linear_model                                   # noqa: E402
from sklearn.exceptions import ConvergenceWarning                  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold            # noqa: E402
from sklearn.pipeline import make_pipeline                         # noqa: E402
from sklearn.preprocessing import StandardScaler                   # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import l1l2                                                        # noqa: E402
from l1l2 import sklearn as ours                                   # noqa: E402
from l1l2.data import load_diabetes                                # noqa: E402

from helpers import assert_coef_close                              # noqa: E402

SAME_NAMED = ["Lasso", "ElasticNet", "Ridge", "LassoCV", "ElasticNetCV", "RidgeCV", "QuantileRegressor"]
TIGHT = {"tol": 1e-12, "max_iter": 1_000_000}
# Iterative fits at TIGHT still leave coefficient errors of order sqrt(gap / curvature) on the
# badly scaled diabetes columns (both packages alike); direct and exact solvers agree to rounding.
ITERATIVE, EXACT = 2e-5, 1e-9


def _problems():
    X, y, _ = load_diabetes()
    rng = np.random.default_rng(20)
    Xr = rng.standard_normal((60, 8))
    yr = Xr[:, :3] @ [1.5, -2.0, 0.5] + 0.3 * rng.standard_normal(60) + 1.0
    return {"diabetes": (X, y), "random": (Xr, yr)}


PROBLEMS = _problems()


def _weights(n_samples, weighted):
    return np.random.default_rng(n_samples).uniform(0.2, 3.0, n_samples) if weighted else None


def test_docstring_example():
    import doctest
    assert doctest.testmod(ours).failed == 0


def test_import_l1l2_does_not_import_sklearn():
    code = "import l1l2, sys; assert 'sklearn' not in sys.modules, 'sklearn imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", SAME_NAMED)
def test_constructor_matches_installed_sklearn(name):
    def parameters(cls):
        return [(p.name, p.default, p.kind) for p in inspect.signature(cls.__init__).parameters.values()]
    assert parameters(getattr(ours, name)) == parameters(getattr(linear_model, name))


def test_lad_regressor_defaults_are_l1l2s():
    lad = inspect.signature(l1l2.lad).parameters
    for name, parameter in inspect.signature(ours.LADRegressor.__init__).parameters.items():
        if name != "self":
            assert parameter.default == lad[name].default, name


ESTIMATORS = [ours.Lasso(), ours.ElasticNet(), ours.Ridge(), ours.LassoCV(), ours.ElasticNetCV(),
              ours.RidgeCV(), ours.QuantileRegressor(), ours.LADRegressor()]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# (class name, parameters of both, tolerance)
SINGLE_FITS = [
    ("Lasso", {"alpha": 0.1, **TIGHT}, ITERATIVE),
    ("Lasso", {"alpha": 0.05, "positive": True, **TIGHT}, ITERATIVE),
    ("ElasticNet", {"alpha": 0.02, "l1_ratio": 0.3, **TIGHT}, ITERATIVE),
    ("Ridge", {"alpha": 3.0}, EXACT),
    ("Ridge", {"alpha": 0.5, "fit_intercept": False, "solver": "svd"}, EXACT),
    ("Ridge", {"alpha": 3.0, "solver": "sparse_cg", "tol": 1e-12}, 1e-8),
    ("Ridge", {"alpha": 3.0, "solver": "lbfgs", "positive": True, "tol": 1e-12, "max_iter": 100_000}, 1e-4),
    ("QuantileRegressor", {"quantile": 0.7, "alpha": 0.01}, EXACT),
    ("QuantileRegressor", {"quantile": 0.2, "alpha": 0.0, "fit_intercept": False}, EXACT),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("name, params, tol", SINGLE_FITS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SINGLE_FITS)])
def test_same_fit_as_sklearn(name, params, tol, problem, weighted):
    X, y = PROBLEMS[problem]
    sample_weight = _weights(X.shape[0], weighted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # scikit-learn's lbfgs at tol=1e-12
        theirs = getattr(linear_model, name)(**params).fit(X, y, sample_weight=sample_weight)
    mine = getattr(ours, name)(**params).fit(X, y, sample_weight=sample_weight)
    assert_coef_close(mine.coef_, theirs.coef_, tol)
    assert_coef_close(mine.intercept_, theirs.intercept_, tol * max(1.0, np.abs(y).max()))
    assert isinstance(mine.result_, l1l2.FitResult)
    assert mine.n_features_in_ == X.shape[1]


def test_lad_regressor_is_quantile_at_the_median():
    X, y = PROBLEMS["random"]
    lad = ours.LADRegressor(alpha=0.02).fit(X, y)
    theirs = linear_model.QuantileRegressor(quantile=0.5, alpha=0.01).fit(X, y)
    assert_coef_close(lad.coef_, theirs.coef_, EXACT)
    assert lad.result_.loss == "absolute" and lad.dual_gap_ >= 0


def test_two_targets_and_per_target_ridge_alphas():
    X, y = PROBLEMS["random"]
    Y = np.c_[y, -2 * y + X[:, 4]]
    for name, params in [("Lasso", {"alpha": 0.05, **TIGHT}), ("Ridge", {"alpha": [1.0, 30.0]})]:
        mine = getattr(ours, name)(**params).fit(X, Y)
        theirs = getattr(linear_model, name)(**params).fit(X, Y)
        assert mine.coef_.shape == theirs.coef_.shape == (2, X.shape[1])
        assert_coef_close(mine.coef_, theirs.coef_, ITERATIVE)
        assert_coef_close(mine.intercept_, theirs.intercept_, ITERATIVE)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name, params", [
    ("LassoCV", {}),
    ("ElasticNetCV", {"l1_ratio": 0.7}),
    ("ElasticNetCV", {"l1_ratio": [0.2, 0.7], "alphas": 30, "eps": 1e-2, "cv": KFold(4)}),
    ("LassoCV", {"alphas": [2.0, 0.5, 1.0, 0.1, 0.01], "cv": 3}),
])
def test_same_cross_validation_as_sklearn(name, params, weighted):
    X, y = PROBLEMS["diabetes"]
    sample_weight = _weights(X.shape[0], weighted)
    params = {"tol": 1e-10, "max_iter": 100_000, **params}
    mine = getattr(ours, name)(**params).fit(X, y, sample_weight=sample_weight)
    theirs = getattr(linear_model, name)(**params).fit(X, y, sample_weight=sample_weight)
    assert mine.mse_path_.shape == theirs.mse_path_.shape
    np.testing.assert_allclose(mine.alphas_, theirs.alphas_, rtol=1e-12)
    np.testing.assert_allclose(mine.mse_path_, theirs.mse_path_, rtol=1e-4)
    assert mine.alpha_ == pytest.approx(theirs.alpha_, rel=1e-12)
    if name == "ElasticNetCV":
        assert mine.l1_ratio_ == theirs.l1_ratio_
    assert_coef_close(mine.coef_, theirs.coef_, 1e-4)
    assert isinstance(mine.result_, (l1l2.CVResult, list))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("cv", [None, 5])
def test_same_ridge_cv_as_sklearn(cv, weighted):
    X, y = PROBLEMS["diabetes"]
    sample_weight = _weights(X.shape[0], weighted)
    alphas = np.logspace(-3, 3, 13)
    params = {"alphas": alphas, "cv": cv, "store_cv_results": cv is None}
    mine = ours.RidgeCV(**params).fit(X, y, sample_weight=sample_weight)
    theirs = linear_model.RidgeCV(**params).fit(X, y, sample_weight=sample_weight)
    assert mine.alpha_ == theirs.alpha_
    assert_coef_close(mine.coef_, theirs.coef_, EXACT)
    # leave-one-out is exact, weighted or not (scikit-learn's penalty for every left-out refit)
    assert mine.best_score_ == pytest.approx(theirs.best_score_, rel=1e-9)
    assert isinstance(mine.result_, l1l2.FitResult)
    if cv is None:
        assert mine.cv_results_.shape == theirs.cv_results_.shape
        np.testing.assert_allclose(mine.cv_results_, theirs.cv_results_, rtol=1e-6)


def test_ridge_cv_alpha_per_target():
    X, y = PROBLEMS["random"]
    Y = np.c_[y, X[:, 5] + 0.1 * np.random.default_rng(1).standard_normal(X.shape[0])]
    params = {"alphas": [0.01, 0.1, 1.0, 10.0, 100.0], "alpha_per_target": True}
    mine, theirs = ours.RidgeCV(**params).fit(X, Y), linear_model.RidgeCV(**params).fit(X, Y)
    np.testing.assert_array_equal(mine.alpha_, theirs.alpha_)
    assert_coef_close(mine.coef_, theirs.coef_, EXACT)


def test_sparse_input_gives_the_dense_answer():
    X, y = PROBLEMS["random"]
    X = np.where(np.abs(X) > 0.8, X, 0.0)
    for estimator in [ours.Lasso(alpha=0.05, **TIGHT), ours.Ridge(alpha=2.0),
                      ours.QuantileRegressor(alpha=0.01)]:
        dense = sklearn.base.clone(estimator).fit(X, y)
        sparse = sklearn.base.clone(estimator).fit(scipy.sparse.csr_matrix(X), y)
        assert_coef_close(sparse.coef_, dense.coef_, ITERATIVE)
        np.testing.assert_allclose(sparse.predict(scipy.sparse.csr_matrix(X)), dense.predict(X),
                                   rtol=1e-6, atol=1e-6)


def test_warm_start_starts_from_the_previous_coef():
    X, y = PROBLEMS["diabetes"]
    model = ours.ElasticNet(alpha=0.01, warm_start=True, tol=1e-10, max_iter=100_000).fit(X, y)
    cold_iters = model.n_iter_
    model.set_params(alpha=0.0101).fit(X, y)
    assert model.n_iter_ < cold_iters
    cold = ours.ElasticNet(alpha=0.0101, tol=1e-10, max_iter=100_000).fit(X, y)
    assert_coef_close(model.coef_, cold.coef_, ITERATIVE)


def test_convergence_warning_is_sklearns():
    X, y = PROBLEMS["diabetes"]
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = ours.Lasso(alpha=0.001, max_iter=2, tol=1e-12).fit(X, y)
    assert not model.result_.converged


def test_pipeline_and_grid_search():
    X, y = PROBLEMS["diabetes"]
    params = {"alpha": 1.0, "tol": 1e-10, "max_iter": 100_000}
    pipe = make_pipeline(StandardScaler(), ours.Lasso(**params))
    theirs_pipe = make_pipeline(StandardScaler(), linear_model.Lasso(**params))
    prediction = pipe.fit(X, y).predict(X)
    np.testing.assert_allclose(prediction, theirs_pipe.fit(X, y).predict(X), rtol=1e-4)
    grid = {"lasso__alpha": [0.01, 0.1, 1.0, 10.0]}
    mine = GridSearchCV(pipe, grid, cv=4).fit(X, y)
    theirs = GridSearchCV(theirs_pipe, grid, cv=4).fit(X, y)
    assert mine.best_params_ == theirs.best_params_
    np.testing.assert_allclose(mine.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"],
                               rtol=1e-5)
    assert isinstance(mine.best_estimator_[-1].result_, l1l2.FitResult)


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge", "RidgeCV"])
def test_fitted_shapes_follow_sklearn(name):
    X, y = PROBLEMS["random"]
    for target in [y, y[:, None], np.c_[y, -y]]:
        mine, theirs = getattr(ours, name)().fit(X, target), getattr(linear_model, name)().fit(X, target)
        assert np.shape(mine.coef_) == np.shape(theirs.coef_)
        assert np.shape(mine.intercept_) == np.shape(theirs.intercept_)
        assert mine.predict(X).shape == theirs.predict(X).shape
        if hasattr(theirs, "dual_gap_"):
            assert np.shape(mine.dual_gap_) == np.shape(theirs.dual_gap_)
            assert np.shape(mine.n_iter_) == np.shape(theirs.n_iter_)


def test_cv_splitter_groups_and_threads():
    from sklearn.model_selection import GroupKFold
    X, y = PROBLEMS["diabetes"]
    groups = np.arange(X.shape[0]) % 7
    params = {"cv": GroupKFold(3), "alphas": 20, "tol": 1e-10, "max_iter": 100_000}
    mine = ours.LassoCV(n_jobs=2, **params).fit(X, y, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):   # scikit-learn needs it for groups
        theirs = linear_model.LassoCV(**params).fit(X, y, groups=groups)
    assert mine.alpha_ == pytest.approx(theirs.alpha_, rel=1e-12)
    np.testing.assert_allclose(mine.mse_path_, theirs.mse_path_, rtol=1e-4)
    expected = np.empty(X.shape[0], dtype=int)
    for k, (_, test) in enumerate(GroupKFold(3).split(X, y, groups)):
        expected[test] = k
    np.testing.assert_array_equal(mine.result_.fold_ids, expected)


def test_integer_input_predicts_in_floating_point():
    X, y = PROBLEMS["random"]
    X_int = np.round(3 * X).astype(np.int64)
    model = ours.Ridge(alpha=1.0).fit(X_int, y)
    np.testing.assert_allclose(model.predict(X_int), model.predict(X_int.astype(float)), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("scoring", ["r2", "neg_mean_absolute_error"])
@pytest.mark.parametrize("two_targets, alpha_per_target", [(False, False), (True, False), (True, True)],
                         ids=["one_target", "two_targets", "alpha_per_target"])
def test_ridgecv_scores_leave_one_out_predictions_like_sklearn(scoring, two_targets,
                                                               alpha_per_target, weighted):
    """cv=None with a scorer: the scorer judges the exact leave-one-out predictions (weighted by
    sample_weight), so alpha_, best_score_, the stored predictions and coef_ are scikit-learn's."""
    X, y, _ = load_diabetes()
    Y = np.c_[y, np.log(y)] if two_targets else y
    sample_weight = _weights(X.shape[0], weighted)
    params = dict(alphas=np.geomspace(1e-3, 10.0, 7), scoring=scoring, store_cv_results=True,
                  alpha_per_target=alpha_per_target)
    theirs = linear_model.RidgeCV(**params).fit(X, Y, sample_weight=sample_weight)
    mine = ours.RidgeCV(**params).fit(X, Y, sample_weight=sample_weight)
    np.testing.assert_array_equal(mine.alpha_, theirs.alpha_)
    np.testing.assert_allclose(mine.best_score_, theirs.best_score_, rtol=1e-10)
    np.testing.assert_allclose(mine.cv_results_, theirs.cv_results_, rtol=1e-9, atol=1e-9)
    assert_coef_close(mine.coef_, theirs.coef_, 1e-8)
