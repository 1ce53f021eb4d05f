# Duality gap of the weighted elastic net with penalty factors and positivity.
#
# Primal, on the centred data (intercept profiled out by weighted centring):
#   P(w) = 1/(2n) sum_i s_i r_i^2 + sum_j (l1_j |w_j| + l2_j/2 w_j^2),   r = y - X w,
# with w_j >= 0 under positivity. For a dual point theta (a vector like r) scaled by kappa:
#   D = kappa/n sum_i s_i theta_i y_i - kappa^2/(2n) sum_i s_i theta_i^2 - sum_j G_j*(kappa v_j),
#   v_j = x_j . (s * theta) / n,
# where G_j* is the conjugate of the penalty of feature j:
#   l2_j > 0:            (|v| - l1_j)_+^2 / (2 l2_j)            (positive: (v - l1_j)_+^2 / (2 l2_j))
#   l2_j = 0 < l1_j:     0 if |v| <= l1_j, else +inf            (positive: v <= l1_j)
#   l1_j = l2_j = 0:     0 if v = 0, else +inf                  (positive: v <= 0)
# theta starts from the residual r; features without any penalty are made exactly orthogonal to it by
# projecting them out of r (a small Cholesky solve), and kappa <= 1 then makes the L1-only
# constraints hold. gap = P - D >= 0 bounds the suboptimality of w.
#
# References: Fercoq, Gramfort, Salmon (2015), "Mind the duality gap: safer rules for the Lasso";
# Friedman, Hastie, Tibshirani (2010), "Regularization paths for GLMs via coordinate descent".
from libc.math cimport fabs, sqrt
from cython cimport floating
from l1l2._kernels._layout cimport layout_t, corr_exact, offset, residual_sums, shift, state_size


cdef struct Unpenalised:
    # Features with l1_j = l2_j = 0, whose dual constraint is an equality.
    Py_ssize_t q            # how many; 0: nothing to project
    const Py_ssize_t* idx   # their indices
    const double* gram      # (q, q) row-major: (x_a - m_a) . (s * (x_b - m_b)) / n
    double* chol            # (q, q) work
    double* rhs             # (q,) work: correlations in, projection coefficients out
    Py_ssize_t* take        # (q,) work: positions in idx that take part


cdef inline void solve_psd(Py_ssize_t q, double* a, double* b) noexcept nogil:
    """Solve a x = b in place (x into b) for a PSD (q, q) row-major a, by Cholesky.

    Pivots that vanish (linearly dependent columns: the part of a column the earlier ones do not
    explain is below 1e-12 of its own size, or the column is zero) get x = 0: the span, and so the
    projection, is the same. The test is relative to each column, so it does not depend on the
    columns' scales (1e-150 next to 1).
    """
    cdef Py_ssize_t i, j, k
    cdef double d
    for k in range(q):                       # a <- L (lower), column by column
        d = a[k * q + k]
        for j in range(k):
            d -= a[k * q + j] * a[k * q + j]
        if d <= 1e-12 * a[k * q + k]:        # (a[k, k] still holds the input here; 0 for a zero column)
            a[k * q + k] = 0.0
            for i in range(k + 1, q):
                a[i * q + k] = 0.0
            continue
        d = sqrt(d)
        a[k * q + k] = d
        for i in range(k + 1, q):
            for j in range(k):
                a[i * q + k] -= a[i * q + j] * a[k * q + j]
            a[i * q + k] /= d
    for i in range(q):                       # L z = b
        for j in range(i):
            b[i] -= a[i * q + j] * b[j]
        b[i] = b[i] / a[i * q + i] if a[i * q + i] > 0 else 0.0
    for i in range(q - 1, -1, -1):           # L' x = z
        for j in range(i + 1, q):
            b[i] -= a[j * q + i] * b[j]
        b[i] = b[i] / a[i * q + i] if a[i * q + i] > 0 else 0.0


cdef inline void project_unpenalised(const layout_t* X, const floating* vals, const floating* s,
                                     const floating* m, const floating* w, const floating* r,
                                     bint positive, Unpenalised* u, double inv_n, Py_ssize_t p,
                                     floating* theta, floating* w_theta) noexcept nogil:
    """theta = r minus its weighted projection on the unpenalised centred columns.

    Then theta = y - (X - m) w_theta: w_theta is w plus the projection's coefficients.
    """
    cdef Py_ssize_t a, b, j, n_take = 0
    cdef double c
    for a in range(u.q):
        j = u.idx[a]
        c = corr_exact(X, vals, s, offset(m, j), j, r) * inv_n
        # Under positivity a feature at zero with c <= 0 already meets its constraint (v <= 0).
        if positive and w[j] == 0 and c <= 0:
            continue
        u.take[n_take] = a
        u.rhs[n_take] = c
        n_take += 1
    for a in range(n_take):
        for b in range(n_take):
            u.chol[a * n_take + b] = u.gram[u.take[a] * u.q + u.take[b]]
    solve_psd(n_take, u.chol, u.rhs)
    for a in range(state_size(X)):
        theta[a] = r[a]
    for j in range(p):
        w_theta[j] = w[j]
    for a in range(n_take):
        j = u.idx[u.take[a]]
        shift(X, vals, j, <floating> u.rhs[a], offset(m, j), theta)
        w_theta[j] += <floating> u.rhs[a]


cdef inline const floating* dual_point(const floating* r, Unpenalised* u, floating* theta) noexcept nogil:
    """The dual point of the last dual_gap: theta if unpenalised features were projected out, else r."""
    if u.q > 0:
        return theta
    return r


cdef inline double dual_gap(const layout_t* X, const floating* vals, const floating* s,
                            const floating* m, const floating* y, const floating* w, const floating* r,
                            const floating* l1, const floating* l2, bint positive, Unpenalised* u,
                            const Py_ssize_t* features, Py_ssize_t count, Py_ssize_t p,
                            floating* theta, floating* w_theta, double* v, double* loss) noexcept nogil:
    """Return P(w) - D(kappa * theta) (see the module comment) over features[:count].

    w must be zero outside those features; the gap is then that of all features as long as the
    others meet their KKT condition at theta (|v_j| <= l1_j), which the caller checks separately.
    theta, w_theta (the dual point and its coefficients) are work arrays; v[j] is left holding
    x_j . (s * theta) / n for the listed features and loss the primal sum_i s_i r_i^2.
    """
    cdef Py_ssize_t a, j
    cdef double inv_n = 1.0 / X.n, kappa = 1.0, excess, conj = 0.0, pen = 0.0
    cdef double ry, rr, ty, tt
    cdef const floating* point = r
    cdef const floating* point_coef = w
    if u.q > 0:
        project_unpenalised(X, vals, s, m, w, r, positive, u, inv_n, p, theta, w_theta)
        point, point_coef = theta, w_theta
    for a in range(count):
        j = features[a]
        v[j] = corr_exact(X, vals, s, offset(m, j), j, point) * inv_n
        excess = v[j] if positive else fabs(v[j])
        if l2[j] == 0 and l1[j] > 0 and excess > l1[j]:
            kappa = min(kappa, l1[j] / excess)
    for a in range(count):
        j = features[a]
        pen += l1[j] * fabs(w[j]) + 0.5 * l2[j] * w[j] * w[j]
        if l2[j] > 0:
            excess = (kappa * v[j] if positive else kappa * fabs(v[j])) - l1[j]
            if excess > 0:
                conj += excess * excess / (2 * l2[j])
    residual_sums(X, s, y, w, r, p, &ry, &rr)
    ty, tt = ry, rr
    if point != r:
        residual_sums(X, s, y, point_coef, point, p, &ty, &tt)
    loss[0] = rr
    return (0.5 * inv_n * rr + pen) - (kappa * inv_n * ty - 0.5 * kappa * kappa * inv_n * tt - conj)
