"""atheris entry point of the CLI file reader fuzz target (cli_reader_target.py says what it checks).

    python fuzz/fuzz_cli_reader.py [CORPUS_DIR ...] [libFuzzer flags]     (fuzz/run.sh runs it)

Only l1l2 and the harness are instrumented for coverage: NumPy and SciPy are imported first.
"""
import os
import sys

import atheris
import numpy  # noqa: F401  (imported before instrumentation: its coverage is not the target's)
import scipy.sparse  # noqa: F401

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
with atheris.instrument_imports(include=["l1l2", "cli_reader_target", "byte_reader"]):
    import cli_reader_target


def main():
    atheris.Setup(sys.argv, cli_reader_target.test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
