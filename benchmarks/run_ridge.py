"""Benchmark l1l2's closed-form ridge against scikit-learn and a bare SciPy yardstick.

    python benchmarks/run_ridge.py [--quick] [--only SCENARIO ...] [--repeats 5] [--out ridge.jsonl]

Scenarios (dense float64, intercept fitted, BLAS/OpenMP pinned to one thread;
single fits also with two):

* single: one fit at a moderate alpha on a tall and a wide problem: l1l2.ridge vs
  scikit-learn Ridge vs centring + the smaller Gram + a SciPy Cholesky solve;
* path: 50 alphas: l1l2.ridge_path vs one eigendecomposition of the smaller Gram
  vs scikit-learn Ridge fitted 50 times;
* cv: exact leave-one-out over 50 alphas: l1l2.ridge_cv vs scikit-learn RidgeCV;
* batch: l1l2.ridge with 500 targets vs 1 target;
* sparse: scipy.sparse X (CSC, nonnegative tf-idf-like values, problems.text_design), a wide
  "text" problem (n=20000, p=50000, 0.2% stored) and a tall one (n=100000, p=500, 1%), at
  alpha0 and alpha0 / 30: l1l2.ridge (solver "auto": the Gram or conjugate gradients) and
  solver="cg" vs scikit-learn Ridge with solver sparse_cg, lsqr and sag, at its default tol
  (1e-4) and at tol=1e-10 (sparse_cg, lsqr). Beside the relative objective difference, the
  coefficients' largest difference from a reference fit (sparse_cg at tol=1e-14, untimed),
  relative to its largest |coef|.

Every solution is judged by one NumPy objective (adapters.objective with
l1_ratio=0; for sparse X the same sum from sparse products) against the best any
solver reached. The l1l2 Lasso benchmarks are
run.py and run_paths.py.
"""
import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

import l1l2
from sklearn.linear_model import Ridge, RidgeCV

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adapters import objective  # noqa: E402
from measure import timed  # noqa: E402
from problems import correlated_design, text_design  # noqa: E402
from run import FLOAT_NOISE, environment, fmt, ratio  # noqa: E402
from run_paths import scenario_meta, write_records  # noqa: E402

# Named, seeded problems: Toeplitz-correlated Gaussian X (problems.correlated_design)
# with column offsets, a dense signal and noise; n_targets independent targets.
PROBLEMS = {
    "tall": dict(n=20_000, p=500, seed=20),
    "wide": dict(n=1_000, p=20_000, seed=21),
    "small": dict(n=2_000, p=200, seed=22),
    "batch": dict(n=5_000, p=200, seed=23, n_targets=500),
}
# --quick shrinks every problem so the whole run takes well under a minute.
QUICK = {
    "tall": dict(n=4_000, p=200),
    "wide": dict(n=300, p=4_000),
    "small": dict(n=500, p=50),
    "batch": dict(n=1_000, p=50),
}
# Sparse problems: CSC float64 from problems.text_design (tf-idf-like document-term values,
# Zipf-like column frequencies), with the same kind of target as the dense ones.
SPARSE_PROBLEMS = {
    "text": dict(n=20_000, p=50_000, density=0.002, seed=24),
    "tall_sparse": dict(n=100_000, p=500, density=0.01, seed=25),
}
SPARSE_QUICK = {
    "text": dict(n=2_000, p=5_000, density=0.005),
    "tall_sparse": dict(n=10_000, p=100, density=0.05),
}
SPARSE_ALPHA_FACTORS = (1.0, 1.0 / 30)   # fits at alpha0 and alpha0 / 30 (worse conditioned)
SKLEARN_TIGHT_TOL = 1e-10
SPARSE_REFERENCE_TOL = 1e-14     # the untimed reference fit of the coefficients
RHO = 0.5   # feature correlation rho**|i-j|
SNR = 0.5   # std(signal) / std(noise): noisy enough that leave-one-out picks an inner alpha
# The single fit is at alpha0 = trace(Xc'Xc) / (n min(n, p)), the mean eigenvalue of the
# smaller centred Gram over n, so that df(alpha0) is about min(n, p) / 2. Paths and CV use
# N_ALPHAS alphas log-spaced from GRID[0] * alpha0 down to GRID[1] * alpha0.
GRID, N_ALPHAS = (1e2, 1e-3), 50
# Runs slower than SLOW seconds are repeated SLOW_REPEATS times, the others --repeats times.
SLOW, SLOW_REPEATS = 5.0, 3
# (scenario, ratio) -> (bound, "<=" or ">"): the targets the summary checks.
TARGETS = {
    ("single", "l1l2 / yardstick"): (1.1, "<="),
    ("single", "sklearn / l1l2"): (1.0, ">"),
    ("path", "l1l2 / yardstick"): (1.2, "<="),
    ("path", "sklearn x50 / l1l2"): (20.0, ">="),
    ("batch", "l1l2 500 / 1 target"): (2.0, "<="),
}

SCENARIOS = {
    "single": dict(problems=("tall", "wide"), threads=(1, 2)),
    "path": dict(problems=("tall", "wide"), threads=(1,)),
    "cv": dict(problems=("tall", "small"), threads=(1,)),
    "batch": dict(problems=("batch",), threads=(1,)),
    "sparse": dict(problems=("text", "tall_sparse"), threads=(1,)),
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small problems (smoke test, < 1 min)")
    ap.add_argument("--repeats", type=int, default=5,
                    help=f"timed runs per setting, median reported (default 5; {SLOW_REPEATS} for "
                         f"runs over {SLOW:g} s)")
    ap.add_argument("--out", default="ridge.jsonl", help="JSON-lines output file")
    ap.add_argument("--only", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS),
                    metavar="SCENARIO", help=f"run only these of {', '.join(SCENARIOS)}")
    return ap.parse_args()


# ---------------------------------------------------------------- problems
def ridge_problem(name, quick):
    """X (F-ordered), y ((n,) or (n, n_targets)) and alpha0 of problem ``name``."""
    spec = {**PROBLEMS[name], **(QUICK[name] if quick else {})}
    rng = np.random.default_rng(spec["seed"])
    n, p, k = spec["n"], spec["p"], spec.get("n_targets", 1)
    X = correlated_design(rng, n, p, RHO)
    X += rng.uniform(-1.0, 1.0, p)          # non-zero column means: centring matters
    signal = X @ rng.standard_normal((p, k))
    signal = (signal - signal.mean(axis=0)) / signal.std(axis=0)
    Y = 3.0 + signal + rng.standard_normal((n, k)) / SNR
    alpha0 = float(X.var(axis=0).sum() / min(n, p))
    return X, (Y[:, 0] if k == 1 else Y), alpha0


def sparse_ridge_problem(name, quick):
    """X (CSC), y and alpha0 of sparse problem ``name``; alpha0 as in ridge_problem, from the
    column variances computed sparsely."""
    spec = {**SPARSE_PROBLEMS[name], **(SPARSE_QUICK[name] if quick else {})}
    rng = np.random.default_rng(spec["seed"])
    n, p = spec["n"], spec["p"]
    X = text_design(rng, n, p, spec["density"])
    signal = X @ rng.standard_normal(p)
    signal = (signal - signal.mean()) / signal.std()
    y = 3.0 + signal + rng.standard_normal(n) / SNR
    means = np.asarray(X.mean(axis=0)).ravel()
    variances = np.asarray(X.multiply(X).mean(axis=0)).ravel() - means**2
    return X, y, float(variances.sum() / min(n, p))


def alpha_grid(alpha0):
    return alpha0 * np.geomspace(GRID[0], GRID[1], N_ALPHAS)


def effective_df(X, alpha):
    """sum_k s_k^2 / (s_k^2 + n alpha) over the singular values of the centred X (untimed)."""
    n, p = X.shape
    Xc = X - X.mean(axis=0)
    s2 = np.clip(scipy.linalg.eigvalsh(Xc.T @ Xc if n >= p else Xc @ Xc.T), 0.0, None)
    return float((s2 / (s2 + n * alpha)).sum())


# ---------------------------------------------------------------- solvers
# Each returns what is scored: (coef, intercept), coef (p,) or (k, p) for k targets or alphas.
def l1l2_fit(X, y, alpha):
    res = l1l2.ridge(X, y, alpha)
    return res.coef, res.intercept


def sklearn_fit(X, y, alpha):
    # scikit-learn minimises ||y - Xw - b||^2 + alpha_sk ||w||^2: alpha_sk = n alpha.
    est = Ridge(alpha=len(y) * alpha, solver="auto").fit(X, y)
    return est.coef_, est.intercept_


def yardstick_fit(X, y, alpha):
    """Centring, the smaller Gram and a Cholesky solve: primal (n >= p), or dual plus one
    product Xc'a (p > n). The least any direct solver has to do."""
    n, p = X.shape
    x_mean, y_mean = X.mean(axis=0), y.mean(axis=0)
    Xc, yc = X - x_mean, y - y_mean
    if n >= p:
        gram, rhs = Xc.T @ Xc, Xc.T @ yc
    else:
        gram, rhs = Xc @ Xc.T, yc
    gram[np.diag_indices_from(gram)] += n * alpha
    sol = scipy.linalg.cho_solve(scipy.linalg.cho_factor(gram, overwrite_a=True, check_finite=False),
                                 rhs, overwrite_b=True, check_finite=False)
    w = sol if n >= p else Xc.T @ sol
    return w.T, y_mean - x_mean @ w


def l1l2_path(X, y, alphas):
    res = l1l2.ridge_path(X, y, alphas=alphas)
    return res.coefs, res.intercepts


def sklearn_path(X, y, alphas):
    fits = [sklearn_fit(X, y, alpha) for alpha in alphas]
    return np.array([c for c, _ in fits]), np.array([b for _, b in fits])


def yardstick_path(X, y, alphas):
    """One eigendecomposition of the smaller centred Gram (forming it included), then every
    alpha by shrinking; p > n needs one more product Xc' (U shrink)."""
    n, p = X.shape
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    lams = n * np.asarray(alphas)
    if n >= p:
        s2, V = scipy.linalg.eigh(Xc.T @ Xc, overwrite_a=True, check_finite=False)
        W = V @ ((V.T @ (Xc.T @ yc))[:, None] / (s2[:, None] + lams))
    else:
        s2, U = scipy.linalg.eigh(Xc @ Xc.T, overwrite_a=True, check_finite=False)
        W = Xc.T @ (U @ ((U.T @ yc)[:, None] / (s2[:, None] + lams)))
    return W.T, y_mean - W.T @ x_mean


def l1l2_cv(X, y, alphas):
    res = l1l2.ridge_cv(X, y, alphas=alphas, cv="loo")
    return res.alpha_min, res.best.coef, res.best.intercept


def sklearn_cv(X, y, alphas, store=False):
    # RidgeCV's efficient leave-one-out; gcv_mode="auto" eigendecomposes the smaller Gram.
    est = RidgeCV(alphas=len(y) * np.asarray(alphas), gcv_mode="auto", store_cv_results=store)
    est.fit(X, y)
    return est


def sklearn_cv_call(X, y, alphas):
    est = sklearn_cv(X, y, alphas)
    return est.alpha_ / len(y), est.coef_, est.intercept_


# Sparse single fits: each returns (coef, intercept, note), note the route taken.
def l1l2_sparse_fit(X, y, alpha, solver="auto"):
    res = l1l2.ridge(X, y, alpha, solver=solver)
    return res.coef, res.intercept, "gram" if res.n_iter == 1 else f"cg, {res.n_iter} steps"


def sklearn_sparse_fit(X, y, alpha, solver, tol=None):
    est = Ridge(alpha=len(y) * alpha, solver=solver, **({} if tol is None else {"tol": tol}))
    est.fit(X, y)
    used = getattr(est, "solver_", solver)       # scikit-learn may fall back to another solver
    steps = est.n_iter_ if est.n_iter_ is None else int(np.max(est.n_iter_))
    return est.coef_, est.intercept_, used + ("" if steps is None else f", {steps} iter")


SPARSE_SOLVERS = {
    "l1l2 auto": l1l2_sparse_fit,
    "l1l2 cg": lambda X, y, alpha: l1l2_sparse_fit(X, y, alpha, "cg"),
    "sklearn sparse_cg": lambda X, y, alpha: sklearn_sparse_fit(X, y, alpha, "sparse_cg"),
    f"sklearn sparse_cg {SKLEARN_TIGHT_TOL:g}": lambda X, y, alpha: sklearn_sparse_fit(
        X, y, alpha, "sparse_cg", SKLEARN_TIGHT_TOL),
    "sklearn lsqr": lambda X, y, alpha: sklearn_sparse_fit(X, y, alpha, "lsqr"),
    f"sklearn lsqr {SKLEARN_TIGHT_TOL:g}": lambda X, y, alpha: sklearn_sparse_fit(
        X, y, alpha, "lsqr", SKLEARN_TIGHT_TOL),
    "sklearn sag": lambda X, y, alpha: sklearn_sparse_fit(X, y, alpha, "sag"),
}


def sparse_objective(X, y, coef, intercept, alpha):
    """(1/2n)||y - Xw - b||^2 + (alpha/2)||w||^2 for sparse X (float64 sums)."""
    coef = np.asarray(coef, dtype=np.float64)
    residual = y - X @ coef - float(intercept)
    return float(residual @ residual / (2 * len(y)) + 0.5 * alpha * coef @ coef)


# ---------------------------------------------------------------- measuring
def run_calls(calls, repeats):
    """Median times of repeated calls (name -> no-argument callable), interleaved in rounds
    so that a transient load spreads over all of them. Each call's first run is a warm-up
    (page faults, lazy imports), discarded unless it took over SLOW seconds; such slow calls
    run SLOW_REPEATS times in all. Returns name -> dict(time (median), times, output of the
    first run, other_load: the mean number of cores other processes kept busy in the runs)."""
    first = {name: timed(call) for name, call in calls.items()}
    runs = {name: [run] if run[0] > SLOW else [] for name, run in first.items()}
    wanted = {name: SLOW_REPEATS if run[0] > SLOW else repeats for name, run in first.items()}
    while any(len(runs[name]) < wanted[name] for name in calls):
        for name, call in calls.items():
            if len(runs[name]) < wanted[name]:
                runs[name].append(timed(call))
    out = {}
    for name, rs in runs.items():
        times, others = [r[0] for r in rs], [r[2] for r in rs]
        other_load = None if None in others else sum(others) / sum(times)
        out[name] = dict(time=float(np.median(times)), times=times, output=first[name][1],
                         other_load=other_load)
    return out


def rel_diffs(objectives):
    """name -> max over fits of (objective - best) / |best|, best over all names per fit."""
    best = np.min(list(objectives.values()), axis=0)
    return {name: float(np.max((obj - best) / np.abs(best))) for name, obj in objectives.items()}


def solver_rows(meta, measured, X, y, alpha):
    """Result rows of measured (coef, intercept) solvers, with their objectives."""
    rows = []
    for name, m in measured.items():
        coef, intercept = m["output"]
        obj = objective(X, y, np.asarray(coef, dtype=float), np.asarray(intercept, dtype=float),
                        alpha, 0.0)
        rows.append(dict(meta, record="result", solver=name, time=m["time"], times=m["times"],
                         other_load=m["other_load"], objectives=np.atleast_1d(obj)))
    return rows


def score(rows):
    """Relative objective difference vs the best over all rows (same problem and alphas)."""
    diffs = rel_diffs({i: r["objectives"] for i, r in enumerate(rows)})
    for i, r in enumerate(rows):
        r["max_rel_diff"] = diffs[i]
        del r["objectives"]


def ratio_record(meta, name, num, den):
    """Time ratio of two result rows, checked against TARGETS; other_load is the larger of
    the two rows' (other processes' CPU use during the runs, in cores)."""
    bound, op = TARGETS.get((meta["scenario"], name), (None, None))
    value = ratio(num["time"], den["time"])
    met = None if bound is None or value is None else {"<=": value <= bound, ">": value > bound,
                                                       ">=": value >= bound}[op]
    loads = [r["other_load"] for r in (num, den) if r["other_load"] is not None]
    return dict(meta, record="ratio", ratio_name=name, value=value, numerator=num["time"],
                denominator=den["time"], other_load=max(loads, default=None),
                target=None if bound is None else f"{op} {bound:g}", met=met)


def row_of(rows, solver, **match):
    return next(r for r in rows if r["solver"] == solver and all(r[k] == v for k, v in match.items()))


# ---------------------------------------------------------------- scenarios
def run_single(args):
    records = []
    solvers = {"l1l2": l1l2_fit, "sklearn": sklearn_fit, "yardstick": yardstick_fit}
    for problem in SCENARIOS["single"]["problems"]:
        X, y, alpha = ridge_problem(problem, args.quick)
        df = effective_df(X, alpha)
        rows = []
        for threads in SCENARIOS["single"]["threads"]:
            meta = scenario_meta("single", "ridge", X, threads, problem=problem, alpha=alpha, df=df)
            with threadpool_limits(limits=threads):
                measured = run_calls({s: (lambda f=f: f(X, y, alpha)) for s, f in solvers.items()},
                                     args.repeats)
            rows += solver_rows(meta, measured, X, y, alpha)
        score(rows)
        ratios = []
        for threads in SCENARIOS["single"]["threads"]:
            meta = {k: v for k, v in rows[0].items() if k in ("scenario", "problem", "n", "p")}
            meta.update(threads=threads)
            l1, sk, ys = (row_of(rows, s, threads=threads) for s in ("l1l2", "sklearn", "yardstick"))
            ratios += [ratio_record(meta, "l1l2 / yardstick", l1, ys),
                       ratio_record(meta, "sklearn / l1l2", sk, l1)]
        print_rows(rows, f"single fit, alpha={alpha:.4g} (df={df:.0f}, sklearn alpha={len(y) * alpha:.4g})")
        print_ratios(ratios)
        records += rows + ratios
    return records


def run_path(args):
    records = []
    solvers = {"l1l2": l1l2_path, "sklearn x50": sklearn_path, "yardstick": yardstick_path}
    for problem in SCENARIOS["path"]["problems"]:
        X, y, alpha0 = ridge_problem(problem, args.quick)
        alphas = alpha_grid(alpha0)
        meta = scenario_meta("path", "ridge", X, 1, problem=problem, n_alphas=len(alphas),
                             alpha_max=alphas[0], alpha_min=alphas[-1])
        with threadpool_limits(limits=1):
            measured = run_calls({s: (lambda f=f: f(X, y, alphas)) for s, f in solvers.items()},
                                 args.repeats)
        rows = solver_rows(meta, measured, X, y, alphas)
        score(rows)
        l1, sk, ys = (row_of(rows, s) for s in ("l1l2", "sklearn x50", "yardstick"))
        ratios = [ratio_record(meta, "l1l2 / yardstick", l1, ys),
                  ratio_record(meta, "sklearn x50 / l1l2", sk, l1)]
        print_rows(rows, f"path, {len(alphas)} alphas {alphas[0]:.4g} .. {alphas[-1]:.4g}, max over the path")
        print_ratios(ratios)
        records += rows + ratios
    return records


def run_cv(args):
    records = []
    solvers = {"l1l2": l1l2_cv, "sklearn": sklearn_cv_call}
    for problem in SCENARIOS["cv"]["problems"]:
        X, y, alpha0 = ridge_problem(problem, args.quick)
        alphas = alpha_grid(alpha0)
        meta = scenario_meta("cv", "ridge", X, 1, problem=problem, n_alphas=len(alphas))
        with threadpool_limits(limits=1):
            measured = run_calls({s: (lambda f=f: f(X, y, alphas)) for s, f in solvers.items()},
                                 args.repeats)
        # Untimed: both leave-one-out curves (mean squared error per alpha). l1l2's left-out
        # refit has penalty (n - 1) alpha, scikit-learn's n alpha: they differ by O(1/n).
        l1l2_curve = l1l2.ridge_cv(X, y, alphas=alphas, cv="loo").cv_mean
        sklearn_curve = sklearn_cv(X, y, alphas, store=True).cv_results_.mean(axis=0)
        rows = []
        for name, m in measured.items():
            alpha_min, coef, intercept = m["output"]
            index = int(np.argmin(np.abs(np.log(alphas / alpha_min))))
            rows.append(dict(meta, record="cv", solver=name, time=m["time"], times=m["times"],
                             other_load=m["other_load"], alpha_min=float(alpha_min), alpha_index=index,
                             objective=objective(X, y, np.asarray(coef, float), float(intercept),
                                                 alpha_min, 0.0)))
        same = len({r["alpha_index"] for r in rows}) == 1
        refit = rel_diffs({r["solver"]: np.array([r["objective"]]) for r in rows}) if same else {}
        for r in rows:
            r.update(same_alpha=same, refit_rel_diff=refit.get(r["solver"]),
                     curve_rel_diff=float(np.max(np.abs(sklearn_curve / l1l2_curve - 1))))
        ratios = [ratio_record(meta, "sklearn / l1l2", row_of(rows, "sklearn"), row_of(rows, "l1l2"))]
        print_cv(rows)
        print_ratios(ratios)
        records += rows + ratios
    return records


def run_batch(args):
    X, Y, alpha = ridge_problem("batch", args.quick)
    solvers = {"l1l2": l1l2_fit, "sklearn": sklearn_fit, "yardstick": yardstick_fit}
    targets = {1: Y[:, 0].copy(), Y.shape[1]: Y}
    rows = []
    for k, y in targets.items():
        meta = scenario_meta("batch", "ridge", X, 1, problem="batch", n_targets=k, alpha=alpha)
        with threadpool_limits(limits=1):
            measured = run_calls({s: (lambda f=f, y=y: f(X, y, alpha)) for s, f in solvers.items()},
                                 args.repeats)
        batch_rows = solver_rows(meta, measured, X, y, alpha)
        score(batch_rows)
        rows += batch_rows
    k = Y.shape[1]
    meta = {key: rows[0][key] for key in ("scenario", "problem", "n", "p", "threads")}
    # TARGETS names the l1l2 ratio for 500 targets (--quick keeps 500 targets too).
    ratios = [ratio_record(meta, f"{s} {k} / 1 target", row_of(rows, s, n_targets=k),
                           row_of(rows, s, n_targets=1)) for s in solvers]
    print_rows(rows, f"batch, alpha={alpha:.4g}, max over targets")
    print_ratios(ratios)
    return rows + ratios


def run_sparse(args):
    records = []
    for problem in SCENARIOS["sparse"]["problems"]:
        X, y, alpha0 = sparse_ridge_problem(problem, args.quick)
        for factor in SPARSE_ALPHA_FACTORS:
            alpha = alpha0 * factor
            meta = scenario_meta("sparse", "ridge", X, 1, problem=problem, alpha=alpha,
                                 density=X.nnz / (X.shape[0] * X.shape[1]))
            with threadpool_limits(limits=1):
                measured = run_calls({s: (lambda f=f: f(X, y, alpha)) for s, f in SPARSE_SOLVERS.items()},
                                     args.repeats)
            objectives = {name: sparse_objective(X, y, *m["output"][:2], alpha)
                          for name, m in measured.items()}
            best = min(objectives.values())
            # Untimed: the coefficients' reference, scikit-learn's sparse_cg at a tolerance far
            # below the timed runs' (the objective cannot rank fits that agree to rounding).
            reference = sklearn_sparse_fit(X, y, alpha, "sparse_cg", SPARSE_REFERENCE_TOL)[0]
            rows = []
            for name, m in measured.items():
                coef, _, note = m["output"]
                rows.append(dict(meta, record="result", solver=name, time=m["time"], times=m["times"],
                                 other_load=m["other_load"], note=note,
                                 max_rel_diff=(objectives[name] - best) / abs(best),
                                 coef_rel_diff=float(np.max(np.abs(coef - reference))
                                                     / np.max(np.abs(reference)))))
            l1 = row_of(rows, "l1l2 auto")
            at = "alpha0" if factor == 1 else f"alpha0/{1 / factor:.0f}"
            ratios = [ratio_record(meta, f"{r['solver']} / l1l2 @{at}", r, l1) for r in rows
                      if r["solver"].startswith("sklearn")]
            print_sparse_rows(rows, f"alpha = {at} = {alpha:.4g} "
                                    f"(sklearn alpha={len(y) * alpha:.4g}), 1 thread")
            print_ratios(ratios)
            records += rows + ratios
    return records


RUNNERS = {"single": run_single, "path": run_path, "cv": run_cv, "batch": run_batch, "sparse": run_sparse}


# ---------------------------------------------------------------- reporting
def header(r, what):
    size = f"n={r['n']}, p={r['p']}" + (", 1 and " + f"{PROBLEMS['batch']['n_targets']} targets"
                                         if "n_targets" in r else "")
    return f"\n== {r['scenario']} / {r['problem']} ({size}, {what}, load {r['load']})"


def print_rows(rows, what):
    print(header(rows[0], what))
    print(f"{'solver':<13}{'threads':>8}{'targets':>8}{'median s':>11}{'runs':>5}{'rel obj diff':>14}"
          f"{'other load':>12}")
    for r in rows:
        print(f"{r['solver']:<13}{r['threads']:>8}{r.get('n_targets', 1):>8}{r['time']:>11.4f}"
              f"{len(r['times']):>5}{r['max_rel_diff']:>14.1e}{fmt(r['other_load'], '.2f'):>12}")


def print_sparse_rows(rows, what):
    r0 = rows[0]
    print(f"\n== sparse / {r0['problem']} (n={r0['n']}, p={r0['p']}, density {r0['density']:.2%}, "
          f"{what}, load {r0['load']})")
    print(f"{'solver':<26}{'median s':>10}{'runs':>5}{'rel obj diff':>14}{'coef diff':>11}"
          f"{'other load':>12}  route")
    for r in rows:
        print(f"{r['solver']:<26}{r['time']:>10.4f}{len(r['times']):>5}{r['max_rel_diff']:>14.1e}"
              f"{r['coef_rel_diff']:>11.1e}{fmt(r['other_load'], '.2f'):>12}  {r['note']}")


def print_cv(rows):
    print(header(rows[0], f"exact leave-one-out over {rows[0]['n_alphas']} alphas, threads pinned to 1"))
    print(f"{'solver':<13}{'median s':>11}{'runs':>5}{'alpha_min':>12}{'index':>7}{'same':>6}"
          f"{'refit diff':>12}{'curve diff':>12}{'other load':>12}")
    for r in rows:
        print(f"{r['solver']:<13}{r['time']:>11.4f}{len(r['times']):>5}{r['alpha_min']:>12.5g}"
              f"{r['alpha_index']:>7}{'yes' if r['same_alpha'] else 'NO':>6}"
              f"{fmt(r['refit_rel_diff'], '.1e'):>12}{r['curve_rel_diff']:>12.1e}"
              f"{fmt(r['other_load'], '.2f'):>12}")


def verdict(r):
    return "" if r["met"] is None else f"target {r['target']}: " + ("met" if r["met"] else "MISSED")


def print_ratios(ratios):
    for r in ratios:
        print(f"  {r['ratio_name']:<34}{r['threads']:>3} thr {fmt(r['value'], '.2f'):>8}   {verdict(r)}")


def print_summary(records):
    print(f"\n== summary (threads = BLAS/OpenMP threads; other load = cores kept busy by other "
          f"processes during the runs, timings with other load > 0.1 are suspect; relative "
          f"objective differences below ~{FLOAT_NOISE:.0e} are rounding)")
    print(f"{'scenario':<9}{'problem':<12}{'n x p':>13}{'thr':>4}  {'ratio':<44}{'value':>8}  "
          f"{'time num / den (s)':<22}{'target':<8}{'':<7}{'other load':>10}")
    for r in (r for r in records if r["record"] == "ratio"):
        times = f"{r['numerator']:.4f} / {r['denominator']:.4f}"
        met = "" if r["met"] is None else ("met" if r["met"] else "MISSED")
        print(f"{r['scenario']:<9}{r['problem']:<12}{r['n']:>7}x{r['p']:<5}{r['threads']:>4}  "
              f"{r['ratio_name']:<44}{fmt(r['value'], '.2f'):>8}  {times:<22}{r['target'] or '':<8}{met:<7}"
              f"{fmt(r['other_load'], '.2f'):>10}")
    for r in (r for r in records if r["record"] == "cv"):
        print(f"{'cv':<9}{r['problem']:<7}{r['n']:>7}x{r['p']:<5}{r['threads']:>4}  "
              f"{r['solver'] + ' alpha_min':<24}{r['alpha_min']:>8.4g}  (grid index {r['alpha_index']}, "
              f"same alpha: {'yes' if r['same_alpha'] else 'NO'})")
    worst = max((r for r in records if "max_rel_diff" in r), key=lambda r: r["max_rel_diff"], default=None)
    if worst:
        print(f"largest relative objective difference: {worst['max_rel_diff']:.1e} "
              f"({worst['scenario']} / {worst['problem']} / {worst['solver']}, {worst['threads']} thr)")


def main():
    args = parse_args()
    with threadpool_limits(limits=1):
        env = environment()   # records the one-thread pinning in its threadpool info
    print(f"{env['cpu']} ({env['cpu_count']} cpus), BLAS/OpenMP threads pinned with threadpoolctl "
          f"(1; single fits also 2), versions {env['versions']}, repeats={args.repeats} "
          f"({SLOW_REPEATS} for runs over {SLOW:g} s)")
    records = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in args.only:
            records += RUNNERS[name](args)
    print_summary(records)
    write_records(args.out, env, records)


if __name__ == "__main__":
    main()
