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

/* sum_i (x[i] - m) * s[i] * r[i], accumulated in double. */
L1L2_VECTOR static double l1l2_wdot_d(ptrdiff_t n, const double *restrict x, double m, const double *restrict s,
                                 const double *restrict r)
{
    double acc = 0;
    ptrdiff_t i;
    if (s == NULL) {
#pragma omp simd reduction(+ : acc)
        for (i = 0; i < n; i++) acc += (x[i] - m) * r[i];
    } else {
#pragma omp simd reduction(+ : acc)
        for (i = 0; i < n; i++) acc += (x[i] - m) * s[i] * r[i];
    }
    return acc;
}

/* The same in float32, accumulated in float (the coordinate update's precision). */
L1L2_VECTOR static float l1l2_wdot_f(ptrdiff_t n, const float *restrict x, float m, const float *restrict s,
                                const float *restrict r)
{
    float acc = 0;
    ptrdiff_t i;
    if (s == NULL) {
#pragma omp simd reduction(+ : acc)
        for (i = 0; i < n; i++) acc += (x[i] - m) * r[i];
    } else {
#pragma omp simd reduction(+ : acc)
        for (i = 0; i < n; i++) acc += (x[i] - m) * s[i] * r[i];
    }
    return acc;
}

/* float32 inputs accumulated in double: for the reductions that decide convergence. */
L1L2_VECTOR static double l1l2_wdot_f_acc(ptrdiff_t n, const float *restrict x, float m, const float *restrict s,
                                     const float *restrict r)
{
    double acc = 0;
    ptrdiff_t i;
    if (s == NULL) {
#pragma omp simd reduction(+ : acc)
        for (i = 0; i < n; i++) acc += ((double)x[i] - m) * r[i];
    } else {
#pragma omp simd reduction(+ : acc)
        for (i = 0; i < n; i++) acc += ((double)x[i] - m) * s[i] * r[i];
    }
    return acc;
}

/* r[i] -= delta * (x[i] - m): the residual shift of a centred column. */
L1L2_VECTOR static void l1l2_shift_centred_d(ptrdiff_t n, double delta, const double *restrict x, double m,
                                        double *restrict r)
{
    for (ptrdiff_t i = 0; i < n; i++) r[i] -= delta * (x[i] - m);
}

L1L2_VECTOR static void l1l2_shift_centred_f(ptrdiff_t n, float delta, const float *restrict x, float m,
                                        float *restrict r)
{
    for (ptrdiff_t i = 0; i < n; i++) r[i] -= delta * (x[i] - m);
}

#endif
