"""Ranks and kernels of matrices: exactly over Q (certified), modulo a prime, or numerically."""

from __future__ import annotations

from typing import Any

import numpy as np

from neurocore import _core
from neurocore._core import ExactMatrix, RankResult
from neurocore._exact import as_exact_matrix, check_memory
from neurocore.maps import resolve_field

__all__ = ["RankResult", "kernel", "rank"]


def _exact_operand(matrix: Any, arg: str = "matrix") -> Any:
    """An ``ExactMatrix`` or a 2-D int64/uint64 array for the core.

    Integer arrays pass as they are: no Python integers are made for them.
    """
    if isinstance(matrix, ExactMatrix):
        return matrix
    m = as_exact_matrix(matrix, arg)
    if isinstance(m, np.ndarray):
        check_memory("a copy of the matrix", m.size, 8)
        if m.dtype == np.uint64:
            return np.ascontiguousarray(m)
        if m.dtype.itemsize <= 8 and m.dtype != np.uint64:
            return np.ascontiguousarray(m, dtype=np.int64)
        return ExactMatrix.from_integers(m.shape[0], m.shape[1], [int(v) for v in m.reshape(-1)])
    rows, cols, flat = m
    return ExactMatrix.from_fractions(rows, cols, flat)


def rank(matrix: Any, *, field: Any = "QQ", threads: int = 0, seed: int = 0) -> RankResult:
    """The rank of a matrix, with a certificate.

    Parameters
    ----------
    matrix : array_like
        A 2-D array or a list of rows of ints / Fractions (``field="QQ"`` or a prime), or of
        floats (``field="float"``).
    field : "QQ", "float" or int
        Exact rank over Q (certified: ranks modulo several primes give a lower bound, an exactly
        verified kernel basis an upper bound), rank over F_p, or a numerical SVD rank.
    threads : int
        0 = all cores, 1 = sequential (the result does not depend on it).
    seed : int
        Seed for the random choices of the Q algorithm (results are exact regardless).

    Examples
    --------
    >>> import neurocore as nc
    >>> nc.rank([[1, 2], [2, 4]]).rank
    1
    >>> nc.rank([[1, 2], [3, 4]], field=5).rank
    2
    """
    f = resolve_field(field, [0])
    if f == "float":
        return _float_rank(matrix)
    return _core.rank(_exact_operand(matrix), f, seed, threads)


def _float_rank(matrix: Any) -> RankResult:
    try:
        a = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("matrix: expected a rectangular array of real numbers") from exc
    if a.ndim != 2:
        raise ValueError(f"matrix: expected a two-dimensional matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("matrix: entries must be finite")
    if a.size == 0:
        return RankResult(
            rank=0,
            field="float",
            certified=False,
            lower_bound=0,
            upper_bound=0,
            method="numerical SVD",
            shape=a.shape,
            tolerance=0.0,
        )
    s = np.linalg.svd(a, compute_uv=False)
    tol = float(max(a.shape) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0))
    rk = int(np.sum(s > tol))
    gap = None
    if 0 < rk < s.size and s[rk] > 0:
        gap = float(s[rk - 1] / s[rk])
    elif rk == s.size or (rk > 0 and s[rk - 1] > 0):
        gap = float("inf")
    return RankResult(
        rank=rk,
        field="float",
        certified=False,
        lower_bound=rk,
        upper_bound=rk,
        method="numerical SVD (tolerance max(m, n) * eps * sigma_max)",
        shape=(int(a.shape[0]), int(a.shape[1])),
        tolerance=tol,
        singular_value_gap=gap,
    )


def kernel(matrix: Any, *, field: Any = "QQ", threads: int = 0, seed: int = 0) -> Any:
    """A basis of the right kernel ``{x : A x = 0}``, as the rows of the result.

    Over Q the basis is verified by exact integer multiplication before it is returned (an
    :class:`ExactMatrix`); modulo a prime it is a ``uint64`` array of residues.

    Examples
    --------
    >>> import neurocore as nc
    >>> nc.kernel([[1, 2, 3]]).to_fractions()
    [[Fraction(-2, 1), Fraction(1, 1), Fraction(0, 1)], [Fraction(-3, 1), Fraction(0, 1), Fraction(1, 1)]]
    """
    f = resolve_field(field, [0])
    if f == "float":
        raise ValueError("field: kernels are exact; use 'QQ' or a prime (numpy.linalg.svd gives float kernels)")
    return _core.kernel(_exact_operand(matrix), f, seed, threads)
