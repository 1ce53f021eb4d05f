"""Hypothesis strategies for the property tests (test_properties.py) and their two profiles.

Every problem is an exact *base* problem (X0, Y0: small multiples of 1/2, with constant, duplicated
and empty columns) scaled by powers of two, X = X0 * 2**kx and y = Y0 * 2**ky, then stored in some
dtype, memory layout or sparse format. Scaling by a power of two is exact (unless it overflows or
underflows, which is the point of the extreme exponents), so an oracle can undo it exactly and check
the answer in base units, where every number is of order one and float64 NumPy is reliable.

Profiles: "ci" (the default; derandomized, so CI is reproducible) and "long" (20 times the
examples, random), chosen by the environment variable HYPOTHESIS_PROFILE=long. They are registered
under private names and applied per test, so other test modules keep their own settings.
"""
import itertools
import os
import tempfile
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

# Examples per test in "ci"; "long" runs LONG_FACTOR times as many.
CI_EXAMPLES = 150
LONG_FACTOR = 20
# too_slow / data_too_large: a problem draws p columns' kinds and up to 40 x 40 entries, which
# hypothesis finds slow to generate on a loaded 2-core machine; the draws themselves are cheap.
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("l1l2-properties-ci", max_examples=CI_EXAMPLES, deadline=None,
                          derandomize=True, suppress_health_check=_HEALTH, print_blob=True)
settings.register_profile("l1l2-properties-long", max_examples=CI_EXAMPLES * LONG_FACTOR,
                          deadline=None, derandomize=False, suppress_health_check=_HEALTH,
                          print_blob=True)
PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE_NAME not in ("ci", "long"):
    PROFILE_NAME = "ci"
PROFILE = settings.get_profile(f"l1l2-properties-{PROFILE_NAME}")


def profile(fraction=1.0):
    """The selected profile, with `fraction` of its examples (for the tests with costly oracles)."""
    return settings(PROFILE, max_examples=max(1, int(PROFILE.max_examples * fraction)))


# Exponents of the power-of-two scales. Benign ones keep every square and product of the data
# well inside the dtype's range; the others reach its edges (1e+-150 and beyond for float64,
# where squares overflow or underflow when summed; 1e+-18 and beyond for float32).
EXPONENTS = {
    np.dtype(np.float64): (0, 0, 0, 7, -7, 60, -60, 200, -200, 480, -480, 498, -498, 510, -510, 530,
                           -530, -1040),
    np.dtype(np.float32): (0, 0, 0, 7, -7, 30, -30, 50, -50, 60, -60, 100, -100, 120, -120, -140),
}
BENIGN_EXPONENT = {np.dtype(np.float64): 200, np.dtype(np.float32): 15}
DENSE_DTYPES = ("float64", "float32", "int8", "int32", "int64", "uint8", "bool")
LAYOUTS = ("C", "F", "strided", "negative", "readonly", "memmap")
SPARSE_FORMATS = ("csc", "csr", "coo")
COLUMN_KINDS = ("random", "random", "random", "constant", "duplicate", "empty")
_MEMMAP_DIR = tempfile.TemporaryDirectory(prefix="l1l2-properties-")
_memmap_names = itertools.count()


@dataclass
class Problem:
    """One drawn problem: its exact base, its scales and the arguments as passed.

    X = X0 * 2**kx and y = Y0 * 2**ky (1-D, or 2-D with k targets); sample_weight = weights0 * 2**kw.
    dtype is the dtype the package must compute in (float32 for float32 input, else float64).
    benign: nothing about the input is extreme, so an error is a bug, not a choice.
    """
    X0: np.ndarray
    Y0: np.ndarray
    kx: int
    ky: int
    X: object
    y: np.ndarray
    dtype: np.dtype
    fit_intercept: bool
    weights0: np.ndarray | None
    sample_weight: np.ndarray | None
    penalty_factor: np.ndarray | None
    benign: bool
    description: str = field(default="")

    @property
    def n_samples(self):
        return self.X0.shape[0]

    @property
    def n_features(self):
        return self.X0.shape[1]

    def target(self, k):
        """Y0 of target k (the 1-D Y0 itself for one target)."""
        return self.Y0 if self.Y0.ndim == 1 else self.Y0[:, k]

    def options(self):
        """The keyword arguments every model takes."""
        return dict(fit_intercept=self.fit_intercept, sample_weight=self.sample_weight,
                    penalty_factor=self.penalty_factor)


@st.composite
def base_design(draw, n, p, integer):
    """X0 (n, p) float64: multiples of 1/2 in [-4, 4] (integers if `integer`), some zeros, and
    columns that are constant, duplicates of an earlier one, or empty."""
    values = draw(arrays(np.int8, (n, p), elements=st.integers(-8, 8)))
    density = draw(st.sampled_from([1.0, 0.5, 0.15]))
    mask = draw(arrays(np.bool_, (n, p), elements=st.booleans())) if density < 1 else np.ones((n, p), bool)
    X0 = values.astype(np.float64) * (1.0 if integer else 0.5)
    if density == 0.15:
        X0[mask & (values % 3 != 0)] = 0.0    # sparse: about a sixth to a third left
    elif density == 0.5:
        X0[mask] = 0.0
    kinds = draw(st.lists(st.sampled_from(COLUMN_KINDS), min_size=p, max_size=p))
    for j, kind in enumerate(kinds):
        if kind == "constant":
            X0[:, j] = X0[0, j] if X0[0, j] != 0 else 1.0
        elif kind == "duplicate" and j > 0:
            X0[:, j] = X0[:, draw(st.integers(0, j - 1))]
        elif kind == "empty":
            X0[:, j] = 0.0
    return X0


@st.composite
def base_targets(draw, X0, n_targets):
    """Y0 (n,) or (n, n_targets): a small-integer signal on X0 plus small-integer noise."""
    n, p = X0.shape
    k = n_targets or 1
    coef = draw(arrays(np.int8, (p, k), elements=st.integers(-2, 2))).astype(np.float64)
    noise = draw(arrays(np.int8, (n, k), elements=st.integers(-6, 6))).astype(np.float64)
    Y0 = X0 @ coef + 0.5 * noise
    if draw(st.integers(0, 9)) == 0:
        Y0[:] = Y0[0]                  # a constant target (zero scale once centred)
    return Y0[:, 0] if n_targets is None else Y0


def dense_layout(A, layout):
    """A copy of A (n, p) in a memory layout; the values are A's."""
    if layout == "C":
        return np.ascontiguousarray(A)
    if layout == "F":
        return np.asfortranarray(A)
    if layout == "strided":
        big = np.zeros((2 * A.shape[0], 3 * A.shape[1] + 1), dtype=A.dtype)
        big[::2, 1::3] = A
        return big[::2, 1::3]
    if layout == "negative":
        flipped = np.ascontiguousarray(A[::-1, ::-1])
        return flipped[::-1, ::-1]
    if layout == "readonly":
        B = np.array(A)
        B.flags.writeable = False
        return B
    if layout == "memmap":
        path = os.path.join(_MEMMAP_DIR.name, f"X{next(_memmap_names)}.dat")
        if A.size == 0:
            return np.array(A)       # an empty memmap cannot be mapped
        writer = np.memmap(path, dtype=A.dtype, mode="w+", shape=A.shape)
        writer[:] = A
        writer.flush()
        del writer
        return np.memmap(path, dtype=A.dtype, mode="r", shape=A.shape)
    raise AssertionError(layout)


@st.composite
def sparse_matrix(draw, A):
    """A as a scipy.sparse matrix or array in CSC, CSR or COO form, with int32 or int64 indices,
    possibly unsorted, with duplicate entries (each half of a value: exact) and explicit zeros."""
    fmt = draw(st.sampled_from(SPARSE_FORMATS))
    index_dtype = draw(st.sampled_from([np.int32, np.int64]))
    unsorted, duplicates, zeros = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    container = draw(st.sampled_from(["matrix", "array"]))
    rows, cols = np.nonzero(A)
    vals = A[rows, cols]
    if duplicates and vals.size and A.dtype.kind == "f":
        split = np.arange(vals.size) % 2 == 0
        rows = np.concatenate([rows, rows[split]])
        cols = np.concatenate([cols, cols[split]])
        vals = np.concatenate([np.where(split, vals / 2, vals), vals[split] / 2])
    if zeros:
        zr, zc = np.nonzero(A == 0)
        pick = slice(None, None, 3)
        rows, cols = np.concatenate([rows, zr[pick]]), np.concatenate([cols, zc[pick]])
        vals = np.concatenate([vals, np.zeros(zr[pick].size, A.dtype)])
    order = draw(st.permutations(range(vals.size))) if unsorted else range(vals.size)
    order = np.asarray(list(order), dtype=np.intp)
    rows, cols, vals = rows[order], cols[order], vals[order].astype(A.dtype)
    shape = A.shape
    if fmt == "coo":
        cls = scipy.sparse.coo_matrix if container == "matrix" else scipy.sparse.coo_array
        M = cls((vals, (rows, cols)), shape=shape)
        M.coords = tuple(c.astype(index_dtype) for c in M.coords)
        return M, fmt, index_dtype, unsorted, duplicates, zeros
    major, minor = (cols, rows) if fmt == "csc" else (rows, cols)
    n_major = shape[1] if fmt == "csc" else shape[0]
    # unsorted: a stable sort by the major axis keeps the shuffled minor order within it
    by_major = np.argsort(major, kind="stable") if unsorted else np.lexsort((minor, major))
    indptr = np.zeros(n_major + 1, dtype=index_dtype)
    np.cumsum(np.bincount(major, minlength=n_major), out=indptr[1:])
    indices = minor[by_major].astype(index_dtype)
    data = vals[by_major]
    if fmt == "csc":
        cls = scipy.sparse.csc_matrix if container == "matrix" else scipy.sparse.csc_array
    else:
        cls = scipy.sparse.csr_matrix if container == "matrix" else scipy.sparse.csr_array
    M = cls((data, indices, indptr), shape=shape)
    M.indices, M.indptr = indices, indptr     # the constructor may narrow int64 indices
    return M, fmt, index_dtype, unsorted, duplicates, zeros


@st.composite
def problems(draw, n_targets=None, min_features=0, max_n=None, sparse=True):
    """A Problem: shapes from n = 1 and p = 0 up to 40 (p >> n included), every dtype, layout and
    sparse format, power-of-two scales from 1 to the edges of the dtype, weights and factors."""
    n = draw(st.integers(1, 12) | st.sampled_from([20, 40]))
    if max_n is not None:
        n = min(n, max_n)
    p = draw(st.integers(max(min_features, 0), 8) | st.sampled_from([15, 40]))
    storage = draw(st.sampled_from(["dense"] * 3 + (["sparse"] if sparse else [])))
    dtype_name = draw(st.sampled_from(DENSE_DTYPES if storage == "dense"
                                      else ("float64", "float32", "int64", "bool")))
    integer = dtype_name not in ("float64", "float32")
    X0 = draw(base_design(n, p, integer))
    if dtype_name == "bool":
        X0 = (X0 != 0).astype(np.float64)
    elif dtype_name == "uint8":
        X0 = np.abs(X0)
    dtype = np.dtype(np.float32 if dtype_name == "float32" else np.float64)
    exponents = EXPONENTS[dtype]
    kx = draw(st.sampled_from(exponents)) if not integer else 0
    ky = draw(st.sampled_from(exponents))
    Y0 = draw(base_targets(X0, n_targets))
    y_dtype = draw(st.sampled_from(["float64", "same", "int64"]))
    if y_dtype == "int64" and ky == 0 and np.all(Y0 == np.round(Y0)):
        y = Y0.astype(np.int64)
    else:
        y = np.ldexp(Y0, ky).astype(dtype if y_dtype == "same" else np.float64)
    with np.errstate(over="ignore", under="ignore"):
        scaled = np.ldexp(X0, kx).astype(dtype_name)
    description = f"n={n} p={p} {storage} {dtype_name} kx={kx} ky={ky}"
    if storage == "dense":
        layout = draw(st.sampled_from(LAYOUTS))
        X = dense_layout(scaled, layout)
        description += f" {layout}"
    else:
        X, fmt, index_dtype, unsorted, duplicates, zeros = draw(sparse_matrix(scaled))
        description += (f" {fmt} {np.dtype(index_dtype).name}" + " unsorted" * unsorted
                        + " duplicates" * duplicates + " zeros" * zeros)
    fit_intercept = draw(st.booleans())
    weights0, sample_weight, kw = None, None, 0
    if draw(st.booleans()):
        weights0 = draw(arrays(np.int8, (n,), elements=st.integers(0, 3))).astype(np.float64)
        if weights0.sum() == 0:
            weights0[0] = 1.0
        kw = draw(st.sampled_from([0, 0, 500, -500, 1020, -1070]))
        sample_weight = np.ldexp(weights0, kw)
        description += f" weights*2^{kw}"
    penalty_factor = None
    if draw(st.booleans()):
        penalty_factor = draw(arrays(np.float64, (p,), elements=st.sampled_from([0.0, 0.5, 1.0, 2.0])))
        description += " factors"
    limit = BENIGN_EXPONENT[dtype]
    benign = p > 0 and abs(kx) <= limit and abs(ky) <= limit
    return Problem(X0=X0, Y0=Y0, kx=kx, ky=ky, X=X, y=y, dtype=dtype, fit_intercept=fit_intercept,
                   weights0=weights0, sample_weight=sample_weight, penalty_factor=penalty_factor,
                   benign=benign, description=description + f" intercept={fit_intercept}")


# alpha as a multiple of the problem's natural unit (2**(kx+ky) for an L1 penalty with squared
# loss, ...), or absolute: zero, tiny, huge.
ALPHA_FRACTIONS = (0.01, 0.1, 0.5, 2.0, 1e6)
ABSOLUTE_ALPHAS = (0.0, 1e-300, 1e300)


@st.composite
def alphas_for(draw, unit_exponent):
    """One alpha: 0, 1e-300, 1e300, or a fraction of 2**unit_exponent (capped at 1e300)."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(ABSOLUTE_ALPHAS))
    with np.errstate(over="ignore"):
        alpha = float(np.ldexp(draw(st.sampled_from(ALPHA_FRACTIONS)), unit_exponent))
    return min(alpha, 1e300)
