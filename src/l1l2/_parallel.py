"""Threads over independent problems (targets, folds); the kernels release the GIL."""
import os
import threading
from concurrent.futures import ThreadPoolExecutor
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
    """A context holding BLAS to one thread (if threadpoolctl is installed), safe to enter from
    several threads at once: BLAS stays at one thread until the last of them leaves."""
    return SHARED_BLAS_LIMIT


class SharedBlasLimit:
    """One process-wide BLAS limit shared by every thread inside it: the first to enter sets it,
    the last to leave restores the setting found by the first.

    The BLAS thread count is process-wide. Separate threadpoolctl limits, each saving the setting
    on entry and restoring it on exit, interleave when threads overlap: one saves the 1 another
    set and restores it after that one restored N, leaving BLAS stuck at one thread. Hence the
    count of threads inside, under a lock (held for some 30 us at the first entry and last exit).
    One ThreadpoolController, made on first use, serves every limit: threadpool_limits would scan
    the loaded libraries each time (2-3 ms of serial time).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._n_inside = 0
        self._limiter = None

    def __enter__(self):
        with self._lock:
            if self._n_inside == 0:
                controller = blas_controller()
                if controller is not None:
                    self._limiter = controller.limit(limits=1, user_api="blas")
                    release_blas_control()
            self._n_inside += 1
        return self

    def __exit__(self, *exc_info):
        with self._lock:
            self._n_inside -= 1
            if self._n_inside == 0 and self._limiter is not None:
                self._limiter.restore_original_limits()
                release_blas_control()
                self._limiter = None


def release_blas_control():
    """Hand back control of OpenBLAS's pool size: threadpoolctl >= 3.8 lets only one thread (the
    first to set it, while alive and until it hands back) change it, and the thread leaving the
    shared limit last need not be the one that entered it first."""
    try:
        from threadpoolctl import OpenBLASController
    except ImportError:
        return
    clear = getattr(OpenBLASController, "clear_controlling_thread", None)   # absent before 3.8
    if clear is not None:
        clear()


@cache
def blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


SHARED_BLAS_LIMIT = SharedBlasLimit()
