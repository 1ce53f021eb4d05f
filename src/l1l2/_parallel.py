"""Threads over independent problems (targets, folds); the kernels release the GIL."""
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from functools import cache


def n_workers(threads, n_tasks):
    """threads: -1 for all cores, else a count; never more workers than tasks."""
    return max(1, min(n_tasks, CORES if threads == -1 else threads))


CORES = os.cpu_count() or 1     # (os.cpu_count costs 10 us, which paths of many targets felt)


def parallel_map(function, items, threads, budget=None):
    """[function(item) for item in items], in up to `threads` threads, in order.

    While several threads run, BLAS is held to one thread each (if threadpoolctl is installed), so
    the cores are not oversubscribed; the results do not depend on the number of threads.
    budget: the call's _limits.Budget. Ctrl-C reaches the main thread, which waits here: it halts
    the budget, so the kernels in the workers stop within a poll, and the pool is left only after
    they have (no thread goes on writing into arrays the caller is about to drop or reuse).
    """
    items = list(items)
    workers = n_workers(threads, len(items))
    if workers == 1:
        return [function(item) for item in items]
    with single_threaded_blas(), ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            if budget is not None:
                budget.halt()
            for future in futures:
                future.cancel()
            raise


def single_threaded_blas():
    """A context holding BLAS to one thread (if threadpoolctl is installed).

    One ThreadpoolController, made on first use, serves every call: a limit then costs some 30 us,
    where threadpool_limits scans the loaded libraries each time (2-3 ms of serial time).
    """
    controller = blas_controller()
    return nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


@cache
def blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()
