"""How fast long calls stop: Ctrl-C latency and max_seconds overshoot.

    python benchmarks/run_interrupt.py [--repeats 7] [--n 20000] [--p 1000]

Each long call runs on near-duplicate columns at tol=1e-15 with a huge max_iter, so it would run for
hours. Ctrl-C: a timer thread sends SIGINT at a varying point of the call; the latency is the time
from the signal to the KeyboardInterrupt in the caller. max_seconds: the call's wall time beyond
its limit. Medians and maxima over the repeats; the machine may be shared, so look at the medians.
"""
import argparse
import os
import signal
import statistics
import threading
import time
import warnings

import numpy as np
import scipy.sparse

import l1l2

ENDLESS = {"tol": 1e-15, "max_iter": 10**8}


def crawl(n, p, seed=0):
    """(X, y): columns in near-duplicate pairs (1e-6 apart), X Fortran-ordered."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p // 2))
    X = np.asfortranarray(np.hstack([Z, Z + 1e-6 * rng.standard_normal((n, p // 2))]))
    return X, Z @ rng.standard_normal(p // 2) + rng.standard_normal(n)


def long_calls(X, y):
    Xc = np.ascontiguousarray(X)
    Y = np.column_stack([y, -y, 2 * y, y + 1])
    lad_rows = slice(0, min(X.shape[0], 5000))
    sparse = scipy.sparse.csc_matrix(X[lad_rows])
    Y40 = np.column_stack([y[lad_rows] + k for k in range(40)])    # one LAD fit takes about 1 s
    return {
        "lasso, dense": lambda **k: l1l2.lasso(X, y, 1e-6, precompute=False, **ENDLESS, **k),
        "lasso, C-ordered X (copied)": lambda **k: l1l2.lasso(Xc, y, 1e-6, precompute=False,
                                                              **ENDLESS, **k),
        "lasso, covariance mode": lambda **k: l1l2.lasso(X, y, 1e-6, precompute=True, **ENDLESS,
                                                         **k),
        "lasso, sparse CSC": lambda **k: l1l2.lasso(sparse, y[lad_rows], 1e-6, **ENDLESS, **k),
        "enet_path": lambda **k: l1l2.enet_path(X, y, l1_ratio=0.9, precompute=False, **ENDLESS,
                                                **k),
        "lasso_cv, 2 threads": lambda **k: l1l2.lasso_cv(X, y, cv=3, threads=2, precompute=False,
                                                         **ENDLESS, **k),
        "fit_many, 4 targets, 2 threads": lambda **k: l1l2.fit_many(
            X, Y, "lasso", alpha=1e-6, threads=2, precompute=False, **ENDLESS, **k),
        "lad, 40 targets": lambda **k: l1l2.lad(X[lad_rows, :300], Y40, threads=1, max_iter=10**8,
                                                **k),
        "quantile_path": lambda **k: l1l2.quantile_path(X[lad_rows, :300], y[lad_rows], q=0.3,
                                                        max_iter=10**8, **k),
    }


def interrupt_latency(call, after):
    """Seconds from a SIGINT sent `after` seconds into call() to its KeyboardInterrupt."""
    sent = []

    def fire():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(after, fire)
    timer.start()
    try:
        call()
    except KeyboardInterrupt:
        return time.perf_counter() - sent[0]
    finally:
        timer.cancel()
    raise RuntimeError("the call finished before the signal")


def overshoot(call, max_seconds):
    started = time.perf_counter()
    call(max_seconds=max_seconds)
    return time.perf_counter() - started - max_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--p", type=int, default=1000)
    args = parser.parse_args()
    warnings.simplefilter("ignore", l1l2.ConvergenceWarning)
    X, y = crawl(args.n, args.p)
    print(f"X: {args.n} x {args.p} float64 ({X.nbytes / 2**20:.0f} MiB), {args.repeats} repeats\n")
    print(f"{'call':32s} {'Ctrl-C latency ms':>24s} {'max_seconds=0.5 overshoot ms':>30s}")
    print(f"{'':32s} {'median':>11s} {'max':>12s} {'median':>15s} {'max':>14s}")
    for name, call in long_calls(X, y).items():
        latencies = [interrupt_latency(call, 0.2 + 0.3 * k) for k in range(args.repeats)]
        overshoots = [overshoot(call, 0.5) for _ in range(args.repeats)]
        print(f"{name:32s} {1e3 * statistics.median(latencies):11.1f} {1e3 * max(latencies):12.1f}"
              f" {1e3 * statistics.median(overshoots):15.1f} {1e3 * max(overshoots):14.1f}")


if __name__ == "__main__":
    main()
