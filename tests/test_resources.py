"""Resources: repeated fits leave memory flat, no public function modifies an input array, and
results survive a pickle round trip through another process."""
import gc
import inspect
import os
import pickle
import subprocess
import sys
import textwrap
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse

import l1l2

from identical import assert_identical

# --------------------------------------------------------------------------------------------
# Memory: 10^4 fits
# --------------------------------------------------------------------------------------------

N_FITS = 10_000      # in all: resident memory is measured over all, traced memory over the last half
N_WARM_UP = 500
TRACED_GROWTH_BOUND = 1 << 20        # bytes: a leak of 200 bytes per traced fit would exceed it
RSS_GROWTH_BOUND = 20 << 20


def small_problem():
    rng = np.random.default_rng(104)
    X = rng.standard_normal((30, 6))
    X[rng.random(X.shape) < 0.5] = 0.0
    y = X @ [1.0, -2.0, 0.0, 0.5, 0.0, 0.0] + 0.1 * rng.standard_normal(30)
    return np.asfortranarray(X), scipy.sparse.csc_matrix(X), y, np.c_[y, -y]


def repeated_fits():
    """One call per fit, cycling over the models on dense and sparse X (10 kinds of fit)."""
    X, Xs, y, Y = small_problem()
    return [
        lambda: l1l2.lasso(X, y, 0.05).predict(X),
        lambda: l1l2.lasso(Xs, Y, 0.05, threads=2),
        lambda: l1l2.elastic_net(Xs, y, 0.05, 0.5).predict(Xs),
        lambda: l1l2.ridge(X, y, 0.1, solver="cholesky"),
        lambda: l1l2.ridge(Xs, y, 0.1, solver="cg"),
        lambda: l1l2.lad(X, y, alpha=0.01),
        lambda: l1l2.quantile(Xs, y, 0.8, alpha=0.01),
        lambda: l1l2.lasso_path(X, y, n_alphas=3),
        lambda: l1l2.fit_many(X, Y, "ridge", alpha=0.1),
        lambda: l1l2.ridge_cv(Xs, y, n_alphas=3),
    ]


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_growth(step, n_steps):
    """(traced bytes gained over the last n_steps // 2 calls of step(i), resident bytes gained over
    all n_steps), after a warm-up. tracemalloc triples the cost of a small fit, hence only half."""
    for i in range(N_WARM_UP):
        step(i)
    gc.collect()
    rss_before = resident_bytes()
    for i in range(n_steps // 2):
        step(i)
    tracemalloc.start()
    try:
        traced_before = tracemalloc.get_traced_memory()[0]
        for i in range(n_steps // 2, n_steps):
            step(i)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - traced_before, resident_bytes() - rss_before
    finally:
        tracemalloc.stop()


def test_the_memory_measure_sees_a_small_leak():
    kept = []
    traced, _ = memory_growth(lambda i: kept.append(np.empty(16)), N_FITS)
    assert traced > TRACED_GROWTH_BOUND      # 5000 arrays of 128 bytes (plus headers) kept


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="resident memory read from /proc")
@pytest.mark.slow
def test_repeated_fits_leave_memory_flat():
    fits = repeated_fits()
    traced, rss = memory_growth(lambda i: fits[i % len(fits)](), N_FITS)
    print(f"\n{N_FITS} fits: traced memory grew {traced / 1024:.1f} KiB over the last {N_FITS // 2}, "
          f"resident memory {rss / 1024:.0f} KiB over all")
    assert traced < TRACED_GROWTH_BOUND
    assert rss < RSS_GROWTH_BOUND


# --------------------------------------------------------------------------------------------
# Inputs are never modified
# --------------------------------------------------------------------------------------------

def unsorted_csc(dense):
    """CSC whose indices run backwards in each column, flagged unsorted."""
    matrix = scipy.sparse.csc_matrix(dense)
    for j in range(matrix.shape[1]):
        span = slice(matrix.indptr[j], matrix.indptr[j + 1])
        matrix.indices[span] = matrix.indices[span][::-1].copy()
        matrix.data[span] = matrix.data[span][::-1].copy()
    matrix.has_sorted_indices = False
    return matrix


def coo_with_duplicates(dense):
    """COO holding each entry as two halves: a non-canonical format that conversion sums."""
    coo = scipy.sparse.coo_matrix(dense)
    rows, cols, values = np.r_[coo.row, coo.row], np.r_[coo.col, coo.col], np.r_[coo.data, coo.data] / 2
    return scipy.sparse.coo_matrix((values, (rows, cols)), shape=dense.shape)


def csc_int64(dense):
    matrix = scipy.sparse.csc_matrix(dense)
    matrix.indices, matrix.indptr = matrix.indices.astype(np.int64), matrix.indptr.astype(np.int64)
    return matrix


X_LAYOUTS = {
    "C": np.ascontiguousarray,
    "F": np.asfortranarray,
    "float32": lambda dense: np.asfortranarray(dense, dtype=np.float32),
    "strided": lambda dense: np.repeat(dense, 2, axis=1)[:, ::2],
    "csr": scipy.sparse.csr_matrix,
    "csc": scipy.sparse.csc_matrix,
    "csc_array": scipy.sparse.csc_array,
    "csc-unsorted": unsorted_csc,
    "csc-int64": csc_int64,
    "coo-duplicates": coo_with_duplicates,
}


def fresh_inputs(layout):
    """Every array a call may take, newly made and writeable; X in the given layout."""
    rng = np.random.default_rng(7)
    n_samples, n_features = 40, 7
    dense = rng.standard_normal((n_samples, n_features))
    dense[rng.random(dense.shape) < 0.4] = 0.0
    y = dense @ rng.standard_normal(n_features) + rng.standard_normal(n_samples)
    return {
        "X": X_LAYOUTS[layout](dense),
        "y": y,
        "Y": np.c_[y, 2 * y + rng.standard_normal(n_samples)],
        "sample_weight": rng.uniform(0.5, 2.0, n_samples),
        "penalty_factor": np.r_[0.0, np.ones(n_features - 1)],
        "coef_init": rng.standard_normal(n_features) * 0.1,
        "coef_init_2d": rng.standard_normal((2, n_features)) * 0.1,
        "alphas": np.array([0.3, 0.1, 0.03]),
        "alpha_per_target": np.array([0.05, 0.2]),
        "folds": [(np.arange(n_samples)[::2], np.arange(n_samples)[1::2]),
                  (np.arange(n_samples)[1::2], np.arange(n_samples)[::2])],
    }


@dataclass(frozen=True)
class Arg:
    """An argument taken from fresh_inputs by name."""
    name: str


def case(**arguments):
    return arguments


X, y, Y, W, F = Arg("X"), Arg("y"), Arg("Y"), Arg("sample_weight"), Arg("penalty_factor")
# public function -> calls, as keyword arguments; together they pass every array argument it takes
CASES = {
    "lasso": [case(X=X, y=y, alpha=0.05, sample_weight=W, penalty_factor=F, coef_init=Arg("coef_init")),
              case(X=X, y=Y, alpha=0.05, coef_init=Arg("coef_init_2d"), threads=2)],
    "elastic_net": [case(X=X, y=y, alpha=0.05, l1_ratio=0.5, sample_weight=W, penalty_factor=F,
                         coef_init=Arg("coef_init"), precompute=True),
                    case(X=X, y=Y, alpha=0.05, coef_init=Arg("coef_init_2d"))],
    "ridge": [case(X=X, y=y, alpha=0.1, solver=solver, sample_weight=W, penalty_factor=F)
              for solver in ("auto", "cholesky", "svd", "cg")]
             + [case(X=X, y=Y, alpha=0.1, solver="cd", coef_init=Arg("coef_init_2d"), sample_weight=W),
                case(X=X, y=y, alpha=0.1, solver="cd", coef_init=Arg("coef_init"))],
    "lad": [case(X=X, y=y, alpha=0.01, sample_weight=W, penalty_factor=F, coef_init=Arg("coef_init")),
            case(X=X, y=Y, coef_init=Arg("coef_init_2d"))],
    "quantile": [case(X=X, y=y, q=0.3, alpha=0.01, sample_weight=W, penalty_factor=F,
                      coef_init=Arg("coef_init")),
                 case(X=X, y=Y, q=0.7, threads=2)],
    "lasso_path": [case(X=X, y=y, sample_weight=W, penalty_factor=F, n_alphas=4),
                   case(X=X, y=y, alphas=Arg("alphas"))],
    "enet_path": [case(X=X, y=y, l1_ratio=0.5, sample_weight=W, penalty_factor=F, alphas=Arg("alphas"))],
    "ridge_path": [case(X=X, y=y, sample_weight=W, penalty_factor=F, alphas=Arg("alphas"))],
    "lad_path": [case(X=X, y=y, sample_weight=W, penalty_factor=F, alphas=Arg("alphas"))],
    "quantile_path": [case(X=X, y=y, q=0.2, sample_weight=W, penalty_factor=F, n_alphas=3),
                      case(X=X, y=y, q=0.6, alphas=Arg("alphas"))],
    "lasso_cv": [case(X=X, y=y, cv=Arg("folds"), sample_weight=W, penalty_factor=F, alphas=Arg("alphas")),
                 case(X=X, y=y, cv=3, n_alphas=4, threads=2)],
    "enet_cv": [case(X=X, y=y, cv=Arg("folds"), l1_ratio=0.5, sample_weight=W, penalty_factor=F,
                     alphas=Arg("alphas"))],
    "ridge_cv": [case(X=X, y=y, sample_weight=W, penalty_factor=F, alphas=Arg("alphas")),
                 case(X=X, y=y, cv=Arg("folds"), alphas=Arg("alphas")),
                 case(X=X, y=y, cv="gcv", sample_weight=W)],
    "fit_many": [case(X=X, Y=Y, model="lasso", alpha=Arg("alpha_per_target"), sample_weight=W,
                      penalty_factor=F),
                 case(X=X, Y=Y, model="ridge", alphas=Arg("alphas"), sample_weight=W),
                 case(X=X, Y=Y, model="lad", alpha=0.01, threads=2)],
}


def public_functions():
    return {name: getattr(l1l2, name) for name in l1l2.__all__ if inspect.isfunction(getattr(l1l2, name))}


def array_parameters(function):
    """The parameters whose annotation admits an array (X, y, weights, alphas, folds, ...)."""
    return {name for name, parameter in inspect.signature(function).parameters.items()
            if "ArrayLike" in str(parameter.annotation) or "SupportsArray" in str(parameter.annotation)}


def test_every_public_function_has_cases_passing_every_array_argument():
    assert CASES.keys() == public_functions().keys()
    for name, function in public_functions().items():
        passed = {key for arguments in CASES[name] for key, value in arguments.items()
                  if isinstance(value, Arg)}
        assert array_parameters(function) <= passed, name


def state_of(value):
    """Everything about an input that a call could change: bytes, dtype, shape, strides of each
    array, and a sparse matrix's format and flags."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.strides, value.flags.writeable,
                value.flags.c_contiguous, value.flags.f_contiguous, value.tobytes())
    if scipy.sparse.issparse(value):
        parts = ("row", "col") if value.format == "coo" else ("indices", "indptr")
        flags = (value.has_canonical_format,) if value.format == "coo" else (value.has_sorted_indices,)
        return ("sparse", type(value), value.format, value.shape, flags,
                state_of(value.data), *(state_of(getattr(value, part)) for part in parts))
    if isinstance(value, (list, tuple)):
        return tuple(state_of(item) for item in value)
    return value


def call_with(function, arguments, inputs):
    return function(**{key: inputs[value.name] if isinstance(value, Arg) else value
                       for key, value in arguments.items()})


def assert_unchanged(inputs, states, what):
    for name, value in inputs.items():
        assert state_of(value) == states[name], f"{what} changed {name}"


@pytest.mark.parametrize("layout", X_LAYOUTS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_public_functions_never_modify_their_inputs(name, layout):
    function = public_functions()[name]
    for arguments in CASES[name]:
        inputs = fresh_inputs(layout)
        states = {key: state_of(value) for key, value in inputs.items()}
        result = call_with(function, arguments, inputs)
        assert_unchanged(inputs, states, f"{name}({sorted(arguments)})")
        predictable = result if isinstance(result, list) else [getattr(result, "best", result)]
        for fitted in predictable:
            fitted.predict(inputs["X"])
            assert_unchanged(inputs, states, f"{type(fitted).__name__}.predict after {name}")


# Public methods of the result classes that take no data array
NO_ARRAY_METHODS = {"from_targets", "from_fits", "from_errors", "plot", "count", "index"}


def test_every_public_result_method_taking_arrays_is_covered():
    """predict is the only one, covered above for FitResult, FitResults, PathResult."""
    for name in l1l2.__all__:
        cls = getattr(l1l2, name)
        if inspect.isclass(cls) and not issubclass(cls, Warning):
            methods = {m for m, _ in inspect.getmembers(cls, callable) if not m.startswith("_")}
            assert methods - NO_ARRAY_METHODS <= {"predict"}, name
    covered = {type(call_with(public_functions()[name], CASES[name][0], fresh_inputs("F")))
               for name in ("lasso", "lasso_path", "fit_many")}
    assert covered == {l1l2.FitResult, l1l2.PathResult, l1l2.FitResults}


@pytest.mark.parametrize("layout", ["C", "F", "float32", "csr", "csc-unsorted", "coo-duplicates"])
def test_estimators_never_modify_their_inputs(layout):
    estimators = pytest.importorskip("l1l2.sklearn")
    for name in estimators.__all__:
        estimator = getattr(estimators, name)()
        inputs = fresh_inputs(layout)
        states = {key: state_of(value) for key, value in inputs.items()}
        estimator.fit(inputs["X"], inputs["y"], sample_weight=inputs["sample_weight"])
        estimator.predict(inputs["X"])
        estimator.score(inputs["X"], inputs["y"], sample_weight=inputs["sample_weight"])
        assert_unchanged(inputs, states, name)


def test_state_of_sees_a_changed_byte_and_a_sorted_index():
    inputs = fresh_inputs("csc-unsorted")
    states = {key: state_of(value) for key, value in inputs.items()}
    inputs["X"].sort_indices()
    inputs["folds"][1][0][3] += 1
    changed = {key for key, value in inputs.items() if state_of(value) != states[key]}
    assert changed == {"X", "folds"}


# --------------------------------------------------------------------------------------------
# Pickling across processes
# --------------------------------------------------------------------------------------------

def fitted_objects(X, y, Y):
    """One fitted object of every kind: each result class (from several models) and each estimator."""
    objects = {
        "FitResult-lasso": l1l2.lasso(X, y, 0.05),
        "FitResult-enet-2d": l1l2.elastic_net(X, Y, 0.05, 0.5),
        "FitResult-ridge": l1l2.ridge(X, y, 0.1),
        "FitResult-lad": l1l2.lad(X, y, alpha=0.01),
        "FitResult-quantile-2d": l1l2.quantile(X, Y, 0.7),
        "FitResults": l1l2.fit_many(X, Y, "lasso", alpha=0.05),
        "PathResult-lasso": l1l2.lasso_path(X, y, n_alphas=5),
        "PathResult-ridge": l1l2.ridge_path(X, y, n_alphas=5),
        "PathResult-quantile": l1l2.quantile_path(X, y, 0.3, n_alphas=3),
        "CVResult-lasso": l1l2.lasso_cv(X, y, cv=3, n_alphas=5),
        "CVResult-ridge": l1l2.ridge_cv(X, y, n_alphas=5),
        "paths-of-fit_many": l1l2.fit_many(X, Y, "lad", alphas=[0.1, 0.01]),
    }
    try:
        from l1l2 import sklearn as estimators
    except ImportError:
        return objects
    for name in estimators.__all__:
        objects[f"sklearn-{name}"] = getattr(estimators, name)().fit(X, y)
    return objects


def predictions(fitted, X):
    if isinstance(fitted, list):
        return [path.predict(X) for path in fitted]
    if isinstance(fitted, l1l2.CVResult):
        return [fitted.best.predict(X), fitted.path.predict(X)]
    return fitted.predict(X)


def fields(fitted):
    """What must survive the round trip: a result itself (assert_identical reads its fields), an
    estimator's parameters and fitted attributes."""
    if hasattr(fitted, "get_params"):
        return fitted.get_params(), {k: v for k, v in vars(fitted).items() if k.endswith("_")}
    return fitted


# The child: unpickle what the parent sent, predict, and send back predictions, fields and
# the objects pickled again, by its own pickler.
CHILD = textwrap.dedent("""
    import pickle, sys
    sys.path.insert(0, sys.argv[1])
    import test_resources
    objects, X = pickle.load(sys.stdin.buffer)
    answer = {name: (test_resources.predictions(fitted, X), test_resources.fields(fitted),
                     pickle.dumps(fitted)) for name, fitted in objects.items()}
    pickle.dump(answer, sys.stdout.buffer)
""")


@pytest.mark.slow
def test_results_pickle_and_unpickle_across_processes():
    X, Xs, y, Y = small_problem()
    objects = fitted_objects(X, y, Y)
    child = subprocess.run([sys.executable, "-c", CHILD, str(Path(__file__).parent)],
                           input=pickle.dumps((objects, X)), capture_output=True, check=False)
    assert child.returncode == 0, child.stderr.decode()
    answer = pickle.loads(child.stdout)
    assert answer.keys() == objects.keys()
    for name, fitted in objects.items():
        child_predictions, child_fields, pickled_by_child = answer[name]
        assert_identical(child_predictions, predictions(fitted, X), f"{name}: predictions in the child")
        assert_identical(child_fields, fields(fitted), f"{name}: fields in the child")
        back = pickle.loads(pickled_by_child)
        assert_identical(fields(back), fields(fitted), f"{name}: pickled by the child")
        assert_identical(predictions(back, Xs), predictions(fitted, Xs), f"{name}: predictions after")
