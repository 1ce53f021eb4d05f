"""Command line: ``l1l2 demo | fit | path`` (the same as ``python -m l1l2 ...``).

- ``l1l2 demo [--plot FILE.png]``: Lasso against Ridge, LAD against least squares, on the bundled data.
- ``l1l2 fit DATA --target COL --model M [--alpha A|cv] [--l1-ratio R] [--q Q] [--no-intercept]
  [--out coef.csv]``: one fit; prints the coefficients and the fit's certificate.
- ``l1l2 path DATA --target COL [--model M] [--n-alphas N] [--plot FILE.png] [--out path.csv]``.

DATA is one of:

- ``.csv``: a header row of column names, then one row per sample, every cell a number; ``--target``
  names the response column and every other column is a feature (named by the header).
- ``.npy``: a 2-D numeric array; ``--target`` is the response's column index (negative counts from
  the end) and the other columns are the features, named ``x0, x1, ...`` by their column index.
- ``.npz``: ``--target`` names the array holding y (1-D). The features are array ``X`` if present
  (named ``x0, x1, ...``), else every other array in the file, stacked as columns in file order (a
  1-D array is one column named by its key, a 2-D array k columns ``key[0], ..., key[k-1]``).

``--alpha`` defaults to ``cv`` for lasso, enet and ridge (K-fold CV by lasso_cv / enet_cv, exact
leave-one-out by ridge_cv, then a fit at alpha_min) and to 0 (unpenalised) for lad and quantile.
``fit --out`` writes ``feature,coefficient`` rows, the last ``(intercept)``; ``path --out`` writes one
row per alpha: ``alpha``, one column per feature, ``(intercept)``. Both print every number with repr,
so they round-trip exactly.

Missing or non-finite values are errors. Exit status: 0 on success, 1 when the data cannot be read or
the fit fails, 2 for a bad invocation (also ``--plot`` without matplotlib). Errors are one line on
stderr, ``l1l2: error: ...``; warnings (such as ConvergenceWarning) are ``l1l2: warning: ...``.
Paths and cross-validation report one line per alpha on stderr when it is a terminal (or with
``--progress``).
"""
import argparse
import csv
import math
import os
import sys
import warnings

import numpy as np

import l1l2
from l1l2.data import load_diabetes, load_engel, plant_outliers

MODELS = ("lasso", "enet", "ridge", "lad", "quantile")
CV_MODELS = ("lasso", "enet", "ridge")        # the models with a *_cv function
L1_MODELS = ("lasso", "enet", "lad", "quantile")
PLOT_HINT = "--plot needs matplotlib: pip install 'l1l2[plot]'"
MODEL_HELP = ("lasso, enet (elastic net), ridge, lad (least absolute deviations) or quantile "
              "(quantile regression)")
MISSING = ("", "na", "n/a", "nan", "null", "none", "?")


class CliError(Exception):
    """A failure reported as one line on stderr; status 1 (data or fit) or 2 (usage)."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors: ``l1l2: error: <message> (see 'l1l2 fit --help')``."""

    def error(self, message):
        raise CliError(f"{message} (see '{self.prog} --help')", status=2)


# ---------------------------------------------------------------------------------------- data files

def load_data(file, target):
    """Return (X, y, feature_names, target_name) from a .csv, .npy or .npz file (module docstring)."""
    if not os.path.exists(file):
        raise CliError(f"data file not found: {file}")
    if os.path.isdir(file):
        raise CliError(f"data file is a directory: {file}")
    ext = os.path.splitext(file)[1].lower()
    if ext == ".csv":
        return _load_csv(file, target)
    if ext == ".npy":
        return _load_npy(file, target)
    if ext == ".npz":
        return _load_npz(file, target)
    raise CliError(f"cannot read {file}: DATA must be a .csv, .npy or .npz file, "
                   f"got {ext or 'no extension'!r}")


def _load_csv(file, target):
    with open(file, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = next(reader, None)
            if header is None or not any(name.strip() for name in header):
                raise CliError(f"{file} is empty: it needs a header row of column names")
            header = [name.strip() for name in header]
            rows, lines = [], []
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue                                        # blank lines
                if len(row) != len(header):
                    raise CliError(f"{file}, line {reader.line_num}: {len(row)} fields, but the header "
                                   f"has {len(header)}")
                rows.append(row)
                lines.append(reader.line_num)
        except csv.Error as exc:
            raise CliError(f"{file}, line {reader.line_num}: {exc}") from None
        except UnicodeDecodeError as exc:       # (its position counts from a buffer, not the file)
            raise CliError(f"{file} is not UTF-8 text: after line {reader.line_num}, byte "
                           f"0x{exc.object[exc.start]:02x} cannot be decoded") from None
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        raise CliError(f"{file} is not comma-separated: its header is the single column {header[0]!r}")
    if header.count(target) == 0:
        raise CliError(f"{file} has no column {target!r}; its columns are {', '.join(map(repr, header))}")
    if header.count(target) > 1:
        raise CliError(f"{file} has {header.count(target)} columns named {target!r}")
    if not rows:
        raise CliError(f"{file} has a header but no data rows")
    if len(header) < 2:
        raise CliError(f"{file} has no feature columns besides the target {target!r}")
    try:
        table = np.array(rows, dtype=np.float64)          # fast path; a bad cell is located below
    except ValueError:
        table = None
    if table is None or not np.isfinite(table).all():
        for row, line in zip(rows, lines):
            for name, cell in zip(header, row):
                problem = _cell_problem(cell)
                if problem:
                    raise CliError(f"{file}, line {line}, column {name!r}: {problem}")
        # every stripped cell is a number to Python's float(), which accepts forms numpy refuses
        # ("1_000"; "6\x1d", where str.strip() removes more white space than numpy does)
        table = np.array([[float(cell.strip()) for cell in row] for row in rows], dtype=np.float64)
    t = header.index(target)
    features = [j for j in range(len(header)) if j != t]
    return table[:, features], table[:, t], [header[j] for j in features], target


def _cell_problem(cell):
    """Why a CSV cell is not a usable number, or None if it is."""
    text = cell.strip()
    if text.lower() in MISSING:
        return f"missing value {cell!r}" if text else "missing value (empty cell)"
    try:
        value = float(text)
    except ValueError:
        return f"{text!r} is not a number"
    return None if math.isfinite(value) else f"{text!r} is not a finite number"


def _load_npy(file, target):
    try:
        table = np.load(file, allow_pickle=False)
    except Exception as exc:       # a corrupt file raises anything from EOFError to tokenize errors
        raise CliError(f"cannot read {file} as a .npy array: {_reason(exc)}") from None
    if not isinstance(table, np.ndarray):                  # np.load goes by content: a zip archive
        table.close()
        raise CliError(f"cannot read {file} as a .npy array: it is a .npz archive")
    if table.ndim != 2:
        raise CliError(f"{file} holds a {table.ndim}-D array of shape {table.shape}; DATA needs a 2-D "
                       f"array (samples x columns)")
    n_columns = table.shape[1]
    try:
        t = int(target)
    except ValueError:
        raise CliError(f"--target must be a column index for a .npy file, got {target!r}") from None
    if not -n_columns <= t < n_columns:
        raise CliError(f"--target {t} is out of range: {file} has {n_columns} columns "
                       f"(indices 0..{n_columns - 1}, or negative from the end)")
    t %= n_columns
    _check_values(table, f"{file}", "row", lambda j: f"column {j}")
    if n_columns < 2:
        raise CliError(f"{file} has no feature columns besides the target column {t}")
    features = [j for j in range(n_columns) if j != t]
    return table[:, features], table[:, t], [f"x{j}" for j in features], f"column {t}"


def _load_npz(file, target):
    try:
        archive = np.load(file, allow_pickle=False)
    except Exception as exc:       # a corrupt file raises anything from BadZipFile to zlib.error
        raise CliError(f"cannot read {file} as a .npz archive: {_reason(exc)}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):      # np.load goes by content: one .npy array
        raise CliError(f"cannot read {file} as a .npz archive: it is a single .npy array")
    with archive:
        keys = list(archive.files)
        if target not in keys:
            raise CliError(f"{file} has no array {target!r}; its arrays are {', '.join(map(repr, keys))}")
        try:
            arrays = {key: archive[key] for key in keys}
        except Exception as exc:   # a damaged member: a bad CRC, truncated data, a bad .npy header
            raise CliError(f"cannot read {file}: {_reason(exc)}") from None
    for key, values in arrays.items():
        if not isinstance(values, np.ndarray):     # a member not named *.npy: NpzFile gives its bytes
            raise CliError(f"cannot read {file}: its member {key!r} is not a .npy array")
    y = arrays.pop(target)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise CliError(f"{file}: the target {target!r} must be a 1-D array, got shape {y.shape}")
    _check_values(y[:, None], f"{file}: array {target!r}", "element", lambda j: "")
    if "X" in arrays:
        arrays = {"X": arrays["X"]}
    if not arrays:
        raise CliError(f"{file} has no feature arrays besides the target {target!r}")
    columns, names = [], []
    for key, values in arrays.items():
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2:
            raise CliError(f"{file}: array {key!r} must be 1-D or 2-D, got shape {values.shape}")
        if values.shape[0] != y.shape[0]:
            raise CliError(f"{file}: array {key!r} has {values.shape[0]} rows but the target {target!r} "
                           f"has {y.shape[0]}")
        _check_values(values, f"{file}: array {key!r}", "row", lambda j: f"column {j}")
        columns.append(values)
        if key == "X":
            names += [f"x{j}" for j in range(values.shape[1])]
        elif values.shape[1] == 1 and arrays[key].ndim == 1:
            names.append(key)
        else:
            names += [f"{key}[{j}]" for j in range(values.shape[1])]
    return np.hstack(columns), y, names, target


def _reason(exc):
    """An exception as one line that names its type (a bare 'No data left in file' says little)."""
    return f"{type(exc).__name__}: {_one_line(exc)}"


def _check_values(table, where, row_word, column_label):
    """Numeric dtype and finite values, else an error naming the first bad entry."""
    if table.dtype.kind not in "biuf":           # (timedelta64 is an np.number to issubdtype)
        raise CliError(f"{where} must hold real numbers, got dtype {table.dtype}")
    if table.size == 0:
        raise CliError(f"{where} is empty (shape {table.shape})")
    if np.issubdtype(table.dtype, np.floating):
        bad = np.argwhere(~np.isfinite(table))
        if bad.size:
            i, j = bad[0]
            what = "missing value (NaN)" if np.isnan(table[i, j]) else "non-finite value"
            place = ", ".join(filter(None, (f"{row_word} {i}", column_label(j))))
            raise CliError(f"{where}, {place}: {what}")


# ---------------------------------------------------------------------------------------- fit, path

class Model:
    """The model options of one invocation, checked against each other (usage errors, status 2)."""

    def __init__(self, args):
        if args.q is not None and args.model != "quantile":
            raise CliError(f"--q applies only to --model quantile, not --model {args.model}", status=2)
        if args.l1_ratio is not None and args.model != "enet":
            raise CliError(f"--l1-ratio applies only to --model enet, not --model {args.model}", status=2)
        if getattr(args, "alpha", None) == "cv" and args.model not in CV_MODELS:
            raise CliError(f"--alpha cv is not supported for --model {args.model} (cross-validation is "
                           f"for {', '.join(CV_MODELS)}); give a number, e.g. --alpha 0", status=2)
        self.name = args.model
        self.l1_ratio = 0.5 if args.l1_ratio is None else args.l1_ratio
        self.q = 0.5 if args.q is None else args.q
        self.fit_intercept = not args.no_intercept
        self.verbose = sys.stderr.isatty() if args.progress is None else args.progress

    @property
    def label(self):
        if self.name == "enet":
            return f"enet (l1_ratio={self.l1_ratio:g})"
        if self.name == "quantile":
            return f"quantile (q={self.q:g})"
        return self.name

    @property
    def objective(self):
        r = "y - Xw - b" if self.fit_intercept else "y - Xw"
        return {
            "lasso": f"1/(2n) |{r}|^2 + alpha |w|_1",
            "enet": f"1/(2n) |{r}|^2 + alpha ({self.l1_ratio:g} |w|_1 + {(1 - self.l1_ratio) / 2:g} |w|^2)",
            "ridge": f"1/(2n) |{r}|^2 + alpha/2 |w|^2",
            "lad": f"1/n sum |{r}| + alpha |w|_1",
            "quantile": f"1/n sum rho_{self.q:g}({r}) + alpha |w|_1",
        }[self.name]

    def cv(self, X, y):
        """Cross-validate alpha; return (alpha_min, a line saying how)."""
        options = {"fit_intercept": self.fit_intercept}
        if self.name == "lasso":
            cv = l1l2.lasso_cv(X, y, verbose=self.verbose, **options)
        elif self.name == "enet":
            cv = l1l2.enet_cv(X, y, l1_ratio=self.l1_ratio, verbose=self.verbose, **options)
        else:
            cv = l1l2.ridge_cv(X, y, **options)
        how = "leave-one-out" if self.name == "ridge" else f"{cv.fold_errors.shape[0]}-fold"
        return cv.alpha_min, (f"alpha chosen by {how} cross-validation over {len(cv.alphas)} alphas: "
                              f"alpha_min = {cv.alpha_min:.6g} (used), alpha_1se = {cv.alpha_1se:.6g}")

    def fit(self, X, y, alpha):
        options = {"fit_intercept": self.fit_intercept}
        if self.name == "lasso":
            return l1l2.lasso(X, y, alpha, **options)
        if self.name == "enet":
            return l1l2.elastic_net(X, y, alpha, self.l1_ratio, **options)
        if self.name == "ridge":
            return l1l2.ridge(X, y, alpha, **options)
        if self.name == "lad":
            return l1l2.lad(X, y, alpha=alpha, **options)
        return l1l2.quantile(X, y, self.q, alpha=alpha, **options)

    def path(self, X, y, n_alphas):
        options = {"fit_intercept": self.fit_intercept}
        if n_alphas is not None:
            options["n_alphas"] = n_alphas
        if self.name != "ridge":                 # ridge_path is one eigendecomposition: no progress
            options["verbose"] = self.verbose
        if self.name == "lasso":
            return l1l2.lasso_path(X, y, **options)
        if self.name == "enet":
            return l1l2.enet_path(X, y, self.l1_ratio, **options)
        if self.name == "ridge":
            return l1l2.ridge_path(X, y, **options)
        if self.name == "lad":
            return l1l2.lad_path(X, y, **options)
        return l1l2.quantile_path(X, y, self.q, **options)


def _check_output(file, option):
    """Fail before any work when an output file cannot be written: its directory must exist."""
    if file is None:
        return
    directory = os.path.dirname(os.path.abspath(file))
    if not os.path.isdir(directory):
        raise CliError(f"cannot write {option} {file}: directory {directory} does not exist")
    if os.path.isdir(file):
        raise CliError(f"cannot write {option} {file}: it is a directory")


def _write_csv(file, header, rows):
    with open(file, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def fit_command(args):
    model = Model(args)
    _check_output(args.out, "--out")
    X, y, names, target = load_data(args.data, args.target)
    alpha = args.alpha if args.alpha is not None else ("cv" if model.name in CV_MODELS else 0.0)
    cv_note = None
    if alpha == "cv":
        alpha, cv_note = model.cv(X, y)
    fit = model.fit(X, y, alpha)

    print(f"{model.label} fit of {target!r} on {len(names)} features of {args.data} "
          f"({X.shape[0]} samples)")
    if cv_note:
        print(cv_note)
    rows = [*zip(names, fit.coef), ("(intercept)", fit.intercept)]
    width = max(len("feature"), *(len(name) for name, _ in rows))
    print(f"\n{'feature':<{width}}  {'coefficient':>14}")
    for name, value in rows:
        print(f"{name:<{width}}  {float(value):>14.6g}")
    print()
    for key, value in (("model", model.label),
                       ("minimises", model.objective),
                       ("alpha", format(fit.alpha, ".6g")),
                       ("objective", format(fit.objective, ".10g")),
                       ("dual gap", "n/a" if fit.dual_gap is None else format(fit.dual_gap, ".3g")),
                       ("converged", "yes" if fit.converged else "no (stopped at max_iter)"),
                       ("n_iter", str(int(fit.n_iter))),
                       ("nonzero", f"{len(fit.active)}/{len(names)}")):
        print(f"{key:<10} {value}")
    if args.out is not None:
        _write_csv(args.out, ["feature", "coefficient"],
                   ((name, repr(float(value))) for name, value in rows))
        print(f"\ncoefficients written to {args.out}")


def path_command(args):
    model = Model(args)
    _check_output(args.out, "--out")
    _check_output(args.plot, "--plot")
    if args.plot is not None:
        _import_pyplot()                                     # fail before the (long) path
    X, y, names, target = load_data(args.data, args.target)
    path = model.path(X, y, args.n_alphas)

    print(f"{model.label} path of {target!r} on {len(names)} features of {args.data} "
          f"({X.shape[0]} samples): {len(path)} alphas from {path.alphas[0]:.6g} down to "
          f"{path.alphas[-1]:.6g}")
    print(f"minimises {model.objective}")
    print(f"converged at {int(path.converged.sum())} of {len(path)} alphas; largest dual gap "
          f"{np.nanmax(path.dual_gaps):.3g}\n")
    if model.name in L1_MODELS:
        _print_entry_order(path, names)
    df_label = "df" if model.name == "ridge" else "nonzero"
    print(f"{'alpha':>12}  {df_label:>8}  {'objective':>14}  {'dual gap':>9}  {'n_iter':>6}  converged")
    for i in range(len(path)):
        df = f"{path.df[i]:.3g}" if model.name == "ridge" else str(int(path.df[i]))
        print(f"{path.alphas[i]:>12.6g}  {df:>8}  {path.objectives[i]:>14.8g}  {path.dual_gaps[i]:>9.2g}  "
              f"{int(path.n_iters[i]):>6}  {'yes' if path.converged[i] else 'no'}")
    if args.out is not None:
        _write_csv(args.out, ["alpha", *names, "(intercept)"],
                   ([repr(float(alpha)), *map(repr, map(float, coef)), repr(float(intercept))]
                    for alpha, coef, intercept in zip(path.alphas, path.coefs, path.intercepts)))
        print(f"\npath written to {args.out}")
    if args.plot is not None:
        _save_path_plot(path, args.plot, names, model.label)
        print(f"\nfigure written to {args.plot}")


def _print_entry_order(path, names):
    """The L1 story: the largest alpha at which each feature is nonzero, in order of entry."""
    nonzero = path.coefs != 0
    first = [int(np.argmax(nonzero[:, j])) if nonzero[:, j].any() else None for j in range(len(names))]
    width = max(len("feature"), *(len(name) for name in names))
    print(f"{'feature':<{width}}  {'enters at alpha':>15}")
    for j in sorted(range(len(names)), key=lambda j: (first[j] is None, first[j] or 0)):
        alpha = "never" if first[j] is None else format(path.alphas[first[j]], ".6g")
        print(f"{names[j]:<{width}}  {alpha:>15}")
    print()


# -------------------------------------------------------------------------------------------- plots

def _import_pyplot():
    """matplotlib.pyplot on the file-only Agg backend, or a usage error naming the extra."""
    try:
        import matplotlib
    except ImportError:
        raise CliError(PLOT_HINT, status=2) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save_path_plot(path, file, names, title):
    """The coefficient paths, labelled by feature name: l1l2.plotting (the [plot] extra) where it is
    installed, else drawn here against log10(alpha)."""
    plt = _import_pyplot()
    try:
        from l1l2.plotting import plot_path
    except ImportError:
        plot_path = None
    fig, ax = plt.subplots()
    try:
        if plot_path is not None:
            plot_path(path, ax=ax, names=names)
        elif hasattr(path, "plot"):
            path.plot(ax=ax)
        else:
            positive = bool((path.alphas > 0).all())
            for j, name in enumerate(names):
                ax.plot(np.log10(path.alphas) if positive else path.alphas, path.coefs[:, j], label=name)
            ax.set_xlabel("log10(alpha)" if positive else "alpha")
            ax.set_ylabel("coefficient")
            if len(names) <= 12:
                ax.legend(fontsize="small")
        ax.set_title(f"{title} path")
        fig.savefig(file, bbox_inches="tight")
    finally:
        plt.close(fig)


# ------------------------------------------------------------------------------------------- demo

def demo():
    """Fit Lasso and Ridge on the standardised diabetes data at a few alphas and print the story."""
    X, y, names = load_diabetes()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    print(f"diabetes data: {X.shape[0]} patients, {X.shape[1]} standardised features, "
          f"y = disease progression\n")
    print("objective: 1/(2n) sum (y - Xw - b)^2 + alpha * penalty;  L1 = alpha |w|_1,  "
          "L2 = alpha/2 |w|^2\n")
    alphas = [30.0, 10.0, 3.0, 1.0, 0.1]
    for title, fit in (("Lasso (L1): features drop out one by one as alpha grows",
                        lambda a: l1l2.lasso(X, y, a)),
                       ("Ridge (L2): every feature only shrinks",
                        lambda a: l1l2.ridge(X, y, a))):
        fits = [fit(a) for a in alphas]
        print(title)
        print(f"{'feature':>10}" + "".join(f"{'alpha=' + format(a, 'g'):>12}" for a in alphas))
        for j, name in enumerate(names):
            print(f"{name:>10}" + "".join(f"{f.coef[j]:12.2f}" for f in fits))
        print(f"{'nonzero':>10}" + "".join(f"{len(f.active):12d}" for f in fits))
        print(f"{'dual gap':>10}" + "".join(f"{f.dual_gap:12.1e}" for f in fits) + "\n")
    robust_demo()


def robust_demo():
    """LAD against least squares on Engel's data, before and after planting gross outliers."""
    income, food = load_engel()
    X = income[:, None]
    spoiled, _ = plant_outliers(food)                           # 10% misrecorded: a slipped decimal
    print(f"Engel's data: food expenditure of {len(food)} households against income\n")
    print("loss: L1 (LAD) = 1/n sum |y - Xw - b|, every residual weighs the same;  "
          "L2 = least squares, large residuals dominate\n")
    print(f"{'':>34}{'slope':>10}{'intercept':>11}{'dual gap':>10}")
    for label, y in (("clean data", food), ("10% gross outliers planted", spoiled)):
        lad = l1l2.lad(X, y)
        ols = l1l2.ridge(X, y, 0.0)
        print(f"{label:>26}   LAD {lad.coef[0]:10.4f}{lad.intercept:11.2f}{lad.dual_gap:10.1e}")
        print(f"{'':>26}    LS {ols.coef[0]:10.4f}{ols.intercept:11.2f}{ols.dual_gap:10.1e}")
    print("\nquantile regression on the clean data: the spread of food spending grows with income")
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        fit = l1l2.quantile(X, food, q)
        print(f"   q={q:<5} food = {fit.intercept:7.2f} + {fit.coef[0]:.4f} * income"
              f"   (dual gap {fit.dual_gap:.1e})")


def demo_command(args):
    """The demo's text, then with --plot its figure (the [plot] extra's demo_figure)."""
    if args.plot is not None:
        _check_output(args.plot, "--plot")
        _import_pyplot()
        try:
            from l1l2.plotting import demo_figure
        except ImportError:
            raise CliError(PLOT_HINT, status=2) from None
    demo()
    if args.plot is not None:
        demo_figure(args.plot)
        print(f"figure written to {args.plot}")


# --------------------------------------------------------------------------------------------- main

def _alpha(text):
    if text.strip().lower() == "cv":
        return "cv"
    return _number(text, lambda v: v >= 0, "a number >= 0 or 'cv'")


def _number(text, ok, rule):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and ok(value)):
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}")
    return value


def _n_alphas(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def build_parser():
    parser = Parser(prog="l1l2", description="L1/L2-regularised linear regression: Lasso, elastic net, "
                    "ridge, LAD and quantile regression, each certified by its duality gap.",
                    epilog="DATA is a .csv file with a header row (--target names a column), a .npy "
                           "2-D array (--target is a column index) or a .npz archive (--target names "
                           "the array of y; the features are array X, else all other arrays).")
    parser.add_argument("--version", action="version", version=f"l1l2 {l1l2.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{demo,fit,path}")
    demo_parser = commands.add_parser(
        "demo", help="Lasso and Ridge on the bundled diabetes data, LAD and quantile regression on "
                     "Engel's data")
    demo_parser.add_argument("--plot", metavar="FILE.png", help="also save the demo figure")
    demo_parser.set_defaults(run=demo_command)

    def data_arguments(sub):
        sub.add_argument("data", metavar="DATA", help="a .csv, .npy or .npz file")
        sub.add_argument("--target", required=True, metavar="COL",
                         help="the response: a column name (.csv), column index (.npy) or array "
                              "name (.npz)")

    def model_arguments(sub):
        sub.add_argument("--l1-ratio", type=lambda t: _number(t, lambda v: 0 <= v <= 1, "in [0, 1]"),
                         metavar="R", help="enet only: the L1 share of the penalty (default 0.5)")
        sub.add_argument("--q", type=lambda t: _number(t, lambda v: 0 < v < 1, "in (0, 1)"),
                         metavar="Q", help="quantile only: the quantile (default 0.5)")
        sub.add_argument("--no-intercept", action="store_true", help="fit no intercept")
        sub.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                         help="one line per alpha on stderr (default: when stderr is a terminal)")

    fit_parser = commands.add_parser("fit", help="fit one model and print its coefficients and "
                                                 "certificate")
    data_arguments(fit_parser)
    fit_parser.add_argument("--model", required=True, choices=MODELS, help=MODEL_HELP)
    fit_parser.add_argument("--alpha", type=_alpha, metavar="A|cv",
                            help="penalty strength, or 'cv' for cross-validation (lasso, enet, "
                                 "ridge); default: cv for lasso, enet and ridge, 0 for lad and "
                                 "quantile")
    model_arguments(fit_parser)
    fit_parser.add_argument("--out", metavar="coef.csv",
                            help="write feature,coefficient rows (and '(intercept)') at full precision")
    fit_parser.set_defaults(run=fit_command)

    path_parser = commands.add_parser("path", help="fit a whole regularisation path")
    data_arguments(path_parser)
    path_parser.add_argument("--model", default="lasso", choices=MODELS,
                             help=MODEL_HELP + " (default lasso)")
    path_parser.add_argument("--n-alphas", type=_n_alphas, metavar="N",
                             help="grid length (default 100, ridge 50)")
    model_arguments(path_parser)
    path_parser.add_argument("--plot", metavar="FILE.png", help="save the coefficient paths")
    path_parser.add_argument("--out", metavar="path.csv",
                             help="write one row per alpha: alpha, each coefficient, the intercept")
    path_parser.set_defaults(run=path_command)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"l1l2: warning: {message}", file=sys.stderr)


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv=None):
    """Run the command line; return the exit status (0 success, 1 error, 2 bad usage)."""
    try:
        args = build_parser().parse_args(argv)
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            args.run(args)
        sys.stdout.flush()
    except CliError as exc:
        print(f"l1l2: error: {exc}", file=sys.stderr)
        return exc.status
    except BrokenPipeError:
        # stdout closed early (`l1l2 path ... | head`): quiet, and no second error at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, TypeError, OSError, MemoryError) as exc:
        print(f"l1l2: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("l1l2: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
