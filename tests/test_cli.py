"""The command line, driven as users run it: the installed ``l1l2`` console script and
``python -m l1l2``, each in a subprocess. Results are compared with the library at full precision
through the ``--out`` CSV files, which print every number with repr."""
import csv
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import l1l2
from l1l2.data import load_diabetes

TARGET = "progression"
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def console_script():
    """The installed ``l1l2`` entry point: beside this interpreter, else on PATH."""
    search = os.pathsep.join([sysconfig.get_path("scripts"), os.path.dirname(sys.executable),
                              os.environ.get("PATH", "")])
    return shutil.which("l1l2", path=search)


def run(*args, cwd, script=False):
    command = [console_script()] if script else [sys.executable, "-m", "l1l2"]
    return subprocess.run([*command, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def read_coef(file):
    """{feature: coefficient} from ``fit --out``."""
    with open(file, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["feature", "coefficient"]
    return {name: float(value) for name, value in rows[1:]}


def read_path(file):
    """(header, table) from ``path --out``."""
    with open(file, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], np.array(rows[1:], dtype=np.float64)


def assert_coef(file, fit, names):
    coef = read_coef(file)
    assert list(coef) == [*names, "(intercept)"]
    np.testing.assert_allclose([coef[name] for name in names], fit.coef, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(coef["(intercept)"], fit.intercept, rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The diabetes data as the file types the CLI reads, plus broken copies."""
    folder = tmp_path_factory.mktemp("cli")
    X, y, names = load_diabetes()
    header = ",".join([*names, TARGET])
    lines = [",".join(repr(float(v)) for v in row) for row in np.c_[X, y]]
    (folder / "diabetes.csv").write_text("\n".join([header, *lines]) + "\n")
    bad = lines.copy()
    bad[1] = bad[1].split(",", 3)
    bad[1][2] = "abc"                                   # line 3 of the file, column 'bmi'
    bad[1] = ",".join(bad[1])
    (folder / "text.csv").write_text("\n".join([header, *bad]) + "\n")
    gap = lines.copy()
    gap[3] = "," + gap[3].split(",", 1)[1]               # line 5, column 'age' left empty
    (folder / "gap.csv").write_text("\n".join([header, *gap]) + "\n")
    np.save(folder / "diabetes.npy", np.c_[y, X])       # target first: --target 0
    np.savez(folder / "diabetes.npz", X=X, y=y)
    np.savez(folder / "columns.npz", y=y, **{name: X[:, j] for j, name in enumerate(names)})
    holed = np.c_[X, y]
    holed[7, 4] = np.nan
    np.save(folder / "holed.npy", holed)
    (folder / "diabetes.txt").write_text(header + "\n")
    return folder, X, y, names


def test_console_script_runs_the_demo(data):
    folder = data[0]
    assert console_script() is not None, "the l1l2 console script is not installed"
    result = run("demo", cwd=folder, script=True)
    assert result.returncode == 0, result.stderr
    assert "Lasso (L1)" in result.stdout and "Ridge (L2)" in result.stdout
    assert "LAD" in result.stdout and "quantile regression" in result.stdout
    assert result.stderr == ""


def test_fit_equals_lasso(data):
    folder, X, y, names = data
    result = run("fit", "diabetes.csv", "--target", TARGET, "--model", "lasso", "--alpha", "0.5",
                 "--out", "coef.csv", cwd=folder, script=True)
    assert result.returncode == 0, result.stderr
    fit = l1l2.lasso(X, y, 0.5)
    assert_coef(folder / "coef.csv", fit, names)
    printed = dict(line.split() for line in result.stdout.splitlines()
                   if line.split()[:1] and line.split()[0] in names)   # the table: 6 digits
    np.testing.assert_allclose([float(printed[n]) for n in names], fit.coef, rtol=1e-5, atol=1e-12)
    for key, value in (("model", "lasso"), ("alpha", "0.5"), ("converged", "yes"),
                       ("nonzero", f"{len(fit.active)}/10"), ("n_iter", str(fit.n_iter))):
        assert f"\n{key:<10} {value}" in result.stdout
    assert "objective" in result.stdout and "dual gap" in result.stdout


@pytest.mark.parametrize("options, expected", [
    (["--model", "enet", "--alpha", "0.5", "--l1-ratio", "0.3"],
     lambda X, y: l1l2.elastic_net(X, y, 0.5, 0.3)),
    (["--model", "ridge", "--alpha", "10"], lambda X, y: l1l2.ridge(X, y, 10.0)),
    (["--model", "lad"], lambda X, y: l1l2.lad(X, y)),
    (["--model", "quantile", "--q", "0.8", "--alpha", "0.1"],
     lambda X, y: l1l2.quantile(X, y, 0.8, alpha=0.1)),
    (["--model", "lasso", "--alpha", "2", "--no-intercept"],
     lambda X, y: l1l2.lasso(X, y, 2.0, fit_intercept=False)),
], ids=["enet", "ridge", "lad", "quantile", "lasso-no-intercept"])
def test_fit_each_model(data, options, expected):
    folder, X, y, names = data
    result = run("fit", "diabetes.csv", "--target", TARGET, *options, "--out", "coef.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert_coef(folder / "coef.csv", expected(X, y), names)


def test_fit_cross_validates_by_default(data):
    folder, X, y, names = data
    result = run("fit", "diabetes.csv", "--target", TARGET, "--model", "lasso", "--out", "coef.csv",
                 cwd=folder)
    assert result.returncode == 0, result.stderr
    cv = l1l2.lasso_cv(X, y)
    assert f"alpha_min = {cv.alpha_min:.6g} (used)" in result.stdout
    assert_coef(folder / "coef.csv", l1l2.lasso(X, y, cv.alpha_min), names)


def test_ridge_cv(data):
    folder, X, y, names = data
    result = run("fit", "diabetes.csv", "--target", TARGET, "--model", "ridge", "--alpha", "cv",
                 "--out", "coef.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "leave-one-out" in result.stdout
    assert_coef(folder / "coef.csv", l1l2.ridge(X, y, l1l2.ridge_cv(X, y).alpha_min), names)


@pytest.mark.parametrize("file, target, feature_names", [
    ("diabetes.npy", "0", [f"x{j}" for j in range(1, 11)]),
    ("diabetes.npz", "y", [f"x{j}" for j in range(10)]),
    ("columns.npz", "y", None),
])
def test_fit_numpy_files(data, file, target, feature_names):
    folder, X, y, names = data
    result = run("fit", file, "--target", target, "--model", "lasso", "--alpha", "0.5",
                 "--out", "coef.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert_coef(folder / "coef.csv", l1l2.lasso(X, y, 0.5), feature_names or names)


def test_lasso_path_out_plot_and_quiet_stderr(data):
    folder, X, y, names = data
    result = run("path", "diabetes.csv", "--target", TARGET, "--n-alphas", "10", "--out", "path.csv",
                 "--plot", "path.png", cwd=folder)
    if not HAS_MATPLOTLIB:
        assert result.returncode == 2
        assert result.stderr.strip() == "l1l2: error: --plot needs matplotlib: pip install 'l1l2[plot]'"
        return
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""                          # no progress: stderr is not a terminal
    assert (folder / "path.png").read_bytes()[:8] == PNG_SIGNATURE
    header, table = read_path(folder / "path.csv")
    assert header == ["alpha", *names, "(intercept)"]
    path = l1l2.lasso_path(X, y, n_alphas=10)
    np.testing.assert_allclose(table[:, 0], path.alphas, rtol=1e-12)
    np.testing.assert_allclose(table[:, 1:-1], path.coefs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(table[:, -1], path.intercepts, rtol=1e-12, atol=1e-12)
    assert "enters at alpha" in result.stdout


@pytest.mark.parametrize("options, expected", [
    (["--model", "enet", "--l1-ratio", "0.7"], lambda X, y: l1l2.enet_path(X, y, 0.7, n_alphas=5)),
    (["--model", "ridge"], lambda X, y: l1l2.ridge_path(X, y, n_alphas=5)),
    (["--model", "lad"], lambda X, y: l1l2.lad_path(X, y, n_alphas=5)),
    (["--model", "quantile", "--q", "0.25"], lambda X, y: l1l2.quantile_path(X, y, 0.25, n_alphas=5)),
], ids=["enet", "ridge", "lad", "quantile"])
def test_path_each_model(data, options, expected):
    folder, X, y, names = data
    result = run("path", "diabetes.csv", "--target", TARGET, *options, "--n-alphas", "5",
                 "--out", "path.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    _, table = read_path(folder / "path.csv")
    path = expected(X, y)
    np.testing.assert_allclose(table[:, 0], path.alphas, rtol=1e-12)
    np.testing.assert_allclose(table[:, 1:-1], path.coefs, rtol=1e-12, atol=1e-12)


def test_progress_on_request(data):
    result = run("path", "diabetes.csv", "--target", TARGET, "--n-alphas", "7", "--progress",
                 cwd=data[0], script=True)
    assert result.returncode == 0, result.stderr
    assert len(result.stderr.splitlines()) == 7
    assert all(line.startswith("alpha=") for line in result.stderr.splitlines())


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_progress_by_default_on_a_terminal(data):
    import pty
    import select

    controller, terminal = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "l1l2", "path", "diabetes.csv", "--target", TARGET,
                                 "--n-alphas", "3"], cwd=data[0], stdout=subprocess.PIPE,
                                stderr=terminal, stdin=subprocess.DEVNULL, timeout=120)
        assert result.returncode == 0
        readable, _, _ = select.select([controller], [], [], 10)    # never block on silence
        progress = os.read(controller, 100_000).decode() if readable else ""
    finally:
        os.close(terminal)
        os.close(controller)
    assert progress.count("alpha=") == 3


def test_demo_plot_into_missing_directory(data):
    result = run("demo", "--plot", os.path.join("no", "such", "dir", "demo.png"), cwd=data[0])
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.startswith("l1l2: error: cannot write --plot")
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


FIT = ["fit", "diabetes.csv", "--target", TARGET]
BAD = {     # id: (arguments, exit status, part of the one-line message)
    "missing-file": (["fit", "missing.csv", "--target", TARGET, "--model", "lasso"], 1,
                     "not found: missing.csv"),
    "unknown-column": (["fit", "diabetes.csv", "--target", "y", "--model", "lasso"], 1, "no column 'y'"),
    "non-numeric-cell": (["fit", "text.csv", "--target", TARGET, "--model", "lasso"], 1,
                         "line 3, column 'bmi': 'abc' is not a number"),
    "empty-cell": (["fit", "gap.csv", "--target", TARGET, "--model", "lad"], 1,
                   "line 5, column 'age': missing value"),
    "nan-npy": (["fit", "holed.npy", "--target", "-1", "--model", "lasso"], 1, "row 7, column 4: missing"),
    "npy-target": (["fit", "diabetes.npy", "--target", "y", "--model", "lasso"], 1,
                   "must be a column index"),
    "npz-key": (["fit", "diabetes.npz", "--target", "z", "--model", "lasso"], 1, "no array 'z'"),
    "file-type": (["fit", "diabetes.txt", "--target", TARGET, "--model", "lasso"], 1, ".csv, .npy or .npz"),
    "alpha-text": ([*FIT, "--model", "lasso", "--alpha", "much"], 2, "argument --alpha: must be a number"),
    "q-range": ([*FIT, "--model", "quantile", "--q", "1.5"], 2, "argument --q: must be in (0, 1)"),
    "q-not-quantile": ([*FIT, "--model", "lasso", "--q", "0.3"], 2, "--q applies only to --model quantile"),
    "l1-ratio-not-enet": ([*FIT, "--model", "ridge", "--l1-ratio", "0.3"], 2,
                          "--l1-ratio applies only to --model enet"),
    "cv-lad": ([*FIT, "--model", "lad", "--alpha", "cv"], 2, "--alpha cv is not supported for --model lad"),
    "unknown-model": ([*FIT, "--model", "lars"], 2, "invalid choice: 'lars'"),
    "no-target": (["path", "diabetes.csv", "--model", "lasso"], 2, "required: --target"),
    "no-command": ([], 2, "required"),
}


@pytest.fixture(scope="module")
def bad_runs(data):
    """Every bad invocation, started together (each is mostly interpreter start-up)."""
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        runs = {case: pool.submit(run, *args, cwd=data[0]) for case, (args, _, _) in BAD.items()}
        return {case: future.result() for case, future in runs.items()}


@pytest.mark.parametrize("case", BAD)
def test_bad_invocation_is_one_clean_line(bad_runs, case):
    _, status, message = BAD[case]
    result = bad_runs[case]
    assert result.returncode == status
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("l1l2: error: "), result.stderr
    assert message in lines[0]


def test_demo_plot_writes_the_figure_as_png(tmp_path):
    """`l1l2 demo --plot demo.png` (the console script) prints the demo and writes a valid PNG."""
    result = run("demo", "--plot", "demo.png", cwd=tmp_path, script=True)
    assert result.returncode == 0, result.stderr
    assert "Lasso (L1)" in result.stdout
    image = (tmp_path / "demo.png").read_bytes()
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) > 10_000


def test_the_package_works_without_sklearn_and_matplotlib():
    """With scikit-learn and matplotlib unimportable (as when not installed), l1l2 imports, fits and
    runs the text demo; only the extras say what to install."""
    code = """
import sys
sys.modules.update({"sklearn": None, "matplotlib": None})
import numpy as np, l1l2
fit = l1l2.lasso(np.arange(20.0).reshape(10, 2), np.arange(10.0), alpha=0.1)
assert fit.converged
from l1l2 import _cli
_cli.main(["demo"])
try:
    import l1l2.plotting
    l1l2.plotting.demo_figure("x.png")
except ImportError as error:
    assert "l1l2[plot]" in str(error), error
else:
    raise AssertionError("demo_figure ran without matplotlib")
try:
    import l1l2.sklearn
except ImportError:
    pass
else:
    raise AssertionError("l1l2.sklearn imported without scikit-learn")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Lasso (L1)" in result.stdout
