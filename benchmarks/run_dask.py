"""Benchmark l1l2.dask: its overhead against the in-memory fit, and a tall data set kept on disk.

    python benchmarks/run_dask.py overhead [--n 2000000] [--repeats 3] [--out dask.jsonl]
    python benchmarks/run_dask.py out-of-core [--dir /tmp/l1l2-tall] [--n 100000000] [--keep]

overhead: the same problem (Gaussian X, n x 20 float64, y = X w + noise with 5% gross outliers)
fitted in memory (l1l2.lasso_path, l1l2.ridge, l1l2.lad; BLAS on all cores) and through l1l2.dask on
a LocalCluster of 2 worker processes x 1 thread with X persisted on the cluster (the data both can
hold). Medians of several runs; the ratio dask / in-memory is the overhead (target <= 1.5), next to
the largest coefficient difference.

out-of-core: n x 20 float32 (default 10^8 rows: 8 GB) written as .npy files of 10^6 rows, then read
lazily by dask (np.load per file, in the task that needs it): the lasso path and LAD each run in a
fresh process on dask's threaded scheduler (2 threads), which reports its wall time, time per row
and peak RSS (getrusage: the whole job, workers included; target <= 2 GB). The files are deleted
afterwards unless --keep.
"""
import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROWS_PER_FILE = 1_000_000
P = 20
SEED = 0


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    over = sub.add_parser("overhead")
    over.add_argument("--n", type=int, default=2_000_000)
    over.add_argument("--repeats", type=int, default=3)
    over.add_argument("--out", default="dask.jsonl")
    over.add_argument("--models", default="lasso_path,lasso,ridge,lad")
    tall = sub.add_parser("out-of-core")
    tall.add_argument("--dir", default="/tmp/l1l2-tall")
    tall.add_argument("--n", type=int, default=100_000_000)
    tall.add_argument("--keep", action="store_true", help="keep the files for another run")
    tall.add_argument("--out", default="dask-tall.jsonl")
    one = sub.add_parser("fit-on-disk", help="(internal) one fit of the files, in this process")
    one.add_argument("model", choices=("lasso_path", "lad"))
    one.add_argument("--dir", required=True)
    return ap.parse_args()


def true_coef():
    return np.linspace(-2.0, 2.0, P) * (np.arange(P) % 3 != 0)


def make_rows(rng, n, dtype):
    """X (n, P) and y: y = 1 + X w + N(0, 1) noise, and 50 N(0, 1) added to 5% of the rows."""
    X = rng.standard_normal((n, P), dtype=np.float32 if dtype == np.float32 else np.float64)
    y = 1.0 + X @ true_coef().astype(X.dtype) + rng.standard_normal(n).astype(X.dtype)
    outliers = rng.random(n) < 0.05
    y[outliers] += 50 * rng.standard_normal(int(outliers.sum())).astype(X.dtype)
    return X, y


def timed_median(call, repeats):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


# ------------------------------------------------------------------------------------ overhead

def overhead(args):
    import dask.array as da
    from distributed import Client, LocalCluster

    import l1l2
    import l1l2.dask

    X, y = make_rows(np.random.default_rng(SEED), args.n, np.float64)
    fits = {
        "lasso_path": (lambda lib, X, y, **kw: lib.lasso_path(X, y, **kw), lambda f: f.coefs),
        "lasso": (lambda lib, X, y, **kw: lib.lasso(X, y, 0.01, **kw), lambda f: f.coef),
        "ridge": (lambda lib, X, y, **kw: lib.ridge(X, y, 0.01, **kw), lambda f: f.coef),
        "lad": (lambda lib, X, y, **kw: lib.lad(X, y, **kw), lambda f: f.coef),
    }
    records = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        Xd = client.persist(da.from_array(X, chunks=(args.n // 8, P)))
        yd = client.persist(da.from_array(y, chunks=args.n // 8))
        for name in args.models.split(","):
            fit, coef = fits[name]
            fit(l1l2.dask, Xd, yd, client=client)                 # warm-up: imports on the workers
            t_mem, in_memory = timed_median(lambda: fit(l1l2, X, y), args.repeats)
            t_dask, distributed = timed_median(lambda: fit(l1l2.dask, Xd, yd, client=client),
                                               args.repeats)
            rec = dict(benchmark="overhead", model=name, n=args.n, p=P, in_memory=t_mem, dask=t_dask,
                       ratio=t_dask / t_mem,
                       coef_diff=float(np.max(np.abs(coef(distributed) - coef(in_memory)))))
            records.append(rec)
            print(f"{name:<11} n={args.n} in-memory {t_mem:8.3f} s  dask {t_dask:8.3f} s  "
                  f"ratio {rec['ratio']:5.2f}  max |coef diff| {rec['coef_diff']:.1e}", flush=True)
    write(args.out, records)


# --------------------------------------------------------------------------------- out of core

def write_files(directory, n):
    """The data set as .npy files of ROWS_PER_FILE rows (X_00000.npy, y_00000.npy, ...)."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = directory / f"complete-{n}"
    if stamp.exists():
        return
    start = time.perf_counter()
    for k, first in enumerate(range(0, n, ROWS_PER_FILE)):
        X, y = make_rows(np.random.default_rng([SEED, k]), min(ROWS_PER_FILE, n - first), np.float32)
        np.save(directory / f"X_{k:05d}.npy", X)
        np.save(directory / f"y_{k:05d}.npy", y)
    stamp.touch()
    print(f"wrote {n} x {P} float32 to {directory} in {time.perf_counter() - start:.0f} s", flush=True)


def lazy_arrays(directory):
    """X and y as dask arrays of the files, each read (np.load) only by the task that needs it."""
    import dask
    import dask.array as da

    blocks_X, blocks_y = [], []
    for path in sorted(directory.glob("X_*.npy")):
        rows = np.load(path, mmap_mode="r").shape[0]           # reads the header only
        load = dask.delayed(np.load, pure=True)
        blocks_X.append(da.from_delayed(load(path), (rows, P), np.float32))
        blocks_y.append(da.from_delayed(load(path.with_name("y" + path.name[1:])), (rows,),
                                        np.float32))
    return da.concatenate(blocks_X), da.concatenate(blocks_y)


def fit_on_disk(args):
    """One fit of the files in this process (threaded scheduler); prints a JSON record."""
    import dask

    import l1l2.dask

    X, y = lazy_arrays(Path(args.dir))
    start = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=2):
        fit = (l1l2.dask.lasso_path(X, y, n_alphas=100) if args.model == "lasso_path"
               else l1l2.dask.lad(X, y))
    seconds = time.perf_counter() - start
    coef = fit.coefs[-1] if args.model == "lasso_path" else fit.coef
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(dict(benchmark="out-of-core", model=args.model, n=int(X.shape[0]), p=P,
                          seconds=seconds, seconds_per_row=seconds / X.shape[0], peak_rss=peak,
                          converged=bool(np.all(fit.converged)),
                          coef_error=float(np.max(np.abs(coef - true_coef()))))))


def out_of_core(args):
    directory = Path(args.dir)
    write_files(directory, args.n)
    records = []
    for model in ("lasso_path", "lad"):
        done = subprocess.run([sys.executable, __file__, "fit-on-disk", model, "--dir", args.dir],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            raise SystemExit(f"{model} failed")
        rec = json.loads(done.stdout.strip().splitlines()[-1])
        records.append(rec)
        print(f"{model:<11} n={rec['n']} {rec['seconds']:8.1f} s = {rec['seconds_per_row'] * 1e9:6.1f} "
              f"ns/row, peak RSS {rec['peak_rss'] / 2**30:.2f} GiB, converged {rec['converged']}, "
              f"max |coef - true| {rec['coef_error']:.1e}", flush=True)
    if not args.keep:
        shutil.rmtree(directory)
    write(args.out, records)


def write(path, records):
    with open(path, "w") as fh:
        for rec in records:
            fh.write(json.dumps(rec) + "\n")
    print(f"wrote {path}")


def main():
    args = parse_args()
    {"overhead": overhead, "out-of-core": out_of_core, "fit-on-disk": fit_on_disk}[args.command](args)


if __name__ == "__main__":
    main()
