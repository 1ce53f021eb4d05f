"""Benchmark l1l2's Lasso on sparse (CSC) X against scikit-learn, celer and skglm.

    python benchmarks/run_sparse.py [--quick] [--repeats 3] [--problems text,onehot]
        [--solvers l1l2,sklearn,celer,skglm] [--tasks fit,path] [--out sparse.jsonl]

Problems (problems.SPARSE_PROBLEMS, seeded): "text", a nonnegative tf-idf-like
document-term matrix (n=20000, p=50000, density 0.2%), and "onehot", eight one-hot
encoded categorical variables and one interaction (n=50000, p~10000). Tasks, with an
intercept: one Lasso fit at alpha_max/20 and a 30-alpha path from alpha_max to
alpha_max/100. Every solver climbs a tolerance ladder to its loosest tolerance whose
worst relative suboptimality (one NumPy objective against the best any run reached,
per alpha) is <= 1e-8; that tolerance is timed. Peak extra memory of each call is
reported as a multiple of the storage of X (data + indices + indptr). A solver that
fails is reported as "failed: <error>" and the run goes on.
"""
import os

# One thread for BLAS, OpenMP and numba, set before NumPy loads them; threadpool_limits
# below pins the BLAS again and records it in the environment record.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import ctypes  # noqa: E402
import ctypes.util  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from time import perf_counter  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adapters import SPARSE_CALLS, objective, sparse_call  # noqa: E402
from measure import timed, traced_peak  # noqa: E402
from problems import (SPARSE_PROBLEMS, alpha_grid, alpha_max_sparse, get_sparse_problem,  # noqa: E402
                      sparse_target, text_design)
from run import REFERENCE_TOL, TARGET, environment, fmt, ratio  # noqa: E402
from run_paths import (LADDER, LADDER_START, climb, max_subopt, n_repeats, reached,  # noqa: E402
                       scenario_meta, write_records)

# The single fit is at alpha_max / FIT_RATIO; the path has N_ALPHAS alphas log-spaced from
# alpha_max down to alpha_max / PATH_RATIO (every solver gets the same array).
FIT_RATIO, PATH_RATIO, N_ALPHAS = 20, 100, 30
TASKS = ("fit", "path")
ANCHORS = ("sklearn", "celer", "celer-warm", "skglm")
DEFAULT_SOLVERS = ("l1l2", "sklearn", "celer", "skglm")
# Run once more at REFERENCE_TOL, so that the best objective is a tight one (scikit-learn's
# sparse path takes ~1 min per run at full size, skglm's a few seconds).
REFERENCES = ("l1l2", "skglm")
# The targets: fastest anchor / l1l2 time at <= TARGET suboptimality, per task, and
# l1l2's peak extra memory of a single fit over the storage of X.
SPEED_TARGETS = {"fit": 2.0, "path": 1.5}
MEMORY_TARGET = 0.5
# On the small convention check (tol REFERENCE_TOL) every solver must be this close to the best.
CHECK_LIMIT = 1e-6


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small problems (smoke test, < 1 min)")
    ap.add_argument("--repeats", "--repeat", type=int, default=3,
                    help="timed runs per solver and task, median reported (default 3; at most 1 for "
                         "runs over a minute)")
    ap.add_argument("--problems", default=",".join(SPARSE_PROBLEMS),
                    help=f"comma-separated subset of {','.join(SPARSE_PROBLEMS)}")
    ap.add_argument("--solvers", default=",".join(DEFAULT_SOLVERS),
                    help=f"comma-separated subset of {','.join(SPARSE_CALLS['path'])} "
                         f"(celer-warm: celer's warm-started Lasso, paths only)")
    ap.add_argument("--tasks", default=",".join(TASKS), help="comma-separated subset of fit,path")
    ap.add_argument("--out", default="sparse.jsonl", help="JSON-lines output file")
    args = ap.parse_args()
    for name, allowed in (("problems", SPARSE_PROBLEMS), ("solvers", SPARSE_CALLS["path"]),
                          ("tasks", TASKS)):
        chosen = [s.strip() for s in getattr(args, name).split(",") if s.strip()]
        unknown = [s for s in chosen if s not in allowed]
        if unknown:
            ap.error(f"unknown {name} {', '.join(unknown)}; choose from {', '.join(allowed)}")
        setattr(args, name, chosen)
    return args


# ---------------------------------------------------------------- measuring
def run_once(task, solver, X, y, alpha, tol):
    """One timed public call, scored by adapters.objective (one objective per alpha).

    other_cpu: CPU seconds other processes used meanwhile (machine-wide busy time minus
    this process's), so a run slowed by other work on the machine can be spotted.
    """
    elapsed, (coef, intercept, n_iter, converged), other_cpu = timed(
        sparse_call(task, solver, X, y, alpha, tol))
    coef = np.asarray(coef, dtype=float)
    obj = objective(X, y, coef, np.asarray(intercept, dtype=float), alpha, 1.0)
    return dict(solver=solver, tol=tol, time=elapsed, n_iter=n_iter, converged=converged,
                objective=np.atleast_1d(obj), nnz=int(np.count_nonzero(np.atleast_2d(coef), axis=1).max()),
                other_cpu=other_cpu)


def error_text(exc):
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text if len(text) <= 160 else text[:157] + "..."


def _proc_status_kib(field):
    with open("/proc/self/status") as fh:
        return int(re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.M).group(1))


def _malloc_trim():
    """Return the C heap's free pages to the OS (glibc), so that memory a call allocates
    shows up as new resident pages instead of reusing pages freed earlier."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass


def rss_peak(call):
    """Peak resident-set growth in bytes during call() (Linux: VmHWM reset through
    /proc/self/clear_refs), or None where that is not available. Counts every allocation
    (C, numba, NumPy), but only pages actually touched."""
    _malloc_trim()
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")   # resets the peak (VmHWM) to the current RSS
        before = _proc_status_kib("VmRSS")
    except (OSError, AttributeError):
        return None
    call()
    return (_proc_status_kib("VmHWM") - before) * 1024


def x_storage(X):
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


def measure(task, solvers, X, y, alpha, repeats):
    """References, each solver's ladder, repeats at its chosen tolerance, then memory.

    Returns result rows (one per solver, failed ones included), ladder runs and references.
    """
    failed = {}

    def run_at(name, tol):
        return run_once(task, name, X, y, alpha, tol)

    # Without any reference, a ladder would judge each run against itself; so if every
    # REFERENCES solver fails, the other solvers are tried until one gives a reference.
    refs = []
    for name in [s for s in REFERENCES if s in solvers] + [s for s in solvers if s not in REFERENCES]:
        if refs and name not in REFERENCES:
            break
        try:
            refs.append(run_at(name, REFERENCE_TOL))
        except Exception as exc:  # noqa: BLE001 - a failing solver is reported, not fatal
            if name in REFERENCES:
                failed[name] = error_text(exc)
    n_fits = 1 if np.ndim(alpha) == 0 else len(alpha)
    best = np.min([r["objective"] for r in refs], axis=0) if refs else np.full(n_fits, np.inf)
    ladders, runs = {}, {}
    for name in (s for s in solvers if s not in failed):
        tried = []

        def logged(tol, name=name, tried=tried):
            tried.append(run_at(name, tol))
            return tried[-1]
        try:
            _, chosen = climb(logged, best)
            runs[name] = [chosen]
        except Exception as exc:  # noqa: BLE001
            failed[name] = error_text(exc)
        ladders[name] = tried
        if tried:
            best = np.min([best] + [r["objective"] for r in tried], axis=0)
    # Repeats interleave the solvers, so a transient load spreads over all of them.
    for i in range(1, repeats):
        for name in list(runs):
            if i < n_repeats(runs[name][0]["time"], repeats):
                try:
                    runs[name].append(run_at(name, runs[name][0]["tol"]))
                except Exception as exc:  # noqa: BLE001
                    failed[name] = error_text(exc)
                    del runs[name]
    memory = {}
    for name, rs in runs.items():
        # Untimed extra calls: the resident-set peak first (tracemalloc's own records would
        # count in it), then the traced peak.
        try:
            make = lambda: sparse_call(task, name, X, y, alpha, rs[0]["tol"])  # noqa: E731
            memory[name] = dict(rss_peak=rss_peak(make()), traced_peak=traced_peak(make()))
        except Exception as exc:  # noqa: BLE001
            memory[name] = dict(memory_error=error_text(exc))
    everything = refs + [r for rs in ladders.values() for r in rs] + [r for rs in runs.values() for r in rs]
    best = np.min([r["objective"] for r in everything], axis=0) if everything else best
    for r in everything:
        r["max_subopt"] = max_subopt(r["objective"], best)
    rows = []
    for name in solvers:
        if name in runs:
            rows.append(summarise(name, runs[name], memory[name], x_storage(X)))
        else:
            rows.append(dict(solver=name, failed=failed.get(name, "no run")))
    return rows, [r for rs in ladders.values() for r in rs], refs


def summarise(name, runs, memory, storage):
    first = runs[0]
    times, others = [r["time"] for r in runs], [r["other_cpu"] for r in runs]
    row = dict(solver=name, tol=first["tol"], time=float(np.median(times)), times=times,
               max_subopt=max(r["max_subopt"] for r in runs), reached=reached(first["max_subopt"]),
               upper_bound=first["tol"] == LADDER[0], n_iter=first["n_iter"], nnz=first["nnz"],
               converged=first["converged"],
               other_load=None if None in others else sum(others) / sum(times), **memory)
    for key in ("rss_peak", "traced_peak"):
        if row.get(key) is not None:
            row[key.replace("peak", "over_X")] = row[key] / storage
    return row


def add_ratios(rows):
    """x l1l2 = solver time / l1l2 time, each at its own TARGET-reaching tolerance."""
    base = next((r for r in rows if r["solver"] == "l1l2" and "failed" not in r), None)
    for r in rows:
        if "failed" not in r:
            r["ratio"] = ratio(r["time"], base and base["time"])


def targets(meta, task, rows):
    """The issue's targets for this problem and task: speed against the fastest anchor that
    reached TARGET, accuracy of every path point, and (fits) memory against X."""
    base = next((r for r in rows if r["solver"] == "l1l2" and "failed" not in r), None)
    anchors = [r for r in rows if r["solver"] in ANCHORS and "failed" not in r and r["reached"]]
    fastest = min(anchors, key=lambda r: r["time"], default=None)
    speed = ratio(fastest and fastest["time"], base and base["reached"] and base["time"])
    out = [dict(meta, record="target", what=f"fastest anchor ({fastest['solver'] if fastest else 'none'}) "
                f"/ l1l2 time", value=speed, bound=f">= {SPEED_TARGETS[task]:g}",
                met=None if speed is None else speed >= SPEED_TARGETS[task])]
    subopt = base and base["max_subopt"]
    every = " (every alpha)" if task == "path" else ""
    out.append(dict(meta, record="target", what=f"l1l2 max rel subopt{every}", value=subopt,
                    bound=f"<= {TARGET:.0e}", met=None if subopt is None else reached(subopt)))
    if task == "fit":
        for key, label in (("traced_over_X", "traced"), ("rss_over_X", "RSS")):
            value = base and base.get(key)
            out.append(dict(meta, record="target", what=f"l1l2 peak extra memory ({label}) / X storage",
                            value=value, bound=f"<= {MEMORY_TARGET:g}",
                            met=None if value is None else value <= MEMORY_TARGET))
    return out


def check_conventions(solvers):
    """Every solver at REFERENCE_TOL on a small sparse problem (a fit and a 10-alpha path)
    must reach the best objective: catches a wrong intercept or alpha convention on sparse
    input. Also warms up every solver (numba compilation in skglm)."""
    rng = np.random.default_rng(0)
    X = text_design(rng, 300, 600, 0.02)
    y = sparse_target(rng, X, 10, 2.0)
    amax = alpha_max_sparse(X, y)
    records = []
    for task, alpha in (("fit", amax / FIT_RATIO), ("path", alpha_grid(amax, PATH_RATIO, 10))):
        runs, failed = {}, {}
        for name in (s for s in solvers if s in SPARSE_CALLS[task]):
            try:
                runs[name] = run_once(task, name, X, y, alpha, REFERENCE_TOL)
            except Exception as exc:  # noqa: BLE001
                failed[name] = error_text(exc)
        best = np.min([r["objective"] for r in runs.values()], axis=0) if runs else None
        for name in (s for s in solvers if s in SPARSE_CALLS[task]):
            rec = dict(record="check", task=task, solver=name)
            if name in runs:
                rec["max_subopt"] = max_subopt(runs[name]["objective"], best)
                rec["mismatch"] = rec["max_subopt"] > CHECK_LIMIT
            else:
                rec["failed"] = failed[name]
            records.append(rec)
    print(f"convention check (n=300, p=600 text-like, tol {REFERENCE_TOL:.0e}), max rel subopt: "
          + ", ".join(f"{r['task']}/{r['solver']} "
                      + (f"failed: {r['failed']}" if "failed" in r else
                         f"{r['max_subopt']:.0e}" + (" MISMATCH" if r["mismatch"] else ""))
                      for r in records))
    return records


# ---------------------------------------------------------------- scenarios
def run_problem(name, args):
    start = perf_counter()
    X, y, amax, about = get_sparse_problem(name, args.quick)
    print(f"\n# {name}: n={X.shape[0]}, p={X.shape[1]}, nnz={X.nnz} (density {X.nnz / np.prod(X.shape):.3%}), "
          f"X storage {x_storage(X) / 2**20:.1f} MiB, alpha_max={amax:.4g}; {about} "
          f"(generated in {perf_counter() - start:.1f} s)")
    records = []
    for task in args.tasks:
        solvers = [s for s in args.solvers if s in SPARSE_CALLS[task]]
        alpha = amax / FIT_RATIO if task == "fit" else alpha_grid(amax, PATH_RATIO, N_ALPHAS)
        meta = scenario_meta(name, "lasso", X, threads=1, task=task, nnz=int(X.nnz), x_storage=x_storage(X),
                             alpha_max=amax, about=about,
                             **(dict(alpha=float(alpha)) if task == "fit" else
                                dict(n_alphas=N_ALPHAS, alpha_min_ratio=1 / PATH_RATIO)))
        rows, ladder, refs = measure(task, solvers, X, y, alpha, args.repeats)
        add_ratios(rows)
        task_records = ([dict(meta, record="result", **r) for r in rows]
                        + [dict(meta, record="ladder", **r) for r in ladder]
                        + [dict(meta, record="reference", **r) for r in refs]
                        + targets(meta, task, rows))
        print_task(task_records)
        records += task_records
    return records


# ---------------------------------------------------------------- reporting
def subopt_cell(r):
    return f"{r['max_subopt']:.1e}" + ("" if r["reached"] else "!")


def time_cell(r):
    return ("<=" if r["upper_bound"] else "") + f"{r['time']:.3f}"


def memory_cell(r, key):
    if "memory_error" in r:
        return "failed"
    return fmt(r.get(key), ".2f")


def target_cell(t):
    value = fmt(t["value"], ".2f" if "time" in t["what"] or "memory" in t["what"] else ".1e")
    status = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
    return value, status


def print_task(records):
    r0 = records[0]
    grid = (f"alpha = alpha_max/{FIT_RATIO} = {r0['alpha']:.4g}" if r0["task"] == "fit"
            else f"{r0['n_alphas']} alphas to alpha_max*{r0['alpha_min_ratio']:g}")
    print(f"\n== {r0['scenario']} / {r0['task']} (n={r0['n']}, p={r0['p']}, {grid}, intercept, "
          f"threads pinned to 1, load {r0['load']})")
    print(f"{'solver':<11}{'tol':>8}{'median s':>11}{'runs':>5}{'x l1l2':>8}{'max subopt':>12}{'n_iter':>8}"
          f"{'nnz':>6}{'other load':>11}{'traced/X':>10}{'RSS/X':>8}")
    for r in (r for r in records if r["record"] == "result"):
        if "failed" in r:
            print(f"{r['solver']:<11}failed: {r['failed']}")
            continue
        print(f"{r['solver']:<11}{r['tol']:>8.0e}{time_cell(r):>11}{len(r['times']):>5}{fmt(r['ratio'], '.2f'):>8}"
              f"{subopt_cell(r):>12}{r['n_iter']:>8}{r['nnz']:>6}{fmt(r['other_load'], '.2f'):>11}"
              f"{memory_cell(r, 'traced_over_X'):>10}{memory_cell(r, 'rss_over_X'):>8}")
        if "memory_error" in r:
            print(f"{'':<11}memory run failed: {r['memory_error']}")
    for r in (r for r in records if r["record"] == "reference"):
        print(f"reference {r['solver']} tol={r['tol']:.0e}: {r['time']:.3f} s, max subopt {r['max_subopt']:.1e}")
    for solver in dict.fromkeys(r["solver"] for r in records if r["record"] == "ladder"):
        steps = [f"{r['tol']:.0e} {r['time']:.3f}s {r['max_subopt']:.0e}" for r in sorted(
            (r for r in records if r["record"] == "ladder" and r["solver"] == solver), key=lambda r: -r["tol"])]
        print(f"ladder {solver}: " + " | ".join(steps))
    for t in (r for r in records if r["record"] == "target"):
        value, status = target_cell(t)
        print(f"target: {t['what']} = {value} ({t['bound']}): {status}")


def print_summary(records):
    """The results and targets as markdown tables."""
    print(f"\n## Summary: median time at each solver's loosest tolerance reaching max relative "
          f"suboptimality <= {TARGET:.0e} (`!` never reached, `<=` reached at the loosest tol); "
          f"x l1l2 = solver / l1l2; memory = peak extra over X storage (data + indices + indptr)\n")
    print("| problem | task | solver | tol | median s | runs | x l1l2 | max rel subopt | traced / X | RSS / X |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in (r for r in records if r["record"] == "result"):
        head = f"| {r['scenario']} | {r['task']} | {r['solver']} |"
        if "failed" in r:
            print(f"{head} failed: {r['failed'].replace('|', '/')} | | | | | | |")
            continue
        print(f"{head} {r['tol']:.0e} | {time_cell(r)} | {len(r['times'])} | {fmt(r['ratio'], '.2f')} | "
              f"{subopt_cell(r)} | {memory_cell(r, 'traced_over_X')} | {memory_cell(r, 'rss_over_X')} |")
    print("\n| problem | task | target | value | bound | status |")
    print("|---|---|---|---:|---|---|")
    for t in (r for r in records if r["record"] == "target"):
        value, status = target_cell(t)
        print(f"| {t['scenario']} | {t['task']} | {t['what']} | {value} | {t['bound']} | {status} |")


def main():
    args = parse_args()
    with threadpool_limits(limits=1):
        env = environment()   # records the one-thread pinning
    print(f"{env['cpu']} ({env['cpu_count']} cpus), threads pinned to 1, versions {env['versions']}, "
          f"repeats={args.repeats}, ladder from tol {LADDER_START:.0e} over {LADDER[0]:.0e}..{LADDER[-1]:.0e}")
    records = []
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # Convergence is judged from the recomputed objective, not from warnings.
        warnings.simplefilter("ignore")
        records += check_conventions(args.solvers)
        for name in args.problems:
            records += run_problem(name, args)
    print_summary(records)
    write_records(args.out, env, records)


if __name__ == "__main__":
    main()
