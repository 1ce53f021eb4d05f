"""Input handling of lasso, elastic_net and ridge: one test per documented error, dtype and layout rules,
inputs never modified, and the ConvergenceWarning contract."""

import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import l1l2
import reference
from helpers import convergence_warnings

FITS = {
    "lasso": l1l2.lasso,
    "elastic_net": lambda X, y, alpha, **kwargs: l1l2.elastic_net(X, y, alpha, 0.5, **kwargs),
    # the coordinate-descent ridge: the direct solvers (tests/test_ridge.py) copy X once by design
    # and never stop at max_iter
    "ridge": lambda X, y, alpha, **kwargs: l1l2.ridge(X, y, alpha, solver="cd", **kwargs),
    "ridge_direct": l1l2.ridge,
}
ITERATIVE = ["lasso", "elastic_net", "ridge"]
VALIDATION_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


@pytest.fixture(params=list(FITS))
def fit(request):
    """One of the fit functions, called as fit(X, y, alpha, **keywords)."""
    return FITS[request.param]


@pytest.fixture(params=ITERATIVE)
def iterative_fit(request):
    """One of the coordinate-descent fit functions (they read X in place and stop at max_iter)."""
    return FITS[request.param]


# --------------------------------------------------------------------------------------------------
# One test per documented error


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_X(fit, data, value):
    X, y = data
    X = X.copy()
    X[3, 1] = value
    with pytest.raises(ValueError, match="X"):
        fit(X, y, 0.1)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_y(fit, data, value):
    X, y = data
    y = y.copy()
    y[5] = value
    with pytest.raises(ValueError, match="y"):
        fit(X, y, 0.1)


@pytest.mark.parametrize("n_rows", [19, 21])
def test_y_length_differs_from_X(fit, data, n_rows):
    X, y = data
    y = np.resize(y, n_rows)
    with pytest.raises(ValueError, match="y"):
        fit(X, y, 0.1)
    with pytest.raises(ValueError, match="y"):
        fit(X, np.column_stack([y, y]), 0.1)


def test_X_with_three_dimensions(fit, data):
    X, y = data
    with pytest.raises(ValueError, match="X"):
        fit(X.reshape(20, 2, 2), y, 0.1)


@pytest.mark.parametrize("shape", [(0, 4), (20, 0), (0, 0)], ids=["no_samples", "no_features", "nothing"])
def test_X_empty(fit, shape):
    with pytest.raises(ValueError, match="X"):
        fit(np.zeros(shape), np.zeros(shape[0]), 0.1)


@VALIDATION_SETTINGS
@given(alpha=st.floats(max_value=0.0, exclude_max=True))
def test_negative_alpha(alpha):
    X = np.arange(12.0).reshape(4, 3) ** 1.5
    y = np.array([1.0, 0.0, 2.0, -1.0])
    for fit in FITS.values():
        with pytest.raises(ValueError, match="alpha"):
            fit(X, y, alpha)


@VALIDATION_SETTINGS
@given(l1_ratio=st.floats(max_value=0.0, exclude_max=True) | st.floats(min_value=1.0, exclude_min=True))
def test_l1_ratio_outside_unit_interval(l1_ratio):
    X = np.arange(12.0).reshape(4, 3) ** 1.5
    y = np.array([1.0, 0.0, 2.0, -1.0])
    with pytest.raises(ValueError, match="l1_ratio"):
        l1l2.elastic_net(X, y, 0.1, l1_ratio)


def test_negative_sample_weight(fit, data):
    X, y = data
    weights = np.ones(20)
    weights[7] = -0.5
    with pytest.raises(ValueError, match="sample_weight"):
        fit(X, y, 0.1, sample_weight=weights)


def test_all_zero_sample_weight(fit, data):
    X, y = data
    with pytest.raises(ValueError, match="sample_weight"):
        fit(X, y, 0.1, sample_weight=np.zeros(20))


@pytest.mark.parametrize("length", [19, 21])
def test_sample_weight_of_wrong_length(fit, data, length):
    X, y = data
    with pytest.raises(ValueError, match="sample_weight"):
        fit(X, y, 0.1, sample_weight=np.ones(length))


@pytest.mark.parametrize("length", [3, 5])
def test_penalty_factor_of_wrong_length(fit, data, length):
    X, y = data
    with pytest.raises(ValueError, match="penalty_factor"):
        fit(X, y, 0.1, penalty_factor=np.ones(length))


def test_negative_penalty_factor(fit, data):
    X, y = data
    with pytest.raises(ValueError, match="penalty_factor"):
        fit(X, y, 0.1, penalty_factor=np.array([1.0, -1.0, 1.0, 1.0]))


@pytest.mark.parametrize("argument", ["X", "y"])
def test_complex_dtype(fit, data, argument):
    X, y = data
    arrays = {"X": X, "y": y}
    arrays[argument] = arrays[argument] + 0j
    with pytest.raises(TypeError, match=argument):
        fit(arrays["X"], arrays["y"], 0.1)


@pytest.mark.parametrize("kind", ["str", "object"])
@pytest.mark.parametrize("argument", ["X", "y"])
def test_non_numeric_dtype(fit, data, argument, kind):
    X, y = data
    arrays = {"X": X, "y": y}
    strings = arrays[argument].astype(str)
    arrays[argument] = strings if kind == "str" else np.full(strings.shape, None, dtype=object)
    if kind == "object":
        arrays[argument].flat[:] = [f"value {i}" for i in range(strings.size)]
    with pytest.raises(TypeError, match=argument):
        fit(arrays["X"], arrays["y"], 0.1)


@pytest.mark.parametrize("shape", [(3,), (5,), (1, 4), (4, 1)])
def test_coef_init_of_wrong_shape_for_1d_y(fit, data, shape):
    X, y = data
    with pytest.raises(ValueError, match="coef_init"):
        fit(X, y, 0.1, coef_init=np.zeros(shape))


@pytest.mark.parametrize("shape", [(4,), (4, 3), (3, 5), (2, 4)])
def test_coef_init_of_wrong_shape_for_2d_y(fit, data, shape):
    X, y = data
    Y = np.column_stack([y, -y, 2 * y])  # coef is (3, 4)
    with pytest.raises(ValueError, match="coef_init"):
        fit(X, Y, 0.1, coef_init=np.zeros(shape))


@pytest.mark.parametrize("tol", [-1e-7, -1.0, -np.inf])
def test_negative_tol(fit, data, tol):
    X, y = data
    with pytest.raises(ValueError, match="tol"):
        fit(X, y, 0.1, tol=tol)


@pytest.mark.parametrize("max_iter", [0, -1])
def test_max_iter_below_one(fit, data, max_iter):
    X, y = data
    with pytest.raises(ValueError, match="max_iter"):
        fit(X, y, 0.1, max_iter=max_iter)


@pytest.mark.parametrize("solver", ["lbfgs", "sag", "no-such-solver"])
def test_ridge_solver_other_than_cd(data, solver):
    X, y = data
    with pytest.raises(ValueError, match="solver"):
        l1l2.ridge(X, y, 0.1, solver=solver)


# --------------------------------------------------------------------------------------------------
# dtypes and memory


@pytest.mark.parametrize("kind", ["int", "bool", "object"])
def test_numeric_non_float_input_is_cast_to_float64(fit, rng, kind):
    X_float = rng.integers(0, 5, (30, 4)).astype(np.float64)
    if kind == "bool":
        X_float = (X_float > 2).astype(np.float64)
    y_float = X_float @ np.array([1.0, -1.0, 2.0, 0.0]) + rng.integers(-2, 3, 30)
    cast = {"int": np.int64, "bool": bool, "object": object}[kind]
    X_cast = X_float.astype(cast)
    y_cast = y_float.astype(np.int64 if kind != "object" else object)

    expected = fit(X_float, y_float, 0.1, tol=1e-12)
    res = fit(X_cast, y_cast, 0.1, tol=1e-12)
    assert res.coef.dtype == np.float64
    np.testing.assert_allclose(res.coef, expected.coef, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.intercept, expected.intercept, rtol=0, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_is_kept(fit, data, dtype):
    X, y = data
    res = fit(X.astype(dtype), y.astype(dtype), 0.1)
    assert res.coef.dtype == dtype
    assert res.predict(X.astype(dtype)).dtype == dtype


@pytest.mark.parametrize("order", ["C", "F"])
def test_misaligned_arrays_become_aligned_copies(rng, order):
    """Floats at an odd byte offset (np.frombuffer, a packed record field, an array dask deserialised
    from a frame) are valid NumPy but undefined behaviour behind the kernels' typed pointers."""
    X = np.frombuffer(bytearray(8 * 60 + 1), offset=1).reshape((20, 3), order=order)
    y = np.frombuffer(bytearray(8 * 20 + 1), offset=1)
    X[...], y[...] = rng.standard_normal((20, 3)), rng.standard_normal(20)
    assert not X.flags.aligned and not y.flags.aligned
    X_checked, y_checked = l1l2._validation.check_Xy(X, y)
    assert X_checked.flags.aligned and y_checked.flags.aligned
    assert X_checked.flags.f_contiguous == (order == "F")     # the layout is kept: no second copy
    np.testing.assert_array_equal(X_checked, X)
    np.testing.assert_array_equal(y_checked, y)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
def test_fortran_float64_X_is_not_copied(iterative_fit, rng, fit_intercept):
    fit = iterative_fit
    X = np.asfortranarray(rng.standard_normal((4000, 200)))
    X.flags.writeable = False  # also proves that a read-only X needs no copy
    y = X[:, :5].sum(axis=1) + rng.standard_normal(4000)
    weights = rng.uniform(0.5, 2.0, 4000)
    fit(X[:50], y[:50], 0.1)  # warm up imports and caches outside the measurement
    tracemalloc.start()
    try:
        res = fit(X, y, 1.0, sample_weight=weights, fit_intercept=fit_intercept, max_iter=50)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.coef.shape == (200,)
    assert peak < X.nbytes / 4, f"peak {peak} bytes while X has {X.nbytes}"


@pytest.mark.parametrize("read_only", [False, True], ids=["writeable", "read_only"])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_targets", [None, 2])
def test_inputs_are_not_modified(fit, rng, dtype, order, read_only, n_targets):
    X = np.asarray(rng.standard_normal((25, 6)) + 2.0, dtype=dtype, order=order)
    y = X @ rng.standard_normal((6, n_targets or 1)) + 1.0
    y = np.asarray(y[:, 0] if n_targets is None else y, dtype=dtype, order=order)
    inputs = {
        "X": X,
        "y": y,
        "sample_weight": rng.uniform(0.5, 2.0, 25).astype(dtype),
        "penalty_factor": np.array([1.0, 0.0, 2.0, 0.5, 1.0, 1.0], dtype=dtype),
        "coef_init": rng.standard_normal((6,) if n_targets is None else (n_targets, 6)).astype(dtype),
    }
    copies = {name: array.copy() for name, array in inputs.items()}
    if read_only:
        for array in inputs.values():
            array.flags.writeable = False

    res = fit(inputs["X"], inputs["y"], 0.05, sample_weight=inputs["sample_weight"],
              penalty_factor=inputs["penalty_factor"], coef_init=inputs["coef_init"])

    assert np.all(np.isfinite(res.coef))
    for name, array in inputs.items():
        np.testing.assert_array_equal(array, copies[name], err_msg=f"{name} was modified")
        assert array.flags.writeable is not read_only, name
    # the result does not share memory with the inputs either
    assert not np.shares_memory(res.coef, inputs["coef_init"])


# --------------------------------------------------------------------------------------------------
# ConvergenceWarning


def hard_problem(rng):
    """Strongly correlated wide design and a small alpha: one epoch is far from converged."""
    n, p = 40, 80
    correlation = 0.95 ** np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    X = rng.standard_normal((n, p)) @ np.linalg.cholesky(correlation).T
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    return X, y, 1e-3 * reference.alpha_max(X, y)


def test_convergence_warning_is_a_user_warning():
    assert issubclass(l1l2.ConvergenceWarning, UserWarning)


@pytest.mark.parametrize("n_targets", [None, 3])
def test_one_convergence_warning_per_call_at_max_iter(iterative_fit, rng, n_targets):
    fit = iterative_fit
    X, y, alpha = hard_problem(rng)
    if n_targets is not None:
        y = np.column_stack([y * (k + 1) for k in range(n_targets)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit(X, y, alpha, tol=1e-12, max_iter=1)
    assert len(convergence_warnings(caught)) == 1
    assert not np.any(res.converged)
    assert np.all(np.asarray(res.n_iter) == 1)
    assert np.all(np.isfinite(res.coef))
    assert np.all(np.asarray(res.dual_gap) > 1e-12 * reference.scale(y))


def test_convergence_warning_points_at_the_caller(iterative_fit, rng):
    fit = iterative_fit
    X, y, alpha = hard_problem(rng)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(X, y, alpha, tol=1e-12, max_iter=2)
    (warning,) = convergence_warnings(caught)
    # the lambdas in FITS live in this file too, so the caller's file is this one either way
    assert warning.filename == __file__


def test_no_warning_when_converged(fit, data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fit(X, y, 0.1)
    assert res.converged
