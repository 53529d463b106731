"""An exact rational matrix: integer numerators over one common denominator."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from neurocore._exact import lcm_of

__all__ = ["ExactMatrix"]


@dataclass(frozen=True, slots=True, eq=False)
class ExactMatrix:
    """A matrix over Q stored as integer numerators over one common denominator.

    ``denominator >= 1`` and ``gcd(all numerators, denominator) = 1``.

    Attributes
    ----------
    numerators : numpy.ndarray
        Object array of Python ints, shape ``shape``.
    denominator : int
        The common denominator.

    Examples
    --------
    >>> from fractions import Fraction
    >>> m = ExactMatrix.from_fractions(2, 2, [Fraction(1, 2), 1, 0, Fraction(3, 4)])
    >>> m.denominator, m.numerators.tolist()
    (4, [[2, 4], [0, 3]])
    >>> m.to_fractions()[1][1]
    Fraction(3, 4)
    """

    numerators: np.ndarray
    denominator: int

    @staticmethod
    def from_fractions(rows: int, cols: int, values: Sequence[Fraction | int]) -> ExactMatrix:
        """Builds the matrix from row-major rationals."""
        fr = [Fraction(v) for v in values]
        if len(fr) != rows * cols:
            raise ValueError(f"values: expected {rows * cols} entries, got {len(fr)}")
        den = lcm_of(v.denominator for v in fr)
        nums = np.empty((rows, cols), dtype=object)
        flat = nums.reshape(-1)
        for i, v in enumerate(fr):
            flat[i] = v.numerator * (den // v.denominator)
        g = 0
        for v in flat:
            g = math.gcd(g, int(v))
        g = math.gcd(g, den) if g else den
        if g > 1:
            for i in range(len(flat)):
                flat[i] = int(flat[i]) // g
            den //= g
        return ExactMatrix(nums, den)

    @staticmethod
    def from_integers(rows: int, cols: int, numerators: Sequence[int], denominator: int = 1) -> ExactMatrix:
        """Builds ``numerators / denominator`` from row-major integers over one denominator.

        The common content is divided out in one gcd pass (no per-entry fractions).

        Examples
        --------
        >>> ExactMatrix.from_integers(1, 2, [2, 4], 6).to_fractions()
        [[Fraction(1, 3), Fraction(2, 3)]]
        """
        if len(numerators) != rows * cols:
            raise ValueError(f"numerators: expected {rows * cols} entries, got {len(numerators)}")
        den = int(denominator)
        if den == 0:
            raise ZeroDivisionError("denominator: must be nonzero")
        sign = -1 if den < 0 else 1
        g = abs(den)
        for v in numerators:
            if g == 1:
                break
            g = math.gcd(g, int(v))
        nums = np.empty((rows, cols), dtype=object)
        flat = nums.reshape(-1)
        for i, v in enumerate(numerators):
            flat[i] = sign * int(v) // g
        return ExactMatrix(nums, abs(den) // g)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)``."""
        return self.numerators.shape  # type: ignore[return-value]

    def to_fractions(self) -> list[list[Fraction]]:
        """Nested lists of ``Fraction``."""
        d = self.denominator
        return [[Fraction(int(v), d) for v in row] for row in self.numerators]

    def to_numpy(self) -> np.ndarray:
        """A numpy object array of ``Fraction``."""
        out = np.empty(self.shape, dtype=object)
        for idx, v in np.ndenumerate(self.numerators):
            out[idx] = Fraction(int(v), self.denominator)
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self.to_numpy()
        return arr if dtype is None else arr.astype(dtype)

    def to_flint(self) -> Any:
        """A ``flint.fmpq_mat`` (requires python-flint)."""
        try:
            import flint
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("to_flint() needs python-flint: pip install python-flint") from exc
        rows, cols = self.shape
        m = flint.fmpq_mat(rows, cols, [flint.fmpq(int(v), self.denominator) for v in self.numerators.reshape(-1)])
        return m

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExactMatrix):
            return NotImplemented
        return (
            self.denominator == other.denominator
            and self.shape == other.shape
            and bool(np.all(self.numerators == other.numerators))
        )

    def __getitem__(self, idx: tuple[int, int]) -> Fraction:
        return Fraction(int(self.numerators[idx]), self.denominator)

    def __repr__(self) -> str:
        r, c = self.shape
        return f"ExactMatrix(shape=({r}, {c}), denominator={self.denominator})"
