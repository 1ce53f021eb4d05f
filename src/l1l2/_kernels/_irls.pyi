"""Type stubs of the compiled LAD / quantile kernel (_irls.pyx): its Python entry points.

See _irls.pyx for the LP, the starts and the simplex. Other Cython code cimports the C function
from _irls.pxd instead.
"""
import enum

import numpy as np
from numpy.typing import NDArray

from l1l2._limits import Budget

_Floats = NDArray[np.float32] | NDArray[np.float64]
_Indices = NDArray[np.int32] | NDArray[np.int64]

class Outcome(enum.IntEnum):
    OPTIMAL = 0
    MAX_PIVOTS = 1
    UNBOUNDED = 2
    SINGULAR = 3
    STALLED = 4

class Start(enum.IntEnum):
    IRLS = 0
    INTERIOR = 1

def start_space(method: Start, n: int, k: int, pa: int, ld: int) -> NDArray[np.float64]: ...
def start_dense(X: _Floats, y: NDArray[np.float64], c: NDArray[np.float64], lo: float, hi: float,
                fit_intercept: bool, l: NDArray[np.float64], beta: NDArray[np.float64],
                method: Start, max_iter: int, tol: float, stall: float, limits: Budget
                ) -> tuple[int, NDArray[np.bool_]]: ...
def start_csr(data: _Floats, indices: _Indices, indptr: _Indices, p: int,
              y: NDArray[np.float64], c: NDArray[np.float64], lo: float, hi: float,
              fit_intercept: bool, l: NDArray[np.float64], beta: NDArray[np.float64],
              method: Start, max_iter: int, tol: float, stall: float, limits: Budget
              ) -> tuple[int, NDArray[np.bool_]]: ...
def simplex(Z: NDArray[np.float64], y: NDArray[np.float64], c: NDArray[np.float64], lo: float,
            hi: float, pen: NDArray[np.intp], l: NDArray[np.float64], g_fixed: NDArray[np.float64],
            order: NDArray[np.intp], side: NDArray[np.int8], max_pivots: int, tol: float,
            limits: Budget) -> tuple[Outcome, int, NDArray[np.float64], NDArray[np.float64], NDArray[np.intp],
                       NDArray[np.float64]]: ...
