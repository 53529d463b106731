"""Dimensions of neurovarieties, with certificates (design notes, section 2.5)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from neurocore import _core
from neurocore.network import Network

__all__ = ["DimensionReport", "Trial", "dimension"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Trial:
    """One rank computation of the Jacobian at a random point modulo a prime."""

    prime: int
    rank: int
    points: int
    rows: int
    error_bound: float


@dataclass(frozen=True, slots=True, kw_only=True)
class DimensionReport:
    """The dimension of a neurovariety and how it was established.

    Attributes
    ----------
    dim : int
        The dimension: the largest Jacobian rank found over the trials. Always a proven lower
        bound on the true dimension.
    expected_dim : int
        ``min(n_params - symmetry_dim, ambient_dim)``: what the dimension would be without
        hidden symmetries.
    ambient_dim, n_params, symmetry_dim : int
        Dimension of the coefficient space, number of parameters, and generic orbit dimension
        of the known symmetry group.
    upper_bound : int
        A proven upper bound on the dimension; ``upper_bound_source`` says which.
    certified : bool
        True exactly when ``dim`` meets ``upper_bound`` (then ``dim`` is proven).
    error_bound : float
        When not certified: a Schwartz-Zippel bound on the probability that the true dimension
        exceeds ``dim`` (0.0 when certified).
    seed : int
        Seed of the random points; with ``trials`` the result can be reproduced.
    trials : tuple of Trial
        Prime, rank, number of evaluation points and rows of every trial.
    """

    dim: int
    expected_dim: int
    ambient_dim: int
    n_params: int
    symmetry_dim: int
    upper_bound: int
    upper_bound_source: str
    certified: bool
    error_bound: float
    seed: int
    trials: tuple[Trial, ...]
    network: str = ""

    @property
    def fiber_dim(self) -> int:
        """Dimension of the generic fiber, ``n_params - dim``."""
        return self.n_params - self.dim

    @property
    def defect(self) -> int:
        """``expected_dim - dim``.

        Positive when the network has hidden symmetries or is otherwise defective.
        """
        return self.expected_dim - self.dim

    @property
    def filling(self) -> bool:
        """True when the neurovariety fills its ambient space."""
        return self.dim == self.ambient_dim

    @property
    def hidden_symmetry_dim(self) -> int:
        """``fiber_dim - symmetry_dim``: fiber directions the known symmetries do not explain."""
        return self.fiber_dim - self.symmetry_dim

    @property
    def primes(self) -> tuple[int, ...]:
        """Primes of the trials, in order."""
        return tuple(t.prime for t in self.trials)

    @property
    def n_points(self) -> tuple[int, ...]:
        """Evaluation points used by each trial."""
        return tuple(t.points for t in self.trials)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready), including the derived quantities."""
        d = asdict(self)
        d.update(
            fiber_dim=self.fiber_dim,
            defect=self.defect,
            filling=self.filling,
            hidden_symmetry_dim=self.hidden_symmetry_dim,
        )
        return d

    def __str__(self) -> str:
        status = "certified" if self.certified else f"probabilistic, error <= {self.error_bound:.3g}"
        rows = [
            ("network", self.network),
            ("dimension", f"{self.dim}  ({status})"),
            ("expected dimension", str(self.expected_dim)),
            ("defect", str(self.defect)),
            ("ambient dimension", str(self.ambient_dim) + ("  (filling)" if self.filling else "")),
            ("parameters", str(self.n_params)),
            ("known symmetry dim", str(self.symmetry_dim)),
            ("generic fiber dim", str(self.fiber_dim)),
            ("hidden symmetry dim", str(self.hidden_symmetry_dim)),
            ("proven upper bound", f"{self.upper_bound}  ({self.upper_bound_source})"),
            (
                "trials",
                "; ".join(f"p={t.prime}: rank {t.rank} from {t.points} points" for t in self.trials),
            ),
            ("seed", str(self.seed)),
        ]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows if v != "")


def dimension(
    net: Network,
    *,
    seed: int = 0,
    primes: Sequence[int] | int | None = None,
    trials: int = 2,
    threads: int = 0,
    memory_limit: int | None = None,
) -> DimensionReport:
    """The dimension of the neurovariety of ``net``: the generic rank of its Jacobian.

    Ranks are computed modulo primes at random parameters and enough random input points
    (added in batches until a fresh batch adds nothing). The rank at any point is a proven lower
    bound; when it meets a proven upper bound (ambient dimension, ``n_params`` minus the
    symmetry orbit dimension, the linear-network formula) the result is ``certified``. Otherwise
    at least ``trials`` independent trials run and ``error_bound`` bounds the probability that
    the dimension is larger.

    Parameters
    ----------
    net : Network
        The architecture.
    seed : int
        Seed of all random choices (results are reproducible from it).
    primes : int or list of int, optional
        Primes to use (default: a fast 23-bit prime, then 2^61 - 1, then random 61-bit primes).
    trials : int
        Minimum number of trials when the first is not certified (>= 2).
    threads : int
        0 = all cores, 1 = sequential; the result does not depend on it.
    memory_limit : int, optional
        Bytes this call may plan to use (default: the process limit, see
        :func:`neurocore.set_memory_limit`); above it ``ResourceLimitError`` is raised before
        anything is allocated.

    Examples
    --------
    >>> import neurocore as nc
    >>> rep = nc.dimension(nc.mlp([3, 2, 1], degree=2))  # quadrics: Alexander-Hirschowitz defect
    >>> rep.dim, rep.expected_dim, rep.defect, rep.filling
    (5, 6, 1, False)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed: expected an int in [0, 2^64), got {seed!r}")
    if isinstance(trials, bool) or not isinstance(trials, numbers.Integral) or int(trials) < 1:
        raise ValueError(f"trials: expected a positive int, got {trials!r}")
    _check_threads(threads)
    plist: list[Any] | None = None
    if primes is not None:
        plist = [primes] if isinstance(primes, numbers.Integral) else list(primes)
        if not plist:
            raise ValueError("primes: must not be empty")
    raw = _core.dimension(net._core, int(seed), plist, int(trials), int(threads), memory_limit)
    return report_from_record(raw, network=repr(net))


def report_from_record(raw: Any, *, network: str = "") -> DimensionReport:
    """The report of a core ``DimensionRecord``: every field read by name, none copied by hand."""
    values = {f.name: getattr(raw, f.name) for f in fields(DimensionReport) if f.name not in ("trials", "network")}
    trials = tuple(Trial(**{f.name: getattr(t, f.name) for f in fields(Trial)}) for t in raw.trials)
    return DimensionReport(**values, trials=trials, network=network)


def _check_threads(threads: Any) -> None:
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or int(threads) < 0:
        raise ValueError(f"threads: expected a non-negative int (0 = all cores), got {threads!r}")
