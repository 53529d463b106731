"""The loss landscape globally: ED degrees and every critical point of the distance to a target.

Training a network to a target ``u`` is minimising the squared distance
``d_u(x) = sum_i w_i (x_i - u_i)^2`` over the neuromanifold. Its critical points on the smooth
part of the neurovariety ``X`` (the Zariski closure) are finitely many for generic ``u``; their
number is the *Euclidean distance degree* of ``X`` in the metric ``w``. The Rust core computes
them by homotopy continuation (design notes, ``critical-points.md``):

* a random complex affine slice ``theta = theta_0 + B t`` of parameter space of dimension
  ``m = dim X`` (from :func:`neurocore.dimension`) turns the positive-dimensional fibers into
  finitely many points; critical points are counted as distinct *functions* ``phi(theta)``,
  never as parameter points, and only where the sliced Jacobian has full rank;
* monodromy loops through random complex data find the solutions at generic data ``u_0``; the
  count stops when ``stable_loops`` consecutive loops found nothing new, and a second run with
  another slice and seed must agree;
* every solution is certified by Krawczyk's test in outward-rounded interval arithmetic and the
  enclosures of the functions are checked pairwise disjoint: ``certified_lower_bound`` is a
  proof that at least that many critical points exist. Completeness is not proven.
* :func:`critical_points` carries the solutions from ``u_0`` to the user's real ``u`` through a
  random complex point (the gamma trick) and reports, for every critical function, whether it
  is real and, for the real ones, the signature of the Hessian of ``d_u`` restricted to ``X``.

Samples ``data=(X, Y)`` induce their own metric: the squared loss ``sum_j ||f(x_j) - y_j||^2``
is ``c^T W c - 2 b^T c + ||Y||^2`` in the coefficients ``c`` with ``W = E^T E`` (``E`` the
monomial evaluation matrix of the samples, one block per output) and ``b = E^T Y``. Its number of
critical points for generic ``Y`` is the *learning degree* (Kubjas-Li-Wiesmann); ``W`` must be
positive definite, which needs at least as many samples in general position as monomials per
output (refused otherwise). The core encloses ``W`` and ``b`` in interval arithmetic from the
samples, so the certificates hold for the exact data.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurocore import _core
from neurocore._checks import check_int, check_timeout
from neurocore._exact import parse_float
from neurocore.closest import _metric_kwargs as closest_metric_kwargs
from neurocore.closest import _samples
from neurocore.network import Network
from neurocore.progress import progress_bar

__all__ = [
    "CriticalFunction",
    "CriticalPoints",
    "EDDegree",
    "MonodromyRun",
    "critical_points",
    "critical_points_many",
    "ed_degree",
    "ParamCriticalFunctions",
    "param_critical_functions",
    "ParamCriticalPoint",
    "ParamGlobalMinimum",
    "param_global_minimum",
]


def _frozen(a: Any, dtype: Any = np.float64) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


def _metric_kwargs(net: Network, metric: Any, data: Any = None, *, need_y: bool = True) -> tuple[str, dict[str, Any]]:
    # The closest-point rules (one home): a coefficient metric, or samples data=(X, Y).
    is_data_name = isinstance(metric, str) and metric.lower() == "data"
    if data is None:
        if is_data_name:
            raise ValueError("metric: the data metric needs the samples, pass data=(X, Y)")
        kw = closest_metric_kwargs(net, metric)
        return kw["metric"], kw
    if metric is not None and not is_data_name:
        raise ValueError("metric: samples data=(X, Y) induce their own metric; leave metric unset")
    if not need_y and isinstance(data, (tuple, list)) and len(data) == 2 and data[1] is None:
        x, _ = _samples(net, (data[0], np.zeros((np.shape(data[0])[0] if np.ndim(data[0]) else 0, net.output_dim))))
        return "data", {"metric": "data", "x": x}
    x, y = _samples(net, data)
    return "data", ({"metric": "data", "x": x, "y": y} if need_y else {"metric": "data", "x": x})


def _run_with_progress(enabled: bool, desc: str, call: Callable[..., Any]) -> Any:
    """``call(progress=counter)`` with a bar fed from the core's stage counter by a thread.

    The core runs without the interpreter lock, so a Python thread can poll the counter; the
    bar exists only when ``enabled`` and stderr is a terminal (see :mod:`neurocore.progress`).
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"progress: expected a bool, got {enabled!r}")
    bar = progress_bar(enabled, None, desc, "stage")
    if type(bar).__name__ == "_NoBar":
        return call(progress=None)
    counter = _core.ProgressCounter()
    stop = threading.Event()

    def sync() -> None:
        # The bar's own count is the stages shown so far.
        done, total = counter.get()
        if total and bar.total != total:
            bar.total = total
            bar.refresh()
        if done > bar.n:
            bar.update(done - bar.n)

    def poll() -> None:
        looped = (0, 0)
        while True:
            sync()
            loops = counter.loops()
            if loops != looped and loops[0]:
                looped = loops
                bar.set_postfix_str(f"loop {loops[0]}, {loops[1]} solutions")
            if stop.wait(0.1):
                return

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        return call(progress=counter)
    finally:
        stop.set()
        watcher.join()
        # A call faster than the first poll still ends on a full bar with its total.
        sync()
        bar.close()


def _check_net(net: Any) -> Network:
    if not isinstance(net, Network):
        raise TypeError(
            f"net: expected a neurocore Network (polynomial activations only; approximate other "
            f"activations with neurocore.approximate), got {type(net).__name__}"
        )
    return net


def _threads(threads: int | None) -> int:
    return 0 if threads is None else check_int(threads, "threads", lo=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class MonodromyRun:
    """One monodromy run (its own random slice, start pair and loops).

    Attributes
    ----------
    seed : int
        Seed of its loops.
    count : int
        Distinct critical functions it found.
    loops, loops_without_new : int
        Loops run, and consecutive loops at the end that found nothing new.
    paths : int
        Paths tracked.
    failures : dict of str to int
        Path ends other than success (``"singular"``, ``"diverged"``, ``"step_too_small"``, ...).
    rank_deficient : int
        Successful ends discarded because the sliced Jacobian dropped rank.
    history : tuple of int
        Solution count after each loop.
    stop : str
        Why the loops stopped: ``"stable"`` (``stable_loops`` loops without a new solution, the
        evidence of completeness), ``"max_loops"`` or ``"time_limit"`` (new solutions were
        still appearing: the count is only a lower bound).
    """

    seed: int
    count: int
    loops: int
    loops_without_new: int
    paths: int
    failures: dict[str, int]
    rank_deficient: int
    history: tuple[int, ...]
    stop: str = "stable"

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        return {
            "seed": self.seed,
            "count": self.count,
            "loops": self.loops,
            "loops_without_new": self.loops_without_new,
            "paths": self.paths,
            "failures": dict(self.failures),
            "rank_deficient": self.rank_deficient,
            "history": list(self.history),
            "stop": self.stop,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class EDDegree:
    """The Euclidean distance degree found by monodromy, with its evidence.

    Attributes
    ----------
    ed_degree : int
        Distinct critical functions of the distance at generic complex data (the largest count
        over the runs). A lower bound; ``runs_agree`` and ``runs[*].loops_without_new`` support
        that it is complete.
    certified_lower_bound : int
        Solutions certified by Krawczyk's test whose function enclosures are pairwise disjoint:
        a proof that the ED degree is at least this.
    certified : int
        Solutions that passed Krawczyk's test.
    runs_agree : bool
        Every independent run (different slice and seed) found the same count.
    runs : tuple of MonodromyRun
        The runs in order.
    stable_loops : int
        Consecutive loops without a new solution after which a run stops.
    dim, n_params, ambient_dim : int
        Slice dimension (the neurovariety's dimension), parameters, coefficients.
    metric : str
        ``"euclidean"``, ``"bombieri"`` or ``"weights"``.
    seed : int
    network : str
    """

    ed_degree: int
    certified_lower_bound: int
    certified: int
    runs_agree: bool
    runs: tuple[MonodromyRun, ...]
    stable_loops: int
    dim: int
    n_params: int
    ambient_dim: int
    metric: str
    seed: int
    network: str = ""

    @property
    def loops(self) -> int:
        """Loops of the run whose solutions were used (the one with the largest count)."""
        return max(self.runs, key=lambda r: r.count).loops

    @property
    def stopped_early(self) -> bool:
        """Some run stopped at ``max_loops`` or the time limit while still finding solutions.

        Then ``ed_degree`` is only a lower bound (like ``certified_lower_bound``, but unproven),
        and the runs give no evidence that it is complete.
        """
        return any(r.stop != "stable" for r in self.runs)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        return {
            "ed_degree": self.ed_degree,
            "stopped_early": self.stopped_early,
            "certified_lower_bound": self.certified_lower_bound,
            "certified": self.certified,
            "runs_agree": self.runs_agree,
            "runs": [r.to_dict() for r in self.runs],
            "stable_loops": self.stable_loops,
            "dim": self.dim,
            "n_params": self.n_params,
            "ambient_dim": self.ambient_dim,
            "metric": self.metric,
            "seed": self.seed,
            "network": self.network,
        }

    def __str__(self) -> str:
        runs = "; ".join(
            f"{r.count} after {r.loops} loops ({r.loops_without_new} without new"
            + ("" if r.stop == "stable" else f", stopped at {r.stop}")
            + ")"
            for r in self.runs
        )
        if self.stopped_early:
            how = "a lower bound: a run stopped before its count was stable"
        else:
            how = f"monodromy; runs {'agree' if self.runs_agree else 'DISAGREE'}"
        return (
            f"network           {self.network}\n"
            f"metric            {self.metric}\n"
            f"ED degree         {'>= ' if self.stopped_early else ''}{self.ed_degree} ({how})\n"
            f"certified         {self.certified_lower_bound} distinct (Krawczyk): a proven lower bound\n"
            f"runs              {runs}\n"
            f"slice dimension   {self.dim} (n_params {self.n_params}, ambient {self.ambient_dim})"
        )


def _ed_from_raw(raw: _core.EdDegreeRecord, metric: str, net: Network) -> EDDegree:
    runs = tuple(
        MonodromyRun(
            seed=r.seed,
            count=r.count,
            loops=r.loops,
            loops_without_new=r.loops_without_new,
            paths=r.paths,
            failures={str(k): int(v) for k, v in r.failures},
            rank_deficient=r.rank_deficient,
            history=tuple(r.history),
            stop=r.stop,
        )
        for r in raw.runs
    )
    return EDDegree(
        ed_degree=raw.ed_degree,
        certified_lower_bound=raw.certified_lower_bound,
        certified=raw.certified,
        runs_agree=raw.runs_agree,
        runs=runs,
        stable_loops=raw.stable_loops,
        dim=raw.dim,
        n_params=raw.n_params,
        ambient_dim=raw.ambient_dim,
        metric=metric,
        seed=raw.seed,
        network=repr(net),
    )


def _options(
    seed: Any, runs: Any, stable_loops: Any, max_loops: Any, max_dim: Any, certify: Any, time_limit: Any = None
) -> dict[str, Any]:
    if not isinstance(certify, bool):
        raise TypeError(f"certify: expected a bool, got {certify!r}")
    return {
        "time_limit": check_timeout(time_limit, "time_limit"),
        "seed": check_int(seed, "seed", lo=0, hi=2**64),
        "runs": check_int(runs, "runs", lo=1),
        "stable_loops": check_int(stable_loops, "stable_loops", lo=1),
        "max_loops": check_int(max_loops, "max_loops", lo=1),
        "max_dim": check_int(max_dim, "max_dim", lo=1),
        "certify": certify,
    }


def ed_degree(
    net: Network,
    metric: Any = None,
    *,
    data: Any = None,
    seed: int = 0,
    threads: int | None = None,
    runs: int = 2,
    stable_loops: int = 10,
    max_loops: int = 200,
    max_dim: int = 40,
    certify: bool = True,
    time_limit: float | None = None,
    progress: bool = True,
) -> EDDegree:
    """The Euclidean distance degree of the neurovariety of ``net``, by monodromy.

    Parameters
    ----------
    net : Network
        The architecture (any neurocore network: MLP, CNN, attention).
    metric : {"euclidean", "bombieri"} or array_like, optional
        Coefficient metric (default euclidean), or a positive weight per coefficient (length
        ``net.ambient_dim``). Leave unset (or ``"data"``) with ``data``.
    data : (X, Y) or (X, None), optional
        Samples: the count is then the *learning degree*, the number of critical points of the
        squared loss on the neurovariety for generic values ``Y`` (only ``X`` matters). Needs at
        least as many samples in general position as monomials per output.
    seed : int
        Seed of the slices, start pairs and loops (the result is reproducible from it).
    threads : int, optional
        Threads for the path tracking (``None``/0 = all cores, 1 = sequential); the result does
        not depend on it.
    runs : int
        Independent monodromy runs (each with its own slice); ``runs_agree`` compares them.
    stable_loops : int
        A run stops after this many consecutive loops without a new solution.
    max_loops : int
        Upper limit on loops per run.
    max_dim : int
        Refuse neurovarieties of larger dimension (the cost grows like ``dim^3`` per step).
    certify : bool
        Run Krawczyk's test on every solution.
    time_limit : float, optional
        Seconds for the monodromy loops of all runs together (shared equally, the clock read
        between batches of 32 paths; certification comes on top). A run that reaches it while still finding new
        solutions stops with ``stop="time_limit"``, and the result's ``stopped_early`` says that
        ``ed_degree`` is then only a lower bound. Which count is reached depends on the
        machine's speed and load (and on ``threads``); without a limit it does not.
    progress : bool
        A progress bar on stderr by stages (each monodromy run, the certification), with the
        running loop and solution count, only when stderr is a terminal.

    Returns
    -------
    EDDegree

    Examples
    --------
    >>> import neurocore as nc
    >>> r = nc.ed_degree(nc.mlp([2, 1, 1], degree=3), threads=1)   # cone over the twisted cubic
    >>> r.ed_degree, r.runs_agree, r.certified_lower_bound <= r.ed_degree
    (7, True, True)
    >>> X = np.random.default_rng(0).normal(size=(8, 2))
    >>> nc.ed_degree(nc.mlp([2, 1, 1], degree=3), data=(X, None), threads=1).ed_degree  # learning degree
    7
    """
    net = _check_net(net)
    name, kw = _metric_kwargs(net, metric, data, need_y=False)
    opts = _options(seed, runs, stable_loops, max_loops, max_dim, certify, time_limit)
    raw = _run_with_progress(
        progress, "ED degree", lambda **p: _core.ed_degree(net._core, threads=_threads(threads), **kw, **opts, **p)
    )
    return _ed_from_raw(raw, name, net)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CriticalFunction:
    """One critical point of the distance on the neurovariety, as a function.

    Attributes
    ----------
    function : numpy.ndarray
        The critical function's coefficient vector (complex; real entries for a real point).
    theta : numpy.ndarray
        One parameter preimage (complex in general: the slice is complex).
    sq_distance : complex
        ``sum_i w_i (function_i - u_i)^2``, or for samples the squared loss
        ``sum_j ||f(x_j) - y_j||^2`` (real for a real point).
    is_real : bool
        ``imag_size <= real_tol`` (the ``real_tol`` of :class:`CriticalPoints`).
    imag_size : float
        ``max |Im function| / (1 + max |function|)`` after Newton refinement.
    residual : float
        ``max |G(t; u)|`` of the critical equations after refinement.
    rank_pivot : float
        Scale-invariant rank measure of the sliced Jacobian (columns normalised).
    certified : bool
        Krawczyk's test proved a unique regular solution in a small box around it.
    hessian_eigenvalues : numpy.ndarray or None
        For a real point: eigenvalues of the Hessian of the squared distance restricted to the
        variety (orthonormal real basis of the tangent space), ascending. ``None`` otherwise.
    real_theta : numpy.ndarray or None
        For a real point: real parameters found by the local search with the function itself
        as target, reproducing it to ``1e-10`` relative squared distance. ``None`` when none was
        found (or the search was not run).
    in_neuromanifold : bool or None
        ``True`` when ``real_theta`` was found (the point lies in the real neuromanifold, not
        only in the real points of its Zariski closure), ``None`` otherwise: a failed search
        is no proof that no real preimage exists.
    stratum : str or None
        ``nc.classify(net, real_theta, rtol=1e-6).kind`` of that preimage (``"generic"``,
        ``"critical"``, ``"subnetwork"``, ``"boundary"``, ``"zero"``: a numerical
        classification of a float point), ``None`` without a real preimage.
    """

    function: np.ndarray
    theta: np.ndarray
    sq_distance: complex
    is_real: bool
    imag_size: float
    residual: float
    rank_pivot: float
    certified: bool
    hessian_eigenvalues: np.ndarray | None
    real_theta: np.ndarray | None = None
    in_neuromanifold: bool | None = None
    stratum: str | None = None

    @property
    def index(self) -> int | None:
        """Number of negative Hessian eigenvalues (Morse index) for a real point, else ``None``."""
        if self.hessian_eigenvalues is None:
            return None
        return int(np.sum(self.hessian_eigenvalues < 0))

    @property
    def kind(self) -> str:
        """``"local_minimum"``, ``"saddle"``, ``"local_maximum"``, ``"degenerate"`` or ``"complex"``."""
        e = self.hessian_eigenvalues
        if e is None:
            return "complex" if not self.is_real else "degenerate"
        scale = max(1.0, float(np.max(np.abs(e))) if e.size else 1.0)
        if np.any(np.abs(e) <= 1e-9 * scale):
            return "degenerate"
        if np.all(e > 0):
            return "local_minimum"
        if np.all(e < 0):
            return "local_maximum"
        return "saddle"

    @property
    def is_local_minimum(self) -> bool:
        """A real critical point whose restricted Hessian is positive definite."""
        return self.kind == "local_minimum"

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready: complex numbers as ``[re, im]`` pairs)."""
        return {
            "function": [[float(z.real), float(z.imag)] for z in self.function],
            "theta": [[float(z.real), float(z.imag)] for z in self.theta],
            "sq_distance": [self.sq_distance.real, self.sq_distance.imag],
            "is_real": self.is_real,
            "imag_size": self.imag_size,
            "residual": self.residual,
            "rank_pivot": self.rank_pivot,
            "certified": self.certified,
            "hessian_eigenvalues": None if self.hessian_eigenvalues is None else self.hessian_eigenvalues.tolist(),
            "kind": self.kind,
            "real_theta": None if self.real_theta is None else self.real_theta.tolist(),
            "in_neuromanifold": self.in_neuromanifold,
            "stratum": self.stratum,
        }

    def __repr__(self) -> str:
        d = self.sq_distance
        dist = f"{d.real:.6g}" if self.is_real else f"{d:.4g}"
        return f"CriticalFunction(sq_distance={dist}, kind={self.kind!r}, certified={self.certified})"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CriticalPoints:
    """Every critical point of the distance from a real target to the neurovariety.

    Attributes
    ----------
    points : tuple of CriticalFunction
        Sorted: real points first by increasing squared distance, then complex ones.
    target : numpy.ndarray or None
        The target coefficient vector; ``None`` for samples (``data``), whose loss is reported
        as ``sq_distance``.
    ed : EDDegree
        The monodromy solve at generic data the points were carried from.
    paths : int
        Paths tracked from the generic data to the target: one per generic solution and route,
        plus retries. A route is a detour through a random complex point; a fresh route is
        tracked only while some function is missing (at most three), and ``points`` pools the
        distinct functions of all routes (each one a genuine critical point).
    failures : dict of str to int
        Paths of the last route that did not end at a regular solution (a non-generic target
        loses some points to infinity or to singular ends: they are counted here, never
        dropped silently). When ``n_complex == ed.ed_degree`` earlier routes covered them.
    rank_deficient, merged : int
        On the last route: ends where the sliced Jacobian dropped rank; ends at a function
        reached twice.
    certified_distinct : int
        Points certified at the target with pairwise disjoint function enclosures.
    real_tol : float
        Tolerance of ``is_real``.
    metric : str
    network : str
    time_limited : bool
        ``time_limit`` stopped the tracking to the target while some generic solution had not
        reached a distinct function: paths never tracked (counted in ``failures`` as
        ``"time_limit"``), failed paths not retried, or detours skipped. Points may be missing.
    """

    points: tuple[CriticalFunction, ...]
    target: np.ndarray | None
    ed: EDDegree
    paths: int
    failures: dict[str, int]
    rank_deficient: int
    merged: int
    certified_distinct: int
    real_tol: float
    metric: str
    network: str = ""
    time_limited: bool = False

    @property
    def stopped_early(self) -> bool:
        """The time limit (or ``max_loops``) cut the monodromy or the tracking to the target.

        Then the points are genuine critical points, but the set may be incomplete, and the
        global minimum among them may not be the global minimum.
        """
        return self.ed.stopped_early or self.time_limited

    @property
    def n_complex(self) -> int:
        """All critical points found (complex, including the real ones)."""
        return len(self.points)

    @property
    def real_points(self) -> tuple[CriticalFunction, ...]:
        """The real critical points, by increasing squared distance."""
        return tuple(p for p in self.points if p.is_real)

    @property
    def n_real(self) -> int:
        """Number of real critical points."""
        return len(self.real_points)

    @property
    def n_local_minima(self) -> int:
        """Real critical points that are local minima of the distance on the real variety."""
        return sum(p.is_local_minimum for p in self.points)

    @property
    def n_in_neuromanifold(self) -> int:
        """Real critical points with a real parameter preimage found."""
        return sum(p.in_neuromanifold is True for p in self.points)

    @property
    def global_minimum(self) -> CriticalFunction | None:
        """The real critical point of smallest squared distance (``None`` when there is none).

        The minimum of the distance over the closure of the real neuromanifold is this point
        or lies on a boundary or singular stratum (not computed here).
        """
        real = self.real_points
        return real[0] if real else None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        g = self.global_minimum
        return {
            "points": [p.to_dict() for p in self.points],
            "target": None if self.target is None else self.target.tolist(),
            "ed": self.ed.to_dict(),
            "n_complex": self.n_complex,
            "n_real": self.n_real,
            "n_local_minima": self.n_local_minima,
            "n_in_neuromanifold": self.n_in_neuromanifold,
            "global_minimum_sq_distance": None if g is None else g.sq_distance.real,
            "paths": self.paths,
            "failures": dict(self.failures),
            "rank_deficient": self.rank_deficient,
            "merged": self.merged,
            "certified_distinct": self.certified_distinct,
            "real_tol": self.real_tol,
            "metric": self.metric,
            "network": self.network,
            "time_limited": self.time_limited,
            "stopped_early": self.stopped_early,
        }

    def __repr__(self) -> str:
        return (
            f"CriticalPoints(n_complex={self.n_complex}, n_real={self.n_real}, "
            f"n_local_minima={self.n_local_minima}, certified_distinct={self.certified_distinct})"
        )

    def __str__(self) -> str:
        lines = [
            f"network      {self.network}",
            f"metric       {self.metric}",
            f"critical     {self.n_complex} complex ({self.certified_distinct} certified distinct), "
            f"{self.n_real} real ({self.n_in_neuromanifold} with real parameters found), "
            f"{self.n_local_minima} local minima",
            f"ED degree    {self.ed.ed_degree} at generic data (certified lower bound {self.ed.certified_lower_bound})",
            "real critical points (sq_distance, kind, index):",
        ]
        for p in self.real_points:
            lines.append(f"  {p.sq_distance.real:>14.8g}  {p.kind:<14} {p.index}")
        if self.failures:
            lines.append("paths lost: " + ", ".join(f"{k}: {v}" for k, v in self.failures.items()))
        if self.stopped_early:
            lines.append("incomplete: the time limit stopped the computation; points may be missing")
        return "\n".join(lines)


def _real_preimage(net: Network, f: np.ndarray, seed: int, threads: int | None) -> np.ndarray | None:
    """Real parameters reproducing ``f`` (relative squared distance <= 1e-10), or ``None``."""
    from neurocore.closest import closest_point

    norm2 = float(f @ f)
    hit = closest_point(net, f, starts=16, seed=seed, threads=_threads(threads), classify=False)
    if hit.sq_distance <= 1e-10 * max(norm2, 1e-300):
        return _frozen(hit.theta)
    return None


def critical_points(
    net: Network,
    target: Any = None,
    metric: Any = None,
    *,
    data: Any = None,
    seed: int = 0,
    threads: int | None = None,
    runs: int = 2,
    stable_loops: int = 10,
    max_loops: int = 200,
    max_dim: int = 40,
    real_tol: float = 1e-8,
    certify: bool = True,
    real_preimages: bool = True,
    time_limit: float | None = None,
    progress: bool = True,
) -> CriticalPoints:
    """Every critical point of the distance from ``target`` (or of the loss of ``data``) on the variety.

    The solutions of :func:`ed_degree` at generic complex data are tracked to ``target`` along
    a path through a random complex point (coefficient-parameter homotopy with the gamma trick).

    Parameters
    ----------
    net : Network
        The architecture.
    target : array_like, optional
        Real coefficient vector of length ``net.ambient_dim`` (order of
        :func:`neurocore.monomials`). Give this or ``data``.
    metric : {"euclidean", "bombieri"} or array_like, optional
        As in :func:`ed_degree` (with a target only).
    data : (X, Y), optional
        Samples: the critical points of the squared loss ``sum_j ||f(x_j) - y_j||^2`` on the
        neurovariety (``sq_distance`` is that loss), for the learning degree's metric.
    seed, threads, runs, stable_loops, max_loops, max_dim, certify, progress
        As in :func:`ed_degree`. When the monodromy stopped early (``result.ed.stopped_early``)
        the points are those reached from an incomplete solution set: every one is a genuine
        critical point, but some may be missing (also the global minimum).
    time_limit : float, optional
        Seconds for the whole search: the monodromy loops *and* the tracking to the target.
        The loops stop early enough to leave, at their own measured cost per path, two paths
        per solution for the tracking; refinement, certification and ``real_preimages`` come on
        top. When the limit cuts the tracking, ``time_limited`` (and ``stopped_early``) say so
        and the paths never tracked are counted in ``failures`` as ``"time_limit"``.
    real_tol : float
        A critical function is real when ``max |Im| / (1 + max |.|) <= real_tol``.
    real_preimages : bool
        Look for real parameters of every real critical function (16 starts of
        :func:`neurocore.closest_point` with the function as target), to tell the real
        neuromanifold from the real points of its closure (``in_neuromanifold``).

    Returns
    -------
    CriticalPoints

    Examples
    --------
    >>> import neurocore as nc
    >>> res = nc.critical_points(nc.mlp([2, 1, 2], degree=1), [3, 0, 0, 1], threads=1)
    >>> [round(p.sq_distance.real, 9) for p in res.points], res.n_local_minima  # Eckart-Young
    ([1.0, 9.0], 1)
    """
    net = _check_net(net)
    if (target is None) == (data is None):
        raise ValueError("target: give either a target coefficient vector or data=(X, Y), not both")
    name, kw = _metric_kwargs(net, metric, data)
    u = None if target is None else parse_float(target, "target", net.ambient_dim)
    if isinstance(real_tol, bool) or not isinstance(real_tol, numbers.Real):
        raise TypeError(f"real_tol: expected a real number, got {real_tol!r}")
    if not (math.isfinite(real_tol) and real_tol > 0):
        raise ValueError(f"real_tol: expected a positive finite number, got {real_tol!r}")
    if not isinstance(real_preimages, bool):
        raise TypeError(f"real_preimages: expected a bool, got {real_preimages!r}")
    opts = _options(seed, runs, stable_loops, max_loops, max_dim, certify, time_limit)
    raw = _run_with_progress(
        progress,
        "critical points",
        lambda **p: _core.critical_points(
            net._core, u, threads=_threads(threads), real_tol=float(real_tol), **kw, **opts, **p
        ),
    )
    return _points_from_raw(raw, net, u, name, opts["seed"], threads, real_preimages)


def _points_from_raw(
    raw: _core.CriticalSetRecord,
    net: Network,
    u: np.ndarray | None,
    name: str,
    seed: int,
    threads: int | None,
    real_preimages: bool,
) -> CriticalPoints:
    fre, fim = np.asarray(raw.function_re), np.asarray(raw.function_im)
    tre, tim = np.asarray(raw.theta_re), np.asarray(raw.theta_im)
    points = []
    for i in range(fre.shape[0]):
        real = bool(raw.is_real[i])
        f = fre[i] + 1j * fim[i]
        ev = raw.hessian_eigenvalues[i]
        real_theta = _real_preimage(net, f.real, seed, threads) if real and real_preimages else None
        # The stratum of the real preimage (a numerical rank at the local search's tolerance): a
        # critical function reached only through a singular or boundary parameter point says so.
        stratum = None
        if real_theta is not None:
            from neurocore.strata import classify

            stratum = classify(net, real_theta, rtol=1e-6, threads=_threads(threads)).kind
        points.append(
            CriticalFunction(
                function=_frozen(f, np.complex128),
                theta=_frozen(tre[i] + 1j * tim[i], np.complex128),
                sq_distance=complex(float(raw.sq_distance_re[i]), float(raw.sq_distance_im[i])),
                is_real=real,
                imag_size=float(raw.imag_size[i]),
                residual=float(raw.residual[i]),
                rank_pivot=float(raw.rank_pivot[i]),
                certified=bool(raw.certified[i]),
                hessian_eigenvalues=None if ev is None else _frozen(ev),
                real_theta=real_theta,
                in_neuromanifold=True if real_theta is not None else None,
                stratum=stratum,
            )
        )
    return CriticalPoints(
        points=tuple(points),
        target=None if u is None else _frozen(u),
        ed=_ed_from_raw(raw.ed, name, net),
        paths=raw.paths,
        failures={str(k): int(v) for k, v in raw.failures},
        rank_deficient=raw.rank_deficient,
        merged=raw.merged,
        certified_distinct=raw.certified_distinct,
        real_tol=raw.real_tol,
        metric=name,
        network=repr(net),
        time_limited=raw.time_limited,
    )


def critical_points_many(
    net: Network,
    targets: Any,
    metric: Any = None,
    *,
    seed: int = 0,
    threads: int | None = None,
    runs: int = 2,
    stable_loops: int = 10,
    max_loops: int = 200,
    max_dim: int = 40,
    real_tol: float = 1e-8,
    certify: bool = True,
    real_preimages: bool = True,
    time_limit: float | None = None,
    progress: bool = True,
) -> tuple[CriticalPoints, ...]:
    """:func:`critical_points` for each row of ``targets`` on one generic solve.

    The monodromy at generic data (the expensive part) runs once; its solutions are tracked to
    every target in turn, so all results share one ``ed``. Arguments as in
    :func:`critical_points`; ``targets`` is ``(n_targets, net.ambient_dim)``. A ``time_limit``
    covers the whole call: the loops leave two paths per solution and target, and each target
    gets an equal share of the time left when its turn comes.

    Examples
    --------
    >>> import neurocore as nc
    >>> res = nc.critical_points_many(nc.mlp([2, 1, 2], degree=1), [[3, 0, 0, 1], [0, 2, 1, 0]], threads=1)
    >>> [[round(p.sq_distance.real, 9) for p in r.points] for r in res]   # Eckart-Young
    [[1.0, 9.0], [1.0, 4.0]]
    """
    net = _check_net(net)
    name, kw = _metric_kwargs(net, metric)
    try:
        rows = np.asarray(targets, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError("targets: expected a 2-D array of real numbers") from exc
    if rows.ndim != 2 or rows.shape[1] != net.ambient_dim or rows.shape[0] == 0:
        raise ValueError(f"targets: expected shape (n_targets, {net.ambient_dim}), got {rows.shape}")
    us = [parse_float(r, "targets", net.ambient_dim) for r in rows]
    if isinstance(real_tol, bool) or not isinstance(real_tol, numbers.Real):
        raise TypeError(f"real_tol: expected a real number, got {real_tol!r}")
    if not (math.isfinite(real_tol) and real_tol > 0):
        raise ValueError(f"real_tol: expected a positive finite number, got {real_tol!r}")
    if not isinstance(real_preimages, bool):
        raise TypeError(f"real_preimages: expected a bool, got {real_preimages!r}")
    opts = _options(seed, runs, stable_loops, max_loops, max_dim, certify, time_limit)
    stacked = np.ascontiguousarray(np.stack(us))
    raws = _run_with_progress(
        progress,
        "critical points",
        lambda **p: _core.critical_points_many(
            net._core, stacked, threads=_threads(threads), real_tol=float(real_tol), **kw, **opts, **p
        ),
    )
    return tuple(
        _points_from_raw(raw, net, u, name, opts["seed"], threads, real_preimages)
        for raw, u in zip(raws, us, strict=True)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamCriticalPoint:
    """One distinct parameter-space critical function of the gauge-fixed distance.

    Attributes
    ----------
    function : numpy.ndarray of complex
        The coefficients ``phi(theta)``.
    theta : numpy.ndarray of complex
        One gauge preimage (a real one when a path ended at one).
    sq_distance : complex
        ``sum_i w_i (phi_i - u_i)^2`` (no conjugation; real at real points).
    residual : float
        ``max |G_i|`` of the gauge-fixed gradient system at ``theta`` (numerical).
    rank_pivot : float
        Scale-invariant rank measure of the gauge-fixed Jacobian ``J E`` (0 at a rank drop).
    smooth : bool
        ``J E`` has full rank: a smooth critical point of the distance on the variety.
    zero : bool
        The zero function.
    is_real, real_theta : bool
        The function / the preimage is real (``max |Im| <= 1e-8 (1 + max |.|)``).
    certified : bool
        Krawczyk's test proved a unique regular solution in a box of half-side
        ``certified_radius`` around ``theta`` with ``J E`` of full rank on it.
    certified_radius : float or None
    isolated_radius : float or None
        Half-side of a Krawczyk box proving a unique *regular* solution of the gauge-fixed
        gradient system around ``theta`` (parameter space only, no claim on ``J E``): also set
        for spurious points whose parameter-space Hessian is regular (``isolated_certified``).
    note : str
        Why it is (not) certified; spurious points never are (``J E`` drops rank there, and where
        the parameter-space Hessian is singular too no Krawczyk box exists).
    path_ends : int
        How many path ends of the total-degree homotopy reached this function (over all its
        gauge preimages).
    winding : int
        The largest winding number of their Cauchy endgame loops: 1 when every end was regular,
        above 1 when several paths met at a singular (multiple) solution of the gauge-fixed
        gradient system, as at merged neurons or repeated filter roots.
    stratum : str or None
        For a real spurious point with real parameters, ``nc.classify(net, theta.real).kind``
        ("subnetwork", "boundary", "critical", ...); ``stratum_details`` its evidence.
    """

    function: np.ndarray
    theta: np.ndarray
    sq_distance: complex
    residual: float
    rank_pivot: float
    smooth: bool
    zero: bool
    is_real: bool
    real_theta: bool
    certified: bool
    certified_radius: float | None
    note: str
    stratum: str | None = None
    stratum_details: Any = None
    isolated_radius: float | None = None
    path_ends: int = 1
    winding: int = 1

    @property
    def isolated_certified(self) -> bool:
        """A unique regular solution of the gradient system is proven in a box around ``theta``."""
        return self.isolated_radius is not None

    @property
    def spurious(self) -> bool:
        """``J E`` drops rank (Trager-Kohn-Bruna's spurious points; the zero function included)."""
        return not self.smooth

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready; complex numbers as ``[re, im]``)."""

        def c(v: np.ndarray) -> list[list[float]]:
            return [[float(z.real), float(z.imag)] for z in v]

        return {
            "function": c(self.function),
            "theta": c(self.theta),
            "sq_distance": [self.sq_distance.real, self.sq_distance.imag],
            "residual": self.residual,
            "rank_pivot": self.rank_pivot,
            "smooth": self.smooth,
            "spurious": self.spurious,
            "zero": self.zero,
            "is_real": self.is_real,
            "real_theta": self.real_theta,
            "certified": self.certified,
            "certified_radius": self.certified_radius,
            "isolated_certified": self.isolated_certified,
            "isolated_radius": self.isolated_radius,
            "path_ends": self.path_ends,
            "winding": self.winding,
            "note": self.note,
            "stratum": self.stratum,
            "stratum_details": None if self.stratum_details is None else _jsonable(self.stratum_details),
        }


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict) or hasattr(x, "items"):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (bool, int, float, str)) or x is None:
        return x
    if isinstance(x, numbers.Real):
        return float(x)
    return str(x)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamCriticalFunctions:
    """All isolated critical points of the distance in a gauge of parameter space.

    The loss ``x -> d_u(phi(theta(x)))`` in the coordinate gauge of the known symmetries, at
    random complex data ``u`` (or the user's real ``target``), solved by a total-degree homotopy
    (every isolated solution, not only the smooth component monodromy sees), counted as distinct
    functions.

    Attributes
    ----------
    functions_all : int
        Distinct functions over all isolated critical points (the gold quantity
        ``param_critical_functions_all``).
    functions_nonzero : int
        The same without the zero function.
    smooth : int
        Those where the gauge-fixed Jacobian has full rank (smooth critical points on the
        variety; at most the ED degree).
    spurious : int
        Those where it drops rank (Trager-Kohn-Bruna's spurious points, the zero function
        included): critical in parameter space only.
    paths, unknowns, degree_bound : int
        Paths tracked (``degree_bound ** unknowns``), free gauge coordinates, degree bound.
    failures : dict of str to int
        Path ends that are not finite solutions, by status (most go to infinity: the Bezout
        bound is not sharp). The homotopy is tracked in a random affine chart of projective
        space with a Cauchy endgame near the end, so a path is never dropped silently:
        ``"at_infinity"`` (the homogenizing coordinate tends to 0: below ``1e-8`` relative at
        the end point, or falling like a power of the homotopy parameter below ``1e-2`` over
        three radii, or a singular end point beyond ``1e-4``), ``"endgame_not_converged"`` (no
        end point by the smallest radius ``1e-13``), ``"endpoint_not_solution"`` (an end point
        that fails the affine solution test), and the tracker's own ``"step_too_small"``,
        ``"singular"``, ``"max_steps"``, ``"non_finite"`` when a segment fails.
    points : tuple of ParamCriticalPoint
        One record per distinct function (order found).
    certified : int
        Smooth points certified by Krawczyk with pairwise disjoint function enclosures: a proven
        lower bound on the number of smooth critical functions (spurious ones are never
        certified; the other counts are numerical).
    certified_isolated : int
        Records with a Krawczyk box for the gradient system alone (smooth or spurious), boxes
        pairwise disjoint: a proven lower bound on the number of isolated regular solutions.
    target : numpy.ndarray or None
        The real target, or ``None`` for random complex data (``data`` holds it).
    data : numpy.ndarray of complex
        The data ``u`` solved at.
    hidden_fiber_dim : int or None
        ``unknowns - dim X`` (:func:`neurocore.dimension`): 0 when the gauge-fixed
        parametrization is generically finite. Positive means hidden symmetry (e.g. the MLP
        (2, 2, 1) with ``t^2``): the critical points then come in positive-dimensional families,
        ``J E`` never has full column rank, and the counts and flags here do not mean what
        they say (every point is labelled spurious). ``None``: not computed.
    """

    functions_all: int
    functions_nonzero: int
    smooth: int
    spurious: int
    paths: int
    unknowns: int
    degree_bound: int
    failures: dict[str, int]
    points: tuple[ParamCriticalPoint, ...] = ()
    certified: int = 0
    certified_isolated: int = 0
    target: np.ndarray | None = None
    data: np.ndarray | None = None
    hidden_fiber_dim: int | None = None

    @property
    def complete(self) -> bool:
        """Every path is accounted for: each ended at an accepted finite solution or at infinity.

        A total-degree homotopy with the gamma trick reaches every isolated solution with
        probability one, so when no path was lost for a numerical reason (no
        ``"endgame_not_converged"``, ``"endpoint_not_solution"`` or tracker failure) and the
        gauge-fixed fibers are finite (``hidden_fiber_dim`` not positive), ``points`` holds
        every isolated critical point: numerical evidence (path jumping aside), not a proof.
        ``False`` says points may be missing, not that they are.
        """
        return set(self.failures) <= {"at_infinity"} and not (self.hidden_fiber_dim or 0) > 0

    @property
    def real_points(self) -> tuple[ParamCriticalPoint, ...]:
        """Points with real parameters (reachable by real training), by increasing distance."""
        real = [p for p in self.points if p.real_theta and p.is_real]
        return tuple(sorted(real, key=lambda p: p.sq_distance.real))

    @property
    def global_minimum(self) -> ParamCriticalPoint | None:
        """The real parameter-space critical point of smallest squared distance (target given)."""
        if self.target is None:
            return None
        real = self.real_points
        return real[0] if real else None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        g = self.global_minimum
        return {
            "functions_all": self.functions_all,
            "functions_nonzero": self.functions_nonzero,
            "smooth": self.smooth,
            "spurious": self.spurious,
            "certified": self.certified,
            "certified_isolated": self.certified_isolated,
            "paths": self.paths,
            "unknowns": self.unknowns,
            "degree_bound": self.degree_bound,
            "failures": dict(self.failures),
            "complete": self.complete,
            "target": None if self.target is None else self.target.tolist(),
            "hidden_fiber_dim": self.hidden_fiber_dim,
            "points": [p.to_dict() for p in self.points],
            "global_minimum": None if g is None else g.to_dict(),
        }


def param_critical_functions(
    net: Network,
    metric: Any = None,
    *,
    target: Any = None,
    seed: int = 0,
    certify: bool = True,
    classify_strata: bool = True,
    threads: int | None = None,
) -> ParamCriticalFunctions:
    """Every isolated gauge-fixed parameter-space critical point of the distance, as functions.

    Without ``target`` the data and the fixed gauge coordinates are random complex (generic
    counts); with a real ``target`` (length ``net.ambient_dim``) the system is solved at it
    with the fixed gauge coordinates set to 1, so real gauge points are real parameters (a
    real parameter point whose fixed coordinates vanish is outside this chart).

    Completeness: a total-degree homotopy with a random complex ``gamma`` reaches every isolated
    solution with probability one; the counts are numerical (an end point is kept when its
    backward error, the residual against the sizes of the terms that make it up, is below
    1e-6; ends not kept are counted in ``failures``), ``certified`` is a proven lower bound on
    the smooth ones (Krawczyk), spurious points are not certified.

    Examples
    --------
    >>> import neurocore as nc
    >>> nc.param_critical_functions(nc.conv1d([2, 2], degree=1), threads=1).functions_all  # gold: 5
    5
    """
    from neurocore.dimension import dimension

    net = _check_net(net)
    _, kw = _metric_kwargs(net, metric)
    u = None if target is None else np.ascontiguousarray(parse_float(target, "target", net.ambient_dim))
    if not isinstance(certify, bool):
        raise TypeError(f"certify: expected a bool, got {certify!r}")
    if not isinstance(classify_strata, bool):
        raise TypeError(f"classify_strata: expected a bool, got {classify_strata!r}")
    r = _core.param_critical_functions(
        net._core,
        seed=check_int(seed, "seed", lo=0, hi=2**64),
        target=u,
        certify=certify,
        threads=_threads(threads),
        **kw,
    )
    fre, fim = np.asarray(r.function_re), np.asarray(r.function_im)
    tre, tim = np.asarray(r.theta_re), np.asarray(r.theta_im)
    points = []
    for i in range(fre.shape[0]):
        f, th = fre[i] + 1j * fim[i], tre[i] + 1j * tim[i]
        f_real = float(np.max(np.abs(f.imag), initial=0.0)) <= 1e-8 * (1.0 + float(np.max(np.abs(f), initial=0.0)))
        t_real = float(np.max(np.abs(th.imag), initial=0.0)) <= 1e-8 * (1.0 + float(np.max(np.abs(th), initial=0.0)))
        smooth = bool(r.is_smooth[i])
        stratum = details = None
        if classify_strata and not smooth and t_real:
            from neurocore.strata import classify

            st = classify(net, th.real, rtol=1e-6, threads=_threads(threads))
            stratum, details = st.kind, st.details
        rad = float(r.certified_radius[i])
        iso = float(r.isolated_radius[i])
        points.append(
            ParamCriticalPoint(
                function=_frozen(f, np.complex128),
                theta=_frozen(th, np.complex128),
                sq_distance=complex(float(r.sq_distance_re[i]), float(r.sq_distance_im[i])),
                residual=float(r.residual[i]),
                rank_pivot=float(r.rank_pivot[i]),
                smooth=smooth,
                zero=bool(r.is_zero[i]),
                is_real=f_real,
                real_theta=t_real,
                certified=not math.isnan(rad),
                certified_radius=None if math.isnan(rad) else rad,
                note=str(r.notes[i]),
                stratum=stratum,
                stratum_details=details,
                isolated_radius=None if math.isnan(iso) else iso,
                path_ends=int(r.path_ends[i]),
                winding=int(r.winding[i]),
            )
        )
    return ParamCriticalFunctions(
        functions_all=r.functions_all,
        functions_nonzero=r.functions_nonzero,
        smooth=r.smooth,
        spurious=r.spurious,
        paths=r.paths,
        unknowns=r.unknowns,
        degree_bound=r.degree_bound,
        failures={str(k): int(v) for k, v in r.failures},
        points=tuple(points),
        certified=r.certified,
        certified_isolated=r.certified_isolated,
        target=None if u is None else _frozen(u),
        data=_frozen(np.asarray(r.data_re) + 1j * np.asarray(r.data_im), np.complex128),
        hidden_fiber_dim=r.unknowns - dimension(net, threads=_threads(threads)).dim,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamGlobalMinimum:
    """Where the real global minimum of training sits, from both critical sets of one target.

    Attributes
    ----------
    parameter_minimum : ParamCriticalPoint or None
        The real-parameter critical point (smooth or spurious) of smallest squared distance.
    function_minimum_sq_distance : float or None
        The smallest squared distance over the real critical points of the distance on the
        variety (:func:`critical_points`), ``None`` when there is none or it was not computed.
    function_minimum_in_neuromanifold : bool or None
        Whether that function-space minimum has a real parameter preimage (``None``: not found).
    lower_unreachable : bool
        The function-space minimum is lower than every real parameter-space critical value and
        has no real parameters: training never attains it (it approaches it at most at
        infinity, when it lies in the closure of the real neuromanifold).
    verdict : str
        ``"smooth"`` / ``"spurious"``: the lowest real parameter-space critical point is a
        smooth / spurious one (with ``lower_unreachable``: lower values, if any, only at
        infinity); ``"infinity"``: no real parameter-space critical point at all, so no
        minimum is attained in the gauge; ``"undecided"``: the function-space minimum is lower
        and has real parameters, yet no parameter-space critical point reaches it (outside the
        gauge chart: its fixed coordinates vanish).
    params : ParamCriticalFunctions
    function_space : CriticalPoints or None

    All of it is numerical (the sets are complete with probability one, not proven).
    """

    parameter_minimum: ParamCriticalPoint | None
    function_minimum_sq_distance: float | None
    function_minimum_in_neuromanifold: bool | None
    lower_unreachable: bool
    verdict: str
    params: ParamCriticalFunctions
    function_space: CriticalPoints | None

    @property
    def spurious(self) -> bool | None:
        """Whether the lowest real parameter-space critical point is spurious."""
        p = self.parameter_minimum
        return None if p is None else p.spurious

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        p = self.parameter_minimum
        return {
            "verdict": self.verdict,
            "parameter_minimum": None if p is None else p.to_dict(),
            "spurious": self.spurious,
            "function_minimum_sq_distance": self.function_minimum_sq_distance,
            "function_minimum_in_neuromanifold": self.function_minimum_in_neuromanifold,
            "lower_unreachable": self.lower_unreachable,
            "params": self.params.to_dict(),
        }


def param_global_minimum(
    net: Network,
    target: Any,
    metric: Any = None,
    *,
    seed: int = 0,
    function_space: bool = True,
    threads: int | None = None,
) -> ParamGlobalMinimum:
    """The lowest real parameter-space critical point for ``target`` and whether it is spurious.

    Solves :func:`param_critical_functions` at ``target`` and, with ``function_space``, also
    :func:`critical_points` (the critical points on the variety, with a real preimage search):
    if the function-space minimum has no real parameters, training in parameter space can only
    end on a (smooth or spurious) parameter-space critical point or approach lower values at
    infinity; ``verdict`` says which.

    Examples
    --------
    >>> import neurocore as nc
    >>> g = nc.param_global_minimum(nc.conv1d([2, 2], degree=1), [2, 1, 3], threads=1)
    >>> g.verdict, g.lower_unreachable  # 2x^2 + xy + 3y^2 has no real roots
    ('spurious', True)
    """
    if not isinstance(function_space, bool):
        raise TypeError(f"function_space: expected a bool, got {function_space!r}")
    params = param_critical_functions(net, metric, target=target, seed=seed, threads=threads)
    pm = params.global_minimum
    cp = critical_points(net, target, metric, seed=seed, threads=threads, progress=False) if function_space else None
    fm = None if cp is None else cp.global_minimum
    f_sq = None if fm is None else float(fm.sq_distance.real)
    f_in = None if fm is None else fm.in_neuromanifold
    scale = 1.0 + float(np.sum(np.asarray(params.target) ** 2))
    lower = pm is None or (f_sq is not None and f_sq < pm.sq_distance.real - 1e-8 * scale)
    lower_unreachable = f_sq is not None and lower and f_in is not True
    if pm is None:
        verdict = "infinity"
    elif f_sq is not None and lower and f_in is True:
        verdict = "undecided"
    else:
        verdict = "spurious" if pm.spurious else "smooth"
    return ParamGlobalMinimum(
        parameter_minimum=pm,
        function_minimum_sq_distance=f_sq,
        function_minimum_in_neuromanifold=f_in,
        lower_unreachable=lower_unreachable,
        verdict=verdict,
        params=params,
        function_space=cp,
    )
