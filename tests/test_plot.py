"""Plots: PathResult.plot, CVResult.plot, the demo figure, and matplotlib imported only on demand."""
import doctest
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.optimize import minimize

import l1l2
import l1l2.plotting
from l1l2.data import load_diabetes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def diabetes():
    X, y, names = load_diabetes()
    return (X - X.mean(axis=0)) / X.std(axis=0), y, names


@pytest.fixture
def ax():
    return Figure().add_subplot()


@pytest.fixture
def pyplot():
    import matplotlib.pyplot as plt
    yield plt
    plt.close("all")


def make_path(kind, X, y):
    if kind == "lasso":
        return l1l2.lasso_path(X, y, n_alphas=20)
    if kind == "ridge":
        return l1l2.ridge_path(X, y, n_alphas=20)
    return l1l2.lad_path(X[:120], y[:120], n_alphas=8)


@pytest.mark.parametrize("kind", ["lasso", "ridge", "lad"])
@pytest.mark.parametrize("xaxis", ["log_alpha", "l1_norm"])
def test_path_plot_draws_one_line_per_feature(diabetes, ax, kind, xaxis):
    X, y, _ = diabetes
    path = make_path(kind, X, y)
    assert path.plot(ax=ax, xaxis=xaxis) is ax
    assert len(ax.lines) == X.shape[1]
    x = path.alphas if xaxis == "log_alpha" else np.abs(path.coefs).sum(axis=1)
    for j, line in enumerate(ax.lines):
        np.testing.assert_allclose(line.get_xdata(), x)
        np.testing.assert_allclose(line.get_ydata(), path.coefs[:, j])
    if xaxis == "log_alpha":
        assert ax.get_xscale() == "log" and ax.xaxis_inverted()
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(j) for j in range(X.shape[1]))


def test_path_plot_without_labels_or_with_names(diabetes, ax):
    X, y, names = diabetes
    path = l1l2.lasso_path(X, y, n_alphas=10)
    path.plot(ax=ax, label=False)
    assert len(ax.texts) == 0
    other = Figure().add_subplot()
    l1l2.plotting.plot_path(path, other, names=names)
    assert sorted(t.get_text() for t in other.texts) == sorted(names)


def test_path_plot_leaves_out_alpha_zero_on_the_log_axis(diabetes, ax):
    X, y, _ = diabetes
    path = l1l2.lasso_path(X, y, alphas=[10.0, 1.0, 0.0])
    path.plot(ax=ax)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [10.0, 1.0])


def test_path_plot_labels_at_most_twenty_within_the_axes(ax):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 40))
    y = X[:, :5] @ [3.0, -2.0, 1.0, 1.0, 0.5] + rng.standard_normal(80)
    path = l1l2.lasso_path(X, y, n_alphas=20)
    path.plot(ax=ax)
    assert len(ax.lines) == 40
    low, high = ax.get_ylim()
    at = [t.get_position()[1] for t in ax.texts]
    assert 0 < len(at) <= l1l2.plotting.MAX_LABELS
    assert low <= min(at) and max(at) <= high
    largest = np.argsort(-np.abs(path.coefs[-1]), kind="stable")[:len(at)]
    assert {t.get_text() for t in ax.texts} == {str(j) for j in largest}


def test_bad_xaxis_is_a_value_error_naming_xaxis(diabetes, ax):
    X, y, _ = diabetes
    with pytest.raises(ValueError, match="xaxis must be one of 'log_alpha', 'l1_norm', got 'alpha'"):
        l1l2.lasso_path(X, y, n_alphas=5).plot(ax=ax, xaxis="alpha")


@pytest.mark.parametrize("family", ["lasso", "ridge"])
def test_cv_plot_marks_alpha_min_and_alpha_1se(diabetes, ax, family):
    X, y, _ = diabetes
    if family == "lasso":
        cv = l1l2.lasso_cv(X, y, n_alphas=30)
    else:
        cv = l1l2.ridge_cv(X, y, alphas=np.geomspace(1e3, 1e-3, 30))
    assert cv.plot(ax=ax) is ax
    markers = {line.get_label().split(" =")[0]: line for line in ax.lines
               if line.get_label().startswith("alpha_")}
    assert set(markers) == {"alpha_min", "alpha_1se"}
    np.testing.assert_allclose(markers["alpha_min"].get_xdata(), [cv.alpha_min] * 2)
    np.testing.assert_allclose(markers["alpha_1se"].get_xdata(), [cv.alpha_1se] * 2)
    (errorbar,) = ax.containers
    np.testing.assert_allclose(errorbar.lines[0].get_ydata(), cv.cv_mean)
    assert ax.get_xscale() == "log" and ax.xaxis_inverted()


def test_without_ax_plots_on_a_new_pyplot_figure(diabetes, pyplot):
    X, y, _ = diabetes
    path_ax = l1l2.lasso_path(X, y, n_alphas=10).plot()
    cv_ax = l1l2.lasso_cv(X, y, n_alphas=10).plot()
    assert path_ax.figure is not cv_ax.figure
    assert len(pyplot.get_fignums()) == 2


def test_missing_matplotlib_is_an_import_error_naming_the_extra(diabetes, monkeypatch):
    X, y, _ = diabetes
    path = l1l2.lasso_path(X, y, n_alphas=5)
    monkeypatch.setitem(sys.modules, "matplotlib", None)      # import matplotlib now fails
    with pytest.raises(ImportError, match=r"plotting needs matplotlib: pip install 'l1l2\[plot\]'"):
        path.plot()
    with pytest.raises(ImportError, match=r"l1l2\[plot\]"):
        l1l2.plotting.demo_figure("never-written.png")


@pytest.mark.slow
def test_import_l1l2_does_not_import_matplotlib():
    code = ("import sys, l1l2, l1l2.plotting, l1l2.data; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_demo_figure_writes_a_png(tmp_path):
    target = tmp_path / "demo.png"
    assert l1l2.plotting.demo_figure(target) == target
    data = target.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 10_000
    image = matplotlib.image.imread(target)
    assert image.shape[:2] == (900, 1400)                   # 14 x 9 inches at 100 dpi
    assert image[..., :3].std() > 0.05                       # something was drawn


@pytest.mark.slow
def test_demo_figure_is_reproducible(tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    l1l2.plotting.demo_figure(first, n_resamples=10)
    l1l2.plotting.demo_figure(second, n_resamples=10)
    np.testing.assert_array_equal(matplotlib.image.imread(first), matplotlib.image.imread(second))


@pytest.mark.parametrize("seed", range(5))
def test_spread_labels_matches_a_constrained_least_squares_twin(seed):
    rng = np.random.default_rng(seed)
    targets = np.sort(rng.normal(size=8) * rng.choice([0.3, 3.0]))
    gap, low, high = 0.5, -3.0, 3.0
    at = l1l2.plotting._spread(targets, gap, low, high)
    assert np.all(np.diff(at) >= gap - 1e-12) and low - 1e-12 <= at[0] and at[-1] <= high + 1e-12
    constraints = [{"type": "ineq", "fun": lambda p, i=i: p[i + 1] - p[i] - gap} for i in range(7)]
    constraints += [{"type": "ineq", "fun": lambda p: p[0] - low},
                    {"type": "ineq", "fun": lambda p: high - p[-1]}]
    twin = minimize(lambda p: np.sum((p - targets) ** 2), np.linspace(low, high, 8),
                    constraints=constraints, method="SLSQP", options={"ftol": 1e-12})
    np.testing.assert_allclose(at, twin.x, atol=1e-5)


def test_spread_keeps_labels_that_are_already_apart():
    targets = np.array([-2.0, 0.0, 1.0, 5.0])
    np.testing.assert_array_equal(l1l2.plotting._spread(targets, 0.5, -10.0, 10.0), targets)


def test_docstring_examples(pyplot):
    assert doctest.testmod(l1l2.plotting).failed == 0
