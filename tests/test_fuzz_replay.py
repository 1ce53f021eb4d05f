"""The fuzz harnesses of fuzz/ replayed without atheris: every seed of fuzz/corpus (valid and
near-valid inputs; for the CLI reader also the inputs of its past findings, regression-*) and a few
hundred hypothesis byte strings go through the same test_one_input functions, which raise Finding
when a call breaks the property (validation: a finite result or a ValueError / TypeError naming an
argument; the CLI reader: a valid problem or its own one-line error). Below them, each finding of
the fuzzers as a minimal reproducer written out by hand."""
import io
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"
if str(FUZZ) not in sys.path:
    sys.path.insert(0, str(FUZZ))

import cli_reader_target  # noqa: E402  (from fuzz/, which the line above puts on the path)
import validation_target  # noqa: E402

import l1l2  # noqa: E402
from l1l2._cli import CliError, load_data  # noqa: E402

TARGETS = {"validation": validation_target, "cli_reader": cli_reader_target}
SEEDS = [(target, name) for target in TARGETS for name in sorted(os.listdir(FUZZ / "corpus" / target))]
# Replayed inputs are random bytes: shrinking a failure is what hypothesis is for, but no example
# database (the corpus is the memory) and no deadline (a CV fit may take 50 ms on a busy machine).
REPLAY = settings(max_examples=250, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("target, seed", SEEDS)
def test_corpus_seed_keeps_the_property(target, seed):
    TARGETS[target].test_one_input((FUZZ / "corpus" / target / seed).read_bytes())


@REPLAY
@given(st.binary(max_size=400))
def test_random_bytes_keep_the_validation_property(data):
    validation_target.test_one_input(data)


@REPLAY
@given(st.binary(max_size=600))
def test_random_bytes_keep_the_cli_reader_property(data):
    cli_reader_target.test_one_input(data)


def test_corpus_has_seeds_for_every_target():
    assert {target for target, _ in SEEDS} == set(TARGETS)


# The properties themselves must be able to fail, or the replay above proves nothing.

@pytest.mark.parametrize("exc", [RuntimeError("alpha"), IndexError("index 0 is out of bounds"),
                                 ValueError("not enough values to unpack")])
def test_validation_property_flags_foreign_or_anonymous_errors(exc):
    with pytest.raises(validation_target.Finding):
        validation_target.check_error(exc, "l1l2.lasso(...)")


def test_validation_property_accepts_an_error_naming_its_argument():
    validation_target.check_error(ValueError("alpha must be >= 0, got -1.0"), "l1l2.lasso(...)")


def test_validation_property_flags_nan_coefficients():
    fit = validation_target.l1l2.lasso(np.eye(3), np.arange(3.0), 0.1)
    broken = type("Broken", (), {"coef": np.array([np.nan, 0.0]), "intercept": 0.0})()
    validation_target.check_finite_result(fit, "l1l2.lasso(...)")
    with pytest.raises(validation_target.Finding, match="non-finite coef"):
        validation_target.check_finite_result(broken, "l1l2.lasso(...)")


def test_cli_property_flags_a_non_finite_problem():
    with pytest.raises(cli_reader_target.Finding, match="non-finite X"):
        cli_reader_target.check_problem(np.array([[np.nan]]), np.array([1.0]), ["x0"], "y", "file")


def test_cli_property_flags_an_exception_other_than_cli_error(tmp_path, monkeypatch):
    def broken_reader(file, target):
        raise EOFError("No data left in file")
    monkeypatch.setattr(cli_reader_target, "load_data", broken_reader)
    with pytest.raises(cli_reader_target.Finding, match="EOFError"):
        cli_reader_target.check_load(str(tmp_path / "data.npz"), "y", "file")


# The findings of the fuzzers, as minimal reproducers (each failed before its fix).

def test_csr_with_a_short_indptr_is_refused_before_conversion():
    # scipy's tocsc trusted the index arrays and read past them: a segmentation fault
    X = scipy.sparse.csr_matrix(np.arange(8.0).reshape(4, 2))
    X.indptr = X.indptr[:-1].copy()
    with pytest.raises(ValueError, match="X is not a valid CSR matrix"):
        l1l2.lasso(X, np.ones(4), 0.1)


def test_csc_with_a_decreasing_indptr_is_refused_before_astype():
    # astype(float64) of a boolean CSC ran before the index check: silent heap corruption
    X = scipy.sparse.csc_matrix(np.ones((3, 3), dtype=bool))
    X.indptr = np.array([0, 12, 7, 9], dtype=X.indptr.dtype)
    with pytest.raises(ValueError, match="X is not a valid CSC matrix"):
        l1l2.ridge_path(X, np.ones(3), n_alphas=2)


def test_cv_pair_of_scalar_indices_is_refused():
    # a 0-d index passed check_cv, then failed inside the folds with IndexError / unpacking
    with pytest.raises(ValueError, match="cv pair 0"):
        l1l2.lasso_cv(np.eye(4), np.arange(4.0), cv=[(0, 1)])


def test_n_alphas_beyond_a_c_int_is_refused():
    # 2**63 reached np.geomspace and failed with an IndexError
    with pytest.raises(ValueError, match="n_alphas"):
        l1l2.lasso_path(np.eye(3), np.arange(3.0), n_alphas=2**63)


def test_default_grid_whose_end_underflows():
    # alpha_max * alpha_min_ratio == 0: np.geomspace raised "Geometric sequence cannot include zero"
    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    path = l1l2.lasso_path(X, np.array([0.3, 0.0, 0.0]), alpha_min_ratio=5e-324, n_alphas=3,
                           fit_intercept=False)        # alpha_max = max |X'y| / n = 0.1
    assert path.alphas[0] == pytest.approx(0.1) and path.alphas[-1] == 0.0
    assert np.all(np.diff(path.alphas) <= 0) and np.isfinite(path.coefs).all()


def test_cv_result_with_nan_errors_has_an_alpha_1se():
    # no alpha satisfied cv_mean <= min + se when the errors were NaN: IndexError
    path = l1l2.lasso_path(np.eye(3), np.arange(3.0), n_alphas=3)
    result = l1l2.CVResult.from_errors(path, np.full((2, 3), np.nan), np.array([0, 1, -1]))
    assert result.alpha_1se == result.alpha_min == path.alphas[0]


def test_cv_fold_with_a_tiny_share_of_the_weight():
    # its Gram, the full one minus the held-out part, had weight exactly 0: ZeroDivisionError
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 2)), rng.standard_normal(5)
    cv = [(np.array([0, 1]), np.array([2, 3, 4])), (np.array([2, 3, 4]), np.array([0, 1]))]
    result = l1l2.lasso_cv(X, y, sample_weight=[1e-20, 1e-20, 1, 1, 1], cv=cv, precompute=True,
                           n_alphas=3)
    assert np.isfinite(result.cv_mean).all() and np.isfinite(result.best.coef).all()


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def zip_bytes(**members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


VALID_NPZ = npz_bytes(X=np.eye(3), y=np.arange(3.0))
BROKEN_FILES = {
    "empty-npz-EOFError": ("data.npz", "y", b""),
    "npz-holding-npy-TypeError": ("data.npz", "y", npy_bytes(np.eye(3))),
    "npy-holding-zip-AttributeError": ("data.npy", "0", VALID_NPZ),
    "npz-bad-crc-BadZipFile": ("data.npz", "y", VALID_NPZ.replace(b"NUMPY", b"NUMPZ", 1)),
    "npy-broken-header-TokenError": (
        "data.npy", "0", npy_bytes(np.eye(2)).replace(b"'shape': (2, 2), }", b"'shape': (2, 2),(}")),
    "csv-not-utf8-UnicodeDecodeError": ("data.csv", "y", b"x,y\n1,2\xff\n"),
    "npz-member-not-npy-AttributeError": (          # np.load gives a member without .npy as bytes
        "data.npz", "y", zip_bytes(**{"y": b"1,2,3", "X.npy": npy_bytes(np.eye(3))})),
    "npz-timedelta-DTypePromotionError": (
        "data.npz", "y", npz_bytes(a=np.array([1, 2], dtype="m8[s]"), y=np.arange(2.0))),
}


@pytest.mark.parametrize("name, target, content", BROKEN_FILES.values(), ids=BROKEN_FILES)
def test_broken_file_gives_the_cli_error(tmp_path, name, target, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(CliError, match=r"cannot read|not UTF-8|real numbers") as error:
        load_data(str(tmp_path / name), target)
    assert "\n" not in str(error.value)


def test_csv_cell_that_only_python_reads_as_a_number(tmp_path):
    # numpy refused "6\x1d", Python's float() of the stripped cell accepts it: table was None
    (tmp_path / "data.csv").write_bytes(b"x1,y\n3,4\n5,6\x1d\n")
    X, y, names, _ = load_data(str(tmp_path / "data.csv"), "y")
    np.testing.assert_array_equal(X, [[3.0], [5.0]])
    np.testing.assert_array_equal(y, [4.0, 6.0])


def test_cv_test_fold_without_weight_is_refused():
    # its held-out error was 0/0: every cv_mean NaN and alpha_min silently the largest alpha
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(6)
    cv = [(np.array([2, 3, 4, 5]), np.array([0, 1])), (np.array([0, 1, 4, 5]), np.array([2, 3])),
          (np.array([0, 1, 2, 3]), np.array([4, 5]))]
    with pytest.raises(ValueError, match="sample_weight is zero on every test sample of cv fold 0"):
        l1l2.lasso_cv(X, y, sample_weight=[0, 0, 1, 1, 1, 1], cv=cv, n_alphas=5)
