"""lad, quantile, lad_path and quantile_path on scipy.sparse X against the same fits on dense X.

Oracles, most trusted first: the LP optimum found by HiGHS (reference.quantile_lp, or the dual LP
reference.quantile_dual_lp for many samples) through test_lad.assert_optimal, then the fit of the same
data as a dense array (objective, coefficients and intercept: the LP solutions here are unique).
The kernels' starts are checked directly too: CSR (int32 or int64 indices) against dense rows, and
the interior point method against the LP optimum it approaches.

Losses are named by q: None is LAD (rho = |r|), a float the check loss of that quantile.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse

import l1l2
import reference
from helpers import assert_coef_close, convergence_warnings, draw_options
from l1l2 import _lad
from l1l2._kernels._irls import Start, start_csr, start_dense
from l1l2._limits import Budget
from test_lad import assert_optimal, fit, path

LOSSES = [None, 0.1, 0.9]  # None: LAD
LOSS_IDS = ["lad", "q0.1", "q0.9"]
SAME = 1e-9  # sparse and dense fits: objectives relative, coefficients relative to max(1, |coef|)


def sparse_problem(rng, n=60, p=8, density=0.3):
    """(X csc float64 with int32 indices, y): N(0, 1) entries, a sparse signal, Student-t noise."""
    X = scipy.sparse.random(n, p, density=density, format="csc", random_state=rng,
                            data_rvs=rng.standard_normal)
    coef = np.zeros(p)
    coef[: max(1, p // 3)] = rng.uniform(1.0, 3.0, max(1, p // 3))
    y = X @ coef + 2.0 + rng.standard_t(3, n)
    return X, y


def with_int64_indices(X):
    X = X.copy()
    X.indices, X.indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)
    return X


FORMATS = {
    "csc_int32": lambda X: X,
    "csc_int64": with_int64_indices,
    "csr": lambda X: X.tocsr(),
    "coo": lambda X: X.tocoo(),
    "csc_array": scipy.sparse.csc_array,
}


def assert_same_fit(sparse, dense):
    """The sparse fit is the dense fit: objective, coefficients, intercept, certificate."""
    assert sparse.converged and dense.converged
    assert sparse.objective == pytest.approx(dense.objective, rel=SAME, abs=1e-15)
    assert_coef_close(sparse.coef, dense.coef, SAME)
    assert_coef_close(sparse.intercept, dense.intercept, SAME)
    assert sparse.dual_gap <= 1e-9 * sparse.objective + 1e-15


def options_for(X, rng, fit_intercept, weighted, free):
    entry = {"fit_intercept": fit_intercept}
    if weighted:
        entry["sample_weight"] = "random"
    if free:
        entry["penalty_factor"] = "with_zero"
    return draw_options(entry, X, rng, weight_low=0.1, free=[0, 3])


# --------------------------------------------------------------------------------------------------
# Every format, intercept, weighting, penalty factors and loss: the LP optimum and the dense fit


@pytest.mark.parametrize("free", [False, True], ids=["penalised", "free_features"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weights"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("q", LOSSES, ids=LOSS_IDS)
def test_sparse_formats_match_dense_and_lp(q, fit_intercept, weighted, free, rng):
    X, y = sparse_problem(rng)
    dense = X.toarray()
    options = options_for(dense, rng, fit_intercept, weighted, free)
    for alpha in [0.0, 0.2 * reference.quantile_alpha_max(dense, y, q, **options)]:
        expected = fit(q, dense, y, alpha=alpha, **options)
        optimum = reference.quantile_lp(dense, y, alpha, q, **options)[2]
        for name, convert in FORMATS.items():
            res = fit(q, convert(X), y, alpha=alpha, **options)
            assert_optimal(res, dense, y, alpha, q, optimum=optimum, **options)
            assert_same_fit(res, expected)
            assert res.alpha == alpha, name


@pytest.mark.parametrize("free", [False, True], ids=["penalised", "free_features"])
@pytest.mark.parametrize("q", LOSSES, ids=LOSS_IDS)
def test_sparse_paths_match_dense_at_every_alpha(q, free, rng):
    X, y = sparse_problem(rng, n=50, p=6)
    dense = X.toarray()
    options = options_for(dense, rng, True, True, free)
    expected = path(q, dense, y, n_alphas=5, **options)
    for convert in [FORMATS["csc_int64"], FORMATS["csr"]]:
        res = path(q, convert(X), y, n_alphas=5, **options)
        np.testing.assert_allclose(res.alphas, expected.alphas, rtol=1e-12)
        assert np.all(res.converged)
        for i, alpha in enumerate(res.alphas):
            assert_same_fit(res[i], expected[i])
            assert_optimal(res[i], dense, y, alpha, q, **options)


# --------------------------------------------------------------------------------------------------
# Sparse data as it comes: float32, empty columns, explicit zeros, empty rows, wide, large n


@pytest.mark.parametrize("q", [None, 0.25], ids=["lad", "q0.25"])
def test_float32_sparse_equals_float32_dense(q, rng):
    X, y = sparse_problem(rng)
    X32 = X.astype(np.float32)
    res = fit(q, X32, y, alpha=0.01)
    expected = fit(q, X32.toarray(), y, alpha=0.01)
    assert res.coef.dtype == np.float64
    assert_same_fit(res, expected)
    assert_optimal(res, X32.toarray().astype(np.float64), y.astype(np.float32), 0.01, q)


@pytest.mark.parametrize("alpha", [0.0, 0.02])
@pytest.mark.parametrize("q", [None, 0.25], ids=["lad", "q0.25"])
def test_empty_columns_get_zero_coef(q, alpha, rng):
    X, y = sparse_problem(rng, p=10)
    X = X.tolil()
    X[:, [2, 7]] = 0.0
    X = X.tocsc()
    X.eliminate_zeros()
    assert X[:, [2, 7]].nnz == 0
    res = fit(q, X, y, alpha=alpha)
    assert np.all(res.coef[[2, 7]] == 0.0)
    assert_same_fit(res, fit(q, X.toarray(), y, alpha=alpha))
    assert_optimal(res, X.toarray(), y, alpha, q)


@pytest.mark.parametrize("q", [None, 0.25], ids=["lad", "q0.25"])
def test_explicit_zeros_change_nothing(q, rng):
    X, y = sparse_problem(rng)
    # store zeros explicitly: every entry of rows 0..9 (structural nonzeros whose value is 0)
    coo = X.tocoo()
    rows, cols = np.meshgrid(np.arange(10), np.arange(X.shape[1]), indexing="ij")
    data = np.concatenate([coo.data, np.zeros(rows.size)])
    padded = scipy.sparse.coo_matrix((data, (np.concatenate([coo.row, rows.ravel()]),
                                             np.concatenate([coo.col, cols.ravel()]))), shape=X.shape)
    padded = padded.tocsc()       # (duplicates summed: the values are X's, zeros now stored)
    assert padded.nnz > X.nnz and np.any(padded.data == 0)
    res = fit(q, padded, y, alpha=0.01)
    assert_same_fit(res, fit(q, X, y, alpha=0.01))
    assert_same_fit(res, fit(q, X.toarray(), y, alpha=0.01))


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("q", [None, 0.25], ids=["lad", "q0.25"])
def test_all_zero_rows(q, fit_intercept, rng):
    X, y = sparse_problem(rng)
    X = X.tolil()
    X[[4, 5, 30], :] = 0.0
    X = X.tocsc()
    X.eliminate_zeros()
    assert np.all(np.diff(X.tocsr().indptr)[[4, 5, 30]] == 0)
    res = fit(q, X, y, fit_intercept=fit_intercept)
    assert_same_fit(res, fit(q, X.toarray(), y, fit_intercept=fit_intercept))
    assert_optimal(res, X.toarray(), y, 0.0, q, fit_intercept=fit_intercept)


def test_all_zero_X(rng):
    X = scipy.sparse.csc_matrix((20, 3))
    y = rng.standard_normal(20)
    res = l1l2.lad(X, y)
    assert np.all(res.coef == 0.0)
    assert_optimal(res, X.toarray(), y, 0.0, None)


@pytest.mark.parametrize("q", [None, 0.25], ids=["lad", "q0.25"])
def test_wide_sparse(q, rng):
    X, y = sparse_problem(rng, n=30, p=80, density=0.1)
    dense = X.toarray()
    alpha = 0.3 * reference.quantile_alpha_max(dense, y, q)
    res = fit(q, X, y, alpha=alpha)
    assert_same_fit(res, fit(q, dense, y, alpha=alpha))
    assert_optimal(res, dense, y, alpha, q)
    paths = path(q, X.tocsr(), y, n_alphas=4)
    expected = path(q, dense, y, n_alphas=4)
    for i in range(4):
        assert_same_fit(paths[i], expected[i])


@pytest.mark.parametrize("q", [None, 0.3], ids=["lad", "q0.3"])
def test_many_samples_short_rows(q, rng):
    # the interior point start on all rows, then the simplex on the rows nearest its fit, the others
    # held on their sides (and joining if they cross)
    X, y = sparse_problem(rng, n=4000, p=40, density=0.05)
    options = draw_options({"sample_weight": "random", "penalty_factor": "with_zero"}, X, rng,
                           weight_low=0.1, free=[0, 3])
    assert X.shape[0] * 41 > _lad.ALL_ROWS_CELLS
    for alpha in [0.0, 0.002]:
        res = fit(q, X, y, alpha=alpha, **options)
        optimum = reference.quantile_dual_lp(X.toarray(), y, alpha, q, **options)
        assert_optimal(res, X.toarray(), y, alpha, q, optimum=optimum, **options)
        assert_same_fit(res, fit(q, X.toarray(), y, alpha=alpha, **options))


@pytest.mark.parametrize("q", [None, 0.3], ids=["lad", "q0.3"])
def test_many_samples_dense_rows(q, rng):
    # a Gram matrix of all rows is dear here (full rows, n large): IRLS on a subsample of the CSR
    # rows, then the simplex on some of them, the others held on their sides
    n = 3000
    X = scipy.sparse.random(n, 5, density=0.9, format="csr", random_state=rng,
                            data_rvs=rng.standard_normal)
    y = X @ np.array([1.0, -2.0, 0.0, 0.5, 0.0]) + 1.0 + rng.standard_t(2, n)
    weights = rng.uniform(0.1, 3.0, n)
    problem = _lad.make_problem(X.tocsc(), _lad.absolute_loss(), True, weights)
    assert problem.gram_cost > _lad.INTERIOR_GRAM * 6.0**3       # (so: IRLS on a subsample)
    res = fit(q, X, y, sample_weight=weights)
    optimum = reference.quantile_dual_lp(X.toarray(), y, 0.0, q, sample_weight=weights)
    assert_optimal(res, X.toarray(), y, 0.0, q, optimum=optimum, sample_weight=weights)
    assert_same_fit(res, fit(q, X.toarray(), y, sample_weight=weights))


def test_sparse_2d_y_and_threads(rng):
    X, y = sparse_problem(rng)
    Y = np.column_stack([y, -y + 1.0, 2 * y])
    res = l1l2.quantile(X, Y, 0.3, alpha=0.01, threads=2)
    for k in range(3):
        single = l1l2.quantile(X.toarray(), Y[:, k], 0.3, alpha=0.01)
        assert res.objective[k] == pytest.approx(single.objective, rel=SAME)
        assert_coef_close(res.coef[k], single.coef, SAME)
        assert_coef_close(res.intercept[k], single.intercept, SAME)


@pytest.mark.parametrize("name", list(FORMATS))
def test_sparse_X_is_not_modified(name, rng):
    X, y = sparse_problem(rng)
    X = FORMATS[name](X)
    parts = ["data", "row", "col"] if X.format == "coo" else ["data", "indices", "indptr"]
    before = {part: getattr(X, part).copy() for part in parts}
    weights = rng.uniform(0.1, 3.0, X.shape[0])
    l1l2.lad(X, y, alpha=0.01, sample_weight=weights, penalty_factor=np.r_[0.0, np.ones(7)])
    l1l2.quantile_path(X, y, 0.25, n_alphas=3, penalty_factor=np.r_[0.0, np.ones(7)])
    for part in parts:
        np.testing.assert_array_equal(getattr(X, part), before[part], err_msg=part)
        assert getattr(X, part).dtype == before[part].dtype


def test_no_convergence_warning_on_sparse_fits(rng):
    X, y = sparse_problem(rng, n=200, p=30, density=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        l1l2.lad(X, y)
        l1l2.quantile_path(X, y, 0.9, n_alphas=5)
    assert not convergence_warnings(caught)


# --------------------------------------------------------------------------------------------------
# The kernels' starts: CSR against dense rows, int32 against int64, the interior point against the LP


def start_of(X, y, method, q=None, alpha=0.0, fit_intercept=True, max_iter=60, layout="csr",
             index=np.int32):
    """beta after the kernel's start (IRLS or interior point) from 0, and the steps it took."""
    n, p = X.shape
    lo, hi = (-1.0, 1.0) if q is None else (q - 1.0, q)
    c, l = np.full(n, 1.0 / n), np.full(p, alpha)
    beta = np.zeros(p + fit_intercept)
    tol = 1e-12 if method == Start.INTERIOR else _lad.IRLS_EPS
    options = (y, c, lo, hi, fit_intercept, l, beta, method, max_iter, tol, _lad.IRLS_STALL, Budget())
    if layout == "csr":
        R = scipy.sparse.csr_matrix(X)
        steps, _ = start_csr(R.data, R.indices.astype(index), R.indptr.astype(index), p, *options)
    else:
        steps, _ = start_dense(np.asarray(X.toarray(), order=layout), *options)
    return beta, steps


@pytest.mark.parametrize("method", [Start.IRLS, Start.INTERIOR], ids=["irls", "interior"])
def test_csr_start_equals_dense_start(method, rng):
    X, y = sparse_problem(rng, n=80, p=10)
    expected, steps = start_of(X, y, method, q=0.3, alpha=0.01, layout="F")
    for layout, index in [("csr", np.int32), ("csr", np.int64), ("C", None)]:
        beta, n_steps = start_of(X, y, method, q=0.3, alpha=0.01, layout=layout, index=index)
        assert n_steps == steps
        np.testing.assert_allclose(beta, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("q", LOSSES, ids=LOSS_IDS)
def test_interior_point_start_reaches_the_lp_optimum(q, fit_intercept, rng):
    X, y = sparse_problem(rng, n=120, p=10)
    alpha = 0.02
    coef, _, optimum = reference.quantile_lp(X.toarray(), y, alpha, q, fit_intercept=fit_intercept)
    beta, steps = start_of(X, y, Start.INTERIOR, q=q, alpha=alpha, fit_intercept=fit_intercept)
    assert steps < 60
    reached = reference.quantile_objective(X.toarray(), y, beta[:10], beta[10] if fit_intercept else 0.0,
                                           alpha, q)
    assert reached == pytest.approx(optimum, rel=1e-8)
    assert_coef_close(beta[:10], coef, 1e-5)


def test_interior_point_start_holds_spanned_columns_at_zero(rng):
    X, y = sparse_problem(rng, n=60, p=6)
    X = scipy.sparse.hstack([X, X[:, [1]], scipy.sparse.csc_matrix((60, 1))], format="csc")
    n, p = X.shape
    R = X.tocsr()
    beta = np.zeros(p + 1)
    beta[6] = 1.5             # a start on a spanned column goes back to 0
    steps, dependent = start_csr(R.data, R.indices, R.indptr, p, y, np.full(n, 1.0 / n), -1.0, 1.0,
                                 True, np.zeros(p), beta, Start.INTERIOR, 60, 1e-12, 0.0, Budget())
    np.testing.assert_array_equal(dependent, [False] * 6 + [True, True, False])
    assert beta[6] == beta[7] == 0.0
    res = l1l2.lad(X, y)
    assert_optimal(res, X.toarray(), y, 0.0, None)


@pytest.mark.parametrize("alpha", [0.0, 0.05])
@pytest.mark.parametrize("q", LOSSES, ids=LOSS_IDS)
def test_dense_fits_through_the_interior_point_start_are_optimal(q, alpha, monkeypatch):
    """Dense X takes the interior point start only above INTERIOR_DENSE coefficients: lowered to
    0 here, small dense fits go through it and must still reach the LP optimum, with and without
    an intercept, weights and a free feature."""
    monkeypatch.setattr(_lad, "INTERIOR_DENSE", 0)
    rng = np.random.default_rng([71, 0 if q is None else int(100 * q)])
    X = rng.standard_normal((120, 6))
    y = X @ [1.0, -2.0, 0.0, 0.5, 0.0, 3.0] + 1.0 + rng.standard_t(3, 120)
    weights = rng.uniform(0.1, 2.0, 120)
    for options in ({}, {"fit_intercept": False}, {"sample_weight": weights},
                    {"penalty_factor": np.array([0.0, 1, 1, 1, 1, 1])}):
        assert_optimal(fit(q, X, y, alpha=alpha, **options), X, y, alpha, q, **options)
