from cython cimport floating
from l1l2._kernels._layout cimport layout_t
from l1l2._kernels._gap cimport Unpenalised

cpdef enum Status:
    CONVERGED = 0
    MAX_ITER = 1


cdef struct Work:
    # Scratch owned by the entry point. Floating arrays are void*: Cython has no generic structs.
    Py_ssize_t* ws         # (p,) the working set: the features the sweeps visit
    Py_ssize_t n_ws
    char* in_ws            # (p,) membership flags of ws
    Py_ssize_t* active     # (p,) the nonzero coefficients of ws
    Py_ssize_t* everything # (p,) 0 .. p-1
    Py_ssize_t* violators  # (p,) features outside ws that fail their KKT condition
    double* excess         # (p,) how much: |v_j| / l1_j, and a copy to sort
    double* sorted_excess
    double* v              # (p,) x_j . (s * theta) / n at the last gap: KKT scores, read by the caller
    double loss            # sum_i s_i r_i^2 at the last gap
    void* theta            # (state size,) the dual point
    void* w_theta          # (p,) its coefficients
    void* w_before         # (p,) coefficients of the active features before their sweeps
    void* saved            # (p,) scratch of catch_up


cdef Status cd_body(const layout_t* X, const floating* vals, const floating* s, const floating* m,
                    const floating* y, floating* w, floating* r, const floating* colsq,
                    const floating* l1, const floating* l2, bint positive, Unpenalised* u,
                    Py_ssize_t p, int max_iter, double tol, Work* work, int* n_iter,
                    double* gap) noexcept nogil
