"""The package's objectives in plain NumPy (float64): what the kernels minimise, for results and tests.

Squared loss (glmnet's convention)::

    1/(2n) sum_i s_i (y_i - x_i . w - b)^2 + alpha sum_j f_j (rho |w_j| + (1 - rho)/2 w_j^2)

with sample weights s normalised to sum to n and penalty factors f used as given.
"""
import numpy as np


def enet_penalty(coef, alpha, l1_ratio, penalty_factor):
    """The penalty of coef (p,), or of each row of coef (k, p)."""
    size = np.abs(np.asarray(coef, dtype=np.float64))
    alpha = np.asarray(alpha, dtype=np.float64)
    # alpha |w_j| first: alpha w_j^2 may be finite where w_j^2 is not (alpha 1e-300, w_j 1e200)
    scaled = (alpha[..., None] if alpha.ndim else alpha) * size
    terms = l1_ratio * scaled
    if l1_ratio < 1:
        with np.errstate(over="ignore"):
            terms = terms + 0.5 * (1 - l1_ratio) * scaled * size
    penalised = np.asarray(penalty_factor) > 0      # f_j = 0 adds nothing, even to an infinite term
    penalty = terms[..., penalised] @ np.asarray(penalty_factor)[penalised]
    return float(penalty) if np.ndim(penalty) == 0 else penalty


def enet_objective_from_loss(loss, n_samples, coef, alpha, l1_ratio, penalty_factor):
    """The objective from loss = sum_i s_i r_i^2 (weights normalised to sum to n); vectorised over
    targets when loss is (k,) and coef (k, p)."""
    return 0.5 * loss / n_samples + enet_penalty(coef, alpha, l1_ratio, penalty_factor)
