"""Closest points on the neuromanifold: training as a Euclidean-distance problem.

Fitting a network to a target is finding a point of the neuromanifold ``M = phi(R^n)`` closest
to it. Where that point lands, at a smooth point, at a singular (critical) point of ``phi`` or on
the boundary of ``M``, is the implicit bias of the architecture. :func:`closest_point` runs a
multi-start Levenberg-Marquardt search in parameter space (in the Rust core, parallel over
starts), collects the local minima it reaches, deduplicates them in function space and labels
each with its stratum (:func:`neurocore.classify`).

Metrics (design notes, section 2.4): ``"euclidean"`` (unit weight per monomial coefficient),
``"bombieri"`` (weight ``1/multinomial(D; alpha)`` for ``x^alpha`` of degree ``D``), an explicit
positive weight vector, or samples ``data=(X, Y)``, whose squared loss
``sum_j ||f(x_j) - y_j||^2`` is a quadratic form in the coefficients.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from neurocore import _core
from neurocore._checks import (
    check_bool,
    check_int,
    check_network,
    check_nonnegative_float,
    check_seed,
    check_threads,
)
from neurocore._exact import parse_float
from neurocore.network import Network

__all__ = ["ClosestPointResult", "CriticalPoint", "MetricName", "SearchStatus", "closest_point"]

#: The metric a search measured distances in.
MetricName = Literal["euclidean", "bombieri", "weights", "data"]
#: How a start ended (see ``ClosestPointResult.status_counts``).
SearchStatus = Literal["converged", "max_iter", "stalled", "non_finite"]

#: Order in which stratum kinds are listed in ``strata_counts``.
_KIND_ORDER = ("generic", "critical", "subnetwork", "boundary", "zero")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _stratum_dict(stratum: Any) -> Any:
    if stratum is None:
        return None
    to_dict = getattr(stratum, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return {"kind": getattr(stratum, "kind", str(stratum))}


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CriticalPoint:
    """A critical point of the squared distance reached by the search.

    Attributes
    ----------
    sq_distance : float
        Squared distance (in the metric) from ``function`` to the target.
    theta : numpy.ndarray
        Parameters of the best start that reached this point (any point of the fiber would do).
    function : numpy.ndarray
        ``phi(theta)``, recomputed from ``theta`` (never taken from the optimizer's state).
    stratum : Stratum or None
        ``neurocore.classify(net, theta)`` (``None`` when the search ran with
        ``classify=False``).
    count : int
        How many starts converged to this point (the same function, up to ``dedup_tol``).
    grad_norm : float
        ``||J^T r||_inf`` at ``theta`` (the gradient of half the squared distance).
    is_minimum : bool
        True when the Hessian of the squared distance at ``theta`` has no negative eigenvalue
        (beyond ``1e-6`` of its largest one plus ``100 grad_norm``, the size of the terms a
        slightly inexact critical point leaves along the fiber): a local minimum, not a saddle.
    min_hessian_eigenvalue : float
        Smallest eigenvalue of that Hessian (about 0 along the fiber at a minimum).
    """

    sq_distance: float
    theta: np.ndarray
    function: np.ndarray
    stratum: Any
    count: int
    grad_norm: float
    is_minimum: bool
    min_hessian_eigenvalue: float

    @property
    def distance(self) -> float:
        """The distance, ``sqrt(sq_distance)``."""
        return math.sqrt(self.sq_distance)

    @property
    def kind(self) -> str | None:
        """The stratum kind (``"generic"``, ``"critical"``, ``"boundary"``, ...), if classified."""
        return None if self.stratum is None else str(self.stratum.kind)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        return {
            "sq_distance": self.sq_distance,
            "theta": self.theta.tolist(),
            "function": self.function.tolist(),
            "stratum": _stratum_dict(self.stratum),
            "count": self.count,
            "grad_norm": self.grad_norm,
            "is_minimum": self.is_minimum,
            "min_hessian_eigenvalue": self.min_hessian_eigenvalue,
        }

    def __repr__(self) -> str:
        return (
            f"CriticalPoint(sq_distance={_fmt(self.sq_distance)}, kind={self.kind!r}, count={self.count}, "
            f"is_minimum={self.is_minimum}, function={np.array2string(self.function, precision=4)})"
        )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ClosestPointResult:
    """The closest point found and the critical points the starts reached.

    Attributes
    ----------
    sq_distance : float
        Smallest squared distance found, recomputed from ``function``: an upper bound on the
        squared distance from the target to the neuromanifold.
    theta : numpy.ndarray
        Parameters attaining it.
    function : numpy.ndarray
        ``phi(theta)`` (coefficient order of :func:`neurocore.monomials`), recomputed.
    critical_points : tuple of CriticalPoint
        The distinct local minima reached by converged starts, deduplicated in function space,
        by increasing ``sq_distance``.
    saddles : tuple of CriticalPoint
        Converged endpoints whose Hessian has a negative eigenvalue (rare: saddles repel).
    strata_counts : dict of str to int
        How many starts (converged or not) ended in each stratum kind.
    metric : str
        ``"euclidean"``, ``"bombieri"``, ``"weights"`` or ``"data"``.
    target : numpy.ndarray or None
        The target coefficient vector (``None`` for samples).
    starts, seed : int
        Number of starts and their seed (the result is reproducible from them).
    n_converged : int
        Starts that met the gradient test.
    status_counts : dict of str to int
        How the starts ended: ``"converged"``, ``"max_iter"`` (budget used up, typically a
        start drifting towards a limit that no finite parameter attains), ``"stalled"``,
        ``"non_finite"``.
    scale : float
        Standard deviation of the Gaussian starts (NaN for explicit ``initial`` starts).
    network : str
        The network's repr.
    """

    sq_distance: float
    theta: np.ndarray
    function: np.ndarray
    critical_points: tuple[CriticalPoint, ...]
    saddles: tuple[CriticalPoint, ...]
    strata_counts: dict[str, int]
    metric: MetricName
    target: np.ndarray | None
    starts: int
    seed: int
    n_converged: int
    status_counts: dict[SearchStatus, int]
    scale: float
    network: str = ""
    method: Literal["local", "global"] = "local"
    global_minimum: Any = None
    local_is_global: bool | None = None

    @property
    def distance(self) -> float:
        """The distance, ``sqrt(sq_distance)``."""
        return math.sqrt(self.sq_distance)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        return {
            "sq_distance": self.sq_distance,
            "theta": self.theta.tolist(),
            "function": self.function.tolist(),
            "critical_points": [c.to_dict() for c in self.critical_points],
            "saddles": [c.to_dict() for c in self.saddles],
            "strata_counts": dict(self.strata_counts),
            "metric": self.metric,
            "target": None if self.target is None else self.target.tolist(),
            "starts": self.starts,
            "seed": self.seed,
            "n_converged": self.n_converged,
            "status_counts": dict(self.status_counts),
            "scale": self.scale,
            "network": self.network,
            "method": self.method,
            "global_minimum": None if self.global_minimum is None else self.global_minimum.to_dict(),
            "local_is_global": self.local_is_global,
        }

    def __repr__(self) -> str:
        return (
            f"ClosestPointResult(sq_distance={_fmt(self.sq_distance)}, minima={len(self.critical_points)}, "
            f"saddles={len(self.saddles)}, starts={self.starts}, converged={self.n_converged}, "
            f"strata={self.strata_counts!r})"
        )

    def __str__(self) -> str:
        rows = [
            ("network", self.network),
            ("metric", self.metric),
            ("squared distance", _fmt(self.sq_distance)),
            ("closest function", np.array2string(self.function, precision=6, max_line_width=100)),
            ("starts", f"{self.starts} (seed {self.seed}, scale {_fmt(self.scale)})"),
            ("endings", ", ".join(f"{k}: {v}" for k, v in self.status_counts.items())),
            ("strata of endpoints", ", ".join(f"{k}: {v}" for k, v in self.strata_counts.items()) or "-"),
        ]
        if self.method == "global":
            g = self.global_minimum
            rows.append(("global minimum", "-" if g is None else _fmt(float(g.sq_distance.real))))
            rows.append(("local is global", str(self.local_is_global)))
        width = max(len(k) for k, _ in rows)
        lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
        lines.append("local minima (sq_distance, stratum, starts):")
        for c in self.critical_points:
            lines.append(f"  {_fmt(c.sq_distance):>12}  {c.kind or '-':<10}  {c.count}")
        if self.saddles:
            lines.append("saddles (sq_distance, stratum, starts):")
            for c in self.saddles:
                lines.append(f"  {_fmt(c.sq_distance):>12}  {c.kind or '-':<10}  {c.count}")
        return "\n".join(lines)


def _samples(net: Network, data: Any) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(data, Sequence) or isinstance(data, (str, bytes)) or len(data) != 2:
        raise TypeError("data: expected a pair (X, Y) of sample arrays")
    arrays = []
    for name, v in zip(("X", "Y"), data, strict=True):
        try:
            a = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"data: {name} must be an array of real numbers") from exc
        if not np.all(np.isfinite(a)):
            raise ValueError(f"data: {name} contains NaN or infinite entries")
        arrays.append(a)
    x, y = arrays
    if x.ndim == 1 and net.input_dim == 1:
        x = x.reshape(-1, 1)
    if y.ndim == 1 and net.output_dim == 1:
        y = y.reshape(-1, 1)
    if x.ndim != 2 or x.shape[1] != net.input_dim or x.shape[0] == 0:
        raise ValueError(f"data: X must have shape (n_samples, {net.input_dim}) (the input dimension), got {x.shape}")
    if y.ndim != 2 or y.shape != (x.shape[0], net.output_dim):
        raise ValueError(
            f"data: Y must have shape ({x.shape[0]}, {net.output_dim}) (one row per sample of X, "
            f"output dimension {net.output_dim}), got {y.shape}"
        )
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def _metric_kwargs(net: Network, metric: Any) -> dict[str, Any]:
    if metric is None:
        return {"metric": "euclidean"}
    if isinstance(metric, str):
        m = metric.lower()
        if m not in ("euclidean", "bombieri"):
            raise ValueError(f"metric: expected 'euclidean', 'bombieri' or a positive weight vector, got {metric!r}")
        return {"metric": m}
    w = parse_float(metric, "metric", net.ambient_dim)
    if np.any(w <= 0):
        bad = int(np.flatnonzero(w <= 0)[0])
        raise ValueError(f"metric: weights must be positive, entry {bad} is {w[bad]}")
    return {"metric": "weights", "weights": w}


def closest_point(
    net: Network,
    target: Any = None,
    *,
    data: Any = None,
    metric: Literal["euclidean", "bombieri"] | npt.ArrayLike | None = None,
    starts: int | None = None,
    seed: int = 0,
    threads: int = 0,
    max_iter: int = 1000,
    gtol: float = 1e-10,
    scale: float | None = None,
    initial: Any = None,
    dedup_tol: float = 1e-5,
    classify: bool = True,
    memory_limit: int | None = None,
    method: Literal["local", "global"] = "local",
) -> ClosestPointResult:
    """A closest point of the neuromanifold of ``net`` to a target, by multi-start local search.

    Every start runs Levenberg-Marquardt on the residual ``r(theta) = sqrt(w) (phi(theta) - u)``
    (or ``f(X; theta) - Y`` for samples) in the Rust core, all starts in parallel. A start has
    converged when ``||J^T r||_inf <= gtol``. In the same core call, every endpoint is recomputed
    from its parameters, the converged ones are deduplicated in function space and told apart
    into local minima and saddles by the eigenvalues of the exact Hessian of the squared
    distance; endpoints are then labelled with :func:`neurocore.classify`.

    Starts are Gaussian, ``theta_0 ~ N(0, s^2 I)``, drawn from ``(seed, start index)`` so the
    result does not depend on ``threads``. Unless ``scale`` is given, ``s`` is matched to the
    target: with ``P`` the network's degree in its parameters,
    ``s = (||u||_w / median ||phi(g)||_w)^(1/P)`` over 16 standard Gaussian pilots ``g``, so a
    typical start has the target's norm (for samples: ``||Y||`` against ``||f(X; g)||``).

    Parameters
    ----------
    net : Network
        The architecture whose neuromanifold is searched.
    target : array_like, optional
        Target coefficient vector of length ``net.ambient_dim`` (order of
        :func:`neurocore.monomials`, outputs concatenated). Give this or ``data``.
    data : (X, Y), optional
        Samples: ``X`` of shape ``(n_samples, input_dim)``, ``Y`` of shape
        ``(n_samples, output_dim)`` (1-D allowed for one input or one output). The distance is
        the plain squared loss ``sum_j ||f(x_j; theta) - y_j||^2``.
    metric : {"euclidean", "bombieri"} or array_like, optional
        Coefficient metric (default ``"euclidean"``), or a positive weight per coefficient.
        Not allowed with ``data`` (samples induce their own metric).
    starts : int
        Number of random starts (>= 1; default 64, or the number of rows of ``initial``).
    seed : int
        Seed of the starts.
    threads : int
        0 = all cores, 1 = sequential; the result does not depend on it.
    max_iter : int
        Residual-and-Jacobian evaluations allowed per start.
    gtol : float
        Absolute tolerance on ``||J^T r||_inf`` (the convergence test of scipy's
        ``least_squares`` without scaling).
    scale : float, optional
        Standard deviation of the starts (default: matched to the target, see above).
    initial : array_like, optional
        Explicit starting points, shape ``(starts, n_params)``, instead of random ones (e.g. a
        small initialisation, to study where it leads).
    dedup_tol : float
        Two endpoints are the same critical point when their functions differ by at most
        ``dedup_tol`` times the largest of their norms and the target's.
    classify : bool
        Label endpoints with :func:`neurocore.classify` (``False`` leaves ``stratum`` at
        ``None`` and ``strata_counts`` empty, which is faster for large sweeps).
    memory_limit : int, optional
        Bytes this call may plan to use (default: the process limit, see
        :func:`neurocore.set_memory_limit`); above it ``ResourceLimitError`` is raised before
        any start runs.
    method : {"local", "global"}
        ``"global"`` also computes every critical point of the distance
        (:func:`neurocore.critical_points`, homotopy continuation) and reports the global
        minimum among them and whether the local search found it (targets only, not samples).

    Returns
    -------
    ClosestPointResult

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.mlp([2, 1, 2], degree=1)             # rank-one 2 x 2 matrices
    >>> res = nc.closest_point(net, [3, 0, 0, 1], starts=8, classify=False)
    >>> round(res.sq_distance, 9), len(res.critical_points)   # Eckart-Young: drop sigma_2 = 1
    (1.0, 1)
    """
    check_network(net)
    if method not in ("local", "global"):
        raise ValueError(f"method: expected 'local' or 'global', got {method!r}")
    if method == "global" and data is not None:
        raise ValueError("method: 'global' needs a target; the data-induced metric is not supported by critical_points")
    init: np.ndarray | None = None
    if initial is not None:
        try:
            init = np.array(initial, dtype=np.float64, ndmin=2)
        except (TypeError, ValueError) as exc:
            raise TypeError("initial: expected an array of real numbers of shape (starts, n_params)") from exc
        if init.ndim != 2 or init.shape[1] != net.n_params or init.shape[0] == 0:
            raise ValueError(f"initial: expected shape (starts, {net.n_params}), got {init.shape}")
        if not np.all(np.isfinite(init)):
            raise ValueError("initial: contains NaN or infinite entries")
        if starts is not None and check_int(starts, "starts", lo=1) != init.shape[0]:
            raise ValueError(f"starts: {starts} differs from the {init.shape[0]} rows of initial")
        starts = init.shape[0]
    starts = check_int(64 if starts is None else starts, "starts", lo=1)
    seed = check_seed(seed)
    threads = check_threads(threads)
    max_iter = check_int(max_iter, "max_iter", lo=1)
    gtol = check_nonnegative_float(gtol, "gtol", positive=False)
    dedup_tol = check_nonnegative_float(dedup_tol, "dedup_tol", positive=True)
    if scale is not None:
        scale = check_nonnegative_float(scale, "scale", positive=True)
    classify = check_bool(classify, "classify")
    if memory_limit is not None:
        memory_limit = check_int(memory_limit, "memory_limit", lo=1)

    u: np.ndarray | None = None
    if data is not None:
        if target is not None:
            raise ValueError("target: give either a target coefficient vector or data=(X, Y), not both")
        if metric is not None and not (isinstance(metric, str) and metric.lower() == "data"):
            raise ValueError("metric: samples data=(X, Y) induce their own metric; leave metric unset")
        x, y = _samples(net, data)
        kw: dict[str, Any] = {"x": x, "y": y}
    else:
        if target is None:
            raise ValueError("target: give a target coefficient vector or data=(X, Y)")
        u = parse_float(target, "target", net.ambient_dim)
        kw = {**_metric_kwargs(net, metric), "target": u}

    # One core call: the search, the recomputation of every endpoint from its parameters, the
    # deduplication and the Hessian test.
    raw = _core.closest_search(
        net._core,
        starts=starts,
        seed=seed,
        max_iter=max_iter,
        gtol=gtol,
        scale=scale,
        initial=init,
        dedup_tol=dedup_tol,
        threads=threads,
        memory_limit=memory_limit,
        **kw,
    )
    strata: list[Any] = [None] * raw.starts
    counts: dict[str, int] = {}
    if classify:
        from neurocore.strata import classify as classify_theta

        strata = [classify_theta(net, t, threads=threads, memory_limit=memory_limit) for t in raw.thetas]
        kinds = [str(s.kind) for s in strata]
        order = list(_KIND_ORDER) + sorted(set(kinds) - set(_KIND_ORDER))
        counts = {k: kinds.count(k) for k in order if k in kinds}

    def point(rec: _core.CriticalPointRecord) -> CriticalPoint:
        return CriticalPoint(**{name: getattr(rec, name) for name in _POINT_FIELDS}, stratum=strata[rec.start])

    global_min: Any = None
    local_is_global: bool | None = None
    if method == "global":
        from neurocore.critical import critical_points as all_critical_points

        cp = all_critical_points(net, u, metric, seed=seed, threads=threads or None)
        global_min = next((c for c in cp.real_points if c.in_neuromanifold), None)
        if global_min is not None:
            g = float(global_min.sq_distance.real)
            local_is_global = abs(raw.sq_distance - g) <= 1e-6 * max(g, 1e-12)
    return ClosestPointResult(
        **{name: getattr(raw, name) for name in _RESULT_FIELDS},
        critical_points=tuple(point(c) for c in raw.critical_points),
        saddles=tuple(point(c) for c in raw.saddles),
        strata_counts=counts,
        status_counts=dict(raw.status_counts),
        target=None if u is None else _frozen(u),
        network=repr(net),
        method=method,
        global_minimum=global_min,
        local_is_global=local_is_global,
    )


#: Fields copied by name from the core records (the rest are filled here).
_POINT_FIELDS = tuple(f.name for f in fields(CriticalPoint) if f.name != "stratum")
_RESULT_FIELDS = tuple(
    f.name
    for f in fields(ClosestPointResult)
    if f.name
    not in (
        "critical_points",
        "saddles",
        "strata_counts",
        "status_counts",
        "target",
        "network",
        "method",
        "global_minimum",
        "local_is_global",
    )
)
