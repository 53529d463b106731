"""Fibers of the parametrization and identifiability.

Two parameter points are *equivalent* when the known symmetry group of the architecture maps one
to the other (rescalings of hidden neurons for monomial activations, permutations of hidden
neurons, and the other symmetries :func:`neurocore.symmetries` lists). The fiber
``phi^{-1}(phi(theta))`` is a union of orbits; the network is *identifiable* at ``theta`` when the
fiber is a single orbit, *finitely identifiable* with ``k`` classes when it is ``k`` orbits, and
not finitely identifiable when the orbits fill a positive-dimensional set (hidden symmetries).

The Rust core fixes the continuous symmetries by a gauge (``s`` parameter coordinates fixed at
their values at ``theta``, chosen by pivoting on the symmetry generators at ``theta``) and
computes the gauge-fixed fiber by homotopy continuation on the linear section system
``L phi(theta(x)) = L phi(theta)`` with monodromy loops (design notes, ``critical-points.md``
sections 5 and 6). Points of the gauge-fixed fiber that differ by the finite part of the group
are identified through a canonical form (neurons normalised and sorted), not by enumerating
permutations; the canonical form is implemented for dense MLPs (``classes`` is ``None`` for other
architectures, whose gauge-fixed points are still returned).

What the numbers are: the points are numerical (refined by Newton's method to rounding level and
matched to ``phi(theta)`` at ``match_tol`` relative); their count is what monodromy found (a lower
bound; ``loops_without_new`` supports completeness); ``fiber_dim`` is exact given the dimension of
the variety (certified or with its Schwartz-Zippel bound, see :func:`neurocore.dimension`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from neurocore import _core
from neurocore._checks import check_int
from neurocore.network import Network

__all__ = ["FiberResult", "Identifiability", "fiber", "identifiability"]

_C128 = npt.NDArray[np.complex128]


@dataclass(frozen=True, slots=True, kw_only=True)
class FiberResult:
    """The fiber of the parametrization over ``phi(theta)``, in a gauge.

    Attributes
    ----------
    fiber_dim : int
        Dimension of the gauge-fixed fiber, ``P - s - dim V``; 0 means finite.
    points : numpy.ndarray
        The gauge-fixed fiber points found (complex, ``k x P``; empty when ``fiber_dim > 0``):
        every point when ``modulo_symmetries`` is False, one point per class when it is True.
    modulo_symmetries : bool
        Whether monodromy counted classes (canonical forms) rather than points; True for dense
        MLPs unless switched off, False where no canonical form exists.
    certified_radius : tuple of float or None
        For each point, the half-side (in the gauge coordinates) of a box in which Krawczyk's
        interval test proved a unique exact solution of ``L phi(theta(x)) = L phi(theta)``
        (``L phi(theta)`` enclosed exactly); ``None`` where the test failed.
    exact : tuple
        For each class (or each point when ``classes`` is ``None``): the parameter vector as
        exact rationals when it is real and its entries are rationals of denominator at most
        ``1000`` whose exact evaluation reproduces ``phi(theta)`` over Q (checked exactly with
        :func:`neurocore.coefficients`, ``theta`` read as the exact binary fractions of its
        floats); ``None`` otherwise.
    certified_distinct : int
        Certified points with pairwise disjoint boxes: a proven lower bound on the number of
        distinct points. Membership in the fiber (the solution's function is ``phi(theta)``
        and not another function of the section) is the numerical match at ``match_tol``;
        it is exact when the neurovariety fills its ambient space.
    classes : numpy.ndarray or None
        One canonical representative per class modulo the finite part of the known group
        (``n_classes x P``); ``None`` when no canonical form exists for the architecture.
    real : tuple of bool
        For each class (or each point when ``classes`` is ``None``), whether it is real (to
        ``1e-8`` relative): real classes are genuine alternative trainings of the same function.
    n_params, dim, orbit_dim : int
        ``P``, ``dim V`` and ``s`` (coordinates fixed by the gauge).
    fixed : tuple of int
        The fixed parameter coordinates.
    section_solutions, loops, loops_without_new, paths : int
        Monodromy evidence: solutions of the section system (all functions of the section), loops,
        loops at the end without a new solution, paths tracked.
    seed : int
    """

    fiber_dim: int
    modulo_symmetries: bool
    certified_radius: tuple[float | None, ...]
    certified_distinct: int
    exact: tuple[tuple[Fraction, ...] | None, ...] = field(repr=False)
    points: _C128 = field(repr=False)
    classes: _C128 | None = field(repr=False)
    real: tuple[bool, ...]
    n_params: int
    dim: int
    orbit_dim: int
    fixed: tuple[int, ...]
    section_solutions: int
    loops: int
    loops_without_new: int
    paths: int
    history: tuple[int, ...]
    seed: int

    @property
    def n_classes(self) -> int | None:
        """Number of classes (``None`` when the fiber is positive dimensional or not reduced)."""
        if self.fiber_dim > 0 or self.classes is None:
            return None
        return len(self.classes)

    @property
    def finitely_identifiable(self) -> bool:
        """True when the gauge-fixed fiber is finite."""
        return self.fiber_dim == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (complex numbers as ``[re, im]`` pairs)."""

        def pairs(a: _C128 | None) -> list[list[list[float]]] | None:
            return None if a is None else [[[z.real, z.imag] for z in row] for row in a]

        return {
            "fiber_dim": self.fiber_dim,
            "n_classes": self.n_classes,
            "modulo_symmetries": self.modulo_symmetries,
            "certified_radius": list(self.certified_radius),
            "certified_distinct": self.certified_distinct,
            "exact": [None if e is None else [str(v) for v in e] for e in self.exact],
            "points": pairs(self.points),
            "classes": pairs(self.classes),
            "real": list(self.real),
            "n_params": self.n_params,
            "dim": self.dim,
            "orbit_dim": self.orbit_dim,
            "fixed": list(self.fixed),
            "section_solutions": self.section_solutions,
            "loops": self.loops,
            "loops_without_new": self.loops_without_new,
            "paths": self.paths,
            "history": list(self.history),
            "seed": self.seed,
        }

    def __str__(self) -> str:
        if self.fiber_dim > 0:
            verdict = f"positive dimensional (dimension {self.fiber_dim}): not finitely identifiable"
        elif self.classes is None:
            verdict = f"{len(self.points)} gauge-fixed points (classes not reduced for this architecture)"
        else:
            counted = "classes" if self.modulo_symmetries else "gauge-fixed points"
            verdict = f"{len(self.classes)} class(es), {sum(self.real)} real, from {len(self.points)} {counted}"

        return "\n".join(
            [
                f"fiber             {verdict}",
                f"gauge             {self.orbit_dim} coordinates fixed {list(self.fixed)}",
                f"dimension         {self.dim} (n_params {self.n_params})",
                f"monodromy         {self.section_solutions} section solutions after {self.loops} loops "
                f"({self.loops_without_new} without new)",
                f"certified         {self.certified_distinct} of {len(self.points)} points in disjoint Krawczyk boxes",
            ]
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Identifiability:
    """Generic identifiability of an architecture: the fiber at a random real point.

    Attributes
    ----------
    verdict : str
        ``"identifiable"`` (one class), ``"finitely identifiable"`` (``n_classes`` > 1 classes), or
        ``"not finitely identifiable"`` (``fiber_dim`` > 0); ``"unreduced"`` when the classes could
        not be reduced (no canonical form for the architecture; see ``fiber.points``).
    n_classes : int or None
    fiber_dim : int
    fiber : FiberResult
        The fiber at the random point.
    """

    verdict: str
    n_classes: int | None
    fiber_dim: int
    fiber: FiberResult = field(repr=False)

    def __str__(self) -> str:
        extra = f" ({self.n_classes} classes)" if self.n_classes and self.n_classes > 1 else ""
        extra = f" (fiber dimension {self.fiber_dim})" if self.fiber_dim else extra
        return f"{self.verdict}{extra}\n{self.fiber}"


def _complex(parts: Any, n: int) -> _C128:
    re, im = parts
    if not re:
        return np.zeros((0, n), dtype=np.complex128)
    return np.asarray(re, dtype=np.float64) + 1j * np.asarray(im, dtype=np.float64)


def _exact_row(
    net: Network, row: _C128, want: list[Fraction], max_denominator: int = 1000
) -> tuple[Fraction, ...] | None:
    """``row`` as small-denominator rationals, kept only if they compute ``want`` exactly."""
    from neurocore.maps import coefficients

    if not _is_real(row):
        return None
    guess = [Fraction(float(v)).limit_denominator(max_denominator) for v in row.real]
    if not np.allclose([float(g) for g in guess], row.real, rtol=1e-9, atol=1e-12):
        return None
    return tuple(guess) if list(coefficients(net, guess)) == want else None


def _is_real(row: _C128) -> bool:
    return bool(np.max(np.abs(row.imag), initial=0.0) <= 1e-8 * (1.0 + np.max(np.abs(row), initial=0.0)))


def fiber(
    net: Network,
    theta: Any,
    *,
    seed: int = 0,
    threads: int | None = None,
    stable_loops: int = 20,
    max_loops: int = 200,
    max_dim: int = 60,
    match_tol: float = 1e-6,
    modulo_symmetries: bool = True,
    memory_limit: int | None = None,
) -> FiberResult:
    """The fiber of the parametrization over ``phi(theta)``, counted modulo the known symmetries.

    Parameters
    ----------
    net : Network
        The architecture.
    theta : array_like
        A real parameter point (``net.n_params`` entries) with generic orbit and a full-rank
        gauge-fixed Jacobian (points with dead neurons are refused).
    seed : int
        Seed of the section and the loops (reproducible).
    threads : int, optional
        Threads for path tracking (``None``/0 = all cores); the result does not depend on it.
    stable_loops, max_loops : int
        Monodromy stops after ``stable_loops`` loops without a new solution (at most ``max_loops``).
    max_dim : int
        Refuse neurovarieties of larger dimension.
    match_tol : float
        Relative tolerance for "same function as ``phi(theta)``" and "same class".
    modulo_symmetries : bool
        Count monodromy solutions as classes (canonical forms modulo permutations and rescalings
        of hidden neurons) instead of points, where a canonical form exists (dense MLPs). The
        loops then carry one point per class: a fiber of ``k`` classes costs ``k`` paths per loop
        instead of ``k |G|`` (``7! = 5040`` points per class for ternary quintics). False counts
        every gauge-fixed point (the orderings of the hidden neurons are then all in ``points``).
    memory_limit : int, optional
        Bytes this call may plan to allocate.

    Examples
    --------
    >>> import neurocore as nc
    >>> theta = [1, 2, -1, 0.5, 0.3, -2, 1, -1, 0.5]
    >>> r = nc.fiber(nc.mlp([2, 3, 1], degree=5), theta, threads=1, modulo_symmetries=False)
    >>> r.fiber_dim, len(r.points), r.n_classes   # the 3! orderings of one Waring decomposition
    (0, 6, 1)
    >>> nc.fiber(nc.mlp([2, 3, 1], degree=5), theta, threads=1).n_classes   # counted as classes
    1
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    try:
        th = np.asarray(theta, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"theta: expected real numbers, got {type(theta).__name__}") from exc
    if th.ndim != 1 or th.size != net.n_params:
        raise ValueError(f"theta: expected {net.n_params} parameters, got shape {th.shape}")
    if not np.all(np.isfinite(th)):
        raise ValueError("theta: must be finite")
    if not isinstance(match_tol, (int, float)) or not 0 < match_tol < 1:
        raise ValueError(f"match_tol: must lie in (0, 1), got {match_tol!r}")
    kw: dict[str, Any] = {
        "seed": check_int(seed, "seed", lo=0, hi=2**64),
        "stable_loops": check_int(stable_loops, "stable_loops", lo=1),
        "max_loops": check_int(max_loops, "max_loops", lo=1),
        "max_dim": check_int(max_dim, "max_dim", lo=1),
        "match_tol": float(match_tol),
        "threads": 0 if threads is None else check_int(threads, "threads", lo=0),
    }
    if kw["max_loops"] < kw["stable_loops"]:
        raise ValueError(f"max_loops: must be at least stable_loops ({kw['stable_loops']}), got {kw['max_loops']}")
    if not isinstance(modulo_symmetries, bool):
        raise TypeError(f"modulo_symmetries: expected a bool, got {type(modulo_symmetries).__name__}")
    kw["modulo_symmetries"] = modulo_symmetries
    if memory_limit is not None:
        kw["memory_limit"] = check_int(memory_limit, "memory_limit", lo=1)
    raw = _core.fiber(net._core, th.tolist(), **kw)
    n = raw["n_params"]
    points = _complex(raw["points"], n)
    classes = None if raw["classes"] is None else _complex(raw["classes"], n)
    shown = points if classes is None else classes
    from neurocore.maps import coefficients

    want = list(coefficients(net, [Fraction(float(v)) for v in th]))
    return FiberResult(
        fiber_dim=raw["fiber_dim"],
        modulo_symmetries=raw["modulo_symmetries"],
        certified_radius=tuple(raw["certified_radius"]),
        certified_distinct=raw["certified_distinct"],
        exact=tuple(_exact_row(net, row, want) for row in shown),
        points=points,
        classes=classes,
        real=tuple(_is_real(row) for row in shown),
        n_params=n,
        dim=raw["dim"],
        orbit_dim=raw["orbit_dim"],
        fixed=tuple(raw["fixed"]),
        section_solutions=raw["section_solutions"],
        loops=raw["loops"],
        loops_without_new=raw["loops_without_new"],
        paths=raw["paths"],
        history=tuple(raw["history"]),
        seed=raw["seed"],
    )


def identifiability(
    net: Network, *, seed: int = 0, threads: int | None = None, memory_limit: int | None = None, **options: Any
) -> Identifiability:
    """Generic identifiability of ``net``: :func:`fiber` at a random real point.

    The point is Gaussian, drawn from ``seed`` (a generic point with probability one); further
    keywords go to :func:`fiber`.

    Examples
    --------
    >>> import neurocore as nc
    >>> nc.identifiability(nc.mlp([3, 2, 1], degree=2), threads=1).verdict   # hidden O(2)
    'not finitely identifiable'
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    rng = np.random.default_rng(check_int(seed, "seed", lo=0, hi=2**64))
    theta = rng.standard_normal(net.n_params)
    fib = fiber(net, theta, seed=seed, threads=threads, memory_limit=memory_limit, **options)
    if fib.fiber_dim > 0:
        verdict = "not finitely identifiable"
    elif fib.classes is None:
        verdict = "unreduced"
    elif len(fib.classes) == 1:
        verdict = "identifiable"
    else:
        verdict = "finitely identifiable"
    return Identifiability(verdict=verdict, n_classes=fib.n_classes, fiber_dim=fib.fiber_dim, fiber=fib)
