"""Command line: ``l1l2 demo`` (= ``python -m l1l2 demo``)."""
import argparse
import sys



def demo():
    """Fit Lasso and Ridge on the standardised diabetes data at a few alphas and print the story."""
    import l1l2
    from l1l2.data import load_diabetes

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
    import numpy as np
    import l1l2
    from l1l2.data import load_engel

    income, food = load_engel()
    X = income[:, None]
    spoiled = food.copy()
    typo = np.random.default_rng(0).choice(len(food), len(food) // 10, replace=False)
    spoiled[typo] *= 10                                         # 10% misrecorded: a slipped decimal
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="l1l2", description="L1/L2-regularised linear regression.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="Lasso and Ridge on the bundled diabetes data, LAD and quantile "
                                     "regression on Engel's data")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
