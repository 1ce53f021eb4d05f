"""Immutable result objects: frozen data with a one-line summary."""
from dataclasses import dataclass, fields

import numpy as np

from l1l2._validation import check_predict_X


def _read_only(value):
    """A read-only copy of an array, unless it is one already: an array that owns its data and is
    read-only (as from_fits hands over its fresh stack, not kept elsewhere) is used as it is."""
    if isinstance(value, np.ndarray) and (value.base is not None or value.flags.writeable):
        value = value.copy()
        value.flags.writeable = False
    return value


class ReadOnly:
    """Base of the frozen result dataclasses: array fields are read-only copies, also after
    unpickling (which rebuilds through __init__)."""

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, _read_only(getattr(self, f.name)))

    def __reduce__(self):
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))


@dataclass(frozen=True, repr=False)
class FitResult(ReadOnly):
    """One fit at one alpha: coefficients, intercept and the optimality certificate.

    For a 2-D y with k targets, coef is (k, p) and intercept, objective, dual_gap, n_iter and
    converged are arrays of shape (k,); otherwise they are scalars and coef is (p,).
    """
    coef: np.ndarray
    intercept: float | np.ndarray
    alpha: float
    l1_ratio: float
    loss: str
    objective: float | np.ndarray
    dual_gap: float | np.ndarray | None   # None where no certificate exists
    n_iter: int | np.ndarray
    converged: bool | np.ndarray

    @classmethod
    def from_targets(cls, fits, objective, *, alpha, l1_ratio, loss, one_target):
        """From per-target arrays (fits: coef (k, p), intercept, dual_gap, n_iter, converged (k,))."""
        def squeeze(values):
            return values[0].item() if one_target else values

        return cls(
            coef=fits.coef[0] if one_target else fits.coef,
            intercept=squeeze(np.asarray(fits.intercept, dtype=np.float64)),
            alpha=alpha, l1_ratio=l1_ratio, loss=loss,
            objective=squeeze(np.asarray(objective, dtype=np.float64)),
            dual_gap=None if fits.dual_gap is None else squeeze(np.asarray(fits.dual_gap, np.float64)),
            n_iter=squeeze(np.asarray(fits.n_iter, dtype=np.int64)),
            converged=squeeze(np.asarray(fits.converged, dtype=bool)),
        )

    @property
    def active(self) -> np.ndarray | tuple[np.ndarray, ...]:
        """Indices of the nonzero coefficients (a tuple of k index arrays for a 2-D y)."""
        if self.coef.ndim == 1:
            return np.flatnonzero(self.coef)
        return tuple(np.flatnonzero(row) for row in self.coef)

    def predict(self, X: np.typing.ArrayLike) -> np.ndarray:
        """Return X @ coef.T + intercept: (n,) for one target, (n, k) for k targets."""
        X = check_predict_X(X, self.coef.shape[-1])
        return X @ self.coef.T.astype(X.dtype, copy=False) + self.intercept

    def __repr__(self) -> str:
        n_features = self.coef.shape[-1]
        nonzero = np.count_nonzero(self.coef, axis=-1)
        if self.coef.ndim == 1:
            return (f"FitResult(loss={self.loss!r}, alpha={self.alpha:.4g}, l1_ratio={self.l1_ratio:.4g}, "
                    f"nonzero={nonzero}/{n_features}, objective={self.objective:.6g}, "
                    f"dual_gap={_fmt_gap(self.dual_gap)}, converged={bool(self.converged)}, "
                    f"n_iter={int(self.n_iter)})")
        return (f"FitResult(loss={self.loss!r}, alpha={self.alpha:.4g}, l1_ratio={self.l1_ratio:.4g}, "
                f"targets={self.coef.shape[0]}, nonzero={nonzero.min()}..{nonzero.max()}/{n_features}, "
                f"max_dual_gap={_fmt_gap(None if self.dual_gap is None else self.dual_gap.max())}, "
                f"converged={int(np.sum(self.converged))}/{self.coef.shape[0]}, "
                f"max_n_iter={int(np.max(self.n_iter))})")


def _fmt_gap(gap):
    return "None" if gap is None else f"{gap:.2g}"


@dataclass(frozen=True, repr=False)
class PathResult(ReadOnly):
    """A regularisation path: one certified fit per alpha, alpha axis first.

    alphas (n_alphas,) decreasing; coefs (n_alphas, n_features); intercepts, objectives, dual_gaps,
    n_iters, converged (n_alphas,); df (n_alphas,) the degrees of freedom: the number of nonzero
    coefficients, or for ridge the effective degrees of freedom sum_k s_k^2 / (s_k^2 + n alpha)
    (plus the unpenalised features).
    ``path[i]`` is the FitResult of alpha i and ``predict(X)`` is (n_samples, n_alphas).
    """
    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    objectives: np.ndarray
    dual_gaps: np.ndarray
    n_iters: np.ndarray
    converged: np.ndarray
    df: np.ndarray
    l1_ratio: float
    loss: str = "squared"

    @classmethod
    def from_fits(cls, alphas, fits, objectives, *, l1_ratio, loss="squared", df=None):
        """Stack one fit per alpha (each with coef, intercept, dual_gap, n_iter, converged);
        df defaults to the number of nonzero coefficients."""
        coefs = np.stack([fit.coef for fit in fits])
        coefs.flags.writeable = False       # ours alone: the result takes it without a copy
        return cls(
            alphas=np.asarray(alphas, dtype=np.float64),
            coefs=coefs,
            intercepts=np.array([fit.intercept for fit in fits], dtype=np.float64),
            objectives=np.asarray(objectives, dtype=np.float64),
            dual_gaps=np.array([fit.dual_gap for fit in fits], dtype=np.float64),
            n_iters=np.array([fit.n_iter for fit in fits], dtype=np.int64),
            converged=np.array([fit.converged for fit in fits], dtype=bool),
            df=np.count_nonzero(coefs, axis=1) if df is None else np.asarray(df),
            l1_ratio=l1_ratio, loss=loss,
        )

    def __len__(self) -> int:
        return self.alphas.shape[0]

    def __getitem__(self, i: int) -> FitResult:
        i = range(len(self))[i]     # negative indices, and IndexError past the end
        return FitResult(coef=self.coefs[i], intercept=float(self.intercepts[i]),
                         alpha=float(self.alphas[i]), l1_ratio=self.l1_ratio, loss=self.loss,
                         objective=float(self.objectives[i]), dual_gap=float(self.dual_gaps[i]),
                         n_iter=int(self.n_iters[i]), converged=bool(self.converged[i]))

    def predict(self, X: np.typing.ArrayLike) -> np.ndarray:
        """Predictions at every alpha: (n_samples, n_alphas)."""
        X = check_predict_X(X, self.coefs.shape[1])
        return X @ self.coefs.T.astype(X.dtype, copy=False) + self.intercepts

    def plot(self, ax=None, xaxis="log_alpha", label=True):
        """Plot the coefficient paths against alpha ("log_alpha") or the L1 norm ("l1_norm");
        needs matplotlib. Returns the Axes. See :func:`l1l2.plotting.plot_path`."""
        from l1l2.plotting import plot_path
        return plot_path(self, ax=ax, xaxis=xaxis, label=label)

    def __repr__(self) -> str:
        return (f"PathResult(loss={self.loss!r}, l1_ratio={self.l1_ratio:.4g}, n_alphas={len(self)}, "
                f"alphas={self.alphas[0]:.4g}..{self.alphas[-1]:.4g}, df={self.df[0]:.4g}..{self.df[-1]:.4g}"
                f"/{self.coefs.shape[1]}, max_dual_gap={self.dual_gaps.max():.2g}, "
                f"converged={int(self.converged.sum())}/{len(self)})")


@dataclass(frozen=True, repr=False)
class CVResult(ReadOnly):
    """Cross-validation along a path.

    alphas (n_alphas,) the full-data grid, decreasing; cv_mean and cv_se (n_alphas,) the mean over
    folds of the held-out weighted mean squared error and its standard error; fold_errors
    (n_folds, n_alphas); alpha_min = argmin of cv_mean; alpha_1se the largest alpha with
    cv_mean <= cv_mean[min] + cv_se[min] (glmnet's one-standard-error rule); best the full-data fit
    at alpha_min; path the full-data PathResult; fold_ids (n_samples,) the test fold of each sample
    (-1 for samples in no test fold).
    """
    alphas: np.ndarray
    cv_mean: np.ndarray
    cv_se: np.ndarray
    fold_errors: np.ndarray
    alpha_min: float
    alpha_1se: float
    best: FitResult
    path: PathResult
    fold_ids: np.ndarray

    @classmethod
    def from_errors(cls, path, fold_errors, fold_ids):
        cv_mean = fold_errors.mean(axis=0)
        n_folds = fold_errors.shape[0]
        cv_se = fold_errors.std(axis=0, ddof=1) / np.sqrt(n_folds) if n_folds > 1 else np.zeros_like(cv_mean)
        best = int(np.argmin(cv_mean))        # the first minimum: the largest alpha among ties
        # (NaN or infinite errors, from data at the edge of float range, satisfy no comparison)
        within = np.append(np.flatnonzero(cv_mean <= cv_mean[best] + cv_se[best]), best)
        return cls(alphas=path.alphas, cv_mean=cv_mean, cv_se=cv_se, fold_errors=fold_errors,
                   alpha_min=float(path.alphas[best]), alpha_1se=float(path.alphas[within[0]]),
                   best=path[best], path=path, fold_ids=fold_ids)

    def plot(self, ax=None):
        """Plot cv_mean ± cv_se against alpha with alpha_min and alpha_1se marked; needs
        matplotlib. Returns the Axes. See :func:`l1l2.plotting.plot_cv`."""
        from l1l2.plotting import plot_cv
        return plot_cv(self, ax=ax)

    def __repr__(self) -> str:
        return (f"CVResult(l1_ratio={self.path.l1_ratio:.4g}, n_folds={self.fold_errors.shape[0]}, "
                f"n_alphas={self.alphas.shape[0]}, alpha_min={self.alpha_min:.4g}, "
                f"alpha_1se={self.alpha_1se:.4g}, cv_mean_min={self.cv_mean.min():.4g}, "
                f"nonzero_at_min={len(self.best.active)})")
