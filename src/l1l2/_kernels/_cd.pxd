# The CD kernel, for the package and for other Cython extensions (cimport these; every function
# runs without the GIL, never raises and never allocates Python objects).
#
# Downstream build: the include path needs only the directory above the installed l1l2 package (for
# this .pxd file); at run time l1l2._kernels._cd is imported to fetch the functions. (The body
# itself, cd_body over every layout, stays inside _cd.pyx: its layouts inline C from csrc/.)
#
#   from l1l2._kernels._cd cimport enet_dense, CONVERGED
#   with nogil:
#       status = enet_dense(n, p, &X[0, 0], &y[0], &w[0], &r[0], alpha, 1.0, False, 1000, 1e-10,
#                           &n_iter, &gap)
cpdef enum Status:
    CONVERGED = 0
    MAX_ITER = 1
    OUT_OF_TIME = 2      # max_seconds ran out (never returned by enet_dense)


# The elastic net on dense float64 X, one target, no intercept, unit weights:
#
#   minimise over w   1/(2n) sum_i (y_i - x_i . w)^2 + alpha (l1_ratio |w|_1 + (1 - l1_ratio)/2 |w|_2^2)
#
# subject to w >= 0 if positive; alpha > 0, 0 <= l1_ratio <= 1, n >= 1, p >= 1.
# X (n, p) Fortran-ordered (X[i, j] = X[i + j n]) and y (n,) are read only. In place: w (p,) enters as
# the warm start (zeros for a cold one) and leaves as the solution; r (n,) (any content on entry)
# leaves as its residual y - X w. Stops once the duality gap is at most tol, which is absolute (scale
# it by sum_i y_i^2 / n for a relative one), or after max_iter sweeps. n_iter[0] gets the sweeps,
# gap[0] the duality gap of w, an upper bound on its suboptimality. Returns CONVERGED, MAX_ITER, or
# -1 when its O(p) scratch cannot be allocated (then w, r, n_iter and gap are untouched).
cdef int enet_dense(Py_ssize_t n, Py_ssize_t p, const double* X, const double* y, double* w,
                    double* r, double alpha, double l1_ratio, bint positive, int max_iter, double tol,
                    int* n_iter, double* gap) noexcept nogil
