"""Ctrl-C and max_seconds: a long fit or path stops soon after either, and leaves nothing behind.

The long calls run on near-duplicate columns (pairs 1e-6 apart) at tol=1e-15 with a huge max_iter:
coordinate descent crawls along each pair and would run for hours. SIGINT comes from a timer thread
while the kernel runs without the GIL; the kernel must notice it (or, in worker threads, the stop
flag the main thread sets) and unwind. No test asserts on time: a call that ignored Ctrl-C would
return at its max_seconds backstop (and fail "did not raise"), one that ignored max_seconds would be
interrupted by a watchdog (and fail with KeyboardInterrupt); benchmarks/run_interrupt.py measures
the latency.
"""
import os
import signal
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse

import l1l2
import reference
from l1l2 import ConvergenceWarning

ENDLESS = {"tol": 1e-15, "max_iter": 10**8}
SIGNAL_AFTER = 0.5       # seconds into the call
BACKSTOP = 120.0         # max_seconds of the calls Ctrl-C must stop; the watchdog of max_seconds


@pytest.fixture(scope="module")
def crawl():
    """(X, y): 3000 x 300, columns in near-duplicate pairs, Fortran-ordered and read-only."""
    rng = np.random.default_rng(7)
    n, half = 3000, 150
    Z = rng.standard_normal((n, half))
    X = np.asfortranarray(np.hstack([Z, Z + 1e-6 * rng.standard_normal((n, half))]))
    y = Z @ rng.standard_normal(half) + rng.standard_normal(n)
    X.flags.writeable = y.flags.writeable = False
    return X, y


LONG_CALLS = {
    "lasso": lambda X, y, **limit: l1l2.lasso(X, y, 1e-6, precompute=False, **ENDLESS, **limit),
    "lasso_sparse": lambda X, y, **limit: l1l2.lasso(scipy.sparse.csc_matrix(X), y, 1e-6, **ENDLESS,
                                                     **limit),
    "lasso_gram": lambda X, y, **limit: l1l2.lasso(X, y, 1e-6, precompute=True, **ENDLESS, **limit),
    "elastic_net_2d": lambda X, y, **limit: l1l2.elastic_net(
        X, np.column_stack([y, -y, 2 * y]), 1e-6, 0.9, precompute=False, threads=2, **ENDLESS,
        **limit),
    "enet_path": lambda X, y, **limit: l1l2.enet_path(X, y, l1_ratio=0.9, precompute=False,
                                                      **ENDLESS, **limit),
    "lasso_cv": lambda X, y, **limit: l1l2.lasso_cv(X, y, cv=3, threads=2, precompute=False,
                                                    **ENDLESS, **limit),
    "fit_many": lambda X, y, **limit: l1l2.fit_many(
        X, np.column_stack([y, -y, 2 * y, y + 1]), "lasso", alpha=1e-6, threads=2, precompute=False,
        **ENDLESS, **limit),
    # (one LAD fit here takes about a second: 40 targets, fitted one after another, take long)
    "lad": lambda X, y, **limit: l1l2.lad(X, np.column_stack([y + k for k in range(40)]),
                                          threads=1, max_iter=10**8, **limit),
    "quantile_path": lambda X, y, **limit: l1l2.quantile_path(X, y, q=0.3, max_iter=10**8,
                                                              **limit),
}


def blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    return [entry["num_threads"] for entry in threadpoolctl.threadpool_info()]


def sigint_after(seconds):
    """A started timer that sends SIGINT to this process after `seconds` (cancel it after)."""
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def interrupted(call):
    """Run call() and send SIGINT SIGNAL_AFTER seconds in: it must raise KeyboardInterrupt."""
    timer = sigint_after(SIGNAL_AFTER)
    try:
        with pytest.raises(KeyboardInterrupt):
            call()
    finally:
        timer.cancel()
    assert timer.finished.is_set(), "the call was interrupted before the signal was sent"


@pytest.mark.parametrize("name", LONG_CALLS)
def test_ctrl_c_stops_a_long_call_and_leaves_nothing_behind(name, crawl, problem):
    X, y = crawl
    small_X, small_y = problem("tall")
    before = l1l2.lasso(small_X, small_y, 0.01), l1l2.lad(small_X, small_y, alpha=0.01)
    threads, blas = threading.active_count(), blas_threads()
    X_before, y_before = X.copy(), y.copy()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        interrupted(lambda: LONG_CALLS[name](X, y, max_seconds=BACKSTOP))

    # no worker left running, no BLAS limit left in force, the inputs as they were
    assert threading.active_count() == threads
    assert blas_threads() == blas
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    # and the next fits are those of a fresh process (nothing cached or half-updated)
    after = l1l2.lasso(small_X, small_y, 0.01), l1l2.lad(small_X, small_y, alpha=0.01)
    for old, new in zip(before, after):
        np.testing.assert_array_equal(new.coef, old.coef)
        assert (new.intercept, new.dual_gap, new.n_iter) == \
            (old.intercept, old.dual_gap, old.n_iter)


def test_ctrl_c_during_the_gram_matrix_in_threads():
    """The covariance-mode Gram X'X of 40000 x 600 (2 threads) is summed over row blocks: the
    workers stop at their next block rather than finishing their parts."""
    X = np.asfortranarray(np.random.default_rng(3).standard_normal((40000, 600)))
    y = X[:, 0].copy()
    threads = threading.active_count()
    interrupted(lambda: [l1l2.lasso(X, y, 0.1, precompute=True, threads=2) for _ in range(1000)])
    assert threading.active_count() == threads


def assert_stopped_by_time(fit, caught, max_seconds):
    assert not np.all(fit.converged)
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(messages) == 1 and f"max_seconds={max_seconds:g}" in messages[0]


def timed(call):
    """(call(), its warnings), a watchdog interrupting it after BACKSTOP seconds."""
    watchdog = sigint_after(BACKSTOP)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = call()
    finally:
        watchdog.cancel()
    return result, caught


@pytest.mark.parametrize("precompute", [False, True], ids=["residual", "gram"])
def test_max_seconds_returns_the_coefficients_reached_with_their_gap(precompute, crawl):
    X, y = crawl
    fit, caught = timed(lambda: l1l2.lasso(X, y, 1e-4, precompute=precompute,
                                                    max_seconds=0.3, **ENDLESS))
    assert_stopped_by_time(fit, caught, 0.3)
    assert 0 < fit.n_iter < ENDLESS["max_iter"]
    assert np.all(np.isfinite(fit.coef))
    # the reported objective and gap are those of the returned coefficients
    assert fit.objective == pytest.approx(reference.objective(X, y, fit.coef, fit.intercept, 1e-4),
                                          rel=1e-9)
    assert fit.dual_gap == pytest.approx(lasso_gap(X, y, fit.coef, 1e-4), rel=1e-6)


def lasso_gap(X, y, coef, alpha):
    """The Lasso's duality gap (with an intercept) at the dual point r / max(1, |X_c' r|_inf /
    (n alpha)), in NumPy."""
    n = X.shape[0]
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    r = yc - Xc @ coef
    theta = r / max(1.0, np.abs(Xc.T @ r).max() / (n * alpha))
    primal = r @ r / (2 * n) + alpha * np.abs(coef).sum()
    dual = (yc @ theta - theta @ theta / 2) / n
    return primal - dual


def test_max_seconds_bounds_a_path_whose_later_points_keep_their_warm_start(crawl):
    X, y = crawl
    path, caught = timed(lambda: l1l2.lasso_path(X, y, n_alphas=50, precompute=False,
                                                          max_seconds=0.3, **ENDLESS))
    assert_stopped_by_time(path, caught, 0.3)
    assert len(path.alphas) == 50 and not path.converged[-1]
    assert np.all(np.isfinite(path.coefs))
    for point in (path[10], path[-1]):
        assert point.objective == pytest.approx(
            reference.objective(X, y, point.coef, point.intercept, point.alpha), rel=1e-9)


@pytest.mark.parametrize("call", [
    lambda X, y, s: l1l2.lasso_cv(X, y, cv=3, n_alphas=20, threads=2, precompute=False,
                                  max_seconds=s, **ENDLESS).path,
    lambda X, y, s: l1l2.fit_many(X, np.column_stack([y, -y]), "elastic_net", alpha=1e-4,
                                  threads=2, precompute=False, max_seconds=s, **ENDLESS),
    lambda X, y, s: l1l2.lad(X, np.column_stack([y + k for k in range(40)]), threads=1,
                             max_iter=10**8, max_seconds=s),
    lambda X, y, s: l1l2.quantile_path(X, y, q=0.3, n_alphas=10, max_iter=10**8, max_seconds=s),
    lambda X, y, s: l1l2.ridge(scipy.sparse.csr_matrix(X), y, 1e-12, solver="cg",
                               max_iter=10**8, max_seconds=s),
], ids=["lasso_cv", "fit_many", "lad", "quantile_path", "ridge_cg"])
def test_max_seconds_bounds_every_long_call(call, crawl):
    X, y = crawl
    result, caught = timed(lambda: call(X, y, 0.3))
    assert_stopped_by_time(result, caught, 0.3)


def test_a_generous_max_seconds_changes_nothing(problem):
    X, y = problem("correlated")
    for fit in (l1l2.lasso, l1l2.lad):
        free, limited = fit(X, y, alpha=0.01), fit(X, y, alpha=0.01, max_seconds=1e6)
        np.testing.assert_array_equal(limited.coef, free.coef)
        assert (limited.intercept, limited.dual_gap, limited.n_iter) == \
            (free.intercept, free.dual_gap, free.n_iter)
    free, limited = l1l2.lasso_path(X, y), l1l2.lasso_path(X, y, max_seconds=1e6)
    np.testing.assert_array_equal(limited.coefs, free.coefs)


@pytest.mark.parametrize("value, error", [(0, ValueError), (-1.0, ValueError), (np.nan, ValueError),
                                          (np.inf, ValueError), ("1", TypeError),
                                          (True, TypeError)])
@pytest.mark.parametrize("call", [
    lambda X, y, s: l1l2.lasso(X, y, 0.1, max_seconds=s),
    lambda X, y, s: l1l2.ridge(X, y, 0.1, solver="cg", max_seconds=s),
    lambda X, y, s: l1l2.lad(X, y, max_seconds=s),
    lambda X, y, s: l1l2.enet_path(X, y, max_seconds=s),
    lambda X, y, s: l1l2.lasso_cv(X, y, max_seconds=s),
    lambda X, y, s: l1l2.fit_many(X, y[:, None], "quantile", alpha=0.1, max_seconds=s),
], ids=["lasso", "ridge", "lad", "enet_path", "lasso_cv", "fit_many"])
def test_invalid_max_seconds_is_rejected_by_name(call, value, error, problem):
    X, y = problem("tall")
    with pytest.raises(error, match="max_seconds"):
        call(X, y, value)
