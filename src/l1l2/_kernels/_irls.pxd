# The LAD / quantile start, for other Cython extensions (cimport it; it runs without the GIL, never
# raises and never allocates Python objects). Nothing here cimports another .pxd: a downstream build
# needs only the directory above the installed l1l2 package on its include path.
#
#   from l1l2._kernels._irls cimport quantile_start_dense
#   with nogil:
#       steps = quantile_start_dense(n, p, &X[0, 0], &y[0], 0.5, 0.0, True, True, &beta[0], 100,
#                                    1e-9, 0.0)


# Moves beta towards the minimiser of the penalised quantile (check) loss, X dense float64:
#
#   minimise over beta   1/n sum_i rho_q(y_i - x_i . w - b) + alpha |w|_1,
#   rho_q(u) = q u (u >= 0), (q - 1) u (u < 0);   q = 0.5 gives half the LAD objective,
#
# beta = (w, b) (p + 1,), or w alone (p,) without fit_intercept; 0 < q < 1, alpha >= 0, n >= 1,
# p + fit_intercept >= 1.
# X (n, p) Fortran-ordered (X[i, j] = X[i + j n]) and y (n,) are read only; beta is updated in place
# from where it is (zeros for a cold start). interior: Mehrotra's predictor-corrector on the LP's dual
# (Frisch-Newton), stopping at a complementarity gap of tol times the objective (1e-9 puts the
# objective within about that of the optimum; stall unused). Else IRLS, whose smoothing starts at the
# mean absolute residual and shrinks tenfold per step down to tol times it, stopping there once a
# step changes the objective by at most stall (relative): a close start, not the LP's vertex, which
# l1l2.quantile then reaches by simplex pivots (not exported). At most max_iter steps either way.
# Unpenalised columns that earlier ones (nearly) span come out as 0. Returns the steps taken, or -1
# when its O(n + p^2) scratch cannot be allocated (beta untouched).
cdef int quantile_start_dense(Py_ssize_t n, Py_ssize_t p, const double* X, const double* y,
                              double q, double alpha, bint fit_intercept, bint interior,
                              double* beta, int max_iter, double tol, double stall) noexcept nogil
