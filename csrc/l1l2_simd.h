/* Vector loops that BLAS lacks, written so the compiler vectorises them.
 *
 * `restrict` and `#pragma omp simd reduction` (honoured under -fopenmp-simd, no OpenMP runtime) are the
 * two things Cython cannot say; everything else lives in the .pxd files.
 * Weights `s` may be NULL, meaning unit weights. Columns are centred on the fly as (x[i] - m): that
 * subtraction, not a separate sum over the residual, keeps a column with a large mean accurate.
 */
#ifndef L1L2_SIMD_H
#define L1L2_SIMD_H

#include <stddef.h>

/* Wider vectors where the CPU has them: GCC compiles each loop twice (AVX2 and baseline) and picks at
 * load time, so the wheel still runs on any x86-64. Elsewhere the baseline build is the only one. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(L1L2_NO_CLONES)
#define L1L2_VECTOR __attribute__((target_clones("avx2", "default")))
#else
#define L1L2_VECTOR
#endif

/* ACC name(n, x, m, s, r) = sum_i (x[i] - m) * s[i] * r[i] over T arrays, accumulated in ACC. */
#define L1L2_WDOT(name, T, ACC)                                                                       \
    L1L2_VECTOR static ACC name(ptrdiff_t n, const T *restrict x, T m, const T *restrict s,          \
                                const T *restrict r)                                                  \
    {                                                                                                 \
        ACC acc = 0;                                                                                  \
        ptrdiff_t i;                                                                                  \
        if (s == NULL) {                                                                              \
            _Pragma("omp simd reduction(+ : acc)")                                                    \
            for (i = 0; i < n; i++) acc += ((ACC)x[i] - m) * r[i];                                    \
        } else {                                                                                      \
            _Pragma("omp simd reduction(+ : acc)")                                                    \
            for (i = 0; i < n; i++) acc += ((ACC)x[i] - m) * s[i] * r[i];                             \
        }                                                                                             \
        return acc;                                                                                   \
    }

L1L2_WDOT(l1l2_wdot_d, double, double)
L1L2_WDOT(l1l2_wdot_f, float, float)        /* the coordinate update's precision */
L1L2_WDOT(l1l2_wdot_f_acc, float, double)   /* float32 data, reductions that decide convergence */

/* name(n, delta, x, m, r): r[i] -= delta * (x[i] - m), the residual shift of a centred column. */
#define L1L2_SHIFT_CENTRED(name, T)                                                                   \
    L1L2_VECTOR static void name(ptrdiff_t n, T delta, const T *restrict x, T m, T *restrict r)       \
    {                                                                                                 \
        for (ptrdiff_t i = 0; i < n; i++) r[i] -= delta * (x[i] - m);                                 \
    }

L1L2_SHIFT_CENTRED(l1l2_shift_centred_d, double)
L1L2_SHIFT_CENTRED(l1l2_shift_centred_f, float)

#endif
