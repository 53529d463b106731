"""Parsing of user numbers: exact (int, Fraction) versus floating point, and reduction mod p."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from neurocore._core import memory_limit
from neurocore.errors import ResourceLimitError


def to_fraction(v: Any, arg: str) -> Fraction:
    """Converts an exact scalar (int, numpy integer, Fraction, or a string like ``"3/4"``)."""
    if isinstance(v, bool):
        raise TypeError(f"{arg}: booleans are not numbers here, got {v!r}")
    if isinstance(v, numbers.Integral):
        return Fraction(int(v))
    if isinstance(v, Fraction):
        return v
    if isinstance(v, str):
        try:
            return Fraction(v)
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"{arg}: cannot parse {v!r} as a rational number") from exc
    if isinstance(v, numbers.Real):
        raise TypeError(
            f"{arg}: {v!r} is a float; exact computations take int or fractions.Fraction "
            "(use field='float' for floating point)"
        )
    raise TypeError(f"{arg}: expected an int or fractions.Fraction, got {type(v).__name__}")


def flat_values(values: Any, arg: str) -> list[Any]:
    """A one-dimensional list of scalars from a sequence or numpy array."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"{arg}: expected a one-dimensional array, got shape {values.shape}")
        return list(values.tolist()) if values.dtype != object else list(values)
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{arg}: expected a sequence of numbers, got {type(values).__name__}")
    out = list(values)
    for v in out:
        if isinstance(v, (list, tuple, np.ndarray)):
            raise ValueError(f"{arg}: expected a flat sequence of numbers, got a nested one")
    return out


def is_float_input(values: Sequence[Any] | np.ndarray) -> bool:
    """True when any entry is a float (then the computation is floating point)."""
    if isinstance(values, np.ndarray) and values.dtype != object:
        return bool(np.issubdtype(values.dtype, np.floating))
    return any(isinstance(v, (float, np.floating)) for v in values)


def parse_exact(values: Any, arg: str, length: int | None = None) -> list[Fraction]:
    """Exact rationals, with a length check."""
    vals = flat_values(values, arg)
    if length is not None and len(vals) != length:
        raise ValueError(f"{arg}: expected {length} values, got {len(vals)}")
    return [to_fraction(v, arg) for v in vals]


def parse_float(values: Any, arg: str, length: int | None = None) -> np.ndarray:
    """A finite float64 vector, with a length check."""
    vals = flat_values(values, arg)
    if length is not None and len(vals) != length:
        raise ValueError(f"{arg}: expected {length} values, got {len(vals)}")
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, (numbers.Real, Fraction)):
            raise TypeError(f"{arg}: expected real numbers, got {type(v).__name__}")
    arr = np.array([float(v) for v in vals], dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{arg}: entry {bad} is {arr[bad]} (must be finite)")
    return arr


def split_fractions(values: Sequence[Fraction]) -> tuple[list[int], list[int]]:
    """Numerators and denominators, for the Rust core."""
    return [v.numerator for v in values], [v.denominator for v in values]


def reduce_mod(values: Sequence[Fraction], p: int, arg: str) -> np.ndarray:
    """Residues of rationals modulo ``p`` as ``uint64``; a denominator divisible by ``p`` raises."""
    out = np.empty(len(values), dtype=np.uint64)
    for i, v in enumerate(values):
        if v.denominator % p == 0:
            raise ZeroDivisionError(f"{arg}: entry {i} has denominator {v.denominator}, divisible by {p}")
        out[i] = (v.numerator % p) * pow(v.denominator, -1, p) % p
    return out


def check_memory(what: str, count: int, itemsize: int) -> None:
    """Refuses results above the memory limit before anything is allocated."""
    need = count * itemsize
    limit = memory_limit()
    if need > limit:
        raise ResourceLimitError(
            f"{what} would need {need} bytes, above the memory limit of {limit} bytes (see neurocore.set_memory_limit)"
        )


def as_exact_matrix(matrix: Any, arg: str = "matrix") -> tuple[int, int, list[Fraction]] | np.ndarray:
    """A 2-D matrix as either an integer numpy array (fast path) or exact Fractions, row-major.

    Ragged input raises ``ValueError``; floats raise ``TypeError``.
    """
    if isinstance(matrix, np.ndarray) and matrix.dtype != object:
        if matrix.ndim != 2:
            raise ValueError(f"{arg}: expected a two-dimensional matrix, got shape {matrix.shape}")
        if np.issubdtype(matrix.dtype, np.integer):
            return matrix
        if np.issubdtype(matrix.dtype, np.bool_):
            return matrix.astype(np.int64)
        raise TypeError(
            f"{arg}: dtype {matrix.dtype} is not exact; pass integers or Fractions "
            "(or field='float' for a numerical rank)"
        )
    if isinstance(matrix, np.ndarray):
        if matrix.ndim != 2:
            raise ValueError(f"{arg}: expected a two-dimensional matrix, got shape {matrix.shape}")
        rows_list = [list(r) for r in matrix]
    else:
        try:
            rows_list = [list(r) for r in matrix]
        except TypeError as exc:
            raise TypeError(f"{arg}: expected a 2-D array or a list of rows") from exc
    nrows = len(rows_list)
    ncols = len(rows_list[0]) if nrows else 0
    for i, r in enumerate(rows_list):
        if len(r) != ncols:
            raise ValueError(f"{arg}: ragged rows (row 0 has {ncols} entries, row {i} has {len(r)})")
    check_memory(f"{arg} ({nrows} x {ncols})", nrows * ncols, 8)
    flat = [to_fraction(v, arg) for r in rows_list for v in r]
    return nrows, ncols, flat
