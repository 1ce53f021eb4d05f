"""Bundled data sets."""
from importlib import resources

import numpy as np


def load_diabetes():
    """Return (X, y, feature_names) of the diabetes data (Efron et al. 2004), unscaled.

    442 patients, 10 baseline variables (age, sex, bmi, bp, s1..s6) and y = disease progression one
    year later. From Efron, Hastie, Johnstone and Tibshirani (2004), "Least Angle Regression",
    Annals of Statistics 32(2).
    """
    with resources.files(__package__).joinpath("diabetes.csv").open() as f:
        header = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",")
    return table[:, :-1], table[:, -1], header[:-1]
