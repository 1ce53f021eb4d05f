"""l1l2.dask's squared-loss fits and map_fits on a real LocalCluster (2 worker processes).

The reference is the in-memory fit of the same data at a tight tol; weights are also checked against
an independent reference, the unweighted fit of rows repeated as often as their integer weight.
"""
import os
import signal
import threading
import time

import dask
import dask.array as da
import numpy as np
import pytest

import l1l2
import l1l2.dask

TIGHT = 1e-13


def chunked(X, y, chunks):
    """dask arrays of X (rows chunked as given, columns in two chunks) and y."""
    return da.from_array(X, chunks=(chunks, max(1, X.shape[1] // 2))), da.from_array(y, chunks=chunks)


def shifted_problem(rng, n=600, p=7, dtype=np.float64):
    """Columns of different scales, one with mean 100, a sparse signal, y offset by 50."""
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 3.0, p) + rng.uniform(-2.0, 2.0, p)
    X[:, 1] += 100.0
    y = X[:, :3] @ np.array([2.0, -1.5, 1.0]) + rng.standard_normal(n) + 50.0
    return X.astype(dtype), y.astype(dtype)


def assert_same_fit(a, b, coef_tol):
    assert a.converged and b.converged
    np.testing.assert_allclose(a.coef, b.coef, rtol=0, atol=coef_tol * max(1.0, np.abs(b.coef).max()))
    np.testing.assert_allclose(a.intercept, b.intercept, rtol=coef_tol * 1e3, atol=coef_tol * 1e3)
    np.testing.assert_allclose(a.objective, b.objective, rtol=1e-10)


FITS = {
    "lasso": lambda lib, X, y, **kw: lib.lasso(X, y, 0.05, **kw),
    "lasso-positive": lambda lib, X, y, **kw: lib.lasso(X, y, 0.05, positive=True, **kw),
    "enet": lambda lib, X, y, **kw: lib.elastic_net(X, y, 0.1, 0.3, **kw),
    "ridge": lambda lib, X, y, **kw: lib.ridge(X, y, 0.2, **kw),
    "least-squares": lambda lib, X, y, **kw: lib.ridge(X, y, 0.0, **kw),
}


def fit_options(model, weights, factors, fit_intercept):
    options = dict(sample_weight=weights, penalty_factor=factors, fit_intercept=fit_intercept)
    if model not in ("ridge", "least-squares"):
        options["tol"] = TIGHT
    return options


@pytest.mark.parametrize("model", FITS)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("chunks", [600, 97, 250])
def test_distributed_fit_equals_in_memory(dask_client, rng, model, fit_intercept, weighted, chunks):
    X, y = shifted_problem(rng)
    weights = rng.uniform(0.0, 3.0, X.shape[0]) if weighted else None
    factors = np.array([0.0, 1.0, 2.0, 1.0, 1.0, 0.5, 1.0])
    options = fit_options(model, weights, factors, fit_intercept)
    Xd, yd = chunked(X, y, chunks)
    distributed = FITS[model](l1l2.dask, Xd, yd, client=dask_client, **options)
    in_memory = FITS[model](l1l2, X, y, **options)
    assert_same_fit(distributed, in_memory, 1e-7)


@pytest.mark.parametrize("model", ["lasso", "ridge"])
def test_integer_weights_are_repeated_rows(dask_client, rng, model):
    X, y = shifted_problem(rng, n=300)
    counts = rng.integers(0, 4, X.shape[0])
    Xd, yd = chunked(X, y, 70)
    weighted = FITS[model](l1l2.dask, Xd, yd, sample_weight=da.from_array(counts, chunks=70),
                           client=dask_client, **({"tol": TIGHT} if model == "lasso" else {}))
    # the objective's 1/n becomes 1/sum(counts) for the repeated rows, alpha stays: same problem
    repeated = FITS[model](l1l2, np.repeat(X, counts, axis=0), np.repeat(y, counts),
                           **({"tol": TIGHT} if model == "lasso" else {}))
    np.testing.assert_allclose(weighted.coef, repeated.coef, atol=1e-8)
    np.testing.assert_allclose(weighted.intercept, repeated.intercept, atol=1e-6)


def test_intercept_is_not_penalised(dask_client, rng):
    """Above alpha_max every coefficient is 0 and the intercept is the weighted mean of y, however
    large: the intercept carries no penalty (dask-ml's GLMs penalise it)."""
    X, y = shifted_problem(rng)
    y = y + 1000.0
    weights = rng.uniform(0.5, 2.0, X.shape[0])
    Xd, yd = chunked(X, y, 150)
    fit = l1l2.dask.lasso(Xd, yd, 1e6, sample_weight=weights, client=dask_client)
    assert not np.any(fit.coef)
    assert fit.intercept == pytest.approx(weights @ y / weights.sum(), rel=1e-12)
    ridge = l1l2.dask.ridge(Xd, yd, 1e8, sample_weight=weights, client=dask_client)
    assert ridge.intercept == pytest.approx(weights @ y / weights.sum() - ridge.coef @ (weights @ X) /
                                            weights.sum(), rel=1e-12)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_path_equals_in_memory(dask_client, rng, l1_ratio, weighted):
    X, y = shifted_problem(rng)
    weights = rng.uniform(0.0, 3.0, X.shape[0]) if weighted else None
    Xd, yd = chunked(X, y, 111)
    distributed = l1l2.dask.enet_path(Xd, yd, l1_ratio, n_alphas=25, sample_weight=weights, tol=TIGHT,
                                      client=dask_client)
    in_memory = l1l2.enet_path(X, y, l1_ratio, n_alphas=25, sample_weight=weights, tol=TIGHT)
    np.testing.assert_allclose(distributed.alphas, in_memory.alphas, rtol=1e-12)
    np.testing.assert_allclose(distributed.coefs, in_memory.coefs, atol=1e-7)
    np.testing.assert_allclose(distributed.intercepts, in_memory.intercepts, atol=1e-5)
    assert distributed.converged.all()
    lasso = l1l2.dask.lasso_path(Xd, yd, alphas=in_memory.alphas[::5], tol=TIGHT, client=dask_client)
    np.testing.assert_allclose(lasso.alphas, in_memory.alphas[::5])


def test_float32_stays_float32(dask_client, rng, tols):
    X, y = shifted_problem(rng, dtype=np.float32)
    Xd, yd = chunked(X, y, 200)
    fit = l1l2.dask.lasso(Xd, yd, 0.05, client=dask_client)
    assert fit.coef.dtype == np.float32
    reference = l1l2.lasso(X.astype(np.float64), y.astype(np.float64), 0.05, tol=TIGHT)
    assert fit.objective == pytest.approx(reference.objective, rel=1e-5)


def test_two_targets(dask_client, rng):
    X, y = shifted_problem(rng)
    Y = np.column_stack([y, -2 * y + X[:, 4]])
    Xd = da.from_array(X, chunks=(100, 7))
    for model in ("lasso", "ridge"):
        distributed = FITS[model](l1l2.dask, Xd, da.from_array(Y, chunks=(100, 1)), client=dask_client)
        in_memory = FITS[model](l1l2, X, Y)
        assert distributed.coef.shape == (2, 7)
        np.testing.assert_allclose(distributed.coef, in_memory.coef, atol=1e-5)


def test_default_scheduler_and_numpy_input(rng):
    """Without a client dask's own scheduler runs the same graph; numpy X is accepted too."""
    X, y = shifted_problem(rng, n=200)
    with dask.config.set(scheduler="threads"):
        fit = l1l2.dask.lasso(X, y, 0.05, tol=TIGHT)
    assert_same_fit(fit, l1l2.lasso(X, y, 0.05, tol=TIGHT), 1e-7)


def test_inputs_not_modified(dask_client, rng):
    X, y = shifted_problem(rng, n=200)
    weights = rng.uniform(0.5, 2.0, 200)
    copies = X.copy(), y.copy(), weights.copy()
    l1l2.dask.lasso(X, y, 0.1, sample_weight=weights, client=dask_client)
    l1l2.dask.ridge(X, y, 0.1, sample_weight=weights, client=dask_client)
    for before, after in zip(copies, (X, y, weights)):
        np.testing.assert_array_equal(before, after)


def poisoned(rng, where, value):
    X, y = shifted_problem(rng, n=400)
    weights = np.ones(400)
    {"X": X[:, 0], "y": y, "sample_weight": weights}[where][333] = value
    return chunked(X, y, 100) + (da.from_array(weights, chunks=100),)


@pytest.mark.parametrize("where, value, message", [
    ("X", np.nan, "X contains NaN"), ("X", np.inf, "X contains NaN"), ("y", np.nan, "y contains NaN"),
    ("sample_weight", -1.0, "sample_weight must be >= 0")])
def test_bad_block_raises_naming_argument(dask_client, rng, where, value, message):
    Xd, yd, wd = poisoned(rng, where, value)
    for fit in (l1l2.dask.lasso, l1l2.dask.ridge):
        with pytest.raises(ValueError, match=message):
            fit(Xd, yd, 0.1, sample_weight=wd, client=dask_client)


@pytest.mark.parametrize("call, error, message", [
    (lambda X, y: l1l2.dask.lasso(X, y[:-1], 0.1), ValueError, "y has 199 rows"),
    (lambda X, y: l1l2.dask.lasso(X[:, 0], y, 0.1), ValueError, "X must be 2-D"),
    (lambda X, y: l1l2.dask.lasso(X, y, -1.0), ValueError, "alpha"),
    (lambda X, y: l1l2.dask.lasso(X, y, 0.1, penalty_factor=[1.0]), ValueError, "penalty_factor"),
    (lambda X, y: l1l2.dask.lasso(X, y, 0.1, sample_weight=np.zeros(200)), ValueError, "sample_weight"),
    (lambda X, y: l1l2.dask.lasso(X, y, 0.1, client="localhost"), TypeError, "client"),
    (lambda X, y: l1l2.dask.lasso(X.astype(complex), y, 0.1), TypeError, "X must be real"),
    (lambda X, y: l1l2.dask.lasso_path(X, da.stack([y, y], axis=1)), ValueError, "y must be 1-D"),
    (lambda X, y: l1l2.dask.lasso(X[X[:, 0] > 0], y[X[:, 0] > 0], 0.1), ValueError,
     "unknown chunk sizes"),
    (lambda X, y: l1l2.dask.elastic_net(X, y, 0.1, l1_ratio=2.0), ValueError, "l1_ratio"),
])
def test_invalid_arguments(rng, call, error, message):
    X, y = shifted_problem(rng, n=200)
    with pytest.raises(error, match=message):
        call(da.from_array(X, chunks=(50, 7)), da.from_array(y, chunks=50))


def slow_block(block):
    """An expensive loader: a block takes 0.1 s to read."""
    time.sleep(0.1)
    return block


@pytest.mark.parametrize("allowed_failures", [3, 0])
def test_killed_worker_gives_the_same_answer_or_an_error(rng, allowed_failures):
    """A worker process killed mid-fit: the scheduler reruns its tasks on the other worker and the
    fit equals the in-memory one, or (no failures allowed) the fit raises distributed's
    KilledWorker; it never returns a different answer."""
    from distributed import Client, KilledWorker, LocalCluster

    X, y = shifted_problem(rng, n=4000)
    Xd = da.from_array(X, chunks=(100, 7)).map_blocks(slow_block, dtype=X.dtype)
    yd = da.from_array(y, chunks=100)
    reference = l1l2.lasso(X, y, 0.05, tol=TIGHT)
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                         host="127.0.0.1") as cluster, Client(cluster) as client:
        victim = next(iter(client.run(os.getpid).values()))       # a worker process's pid
        outcome = {}

        def fit():
            try:
                outcome["fit"] = l1l2.dask.lasso(Xd, yd, 0.05, tol=TIGHT, client=client)
            except Exception as error:         # noqa: BLE001 - any clean failure is acceptable
                outcome["error"] = error

        thread = threading.Thread(target=fit)
        thread.start()
        time.sleep(0.8)                         # 40 blocks of 0.1 s over 2 workers: about halfway
        assert thread.is_alive()
        os.kill(victim, signal.SIGKILL)
        thread.join(timeout=120)
        assert not thread.is_alive()
    if allowed_failures:
        assert_same_fit(outcome["fit"], reference, 1e-7)
    else:
        assert isinstance(outcome["error"], KilledWorker)


# ------------------------------------------------------------------------------------- map_fits

def groups_of(rng, k):
    return {f"group{g}": (rng.standard_normal((40 + g, 4)), rng.standard_normal(40 + g))
            for g in range(k)}


@pytest.mark.parametrize("batch_size", [None, 1, 3, 100])
def test_map_fits_equals_direct_calls(dask_client, rng, batch_size):
    groups = groups_of(rng, 7)
    fits = l1l2.dask.map_fits(l1l2.lasso, groups, alpha=0.05, client=dask_client,
                              batch_size=batch_size)
    assert list(fits) == list(groups)
    for name, (X, y) in groups.items():
        np.testing.assert_array_equal(fits[name].coef, l1l2.lasso(X, y, alpha=0.05).coef)
    as_list = l1l2.dask.map_fits(l1l2.lad, list(groups.values()), client=dask_client)
    for fit, (X, y) in zip(as_list, groups.values()):
        np.testing.assert_array_equal(fit.coef, l1l2.lad(X, y).coef)


def test_map_fits_errors(dask_client, rng):
    X, y = rng.standard_normal((10, 2)), rng.standard_normal(10)
    with pytest.raises(TypeError, match="fit must be callable"):
        l1l2.dask.map_fits("lasso", [(X, y)], client=dask_client)
    with pytest.raises(ValueError, match=r"\(X, y\) pairs"):
        l1l2.dask.map_fits(l1l2.lasso, [X], alpha=0.1, client=dask_client)
    with pytest.raises(ValueError, match="batch_size"):
        l1l2.dask.map_fits(l1l2.lasso, [(X, y)], alpha=0.1, batch_size=0, client=dask_client)
    with pytest.raises(ValueError, match="alpha"):          # the fit's own error comes back
        l1l2.dask.map_fits(l1l2.lasso, [(X, y)], alpha=-1.0, client=dask_client)


def test_dask_is_optional():
    """import l1l2 never imports dask; without dask, l1l2.dask names the extra to install."""
    import subprocess
    import sys

    code = ("import sys; import l1l2; assert 'dask' not in sys.modules, 'dask imported'\n"
            "sys.modules['dask'] = None\n"
            "try:\n    import l1l2.dask\nexcept ImportError as error:\n    print(error)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'l1l2[dask]'" in done.stdout
