"""Cyclic coordinate descent for the weighted elastic net, certified by its duality gap.

Objective, on weighted-centred data when there is an intercept (X itself is never centred or copied;
see _layout.pxd)::

    1/(2n) sum_i s_i (y_i - x_i . w)^2 + sum_j (l1_j |w_j| + l2_j/2 w_j^2),   w >= 0 if positive

with sum_i s_i = n, l1_j = alpha rho f_j and l2_j = alpha (1 - rho) f_j prepared by the caller.

Legend: n samples, p features; w coefficients, r residual y - X w (centred), s sample weights,
m column offsets (weighted means), colsq_j = (x_j - m_j) . (s * (x_j - m_j)) / n; i samples, j features,
t sweeps.

In place: w and r are updated (they enter as the warm start and its residual, r = y - X w, and leave
as the solution and its residual recomputed from scratch); everything else is read only. Kernels
trust their input: the Python layer has validated it.

Stopping: after a full sweep whose objective decrease is at most tol (a cheap test, and a necessary
one, since the decrease bounds the suboptimality before the sweep), compute the duality gap
(_gap.pxd) and stop once it is at most tol. tol is absolute here; the caller scales it.

References: Friedman, Hastie, Tibshirani (2010), J. Stat. Softw. 33(1), "Regularization paths for
generalized linear models via coordinate descent".
"""
import numpy as np

from cython cimport floating
from l1l2._kernels._layout cimport Dense, layout_t, corr, offset, shift
from l1l2._kernels._gap cimport Unpenalised, dual_gap
from l1l2._kernels._prox cimport soft_threshold, positive_threshold


cdef inline double sweep(const layout_t* X, const floating* vals, const floating* s, const floating* m,
                         floating* w, floating* r, const floating* colsq, const floating* l1,
                         const floating* l2, bint positive, floating inv_n,
                         const Py_ssize_t* features, Py_ssize_t count) noexcept nogil:
    """Update w_j for j in features[:count] in turn; return the epoch's objective decrease bound."""
    cdef Py_ssize_t a, j
    cdef floating w_old, z, delta, m_j
    cdef double decrease = 0.0
    for a in range(count):
        j = features[a]
        m_j = offset(m, j)
        if colsq[j] == 0:
            # Constant column (after centring): it cannot change the fit, so 0 is optimal.
            w[j] = 0
            continue
        w_old = w[j]
        z = corr(X, vals, s, m_j, j, r) * inv_n + colsq[j] * w_old
        if positive:
            w[j] = positive_threshold(z, l1[j]) / (colsq[j] + l2[j])
        else:
            w[j] = soft_threshold(z, l1[j]) / (colsq[j] + l2[j])
        delta = w[j] - w_old
        if delta != 0:
            shift(X, vals, j, delta, m_j, r)
            # the coordinate's objective falls by at least (colsq + l2)/2 delta^2 (strong convexity)
            decrease += 0.5 * (colsq[j] + l2[j]) * delta * delta
    return decrease


cdef inline void recompute_residual(const layout_t* X, const floating* vals, const floating* m,
                                    const floating* y, const floating* w, floating* r,
                                    Py_ssize_t n, Py_ssize_t p) noexcept nogil:
    """r = y - (X - m) w from scratch: drops the rounding drift of many in-place shifts before a gap."""
    cdef Py_ssize_t i, j
    for i in range(n):
        r[i] = y[i]
    for j in range(p):
        if w[j] != 0:
            shift(X, vals, j, w[j], offset(m, j), r)


cdef Status cd_body(const layout_t* X, const floating* vals, const floating* s, const floating* m,
                    const floating* y, floating* w, floating* r, const floating* colsq,
                    const floating* l1, const floating* l2, bint positive, Unpenalised* u,
                    Py_ssize_t n, Py_ssize_t p, int max_iter, double tol,
                    Py_ssize_t* features, floating* theta, double* v, int* n_iter,
                    double* gap) noexcept nogil:
    """Alternate full sweeps with sweeps over the nonzero coefficients (glmnet's active-set cycling).

    features: (2p,) work; its first half becomes 0..p-1, its second half the active list. Only a full
    sweep can certify convergence; the active sweeps are cheap and settle the support's values.
    n_iter counts every sweep, full or active.
    """
    cdef Py_ssize_t j, n_active
    cdef Py_ssize_t* everything = features
    cdef Py_ssize_t* active = features + p
    cdef floating inv_n = <floating> (1.0 / n)
    cdef int t = 0
    for j in range(p):
        everything[j] = j
    gap[0] = 0.0
    while t < max_iter:
        t += 1
        if sweep(X, vals, s, m, w, r, colsq, l1, l2, positive, inv_n, everything, p) <= tol:
            recompute_residual(X, vals, m, y, w, r, n, p)
            gap[0] = dual_gap(X, vals, s, m, y, w, r, l1, l2, positive, u, n, p, theta, v)
            if gap[0] <= tol:
                n_iter[0] = t
                return CONVERGED
        n_active = 0
        for j in range(p):
            if w[j] != 0:
                active[n_active] = j
                n_active += 1
        while n_active > 0 and t < max_iter:
            t += 1
            if sweep(X, vals, s, m, w, r, colsq, l1, l2, positive, inv_n, active, n_active) <= tol:
                break
    n_iter[0] = t
    recompute_residual(X, vals, m, y, w, r, n, p)
    gap[0] = dual_gap(X, vals, s, m, y, w, r, l1, l2, positive, u, n, p, theta, v)
    return CONVERGED if gap[0] <= tol else MAX_ITER


cdef inline const floating* optional(const floating[::1] a) noexcept nogil:
    """An empty array stands for 'absent' (unit weights, no centring): NULL."""
    return &a[0] if a.shape[0] > 0 else NULL


def cd_dense(const floating[::1, :] X, const floating[::1] y, floating[::1] w, floating[::1] r,
             const floating[::1] sample_weight, const floating[::1] offsets,
             const floating[::1] colsq, const floating[::1] l1, const floating[::1] l2,
             bint positive, const Py_ssize_t[::1] unpenalised, const double[:, ::1] unpenalised_gram,
             int max_iter, double tol):
    """Run CD on Fortran-ordered dense X; update w and r in place; return (status, n_iter, gap).

    sample_weight and offsets may be empty (unit weights, no centring); unpenalised lists the
    features with l1 = l2 = 0 and unpenalised_gram their (q, q) weighted centred Gram / n.
    """
    cdef Py_ssize_t n = X.shape[0], p = X.shape[1], q = unpenalised.shape[0]
    cdef Dense layout = Dense(n=n, ld=n)
    cdef int n_iter = 0
    cdef double gap = 0.0
    cdef Status status
    dtype = np.float32 if floating is float else np.float64
    cdef floating[::1] theta = np.empty(n if q > 0 else 1, dtype=dtype)
    cdef double[::1] v = np.empty(p, dtype=np.float64)
    cdef double[::1] chol = np.empty(max(q * q, 1), dtype=np.float64)
    cdef double[::1] rhs = np.empty(max(q, 1), dtype=np.float64)
    cdef Py_ssize_t[::1] take = np.empty(max(q, 1), dtype=np.intp)
    cdef Py_ssize_t[::1] features = np.empty(2 * p, dtype=np.intp)
    cdef Unpenalised u = Unpenalised(q=q, idx=NULL, gram=NULL, chol=&chol[0], rhs=&rhs[0], take=&take[0])
    if q > 0:
        u.idx = &unpenalised[0]
        u.gram = &unpenalised_gram[0, 0]
    with nogil:
        status = cd_body(&layout, &X[0, 0], optional(sample_weight), optional(offsets), &y[0],
                         &w[0], &r[0], &colsq[0], &l1[0], &l2[0], positive, &u, n, p,
                         max_iter, tol, &features[0], &theta[0], &v[0], &n_iter, &gap)
    return Status(status), n_iter, gap
