"""ConvergenceWarning and its one emitter."""
import contextvars
import warnings

import numpy as np


class ConvergenceWarning(UserWarning):
    """A solver stopped at max_iter (or max_seconds) before its duality gap reached tol."""


SQUARED_SCALE = "gap / (sum_i s_i y_i^2 / n), y centred with an intercept"
# (category, extra frames): l1l2.sklearn issues the warning as scikit-learn's ConvergenceWarning at
# its user's line. A context variable, so a fit in one thread never changes another's warnings
# (warnings.catch_warnings swaps process-wide filters, which concurrent threads interleave).
ISSUE_AS = contextvars.ContextVar("ISSUE_AS", default=(ConvergenceWarning, 0))


def warn_if_not_converged(converged, relative_gap, tol, max_iter, stacklevel, what="targets",
                          scale=SQUARED_SCALE, steps="sweeps", budget=None):
    """One warning for a call whose fits (one per target, or per alpha) did not all converge;
    budget: the call's _limits.Budget, whose deadline, once past, is named as the cause."""
    converged = np.atleast_1d(converged)
    failed = ~converged
    if not failed.any():
        return
    worst = float(np.max(np.atleast_1d(relative_gap)[failed]))
    which = "the fit" if converged.size == 1 else f"{failed.sum()} of {converged.size} {what}"
    category, extra_frames = ISSUE_AS.get()
    if budget is not None and budget.out_of_time():
        limit, advice = f"max_seconds={budget.max_seconds:g}", "Increase max_seconds"
    else:
        limit, advice = f"max_iter={max_iter} {steps}", "Increase max_iter"
    warnings.warn(
        f"{which} did not converge within {limit}: relative duality gap {worst:.3g} "
        f"> tol={tol:.3g} ({scale}). "
        f"{advice}, loosen tol, or standardize X.",
        category,
        stacklevel=stacklevel + 1 + extra_frames,
    )
