"""Type aliases of the public signatures (annotations only: nothing here is used at run time).

SciPy ships no type information; with scipy-stubs installed a sparse X type-checks as such, without
it it is Any.
"""
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, TypeAlias

from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from scipy.sparse import sparray, spmatrix

# X: a dense array-like or any scipy.sparse matrix or array
Design: TypeAlias = "ArrayLike | spmatrix | sparray"
# cv: explicit folds, (train_indices, test_indices) pairs
Splits: TypeAlias = Iterable[tuple[ArrayLike, ArrayLike]]
Precompute: TypeAlias = Literal["auto"] | bool
RidgeSolver: TypeAlias = Literal["auto", "cholesky", "svd", "cg", "cd"]
