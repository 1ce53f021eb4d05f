"""lad and quantile on row-chunked dask arrays: a start, the exact simplex finish on the driver,
and a certificate from one more pass over the rows.

The objective, its LP and the finish are those of _lad (l1l2.lad, l1l2.quantile): this module only
decides which rows the driver sees, and sums over the others in passes over the row blocks
(_distributed.map_reduce). Every per-row computation happens in a block; the driver holds sums of
size pa, a subsample and the rows near the fit, never a vector of length n. A fit is:

1. sample (one pass): the total weight, the column scales and a Bernoulli subsample of about
   sqrt(pa) n^(2/3) rows (at most MAX_SAMPLE), which the in-memory IRLS kernel fits on the driver:
   a start within about sqrt(pa / m) of the optimum in residual scale (Portnoy and Koenker), so
   the rows within a band of about BAND n sqrt(pa / m) rows of the fit may be on either side.
2. the finish (3) on the rows of a larger subsample (a stage), if that band is more than
   MAX_GATHER rows: its exact LP solution is a start whose band on all rows is smaller. Each
   stage is as large as the band from the one before allows (at pa = 21: one stage of 1.2e7 rows
   for n = 1e8, four up to 4.5e8 for n = 1e9); a stage of over half the rows is skipped, so the
   last band is at most 2 MAX_GATHER (n from 1.2e7 to 2.4e7 at pa = 21). A stage's rows are a
   block's rows whose uniform draw (default_rng([SAMPLE_SEED, block])) is below its rate: the
   subsamples are nested, and every pass is reproducible.
3. the finish on all rows:
   a. gather (one pass): the rows with |r| < tau (about the band) come to the driver with where
      they live (block, row); every other row is held on its side, their sum of c_i d_i z_i is
      g_fixed. tau comes from the previous subsample's residuals (or a histogram pass).
   b. the simplex (_lad.simplex_rows) on the gathered rows, columns scaled as in memory.
   c. verify (one pass) at the simplex's beta: the certificate's sums, with d from the simplex for
      the gathered rows and from the held side for the others (one consistent d per row, so the
      certificate is sound whatever came before), and the held rows that crossed sides. Those
      join and b-c repeat (Portnoy and Koenker's globs); if too many crossed, a starts again
      around the new beta. A fit is converged only from a pass in which no row crossed.

So a fit takes 3 passes when no stage is needed (sample, gather, verify), one verify more per
round of crossing rows (typically one), and as many again per stage. IRLS steps on all rows (one
pass each, summing a weighted Gram matrix) were tried first, between the subsample's start and
the gather: at n = 2e7, five of them still left the simplex needing 323000 rows (two more gather
passes to find that out), hardly fewer than the 397000 of the subsample's band without them:
IRLS converges slowly near the LP's vertex.

A worker that dies mid-fit loses blocks and summaries that dask recomputes: every block function
is deterministic, so the answer does not depend on it; if dask gives up on a task, the fit raises
its error.

References: Portnoy and Koenker (1997), Statistical Science 12(4); Barrodale and Roberts (1973),
SIAM J. Numer. Anal. 10(5).
"""
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import ArrayLike

from l1l2 import _validation as v
from l1l2._distributed import check_client, check_rows, map_reduce
from l1l2._parallel import single_threaded_blas
from l1l2._kernels._irls import Outcome, Start, start_dense
from l1l2._limits import Budget
from l1l2._lad import (ALL_ROWS_CELLS, BAND, IRLS_EPS, IRLS_MAX_ITER, IRLS_STALL, LAD_SCALE,
                       MIN_ROWS, ROUNDING, ROWS_PER_COEF, SUBSAMPLE_STALL, TargetFit,
                       absolute_loss, certificate, quantile_loss, simplex_rows, weighted_quantile)
from l1l2._results import FitResult
from l1l2._warnings import warn_if_not_converged

MAX_SAMPLE = 200_000     # the start's subsample has at most this many rows (34 MB at pa = 21)
MAX_GATHER = 250_000     # the band a stage's start may leave (the driver's peak memory: about
                         # 1 KB per gathered row, over 300 MB for the simplex and its copies)
MAX_ROUNDS = 30          # simplex-and-verify rounds of a finish before it gives up
BINS_PER_DECADE = 20     # the histogram of |r|: log-spaced bins from 1e-15 to 1e4 times the mean
DECADES = (-15, 4)       # |r| of the start (with one bin below and one above)
SAMPLE_BELOW = 1_000     # a threshold on |r| from a subsample's residuals once this many of its
                         # rows fall below (the count off by about 3%), else a histogram pass
SAMPLE_SEED = 0          # the uniform draws of block b's rows: default_rng([SAMPLE_SEED, b])


# ----------------------------------------------------------------------------- what passes return

class Sums(dict):
    """A pass's summary of some rows: named values (arrays, numbers, Gathered) added key by key."""

    def __add__(self, other):
        return Sums({key: value + other[key] for key, value in self.items()})


@dataclass(frozen=True)
class Gathered:
    """Rows brought to the driver and where they live; + concatenates, up to limit rows: beyond,
    the sum drops them all (the caller, who counts the rows separately, sees it)."""
    block: np.ndarray       # (m,) the row block
    index: np.ndarray       # (m,) the row within it
    Z: np.ndarray           # (m, pa) the rows of Z = [X, 1], float64
    y: np.ndarray           # (m,)
    s: np.ndarray           # (m,) raw sample weights
    side: np.ndarray        # (m,) int8: +1 / -1, the side of r where the pass looked
    limit: float = np.inf

    @classmethod
    def take(cls, block, rows, X, fit_intercept, y, s, side, limit=np.inf):
        """Rows rows of a block (none if more than limit), Z from its X."""
        if len(rows) > limit:
            rows = rows[:0]
        return cls(np.full(len(rows), block, dtype=np.int64), rows.astype(np.int64),
                   design(X[rows], fit_intercept), y[rows], s[rows], side[rows].astype(np.int8),
                   limit)

    def __add__(self, other):
        keep = len(self) + len(other) <= self.limit
        return Gathered(*(np.concatenate([getattr(self, f.name)[:len(self) * keep],
                                          getattr(other, f.name)[:len(other) * keep]])
                          for f in fields(self) if f.name != "limit"), self.limit)

    def __len__(self):
        return len(self.y)

    def by_block(self, values, n_blocks):
        """[(block, rows, values of those rows)] for every block: what each block's task needs."""
        order = np.argsort(self.block, kind="stable")
        bounds = np.searchsorted(self.block[order], np.arange(n_blocks + 1))
        return [(b, self.index[order[start:stop]], values[order[start:stop]])
                for b, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:]))]


# ------------------------------------------------------------------ block functions (on workers)
# Every one takes (X_b, y_b, s_b, lo, hi, fit_intercept, rate, ...): the loss's slopes, whether Z
# has the intercept column, and the rate of the subsample it works on (rows outside have weight
# 0). X_b comes in the fit's dtype; products run in float64 (float32 X is copied one block at a
# time), the intercept column of Z = [X, 1] implicit.

def design(X, fit_intercept):
    """Z = [X, 1] of some rows, in float64."""
    Z = np.empty((X.shape[0], X.shape[1] + fit_intercept))
    Z[:, :X.shape[1]] = X
    if fit_intercept:
        Z[:, -1] = 1.0
    return Z


def as_double(X):
    return X if X.dtype == np.float64 else X.astype(np.float64)


def predict(X, beta, fit_intercept):
    """Z beta (X float64)."""
    out = X @ beta[:X.shape[1]]
    return out + beta[-1] if fit_intercept else out


def transpose_times(X, u, fit_intercept):
    """Z' u (X float64; u (n,) or (n, k))."""
    out = X.T @ u
    return np.concatenate([out, u.sum(axis=0, keepdims=True)]) if fit_intercept else out


def rho(r, lo, hi):
    return np.where(r >= 0, hi * r, lo * r)


def drawn(block, n_rows, rate):
    """Which rows of the block the subsample of this rate holds (all for rate 1)."""
    if rate >= 1:
        return np.ones(n_rows, dtype=bool)
    return np.random.default_rng([SAMPLE_SEED, block]).random(n_rows) < rate


def subsample_weights(s, block, n_rows, rate):
    """The raw weights (ones for None), 0 outside the subsample."""
    s = np.ones(n_rows) if s is None else s
    return s if rate >= 1 else np.where(drawn(block, n_rows, rate), s, 0.0)


def histogram(a, s, edges):
    """Counts of the rows of positive weight by bin of a: bin k holds edges[k-1] <= a < edges[k]."""
    return np.bincount(np.searchsorted(edges, a[s > 0], side="right"), minlength=len(edges) + 1)


def sample_pass(X, y, s, lo, hi, fit_intercept, rate, block):
    """The weights' total and live rows, sum_i s_i x_ij^2, sum_i s_i |y_i|, and the subsample's
    rows."""
    s = np.ones(len(y)) if s is None else s
    return Sums(weight=float(s.sum()), live=int(np.count_nonzero(s)),
                colsq=np.einsum("ij,ij,i->j", X, X, s, dtype=np.float64),
                abs_y=float(s @ np.abs(y)),
                sample=Gathered.take(block, np.flatnonzero(drawn(block, len(y), rate)), X,
                                     fit_intercept, y, s, np.zeros(len(y), dtype=np.int8)))


def histogram_pass(X, y, s, lo, hi, fit_intercept, rate, beta, edges, block):
    """The histogram of |r| at beta."""
    r = y - predict(as_double(X), beta, fit_intercept)
    return Sums(histogram=histogram(np.abs(r), subsample_weights(s, block, len(y), rate), edges))


def gather_pass(X, y, s, lo, hi, fit_intercept, rate, beta, tau, block):
    """The rows of positive weight with |r| < tau at beta, the others' sum of s_i d_i z_i, each
    on its side (d = hi where r >= 0, lo below), and the total weight."""
    s = subsample_weights(s, block, len(y), rate)
    X64 = as_double(X)
    r = y - predict(X64, beta, fit_intercept)
    side = np.where(r >= 0, 1, -1)
    chosen = (s > 0) & (np.abs(r) < tau)
    held = np.where(chosen, 0.0, s * np.where(side > 0, hi, lo))
    return Sums(fixed=transpose_times(X64, held, fit_intercept), weight=float(s.sum()),
                rows=Gathered.take(block, np.flatnonzero(chosen), X, fit_intercept, y, s, side))


def verify_pass(X, y, s, lo, hi, fit_intercept, rate, beta, anchor, b_null, edges, stray_cap,
                own):
    """The certificate's sums at beta, and the held rows that crossed sides.

    own = (block, rows, d): the gathered rows of this block and their d from the simplex; every
    other row has d of its side at anchor (where it was held). Returns sums of s_i rho(r_i),
    s_i (rho(r_i) - d_i r_i), s_i d_i z_i, s_i d_i^2, s_i rho(y_i - b_null) (the constant fit),
    the histogram of |r| (0 if edges is None), and the crossed rows (strays; none if more than
    stray_cap in the whole pass) with their held sides and their sum of s_i d_i z_i."""
    block, rows, dual = own
    s = subsample_weights(s, block, len(y), rate)
    X64 = as_double(X)
    r = y - predict(X64, beta, fit_intercept)
    above = y >= predict(X64, anchor, fit_intercept)          # (the sides as gather_pass saw them)
    d = np.where(above, hi, lo)
    d[rows] = dual
    stray = (s > 0) & (above != (r >= 0)) & (r != 0)
    stray[rows] = False
    strays = np.flatnonzero(stray)
    sd, sr = s * d, s * r
    loss = float(np.where(r >= 0, hi, lo) @ sr)             # rho(r) = slope r
    return Sums(loss=loss, complementarity=loss - float(d @ sr),
                zd=transpose_times(X64, sd, fit_intercept), d2=float(sd @ d),
                null=float(s @ rho(y - b_null, lo, hi)),
                histogram=0 if edges is None else histogram(np.abs(r), s, edges),
                n_strays=len(strays), stray_fixed=transpose_times(X64[strays], sd[strays],
                                                                  fit_intercept),
                strays=Gathered.take(block, strays, X, fit_intercept, y, s,
                                     np.where(above, 1, -1), stray_cap))


# ------------------------------------------------------------------------------- on the driver

def threshold(counts, edges, size):
    """The smallest bin edge tau with at least size rows below it (inf if there are fewer)."""
    k = int(np.searchsorted(np.cumsum(counts), size))
    return float(edges[k]) if k < len(edges) else np.inf


def log_bins(spread):
    """The histograms' bin edges: BINS_PER_DECADE a decade over DECADES, times spread."""
    return spread * 10.0 ** (np.arange(DECADES[0] * BINS_PER_DECADE,
                                       DECADES[1] * BINS_PER_DECADE + 1) / BINS_PER_DECADE)


def band(n, m, pa):
    """The rows a start fitted on m of n rows leaves in doubt (as _lad.Solver._start)."""
    return BAND * n * np.sqrt(pa / m)


def stage_sizes(n, m, pa):
    """The subsample sizes of the stages between a start on m rows and all n: each the largest
    whose band from the one before is MAX_GATHER, until the band of all n rows is at most that."""
    sizes = []
    while band(n, m, pa) > MAX_GATHER:
        grown = MAX_GATHER / BAND * np.sqrt(m / pa)
        if grown >= n / 2 or grown < 1.5 * m:       # (no stage gains much: all rows next)
            break
        sizes.append(int(grown))
        m = grown
    return sizes


@dataclass(frozen=True)
class Finish:
    """What a finish on a (sub)sample hands on: its last verify pass's sums among them."""
    outcome: Outcome
    n_pivots: int
    beta: np.ndarray        # (pa,)
    t: np.ndarray           # (p,) the penalty rows' dual values
    sums: dict              # the last verify pass's (at beta)
    total: float            # the subsample's total weight


class Solver:
    """One distributed fit: the passes over the rows, and the driver's state between them."""

    def __init__(self, rows, loss, fit_intercept, client):
        self.rows, self.loss, self.fit_intercept, self.client = rows, loss, fit_intercept, client
        self.p = rows.n_features
        self.pa = rows.n_features + fit_intercept

    def run(self, function, rate, *args, per_block=None):
        """The sum over the blocks of function(X_b, y_b, s_b, lo, hi, fit_intercept, rate, *args,
        per_block[b]) (per_block defaults to the block's index)."""
        return map_reduce(function, self.rows, self.loss.lo, self.loss.hi, self.fit_intercept,
                          rate, *args, client=self.client,
                          per_block=range(self.rows.n_blocks) if per_block is None else per_block)

    def fit(self, l, tol, max_iter):
        """Solve at penalty weights l (p,): the start, the stages, the finish and its certificate
        -> TargetFit."""
        n, pa = self.rows.n_samples, self.pa
        m = int(min(np.sqrt(pa) * n ** (2 / 3), MAX_SAMPLE))
        if not (n > 2 * m and m >= MIN_ROWS):
            m = n                                       # IRLS on all rows, as in memory
        totals = self.run(sample_pass, m / n)
        if totals["weight"] <= 0:
            raise ValueError("sample_weight must have a positive sum, got all zeros")
        self.colscale = np.append(np.sqrt(totals["colsq"] / totals["weight"]), 1.0)[:pa]
        sample = totals["sample"]
        beta, keep, n_iter = self.start(sample, l, max_iter, m < n)
        total = sample.s.sum()
        c = sample.s / total if total > 0 else np.full(len(sample), 1.0 / len(sample))
        r = sample.y - sample.Z @ beta
        y_size = totals["abs_y"] / totals["weight"]
        spread = max(float(c @ np.abs(r)), 1e-10 * y_size, 1e-300)
        b_null = weighted_quantile(sample.y, c, self.loss.q) \
            if self.fit_intercept and len(sample) else 0.0
        finish = self.stages(beta, keep, l, m, np.sort(np.abs(r[sample.s > 0])),
                             totals["live"], log_bins(spread), b_null, max_iter)
        return self.report(finish, l, tol, y_size, n_iter)

    def stages(self, beta, keep, l, m, near, n_live, edges, b_null, max_iter):
        """The finish on each stage's subsample (stage_sizes), then on all rows, each from the
        one before; the first one's rows chosen by near, the sorted |r| of the start's m rows.
        Returns the last Finish (pivots counted over all)."""
        n, pa, n_pivots, counts = self.rows.n_samples, self.pa, 0, None
        for stage in stage_sizes(n, m, pa) + [n]:
            rate = stage / n
            n_gather = max(ROWS_PER_COEF * pa, MIN_ROWS, int(band(stage, m, pa)) if m < n else 0)
            if stage == n and n_live * np.count_nonzero(keep) <= ALL_ROWS_CELLS:
                tau, counts = np.inf, None              # every row goes to the simplex
            else:
                tau, counts = self.threshold(near, counts, n_gather, n_live * rate, m == n, beta,
                                             edges, rate)
            finish = self.finish(rate, beta, keep, l, tau, n_gather, counts, edges, b_null,
                                 max_iter - n_pivots)
            beta, n_pivots, m, near = finish.beta, n_pivots + finish.n_pivots, stage, None
            counts = finish.sums["histogram"] / rate    # (of all rows, in expectation)
        return replace(finish, n_pivots=n_pivots)

    def report(self, finish, l, tol, y_size, n_iter):
        """The TargetFit of the last finish, certified by its verify pass's sums."""
        sums, total, beta = finish.sums, finish.total, finish.beta
        objective, gap = certificate(
            l, finish.t, beta, sums["loss"] / total, sums["complementarity"] / total,
            sums["zd"] / total, np.sqrt(sums["d2"] / total) * self.colscale)
        # the scale of tol: the objective of the constant fit at the subsample's quantile of y, the
        # best constant's objective up to O(1 / m) relative (exact without intercept: b = 0)
        scale = max(sums["null"] / total, np.finfo(float).tiny)
        converged = (finish.outcome == Outcome.OPTIMAL and sums["n_strays"] == 0
                     and gap <= tol * scale + ROUNDING * y_size)
        return TargetFit(beta[:self.p].copy(), float(beta[-1]) if self.fit_intercept else 0.0,
                         objective, gap, gap / scale, n_iter + finish.n_pivots, converged)

    def start(self, sample, l, max_iter, is_subsample):
        """IRLS on the subsample, on the driver (the in-memory kernel): (beta, keep, steps), keep
        flagging the columns that are not (nearly) spanned by earlier unpenalised ones."""
        beta = np.zeros(self.pa)
        if len(sample) == 0:
            return beta, np.ones(self.pa, dtype=bool), 0
        total = sample.s.sum()
        c = sample.s / total if total > 0 else np.full(len(sample), 1.0 / len(sample))
        steps, dependent = start_dense(
            sample.Z[:, :self.p], sample.y, c, self.loss.lo, self.loss.hi, self.fit_intercept,
            np.ascontiguousarray(l, dtype=np.float64), beta, Start.IRLS,
            min(max_iter, IRLS_MAX_ITER), IRLS_EPS, SUBSAMPLE_STALL if is_subsample else IRLS_STALL,
            Budget())
        beta[dependent] = 0.0
        if not np.all(np.isfinite(beta)):           # (overflow on wild data): start from 0
            beta[:] = 0.0
        return beta, ~dependent, steps

    def threshold(self, near, counts, n_gather, n_live, is_exact, beta, edges, rate):
        """(tau, its histogram): tau with about n_gather of the subsample's n_live rows below it.
        From near, the sorted |r| of the driver's sample (is_exact if that is every row), if at
        least SAMPLE_BELOW of them fall below (histogram None); else from counts, a histogram of
        all rows' |r| at beta (scaled by rate), or if None a histogram pass."""
        if near is not None and len(near):
            k = int(round(n_gather * len(near) / n_live))
            if k >= len(near):
                return np.inf, None
            if is_exact or k >= SAMPLE_BELOW:
                return float(near[k]), None
        counts = counts * rate if counts is not None else \
            self.run(histogram_pass, rate, beta, edges)["histogram"]
        return threshold(counts, edges, n_gather), counts

    def gather(self, rate, anchor, tau):
        """The rows with |r| < tau at anchor, the others' sum of c_i d_i z_i (held at anchor), and
        the total weight."""
        sums = self.run(gather_pass, rate, anchor, tau)
        return sums["rows"], sums["fixed"] / sums["weight"], sums["weight"]

    def finish(self, rate, beta, keep, l, tau, size, counts, edges, b_null, max_iter):
        """The simplex on the subsample's rows near the fit, the others held on their side, until
        none of those crosses (as _lad.Solver._solve_rows, the held rows summed in passes). The
        rows with |r| < tau at beta (about size of them) start; counts, the histogram at beta, or
        None. Returns a Finish."""
        P = self.p
        cols = np.flatnonzero(keep)
        penalised = cols[cols < P][l[cols[cols < P]] > 0]
        pen_pos = np.searchsorted(cols, penalised).astype(np.intp)
        pen_side = np.where(beta[penalised] > 0, -1, 1).astype(np.int8)
        # the simplex sees the columns scaled to unit size (and the penalties with them)
        scale = self.colscale[cols].copy()
        scale[~(np.isfinite(scale) & (scale > 0))] = 1.0
        l_pen = l[penalised] / scale[pen_pos]
        anchor = beta.copy()
        gathered, g_fixed, total = self.gather(rate, anchor, tau)
        total_pivots, rescued = 0, False
        for _ in range(MAX_ROUNDS):
            m, sums = len(gathered), None
            side = np.concatenate([gathered.side, pen_side])
            dual = np.concatenate([np.where(gathered.side > 0, self.loss.hi, self.loss.lo),
                                   np.zeros(len(penalised))])
            outcome = Outcome.OPTIMAL if cols.size == 0 else Outcome.UNBOUNDED
            if cols.size and m:
                Z = np.ascontiguousarray(gathered.Z[:, cols] / scale)
                scores = np.concatenate([np.abs(gathered.y - gathered.Z @ beta),
                                         np.abs(beta[penalised]) * self.colscale[penalised]])
                outcome, n_pivots, solution, dual, lp = simplex_rows(
                    Z, gathered.y, gathered.s / total, self.loss, pen_pos, l_pen,
                    g_fixed[cols] / scale, scores, side, max(max_iter - total_pivots, 0), Budget())
                total_pivots += n_pivots
                gathered, pen_side = replace(gathered, side=side[:m]), side[m:]
                if outcome == Outcome.STALLED and not rescued:
                    # a degenerate vertex Bland's rule is too slow to leave: HiGHS's vertex of
                    # these rows, once, and the simplex restarts there
                    rescued, restart = True, lp.vertex(gathered.y, g_fixed[cols] / scale)
                    if restart is not None:
                        beta = np.zeros(self.pa)
                        beta[cols] = restart / scale
                        continue
                    outcome = Outcome.UNBOUNDED
                if outcome in (Outcome.OPTIMAL, Outcome.MAX_PIVOTS, Outcome.STALLED):
                    beta = np.zeros(self.pa)
                    beta[cols] = solution / scale
            if outcome in (Outcome.UNBOUNDED, Outcome.SINGULAR) and np.isfinite(tau):
                # too few rows to balance the held ones: four times as many
                if counts is None:
                    counts = self.run(histogram_pass, rate, anchor, edges)["histogram"]
                size *= 4
                tau = threshold(counts, edges, size)
                gathered, g_fixed, total = self.gather(rate, anchor, tau)
                rescued = False
                continue
            sums = self.verify(rate, beta, anchor, gathered, dual[:m], b_null, edges, size)
            if outcome != Outcome.OPTIMAL or sums["n_strays"] == 0:
                break
            strays = sums["strays"]
            if len(strays) == sums["n_strays"]:
                gathered = gathered + strays        # held rows that crossed join
                g_fixed = g_fixed - sums["stray_fixed"] / total
            else:                                   # too many crossed: gather anew around beta
                anchor = beta.copy()
                counts = self.run(histogram_pass, rate, anchor, edges)["histogram"] \
                    if rate == 1 else sums["histogram"]
                tau = threshold(counts, edges, size)
                gathered, g_fixed, total = self.gather(rate, anchor, tau)
        if sums is None:        # the rounds ran out on a restart: d of the gathered rows' sides
            m = len(gathered)
            dual = np.concatenate([np.where(gathered.side > 0, self.loss.hi, self.loss.lo),
                                   np.zeros(len(penalised))])
            sums = self.verify(rate, beta, anchor, gathered, dual[:m], b_null, edges, size)
        t = np.zeros(P)
        t[penalised] = dual[m:]
        return Finish(outcome, total_pivots, beta, t, sums, total)

    def verify(self, rate, beta, anchor, gathered, dual, b_null, edges, size):
        """The verify pass: the gathered rows' d as given, the others' of their sides at anchor;
        crossed rows come along up to max(size, MAX_GATHER) of them. The histogram of |r| only
        on a subsample (the next stage's rows come from it)."""
        return self.run(verify_pass, rate, beta, anchor, b_null, edges if rate < 1 else None,
                        max(size, MAX_GATHER),
                        per_block=gathered.by_block(dual, self.rows.n_blocks))


# ------------------------------------------------------------------------------------ public API

def lad(X, y: ArrayLike, *, alpha: float = 0.0, fit_intercept: bool = True,
        sample_weight: ArrayLike | None = None, penalty_factor: ArrayLike | None = None,
        tol: float = 1e-9, max_iter: int = 10_000, client=None) -> FitResult:
    """Least absolute deviations regression on row-chunked dask arrays, exact and certified.

    Minimises ``1/n sum_i s_i |y_i - x_i.w - b| + alpha sum_j f_j |w_j|`` (intercept unpenalised),
    the objective of :func:`l1l2.lad`, whose answer this is (to rounding) for the same data.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Chunked by rows (column chunks are merged), with known chunk sizes; float32 stays float32
        in the blocks, the fit itself runs in float64. NumPy input is wrapped.
    y : dask.array.Array of shape (n_samples,)
        Response, 1-D; rechunked to X's row chunks.
    alpha, fit_intercept, sample_weight, penalty_factor, tol, max_iter
        As in :func:`l1l2.lad` (sample_weight may be a dask array, normalised to sum to n_samples).
    client : distributed.Client, optional
        Where the passes run; default dask's scheduler (an active Client, if there is one).

    Returns
    -------
    FitResult
        loss "absolute"; dual_gap is the LP duality gap of the returned coefficients, over all rows.

    Raises
    ------
    ValueError, TypeError
        For invalid input, the message naming the argument (values are checked in the blocks, as
        they are read). Errors of the cluster (a task dask gave up on) propagate.

    Warns
    -----
    ConvergenceWarning
        If the fit is not certified within tol (max_iter pivots, or rows still crossing).

    Notes
    -----
    A fit is a few passes over the rows, each a map-reduce of small sums: the driver never holds
    a vector of length n_samples, only a subsample and the rows near the fit (typically at most
    500000, under 1 GB). One pass draws a subsample (about sqrt(p) n^(2/3) rows, at most 200000)
    that IRLS fits on the driver; one pass gathers the rows nearest that fit, on which the
    simplex finishes exactly, the others held on their side (Portnoy and Koenker); one pass
    verifies that they stayed there (those that crossed join, and the simplex goes on) and sums
    the certificate, a dual point of the whole problem. When the rows near the subsample's fit
    are too many to gather (n beyond about 2e7), the same finish first solves a larger subsample
    exactly. The tol scale is the constant fit at the subsample's quantile of y (the best
    constant's objective up to O(1/m)).

    References
    ----------
    Portnoy and Koenker (1997), Statistical Science 12(4); Barrodale and Roberts (1973), SIAM J.
    Numer. Anal. 10(5).

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> from l1l2._dask_lad import lad
    >>> X = da.from_array(np.arange(6.0).reshape(-1, 1), chunks=3)
    >>> fit = lad(X, da.from_array(np.array([0.0, 1.0, 2.0, 3.0, 40.0, 5.0]), chunks=3))
    >>> round(float(fit.coef[0]), 12), round(fit.intercept, 12)
    (1.0, 0.0)
    """
    return _fit(X, y, absolute_loss(), alpha, fit_intercept=fit_intercept,
                sample_weight=sample_weight, penalty_factor=penalty_factor, tol=tol,
                max_iter=max_iter, client=client)


def quantile(X, y: ArrayLike, q: float = 0.5, *, alpha: float = 0.0, fit_intercept: bool = True,
             sample_weight: ArrayLike | None = None, penalty_factor: ArrayLike | None = None,
             tol: float = 1e-9, max_iter: int = 10_000, client=None) -> FitResult:
    """Quantile regression at quantile q on row-chunked dask arrays, exact and certified.

    Minimises ``1/n sum_i s_i rho_q(y_i - x_i.w - b) + alpha sum_j f_j |w_j|`` with the check
    function ``rho_q(r) = r (q - [r < 0])``, the objective of :func:`l1l2.quantile`.

    Parameters
    ----------
    q : float in (0, 1)
        The quantile; TypeError if not a real number, ValueError outside (0, 1).
    X, y, alpha, fit_intercept, sample_weight, penalty_factor, tol, max_iter, client
        As in :func:`lad`.

    Returns
    -------
    FitResult
        With loss "quantile".

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> from l1l2._dask_lad import quantile
    >>> X = da.from_array(np.arange(10.0).reshape(-1, 1), chunks=4)
    >>> fit = quantile(X, da.from_array(2 * np.arange(10.0) + 1, chunks=4), q=0.9)
    >>> round(float(fit.coef[0]), 12), round(fit.intercept, 12)
    (2.0, 1.0)
    """
    return _fit(X, y, quantile_loss(v.check_q(q)), alpha, fit_intercept=fit_intercept,
                sample_weight=sample_weight, penalty_factor=penalty_factor, tol=tol,
                max_iter=max_iter, client=client)


def _fit(X, y, loss, alpha, *, fit_intercept, sample_weight, penalty_factor, tol, max_iter,
         client):
    """Validate, fit, warn once, return a FitResult."""
    alpha = v.check_alpha(alpha)
    fit_intercept = v.check_flag(fit_intercept, "fit_intercept")
    tol, max_iter = v.check_tol(tol), v.check_max_iter(max_iter)
    client = check_client(client)
    rows = check_rows(X, y, sample_weight)
    factors = v.check_penalty_factor(penalty_factor, rows.n_features)
    # The driver's BLAS on one thread: its products are small (pa columns), and OpenBLAS threads
    # left spinning after a call would take cores from workers on the same machine (a LocalCluster:
    # 2.55 s -> 2.39 s, medians of 6 at n = 2e6, p = 20).
    with single_threaded_blas():
        fit = Solver(rows, loss, fit_intercept, client).fit(alpha * factors, tol, max_iter)
    warn_if_not_converged(fit.converged, fit.relative_gap, tol, max_iter, stacklevel=3,
                          scale=LAD_SCALE, steps="pivots")
    return FitResult(coef=fit.coef, intercept=fit.intercept, alpha=alpha, l1_ratio=1.0,
                     loss=loss.name, objective=fit.objective, dual_gap=fit.dual_gap,
                     n_iter=fit.n_iter, converged=bool(fit.converged))
