"""Bundled data sets."""
from importlib import resources

import numpy as np


def _read_csv(name):
    with resources.files(__package__).joinpath(name).open() as f:
        header = [h.strip('"') for h in f.readline().strip().split(",")]
        return header, np.loadtxt(f, delimiter=",", ndmin=2)


def load_diabetes():
    """Return (X, y, feature_names) of the diabetes data (Efron et al. 2004), unscaled.

    442 patients, 10 baseline variables (age, sex, bmi, bp, s1..s6) and y = disease progression one
    year later. From Efron, Hastie, Johnstone and Tibshirani (2004), "Least Angle Regression",
    Annals of Statistics 32(2).
    """
    header, table = _read_csv("diabetes.csv")
    return table[:, :-1], table[:, -1], header[:-1]


def load_engel():
    """Return (income, foodexp) of Engel's food expenditure data, each of shape (235,).

    Annual household income and food expenditure (Belgian francs) of 235 working-class households
    in 1857 Belgium (Engel 1857; public domain); the classic data of median and quantile regression
    since Koenker and Bassett (1982), "Robust tests for heteroscedasticity based on regression
    quantiles", Econometrica 50(1).
    """
    _, table = _read_csv("engel.csv")
    return np.ascontiguousarray(table[:, 0]), np.ascontiguousarray(table[:, 1])


def plant_outliers(y, seed=0):
    """Return (spoiled, planted): a copy of y with a seeded tenth of its entries multiplied by 10
    (a slipped decimal point), and the indices of those entries.

    The gross outliers of the LAD demos (``l1l2 demo`` and :func:`l1l2.plotting.demo_figure`).
    """
    planted = np.random.default_rng(seed).choice(len(y), len(y) // 10, replace=False)
    spoiled = np.array(y, dtype=np.float64)
    spoiled[planted] *= 10
    return spoiled, planted
