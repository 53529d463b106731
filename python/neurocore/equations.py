"""Equations and Hilbert functions of neurovarieties, by interpolation (critical-points.md, 5-6).

The coefficient coordinates of a network are ``c1, ..., cN`` (1-based names for the entries
``0..N-1`` of :func:`neurocore.coefficients`; :attr:`Equations.coordinates` says which output and
input monomial each one is). A homogeneous polynomial ``F`` of degree ``d`` in them vanishes on
the neurovariety iff ``F(phi(theta)) = 0`` for all parameters ``theta``. neurocore evaluates the
``M = C(N + d - 1, d)`` monomials of degree ``d`` at random points ``phi(theta)`` modulo a prime:

- the rank of that evaluation matrix is a **proven lower bound** on the Hilbert function ``H(d)``
  (the dimension of the degree-``d`` part of the coordinate ring), and equals it except with the
  reported Schwartz-Zippel probability;
- its kernel, in a canonical basis that does not depend on the points or the prime, is lifted
  from several primes to **primitive integer polynomials** (Chinese remaindering and rational
  reconstruction), and every equation is then checked at fresh random points of the variety
  modulo fresh primes. An equation that did not vanish on the variety would pass with probability
  at most :attr:`Equations.error_bound` (given that the fresh primes do not divide the content
  of ``F(phi(theta))``).

Every network neurocore builds has a linear last layer, so its image is a cone and these
homogeneous equations are the equations of the neurovariety.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from neurocore import _core
from neurocore._checks import check_int, check_network, check_seed, check_threads
from neurocore.maps import monomials
from neurocore.network import Network

__all__ = ["Equations", "HilbertFunction", "Polynomial", "equations", "hilbert_function"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HilbertFunction:
    """The value ``H(d)`` of the Hilbert function of a neurovariety.

    Attributes
    ----------
    degree : int
        ``d``.
    value : int
        The rank of the degree-``d`` evaluation matrix: a proven lower bound on ``H(d)``.
    monomials : int
        ``M = C(N + d - 1, d)``, so ``H(d) <= M``; ``M - value`` equations of degree ``d``.
    coordinates : int
        ``N``, the ambient dimension.
    certified : bool
        True when ``value == monomials`` (no equation of degree ``d``; then ``H(d)`` is proven).
    error_bound : float
        Bound on the probability that ``H(d) > value`` (0 when certified).
    prime, points : int
        The prime of the rank computation and the points of the variety used.
    network : str
        The network.
    """

    degree: int
    value: int
    monomials: int
    coordinates: int
    certified: bool
    error_bound: float
    prime: int
    points: int
    network: str

    @property
    def n_equations(self) -> int:
        """``M - value``: the number of independent equations of degree ``d`` (an upper bound)."""
        return self.monomials - self.value

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Polynomial:
    """A polynomial with integer coefficients in the coefficient coordinates ``c1..cN``.

    ``terms`` holds ``(coefficient, monomial)`` pairs in neurocore's monomial order, each monomial
    a tuple of ``(coordinate, exponent)`` pairs with 0-based coordinates (``c{i+1}`` is entry ``i``
    of :func:`neurocore.coefficients`).
    """

    terms: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]

    @property
    def degree(self) -> int:
        """The (homogeneous) degree."""
        return max((sum(e for _, e in m) for _, m in self.terms), default=0)

    def __call__(self, point: Any) -> Any:
        """The value at ``point`` (a sequence of ``N`` numbers): exact for ints and Fractions."""
        total: Any = 0
        for c, mono in self.terms:
            v: Any = c
            for i, e in mono:
                v = v * point[i] ** e
            total = total + v
        return total

    def __str__(self) -> str:
        parts = []
        for k, (c, mono) in enumerate(self.terms):
            name = "*".join(f"c{i + 1}" + (f"^{e}" if e > 1 else "") for i, e in mono) or "1"
            mag = abs(c)
            body = name if mag == 1 and mono else f"{mag}*{name}" if mono else str(mag)
            sign = "-" if c < 0 else "+"
            parts.append((f"-{body}" if c < 0 else body) if k == 0 else f" {sign} {body}")
        return "".join(parts) or "0"

    def to_sympy(self, symbols: Any = None) -> Any:
        """The polynomial as a sympy expression in ``symbols`` (default ``c1..cN`` as needed)."""
        import sympy

        n = 1 + max((i for _, m in self.terms for i, _ in m), default=-1)
        syms = symbols if symbols is not None else sympy.symbols(f"c1:{n + 1}") if n else ()
        return sympy.Add(*(sympy.Mul(c, *(syms[i] ** e for i, e in m)) for c, m in self.terms))


@dataclass(frozen=True, slots=True, kw_only=True)
class Equations:
    """A basis of the degree-``d`` equations of a neurovariety, as integer polynomials.

    Attributes
    ----------
    degree : int
        ``d``.
    polynomials : tuple of Polynomial
        The basis (canonical: each has a monomial no other one has; primitive integer
        coefficients, positive at that monomial). Empty when there is no equation of degree ``d``.
    hilbert : HilbertFunction
        ``H(d) = monomials - len(polynomials)`` (the rank behind the basis).
    lift_primes : tuple of int
        The primes whose images were combined (the last one checked the reconstruction).
    check_primes : tuple of int
        Fresh primes of the verification; ``check_points`` fresh points of the variety each.
    error_bound : float
        Bound on the probability that an equation that does not vanish on the variety passed the
        verification (module documentation).
    coordinates : tuple of tuple
        ``coordinates[i] = (output, exponents)``: coordinate ``c{i+1}`` is the coefficient of the
        input monomial ``x^exponents`` in that output.
    network : str
        The network.
    """

    degree: int
    polynomials: tuple[Polynomial, ...]
    hilbert: HilbertFunction
    lift_primes: tuple[int, ...]
    check_primes: tuple[int, ...]
    check_points: int
    error_bound: float
    coordinates: tuple[tuple[int, tuple[int, ...]], ...]
    network: str

    def __len__(self) -> int:
        return len(self.polynomials)

    def __str__(self) -> str:
        lines = [
            f"degree-{self.degree} equations of {self.network}: {len(self.polynomials)} "
            f"(H({self.degree}) = {self.hilbert.value} of {self.hilbert.monomials} monomials)"
        ]
        lines += [f"  {p} = 0" for p in self.polynomials]
        lines.append(
            f"verified at {self.check_points} fresh points modulo each of {len(self.check_primes)} fresh primes "
            f"(error bound {self.error_bound:.3g})"
        )
        return "\n".join(lines)

    def legend(self) -> list[str]:
        """``"c{i+1} = coefficient of x0^a0*x1^a1... in output o"`` for every coordinate."""
        out = []
        for i, (o, e) in enumerate(self.coordinates):
            mono = "*".join(f"x{j}" + (f"^{a}" if a > 1 else "") for j, a in enumerate(e) if a) or "1"
            out.append(f"c{i + 1} = [{mono}] of output {o}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain data (coefficients as ints, monomials as ``[[coordinate, exponent], ...]``)."""
        return {
            "degree": self.degree,
            "network": self.network,
            "equations": [[[c, [list(t) for t in m]] for c, m in p.terms] for p in self.polynomials],
            "readable": [str(p) for p in self.polynomials],
            "hilbert": self.hilbert.to_dict(),
            "lift_primes": list(self.lift_primes),
            "check_primes": list(self.check_primes),
            "check_points": self.check_points,
            "error_bound": self.error_bound,
            "coordinates": [[o, list(e)] for o, e in self.coordinates],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON (integers stay exact)."""
        return json.dumps(self.to_dict())


def _check_degree(degree: Any) -> int:
    return check_int(degree, "degree", lo=1)


def _check_memory_limit(memory_limit: Any) -> int | None:
    return None if memory_limit is None else check_int(memory_limit, "memory_limit", lo=1)


def _hilbert(raw: Any, net: Network) -> HilbertFunction:
    return HilbertFunction(
        degree=raw.degree,
        value=raw.value,
        monomials=raw.monomials,
        coordinates=raw.coordinates,
        certified=raw.certified,
        error_bound=raw.error_bound,
        prime=raw.prime,
        points=raw.points,
        network=repr(net),
    )


def hilbert_function(
    net: Network, degree: int, *, seed: int = 0, threads: int = 0, memory_limit: int | None = None
) -> HilbertFunction:
    """``H(d)``: the dimension of the degree-``d`` part of the coordinate ring of the neurovariety.

    A proven lower bound (the rank of the monomial evaluation matrix at random points of the
    variety modulo a 62-bit prime), equal to ``H(d)`` except with probability ``error_bound``.

    Examples
    --------
    >>> import neurocore as nc
    >>> h = nc.hilbert_function(nc.mlp([3, 2, 1], degree=2), 3)  # a cubic hypersurface in P^5
    >>> h.monomials, h.value, h.n_equations  # C(8, 3) = 56 cubics, one of them vanishes
    (56, 55, 1)
    """
    net = check_network(net)
    raw = _core.hilbert_function(
        net._core,
        _check_degree(degree),
        check_seed(seed),
        check_threads(threads),
        _check_memory_limit(memory_limit),
    )
    return _hilbert(raw, net)


def equations(
    net: Network,
    degree: int,
    *,
    seed: int = 0,
    check_primes: int = 2,
    check_points: int = 4,
    threads: int = 0,
    memory_limit: int | None = None,
) -> Equations:
    """A basis of the homogeneous equations of degree ``degree`` of the neurovariety of ``net``.

    Parameters
    ----------
    net : Network
        The network whose neurovariety is described.
    degree : int
        The degree ``d >= 1`` of the equations.
    seed : int
        Seed of the random points and of the verification primes.
    check_primes, check_points : int
        The verification: fresh points per prime, fresh primes.
    threads : int
        Threads (0 = all cores); the result does not depend on it.
    memory_limit : int, optional
        Bytes this call may allocate (default: the process limit). The interpolation needs about
        ``32 M^2`` bytes for ``M`` monomials; more raises :class:`neurocore.ResourceLimitError`
        before anything is allocated.

    Raises
    ------
    neurocore.CertificationError
        No reconstruction was found, or it failed the verification (retry with another seed).

    Examples
    --------
    >>> import neurocore as nc
    >>> eqs = nc.equations(nc.mlp([3, 2, 1], degree=2), 3)  # determinant of the quadric's matrix
    >>> len(eqs), eqs.polynomials[0].degree
    (1, 3)
    """
    net = check_network(net)
    raw = _core.equations(
        net._core,
        _check_degree(degree),
        check_seed(seed),
        check_int(check_primes, "check_primes", lo=1),
        check_int(check_points, "check_points", lo=1),
        check_threads(threads),
        _check_memory_limit(memory_limit),
    )
    table = monomials(net)
    per_output = len(table)
    coordinates = tuple(
        (i // per_output, tuple(int(a) for a in table[i % per_output])) for i in range(per_output * net.output_dim)
    )
    polys = tuple(
        Polynomial(tuple((int(c), tuple((int(i), int(e)) for i, e in mono)) for c, mono in eq)) for eq in raw.equations
    )
    return Equations(
        degree=raw.hilbert.degree,
        polynomials=polys,
        hilbert=_hilbert(raw.hilbert, net),
        lift_primes=tuple(raw.lift_primes),
        check_primes=tuple(raw.check_primes),
        check_points=raw.check_points,
        error_bound=raw.error_bound,
        coordinates=coordinates,
        network=repr(net),
    )
