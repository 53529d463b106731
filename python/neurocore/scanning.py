"""Random-parameter scans: Jacobian ranks at many random parameter points.

A scan finds where (and how often) the rank of a network's parametrisation drops below the
generic rank.

Every sample ``i`` is a function of ``(network, field, seed, sampler, i)`` alone: its parameters
and its random input points come from streams derived from ``(seed, i)``, and its linear algebra
is exact. Scans therefore give identical results on any number of threads, in any chunking,
and under any executor (a ``concurrent.futures`` pool or a ``dask.distributed`` cluster).
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

import numpy as np

from neurocore import _core
from neurocore._checks import (
    check_int,
    check_network,
    check_optional_positive_int,
    check_probability,
    check_seed,
    check_threads,
)
from neurocore._exact import parse_exact, reduce_mod
from neurocore.executors import executor_kind, run_tasks
from neurocore.network import Network
from neurocore.progress import progress_bar

__all__ = ["SAMPLERS", "SamplerName", "ScanResult", "scan"]

#: The name of a built-in sampler (implemented in Rust from the seed).
SamplerName = Literal["uniform", "integer", "sparse"]

#: The built-in samplers.
SAMPLERS: tuple[SamplerName, ...] = get_args(SamplerName)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ScanResult:
    """Jacobian ranks of a network at random parameter points.

    ``ranks[i]`` is the rank modulo ``prime`` of the evaluation-map Jacobian at sample ``i``
    and enough random input points (added until a fresh batch adds nothing). It is a **proven
    lower bound** on the rank of ``d phi`` at that point over F_p, hence on the rank over Q at
    its integer lift (see :meth:`point`), and on the generic rank; it equals the F_p rank except
    with probability at most ``error_bound``.

    Attributes
    ----------
    ranks : numpy.ndarray
        ``int64`` rank per sample, in sample order.
    generic_rank : int
        The dimension of the neurovariety (:func:`neurocore.dimension` with the same seed, or
        the largest rank scanned if that is larger).
    generic_certified : bool
        True when ``generic_rank`` is proven (it meets a proven upper bound).
    upper_bound : int
        Proven upper bound on the generic rank (and on every sample's rank).
    drop_indices : numpy.ndarray
        Samples whose rank is below ``generic_rank``; :meth:`point` rebuilds their parameters.
    prime, seed, sampler, sparsity, integer_bound
        What determines the samples (``sampler`` is the name of a built-in sampler or of the
        callable; ``sparsity`` / ``integer_bound`` only for the samplers that use them).
    error_bound : float
        Largest per-sample bound on the probability that a rank is below the F_p rank.
    seconds : float
        Wall time of the scan.
    """

    network: str
    n_params: int
    samples: int
    sampler: str
    prime: int
    seed: int
    ranks: np.ndarray
    generic_rank: int
    generic_certified: bool
    upper_bound: int
    drop_indices: np.ndarray
    error_bound: float
    seconds: float
    sparsity: float | None = None
    integer_bound: int | None = None
    _net: Network | None = field(default=None, repr=False)
    _sampler_fn: Callable[[np.random.Generator], Any] | None = field(default=None, repr=False)
    _drop_thetas: np.ndarray | None = field(default=None, repr=False)

    @property
    def histogram(self) -> dict[int, int]:
        """``{rank: number of samples}``, ranks ascending."""
        values, counts = np.unique(self.ranks, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts, strict=True)}

    @property
    def n_drops(self) -> int:
        """Number of samples whose rank is below the generic rank."""
        return int(self.drop_indices.size)

    @property
    def drop_fraction(self) -> float:
        """Fraction of samples whose rank is below the generic rank."""
        return self.n_drops / self.samples if self.samples else 0.0

    @property
    def min_rank(self) -> int:
        """The smallest rank found."""
        return int(self.ranks.min()) if self.ranks.size else 0

    @property
    def max_rank(self) -> int:
        """The largest rank found."""
        return int(self.ranks.max()) if self.ranks.size else 0

    @property
    def drop_points(self) -> np.ndarray:
        """Parameters (``uint64`` residues mod ``prime``) of the drop samples, one row each."""
        if self._drop_thetas is not None:
            return self._drop_thetas
        return self._points(self.drop_indices)

    def point(self, i: int, *, signed: bool = False) -> Any:
        """The parameters of sample ``i``.

        Parameters
        ----------
        i : int
            Sample index, ``0 <= i < samples``.
        signed : bool
            False: ``uint64`` residues in ``[0, prime)``. True: a list of Python ints in
            ``(-prime/2, prime/2]``, the small integers themselves for the ``"integer"`` sampler
            (an exact point to pass to :func:`neurocore.classify` or :func:`neurocore.jacobian`).

        Examples
        --------
        >>> import neurocore as nc
        >>> res = nc.scan(nc.mlp([2, 2, 1], degree=2), samples=8, sampler="integer", progress=False)
        >>> all(-3 <= v <= 3 for v in res.point(0, signed=True))
        True
        """
        if isinstance(i, bool) or not isinstance(i, numbers.Integral) or not 0 <= int(i) < self.samples:
            raise ValueError(f"i: expected a sample index in [0, {self.samples}), got {i!r}")
        i = int(i)
        row = None
        if self._drop_thetas is not None:
            hit = np.flatnonzero(self.drop_indices == i)
            if hit.size:
                row = self._drop_thetas[int(hit[0])]
        if row is None:
            row = self._points(np.array([i], dtype=np.uint64))[0]
        if not signed:
            return row
        half = self.prime // 2
        return [int(v) - self.prime if int(v) > half else int(v) for v in row]

    def _points(self, indices: np.ndarray) -> np.ndarray:
        idx = np.ascontiguousarray(indices, dtype=np.uint64)
        if self._net is None:
            raise ValueError("point: this result does not carry its network; rerun the scan")
        if self._sampler_fn is not None:
            if idx.size == 0:
                return np.zeros((0, self.n_params), dtype=np.uint64)
            return np.stack([_call_sampler(self._sampler_fn, self._net, self.seed, int(j), self.prime) for j in idx])
        return _core.scan_points(
            self._net._core,
            self.prime,
            self.seed,
            cast(SamplerName, self.sampler),  # a built-in name: callables are handled above
            idx,
            sparsity=0.5 if self.sparsity is None else self.sparsity,
            integer_bound=3 if self.integer_bound is None else self.integer_bound,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready; parameters of drops are left to :meth:`point`)."""
        return {
            "network": self.network,
            "n_params": self.n_params,
            "samples": self.samples,
            "sampler": self.sampler,
            "sparsity": self.sparsity,
            "integer_bound": self.integer_bound,
            "prime": self.prime,
            "seed": self.seed,
            "generic_rank": self.generic_rank,
            "generic_certified": self.generic_certified,
            "upper_bound": self.upper_bound,
            "histogram": {str(k): v for k, v in self.histogram.items()},
            "n_drops": self.n_drops,
            "drop_indices": [int(v) for v in self.drop_indices],
            "ranks": [int(v) for v in self.ranks],
            "error_bound": self.error_bound,
            "seconds": self.seconds,
        }

    def __repr__(self) -> str:
        return (
            f"ScanResult(network={self.network}, samples={self.samples}, sampler={self.sampler!r}, "
            f"generic_rank={self.generic_rank}, histogram={self.histogram}, n_drops={self.n_drops})"
        )

    def __str__(self) -> str:
        sampler = self.sampler
        if self.sparsity is not None:
            sampler += f" (sparsity {self.sparsity:g})"
        if self.integer_bound is not None:
            sampler += f" (integers in [-{self.integer_bound}, {self.integer_bound}])"
        generic = f"{self.generic_rank}  ({'certified' if self.generic_certified else 'probabilistic'})"
        rows = [
            ("network", self.network),
            ("samples", f"{self.samples}  (seed {self.seed}, modulo {self.prime})"),
            ("sampler", sampler),
            ("generic rank", generic),
            ("rank drops", f"{self.n_drops}  ({100 * self.drop_fraction:.1f}%)"),
            ("error bound", f"{self.error_bound:.3g} per sample"),
            ("seconds", f"{self.seconds:.3f}"),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
        lines.append("rank histogram:")
        total = max(self.samples, 1)
        for r, c in sorted(self.histogram.items(), reverse=True):
            bar = "#" * max(1, round(40 * c / total)) if c else ""
            lines.append(f"  {r:>6}  {c:>8}  {bar}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Samplers and the chunk worker


def _sampler_name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


def sample_generator(seed: int, index: int) -> np.random.Generator:
    """The numpy Generator handed to a callable sampler for sample ``index``.

    It is seeded from ``(seed, index)`` alone, so a sample is the same wherever and whenever it
    is drawn.
    """
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(index,)))


def _call_sampler(fn: Callable[[np.random.Generator], Any], net: Network, seed: int, index: int, p: int) -> np.ndarray:
    theta = fn(sample_generator(seed, index))
    arr = np.asarray(theta)
    n = net.n_params
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"sampler: must return {n} parameters (a flat sequence), got shape {arr.shape}")
    if arr.dtype.kind == "f" or arr.dtype.kind == "c":
        raise TypeError(f"sampler: must return integers or Fractions (exact parameters), got {arr.dtype} values")
    if arr.dtype.kind == "u":
        return np.ascontiguousarray(arr.astype(np.uint64) % np.uint64(p))
    if arr.dtype.kind == "i":
        return np.ascontiguousarray(np.mod(arr.astype(np.int64), np.int64(p)).astype(np.uint64))
    if any(isinstance(v, float) for v in arr.reshape(-1)):
        raise TypeError("sampler: must return integers or Fractions (exact parameters), got floats")
    return reduce_mod(parse_exact(list(arr), "sampler"), p, "sampler")


@dataclass(frozen=True, slots=True)
class _Samples:
    """What determines the samples (validated once): sample ``i`` is a function of these and ``i``."""

    prime: int
    seed: int
    sampler: SamplerName | Callable[[np.random.Generator], Any]
    sparsity: float
    integer_bound: int


@dataclass(frozen=True, slots=True)
class _ScanTask:
    """Samples ``start..stop``, the unit of work shipped to an executor."""

    samples: _Samples
    start: int
    stop: int
    threads: int
    keep_below: int  # callable samplers: return the parameters of samples ranked below this


def _scan_chunk(net: Network, task: _ScanTask) -> tuple[np.ndarray, float, int, dict[int, np.ndarray]]:
    """Ranks of samples ``task.start..task.stop``: ``(ranks, error_bound, upper_bound, kept)``."""
    how = task.samples
    count = task.stop - task.start
    kept: dict[int, np.ndarray] = {}
    if isinstance(how.sampler, str):
        raw = _core.scan_ranks(
            net._core,
            how.prime,
            how.seed,
            how.sampler,
            task.start,
            count,
            sparsity=how.sparsity,
            integer_bound=how.integer_bound,
            threads=task.threads,
        )
    else:
        thetas = np.stack(
            [_call_sampler(how.sampler, net, how.seed, i, how.prime) for i in range(task.start, task.stop)]
        )
        raw = _core.scan_ranks_at(
            net._core, how.prime, how.seed, np.ascontiguousarray(thetas), task.start, threads=task.threads
        )
        for j in np.flatnonzero(raw["ranks"] < task.keep_below):
            kept[task.start + int(j)] = thetas[int(j)]
    return raw["ranks"], float(raw["error_bound"]), int(raw["upper_bound"]), kept


# ---------------------------------------------------------------------------------------------
# The scan


def _check_samples(sampler: Any, field: Any, seed: Any, sparsity: Any, integer_bound: Any) -> _Samples:
    if isinstance(sampler, str):
        if sampler not in SAMPLERS:
            raise ValueError(
                f"sampler: expected one of {', '.join(map(repr, SAMPLERS))} or a callable, got {sampler!r}"
            )
    elif not callable(sampler):
        raise TypeError(f"sampler: expected a sampler name or a callable f(rng) -> theta, got {type(sampler).__name__}")
    prime = _core.scan_prime(field)
    sparsity = check_probability(sparsity, "sparsity")
    bound = check_int(integer_bound, "integer_bound", lo=1)
    _core.check_sampler("integer", prime, integer_bound=bound)  # the core's rule: bound < p / 2
    return _Samples(prime, check_seed(seed), sampler, sparsity, bound)


def _chunk_bounds(samples: int, chunk_size: int | None, local: bool) -> list[tuple[int, int]]:
    """``(start, stop)`` of every chunk of samples."""
    if chunk_size is None:
        # Locally: ~100 chunks (progress, Ctrl-C), each large enough to spread over threads.
        # With an executor: ~32 tasks, enough to balance the workers.
        chunk_size = min(samples, max(64, math.ceil(samples / 100))) if local else max(1, math.ceil(samples / 32))
    return [(s, min(s + chunk_size, samples)) for s in range(0, samples, chunk_size)]


@dataclass
class _Ranks:
    """The ranks of a scan, filled in as chunks finish (in any order)."""

    ranks: np.ndarray
    upper_bound: int
    error_bound: float = 0.0
    kept: dict[int, np.ndarray] = field(default_factory=dict)


def _run_chunks(tasks: list[tuple[Network, _ScanTask]], executor: Any, upper_bound: int, progress: bool) -> _Ranks:
    """Runs every chunk (here when ``executor`` is None) and gathers the ranks in sample order."""
    samples = tasks[-1][1].stop
    out = _Ranks(np.empty(samples, dtype=np.int64), upper_bound)
    bar = progress_bar(progress, samples, "scan", "pt")
    try:
        results: Iterable[tuple[int, Any]]
        if executor is None:
            results = ((i, _scan_chunk(*args)) for i, args in enumerate(tasks))
        else:
            results = run_tasks(executor, _scan_chunk, tasks)
        for i, (ranks, error_bound, upper, kept) in results:
            task = tasks[i][1]
            out.ranks[task.start : task.stop] = ranks
            out.error_bound = max(out.error_bound, error_bound)
            out.upper_bound = min(out.upper_bound, upper)
            out.kept.update(kept)
            bar.update(task.stop - task.start)
    finally:
        bar.close()
    return out


def _drop_thetas(net: Network, how: _Samples, drops: np.ndarray, kept: dict[int, np.ndarray]) -> np.ndarray | None:
    """Callable samplers: the parameters of the drops (kept by the workers, else drawn again)."""
    if isinstance(how.sampler, str):
        return None
    rows = [
        kept[int(i)] if int(i) in kept else _call_sampler(how.sampler, net, how.seed, int(i), how.prime) for i in drops
    ]
    return np.stack(rows) if rows else np.zeros((0, net.n_params), dtype=np.uint64)


def scan(
    net: Network,
    samples: int = 1000,
    *,
    sampler: SamplerName | Callable[[np.random.Generator], Any] = "uniform",
    field: int = _core.DEFAULT_PRIME,
    seed: int = 0,
    threads: int = 0,
    executor: Any = None,
    progress: bool = True,
    sparsity: float = 0.5,
    integer_bound: int = 3,
    chunk_size: int | None = None,
) -> ScanResult:
    """The Jacobian rank of ``net``'s parametrisation at ``samples`` random parameter points.

    Each rank is computed modulo the prime ``field`` at the sample and enough random input
    points (batches are added until a fresh batch adds nothing), and is a proven lower bound on
    the rank of ``d phi`` there (over F_p, and over Q at the integer lift of the point). Samples
    ranked below the generic rank are reported as drops; :meth:`ScanResult.point` rebuilds their
    parameters from ``(seed, index)``.

    Parameters
    ----------
    net : Network
        The network whose parametrisation is scanned.
    samples : int
        Number of parameter points (>= 1).
    sampler : {"uniform", "integer", "sparse"} or callable
        ``"uniform"``: uniform residues mod p (generic points). ``"integer"``: integers uniform in
        ``[-integer_bound, integer_bound]`` (special strata are hit more often, and the points
        are small integers). ``"sparse"``: uniform residues with each parameter zeroed with
        probability ``sparsity`` (dead neurons and other coordinate strata). A callable
        ``f(rng) -> theta`` receives a numpy Generator seeded from ``(seed, index)`` and returns
        ``n_params`` integers or Fractions; it must be picklable to run on a process pool.
    field : int
        The prime (default 2^61 - 1).
    seed : int
        Seed of all random choices; results are reproducible from it.
    threads : int
        Threads in this process (0 = all cores, 1 = sequential); ignored with an executor, whose
        workers run one thread each. Results do not depend on it.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run chunks of samples. Results are identical to a local run.
    progress : bool
        A progress bar on stderr (only when stderr is a terminal).
    sparsity : float
        Probability of zeroing each parameter (``sampler="sparse"``).
    integer_bound : int
        Range of the ``"integer"`` sampler.
    chunk_size : int, optional
        Samples per task (default: about 100 chunks of at least 64 samples locally, about 32
        tasks with an executor). Results do not depend on it.

    Returns
    -------
    ScanResult

    Examples
    --------
    >>> import neurocore as nc
    >>> res = nc.scan(nc.mlp([2, 2, 1], degree=2), samples=200, sampler="sparse", progress=False)
    >>> res.generic_rank, res.max_rank <= res.generic_rank, res.n_drops > 0
    (3, True, True)
    """
    net = check_network(net)
    samples = check_int(samples, "samples", lo=1)
    how = _check_samples(sampler, field, seed, sparsity, integer_bound)
    threads = check_threads(threads)
    chunk_size = check_optional_positive_int(chunk_size, "chunk_size")
    local = executor_kind(executor) == "none"
    started = time.perf_counter()

    from neurocore.dimension import dimension

    generic = dimension(net, seed=how.seed, threads=threads)
    task_threads = threads if local else 1
    tasks = [
        (net, _ScanTask(how, a, b, task_threads, generic.dim)) for a, b in _chunk_bounds(samples, chunk_size, local)
    ]
    got = _run_chunks(tasks, None if local else executor, generic.upper_bound, progress)

    generic_rank = max(generic.dim, int(got.ranks.max()))
    drops = np.flatnonzero(got.ranks < generic_rank).astype(np.int64)
    is_callable = not isinstance(how.sampler, str)
    return ScanResult(
        network=repr(net),
        n_params=net.n_params,
        samples=samples,
        sampler=_sampler_name(how.sampler) if is_callable else how.sampler,  # type: ignore[arg-type]
        prime=how.prime,
        seed=how.seed,
        ranks=got.ranks,
        generic_rank=generic_rank,
        generic_certified=generic.certified and generic_rank == generic.dim,
        upper_bound=got.upper_bound,
        drop_indices=drops,
        error_bound=got.error_bound,
        seconds=time.perf_counter() - started,
        sparsity=how.sparsity if how.sampler == "sparse" else None,
        integer_bound=how.integer_bound if how.sampler == "integer" else None,
        _net=net,
        _sampler_fn=how.sampler if is_callable else None,  # type: ignore[arg-type]
        _drop_thetas=_drop_thetas(net, how, drops, got.kept),
    )
