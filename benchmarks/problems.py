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


# ------------------------------------------------------------------ sparse X
# Sparse designs (CSC, float64 values, int32 indices) for run_sparse.py. "text" is a
# tf-idf-like document-term matrix, "onehot" a one-hot encoding of categorical
# variables (levels never observed are dropped, as an encoder fitted on the data does).
SPARSE_PROBLEMS = {
    "text": dict(kind="text", n=20_000, p=50_000, density=0.002, n_nonzero=80, snr=2.0, seed=30),
    "onehot": dict(kind="onehot", n=50_000, cardinalities=(5, 12, 50, 200, 500, 1000, 3000, 5000),
                   interactions=((1, 2),), noise_variables=(3, 6), effect_fraction=0.2, snr=2.0,
                   seed=31),
}
SPARSE_QUICK = {
    "text": dict(n=2_000, p=5_000, density=0.005, n_nonzero=30),
    "onehot": dict(n=5_000, cardinalities=(5, 12, 50, 200, 500), noise_variables=(3,)),
}
# Term frequencies are Zipf-like: column weight 1 / (rank + ZIPF_SHIFT) (a larger shift
# flattens the head, so the most frequent term is in ~15% of the documents, not all).
ZIPF_SHIFT = 100


def _csc_from_keys(keys, n, p, values):
    """CSC (n, p) from sorted unique keys col * n + row: the keys are column-major already."""
    import scipy.sparse

    cols = keys // n
    indptr = np.zeros(p + 1, dtype=np.int32)
    np.cumsum(np.bincount(cols, minlength=p), out=indptr[1:])
    return scipy.sparse.csc_matrix((values, (keys % n).astype(np.int32), indptr), shape=(n, p))


def text_design(rng, n, p, density):
    """Nonnegative tf-idf-like document-term matrix, about density * n * p non-zeros.

    Every term occurs at least once; further tokens fall on documents with lognormal
    lengths and on terms with Zipf-like frequencies (in a random column order); repeated
    (document, term) pairs are counts.
    Values are (1 + log count) * idf with idf = log((1 + n) / (1 + df)) + 1.
    """
    doc_weight = rng.lognormal(0.0, 0.5, n)
    doc_weight /= doc_weight.sum()
    term_weight = 1.0 / (rng.permutation(p) + ZIPF_SHIFT)
    term_weight /= term_weight.sum()
    # Every term once in a random document (a vectorizer keeps only terms that occur),
    # then tokens until there are enough distinct pairs (repeated pairs merge).
    target = int(round(density * n * p))
    keys = np.arange(p, dtype=np.int64) * n + rng.integers(0, n, p)
    counts = np.ones(p, dtype=np.int64)
    while len(keys) < target:
        k = target - len(keys)
        new = rng.choice(p, k, p=term_weight) * np.int64(n) + rng.choice(n, k, p=doc_weight)
        keys, inverse = np.unique(np.concatenate([keys, new]), return_inverse=True)
        counts = np.bincount(inverse, np.concatenate([counts, np.ones(k)])).astype(np.int64)
    df = np.bincount(keys // n, minlength=p)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    return _csc_from_keys(keys, n, p, (1.0 + np.log(counts)) * idf[keys // n])


def onehot_design(rng, n, cardinalities, interactions=()):
    """One-hot encoding of categorical variables with Zipf-like level frequencies.

    Returns the CSC matrix (exactly one 1 per row and variable, levels never observed
    dropped), the level codes (n, n_variables) and the first column of each variable.
    Interactions (a, b) are extra variables with c_a * c_b levels.
    """
    codes = []
    for c in cardinalities:
        freq = 1.0 / np.arange(1, c + 1) ** 0.8
        codes.append(rng.permutation(c)[rng.choice(c, n, p=freq / freq.sum())])
    sizes = list(cardinalities)
    for a, b in interactions:
        codes.append(codes[a] * cardinalities[b] + codes[b])
        sizes.append(cardinalities[a] * cardinalities[b])
    codes = np.column_stack(codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    cols = (codes + starts).T.ravel()                     # variable-major, rows ascending
    rows = np.tile(np.arange(n, dtype=np.int64), codes.shape[1])
    used, cols = np.unique(cols, return_inverse=True)     # drop unobserved levels
    keys = np.sort(cols * np.int64(n) + rows)
    X = _csc_from_keys(keys, n, len(used), np.ones(len(keys)))
    return X, codes, np.searchsorted(used, starts)


def onehot_target(rng, codes, noise_variables, effect_fraction, snr):
    """y = 3 + sum of level effects + noise: in every variable but noise_variables, a
    random effect_fraction of the levels has an N(0, 1) effect, the others none."""
    signal = np.zeros(len(codes))
    for v in range(codes.shape[1]):
        if v in noise_variables:
            continue
        levels = codes[:, v].max() + 1
        effect = rng.standard_normal(levels) * (rng.random(levels) < effect_fraction)
        signal += effect[codes[:, v]]
    noise_scale = np.std(signal) / snr
    return 3.0 + signal + noise_scale * rng.standard_normal(len(codes))


def alpha_max_sparse(X, y):
    """alpha_max of the Lasso with intercept, without centring X (which would densify it):
    (x_j - m_j)'(y - ybar) = x_j'(y - ybar), so max_j |x_j'(y - ybar)| / n."""
    return float(np.max(np.abs(X.T @ (y - y.mean())))) / len(y)


def get_sparse_problem(name, quick=False):
    """Return X (CSC), y and alpha_max of sparse problem ``name``, and a description."""
    spec = {**SPARSE_PROBLEMS[name], **(SPARSE_QUICK[name] if quick else {})}
    rng = np.random.default_rng(spec["seed"])
    if spec["kind"] == "text":
        X = text_design(rng, spec["n"], spec["p"], spec["density"])
        # The true support among terms in at least min_df documents: a term in two
        # documents carries no recoverable signal.
        min_df = max(10, spec["n"] // 1000)
        frequent = np.flatnonzero(np.diff(X.indptr) >= min_df)
        y = sparse_target(rng, X[:, frequent], spec["n_nonzero"], spec["snr"])
        about = (f"tf-idf-like counts, Zipf term frequencies, {spec['n_nonzero']} true non-zeros "
                 f"(terms in >= {min_df} documents), SNR {spec['snr']:g}")
    else:
        X, codes, _ = onehot_design(rng, spec["n"], spec["cardinalities"], spec.get("interactions", ()))
        y = onehot_target(rng, codes, spec["noise_variables"], spec["effect_fraction"], spec["snr"])
        about = (f"one-hot of {len(spec['cardinalities'])} variables (cardinalities "
                 f"{', '.join(map(str, spec['cardinalities']))}) + interactions "
                 f"{list(spec.get('interactions', ()))}, effects on {spec['effect_fraction']:.0%} of "
                 f"levels, noise variables {list(spec['noise_variables'])}, SNR {spec['snr']:g}")
    return X, y, alpha_max_sparse(X, y), about
