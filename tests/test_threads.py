"""Threads: fits running concurrently in Python threads on one shared read-only X give exactly the
results of the same calls run one after another, and leave process-wide state (BLAS thread limits,
warning filters, the package's module namespaces) as they found it.

Results are compared bit for bit, not within a tolerance: a fit's floats depend only on its own
arguments (the README promises bit-identical results whatever `threads` is), so any difference
would mean that concurrent calls share something they should not.
"""
import importlib
import sys
import sysconfig
import threading
import types
import warnings

import numpy as np
import pytest
import scipy.sparse

import l1l2
from l1l2._parallel import single_threaded_blas

from identical import assert_identical

threadpoolctl = pytest.importorskip("threadpoolctl")

N_THREADS = 8
ROUNDS = 3


def frozen(array):
    array.flags.writeable = False
    return array


def frozen_csc(matrix):
    """A CSC matrix none of whose arrays can be written."""
    for array in (matrix.data, matrix.indices, matrix.indptr):
        frozen(array)
    return matrix


def make_problem():
    """Small data (the threads must overlap, not the fits be long); a dense X with an exact
    duplicate column and a sparse X with an empty one, so ties and zero columns are exercised."""
    rng = np.random.default_rng(94)
    n_samples, n_features = 50, 12
    X = rng.standard_normal((n_samples, n_features))
    X[:, 5] = X[:, 4]
    coef = np.r_[2.0, -1.5, 1.0, 0.5, np.zeros(n_features - 4)]
    y = X @ coef + 0.5 * rng.standard_normal(n_samples) + 1.0
    Y = np.c_[y, -y + rng.standard_normal(n_samples), rng.standard_normal(n_samples)]
    sparse = scipy.sparse.random(n_samples, n_features, density=0.4, format="csc", random_state=rng)
    sparse = sparse.tolil()
    sparse[:, 7] = 0
    sparse = sparse.tocsc()
    sparse.sort_indices()
    return {
        "dense": frozen(np.asfortranarray(X)),
        "sparse": frozen_csc(sparse),
        "y": frozen(y),
        "Y": frozen(Y),
        "weights": frozen(rng.uniform(0.5, 2.0, n_samples)),
        "factors": frozen(np.r_[0.0, np.ones(n_features - 1)]),
        "folds": [(frozen(np.arange(n_samples)[n_samples // 3:]), frozen(np.arange(n_samples // 3))),
                  (frozen(np.arange(n_samples // 2)), frozen(np.arange(n_samples // 2, n_samples)))],
    }


PROBLEM = make_problem()


def with_predictions(result, X):
    return result, predictions(result, X)


def predictions(result, X):
    if isinstance(result, list):                # fit_many's paths
        return [path.predict(X) for path in result]
    if isinstance(result, l1l2.CVResult):
        return result.best.predict(X), result.path.predict(X)
    return result.predict(X)


def threaded_calls(t):
    """name -> call(X, data) for the functions that take threads, with threads=t."""
    return {
        f"lasso-t{t}": lambda X, d: l1l2.lasso(X, d["Y"], 0.05, threads=t),
        f"enet-t{t}": lambda X, d: l1l2.elastic_net(X, d["Y"], 0.05, 0.5, sample_weight=d["weights"],
                                                    threads=t),
        f"ridge-cd-t{t}": lambda X, d: l1l2.ridge(X, d["Y"], 0.3, solver="cd", threads=t),
        f"lad-t{t}": lambda X, d: l1l2.lad(X, d["Y"], alpha=0.01, threads=t),
        f"quantile-t{t}": lambda X, d: l1l2.quantile(X, d["Y"], 0.8, alpha=0.01, threads=t),
        f"lasso_cv-t{t}": lambda X, d: l1l2.lasso_cv(X, d["y"], cv=3, n_alphas=8, threads=t),
        f"enet_cv-t{t}": lambda X, d: l1l2.enet_cv(X, d["y"], l1_ratio=0.7, cv=d["folds"], n_alphas=8,
                                                   threads=t),
        f"ridge_cv-t{t}": lambda X, d: l1l2.ridge_cv(X, d["y"], cv=3, n_alphas=8, threads=t),
        f"fit_many-lasso-t{t}": lambda X, d: l1l2.fit_many(X, d["Y"], "lasso", alpha=0.05, threads=t),
        f"fit_many-lad-t{t}": lambda X, d: l1l2.fit_many(X, d["Y"], "lad", alpha=0.02, threads=t),
        f"fit_many-enet-paths-t{t}": lambda X, d: l1l2.fit_many(X, d["Y"], "elastic_net", path=True,
                                                                l1_ratio=0.5, n_alphas=6, threads=t),
    }


def functional_calls():
    """name -> call(X, data): every public fitting function, with threads=1 and 2 where it takes
    threads, and the ridge solvers; each returns its result and that result's predictions."""
    calls = threaded_calls(1) | threaded_calls(2)
    for solver in ("auto", "cholesky", "svd", "cg"):
        calls[f"ridge-{solver}"] = lambda X, d, s=solver: l1l2.ridge(X, d["Y"], 0.3, solver=s)
    calls |= {
        "lasso_path": lambda X, d: l1l2.lasso_path(X, d["y"], n_alphas=10),
        "enet_path": lambda X, d: l1l2.enet_path(X, d["y"], 0.5, n_alphas=10, penalty_factor=d["factors"]),
        "ridge_path": lambda X, d: l1l2.ridge_path(X, d["y"], n_alphas=10),
        "lad_path": lambda X, d: l1l2.lad_path(X, d["y"], n_alphas=5),
        "quantile_path": lambda X, d: l1l2.quantile_path(X, d["y"], 0.3, n_alphas=5),
        "ridge_cv-loo": lambda X, d: l1l2.ridge_cv(X, d["y"], n_alphas=8),
    }
    return {name: (lambda X, d, call=call: with_predictions(call(X, d), X)) for name, call in calls.items()}


def sklearn_calls():
    """name -> call(X, data): each l1l2.sklearn estimator fitted, with its predictions."""
    try:
        from l1l2 import sklearn as estimators
    except ImportError:
        return {}
    models = {
        "Lasso": lambda: estimators.Lasso(alpha=0.05),
        "ElasticNet": lambda: estimators.ElasticNet(alpha=0.05, l1_ratio=0.3),
        "Ridge": lambda: estimators.Ridge(alpha=2.0),
        "LassoCV": lambda: estimators.LassoCV(cv=3, alphas=8, n_jobs=2),
        "ElasticNetCV": lambda: estimators.ElasticNetCV(cv=3, alphas=8, n_jobs=1),
        "RidgeCV": lambda: estimators.RidgeCV(alphas=(0.1, 1.0, 10.0)),
        "QuantileRegressor": lambda: estimators.QuantileRegressor(quantile=0.7, alpha=0.01),
        "LADRegressor": lambda: estimators.LADRegressor(alpha=0.01),
    }

    def fit(model, X, d):
        estimator = model().fit(X, d["y"])
        return fitted_attributes(estimator), estimator.predict(X)

    return {f"sklearn-{name}": (lambda X, d, model=model: fit(model, X, d))
            for name, model in models.items()}


def fitted_attributes(estimator):
    return {name: value for name, value in vars(estimator).items() if name.endswith("_")}


CALLS = functional_calls() | sklearn_calls()
TASKS = [(name, layout) for name in CALLS for layout in ("dense", "sparse")]


def run_task(task):
    name, layout = task
    return CALLS[name](PROBLEM[layout], PROBLEM)


def run_concurrently(task_lists):
    """Run each list of tasks in its own thread, all released together; {task: [results]}."""
    start = threading.Barrier(len(task_lists))
    results, errors = {}, []

    def worker(tasks):
        try:
            start.wait()
            for task in tasks:
                result = run_task(task)
                results.setdefault(task, []).append(result)   # dict.setdefault is atomic
        except BaseException as error:      # re-raised in the main thread below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(tasks,)) for tasks in task_lists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def mixes(round_index):
    """N_THREADS different lists of tasks covering every task: a shuffle per round, dealt round-robin."""
    order = np.random.default_rng(round_index).permutation(len(TASKS))
    return [[TASKS[i] for i in order[t::N_THREADS]] for t in range(N_THREADS)]


@pytest.fixture(scope="module")
def sequential():
    """Every task's results, run one after another in this thread (also the warm-up: every lazy
    import and first-use object exists before the namespace snapshots below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # the problems converge: a warning would be a failure
        return {task: run_task(task) for task in TASKS}


def blas_threads():
    return [(info["filepath"], info["num_threads"]) for info in threadpoolctl.threadpool_info()
            if info["user_api"] == "blas"]


# Taken at collection, before any test fits: a test comparing with its own starting point would
# miss a setting an earlier test left stuck.
BLAS_AT_START = blas_threads()


def skip_unless_blas_is_threaded():
    if not any(n_threads > 1 for _, n_threads in BLAS_AT_START):
        pytest.skip("BLAS runs one thread: a limit to one thread cannot be observed")


@pytest.mark.skipif(not sysconfig.get_config_var("Py_GIL_DISABLED"), reason="free-threaded CPython only")
def test_importing_the_kernels_keeps_the_gil_disabled():
    """The extension modules declare themselves free-threading compatible (Cython's
    freethreading_compatible directive); otherwise importing them turns the GIL back on."""
    for name in ("l1l2._kernels._cd", "l1l2._kernels._irls"):
        importlib.import_module(name)
    assert not sys._is_gil_enabled()


def test_every_task_is_covered_by_a_mix():
    assert sorted(task for mix in mixes(0) for task in mix) == sorted(TASKS)
    assert len({tuple(mix) for mix in mixes(0)}) == N_THREADS


@pytest.mark.slow
def test_concurrent_fits_equal_sequential_fits(sequential):
    for round_index in range(ROUNDS):
        concurrent = run_concurrently(mixes(round_index))
        assert concurrent.keys() == sequential.keys()
        for task, (result,) in concurrent.items():
            assert_identical(result, sequential[task], f"round {round_index}: {task}")
        assert blas_threads() == BLAS_AT_START, f"round {round_index}"


@pytest.mark.slow
def test_the_same_call_in_every_thread_at_once(sequential):
    """All eight threads in the same code at the same time, for a threaded call of each model."""
    for name in ("lasso-t2", "lad-t2", "ridge_cv-t2", "fit_many-enet-paths-t2", "sklearn-LassoCV"):
        if name not in CALLS:
            continue
        task = (name, "dense")
        concurrent = run_concurrently([[task]] * N_THREADS)
        assert len(concurrent[task]) == N_THREADS
        for result in concurrent[task]:
            assert_identical(result, sequential[task], name)


def test_overlapping_blas_limits_restore_the_setting_when_the_last_leaves():
    """Two threads' limits interleaved: A enters, B enters, A leaves, B leaves. BLAS must stay at
    one thread while B is inside and be restored after B leaves (separate save-and-restore limits
    left it at one thread for good)."""
    skip_unless_blas_is_threaded()
    assert blas_threads() == BLAS_AT_START
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    seen_by_b = []     # BLAS threads seen inside B's limit after A has left its own

    def thread_a():
        with single_threaded_blas():
            a_inside.set()
            b_inside.wait()
        a_left.set()

    def thread_b():
        a_inside.wait()
        with single_threaded_blas():
            b_inside.set()
            a_left.wait()
            seen_by_b.extend(blas_threads())

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen_by_b and all(n_threads == 1 for _, n_threads in seen_by_b)
    assert blas_threads() == BLAS_AT_START


@pytest.mark.slow
def test_concurrent_threaded_fits_restore_blas_threads(sequential):
    """Many calls that hold BLAS to one thread (threads=2), overlapping in time."""
    skip_unless_blas_is_threaded()
    threaded = [task for task in TASKS if "-t2" in task[0] or task[0] == "sklearn-LassoCV"]
    for round_index in range(ROUNDS):
        order = np.random.default_rng(round_index).permutation(len(threaded))
        run_concurrently([[threaded[i] for i in order[t::N_THREADS]] for t in range(N_THREADS)])
        assert blas_threads() == BLAS_AT_START, f"round {round_index}"


def test_a_fitting_estimator_leaves_the_process_warning_state_alone():
    """While an estimator fits in one thread, another thread sees the same warning filters and
    display hook. (Recording l1l2's warnings with warnings.catch_warnings swapped both
    process-wide: concurrent fits restored each other's copies, leaving an "always" filter behind,
    and other threads' warnings went to the fitting thread's record.)"""
    estimators = pytest.importorskip("l1l2.sklearn")
    show, filters = warnings.showwarning, list(warnings.filters)
    inside, release = threading.Event(), threading.Event()
    fitting = threading.Thread(target=estimators._call, args=(lambda: inside.set() or release.wait(),))
    fitting.start()
    try:
        inside.wait()
        seen = warnings.showwarning, list(warnings.filters)
    finally:
        release.set()
        fitting.join()
    assert seen[0] is show
    assert seen[1] == filters


def test_estimators_issue_scikit_learns_convergence_warning_at_the_callers_line():
    estimators = pytest.importorskip("l1l2.sklearn")
    from sklearn.exceptions import ConvergenceWarning
    X, y = PROBLEM["dense"], PROBLEM["y"]
    with pytest.warns(ConvergenceWarning, match="did not converge") as caught:
        estimators.LassoCV(cv=3, alphas=4, max_iter=1, tol=1e-14).fit(X, y)
    assert [warning.filename for warning in caught] == [__file__]
    with pytest.warns(l1l2.ConvergenceWarning) as caught:
        l1l2.lasso(X, y, 1e-4, max_iter=1, tol=1e-14)
    assert [warning.filename for warning in caught] == [__file__]


def package_modules():
    return {name: module for name, module in sys.modules.items()
            if name == "l1l2" or name.startswith("l1l2.")}


def namespace_snapshot():
    """Per l1l2 module: each global's id, plus the contents of containers, the state of l1l2's own
    objects, and the size of functools caches: whatever a fit could change at module level."""
    snapshot = {}
    for module_name, module in package_modules().items():
        for name, value in vars(module).items():
            snapshot[module_name, name] = (id(value), contents(value))
    return snapshot


def contents(value):
    if isinstance(value, (dict, list, set, bytearray)):
        return repr(value)
    if hasattr(value, "cache_info"):
        return value.cache_info().currsize
    if (not isinstance(value, (type, types.ModuleType, types.FunctionType))
            and type(value).__module__.startswith("l1l2") and hasattr(value, "__dict__")):
        return repr(vars(value))
    return None


@pytest.mark.slow
def test_fits_leave_every_module_namespace_unchanged(sequential):
    before = namespace_snapshot()
    run_concurrently(mixes(ROUNDS))
    for task in TASKS[::3]:
        run_task(task)
    after = namespace_snapshot()
    assert after.keys() == before.keys()
    changed = [key for key in before if after[key] != before[key]]
    assert not changed


def test_namespace_snapshot_sees_a_replaced_global_and_a_changed_container(monkeypatch):
    import l1l2._batch
    import l1l2._ridge
    before = namespace_snapshot()
    monkeypatch.setattr(l1l2._ridge, "CG_TOL", dict(l1l2._ridge.CG_TOL))
    monkeypatch.setitem(l1l2._batch.MODELS, "extra", None)
    after = namespace_snapshot()
    assert {key for key in before if after[key] != before[key]} == {("l1l2._ridge", "CG_TOL"),
                                                                    ("l1l2._batch", "MODELS")}
