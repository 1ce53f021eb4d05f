"""scipy.sparse X in every entry point: the dense answers, no copy of X, no input modified.

Oracles, most trusted first: the optimality conditions checked with NumPy on the dense matrix
(reference.kkt_violation; the LP optimum of reference.quantile_lp for LAD and quantile) and each
fit's own certificate; then the same call on X.toarray(), which the dense test modules certify.
Sparse and dense runs stop at tol=TIGHT, so their objectives agree to OBJECTIVE_RTOL and their lasso
coefficients to COEF_TOL, far below the certified tolerances of conftest.py (lasso fits at TIGHT agree
with the naive twin to about 1e-11). Elastic-net and ridge fits, which coordinate descent leaves about
1e-6 from the optimum at the same gap, are compared to their certified distance (convexity_radius).
Every dense fit, path and CV fold here converges at TIGHT, so the sparse ones must too (CONVERGES).

The problems (sparse_problem) have about DENSITY of their entries stored, plus one column of each
awkward kind: half dense (HALF_DENSE), empty (EMPTY), stored but all explicit zeros (ZERO_STORED),
and stored at every row with values 100 +- 1 (SHIFTED: implicit centring must not cancel its
digits); about 10% of the other stored values are explicit zeros. Each comes as canonical CSC with
int32 indices, CSC with int64 indices, CSR, COO and the sparse-array classes (to_format).
Then predict, the documented input errors and non-canonical input, inputs never modified, and
tracemalloc checks that a canonical CSC X is read in place (no copy, no n x p allocation).
"""

import functools
import os
import tracemalloc
import zlib

import numpy as np
import pytest
import scipy.sparse

import l1l2
import reference
from helpers import TIGHT

SHAPES = {"tall": (60, 30), "wide": (30, 80), "long": (300, 12)}   # "long": n >> p, for Gram mode
DENSITY = 0.15
HALF_DENSE, EMPTY, ZERO_STORED, SHIFTED = 1, 2, 4, 5   # column roles, see sparse_problem
FREE = [HALF_DENSE, SHIFTED]    # the features a penalty factor of 0 leaves unpenalised
SUPPORT, SIGNAL = [0, 1, 3, 7, 9], [2.0, -1.5, 1.0, 1.0, -2.0]

FORMATS = ["csc_int32", "csc_int64", "csr", "coo"]          # the acceptance formats of the issue
ARRAY_FORMATS = ["csc_array", "csr_array", "coo_array"]     # scipy's sparse-array classes
OPTIONS = ["none", "weights", "factors", "both"]
INTERCEPT = pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
# Every dense fit, path and CV fold here converges at TIGHT: so must the sparse ones.
CONVERGES = pytest.mark.filterwarnings("error::l1l2.ConvergenceWarning")

# Sparse and dense runs both stop at a duality gap <= TIGHT * scale: objectives agree to about
# 1e-12 * scale, lasso coefficients (relative to max(1, |coef|)) to about 1e-10 on these problems.
COEF_TOL = 1e-8
OBJECTIVE_RTOL = 1e-9           # also the exactness of LAD and quantile (both are LP optima)
ALPHAS_RTOL = 1e-10
CV_RTOL = 1e-7                  # cv_mean, and 10 times that for cv_se (see tolerances_for for enet)
# Dense fits, paths and CV folds of these problems converge at TIGHT within 5000 sweeps; a sparse run
# that does not converge within MAX_ITER fails without burning a million sweeps first.
MAX_ITER = 100_000
FLOAT32_TOL = 1e-6              # the least tol of a float32 fit (README)


def seed_of(*words):
    """A seed for named data: reproducible, and moved everywhere by L1L2_TEST_SEED (as in conftest)."""
    return [zlib.crc32(" ".join(map(str, words)).encode()), int(os.environ.get("L1L2_TEST_SEED", "0"))]


# --------------------------------------------------------------------------------------------------
# Problems and formats


@functools.cache
def _problem(kind):
    """(X canonical float64 CSC with int32 indices, y): built once per kind; see sparse_problem."""
    n, p = SHAPES[kind]
    rng = np.random.default_rng(seed_of("sparse problem", kind))
    stored = rng.random((n, p)) < DENSITY
    stored[:, HALF_DENSE] = rng.random(n) < 0.5
    stored[:, EMPTY] = False
    stored[:, ZERO_STORED] = rng.random(n) < 0.3
    stored[:, SHIFTED] = True
    values = rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, p) + rng.uniform(-1.0, 1.0, p)
    values[:, SHIFTED] = 100.0 + rng.standard_normal(n)
    values[rng.random((n, p)) < 0.1] = 0.0
    values[:, ZERO_STORED] = 0.0
    values[:, SHIFTED] = np.where(values[:, SHIFTED] == 0.0, 100.0, values[:, SHIFTED])
    cols, rows = np.nonzero(stored.T)           # column by column, rows increasing: canonical CSC
    indptr = np.concatenate([[0], np.cumsum(stored.sum(axis=0))])
    X = scipy.sparse.csc_matrix((values[rows, cols], rows.astype(np.int32), indptr.astype(np.int32)),
                                shape=(n, p))
    assert X.indices.dtype == X.indptr.dtype == np.int32 and X.has_canonical_format
    assert X.nnz - np.count_nonzero(X.toarray()) > stored[:, ZERO_STORED].sum()   # explicit zeros
    coef = np.zeros(p)
    coef[SUPPORT] = SIGNAL
    signal = X @ coef
    y = signal + 0.5 * signal.std() * rng.standard_normal(n) + 3.0
    return X, y


def csc_int64(X):
    """X as CSC with int64 indices and indptr (scipy's constructor may downcast them: undo that)."""
    X = scipy.sparse.csc_matrix(X)
    out = scipy.sparse.csc_matrix((X.data.copy(), X.indices.astype(np.int64), X.indptr.astype(np.int64)),
                                  shape=X.shape)
    if out.indices.dtype != np.int64 or out.indptr.dtype != np.int64:
        out.indices, out.indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)
    assert out.indices.dtype == out.indptr.dtype == np.int64
    return out


CONVERTERS = {
    "csc_int32": lambda X: scipy.sparse.csc_matrix(X, copy=True),
    "csc_int64": csc_int64,
    "csr": lambda X: scipy.sparse.csr_matrix(X, copy=True),
    "coo": lambda X: scipy.sparse.coo_matrix(X, copy=True),
    "csc_array": lambda X: scipy.sparse.csc_array(X, copy=True),
    "csr_array": lambda X: scipy.sparse.csr_array(X, copy=True),
    "coo_array": lambda X: scipy.sparse.coo_array(X, copy=True),
}


def to_format(X, fmt):
    """A new sparse matrix (or array) holding X in format fmt, sharing no array with X."""
    out = CONVERTERS[fmt](X)
    assert out.format == fmt[:3] and out.nnz == X.nnz and out.dtype == X.dtype
    return out


def sparse_problem(kind, fmt="csc_int32", dtype=np.float64):
    """Return (X in format fmt, the same X dense, y): fresh copies, free to modify."""
    X, y = _problem(kind)
    X = X.astype(dtype)
    return to_format(X, fmt), X.toarray(), y.copy()


def options_of(kind, option):
    """Keyword arguments of an OPTIONS entry, fresh arrays drawn from a fixed seed: weights in
    [0.1, 3) with a tenth of them 0; penalty factors in [0.3, 3) with 0 at FREE."""
    n, p = SHAPES[kind]
    rng = np.random.default_rng(seed_of("options", kind))
    weights = rng.uniform(0.1, 3.0, n)
    weights[rng.choice(n, n // 10, replace=False)] = 0.0
    factors = rng.uniform(0.3, 3.0, p)
    factors[FREE] = 0.0
    keywords = {}
    if option in ("weights", "both"):
        keywords["sample_weight"] = weights
    if option in ("factors", "both"):
        keywords["penalty_factor"] = factors
    return keywords


# --------------------------------------------------------------------------------------------------
# The fits, their alphas and the comparison with dense X

Q = 0.25        # the quantile level of "quantile"
L1_RATIO = {"lasso": 1.0, "lasso_positive": 1.0, "enet": 0.5, "ridge": 0.0, "ridge_cd": 0.0}
CD_LOSSES = ["lasso", "lasso_positive", "enet", "ridge_cd"]    # coordinate descent, certified by gap
LEVEL = {"lad": None, "quantile": Q}                           # the LP losses: q (None for LAD)

FITS = {
    "lasso": lambda X, y, alpha, **kw: l1l2.lasso(X, y, alpha, tol=TIGHT, max_iter=MAX_ITER, **kw),
    "lasso_positive": lambda X, y, alpha, **kw: l1l2.lasso(X, y, alpha, positive=True, tol=TIGHT,
                                                           max_iter=MAX_ITER, **kw),
    "enet": lambda X, y, alpha, **kw: l1l2.elastic_net(X, y, alpha, 0.5, tol=TIGHT, max_iter=MAX_ITER,
                                                       **kw),
    "ridge": lambda X, y, alpha, **kw: l1l2.ridge(X, y, alpha, tol=TIGHT, max_iter=MAX_ITER, **kw),
    "ridge_cd": lambda X, y, alpha, **kw: l1l2.ridge(X, y, alpha, solver="cd", tol=TIGHT,
                                                     max_iter=MAX_ITER, **kw),
    "lad": lambda X, y, alpha, **kw: l1l2.lad(X, y, alpha=alpha, **kw),
    "quantile": lambda X, y, alpha, **kw: l1l2.quantile(X, y, Q, alpha=alpha, **kw),
}


@functools.cache
def alpha_of(kind, loss):
    """An alpha with some zero and some nonzero coefficients: a fraction of the unweighted alpha_max
    (the exact LP one for LAD and quantile). Ridge takes half the lasso's alpha_max, which keeps
    its convexity_radius small."""
    _, X, y = sparse_problem(kind)
    if loss in LEVEL:
        return 0.2 * reference.quantile_alpha_max(X, y, LEVEL[loss])
    if L1_RATIO[loss] == 0:
        return 0.5 * reference.alpha_max(X, y)
    return 0.05 * reference.alpha_max(X, y, L1_RATIO[loss])


@functools.cache
def dense_fit(kind, loss, fit_intercept, option, dtype=np.float64):
    """The fit of FITS[loss] on the dense X (results are immutable: cached across tests)."""
    _, X, y = sparse_problem(kind, dtype=dtype)
    return FITS[loss](X, y, alpha_of(kind, loss), fit_intercept=fit_intercept, **options_of(kind, option))


def convexity_radius(X, y, alpha, *, l1_ratio, tol=TIGHT, fit_intercept=True, sample_weight=None,
                     penalty_factor=None):
    """(coef, intercept) distance two fits, each with a duality gap <= tol * scale, can be apart.

    With the intercept eliminated, the objective is mu-strongly convex in w for l1_ratio < 1, mu the
    least eigenvalue of xc' S xc / n + alpha (1 - l1_ratio) diag(f): each fit lies within
    sqrt(2 gap / mu) of the optimum (in norm), and its intercept y_mean - x_mean . w within |x_mean|
    times that. Coordinate descent at tol=TIGHT does stop that far away on these problems (about 1e-6
    relative on "wide", the intercept 100 times more because of SHIFTED), and dense and sparse runs
    need not stop at the same sweep, nor ridge's solver="auto" choose the same solver.
    """
    xc, _, x_mean, _, s = reference.centre(X, y, sample_weight, fit_intercept)
    n, p = xc.shape
    penalty = alpha * (1.0 - l1_ratio) * reference.penalty_factors(penalty_factor, p)
    mu = np.linalg.eigvalsh(xc.T @ (s[:, None] * xc) / n + np.diag(penalty))[0]
    radius = 2.0 * np.sqrt(2.0 * tol * np.max(reference.scale(y, sample_weight, fit_intercept)) / mu)
    return radius, float(np.linalg.norm(x_mean)) * radius


# the strongly convex fits (elastic net, ridge) by loss, path or CV family and entry point name
STRONGLY_CONVEX = {"enet": 0.5, "elastic_net": 0.5, "enet_path": 0.5, "enet_cv": 0.5, "ridge": 0.0,
                   "ridge_cd": 0.0, "ridge_path": 0.0, "ridge_cv": 0.0, "ridge_kfold": 0.0,
                   "ridge_loo": 0.0}


def tolerances_for(name, X, y, **keywords):
    """Keywords for the assert_same_* functions of a loss, family or entry point on dense (X, y):
    radius (alpha -> convexity_radius) for the strongly convex fits, and for enet_cv a cv_rtol of
    2e-5: its curve inherits the ~1e-6 accuracy of the fold fits (tol=1e-10 moves it by 4e-5).
    float32 fits stop at tol >= FLOAT32_TOL, so their radius is that much wider."""
    if name not in STRONGLY_CONVEX:
        return {}
    tol = TIGHT if X.dtype == np.float64 else FLOAT32_TOL
    tolerances = {"radius": functools.partial(convexity_radius, np.asarray(X, dtype=np.float64), y,
                                              l1_ratio=STRONGLY_CONVEX[name], tol=tol, **keywords)}
    if name == "enet_cv":
        tolerances["cv_rtol"] = 2e-5
    return tolerances


def assert_close(actual, expected, tol, radius, err_msg):
    """Agreement to tol relative to max(1, largest |expected|), or to the absolute radius if larger."""
    atol = max(tol * max(1.0, float(np.max(np.abs(expected), initial=0.0))), radius)
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=0, atol=atol, err_msg=err_msg)


def assert_same_coef(coef, intercept, expected_coef, expected_intercept, alpha, coef_tol, radius, err_msg):
    coef_radius, intercept_radius = (0.0, 0.0) if radius is None else radius(alpha)
    assert_close(coef, expected_coef, coef_tol, coef_radius, f"{err_msg} coef")
    assert_close(intercept, expected_intercept, coef_tol, intercept_radius, f"{err_msg} intercept")


def assert_same_fit(actual, expected, coef_tol=COEF_TOL, objective_rtol=OBJECTIVE_RTOL, radius=None,
                    err_msg=""):
    """A FitResult on sparse X equals the one on dense X: the same dtype, shape and objective, and for
    the squared loss the same coefficients and intercept, to coef_tol (or radius(alpha), the
    (coef, intercept) convexity_radius, if larger); LP optima need not be unique."""
    assert actual.loss == expected.loss
    assert actual.coef.dtype == expected.coef.dtype, err_msg
    assert actual.coef.shape == expected.coef.shape, err_msg
    np.testing.assert_allclose(actual.alpha, expected.alpha, rtol=ALPHAS_RTOL, err_msg=err_msg)
    np.testing.assert_allclose(actual.objective, expected.objective, rtol=objective_rtol, err_msg=err_msg)
    if expected.loss == "squared":
        assert_same_coef(actual.coef, actual.intercept, expected.coef, expected.intercept, expected.alpha,
                         coef_tol, radius, err_msg)


def assert_same_path(actual, expected, radius=None, err_msg="path"):
    """A PathResult on sparse X equals the one on dense X at every alpha, on the same grid."""
    assert actual.loss == expected.loss
    assert actual.coefs.dtype == expected.coefs.dtype
    assert actual.coefs.shape == expected.coefs.shape
    np.testing.assert_allclose(actual.alphas, expected.alphas, rtol=ALPHAS_RTOL, err_msg=err_msg)
    np.testing.assert_allclose(actual.objectives, expected.objectives, rtol=OBJECTIVE_RTOL, err_msg=err_msg)
    if expected.loss == "squared":
        for i, alpha in enumerate(expected.alphas):
            assert_same_coef(actual.coefs[i], actual.intercepts[i], expected.coefs[i], expected.intercepts[i],
                             alpha, COEF_TOL, radius, f"{err_msg} alpha[{i}]")


def assert_same_cv(actual, expected, radius=None, cv_rtol=CV_RTOL):
    """A CVResult on sparse X equals the one on dense X: folds, grid, cv_mean, cv_se, alpha_min,
    alpha_1se, the best fit and the path."""
    np.testing.assert_array_equal(actual.fold_ids, expected.fold_ids)
    np.testing.assert_allclose(actual.alphas, expected.alphas, rtol=ALPHAS_RTOL)
    np.testing.assert_allclose(actual.cv_mean, expected.cv_mean, rtol=cv_rtol)
    np.testing.assert_allclose(actual.cv_se, expected.cv_se, rtol=10 * cv_rtol,
                               atol=cv_rtol * expected.cv_mean.max())
    np.testing.assert_allclose(actual.alpha_min, expected.alpha_min, rtol=ALPHAS_RTOL)
    np.testing.assert_allclose(actual.alpha_1se, expected.alpha_1se, rtol=ALPHAS_RTOL)
    assert_same_fit(actual.best, expected.best, radius=radius, err_msg="best")
    assert_same_path(actual.path, expected.path, radius=radius)


def assert_same_result(actual, expected, radius=None, cv_rtol=CV_RTOL):
    """Dispatch on the kind of result: FitResult, PathResult, CVResult or predictions."""
    if isinstance(expected, l1l2.FitResult):
        assert_same_fit(actual, expected, radius=radius)
    elif isinstance(expected, l1l2.PathResult):
        assert_same_path(actual, expected, radius=radius)
    elif isinstance(expected, l1l2.CVResult):
        assert_same_cv(actual, expected, radius=radius, cv_rtol=cv_rtol)
    else:
        assert_same_predictions(actual, expected)


def assert_same_predictions(actual, expected, rtol=1e-12):
    assert type(actual) is np.ndarray, f"predict returned {type(actual).__name__}"
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


# --------------------------------------------------------------------------------------------------
# Single fits: sparse == dense for every loss, format, intercept, weights and penalty factors


@CONVERGES
@pytest.mark.parametrize("option", OPTIONS)
@INTERCEPT
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["tall", "wide"])
@pytest.mark.parametrize("loss", list(FITS))
def test_fit_matches_dense(loss, kind, fmt, fit_intercept, option):
    X, dense, y = sparse_problem(kind, fmt)
    alpha, options = alpha_of(kind, loss), options_of(kind, option)
    res = FITS[loss](X, y, alpha, fit_intercept=fit_intercept, **options)
    expected = dense_fit(kind, loss, fit_intercept, option)

    assert_same_fit(res, expected, **tolerances_for(loss, dense, y, fit_intercept=fit_intercept, **options))
    # empty and all-zero columns (penalised in every option) keep a zero coefficient
    np.testing.assert_allclose(res.coef[[EMPTY, ZERO_STORED]], 0.0,
                               atol=1e-12 * max(1.0, np.abs(res.coef).max()))
    if loss == "lasso_positive":
        assert np.all(res.coef >= 0) and np.any(res.coef > 0)
    if not fit_intercept:
        assert res.intercept == 0.0


@CONVERGES
@pytest.mark.parametrize("fmt", ARRAY_FORMATS)
@pytest.mark.parametrize("loss", list(FITS))
def test_sparse_array_classes_match_dense(loss, fmt):
    X, dense, y = sparse_problem("tall", fmt)
    alpha, options = alpha_of("tall", loss), options_of("tall", "both")
    res = FITS[loss](X, y, alpha, **options)
    assert_same_fit(res, dense_fit("tall", loss, True, "both"), **tolerances_for(loss, dense, y, **options))


@CONVERGES
@pytest.mark.parametrize("fmt", ["csc_int32", "csc_int64", "csr"])
@pytest.mark.parametrize("loss", list(FITS))
def test_dtype_is_kept_and_matches_dense(loss, fmt, dtype, tols):
    X, dense, y = sparse_problem("tall", fmt, dtype=dtype)
    assert X.dtype == dtype
    alpha, options = alpha_of("tall", loss), options_of("tall", "both")
    res = FITS[loss](X, y, alpha, **options)
    expected = dense_fit("tall", loss, True, "both", dtype)
    assert expected.coef.dtype == (dtype if loss not in LEVEL else np.float64)   # LP coef are float64
    assert_same_fit(res, expected, coef_tol=tols.coef, objective_rtol=tols.objective,
                    **tolerances_for(loss, dense, y, **options))


@CONVERGES
@pytest.mark.parametrize("fmt", ["csc_int32", "csr"])
@pytest.mark.parametrize("loss", ["lasso", "enet", "ridge", "lad"])
def test_two_dimensional_y_matches_dense(loss, fmt):
    X, dense, y = sparse_problem("tall", fmt)
    Y = np.column_stack([y, -2.0 * y + dense[:, 0]])
    alpha, options = alpha_of("tall", loss), options_of("tall", "weights")
    res = FITS[loss](X, Y, alpha, **options)
    expected = FITS[loss](dense, Y, alpha, **options)
    radius = tolerances_for(loss, dense, Y, **options).get("radius")
    assert res.coef.shape == expected.coef.shape == (2, X.shape[1])
    for k in range(2):
        np.testing.assert_allclose(res.objective[k], expected.objective[k], rtol=OBJECTIVE_RTOL)
        if expected.loss == "squared":
            assert_same_coef(res.coef[k], res.intercept[k], expected.coef[k], expected.intercept[k], alpha,
                             COEF_TOL, radius, f"target {k}")


@CONVERGES
@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd", "cg", "cd"])
@pytest.mark.parametrize("fmt", ["csc_int32", "csr"])
@pytest.mark.parametrize("kind", ["tall", "wide"])
def test_ridge_solvers_match_dense(solver, fmt, kind):
    X, dense, y = sparse_problem(kind, fmt)
    alpha = alpha_of(kind, "ridge")
    options = options_of(kind, "both")
    res = l1l2.ridge(X, y, alpha, solver=solver, tol=TIGHT, max_iter=MAX_ITER, **options)
    expected = l1l2.ridge(dense, y, alpha, solver=solver, tol=TIGHT, max_iter=MAX_ITER, **options)
    assert res.converged
    assert_same_fit(res, expected, **tolerances_for("ridge", dense, y, **options))


# --------------------------------------------------------------------------------------------------
# The certificate: every sparse fit is optimal by conditions checked with NumPy on the dense matrix


@CONVERGES
@pytest.mark.parametrize("option", OPTIONS)
@INTERCEPT
@pytest.mark.parametrize("kind", ["tall", "wide"])
@pytest.mark.parametrize("loss", CD_LOSSES)
def test_coordinate_descent_fit_is_certified(loss, kind, fit_intercept, option, tols64):
    X, dense, y = sparse_problem(kind)
    options = options_of(kind, option)
    alpha = alpha_of(kind, loss)
    positive = loss == "lasso_positive"
    res = FITS[loss](X, y, alpha, fit_intercept=fit_intercept, **options)

    scale = reference.scale(y, options.get("sample_weight"), fit_intercept)
    assert res.converged
    assert 0 <= res.dual_gap <= TIGHT * scale * (1 + 1e-9)
    # x_c,j' S r / n = alpha f_j (rho sign(w_j) + (1 - rho) w_j) where w_j != 0, |x_c,j' S r / n| <= alpha
    # rho f_j where w_j = 0 (<= without | | if positive), sum_i s_i r_i = 0 with an intercept: the
    # largest violation, made dimensionless by reference.kkt_violation
    violation = reference.kkt_violation(dense, y, res.coef, res.intercept, alpha, L1_RATIO[loss],
                                        positive=positive, fit_intercept=fit_intercept, **options)
    assert violation <= tols64.kkt
    own = reference.objective(dense, y, res.coef, res.intercept, alpha, L1_RATIO[loss], **options)
    np.testing.assert_allclose(res.objective, own, rtol=1e-12, atol=1e-14 * scale)


@CONVERGES
@pytest.mark.parametrize("option", ["none", "both"])
@INTERCEPT
@pytest.mark.parametrize("fmt", ["csc_int32", "csr"])
@pytest.mark.parametrize("kind", ["tall", "wide"])
@pytest.mark.parametrize("loss", list(LEVEL))
def test_lp_fit_is_certified(loss, kind, fmt, fit_intercept, option):
    X, dense, y = sparse_problem(kind, fmt)
    options = options_of(kind, option)
    alpha, q = alpha_of(kind, loss), LEVEL[loss]
    res = FITS[loss](X, y, alpha, fit_intercept=fit_intercept, **options)

    optimum = reference.quantile_lp(dense, y, alpha, q, fit_intercept=fit_intercept, **options)[2]
    floor = 1e-12 * reference.quantile_objective(dense, y, np.zeros(X.shape[1]), 0.0, 0.0, q,
                                                 sample_weight=options.get("sample_weight"))
    own = reference.quantile_objective(dense, y, res.coef, res.intercept, alpha, q, **options)
    assert res.converged
    np.testing.assert_allclose(res.objective, optimum, rtol=OBJECTIVE_RTOL, atol=floor)
    np.testing.assert_allclose(res.objective, own, rtol=1e-12, atol=floor)
    assert 0 <= res.dual_gap <= 1e-9 * res.objective + floor


# --------------------------------------------------------------------------------------------------
# Paths, cross-validation and Gram mode

N_PATH_ALPHAS = 8
PATHS = {
    "lasso": lambda X, y, **kw: l1l2.lasso_path(X, y, tol=TIGHT, max_iter=MAX_ITER, **kw),
    "enet": lambda X, y, **kw: l1l2.enet_path(X, y, 0.5, tol=TIGHT, max_iter=MAX_ITER, **kw),
    "ridge": lambda X, y, **kw: l1l2.ridge_path(X, y, **kw),
    "lad": lambda X, y, **kw: l1l2.lad_path(X, y, **kw),
    "quantile": lambda X, y, **kw: l1l2.quantile_path(X, y, Q, **kw),
}
# (fit_intercept, option) of each path and CV setting
SETTINGS = {"plain": (True, "none"), "weighted": (True, "both"), "no_intercept": (False, "both")}


def setting_keywords(kind, setting):
    fit_intercept, option = SETTINGS[setting]
    return {"fit_intercept": fit_intercept, **options_of(kind, option)}


@functools.cache
def dense_path(kind, family, setting):
    _, X, y = sparse_problem(kind)
    return PATHS[family](X, y, n_alphas=N_PATH_ALPHAS, **setting_keywords(kind, setting))


@CONVERGES
@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["tall", "wide"])
@pytest.mark.parametrize("family", list(PATHS))
def test_path_matches_dense_on_the_default_grid(family, kind, fmt, setting):
    X, dense, y = sparse_problem(kind, fmt)
    keywords = setting_keywords(kind, setting)
    path = PATHS[family](X, y, n_alphas=N_PATH_ALPHAS, **keywords)

    assert len(path) == N_PATH_ALPHAS
    assert np.all(path.converged)
    assert_same_path(path, dense_path(kind, family, setting), **tolerances_for(family, dense, y, **keywords))


CVS = {
    "lasso_cv": lambda X, y, **kw: l1l2.lasso_cv(X, y, cv=3, random_state=0, n_alphas=N_PATH_ALPHAS,
                                                 tol=TIGHT, max_iter=MAX_ITER, **kw),
    "enet_cv": lambda X, y, **kw: l1l2.enet_cv(X, y, l1_ratio=0.5, cv=3, random_state=0,
                                               n_alphas=N_PATH_ALPHAS, tol=TIGHT, max_iter=MAX_ITER, **kw),
    "ridge_kfold": lambda X, y, **kw: l1l2.ridge_cv(X, y, cv=3, random_state=0, n_alphas=N_PATH_ALPHAS,
                                                    **kw),
    "ridge_loo": lambda X, y, **kw: l1l2.ridge_cv(X, y, cv="loo", n_alphas=N_PATH_ALPHAS, **kw),
}


@functools.cache
def dense_cv(kind, family, setting):
    _, X, y = sparse_problem(kind)
    return CVS[family](X, y, **setting_keywords(kind, setting))


@CONVERGES
@pytest.mark.parametrize("setting", ["plain", "weighted"])
@pytest.mark.parametrize("fmt", ["csc_int32", "csr"])
@pytest.mark.parametrize("kind", ["tall", "wide"])
@pytest.mark.parametrize("family", list(CVS))
def test_cv_matches_dense(family, kind, fmt, setting):
    X, dense, y = sparse_problem(kind, fmt)
    keywords = setting_keywords(kind, setting)
    result = CVS[family](X, y, **keywords)
    assert_same_cv(result, dense_cv(kind, family, setting), **tolerances_for(family, dense, y, **keywords))


GRAM_ENTRIES = {
    "lasso": lambda X, y, **kw: FITS["lasso"](X, y, alpha_of("long", "lasso"), **kw),
    "enet": lambda X, y, **kw: FITS["enet"](X, y, alpha_of("long", "enet"), **kw),
    "lasso_path": lambda X, y, **kw: PATHS["lasso"](X, y, n_alphas=N_PATH_ALPHAS, **kw),
    "lasso_cv": CVS["lasso_cv"],
}


@CONVERGES
@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("fmt", ["csc_int32", "csr"])
@pytest.mark.parametrize("entry", list(GRAM_ENTRIES))
def test_gram_mode_matches_dense(entry, fmt, setting):
    X, dense, y = sparse_problem("long", fmt)
    keywords = setting_keywords("long", setting)
    res = GRAM_ENTRIES[entry](X, y, precompute=True, **keywords)
    tolerances = tolerances_for(entry, dense, y, **keywords)
    assert_same_result(res, GRAM_ENTRIES[entry](dense, y, precompute=True, **keywords), **tolerances)
    assert_same_result(res, GRAM_ENTRIES[entry](dense, y, precompute=False, **keywords), **tolerances)


# --------------------------------------------------------------------------------------------------
# predict: FitResult, PathResult and CVResult (its best fit and its path)


@functools.cache
def fitted_models():
    """Results fitted on the dense "tall" problem, one per kind of predict()."""
    _, X, y = sparse_problem("tall")
    cv = l1l2.lasso_cv(X, y, cv=3, n_alphas=5)
    return {
        "FitResult": l1l2.lasso(X, y, alpha_of("tall", "lasso")),
        "FitResult_2d": l1l2.elastic_net(X, np.column_stack([y, -y]), alpha_of("tall", "enet")),
        "FitResult_lad": l1l2.lad(X, y, alpha=alpha_of("tall", "lad")),
        "PathResult": l1l2.lasso_path(X, y, n_alphas=5),
        "CVResult.best": cv.best,
        "CVResult.path": cv.path,
        "ridge_cv.best": l1l2.ridge_cv(X, y, n_alphas=5).best,
    }


PREDICTORS = ["FitResult", "FitResult_2d", "FitResult_lad", "PathResult", "CVResult.best",
              "CVResult.path", "ridge_cv.best"]


def predict(name, X):
    return fitted_models()[name].predict(X)


@pytest.mark.parametrize("fmt", FORMATS + ARRAY_FORMATS)
@pytest.mark.parametrize("name", PREDICTORS)
def test_predict_matches_dense(name, fmt):
    X, dense, _ = sparse_problem("tall", fmt)
    assert_same_predictions(predict(name, X), predict(name, dense))


@pytest.mark.parametrize("fmt", ["csc_int32", "csr"])
@pytest.mark.parametrize("name", ["FitResult", "PathResult"])
def test_predict_float32_matches_dense(name, fmt):
    X, dense, _ = sparse_problem("tall", fmt, dtype=np.float32)
    assert_same_predictions(predict(name, X), predict(name, dense), rtol=1e-5)


# --------------------------------------------------------------------------------------------------
# Every entry point: the documented errors, non-canonical and integer input, inputs unchanged

ENTRIES = {
    "lasso": lambda X, y, **kw: FITS["lasso"](X, y, alpha_of("tall", "lasso"), **kw),
    "elastic_net": lambda X, y, **kw: FITS["enet"](X, y, alpha_of("tall", "enet"), **kw),
    "ridge": lambda X, y, **kw: FITS["ridge"](X, y, alpha_of("tall", "ridge"), **kw),
    "lad": lambda X, y, **kw: FITS["lad"](X, y, alpha_of("tall", "lad"), **kw),
    "quantile": lambda X, y, **kw: FITS["quantile"](X, y, alpha_of("tall", "quantile"), **kw),
    **{f"{family}_path": functools.partial(PATHS[family], n_alphas=4) for family in PATHS},
    "lasso_cv": CVS["lasso_cv"],
    "enet_cv": CVS["enet_cv"],
    "ridge_cv": CVS["ridge_loo"],
}
ALL_ENTRIES = list(ENTRIES) + PREDICTORS


def call(entry, X, y, **keywords):
    """Call an entry point on X (and y and keywords, unless it is a predict())."""
    if entry in ENTRIES:
        return ENTRIES[entry](X, y, **keywords)
    return predict(entry, X)


@functools.cache
def dense_result(entry):
    """The entry point's result on the dense "tall" problem with weights and penalty factors."""
    _, X, y = sparse_problem("tall")
    return call(entry, X, y, **options_of("tall", "both"))


@pytest.mark.parametrize(("fmt", "value"), [("csc_int32", np.nan), ("coo", np.inf)],
                         ids=["csc-nan", "coo-inf"])
@pytest.mark.parametrize("entry", ALL_ENTRIES)
def test_non_finite_stored_value_is_rejected(entry, fmt, value):
    X, _, y = sparse_problem("tall", fmt)
    X.data[X.nnz // 2] = value
    with pytest.raises(ValueError) as excinfo:
        call(entry, X, y)
    excinfo.match(r"\bX\b")
    excinfo.match(r"(?i)nan|inf|finite")


def corrupted(X, how):
    """A canonical CSC X with an invalid index structure, set through the attributes directly."""
    if how == "row_too_large":
        X.indices = X.indices.copy()
        X.indices[X.indptr[3]] = X.shape[0]
    elif how == "row_negative":
        X.indices = X.indices.copy()
        X.indices[X.indptr[3]] = -1
    else:   # indptr_decreasing: column 3 ends before it starts
        assert X.indptr[4] - X.indptr[3] >= 2
        X.indptr = X.indptr.copy()
        X.indptr[4] = X.indptr[3] - 1
    return X


@pytest.mark.parametrize("how", ["row_too_large", "row_negative", "indptr_decreasing"])
@pytest.mark.parametrize("entry", ALL_ENTRIES)
def test_invalid_index_structure_is_rejected(entry, how):
    X, _, y = sparse_problem("tall")
    with pytest.raises(ValueError, match=r"\bX\b"):
        call(entry, corrupted(X, how), y)


@pytest.mark.parametrize("fmt", ["csc_int32", "coo"])
@pytest.mark.parametrize("entry", list(ENTRIES))
def test_y_of_another_length_is_rejected(entry, fmt):
    X, _, y = sparse_problem("tall", fmt)
    with pytest.raises(ValueError, match=r"\by\b"):
        call(entry, X, y[:-1])


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_sparse_y_is_rejected(entry):
    X, _, y = sparse_problem("tall")
    with pytest.raises(TypeError, match=r"\by\b"):
        call(entry, X, scipy.sparse.csc_matrix(y[:, None]))


@pytest.mark.parametrize("name", PREDICTORS)
def test_predict_with_another_number_of_features_is_rejected(name):
    X, _, _ = sparse_problem("tall", "csr")
    with pytest.raises(ValueError, match="features"):
        predict(name, scipy.sparse.hstack([X, X[:, :1]], format="csr"))


@pytest.mark.parametrize("entry", ALL_ENTRIES)
def test_complex_values_are_rejected(entry):
    X, _, y = sparse_problem("tall")
    with pytest.raises(TypeError, match=r"\bX\b"):
        call(entry, X.astype(np.complex128), y)


@pytest.mark.parametrize(("fmt", "shape"), [("csc_int32", (0, 30)), ("csc_int32", (60, 0)), ("coo", (0, 30))],
                         ids=["csc-no_rows", "csc-no_columns", "coo-no_rows"])
@pytest.mark.parametrize("entry", list(ENTRIES))
def test_empty_matrix_is_rejected(entry, fmt, shape):
    X = to_format(scipy.sparse.csc_matrix(shape), fmt)
    with pytest.raises(ValueError, match=r"\bX\b"):
        call(entry, X, np.zeros(shape[0]))


@pytest.mark.parametrize("fmt", ["csc_int32", "coo"])
@pytest.mark.parametrize("entry", ALL_ENTRIES)
def test_integer_values_are_converted(entry, fmt):
    X, _, y = sparse_problem("tall")
    X.data = np.round(4.0 * X.data).astype(np.int64)     # SHIFTED stays at 400 +- 4
    X = to_format(X, fmt)
    assert X.dtype == np.int64
    dense = X.toarray().astype(np.float64)
    options = options_of("tall", "both")
    assert_same_result(call(entry, X, y, **options), call(entry, dense, y, **options),
                       **tolerances_for(entry, dense, y, **options))


def snapshot(X):
    """What must not change in a sparse X: its arrays (the objects, and copies of their contents),
    its format flags, shape and dtype."""
    names = ("row", "col", "data") if X.format == "coo" else ("data", "indices", "indptr")
    arrays = {name: getattr(X, name) for name in names}
    flags = {"has_canonical_format": X.has_canonical_format}
    if X.format != "coo":
        flags["has_sorted_indices"] = X.has_sorted_indices
    return arrays, {name: array.copy() for name, array in arrays.items()}, flags, X.shape, X.dtype


def assert_unchanged(X, before):
    arrays, copies, flags, shape, dtype = before
    assert X.shape == shape and X.dtype == dtype
    for name, array in arrays.items():
        assert getattr(X, name) is array, f"X.{name} was replaced"
        assert array.dtype == copies[name].dtype, f"X.{name} changed dtype"
        np.testing.assert_array_equal(array, copies[name], err_msg=f"X.{name} was modified")
    for flag, value in flags.items():
        assert getattr(X, flag) == value, f"X.{flag} changed"


def non_canonical(X, how):
    """X (canonical CSC) with the same values stored non-canonically.

    "unsorted": rows reversed within every column; "duplicates": every value of the odd columns
    stored twice, as two equal halves side by side (a / 2 + a / 2 == a exactly); "unsorted_duplicates":
    both, the second halves after the reversed column; "coo_duplicates": a COO matrix with every value
    split in two halves, the entries shuffled.
    """
    if how == "coo_duplicates":
        coo = X.tocoo()
        row, col, data = (np.concatenate([a, a]) for a in (coo.row, coo.col, coo.data / 2))
        shuffle = np.random.default_rng(seed_of("coo duplicates")).permutation(row.size)
        return scipy.sparse.coo_matrix((data[shuffle], (row[shuffle], col[shuffle])), shape=X.shape)
    data, indices, indptr = [], [], [0]
    for j in range(X.shape[1]):
        rows, values = X.indices[X.indptr[j]:X.indptr[j + 1]], X.data[X.indptr[j]:X.indptr[j + 1]]
        if how in ("unsorted", "unsorted_duplicates"):
            rows, values = rows[::-1], values[::-1]
        if how == "duplicates" and j % 2 == 1:
            rows, values = np.repeat(rows, 2), np.repeat(values / 2, 2)
        if how == "unsorted_duplicates" and j % 2 == 1:
            rows, values = np.concatenate([rows, rows]), np.concatenate([values / 2, values / 2])
        indices.append(rows)
        data.append(values)
        indptr.append(indptr[-1] + rows.size)
    return scipy.sparse.csc_matrix((np.concatenate(data), np.concatenate(indices).astype(np.int32),
                                    np.array(indptr, dtype=np.int32)), shape=X.shape)


@pytest.mark.parametrize("how", ["unsorted", "duplicates", "unsorted_duplicates", "coo_duplicates"])
@pytest.mark.parametrize("entry", ALL_ENTRIES)
def test_non_canonical_input_is_summed_and_left_alone(entry, how):
    X, dense, y = sparse_problem("tall")
    X = non_canonical(X, how)
    np.testing.assert_array_equal(X.toarray(), dense)     # duplicates sum to the canonical values
    assert not X.has_canonical_format
    if how == "unsorted":
        assert not X.has_sorted_indices
    before = snapshot(X)

    options = options_of("tall", "both")
    result = call(entry, X, y, **options)

    assert_unchanged(X, before)
    assert_same_result(result, dense_result(entry), **tolerances_for(entry, dense, y, **options))


@pytest.mark.parametrize("read_only", [False, True], ids=["writeable", "read_only"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("entry", ALL_ENTRIES)
def test_inputs_are_not_modified(entry, fmt, read_only):
    X, dense, y = sparse_problem("tall", fmt)
    options = options_of("tall", "both")
    vectors = {"y": y, **options}
    copies = {name: vector.copy() for name, vector in vectors.items()}
    before = snapshot(X)
    if read_only:
        for array in [*before[0].values(), *vectors.values()]:
            array.flags.writeable = False

    result = call(entry, X, y, **options)

    assert_unchanged(X, before)
    for name, vector in vectors.items():
        np.testing.assert_array_equal(vector, copies[name], err_msg=f"{name} was modified")
    assert_same_result(result, dense_result(entry), **tolerances_for(entry, dense, y, **options))


# --------------------------------------------------------------------------------------------------
# Memory: a canonical CSC X is read in place; no allocation of size n x p


def random_csc(rng, n, p, density, dtype=np.float64):
    """A canonical CSC matrix, int32 indices, about density * n * p values uniform in [0, 1)."""
    nnz = int(density * n * p)
    rows, cols = rng.integers(0, n, nnz), rng.integers(0, p, nnz)
    X = scipy.sparse.coo_matrix((rng.random(nnz).astype(dtype), (rows, cols)), shape=(n, p)).tocsc()
    assert X.has_canonical_format and X.indices.dtype == X.indptr.dtype == np.int32 and X.dtype == dtype
    return X


def sparse_signal(rng, X, n_signal=10):
    """(y, alpha_max, support): y = n_signal columns of X (the support) times 1..2 in size, plus a
    little noise; alpha_max of the lasso with an intercept, computed sparsely:
    max_j |x_j' (y - mean y)| / n, which equals max_j |xc_j' yc| / n."""
    n, p = X.shape
    support = np.arange(n_signal) * (p // n_signal)
    y = X[:, support] @ (rng.uniform(1.0, 2.0, n_signal) * rng.choice([-1.0, 1.0], n_signal))
    y = y + 0.01 * rng.standard_normal(n)
    return y, float(np.max(np.abs(X.T @ (y - y.mean())))) / n, support


def traced_peak(function):
    """(function(), the peak of the memory traced by tracemalloc while it ran, in bytes)."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        result = function()
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    return result, peak


def storage(X):
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


MEMORY_ENTRIES = {
    "lasso": lambda X, y, alpha, **kw: l1l2.lasso(X, y, alpha, tol=1e-6, **kw),
    "elastic_net": lambda X, y, alpha, **kw: l1l2.elastic_net(X, y, 2 * alpha, 0.5, tol=1e-6, **kw),
    "ridge_cd": lambda X, y, alpha, **kw: l1l2.ridge(X, y, 20 * alpha, solver="cd", tol=1e-6, **kw),
    "lasso_path": lambda X, y, alpha, **kw: l1l2.lasso_path(X, y, n_alphas=5, alpha_min_ratio=0.1,
                                                            tol=1e-6, **kw),
}


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("entry", list(MEMORY_ENTRIES))
def test_canonical_csc_is_not_copied(entry, fmt, dtype, rng):
    # 1500 x 3000 (wide: no Gram mode), 10% stored; the O(n + p) work arrays take some 20 kB each.
    # CSC is read in place: the peak stays below half of X's storage; CSR is converted once.
    X = random_csc(rng, 1500, 3000, 0.1, dtype)
    y, alpha_max, _ = sparse_signal(rng, X)
    X = X if fmt == "csc" else X.tocsr()
    weights = rng.uniform(0.5, 2.0, X.shape[0])
    fit = MEMORY_ENTRIES[entry]
    fit(X[:100], y[:100], alpha_max / 10, sample_weight=weights[:100])    # imports and caches first
    before = snapshot(X)

    result, peak = traced_peak(lambda: fit(X, y, alpha_max / 10, sample_weight=weights))

    limit = 0.5 if fmt == "csc" else 1.5
    assert peak < limit * storage(X), f"peak {peak} bytes, X stores {storage(X)}"
    assert np.all(result.converged)
    assert_unchanged(X, before)


@pytest.mark.slow
def test_large_lasso_allocates_nothing_of_size_n_p():
    # 20000 x 50000 at 0.2%: X stores 2e6 values (24 MB), dense it would be 8 GB. At alpha_max / 20
    # only the 10 signal features are active.
    n, p = 20_000, 50_000
    rng = np.random.default_rng(seed_of("large sparse lasso"))
    X = random_csc(rng, n, p, 0.002)
    y, alpha_max, support = sparse_signal(rng, X)
    alpha = alpha_max / 20
    l1l2.lasso(X[:, :100], y, alpha, tol=1e-6)     # imports and caches first
    before = snapshot(X)

    res, peak = traced_peak(lambda: l1l2.lasso(X, y, alpha, tol=1e-6))

    assert peak < 0.5 * storage(X), f"peak {peak} bytes, X stores {storage(X)}"
    assert peak < n * p * 8 / 1000
    assert res.converged
    assert np.all(np.isin(support, res.active)) and len(res.active) <= 100
    assert_unchanged(X, before)
