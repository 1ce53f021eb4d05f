"""Distributed lad and quantile (l1l2._dask_lad) against the in-memory fits, on a LocalCluster.

Oracles, most trusted first: the certificate each fit reports (a dual point of the whole problem),
the in-memory l1l2.lad / l1l2.quantile on the same data (objective to 1e-9 relative, coefficients
tight: continuous random data, so the LP optimum is unique), and HiGHS's LP (reference.quantile_lp)
on a small problem. Then the distributed path's own concerns: chunkings, the stages and the
rows that cross sides (forced by small limits), the driver's memory (no pass returns n-vectors),
input errors found in the blocks, and a worker killed mid-fit.

Losses are named by q: None is LAD, a float the check loss of that quantile.
"""
import doctest
import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

import l1l2
import reference
from helpers import assert_coef_close, convergence_warnings

da = pytest.importorskip("dask.array")
pytest.importorskip("distributed")

from l1l2 import _dask_lad  # noqa: E402  (after the importorskip of its dependencies)

# Both fits are exact LP solutions of the same data in float64 (float32 X is read as it is, y
# rounded alike), so the tolerances do not depend on X's dtype.
OBJECTIVE_RTOL = 1e-9
COEF_TOL = 1e-9


def problem(n, p, dtype=np.float64, seed=0):
    """Continuous random data (a unique LP optimum): X normal, y linear plus t(3) noise and an
    offset; y rounded to X's dtype, as the in-memory fit rounds it."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)).astype(dtype)
    y = X.astype(np.float64) @ rng.uniform(-2, 2, p) + rng.standard_t(3, n) + 3.0
    return X, y.astype(dtype).astype(np.float64)


def in_memory(q, X, y, **kwargs):
    return l1l2.lad(X, y, **kwargs) if q is None else l1l2.quantile(X, y, q, **kwargs)


def distributed(q, X, y, **kwargs):
    if q is None:
        return _dask_lad.lad(X, y, **kwargs)
    return _dask_lad.quantile(X, y, q, **kwargs)


def assert_same_fit(fit, ref):
    """fit certified, with the in-memory fit's objective and coefficients."""
    assert fit.converged and fit.dual_gap <= 1e-12 * max(1.0, ref.objective)
    assert fit.loss == ref.loss and fit.alpha == ref.alpha
    assert abs(fit.objective - ref.objective) <= OBJECTIVE_RTOL * ref.objective
    assert_coef_close(fit.coef, ref.coef, COEF_TOL)
    assert_coef_close(fit.intercept, ref.intercept, COEF_TOL)


# (q, n, p, chunks, dtype, options): every loss, with and without intercept, weights, penalties
# with a free feature, both dtypes, one chunk, even and uneven chunks
CASES = [
    (None, 6000, 5, 6000, np.float64, {}),
    (None, 12000, 12, 1500, np.float32, {"fit_intercept": False}),
    (None, 9000, 8, (4000, 1000, 3500, 500), np.float64, {"sample_weight": "random"}),
    (None, 15000, 20, 2501, np.float64, {"alpha": 0.02, "penalty_factor": "with_zero"}),
    (0.1, 8000, 6, 1000, np.float64, {}),
    (0.1, 20000, 10, 3333, np.float32, {"sample_weight": "random", "alpha": 0.01}),
    (0.5, 10000, 15, 10000, np.float32, {"alpha": 0.05, "penalty_factor": "with_zero"}),
    (0.5, 7000, 5, 999, np.float64, {"fit_intercept": False, "sample_weight": "random"}),
    (0.9, 16000, 9, 2000, np.float64, {"alpha": 0.01, "fit_intercept": False,
                                       "penalty_factor": "with_zero"}),
    (0.9, 5000, 18, (2500, 2500), np.float32, {}),
    (0.9, 2000, 5, 300, np.float64, {"sample_weight": "random", "alpha": 0.03}),
]


def options_for(entry, X, y, rng):
    """(in-memory keywords, distributed keywords, the weights' chunks follow X's)."""
    options = dict(entry)
    if options.get("sample_weight") == "random":
        options["sample_weight"] = rng.uniform(0.0, 3.0, X.shape[0])
    if options.get("penalty_factor") == "with_zero":
        factors = rng.uniform(0.3, 3.0, X.shape[1])
        factors[1] = 0.0
        options["penalty_factor"] = factors
    return options


def as_dask(X, y, options, chunks):
    """X, y and the weights as dask arrays of these row chunks (an int, or a tuple of sizes)."""
    Xd = da.from_array(X, chunks=(chunks, -1))
    yd = da.from_array(y, chunks=(chunks,))
    weights = options.get("sample_weight")
    return Xd, yd, {**options, "sample_weight": None if weights is None else
                    da.from_array(weights, chunks=(chunks,))}


@pytest.mark.parametrize("q, n, p, chunks, dtype, entry", CASES,
                         ids=[f"{'lad' if c[0] is None else f'q{c[0]}'}-{c[1]}x{c[2]}-"
                              f"{np.dtype(c[4]).name}-{i}" for i, c in enumerate(CASES)])
def test_matches_in_memory(dask_client, q, n, p, chunks, dtype, entry):
    X, y = problem(n, p, dtype, seed=n + p)
    options = options_for(entry, X, y, np.random.default_rng(p))
    ref = in_memory(q, X, y, **options)
    Xd, yd, dask_options = as_dask(X, y, options, chunks)
    fit = distributed(q, Xd, yd, client=dask_client, **dask_options)
    assert_same_fit(fit, ref)


@pytest.mark.parametrize("q", [None, 0.25])
def test_matches_highs_lp(dask_client, q):
    X, y = problem(300, 4, seed=7)
    coef, intercept, optimum = reference.quantile_lp(X, y, 0.01, q)
    fit = distributed(q, da.from_array(X, chunks=(70, 4)), da.from_array(y, chunks=70),
                      alpha=0.01, client=dask_client)
    assert fit.converged
    assert abs(fit.objective - optimum) <= 1e-9 * optimum
    assert_coef_close(fit.coef, coef, 1e-7)


@pytest.mark.parametrize("q", [None, 0.1, 0.9])
def test_stages(dask_client, monkeypatch, q):
    """Small limits force the path of huge n: a stage (the finish on a larger subsample) between
    the start and all rows."""
    monkeypatch.setattr(_dask_lad, "MAX_SAMPLE", 600)
    monkeypatch.setattr(_dask_lad, "MAX_GATHER", 1500)
    passes = count_passes(monkeypatch)
    X, y = problem(20000, 8, seed=3)
    ref = in_memory(q, X, y, alpha=0.005)
    fit = distributed(q, da.from_array(X, chunks=(2500, 8)), da.from_array(y, chunks=2500),
                      alpha=0.005, client=dask_client)
    assert_same_fit(fit, ref)
    assert passes["gather_pass"] >= 2 and passes["verify_pass"] >= 2


@pytest.mark.parametrize("q", [None, 0.3])
def test_crossing_rows_join(dask_client, monkeypatch, q):
    """A band far too narrow: held rows cross sides at the simplex's fit, join it, and the
    simplex goes on from there to the same answer."""
    monkeypatch.setattr(_dask_lad, "BAND", 0.3)
    run = _dask_lad.Solver.run
    strays = []

    def recording(self, function, *args, **kwargs):
        sums = run(self, function, *args, **kwargs)
        if function is _dask_lad.verify_pass:
            strays.append(sums["n_strays"])
        return sums

    monkeypatch.setattr(_dask_lad.Solver, "run", recording)
    X, y = problem(30000, 6, seed=12)
    fit = distributed(q, da.from_array(X, chunks=(4000, 6)), da.from_array(y, chunks=4000),
                      client=dask_client)
    assert_same_fit(fit, in_memory(q, X, y))
    assert strays[0] > 0 and strays[-1] == 0


def test_stage_sizes():
    """Each stage's band from the one before is MAX_GATHER; all rows' band from the last stage
    at most twice that (a stage of more than half the rows is skipped)."""
    pa = 21
    for n in [10**7, 10**8, 10**9]:
        sizes = _dask_lad.stage_sizes(n, 200_000, pa)
        previous = [200_000] + sizes
        assert all(_dask_lad.band(m, before, pa) <= _dask_lad.MAX_GATHER * (1 + 1e-6)
                   for m, before in zip(sizes, previous))
        assert _dask_lad.band(n, previous[-1], pa) <= 2 * _dask_lad.MAX_GATHER
    assert _dask_lad.stage_sizes(2 * 10**6, 72_000, pa) == []


def test_threshold_from_the_subsample(dask_client, monkeypatch):
    """With enough subsample rows near the fit, their quantile of |r| sets the threshold (no
    histogram pass); the answer is the same."""
    monkeypatch.setattr(_dask_lad, "SAMPLE_BELOW", 20)
    passes = count_passes(monkeypatch)
    X, y = problem(20000, 6, seed=8)
    ref = in_memory(0.75, X, y)
    fit = distributed(0.75, da.from_array(X, chunks=(3000, 6)), da.from_array(y, chunks=3000),
                      client=dask_client)
    assert_same_fit(fit, ref)
    assert "histogram_pass" not in passes and passes["gather_pass"] == 1


def count_passes(monkeypatch):
    """Count the passes of each block function (patched Solver.run)."""
    passes = {}
    run = _dask_lad.Solver.run

    def counting(self, function, *args, **kwargs):
        passes[function.__name__] = passes.get(function.__name__, 0) + 1
        return run(self, function, *args, **kwargs)

    monkeypatch.setattr(_dask_lad.Solver, "run", counting)
    return passes


def test_driver_receives_no_row_vectors(dask_client, monkeypatch):
    """Every pass returns sums of size pa (or pa^2, or a histogram) and a bounded set of rows:
    nothing the size of n."""
    n = 60000
    run = _dask_lad.Solver.run
    sizes = []

    def recording(self, function, *args, **kwargs):
        sums = run(self, function, *args, **kwargs)
        sizes.extend(np.size(value.y if isinstance(value, _dask_lad.Gathered) else value)
                     for value in sums.values())
        return sums

    monkeypatch.setattr(_dask_lad.Solver, "run", recording)
    X, y = problem(n, 6, seed=11)
    fit = _dask_lad.lad(da.from_array(X, chunks=(5000, 6)), da.from_array(y, chunks=5000),
                        client=dask_client)
    assert fit.converged
    assert max(sizes) < n / 5


def test_default_scheduler_and_numpy_input(dask_client):
    """client=None runs on dask's default scheduler (here the session's Client); NumPy input is
    wrapped."""
    X, y = problem(3000, 4, seed=5)
    fit = _dask_lad.quantile(X, y, 0.3)
    assert_same_fit(fit, l1l2.quantile(X, y, 0.3))


def test_docstring_examples(dask_client):
    assert doctest.testmod(_dask_lad).failed == 0


def test_result_contract(dask_client):
    X, y = problem(4000, 5, seed=2)
    fit = _dask_lad.quantile(da.from_array(X, chunks=(1000, 5)), da.from_array(y, chunks=1000),
                             0.7, alpha=0.01, client=dask_client)
    assert isinstance(fit, l1l2.FitResult)
    assert fit.loss == "quantile" and fit.l1_ratio == 1.0 and fit.alpha == 0.01
    assert fit.coef.shape == (5,) and fit.coef.dtype == np.float64 and not fit.coef.flags.writeable
    assert isinstance(fit.intercept, float) and isinstance(fit.n_iter, int) and fit.n_iter > 0
    assert_coef_close(fit.predict(X[:3]), X[:3] @ fit.coef + fit.intercept, 1e-12)


def test_max_iter_is_no_false_certificate(dask_client):
    """Stopped after one pivot: not converged, a ConvergenceWarning, and a gap that says so."""
    X, y = problem(5000, 6, seed=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = _dask_lad.lad(da.from_array(X, chunks=(1000, 6)), da.from_array(y, chunks=1000),
                            max_iter=1, client=dask_client)
    assert not fit.converged
    assert len(convergence_warnings(caught)) == 1
    optimum = l1l2.lad(X, y).objective
    assert fit.objective - fit.dual_gap <= optimum * (1 + 1e-12)


@pytest.mark.parametrize("q", [None, 0.9])
def test_rounds_run_out_is_no_false_certificate(dask_client, monkeypatch, q):
    """One simplex-and-verify round only, on too few rows: rows still cross, so the fit is not
    converged, warns, and its gap still bounds its suboptimality."""
    monkeypatch.setattr(_dask_lad, "MAX_ROUNDS", 1)
    monkeypatch.setattr(_dask_lad, "ROWS_PER_COEF", 1)
    monkeypatch.setattr(_dask_lad, "MIN_ROWS", 100)
    monkeypatch.setattr(_dask_lad, "BAND", 0.01)
    X, y = problem(20000, 8, seed=6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = distributed(q, da.from_array(X, chunks=(2500, 8)), da.from_array(y, chunks=2500),
                          client=dask_client)
    optimum = in_memory(q, X, y).objective
    assert not fit.converged and len(convergence_warnings(caught)) == 1
    assert fit.objective - fit.dual_gap <= optimum * (1 + 1e-12)


# ---------------------------------------------------------------------------------- input errors

def bad_inputs():
    X, y = problem(400, 3, seed=1)
    Xd, yd = da.from_array(X, chunks=(100, 3)), da.from_array(y, chunks=100)
    X_nan = X.copy()
    X_nan[321, 2] = np.nan
    weights = np.ones(400)
    weights[250] = -1.0
    return [
        ("X", {"X": da.from_array(X_nan, chunks=(100, 3)), "y": yd}),
        ("sample_weight", {"X": Xd, "y": yd, "sample_weight": da.from_array(weights, chunks=100)}),
        ("sample_weight", {"X": Xd, "y": yd, "sample_weight": np.zeros(400)}),
        ("y", {"X": Xd, "y": da.from_array(y[:399], chunks=100)}),
        ("alpha", {"X": Xd, "y": yd, "alpha": -0.5}),
        ("penalty_factor", {"X": Xd, "y": yd, "penalty_factor": np.ones(4)}),
        ("tol", {"X": Xd, "y": yd, "tol": -1.0}),
    ]


@pytest.mark.parametrize("index", range(7))
def test_input_errors_name_the_argument(dask_client, index):
    name, arguments = bad_inputs()[index]
    with pytest.raises(ValueError, match=name):
        _dask_lad.lad(client=dask_client, **arguments)


def test_bad_q(dask_client):
    X, y = problem(100, 2)
    with pytest.raises(ValueError, match="q"):
        _dask_lad.quantile(X, y, 1.5, client=dask_client)
    with pytest.raises(TypeError, match="q"):
        _dask_lad.quantile(X, y, "median", client=dask_client)


def test_bad_client():
    X, y = problem(100, 2)
    with pytest.raises(TypeError, match="client"):
        _dask_lad.lad(X, y, client="tcp://127.0.0.1:8786")


# ------------------------------------------------------------------------------ a worker killed

def slow_block(block):
    """X's blocks as they are, each after 0.05 s: a fit long enough to kill a worker in."""
    time.sleep(0.05)
    return block


def test_worker_killed_mid_fit():
    """One of two worker processes killed (SIGKILL) mid-fit: the fit completes with the in-memory
    answer (dask recomputes the lost blocks) or raises; never a wrong answer. Its own cluster:
    the session's stays whole."""
    from distributed import Client, LocalCluster

    X, y = problem(24000, 5, seed=9)
    ref = in_memory(None, X, y)
    outcome = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        Xd = da.from_array(X, chunks=(600, 5)).map_blocks(slow_block, dtype=X.dtype)
        yd = da.from_array(y, chunks=600)

        def fit():
            try:
                outcome["fit"] = _dask_lad.lad(Xd, yd, client=client)
            except Exception as error:      # noqa: BLE001  (any error is acceptable; see below)
                outcome["error"] = error

        thread = threading.Thread(target=fit)
        started = time.perf_counter()
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the fit ended before a worker could be killed"
        os.kill(pids[sorted(pids)[0]], signal.SIGKILL)
        thread.join(timeout=120)
        assert not thread.is_alive()
        assert pids[sorted(pids)[0]] not in client.run(os.getpid).values()
    if "error" in outcome:
        assert str(outcome["error"]) or type(outcome["error"]).__name__
    else:
        assert_same_fit(outcome["fit"], ref)
    assert time.perf_counter() - started > 0.5
