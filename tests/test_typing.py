"""The package is typed (py.typed, annotated public API, .pyi stubs of the compiled kernels):
``mypy --strict`` passes on a small user script of the public API."""
import os
import subprocess
import sys
import textwrap

import mypy  # noqa: F401  (the [test] extra; imported so that its absence fails loudly)
import pytest

import l1l2

pytestmark = pytest.mark.slow

USER_SCRIPT = '''
import numpy as np
from numpy.typing import NDArray

import l1l2
from l1l2 import CVResult, FitResult, PathResult

rng = np.random.default_rng(0)
X: NDArray[np.float64] = rng.standard_normal((50, 5))
y: NDArray[np.float64] = X[:, 0] - 2.0 * X[:, 1] + 0.1 * rng.standard_normal(50)

fit: FitResult = l1l2.lasso(X, y, alpha=0.05, fit_intercept=True, tol=1e-8)
coef: np.ndarray = fit.coef
converged: bool | np.ndarray = fit.converged
gap: float | np.ndarray | None = fit.dual_gap
y_hat: np.ndarray = fit.predict(X)
active = fit.active
summary: str = repr(fit)

enet: FitResult = l1l2.elastic_net(X, y, 0.05, l1_ratio=0.5, precompute=False)
ridge: FitResult = l1l2.ridge(X, y, 1.0, solver="cholesky")
lad: FitResult = l1l2.lad(X, y, alpha=0.01)
q90: FitResult = l1l2.quantile(X, y, q=0.9, sample_weight=np.ones(50))

path: PathResult = l1l2.lasso_path(X, y, n_alphas=10, verbose=False)
alphas: np.ndarray = path.alphas
n_alphas: int = len(path)
first: FitResult = path[0]
path_predictions: np.ndarray = path.predict(X)
ridge_path: PathResult = l1l2.ridge_path(X, y, n_alphas=5)
lad_path: PathResult = l1l2.lad_path(X, y, n_alphas=5)
quantile_path: PathResult = l1l2.quantile_path(X, y, 0.25, n_alphas=5)
enet_path: PathResult = l1l2.enet_path(X, y, 0.5, n_alphas=5)

cv: CVResult = l1l2.lasso_cv(X, y, cv=3, n_alphas=10, random_state=1, threads=1)
alpha_min: float = cv.alpha_min
alpha_1se: float = cv.alpha_1se
best: FitResult = cv.best
cv_mean: np.ndarray = cv.cv_mean
folds = [(np.arange(25), np.arange(25, 50)), (np.arange(25, 50), np.arange(25))]
enet_cv: CVResult = l1l2.enet_cv(X, y, l1_ratio=0.5, cv=folds, n_alphas=5)
ridge_cv: CVResult = l1l2.ridge_cv(X, y, cv="gcv")
version: str = l1l2.__version__


def intercept(result: FitResult) -> float:
    return float(np.asarray(result.intercept).ravel()[0])


print(intercept(fit), alpha_min <= cv.alphas[0])
'''

BAD_SCRIPT = '''
import l1l2

l1l2.lasso([[1.0]], [1.0], alpha="big")
'''


def run_mypy(tmp_path, source):
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent(source))
    # run outside the source tree, on the installed package; no cache left behind in the repository
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
               "--cache-dir", os.devnull, "--hide-error-context", str(script)]
    try:
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"mypy timed out:\n{error.stdout}\n{error.stderr}")


def test_package_is_marked_typed():
    package = os.path.dirname(l1l2.__file__)
    for name in ("py.typed", os.path.join("_kernels", "_cd.pyi"), os.path.join("_kernels", "_irls.pyi")):
        assert os.path.exists(os.path.join(package, name)), name


def test_mypy_strict_passes_on_a_user_script(tmp_path):
    done = run_mypy(tmp_path, USER_SCRIPT)
    assert done.returncode == 0, f"mypy --strict failed:\n{done.stdout}\n{done.stderr}"


def test_mypy_catches_a_wrong_argument_type(tmp_path):
    """The annotations are seen: a str alpha is an error, not Any."""
    done = run_mypy(tmp_path, BAD_SCRIPT)
    assert done.returncode == 1, f"{done.stdout}\n{done.stderr}"
    assert 'Argument "alpha" to "lasso" has incompatible type "str"' in done.stdout, done.stdout


def test_kernel_stubs_match_the_compiled_modules(tmp_path):
    """mypy's stubtest: every name and signature of _cd.pyi and _irls.pyi is the compiled one's
    (embedsignature gives the runtime signatures), Cython's own module internals aside."""
    allowlist = tmp_path / "allowlist.txt"
    allowlist.write_text("l1l2\\._kernels\\._(cd|irls)\\.__(pyx_capi|test)__\n")
    command = [sys.executable, "-m", "mypy.stubtest", "--allowlist", str(allowlist),
               "l1l2._kernels._cd", "l1l2._kernels._irls"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"stubtest failed:\n{done.stdout}\n{done.stderr}"
