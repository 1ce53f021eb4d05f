"""Cyclic coordinate descent for the weighted elastic net, certified by its duality gap.

Objective, on weighted-centred data when there is an intercept (X itself is never centred or copied;
see _layout.pxd)::

    1/(2n) sum_i s_i (y_i - x_i . w)^2 + sum_j (l1_j |w_j| + l2_j/2 w_j^2),   w >= 0 if positive

with sum_i s_i = n, l1_j = alpha rho f_j and l2_j = alpha (1 - rho) f_j prepared by the caller.

Legend: n samples, p features; w coefficients, r residual y - X w (centred), s sample weights,
m column offsets (weighted means), colsq_j = (x_j - m_j) . (s * (x_j - m_j)) / n; i samples, j features,
t sweeps.

In place: w and r are updated (they enter as the warm start and its residual, r = y - X w, and leave
as the solution and its residual); everything else is read only. Kernels trust their input: the
Python layer has validated it.

Stopping: after a full sweep whose objective decrease is at most tol (a cheap test, and a necessary
one, since the decrease bounds the suboptimality before the sweep), compute the duality gap
(_gap.pxd) and stop once it is at most tol. tol is absolute here; the caller scales it.

References: Friedman, Hastie, Tibshirani (2010), J. Stat. Softw. 33(1), "Regularization paths for
generalized linear models via coordinate descent".
"""
import numpy as np

# Working sets grow by at most max(their size, MIN_GROWTH) features per KKT pass.
DEF MIN_GROWTH = 100
# Active sweeps keep only the active entries of a Gram state up to date when fewer than
# p / WITHIN_RATIO features are active.
DEF WITHIN_RATIO = 8

from cython cimport floating
from libc.math cimport INFINITY, fabs
from libc.stdlib cimport free, malloc, qsort
from libc.string cimport memcpy
from libc.stdint cimport int32_t, int64_t
from l1l2._kernels._layout cimport (Csc32, Csc64, Dense, Gram, layout_t, catch_up, corr, corr_exact,
                                    offset, reset_state, shift, shift_within, state_size)
from l1l2._kernels._gap cimport Unpenalised, dual_gap, dual_point
from l1l2._kernels._budget cimport (Budget, INTERRUPTED, PAST_DEADLINE, RUNNING, l1l2_now,
                                    make_budget, raise_if_interrupted, spend, unlimited)
from l1l2._kernels._prox cimport soft_threshold, positive_threshold


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


cdef inline double sweep(const layout_t* X, const floating* vals, const floating* s, const floating* m,
                         floating* w, floating* r, const floating* colsq, const floating* l1,
                         const floating* l2, bint positive, floating inv_n,
                         const Py_ssize_t* features, Py_ssize_t count, bint within, Budget* budget,
                         Py_ssize_t unit) noexcept nogil:
    """Update w_j for j in features[:count] in turn; return the sweep's objective decrease bound.

    within: keep the state right only where these features read it (see shift_within; the caller
    then calls catch_up). Each update costs `unit` of the budget; once it is spent the sweep ends
    early, its updates done (w and the state agree).
    """
    cdef Py_ssize_t a, j
    cdef floating w_old, z, delta, m_j
    cdef double decrease = 0.0
    for a in range(count):
        if spend(budget, unit):
            break
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
            if within:
                shift_within(X, vals, j, delta, m_j, r, features, count)
            else:
                shift(X, vals, j, delta, m_j, r)
            # the coordinate's objective falls by at least (colsq + l2)/2 delta^2 (strong convexity)
            decrease += 0.5 * (colsq[j] + l2[j]) * delta * delta
    return decrease


cdef inline void recompute_residual(const layout_t* X, const floating* vals, const floating* m,
                                    const floating* y, const floating* w, floating* r,
                                    Py_ssize_t p) noexcept nogil:
    """r = y - (X - m) w from scratch before a gap: drops the drift of many in-place shifts.

    Needed in float32, and for Csc, whose shifts move u by the uncentred x_j (a column with a large
    mean drifts sum_i s_i r_i, which the correlation assumes 0, far more than a centred shift). A
    dense float64 residual drifts far below any tolerance, and the pass would cost a sweep; a Csc
    pass costs only the nonzeros of the support, less than the gap's own pass.
    """
    cdef Py_ssize_t j
    if floating is float or layout_t is Csc32 or layout_t is Csc64:
        reset_state(X, y, r)
        for j in range(p):
            if w[j] != 0:
                shift(X, vals, j, w[j], offset(m, j), r)


cdef int descending(const void* a, const void* b) noexcept nogil:
    cdef double x = (<const double*> a)[0], y = (<const double*> b)[0]
    return (x < y) - (x > y)


cdef inline Py_ssize_t grow_working_set(const layout_t* X, const floating* vals, const floating* s,
                                        const floating* m, const floating* point, const floating* l1,
                                        bint positive, Py_ssize_t p, Work* work, Budget* budget,
                                        Py_ssize_t unit) noexcept nogil:
    """Score the features outside the working set at the dual point; return how many violate KKT
    (-1 when the budget ran out before all were scored).

    v_j = x_j . (s * point) / n; feature j (w_j = 0) violates when |v_j| > l1_j. The worst violators
    (largest |v_j| / l1_j) join, at most max(n_ws, MIN_GROWTH) at a time, as celer grows its working
    sets: a few rounds of cheap sweeps beat one round on a set swollen with near-violators.
    """
    cdef Py_ssize_t j, a, n_violators = 0, cap
    cdef double score, threshold = 0.0, inv_n = 1.0 / X.n
    for j in range(p):
        if work.in_ws[j]:
            continue
        if spend(budget, unit):
            return -1
        work.v[j] = corr_exact(X, vals, s, offset(m, j), j, point) * inv_n
        score = work.v[j] if positive else fabs(work.v[j])
        if score > l1[j]:      # l1_j > 0 here: features without L1 penalty are always in ws
            work.violators[n_violators] = j
            work.excess[n_violators] = score / l1[j]
            n_violators += 1
    cap = max(work.n_ws, MIN_GROWTH)
    if n_violators > cap:
        memcpy(work.sorted_excess, work.excess, n_violators * sizeof(double))
        qsort(work.sorted_excess, n_violators, sizeof(double), descending)
        threshold = work.sorted_excess[cap - 1]
    for a in range(n_violators):
        if work.excess[a] >= threshold and cap > 0:
            j = work.violators[a]
            work.in_ws[j] = 1
            work.ws[work.n_ws] = j
            work.n_ws += 1
            cap -= 1
    return n_violators


cdef inline Py_ssize_t collect_active(Work* work, const floating* w,
                                      floating* w_before) noexcept nogil:
    """work.active = the working-set features with a nonzero coefficient, w_before their values;
    return their number."""
    cdef Py_ssize_t a, n_active = 0
    for a in range(work.n_ws):
        if w[work.ws[a]] != 0:
            work.active[n_active] = work.ws[a]
            w_before[n_active] = w[work.ws[a]]
            n_active += 1
    return n_active


cdef Status cd_body(const layout_t* X, const floating* vals, const floating* s, const floating* m,
                    const floating* y, floating* w, floating* r, const floating* colsq,
                    const floating* l1, const floating* l2, bint positive, Unpenalised* u,
                    Py_ssize_t p, int max_iter, double tol, Work* work, int* n_iter,
                    double* gap, Budget* budget, Py_ssize_t unit) noexcept nogil:
    """CD on a growing working set, with glmnet's active-set cycling inside it.

    The sweeps visit only work.ws (the caller's initial guess: strong-rule survivors, the previous
    support, the unpenalised features). When a sweep over it barely moves the objective, the duality
    gap of the working-set problem is computed (cheap: only its features); once that is at most tol,
    one pass scores every other feature: if none fails its KKT condition, the gap is that of the
    whole problem and certifies convergence; otherwise the worst violators join the working set.
    Between such sweeps, sweeps over the nonzero coefficients alone settle the support's values.
    n_iter counts every sweep. Out of budget (time): the gap of where it stopped, OUT_OF_TIME unless
    that is within tol; interrupted: at once (the caller raises).
    """
    cdef Py_ssize_t n_active
    cdef bint within
    cdef floating inv_n = <floating> (1.0 / X.n)
    cdef floating* theta = <floating*> work.theta
    cdef floating* w_theta = <floating*> work.w_theta
    cdef floating* w_before = <floating*> work.w_before
    cdef floating* saved = <floating*> work.saved
    cdef int t = 0
    while t < max_iter:
        t += 1
        if sweep(X, vals, s, m, w, r, colsq, l1, l2, positive, inv_n, work.ws, work.n_ws, False,
                 budget, unit) <= tol and budget.reason == RUNNING:
            recompute_residual(X, vals, m, y, w, r, p)
            gap[0] = dual_gap(X, vals, s, m, y, w, r, l1, l2, positive, u, work.ws, work.n_ws, p,
                              theta, w_theta, work.v, &work.loss)
            if gap[0] <= tol and grow_working_set(X, vals, s, m, dual_point(r, u, theta), l1,
                                                   positive, p, work, budget, unit) == 0:
                n_iter[0] = t
                return CONVERGED
        if budget.reason != RUNNING:
            break
        n_active = collect_active(work, w, w_before)
        # a gather over the active entries beats a contiguous pass only when they are few
        within = n_active * WITHIN_RATIO < p
        while n_active > 0 and t < max_iter:
            t += 1
            if sweep(X, vals, s, m, w, r, colsq, l1, l2, positive, inv_n, work.active, n_active,
                     within, budget, unit) <= tol:
                break
        if within:
            catch_up(X, vals, m, w, w_before, r, work.active, n_active, saved)
        if budget.reason != RUNNING:
            break
    n_iter[0] = t
    if budget.reason == INTERRUPTED:
        return MAX_ITER
    recompute_residual(X, vals, m, y, w, r, p)
    gap[0] = dual_gap(X, vals, s, m, y, w, r, l1, l2, positive, u, work.everything, p, p, theta,
                      w_theta, work.v, &work.loss)
    if gap[0] <= tol:
        return CONVERGED
    return OUT_OF_TIME if budget.reason == PAST_DEADLINE else MAX_ITER


def now():
    """The kernels' clock (monotonic seconds), against which a _limits.Budget's deadline is set."""
    return l1l2_now()


cdef inline const floating* optional(const floating[::1] a) noexcept nogil:
    """An empty array stands for 'absent' (unit weights, no centring): NULL."""
    return &a[0] if a.shape[0] > 0 else NULL


cdef inline void seed_working_set(Work* work, const floating* w, const floating* l1,
                                  const double* scores, const floating* l1_previous, bint positive,
                                  Py_ssize_t p) noexcept nogil:
    """The features CD starts on: those without L1 penalty, the current support and, given the KKT
    scores at the previous penalty l1_previous, the survivors of glmnet's sequential strong rule
    |score_j| >= 2 l1_j - l1_previous_j (score_j itself under positivity: only a positive pull can
    make a feature enter). The body adds any violator it finds later."""
    cdef Py_ssize_t j
    cdef double pull
    work.n_ws = 0
    for j in range(p):
        work.in_ws[j] = l1[j] == 0 or w[j] != 0
        if scores != NULL and not work.in_ws[j]:
            pull = scores[j] if positive else fabs(scores[j])
            work.in_ws[j] = pull >= 2 * <double> l1[j] - l1_previous[j]
        if work.in_ws[j]:
            work.ws[work.n_ws] = j
            work.n_ws += 1


cdef int enet_dense(Py_ssize_t n, Py_ssize_t p, const double* X, const double* y, double* w,
                    double* r, double alpha, double l1_ratio, bint positive, int max_iter, double tol,
                    int* n_iter, double* gap) noexcept nogil:
    """cd_body on Fortran-ordered float64 X, one target, no intercept or weights: for other Cython code.

    Minimises 1/(2n) |y - X w|^2 + alpha (l1_ratio |w|_1 + (1 - l1_ratio)/2 |w|^2) (w >= 0 if
    positive), alpha > 0. See _cd.pxd for the contract; returns CONVERGED, MAX_ITER or -1 (out of
    memory, w and r untouched).
    """
    cdef Py_ssize_t j, size = max(p, 1)
    cdef Dense layout = Dense(n=n, ld=n)
    cdef Unpenalised u = Unpenalised(q=0, idx=NULL, gram=NULL, chol=NULL, rhs=NULL, take=NULL)
    cdef Work work
    # one block: 9 double arrays (p,) and theta (1,: no unpenalised features), 4 index arrays, flags
    cdef char* block = <char*> malloc((9 * size + 1) * sizeof(double) + 4 * size * sizeof(Py_ssize_t)
                                      + size)
    cdef double* colsq = <double*> block
    cdef double* l1 = colsq + size
    cdef double* l2 = l1 + size
    cdef Py_ssize_t* indices = <Py_ssize_t*> (colsq + 9 * size + 1)
    cdef Status status
    cdef int never = 0
    cdef Budget budget = unlimited(&never)
    if block == NULL:
        return -1
    work = Work(ws=indices, n_ws=0, in_ws=<char*> (indices + 4 * size), active=indices + size,
                everything=indices + 2 * size, violators=indices + 3 * size, excess=l2 + size,
                sorted_excess=l2 + 2 * size, v=l2 + 3 * size, loss=0.0, theta=colsq + 9 * size,
                w_theta=l2 + 4 * size, w_before=l2 + 5 * size, saved=l2 + 6 * size)
    reset_state(&layout, y, r)
    for j in range(p):
        colsq[j] = corr_exact(&layout, X, <const double*> NULL, 0.0, j, X + j * n) / n
        l1[j] = alpha * l1_ratio
        l2[j] = alpha * (1.0 - l1_ratio)
        work.everything[j] = j
        if w[j] != 0:
            shift(&layout, X, j, w[j], 0.0, r)              # r = y - X w
    seed_working_set(&work, w, l1, NULL, NULL, positive, p)
    status = cd_body(&layout, X, <const double*> NULL, <const double*> NULL, y, w, r, colsq, l1, l2,
                     positive, &u, p, max_iter, tol, &work, n_iter, gap, &budget, n)
    free(block)
    return status


cdef object run(const layout_t* X, const floating* vals, const floating* s, const floating* m,
                const floating[:, ::1] y, const double[::1] yy, floating[:, ::1] w,
                floating[:, ::1] state, const floating[::1] colsq, const floating[:, ::1] l1,
                const floating[:, ::1] l2, bint positive, const Py_ssize_t[::1] unpenalised,
                const double[:, ::1] unpenalised_gram, const double[::1] scores,
                const floating[::1] l1_previous, int max_iter, const double[::1] tol,
                object limits, Py_ssize_t unit):
    """Allocate the scratch once and run cd_body task after task without the GIL.

    Either k targets (rows of y, w, state) at one penalty (one row of l1, l2), or one target along
    T penalties (a path: each task warm-starts from the last, its working set seeded by the strong
    rule from the last task's scores; the first from scores at l1_previous, if given).
    Returns (coef, status, n_iter, gap, loss, v), each with a leading task axis, but for a path v
    (the KKT scores, p per task) holds only the last task's: a path needs no others, and T rows
    of them would weigh as much as the coefficients.
    limits: the public call's _limits.Budget; unit: the work of one coordinate update (about n for
    dense X, the nonzeros per column for CSC, p in covariance mode). Out of time, every later target
    stops at its warm start (with its gap), every later point of a path keeps the last coefficients
    (gap infinite: uncertified); interrupted, the entry point raises.
    """
    cdef int[::1] flag = limits.stop
    cdef Budget budget = make_budget(limits.deadline, flag)
    cdef Py_ssize_t n_tasks = max(w.shape[0], l1.shape[0]), p = w.shape[1], q = unpenalised.shape[0]
    cdef Py_ssize_t t, k, a
    # a path alternates between two rows: the task's own and its predecessor's (the strong rule)
    cdef Py_ssize_t n_score_rows = n_tasks if l1.shape[0] == 1 else min(n_tasks, 2)
    dtype = np.float32 if floating is float else np.float64
    coef = np.empty((n_tasks, p), dtype=dtype)
    status = np.empty(n_tasks, dtype=np.intc)
    n_iter = np.zeros(n_tasks, dtype=np.intc)
    gap = np.zeros(n_tasks)
    loss = np.zeros(n_tasks)
    v = np.zeros((n_score_rows, p))
    cdef floating[:, ::1] coef_view = coef
    cdef int[::1] status_view = status, n_iter_view = n_iter
    cdef double[::1] gap_view = gap, loss_view = loss
    cdef double[:, ::1] v_view = v
    cdef floating[::1] theta = np.empty(state_size(X) if q > 0 else 1, dtype=dtype)
    cdef floating[::1] w_theta = np.empty(p, dtype=dtype)
    cdef floating[::1] w_before = np.empty(p, dtype=dtype)
    cdef floating[::1] saved = np.empty(p, dtype=dtype)
    cdef double[::1] chol = np.empty(max(q * q, 1))
    cdef double[::1] rhs = np.empty(max(q, 1))
    cdef Py_ssize_t[::1] take = np.empty(max(q, 1), dtype=np.intp)
    cdef Py_ssize_t[::1] ws = np.empty(p, dtype=np.intp)
    cdef Py_ssize_t[::1] active = np.empty(p, dtype=np.intp)
    cdef Py_ssize_t[::1] everything = np.arange(p, dtype=np.intp)
    cdef Py_ssize_t[::1] violators = np.empty(p, dtype=np.intp)
    cdef double[::1] excess = np.empty(p)
    cdef double[::1] sorted_excess = np.empty(p)
    cdef char[::1] in_ws = np.zeros(p, dtype=np.int8)
    cdef Unpenalised u = Unpenalised(q=q, idx=NULL, gram=NULL, chol=&chol[0], rhs=&rhs[0], take=&take[0])
    cdef Work work = Work(ws=&ws[0], n_ws=0, in_ws=&in_ws[0], active=&active[0],
                          everything=&everything[0], violators=&violators[0], excess=&excess[0],
                          sorted_excess=&sorted_excess[0], v=NULL, loss=0.0,
                          theta=&theta[0], w_theta=&w_theta[0], w_before=&w_before[0],
                          saved=&saved[0])
    cdef layout_t task_layout = X[0]
    cdef const double* previous_scores = &scores[0] if scores.shape[0] > 0 else NULL
    cdef const floating* previous_l1 = &l1_previous[0] if l1_previous.shape[0] > 0 else NULL
    if q > 0:
        u.idx = &unpenalised[0]
        u.gram = &unpenalised_gram[0, 0]
    with nogil:
        for t in range(n_tasks):
            k = t if w.shape[0] > 1 else 0            # the target
            a = t if l1.shape[0] > 1 else 0           # the penalty
            if budget.reason == PAST_DEADLINE and t > 0 and l1.shape[0] > 1:
                # a path out of time: the later points keep the coefficients reached, without a
                # certificate (a gap each would cost a pass over X per point)
                coef_view[t, :] = coef_view[t - 1, :]
                status_view[t], n_iter_view[t] = OUT_OF_TIME, 0
                gap_view[t], loss_view[t] = INFINITY, loss_view[t - 1]
                continue
            if layout_t is Gram:
                task_layout.yy = yy[k]
            seed_working_set(&work, &w[k, 0], &l1[a, 0], previous_scores, previous_l1, positive, p)
            work.v = &v_view[t % n_score_rows, 0]
            status_view[t] = cd_body(&task_layout, vals, s, m, &y[k, 0], &w[k, 0], &state[k, 0],
                                     &colsq[0], &l1[a, 0], &l2[a, 0], positive, &u, p, max_iter,
                                     tol[k], &work, &n_iter_view[t], &gap_view[t], &budget, unit)
            if budget.reason == INTERRUPTED:
                break
            loss_view[t] = work.loss
            coef_view[t, :] = w[k, :]
            if l1.shape[0] > 1:                       # a path: the next task follows this one
                previous_scores, previous_l1 = &v_view[t % n_score_rows, 0], &l1[a, 0]
    raise_if_interrupted(&budget)
    if l1.shape[0] > 1:
        v = v[(n_tasks - 1) % n_score_rows][None, :]
    return coef, status, n_iter, gap, loss, v


def cd_dense(const floating[::1, :] X, const floating[:, ::1] y, floating[:, ::1] w,
             floating[:, ::1] r, const floating[::1] sample_weight, const floating[::1] offsets,
             const floating[::1] colsq, const floating[:, ::1] l1, const floating[:, ::1] l2,
             bint positive, const Py_ssize_t[::1] unpenalised, const double[:, ::1] unpenalised_gram,
             const double[::1] scores, const floating[::1] l1_previous, int max_iter,
             const double[::1] tol, object limits):
    """Run CD on Fortran-ordered dense X for k targets; update w and the residuals r in place.

    Row k of y is a centred target, of r its residual y_k - (X - offsets) w_k on entry, of w its
    coefficients; sample_weight and offsets may be empty (unit weights, no centring); l1 and l2 are
    one row of penalties (for k targets) or T rows (a path of one target); unpenalised lists the
    features with l1 = l2 = 0 and unpenalised_gram their (q, q) weighted centred Gram / n; scores
    and l1_previous (or empty) seed the strong rule of the first task; tol (k,) the absolute gap
    tolerances; limits the public call's _limits.Budget (max_seconds, the stop flag). Returns arrays
    (coef, status, n_iter, gap, loss = sum_i s_i r_i^2, v = KKT scores), a row per task. Raises
    KeyboardInterrupt when interrupted (w and r then agree, at some point of the descent).
    """
    cdef Dense layout = Dense(n=X.shape[0], ld=X.shape[0])
    cdef double[::1] unused_yy = np.zeros(0)     # residual mode has the residual itself
    return run(&layout, &X[0, 0], optional(sample_weight), optional(offsets), y, unused_yy, w, r,
               colsq, l1, l2, positive, unpenalised, unpenalised_gram, scores, l1_previous, max_iter,
               tol, limits, max(X.shape[0], 1))


def cd_gram(const floating[::1, :] G, const floating[:, ::1] Xty, const double[::1] yy,
            Py_ssize_t n_samples, floating[:, ::1] w, floating[:, ::1] g, const floating[::1] colsq,
            const floating[:, ::1] l1, const floating[:, ::1] l2, bint positive,
            const Py_ssize_t[::1] unpenalised, const double[:, ::1] unpenalised_gram,
            const double[::1] scores, const floating[::1] l1_previous, int max_iter,
            const double[::1] tol, object limits):
    """Run CD in covariance mode for k targets; update w and g = Xty - G w in place.

    G = (X - m)' S (X - m), row k of Xty = (X - m)' S y_k (weights and centring folded in),
    yy[k] = y_k' S y_k (centred). Other arguments and the return value as in cd_dense.
    """
    cdef Gram layout = Gram(n=n_samples, p=G.shape[0], ld=G.shape[0], yy=0.0)
    return run(&layout, &G[0, 0], <const floating*> NULL, <const floating*> NULL, Xty, yy, w, g,
               colsq, l1, l2, positive, unpenalised, unpenalised_gram, scores, l1_previous, max_iter,
               tol, limits, max(G.shape[0], 1))


ctypedef fused index_t:
    int32_t
    int64_t


def cd_csc(const floating[::1] data, const index_t[::1] indices, const index_t[::1] indptr,
           Py_ssize_t n_samples, const floating[:, ::1] y, floating[:, ::1] w, floating[:, ::1] state,
           const floating[::1] sample_weight, const floating[::1] offsets,
           const floating[::1] colsq, const floating[:, ::1] l1, const floating[:, ::1] l2,
           bint positive, const Py_ssize_t[::1] unpenalised, const double[:, ::1] unpenalised_gram,
           const double[::1] scores, const floating[::1] l1_previous, int max_iter,
           const double[::1] tol, object limits):
    """Run CD on canonical CSC X (data, indices, indptr: int32 or int64) for k targets.

    Row k of state holds u = y_k - X w_k (n entries) and then c = offsets . w_k: the residual is
    u + c (see _layout.pxd). Other arguments and the return value as in cd_dense.
    """
    cdef const floating* vals = &data[0] if data.shape[0] > 0 else NULL
    cdef const index_t* rows = &indices[0] if indices.shape[0] > 0 else NULL
    cdef double[::1] unused_yy = np.zeros(0)     # residual mode has the residual itself
    cdef Csc32 layout32
    cdef Csc64 layout64
    cdef Py_ssize_t unit = max(data.shape[0] // max(w.shape[1], 1), 1)     # nonzeros per column
    if index_t is int32_t:
        layout32 = Csc32(n=n_samples, indptr=&indptr[0], indices=rows)
        return run(&layout32, vals, optional(sample_weight), optional(offsets), y, unused_yy, w, state,
                   colsq, l1, l2, positive, unpenalised, unpenalised_gram, scores, l1_previous,
                   max_iter, tol, limits, unit)
    else:
        layout64 = Csc64(n=n_samples, indptr=&indptr[0], indices=rows)
        return run(&layout64, vals, optional(sample_weight), optional(offsets), y, unused_yy, w, state,
                   colsq, l1, l2, positive, unpenalised, unpenalised_gram, scores, l1_previous,
                   max_iter, tol, limits, unit)


def csc_column_stats(const floating[::1] data, const index_t[::1] indices, const index_t[::1] indptr,
                     Py_ssize_t n_samples, const double[::1] sample_weight, bint centre):
    """(means, colsq, second) of canonical CSC columns, float64: weighted means (zeros if not
    centre), centred weighted squared norms / n and uncentred ones / n (weights sum to n; empty:
    unit).

    Two passes over each column's nonzeros, no temporary: sum_i s_i (x_ij - m_j)^2 is the sum over
    the nonzeros plus m_j^2 times the weight of the zero rows, exact even when |m_j| >> std(x_j).
    """
    cdef Py_ssize_t p = indptr.shape[0] - 1, j, k
    means = np.zeros(p)
    colsq = np.zeros(p)
    second = np.zeros(p)
    cdef double[::1] m = means, cs = colsq, sq = second
    cdef const double* s = &sample_weight[0] if sample_weight.shape[0] > 0 else NULL
    cdef double s_k, x, total, weight_nonzero, deviation
    with nogil:
        for j in range(p):
            total = weight_nonzero = 0.0
            for k in range(indptr[j], indptr[j + 1]):
                s_k = s[indices[k]] if s != NULL else 1.0
                x = data[k]
                total += s_k * x
                sq[j] += s_k * x * x
                weight_nonzero += s_k
            sq[j] /= n_samples
            if not centre:
                cs[j] = sq[j]
                continue
            m[j] = total / n_samples
            cs[j] = m[j] * m[j] * (n_samples - weight_nonzero)
            for k in range(indptr[j], indptr[j + 1]):
                s_k = s[indices[k]] if s != NULL else 1.0
                deviation = data[k] - m[j]
                cs[j] += s_k * deviation * deviation
            cs[j] /= n_samples
    return means, colsq, second
