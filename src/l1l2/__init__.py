"""l1l2: fast, certified L1- and L2-regularised linear regression.

Every squared-loss solver minimises ``1/(2n) sum_i s_i (y_i - x_i.w - b)^2
+ alpha sum_j f_j (rho |w_j| + (1-rho)/2 w_j^2)`` (glmnet's convention) and reports its duality gap.
LAD and quantile regression minimise ``1/n sum_i s_i rho(y_i - x_i.w - b) + alpha sum_j f_j |w_j|``
exactly (an LP), certified the same way.
"""
from l1l2._batch import FitResults, fit_many
from l1l2._cv import enet_cv, lasso_cv
from l1l2._fit import elastic_net, lasso
from l1l2._lad import lad, lad_path, quantile, quantile_path
from l1l2._path import enet_path, lasso_path
from l1l2._results import CVResult, FitResult, PathResult
from l1l2._ridge import ridge, ridge_cv, ridge_path
from l1l2._warnings import ConvergenceWarning

__version__ = "0.1.0"

__all__ = ["CVResult", "ConvergenceWarning", "FitResult", "FitResults", "PathResult", "elastic_net",
           "enet_cv", "enet_path", "fit_many", "lad", "lad_path", "lasso", "lasso_cv", "lasso_path",
           "quantile", "quantile_path", "ridge", "ridge_cv", "ridge_path", "__version__"]
