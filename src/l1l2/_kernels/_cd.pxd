from cython cimport floating
from l1l2._kernels._layout cimport layout_t
from l1l2._kernels._gap cimport Unpenalised

cpdef enum Status:
    CONVERGED = 0
    MAX_ITER = 1


cdef Status cd_body(const layout_t* X, const floating* vals, const floating* s, const floating* m,
                    const floating* y, floating* w, floating* r, const floating* colsq,
                    const floating* l1, const floating* l2, bint positive, Unpenalised* u,
                    Py_ssize_t n, Py_ssize_t p, int max_iter, double tol,
                    Py_ssize_t* features, floating* theta, double* v, int* n_iter,
                    double* gap) noexcept nogil
