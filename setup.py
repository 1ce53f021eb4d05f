"""Build the Cython kernels: the extension list and the compiler directives, once.

``L1L2_CYTHON_DEBUG=1`` turns bounds, wraparound and initialisation checks back on
(and drops optimisation) for debugging a kernel.
"""
import os

from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("L1L2_CYTHON_DEBUG", "0") not in ("", "0")

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
    "embedsignature": True,
}
# -fopenmp-simd honours `#pragma omp simd` in csrc/ without linking an OpenMP runtime.
COMPILE_ARGS = ["-O0", "-g"] if DEBUG else ["-O3", "-fopenmp-simd"]

KERNELS = ["_cd", "_irls"]

extensions = [
    Extension(
        f"l1l2._kernels.{name}",
        [f"src/l1l2/_kernels/{name}.pyx"],
        include_dirs=["csrc"],
        extra_compile_args=COMPILE_ARGS,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    for name in KERNELS
]

setup(ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES, include_path=["src"]))
