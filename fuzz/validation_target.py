"""Fuzz target: the public API's argument validation (src/l1l2/_validation.py).

The bytes choose a public function and every argument: X and y of a few samples and features in any
dtype (float, int, bool, complex, object, str), layout (C, F, strided, read-only, nested lists) or
scipy.sparse format (canonical, unsorted, duplicated, int64 indices, or index arrays broken by hand),
holding NaN, infinity, huge or tiny values; weights, penalty factors, alphas, l1_ratio, q, tol,
max_iter, flags, solvers, cv splits and threads, each a valid value, a boundary value or a wrong
type. Problems stay tiny and max_iter small: this is about validation, not solving.

The property (check_call): every call either returns a result whose coefficients, intercepts and
alphas are finite, leaving the caller's arrays unchanged, or raises ValueError / TypeError whose
message names an argument. Anything else raises Finding (atheris reports it as a crash).
"""
import re
import traceback
import warnings

import numpy as np
import scipy.sparse

import l1l2
from byte_reader import ByteReader

MAX_SAMPLES, MAX_FEATURES = 6, 4
ARGUMENT_NAMES = ("X", "y", "Y", "alpha", "alphas", "l1_ratio", "q", "tol", "max_iter", "sample_weight",
                  "penalty_factor", "coef_init", "fit_intercept", "positive", "precompute", "threads",
                  "cv", "random_state", "n_alphas", "alpha_min_ratio", "solver", "verbose", "model",
                  "path", "options")
NAMES_ARGUMENT = re.compile(r"(?<![A-Za-z_])(" + "|".join(ARGUMENT_NAMES) + r")(?![A-Za-z_])")

DTYPES = ("float64", "float32", "int64", "int8", "uint8", "bool", "float16", "longdouble",
          "complex128", "object", "object_str", "str", "list", "object_mixed", "sparse")
SPARSE_FORMATS = ("csc", "csr", "coo", "lil", "dok")
SPARSE_DAMAGE = ("none", "int64", "unsorted", "duplicates", "explicit_zero", "mixed_index_dtypes",
                 "indptr_short", "indptr_decreasing", "index_negative", "index_too_large",
                 "data_short", "strided_data")

FLAGS = (True, False, np.bool_(True), 0, 1, None, "yes")
INTS = (1, 2, 3, 0, -1, True, 2.0, np.int64(2), "3", None, 2**31, 2**63)
TOLS = (1e-4, 0.0, 1e-12, -1.0, np.nan, np.inf, True, "1e-3", None, 1e308, np.float32(1e-3))
RATIOS = (0.5, 0.0, 1.0, 1e-300, -0.1, 1.1, np.nan, np.inf, True, "0.5", None, np.float32(0.3),
          1 - 1e-16)
QUANTILES = (0.5, 0.1, 0.9, 0.0, 1.0, 1e-300, 1 - 1e-16, np.nan, -np.inf, True, "0.5", None,
             np.float64(0.25))
PRECOMPUTE = ("auto", True, False, np.bool_(False), "yes", 1, None)
THREADS = (1, 1, 1, None, -1, 2, 0, -2, True, 1.5, "2")
SOLVERS = ("auto", "cholesky", "svd", "cg", "cd", "lsqr", None, 1)
MODELS = ("lasso", "elastic_net", "ridge", "lad", "quantile", "enet", None)
RANDOM_STATES = (0, 1, None, 1.5, "0", np.int64(3))
ALPHA_MIN_RATIOS = (None, 0.01, 0.5, 0.0, 1.0, -1.0, np.nan, True, 1e-300)


class Finding(AssertionError):
    """A violation of the property: what the call did and why it is wrong."""


# ------------------------------------------------------------------------------------------ arrays

def dense_values(reader, shape):
    return np.array(reader.floats(int(np.prod(shape))), dtype=np.float64).reshape(shape)


def cast(values, dtype):
    """values (float64) as the array-like input of `dtype`; 'list' gives nested Python lists."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dtype == "object":
            return values.astype(object)
        if dtype == "object_str":
            return np.array([str(v) for v in values.ravel()], dtype=object).reshape(values.shape)
        if dtype == "str":
            return values.astype(str)
        if dtype == "list":
            return values.tolist()
        if dtype == "object_mixed":      # numbers with one entry that is none: "abc", None, a list
            mixed = values.astype(object).ravel()
            if mixed.size:
                mixed[0] = ("abc", None, [1.0], 1j)[int(abs(np.nan_to_num(mixed[-1]))) % 4]
            return mixed.reshape(values.shape)
        if dtype == "sparse":            # a vector or y given as a sparse matrix
            return scipy.sparse.csr_matrix(np.nan_to_num(values).reshape(values.shape[0], -1)) \
                if values.ndim in (1, 2) else values
        return values.astype(dtype)


def lay_out(reader, array):
    """The same values in a C, Fortran, strided or read-only array."""
    if not isinstance(array, np.ndarray) or array.ndim == 0:
        return array
    layout = reader.pick(("C", "C", "F", "strided", "read_only"))
    if layout == "F":
        return np.asfortranarray(array)
    if layout == "strided":
        wide = np.repeat(array, 2, axis=-1) if array.size else array
        return wide[..., ::2]
    if layout == "read_only":
        array = array.copy()
        array.flags.writeable = False
    return array


def array_like(reader, shape):
    """A dense array-like of `shape` (or a nearby wrong shape) in a fuzzed dtype and layout."""
    if reader.coin(10):
        shape = reader.pick(((), (0,), shape[:1], shape + (1,), (shape[0] + 1,) + shape[1:],
                             (max(shape[0] - 1, 0),) + shape[1:], (2, 2, 2), shape[:1] + (0,)))
    values = dense_values(reader, shape)
    return lay_out(reader, cast(values, reader.pick(DTYPES)))


def sparse_X(reader, n_samples, n_features):
    """A scipy.sparse X in some format, possibly non-canonical or broken by hand."""
    values = dense_values(reader, (n_samples, n_features))
    if reader.coin(50):
        values[np.abs(values) < 2] = 0.0                     # sparser: small entries dropped
    kind = reader.pick(("matrix", "array"))
    fmt = reader.pick(SPARSE_FORMATS)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dtype = reader.pick(("float64", "float32", "int64", "bool", "complex128", "float16"))
        X = getattr(scipy.sparse, f"{fmt}_{kind}")(values.astype(dtype))
    if fmt in ("csc", "csr"):
        damage(reader, X)
    return X


def damage(reader, X):
    """Break or de-canonicalise the compressed arrays of X in place, as hand-built matrices are."""
    what = reader.pick(SPARSE_DAMAGE)
    nnz = X.indices.size
    if what == "int64":
        X.indices, X.indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)
    elif what == "mixed_index_dtypes":
        X.indices = X.indices.astype(np.int64)
    elif what == "unsorted" and nnz > 1:
        X.indices, X.data = X.indices[::-1].copy(), X.data[::-1].copy()
    elif what == "duplicates" and nnz > 1:
        X.indices = np.zeros_like(X.indices)
    elif what == "explicit_zero" and nnz:
        X.data = X.data.copy()
        X.data[0] = 0
    elif what == "indptr_short":
        X.indptr = X.indptr[:-1].copy()
    elif what == "indptr_decreasing" and X.indptr.size > 2:
        X.indptr = X.indptr.copy()
        X.indptr[1] = X.indptr[-1] + 1
    elif what == "index_negative" and nnz:
        X.indices = X.indices.copy()
        X.indices[0] = -1
    elif what == "index_too_large" and nnz:
        X.indices = X.indices.copy()
        X.indices[-1] = max(X.shape) + 5
    elif what == "data_short" and nnz:
        X.data = X.data[:-1].copy()
    elif what == "strided_data" and nnz:
        X.data = np.repeat(X.data, 2)[::2]


def vector(reader, length):
    """None (the default) or a vector of about `length` entries."""
    if reader.coin(50):
        return None
    return array_like(reader, (length,))


def scalar(reader, options):
    """One of `options` (valid, boundary and wrong-typed values), or any float."""
    return reader.float() if reader.coin(20) else reader.pick(options)


# ------------------------------------------------------------------------------------------- calls

def common_options(reader, n_samples, n_features, iterative=True):
    """The keyword arguments most public functions share, each present or left at its default."""
    options = {}
    if reader.coin(30):
        options["fit_intercept"] = reader.pick(FLAGS)
    if reader.coin(40):
        options["sample_weight"] = vector(reader, n_samples)
    if reader.coin(40):
        options["penalty_factor"] = vector(reader, n_features)
    if iterative:
        options["max_iter"] = reader.pick(INTS) if reader.coin(15) else reader.int_in(1, 20)
        options["tol"] = scalar(reader, TOLS) if reader.coin(30) else 1e-4
    return options


def one_fit_call(reader, name, n_samples, n_features, n_targets):
    options = common_options(reader, n_samples, n_features)
    options["threads"] = reader.pick(THREADS)
    coef_shape = (n_features,) if n_targets is None else (n_targets, n_features)
    if reader.coin(20):
        options["coef_init"] = array_like(reader, coef_shape)
    args = ()
    if name in ("lasso", "elastic_net", "ridge"):
        args = (scalar(reader, (0.1, 0.0, 1.0, -1.0, np.nan, np.inf, True, "1", None, 1e308)),)
        if name == "elastic_net":
            args += (scalar(reader, RATIOS),)
        if name != "ridge" and reader.coin(20):
            options["positive"] = reader.pick(FLAGS)
        if reader.coin(20):
            options["precompute"] = reader.pick(PRECOMPUTE)
        if name == "ridge" and reader.coin(50):
            options["solver"] = reader.pick(SOLVERS)
    else:
        options["alpha"] = scalar(reader, (0.0, 0.1, 1.0, -1.0, np.nan, np.inf, True, None, 1e308))
        if name == "quantile":
            args = (scalar(reader, QUANTILES),)
    return args, options


def path_call(reader, name, n_samples, n_features):
    options = common_options(reader, n_samples, n_features, iterative=name != "ridge_path")
    options["n_alphas"] = reader.pick(INTS) if reader.coin(15) else reader.int_in(1, 4)
    if reader.coin(30):
        options["alphas"] = vector(reader, reader.int_in(0, 4))
    if reader.coin(20):
        options["alpha_min_ratio"] = reader.pick(ALPHA_MIN_RATIOS)
    if name != "ridge_path" and reader.coin(15):
        options["verbose"] = reader.pick((False, True, 0, None))
    if name in ("lasso_path", "enet_path") and reader.coin(20):
        options["precompute"] = reader.pick(PRECOMPUTE)
    if name in ("lasso_path", "enet_path") and reader.coin(20):
        options["positive"] = reader.pick(FLAGS)
    args = ()
    if name == "enet_path":
        args = (scalar(reader, RATIOS),)
    if name == "quantile_path":
        args = (scalar(reader, QUANTILES),)
    return args, options


def cv_splits(reader, n_samples):
    """An int K, a string, or (train, test) pairs of indices or masks (some out of range)."""
    kind = reader.pick(("int", "int", "pairs", "other"))
    if kind == "int":
        return reader.int_in(0, n_samples + 1)
    if kind == "other":
        return reader.pick(("loo", "gcv", "5", True, 2.0, None, [], [(0, 1)]))
    pairs = []
    for _ in range(reader.int_in(1, 3)):
        mask = np.array([reader.coin(60) for _ in range(n_samples)], dtype=bool)
        train, test = np.flatnonzero(mask), np.flatnonzero(~mask)
        if reader.coin(20):
            test = np.append(test, n_samples + reader.int_in(0, 2))
        pairs.append(reader.pick(((train, test), (mask, ~mask), (train.tolist(), test.tolist()),
                                  (train,), (train, test, test))))
    return pairs


def cv_call(reader, name, n_samples, n_features):
    args, options = path_call(reader, {"lasso_cv": "lasso_path", "enet_cv": "enet_path",
                                       "ridge_cv": "ridge_path"}[name], n_samples, n_features)
    if name == "enet_cv":
        options["l1_ratio"] = args[0]
    options.pop("verbose", None) if name == "ridge_cv" else None
    options["cv"] = cv_splits(reader, n_samples)
    options["threads"] = reader.pick(THREADS)
    if reader.coin(20):
        options["random_state"] = reader.pick(RANDOM_STATES)
    return (), options


def fit_many_call(reader, n_samples, n_features, n_targets):
    model = reader.pick(MODELS)
    options = common_options(reader, n_samples, n_features)
    options["threads"] = reader.pick(THREADS)
    options["model"] = model
    mode = reader.pick(("alpha", "alpha_per_target", "alphas", "path", "none", "both"))
    if mode in ("alpha", "both"):
        options["alpha"] = scalar(reader, (0.1, 0.0, -1.0, np.nan, None, "1"))
    if mode == "alpha_per_target":
        options["alpha"] = array_like(reader, (n_targets or 1,))
    if mode in ("alphas", "both"):
        options["alphas"] = array_like(reader, (reader.int_in(0, 3),))
    if mode == "path":
        options["path"] = reader.pick((True, 1, "yes"))
        options["n_alphas"] = reader.int_in(1, 3)
    if model == "elastic_net" and reader.coin(70):
        options["l1_ratio"] = scalar(reader, RATIOS)
    if model == "quantile" and reader.coin(70):
        options["q"] = scalar(reader, QUANTILES)
    if reader.coin(10):
        options[reader.pick(("bogus", "y", "coef_init", "solver"))] = 1
    return (), options


FIT_FUNCTIONS = ("lasso", "elastic_net", "ridge", "lad", "quantile")
PATH_FUNCTIONS = ("lasso_path", "enet_path", "ridge_path", "lad_path", "quantile_path")
CV_FUNCTIONS = ("lasso_cv", "enet_cv", "ridge_cv")
FUNCTIONS = FIT_FUNCTIONS * 2 + PATH_FUNCTIONS + CV_FUNCTIONS + ("fit_many",)


def build_call(reader):
    """(function name, X, y, positional args, keyword args, X for predict or None)."""
    name = reader.pick(FUNCTIONS)
    n_samples, n_features = reader.int_in(1, MAX_SAMPLES), reader.int_in(1, MAX_FEATURES)
    n_targets = None
    if name in FIT_FUNCTIONS + ("fit_many",) and reader.coin(30):
        n_targets = reader.int_in(1, 3)
    if reader.coin(25):
        X = sparse_X(reader, n_samples, n_features)
    else:
        X = array_like(reader, (n_samples, n_features))
    y = array_like(reader, (n_samples,) if n_targets is None else (n_samples, n_targets))
    if name in FIT_FUNCTIONS:
        args, options = one_fit_call(reader, name, n_samples, n_features, n_targets)
    elif name in PATH_FUNCTIONS:
        args, options = path_call(reader, name, n_samples, n_features)
    elif name in CV_FUNCTIONS:
        args, options = cv_call(reader, name, n_samples, n_features)
    else:
        args, options = fit_many_call(reader, n_samples, n_features, n_targets)
    X_new = None
    if reader.coin(30):
        X_new = sparse_X(reader, reader.int_in(1, 3), n_features + reader.pick((0, 0, 0, 1, -1))) \
            if reader.coin(20) else array_like(reader, (reader.int_in(1, 3), n_features))
    return name, X, y, args, options, X_new


# ---------------------------------------------------------------------------------------- property

def snapshot(value):
    """A copy of an array argument's contents, to check the call left it unchanged."""
    if scipy.sparse.issparse(value):
        arrays = (getattr(value, key, None) for key in ("data", "indices", "indptr"))
        return [np.array(a, copy=True) for a in arrays if a is not None]
    if isinstance(value, np.ndarray):
        return [value.copy()]
    return None


def unchanged(value, before):
    after = snapshot(value)
    return before is None or (len(after) == len(before) and all(
        a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
        for a, b in zip(after, before)))


def result_arrays(result):
    """The numbers of a result that must be finite, by name."""
    if isinstance(result, list):                             # fit_many with paths
        return {f"[{k}].{key}": a for k, path in enumerate(result)
                for key, a in result_arrays(path).items()}
    if isinstance(result, l1l2.CVResult):
        return {"alpha_min": result.alpha_min, "alpha_1se": result.alpha_1se,
                **{f"best.{key}": a for key, a in result_arrays(result.best).items()}}
    if isinstance(result, l1l2.PathResult):
        return {"alphas": result.alphas, "coefs": result.coefs, "intercepts": result.intercepts}
    return {"coef": result.coef, "intercept": result.intercept}


def numbers_of(value):
    """The float64 values of an array-like argument, or an empty array if it has none."""
    if scipy.sparse.issparse(value):
        value = value.data if value.format in ("csc", "csr") else value.tocoo().data
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        return np.zeros(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError, OverflowError):
        return np.zeros(0)


def well_scaled(X, y, args, options):
    """Whether every nonzero number the call was given lies in [1e-12, 1e12] in magnitude.

    Beyond that, finite float64 (let alone float32) arithmetic can overflow or underflow to a
    non-finite fit (X = 1e-300 with y = 1e10 has a least-squares coefficient of 1e310): a limit of
    floating point that validation cannot rule out, so only the error property is checked there.
    """
    for value in (X, y, *args, *options.values()):
        magnitude = np.abs(numbers_of(value))
        magnitude = magnitude[magnitude != 0]
        if magnitude.size and not (1e-12 <= magnitude.min() and magnitude.max() <= 1e12):
            return False
    return True


def check_finite_result(result, call):
    for key, a in result_arrays(result).items():
        a = np.asarray(a, dtype=np.float64)
        if not np.isfinite(a).all():
            raise Finding(f"{call} returned non-finite {key}: {a!r}")


def where_raised(exc):
    """The innermost frames of exc's traceback (atheris prints only the Finding's own)."""
    return "".join(traceback.format_tb(exc.__traceback__)[-3:])


def check_error(exc, call):
    if not isinstance(exc, (ValueError, TypeError)):
        raise Finding(f"{call} raised {type(exc).__name__} (not ValueError/TypeError): {exc}\n"
                      f"{where_raised(exc)}") from exc
    if not NAMES_ARGUMENT.search(str(exc)):
        raise Finding(f"{call} raised {type(exc).__name__} naming no argument: {exc}\n"
                      f"{where_raised(exc)}") from exc


def describe(name, X, y, args, options):
    def short(v):
        if scipy.sparse.issparse(v):
            if v.format in ("csc", "csr"):   # perhaps broken by hand: show the arrays themselves
                return (f"scipy.sparse.{type(v).__name__}(({v.data.tolist()}, {v.indices.tolist()}, "
                        f"{v.indptr.tolist()}), shape={v.shape}, dtype={v.dtype}), indices "
                        f"{v.indices.dtype}, indptr {v.indptr.dtype}")
            return f"scipy.sparse.{type(v).__name__}({v.toarray().tolist()}, dtype={v.dtype})"
        if isinstance(v, np.ndarray):
            return f"array({v.tolist()!r}, dtype={v.dtype})"
        return repr(v)
    parts = [short(X), short(y), *map(short, args), *(f"{k}={short(v)}" for k, v in options.items())]
    return f"l1l2.{name}({', '.join(parts)})"


def run_call(name, X, y, args, options, X_new):
    """Call the function; check the property; then predict() on X_new if there is a fit."""
    call = describe(name, X, y, args, options)
    before = [snapshot(v) for v in (X, y, *options.values())]
    try:
        result = getattr(l1l2, name)(X, y, *args, **options)
    except Exception as exc:             # the property decides which exceptions are findings
        check_error(exc, call)
        result = None
    for value, copy in zip((X, y, *options.values()), before):
        if not unchanged(value, copy):
            raise Finding(f"{call} modified an input array")
    if result is None:
        return
    if well_scaled(X, y, args, options):
        check_finite_result(result, call)
    if X_new is not None:
        fit = result.best if isinstance(result, l1l2.CVResult) else \
            result[0] if isinstance(result, list) else result
        try:
            fit.predict(X_new)           # its values may overflow on huge X: only errors are checked
        except Exception as exc:
            check_error(exc, f"{call}.predict({describe('', X_new, None, (), {})})")


def test_one_input(data):
    """The harness entry point: decode `data` into one call and check the property."""
    reader = ByteReader(data)
    try:
        call = build_call(reader)
    except (ValueError, TypeError, OverflowError):
        return                           # bytes that build no call (e.g. a cast numpy refuses)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at small max_iter is expected
        run_call(*call)
