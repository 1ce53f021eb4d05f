"""Every input check and every input error message of the public API.

Errors name the argument, the rule and the value: ValueError for values and shapes, TypeError for
types. Validated arrays are never modified later: the caller copies whatever a kernel writes to.
"""
import numbers
import operator
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from l1l2._limits import Budget

FLOAT_DTYPES = (np.float32, np.float64)
INDEX_DTYPES = (np.int32, np.int64)
# BLAS sizes are C ints: a column longer than this cannot be passed to the dense kernel.
MAX_BLAS_LENGTH = 2**31 - 1
# Sparse index checks read this many entries at a time, so their temporaries stay small (<= 320 KiB).
INDEX_BLOCK = 1 << 16


def as_float_array(a, name, dtype=None):
    """Return `a` as a float32/float64 ndarray without copying when it already is one.

    float32 stays float32 (unless `dtype` says otherwise), any other real numeric input becomes
    float64; complex, string and non-numeric object input raise TypeError.
    """
    if scipy.sparse.issparse(a):
        raise TypeError(f"{name} must be a dense array, got a scipy.sparse {a.format} matrix")
    arr = np.asarray(a)
    kind = check_numeric_kind(arr.dtype, name)
    if kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be numeric, got an object array with non-numeric "
                            f"entries") from None
    if dtype is None:
        dtype = arr.dtype if arr.dtype in FLOAT_DTYPES else np.float64
    arr = arr.astype(dtype, copy=False)
    # The kernels read through typed C pointers, and a misaligned one is undefined behaviour (UBSan
    # flags it; vectorised loads may fault): np.frombuffer at an odd offset, a packed record field,
    # an array dask deserialised from a network frame. A copy is aligned.
    return arr if arr.flags.aligned else arr.copy(order="K")


def check_numeric_kind(dtype, name):
    """Return dtype.kind, raising TypeError unless it is real numeric (or object, checked later)."""
    if dtype.kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {dtype}")
    if dtype.kind not in "biufO":
        raise TypeError(f"{name} must be numeric, got dtype {dtype}")
    return dtype.kind


def check_finite(arr, name):
    """Raise ValueError if `arr` holds NaN or infinity.

    One pass and no temporary: a sum propagates NaN and infinity; only when it is not finite (which
    overflow alone can also cause) do min and max, which cannot overflow, decide.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if arr.size == 0 or np.isfinite(np.sum(arr)):
            return
    if not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
        raise ValueError(f"{name} contains NaN or infinity")


def check_X(X, accept_sparse=True, finite=True):
    """Return X as a finite 2-D float32/float64 array with at least one sample and one feature.

    scipy.sparse input (matrix or array) comes back as CSC: see check_sparse_X. finite=False leaves
    dense X's NaN and infinity to the caller's check_magnitude, which finds them in its own pass.
    """
    if scipy.sparse.issparse(X):
        if not accept_sparse:
            raise TypeError("X must be a dense array here, got a scipy.sparse matrix")
        return check_sparse_X(X)
    X = as_float_array(X, "X")
    check_shape(X)
    if finite:
        check_finite(X, "X")
    return X


def check_shape(X):
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D with shape {X.shape}")
    n_samples, n_features = X.shape
    if n_samples == 0 or n_features == 0:
        raise ValueError(f"X is empty: shape {X.shape}; need at least 1 sample and 1 feature")
    if n_samples > MAX_BLAS_LENGTH:
        raise ValueError(f"X has {n_samples} samples; at most {MAX_BLAS_LENGTH} are supported")


def check_sparse_X(X):
    """Return scipy.sparse X as a valid, canonical CSC matrix (or array) with float values.

    A CSC X with float32/float64 values, int32 or int64 indices, sorted and without duplicates is
    returned as it is: no copy. Anything else is copied once: other formats are converted with
    tocsc(), integer or boolean values become float64, and unsorted or duplicate row indices are
    sorted and summed (as scipy's sum_duplicates does). Explicit zeros are kept (they cost time, not
    accuracy); empty columns are allowed (their coefficient is 0). The input is never modified.
    """
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D with shape {X.shape}")
    kind = check_numeric_kind(X.dtype, "X")
    if kind == "O":
        raise TypeError("X must be numeric, got a sparse matrix of dtype object")
    if X.format in ("csc", "csr"):    # scipy's astype and tocsc trust the index arrays: check first
        check_compressed(X, *(X.shape[::-1] if X.format == "csc" else X.shape))
    if X.format != "csc":
        X = X.tocsc()
    if X.dtype not in FLOAT_DTYPES:
        X = X.astype(np.float64)
    check_shape(X)
    n_samples, n_features = X.shape
    indptr, indices = X.indptr, X.indices
    if indptr.dtype not in INDEX_DTYPES or indices.dtype != indptr.dtype:
        X = X.copy()
        X.indptr, X.indices = indptr.astype(np.int64), indices.astype(np.int64)
        indptr, indices = X.indptr, X.indices
    if not all(a.ndim == 1 and a.flags.c_contiguous for a in (X.data, indices, indptr)):
        X = X.copy()        # the kernels read plain arrays (a strided view set by hand is not one)
        X.data, X.indices, X.indptr = (np.ascontiguousarray(a) for a in (X.data, indices, indptr))
        indptr, indices = X.indptr, X.indices
    nnz = int(indptr[-1])
    check_finite(X.data[:nnz], "X")
    if not rows_sorted_and_unique(indptr, indices[:nnz]):
        X = X.copy()        # the caller's matrix stays as it was
        X.sum_duplicates()
    return X


def check_compressed(X, n_major, n_minor):
    """Raise ValueError unless the index arrays of a CSC or CSR X describe n_major columns (rows) of
    n_minor entries: code that trusts them (the kernels, scipy's astype and tocsc) reads past their
    ends otherwise, a segmentation fault or silent heap corruption."""
    fmt, major, minor = X.format.upper(), *(("n_features", "row") if X.format == "csc" else
                                             ("n_samples", "column"))
    indptr, indices = X.indptr, X.indices
    if (indptr.ndim != 1 or indptr.shape[0] != n_major + 1 or indptr[0] != 0
            or np.any(indptr[1:] < indptr[:-1]) or indptr[-1] > min(indices.size, X.data.size)):
        raise ValueError(f"X is not a valid {fmt} matrix: its indptr is not a non-decreasing array of "
                         f"{major} + 1 offsets into indices and data")
    nnz = int(indptr[-1])
    if nnz and (indices[:nnz].min() < 0 or indices[:nnz].max() >= n_minor):
        raise ValueError(f"X is not a valid {fmt} matrix: a {minor} index lies outside [0, {n_minor})")


def rows_sorted_and_unique(indptr, indices):
    """Whether the row indices strictly increase within every column (canonical CSC).

    Read INDEX_BLOCK entries at a time: a difference where a column starts does not count.
    """
    for start in range(0, indices.size, INDEX_BLOCK):
        stop = min(start + INDEX_BLOCK + 1, indices.size)
        increases = np.diff(indices[start:stop]) > 0
        # the columns starting inside the block
        first = indptr[np.searchsorted(indptr, start, "right"):np.searchsorted(indptr, stop, "left")]
        increases[first - start - 1] = True
        if not increases.all():
            return False
    return True


def check_y(y, n_samples, dtype):
    """Return y as a finite (n,) or (n, k) array of X's dtype."""
    y = as_float_array(y, "y", dtype)
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D (n_samples,) or 2-D (n_samples, n_targets), "
                         f"got {y.ndim}-D with shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"y has {y.shape[0]} samples but X has {n_samples}")
    if y.ndim == 2 and y.shape[1] == 0:
        raise ValueError(f"y has no targets: shape {y.shape}")
    check_finite(y, "y")
    return y


def check_Xy(X, y, accept_sparse=True, squares=True):
    """Validate X and y together; y takes X's floating dtype. Both must be of a magnitude that
    X's dtype can square and sum (check_magnitude); squares=False (LAD, quantile: the loss does not
    square the residuals) needs only that of each array, not of their products, and lets values
    go down to sqrt(tiny)."""
    X = check_X(X, accept_sparse, finite=False)
    y_given = np.asarray(y) if not scipy.sparse.issparse(y) else y
    y = check_y(y, X.shape[0], X.dtype)
    x_largest = check_X_magnitude(X, squares)
    # y as given: its cast to float32 may have flushed tiny values to zero
    y_largest = check_magnitude(y_given if y_given.dtype.kind in "iuf" else y, "y", X.shape[0],
                                X.dtype, squares)
    if squares:
        check_product_magnitude(x_largest, y_largest, "y", X.shape[0], X.dtype)
    return X, y


def magnitude_limits(n_samples, dtype, squares=True):
    """(smallest, largest) allowed largest |value| of X or y in `dtype` for n_samples rows.

    The fits sum squares and products of X's and y's values over the rows (Gram matrices, column
    norms, X'y, the loss) and compare duality gaps with tol times them: below sqrt(tiny / eps) the
    squares, times eps, leave the normal range (a gap or a column silently vanishes), above
    sqrt(max / (16 n)) their sums overflow (16: the products of two arrays and the weights, which
    reach n, keep a margin)."""
    info = np.finfo(dtype)
    return (float(np.sqrt(info.tiny / (info.eps if squares else 1.0))),
            float(np.sqrt(info.max / (16.0 * max(n_samples, 1)))))


def check_X_magnitude(X, squares=True):
    """check_magnitude of a validated X, dense or CSC (its stored values)."""
    values = X.data[:X.indptr[-1]] if scipy.sparse.issparse(X) else X
    return check_magnitude(values, "X", X.shape[0], X.dtype, squares)


def check_magnitude(arr, name, n_samples, dtype, squares=True):
    """Return the largest |value| of arr (1 for booleans), raising ValueError unless it is 0 or
    within magnitude_limits; ValueError also for NaN or infinity (check_finite's message)."""
    if arr.size == 0 or arr.dtype.kind == "b":
        return 1.0
    # max and min, no temporary; NaN propagates through them, so they check finiteness too (2.9 ms
    # each for 80 MB; |arr|.max() in cached blocks took 6.9)
    largest = max(abs(float(arr.max())), abs(float(arr.min())))
    if not np.isfinite(largest):
        check_finite(arr, name)          # raises: NaN or infinity
    smallest, biggest = magnitude_limits(n_samples, dtype, squares)
    if largest > biggest and np.isfinite(largest):
        raise ValueError(f"{name} has values too large for {np.dtype(dtype).name}: its largest |value| "
                         f"is {largest:.3g}, above {biggest:.3g} = sqrt(max / (16 n_samples)), where "
                         f"sums of squares overflow; rescale {name}")
    if 0 < largest < smallest:
        raise ValueError(f"{name} has values too small for {np.dtype(dtype).name}: its largest |value| "
                         f"is {largest:.3g}, below {smallest:.3g}, where squares underflow; "
                         f"rescale {name}")
    return largest


def check_product_magnitude(x_largest, y_largest, name, n_samples, dtype):
    """The same limits for the products of X and y (name: "y" or "Y"), which the duality gap
    squares (its correlations X'y), and for their ratio, the scale of the coefficients, which the
    ridge penalty and the gap square: largest |X| * largest |y| within float64's
    magnitude_limits (the gap runs in double precision), largest |y| / largest |X| within the
    dtype's (down to sqrt(tiny))."""
    if not (np.isfinite(x_largest) and np.isfinite(y_largest) and x_largest > 0 and y_largest > 0):
        return          # zeros are fine; non-finite values are check_finite's
    for what, value, precision, eps_margin in (("times", x_largest * y_largest, np.float64, True),
                                               ("over", y_largest / x_largest, dtype, False)):
        # the products are squared in double precision (and compared with eps), the coefficients
        # in the working dtype
        smallest, biggest = magnitude_limits(n_samples, precision, eps_margin)
        if not smallest <= value <= biggest:
            side = "large" if value > biggest else "small"
            raise ValueError(f"X and {name} have scales too far apart: largest |{name}| {what} "
                             f"largest |X| is {value:.3g}, too {side} (outside [{smallest:.3g}, "
                             f"{biggest:.3g}]) for its square to be a normal "
                             f"{np.dtype(precision).name}; rescale X or {name}")


def check_nonnegative_scalar(value, name):
    """Return `value` as a float, checking it is a finite real number >= 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def check_alpha(alpha):
    return check_nonnegative_scalar(alpha, "alpha")


def check_l1_ratio(l1_ratio):
    l1_ratio = check_nonnegative_scalar(l1_ratio, "l1_ratio")
    if l1_ratio > 1:
        raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio}")
    return l1_ratio


def check_tol(tol):
    return check_nonnegative_scalar(tol, "tol")


def check_max_iter(max_iter):
    max_iter = check_positive_int(max_iter, "max_iter")
    if max_iter > np.iinfo(np.int32).max:
        raise ValueError(f"max_iter must be at most {np.iinfo(np.int32).max}, got {max_iter}")
    return max_iter


def check_n_alphas(n_alphas):
    """The grid length: an int >= 1 and, like max_iter, a C int (numpy fails obscurely on 2**63)."""
    n_alphas = check_positive_int(n_alphas, "n_alphas")
    if n_alphas > np.iinfo(np.int32).max:
        raise ValueError(f"n_alphas must be at most {np.iinfo(np.int32).max}, got {n_alphas}")
    return n_alphas


def check_max_seconds(max_seconds):
    """None (no limit) or a number of seconds > 0: the call's _limits.Budget, its clock started."""
    if max_seconds is not None:
        max_seconds = check_nonnegative_scalar(max_seconds, "max_seconds")
        if max_seconds == 0:
            raise ValueError("max_seconds must be > 0 (or None for no limit), got 0.0")
    return Budget(max_seconds)


def check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_nonnegative_vector(value, name, length):
    """Return a finite float64 vector of `length` entries >= 0."""
    a = as_float_array(value, name, np.float64)
    if a.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},) to match X, got {a.shape}")
    check_finite(a, name)
    if a.min() < 0:
        raise ValueError(f"{name} must be >= 0, got a minimum of {a.min()}")
    return a


def check_sample_weight(sample_weight, n_samples):
    """Return float64 weights normalised to sum to n_samples, or None for unit weights."""
    if sample_weight is None:
        return None
    s = check_nonnegative_vector(sample_weight, "sample_weight", n_samples)
    if s.max() <= 0:
        raise ValueError("sample_weight must have a positive sum, got all zeros")
    # relative to the largest first: the sum of weights near 1e308 overflows, and n / sum of
    # weights near 1e-320 does; only the ratios matter
    s = s / s.max()
    return s * (n_samples / s.sum())


def check_penalty_factor(penalty_factor, n_features):
    """Return float64 penalty factors (used as given, not rescaled); None means all ones."""
    if penalty_factor is None:
        return np.ones(n_features)
    return check_nonnegative_vector(penalty_factor, "penalty_factor", n_features)


def check_coef_init(coef_init, shape, dtype):
    """Return coef_init as an array of `shape`, or None."""
    if coef_init is None:
        return None
    c = as_float_array(coef_init, "coef_init", dtype)
    if c.shape != shape:
        raise ValueError(f"coef_init must have shape {shape}, got {c.shape}")
    check_finite(c, "coef_init")
    return c


def check_option(value, name, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")
    return value


def check_precompute(precompute):
    if isinstance(precompute, (bool, np.bool_)) or precompute == "auto":
        return precompute if precompute == "auto" else bool(precompute)
    raise ValueError(f"precompute must be 'auto', True or False, got {precompute!r}")


def check_predict_X(X, n_features):
    """X for predict(): finite, 2-D, with the fitted number of features."""
    X = check_X(X)
    if X.shape[1] != n_features:
        raise ValueError(f"X has {X.shape[1]} features but the model was fitted with {n_features}")
    return X


def check_alphas(alphas):
    """User alphas: a non-empty 1-D finite array >= 0, returned sorted decreasing (float64)."""
    if alphas is None:
        return None
    a = as_float_array(alphas, "alphas", np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D array, got shape {a.shape}")
    check_finite(a, "alphas")
    if a.min() < 0:
        raise ValueError(f"alphas must be >= 0, got a minimum of {a.min()}")
    return np.sort(a)[::-1].copy()


def check_positive_int(value, name):
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}") from None
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def check_alpha_min_ratio(ratio):
    if ratio is None:
        return None
    ratio = check_nonnegative_scalar(ratio, "alpha_min_ratio")
    if not 0 < ratio < 1:
        raise ValueError(f"alpha_min_ratio must be in (0, 1), got {ratio}")
    return ratio


@dataclass(frozen=True)
class PathOptions:
    """Validated arguments of a path or cross-validation call."""
    X: object                          # ndarray, or a canonical CSC scipy.sparse matrix
    y: np.ndarray
    l1_ratio: float
    alphas: np.ndarray | None
    n_alphas: int
    alpha_min_ratio: float | None
    fit_intercept: bool
    sample_weight: np.ndarray | None   # normalised to sum to n_samples
    raw_weight: np.ndarray | None      # as given up to a factor (largest 1), for held-out errors
    positive: bool
    penalty_factor: np.ndarray
    tol: float
    max_iter: int
    budget: Budget                     # max_seconds (from validation on) and the Ctrl-C flag
    precompute: object
    verbose: bool


def check_path_options(X, y, l1_ratio, *, alphas, n_alphas, alpha_min_ratio, fit_intercept,
                       sample_weight, positive, penalty_factor, tol, max_iter, precompute, verbose,
                       max_seconds=None, accept_sparse=True, squares=True):
    X, y = check_Xy(X, y, accept_sparse, squares)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D for a path or cross-validation, got shape {y.shape}; "
                         f"fit each column separately")
    n_samples, n_features = X.shape
    weights = check_sample_weight(sample_weight, n_samples)
    return PathOptions(
        X=X, y=y, l1_ratio=check_l1_ratio(l1_ratio), alphas=check_alphas(alphas),
        n_alphas=check_n_alphas(n_alphas),
        alpha_min_ratio=check_alpha_min_ratio(alpha_min_ratio),
        fit_intercept=check_flag(fit_intercept, "fit_intercept"),
        sample_weight=weights,
        raw_weight=None if weights is None else weights / weights.max(),
        positive=check_flag(positive, "positive"),
        penalty_factor=check_penalty_factor(penalty_factor, n_features),
        tol=check_tol(tol), max_iter=check_max_iter(max_iter), budget=check_max_seconds(max_seconds),
        precompute=check_precompute(precompute), verbose=check_flag(verbose, "verbose"),
    )


def check_cv(cv, n_samples, random_state):
    """cv: an int K in [2, n_samples] (returned as is, for shuffled K-fold) or an iterable of
    (train, test) index arrays or boolean masks, returned as (list of (train, test) intp arrays,
    fold id per sample with -1 where no test set holds it)."""
    if isinstance(cv, str):
        raise ValueError(f"cv must be an int or an iterable of (train, test) index pairs, got {cv!r}")
    if isinstance(cv, numbers.Integral) and not isinstance(cv, (bool, np.bool_)):
        if not 2 <= cv <= n_samples:
            raise ValueError(f"cv must be between 2 and n_samples={n_samples}, got {cv}")
        if random_state is not None and not isinstance(random_state, numbers.Integral):
            raise TypeError(f"random_state must be an int or None, got {type(random_state).__name__}")
        return int(cv)
    try:
        pairs = list(cv)
    except TypeError:
        raise TypeError(f"cv must be an int or an iterable of (train, test) index pairs, "
                        f"got {type(cv).__name__}") from None
    if not pairs:
        raise ValueError("cv has no (train, test) pairs")
    splits, fold_ids = [], np.full(n_samples, -1, dtype=np.intp)
    for k, pair in enumerate(pairs):
        try:
            train, test = (np.arange(n_samples)[np.asarray(part)] for part in pair)
            if train.ndim != 1 or test.ndim != 1:       # a scalar or 2-D index is no set of samples
                raise IndexError
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"cv pair {k} is not a (train, test) pair of 1-D indices or masks "
                             f"into {n_samples} samples") from None
        if train.size == 0 or test.size == 0:
            raise ValueError(f"cv pair {k} has an empty train or test set")
        splits.append((train, test))
        fold_ids[test] = k
    return splits, fold_ids


def check_threads(threads):
    """None or -1: all cores (returned as -1); k >= 1: k threads."""
    if threads is None or (isinstance(threads, numbers.Integral) and threads == -1):
        return -1
    return check_positive_int(threads, "threads")


def check_q(q):
    """The quantile level: a real number strictly between 0 and 1."""
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, numbers.Real):
        raise TypeError(f"q must be a real number, got {type(q).__name__}")
    if not 0 < q < 1:        # NaN fails this too
        raise ValueError(f"q must be in (0, 1), got {q}")
    return float(q)
