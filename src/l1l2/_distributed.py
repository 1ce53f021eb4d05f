"""Row-chunked dask arrays for l1l2.dask: checked inputs, and map-reduce over their row blocks.

Every distributed fit is a few passes over the rows. A pass applies a module-level function to each
row block (X_b, y_b, s_b) on the worker that holds it and sums the answers in a tree on the
cluster, so a worker holds one block and a few small summaries, and the driver receives only the
root. Each block is checked where it is read (finite values, non-negative weights): bad data raises
a ValueError naming the argument, on the driver, whichever worker found it.
"""
import functools
import operator
from dataclasses import dataclass

import numpy as np

from l1l2 import _validation as v

SPLIT_EVERY = 8    # the reduction tree's fan-in: summaries of 8 blocks are added in one task


def import_dask():
    """(dask, dask.array), or an ImportError naming the extra to install."""
    try:
        import dask
        import dask.array
    except ImportError as error:
        raise ImportError("l1l2.dask needs dask and distributed: pip install 'l1l2[dask]'") from error
    return dask, dask.array


@dataclass(frozen=True)
class Rows:
    """X, y and the sample weights of a distributed fit as aligned lists of delayed row blocks."""
    X: list             # delayed (n_b, p) blocks
    y: list             # delayed (n_b,) or (n_b, k) blocks
    weight: list        # delayed (n_b,) raw weights, or [None] * blocks for unit weights
    n_samples: int
    n_features: int
    dtype: np.dtype     # the fit's floating dtype: X's if float32/float64, else float64
    y_ndim: int

    @property
    def n_blocks(self):
        return len(self.X)


def check_rows(X, y, sample_weight=None, *, multi_target=False):
    """Rows of dask (or in-memory) X, y and sample_weight.

    X must be 2-D with known chunk sizes; column chunks are merged (each task needs whole rows), y and
    the weights are chunked like X's rows. Values are checked block by block as they are read.
    """
    _, da = import_dask()
    X = as_dask(X, "X", da)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D with shape {X.shape}")
    if any(np.isnan(size) for size in X.shape) or any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError("X has unknown chunk sizes; call X.compute_chunk_sizes() first")
    n_samples, n_features = X.shape
    if n_samples == 0 or n_features == 0:
        raise ValueError(f"X is empty: shape {X.shape}; need at least 1 sample and 1 feature")
    v.check_numeric_kind(X.dtype, "X")
    if X.dtype.kind == "O":
        raise TypeError("X must have a numeric dtype, got object")
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    y = aligned(as_dask(y, "y", da), X, "y")
    if y.ndim not in ((1, 2) if multi_target else (1,)):
        raise ValueError(f"y must be {'1-D or 2-D' if multi_target else '1-D'}, got shape {y.shape}")
    if y.ndim == 2 and y.shape[1] == 0:
        raise ValueError("y has no columns")
    if y.ndim == 2 and y.numblocks[1] > 1:
        y = y.rechunk({1: -1})
    weight = [None] * X.numblocks[0]
    if sample_weight is not None:
        s = aligned(as_dask(sample_weight, "sample_weight", da), X, "sample_weight")
        if s.ndim != 1:
            raise ValueError(f"sample_weight must be 1-D, got shape {s.shape}")
        weight = list(s.to_delayed().ravel())
    return Rows(list(X.to_delayed().ravel()), list(y.to_delayed().ravel()), weight,
                n_samples, n_features, np.dtype(dtype), y.ndim)


def as_dask(a, name, da):
    """A dask array as it is; anything array-like is wrapped (one block per 2**20 rows)."""
    if isinstance(a, da.Array):
        return a
    if hasattr(a, "tocsr"):
        raise TypeError(f"{name} must be a dense (dask) array, got a scipy.sparse matrix")
    a = np.asarray(a)
    if a.ndim == 0:
        raise ValueError(f"{name} must be an array, got a scalar")
    return da.from_array(a, chunks=(1 << 20,) + a.shape[1:])


def aligned(a, X, name):
    """a (rows of X) rechunked to X's row blocks."""
    if a.ndim == 0 or a.shape[0] != X.shape[0]:
        raise ValueError(f"{name} has {a.shape[0] if a.ndim else 0} rows, X has {X.shape[0]}")
    v.check_numeric_kind(a.dtype, name)
    if a.chunks[0] != X.chunks[0]:
        a = a.rechunk({0: X.chunks[0]})
    return a


def checked_block(X, y, s, dtype):
    """One block's X, y (float64 for y) and weights, checked where they are read."""
    X = np.asarray(X)
    if X.dtype != dtype:
        X = v.as_float_array(X, "X", dtype)
    v.check_finite(X, "X")
    y = v.as_float_array(y, "y", np.float64)
    v.check_finite(y, "y")
    if s is not None:
        s = v.check_nonnegative_vector(s, "sample_weight", X.shape[0])
    return X, y, s


def apply_checked(function, X, y, s, dtype, *args):
    return function(*checked_block(X, y, s, dtype), *args)


def map_reduce(function, rows, *args, client=None, per_block=None):
    """The sum (+) over the row blocks of function(X_b, y_b, s_b, *args), a tree on the cluster.

    function must be importable by the workers (module level); X_b comes in the fit's dtype, y_b in
    float64, s_b as raw float64 weights or None. args are sent with every task: keep them small.
    per_block, if given, has one item per block, passed to that block's task only (after args).
    Runs on client if given, else on dask's default scheduler (an active Client, if there is one).
    """
    dask, _ = import_dask()
    # impure tasks (fresh keys): every pass reads its blocks anew, never an earlier call's answer
    # still held by the scheduler, and nothing is spent hashing arguments for keys
    task = dask.delayed(apply_checked, pure=False)
    own = [()] * rows.n_blocks if per_block is None else [(item,) for item in per_block]
    parts = [task(function, X, y, s, rows.dtype, *args, *extra)
             for X, y, s, extra in zip(rows.X, rows.y, rows.weight, own)]
    add_all = dask.delayed(sum_all, pure=False)
    while len(parts) > 1:
        parts = [add_all(parts[i:i + SPLIT_EVERY]) for i in range(0, len(parts), SPLIT_EVERY)]
    return compute(parts[0], client)


def sum_all(summaries):
    return functools.reduce(operator.add, summaries)


def compute(graph, client=None):
    """The value of a dask graph, on client if given (else dask's default scheduler)."""
    dask, _ = import_dask()
    if client is not None:
        return client.gather(client.compute(graph))
    return dask.compute(graph)[0]


def check_client(client):
    """None (dask's default scheduler) or an object with a .compute like distributed.Client."""
    if client is not None and not callable(getattr(client, "compute", None)):
        raise TypeError(f"client must be a distributed.Client or None, got {type(client).__name__}")
    return client

