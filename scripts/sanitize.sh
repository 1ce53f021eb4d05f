#!/usr/bin/env bash
# Run the tests against kernels built with AddressSanitizer, UndefinedBehaviorSanitizer and Cython's
# bounds, wraparound and initialisation checks (setup.py's L1L2_SANITIZE=1).
#
#   scripts/sanitize.sh                          # the whole suite
#   scripts/sanitize.sh tests/test_enet.py -x    # arguments go to pytest (paths relative to the repo)
#
# The kernels are built in a throwaway copy of the repository's tracked and untracked-but-not-ignored
# files, so the source tree and its in-place .so files are never touched. Python is $PYTHON, else
# `python` on PATH, with the [test] extra installed (Cython, setuptools, pytest); the compiler is the
# one setuptools uses (sysconfig's CC, or $CC), gcc: its libasan and libubsan are preloaded because
# python itself is not instrumented and the ASan runtime must be the first library loaded.
# L1L2_SANITIZE_KEEP=1 keeps the copy (for rerunning a failure by hand).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=$(command -v "${PYTHON:-python}")
[[ $python == /* ]] || python=$PWD/$python   # a relative $PYTHON must survive the cd below
work=$(mktemp -d "${TMPDIR:-/tmp}/l1l2-sanitize.XXXXXX")
if [[ ${L1L2_SANITIZE_KEEP:-0} == 1 ]]; then echo "sanitize: keeping $work" >&2
else trap 'rm -rf "$work"' EXIT; fi
copy=$work/repo
guard=$work/guard
mkdir -p "$copy" "$guard"

copy_sources() {
    # The working-tree version of every file git would commit; without git, everything but build output.
    if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' file; do if [[ -f $file ]]; then printf '%s\0' "$file"; fi; done |
            tar --null -T - -cf -) | tar -xf - -C "$copy"
    else
        tar -C "$repo" --exclude=./.git --exclude=./build --exclude=./.ci-venv --exclude='*.so' \
            --exclude='./src/l1l2/_kernels/*.c' --exclude=__pycache__ -cf - . | tar -xf - -C "$copy"
    fi
}

sanitizer_runtime() {
    # Path of a sanitizer runtime of the compiler setuptools uses; gcc prints the bare name if it has none.
    local cc=${CC:-$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("CC"))')}
    local path
    path=$(${cc%% *} -print-file-name="$1")
    if [[ $path != /* || ! -e $path ]]; then
        echo "sanitize: ${cc%% *} has no $1 (gcc's libasan/libubsan are needed)" >&2
        exit 2
    fi
    echo "$path"
}

write_guard() {
    # Imported by every Python process of the run (sitecustomize on PYTHONPATH: pytest, the CLI tests'
    # subprocesses, dask workers) and loaded into pytest with -p. A failed bounds check inside a kernel
    # cannot propagate (kernels are noexcept), so Cython only prints it; abort instead, as the
    # sanitizers do, so that no test passes over it.
    cat >"$guard/l1l2_sanitize_guard.py" <<'EOF'
"""Abort on a kernel's unraisable error; check the build pytest imports. PYTEST_DONT_REWRITE"""
import os
import sys
import traceback

# The real stderr, before pytest captures fd 2: an abort leaves no chance to print what it captured.
_STDERR = os.dup(2)


def _abort_on_kernel_error(unraisable, previous):
    previous(unraisable)
    if str(unraisable.object).startswith("l1l2._kernels"):
        lines = traceback.format_exception(unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback)
        os.write(_STDERR, f"sanitize: in {unraisable.object}: {''.join(lines)}".encode())
        os.abort()


def install():
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: _abort_on_kernel_error(unraisable, previous)


def pytest_sessionstart(session):
    """Check that the tests will import the sanitized kernels; re-install the hook over pytest's."""
    import l1l2._kernels._cd
    import l1l2._kernels._irls
    for module in (l1l2._kernels._cd, l1l2._kernels._irls):
        path = os.path.realpath(module.__file__)
        with open(path, "rb") as f:
            instrumented = b"__asan_init" in f.read()
        if not path.startswith(os.environ["L1L2_SANITIZE_BUILD"] + os.sep) or not instrumented:
            raise RuntimeError(f"sanitize: the tests would import {path}, not the sanitized build")
    install()


install()
EOF
    echo "import l1l2_sanitize_guard" >"$guard/sitecustomize.py"
}

copy_sources
write_guard
libasan=$(sanitizer_runtime libasan.so)
libubsan=$(sanitizer_runtime libubsan.so)
echo "sanitize: building the kernels in $copy" >&2
if ! (cd "$copy" && L1L2_SANITIZE=1 "$python" setup.py build_ext --inplace --parallel 2) >"$work/build.log" 2>&1
then cat "$work/build.log" >&2; exit 1; fi
echo "sanitize: built in ${SECONDS}s" >&2

cd "$copy"
L1L2_SANITIZE_BUILD=$(realpath "$copy/src")
export L1L2_SANITIZE_BUILD
export PYTHONPATH=$guard:$L1L2_SANITIZE_BUILD${PYTHONPATH:+:$PYTHONPATH}
export LD_PRELOAD="$libasan $libubsan${LD_PRELOAD:+ $LD_PRELOAD}"
# CPython frees neither interned objects nor module state at exit, by design: leak reports would be
# all noise. abort_on_error gives a core-style abort, so pytest's faulthandler prints the Python stack.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Every Python object through malloc, not pymalloc's arenas: ASan then sees (and redzones) them too.
export PYTHONMALLOC=malloc
# Resident memory under ASan includes its quarantine of freed blocks (256 MB by default), shadow and
# redzones: this test's bound on RSS growth over 10000 fits cannot hold here; the normal suite runs it.
"$python" -m pytest -p l1l2_sanitize_guard \
    --deselect tests/test_resources.py::test_repeated_fits_leave_memory_flat "$@"
