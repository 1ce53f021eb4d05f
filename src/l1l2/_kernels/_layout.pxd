# How X is stored, and the only code that knows it: a few column primitives.
#
# The CD body (_cd.pyx) and the duality gap (_gap.pxd) see X through a state vector r, the residual
# y - (X - m) w in whatever form the layout keeps it, and
#   corr(X, vals, s, m_j, j, r)        (x_j - m_j) . (s * r) in the working dtype (the coordinate update)
#   corr_exact(X, vals, s, m_j, j, r)  the same, accumulated in double (decides convergence)
#   shift(X, vals, j, delta, m_j, r)   r -= delta * (x_j - m_j)
#   residual_sums(X, s, y, w, r, ...)  r . (s * y) and r . (s * r), for the duality gap
#   reset_state(X, y, r)               r = y, the residual of w = 0
#   state_size(X)                      the length of r
#   shift_within / catch_up            a cheaper shift while sweeps visit only a few features
#                                      (Gram: only their entries of g), and the update of the rest
# Layout structs carry no dtype (Cython has no generic structs): the values pointer travels beside them.
# s = NULL means unit weights; m_j = 0 means no centring.
#
# Dense: Fortran-ordered X; the state is the residual itself (n entries) and y the centred target.
# Centring is implicit: X is never copied or modified; each primitive subtracts m_j from the column's
# entries as it reads them, which is as accurate as a centred copy even when |m_j| >> std(x_j).
#
# Csc32, Csc64 (scipy's CSC with int32 or int64 indices): column j holds vals[indptr[j]:indptr[j+1]]
# at rows indices[...]. Centring a sparse column would fill it in, so the state is n + 1 numbers:
# u = y - X w (uncentred product, y the centred target) in r[0:n] and c = m . w in r[n], the residual
# being r_i = u_i + c. A shift then touches only the column's nonzeros and c. The correlation uses
# sum_i s_i r_i = 0 (y and the columns are weighted-centred; so is every dual point built from them):
#   (x_j - m_j) . (s * r) = x_j . (s * r) = sum over the nonzeros of x_ij s_i (u_i + c),
# which adds c to each u_i before the products (the shorter sum_nonzeros x_ij s_i u_i + c n m_j
# would cancel digits when |c| >> |r|). Without an intercept m = 0 and c stays 0.
#
# Gram (covariance mode, for n >> p): vals = G = (X - m)' S (X - m), p x p, weights and centring
# folded in (s and m are unused); the state is g = (X - m)' S r (p entries) and y holds
# q = (X - m)' S y_c, so every primitive costs O(1) or O(p) instead of O(n).
from cython cimport floating
from libc.stdint cimport int32_t, int64_t
from l1l2._kernels._blas cimport blas_int, dot, axpy

cdef extern from "l1l2_simd.h" nogil:
    double l1l2_wdot_d(Py_ssize_t n, const double* x, double m, const double* s, const double* r)
    float l1l2_wdot_f(Py_ssize_t n, const float* x, float m, const float* s, const float* r)
    double l1l2_wdot_f_acc(Py_ssize_t n, const float* x, float m, const float* s, const float* r)
    void l1l2_shift_centred_d(Py_ssize_t n, double delta, const double* x, double m, double* r)
    void l1l2_shift_centred_f(Py_ssize_t n, float delta, const float* x, float m, float* r)


cdef struct Dense:
    Py_ssize_t n    # rows; the residual has n entries
    Py_ssize_t ld   # Fortran order: column j starts at vals + j * ld

cdef struct Csc32:
    Py_ssize_t n              # rows; the state has n + 1 entries
    const int32_t* indptr     # (p + 1,) column j: entries indptr[j] .. indptr[j + 1] - 1
    const int32_t* indices    # row of each entry (sorted, unique within a column: validated)

cdef struct Csc64:
    Py_ssize_t n
    const int64_t* indptr
    const int64_t* indices

cdef struct Gram:
    Py_ssize_t n    # samples, for the 1/n of the objective
    Py_ssize_t p    # features; the state g has p entries
    Py_ssize_t ld   # column j of G starts at vals + j * ld
    double yy       # y_c . (s * y_c): with q and g it gives every sum of squares without a residual

ctypedef fused layout_t:
    Dense
    Csc32
    Csc64
    Gram


cdef inline Py_ssize_t state_size(const layout_t* X) noexcept nogil:
    """Length of the state vector: n residuals (Dense), u and c (Csc), p correlations (Gram)."""
    if layout_t is Gram:
        return X.p
    elif layout_t is Dense:
        return X.n
    else:
        return X.n + 1


cdef inline void reset_state(const layout_t* X, const floating* y, floating* r) noexcept nogil:
    """r = the state of w = 0: y itself (and c = 0)."""
    cdef Py_ssize_t i
    if layout_t is Gram:
        for i in range(X.p):
            r[i] = y[i]
    else:
        for i in range(X.n):
            r[i] = y[i]
        if layout_t is not Dense:
            r[X.n] = 0


cdef inline double sparse_wdot(const layout_t* X, const floating* vals, const floating* s,
                               Py_ssize_t j, const floating* r) noexcept nogil:
    """Csc: sum over the nonzeros of x_ij s_i (u_i + c) (the module comment), in double."""
    cdef Py_ssize_t k, i
    cdef double acc = 0.0, c
    if layout_t is Csc32 or layout_t is Csc64:
        c = r[X.n]
        if s == NULL:
            for k in range(X.indptr[j], X.indptr[j + 1]):
                acc += <double> vals[k] * (r[X.indices[k]] + c)
        else:
            for k in range(X.indptr[j], X.indptr[j + 1]):
                i = X.indices[k]
                acc += <double> vals[k] * s[i] * (r[i] + c)
    return acc


cdef inline floating offset(const floating* m, Py_ssize_t j) noexcept nogil:
    """m_j, the centring offset of column j (m NULL: no centring)."""
    return m[j] if m != NULL else 0


cdef inline double wdot_exact(Py_ssize_t n, const floating* x, floating m, const floating* s,
                              const floating* r) noexcept nogil:
    """Return sum_i (x_i - m) s_i r_i accumulated in double (s NULL: unit weights)."""
    if floating is float:
        return l1l2_wdot_f_acc(n, x, m, s, r)
    else:
        return l1l2_wdot_d(n, x, m, s, r)


cdef inline floating corr(const layout_t* X, const floating* vals, const floating* s, floating m_j,
                          Py_ssize_t j, const floating* r) noexcept nogil:
    """Return (x_j - m_j) . (s * r) in the working dtype (Gram: g_j)."""
    if layout_t is Gram:
        return r[j]
    elif layout_t is not Dense:
        return <floating> sparse_wdot(X, vals, s, j, r)
    elif s == NULL and m_j == 0:
        return dot(<blas_int> X.n, vals + j * X.ld, r)
    elif floating is float:
        return l1l2_wdot_f(X.n, vals + j * X.ld, m_j, s, r)
    else:
        return l1l2_wdot_d(X.n, vals + j * X.ld, m_j, s, r)


cdef inline double corr_exact(const layout_t* X, const floating* vals, const floating* s, floating m_j,
                              Py_ssize_t j, const floating* r) noexcept nogil:
    """Return (x_j - m_j) . (s * r) accumulated in double (Gram: g_j)."""
    if layout_t is Gram:
        return r[j]
    elif layout_t is Dense:
        return wdot_exact(X.n, vals + j * X.ld, m_j, s, r)
    else:
        return sparse_wdot(X, vals, s, j, r)


cdef inline void shift(const layout_t* X, const floating* vals, Py_ssize_t j, floating delta,
                       floating m_j, floating* r) noexcept nogil:
    """r -= delta * (x_j - m_j)  (Csc: u -= delta * x_j, c += delta * m_j; Gram: g -= delta * G[:, j])."""
    cdef Py_ssize_t k
    if layout_t is Csc32 or layout_t is Csc64:
        for k in range(X.indptr[j], X.indptr[j + 1]):
            r[X.indices[k]] -= delta * vals[k]
        r[X.n] += delta * m_j
    elif layout_t is Gram:
        # short (p) and called once per coordinate update: our inlined loop beats a BLAS call
        if floating is float:
            l1l2_shift_centred_f(X.p, delta, vals + j * X.ld, 0, r)
        else:
            l1l2_shift_centred_d(X.p, delta, vals + j * X.ld, 0, r)
    elif m_j == 0:
        axpy(<blas_int> X.n, -delta, vals + j * X.ld, r)
    elif floating is float:
        l1l2_shift_centred_f(X.n, delta, vals + j * X.ld, m_j, r)
    else:
        l1l2_shift_centred_d(X.n, delta, vals + j * X.ld, m_j, r)


cdef inline void residual_sums(const layout_t* X, const floating* s, const floating* y,
                               const floating* w, const floating* r, Py_ssize_t p,
                               double* yr, double* rr) noexcept nogil:
    """yr = r . (s * y) and rr = r . (s * r), in double, for the residual r = y - (X - m) w."""
    cdef Py_ssize_t i, j
    cdef double wq = 0.0, wg = 0.0, r_i, c
    if layout_t is Dense:
        yr[0] = wdot_exact(X.n, r, 0, s, y)
        rr[0] = wdot_exact(X.n, r, 0, s, r)
    elif layout_t is Csc32 or layout_t is Csc64:
        c = r[X.n]
        yr[0] = rr[0] = 0.0
        for i in range(X.n):
            r_i = (<double> r[i] + c) * (s[i] if s != NULL else 1.0)
            yr[0] += r_i * y[i]
            rr[0] += r_i * (r[i] + c)
    else:
        # with y = q and r = g = q - G w:  r.Sy = yy - w.q  and  r.Sr = yy - 2 w.q + w.G.w = yy - w.q - w.g
        for j in range(p):
            wq += <double> w[j] * y[j]
            wg += <double> w[j] * r[j]
        yr[0] = X.yy - wq
        rr[0] = yr[0] - wg


cdef inline void shift_within(const layout_t* X, const floating* vals, Py_ssize_t j, floating delta,
                              floating m_j, floating* r, const Py_ssize_t* subset,
                              Py_ssize_t count) noexcept nogil:
    """shift, where only the state entries a sweep over subset reads need to be right.

    Gram: g[subset] -= delta * G[subset, j], O(count) instead of O(p); catch_up then settles the
    other entries. A residual has no such shortcut: Dense and Csc shift all of r.
    """
    cdef Py_ssize_t a
    cdef const floating* col
    if layout_t is Gram:
        col = vals + j * X.ld
        for a in range(count):
            r[subset[a]] -= delta * col[subset[a]]
    else:
        shift(X, vals, j, delta, m_j, r)


cdef inline void catch_up(const layout_t* X, const floating* vals, const floating* m,
                          const floating* w, const floating* w_before, floating* r,
                          const Py_ssize_t* subset, Py_ssize_t count, floating* saved) noexcept nogil:
    """After sweeps that used shift_within(subset), bring the rest of the state up to date: w moved
    from w_before (indexed like subset) to w; the subset's own entries are already right."""
    cdef Py_ssize_t a, j
    if layout_t is Gram:
        for a in range(count):
            saved[a] = r[subset[a]]
        for a in range(count):
            j = subset[a]
            if w[j] != w_before[a]:
                shift(X, vals, j, w[j] - w_before[a], offset(m, j), r)
        for a in range(count):
            r[subset[a]] = saved[a]
