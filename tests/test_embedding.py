"""The kernels' .pxd files ship with the package: another Cython extension cimports them and calls
the CD and IRLS kernels without the GIL.

Two tiny downstream extensions (one per kernel) are cythonized and compiled in temporary directories
against the *installed* package (its .pxd files, found next to l1l2/__init__.py), imported, and
checked against the public API. _cd.pxd inlines the layout primitives of _layout.pxd, which include
l1l2_simd.h: that header must be installed too; _irls.pxd needs nothing else.
"""
import importlib.util
import os
import subprocess
import sys
import textwrap

import Cython  # noqa: F401  (the [test] extra; imported so that its absence fails loudly)
import numpy as np
import pytest

import l1l2

pytestmark = pytest.mark.slow

CD_SOURCE = '''
# cython: language_level=3
import numpy as np
from l1l2._kernels._cd cimport CONVERGED, enet_dense


def lasso(double[::1, :] X, double[::1] y, double alpha, double tol):
    """(coef, residual, status, n_iter, gap, converged) of enet_dense, run in a nogil block."""
    cdef Py_ssize_t n = X.shape[0], p = X.shape[1]
    w = np.zeros(p)
    r = np.empty(n)
    cdef double[::1] w_view = w, r_view = r
    cdef int status, n_iter = 0
    cdef double gap = -1.0
    with nogil:
        status = enet_dense(n, p, &X[0, 0], &y[0], &w_view[0], &r_view[0], alpha, 1.0, False,
                            10000, tol, &n_iter, &gap)
    return w, r, status, n_iter, gap, status == CONVERGED
'''

IRLS_SOURCE = '''
# cython: language_level=3
import numpy as np
from l1l2._kernels._irls cimport quantile_start_dense


def lad(double[::1, :] X, double[::1] y):
    """(beta, steps) of the interior point start of LAD with an intercept, in a nogil block."""
    cdef Py_ssize_t n = X.shape[0], p = X.shape[1]
    beta = np.zeros(p + 1)
    cdef double[::1] beta_view = beta
    cdef int steps
    with nogil:
        steps = quantile_start_dense(n, p, &X[0, 0], &y[0], 0.5, 0.0, True, True, &beta_view[0],
                                     100, 1e-12, 0.0)
    return beta, steps
'''

SETUP = '''
import sys
import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

name = sys.argv.pop(1)
include = sys.argv.pop(1).split({sep!r})
setup(
    name=name,
    ext_modules=cythonize(
        [Extension(name, [name + ".pyx"],
                   include_dirs=include + [numpy.get_include()])],
        include_path=include, quiet=True,
    ),
)
'''


def package_root():
    """The directory the installed l1l2 package sits in: the include path of its .pxd files."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(l1l2.__file__)))
    for name in ("_cd.pxd", "_irls.pxd", "_layout.pxd"):
        assert os.path.exists(os.path.join(root, "l1l2", "_kernels", name)), f"{name} not installed"
    return root


def build(directory, name, source, include):
    """Cythonize and compile source as the extension module name in directory; import it."""
    (directory / f"{name}.pyx").write_text(source)
    (directory / "setup.py").write_text(textwrap.dedent(SETUP.format(sep=os.pathsep)))
    command = [sys.executable, "setup.py", name, os.pathsep.join(include), "build_ext", "--inplace"]
    try:
        done = subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"building {name} timed out:\n{error.stdout}\n{error.stderr}")
    if done.returncode != 0:
        pytest.fail(f"building {name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    built = [entry for entry in os.listdir(directory)
             if entry.startswith(name + ".") and entry.endswith((".so", ".pyd"))]
    assert len(built) == 1, (os.listdir(directory), done.stdout, done.stderr)
    spec = importlib.util.spec_from_file_location(name, directory / built[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cd_downstream(tmp_path_factory):
    root = package_root()
    return build(tmp_path_factory.mktemp("cd"), "l1l2_cd_downstream", CD_SOURCE,
                 [root])


@pytest.fixture(scope="module")
def irls_downstream(tmp_path_factory):
    # _irls.pxd cimports nothing else: the package root is the whole include path
    return build(tmp_path_factory.mktemp("irls"), "l1l2_irls_downstream", IRLS_SOURCE,
                 [package_root()])


def problem(n=40, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    y = X[:, :3] @ [2.0, -1.0, 0.5] + 0.3 * rng.standard_normal(n)
    return X, y


def test_cd_kernel_from_downstream_extension(cd_downstream):
    X, y = problem()
    alpha = 0.1
    coef, residual, status, n_iter, gap, converged = cd_downstream.lasso(X, y, alpha, 1e-12)
    fit = l1l2.lasso(X, y, alpha=alpha, fit_intercept=False, tol=1e-12)
    assert status == 0 and converged and n_iter >= 1
    assert 0 <= gap <= 1e-12
    np.testing.assert_allclose(residual, y - X @ coef, atol=1e-10)
    np.testing.assert_allclose(coef, fit.coef, atol=1e-6)
    objective = 0.5 * np.mean((y - X @ coef) ** 2) + alpha * np.abs(coef).sum()
    np.testing.assert_allclose(objective, fit.objective, rtol=1e-9)


def test_irls_kernel_from_downstream_extension(irls_downstream):
    X, y = problem(n=60, p=4, seed=1)
    beta, steps = irls_downstream.lad(X, y)
    fit = l1l2.lad(X, y)
    assert 1 <= steps <= 100
    objective = np.mean(np.abs(y - X @ beta[:-1] - beta[-1]))
    exact = np.mean(np.abs(y - fit.predict(X)))
    # the start stops at a relative complementarity gap of 1e-12: its objective is within that
    assert exact <= objective + 1e-12
    np.testing.assert_allclose(objective, exact, rtol=1e-8)
