# BLAS level 1 over scipy.linalg.cython_blas, fused over float32/float64, unit strides.
from cython cimport floating
from scipy.linalg cimport cython_blas

ctypedef int blas_int    # scipy's cython_blas takes C int sizes and strides


cdef inline floating dot(blas_int n, const floating* x, const floating* y) noexcept nogil:
    """Return x . y (np.dot)."""
    cdef blas_int one = 1
    if floating is float:
        return cython_blas.sdot(&n, <float*> x, &one, <float*> y, &one)
    else:
        return cython_blas.ddot(&n, <double*> x, &one, <double*> y, &one)


cdef inline void axpy(blas_int n, floating a, const floating* x, floating* y) noexcept nogil:
    """y += a * x."""
    cdef blas_int one = 1
    if floating is float:
        cython_blas.saxpy(&n, &a, <float*> x, &one, y, &one)
    else:
        cython_blas.daxpy(&n, &a, <double*> x, &one, y, &one)
