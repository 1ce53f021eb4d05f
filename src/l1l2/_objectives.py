"""The package's objectives in plain NumPy (float64): what the kernels minimise, for results and tests.

Squared loss (glmnet's convention)::

    1/(2n) sum_i s_i (y_i - x_i . w - b)^2 + alpha sum_j f_j (rho |w_j| + (1 - rho)/2 w_j^2)

with sample weights s normalised to sum to n and penalty factors f used as given.
"""
import numpy as np


def enet_penalty(coef, alpha, l1_ratio, penalty_factor):
    """The penalty of coef (p,), or of each row of coef (k, p)."""
    coef = np.asarray(coef, dtype=np.float64)
    return alpha * ((l1_ratio * np.abs(coef) + 0.5 * (1 - l1_ratio) * coef * coef) @ penalty_factor)


def enet_objective_from_loss(loss, n_samples, coef, alpha, l1_ratio, penalty_factor):
    """The objective from loss = sum_i s_i r_i^2 (weights normalised to sum to n); vectorised over
    targets when loss is (k,) and coef (k, p)."""
    return 0.5 * loss / n_samples + enet_penalty(coef, alpha, l1_ratio, penalty_factor)
