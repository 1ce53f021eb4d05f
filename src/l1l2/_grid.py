"""alpha_max (the smallest alpha whose solution is all zero) and the default alpha grid."""
import numpy as np

GLMNET_MIN_L1_RATIO = 1e-3   # glmnet's floor for alpha_max of an (almost) ridge penalty


def alpha_max_from_scores(scores, factors, l1_ratio, positive):
    """alpha_max from the KKT scores x_j . (s * r) / n at the unpenalised-only fit.

    A penalised feature j stays at zero while score_j <= alpha * l1_ratio * f_j (|score_j| without
    positivity); features with f_j = 0 are fitted at every alpha and do not count.
    """
    penalised = factors > 0
    if not penalised.any():
        return 0.0
    pull = scores[penalised] if positive else np.abs(scores[penalised])
    return max(float(np.max(pull / factors[penalised])), 0.0) / max(l1_ratio, GLMNET_MIN_L1_RATIO)


def default_alphas(alpha_max, n_alphas, alpha_min_ratio, n_samples, n_features):
    """n_alphas log-spaced from alpha_max down to alpha_max * alpha_min_ratio (decreasing).

    alpha_min_ratio defaults to 1e-4 if n_samples >= n_features, else 1e-2 (glmnet).
    """
    if alpha_min_ratio is None:
        alpha_min_ratio = 1e-4 if n_samples >= n_features else 1e-2
    if alpha_max <= 0:
        # No penalised feature can ever enter (none is penalised, or none pulls the right way
        # under positivity): every alpha gives the same fit, so any decreasing grid will do.
        alpha_max = 1.0
    if alpha_max * alpha_min_ratio == 0:
        # alpha_max so small (subnormal data) that the grid's end underflows: geomspace refuses 0
        return alpha_max * np.geomspace(1.0, alpha_min_ratio, n_alphas)
    return np.geomspace(alpha_max, alpha_max * alpha_min_ratio, n_alphas)
