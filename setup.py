"""Build the Cython kernels: the extension list and the compiler directives, once.

``L1L2_CYTHON_DEBUG=1`` turns bounds, wraparound and initialisation checks back on
(and drops optimisation) for debugging a kernel.
``L1L2_SANITIZE=1`` adds bounds and initialisation checks, AddressSanitizer and
UndefinedBehaviorSanitizer to the release semantics (no wraparound, C division); the kernels then
load only with the sanitizer runtimes preloaded, as ``scripts/sanitize.sh`` does.
"""
import os

from Cython.Build import cythonize
from setuptools import Extension, setup


def env_flag(name):
    return os.environ.get(name, "0") not in ("", "0")


DEBUG = env_flag("L1L2_CYTHON_DEBUG")
SANITIZE = env_flag("L1L2_SANITIZE")
# The sanitized build checks the code that ships: with wraparound a negative index (out of bounds in
# a release build, which the bounds check flags) would become a valid read, and Python division
# would raise where C gives inf (x / 0.0; UBSan still catches integer division by zero).
CHECKED = DEBUG or SANITIZE

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": CHECKED,
    "wraparound": DEBUG,
    "initializedcheck": CHECKED,
    "cdivision": not DEBUG,
    "embedsignature": True,
    # No module-level C state, and every kernel's scratch is its call's own: on a free-threaded
    # CPython (3.13t) the GIL stays off when the kernels load (Cython >= 3.1).
    "freethreading_compatible": True,
}
# -fopenmp-simd honours `#pragma omp simd` in csrc/ without linking an OpenMP runtime.
COMPILE_ARGS = ["-O0", "-g"] if DEBUG else ["-O3", "-fopenmp-simd"]
# For compiling and linking alike: full stacks (frame pointer), and every UB report aborts (by default
# UBSan prints and carries on, and the test passes). -O1 keeps the whole suite fast enough.
SANITIZER_ARGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
                  "-fno-sanitize-recover=undefined"]
if SANITIZE:
    COMPILE_ARGS = ["-O1", "-g", "-fopenmp-simd", *SANITIZER_ARGS]
LINK_ARGS = SANITIZER_ARGS if SANITIZE else []

KERNELS = ["_cd", "_irls"]

extensions = [
    Extension(
        f"l1l2._kernels.{name}",
        [f"src/l1l2/_kernels/{name}.pyx"],
        include_dirs=["csrc"],
        extra_compile_args=COMPILE_ARGS,
        extra_link_args=LINK_ARGS,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    for name in KERNELS
]

# cythonize reuses a .c file newer than its .pyx whatever the directives: each checked build keeps
# its C apart, so that none picks up C made with other directives, nor leaves its own for another.
CYTHON_BUILD_DIR = "build/cython-sanitize" if SANITIZE else "build/cython-debug" if DEBUG else None

setup(ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES, include_path=["src"],
                            build_dir=CYTHON_BUILD_DIR))
