"""Benchmark l1l2's LAD and quantile regression against the exact LP (HiGHS), statsmodels and scikit-learn.

    python benchmarks/run_lad.py [--quick] [--repeats 3] [--cases a,b,...] [--all] [--out lad.jsonl]

Problems: Gaussian X (seeded), y = 3 + X w + Student-t(2) noise, plus 50 N(0, 1) added to 5% of y
(gross outliers). Cases:

* a: LAD, n=100000, p=50;  b: LAD, n=20000, p=200;  c: LAD, n=1000, p=20;
* d: quantile regression at q=0.1 and q=0.9 on the data of (a);
* e: LAD, n=1000000, p=20, next to one least-squares fit of the same data (normal equations
  with an intercept column, Cholesky), and l1l2's peak extra memory;
* f: LAD-lasso path over 50 alphas, n=5000, p=100: l1l2.lad_path vs one HiGHS LP per alpha and
  scikit-learn QuantileRegressor fitted per alpha (on 5 of them; their mean time x 50).
* g: LAD on sparse X (scipy.sparse CSC), n=100000, p=1000, density 1%, 30 nonzero true coefficients:
  l1l2 vs HiGHS given the sparse matrix (target: l1l2 at least 5 times faster). statsmodels and
  scikit-learn are not run (they would densify X).

Every fit is judged by one NumPy objective against the best any solver reached; the exact optimum
comes from HiGHS (scipy.optimize.linprog) on the dual LP. BLAS/OpenMP pinned to one thread.
"""
import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse
from threadpoolctl import threadpool_limits

import l1l2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adapters import importable  # noqa: E402
from measure import timed, traced_peak  # noqa: E402
from problems import correlated_design  # noqa: E402
from run import FLOAT_NOISE, environment, fmt, ratio  # noqa: E402
from run_paths import scenario_meta, write_records  # noqa: E402
from run_ridge import SLOW, ratio_record  # noqa: E402

# The data: y = OFFSET + X w + t(T_DF) noise, w ~ N(0, I); OUTLIER_SCALE * N(0, 1) added to a
# random OUTLIER_FRACTION of y.
OFFSET, T_DF, OUTLIER_FRACTION, OUTLIER_SCALE = 3.0, 2, 0.05, 50.0

# q None is LAD. Case (d) has the seed of (a): the same data. kind "ls" adds the least-squares
# yardstick and skips HiGHS and statsmodels unless --all (minutes at n = 10^6).
CASES = {
    "a": dict(kind="fit", n=100_000, p=50, qs=(None,), seed=10),
    "b": dict(kind="fit", n=20_000, p=200, qs=(None,), seed=11),
    "c": dict(kind="fit", n=1_000, p=20, qs=(None,), seed=12),
    "d": dict(kind="fit", n=100_000, p=50, qs=(0.1, 0.9), seed=10),
    "e": dict(kind="ls", n=1_000_000, p=20, qs=(None,), seed=13),
    "f": dict(kind="path", n=5_000, p=100, n_alphas=50, sklearn_alphas=5, seed=14),
    "g": dict(kind="sparse", n=100_000, p=1000, density=0.01, n_signal=30, qs=(None,), seed=15,
              target=5.0),
}
# --quick: small sizes, the whole run in well under a minute.
QUICK = {
    "a": dict(n=3_000, p=20), "b": dict(n=2_000, p=50), "c": dict(n=300, p=10),
    "d": dict(n=3_000, p=20), "e": dict(n=100_000, p=10), "f": dict(n=500, p=20),
    "g": dict(n=5_000, p=200, target=None),
}
# scikit-learn's QuantileRegressor (HiGHS on the primal LP, 2n + 2p variables) took over 6 minutes
# at n=20000, p=200: it runs only up to this n unless --all.
SKLEARN_MAX_N = 5_000
# Timing: as run_ridge.run_calls (a first run under SLOW seconds is an untimed warm-up, rounds
# interleave the solvers), except that calls whose first run takes over LONG seconds (HiGHS and
# statsmodels at n >= 20000) run only LONG_REPEATS times, to keep the default run under 10 minutes.
LONG, LONG_REPEATS = 15.0, 2
# The small convention check at start-up: exact solvers must agree to this.
CHECK_LIMIT = 1e-8
# Anything the primal recovered from HiGHS's marginals misses its own dual value by more than
# this (relative) means the sign or scale of the recovery is wrong.
LP_CONSISTENCY = 1e-6

SOLVER_NAMES = {"l1l2": "l1l2", "highs": "HiGHS (dual LP)", "statsmodels": "statsmodels QuantReg",
                "sklearn": "sklearn QuantileReg", "ls": "least squares"}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (smoke test, < 1 min)")
    ap.add_argument("--repeats", type=int, default=3,
                    help=f"timed runs per solver, median reported (default 3; at most {LONG_REPEATS} "
                         f"for runs over {LONG:g} s)")
    ap.add_argument("--cases", default=",".join(CASES),
                    help=f"comma-separated subset of {','.join(CASES)} (default: all)")
    ap.add_argument("--all", action="store_true",
                    help=f"also the slow runs skipped by default: scikit-learn at n > {SKLEARN_MAX_N} "
                         "and at every alpha of (f), HiGHS and statsmodels on (e)")
    ap.add_argument("--out", default="lad.jsonl", help="JSON-lines output file")
    args = ap.parse_args()
    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    return args


# ---------------------------------------------------------------- problems and objective
def lad_problem(n, p, seed):
    """X (n, p) standard Gaussian, F-ordered (problems.correlated_design with rho 0), and
    y = OFFSET + X w + Student-t noise with gross outliers."""
    rng = np.random.default_rng(seed)
    X = correlated_design(rng, n, p, 0.0)
    w = rng.standard_normal(p)
    y = OFFSET + X @ w + rng.standard_t(T_DF, n)
    outliers = rng.choice(n, int(round(OUTLIER_FRACTION * n)), replace=False)
    y[outliers] += OUTLIER_SCALE * rng.standard_normal(len(outliers))
    return X, y


def sparse_lad_problem(n, p, density, n_signal, seed):
    """X (n, p) scipy.sparse CSC with N(0, 1) values at density of the entries (scipy.sparse.random,
    seeded), y = OFFSET + X w + Student-t noise with gross outliers, w with n_signal nonzeros."""
    rng = np.random.default_rng(seed)
    X = scipy.sparse.random(n, p, density=density, format="csc", random_state=rng,
                            data_rvs=rng.standard_normal)
    w = np.zeros(p)
    support = rng.choice(p, n_signal, replace=False)
    w[support] = rng.uniform(1.0, 3.0, n_signal) * rng.choice([-1.0, 1.0], n_signal)
    y = OFFSET + X @ w + rng.standard_t(T_DF, n)
    outliers = rng.choice(n, int(round(OUTLIER_FRACTION * n)), replace=False)
    y[outliers] += OUTLIER_SCALE * rng.standard_normal(len(outliers))
    return X, y


def case_data(spec):
    if spec["kind"] == "sparse":
        return sparse_lad_problem(spec["n"], spec["p"], spec["density"], spec["n_signal"], spec["seed"])
    return lad_problem(spec["n"], spec["p"], spec["seed"])


def nbytes(X):
    """Bytes of X's arrays (sparse: data, indices, indptr)."""
    if scipy.sparse.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def check_objective(X, y, coef, intercept, alpha=0.0, q=None):
    """(1/n) sum rho(y_i - x_i w - b) + alpha ||w||_1 with rho = |.| (LAD, q None) or the check
    function rho_q(r) = r (q - [r < 0]). As adapters.objective: coef (k, p) and intercept (k,)
    give k objectives (alpha scalar or (k,)), a 1-D coef a float. X dense or scipy.sparse."""
    W = np.atleast_2d(np.asarray(coef, dtype=float))
    R = y[None, :] - np.asarray(X @ W.T).T - np.reshape(np.asarray(intercept, dtype=float), (-1, 1))
    loss = np.abs(R) if q is None else R * (q - (R < 0))
    obj = loss.sum(axis=1) / len(y) + np.asarray(alpha) * np.abs(W).sum(axis=1)
    return obj if np.ndim(coef) == 2 else float(obj[0])


def model_name(q):
    return "LAD" if q is None else f"quantile q={q:g}"


# ---------------------------------------------------------------- solvers
# Each returns (coef, intercept, extra): extra holds solver-specific diagnostics.
def l1l2_fit(X, y, q, alpha=0.0):
    res = (l1l2.lad(X, y, alpha=alpha) if q is None else l1l2.quantile(X, y, q, alpha=alpha))
    return res.coef, res.intercept, dict(dual_gap=float(res.dual_gap), converged=bool(res.converged),
                                         n_iter=int(res.n_iter))


def l1l2_path(X, y, alphas):
    res = l1l2.lad_path(X, y, alphas=alphas)
    return res.coefs, res.intercepts, dict(dual_gaps=res.dual_gaps, converged=res.converged,
                                           n_iter=int(res.n_iters.sum()))


def highs_fit(X, y, q, alpha=0.0):
    """The exact optimum: HiGHS (linprog, method "highs") on the dual LP.

    max_d (1/n) y'd  subject to  d_i in [lo, hi] ((-1, 1) for LAD, (q - 1, q) for quantile q),
    1'd = 0 (the intercept) and X'd = 0, or |X'd| / n <= alpha with a penalty. The primal
    coefficients are the constraints' marginals: w = -n * marginals(X'd = 0), or
    w = marginals(-X'd/n <= alpha) - marginals(X'd/n <= alpha); b = -n * marginal(1'd = 0).
    (The sign is checked every run: the primal's objective must equal the LP's dual value.)
    Sparse X goes to HiGHS as a sparse matrix (as scipy.sparse.vstack builds it)."""
    n, p = X.shape
    lo, hi = (-1.0, 1.0) if q is None else (q - 1.0, q)
    c = -y / n
    stack = (lambda blocks: scipy.sparse.vstack(blocks, format="csr")) if scipy.sparse.issparse(X) \
        else np.vstack
    if alpha == 0:
        A_eq = stack([X.T, np.ones((1, n))])
        res = scipy.optimize.linprog(c, A_eq=A_eq, b_eq=np.zeros(p + 1), bounds=(lo, hi), method="highs")
        beta = -n * res.eqlin.marginals
        coef, intercept = beta[:p], beta[p]
    else:
        A_ub = stack([X.T, -X.T]) / n
        res = scipy.optimize.linprog(c, A_ub=A_ub, b_ub=np.full(2 * p, alpha), A_eq=np.ones((1, n)),
                                     b_eq=[0.0], bounds=(lo, hi), method="highs")
        coef = res.ineqlin.marginals[p:] - res.ineqlin.marginals[:p]
        intercept = -n * res.eqlin.marginals[0]
    return coef, intercept, dict(lp_dual=-float(res.fun), status=int(res.status))


def statsmodels_fit(X, y, q):
    """QuantReg(y, add_constant(X)).fit(q): statsmodels' IRLS, its defaults (max_iter 1000,
    p_tol 1e-6); fit also computes the covariance of the estimate."""
    from statsmodels.api import QuantReg, add_constant
    res = QuantReg(y, add_constant(X)).fit(q=0.5 if q is None else q)
    return res.params[1:], res.params[0], dict(n_iter=getattr(res, "iterations", None))


def sklearn_alpha(alpha, q):
    """scikit-learn minimises (1/n) sum pinball_q + alpha_sk ||w||_1; at q = 0.5 the pinball loss
    is |r|/2, so LAD at alpha is twice its objective at alpha_sk = alpha / 2. For quantile q the
    objectives are the same, alpha_sk = alpha."""
    return alpha / 2 if q is None else alpha


def sklearn_fit(X, y, q, alpha=0.0, scale=True):
    from sklearn.linear_model import QuantileRegressor
    est = QuantileRegressor(quantile=0.5 if q is None else q,
                            alpha=sklearn_alpha(alpha, q) if scale else alpha, solver="highs").fit(X, y)
    return est.coef_, est.intercept_, {}


def least_squares(X, y):
    """The yardstick of (e): one least-squares fit with an intercept by the normal equations,
    [X 1]'[X 1] from X.T @ X and the column sums (no copy of X), then cho_factor / cho_solve."""
    n, p = X.shape
    G = np.empty((p + 1, p + 1))
    G[:p, :p] = X.T @ X
    G[p, :p] = G[:p, p] = X.sum(axis=0)
    G[p, p] = n
    beta = scipy.linalg.cho_solve(scipy.linalg.cho_factor(G), np.append(X.T @ y, y.sum()))
    return beta[:p], beta[p], {}


# ---------------------------------------------------------------- measuring
def run_timed(calls, repeats):
    """Median times of repeated calls (name -> no-argument callable), interleaved in rounds.

    As run_ridge.run_calls (the first run is an untimed warm-up unless it takes over SLOW
    seconds; each run records other processes' CPU use), but a call whose first run takes over
    LONG seconds runs only min(repeats, LONG_REPEATS) times. Returns name -> dict(time, times,
    output of the first run, other_load)."""
    first = {name: timed(call) for name, call in calls.items()}
    runs = {name: [run] if run[0] > SLOW else [] for name, run in first.items()}
    wanted = {name: min(repeats, LONG_REPEATS) if run[0] > LONG else repeats for name, run in first.items()}
    while any(len(runs[name]) < wanted[name] for name in calls):
        for name, call in calls.items():
            if len(runs[name]) < wanted[name]:
                runs[name].append(timed(call))
    return {name: dict(time=float(np.median([r[0] for r in rs])), times=[r[0] for r in rs],
                       output=first[name][1], other_load=other_load(rs))
            for name, rs in runs.items()}


def other_load(runs):
    """Cores other processes kept busy over these (wall, output, other CPU s) runs, or None."""
    others = [r[2] for r in runs]
    return None if None in others else sum(others) / sum(r[0] for r in runs)


def rel_gaps(objectives):
    """name -> (obj - best) / |best| per fit, best the minimum over all names per fit."""
    best = np.min(list(objectives.values()), axis=0)
    return {name: (obj - best) / np.abs(best) for name, obj in objectives.items()}, best


def check_conventions():
    """A small problem on which l1l2, HiGHS and scikit-learn must reach the same objective: LAD,
    quantile q=0.1 and a penalised LAD (scikit-learn at alpha / 2). Catches a wrong sign of the
    LP marginals or a wrong alpha scale, and warms up every solver. statsmodels (IRLS to p_tol
    1e-6) is shown, not checked."""
    X, y = lad_problem(400, 8, seed=0)
    alpha = float(l1l2.lad_path(X, y, n_alphas=5).alphas[1])   # alpha_max / 10
    records, lines, optional, wrong = [], [], available_optional(), None
    for q, a in ((None, 0.0), (0.1, 0.0), (None, alpha)):
        fits = {"l1l2": l1l2_fit(X, y, q, a), "highs": highs_fit(X, y, q, a)}
        if "sklearn" in optional:
            fits["sklearn"] = sklearn_fit(X, y, q, a)
        if a == 0 and "statsmodels" in optional:
            fits["statsmodels"] = statsmodels_fit(X, y, q)
        objs = {s: check_objective(X, y, c, b, a, q) for s, (c, b, _) in fits.items()}
        gaps, _ = rel_gaps(objs)
        parts = []
        for s, g in gaps.items():
            mismatch = bool(s != "statsmodels" and g > CHECK_LIMIT)
            records.append(dict(record="check", model=model_name(q), alpha=a, solver=s,
                                rel_gap=float(g), mismatch=mismatch))
            parts.append(f"{s} {g:.0e}" + (" MISMATCH" if mismatch else ""))
        lines.append(f"  {model_name(q)}, alpha={a:.3g}: " + ", ".join(parts))
        if a and "sklearn" in optional:
            # The same fit with scikit-learn's alpha unscaled: shows the factor 2 matters.
            c, b, _ = sklearn_fit(X, y, q, a, scale=False)
            wrong = (check_objective(X, y, c, b, a, q) - min(objs.values())) / min(objs.values())
            records.append(dict(record="check", model=model_name(q), alpha=a, solver="sklearn unscaled alpha",
                                rel_gap=float(wrong), mismatch=False))
            lines[-1] += f" (sklearn at alpha_sk = alpha instead of alpha/2: {wrong:.1e})"
    print(f"convention check (n=400, p=8; relative objective gap to the best; statsmodels not checked):")
    print("\n".join(lines))
    return records


# ---------------------------------------------------------------- cases
def case_spec(key, quick):
    return {**CASES[key], **(QUICK[key] if quick else {})}


def fit_solvers(spec, args, n):
    """The solvers of a single-fit case, and the skipped ones with the reason."""
    solvers, skipped = {"l1l2": l1l2_fit}, {}
    if spec["kind"] == "sparse":
        solvers["highs"] = highs_fit
        skipped.update(statsmodels="dense X only (would densify X)",
                       sklearn="not run on sparse X here (HiGHS on the primal LP, 2n + 2p variables)")
        return solvers, skipped
    if spec["kind"] == "ls" and not args.all:
        skipped.update(highs="takes minutes at this size; --all runs it",
                       statsmodels="takes minutes at this size; --all runs it")
    else:
        solvers.update(highs=highs_fit, statsmodels=statsmodels_fit)
    if n <= SKLEARN_MAX_N or args.all:
        solvers["sklearn"] = sklearn_fit
    else:
        skipped["sklearn"] = f"n > {SKLEARN_MAX_N} (minutes); --all runs it"
    for name in OPTIONAL:
        if name in solvers and name not in available_optional():
            del solvers[name]
            skipped[name] = "not installed"
    return solvers, skipped


# Solvers whose package may be missing: skipped with a message, as in the other scripts.
OPTIONAL = {"statsmodels": ("statsmodels.api", "QuantReg"),
            "sklearn": ("sklearn.linear_model", "QuantileRegressor")}


def available_optional():
    return [name for name, api in OPTIONAL.items() if importable(*api)]


def run_fit_case(key, args):
    spec = case_spec(key, args.quick)
    X, y = case_data(spec)
    solvers, skipped = fit_solvers(spec, args, spec["n"])
    records = []
    sparse = dict(density=spec["density"], nnz=int(X.nnz)) if scipy.sparse.issparse(X) else {}
    for q in spec["qs"]:
        meta = scenario_meta(f"({key})", model_name(q), X, threads=1, case=key, q=q,
                             skipped=skipped, x_nbytes=nbytes(X), **sparse)
        calls = {s: (lambda f=f: f(X, y, q)) for s, f in solvers.items()}
        if spec["kind"] == "ls":
            calls["ls"] = lambda: least_squares(X, y)
        with threadpool_limits(limits=1):
            measured = run_timed(calls, args.repeats)
            peak = traced_peak(calls["l1l2"])
        rows = []
        for s, m in measured.items():
            coef, intercept, extra = m["output"]
            rows.append(dict(meta, record="result", solver=s, time=m["time"], times=m["times"],
                             other_load=m["other_load"], obj=check_objective(X, y, coef, intercept, 0.0, q),
                             **extra))
        gaps, best = rel_gaps({r["solver"]: r["obj"] for r in rows})
        base = next(r for r in rows if r["solver"] == "l1l2")
        for r in rows:
            r.update(rel_gap=float(gaps[r["solver"]]), best=float(best), x_l1l2=ratio(r["time"], base["time"]))
        base.update(rel_dual_gap=base["dual_gap"] / base["obj"], peak_bytes=peak,
                    peak_over_X=peak / nbytes(X))
        for r in rows:
            if r["solver"] == "highs":
                r["lp_primal_dual"] = (r["obj"] - r["lp_dual"]) / abs(r["obj"])
        ratios = [ratio_record(meta, f"{SOLVER_NAMES[r['solver']]} / l1l2", r, base)
                  for r in rows if r["solver"] not in ("l1l2", "ls")]
        ratios += [ratio_record(meta, "l1l2 / least squares", base, r) for r in rows if r["solver"] == "ls"]
        for r in ratios:
            if spec.get("target") and r["ratio_name"] == f"{SOLVER_NAMES['highs']} / l1l2":
                met = r["value"] is not None and r["value"] >= spec["target"] and base["converged"]
                r.update(target=f">= {spec['target']:g}", met=bool(met))
        print_fit_case(rows, ratios)
        records += rows + ratios
    return records


def run_path_case(key, args):
    """(f): l1l2.lad_path over n_alphas alphas (l1l2's own grid from alpha_max down to
    alpha_max * 1e-4, computed once untimed and passed to every run) vs one HiGHS LP per alpha
    and scikit-learn per alpha (sklearn_alphas of them spread over the grid unless --all).
    The per-alpha HiGHS and scikit-learn fits are timed once each: the path totals are sums over
    many separate fits (scikit-learn's extrapolated: mean per-alpha time x n_alphas)."""
    spec = case_spec(key, args.quick)
    X, y = lad_problem(spec["n"], spec["p"], spec["seed"])
    with threadpool_limits(limits=1):
        alphas = l1l2.lad_path(X, y, n_alphas=spec["n_alphas"]).alphas
        k = len(alphas)
        subset = (np.arange(k) if args.all
                  else np.unique(np.linspace(0, k - 1, spec["sklearn_alphas"]).round().astype(int)))
        if "sklearn" not in available_optional():
            print("(f): scikit-learn skipped (not installed)")
            subset = subset[:0]
        meta = scenario_meta(f"({key})", "LAD-lasso path", X, threads=1, case=key, q=None, n_alphas=k,
                             alpha_max=float(alphas[0]), alpha_min=float(alphas[-1]),
                             sklearn_alphas=subset.tolist(), x_nbytes=X.nbytes)
        measured = run_timed({"l1l2": lambda: l1l2_path(X, y, alphas)}, args.repeats)["l1l2"]
        peak = traced_peak(lambda: l1l2_path(X, y, alphas))
        lp_runs = [timed(lambda a=a: highs_fit(X, y, None, a)) for a in alphas]
        sk_runs = {i: timed(lambda a=alphas[i]: sklearn_fit(X, y, None, a)) for i in subset}
    coefs, intercepts, extra = measured["output"]
    objs = {"l1l2": check_objective(X, y, coefs, intercepts, alphas)}
    lp_coefs, lp_intercepts, lp_extra = zip(*(r[1] for r in lp_runs))
    objs["highs"] = check_objective(X, y, np.array(lp_coefs), np.array(lp_intercepts), alphas)
    lp_dual = np.array([e["lp_dual"] for e in lp_extra])
    sk_obj = np.full(k, np.inf)
    for i, r in sk_runs.items():
        sk_obj[i] = check_objective(X, y, r[1][0], r[1][1], alphas[i])
    gaps, best = rel_gaps({**objs, "sklearn": sk_obj})
    points = [dict(meta, record="point", index=i, alpha=float(alphas[i]), best=float(best[i]),
                   nnz=int(np.count_nonzero(coefs[i])), l1l2_rel_gap=float(gaps["l1l2"][i]),
                   l1l2_dual_gap=float(extra["dual_gaps"][i]), l1l2_converged=bool(extra["converged"][i]),
                   highs_rel_gap=float(gaps["highs"][i]), highs_time=lp_runs[i][0],
                   highs_primal_dual=float((objs["highs"][i] - lp_dual[i]) / abs(objs["highs"][i])),
                   sklearn_rel_gap=float(gaps["sklearn"][i]) if i in sk_runs else None,
                   sklearn_time=sk_runs[i][0] if i in sk_runs else None)
              for i in range(k)]
    sk_times = [r[0] for r in sk_runs.values()]
    rows = [
        dict(meta, record="result", solver="l1l2", time=measured["time"], times=measured["times"],
             other_load=measured["other_load"], per_alpha=measured["time"] / k,
             rel_gap=float(gaps["l1l2"].max()), max_dual_gap=float(extra["dual_gaps"].max()),
             converged=bool(extra["converged"].all()), n_iter=extra["n_iter"], peak_bytes=peak,
             peak_over_X=peak / X.nbytes, fits=k),
        dict(meta, record="result", solver="highs", time=float(sum(r[0] for r in lp_runs)),
             times=[r[0] for r in lp_runs], other_load=other_load(lp_runs), per_alpha=float(np.mean(
                 [r[0] for r in lp_runs])), rel_gap=float(gaps["highs"].max()), fits=k),
    ]
    if sk_runs:
        rows.append(dict(meta, record="result", solver="sklearn", time=float(np.mean(sk_times)) * k,
                         times=sk_times, other_load=other_load(list(sk_runs.values())),
                         per_alpha=float(np.mean(sk_times)), rel_gap=float(gaps["sklearn"][subset].max()),
                         fits=len(subset), extrapolated=bool(len(subset) < k)))
    for r in rows:
        r["x_l1l2"] = ratio(r["time"], rows[0]["time"])
    ratios = [ratio_record(meta, f"HiGHS x{k} / l1l2 path", rows[1], rows[0])]
    ratios += [ratio_record(meta, f"sklearn x{k}{' (extrapolated)' if r['extrapolated'] else ''} / l1l2 path",
                            r, rows[0]) for r in rows[2:]]
    print_path_case(rows, points, ratios)
    return rows + points + ratios


RUNNERS = {"fit": run_fit_case, "ls": run_fit_case, "sparse": run_fit_case, "path": run_path_case}


# ---------------------------------------------------------------- reporting
def header(r, what):
    return (f"\n== {r['scenario']} {r['model']} (n={r['n']}, p={r['p']}, {what}; Student-t({T_DF}) "
            f"noise, {OUTLIER_FRACTION:.0%} outliers; threads pinned to 1, load {r['load']})")


def print_ratios(ratios):
    for r in ratios:
        target = "" if r.get("target") is None else \
            f"   target {r['target']}: {'met' if r['met'] else 'NOT MET'}"
        print(f"  {r['ratio_name']:<40}{fmt(r['value'], '.3g'):>9}   ({r['numerator']:.4g} s / "
              f"{r['denominator']:.4g} s){target}")


def print_fit_case(rows, ratios):
    r0 = rows[0]
    sparse = f", sparse X: density {r0['density']:g}, nnz {r0['nnz']}" if "density" in r0 else ""
    print(header(r0, "intercept, alpha=0" + sparse))
    print(f"{'solver':<22}{'median s':>10}{'runs':>5}{'x l1l2':>9}{'rel obj gap':>13}{'other load':>12}")
    for r in rows:
        print(f"{SOLVER_NAMES[r['solver']]:<22}{r['time']:>10.4f}{len(r['times']):>5}"
              f"{fmt(r['x_l1l2'], '.3g'):>9}{r['rel_gap']:>13.1e}{fmt(r['other_load'], '.2f'):>12}")
    for s, why in rows[0]["skipped"].items():
        print(f"{SOLVER_NAMES[s]:<22}skipped: {why}")
    base = next(r for r in rows if r["solver"] == "l1l2")
    print(f"best objective {base['best']:.15g}; l1l2: dual gap {base['dual_gap']:.1e} (relative "
          f"{base['rel_dual_gap']:.1e}), {'converged' if base['converged'] else 'NOT converged'}, "
          f"{base['n_iter']} start steps + pivots, peak extra memory {base['peak_over_X']:.3f} x "
          f"X.nbytes "
          f"({base['peak_bytes'] / 2**20:.1f} MiB; X {base['x_nbytes'] / 2**20:.1f} MiB)")
    for r in rows:
        if r["solver"] == "highs":
            flag = "" if abs(r["lp_primal_dual"]) <= LP_CONSISTENCY else "  SIGN/SCALE MISMATCH"
            print(f"HiGHS: LP dual value {r['lp_dual']:.15g}, (primal - dual) / primal = "
                  f"{r['lp_primal_dual']:.1e}{flag}")
        if r["solver"] == "statsmodels" and r.get("n_iter") is not None:
            print(f"statsmodels: {r['n_iter']} IRLS iterations (max 1000)")
    print_ratios(ratios)


def print_path_case(rows, points, ratios):
    r0 = rows[0]
    print(header(r0, f"{r0['n_alphas']} alphas {r0['alpha_max']:.3g} .. {r0['alpha_min']:.3g}"))
    print(f"{'i':>3}{'alpha':>11}{'nnz':>5}{'l1l2 gap':>11}{'l1l2 dual gap':>15}{'HiGHS gap':>11}"
          f"{'HiGHS s':>9}{'sklearn gap':>13}{'sklearn s':>11}")
    for pt in points:
        sk = (f"{pt['sklearn_rel_gap']:>13.1e}{pt['sklearn_time']:>11.3f}" if pt["sklearn_time"] is not None
              else f"{'':>13}{'':>11}")
        print(f"{pt['index']:>3}{pt['alpha']:>11.3e}{pt['nnz']:>5}{pt['l1l2_rel_gap']:>11.1e}"
              f"{pt['l1l2_dual_gap']:>15.1e}{pt['highs_rel_gap']:>11.1e}{pt['highs_time']:>9.3f}{sk}")
    print(f"{'solver':<22}{'path s':>10}{'runs':>5}{'per alpha s':>13}{'x l1l2':>9}{'max rel gap':>13}"
          f"{'other load':>12}")
    for r in rows:
        runs = f"{len(r['times'])}" if r["solver"] == "l1l2" else f"{r['fits']}f"
        name = SOLVER_NAMES[r["solver"]] + ("*" if r.get("extrapolated") else "")
        print(f"{name:<22}{r['time']:>10.3f}{runs:>5}{r['per_alpha']:>13.4f}{fmt(r['x_l1l2'], '.3g'):>9}"
              f"{r['rel_gap']:>13.1e}{fmt(r['other_load'], '.2f'):>12}")
    print(f"l1l2: median of {len(r0['times'])} path runs; max dual gap {r0['max_dual_gap']:.1e}, "
          f"{'all' if r0['converged'] else 'NOT all'} converged, peak extra memory "
          f"{r0['peak_over_X']:.3f} x X.nbytes. HiGHS: one LP per alpha ({rows[1]['fits']}f = fits, each "
          f"timed once), path time = their sum; max (primal - dual)/primal "
          f"{max(abs(pt['highs_primal_dual']) for pt in points):.1e}.")
    for sk in rows[2:]:
        print(f"scikit-learn at alpha_sk = alpha/2 (pinball at q=0.5 is |r|/2), "
              + (f"*timed at {sk['fits']} of {r0['n_alphas']} alphas, each once: path time = their mean "
                 f"x {r0['n_alphas']} (extrapolated)" if sk["extrapolated"] else "every alpha, each once"))
    print_ratios(ratios)


def print_summary(records):
    print(f"\n== summary (BLAS/OpenMP pinned to 1 thread; rel obj gap = (obj - best) / best, best = the "
          f"lowest objective of any solver by one NumPy function; below ~{FLOAT_NOISE:.0e} it is rounding)")
    print(f"{'case':<5}{'model':<16}{'n x p':>14}  {'solver':<22}{'seconds':>10}{'x l1l2':>9}{'rel obj gap':>13}")
    for r in (r for r in records if r["record"] == "result"):
        name = SOLVER_NAMES[r["solver"]] + ("*" if r.get("extrapolated") else "")
        print(f"{r['scenario']:<5}{r['model']:<16}{r['n']:>8}x{r['p']:<5}  {name:<22}{r['time']:>10.4f}"
              f"{fmt(r['x_l1l2'], '.3g'):>9}{r['rel_gap']:>13.1e}")
    print("ratios:")
    for r in (r for r in records if r["record"] == "ratio"):
        print(f"  {r['scenario']:<5}{r['model']:<16}{r['ratio_name']:<40}{fmt(r['value'], '.3g'):>9}")
    for r in (r for r in records if r["record"] == "result" and r["solver"] == "l1l2"):
        gap = r.get("dual_gap", r.get("max_dual_gap"))
        print(f"  {r['scenario']:<5}{r['model']:<16}l1l2 dual gap {gap:.1e}, peak extra memory "
              f"{r['peak_over_X']:.3f} x X.nbytes")
    print("* scikit-learn's path time extrapolated from a subset of alphas")


def main():
    args = parse_args()
    with threadpool_limits(limits=1):
        env = environment(extra_dists=("statsmodels",))   # records the one-thread pinning
    print(f"{env['cpu']} ({env['cpu_count']} cpus), BLAS/OpenMP pinned to 1 thread, versions "
          f"{env['versions']}, repeats={args.repeats} (at most {LONG_REPEATS} for runs over {LONG:g} s)")
    records = []
    with warnings.catch_warnings():
        # Accuracy is judged by the recomputed objectives and l1l2's dual gap, not by warnings.
        warnings.simplefilter("ignore")
        with threadpool_limits(limits=1):
            records += check_conventions()
        for key in args.cases:
            records += RUNNERS[CASES[key]["kind"]](key, args)
    print_summary(records)
    write_records(args.out, env, records)


if __name__ == "__main__":
    main()
