"""Property tests over every public function: random shapes, dtypes, layouts, sparse formats, scales.

The property (issue 9): each call either returns a result whose optimality holds, with finite
coefficients, its inputs unmodified and a ConvergenceWarning for every fit that did not converge,
or raises ValueError/TypeError whose message names one of the arguments. Any other exception, a
NaN/inf coefficient, a suboptimal "converged" fit or a silent non-converged one is a bug; and on
benign input (no extreme scale, p > 0, no documented restriction) an error is a bug too.

Oracles, independent of the code under test, in float64 NumPy on the exact base problem (see
strategies.py: the data are exact multiples of powers of two, undone exactly with ldexp):
- squared loss: a lower bound on the suboptimality of (coef, intercept), namely the decrease of
  the best single-coordinate move (on the weighted-centred problem) plus that of the intercept,
  which must not exceed tol * scale (what the fit was asked for) nor the reported dual gap (a gap
  that is smaller is no certificate), up to a rounding allowance proportional to the dtype's eps
  and the size of the terms;
- LAD and quantile: the objective against the LP optimum (reference.quantile_lp, HiGHS);
- every point of a path, the refit of a cross-validation (its alphas in the grid), every target of
  fit_many and the result_ of every scikit-learn estimator, and predict() against X0 @ w + b.

Run: python -m pytest tests/test_properties.py -q  (HYPOTHESIS_PROFILE=long for 20x the examples).
"""
import dataclasses
import re
import warnings

import numpy as np
import pytest
import scipy.sparse
from hypothesis import event, given, note
from hypothesis import strategies as st

import l1l2
import reference
from strategies import alphas_for, problems, profile

# The rounding allowance is this many eps of the dtype times the size of the terms involved.
ROUNDING = 64
FLOAT32_TOL_FLOOR = 1e-6           # documented: float32 input runs with tol raised to >= 1e-6
DIRECT_RIDGE_TOL = 1e-9            # "rounding level" of the closed-form ridge solvers (relative)
# Argument names an error message may name, per call (the regex matches them as whole words).
COMMON_NAMES = ("X", "y", "sample_weight", "penalty_factor", "fit_intercept")


# --------------------------------------------------------------------------------------------------
# Calling a public function under the contract


def snapshot(*values):
    """Deep copies of the arrays (dense, or sparse as their component arrays) to compare later."""
    def copy(value):
        if scipy.sparse.issparse(value):
            return ("sparse", value.format, [np.array(a) for a in sparse_parts(value)])
        if isinstance(value, np.ndarray):
            return ("dense", np.array(value))
        return ("other", value)
    return [copy(value) for value in values]


def sparse_parts(M):
    if M.format == "coo":
        return (M.data, *M.coords)
    return (M.data, M.indices, M.indptr)


def assert_unchanged(before, values):
    for (kind, *saved), value in zip(before, values):
        if kind == "sparse":
            for old, new in zip(saved[1], sparse_parts(value)):
                assert old.dtype == new.dtype and np.array_equal(old, new), "a sparse input was modified"
        elif kind == "dense":
            assert np.array_equal(saved[0], value, equal_nan=True), "an input array was modified"


def names_argument(message, names):
    return any(re.search(rf"(?<![\w']){re.escape(name)}(?![\w'])", message) for name in names)


def run(function, *args, problem, names, benign=None, undefined=None, **kwargs):
    """Call function(*args, **kwargs); return (result or None, warnings caught).

    A ValueError/TypeError is accepted when its message names one of `names` and the call is not
    benign (benign defaults to problem.benign) or the message contains `undefined` (a documented
    case the test cannot foresee); the inputs must be unchanged either way.
    """
    benign = problem.benign if benign is None else benign
    inputs = [problem.X, problem.y, problem.sample_weight, problem.penalty_factor]
    before = snapshot(*inputs)
    note(problem.description)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = function(*args, **kwargs)
        except (ValueError, TypeError) as error:
            message = str(error)
            event(f"{type(error).__name__}: {re.split(r'[:,(]|[0-9]', message)[0][:50]}")
            assert names_argument(message, names), f"error names no argument of {names}: {error!r}"
            assert not benign or (undefined is not None and undefined in message), \
                f"benign input rejected: {error!r}"
            result = None
    assert_unchanged(before, inputs)
    event("result" if result is not None else "error")
    return result, caught


def assert_warned_unless_converged(converged, caught, category=l1l2.ConvergenceWarning):
    """A fit (or path point) that did not converge must have said so."""
    if not np.all(converged):
        event("not converged")
        assert any(issubclass(w.category, category) for w in caught), \
            "a non-converged result without a ConvergenceWarning"


def targets(result):
    """(k, coef, intercept, objective, dual_gap, converged) of each target of a FitResult."""
    coef = np.asarray(result.coef)
    if coef.ndim == 1:
        yield 0, coef, result.intercept, result.objective, result.dual_gap, result.converged
        return
    for k in range(coef.shape[0]):
        gap = None if result.dual_gap is None else result.dual_gap[k]
        yield k, coef[k], result.intercept[k], result.objective[k], gap, result.converged[k]


# --------------------------------------------------------------------------------------------------
# The oracles, in base units (float64)


def base_weights(problem):
    """The normalised sample weights, from the exact base weights (their power of two cancels)."""
    n = problem.n_samples
    if problem.weights0 is None:
        return np.ones(n)
    return problem.weights0 * (n / problem.weights0.sum())


def factors(problem):
    return np.ones(problem.n_features) if problem.penalty_factor is None else problem.penalty_factor


def eps(problem):
    return float(np.finfo(problem.dtype).eps)


def assert_finite_coefficients(coef, intercept):
    assert np.all(np.isfinite(np.asarray(coef, dtype=np.float64))), "a NaN or infinite coefficient"
    assert np.all(np.isfinite(np.asarray(intercept, dtype=np.float64))), "a NaN or infinite intercept"


def centred(problem, k):
    """(xc, yc, x_mean, y_mean, s): the weighted-centred base data of target k."""
    X0, y0, n = problem.X0, problem.target(k), problem.n_samples
    s = base_weights(problem)
    if problem.fit_intercept:
        x_mean, y_mean = s @ X0 / n, s @ y0 / n
    else:
        x_mean, y_mean = np.zeros(X0.shape[1]), 0.0
    return X0 - x_mean, y0 - y_mean, x_mean, y_mean, s


def coordinate_excess(xc, r, s, w, l1, l2, positive):
    """Per feature: the decrease of the objective by the best move of that coordinate alone, and
    the step (t - w). Exact formula: with curvature a = colsq + l2, z the coordinate's linear term
    and t the minimiser, the decrease is a/2 (w - t)^2 + (l1 |w| - u w), u = z - a t (both >= 0)."""
    n = xc.shape[0]
    colsq = s @ (xc * xc) / n
    z = xc.T @ (s * r) / n + colsq * w
    a = colsq + l2
    with np.errstate(all="ignore"):
        pull = z if positive else np.abs(z)
        t = np.maximum(pull - l1, 0.0) / a
        if not positive:
            t = np.sign(z) * t
        t = np.where(a == 0, np.where(l1 > 0, 0.0, w), t)      # a flat coordinate
        t = np.where(np.isinf(a), 0.0, t)
        u = np.where((a == 0) | np.isinf(a), z, z - a * t)
        quadratic = np.where(w == t, 0.0, 0.5 * a * (w - t) ** 2)
        slack = np.where(w == 0, 0.0, l1 * np.abs(w) - u * w)
    return quadratic + slack, t - w


def check_squared_fit(problem, k, coef, intercept, objective, gap, alpha, l1_ratio, *, positive,
                      tol):
    """The optimality of one target's squared-loss fit (see the module docstring).

    tol: the relative gap the fit was asked for, or None for a closed-form solver (its answer must
    be at rounding level, DIRECT_RIDGE_TOL)."""
    assert_finite_coefficients(coef, intercept)
    kx, ky = problem.kx, problem.ky
    w = np.ldexp(np.asarray(coef, dtype=np.float64), kx - ky)
    b = float(np.ldexp(intercept, -ky))
    f = factors(problem)
    with np.errstate(over="ignore"):        # an infinite penalty in base units forces w_j = 0
        l1 = np.ldexp(alpha * l1_ratio * f, -(kx + ky))
        l2 = np.ldexp(alpha * (1 - l1_ratio) * f, -2 * kx)
    xc, yc, x_mean, y_mean, s = centred(problem, k)
    n = problem.n_samples
    if positive:
        assert np.all(w >= 0), "a negative coefficient with positive=True"
    r = yc - xc @ w
    excess, step = coordinate_excess(xc, r, s, w, l1, l2, positive)
    if problem.fit_intercept:
        b_best = y_mean - x_mean @ w
        intercept_excess = 0.5 * (b - b_best) ** 2
        intercept_size = abs(b - b_best) * (abs(y_mean) + np.abs(x_mean) @ np.abs(w))
    else:
        assert b == 0.0, "an intercept without fit_intercept"
        intercept_excess = intercept_size = 0.0
    lower_bound = float(np.max(excess, initial=0.0) + intercept_excess)
    scale = float(s @ (yc * yc) / n)
    y0 = problem.target(k)
    size = s @ (np.abs(xc) * (np.abs(yc) + np.abs(xc) @ np.abs(w))[:, None]) / n
    allowance = ROUNDING * eps(problem) * (
        float(np.max(size * (np.abs(w) + np.abs(step)), initial=0.0)) + intercept_size
        + float(s @ (y0 * y0) / n) + scale)
    asked = DIRECT_RIDGE_TOL if tol is None else tol
    if problem.dtype == np.float32:
        asked = max(asked, FLOAT32_TOL_FLOOR)
    note(f"target {k}: lower bound {lower_bound:.3g}, scale {scale:.3g}, allowance {allowance:.3g}")
    assert lower_bound <= asked * scale * (1 + 1e-6) + allowance, \
        f"suboptimal: excess {lower_bound:.3g} > tol {asked:g} x scale {scale:.3g} (+{allowance:.2g})"
    if gap is not None:
        gap0 = float(np.ldexp(gap, -2 * ky))
        assert lower_bound <= gap0 * (1 + 1e-6) + allowance, \
            f"the dual gap {gap0:.3g} is below the suboptimality {lower_bound:.3g}: no certificate"
    residual = y0 - problem.X0 @ w - b
    with np.errstate(all="ignore"):
        penalty = np.sum(np.where(w == 0, 0.0, l1 * np.abs(w) + 0.5 * l2 * w * w))
    value = 0.5 * s @ (residual * residual) / n + penalty
    reported = float(np.ldexp(objective, -2 * ky))
    assert abs(reported - value) <= ROUNDING * eps(problem) * (value + float(s @ (y0 * y0) / n)) \
        + allowance + asked * scale, f"objective {reported!r} but {value!r} at the returned point"


def quantile_slopes(q):
    return (-1.0, 1.0) if q is None else (q - 1.0, q)


def check_loss(r, q):
    lo, hi = quantile_slopes(q)
    return np.maximum(lo * r, hi * r)


def check_lad_fit(problem, k, coef, intercept, objective, gap, alpha, q, *, tol):
    """One target's LAD (q None) or quantile fit against the LP optimum of its base problem."""
    assert_finite_coefficients(coef, intercept)
    kx, ky = problem.kx, problem.ky
    w = np.ldexp(np.asarray(coef, dtype=np.float64), kx - ky)
    b = float(np.ldexp(intercept, -ky))
    if not problem.fit_intercept:
        assert b == 0.0, "an intercept without fit_intercept"
    X0, y0, n = problem.X0, problem.target(k), problem.n_samples
    c = base_weights(problem) / n
    with np.errstate(all="ignore"):
        l0 = np.ldexp(alpha * factors(problem), -kx)
        penalty = float(np.sum(np.where(w == 0, 0.0, l0 * np.abs(w))))
    value = float(c @ check_loss(y0 - X0 @ w - b, q)) + penalty
    # Above sum_i c_i |x_ij| max(|lo|, |hi|) a penalty forces w_j = 0; capping it there keeps the
    # optimum and keeps HiGHS away from 1e300 costs.
    lo, hi = quantile_slopes(q)
    cap = 2.0 * (c @ np.abs(X0)) * max(-lo, hi) + 1.0
    _, _, optimum = reference.quantile_lp(X0, y0, 1.0, q, fit_intercept=problem.fit_intercept,
                                          sample_weight=base_weights(problem),
                                          penalty_factor=np.minimum(l0, cap))
    if problem.fit_intercept:
        null = min(float(c @ check_loss(y0 - level, q)) for level in y0)
    else:
        null = float(c @ check_loss(y0, q))
    allowance = ROUNDING * np.finfo(np.float64).eps * float(
        c @ (np.abs(y0) + np.abs(X0) @ np.abs(w)) + abs(b) + penalty + null)
    note(f"target {k}: objective {value!r}, LP optimum {optimum!r}, null {null!r}")
    assert value <= optimum + tol * null * (1 + 1e-6) + allowance, \
        f"suboptimal: {value!r} > LP optimum {optimum!r}"
    if gap is not None:
        assert value - optimum <= float(np.ldexp(gap, -ky)) * (1 + 1e-6) + allowance, \
            "the dual gap is below the suboptimality: no certificate"
    reported = float(np.ldexp(objective, -ky))
    assert abs(reported - value) <= 1e-9 * (value + null) + allowance, \
        f"objective {reported!r} but {value!r} at the returned point"


def check_predict(problem, predictor, coefs, intercepts):
    """predictor.predict(X) against X0 @ w + b in base units; coefs (T, p), intercepts (T,)."""
    prediction = np.asarray(predictor.predict(problem.X), dtype=np.float64)
    kx, ky = problem.kx, problem.ky
    W = np.ldexp(np.atleast_2d(np.asarray(coefs, dtype=np.float64)), kx - ky)
    B = np.ldexp(np.atleast_1d(np.asarray(intercepts, dtype=np.float64)), -ky)
    expected = problem.X0 @ W.T + B
    size = np.abs(problem.X0) @ np.abs(W.T) + np.abs(B)
    got = np.ldexp(prediction.reshape(expected.shape), -ky)
    assert np.all(np.abs(got - expected) <= ROUNDING * eps(problem) * (size + 1e-300)), "predict is off"


# --------------------------------------------------------------------------------------------------
# Squared loss: lasso, elastic_net, ridge


n_targets = st.sampled_from([None, None, None, 2])


def check_enet_result(problem, result, caught, alpha, l1_ratio, *, positive, tol):
    assert_warned_unless_converged(result.converged, caught)
    for k, coef, intercept, objective, gap, converged in targets(result):
        assert_finite_coefficients(coef, intercept)
        if converged:
            check_squared_fit(problem, k, coef, intercept, objective, gap, alpha, l1_ratio,
                              positive=positive, tol=tol)
    coef = np.asarray(result.coef)
    check_predict(problem, result, coef.reshape(-1, coef.shape[-1]), result.intercept)


@profile()
@given(data=st.data())
def test_lasso_and_elastic_net(data):
    problem = data.draw(problems(n_targets=data.draw(n_targets)))
    l1_ratio = data.draw(st.sampled_from([1.0, 1.0, 0.7, 0.05, 0.0]))
    alpha = data.draw(alphas_for(problem.kx + problem.ky))
    positive = data.draw(st.booleans())
    precompute = data.draw(st.sampled_from(["auto", True, False]))
    tol = data.draw(st.sampled_from([1e-7, 1e-10]))
    options = dict(problem.options(), positive=positive, precompute=precompute, tol=tol)
    names = COMMON_NAMES + ("alpha",)
    if l1_ratio == 1.0 and data.draw(st.booleans()):
        result, caught = run(l1l2.lasso, problem.X, problem.y, alpha, problem=problem, names=names,
                             **options)
    else:
        result, caught = run(l1l2.elastic_net, problem.X, problem.y, alpha, l1_ratio, problem=problem,
                             names=names + ("l1_ratio",), **options)
    if result is not None:
        check_enet_result(problem, result, caught, alpha, l1_ratio, positive=positive, tol=tol)


RIDGE_SOLVERS = ("auto", "cholesky", "svd", "cg", "cd")


@profile()
@given(data=st.data())
def test_ridge(data):
    problem = data.draw(problems(n_targets=data.draw(n_targets)))
    solver = data.draw(st.sampled_from(RIDGE_SOLVERS))
    alpha = data.draw(alphas_for(2 * problem.kx))
    # documented restrictions: "cg" needs alpha > 0; "cholesky" a positive definite system
    benign = problem.benign and not (solver == "cg" and alpha == 0) and not (
        solver == "cholesky" and nearly_singular(problem, alpha))
    result, caught = run(l1l2.ridge, problem.X, problem.y, alpha, solver=solver, problem=problem,
                         names=COMMON_NAMES + ("alpha", "solver"), benign=benign, tol=1e-10,
                         **problem.options())
    if result is None:
        return
    tol = 1e-10 if solver == "cd" else None
    check_enet_result(problem, result, caught, alpha, 0.0, positive=False, tol=tol)


def nearly_singular(problem, alpha):
    """Whether ridge's normal equations (base units) are singular to working precision."""
    xc, _, _, _, s = centred(problem, 0)
    with np.errstate(over="ignore"):
        l2 = np.ldexp(alpha * factors(problem), -2 * problem.kx)
    data = xc.T @ (s[:, None] * xc) / problem.n_samples
    largest = max(np.linalg.eigvalsh(data)[-1], 0.0)
    # relative to the data's scale: a zero (centred) X leaves only alpha, 1e-300 of nothing
    return largest == 0 or np.linalg.eigvalsh(data + np.diag(l2))[0] <= 1e-10 * largest


# --------------------------------------------------------------------------------------------------
# LAD and quantile regression

quantile_levels = st.sampled_from([None, None, 0.5, 0.1, 0.9, 0.37])


def check_lad_result(problem, result, caught, alpha, q, tol):
    assert_warned_unless_converged(result.converged, caught)
    for k, coef, intercept, objective, gap, converged in targets(result):
        assert_finite_coefficients(coef, intercept)
        if converged:
            check_lad_fit(problem, k, coef, intercept, objective, gap, alpha, q, tol=tol)
    coef = np.asarray(result.coef)
    check_predict(problem, result, coef.reshape(-1, coef.shape[-1]), result.intercept)


@profile(0.5)
@given(data=st.data())
def test_lad_and_quantile(data):
    problem = data.draw(problems(n_targets=data.draw(n_targets)))
    q = data.draw(quantile_levels)
    alpha = data.draw(alphas_for(problem.kx))
    names = COMMON_NAMES + ("alpha",)
    if q is None:
        result, caught = run(l1l2.lad, problem.X, problem.y, alpha=alpha, problem=problem,
                             names=names, **problem.options())
    else:
        result, caught = run(l1l2.quantile, problem.X, problem.y, q, alpha=alpha, problem=problem,
                             names=names + ("q",), **problem.options())
    if result is not None:
        check_lad_result(problem, result, caught, alpha, q, tol=1e-9)


# --------------------------------------------------------------------------------------------------
# Paths


@st.composite
def grids(draw, unit_exponent):
    """(alphas or None, n_alphas): a user grid (any order, zero, tiny and huge included) or the
    default one of a few points."""
    if draw(st.booleans()):
        return None, draw(st.integers(1, 4))
    alphas = draw(st.lists(alphas_for(unit_exponent), min_size=1, max_size=4))
    return alphas, len(alphas)


def check_path_points(problem, path, caught, check_point, user_alphas):
    """Every point of a PathResult through check_point(fit, alpha); the grid as asked."""
    assert_warned_unless_converged(path.converged, caught)
    assert np.all(np.isfinite(path.coefs)) and np.all(np.isfinite(path.intercepts)), \
        "a NaN or infinite coefficient on the path"
    assert np.all(np.diff(path.alphas) <= 0), "the path's alphas do not decrease"
    if user_alphas is not None:
        np.testing.assert_array_equal(path.alphas, np.sort(user_alphas)[::-1])
    for i in range(len(path)):
        if path.converged[i]:
            check_point(path[i], float(path.alphas[i]))
    check_predict(problem, path, path.coefs, path.intercepts)


@profile()
@given(data=st.data())
def test_squared_loss_paths(data):
    problem = data.draw(problems())
    function = data.draw(st.sampled_from(["lasso_path", "enet_path", "ridge_path"]))
    options = problem.options()
    names = COMMON_NAMES + ("alphas", "n_alphas")
    benign = problem.benign
    if function == "ridge_path":
        alphas, n_alphas = data.draw(grids(2 * problem.kx))
        l1_ratio, positive, tol = 0.0, False, None
        # documented: a sparse ridge path by conjugate gradients needs alphas > 0
        benign = benign and not (scipy.sparse.issparse(problem.X) and alphas and min(alphas) == 0)
    else:
        alphas, n_alphas = data.draw(grids(problem.kx + problem.ky))
        l1_ratio = 1.0 if function == "lasso_path" else data.draw(st.sampled_from([0.7, 0.05, 0.0]))
        positive = data.draw(st.booleans())
        tol = 1e-8
        options.update(positive=positive, tol=tol)
        if function == "enet_path":
            options["l1_ratio"] = l1_ratio
    path, caught = run(getattr(l1l2, function), problem.X, problem.y, alphas=alphas,
                       n_alphas=n_alphas, problem=problem, names=names + ("l1_ratio",),
                       benign=benign, **options)
    if path is None:
        return

    def check_point(fit, alpha):
        check_squared_fit(problem, 0, fit.coef, fit.intercept, fit.objective, fit.dual_gap, alpha,
                          l1_ratio, positive=positive, tol=tol)

    check_path_points(problem, path, caught, check_point, alphas)


@profile(0.3)
@given(data=st.data())
def test_lad_paths(data):
    problem = data.draw(problems(max_n=20))
    q = data.draw(quantile_levels)
    alphas, n_alphas = data.draw(grids(problem.kx))
    names = COMMON_NAMES + ("alphas", "n_alphas")
    if q is None:
        path, caught = run(l1l2.lad_path, problem.X, problem.y, alphas=alphas, n_alphas=n_alphas,
                           problem=problem, names=names, **problem.options())
    else:
        path, caught = run(l1l2.quantile_path, problem.X, problem.y, q, alphas=alphas,
                           n_alphas=n_alphas, problem=problem, names=names + ("q",),
                           **problem.options())
    if path is None:
        return

    def check_point(fit, alpha):
        check_lad_fit(problem, 0, fit.coef, fit.intercept, fit.objective, fit.dual_gap, alpha, q,
                      tol=1e-9)

    check_path_points(problem, path, caught, check_point, alphas)


# --------------------------------------------------------------------------------------------------
# Cross-validation


def check_cv_result(problem, cv, caught, check_point):
    """The chosen alphas lie in the grid, best is the full-data fit at alpha_min, and it is optimal."""
    assert_warned_unless_converged(cv.path.converged, caught)
    assert not np.any(np.isnan(cv.cv_mean)), "NaN cross-validation errors"
    assert cv.alpha_min in cv.alphas and cv.alpha_1se in cv.alphas
    assert cv.alpha_1se >= cv.alpha_min
    assert cv.best.alpha == cv.alpha_min
    assert_finite_coefficients(cv.best.coef, cv.best.intercept)
    if cv.best.converged:
        check_point(cv.best, cv.alpha_min)
    check_predict(problem, cv.best, np.asarray(cv.best.coef)[None, :], [cv.best.intercept])


@profile(0.5)
@given(data=st.data())
def test_cross_validation(data):
    problem = data.draw(problems())
    function = data.draw(st.sampled_from(["lasso_cv", "enet_cv", "ridge_cv"]))
    n_folds = data.draw(st.sampled_from([2, 3]))
    options = problem.options()
    names = COMMON_NAMES + ("alphas", "n_alphas", "cv")
    # documented: cv between 2 and n_samples, and every training fold with some weight
    benign = problem.benign and n_folds <= problem.n_samples and folds_have_weight(problem, n_folds)
    if function == "ridge_cv":
        cv = data.draw(st.sampled_from(["loo", "gcv", n_folds]))
        benign = benign or (cv in ("loo", "gcv") and problem.benign and problem.n_samples >= 2)
        l1_ratio, positive, tol = 0.0, False, None
        options.update(cv=cv, n_alphas=data.draw(st.integers(1, 5)))
    else:
        l1_ratio = 1.0 if function == "lasso_cv" else data.draw(st.sampled_from([0.7, 0.05]))
        positive, tol = data.draw(st.booleans()), 1e-8
        options.update(cv=n_folds, n_alphas=data.draw(st.integers(1, 5)), positive=positive, tol=tol)
        if function == "enet_cv":
            options["l1_ratio"] = l1_ratio
    # documented: leave-one-out and GCV are undefined where a sample has leverage 1 or df = n
    closed_form = function == "ridge_cv" and options["cv"] in ("loo", "gcv")
    result, caught = run(getattr(l1l2, function), problem.X, problem.y, problem=problem,
                         names=names + ("l1_ratio",), benign=benign,
                         undefined="is undefined for this X" if closed_form else None, **options)
    if result is None:
        return

    def check_point(fit, alpha):
        check_squared_fit(problem, 0, fit.coef, fit.intercept, fit.objective, fit.dual_gap, alpha,
                          l1_ratio, positive=positive, tol=tol)

    check_cv_result(problem, result, caught, check_point)


def folds_have_weight(problem, n_folds):
    """Whether every fold's training and test samples surely keep a positive weight: more
    positive weights than the largest test fold holds, fewer zeros than the smallest."""
    if problem.weights0 is None:
        return True
    largest_fold = -(-problem.n_samples // n_folds)
    n_positive = np.count_nonzero(problem.weights0)
    return n_positive > largest_fold and problem.n_samples - n_positive < problem.n_samples // n_folds


# --------------------------------------------------------------------------------------------------
# fit_many


MODELS = ("lasso", "elastic_net", "ridge", "lad", "quantile")


@profile(0.5)
@given(data=st.data())
def test_fit_many(data):
    problem = data.draw(problems(n_targets=data.draw(st.integers(1, 3)), max_n=20))
    model = data.draw(st.sampled_from(MODELS))
    as_path = data.draw(st.booleans())
    n_targets = problem.Y0.shape[1]
    lad_like = model in ("lad", "quantile")
    unit = problem.kx if lad_like else (2 * problem.kx if model == "ridge" else problem.kx + problem.ky)
    options = problem.options()
    l1_ratio = {"lasso": 1.0, "elastic_net": 0.5, "ridge": 0.0}.get(model)
    q = 0.3 if model == "quantile" else None
    if model == "elastic_net":
        options["l1_ratio"] = l1_ratio
    if model == "quantile":
        options["q"] = q
    if as_path:
        options.update(path=True, n_alphas=data.draw(st.integers(1, 3)))
    else:
        options["alpha"] = data.draw(st.lists(alphas_for(unit), min_size=n_targets,
                                              max_size=n_targets)) if data.draw(st.booleans()) \
            else data.draw(alphas_for(unit))
    tol = {"lasso": 1e-7, "elastic_net": 1e-7, "ridge": None, "lad": 1e-9, "quantile": 1e-9}[model]
    results, caught = run(l1l2.fit_many, problem.X, problem.y, model, problem=problem,
                          names=COMMON_NAMES + ("Y", "alpha", "alphas", "n_alphas"), **options)
    if results is None:
        return
    assert len(results) == n_targets

    def check_point(fit, alpha, k):
        if lad_like:
            check_lad_fit(problem, k, fit.coef, fit.intercept, fit.objective, fit.dual_gap, alpha, q,
                          tol=tol)
        else:
            check_squared_fit(problem, k, fit.coef, fit.intercept, fit.objective, fit.dual_gap, alpha,
                              l1_ratio, positive=False, tol=tol)

    for k in range(n_targets):
        item = results[k]
        if as_path:
            assert_warned_unless_converged(item.converged, caught)
            assert np.all(np.isfinite(item.coefs)), "a NaN or infinite coefficient on a path"
            for i in range(len(item)):
                if item.converged[i]:
                    check_point(item[i], float(item.alphas[i]), k)
        else:
            assert_warned_unless_converged(item.converged, caught)
            assert_finite_coefficients(item.coef, item.intercept)
            if item.converged:
                check_point(item, float(item.alpha), k)
    if not as_path:
        check_predict(problem, results, results.coef, results.intercept)


# --------------------------------------------------------------------------------------------------
# The scikit-learn estimators


ESTIMATORS = ("Lasso", "ElasticNet", "Ridge", "LassoCV", "ElasticNetCV", "RidgeCV",
              "QuantileRegressor", "LADRegressor")


def make_estimator(name, problem, data):
    """(estimator, the l1l2 alpha it must fit at or None when it chooses, l1_ratio or q)."""
    module = pytest.importorskip("l1l2.sklearn")
    n = problem.n_samples
    fit_intercept = problem.fit_intercept
    if name in ("Lasso", "ElasticNet"):
        alpha = data.draw(alphas_for(problem.kx + problem.ky))
        ratio = 1.0 if name == "Lasso" else 0.5
        extra = {} if name == "Lasso" else {"l1_ratio": ratio}
        return getattr(module, name)(alpha=alpha, tol=1e-8, max_iter=100_000,
                                     fit_intercept=fit_intercept, **extra), alpha, ratio
    if name == "Ridge":
        alpha = data.draw(alphas_for(2 * problem.kx))
        total = n if problem.weights0 is None else None      # l1l2 alpha = alpha / sum of weights
        return (module.Ridge(alpha=alpha, fit_intercept=fit_intercept),
                (alpha / total if total else None), 0.0)
    if name == "LassoCV":
        return (module.LassoCV(cv=2, alphas=3, tol=1e-8, max_iter=100_000,
                               fit_intercept=fit_intercept), None, 1.0)
    if name == "ElasticNetCV":
        return (module.ElasticNetCV(cv=2, alphas=3, l1_ratio=0.5, tol=1e-8, max_iter=100_000,
                                    fit_intercept=fit_intercept), None, 0.5)
    if name == "RidgeCV":
        return module.RidgeCV(alphas=(0.1, 1.0, 10.0), fit_intercept=fit_intercept), None, 0.0
    if name == "QuantileRegressor":
        alpha = data.draw(alphas_for(problem.kx))
        return (module.QuantileRegressor(quantile=0.3, alpha=alpha, fit_intercept=fit_intercept),
                alpha, 0.3)
    alpha = data.draw(alphas_for(problem.kx))
    return module.LADRegressor(alpha=alpha, fit_intercept=fit_intercept), alpha, None


@profile(0.5)
@given(data=st.data())
def test_sklearn_estimators(data):
    name = data.draw(st.sampled_from(ESTIMATORS))
    # the estimators take no penalty_factor: every feature is penalised
    problem = dataclasses.replace(data.draw(problems(n_targets=None, max_n=20)), penalty_factor=None)
    estimator, alpha, ratio = make_estimator(name, problem, data)
    sklearn_exceptions = pytest.importorskip("sklearn.exceptions")
    # cv=2 needs 2 samples, and training folds with some weight; Ridge's alpha is divided by the
    # sum of the weights, which extreme weights (2**+-1000) overflow. scikit-learn's own checks
    # name no argument ("Found array with 0 feature(s)"): their messages match by their words.
    cv_class = name in ("LassoCV", "ElasticNetCV", "RidgeCV")
    extreme_weights = (problem.weights0 is not None
                       and problem.sample_weight.max() != problem.weights0.max())
    benign = (problem.benign and not (cv_class and problem.n_samples < 2)
              and not (name in ("LassoCV", "ElasticNetCV") and not folds_have_weight(problem, 2))
              and not (name in ("Ridge", "RidgeCV") and extreme_weights))
    names = COMMON_NAMES + ("alpha", "alphas", "feature", "features", "sample", "samples", "array",
                            "n_splits", "n_samples", "quantile")
    fitted, caught = run(estimator.fit, problem.X, problem.y, sample_weight=problem.sample_weight,
                         problem=problem, names=names, benign=benign)
    if fitted is None:
        return
    result = fitted.result_
    if name in ("LassoCV", "ElasticNetCV", "RidgeCV"):
        result = result.best if hasattr(result, "best") else result
    assert_warned_unless_converged(result.converged, caught, sklearn_exceptions.ConvergenceWarning)
    if alpha is not None:
        assert np.isclose(result.alpha, alpha, rtol=1e-12), "alpha not converted as documented"
    np.testing.assert_array_equal(np.asarray(fitted.coef_, dtype=np.float64),
                                  np.asarray(result.coef, dtype=np.float64))
    if result.converged:
        if name in ("QuantileRegressor", "LADRegressor"):
            check_lad_fit(problem, 0, result.coef, result.intercept, result.objective,
                          result.dual_gap, result.alpha, ratio, tol=1e-9)
        else:
            tol = None if name in ("Ridge", "RidgeCV") else 1e-8
            check_squared_fit(problem, 0, result.coef, result.intercept, result.objective,
                              result.dual_gap, result.alpha, ratio, positive=False, tol=tol)
    check_predict(problem, fitted, np.asarray(fitted.coef_)[None, :], [fitted.intercept_])
