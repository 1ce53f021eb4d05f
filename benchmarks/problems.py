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
}
# --quick shrinks every problem so the smoke run finishes in well under a minute.
QUICK = {
    "tall_corr": dict(n=2_000, p=200, n_nonzero=20),
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


def get_problem(name, quick=False, l1_ratio=1.0):
    """Return X, y and alpha_max of problem ``name`` (for the given l1_ratio)."""
    spec = {**PROBLEMS[name], **(QUICK[name] if quick else {})}
    rng = np.random.default_rng(spec["seed"])
    n, p = spec["n"], spec["p"]
    X = correlated_design(rng, n, p, spec["rho"])
    w = np.zeros(p)
    support = rng.choice(p, spec["n_nonzero"], replace=False)
    w[support] = rng.choice([-1.0, 1.0], spec["n_nonzero"]) * rng.uniform(0.5, 2.0, spec["n_nonzero"])
    signal = X @ w
    noise_scale = np.std(signal) / spec["snr"]
    # A non-zero offset so that intercept handling is actually exercised.
    y = 3.0 + signal + noise_scale * rng.standard_normal(n)
    return X, y, alpha_max(X, y, l1_ratio)
