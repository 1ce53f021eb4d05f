"""The examples in the public docstrings and in README.md run and print what they say."""
import doctest
import pathlib
import re

import pytest

import l1l2._batch
import l1l2._cv
import l1l2.dask
import l1l2._fit
import l1l2._lad
import l1l2._path
import l1l2._ridge

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("module", [l1l2._fit, l1l2._path, l1l2._cv, l1l2._ridge, l1l2._lad,
                                    l1l2._batch, l1l2.dask],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0


def test_readme_usage_examples_run():
    """Every python block of the Usage section, in order, in one namespace (later blocks build on the
    first)."""
    usage = README.read_text().split("## Usage", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", usage, re.S)
    namespace = {}
    for k, code in enumerate(blocks):
        exec(compile(code, f"README.md (python block {k + 1} of Usage)", "exec"), namespace)
        if k == 0:
            assert namespace["fit"].converged and set(namespace["fit"].active) >= {0, 1, 2}
            assert namespace["med"].converged and namespace["q90"].converged
            assert namespace["lad_path"].converged.all()
    assert len(blocks) >= 2
    sparse_fit = namespace["fit"]      # the sparse block's lasso: its five true features found
    assert sparse_fit.converged and set(sparse_fit.active) >= {0, 1, 2, 3, 4}
    assert namespace["path"].converged.all()
