"""Ranks and kernels of matrices: exactly over Q (certified), modulo a prime, or numerically."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from neurocore import _core
from neurocore._exact import as_exact_matrix, check_memory, lcm_of, reduce_mod
from neurocore.exact_matrix import ExactMatrix
from neurocore.maps import resolve_field

__all__ = ["RankResult", "kernel", "rank"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RankResult:
    """The rank of a matrix and how it was established.

    Attributes
    ----------
    rank : int
        The rank (over ``field``); for ``field="float"`` a numerical rank.
    field : str or int
        ``"QQ"``, ``"float"`` or the prime.
    certified : bool
        True when ``rank`` is proven: always for a prime field (exact elimination mod p); over
        Q when the lower bound (ranks mod primes) meets the upper bound (an exactly verified
        kernel basis); never for floats.
    lower_bound, upper_bound : int
        Proven bounds on the rank over ``field`` (floats: equal to ``rank``, unproven).
    method : str
        How the rank was computed.
    primes : tuple of int
        Primes used (modular and Q ranks).
    tolerance : float or None
        Singular-value threshold (floats only).
    singular_value_gap : float or None
        ``sigma_rank / sigma_{rank+1}`` (floats only; large means a clear numerical rank).
    """

    rank: int
    field: str | int
    certified: bool
    lower_bound: int
    upper_bound: int
    method: str
    shape: tuple[int, int]
    primes: tuple[int, ...] = dataclasses.field(default_factory=tuple)
    tolerance: float | None = None
    singular_value_gap: float | None = None

    def __int__(self) -> int:
        return self.rank

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return asdict(self)


def _integer_rows(matrix: Any, arg: str = "matrix") -> tuple[int, int, Any]:
    """An integer matrix with the same rank and kernel (rows scaled by their denominators' lcm).

    Returns a C-contiguous int64 array when every entry fits, else a flat list of ints.
    """
    if isinstance(matrix, ExactMatrix):
        # numerators / denominator: the numerators have the same rank and kernel
        r, c = matrix.shape
        nums = [int(v) for v in matrix.numerators.reshape(-1)]
        if all(-(2**63) <= v < 2**63 for v in nums):
            return r, c, np.array(nums, dtype=np.int64).reshape(r, c)
        return r, c, nums
    m = as_exact_matrix(matrix, arg)
    if isinstance(m, np.ndarray):
        r, c = m.shape
        if m.dtype == np.uint64 and m.size and int(m.max()) >= 2**63:
            return r, c, [int(v) for v in m.reshape(-1)]
        return r, c, np.ascontiguousarray(m, dtype=np.int64)
    r, c, flat = m
    ints: list[int] = []
    for i in range(r):
        row = flat[i * c : (i + 1) * c]
        den = lcm_of(v.denominator for v in row)
        ints.extend(v.numerator * (den // v.denominator) for v in row)
    if all(-(2**63) <= v < 2**63 for v in ints):
        return r, c, np.array(ints, dtype=np.int64).reshape(r, c)
    return r, c, ints


def _residues(matrix: Any, p: int) -> np.ndarray:
    if isinstance(matrix, ExactMatrix):
        if matrix.denominator % p == 0:
            raise ZeroDivisionError(f"matrix: the denominator {matrix.denominator} is divisible by {p}")
        inv = pow(matrix.denominator, -1, p)
        r, c = matrix.shape
        return np.array([int(v) % p * inv % p for v in matrix.numerators.reshape(-1)], dtype=np.uint64).reshape(r, c)
    m = as_exact_matrix(matrix)
    if isinstance(m, np.ndarray):
        check_memory("a copy of the matrix", m.size, 8)
        if m.dtype == np.uint64:
            return np.ascontiguousarray(m % np.uint64(p), dtype=np.uint64)
        if m.dtype.itemsize <= 8:
            return np.ascontiguousarray(np.mod(m.astype(np.int64), p), dtype=np.uint64)
    r, c, flat = m if not isinstance(m, np.ndarray) else (m.shape[0], m.shape[1], list(m.reshape(-1)))
    return reduce_mod(flat, p, "matrix").reshape(r, c)


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
    if f == "QQ":
        r, c, entries = _integer_rows(matrix)
        rk, lower, upper, certified, primes = _core.rank_qq(r, c, entries, seed, threads)
        return RankResult(
            rank=rk,
            field="QQ",
            certified=certified,
            lower_bound=lower,
            upper_bound=upper,
            method="ranks mod primes + kernel certified by p-adic lifting",
            shape=(r, c),
            primes=tuple(primes),
        )
    p = int(f)
    res = _residues(matrix, p)
    rk = _core.rank_mod_p(res, p, threads)
    return RankResult(
        rank=rk,
        field=p,
        certified=True,
        lower_bound=rk,
        upper_bound=rk,
        method="blocked elimination mod p",
        shape=(int(res.shape[0]), int(res.shape[1])),
        primes=(p,),
    )


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
    if f == "QQ":
        r, c, entries = _integer_rows(matrix)
        krows, cols, nums, dens = _core.kernel_qq(r, c, entries, seed, threads)
        if dens and all(d == dens[0] for d in dens):
            # One common denominator (what the core returns): no per-entry gcd.
            return ExactMatrix.from_integers(krows, cols, nums, dens[0])
        return ExactMatrix.from_fractions(krows, cols, [Fraction(n, d) for n, d in zip(nums, dens, strict=True)])
    p = int(f)
    res = _residues(matrix, p)
    return _core.kernel_mod_p(res, p, threads)
