"""Type stubs of the compiled CD kernel (_cd.pyx): its Python entry points.

Arrays are float32 or float64 (one dtype per call) as the Cython signatures require; see _cd.pyx
for the in-place contract. Other Cython code cimports the C functions from _cd.pxd instead.
"""
import enum

import numpy as np
from numpy.typing import NDArray

from l1l2._limits import Budget

_Floats = NDArray[np.float32] | NDArray[np.float64]
_Indices = NDArray[np.int32] | NDArray[np.int64]
# (coef, status, n_iter, gap, loss, v), each with a leading task axis
_Tasks = tuple[_Floats, NDArray[np.intc], NDArray[np.intc], NDArray[np.float64], NDArray[np.float64],
               NDArray[np.float64]]

class Status(enum.IntEnum):
    CONVERGED = 0
    MAX_ITER = 1
    OUT_OF_TIME = 2

def now() -> float: ...

def cd_dense(X: _Floats, y: _Floats, w: _Floats, r: _Floats, sample_weight: _Floats,
             offsets: _Floats, colsq: _Floats, l1: _Floats, l2: _Floats, positive: bool,
             unpenalised: NDArray[np.intp], unpenalised_gram: NDArray[np.float64],
             scores: NDArray[np.float64], l1_previous: _Floats, max_iter: int,
             tol: NDArray[np.float64], limits: Budget) -> _Tasks: ...
def cd_gram(G: _Floats, Xty: _Floats, yy: NDArray[np.float64], n_samples: int, w: _Floats,
            g: _Floats, colsq: _Floats, l1: _Floats, l2: _Floats, positive: bool,
            unpenalised: NDArray[np.intp], unpenalised_gram: NDArray[np.float64],
            scores: NDArray[np.float64], l1_previous: _Floats, max_iter: int,
            tol: NDArray[np.float64], limits: Budget) -> _Tasks: ...
def cd_csc(data: _Floats, indices: _Indices, indptr: _Indices, n_samples: int, y: _Floats,
           w: _Floats, state: _Floats, sample_weight: _Floats, offsets: _Floats, colsq: _Floats,
           l1: _Floats, l2: _Floats, positive: bool, unpenalised: NDArray[np.intp],
           unpenalised_gram: NDArray[np.float64], scores: NDArray[np.float64],
           l1_previous: _Floats, max_iter: int, tol: NDArray[np.float64], limits: Budget
           ) -> _Tasks: ...
def csc_column_stats(data: _Floats, indices: _Indices, indptr: _Indices, n_samples: int,
                     sample_weight: NDArray[np.float64], centre: bool
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]: ...
