"""Plots of paths and cross-validation curves, and the demo figure (the [plot] extra).

matplotlib is imported inside the functions, never by ``import l1l2``. Axes passed in are drawn on;
without one, a new pyplot figure is made. :func:`demo_figure` builds a ``matplotlib.figure.Figure``
directly, so it needs no GUI backend and leaves pyplot's state alone.
"""
import numpy as np

from l1l2._validation import check_option

XAXES = ("log_alpha", "l1_norm")
MAX_LABELS = 20          # label at most this many curves: the largest at the path's end


def _require_matplotlib():
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError("plotting needs matplotlib: pip install 'l1l2[plot]'") from err
    return matplotlib


def _new_axes(ax):
    _require_matplotlib()
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots()
    return ax


def _alpha_axis(ax):
    """Log-scaled alpha, decreasing to the right: the fits grow from left to right."""
    ax.set_xscale("log")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()
    ax.set_xlabel("alpha (log scale, decreasing)")


def plot_path(path, ax=None, xaxis="log_alpha", label=True, names=None):
    """Plot each coefficient along a regularisation path.

    Parameters
    ----------
    path : PathResult
        From any ``*_path`` function (lasso, elastic net, ridge, LAD, quantile).
    ax : matplotlib Axes, optional
        Drawn on; default a new pyplot figure.
    xaxis : "log_alpha" or "l1_norm"
        "log_alpha": alpha on a log scale, decreasing to the right (alphas <= 0 are left out);
        "l1_norm": the L1 norm of the coefficients. Either way the path's end (the smallest alpha)
        is on the right.
    label : bool
        Name each curve just outside the right edge, at its value at the path's end (labels are
        moved apart so they do not overlap; at most 20, the largest in absolute value).
    names : sequence of str, optional
        Curve labels; default the feature indices.

    Returns
    -------
    matplotlib Axes
        With one line per feature, in feature order.

    Raises
    ------
    ValueError
        If xaxis is not one of the two options.

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_diabetes
    >>> X, y, names = load_diabetes()
    >>> ax = l1l2.lasso_path(X, y).plot(xaxis="l1_norm")
    >>> len(ax.lines)
    10
    """
    check_option(xaxis, "xaxis", XAXES)
    ax = _new_axes(ax)
    n_features = path.coefs.shape[1]
    names = [str(j) for j in range(n_features)] if names is None else [str(n) for n in names]
    if xaxis == "log_alpha":
        keep = path.alphas > 0
        x, coefs = path.alphas[keep], path.coefs[keep]
        _alpha_axis(ax)
    else:
        x, coefs = np.abs(path.coefs).sum(axis=1), path.coefs
        ax.set_xlabel("L1 norm of coef")
    lines = ax.plot(x, coefs, lw=1.2)
    for line, name in zip(lines, names):
        line.set_label(name)
    ax.set_ylabel("coefficient")
    ax.grid(True, alpha=0.3)
    if label and coefs.shape[0]:
        _label_ends(ax, coefs[-1], lines, names)
    return ax


def _label_ends(ax, ends, lines, names):
    """Write names at the right edge, at the curves' end values, spread a line apart and kept
    within the axes (as many as fit, the largest first)."""
    from matplotlib.transforms import blended_transform_factory

    fontsize = 8
    # a line is 1.3 font sizes; 1.25 more because a layout engine may still shrink the axes
    line_pt = 1.3 * fontsize * 1.25
    height_pt = max(ax.get_position().height * ax.figure.get_figheight() * 72, line_pt)
    n_labels = min(MAX_LABELS, int(height_pt / line_pt))
    chosen = np.argsort(-np.abs(ends), kind="stable")[:n_labels]
    chosen = chosen[np.argsort(ends[chosen], kind="stable")]
    ax.autoscale_view()
    low, high = ax.get_ylim()
    gap = (high - low) * line_pt / height_pt
    at = _spread(ends[chosen], gap, low + gap / 2, high - gap / 2)
    right_edge = blended_transform_factory(ax.transAxes, ax.transData)
    for j, y in zip(chosen, at):
        ax.text(1.01, y, names[j], transform=right_edge, va="center", ha="left",
                fontsize=fontsize, color=lines[j].get_color(), clip_on=False)


def _spread(targets, gap, low, high):
    """Positions nearest to sorted targets (least squares) that are at least gap apart, within
    [low, high] when they fit.

    With q_i = p_i - i * gap the constraint is q nondecreasing: isotonic regression of
    targets - i * gap by pooling adjacent violators; clipping it to the bounds on q solves the
    bounded problem.
    """
    steps = gap * np.arange(len(targets))
    shifted = np.asarray(targets, dtype=float) - steps
    blocks = []                                   # [mean, count] of pooled runs
    for value in shifted:
        blocks.append([value, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + mean * count) / (blocks[-1][1] + count),
                          blocks[-1][1] + count]
    pooled = np.repeat([b[0] for b in blocks], [b[1] for b in blocks])
    top = high - steps[-1] if len(targets) else high
    return np.clip(pooled, low, max(low, top)) + steps


def plot_cv(cv, ax=None):
    """Plot the cross-validation curve: mean held-out error ± one standard error against alpha.

    Dashed and dotted vertical lines mark ``alpha_min`` and ``alpha_1se``; the top axis gives the
    degrees of freedom of the full-data fit (the number of nonzero coefficients for the Lasso).

    Parameters
    ----------
    cv : CVResult
        From :func:`l1l2.lasso_cv`, :func:`l1l2.enet_cv` or :func:`l1l2.ridge_cv`.
    ax : matplotlib Axes, optional
        Drawn on; default a new pyplot figure.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import l1l2
    >>> from l1l2.data import load_diabetes
    >>> X, y, names = load_diabetes()
    >>> ax = l1l2.lasso_cv(X, y).plot()
    >>> [line.get_label().split(" =")[0] for line in ax.lines[-2:]]
    ['alpha_min', 'alpha_1se']
    """
    ax = _new_axes(ax)
    from matplotlib.ticker import NullLocator

    keep = cv.alphas > 0
    alphas = cv.alphas[keep]
    ax.errorbar(alphas, cv.cv_mean[keep], yerr=cv.cv_se[keep], fmt="o", ms=3, color="C3",
                ecolor="0.65", elinewidth=1, label="CV mean ± 1 se")
    for alpha, name, style in ((cv.alpha_min, "alpha_min", "--"), (cv.alpha_1se, "alpha_1se", ":")):
        if alpha > 0:
            ax.axvline(alpha, color="0.25", ls=style, lw=1.2, label=f"{name} = {alpha:.3g}")
    _alpha_axis(ax)
    ax.set_ylabel("held-out mean squared error")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    if alphas.size:
        top = ax.secondary_xaxis("top")
        at = np.unique(np.linspace(0, alphas.size - 1, 7).round().astype(int))
        df = cv.path.df[keep][at]
        top.set_xticks(alphas[at], [f"{d:.0f}" if d == round(d) else f"{d:.1f}" for d in df])
        top.xaxis.set_minor_locator(NullLocator())
        top.set_xlabel("degrees of freedom", fontsize="small")
    return ax


def demo_figure(path, *, n_resamples=100, seed=0):
    """Draw the demo figure and save it as a PNG: the L1 and L2 stories on the bundled data.

    Six panels. Top: the Lasso path and the Ridge path on the standardised diabetes data, against
    the L1 norm of the coefficients; the L1 ball against the L2 ball for a two-feature fit (bmi and
    bp) with the contours of the squared loss. Bottom: LAD against least squares on Engel's data
    with a tenth of the households' food spending multiplied by ten; how often the Lasso (at the
    CV alpha_1se) selects each feature over bootstrap resamples; the bootstrap coefficients of the
    Lasso and of Ridge (each at its CV alpha_1se).

    Parameters
    ----------
    path : str or path-like
        Where to write the PNG.
    n_resamples : int
        Bootstrap resamples for the two bottom-right panels.
    seed : int
        Seeds the resamples, so the figure is reproducible.

    Returns
    -------
    path
        As given.
    """
    _require_matplotlib()
    from matplotlib.figure import Figure

    import l1l2
    from l1l2.data import load_diabetes

    X, y, names = load_diabetes()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    lasso_1se = l1l2.lasso_cv(X, y).alpha_1se
    ridge_1se = l1l2.ridge_cv(X, y, alphas=np.geomspace(1e3, 1e-3, 61)).alpha_1se

    fig = Figure(figsize=(14, 9), layout="constrained")
    (lasso_ax, ridge_ax, ball_ax), (engel_ax, freq_ax, coef_ax) = fig.subplots(2, 3)
    _paths_panels(lasso_ax, ridge_ax, X, y, names, lasso_1se)
    _balls_panel(ball_ax, X, y, names, "bmi", "bp")
    _engel_panel(engel_ax)
    _bootstrap_panels(freq_ax, coef_ax, X, y, names, lasso_1se, ridge_1se, n_resamples, seed)
    fig.suptitle("L1 penalty: sparse but unstable selection.   L2 penalty: every feature shrinks, "
                 "stably.   L1 loss: outliers cannot drag the fit.", fontsize=13)
    fig.savefig(path, format="png", dpi=100)
    return path


def _paths_panels(lasso_ax, ridge_ax, X, y, names, lasso_alpha):
    import l1l2

    plot_path(l1l2.lasso_path(X, y), lasso_ax, xaxis="l1_norm", names=names)
    lasso_ax.set_title("Lasso path: features enter one by one", fontsize=11)
    norm = np.abs(l1l2.lasso(X, y, lasso_alpha).coef).sum()
    lasso_ax.axvline(norm, color="0.3", ls=":", lw=1)
    lasso_ax.text(norm, 0.02, " CV alpha_1se", transform=lasso_ax.get_xaxis_transform(),
                  fontsize=8, color="0.3")
    ridge_ax.sharex(lasso_ax)
    ridge_ax.sharey(lasso_ax)
    # down to alpha = 1e-4, well below the smallest eigenvalue of X'X/n (0.009): least squares
    plot_path(l1l2.ridge_path(X, y, alphas=np.geomspace(1e4, 1e-4, 100)), ridge_ax,
              xaxis="l1_norm", names=names)
    ridge_ax.set_title("Ridge path: every coefficient shrinks together", fontsize=11)


def _balls_panel(ax, X, y, names, first, second):
    """Loss contours of a two-feature fit against the L1 and L2 balls through its penalised fits."""
    from matplotlib.patches import Circle, Polygon

    import l1l2

    X2 = X[:, [names.index(first), names.index(second)]]
    ols = l1l2.ridge(X2, y, 0.0).coef
    # a Lasso alpha where only one coefficient is nonzero, nearer the second one's entry so the
    # diamond is large enough to read
    grid = l1l2.lasso_path(X2, y, n_alphas=200)
    single = grid.alphas[grid.df == 1]
    lasso = l1l2.lasso(X2, y, 0.8 * single.min() + 0.2 * single.max())

    # 1/(2n) |y - b - X2 w|^2 at the best b, for each column w of W, from the centred moments
    Xc, yc = X2 - X2.mean(axis=0), y - y.mean()
    gram, corr, sq = Xc.T @ Xc / len(y), Xc.T @ yc / len(y), yc @ yc / len(y)

    def loss(W):
        return 0.5 * sq - corr @ W + 0.5 * np.sum(W * (gram @ W), axis=0)

    # the Ridge alpha whose fit has the same loss: one contour touches both balls
    ridges = l1l2.ridge_path(X2, y, alphas=np.geomspace(1e3, 1e-3, 241))
    losses = loss(ridges.coefs.T)                       # decreasing along the path
    target = loss(lasso.coef[:, None])[0]
    ridge = l1l2.ridge(X2, y, 10 ** np.interp(target, losses[::-1], np.log10(ridges.alphas[::-1])))
    r1, r2 = np.abs(lasso.coef).sum(), np.linalg.norm(ridge.coef)

    lim = 1.25 * max(r1, r2)               # the balls, the contours around ols, a strip below
    x_range = (-lim, max(lim, ols[0] + 0.6 * lim))
    y_range = (-1.6 * lim, max(lim, ols[1] + 0.6 * lim))
    w1, w2 = np.meshgrid(np.linspace(*x_range, 300), np.linspace(*y_range, 300))
    surface = loss(np.vstack([w1.ravel(), w2.ravel()])).reshape(w1.shape)
    minimum = loss(ols[:, None])[0]
    levels = minimum + (target - minimum) * np.array([0.1, 0.35, 1.0, 2.0, 3.5])
    ax.contour(w1, w2, surface, levels=levels, colors="0.55", linewidths=0.8)
    ax.contour(w1, w2, surface, levels=[target], colors="0.15", linewidths=1.4)
    ax.add_patch(Polygon([(r1, 0), (0, r1), (-r1, 0), (0, -r1)], closed=True, fc="C0", alpha=0.25,
                         ec="C0", lw=1.5, label=f"L1 ball $\\|w\\|_1 \\leq {r1:.3g}$"))
    ax.add_patch(Circle((0, 0), r2, fc="C1", alpha=0.25, ec="C1", lw=1.5,
                        label=f"L2 ball $\\|w\\|_2 \\leq {r2:.3g}$"))
    ax.axhline(0, color="0.7", lw=0.6)
    ax.axvline(0, color="0.7", lw=0.6)
    ax.legend(loc="lower left", fontsize=9)       # in the strip left free below the balls
    for point, marker, color, text, offset, align in (
            (lasso.coef, "o", "C0", f"lasso: {second} = 0\n(a corner)", (8, -6), "top"),
            (ridge.coef, "s", "C1", "ridge: both nonzero", (8, 4), "bottom"),
            (ols, "x", "k", "least squares", (0, 8), "bottom")):
        ax.plot(*point, marker, color=color, ms=7, mew=2)
        ax.annotate(text, point, xytext=offset, textcoords="offset points", va=align,
                    ha="center" if offset[0] == 0 else "left", fontsize=9, color=color,
                    bbox=dict(fc="white", ec="none", alpha=0.75, pad=1))
    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    ax.set_aspect("equal")
    ax.set_xlabel(f"coef of {first}")
    ax.set_ylabel(f"coef of {second}")
    ax.set_title(f"L1 corner vs L2 disc: one loss contour ({first}, {second})", fontsize=11)


def _engel_panel(ax):
    from matplotlib.ticker import NullFormatter

    import l1l2
    from l1l2.data import load_engel, plant_outliers

    income, food = load_engel()
    spoiled, planted = plant_outliers(food)
    X = income[:, None]
    clean = np.ones(len(food), dtype=bool)
    clean[planted] = False
    ax.plot(income[clean], food[clean], "o", ms=3, color="0.55", alpha=0.7, label="households")
    ax.plot(income[planted], spoiled[planted], "x", ms=5, color="C3",
            label=f"{len(planted)} planted: food x 10")
    grid = np.geomspace(income.min(), income.max(), 50)
    for fit, style, name in ((l1l2.lad(X, spoiled), "-C0", "LAD"),
                             (l1l2.ridge(X, spoiled, 0.0), "--C3", "least squares"),
                             (l1l2.lad(X, food), ":k", "LAD, clean data")):
        ax.plot(grid, fit.intercept + fit.coef[0] * grid, style, lw=1.6,
                label=f"{name}: slope {fit.coef[0]:.2f}")
    # least squares has a negative intercept: on log axes its line bends down at low income
    ax.set_ylim(0.45 * food.min(), 1.5 * spoiled.max())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([500, 1000, 2000, 4000], ["500", "1000", "2000", "4000"])
    ax.set_yticks([100, 300, 1000, 3000, 10000], ["100", "300", "1000", "3000", "10000"])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("household income (log scale)")
    ax.set_ylabel("food expenditure (log scale)")
    ax.legend(fontsize=8, loc="lower right")               # below the cloud, clear of outliers
    ax.grid(True, alpha=0.3, which="both")
    ax.set_title("L1 loss: LAD ignores 10% gross outliers (Engel)", fontsize=11)


def _bootstrap_panels(freq_ax, coef_ax, X, y, names, lasso_alpha, ridge_alpha, n_resamples, seed):
    import l1l2

    rng = np.random.default_rng(seed)
    n_samples, n_features = X.shape
    lasso_coefs = np.empty((n_resamples, n_features))
    ridge_coefs = np.empty((n_resamples, n_features))
    for b in range(n_resamples):
        rows = rng.integers(0, n_samples, n_samples)
        lasso_coefs[b] = l1l2.lasso(X[rows], y[rows], lasso_alpha).coef
        ridge_coefs[b] = l1l2.ridge(X[rows], y[rows], ridge_alpha).coef

    rows = np.arange(n_features)
    frequency = np.mean(lasso_coefs != 0, axis=0)
    unstable = (frequency > 0.1) & (frequency < 0.9)
    freq_ax.barh(rows, frequency, color=np.where(unstable, "C1", "C0"), height=0.7)
    for j, f in enumerate(frequency):
        freq_ax.text(min(f, 1) + 0.01, j, f"{f:.0%}", va="center", fontsize=8)
    freq_ax.set_yticks(rows, names)
    freq_ax.invert_yaxis()
    freq_ax.set_xlim(0, 1.12)
    freq_ax.set_xlabel(f"fraction of {n_resamples} bootstrap resamples selecting the feature")
    freq_ax.set_title(f"Lasso (alpha_1se = {lasso_alpha:.3g}): orange = selected in 10-90%",
                      fontsize=11)

    jitter = rng.uniform(-0.12, 0.12, n_resamples)
    for coefs, offset, color, name, alpha in ((lasso_coefs, -0.2, "C0", "lasso", lasso_alpha),
                                              (ridge_coefs, 0.2, "C2", "ridge", ridge_alpha)):
        for j in rows:
            coef_ax.plot(coefs[:, j], j + offset + jitter, ".", ms=3, color=color, alpha=0.35,
                         label=f"{name} (alpha_1se = {alpha:.3g})" if j == 0 else None)
        coef_ax.plot(np.median(coefs, axis=0), rows + offset, "|", color="k", ms=9, mew=1.5)
    coef_ax.axvline(0, color="0.5", lw=0.8)
    coef_ax.set_yticks(rows, names)
    coef_ax.invert_yaxis()
    coef_ax.set_xlabel(f"coefficient over {n_resamples} bootstrap resamples (| = median)")
    coef_ax.legend(fontsize=8, loc="upper right", markerscale=3)
    coef_ax.set_title("Bootstrap coefs: lasso jumps to 0, ridge is smooth", fontsize=11)
