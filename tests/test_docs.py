"""The examples in the public docstrings and in README.md run and print what they say."""
import doctest
import pathlib
import re

import pytest

import l1l2._cv
import l1l2._fit
import l1l2._lad
import l1l2._path
import l1l2._ridge

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("module", [l1l2._fit, l1l2._path, l1l2._cv, l1l2._ridge, l1l2._lad],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0


def test_readme_usage_example_runs():
    usage = README.read_text().split("## Usage", 1)[1]
    code = re.search(r"```python\n(.*?)```", usage, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["fit"].converged and set(namespace["fit"].active) >= {0, 1, 2}
    assert namespace["med"].converged and namespace["q90"].converged
    assert namespace["lad_path"].converged.all()
