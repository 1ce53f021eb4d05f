"""Named, seeded regression problems for the l1l2 benchmarks.

Every problem is fully determined by its name (and ``quick``), so timings from
different machines or commits are comparable.
"""
import numpy as np

# The benchmark solves at alpha_max / ALPHA_RATIO: far enough from alpha_max that
# the solution has a sizeable support, close enough that it stays sparse.
ALPHA_RATIO = 50

PROBLEMS = {
    "tall_corr": dict(n=10_000, p=1_000, rho=0.5, n_nonzero=50, snr=3.0, seed=0),
    "very_tall": dict(n=200_000, p=100, rho=0.5, n_nonzero=20, snr=3.0, seed=1),
    "wide": dict(n=500, p=20_000, rho=0.5, n_nonzero=50, snr=3.0, seed=2),
    # n_targets columns in y, each with its own sparse signal and noise.
    "batch": dict(n=2_000, p=200, rho=0.5, n_nonzero=10, snr=3.0, seed=3, n_targets=500),
}
# --quick shrinks every problem so the smoke run finishes in well under a minute.
QUICK = {
    "tall_corr": dict(n=2_000, p=200, n_nonzero=20),
    "very_tall": dict(n=20_000, p=50, n_nonzero=10),
    "wide": dict(n=200, p=2_000, n_nonzero=20),
    "batch": dict(n=500, p=50, n_targets=50),
}


def correlated_design(rng, n, p, rho):
    """Gaussian X (F-ordered) with Toeplitz covariance rho**|i-j|.

    An AR(1) recursion across columns gives exactly that covariance in O(np),
    instead of factorising a p x p covariance matrix.
    """
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    innovation_scale = np.sqrt(1.0 - rho**2)  # keeps every column at unit variance
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + innovation_scale * rng.standard_normal(n)
    return X


def alpha_max(X, y, l1_ratio=1.0):
    """Smallest alpha giving an all-zero solution (with an unpenalised intercept)."""
    Xty = (X - X.mean(axis=0)).T @ (y - y.mean())
    return np.max(np.abs(Xty)) / (len(y) * l1_ratio)


def alpha_grid(amax, ratio, n_alphas=100):
    """n_alphas alphas log-spaced from amax down to amax / ratio (decreasing)."""
    return np.geomspace(amax, amax / ratio, n_alphas)


def sparse_target(rng, X, n_nonzero, snr):
    """y = offset + X w + noise, with w supported on n_nonzero random features."""
    n, p = X.shape
    w = np.zeros(p)
    support = rng.choice(p, n_nonzero, replace=False)
    w[support] = rng.choice([-1.0, 1.0], n_nonzero) * rng.uniform(0.5, 2.0, n_nonzero)
    signal = X @ w
    noise_scale = np.std(signal) / snr
    # A non-zero offset so that intercept handling is actually exercised.
    return 3.0 + signal + noise_scale * rng.standard_normal(n)


def get_problem(name, quick=False, l1_ratio=1.0):
    """Return X, y and alpha_max of problem ``name`` (for the given l1_ratio).

    Problems with ``n_targets`` return y of shape (n, n_targets) and the
    alpha_max of its first column.
    """
    spec = {**PROBLEMS[name], **(QUICK[name] if quick else {})}
    rng = np.random.default_rng(spec["seed"])
    X = correlated_design(rng, spec["n"], spec["p"], spec["rho"])
    targets = [sparse_target(rng, X, spec["n_nonzero"], spec["snr"])
               for _ in range(spec.get("n_targets", 1))]
    y = np.column_stack(targets) if "n_targets" in spec else targets[0]
    return X, y, alpha_max(X, targets[0], l1_ratio)
