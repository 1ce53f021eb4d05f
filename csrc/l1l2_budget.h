/* The clock and the stop flag behind a kernel's budget (_kernels/_budget.pxd).
 *
 * The flag is written by another thread (the one that caught Ctrl-C): an atomic load makes the
 * compiler read it afresh at every poll instead of hoisting it out of a loop. */
#ifndef L1L2_BUDGET_H
#define L1L2_BUDGET_H

#include <time.h>

/* Seconds on the monotonic clock (time.monotonic on Linux). */
static inline double l1l2_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline int l1l2_flag_is_set(const int *flag)
{
    return __atomic_load_n(flag, __ATOMIC_RELAXED);
}

static inline void l1l2_set_flag(int *flag)
{
    __atomic_store_n(flag, 1, __ATOMIC_RELAXED);
}

#endif
