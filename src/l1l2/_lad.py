"""lad and quantile (and their paths): a start (IRLS or an interior point method), then simplex
pivots to the exact LP optimum, certified.

The LP, its rows and the kernels are described in _kernels/_irls.pyx. This module
- picks the start: the interior point method on all rows when a Gram matrix of them is cheap next to
  the simplex's work (sparse X with short rows, or n not far above the number of coefficients), or
  else IRLS, on a subsample for large n;
- picks the rows the simplex sees: all of them, or for large n those nearest the start's fit, the
  others held on their side and checked afterwards (those that cross join);
- with more penalised features than samples, picks the columns: a working set grown by the dual
  constraints of the others;
- handles what the kernel hands back: too few rows (more), a stall on a degenerate vertex (its ties
  settled by a small LP, or a restart from HiGHS's vertex of the same rows);
- certifies the result with a dual point of the whole problem, computed here, and finds alpha_max.

Sparse X (canonical CSC from _validation) is never densified: products with X and X' are sparse
ones, the start reads one CSR copy of X (made once per fit, rows of which also feed the simplex),
and only the rows the simplex sees (a band of a few rows per coefficient) become dense.
"""
import time
from functools import cached_property
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse
from numpy.typing import ArrayLike

from l1l2 import _validation as v
from l1l2._grid import default_alphas
from l1l2._kernels._irls import Outcome, Start, simplex, start_csr, start_dense
from l1l2._limits import Budget
from l1l2._parallel import parallel_map
from l1l2._path import report
from l1l2._prepare import sparse_column_stats
from l1l2._results import FitResult, PathResult
from l1l2._typing import Design
from l1l2._warnings import warn_if_not_converged

IRLS_MAX_ITER = 40
IRLS_EPS = 1e-5         # IRLS hands over once its smoothing is this small relative to the start
IRLS_STALL = 1e-4       # and a step changes the objective by at most this relative (on a
SUBSAMPLE_STALL = 1e-6  # subsample, this)
# IRLS leaves the simplex some pa pivots of about pa^2 each (and refactorisations of pa^3 every
# 50); the interior point method ends so close to the optimum that a few remain, for about twice
# IRLS's steps, each a Gram matrix of the rows. So it starts, on all rows, when such a Gram matrix
# costs at most INTERIOR_GRAM pa^3 (times pa / INTERIOR_LARGE beyond that many coefficients):
# sparse X with short rows (5000 x 300 at 2%: 0.03 s against IRLS's 0.34 s), and dense X only from
# INTERIOR_DENSE coefficients (below, IRLS was as fast or faster: n = 1000..20000, p = 20..400; at
# n = 100000, p = 1000 the interior point start took 66 s where IRLS's ran out of pivots at 282 s).
INTERIOR_GRAM = 25
INTERIOR_LARGE = 250
INTERIOR_DENSE = 500
INTERIOR_TOL = 1e-9     # it hands over at this complementarity gap relative to the objective
INTERIOR_MAX_ITER = 100
DUAL_TOL = 1e-9         # a basic d this far outside its bounds still counts as inside (rounding)
ROUNDING = 1e-13        # a gap below this times the mean |y| is rounding: converged, whatever tol
EQUALITY_TOL = 1e-9     # a column's dual equality holds if |e_j| <= this * |z_j| |d| (c-weighted)
TIE = 1e-10             # |r_i| <= TIE max |y|: for alpha_max, observation i lies on the fit
ALL_ROWS_CELLS = 10**5  # the simplex sees every row while they hold this many entries; beyond,
ROWS_PER_COEF = 10      # it starts from this many rows per coefficient (at least MIN_ROWS), the
MIN_ROWS = 500          # rest held on their sides; from an exact solution at a nearby alpha,
WARM_ROWS_PER_COEF = 4  # from this many
BAND = 2.0              # ... and at least BAND n sqrt(pa / m) rows after IRLS on a subsample of m;
                        # after the interior point method, as from a nearby alpha
SUBSAMPLE_SEED = 0      # IRLS on a subsample for large n: a fixed seed keeps fits reproducible


@dataclass(frozen=True)
class Loss:
    """rho(u) = hi u for u >= 0, lo u below: (q - 1, q) for quantile q, (-1, 1) for LAD."""
    name: str
    lo: float
    hi: float

    @property
    def q(self):
        """The quantile the loss targets (0.5 for LAD)."""
        return self.hi / (self.hi - self.lo)

    def __call__(self, r):
        return np.where(r >= 0, self.hi * r, self.lo * r)


def absolute_loss():
    return Loss("absolute", -1.0, 1.0)


def quantile_loss(q):
    return Loss("quantile", q - 1.0, q)


@dataclass(frozen=True)
class Problem:
    """What every target and alpha of a fit share: X as given, weights, the loss."""
    X: object                  # (n, p) float32/float64: an array in any memory layout, or CSC
                               # scipy.sparse (canonical, as _validation returns it)
    c: np.ndarray              # (n,) float64 weights s_i / n (sum 1)
    loss: Loss
    fit_intercept: bool

    @property
    def n_coef(self):
        return self.X.shape[1] + self.fit_intercept

    @property
    def is_sparse(self):
        return scipy.sparse.issparse(self.X)

    @cached_property
    def gram_cost(self):
        """Multiply-adds of one weighted Gram matrix Z' V Z of all rows (sum of nnz(z_i)^2 / 2)."""
        pa = self.n_coef
        if not self.is_sparse:
            return self.X.shape[0] * pa * pa / 2
        lengths = np.diff(self.csr.indptr).astype(np.float64) + self.fit_intercept
        return float(lengths @ lengths) / 2 + self.X.shape[0]

    @cached_property
    def csr(self):
        """Sparse X as CSR (one copy, made on first use): its rows for IRLS and the simplex."""
        return self.X.tocsr()

    def predict(self, beta):
        """Z beta for beta (pa,) (the intercept last), in float64."""
        w = beta[:self.X.shape[1]]
        # (scipy's sparse products compute in float64 for float32 X: a copy of its values only)
        out = np.concatenate([block @ w for block in self._blocks()]) \
            if self.X.dtype != w.dtype and not self.is_sparse else self.X @ w
        return out + beta[-1] if self.fit_intercept else out

    def rows(self, index, cols):
        """Z[index][:, cols] as a C-ordered float64 array."""
        Z = np.zeros((len(index), len(cols)))
        features = cols[cols < self.X.shape[1]]
        if self.is_sparse:
            # the selected rows' entries, each put in its column's place among features (if there)
            sub = self.csr[index]
            place = np.full(self.X.shape[1], -1, dtype=np.intp)
            place[features] = np.arange(len(features))
            row_of = np.repeat(np.arange(len(index)), np.diff(sub.indptr))
            column = place[sub.indices[:len(row_of)]]
            kept = column >= 0
            Z[row_of[kept], column[kept]] = sub.data[:len(row_of)][kept]
        else:
            Z[:, :len(features)] = self.X[np.ix_(index, features)]
        if len(features) < len(cols):
            Z[:, -1] = 1.0
        return Z

    def rows_sparse(self, index):
        """Z[index] (every column) as a scipy.sparse CSR matrix: for HiGHS, which takes it as it is."""
        sub = self.csr[index] if self.is_sparse else scipy.sparse.csr_array(self.X[index])
        if self.fit_intercept:
            sub = scipy.sparse.hstack([sub, np.ones((len(index), 1))], format="csr")
        return scipy.sparse.csr_array(sub, dtype=np.float64)

    def transpose_times(self, weights):
        """Z' weights (pa,), in float64."""
        if self.X.dtype == weights.dtype or self.is_sparse:
            out = self.X.T @ weights
        else:
            out, start = np.zeros(self.X.shape[1]), 0
            for block in self._blocks():
                out += block.T @ weights[start:start + len(block)]
                start += len(block)
        return np.append(out, weights.sum()) if self.fit_intercept else out

    def _blocks(self):
        """X in float64 row blocks of about 8 MiB: float32 X is never copied whole."""
        n, p = self.X.shape
        rows = max(1, (1 << 20) // max(p, 1))
        return (self.X[start:start + rows].astype(np.float64) for start in range(0, n, rows))

    @cached_property
    def colscale(self):
        """(pa,) sqrt(sum_i c_i z_ij^2): how far a coefficient moves the residuals (1 for the
        intercept). Computed once per X (frozen dataclass: cached_property writes __dict__)."""
        X = self.X
        if self.is_sparse:       # sum_i c_i x_ij^2 = (sum_i s_i x_ij^2) / n, with s = n c
            scale = np.sqrt(sparse_column_stats(X, self.c * X.shape[0], False)[2])
        else:
            scale = np.sqrt(np.einsum("ij,ij,i->j", X, X, self.c.astype(X.dtype))).astype(np.float64)
        return np.append(scale, 1.0)[:self.n_coef]

    def null_objective(self, y):
        """The objective of the best constant (the weighted quantile of y; 0 without intercept)."""
        b = weighted_quantile(y, self.c, self.loss.q) if self.fit_intercept else 0.0
        return float(self.c @ self.loss(y - b))


@dataclass(frozen=True)
class RowLp:
    """The simplex's rows as an LP for NumPy and HiGHS: observation rows Z (m, pa) and penalty
    rows (z = e_j for j in pen), weights w, bounds lo, hi of d (all of length m + k)."""
    Z: np.ndarray
    w: np.ndarray
    pen: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def columns(self, index):
        """The dual equality's columns w_i z_i of the rows in index: (pa, len(index))."""
        m = self.Z.shape[0]
        A = np.zeros((self.Z.shape[1], len(index)))
        observation = index < m
        A[:, observation] = (self.Z[index[observation]] * self.w[index[observation], None]).T
        penalty = np.flatnonzero(~observation)
        A[self.pen[index[penalty] - m], penalty] = self.w[index[penalty]]
        return A

    def dual(self, outcome, side, basis, u, tied, g_fixed):
        """(outcome, d of every row) after the simplex: d on each row's side, the basic rows' from
        u = w d (optimal); after a stall, the ties' d settled by an LP (then optimal if it can)."""
        dual = np.where(side > 0, self.hi, self.lo)
        if outcome == Outcome.OPTIMAL:
            w = self.w[basis]
            dual[basis] = np.clip(np.divide(u, w, out=np.zeros_like(u), where=w > 0),
                                  self.lo[basis], self.hi[basis])
        elif outcome == Outcome.STALLED:
            settled = self.settle_ties(tied, dual, g_fixed)
            if settled is not None:
                return Outcome.OPTIMAL, settled
        return outcome, dual

    def vertex(self, y, g_fixed):
        """An optimal vertex of these rows' LP by HiGHS (the coefficients are the multipliers of its
        dual equality), or None if they have none (they cannot balance the fixed rows): the way on
        from a stalled degenerate vertex that is not optimal."""
        rows = np.arange(len(self.w))
        objective = np.zeros(len(self.w))
        objective[:len(y)] = -self.w[:len(y)] * y
        result = scipy.optimize.linprog(objective, A_eq=self.columns(rows), b_eq=-g_fixed,
                                        bounds=np.column_stack([self.lo, self.hi]), method="highs")
        return -result.eqlin.marginals if result.status == 0 else None

    def settle_ties(self, tied, dual, g_fixed):
        """d for the rows on the fit (tied) that meets the dual equality sum_i w_i d_i z_i +
        g_fixed = 0 within the bounds, the other rows' d as given; None if there is none.

        A vertex where many rows lie on the fit is optimal iff such d exist: a small LP in the
        ties' d (HiGHS), the answer polished by least squares on the d strictly inside their
        bounds so the equality holds to rounding."""
        ties, others = np.flatnonzero(tied), np.flatnonzero(~tied)
        A = self.columns(ties)
        rhs = -(g_fixed + self.columns(others) @ dual[others])
        result = scipy.optimize.linprog(np.zeros(len(ties)), A_eq=A, b_eq=rhs,
                                        bounds=np.column_stack([self.lo[ties], self.hi[ties]]),
                                        method="highs")
        if result.status != 0:
            return None
        x = result.x
        inside = (x > self.lo[ties]) & (x < self.hi[ties])
        x[inside] += np.linalg.lstsq(A[:, inside], rhs - A @ x, rcond=None)[0]
        settled = dual.copy()
        settled[ties] = np.clip(x, self.lo[ties], self.hi[ties])
        return settled


def weighted_quantile(y, c, q):
    """The smallest y_i with sum of c over y <= y_i at least q sum(c): a minimiser of sum c rho_q."""
    target = q * (1 - 1e-15)                  # (rounding in the cumulative sum must not skip it)
    if np.all(c == c[0]):                     # equal weights: a selection, O(n)
        k = max(int(np.ceil(target * len(y))) - 1, 0)
        return float(np.partition(y, k)[k])
    order = np.argsort(y, kind="stable")
    cumulative = np.cumsum(c[order])
    return float(y[order][np.searchsorted(cumulative, target * cumulative[-1])])


class TargetFit(NamedTuple):
    """One target's fit at one alpha."""
    coef: np.ndarray
    intercept: float
    objective: float
    dual_gap: float
    relative_gap: float     # dual_gap / the objective of the best constant: what tol is compared with
    n_iter: int             # steps of the start plus simplex pivots
    converged: bool


class Solver:
    """One target: a start to get close, the simplex to finish; warm-startable along a path."""

    def __init__(self, problem, y, coef_init=None, budget=None):
        self.problem, self.y = problem, np.ascontiguousarray(y, dtype=np.float64)
        self.budget = Budget() if budget is None else budget   # the call's max_seconds, Ctrl-C
        self.beta = np.zeros(problem.n_coef)
        if coef_init is not None:
            self.beta[:len(coef_init)] = coef_init
        self.keep = np.ones(problem.n_coef, dtype=bool)
        self.scale = max(problem.null_objective(self.y), np.finfo(float).tiny)   # tol is relative to it
        self.rounding = ROUNDING * (problem.c @ np.abs(self.y))
        self.band = 0           # rows the simplex should start from at least (set by _start)
        self.close = False      # whether beta is (nearly) optimal for all rows (set by _start)

    def fit(self, l, tol, max_iter, *, from_scratch=True):
        """Solve at penalty weights l (p,); from the current beta, after a start if from_scratch."""
        P = self.problem
        n_iter = 0
        self.close = not from_scratch
        if from_scratch and np.count_nonzero(l) > P.X.shape[0]:
            self._start_wide(l)      # the simplex on a working set of columns needs no start
        elif from_scratch:
            n_iter = self._start(l, max_iter)
        outcome, n_pivots, r, d, t = self._finish(
            l, max_iter, WARM_ROWS_PER_COEF if self.close else ROWS_PER_COEF)
        objective, gap = self._certify(l, r, d, t)
        # a gap at the rounding level of y counts as zero (it is all a constant y can have)
        converged = outcome == Outcome.OPTIMAL and gap <= tol * self.scale + self.rounding
        return TargetFit(self.beta[:len(l)].copy(), float(self.beta[-1]) if P.fit_intercept else 0.0,
                         float(objective), gap, gap / self.scale, n_iter + n_pivots, converged)

    def _start(self, l, max_iter):
        """From the current beta towards the optimum: the interior point method on all rows if
        their Gram matrix is cheap (see INTERIOR_GRAM), else IRLS, on all rows or, for large n, on
        a random subsample of about sqrt(pa) n^(2/3) rows (Portnoy and Koenker): it only has to
        get close. Returns its steps."""
        P, y = self.problem, self.y
        X, c = P.X, P.c
        n, pa = X.shape[0], P.n_coef
        m = int(np.sqrt(pa) * n ** (2 / 3))
        self.band, stall = 0, IRLS_STALL
        self.close = ((P.is_sparse or pa > INTERIOR_DENSE)
                      and P.gram_cost <= INTERIOR_GRAM * max(1.0, pa / INTERIOR_LARGE) * float(pa) ** 3)
        method, tol, steps = (Start.INTERIOR, INTERIOR_TOL, INTERIOR_MAX_ITER) if self.close \
            else (Start.IRLS, IRLS_EPS, IRLS_MAX_ITER)
        if P.is_sparse:
            X = P.csr
        if n > 2 * m and m >= MIN_ROWS and not self.close:
            rows = np.sort(np.random.default_rng(SUBSAMPLE_SEED).choice(n, m, replace=False))
            X, y, c = X[rows], y[rows], c[rows]
            c = c / c.sum() if c.sum() > 0 else np.full(m, 1.0 / m)
            # the subsample's fit errs by about sqrt(pa / m) in residual scale: so many of the rows
            # lie close enough to the fit that they may be on the wrong side
            self.band = int(BAND * n * np.sqrt(P.n_coef / m))
            stall = SUBSAMPLE_STALL           # IRLS is cheap here, and the band rests on it
        options = (y, c, P.loss.lo, P.loss.hi, P.fit_intercept, l, self.beta, method,
                   min(max_iter, steps), tol, stall, self.budget)
        n_iter, dependent = start_csr(X.data, X.indices, X.indptr, X.shape[1], *options) \
            if P.is_sparse else start_dense(X, *options)
        # unpenalised columns the others span: their coefficients stay 0, the fit is the same
        self.keep = ~dependent
        self.beta[dependent] = 0.0
        if not np.all(np.isfinite(self.beta)):     # (overflow on wild data): start from 0 instead
            self.beta[:] = 0.0
        return n_iter

    def _start_wide(self, l):
        """Start with more penalised features than samples: only the unpenalised columns fitted
        (least squares: a start), the others at 0; unpenalised columns that earlier ones span are
        dropped (a pivoted QR: they are few)."""
        P = self.problem
        free = np.flatnonzero(np.append(l, 0.0)[:P.n_coef] == 0)
        live = np.flatnonzero(P.c > 0)            # (rows of weight 0 do not count)
        self.beta[:] = 0.0
        self.keep[:] = True
        if free.size:
            Z = P.rows(live, free)
            size = np.linalg.norm(Z, axis=0)
            # unit columns, so the rank does not depend on X's units; zero columns have rank 0
            R, pivots = scipy.linalg.qr(Z / np.where(size > 0, size, 1.0), mode="r", pivoting=True)
            diagonal = np.abs(np.diag(R))
            rank = int(np.sum(diagonal > 1e-12))
            self.keep[free[pivots[rank:]]] = False
            kept = free[np.sort(pivots[:rank])]
            self.beta[kept] = np.linalg.lstsq(P.rows(live, kept), self.y[live], rcond=None)[0]

    def _finish(self, l, max_iter, rows_per_coef):
        """The simplex, on a working set of columns when there are more penalised features than
        samples: the others held at 0 until their dual constraint |x_j . (c d)| <= l_j fails
        (one pass over X), when the worst of them join and the simplex goes on.
        Returns (outcome, pivots, r (n,), d (n,), t (p,)) as _solve_rows, t for every feature."""
        P, n = self.problem, self.problem.X.shape[0]
        cols = np.flatnonzero(self.keep)
        penalised = cols[cols < len(l)][l[cols[cols < len(l)]] > 0]
        if penalised.size <= n:
            return self._solve_rows(l, cols, max_iter, rows_per_coef)
        unpenalised = np.setdiff1d(cols, penalised)
        r = self.y - P.predict(self.beta)
        pull = np.abs(P.transpose_times(P.c * np.where(r >= 0, P.loss.hi, P.loss.lo))[penalised])
        with np.errstate(over="ignore"):      # (a tiny l: inf ranks first, as it should)
            start = penalised[np.argsort(-pull / l[penalised], kind="stable")[:n]]
        working = np.union1d(unpenalised, np.union1d(start, penalised[self.beta[penalised] != 0]))
        total = 0
        while True:
            outcome, pivots, r, d, t = self._solve_rows(l, working, max_iter - total, rows_per_coef)
            total += pivots
            outside = np.setdiff1d(penalised, working)
            e = P.transpose_times(P.c * d)[outside]
            with np.errstate(over="ignore"):  # (inf: a violator, and t clipped, as it should)
                t[outside] = np.clip(-e / l[outside], -1.0, 1.0)
                excess = np.abs(e) / l[outside]
            if outcome != Outcome.OPTIMAL or not np.any(excess > 1 + DUAL_TOL):
                return outcome, total, r, d, t
            worst = np.argsort(-excess, kind="stable")[:max(len(working) // 2, 10)]
            working = np.union1d(working, outside[worst[excess[worst] > 1 + DUAL_TOL]])

    def _solve_rows(self, l, cols, max_iter, rows_per_coef):
        """Simplex on a growing set of rows until the rows left out stay on their sides.

        The rows_per_coef * len(cols) rows with the smallest residuals (at least MIN_ROWS and the band
        of a subsample's IRLS) go to the simplex; the others are held on their
        side, their sum of c_i d_i z_i passed as g_fixed. Rows that end on the wrong side join
        the simplex's rows and it runs again, from where it was. Only the columns cols are fitted;
        the others are 0. Returns (outcome, pivots, r (n,), d (n,), t (p,)): the residuals, the dual
        values of the observations and those of the penalty rows of cols (t_j is 0 elsewhere)."""
        P, y, n = self.problem, self.y, self.problem.X.shape[0]
        penalised = cols[(cols < len(l))][l[cols[cols < len(l)]] > 0]
        pen_pos = np.searchsorted(cols, penalised).astype(np.intp)
        pen_side = np.where(self.beta[penalised] > 0, -1, 1).astype(np.int8)
        r = y - P.predict(self.beta)
        side = np.where(r >= 0, 1, -1).astype(np.int8)
        if cols.size == 0:                  # nothing to fit (every column zero or spanned): beta = 0
            return Outcome.OPTIMAL, 0, r, np.where(side > 0, P.loss.hi, P.loss.lo), np.zeros(len(l))
        if self.budget.out_of_time():       # (max_seconds) beta stays, with the sides' certificate
            return Outcome.MAX_PIVOTS, 0, r, np.where(side > 0, P.loss.hi, P.loss.lo), np.zeros(len(l))
        d_side = np.where(side > 0, P.loss.hi, P.loss.lo) * P.c     # c_i d_i on each row's side
        # Rows of weight 0 stay out: they cost nothing, and in a basis their d would be free.
        distance = np.where(P.c > 0, np.abs(r), np.inf)
        n_live = int(np.count_nonzero(P.c))
        size = n_live if n_live * len(cols) <= ALL_ROWS_CELLS else \
            min(n_live, max(rows_per_coef * len(cols), MIN_ROWS, self.band))
        chosen = np.zeros(n, dtype=bool)
        chosen[np.argpartition(distance, size - 1)[:size]] = True
        g_fixed = P.transpose_times(d_side * ~chosen)[cols] if size < n_live else np.zeros(len(cols))
        # The simplex sees the columns scaled to unit size (and the penalties with them): its
        # independence and tie tests then do not depend on the units of X.
        scale = P.colscale[cols].copy()
        scale[~(np.isfinite(scale) & (scale > 0))] = 1.0
        l_pen = l[penalised] / scale[pen_pos]
        total_pivots, rescued = 0, False
        while True:
            rows = np.flatnonzero(chosen)
            Z = P.rows(rows, cols) / scale
            # basis candidates: small residuals first, penalty rows ranked by |beta_j| * column scale
            scores = np.concatenate([np.abs(r[rows]),
                                     np.abs(self.beta[penalised]) * P.colscale[penalised]])
            row_side = np.concatenate([side[rows], pen_side])
            outcome, n_pivots, beta, dual, lp = simplex_rows(
                Z, y[rows], P.c[rows], P.loss, pen_pos, l_pen, g_fixed / scale, scores, row_side,
                max_iter - total_pivots, self.budget)
            total_pivots += n_pivots
            side[rows], pen_side = row_side[:len(rows)], row_side[len(rows):]
            if outcome == Outcome.STALLED and not rescued:
                # a degenerate vertex that is not optimal, and Bland's rule too slow to leave it:
                # HiGHS finds an optimal vertex of these rows once, and the simplex restarts there
                # (its ties are then settled, and certified, as above)
                rescued, start = True, lp.vertex(y[rows], g_fixed / scale)
                if start is None:                     # these rows cannot balance the fixed ones
                    outcome = Outcome.UNBOUNDED
                else:
                    self.beta[:] = 0.0
                    self.beta[cols] = start / scale
                    r = y - P.predict(self.beta)
                    continue
            if outcome in (Outcome.UNBOUNDED, Outcome.SINGULAR) and len(rows) < n_live:
                # the rows were too few to balance the fixed ones: take four times as many
                more = np.zeros(n, dtype=bool)
                size = min(n_live, 4 * len(rows))
                more[np.argpartition(distance, size - 1)[:size]] = True
                g_fixed -= self._sum_rows(more & ~chosen, d_side, cols)
                chosen |= more
                rescued = False
                continue
            self.beta[:] = 0.0
            self.beta[cols] = beta / scale
            r = y - P.predict(self.beta)
            strays = ~chosen & (side * r < 0) & (P.c > 0)
            if outcome != Outcome.OPTIMAL or not strays.any():
                break
            g_fixed -= self._sum_rows(strays, d_side, cols)   # fixed rows that crossed join
            chosen |= strays
        d = np.where(side > 0, P.loss.hi, P.loss.lo)
        d[rows] = dual[:len(rows)]
        t = np.zeros(len(l))
        t[penalised] = dual[len(rows):]
        return outcome, total_pivots, r, d, t

    def _sum_rows(self, mask, weights, cols):
        """sum over the rows in mask of weights_i z_i, restricted to cols."""
        index = np.flatnonzero(mask)
        return self.problem.rows(index, cols).T @ weights[index]

    def _certify(self, l, r, d, t):
        """The objective P(beta) and the duality gap P(beta) - D(d, t) at the residuals r and the
        dual values d (n,) and t (p,): see certificate."""
        P = self.problem
        loss = P.loss(r)
        return certificate(l, t, self.beta, P.c @ loss, P.c @ (loss - d * r),
                           P.transpose_times(P.c * d), np.sqrt(P.c @ d**2) * P.colscale)


def simplex_rows(Z, y, c, loss, pen_pos, l_pen, g_fixed, scores, side, max_pivots, budget):
    """The simplex kernel on these rows, and the dual values of its result.

    Z (m, pa) the observation rows (columns scaled), y and c theirs; pen_pos, l_pen the penalty
    rows (in scaled units); g_fixed (pa,) the fixed rows' sum of c_i d_i z_i (scaled); scores
    (m + k,) rank the basis candidates (smallest first); side (m + k,) the starting sides, updated;
    budget the call's _limits.Budget (past its deadline: MAX_PIVOTS). Returns (outcome, n_pivots, beta (pa,) scaled, dual (m + k,) the d of every row, lp: the RowLp
    of these rows, for a restart from HiGHS's vertex)."""
    order = np.argsort(scores, kind="stable").astype(np.intp)
    outcome, n_pivots, beta, r_rows, basis, u = simplex(
        Z, y, c, loss.lo, loss.hi, pen_pos, l_pen, g_fixed, order, side, max_pivots, DUAL_TOL,
        budget)
    k = len(l_pen)
    lp = RowLp(Z, np.concatenate([c, l_pen]), pen_pos,
               np.concatenate([np.full(len(c), loss.lo), -np.ones(k)]),
               np.concatenate([np.full(len(c), loss.hi), np.ones(k)]))
    outcome, dual = lp.dual(outcome, side, basis, u, r_rows == 0, g_fixed)
    return outcome, n_pivots, beta, dual, lp


def certificate(l, t, beta, loss, complementarity, zd, size):
    """The objective P(beta) and the duality gap P(beta) - D(d, t) from sums over the observations.

    loss = sum_i c_i rho(r_i); complementarity = sum_i c_i (rho(r_i) - d_i r_i); zd = Z'(c d) (pa,);
    size (pa,) = sqrt(sum_i c_i d_i^2) times the column scales: the scale of zd_j's terms, |z_j| |d|
    in the c-weighted norm (Cauchy-Schwarz). t (p,) the penalty rows' dual values.

    The gap is a sum of non-negative complementarity terms plus |e . beta|, the rounding left
    in the dual equality e = Z'(c d) + l t = 0. That equality must hold for every column: the
    unpenalised ones, also those the fit left out as spanned by others, and the penalised ones
    with t in [-1, 1] (a column whose |x_j . (c d)| exceeds l_j breaks it however t is clipped).
    If it fails beyond rounding there is no certificate, and the gap is infinite."""
    w = beta[:len(l)]
    e = zd.copy()
    e[:len(l)] += l * t
    size = size.copy()
    size[:len(l)] += l * np.abs(t)
    objective = float(loss + l @ np.abs(w))
    if np.any(np.abs(e) > EQUALITY_TOL * size):
        return objective, np.inf
    gap = complementarity + l @ (np.abs(w) + t * w) + abs(e @ beta)
    return objective, float(gap)



# ------------------------------------------------------------------------------------ public API

def lad(X: Design, y: ArrayLike, *, alpha: float = 0.0, fit_intercept: bool = True,
        sample_weight: ArrayLike | None = None, penalty_factor: ArrayLike | None = None,
        tol: float = 1e-9, max_iter: int = 10_000, coef_init: ArrayLike | None = None,
        threads: int | None = None, max_seconds: float | None = None) -> FitResult:
    """Least absolute deviations regression, solved exactly and certified by the LP duality gap.

    Minimises ``1/n sum_i s_i |y_i - x_i.w - b| + alpha sum_j f_j |w_j|`` (intercept unpenalised).

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        Design matrix, read as it is (any memory layout, float32 or float64; the fit itself runs in
        float64 and the coefficients are float64). Sparse X (any format; CSC is used as given,
        others are converted once) is never densified: its cost is proportional to its nonzeros,
        plus one CSR copy of X and dense copies of the few rows the simplex sees. The intercept
        is an implicit column of ones; X is not centred.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Response; a 2-D y fits each column independently.
    alpha : float >= 0
        L1 penalty strength (0: plain LAD).
    fit_intercept, sample_weight, penalty_factor
        As in :func:`l1l2.lasso` (weights normalised to sum to n_samples; factors used as given).
    tol : float >= 0
        A fit counts as converged when its duality gap is at most ``tol`` times the objective of
        the best constant fit. The simplex finish is exact, so the gap is normally at rounding level.
    max_iter : int >= 1
        Cap on the simplex pivots (and on the steps of the start before them: at most 40 of
        IRLS, 100 of the interior point method).
    coef_init : array-like of shape (n_features,) or (n_targets, n_features), optional
        Start of the iterations.
    threads : int or None
        For a 2-D y, targets are split over this many threads (None or -1: all cores).
    max_seconds : float > 0, optional
        A time limit, as in :func:`l1l2.lasso`: past it the start and the pivots stop, and the
        coefficients reached come back with their duality gap and ``converged=False``.

    Returns
    -------
    FitResult
        loss "absolute"; dual_gap is the LP duality gap of the returned coefficients.

    Raises
    ------
    ValueError, TypeError
        For invalid input; the message names the argument.

    Warns
    -----
    ConvergenceWarning
        Once per call if some target stops at max_iter or max_seconds.

    Notes
    -----
    A start gets close: an interior point method (Frisch-Newton) when a weighted Gram matrix of all
    rows is cheap next to the simplex's work (sparse X with short rows, or dense X with over 500
    features and n_samples up to about n_features^2 / 5), else IRLS (iteratively reweighted least squares with a shrinking
    smoothing, the penalty by its local quadratic approximation). Simplex pivots in the style of
    Barrodale and Roberts then move to an optimal vertex of the LP, which a feasible dual point
    certifies. For large n_samples the pivots see only the rows with the smallest residuals; the
    others are held on their side and checked afterwards (Portnoy and Koenker). LAD solutions need
    not be unique; the objective is optimal.

    References
    ----------
    Barrodale and Roberts (1973), SIAM J. Numer. Anal. 10(5); Portnoy and Koenker (1997),
    Statistical Science 12(4); Koenker (2005), Quantile Regression.

    Examples
    --------
    >>> import numpy as np, l1l2
    >>> X = np.arange(6.0).reshape(-1, 1)
    >>> fit = l1l2.lad(X, [0.0, 1.0, 2.0, 3.0, 40.0, 5.0])
    >>> round(float(fit.coef[0]), 12), round(fit.intercept, 12)
    (1.0, 0.0)
    """
    return _fit(X, y, absolute_loss(), alpha, fit_intercept=fit_intercept,
                sample_weight=sample_weight, penalty_factor=penalty_factor, tol=tol,
                max_iter=max_iter, coef_init=coef_init, threads=threads, max_seconds=max_seconds)


def quantile(X: Design, y: ArrayLike, q: float = 0.5, *, alpha: float = 0.0,
             fit_intercept: bool = True, sample_weight: ArrayLike | None = None,
             penalty_factor: ArrayLike | None = None, tol: float = 1e-9, max_iter: int = 10_000,
             coef_init: ArrayLike | None = None, threads: int | None = None,
             max_seconds: float | None = None) -> FitResult:
    """Quantile regression at quantile q, solved exactly and certified by the LP duality gap.

    Minimises ``1/n sum_i s_i rho_q(y_i - x_i.w - b) + alpha sum_j f_j |w_j|`` with the check
    function ``rho_q(r) = r (q - [r < 0])``. q = 0.5 gives half the LAD objective.

    Parameters
    ----------
    q : float in (0, 1)
        The quantile; TypeError if not a real number, ValueError outside (0, 1).
    X, y, alpha, fit_intercept, sample_weight, penalty_factor, tol, max_iter, coef_init, threads, \
max_seconds
        As in :func:`lad`.

    Returns
    -------
    FitResult
        With loss "quantile".

    Examples
    --------
    >>> import numpy as np, l1l2
    >>> X = np.arange(10.0).reshape(-1, 1)
    >>> fit = l1l2.quantile(X, 2 * np.arange(10.0) + 1, q=0.9)
    >>> round(float(fit.coef[0]), 12), round(fit.intercept, 12)
    (2.0, 1.0)
    """
    return _fit(X, y, quantile_loss(v.check_q(q)), alpha, fit_intercept=fit_intercept,
                sample_weight=sample_weight, penalty_factor=penalty_factor, tol=tol,
                max_iter=max_iter, coef_init=coef_init, threads=threads, max_seconds=max_seconds)


def _fit(X, y, loss, alpha, *, fit_intercept, sample_weight, penalty_factor, tol, max_iter,
         coef_init, threads, max_seconds):
    """Validate, fit each target (in threads), warn once, return a FitResult."""
    X, y = v.check_Xy(X, y, accept_sparse=True, squares=False)
    n_samples, n_features = X.shape
    alpha = v.check_alpha(alpha)
    problem = make_problem(X, loss, v.check_flag(fit_intercept, "fit_intercept"),
                           v.check_sample_weight(sample_weight, n_samples))
    factors = v.check_penalty_factor(penalty_factor, n_features)
    tol, max_iter, threads = v.check_tol(tol), v.check_max_iter(max_iter), v.check_threads(threads)
    budget = v.check_max_seconds(max_seconds)
    Y = y.reshape(n_samples, -1)
    coef_init = v.check_coef_init(coef_init, (n_features,) if y.ndim == 1 else (Y.shape[1], n_features),
                                  np.float64)
    starts = [None] * Y.shape[1] if coef_init is None else list(coef_init.reshape(-1, n_features))
    l = alpha * factors
    fits = parallel_map(lambda k: Solver(problem, Y[:, k], starts[k], budget).fit(l, tol, max_iter),
                        range(Y.shape[1]), threads, budget)
    fits = Stacked(*(np.array(field) for field in zip(*fits)))
    warn_if_not_converged(fits.converged, fits.relative_gap, tol, max_iter, stacklevel=3,
                          scale=LAD_SCALE, steps="pivots", budget=budget)
    return FitResult.from_targets(fits, fits.objective, alpha=alpha, l1_ratio=1.0, loss=loss.name,
                                  one_target=y.ndim == 1)


LAD_SCALE = "gap / objective of the best constant fit"


class Stacked(NamedTuple):
    """TargetFits stacked: one row per target."""
    coef: np.ndarray
    intercept: np.ndarray
    objective: np.ndarray
    dual_gap: np.ndarray
    relative_gap: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray


def make_problem(X, loss, fit_intercept, weights):
    n_samples = X.shape[0]
    c = np.full(n_samples, 1.0 / n_samples) if weights is None else weights / n_samples
    return Problem(X, c, loss, fit_intercept)


def lad_path(X: Design, y: ArrayLike, *, alphas: ArrayLike | None = None, n_alphas: int = 100,
             alpha_min_ratio: float | None = None, fit_intercept: bool = True,
             sample_weight: ArrayLike | None = None, penalty_factor: ArrayLike | None = None,
             tol: float = 1e-9, max_iter: int = 10_000, verbose: bool = False,
             max_seconds: float | None = None) -> PathResult:
    """LAD-lasso along a decreasing grid of alphas, warm-started, every point exact and certified.

    Parameters
    ----------
    X, y, fit_intercept, sample_weight, penalty_factor, tol, max_iter
        As in :func:`lad`; y must be 1-D.
    alphas : array-like, optional
        The grid (sorted decreasing). Default: n_alphas log-spaced from alpha_max, the smallest
        alpha at which every penalised coefficient is zero, down to alpha_max * alpha_min_ratio.
    n_alphas, alpha_min_ratio, verbose, max_seconds
        As in :func:`l1l2.lasso_path`.

    Returns
    -------
    PathResult
        loss "absolute".

    Notes
    -----
    alpha_max has no closed form for the L1 loss: at the fit without penalised features, the
    observations with zero residual may take any subgradient d_i in [lo, hi] that keeps the
    unpenalised features optimal, and alpha_max is the smallest max_j |x_j . (s d)| / (n f_j) over
    those choices: a small LP over the tied observations. Each alpha then starts the simplex from
    the previous solution's vertex.

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_diabetes
    >>> X, y, names = load_diabetes()
    >>> path = l1l2.lad_path(X, y, n_alphas=10)
    >>> int(path.df[0]), bool(path.converged.all())
    (0, True)
    """
    return _path(X, y, absolute_loss(), alphas=alphas, n_alphas=n_alphas,
                 alpha_min_ratio=alpha_min_ratio, fit_intercept=fit_intercept,
                 sample_weight=sample_weight, penalty_factor=penalty_factor, tol=tol,
                 max_iter=max_iter, verbose=verbose, max_seconds=max_seconds)


def quantile_path(X: Design, y: ArrayLike, q: float = 0.5, *, alphas: ArrayLike | None = None,
                  n_alphas: int = 100, alpha_min_ratio: float | None = None,
                  fit_intercept: bool = True, sample_weight: ArrayLike | None = None,
                  penalty_factor: ArrayLike | None = None, tol: float = 1e-9,
                  max_iter: int = 10_000, verbose: bool = False,
                  max_seconds: float | None = None) -> PathResult:
    """L1-penalised quantile regression along a decreasing grid of alphas, each point exact.

    Parameters
    ----------
    q : float in (0, 1)
        The quantile, as in :func:`quantile`.
    X, y, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight, penalty_factor, tol, \
max_iter, verbose, max_seconds
        As in :func:`lad_path` (the grid starts at this loss's exact alpha_max).

    Returns
    -------
    PathResult
        With loss "quantile".

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_engel
    >>> income, food = load_engel()
    >>> path = l1l2.quantile_path(income[:, None], food, q=0.9, n_alphas=5)
    >>> bool(path.converged.all()), [int(k) for k in path.df]
    (True, [0, 1, 1, 1, 1])
    """
    return _path(X, y, quantile_loss(v.check_q(q)), alphas=alphas, n_alphas=n_alphas,
                 alpha_min_ratio=alpha_min_ratio, fit_intercept=fit_intercept,
                 sample_weight=sample_weight, penalty_factor=penalty_factor, tol=tol,
                 max_iter=max_iter, verbose=verbose, max_seconds=max_seconds)


def _path(X, y, loss, *, alphas, n_alphas, alpha_min_ratio, fit_intercept, sample_weight,
          penalty_factor, tol, max_iter, verbose, max_seconds):
    options = v.check_path_options(X, y, 1.0, alphas=alphas, n_alphas=n_alphas,
                                   alpha_min_ratio=alpha_min_ratio, fit_intercept=fit_intercept,
                                   sample_weight=sample_weight, positive=False,
                                   penalty_factor=penalty_factor, tol=tol, max_iter=max_iter,
                                   precompute="auto", verbose=verbose, max_seconds=max_seconds,
                                   accept_sparse=True, squares=False)
    problem = make_problem(options.X, loss, options.fit_intercept, options.sample_weight)
    path, fits = fit_path(problem, options.y, options)
    warn_if_not_converged(path.converged, [fit.relative_gap for fit in fits], options.tol,
                          options.max_iter, stacklevel=3, what="alphas", scale=LAD_SCALE,
                          steps="pivots", budget=options.budget)
    return path


def fit_path(problem, y, options):
    """The path of one target y on the problem's shared data: (PathResult, TargetFits)."""
    factors = options.penalty_factor
    solver = Solver(problem, y, budget=options.budget)
    start_unpenalised(solver, factors, options)
    zero_above = alpha_max(solver, factors)
    alphas = options.alphas
    if alphas is None:
        alphas = default_alphas(zero_above, options.n_alphas, options.alpha_min_ratio,
                                *problem.X.shape)
    fits, previous = [], 0.0
    for alpha in alphas:
        started = time.perf_counter()
        # At alpha_max itself the LP is degenerate: a vertex with nonzero coefficients may tie
        # (alpha_max carries rounding). The start (all penalised coefficients 0) is the answer
        # there, and the simplex keeps it when asked a hair above.
        at = max(alpha, zero_above * (1 + 1e-9)) if alpha >= zero_above > 0 else alpha
        if fits and options.budget.out_of_time():
            fits.append(uncertified(fits[-1], previous, at, factors))
        else:
            fits.append(solver.fit(at * factors, options.tol, options.max_iter, from_scratch=False))
        previous = at
        report(options, alpha, fits[-1], time.perf_counter() - started, steps="steps")
    path = PathResult.from_fits(alphas, fits, [fit.objective for fit in fits], l1_ratio=1.0,
                                loss=problem.loss.name)
    return path, fits


def uncertified(fit, alpha_before, alpha, factors):
    """A path point past max_seconds: the last point's fit (at alpha_before) taken to alpha as it
    is, without a certificate (one would cost passes over X for every point left)."""
    penalty = factors @ np.abs(fit.coef)
    return fit._replace(objective=fit.objective + (alpha - alpha_before) * penalty, dual_gap=np.inf,
                        relative_gap=np.inf, n_iter=0, converged=False)


def start_unpenalised(solver, factors, options):
    """Put the solver at the fit with every penalised coefficient 0: the exact solution at and
    above alpha_max, and the path's start. Only the unpenalised columns are fitted (a copy of
    those columns, typically few)."""
    P = solver.problem
    free = np.flatnonzero(factors == 0)
    if free.size == 0:
        solver.beta[:] = 0.0
        if P.fit_intercept:
            solver.beta[-1] = weighted_quantile(solver.y, P.c, P.loss.q)
        return
    columns = P.X[:, free] if P.is_sparse else np.asfortranarray(P.X[:, free])
    sub = Solver(Problem(columns, P.c, P.loss, P.fit_intercept), solver.y, budget=solver.budget)
    sub.fit(np.zeros(free.size), options.tol, options.max_iter)
    solver.beta[:] = 0.0
    solver.beta[free] = sub.beta[:free.size]
    if P.fit_intercept:
        solver.beta[-1] = sub.beta[-1]
    solver.keep[free] = sub.keep[:free.size]


def alpha_max(solver, factors):
    """The smallest alpha at which the unpenalised fit (the solver's beta) is optimal.

    Observations off the fit have d_i fixed by their side; those on it (ties) may take any
    d_i in [lo, hi] that keeps the unpenalised columns' equality Z_u'(c d) = 0. alpha_max is
    min over those of max_j |x_j . (c d)| / f_j: an LP in the ties' d and one bound."""
    P, y = solver.problem, solver.y
    penalised = np.flatnonzero(factors > 0)
    if penalised.size == 0:
        return 0.0
    r = y - P.predict(solver.beta)
    ties = np.flatnonzero(np.abs(r) <= TIE * max(np.abs(y).max(), np.finfo(float).tiny))
    d = np.where(r > 0, P.loss.hi, P.loss.lo)
    d[ties] = 0.0
    h = P.transpose_times(P.c * d)
    if ties.size == 0:
        return float(np.max(np.abs(h[penalised]) / factors[penalised]))
    free = np.flatnonzero(np.append(factors == 0, True)[:P.n_coef] & solver.keep)
    # (ties, pa): c_i z_i, sparse (ties may be many: y with repeated values)
    Zt = P.rows_sparse(ties).multiply(P.c[ties, None]).tocsc()
    f = factors[penalised][:, None]
    # variables (d_ties, bound); minimise the bound
    A_ub = scipy.sparse.bmat([[Zt[:, penalised].T, -f], [-Zt[:, penalised].T, -f]], format="csr")
    b_ub = np.concatenate([-h[penalised], h[penalised]])
    A_eq = scipy.sparse.hstack([Zt[:, free].T, np.zeros((free.size, 1))], format="csr") \
        if free.size else None
    result = scipy.optimize.linprog(
        np.append(np.zeros(ties.size), 1.0), A_ub=A_ub, b_ub=b_ub, A_eq=A_eq,
        b_eq=-h[free] if free.size else None,
        bounds=[(P.loss.lo, P.loss.hi)] * ties.size + [(0, None)], method="highs")
    if result.status != 0:     # (feasible in exact arithmetic): the ties' d at 0, an estimate
        return float(np.max(np.abs(h[penalised]) / factors[penalised]))
    return float(result.x[-1])

