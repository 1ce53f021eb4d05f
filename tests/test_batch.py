"""fit_many: every target's result is the single-target call's; threads change no bit; inputs
are validated and never modified.

The slow twin of a batch is the loop of single-target calls on the columns of Y. The batch may
choose covariance mode differently (its cost model counts all the targets), so results agree to
the certified tolerance, not bitwise; across thread counts they agree bitwise.
"""
import doctest
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse

import l1l2
import l1l2._batch
from helpers import TIGHT, assert_coef_close, convergence_warnings

MODELS = ["lasso", "elastic_net", "ridge", "lad", "quantile"]
N_TARGETS = 20          # more than one block of targets (CD blocks have at least 8)
ALPHA = 0.05


def single(model, X, y, alpha, **options):
    """The single-target call that target j of fit_many(model, alpha=...) must equal."""
    function = {"lasso": l1l2.lasso, "elastic_net": l1l2.elastic_net, "ridge": l1l2.ridge,
                "lad": l1l2.lad, "quantile": l1l2.quantile}[model]
    return function(X, y, alpha=alpha, **options)


def single_path(model, X, y, **options):
    function = {"lasso": l1l2.lasso_path, "elastic_net": l1l2.enet_path,
                "ridge": l1l2.ridge_path, "lad": l1l2.lad_path,
                "quantile": l1l2.quantile_path}[model]
    return function(X, y, **options)


def model_options(model):
    """Options that make each model's fits (nearly) exact and exercise its own keyword."""
    return {"lasso": {"tol": TIGHT}, "elastic_net": {"tol": TIGHT, "l1_ratio": 0.3}, "ridge": {},
            "lad": {}, "quantile": {"q": 0.3}}[model]


def assert_fit_equal(batch, one, tol=1e-9, coef_tol=1e-6, err_msg=""):
    """A batch FitResult against the single-target one: objective to tol relative, coefficients
    and intercept to coef_tol (relative to their size), the same fields and shapes."""
    assert batch.coef.shape == one.coef.shape and batch.coef.dtype == one.coef.dtype, err_msg
    assert (batch.alpha, batch.l1_ratio, batch.loss) == (one.alpha, one.l1_ratio, one.loss), err_msg
    assert batch.objective == pytest.approx(one.objective, rel=tol, abs=1e-15), err_msg
    assert_coef_close(batch.coef, one.coef, coef_tol, err_msg)
    assert_coef_close([batch.intercept], [one.intercept], coef_tol, err_msg)
    assert bool(batch.converged) and bool(one.converged), err_msg


def assert_path_equal(batch, one, tol=1e-9, coef_tol=1e-6, err_msg=""):
    assert isinstance(batch, l1l2.PathResult), err_msg
    np.testing.assert_allclose(batch.alphas, one.alphas, rtol=1e-12, err_msg=err_msg)
    np.testing.assert_allclose(batch.objectives, one.objectives, rtol=tol, atol=1e-15,
                               err_msg=err_msg)
    assert_coef_close(batch.coefs, one.coefs, coef_tol, err_msg)
    assert (batch.l1_ratio, batch.loss) == (one.l1_ratio, one.loss), err_msg
    assert batch.converged.all() and one.converged.all(), err_msg


def assert_bitwise(a, b):
    """Two fit_many answers are the same bits (FitResults, or lists of PathResult)."""
    assert len(a) == len(b)
    names = (("coefs", "intercepts", "objectives", "dual_gaps", "n_iters", "alphas")
             if isinstance(a, list) else
             ("coef", "intercept", "objective", "dual_gap", "n_iter", "alpha", "converged"))
    for x, y in zip(a, b) if isinstance(a, list) else [(a, b)]:
        for name in names:
            assert np.array_equal(getattr(x, name), getattr(y, name)), name


# ------------------------------------------------------------------------- each target's result

@pytest.mark.parametrize("model", MODELS)
def test_one_alpha_equals_single_fits(problem, model):
    X, Y = problem(n_targets=N_TARGETS)
    options = model_options(model)
    fits = l1l2.fit_many(X, Y, model, alpha=ALPHA, **options)
    assert isinstance(fits, l1l2.FitResults) and len(fits) == N_TARGETS
    for j, fit in enumerate(fits):
        assert isinstance(fit, l1l2.FitResult)
        assert_fit_equal(fit, single(model, X, Y[:, j], ALPHA, **options), err_msg=f"target {j}")


@pytest.mark.parametrize("model", MODELS)
def test_default_paths_equal_single_paths(problem, model):
    """path=True: each target's own grid, from its own alpha_max."""
    X, Y = problem(n_targets=3)
    options = {**model_options(model), "n_alphas": 6}
    paths = l1l2.fit_many(X, Y, model, path=True, **options)
    assert isinstance(paths, list) and len(paths) == 3
    for j, path in enumerate(paths):
        assert_path_equal(path, single_path(model, X, Y[:, j], **options), err_msg=f"target {j}")
    assert paths[0].alphas[0] != paths[1].alphas[0]


@pytest.mark.parametrize("model", MODELS)
def test_a_given_grid_equals_single_paths(problem, model):
    X, Y = problem(n_targets=2)
    options = model_options(model)
    grid = [0.3, 0.1, 0.01]
    paths = l1l2.fit_many(X, Y, model, alphas=grid, **options)
    for j, path in enumerate(paths):
        np.testing.assert_array_equal(path.alphas, grid)
        assert_path_equal(path, single_path(model, X, Y[:, j], alphas=grid, **options))


@pytest.mark.parametrize("model", MODELS)
def test_one_alpha_per_target(problem, model):
    """alpha[j] for target j: repeated values, 0 (no penalty), and above alpha_max (zero fit)."""
    X, Y = problem(n_targets=N_TARGETS)
    alpha = np.resize([0.3, 0.02, 0.02, 0.0, 100.0], N_TARGETS)
    options = model_options(model)
    fits = l1l2.fit_many(X, Y, model, alpha=alpha, **options)
    np.testing.assert_array_equal(fits.alpha, alpha)
    for j in range(N_TARGETS):
        assert_fit_equal(fits[j], single(model, X, Y[:, j], alpha[j], **options),
                         err_msg=f"target {j}")
    if model != "ridge":
        assert not np.any(fits.coef[alpha == 100.0])


@pytest.mark.parametrize("model", MODELS)
def test_weights_factors_and_no_intercept(problem, rng, model):
    X, Y = problem(n_targets=10)
    options = {**model_options(model), "sample_weight": rng.uniform(0.0, 3.0, X.shape[0]),
               "penalty_factor": np.r_[0.0, rng.uniform(0.5, 2.0, X.shape[1] - 1)],
               "fit_intercept": False}
    fits = l1l2.fit_many(X, Y, model, alpha=ALPHA, **options)
    for j in range(10):
        assert_fit_equal(fits[j], single(model, X, Y[:, j], ALPHA, **options),
                         err_msg=f"target {j}")


def test_ridge_by_coordinate_descent_and_positive_lasso(problem):
    X, Y = problem(n_targets=10)
    fits = l1l2.fit_many(X, Y, "ridge", alpha=ALPHA, solver="cd", tol=TIGHT)
    positive = l1l2.fit_many(X, Y, alpha=ALPHA, positive=True, tol=TIGHT)
    for j in range(10):
        assert_fit_equal(fits[j], l1l2.ridge(X, Y[:, j], ALPHA, solver="cd", tol=TIGHT))
        assert_fit_equal(positive[j], l1l2.lasso(X, Y[:, j], ALPHA, positive=True, tol=TIGHT))


@pytest.mark.parametrize("precompute", [True, False])
def test_covariance_mode_either_way(problem, precompute):
    X, Y = problem("correlated", n_targets=10)
    fits = l1l2.fit_many(X, Y, alpha=ALPHA, tol=TIGHT, precompute=precompute)
    for j in range(10):
        assert_fit_equal(fits[j], l1l2.lasso(X, Y[:, j], ALPHA, tol=TIGHT), coef_tol=1e-5)


def test_dtypes(problem, dtype, tols):
    """float32 stays float32 (and is as close to the single fits as float32 allows)."""
    X, Y = problem(n_targets=N_TARGETS, dtype=dtype)
    fits = l1l2.fit_many(X, Y, "elastic_net", alpha=ALPHA, l1_ratio=0.5)
    assert fits.coef.dtype == dtype and fits[0].coef.dtype == dtype
    for j in range(N_TARGETS):
        one = l1l2.elastic_net(X, Y[:, j], ALPHA, 0.5)
        assert_fit_equal(fits[j], one, tol=tols.objective, coef_tol=tols.coef)


def test_dtypes_of_paths(problem, dtype, tols):
    X, Y = problem(n_targets=2, dtype=dtype)
    for j, path in enumerate(l1l2.fit_many(X, Y, path=True, n_alphas=5)):
        assert path.coefs.dtype == dtype
        assert_path_equal(path, l1l2.lasso_path(X, Y[:, j], n_alphas=5), tol=tols.objective,
                          coef_tol=tols.coef)


def test_sparse_X(problem):
    X, Y = problem(n_targets=N_TARGETS)
    X[np.abs(X) < 1.0] = 0.0
    Xs = scipy.sparse.csc_matrix(X)
    fits = l1l2.fit_many(Xs, Y, alpha=ALPHA, tol=TIGHT)
    paths = l1l2.fit_many(Xs, Y[:, :2], alphas=[0.2, 0.05], tol=TIGHT)
    for j in range(N_TARGETS):
        assert_fit_equal(fits[j], l1l2.lasso(Xs, Y[:, j], ALPHA, tol=TIGHT))
        assert_fit_equal(fits[j], l1l2.lasso(X, Y[:, j], ALPHA, tol=TIGHT))
    for j in range(2):
        assert_path_equal(paths[j], l1l2.lasso_path(X, Y[:, j], alphas=[0.2, 0.05], tol=TIGHT))


def test_coef_init_warm_starts(problem):
    X, Y = problem(n_targets=N_TARGETS)
    cold = l1l2.fit_many(X, Y, alpha=ALPHA)
    warm = l1l2.fit_many(X, Y, alpha=ALPHA, coef_init=cold.coef)
    assert np.all(warm.n_iter <= 2)
    lad = l1l2.fit_many(X, Y[:, :8], "lad", alpha=ALPHA, coef_init=cold.coef[:8])
    for j in range(8):
        assert_fit_equal(lad[j], l1l2.lad(X, Y[:, j], alpha=ALPHA))


# ------------------------------------------------------------------------------------ threads

@pytest.mark.parametrize("model", MODELS)
def test_threads_change_no_bit(problem, model):
    X, Y = problem(n_targets=N_TARGETS)
    alpha = np.resize([0.1, 0.02], N_TARGETS)
    fits = [l1l2.fit_many(X, Y, model, alpha=alpha, threads=threads, **model_options(model))
            for threads in (1, 2, -1, None)]
    for other in fits[1:]:
        assert_bitwise(fits[0], other)


@pytest.mark.parametrize("model", ["lasso", "lad"])
def test_threads_change_no_bit_of_paths(problem, model):
    X, Y = problem(n_targets=16)
    paths = [l1l2.fit_many(X, Y, model, path=True, n_alphas=4, threads=threads)
             for threads in (1, 2, None)]
    for other in paths[1:]:
        assert_bitwise(paths[0], other)


def test_threads_change_no_bit_with_weights_and_sparse_X(problem, rng):
    X, Y = problem(n_targets=40)
    X[np.abs(X) < 1.0] = 0.0
    weights = rng.uniform(0.0, 2.0, X.shape[0])
    for design in (X, scipy.sparse.csc_matrix(X)):
        fits = [l1l2.fit_many(design, Y, alpha=ALPHA, sample_weight=weights, threads=threads)
                for threads in (1, 2)]
        assert_bitwise(*fits)


# ------------------------------------------------------------------------------------ results

def test_fit_results_sequence(problem):
    X, Y = problem(n_targets=N_TARGETS)
    fits = l1l2.fit_many(X, Y, alpha=ALPHA)
    assert fits.coef.shape == (N_TARGETS, X.shape[1]) and not fits.coef.flags.writeable
    assert fits[-1].coef.tolist() == fits.coef[-1].tolist()
    assert [fit.n_iter for fit in fits] == fits.n_iter.tolist()
    part = fits[2:5]
    assert isinstance(part, l1l2.FitResults) and len(part) == 3
    assert np.array_equal(part.coef, fits.coef[2:5])
    with pytest.raises(IndexError):
        fits[N_TARGETS]
    assert isinstance(fits[0].intercept, float) and isinstance(fits[0].n_iter, int)
    np.testing.assert_allclose(fits.predict(X)[:, 3], fits[3].predict(X))
    assert repr(fits).startswith("FitResults(loss='squared'")
    assert f"targets={N_TARGETS}" in repr(fits)
    again = pickle.loads(pickle.dumps(fits))
    assert_bitwise(fits, again)


def test_one_convergence_warning_per_call(problem):
    X, Y = problem(n_targets=N_TARGETS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fits = l1l2.fit_many(X, Y, alpha=1e-3, tol=1e-14, max_iter=1)
    found = convergence_warnings(caught)
    assert len(found) == 1 and found[0].filename == __file__
    assert f"of {N_TARGETS} targets" in str(found[0].message)
    assert not fits.converged.all()


# ------------------------------------------------------------------------------------ validation

@pytest.mark.parametrize("call, error, match", [
    (dict(model="lars", alpha=0.1), ValueError, "model"),
    (dict(alpha=0.1, alphas=[0.1]), ValueError, "not both"),
    (dict(alpha=0.1, path=True), ValueError, "not both"),
    (dict(), ValueError, "give alpha"),
    (dict(alpha=-0.1), ValueError, "alpha"),
    (dict(alpha=[0.1, 0.2]), ValueError, r"alpha must be .* shape \(3,\)"),
    (dict(alpha=[0.1, np.nan, 0.2]), ValueError, "alpha"),
    (dict(alpha=[0.1, -1.0, 0.2]), ValueError, "alpha"),
    (dict(alpha="0.1"), TypeError, "alpha"),
    (dict(alpha=0.1, path="yes"), TypeError, "path"),
    (dict(alphas=[-0.1]), ValueError, "alphas"),
    (dict(alpha=0.1, threads=0), ValueError, "threads"),
    (dict(alpha=0.1, bogus=1), TypeError, "'bogus'"),
    (dict(model="lad", alpha=0.1, precompute=True), TypeError, "'precompute'"),
    (dict(model="lasso", alpha=0.1, q=0.5), TypeError, "'q'"),
    (dict(alpha=0.1, n_alphas=5), TypeError, "'n_alphas'"),
    (dict(path=True, coef_init=np.zeros((3, 4))), TypeError, "'coef_init'"),
    (dict(alpha=0.1, coef_init=np.zeros(4)), ValueError, "coef_init"),
    (dict(alpha=0.1, tol=-1.0), ValueError, "tol"),
    (dict(model="quantile", alpha=0.1, q=1.5), ValueError, "q"),
    (dict(model="ridge", alpha=0.1, solver="qr"), ValueError, "solver"),
    (dict(alpha=0.1, sample_weight=np.ones(3)), ValueError, "sample_weight"),
])
def test_invalid_arguments(data, call, error, match):
    X, y = data
    Y = np.column_stack([y, 2 * y, -y])
    call = {"model": "lasso", **call}
    with pytest.raises(error, match=match):
        l1l2.fit_many(X, Y, **call)


@pytest.mark.parametrize("shape, match", [((20,), "2-D"), ((20, 3, 1), "2-D"),
                                          ((19, 3), "19 samples"), ((20, 0), "no targets")])
def test_wrong_Y_shape(data, shape, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        l1l2.fit_many(X, np.ones(shape), alpha=0.1)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("path", [False, True])
def test_non_finite_Y(problem, model, path):
    """NaN or infinity in any target, also one in a later block of targets (found in a thread)."""
    X, Y = problem(n_targets=N_TARGETS)
    for bad in (np.nan, np.inf):
        Y_bad = Y.copy()
        Y_bad[3, -1] = bad
        mode = {"path": True, "n_alphas": 3} if path else {"alpha": ALPHA}
        with warnings.catch_warnings():
            warnings.simplefilter("error")        # and no RuntimeWarning on the way
            with pytest.raises(ValueError, match="Y contains NaN or infinity"):
                l1l2.fit_many(X, Y_bad, model, threads=2, **mode)


def test_non_finite_X(data):
    X, y = data
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="X"):
        l1l2.fit_many(X, y[:, None], alpha=0.1)


@pytest.mark.parametrize("model", MODELS)
def test_inputs_unchanged_even_read_only(problem, model):
    X, Y = problem(n_targets=N_TARGETS)
    X, Y = np.asfortranarray(X), np.asfortranarray(Y)     # layouts a copy could be skipped for
    weights = np.linspace(0.5, 1.5, X.shape[0])
    alpha = np.full(N_TARGETS, ALPHA)
    saved = [a.copy() for a in (X, Y, weights, alpha)]
    for a in (X, Y, weights, alpha):
        a.flags.writeable = False
    fits = l1l2.fit_many(X, Y, model, alpha=alpha, sample_weight=weights)
    paths = l1l2.fit_many(X, Y[:, :2], model, path=True, n_alphas=3, sample_weight=weights)
    for a, b in zip((X, Y, weights, alpha), saved):
        assert np.array_equal(a, b)
    assert len(fits) == N_TARGETS and len(paths) == 2


def test_docstring_example():
    assert doctest.testmod(l1l2._batch).failed == 0
