"""Polynomial surrogates of activations: Chebyshev interpolation, least squares, minimax (Remez).

Any continuous network on a compact data domain is approximated by an algebraic one; this
module makes the activation polynomial in one call. numpy's polynomial module does Chebyshev
interpolation and least-squares fitting; the Remez exchange (``_remez``) is what it lacks.

Every result states its error: ``error`` is the maximum of ``|f - p|`` on a dense grid of the
domain (numerical); minimax results also carry the equioscillation certificate
``error_lower_bound <= E_n(f)`` (de la Vallee Poussin) at ``alternation_points``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.polynomial import Chebyshev, Polynomial
from numpy.polynomial import chebyshev as C

from neurocore._remez import remez

__all__ = ["ACTIVATIONS", "Approximation", "approximate"]

_erf = np.frompyfunc(math.erf, 1, 1)


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.asarray(_erf(x / math.sqrt(2.0)), dtype=float))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda x: np.maximum(x, 0.0),
    "abs": np.abs,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "gelu": _gelu,
    "silu": lambda x: x * _sigmoid(x),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "sin": np.sin,
}
"""The named activations (``gelu`` is the exact erf form, ``softplus`` has ``beta = 1``)."""

METHODS = ("chebyshev", "least_squares", "minimax")
GRID_POINTS = 20001


@dataclass(frozen=True, slots=True, kw_only=True)
class Approximation(Sequence[Fraction]):
    """A polynomial approximation ``p(t) = sum_k c_k t^k`` of an activation on a domain.

    As a sequence it is its exact rational coefficients, so it passes directly as
    ``activation=`` to :func:`neurocore.mlp`, :func:`neurocore.conv1d` and the other builders.

    Attributes
    ----------
    activation : str
        Name of the approximated function.
    degree : int
        Degree of the polynomial.
    domain : (float, float)
        The interval ``[a, b]``.
    method : str
        ``"chebyshev"``, ``"least_squares"`` or ``"minimax"``.
    coefficients : tuple of float
        ``c_0..c_degree`` (low to high) in the variable ``t`` itself (not the Chebyshev basis).
    chebyshev_coefficients : tuple of float
        The same polynomial in the Chebyshev basis of ``[a, b]``.
    rational_coefficients : tuple of Fraction
        Exact rationals: the float coefficients' exact binary values, or (with
        ``max_denominator=``) the closest fractions of bounded denominator.
    error : float
        ``max |f - p|`` on a uniform grid of ``GRID_POINTS`` points (numerical estimate of the
        uniform error), ``p`` evaluated in the Chebyshev basis.
    power_basis_error : float
        The same for ``p`` evaluated from the float ``coefficients`` (what a float network
        computes): equal to ``error`` at low degree, larger once the power basis loses digits
        (degree ~30 and beyond on ``[-1, 1]``).
    error_lower_bound : float or None
        ``"minimax"`` only: the de la Vallee Poussin lower bound on the best possible error.
    alternation_points : tuple of float
        ``"minimax"`` only: the points where the error equioscillates (``|e| >= lower bound``
        with alternating signs).
    """

    activation: str
    degree: int
    domain: tuple[float, float]
    method: str
    coefficients: tuple[float, ...]
    chebyshev_coefficients: tuple[float, ...]
    rational_coefficients: tuple[Fraction, ...]
    error: float
    power_basis_error: float
    error_lower_bound: float | None = None
    alternation_points: tuple[float, ...] = field(default=())
    iterations: int = 0

    def __len__(self) -> int:
        return len(self.rational_coefficients)

    def __getitem__(self, i: Any) -> Any:
        return self.rational_coefficients[i]

    def __iter__(self) -> Iterator[Fraction]:
        return iter(self.rational_coefficients)

    def __call__(self, t: Any) -> np.ndarray:
        """``p(t)`` in float64."""
        return Polynomial(self.coefficients)(np.asarray(t, dtype=float))

    def __repr__(self) -> str:
        cert = f", error_lower_bound={self.error_lower_bound:.3e}" if self.error_lower_bound is not None else ""
        return (
            f"Approximation({self.activation!r}, degree={self.degree}, domain={self.domain}, "
            f"method={self.method!r}, error={self.error:.3e}{cert})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (rationals as strings)."""
        return {
            "activation": self.activation,
            "degree": self.degree,
            "domain": list(self.domain),
            "method": self.method,
            "coefficients": list(self.coefficients),
            "chebyshev_coefficients": list(self.chebyshev_coefficients),
            "rational_coefficients": [str(c) for c in self.rational_coefficients],
            "error": self.error,
            "power_basis_error": self.power_basis_error,
            "error_lower_bound": self.error_lower_bound,
            "alternation_points": list(self.alternation_points),
            "iterations": self.iterations,
        }


def _function(activation: Any) -> tuple[str, Callable[[np.ndarray], np.ndarray]]:
    if isinstance(activation, str):
        key = activation.lower()
        if key not in ACTIVATIONS:
            raise ValueError(f"activation: unknown name {activation!r}; known: {', '.join(sorted(ACTIVATIONS))}")
        return key, ACTIVATIONS[key]
    if callable(activation):
        fn = activation

        def vec(x: np.ndarray) -> np.ndarray:
            y = np.asarray(fn(x), dtype=float)
            if y.shape != x.shape:
                y = np.array([float(fn(float(v))) for v in x])
            return y

        return getattr(activation, "__name__", "callable"), vec
    raise TypeError(f"activation: expected a name or a callable, got {type(activation).__name__}")


def approximate(
    activation: str | Callable[[Any], Any],
    degree: int,
    *,
    domain: tuple[float, float] = (-1.0, 1.0),
    method: str = "chebyshev",
    weight: Callable[[np.ndarray], np.ndarray] | None = None,
    max_denominator: int | None = None,
) -> Approximation:
    """A degree-``degree`` polynomial approximating ``activation`` on ``domain``.

    Parameters
    ----------
    activation : str or callable
        One of ``"relu"``, ``"abs"``, ``"tanh"``, ``"sigmoid"``, ``"gelu"``, ``"silu"``,
        ``"softplus"``, ``"sin"``, or a function of a float64 array.
    degree : int
        Polynomial degree (>= 0; a builder's activation needs degree >= 1).
    domain : (float, float)
        The interval ``[a, b]``, ``a < b``.
    method : {"chebyshev", "least_squares", "minimax"}
        Interpolation at the Chebyshev points of the first kind
        (``numpy.polynomial.Chebyshev.interpolate``); discrete least squares on the dense grid,
        weighted by ``weight``; or best uniform approximation by the Remez exchange.
    weight : callable, optional
        ``"least_squares"`` only: a nonnegative weight ``w(t)`` of the squared error.
    max_denominator : int, optional
        Round the rational coefficients to the closest fractions with this denominator bound
        (``error`` is then that of the rounded polynomial); default: exact binary values.

    Examples
    --------
    >>> import neurocore as nc
    >>> p = nc.approximate("abs", 2, method="minimax", max_denominator=1000)
    >>> [str(c) for c in p], round(p.error, 12), round(p.error_lower_bound, 12)
    (['1/8', '0', '1'], 0.125, 0.125)
    >>> nc.mlp([2, 2, 1], activation=nc.approximate("tanh", 3)).arch["activation"]
    '...*t^3 + ...*t...'
    """
    name, f = _function(activation)
    if isinstance(degree, bool) or not isinstance(degree, int) or degree < 0:
        raise ValueError(f"degree: expected a non-negative int, got {degree!r}")
    if degree > 200:
        raise ValueError(f"degree: at most 200 (the Chebyshev-basis Remez is not reliable beyond), got {degree}")
    try:
        a, b = (float(domain[0]), float(domain[1]))
    except (TypeError, IndexError, ValueError) as exc:
        raise TypeError(f"domain: expected a pair (a, b) of numbers, got {domain!r}") from exc
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ValueError(f"domain: expected finite a < b, got {domain!r}")
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if weight is not None and method != "least_squares":
        raise ValueError("weight: only used by method='least_squares'")
    if max_denominator is not None and (not isinstance(max_denominator, int) or max_denominator < 1):
        raise ValueError(f"max_denominator: expected a positive int, got {max_denominator!r}")

    mid, half = (a + b) / 2.0, (b - a) / 2.0

    def g(u: np.ndarray) -> np.ndarray:  # f on [-1, 1]
        return f(mid + half * u)

    cheb: np.ndarray
    lower: float | None = None
    alternation: tuple[float, ...] = ()
    iterations = 0
    if method == "chebyshev":
        cheb = np.asarray(C.chebinterpolate(g, degree), dtype=float)  # type: ignore[type-var]
    elif method == "least_squares":
        u = np.linspace(-1.0, 1.0, GRID_POINTS)
        w = None
        if weight is not None:
            wv = np.asarray(weight(mid + half * u), dtype=float)
            if wv.shape != u.shape or np.any(wv < 0) or not np.all(np.isfinite(wv)):
                raise ValueError("weight: must return finite nonnegative values of the grid's shape")
            w = np.sqrt(wv)  # chebfit weights multiply the residuals, not their squares
        cheb = np.asarray(C.chebfit(u, g(u), degree, w=w), dtype=float)
    else:
        cheb, lower, _, ref, iterations = remez(g, degree)
        alternation = tuple(float(mid + half * x) for x in ref)

    power = Chebyshev(cheb, domain=[a, b]).convert(kind=Polynomial).coef
    power = np.concatenate([power, np.zeros(degree + 1 - len(power))])[: degree + 1]
    if max_denominator is None:
        rational = tuple(Fraction(float(c)) for c in power)
    else:
        rational = tuple(Fraction(float(c)).limit_denominator(max_denominator) for c in power)
        power = np.array([float(c) for c in rational])
        cheb = np.asarray(Polynomial(power).convert(kind=Chebyshev, domain=[a, b]).coef, dtype=float)
    t = np.linspace(a, b, GRID_POINTS)
    err = float(np.max(np.abs(f(t) - Chebyshev(cheb, domain=[a, b])(t))))
    power_err = float(np.max(np.abs(f(t) - Polynomial(power)(t))))
    if method == "minimax":
        # All points of near-maximal alternating error (e.g. five for |x| at degree 2).
        alternation = _alternation(f, Chebyshev(cheb, domain=[a, b]), a, b, err) or alternation
    return Approximation(
        activation=name,
        degree=degree,
        domain=(a, b),
        method=method,
        coefficients=tuple(float(c) for c in power),
        chebyshev_coefficients=tuple(float(c) for c in cheb),
        rational_coefficients=rational,
        error=err,
        power_basis_error=power_err,
        error_lower_bound=lower,
        alternation_points=alternation,
        iterations=iterations,
    )


def _alternation(
    f: Callable[[np.ndarray], np.ndarray], p: Chebyshev, a: float, b: float, err: float
) -> tuple[float, ...]:
    t = np.linspace(a, b, GRID_POINTS)
    e = f(t) - p(t)
    near = np.nonzero(np.abs(e) >= err * (1 - 1e-6))[0]
    pts: list[float] = []
    run: list[int] = []
    for i in near:
        if run and np.sign(e[i]) != np.sign(e[run[-1]]):
            pts.append(float(t[max(run, key=lambda j: abs(e[j]))]))
            run = []
        run.append(int(i))
    if run:
        pts.append(float(t[max(run, key=lambda j: abs(e[j]))]))
    return tuple(pts)
