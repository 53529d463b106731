"""Architecture sweeps: dimension reports for many networks, as table rows.

Rows are written incrementally to CSV or Parquet (:mod:`neurocore.sweep_table`); sweeps are
resumable and each network has a timeout.

Rows are plain dicts with the columns of :data:`COLUMNS`; ``pandas.DataFrame(result.rows)``
(or :meth:`SweepResult.to_pandas`) turns them into a table. Every row except ``seconds`` is a
function of the network and the seed alone, so sweeps give identical tables sequentially, on
threads, on a process pool and on a dask cluster.

A row's ``key`` is the network's :func:`neurocore.architecture_spec` (``"v1 dense(3,2) ..."``),
built from its layers. Tables written before that format keyed rows by ``repr(net)``; such a
row is still found (and skipped) when its network comes again. A retried old-format row is
superseded in the result of that call, but stays in the file beside its new row.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, cast

from neurocore import _core
from neurocore._checks import check_bool, check_optional_positive_int, check_seed, check_threads, check_timeout
from neurocore.dimension import report_from_record
from neurocore.executors import chunks, executor_kind, run_tasks
from neurocore.network import Network
from neurocore.process_pool import KillablePool
from neurocore.progress import progress_bar
from neurocore.spec import SPEC_VERSION, architecture_spec
from neurocore.sweep_table import COLUMNS, CsvSink, ParquetSink, open_sink, read_rows, table_format

__all__ = ["COLUMNS", "SweepResult", "status_class", "sweep"]

#: What a row's status says, without its error message.
StatusClass = Literal["ok", "timeout", "error"]


def status_class(status: str) -> StatusClass:
    """``"ok"``, ``"timeout"``, or ``"error"`` for the ``"error: {kind}: {message}"`` statuses."""
    return "ok" if status == "ok" else "timeout" if status == "timeout" else "error"


# ---------------------------------------------------------------------------------------------
# Rows


def _plain(v: Any) -> Any:
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    if isinstance(v, Fraction):
        return str(v)
    return v


def _status(outcome: _core.BatchOutcome) -> str:
    """The status column: ``"ok"``, ``"timeout"`` or ``"error: {kind}: {message}"``."""
    if outcome.error is None:
        return outcome.status
    return f"error: {outcome.error.kind}: {outcome.error.message}"


def _row(net: Network, key: str, outcome: _core.BatchOutcome) -> dict[str, Any]:
    widths = net.arch.get("widths") if net.family == "mlp" else None
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        key=key,
        family=net.family,
        arch=json.dumps({k: _plain(v) for k, v in net.arch.items()}),
        widths=",".join(map(str, widths)) if widths else "",
        n_params=net.n_params,
        ambient_dim=net.ambient_dim,
        seconds=outcome.seconds,
        status=_status(outcome),
    )
    if outcome.report is not None:
        rep = report_from_record(outcome.report, network=key)
        row.update(
            expected_dim=rep.expected_dim,
            symmetry_dim=rep.symmetry_dim,
            dim=rep.dim,
            defect=rep.defect,
            filling=rep.filling,
            certified=rep.certified,
            error_bound=rep.error_bound,
        )
    return row


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    """The rows of a sweep.

    Attributes
    ----------
    rows : tuple of dict
        One row per architecture (columns :data:`COLUMNS`): rows found in ``out`` first (file
        order), then the rows computed now, in input order.
    computed : int
        Rows computed by this call.
    skipped : int
        Architectures skipped because ``out`` already held their row.
    out : str or None
        The output file.
    seconds : float
        Wall time of this call.
    """

    rows: tuple[dict[str, Any], ...]
    computed: int
    skipped: int
    out: str | None
    seconds: float

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    @property
    def status_counts(self) -> dict[str, int]:
        """``{status: number of rows}``, errors of every kind counted together as ``"error"``."""
        out: dict[str, int] = {}
        for r in self.rows:
            s = status_class(str(r["status"]))
            out[s] = out.get(s, 0) + 1
        return out

    def to_pandas(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (pandas must be installed)."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {
            "rows": [dict(r) for r in self.rows],
            "computed": self.computed,
            "skipped": self.skipped,
            "out": self.out,
            "seconds": self.seconds,
        }

    def __repr__(self) -> str:
        return f"SweepResult(rows={len(self.rows)}, computed={self.computed}, skipped={self.skipped}, out={self.out!r})"

    def __str__(self) -> str:
        head = ["widths/arch", "params", "ambient", "expected", "dim", "defect", "filling", "status"]
        table = []
        for r in self.rows:
            name = r["widths"] or r["key"]
            table.append(
                [
                    name,
                    r["n_params"],
                    r["ambient_dim"],
                    r["expected_dim"],
                    r["dim"],
                    r["defect"],
                    {True: "yes", False: "no", None: ""}[r["filling"]],
                    r["status"],
                ]
            )
        cells = [[("" if v is None else str(v)) for v in row] for row in [head, *table]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
        lines = [
            "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
            for row in cells
        ]
        counts = ", ".join(f"{k}: {v}" for k, v in self.status_counts.items())
        lines.append(
            f"{len(self.rows)} rows ({counts}); computed {self.computed}, skipped {self.skipped}, {self.seconds:.2f} s"
        )
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The rows known so far, and which architectures still need one


class _Table:
    """The sweep's rows by key: those read from ``out``, then the new ones.

    The last stored row of a key wins (retries append to the file).
    """

    def __init__(self, stored: list[dict[str, Any]], retry_failed: bool):
        self.rows: dict[str, dict[str, Any]] = {}
        for r in stored:
            self.rows[str(r["key"])] = r
        self.has_legacy_keys = any(not k.startswith(SPEC_VERSION + " ") for k in self.rows)
        self.retry_failed = retry_failed
        self.skipped = 0

    def _stored_key(self, net: Network, key: str) -> str | None:
        if key in self.rows:
            return key
        if self.has_legacy_keys and (legacy := repr(net)) in self.rows:
            return legacy  # a table written before architecture specs were the key
        return None

    def pending(self, architectures: Iterable[Any]) -> Iterator[tuple[str, Network]]:
        """``(key, net)`` for every architecture without a finished row, each key once."""
        seen: set[str] = set()
        for i, net in enumerate(architectures):
            if not isinstance(net, Network):
                raise TypeError(f"architectures[{i}]: expected a neurocore Network, got {type(net).__name__}")
            key = architecture_spec(net)
            stored = self._stored_key(net, key)
            if stored is not None:
                if self.rows[stored]["status"] == "ok" or not self.retry_failed:
                    self.skipped += 1
                    continue
                if stored != key:
                    del self.rows[stored]  # the retried row supersedes the old-format one
            if key in seen:
                continue
            seen.add(key)
            yield key, net

    def add(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            self.rows[str(r["key"])] = r


# ---------------------------------------------------------------------------------------------
# Running the chunks


def _sweep_chunk(nets: list[Network], seed: int, timeout: float | None, threads: int) -> list[_core.BatchOutcome]:
    """Dimension outcomes of a chunk of networks (the unit of work of every executor)."""
    return _core.dimension_batch([n._core for n in nets], seed, timeout=timeout, threads=threads)


@dataclass(frozen=True, slots=True)
class _Plan:
    """How a sweep runs: where, in chunks of how many networks, with how many threads each."""

    kind: str
    isolate: bool  # every network in a killable worker process (a timeout without an executor)
    chunk_size: int
    task_threads: int
    workers: int


def _plan(kind: str, timeout: float | None, threads: int, chunk_size: int | None) -> _Plan:
    isolate = kind == "none" and timeout is not None
    if isolate:
        chunk_size = 1
    elif chunk_size is None:
        chunk_size = 32 if kind == "none" else 4
    task_threads = threads if kind == "none" and not isolate else 1
    return _Plan(kind, isolate, chunk_size, task_threads, threads or (os.cpu_count() or 1))


def _run_isolated(
    plan: _Plan, timeout: float, tasks: Iterator[tuple[Any, ...]]
) -> Iterator[tuple[int, list[_core.BatchOutcome]]]:
    """Runs one-network chunks in worker processes killed ``max(1, timeout / 4)`` s after the deadline."""
    pool = KillablePool(plan.workers, timeout + max(1.0, timeout / 4), preload=("neurocore", __name__))
    for i, (status, value) in pool.run(_sweep_chunk, tasks):
        if status == "ok":
            yield i, value
        elif status == "timeout":
            yield i, [_core.BatchOutcome("timeout", timeout)]
        else:
            yield i, [_core.BatchOutcome("error", 0.0, error=_worker_error(value))]


def _worker_error(message: str) -> _core.BatchError:
    """The typed error of a worker process's failure ``"{kind}: {message}"`` (or a death)."""
    kind, sep, rest = message.partition(": ")
    if sep and kind in _core.BATCH_ERROR_KINDS:
        return _core.BatchError(cast(Any, kind), rest)
    return _core.BatchError("WorkerError", message)


def _run(
    plan: _Plan, executor: Any, timeout: float | None, tasks: Iterator[tuple[Any, ...]]
) -> Iterator[tuple[int, list[_core.BatchOutcome]]]:
    """``(chunk index, outcomes)`` as chunks finish, on the executor the plan names."""
    if plan.isolate:
        assert timeout is not None
        return _run_isolated(plan, timeout, tasks)
    if plan.kind == "none":
        return ((i, _sweep_chunk(*args)) for i, args in enumerate(tasks))
    return run_tasks(executor, _sweep_chunk, tasks)


def _record_in_order(
    results: Iterator[tuple[int, list[_core.BatchOutcome]]],
    chunk_keys: dict[int, list[tuple[str, Network]]],
    table: _Table,
    sink: CsvSink | ParquetSink | None,
    bar: Any,
) -> int:
    """Turns outcomes into rows and records them in input order; returns the number recorded.

    Chunks that finished out of order before an interruption are recorded too.
    """
    computed = 0
    finished: dict[int, list[dict[str, Any]]] = {}
    next_write = 0

    def emit(rows: list[dict[str, Any]]) -> None:
        nonlocal computed
        table.add(rows)
        computed += len(rows)
        if sink is not None:
            sink.write(rows)

    try:
        for i, outcomes in results:
            keyed = chunk_keys.pop(i)
            finished[i] = [_row(net, key, o) for (key, net), o in zip(keyed, outcomes, strict=True)]
            bar.update(len(outcomes))
            while next_write in finished:  # keep the file in input order
                emit(finished.pop(next_write))
                next_write += 1
    finally:
        for i in sorted(finished):
            emit(finished.pop(i))
    return computed


# ---------------------------------------------------------------------------------------------
# The sweep


def sweep(
    architectures: Iterable[Network],
    *,
    out: str | os.PathLike[str] | None = None,
    seed: int = 0,
    threads: int = 0,
    executor: Any = None,
    timeout: float | None = None,
    progress: bool = True,
    retry_failed: bool = False,
    chunk_size: int | None = None,
) -> SweepResult:
    """Dimension reports (:func:`neurocore.dimension` with ``seed``) for many networks, as rows.

    Parameters
    ----------
    architectures : iterable of Network
        A list or a generator (consumed lazily), e.g. :func:`neurocore.mlp_grid`. Networks whose row key
        (:func:`neurocore.architecture_spec`) was already seen are skipped.
    out : str or path, optional
        A ``.csv`` or ``.parquet`` file. Rows are written as they finish (in input order); an
        existing file is read first and its architectures are skipped, so an interrupted sweep
        resumes where it stopped. CSV is flushed row by row; Parquet is written to
        ``<out>.partial`` and moved over ``out`` when the call ends, also on errors and Ctrl-C.
    seed : int
        Seed of every dimension computation.
    threads : int
        Threads (0 = all cores, 1 = sequential): networks are computed in parallel in this
        process, or, with ``timeout``, in this many worker processes. Ignored with an executor.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs chunks of networks on its workers (one thread each).
    timeout : float, optional
        Seconds per network; an overrun is recorded with status ``"timeout"``. The kernels
        check the deadline between blocks of work; without an executor each network also runs
        in a worker process that is killed if it has not answered ``max(1, timeout / 4)``
        seconds after the deadline. With an executor only the cooperative deadline applies.
    progress : bool
        A progress bar on stderr (only when stderr is a terminal).
    retry_failed : bool
        Recompute architectures whose stored row is a timeout or an error (the new row then
        supersedes the old one when the file is read).
    chunk_size : int, optional
        Networks per task (default 32 locally, 4 with an executor, 1 with ``timeout``).

    Returns
    -------
    SweepResult
        Columns :data:`COLUMNS`: ``key`` (:func:`neurocore.architecture_spec`), ``family``,
        ``arch`` (JSON of the builder's arguments), ``widths`` (MLPs), ``n_params``,
        ``ambient_dim``, ``expected_dim``, ``symmetry_dim``, ``dim``, ``defect``, ``filling``,
        ``certified``, ``error_bound``, ``seconds`` and ``status`` (``"ok"``, ``"timeout"`` or
        ``"error: {kind}: {message}"``; the dimension columns are ``None`` unless ``"ok"``).

    Examples
    --------
    >>> import neurocore as nc
    >>> res = nc.sweep(nc.mlp_grid(2, 1, depth=2, max_width=3, degree=2), progress=False)
    >>> [(r["widths"], r["dim"], r["filling"]) for r in res.rows]
    [('2,1,1', 2, False), ('2,2,1', 3, True), ('2,3,1', 3, True)]
    >>> res.rows[1]["key"]
    'v1 dense(2,2) act(2;0,0,1) dense(2,1)'
    """
    started = time.perf_counter()
    if isinstance(architectures, Network) or not isinstance(architectures, Iterable):
        raise TypeError(f"architectures: expected a list or generator of Networks, got {type(architectures).__name__}")
    seed = check_seed(seed)
    threads = check_threads(threads)
    chunk_size = check_optional_positive_int(chunk_size, "chunk_size")
    kind = executor_kind(executor)
    timeout = check_timeout(timeout)
    retry_failed = check_bool(retry_failed, "retry_failed")
    target = table_format(out) if out is not None else None

    table = _Table(read_rows(*target) if target is not None else [], retry_failed)
    plan = _plan(kind, timeout, threads, chunk_size)
    chunk_keys: dict[int, list[tuple[str, Network]]] = {}

    def tasks() -> Iterator[tuple[Any, ...]]:
        for i, chunk in enumerate(chunks(table.pending(architectures), plan.chunk_size)):
            chunk_keys[i] = chunk
            yield ([net for _, net in chunk], seed, timeout, plan.task_threads)

    sink = open_sink(*target, list(table.rows.values())) if target is not None else None
    total = len(architectures) if isinstance(architectures, Sequence) else None
    bar = progress_bar(progress, total, "sweep", "arch")
    try:
        computed = _record_in_order(_run(plan, executor, timeout, tasks()), chunk_keys, table, sink, bar)
    finally:
        bar.close()
        if sink is not None:
            sink.close()
    return SweepResult(
        rows=tuple(table.rows.values()),
        computed=computed,
        skipped=table.skipped,
        out=None if target is None else str(target[0]),
        seconds=time.perf_counter() - started,
    )
