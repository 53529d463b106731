"""The degree of a neurovariety, from a witness set.

The neurovariety ``V`` (the Zariski closure of the functions a network computes) is a cone of
dimension ``m = dim V`` in coefficient space ``C^N``. Its *degree* is the number of points in
which it meets a generic affine space of codimension ``m``: ``deg V = #(V cap {y : L y = b})``
for a generic complex ``m x N`` matrix ``L`` and generic ``b``. These points are a *witness set*
of ``V`` (numerical algebraic geometry, Sommese-Wampler). The Rust core finds them by homotopy
continuation on the *linear section system* ``L phi(theta_0 + E x) = b`` over a random complex
slice of parameter space (design notes, ``critical-points.md`` section 5):

* monodromy loops in ``b`` permute the witness points (the cover ``V -> C^m``, ``y -> L y``, is
  irreducible, so its monodromy group acts transitively); points are counted as distinct
  *functions*, never as parameter points, and only where the sliced Jacobian has full rank;
* the *trace test*: along the parallel family ``b + s v`` the sum of a random linear functional
  over the witness points is affine in ``s`` exactly when the witness set is complete;
  ``trace_residual`` (relative, at rounding level for a complete set) is that evidence;
* Krawczyk's test in outward-rounded interval arithmetic certifies every witness point, and the
  pairwise disjoint function enclosures give ``certified_lower_bound``, a proof that the degree
  is at least that. Completeness is supported (trace, loops, runs) but not proven.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from neurocore import _core
from neurocore._checks import check_int
from neurocore.critical import MonodromyRun
from neurocore.network import Network

__all__ = ["DegreeResult", "degree"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DegreeResult:
    """The degree of the neurovariety found by monodromy, with its evidence.

    Attributes
    ----------
    degree : int
        Distinct witness functions (the largest count over the runs): the number of points of
        ``V`` on a generic affine space of codimension ``dim V``.
    certified_lower_bound : int
        Witness points certified by Krawczyk's test with pairwise disjoint function enclosures:
        a proof that the degree is at least this.
    certified : int
        Witness points that passed Krawczyk's test.
    trace_residual : float
        ``|tr(1) - 2 tr(0) + tr(-1)| / sum |M y_i|`` of the trace test on the witness set used
        (rounding level, ~1e-15, for a complete set; ``nan`` when a trace path failed).
    trace_failures : int
        Trace paths that failed (then ``trace_residual`` is ``nan``).
    runs_agree : bool
        Every independent run (its own slice, section and seed) found the same count.
    runs : tuple of MonodromyRun
        The runs in order (loops, paths, history of the count).
    stable_loops : int
        Consecutive loops without a new point after which a run stops.
    dim, n_params, ambient_dim : int
        ``dim V``, parameters, coefficients.
    seed : int
    network : str
    """

    degree: int
    certified_lower_bound: int
    certified: int
    trace_residual: float
    trace_failures: int
    runs_agree: bool
    runs: tuple[MonodromyRun, ...]
    stable_loops: int
    dim: int
    n_params: int
    ambient_dim: int
    seed: int
    network: str = ""

    @property
    def trace_passed(self) -> bool:
        """The trace test passed (relative residual below ``1e-8``)."""
        return self.trace_failures == 0 and math.isfinite(self.trace_residual) and self.trace_residual < 1e-8

    @property
    def loops(self) -> int:
        """Loops of the run whose witness set was used (the one with the largest count)."""
        return max(self.runs, key=lambda r: r.count).loops

    def __str__(self) -> str:
        runs = "; ".join(f"{r.count} after {r.loops} loops ({r.loops_without_new} without new)" for r in self.runs)
        trace = "passed" if self.trace_passed else "FAILED"
        return (
            f"network           {self.network}\n"
            f"degree            {self.degree} (monodromy; runs {'agree' if self.runs_agree else 'DISAGREE'})\n"
            f"certified         {self.certified_lower_bound} distinct (Krawczyk): a proven lower bound\n"
            f"trace test        {trace} (relative residual {self.trace_residual:.1e})\n"
            f"runs              {runs}\n"
            f"dimension         {self.dim} (n_params {self.n_params}, ambient {self.ambient_dim})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready; a ``nan`` trace residual becomes ``None``)."""
        return {
            "degree": self.degree,
            "certified_lower_bound": self.certified_lower_bound,
            "certified": self.certified,
            "trace_residual": self.trace_residual if math.isfinite(self.trace_residual) else None,
            "trace_failures": self.trace_failures,
            "trace_passed": self.trace_passed,
            "runs_agree": self.runs_agree,
            "runs": [r.to_dict() for r in self.runs],
            "stable_loops": self.stable_loops,
            "dim": self.dim,
            "n_params": self.n_params,
            "ambient_dim": self.ambient_dim,
            "seed": self.seed,
            "network": self.network,
        }


def _bool(v: Any, arg: str) -> bool:
    if not isinstance(v, bool):
        raise TypeError(f"{arg}: expected a bool, got {type(v).__name__}")
    return v


def degree(
    net: Network,
    *,
    seed: int = 0,
    threads: int | None = None,
    runs: int = 2,
    stable_loops: int = 20,
    max_loops: int = 200,
    max_dim: int = 40,
    certify: bool = True,
    memory_limit: int | None = None,
) -> DegreeResult:
    """The degree of the neurovariety of ``net``, from a witness set found by monodromy.

    Parameters
    ----------
    net : Network
        The architecture (any neurocore network: MLP, CNN, attention).
    seed : int
        Seed of the slices, sections, start points and loops (the result is reproducible).
    threads : int, optional
        Threads for the path tracking (``None``/0 = all cores, 1 = sequential); the result does
        not depend on it.
    runs : int
        Independent monodromy runs; ``runs_agree`` compares them.
    stable_loops : int
        A run stops after this many consecutive loops without a new witness point.
    max_loops : int
        Upper limit on loops per run.
    max_dim : int
        Refuse neurovarieties of larger dimension.
    certify : bool
        Run Krawczyk's test on every witness point.
    memory_limit : int, optional
        Bytes this call may plan to allocate (default: the process limit).

    Returns
    -------
    DegreeResult

    Examples
    --------
    >>> import neurocore as nc
    >>> r = nc.degree(nc.mlp([2, 1, 1], degree=3), threads=1)   # cone over the twisted cubic
    >>> r.degree, r.certified_lower_bound, r.trace_passed
    (3, 3, True)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    kw: dict[str, Any] = {
        "seed": check_int(seed, "seed", lo=0, hi=2**64),
        "runs": check_int(runs, "runs", lo=1),
        "stable_loops": check_int(stable_loops, "stable_loops", lo=1),
        "max_loops": check_int(max_loops, "max_loops", lo=1),
        "max_dim": check_int(max_dim, "max_dim", lo=1),
        "certify": _bool(certify, "certify"),
        "threads": 0 if threads is None else check_int(threads, "threads", lo=0),
    }
    if kw["max_loops"] < kw["stable_loops"]:
        raise ValueError(f"max_loops: must be at least stable_loops ({kw['stable_loops']}), got {kw['max_loops']}")
    if memory_limit is not None:
        kw["memory_limit"] = check_int(memory_limit, "memory_limit", lo=1)
    raw = _core.degree(net._core, **kw)
    return DegreeResult(
        degree=raw["degree"],
        certified_lower_bound=raw["certified_lower_bound"],
        certified=raw["certified"],
        trace_residual=float(raw["trace_residual"]),
        trace_failures=raw["trace_failures"],
        runs_agree=raw["runs_agree"],
        runs=tuple(
            MonodromyRun(
                seed=r["seed"],
                count=r["count"],
                loops=r["loops"],
                loops_without_new=r["loops_without_new"],
                paths=r["paths"],
                failures=dict(r["failures"]),
                rank_deficient=r["rank_deficient"],
                history=tuple(r["history"]),
            )
            for r in raw["runs"]
        ),
        stable_loops=raw["stable_loops"],
        dim=raw["dim"],
        n_params=raw["n_params"],
        ambient_dim=raw["ambient_dim"],
        seed=raw["seed"],
        network=str(net),
    )
