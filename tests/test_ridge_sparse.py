"""ridge, ridge_path and ridge_cv on scipy.sparse X against the closed form and the dense answers.

Oracles, most trusted first: reference.ridge_closed_form (NumPy normal equations on the densified,
weighted-centred data) and numpy.linalg.lstsq for alpha = 0; then the same call on dense X, which
tests/test_ridge.py certifies. Sparse X reaches the solvers three ways: the smaller Gram from one
sparse product ("cholesky", "svd", and "auto" on small problems), conjugate gradients on products
with X ("cg", and "auto" on large ones; the tests force that route by monkeypatching the cost model
or the Gram limit), and coordinate descent ("cd"). Then inputs left unchanged, memory, warm starts,
warnings and the documented errors.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse

import l1l2
import l1l2._ridge
import reference
from helpers import PATIENT, TIGHT, assert_coef_close, draw_options

COEF_TOL = 1e-9        # float64, relative to max(1, largest |coef|)
SHAPES = {"tall": (70, 12), "wide": (25, 50)}
DENSITY = 0.3
FORMATS = ["csc_int32", "csc_int64", "csr", "coo", "csr_array"]
SOLVERS = ["auto", "cholesky", "svd", "cg"]
OPTIONS = {
    "plain": {},
    "no_intercept": {"fit_intercept": False},
    "weights": {"sample_weight": "random"},
    "free": {"penalty_factor": "with_zero"},
    "everything": {"sample_weight": "random", "penalty_factor": "with_zero", "fit_intercept": False},
}


def csc_int64(X):
    X = scipy.sparse.csc_matrix(X)
    out = scipy.sparse.csc_matrix(X.shape)
    out.data, out.indices, out.indptr = X.data.copy(), X.indices.astype(np.int64), X.indptr.astype(np.int64)
    return out


CONVERT = {
    "csc_int32": scipy.sparse.csc_matrix,
    "csc_int64": csc_int64,
    "csr": scipy.sparse.csr_matrix,
    "coo": scipy.sparse.coo_matrix,
    "csr_array": scipy.sparse.csr_array,
}


def sparse_problem(rng, kind="tall", fmt="csc_int32", n_targets=None, dtype=np.float64):
    """(X sparse in fmt, X dense, y): about DENSITY of the entries stored, with offsets (centring
    matters), one empty column and one stored at every row; y with an offset and noise."""
    n, p = SHAPES[kind]
    stored = rng.random((n, p)) < DENSITY
    stored[:, 2] = False
    stored[:, 3] = True
    values = rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, p) + rng.uniform(-1.0, 2.0, p)
    dense = np.where(stored, values, 0.0)
    coef = rng.standard_normal((p, n_targets or 1))
    y = dense @ coef + 0.5 * rng.standard_normal((n, n_targets or 1)) + 3.0
    y = y[:, 0] if n_targets is None else y
    X = CONVERT[fmt](scipy.sparse.csc_matrix(dense.astype(dtype)))
    assert scipy.sparse.issparse(X) and X.format == fmt[:3] and X.dtype == dtype
    return X, dense.astype(dtype), y.astype(dtype)


def random_csc(seed, n, p, density):
    """A canonical CSC matrix with about density * n * p values uniform in [0, 1) (scipy.sparse.random
    takes seconds at these sizes: it draws the positions without replacement)."""
    rng = np.random.default_rng(seed)
    nnz = int(density * n * p)
    X = scipy.sparse.coo_matrix((rng.random(nnz), (rng.integers(0, n, nnz), rng.integers(0, p, nnz))),
                                shape=(n, p)).tocsc()
    X.sum_duplicates()
    return X


def options_of(name, X, rng):
    """Weights in [0.1, 3); penalty factors in [0.3, 3) with features 0 and 5 unpenalised."""
    return draw_options(OPTIONS[name], X, rng, weight_low=0.1, free=[0, 5])


def ridge_alpha(dense, y):
    """A tenth of the Lasso's alpha_max of the first target: the penalty matters."""
    return 0.1 * reference.alpha_max(dense, y if y.ndim == 1 else y[:, 0], 1.0)


def min_norm_least_squares(dense, y, fit_intercept=True):
    xc, yc, x_mean, y_mean, _ = reference.centre(dense, y, None, fit_intercept)
    coef = np.linalg.lstsq(xc, yc, rcond=None)[0]
    return coef, float(y_mean - coef @ x_mean)


@pytest.fixture
def gram_route_off(monkeypatch):
    """Make the Gram's cost infinite: "auto" and paths of sparse X use conjugate gradients only."""
    monkeypatch.setattr(l1l2._ridge, "gram_cost", lambda *args, **kwargs: np.inf)


@pytest.fixture
def small_gram_limit(monkeypatch):
    """Make every Gram of the test problems "too large" (at most 5 rows)."""
    monkeypatch.setattr(l1l2._ridge, "MAX_GRAM_FEATURES", 5)


# --------------------------------------------------------------------------------------------------
# ridge: every solver and format against the closed form


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", list(SHAPES))
def test_every_solver_and_format_equals_closed_form(kind, fmt, solver, option, rng):
    X, dense, y = sparse_problem(rng, kind, fmt)
    options = options_of(option, X, rng)
    alpha = ridge_alpha(dense, y)
    res = l1l2.ridge(X, y, alpha, solver=solver, **options)
    coef_ref, intercept_ref = reference.ridge_closed_form(dense, y, alpha, **options)

    assert res.converged and res.coef.dtype == np.float64
    if solver in ("cholesky", "svd"):
        assert res.n_iter == 1
    elif solver == "cg":
        assert res.n_iter > 1
    assert_coef_close(res.coef, coef_ref, COEF_TOL)
    assert_coef_close(res.intercept, intercept_ref, COEF_TOL)
    assert 0 <= res.dual_gap <= 1e-15 * reference.scale(y, options.get("sample_weight"),
                                                        options.get("fit_intercept", True))
    optimum = reference.objective(dense, y, coef_ref, intercept_ref, alpha, 0.0,
                                  sample_weight=options.get("sample_weight"),
                                  penalty_factor=options.get("penalty_factor"))
    np.testing.assert_allclose(res.objective, optimum, rtol=1e-12)
    assert abs(res.coef[2]) <= 1e-12 * max(1.0, np.abs(res.coef).max())     # the empty column


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", list(SHAPES))
def test_two_dimensional_y_equals_closed_form_per_target(kind, solver, rng):
    X, dense, Y = sparse_problem(rng, kind, n_targets=3)
    options = options_of("everything", X, rng)
    alpha = ridge_alpha(dense, Y)
    res = l1l2.ridge(X, Y, alpha, solver=solver, **options)
    coef_ref, intercept_ref = reference.ridge_closed_form(dense, Y, alpha, **options)

    assert res.coef.shape == (3, X.shape[1]) and np.all(res.converged)
    assert_coef_close(res.coef, coef_ref, COEF_TOL)
    assert_coef_close(res.intercept, intercept_ref, COEF_TOL)
    for k in range(3):
        single = l1l2.ridge(X, Y[:, k], alpha, solver=solver, **options)
        assert_coef_close(res.coef[k], single.coef, COEF_TOL)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", list(SHAPES))
def test_float32_stays_float32(kind, solver, rng, tols):
    X, dense, y = sparse_problem(rng, kind, "csr", dtype=np.float32)
    alpha = ridge_alpha(dense, y)
    res = l1l2.ridge(X, y, alpha, solver=solver)
    coef_ref, intercept_ref = reference.ridge_closed_form(dense.astype(np.float64), y, alpha)
    assert res.coef.dtype == np.float32 and res.converged
    assert_coef_close(res.coef, coef_ref, 1e-4)
    assert_coef_close(res.intercept, intercept_ref, 1e-4)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", list(SHAPES))
def test_shifted_and_constant_columns_keep_their_digits(kind, solver, rng):
    # A column stored at every row at 2020 +- 3 and a constant one: X'SX - n m m' would cancel some
    # eight digits of theirs; the Gram centres them explicitly, the constant one gets coefficient 0.
    X, dense, y = sparse_problem(rng, kind)
    dense[:, 3] = 2020.0 + rng.integers(-3, 4, X.shape[0])
    dense[:, 4] = 7.0
    X = scipy.sparse.csc_matrix(dense)
    options = options_of("weights", X, rng)
    alpha = ridge_alpha(dense, y)
    res = l1l2.ridge(X, y, alpha, solver=solver, **options)
    coef_ref, intercept_ref = reference.ridge_closed_form(dense, y, alpha, **options)
    assert_coef_close(res.coef, coef_ref, COEF_TOL)
    assert_coef_close(res.intercept, intercept_ref, COEF_TOL)
    assert abs(res.coef[4]) <= 1e-12 * max(1.0, np.abs(res.coef).max())


def test_dense_x_with_cg_equals_closed_form(rng):
    _, dense, y = sparse_problem(rng, "wide")
    options = options_of("everything", dense, rng)
    alpha = ridge_alpha(dense, y)
    res = l1l2.ridge(dense, y, alpha, solver="cg", **options)
    coef_ref, intercept_ref = reference.ridge_closed_form(dense, y, alpha, **options)
    assert res.converged and res.n_iter > 1
    assert_coef_close(res.coef, coef_ref, COEF_TOL)
    assert_coef_close(res.intercept, intercept_ref, COEF_TOL)


def test_coordinate_descent_takes_sparse_x(rng, tols64):
    X, dense, y = sparse_problem(rng, "tall", "csr")
    alpha = ridge_alpha(dense, y)
    res = l1l2.ridge(X, y, alpha, solver="cd", tol=TIGHT, max_iter=PATIENT)
    coef_ref, intercept_ref = reference.ridge_closed_form(dense, y, alpha)
    assert res.converged
    assert_coef_close(res.coef, coef_ref, tols64.coef)
    assert_coef_close(res.intercept, intercept_ref, tols64.coef)


@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("kind", ["tall", "wide", "duplicated"])
def test_alpha_zero_is_min_norm_least_squares(kind, fit_intercept, solver, rng):
    X, dense, y = sparse_problem(rng, "wide" if kind == "wide" else "tall")
    if kind == "duplicated":            # rank deficient: three columns twice
        X = scipy.sparse.hstack([X, X[:, [0, 1, 4]]], format="csc")
        dense = X.toarray()
    res = l1l2.ridge(X, y, 0.0, solver=solver, fit_intercept=fit_intercept)
    coef_ref, intercept_ref = min_norm_least_squares(dense, y, fit_intercept)
    assert res.converged
    assert_coef_close(res.coef, coef_ref, 1e-7)
    assert_coef_close(res.intercept, intercept_ref, 1e-7)


@pytest.mark.parametrize("alpha", [0.0, 1e-18, 1e-300])
@pytest.mark.parametrize("kind", ["wide", "duplicated"])
def test_auto_never_fails_on_singular_problems(kind, alpha, rng):
    # X'SX + n alpha F singular in floating point: "auto" still answers, with the minimum-norm
    # solution (conjugate gradients run out of steps, the Gram route falls back to its spectrum).
    X, dense, y = sparse_problem(rng, "wide" if kind == "wide" else "tall")
    if kind == "duplicated":
        X = scipy.sparse.hstack([X, X[:, [0, 1, 4]]], format="csc")
        dense = X.toarray()
    res = l1l2.ridge(X, y, alpha)
    coef_ref, intercept_ref = min_norm_least_squares(dense, y)
    assert res.converged and res.n_iter == 1
    assert_coef_close(res.coef, coef_ref, 1e-6)
    assert_coef_close(res.intercept, intercept_ref, 1e-6)


# --------------------------------------------------------------------------------------------------
# Conjugate gradients: the route "auto" takes for large sparse X


def test_auto_races_cg_against_the_gram(rng):
    # n >> p: the Gram costs some 60 conjugate-gradient steps. At a moderate alpha they converge in
    # far fewer ("cg" answers); at a tiny one they do not, and the Gram takes over (n_iter 1).
    tall = random_csc(1, 4000, 30, 0.05)
    y = tall @ rng.standard_normal(30) + rng.standard_normal(4000)
    steps = l1l2._ridge.gram_cost(tall, 30, eigen=False) / l1l2._ridge.cg_step_cost(tall)
    assert 10 < steps < 1000
    quick = l1l2.ridge(tall, y, 1e-3)
    assert 1 < quick.n_iter < steps and quick.converged
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # the steps cut short do not warn
        slow = l1l2.ridge(tall, y, 1e-12)
    assert slow.n_iter == 1 and slow.converged
    dense = tall.toarray()
    for res, alpha in [(quick, 1e-3), (slow, 1e-12)]:
        coef_ref, _ = reference.ridge_closed_form(dense, y, alpha)
        assert_coef_close(res.coef, coef_ref, 1e-8 if alpha < 1e-6 else COEF_TOL)
    # p >> n, n too large for XSX': conjugate gradients only
    wide = random_csc(2, 6000, 20000, 0.001)
    assert np.isinf(l1l2._ridge.gram_cost(wide, 20000, eigen=False))
    assert l1l2.ridge(wide, rng.standard_normal(6000), 1e-4).n_iter > 1


def test_auto_uses_cg_when_the_gram_is_too_large(rng, small_gram_limit):
    X, dense, y = sparse_problem(rng, "tall")
    alpha = ridge_alpha(dense, y)
    res = l1l2.ridge(X, y, alpha)
    coef_ref, _ = reference.ridge_closed_form(dense, y, alpha)
    assert res.n_iter > 1 and res.converged
    assert_coef_close(res.coef, coef_ref, COEF_TOL)


def test_cg_warm_start_takes_fewer_steps_to_the_same_answer(rng):
    X, dense, y = sparse_problem(rng, "wide")
    options = options_of("free", X, rng)
    alpha = ridge_alpha(dense, y)
    cold = l1l2.ridge(X, y, alpha, solver="cg", **options)
    near = l1l2.ridge(X, y, 1.1 * alpha, solver="cg", **options)
    warm = l1l2.ridge(X, y, alpha, solver="cg", coef_init=near.coef, **options)
    assert warm.n_iter < cold.n_iter
    assert_coef_close(warm.coef, cold.coef, COEF_TOL)


def test_cg_stopped_early_warns_once_and_says_so(rng):
    X, dense, y = sparse_problem(rng, "wide")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = l1l2.ridge(X, np.column_stack([y, -y]), ridge_alpha(dense, y) / 100, solver="cg", max_iter=2)
    assert [w.category for w in caught] == [l1l2.ConvergenceWarning]
    assert caught[0].filename == __file__ and "max_iter=2" in str(caught[0].message)
    assert not np.any(res.converged) and np.all(res.n_iter == 2)


# --------------------------------------------------------------------------------------------------
# ridge_path and ridge_cv


@pytest.mark.parametrize("option", ["plain", "weights", "everything"])
@pytest.mark.parametrize("route", ["gram", "cg"])
@pytest.mark.parametrize("kind", list(SHAPES))
def test_path_equals_dense_path(kind, route, option, rng, request):
    if route == "cg":
        request.getfixturevalue("gram_route_off")
    X, dense, y = sparse_problem(rng, kind, "csr")
    options = options_of(option, X, rng)
    path = l1l2.ridge_path(X, y, n_alphas=6, **options)
    expected = l1l2.ridge_path(dense, y, n_alphas=6, **options)

    np.testing.assert_allclose(path.alphas, expected.alphas, rtol=1e-12)
    assert np.all(path.converged)
    for i, alpha in enumerate(expected.alphas):
        assert_coef_close(path.coefs[i], expected.coefs[i], COEF_TOL, err_msg=f"alpha[{i}]")
        assert_coef_close(path.intercepts[i], expected.intercepts[i], COEF_TOL, err_msg=f"alpha[{i}]")
    np.testing.assert_allclose(path.objectives, expected.objectives, rtol=1e-12)
    if route == "gram":
        np.testing.assert_allclose(path.df, expected.df, rtol=1e-10)
        assert np.all(path.n_iters == 1)
    else:       # warm starts: each point is a few steps from the last; df needs the spectrum
        assert np.all(np.isnan(path.df)) and np.all(path.n_iters >= 1)
        assert np.all(path.dual_gaps <= 1e-15 * reference.scale(y, options.get("sample_weight"),
                                                                options.get("fit_intercept", True)))


@pytest.mark.parametrize("cv", ["loo", "gcv", 3])
@pytest.mark.parametrize("kind", list(SHAPES))
def test_cv_equals_dense_cv(kind, cv, rng, monkeypatch):
    monkeypatch.setattr(l1l2._ridge, "ROW_BLOCK_BYTES", 8 * 10 * 12)   # leave-one-out in blocks of rows
    X, dense, y = sparse_problem(rng, kind, "coo")
    options = options_of("everything", X, rng)
    options["fit_intercept"] = True
    result = l1l2.ridge_cv(X, y, cv=cv, n_alphas=5, **options)
    expected = l1l2.ridge_cv(dense, y, cv=cv, n_alphas=5, **options)

    np.testing.assert_allclose(result.alphas, expected.alphas, rtol=1e-12)
    np.testing.assert_allclose(result.fold_errors, expected.fold_errors, rtol=1e-9,
                               atol=1e-12 * expected.fold_errors.max())
    np.testing.assert_allclose(result.alpha_min, expected.alpha_min, rtol=1e-12)
    assert_coef_close(result.best.coef, expected.best.coef, COEF_TOL)


def test_kfold_on_the_cg_route_equals_dense(rng, small_gram_limit):
    X, dense, y = sparse_problem(rng, "wide")
    result = l1l2.ridge_cv(X, y, cv=3, n_alphas=4)
    expected = l1l2.ridge_cv(dense, y, cv=3, n_alphas=4)
    np.testing.assert_allclose(result.cv_mean, expected.cv_mean, rtol=1e-9)
    assert np.all(result.path.n_iters > 1)


# --------------------------------------------------------------------------------------------------
# Inputs, memory and the documented errors


def arrays_of(X):
    return [X.data, X.row, X.col] if X.format == "coo" else [X.data, X.indices, X.indptr]


@pytest.mark.parametrize("call", ["cg", "cholesky", "path", "loo", "kfold"])
@pytest.mark.parametrize("fmt", ["csc_int32", "coo"])
def test_inputs_are_not_modified(fmt, call, rng):
    X, dense, y = sparse_problem(rng, "tall", fmt)
    options = options_of("weights", X, rng)
    options["penalty_factor"] = np.where(np.arange(X.shape[1]) == 0, 0.0, 1.0)
    before = [a.copy() for a in arrays_of(X)] + [y.copy(), options["sample_weight"].copy(),
                                                 options["penalty_factor"].copy()]
    calls = {
        "cg": lambda: l1l2.ridge(X, y, 0.1, solver="cg", **options),
        "cholesky": lambda: l1l2.ridge(X, y, 0.1, solver="cholesky", **options),
        "path": lambda: l1l2.ridge_path(X, y, n_alphas=3, **options),
        "loo": lambda: l1l2.ridge_cv(X, y, n_alphas=3, **options),
        "kfold": lambda: l1l2.ridge_cv(X, y, cv=3, n_alphas=3, **options),
    }
    calls[call]()
    after = arrays_of(X) + [y, options["sample_weight"], options["penalty_factor"]]
    for old, new in zip(before, after):
        np.testing.assert_array_equal(new, old)


def test_cg_allocates_nothing_of_size_n_p():
    # 4000 x 20000 at 0.5% (4e5 entries, 4.9 MB stored; dense it would be 640 MB): the peak is about
    # one data-sized array (the squares of the preconditioner) and O(n + p) work vectors.
    n, p = 4000, 20_000
    X = random_csc(3, n, p, 0.005)
    y = X @ np.random.default_rng(4).standard_normal(p) + 1.0
    l1l2.ridge(X[:, :50], y, 1e-3)                     # imports and caches first
    storage = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        res = l1l2.ridge(X, y, 1e-3)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert res.n_iter > 1 and res.converged
    assert peak < 2 * storage, f"peak {peak} bytes, X stores {storage}"
    assert peak < n * p * 8 / 100


def test_cg_needs_a_positive_alpha(rng):
    X, _, y = sparse_problem(rng)
    with pytest.raises(ValueError, match="alpha > 0"):
        l1l2.ridge(X, y, 0.0, solver="cg")


@pytest.mark.parametrize("solver", ["cholesky", "svd"])
def test_gram_solvers_refuse_a_gram_that_is_too_large(solver, rng, small_gram_limit):
    X, _, y = sparse_problem(rng)
    with pytest.raises(ValueError, match=f"solver='{solver}'.*Gram"):
        l1l2.ridge(X, y, 0.1, solver=solver)


def test_least_squares_refuses_a_gram_that_is_too_large(rng, small_gram_limit):
    X, _, y = sparse_problem(rng)
    with pytest.raises(ValueError, match="alpha=0.*Gram"):
        l1l2.ridge(X, y, 0.0)


@pytest.mark.parametrize("cv", ["loo", "gcv"])
def test_closed_form_cv_refuses_a_gram_that_is_too_large(cv, rng, small_gram_limit):
    X, _, y = sparse_problem(rng)
    with pytest.raises(ValueError, match="int cv"):
        l1l2.ridge_cv(X, y, cv=cv)


def test_cg_path_refuses_alpha_zero(rng, small_gram_limit):
    X, _, y = sparse_problem(rng)
    with pytest.raises(ValueError, match="alphas must be > 0"):
        l1l2.ridge_path(X, y, alphas=[1.0, 0.0])


def test_too_many_unpenalised_features_are_refused(rng, monkeypatch):
    monkeypatch.setattr(l1l2._ridge, "FREE_BLOCK_ENTRIES", 10)
    X, _, y = sparse_problem(rng)
    with pytest.raises(ValueError, match="penalty_factor"):
        l1l2.ridge(X, y, 0.1, penalty_factor=np.zeros(X.shape[1]))


@pytest.mark.parametrize("solver", ["auto", "cg", "cholesky"])
def test_columns_with_huge_means_are_centred_exactly(solver):
    """A constant column of 2^59 (and one of mean 2^40 and spread 1e3) beside an ordinary one:
    products through X - 1 m' cancel their digits (a centred y's sum, 1e-17, times 2^59 once
    gave the constant column a coefficient of -480 instead of 0). Found by the property tests.
    The reference fits the same data less the offset (an exact subtraction), which an intercept
    absorbs."""
    rng = np.random.default_rng(5)
    y = np.zeros(20)
    y[0] = 0.5
    for offset, spread in ((2.0**59, 0.0), (2.0**40, 1e3)):
        X = np.column_stack([offset + spread * rng.standard_normal(20), np.arange(20.0)])
        expected = l1l2.ridge(X - [offset, 0.0], y, 0.005, solver="svd")
        fit = l1l2.ridge(scipy.sparse.csc_matrix(X), y, 0.005, solver=solver)
        np.testing.assert_allclose(fit.coef, expected.coef, rtol=1e-6, atol=1e-12)
