"""LAD and quantile regression: a start to get close, then simplex pivots to the exact LP optimum.

Objective, an LP. The intercept is a column of ones in Z = [X, 1] (absent without an intercept):

    sum_i c_i rho(y_i - z_i . beta) + sum_j l_j |beta_j|,     rho(u) = hi u  (u >= 0),  lo u  (u < 0)

with c_i = s_i / n, l_j = alpha f_j, and (lo, hi) = (q - 1, q) for quantile q, (-1, 1) for LAD.
The penalty is the same shape as the loss: a "penalty row" j with z = e_j, y = 0, weight l_j and
bounds (-1, 1). So the LP is one kind of row, and its dual is

    max sum_i c_i d_i y_i   s.t.   sum_rows c_i d_i z_i = 0,   d_i in [lo_i, hi_i].

Legend: n samples, p features, pa = coefficients (p, plus one for the intercept); r residuals y - Z beta;
c row weights; d dual values; i rows, j columns, t iterations.

The starts read X through three primitives over its rows (predict: Z v; transpose_times: Z' u;
weighted_gram: Z' V Z), one branch per storage (rows_t): dense in any memory layout, read in row
blocks copied to double (so float32 X is read as it is; syrk builds the Gram matrix), or CSR with
int32 or int64 indices, whose Gram matrix gathers v_i x_ij x_il over the pairs of each row's
entries (cost sum_i nnz_i^2 / 2: proportional to the nonzeros for short rows; scipy's sparse
product was 10 times slower). The intercept column is implicit in both.

start_dense / start_csr, method IRLS: iteratively reweighted least squares. |u| <= u^2 / (2 a) + a / 2
for any a > 0, so with a_i = max(|r_i|, eps) each step minimises a quadratic majoriser: a weighted
least-squares problem, (Z' V Z + diag(l_j / b_j)) beta = Z' V y~, with V = c A / a,
y~ = y + (B / A) a, A = (hi - lo) / 2, B = (hi + lo) / 2, and b_j = max(|beta_j|, eps_b) doing the
same for the penalty (Hunter and Lange's MM; the local quadratic approximation for L1). Each step builds the weighted Gram matrix;
Cholesky (potrf) solves it. eps shrinks geometrically: the smoothed problems converge to the LP but
never reach its vertex, and slowly near it.

method INTERIOR: a primal-dual interior point method on the dual LP (Frisch-Newton: Portnoy and
Koenker; Mehrotra's predictor-corrector), the penalty rows as rows. With a = c (d - lo) in
[0, c (hi - lo)], s the other bound's slack and z, w >= 0 their dual slacks, it follows
Z' a = b, y - Z beta = w - z, a z = s w = mu -> 0. Each step solves (Z' Q Z) dbeta = rhs with
Q = diag(1 / (z / a + w / s)), the same kind of weighted Gram system as an IRLS step (twice with
one factor: the predictor and the corrector), and converges fast: about 20 steps to a relative
gap of 1e-9, which leaves the simplex a few pivots, if any.

simplex: the vertex. A basis is pa rows that the fit interpolates (r = 0); beta = B^-1 y_B. The other
rows sit on a side, which fixes their d; the basic d solve the dual equality, u = c_B d_B =
-B^-T g, g = sum over non-basic rows of c_i d_i z_i. All d_B within their bounds: optimal, and the
dual point certifies it. Otherwise the worst basic row leaves to its side; along that edge the
objective is piecewise linear, its slope rises by c_i |a_i| (hi_i - lo_i) at each row that crosses
zero; the row whose crossing makes it non-negative enters (Barrodale and Roberts' step through
several breakpoints at once). Only rows near the fit are looked at: a row's breakpoint is at least
(|r_i| / |z_i| - |beta - anchor|) / |direction| away, with r at the anchor, the beta of the last
refresh, so a scan of the rows in that order stops early. B^-1 is updated by Sherman-Morrison and
refactored every REFRESH pivots and at the end, where residuals are recomputed too, so the
certificate does not rest on updates. Residuals at rounding level are ties (exactly 0); after a run
of pivots that do not move (a degenerate vertex) Bland's rule takes over, which cannot cycle, and a
very long run is handed back to the caller (STALLED), which settles the ties' d by a small LP.
Rows not passed in (observations surely far from the fit) sit on a fixed side: their sum enters g as
g_fixed, and the caller checks afterwards that they stayed there (Portnoy and Koenker's globs).

In place: the starts update beta, simplex the sides; everything else (X above all) is read only.
Kernels trust their input (validated by the Python layer) and never raise.

References: Barrodale and Roberts (1973), SIAM J. Numer. Anal. 10(5); Koenker (2005), Quantile
Regression, ch. 6; Portnoy and Koenker (1997), Statistical Science 12(4); Hunter and Lange (2000),
"Quantile regression via an MM algorithm", J. Comput. Graph. Stat. 9(1); Koenker and Ng (2005), "A
Frisch-Newton algorithm for sparse quantile regression", Acta Math. Appl. Sin. 21(2); Mehrotra
(1992), SIAM J. Optim. 2(4).
"""
import numpy as np

from cython cimport floating
from libc.math cimport INFINITY, fabs, sqrt
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport free, malloc, qsort
from libc.string cimport memcpy, memset
from scipy.linalg cimport cython_blas, cython_lapack
from l1l2._kernels._gap cimport solve_psd
from l1l2._kernels._budget cimport (Budget, RUNNING, make_budget, raise_if_interrupted, spend,
                                    unlimited)

# Dense X is read in row blocks of about this many doubles (8 MiB): big enough that syrk runs at
# full speed (also threaded), small enough to stay out of the way of memory.
DEF BLOCK_DOUBLES = 1 << 20
# The simplex refactors B and recomputes the residuals after this many pivots.
DEF REFRESH = 50
# When pivots look at many rows, the rows are reordered every this many pivots.
DEF REANCHOR = 8
# The scan for breakpoints first checks how far it must go after this many (then twice as many...).
DEF SCAN_CHUNK = 32
# After this many degenerate pivots (plus 4 per coefficient) the simplex gives up on the vertex's
# ties: many rows on the fit (a constant y, integer data) can take Bland's rule very long.
DEF STALL_PIVOTS = 50
# A residual within TIE of |y_i| + sum_j |z_ij beta_j| is rounding: the row lies on the fit.
DEF TIE = 1e-12

cpdef enum Outcome:
    OPTIMAL = 0
    MAX_PIVOTS = 1
    UNBOUNDED = 2      # the rows passed in cannot balance g_fixed: more rows are needed
    SINGULAR = 3       # no basis among the rows passed in (or B became singular)
    STALLED = 4        # a long run of degenerate pivots: the caller settles the ties (an LP)


# ------------------------------------------------------------------------- how the rows are read

# The only code that knows how X is stored: three primitives over the observation rows z_i of
# Z = [X, 1] (the intercept column implicit), in double whatever X's dtype.
cdef struct Dense:          # X[i, j] at byte offset i * row + j * col from vals (any memory layout)
    Py_ssize_t n, p, row, col
cdef struct Csr32:          # row i: vals[indptr[i]:indptr[i + 1]] at the columns indices[...]
    Py_ssize_t n, p
    const int32_t* indptr
    const int32_t* indices
cdef struct Csr64:          # the same with int64 indices
    Py_ssize_t n, p
    const int64_t* indptr
    const int64_t* indices

ctypedef fused rows_t:
    Dense
    Csr32
    Csr64

ctypedef fused index_t:
    int32_t
    int64_t


cdef struct Work:
    # Scratch of the start algorithms, carved from one float64 buffer by carve().
    int pa
    int ld                  # rows per dense block (0 for CSR)
    double* G               # (pa, pa) a weighted Gram Z' V Z, upper triangle, column-major
    double* rhs             # (pa,)
    double* chol            # (pa, pa) scratch of the solves
    double* scratch         # (pa,)
    double* block           # (ld, pa) dense only: a row block of Z, column-major


cdef inline Work carve(double* space, int pa, int ld) noexcept nogil:
    cdef Work w
    w.pa, w.ld = pa, ld
    w.G = space
    w.chol = w.G + pa * pa
    w.rhs = w.chol + pa * pa
    w.scratch = w.rhs + pa
    w.block = w.scratch + pa
    return w


cdef inline Py_ssize_t work_size(Py_ssize_t pa, Py_ssize_t ld) noexcept nogil:
    """Doubles of scratch carve() needs."""
    return 2 * pa * pa + 2 * pa + ld * pa


cdef inline void load_block(const Dense* X, const floating* vals, bint fit_intercept,
                            Py_ssize_t start, int rows, Work* w) noexcept nogil:
    """w.block = Z[start:start + rows] (column-major, leading dimension w.ld), in double."""
    cdef Py_ssize_t i, j
    cdef const char* base = <const char*> vals
    for j in range(X.p):
        for i in range(rows):
            w.block[j * w.ld + i] = (<const floating*> (base + (start + i) * X.row + j * X.col))[0]
    if fit_intercept:
        for i in range(rows):
            w.block[X.p * w.ld + i] = 1.0


cdef void predict(const rows_t* X, const floating* vals, bint fit_intercept, const double* v,
                  double* out, Work* w) noexcept nogil:
    """out_i = z_i . v for every row (out = Z v)."""
    cdef Py_ssize_t block, start, i, k
    cdef int rows, one = 1, pa = w.pa
    cdef double unit = 1.0, zero = 0.0, acc
    if rows_t is Dense:
        for block in range((X.n + w.ld - 1) // w.ld):
            start = block * w.ld
            rows = <int> min(w.ld, X.n - start)
            load_block(X, vals, fit_intercept, start, rows, w)
            # out[start:start + rows] = block v
            cython_blas.dgemv(b"N", &rows, &pa, &unit, w.block, &w.ld, <double*> v, &one, &zero,
                              out + start, &one)
    else:
        for i in range(X.n):
            acc = v[X.p] if fit_intercept else 0.0
            for k in range(X.indptr[i], X.indptr[i + 1]):
                acc += vals[k] * v[X.indices[k]]
            out[i] = acc


cdef void transpose_times(const rows_t* X, const floating* vals, bint fit_intercept,
                          const double* u, double* out, Work* w) noexcept nogil:
    """out = Z' u = sum_i u_i z_i."""
    cdef Py_ssize_t block, start, i, k
    cdef int rows, one = 1, pa = w.pa
    cdef double unit = 1.0
    if rows_t is Dense:
        memset(out, 0, pa * sizeof(double))
        for block in range((X.n + w.ld - 1) // w.ld):
            start = block * w.ld
            rows = <int> min(w.ld, X.n - start)
            load_block(X, vals, fit_intercept, start, rows, w)
            # out += block' u[start:start + rows]
            cython_blas.dgemv(b"T", &rows, &pa, &unit, w.block, &w.ld, <double*> u + start, &one,
                              &unit, out, &one)
    else:
        memset(out, 0, pa * sizeof(double))
        for i in range(X.n):
            for k in range(X.indptr[i], X.indptr[i + 1]):
                out[X.indices[k]] += vals[k] * u[i]
            if fit_intercept:
                out[X.p] += u[i]


cdef void weighted_gram(const rows_t* X, const floating* vals, bint fit_intercept, const double* v,
                        const double* u, Work* w, Budget* budget) noexcept nogil:
    """w.G = Z' diag(v) Z (upper triangle, column-major; v >= 0) and w.rhs = Z' u. Dense: row
    blocks scaled by sqrt(v), then syrk; CSR: v_i x_ij x_il for each pair of row i's entries
    (cost sum_i nnz_i^2 / 2), the intercept column implicitly. Stops part way (G then unusable)
    once the budget is spent: the caller checks budget.reason."""
    cdef Py_ssize_t block, start, i, k, h, j, jh, p = X.p
    cdef int rows, one = 1, pa = w.pa
    cdef double unit = 1.0, root, vx
    memset(w.G, 0, pa * pa * sizeof(double))
    memset(w.rhs, 0, pa * sizeof(double))
    if rows_t is Dense:
        for block in range((X.n + w.ld - 1) // w.ld):
            start = block * w.ld
            rows = <int> min(w.ld, X.n - start)
            if spend(budget, rows * pa * pa):
                return
            load_block(X, vals, fit_intercept, start, rows, w)
            # rhs += block' u[start:start + rows]
            cython_blas.dgemv(b"T", &rows, &pa, &unit, w.block, &w.ld, <double*> u + start, &one,
                              &unit, w.rhs, &one)
            for i in range(rows):
                root = sqrt(v[start + i])
                for j in range(pa):
                    w.block[j * w.ld + i] *= root
            # G += block' block (upper)
            cython_blas.dsyrk(b"U", b"T", &pa, &rows, &unit, w.block, &w.ld, &unit, w.G, &pa)
    else:
        for i in range(X.n):
            if spend(budget, (X.indptr[i + 1] - X.indptr[i] + 1) ** 2):
                return
            for k in range(X.indptr[i], X.indptr[i + 1]):
                j = X.indices[k]
                w.rhs[j] += vals[k] * u[i]
                vx = v[i] * vals[k]
                # G[jh, j] += v_i x_ij x_ijh for the row's entries up to k (upper: row <= column)
                for h in range(X.indptr[i], k + 1):
                    jh = X.indices[h]
                    w.G[max(j, jh) * pa + min(j, jh)] += vx * vals[h]
                if fit_intercept:
                    w.G[p * pa + j] += vx
            if fit_intercept:
                w.G[p * pa + p] += v[i]
                w.rhs[p] += u[i]


# -------------------------------------------------------------------------- shared linear algebra

cdef void find_dependent(int pa, const double* G, const double* l, Py_ssize_t p, double* work,
                         double* diagonal, char* dependent) noexcept nogil:
    """Flag the unpenalised columns (l_j = 0, and the intercept) that earlier unpenalised columns
    (nearly) span, by a Cholesky of their block of G (upper triangle, column-major) that drops
    vanishing pivots (solve_psd). Penalised columns never need dropping: their penalty keeps the
    LP's basis regular. LAPACK's Cholesky first: if none of its pivots vanishes, none would drop."""
    cdef int a, ia, info = 0, q = 0
    cdef bint regular
    for a in range(pa):
        dependent[a] = False
        if not (a < p and l[a] > 0):
            q += 1
    if q == 0:                                    # (LAPACK rejects the empty block's lda = 0)
        return
    unpenalised_block(pa, G, l, p, q, work, diagonal)
    cython_lapack.dpotrf(b"U", &q, work, &q, &info)
    regular = info == 0
    for ia in range(q if regular else 0):
        # (solve_psd drops a pivot d <= 1e-12 a_kk; potrf's pivot is sqrt(d))
        regular = regular and work[ia * q + ia] ** 2 > 1e-12 * diagonal[ia]
    if regular:
        return
    unpenalised_block(pa, G, l, p, q, work, diagonal)
    memset(diagonal, 0, q * sizeof(double))      # (the right-hand side, unused)
    solve_psd(q, work, diagonal)
    ia = 0
    for a in range(pa):
        if not (a < p and l[a] > 0):
            dependent[a] = work[ia * q + ia] == 0
            ia += 1


cdef void unpenalised_block(int pa, const double* G, const double* l, Py_ssize_t p, int q,
                            double* work, double* diagonal) noexcept nogil:
    """work (q, q) = G's rows and columns of the unpenalised columns (both triangles), diagonal (q,)
    its diagonal."""
    cdef int a, b, ia = 0, ib
    for a in range(pa):
        if a < p and l[a] > 0:
            continue
        ib = 0
        for b in range(pa):
            if not (b < p and l[b] > 0):
                work[ia * q + ib] = G[max(a, b) * pa + min(a, b)]
                ib += 1
        diagonal[ia] = G[a * pa + a]
        ia += 1


cdef bint factor(int pa, double* G, double* chol, const char* dependent) noexcept nogil:
    """Prepare solve() for the symmetric G (upper triangle given, column-major), the dependent
    columns held at 0: LAPACK's Cholesky (potrf) into chol; if G is singular all the same
    (dependent penalised columns before their penalty), G made whole for solve_psd. Returns
    whether potrf succeeded."""
    cdef int info = 0, a, b
    for a in range(pa):
        if dependent[a]:
            for b in range(pa):
                G[a * pa + b] = 0.0
                G[b * pa + a] = 0.0
            G[a * pa + a] = 1.0
    memcpy(chol, G, pa * pa * sizeof(double))
    cython_lapack.dpotrf(b"U", &pa, chol, &pa, &info)
    if info == 0:
        return True
    for a in range(pa):                      # fill the lower triangle for the dropping solve
        for b in range(a):
            G[b * pa + a] = G[a * pa + b]
    return False


cdef void solve(int pa, bint factored, const double* G, const double* chol, double* rhs,
                double* work, const char* dependent) noexcept nogil:
    """rhs <- G^-1 rhs after factor() (dependent entries 0); without potrf's factor, by solve_psd
    on a copy of G (which drops vanishing pivots)."""
    cdef int info = 0, one = 1, a
    for a in range(pa):
        if dependent[a]:
            rhs[a] = 0.0
    if factored:
        cython_lapack.dpotrs(b"U", &pa, &one, <double*> chol, &pa, rhs, &pa, &info)
    else:
        memcpy(work, G, pa * pa * sizeof(double))
        solve_psd(pa, work, rhs)


# ---------------------------------------------------------------------------------------- IRLS

cdef int irls_body(const rows_t* X, const floating* vals, const double* y, const double* c,
                   double lo, double hi, bint fit_intercept, const double* l, double* beta,
                   int max_iter, double eps_final, double stall, Work* w, double* r, double* v,
                   double* u, char* dependent, Budget* budget) noexcept nogil:
    """The IRLS loop of irls_dense and irls_csr (see there); r, v, u (n,) scratch. Returns the
    steps taken (a step the budget cut short leaves beta as it was)."""
    cdef Py_ssize_t p = X.p, n = X.n, i, j
    cdef int pa = w.pa, t = 0
    cdef double A = (hi - lo) / 2, B = (hi + lo) / 2
    cdef double y_size = 0.0, eps, eps0, a, loss, mean_abs, objective, last = 0.0, biggest
    cdef bint factored
    for i in range(n):
        y_size += c[i] * fabs(y[i])
    eps = 0.0                               # (the first pass only measures mean_abs)
    while t <= max_iter:
        predict(X, vals, fit_intercept, beta, r, w)
        loss = mean_abs = 0.0
        for i in range(n):
            r[i] = y[i] - r[i]
            loss += c[i] * (B * r[i] + A * fabs(r[i]))
            mean_abs += c[i] * fabs(r[i])
        if t == 0:
            # a start that fits (almost) exactly would give weights of 1 / 0: eps has a floor in
            # y's scale
            eps0 = max(mean_abs, 1e-10 * y_size, 1e-300)
            eps = eps0
        objective = loss
        biggest = 0.0
        for j in range(p):
            objective += l[j] * fabs(beta[j])
            biggest = max(biggest, fabs(beta[j]))
        if t >= 1 and fabs(last - objective) <= stall * objective and eps <= eps_final * eps0:
            break
        if t == max_iter:
            break
        if biggest > 0 and biggest * eps / eps0 == 0:
            # every coefficient is within underflow of 0 (a constant y): the start can get no
            # closer, and the penalty's weights below would divide by 0
            break
        t += 1
        last = objective
        for i in range(n):
            a = max(fabs(r[i]), eps)
            v[i] = c[i] * A / a
            u[i] = v[i] * (y[i] + B / A * a)          # V y~
        weighted_gram(X, vals, fit_intercept, v, u, w, budget)
        if budget.reason != RUNNING:
            break
        for j in range(p):
            # b_j = max(|beta_j|, floor): the floor shrinks with eps, relative to the largest
            # coefficient. From beta = 0 the first step leaves the penalty out (it would stick).
            if l[j] > 0 and biggest > 0:
                w.G[j * pa + j] += l[j] / max(fabs(beta[j]), biggest * eps / eps0)
        if t == 1:       # the first step's weights are mild: it decides which columns to drop
            find_dependent(pa, w.G, l, p, w.chol, w.scratch, dependent)
        factored = factor(pa, w.G, w.chol, dependent)
        solve(pa, factored, w.G, w.chol, w.rhs, w.chol, dependent)
        memcpy(beta, w.rhs, pa * sizeof(double))
        eps = max(eps * 0.1, eps_final * eps0)
    return t


# ------------------------------------------------------------------------------- interior point

cdef struct Ipm:
    # The rows of the LP: the n observations, then k penalty rows (row n + t is e_j with
    # j = pen[t], y 0, weight l_j, bounds -1, 1). Per row: a = omega (d - lo) in [0, ub],
    # ub = omega (hi - lo), s = ub - a, and the dual slacks z, w of a >= 0 and s >= 0.
    Py_ssize_t n, k
    const Py_ssize_t* pen
    double* a
    double* s
    double* z
    double* w
    double* q               # 1 / (z / a + w / s): the weights of the normal equations
    double* r               # y - Z beta
    double* rho             # the right-hand side of the reduced system, per row
    double* da              # the step of a (that of s is -da)
    double* dz
    double* dw
    double* zd              # Z dbeta
    double* b               # Z' a at the start (pa,): the equality Z' a = b
    double* rhs             # (pa,) the step of beta


cdef inline double row_weight(const double* c, const double* l, const Ipm* S,
                              Py_ssize_t i) noexcept nogil:
    return c[i] if i < S.n else l[S.pen[i - S.n]]


cdef void all_predict(const rows_t* X, const floating* vals, bint fit_intercept, const Ipm* S,
                      const double* v, double* out, Work* w) noexcept nogil:
    """out_i = z_i . v for the observations and the penalty rows."""
    cdef Py_ssize_t t
    predict(X, vals, fit_intercept, v, out, w)
    for t in range(S.k):
        out[S.n + t] = v[S.pen[t]]


cdef void all_transpose_times(const rows_t* X, const floating* vals, bint fit_intercept,
                              const Ipm* S, const double* u, double* out, Work* w) noexcept nogil:
    """out = sum over all rows of u_i z_i."""
    cdef Py_ssize_t t
    transpose_times(X, vals, fit_intercept, u, out, w)
    for t in range(S.k):
        out[S.pen[t]] += u[S.n + t]


cdef double longest_step(const double* x, const double* dx, const double* c, const double* l,
                         const Ipm* S, double sign) noexcept nogil:
    """The largest f <= 1 with x + f sign dx >= 0 on every row of positive weight."""
    cdef Py_ssize_t i
    cdef double f = 1.0, step
    for i in range(S.n + S.k):
        step = sign * dx[i]
        if step < 0 and row_weight(c, l, S, i) > 0:
            f = min(f, -x[i] / step)
    return f


cdef void direction(const rows_t* X, const floating* vals, bint fit_intercept, Ipm* S, int pa,
                    bint factored, Work* w, const char* dependent) noexcept nogil:
    """The Newton step of beta for S.rhs = Z' (q rho + a) - b (given): dbeta = (Z' Q Z)^-1 S.rhs
    into S.rhs (w.G, w.chol hold the factor), then S.zd = Z dbeta and S.da = q (rho - Z dbeta)."""
    cdef Py_ssize_t i
    solve(pa, factored, w.G, w.chol, S.rhs, w.chol, dependent)
    all_predict(X, vals, fit_intercept, S, S.rhs, S.zd, w)
    for i in range(S.n + S.k):
        S.da[i] = S.q[i] * (S.rho[i] - S.zd[i])


cdef int ipm_body(const rows_t* X, const floating* vals, const double* y, const double* c,
                  double lo, double hi, bint fit_intercept, const double* l, double* beta,
                  int max_iter, double tol, Work* w, Ipm* S, char* dependent,
                  Budget* budget) noexcept nogil:
    """The interior-point loop of start_dense and start_csr (see there); returns its steps (a
    step the budget cut short leaves beta as it was)."""
    cdef Py_ssize_t i, j, t, N = S.n + S.k, live = 0
    cdef int pa = w.pa, steps = 0
    cdef double om, lo_i, hi_i, delta = 0.0, y_size = 0.0, gap, gap_aff, objective, sigma, mu
    cdef double fp, fd, raz, rsw
    cdef bint factored, moved
    # the start: d = 0 (a = -omega lo, feasible: b is Z' a there), beta as given, and w, z the
    # positive and negative parts of the residual (r = w - z at the optimum: r > 0 makes a = ub),
    # both lifted by delta (a tenth of the mean absolute residual) into the interior
    for i in range(N):
        om = row_weight(c, l, S, i)
        S.a[i] = -om * (lo if i < S.n else -1.0)
        S.s[i] = om * (hi if i < S.n else 1.0)
        live += om > 0
    all_transpose_times(X, vals, fit_intercept, S, S.a, S.b, w)
    all_predict(X, vals, fit_intercept, S, beta, S.r, w)
    for i in range(N):
        S.r[i] = (y[i] if i < S.n else 0.0) - S.r[i]
        if i < S.n:
            delta += c[i] * fabs(S.r[i])
            y_size += c[i] * fabs(y[i])
    delta = max(0.1 * delta, 1e-10 * y_size, 1e-300)
    for i in range(N):
        S.z[i] = max(-S.r[i], 0.0) + delta
        S.w[i] = max(S.r[i], 0.0) + delta
    while True:
        gap = objective = 0.0
        for i in range(N):
            om = row_weight(c, l, S, i)
            if om > 0:
                gap += S.a[i] * S.z[i] + S.s[i] * S.w[i]
                lo_i, hi_i = (lo, hi) if i < S.n else (-1.0, 1.0)
                objective += om * (hi_i * S.r[i] if S.r[i] >= 0 else lo_i * S.r[i])
        # (a gap at the rounding level of y is all a near-constant y can have; a NaN gap: overflow)
        if gap <= tol * (objective + 1e-6 * y_size) or steps == max_iter or gap != gap:
            break
        steps += 1
        # the predictor (affine) step: its rho is r, the right-hand side Z' (q r + a) - b
        for i in range(N):
            om = row_weight(c, l, S, i)
            S.q[i] = 1.0 / (S.z[i] / S.a[i] + S.w[i] / S.s[i]) if om > 0 else 0.0
            S.rho[i] = S.r[i]
            S.da[i] = S.q[i] * S.r[i] + S.a[i]               # (scratch: q rho + a)
        weighted_gram(X, vals, fit_intercept, S.q, S.da, w, budget)
        if budget.reason != RUNNING:
            break
        for t in range(S.k):
            j = S.pen[t]
            w.G[j * pa + j] += S.q[S.n + t]
            w.rhs[j] += S.da[S.n + t]
        if steps == 1:      # the first step's weights are mild: it decides which columns to drop
            find_dependent(pa, w.G, l, X.p, w.chol, w.scratch, dependent)
            moved = False
            for j in range(pa):
                if dependent[j] and beta[j] != 0:
                    beta[j] = 0.0                               # (a start given for them)
                    moved = True
            if moved:                                           # r and Z' (q r - a) anew
                all_predict(X, vals, fit_intercept, S, beta, S.r, w)
                for i in range(N):
                    S.r[i] = (y[i] if i < S.n else 0.0) - S.r[i]
                    S.rho[i] = S.r[i]
                    S.da[i] = S.q[i] * S.r[i] + S.a[i]
                all_transpose_times(X, vals, fit_intercept, S, S.da, w.rhs, w)
        for j in range(pa):
            S.rhs[j] = w.rhs[j] - S.b[j]
        factored = factor(pa, w.G, w.chol, dependent)
        direction(X, vals, fit_intercept, S, pa, factored, w, dependent)
        for i in range(N):
            if S.q[i] > 0:
                S.dz[i] = -S.z[i] - S.z[i] * S.da[i] / S.a[i]
                S.dw[i] = -S.w[i] + S.w[i] * S.da[i] / S.s[i]
            else:
                S.dz[i] = S.dw[i] = 0.0
        fp = min(longest_step(S.a, S.da, c, l, S, 1.0), longest_step(S.s, S.da, c, l, S, -1.0))
        fd = min(longest_step(S.z, S.dz, c, l, S, 1.0), longest_step(S.w, S.dw, c, l, S, 1.0))
        gap_aff = 0.0
        for i in range(N):
            if S.q[i] > 0:
                gap_aff += ((S.a[i] + fp * S.da[i]) * (S.z[i] + fd * S.dz[i])
                            + (S.s[i] - fp * S.da[i]) * (S.w[i] + fd * S.dw[i]))
        # the corrector (Mehrotra): centring sigma mu, and the affine step's second-order terms
        mu = gap / (2.0 * live)
        sigma = (gap_aff / gap) ** 3
        for i in range(N):
            if S.q[i] > 0:
                raz = sigma * mu - S.a[i] * S.z[i] - S.da[i] * S.dz[i]
                rsw = sigma * mu - S.s[i] * S.w[i] + S.da[i] * S.dw[i]
                # (r - w + z: the dual equality's residual, 0 up to rounding)
                S.rho[i] = (S.r[i] - S.w[i] + S.z[i]) + raz / S.a[i] - rsw / S.s[i]
                S.dz[i], S.dw[i] = raz, rsw                     # (kept for the step below)
            else:
                S.rho[i] = 0.0
            S.da[i] = S.q[i] * S.rho[i] + S.a[i]
        all_transpose_times(X, vals, fit_intercept, S, S.da, S.rhs, w)
        for j in range(pa):
            S.rhs[j] -= S.b[j]
        direction(X, vals, fit_intercept, S, pa, factored, w, dependent)
        for i in range(N):
            if S.q[i] > 0:
                S.dz[i] = (S.dz[i] - S.z[i] * S.da[i]) / S.a[i]
                S.dw[i] = (S.dw[i] + S.w[i] * S.da[i]) / S.s[i]
            else:
                S.da[i] = S.dz[i] = S.dw[i] = 0.0
        fp = min(1.0, 0.99995 * min(longest_step(S.a, S.da, c, l, S, 1.0),
                                    longest_step(S.s, S.da, c, l, S, -1.0)))
        fd = min(1.0, 0.99995 * min(longest_step(S.z, S.dz, c, l, S, 1.0),
                                    longest_step(S.w, S.dw, c, l, S, 1.0)))
        for i in range(N):
            S.a[i] += fp * S.da[i]
            S.s[i] -= fp * S.da[i]
            S.z[i] += fd * S.dz[i]
            S.w[i] += fd * S.dw[i]
            S.r[i] -= fd * S.zd[i]
        for j in range(pa):
            beta[j] += fd * S.rhs[j]
        if fp < 1e-10 and fd < 1e-10:                           # stuck (rounding): stop
            break
    return steps


# -------------------------------------------------------------------------------- entry points

cpdef enum Start:
    IRLS = 0
    INTERIOR = 1


cdef int start_body(const rows_t* X, const floating* vals, const double* y, const double* c,
                    double lo, double hi, bint fit_intercept, const double* l, double* beta,
                    Start method, int max_iter, double tol, double stall, Work* w, double* space,
                    const Py_ssize_t* pen, Py_ssize_t k, char* dependent,
                    Budget* budget) noexcept nogil:
    """Run the chosen start on the scratch space (start_space doubles)."""
    cdef Py_ssize_t n = X.n, N = X.n + k
    cdef Ipm S
    if method == IRLS:
        return irls_body(X, vals, y, c, lo, hi, fit_intercept, l, beta, max_iter, tol, stall, w,
                         space, space + n, space + 2 * n, dependent, budget)
    S = Ipm(n=n, k=k, pen=pen, a=space, s=space + N, z=space + 2 * N, w=space + 3 * N,
            q=space + 4 * N, r=space + 5 * N, rho=space + 6 * N, da=space + 7 * N,
            dz=space + 8 * N, dw=space + 9 * N, zd=space + 10 * N, b=space + 11 * N,
            rhs=space + 11 * N + w.pa)
    return ipm_body(X, vals, y, c, lo, hi, fit_intercept, l, beta, max_iter, tol, w, &S, dependent,
                    budget)


cdef int quantile_start_dense(Py_ssize_t n, Py_ssize_t p, const double* X, const double* y,
                              double q, double alpha, bint fit_intercept, bint interior,
                              double* beta, int max_iter, double tol, double stall) noexcept nogil:
    """start_body on Fortran-ordered float64 X with unit weights and one penalty alpha: for other
    Cython code (see _irls.pxd). Returns the steps taken, or -1 when out of memory."""
    cdef Dense rows = Dense(n=n, p=p, row=sizeof(double), col=n * sizeof(double))
    cdef int pa = <int> (p + fit_intercept), steps
    cdef int ld = <int> max(1, min(n, BLOCK_DOUBLES // pa))
    cdef Py_ssize_t i, k = p if interior and alpha > 0 else 0
    cdef Py_ssize_t own = 11 * (n + k) + 2 * pa if interior else 3 * n
    cdef Py_ssize_t size = work_size(pa, ld) + own
    # one block: the start's scratch, c (n,), l (p,), pen (k,), dependent (pa,)
    cdef char* block = <char*> malloc((size + n + p) * sizeof(double) + k * sizeof(Py_ssize_t) + pa)
    cdef double* space = <double*> block
    cdef double* c = space + size
    cdef double* l = c + n
    cdef Py_ssize_t* pen = <Py_ssize_t*> (l + p)
    cdef Work w
    cdef int never = 0
    cdef Budget budget = unlimited(&never)
    if block == NULL:
        return -1
    w = carve(space, pa, ld)
    for i in range(n):
        c[i] = 1.0 / n
    for i in range(p):
        l[i] = alpha
    for i in range(k):
        pen[i] = i
    steps = start_body(&rows, X, y, c, q - 1.0, q, fit_intercept, l, beta,
                       INTERIOR if interior else IRLS, max_iter, tol, stall, &w,
                       space + work_size(pa, ld), pen if k > 0 else NULL, k,
                       <char*> (pen + k), &budget)
    free(block)
    return steps


def start_space(Start method, Py_ssize_t n, Py_ssize_t k, int pa, int ld):
    """The float64 scratch of start_body: the Work, then the method's vectors."""
    own = 3 * n if method == IRLS else 11 * (n + k) + 2 * pa
    return np.empty(work_size(pa, ld) + own)


def start_dense(const floating[:, :] X, const double[::1] y, const double[::1] c, double lo,
                double hi, bint fit_intercept, const double[::1] l, double[::1] beta, Start method,
                int max_iter, double tol, double stall, object limits):
    """Move beta (pa,) towards the LP optimum from where it is; return (n_iter, dependent).
    limits: the public call's _limits.Budget (past its deadline the start stops where it is;
    interrupted, it raises KeyboardInterrupt).

    X (n, p) dense in any memory layout, y, c (n,); l (p,) the penalty weights. dependent (pa,)
    flags the unpenalised columns that earlier ones (nearly) span, decided on the first step's
    Gram matrix; they come out as 0. method:

    IRLS: eps starts at the mean absolute residual of the start and shrinks tenfold per step down
    to tol times that; the loop ends there once a step changes the objective by at most stall
    relative (it only has to get close: the simplex finishes; and it is slow at the end).
    INTERIOR: Mehrotra's predictor-corrector on the LP's dual (Portnoy and Koenker's
    Frisch-Newton) until the complementarity gap is at most tol times the objective; each step
    solves one weighted Gram system, as an IRLS step does, but it converges fast to the optimum
    (stall unused).
    """
    cdef Dense rows = Dense(n=X.shape[0], p=X.shape[1], row=X.strides[0], col=X.strides[1])
    cdef int pa = X.shape[1] + fit_intercept, steps
    cdef int ld = <int> max(1, min(X.shape[0], BLOCK_DOUBLES // pa))      # rows per block
    cdef Py_ssize_t[::1] pen = np.flatnonzero(np.asarray(l) > 0)
    cdef double[::1] space = start_space(method, X.shape[0], pen.shape[0], pa, ld)
    cdef Work w = carve(&space[0], pa, ld)
    cdef char[::1] dependent = np.zeros(pa, dtype=np.int8)
    cdef int[::1] flag = limits.stop
    cdef Budget budget = make_budget(limits.deadline, flag)
    with nogil:
        steps = start_body(&rows, &X[0, 0], &y[0], &c[0], lo, hi, fit_intercept, &l[0], &beta[0],
                           method, max_iter, tol, stall, &w, &space[work_size(pa, ld)],
                           &pen[0] if pen.shape[0] else NULL, pen.shape[0], &dependent[0], &budget)
    raise_if_interrupted(&budget)
    return steps, np.asarray(dependent).astype(bool)


def start_csr(const floating[::1] data, const index_t[::1] indices, const index_t[::1] indptr,
              Py_ssize_t p, const double[::1] y, const double[::1] c, double lo, double hi,
              bint fit_intercept, const double[::1] l, double[::1] beta, Start method, int max_iter,
              double tol, double stall, object limits):
    """start_dense for X given as CSR (data, indices, indptr, p columns; no duplicates, int32 or
    int64 indices). A Gram matrix costs sum_i nnz(row i)^2 / 2 instead of n p^2 / 2."""
    cdef Py_ssize_t n = indptr.shape[0] - 1
    cdef Csr32 rows32
    cdef Csr64 rows64
    cdef int pa = p + fit_intercept, steps
    cdef Py_ssize_t[::1] pen = np.flatnonzero(np.asarray(l) > 0)
    cdef double[::1] space = start_space(method, n, pen.shape[0], pa, 0)
    cdef Work w = carve(&space[0], pa, 0)
    cdef char[::1] dependent = np.zeros(pa, dtype=np.int8)
    cdef const floating* vals = &data[0] if data.shape[0] else NULL         # (X may be all zeros)
    cdef const index_t* columns = &indices[0] if indices.shape[0] else NULL
    cdef const Py_ssize_t* pens = &pen[0] if pen.shape[0] else NULL
    cdef int[::1] flag = limits.stop
    cdef Budget budget = make_budget(limits.deadline, flag)
    with nogil:
        if index_t is int32_t:
            rows32 = Csr32(n=n, p=p, indptr=&indptr[0], indices=columns)
            steps = start_body(&rows32, vals, &y[0], &c[0], lo, hi, fit_intercept, &l[0],
                               &beta[0], method, max_iter, tol, stall, &w,
                               &space[work_size(pa, 0)], pens, pen.shape[0], &dependent[0],
                               &budget)
        else:
            rows64 = Csr64(n=n, p=p, indptr=&indptr[0], indices=columns)
            steps = start_body(&rows64, vals, &y[0], &c[0], lo, hi, fit_intercept, &l[0],
                               &beta[0], method, max_iter, tol, stall, &w,
                               &space[work_size(pa, 0)], pens, pen.shape[0], &dependent[0],
                               &budget)
    raise_if_interrupted(&budget)
    return steps, np.asarray(dependent).astype(bool)


# ------------------------------------------------------------------------------------- simplex

cdef struct Lp:
    Py_ssize_t m            # observation rows (0 .. m-1); penalty rows follow (m .. m+k-1)
    Py_ssize_t k
    int pa
    const double* Z         # (m, pa) row-major
    const double* y         # (m,)
    const double* c         # (m,)
    double lo, hi           # bounds of an observation's d
    const Py_ssize_t* pen   # (k,) the column of each penalty row
    const double* l         # (k,) its weight


cdef struct Breakpoint:
    double t                # step length at which the row's residual reaches zero
    double w                # slope increase there
    double a                # z_i . direction
    Py_ssize_t i            # the row


cdef struct Keyed:
    double key              # |r_i| / |z_i| at the anchor: how far beta must move to reach row i
    Py_ssize_t i


cdef int by_key(const void* a, const void* b) noexcept nogil:
    cdef double ka = (<Keyed*> a).key, kb = (<Keyed*> b).key
    return (ka > kb) - (ka < kb)


cdef inline bint before(const Breakpoint* a, const Breakpoint* b) noexcept nogil:
    """Breakpoints in order of step, ties by row (a fixed order among ties, for Bland's rule)."""
    return a.t < b.t or (a.t == b.t and a.i < b.i)


cdef void sift_down(Breakpoint* heap, Py_ssize_t size, Py_ssize_t at) noexcept nogil:
    """Restore the min-heap property below heap[at]."""
    cdef Breakpoint item = heap[at]
    cdef Py_ssize_t child
    while True:
        child = 2 * at + 1
        if child >= size:
            break
        if child + 1 < size and before(&heap[child + 1], &heap[child]):
            child += 1
        if not before(&heap[child], &item):
            break
        heap[at] = heap[child]
        at = child
    heap[at] = item


cdef inline Py_ssize_t pop(Breakpoint* heap, Py_ssize_t size) noexcept nogil:
    """Move the first breakpoint to heap[size - 1], keep the rest a heap; return size - 1."""
    cdef Breakpoint first = heap[0]
    heap[0] = heap[size - 1]
    heap[size - 1] = first
    sift_down(heap, size - 1, 0)
    return size - 1


cdef inline double weight(const Lp* lp, Py_ssize_t i) noexcept nogil:
    return lp.c[i] if i < lp.m else lp.l[i - lp.m]


cdef inline double lower(const Lp* lp, Py_ssize_t i) noexcept nogil:
    return lp.lo if i < lp.m else -1.0


cdef inline double upper(const Lp* lp, Py_ssize_t i) noexcept nogil:
    return lp.hi if i < lp.m else 1.0


cdef inline double side_value(const Lp* lp, Py_ssize_t i, signed char side) noexcept nogil:
    """d of a non-basic row on its side."""
    return upper(lp, i) if side > 0 else lower(lp, i)


cdef inline void add_row(const Lp* lp, Py_ssize_t i, double alpha, double* v) noexcept nogil:
    """v += alpha z_i."""
    cdef int one = 1, pa = lp.pa
    if i < lp.m:
        cython_blas.daxpy(&pa, &alpha, <double*> lp.Z + i * lp.pa, &one, v, &one)
    else:
        v[lp.pen[i - lp.m]] += alpha


cdef inline void copy_row(const Lp* lp, Py_ssize_t i, double* v) noexcept nogil:
    """v = z_i."""
    if i < lp.m:
        memcpy(v, lp.Z + i * lp.pa, lp.pa * sizeof(double))
    else:
        memset(v, 0, lp.pa * sizeof(double))
        v[lp.pen[i - lp.m]] = 1.0


cdef inline double row_size(const Lp* lp, Py_ssize_t i, const double* beta) noexcept nogil:
    """|y_i| + sum_j |z_ij beta_j|: the scale of the rounding in the residual y_i - z_i . beta
    (for a penalty row, -beta_j: sum_j |beta_j|, the scale of the rounding in the solve)."""
    cdef double size = 0.0
    cdef Py_ssize_t j
    if i >= lp.m:
        for j in range(lp.pa):
            size += fabs(beta[j])
        return size
    for j in range(lp.pa):
        size += fabs(lp.Z[i * lp.pa + j] * beta[j])
    return size + fabs(lp.y[i])


cdef inline void row_products(const Lp* lp, const double* v, double* out) noexcept nogil:
    """out_i = z_i . v for every row."""
    cdef int m = <int> lp.m, pa = lp.pa, one = 1
    cdef double unit = 1.0, zero = 0.0
    cdef Py_ssize_t t
    if m > 0:
        cython_blas.dgemv(b"T", &pa, &m, &unit, <double*> lp.Z, &pa, <double*> v, &one, &zero,
                          out, &one)
    for t in range(lp.k):
        out[lp.m + t] = v[lp.pen[t]]


cdef struct Simplex:
    Py_ssize_t* basis       # (pa,) the basic rows
    Py_ssize_t* where       # (rows,) position in the basis, or -1
    signed char* side       # (rows,) +1 / -1: the side of a non-basic row (and of r >= 0 / < 0)
    double* r               # (rows,) residuals at the anchor
    double* norm            # (rows,) |z_i|
    Keyed* near             # (rows,) the rows by |r_i| / |z_i| at the anchor, nearest first
    double* anchor          # (pa,) beta at the last refresh
    double drift            # |beta - anchor|
    Py_ssize_t scanned      # how many rows the last pivot looked at
    double* beta            # (pa,)
    double* Binv            # (pa, pa) row-major inverse of B (rows z_basis)
    double* B               # (pa, pa) scratch
    double* g               # (pa,) g_fixed + sum of the non-basic rows' c_i d_i z_i
    double* u               # (pa,) c_B d_B
    double* v               # (pa,) scratch
    int* ipiv               # (pa,) scratch
    Breakpoint* bp          # (rows,) scratch
    Breakpoint* heap        # (rows,) scratch


cdef bint choose_basis(const Lp* lp, const Py_ssize_t* order, Py_ssize_t n_order,
                       Simplex* S) noexcept nogil:
    """The first pa rows of order that are linearly independent (classical Gram-Schmidt, twice,
    by BLAS), into S.basis; S.B holds the orthonormal rows, S.u the projections. Returns whether
    pa were found."""
    cdef Py_ssize_t t, b, i
    cdef int pa = lp.pa, found = 0, one = 1, twice
    cdef double norm0, norm, unit = 1.0, minus = -1.0, zero = 0.0, scale
    for t in range(n_order):
        if found == pa:
            break
        i = order[t]
        copy_row(lp, i, S.v)
        norm0 = cython_blas.dnrm2(&pa, S.v, &one)
        if found > 0:
            for twice in range(2):            # v -= Q'(Q v), the rows found so far being Q
                cython_blas.dgemv(b"T", &pa, &found, &unit, S.B, &pa, S.v, &one, &zero, S.u, &one)
                cython_blas.dgemv(b"N", &pa, &found, &minus, S.B, &pa, S.u, &one, &unit, S.v, &one)
        norm = cython_blas.dnrm2(&pa, S.v, &one)
        if norm > 1e-7 * norm0 and norm0 > 0:
            scale = 1.0 / norm
            for b in range(pa):
                S.B[found * pa + b] = S.v[b] * scale
            S.basis[found] = i
            found += 1
    return found == pa


cdef bint refresh(const Lp* lp, const double* g_fixed, Simplex* S) noexcept nogil:
    """Recompute from the basis alone: B^-1, beta = B^-1 y_B, the residuals, the sides of the
    non-basic rows (kept where a residual is 0) and g. Returns False if B is singular."""
    cdef Py_ssize_t rows = lp.m + lp.k, i, a
    cdef int pa = lp.pa, info = 0, lwork = pa * pa
    for a in range(pa):
        copy_row(lp, S.basis[a], S.Binv + a * pa)
    # LAPACK sees the row-major B as B' (column-major); the inverse of B' read row-major is B^-1.
    cython_lapack.dgetrf(&pa, &pa, S.Binv, &pa, S.ipiv, &info)
    if info != 0:
        return False
    cython_lapack.dgetri(&pa, S.Binv, &pa, S.ipiv, S.B, &lwork, &info)
    if info != 0:
        return False
    for a in range(pa):                       # beta = B^-1 y_B
        S.beta[a] = 0.0
    for a in range(pa):
        i = S.basis[a]
        if i < lp.m:
            add_column(S.Binv, pa, a, lp.y[i], S.beta)
    for a in range(pa):                       # a basic penalty row means beta_j = 0: exactly
        if S.basis[a] >= lp.m:
            S.beta[lp.pen[S.basis[a] - lp.m]] = 0.0
    for i in range(rows):
        S.where[i] = -1
    for a in range(pa):
        S.where[S.basis[a]] = a
    reanchor(lp, S)
    memcpy(S.g, g_fixed, pa * sizeof(double))
    for i in range(rows):
        if S.where[i] < 0:
            add_row(lp, i, weight(lp, i) * side_value(lp, i, S.side[i]), S.g)
    return True


cdef void reanchor(const Lp* lp, Simplex* S) noexcept nogil:
    """Residuals at the current beta (ties exactly 0; the sides of the others follow their sign),
    and the rows ordered by |r_i| / |z_i|, which bounds how far beta must move to reach them."""
    cdef Py_ssize_t rows = lp.m + lp.k, i
    row_products(lp, S.beta, S.r)
    for i in range(rows):
        S.r[i] = (lp.y[i] if i < lp.m else 0.0) - S.r[i]
        # a residual at rounding level is a tie: exactly 0, so degenerate pivots are recognised
        if S.where[i] >= 0 or fabs(S.r[i]) <= TIE * row_size(lp, i, S.beta):
            S.r[i] = 0.0
        if S.r[i] != 0:
            S.side[i] = 1 if S.r[i] > 0 else -1
        S.near[i].i = i
        S.near[i].key = fabs(S.r[i]) / S.norm[i] if S.norm[i] > 0 else INFINITY
    qsort(S.near, rows, sizeof(Keyed), by_key)
    memcpy(S.anchor, S.beta, lp.pa * sizeof(double))
    S.drift = 0.0


cdef inline void add_column(const double* M, int pa, Py_ssize_t col, double alpha,
                            double* v) noexcept nogil:
    """v += alpha M[:, col] (M row-major)."""
    cdef Py_ssize_t a
    for a in range(pa):
        v[a] += alpha * M[a * pa + col]


cdef Py_ssize_t leaving(const Lp* lp, Simplex* S, double tol, bint bland, signed char* direction,
                        double* slope) noexcept nogil:
    """u = -B^-T g; return the basic position whose d = u / c is furthest outside its bounds
    (weighted by c), with the side it leaves to and the objective's slope that way; -1 if none is
    outside by more than tol. bland: the violating row with the smallest id instead (Bland's rule,
    which cannot cycle through degenerate pivots)."""
    cdef int pa = lp.pa, one = 1
    cdef double minus = -1.0, zero = 0.0, d, c, worst = 0.0, excess
    cdef Py_ssize_t a, best = -1
    # u = -Binv' g: Binv row-major is Binv' column-major, so this is dgemv "N" on it.
    cython_blas.dgemv(b"N", &pa, &pa, &minus, S.Binv, &pa, S.g, &one, &zero, S.u, &one)
    for a in range(pa):
        c = weight(lp, S.basis[a])
        if c == 0:
            continue
        d = S.u[a] / c
        excess = 0.0
        if d > upper(lp, S.basis[a]) + tol:
            excess = d - upper(lp, S.basis[a])
        elif d < lower(lp, S.basis[a]) - tol:
            excess = lower(lp, S.basis[a]) - d
        if excess > 0 and (excess * c > worst if not bland else
                           best < 0 or S.basis[a] < S.basis[best]):
            worst = excess * c
            best = a
            direction[0] = 1 if d > upper(lp, S.basis[a]) else -1
    slope[0] = -worst
    return best


cdef inline double row_dot(const Lp* lp, Py_ssize_t i, const double* v) noexcept nogil:
    """z_i . v (an inline loop: rows are short, a BLAS call per row costs more)."""
    cdef double a = 0.0
    cdef Py_ssize_t j
    cdef const double* z = lp.Z + i * lp.pa
    if i >= lp.m:
        return v[lp.pen[i - lp.m]]
    for j in range(lp.pa):
        a += z[j] * v[j]
    return a


cdef inline double residual(const Lp* lp, Py_ssize_t i, const double* beta,
                           double beta_norm, double z_norm) noexcept nogil:
    """y_i - z_i . beta, exactly 0 at rounding level (a tie): within TIE of |y_i| + sum_j
    |z_ij beta_j|, a sum needed only when the residual is below its bound |y_i| + |z_i| |beta|."""
    cdef double r = (lp.y[i] if i < lp.m else 0.0) - row_dot(lp, i, beta)
    if fabs(r) > TIE * ((fabs(lp.y[i]) if i < lp.m else 0.0) + z_norm * beta_norm * sqrt(lp.pa)):
        return r
    return 0.0 if fabs(r) <= TIE * row_size(lp, i, beta) else r


cdef double walk(Breakpoint* heap, Py_ssize_t n_bp, double slope, bint first,
                 Py_ssize_t* size) noexcept nogil:
    """Pop breakpoints in order until the slope is >= 0 (first: just one); return that step, or
    inf if it never is. The popped ones collect at the end of heap, the last one at heap[size]."""
    cdef Py_ssize_t b
    for b in range(n_bp // 2 - 1, -1, -1):
        sift_down(heap, n_bp, b)
    size[0] = n_bp
    while size[0] > 0:
        size[0] = pop(heap, size[0])
        slope += heap[size[0]].w
        if slope >= 0 or first:
            return heap[size[0]].t
    return INFINITY


cdef Outcome pivot(const Lp* lp, Simplex* S, Py_ssize_t k, signed char sigma,
                   double slope, bint first, double* step_taken) noexcept nogil:
    """Move basic row basis[k] off to side sigma, along the edge, to the best breakpoint (first:
    to the first one, the textbook ratio test, which Bland's rule needs).

    Only rows near the fit are looked at: a row's breakpoint is at least
    (|r_i| / |z_i| at the anchor - |beta - anchor|) / |direction| away, so the scan over the rows
    in that order stops once this bound passes the step found so far."""
    cdef int pa = lp.pa, one = 1
    cdef Py_ssize_t rows = lp.m + lp.k, i, e = -1, n_bp = 0, b, size, scanned = 0, leave = S.basis[k]
    cdef Py_ssize_t check_at = SCAN_CHUNK
    cdef double step = INFINITY, denominator, alpha, unit = 1.0, zero = 0.0, reach, r, a, a_e = 0.0
    cdef double beta_norm
    # direction: B dbeta = -sigma e_k, so dbeta = -sigma Binv[:, k]; S.v holds it
    for b in range(pa):
        S.v[b] = -sigma * S.Binv[b * pa + k]
    reach = cython_blas.dnrm2(&pa, S.v, &one)
    beta_norm = cython_blas.dnrm2(&pa, S.beta, &one)
    for scanned in range(rows):
        if (S.near[scanned].key - S.drift) / reach > step:
            break
        i = S.near[scanned].i
        if S.where[i] >= 0:
            continue
        # a non-basic row moving toward its other side (its residual r - t a crosses zero); one
        # that moves by rounding only (a copy of a basic row) does not, and must not enter
        a = row_dot(lp, i, S.v)
        if S.side[i] * a > 0 and fabs(a) > TIE * S.norm[i] * reach:
            r = residual(lp, i, S.beta, beta_norm, S.norm[i])
            S.bp[n_bp].t = max(r / a, 0.0)
            S.bp[n_bp].w = weight(lp, i) * fabs(a) * (upper(lp, i) - lower(lp, i))
            S.bp[n_bp].a = a
            S.bp[n_bp].i = i
            n_bp += 1
            if n_bp == check_at:              # the step so far, on a copy of the breakpoints
                memcpy(S.heap, S.bp, n_bp * sizeof(Breakpoint))
                step = walk(S.heap, n_bp, slope, first, &size)
                check_at *= 2
    step = walk(S.bp, n_bp, slope, first, &size)
    if step == INFINITY:
        return UNBOUNDED
    S.scanned = scanned
    e = S.bp[size].i
    a_e = S.bp[size].a
    step_taken[0] = step
    for b in range(size + 1, n_bp):           # rows passed on the way change sides
        i = S.bp[b].i
        S.side[i] = -S.side[i]
        add_row(lp, i, S.side[i] * weight(lp, i) * (upper(lp, i) - lower(lp, i)), S.g)
    for b in range(pa):
        S.beta[b] += step * S.v[b]
        S.u[b] = S.beta[b] - S.anchor[b]
    S.drift = cython_blas.dnrm2(&pa, S.u, &one)
    # the leaving row goes to its side; the entering one leaves g and sits at r = 0
    S.side[leave] = sigma
    add_row(lp, leave, weight(lp, leave) * side_value(lp, leave, sigma), S.g)
    add_row(lp, e, -weight(lp, e) * side_value(lp, e, S.side[e]), S.g)
    # Sherman-Morrison for row k of B: z_leave -> z_e.  With col = Binv[:, k] and
    # z_e' col = -sigma a_e:  Binv -= col (z_e' Binv - e_k') / (z_e' col)
    copy_row(lp, e, S.u)                       # S.u is free until the next leaving()
    cython_blas.dgemv(b"N", &pa, &pa, &unit, S.Binv, &pa, S.u, &one, &zero, S.B, &one)
    S.B[k] -= 1.0                              # S.B = Binv' z_e - e_k (row vector z_e' Binv - e_k')
    denominator = -sigma * a_e
    for b in range(pa):
        S.v[b] = S.Binv[b * pa + k]
    for b in range(pa):
        alpha = -S.v[b] / denominator
        cython_blas.daxpy(&pa, &alpha, S.B, &one, S.Binv + b * pa, &one)
    S.basis[k] = e
    S.where[e] = k
    S.where[leave] = -1
    return OPTIMAL


def simplex(const double[:, ::1] Z, const double[::1] y, const double[::1] c, double lo, double hi,
            const Py_ssize_t[::1] pen, const double[::1] l, const double[::1] g_fixed,
            const Py_ssize_t[::1] order, signed char[::1] side, int max_pivots, double tol,
            object limits):
    """Solve the LP over these rows exactly, from the basis of the first independent rows of order.

    Z (m, pa) the observation rows (m >= 1), y and c theirs; pen, l (k,) the penalty rows; g_fixed (pa,) the
    fixed rows' sum of c_i d_i z_i; order: row ids (observations 0..m-1, penalty rows m..m+k-1),
    best basis candidates first; side (m + k,) the starting sides, updated. tol: how far outside its
    bounds a basic d may be (rounding) and still count as inside.
    Returns (outcome, n_pivots, beta (pa,), r (m + k,) residuals, basis (pa,), u (pa,)), where
    u = c_i d_i of the basic rows (when optimal). limits: the public call's _limits.Budget;
    past its deadline the pivots stop (MAX_PIVOTS); interrupted, it raises KeyboardInterrupt.
    """
    cdef int pa = Z.shape[1]
    cdef Py_ssize_t m = Z.shape[0], k = pen.shape[0], rows = m + k, position
    cdef Lp lp = Lp(m=m, k=k, pa=pa, Z=&Z[0, 0], y=&y[0], c=&c[0], lo=lo, hi=hi, pen=NULL, l=NULL)
    basis = np.empty(pa, dtype=np.intp)
    beta = np.zeros(pa)
    r = np.zeros(rows)
    cdef Py_ssize_t[::1] basis_v = basis, where = np.empty(rows, dtype=np.intp)
    cdef double[::1] beta_v = beta, r_v = r, norm = np.empty(rows), Binv = np.empty(pa * pa)
    cdef double[::1] anchor = np.empty(pa)
    cdef double[::1] B = np.empty(max(pa * pa, 1)), g = np.empty(pa), u = np.empty(pa)
    cdef double[::1] v = np.empty(pa)
    cdef int[::1] ipiv = np.empty(pa, dtype=np.intc)
    breakpoint = [("t", "f8"), ("w", "f8"), ("a", "f8"), ("i", "i8")]
    cdef Breakpoint[::1] bp = np.empty(rows, dtype=breakpoint), heap = np.empty(rows, dtype=breakpoint)
    cdef Keyed[::1] near = np.empty(rows, dtype=[("key", "f8"), ("i", "i8")])
    cdef Simplex S = Simplex(basis=&basis_v[0], where=&where[0], side=&side[0], r=&r_v[0],
                             norm=&norm[0], near=&near[0], anchor=&anchor[0], drift=0.0,
                             scanned=0,
                             beta=&beta_v[0], Binv=&Binv[0], B=&B[0], g=&g[0], u=&u[0],
                             v=&v[0], ipiv=&ipiv[0], bp=&bp[0], heap=&heap[0])
    cdef Py_ssize_t i
    cdef Outcome outcome = OPTIMAL
    cdef int n_pivots = 0, since_refresh = 0, degenerate = 0
    cdef signed char direction = 1
    cdef double slope = 0.0, step = 0.0
    cdef int[::1] flag = limits.stop
    cdef Budget budget = make_budget(limits.deadline, flag)
    if k > 0:
        lp.pen, lp.l = &pen[0], &l[0]
    with nogil:
        for i in range(rows):
            norm[i] = sqrt(row_dot(&lp, i, &lp.Z[i * pa])) if i < m else 1.0
        if not choose_basis(&lp, &order[0], order.shape[0], &S) or not refresh(&lp, &g_fixed[0], &S):
            outcome = SINGULAR
        while outcome == OPTIMAL:
            # after a run of pivots that do not move (a degenerate vertex), Bland's rule
            position = leaving(&lp, &S, tol, degenerate > pa, &direction, &slope)
            if position < 0:
                if since_refresh == 0:
                    break                       # optimal, as checked from a fresh factorisation
                since_refresh = 0
                if not refresh(&lp, &g_fixed[0], &S):
                    outcome = SINGULAR
                continue
            # a pivot costs about pa^2 (the update of B^-1) plus the rows its scan reads
            if n_pivots == max_pivots or spend(&budget, pa * pa + S.scanned):
                outcome = MAX_PIVOTS
                break
            outcome = pivot(&lp, &S, position, direction, slope, degenerate > pa, &step)
            degenerate = degenerate + 1 if step == 0 else 0
            if degenerate > STALL_PIVOTS + 4 * pa:
                outcome = STALLED if refresh(&lp, &g_fixed[0], &S) else SINGULAR
            n_pivots += 1
            since_refresh += 1
            if since_refresh == REFRESH:
                since_refresh = 0
                if not refresh(&lp, &g_fixed[0], &S):
                    outcome = SINGULAR
            elif S.scanned > rows // 4 and since_refresh % REANCHOR == 0:
                reanchor(&lp, &S)             # beta moved far: the order of the rows is stale
    raise_if_interrupted(&budget)
    return outcome, n_pivots, beta, r, basis, np.array(u)
