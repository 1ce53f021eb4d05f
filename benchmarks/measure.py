"""What the benchmark scripts measure besides objectives: wall time with the CPU other processes
took meanwhile, and peak traced memory."""
import os
import tracemalloc
from time import perf_counter, process_time


def busy_cpu_seconds():
    """CPU seconds the whole machine has been busy (all cores, /proc/stat), or None."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]          # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def timed(call):
    """(wall seconds, output, CPU seconds other processes used meanwhile or None).

    Another process busy during a run slows it (2 cores: a two-thread run loses half its
    cores), so every run records the others' CPU use: machine-wide busy time from
    /proc/stat minus this process's own CPU time (10 ms resolution)."""
    busy, own, start = busy_cpu_seconds(), process_time(), perf_counter()
    out = call()
    wall, own = perf_counter() - start, process_time() - own
    busy = None if busy is None else busy_cpu_seconds() - busy
    return wall, out, None if busy is None else max(busy - own, 0.0)


def traced_peak(call):
    """Peak bytes allocated through Python's allocators (NumPy arrays included) during call(), by
    tracemalloc; misses C malloc (and numba) allocations."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
