"""Benchmark l1l2 regularisation paths, multi-target fits and cross-validation.

    python benchmarks/run_paths.py [--quick] [--only SCENARIO ...] [--repeats 5] [--out paths.jsonl]

Scenarios: Lasso and elastic-net paths on tall problems, timed next to one
X.T @ X as a yardstick, and a Lasso path on a wide problem (BLAS/OpenMP pinned
to one thread); a 500-target Lasso and a 5-fold LassoCV (threads allowed).
Path and batch solvers climb a tolerance ladder until their worst relative
suboptimality over the path (or the targets) is <= 1e-8, judged by one NumPy
objective against the best any run reached; that tolerance is then timed. The
single-fit benchmark is run.py.
"""
import argparse
import json
import os
import sys
import warnings
from functools import partial
from pathlib import Path
from time import perf_counter

import numpy as np
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adapters import CV_SOLVERS, PATH_SOLVERS, SOLVERS, available, objective  # noqa: E402
from problems import alpha_grid, alpha_max, correlated_design, get_problem, sparse_target  # noqa: E402
from run import FLOAT_NOISE, MODELS, REFERENCE_TOL, TARGET, environment, fmt, ratio  # noqa: E402

# Tolerances (their meanings differ between solvers). Each solver's search starts
# at LADDER_START and walks to the loosest one whose max relative suboptimality
# over the path is <= TARGET: starting mid-ladder saves minutes of slow runs.
LADDER = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12)
LADDER_START = 1e-4
# Solvers also run once at REFERENCE_TOL, so the best objective is a tight one
# (per scenario: scikit-learn without a Gram matrix takes minutes on "wide").
REFERENCES = ("l1l2", "sklearn")
# Runs slower than SLOW seconds are repeated only SLOW_REPEATS times; runs slower
# than VERY_SLOW (scikit-learn on "wide": 150 s) only once, the ladder run itself.
SLOW, SLOW_REPEATS, VERY_SLOW = 5.0, 3, 60.0
# l1l2's tall path should cost little more than forming the Gram matrix once.
GRAM_TARGET = 1.15
# A solver above this on the small convention check optimises another objective.
CHECK_LIMIT = 1e-6

SCENARIOS = {
    "tall_corr": dict(kind="path", problem="tall_corr", models=("lasso", "enet"), ratio=1000, gram=True),
    "very_tall": dict(kind="path", problem="very_tall", models=("lasso", "enet"), ratio=1000, gram=True),
    # glum takes ~80 s and 1.9 GB per path here (p = 20000), so it is skipped (see README).
    "wide": dict(kind="path", problem="wide", models=("lasso",), ratio=100, gram=False, skip=("glum",),
                 references=("l1l2", "celer")),
    "batch": dict(kind="batch", problem="batch", fraction=0.1, solvers=("l1l2", "sklearn-gram"),
                  references=("l1l2", "sklearn-gram")),
    # Every solver gets the same splits: KFold(5, shuffle=True, random_state=0).
    "cv": dict(kind="cv", problem="tall_corr", ratio=1000, folds=5, seed=0),
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small problems (smoke test, < 1 min)")
    ap.add_argument("--repeats", type=int, help="timed runs per setting, median reported "
                    f"(default 5, 3 with --quick; at most {SLOW_REPEATS} for runs over {SLOW:g} s, "
                    f"1 over {VERY_SLOW:g} s)")
    ap.add_argument("--out", default="paths.jsonl", help="JSON-lines output file")
    ap.add_argument("--only", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS),
                    metavar="SCENARIO", help=f"run only these of {', '.join(SCENARIOS)}")
    args = ap.parse_args()
    args.repeats = args.repeats or (3 if args.quick else 5)
    return args


# ---------------------------------------------------------------- measuring
def slim(rec, tol):
    """What is scored and reported of one run: per-fit objectives, not coefficients."""
    coef = np.atleast_2d(rec["coef"])
    return dict(solver=rec["solver"], tol=tol, time=rec["time"], n_iter=rec["n_iter"],
                objective=np.atleast_1d(rec["objective"]),
                nnz=int(np.count_nonzero(coef, axis=1).max()))


def max_subopt(obj, best):
    """Worst relative suboptimality over the fits of a path or batch."""
    return float(np.max(np.maximum(obj - best, 0.0) / np.abs(best)))


def reached(subopt):
    return subopt <= max(TARGET, FLOAT_NOISE)


def n_repeats(first_time, repeats):
    if first_time > VERY_SLOW:
        return 1
    return repeats if first_time <= SLOW else min(repeats, SLOW_REPEATS)


def repeat_runs(calls, firsts, repeats):
    """Extend each solver's first run to its repeats. Rounds interleave the solvers
    so that a transient load spreads over all of them (as in run.py)."""
    runs = {name: [first] for name, first in firsts.items()}
    for i in range(1, repeats):
        for name, call in calls.items():
            if i < n_repeats(firsts[name]["time"], repeats):
                runs[name].append(call())
    return runs


def climb(run_at, best):
    """Runs along LADDER from LADDER_START: looser while TARGET is still reached, else
    tighter until it is. Returns all runs and the chosen one: the loosest that
    reached TARGET, or the tightest tried if none did."""
    runs = []

    def reaches(i):
        runs.append(run_at(LADDER[i]))
        obj = runs[-1]["objective"]
        return reached(max_subopt(obj, np.minimum(best, obj)))

    chosen = start = LADDER.index(LADDER_START)
    if reaches(start):
        for i in range(start - 1, -1, -1):
            if not reaches(i):
                break
            chosen = i
    else:
        chosen = len(LADDER) - 1
        for i in range(start + 1, len(LADDER)):
            if reaches(i):
                chosen = i
                break
    return runs, next(r for r in runs if r["tol"] == LADDER[chosen])


def summarise(name, runs):
    last = runs[-1]
    return dict(solver=name, tol=last["tol"], time=float(np.median([r["time"] for r in runs])),
                times=[r["time"] for r in runs], max_subopt=max(r["max_subopt"] for r in runs),
                reached=reached(last["max_subopt"]), upper_bound=last["tol"] == LADDER[0],
                n_iter=last["n_iter"], nnz=last["nnz"])


def measure(fits, X, y, alpha, l1_ratio, repeats, references):
    """Reference runs, each solver's tolerance ladder, then repeats at the chosen tolerance.

    Works for paths (alpha an array, one objective per alpha) and batches (y 2-D,
    one objective per target) alike. Returns result rows, ladder runs, references.
    """
    def run_at(name, tol):
        return slim(fits[name](X, y, alpha, l1_ratio, tol), tol)

    refs = [run_at(name, REFERENCE_TOL) for name in fits if name in references]
    best = np.min([r["objective"] for r in refs], axis=0)
    ladders, chosen = {}, {}
    for name in fits:
        ladders[name], chosen[name] = climb(partial(run_at, name), best)
        best = np.min([best] + [r["objective"] for r in ladders[name]], axis=0)
    runs = repeat_runs({name: partial(run_at, name, chosen[name]["tol"]) for name in fits},
                       chosen, repeats)
    ladder_runs = [r for ladder in ladders.values() for r in ladder]
    everything = refs + ladder_runs + [r for rs in runs.values() for r in rs]
    best = np.min([r["objective"] for r in everything], axis=0)
    for r in everything:
        r["max_subopt"] = max_subopt(r["objective"], best)
    return [summarise(name, runs[name]) for name in fits], ladder_runs, refs


def add_ratios(rows):
    """Time ratio solver / l1l2 (at each solver's own TARGET-reaching tolerance)."""
    base = next((r["time"] for r in rows if r["solver"] == "l1l2"), None)
    for r in rows:
        r["ratio"] = ratio(r["time"], base)


def gram_yardstick(X, repeats):
    """Median time of one X.T @ X (NumPy/BLAS) on the benchmark's X."""
    times = []
    for _ in range(repeats):
        start = perf_counter()
        X.T @ X
        times.append(perf_counter() - start)
    return float(np.median(times)), times


def check_conventions(fits):
    """Every path solver at tight tolerance on a small problem must reach the best
    objective: catches a solver whose alpha or l1_ratio means something else (glum's
    is converted by the identity, this verifies it). Also warms up numba (skglm)."""
    rng = np.random.default_rng(0)
    X = correlated_design(rng, 300, 40, 0.5)
    y = sparse_target(rng, X, 5, 3.0)
    out = []
    for model, l1_ratio in MODELS.items():
        alphas = alpha_grid(alpha_max(X, y, l1_ratio), 1000, n_alphas=20)
        runs = [slim(fit(X, y, alphas, l1_ratio, LADDER[-1]), LADDER[-1]) for fit in fits.values()]
        best = np.min([r["objective"] for r in runs], axis=0)
        out += [dict(record="check", model=model, solver=r["solver"],
                     max_subopt=max_subopt(r["objective"], best)) for r in runs]
    print(f"convention check (small problem, tol {LADDER[-1]:.0e}), max rel subopt: "
          + ", ".join(f"{r['model']}/{r['solver']} {r['max_subopt']:.0e}"
                      + (" MISMATCH" if r["max_subopt"] > CHECK_LIMIT else "") for r in out))
    return out


# ---------------------------------------------------------------- scenarios
def scenario_meta(name, model, X, threads, **extra):
    """Fields shared by a scenario's records. load is the 1-minute load average at
    the start: timings on a machine that is busy with other work are noisy."""
    return dict(scenario=name, model=model, n=X.shape[0], p=X.shape[1], threads=threads,
                load=round(os.getloadavg()[0], 2), **extra)


def measured_records(meta, rows, ladder, refs):
    add_ratios(rows)
    return ([dict(meta, record="result", **r) for r in rows]
            + [dict(meta, record="ladder", **r) for r in ladder]
            + [dict(meta, record="reference", **r) for r in refs])


def run_path(name, spec, fits, args):
    fits = {s: f for s, f in fits.items() if s not in spec.get("skip", ())}
    records = []
    for model in spec["models"]:
        l1_ratio = MODELS[model]
        # Fresh data per model, so no solver can leak state (e.g. in-place centring).
        X, y, amax = get_problem(spec["problem"], args.quick, l1_ratio)
        alphas = alpha_grid(amax, spec["ratio"])
        meta = scenario_meta(name, model, X, threads=1, l1_ratio=l1_ratio, n_alphas=len(alphas),
                             alpha_min_ratio=1 / spec["ratio"])
        with threadpool_limits(limits=1):
            rows, ladder, refs = measure(fits, X, y, alphas, l1_ratio, args.repeats,
                                         spec.get("references", REFERENCES))
            gram = gram_yardstick(X, args.repeats) if spec["gram"] else None
        records += measured_records(meta, rows, ladder, refs)
        if gram:
            l1l2_time = next((r["time"] for r in rows if r["solver"] == "l1l2"), None)
            records.append(dict(meta, record="gram", time=gram[0], times=gram[1],
                                l1l2_time=l1l2_time, ratio=ratio(l1l2_time, gram[0])))
        print_scenario(records_of(records, name, model))
    return records


def run_batch(name, spec, fits, args):
    X, Y, amax = get_problem(spec["problem"], args.quick)
    alpha = spec["fraction"] * amax
    meta = scenario_meta(name, "lasso", X, threads=None, n_targets=Y.shape[1], alpha=alpha)
    # Threads not pinned: l1l2 spreads the targets over the cores.
    records = measured_records(meta, *measure(fits, X, Y, alpha, 1.0, args.repeats, spec["references"]))
    print_scenario(records)
    return records


def reference_objective(X, y, alpha):
    """Best Lasso objective of tight single fits (run.py's adapters)."""
    return min(SOLVERS[s](X, y, alpha, 1.0, REFERENCE_TOL)["objective"] for s in ("l1l2", "sklearn-gram"))


def first_run(solver, call):
    """The first run, or None with a message if the solver fails (e.g. celer 0.7.4's
    LassoCV passes n_alphas, which scikit-learn >= 1.9 no longer accepts)."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - any failure skips the solver
        print(f"{solver}: skipped, it failed with {type(exc).__name__}: {exc}")
        return None


def cv_row(X, y, alphas, runs, l1l2_curve):
    """Median time, the selection, the refit's accuracy and the CV curve vs l1l2's."""
    last = runs[-1]
    own = objective(X, y, last["coef"], last["intercept"], last["alpha_min"], 1.0)
    best = min(own, reference_objective(X, y, last["alpha_min"]))
    return dict(solver=last["solver"], time=float(np.median([r["time"] for r in runs])),
                times=[r["time"] for r in runs], alpha_min=last["alpha_min"],
                alpha_index=int(np.argmin(np.abs(alphas - last["alpha_min"]))),
                nnz=int(np.count_nonzero(last["coef"])), refit_subopt=max(own - best, 0.0) / abs(best),
                # Largest relative difference of the mean held-out MSE per alpha.
                curve_diff=None if l1l2_curve is None
                else float(np.max(np.abs(last["cv_mean"] / l1l2_curve - 1))))


def run_cv(name, spec, fits, args):
    X, y, amax = get_problem(spec["problem"], args.quick)
    alphas = alpha_grid(amax, spec["ratio"])
    meta = scenario_meta(name, "lasso", X, threads=None, n_alphas=len(alphas),
                         alpha_min_ratio=1 / spec["ratio"], folds=spec["folds"])
    splits = list(KFold(spec["folds"], shuffle=True, random_state=spec["seed"]).split(X))
    calls = {s: partial(cv, X, y, alphas, splits) for s, cv in fits.items()}
    # Threads not pinned; each solver at its default tolerance, as a user would run it.
    firsts = {s: first_run(s, call) for s, call in calls.items()}
    firsts = {s: first for s, first in firsts.items() if first is not None}
    runs = repeat_runs({s: calls[s] for s in firsts}, firsts, args.repeats)
    l1l2_curve = runs["l1l2"][-1]["cv_mean"] if "l1l2" in runs else None
    rows = [dict(meta, record="cv", **cv_row(X, y, alphas, rs, l1l2_curve)) for rs in runs.values()]
    add_ratios(rows)
    print_scenario(rows)
    return rows


RUNNERS = {"path": (run_path, PATH_SOLVERS), "batch": (run_batch, None), "cv": (run_cv, CV_SOLVERS)}


# ---------------------------------------------------------------- reporting
def records_of(records, scenario, model):
    return [r for r in records if r["scenario"] == scenario and r["model"] == model]


def subopt_cell(r):
    return f"{r['max_subopt']:.1e}" + ("" if r["reached"] else "!")


def time_cell(r):
    return ("<=" if r["upper_bound"] else "") + f"{r['time']:.3f}"


def print_scenario(records):
    r0 = records[0]
    size = f"n={r0['n']}, p={r0['p']}" + (f", {r0['n_targets']} targets" if "n_targets" in r0 else "")
    grid = (f"{r0['n_alphas']} alphas to alpha_max*{r0['alpha_min_ratio']:g}" if "n_alphas" in r0
            else f"alpha={r0['alpha']:.4g}")
    threads = "threads pinned to 1" if r0["threads"] == 1 else "threads not pinned"
    print(f"\n== {r0['scenario']} / {r0['model']} ({size}, {grid}, {threads}, load {r0['load']})")
    if r0["record"] == "cv":
        print(f"{'solver':<14}{'median s':>10}{'runs':>5}{'x l1l2':>8}{'alpha_min':>12}{'index':>7}"
              f"{'nnz':>6}{'refit subopt':>14}{'curve vs l1l2':>15}")
        for r in records:
            print(f"{r['solver']:<14}{r['time']:>10.3f}{len(r['times']):>5}{fmt(r['ratio'], '.2f'):>8}"
                  f"{r['alpha_min']:>12.4g}{r['alpha_index']:>7}{r['nnz']:>6}{r['refit_subopt']:>14.1e}"
                  f"{fmt(r['curve_diff'], '.1e'):>15}")
        return
    print(f"{'solver':<14}{'tol':>8}{'median s':>11}{'runs':>5}{'x l1l2':>8}{'max subopt':>12}"
          f"{'n_iter':>9}{'nnz':>6}")
    for r in (r for r in records if r["record"] == "result"):
        print(f"{r['solver']:<14}{r['tol']:>8.0e}{time_cell(r):>11}{len(r['times']):>5}"
              f"{fmt(r['ratio'], '.2f'):>8}{subopt_cell(r):>12}{r['n_iter']:>9}{r['nnz']:>6}")
    for r in (r for r in records if r["record"] == "reference"):
        print(f"reference {r['solver']} tol={r['tol']:.0e}: {r['time']:.3f} s, max subopt {r['max_subopt']:.1e}")
    for solver in dict.fromkeys(r["solver"] for r in records if r["record"] == "ladder"):
        steps = [f"{r['tol']:.0e} {r['time']:.3f}s {r['max_subopt']:.0e}" for r in sorted(
            (r for r in records if r["record"] == "ladder" and r["solver"] == solver),
            key=lambda r: -r["tol"])]
        print(f"ladder {solver}: " + " | ".join(steps))
    for r in (r for r in records if r["record"] == "gram"):
        print(f"yardstick X.T @ X: {r['time']:.3f} s; l1l2 path / gram = {fmt(r['ratio'], '.2f')} "
              f"(target <= {GRAM_TARGET})")


def print_summary(records):
    print(f"\n== summary: median time at each solver's loosest tolerance reaching max relative "
          f"suboptimality <= {TARGET:.0e} (! = never reached; <= = reached at the loosest tol); "
          f"x l1l2 = solver / l1l2")
    print(f"{'scenario':<11}{'model':<7}{'solver':<14}{'tol':>8}{'median s':>11}{'x l1l2':>8}{'max subopt':>12}")
    for r in (r for r in records if r["record"] == "result"):
        print(f"{r['scenario']:<11}{r['model']:<7}{r['solver']:<14}{r['tol']:>8.0e}{time_cell(r):>11}"
              f"{fmt(r['ratio'], '.2f'):>8}{subopt_cell(r):>12}")
    for r in (r for r in records if r["record"] == "gram"):
        print(f"{r['scenario']:<11}{r['model']:<7}l1l2 / X.T@X  {fmt(r['ratio'], '.2f')} "
              f"({fmt(r['l1l2_time'], '.3f')} s / {r['time']:.3f} s, target <= {GRAM_TARGET})")
    for r in (r for r in records if r["record"] == "cv"):
        print(f"{r['scenario']:<11}{r['model']:<7}{r['solver']:<14}{'default':>8}{r['time']:>11.3f}"
              f"{fmt(r['ratio'], '.2f'):>8}   alpha_min {r['alpha_min']:.4g} (grid index {r['alpha_index']})")
    print("single fit at alpha_max/50 on tall_corr: see python benchmarks/run.py")


def jsonable(rec):
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in rec.items()
            if k != "objective"}


def write_records(path, env, records):
    """The environment record, then one JSON line per measurement."""
    with open(path, "w") as fh:
        for rec in [env] + records:
            fh.write(json.dumps(jsonable(rec)) + "\n")
    print(f"\nwrote {path}")


def main():
    args = parse_args()
    env = environment(extra_dists=("glum",))
    print(f"{env['cpu']} ({env['cpu_count']} cpus), versions {env['versions']}, repeats={args.repeats}")
    records = []
    with warnings.catch_warnings():
        # Convergence is judged from the recomputed objective, not from warnings.
        warnings.simplefilter("ignore")
        for name in args.only:
            spec = SCENARIOS[name]
            run, table = RUNNERS[spec["kind"]]
            fits, missing = available(table) if table else ({s: SOLVERS[s] for s in spec["solvers"]}, [])
            if missing:
                print(f"{name}: skipping (package or API not importable): {', '.join(missing)}")
            if spec["kind"] == "path" and not any(r["record"] == "check" for r in records):
                records += check_conventions(fits)
            records += run(name, spec, fits, args)
    print_summary(records)
    write_records(args.out, env, records)


if __name__ == "__main__":
    main()
