"""Architecture sweeps: dimension reports for many networks, as table rows.

Rows are written incrementally to CSV or Parquet; sweeps are resumable and each network has a
timeout.

Rows are plain dicts with the columns of :data:`COLUMNS`; ``pandas.DataFrame(result.rows)``
(or :meth:`SweepResult.to_pandas`) turns them into a table. Every row except ``seconds`` is a
function of the network and the seed alone, so sweeps give identical tables sequentially, on
threads, on a process pool and on a dask cluster.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import multiprocessing
import numbers
import os
import signal
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from multiprocessing.connection import wait as wait_connections
from pathlib import Path
from typing import Any

from neurocore import _core
from neurocore.network import Network, mlp
from neurocore.scanning import (
    check_chunk_size,
    check_seed,
    check_threads,
    executor_kind,
    progress_bar,
    run_tasks,
)

__all__ = ["COLUMNS", "SweepResult", "mlp_grid", "mlp_widths", "sweep"]

#: Columns of a sweep row, in order, with their types (``None`` when not computed).
COLUMNS: dict[str, type] = {
    "key": str,
    "family": str,
    "arch": str,
    "widths": str,
    "n_params": int,
    "ambient_dim": int,
    "expected_dim": int,
    "symmetry_dim": int,
    "dim": int,
    "defect": int,
    "filling": bool,
    "certified": bool,
    "error_bound": float,
    "seconds": float,
    "status": str,
}


# ---------------------------------------------------------------------------------------------
# Architecture grids


def _depths(depth: Any) -> list[int]:
    if isinstance(depth, numbers.Integral) and not isinstance(depth, bool):
        values = [int(depth)]
    elif isinstance(depth, Iterable) and not isinstance(depth, (str, bytes)):
        values = list(depth)
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
            raise TypeError(f"depth: expected an int or a range of ints, got {depth!r}")
        values = [int(v) for v in values]
    else:
        raise TypeError(f"depth: expected an int or a range of ints, got {depth!r}")
    if not values or min(values) < 1:
        raise ValueError(f"depth: depths (numbers of weight matrices) must be >= 1, got {depth!r}")
    return values


def _positive(v: Any, arg: str) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{arg}: expected an int, got {v!r}")
    if int(v) < 1:
        raise ValueError(f"{arg}: must be positive, got {v}")
    return int(v)


def mlp_widths(
    input: int, output: int, depth: int | Iterable[int], max_width: int, *, min_width: int = 1
) -> Iterator[tuple[int, ...]]:
    """All MLP width tuples ``(input, d_1, ..., d_{L-1}, output)`` of the given depths.

    Every hidden width lies in ``[min_width, max_width]``; the depth ``L`` (the number of weight
    matrices) runs over ``depth``. Depths ascend; within a depth, hidden widths run lexicographically.

    Parameters
    ----------
    input, output : int
        ``d_0`` and ``d_L``.
    depth : int or iterable of int
        One depth, or several (e.g. ``range(1, 5)``).
    max_width, min_width : int
        Range of the hidden widths.

    Examples
    --------
    >>> import neurocore as nc
    >>> list(nc.mlp_widths(input=2, output=1, depth=3, max_width=2))
    [(2, 1, 1, 1), (2, 1, 2, 1), (2, 2, 1, 1), (2, 2, 2, 1)]
    >>> sum(1 for _ in nc.mlp_widths(2, 1, range(1, 5), 5))
    156
    """
    d0 = _positive(input, "input")
    dl = _positive(output, "output")
    hi = _positive(max_width, "max_width")
    lo = _positive(min_width, "min_width")
    if lo > hi:
        raise ValueError(f"min_width: must not exceed max_width={hi}, got {lo}")
    for L in _depths(depth):
        for hidden in itertools.product(range(lo, hi + 1), repeat=L - 1):
            yield (d0, *hidden, dl)


def mlp_grid(
    input: int,
    output: int,
    depth: int | Iterable[int],
    max_width: int,
    *,
    min_width: int = 1,
    degree: int | None = None,
    activation: Sequence[int | Fraction | str] | None = None,
    bias: bool = False,
) -> Iterator[Network]:
    """The networks :func:`neurocore.mlp` of every width tuple of :func:`mlp_widths`, lazily.

    Examples
    --------
    >>> import neurocore as nc
    >>> [net.n_params for net in nc.mlp_grid(2, 1, depth=2, max_width=3, degree=2)]
    [3, 6, 9]
    """
    if degree is None and activation is None:
        raise ValueError("give exactly one of degree= (activation t^r) or activation= (coefficients c_0..c_r)")
    for widths in mlp_widths(input, output, depth, max_width, min_width=min_width):
        yield mlp(list(widths), degree=degree, activation=activation, bias=bias)


# ---------------------------------------------------------------------------------------------
# Rows


def _plain(v: Any) -> Any:
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    if isinstance(v, Fraction):
        return str(v)
    return v


def _row(net: Network, raw: dict[str, Any]) -> dict[str, Any]:
    widths = net.arch.get("widths") if net.family == "mlp" else None
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        key=repr(net),
        family=net.family,
        arch=json.dumps({k: _plain(v) for k, v in net.arch.items()}),
        widths=",".join(map(str, widths)) if widths else "",
        n_params=net.n_params,
        ambient_dim=net.ambient_dim,
        seconds=float(raw.get("seconds", 0.0)),
        status=str(raw["status"]),
    )
    if raw["status"] == "ok":
        row.update(
            expected_dim=int(raw["expected_dim"]),
            symmetry_dim=int(raw["symmetry_dim"]),
            dim=int(raw["dim"]),
            defect=int(raw["expected_dim"]) - int(raw["dim"]),
            filling=int(raw["dim"]) == int(raw["ambient_dim"]),
            certified=bool(raw["certified"]),
            error_bound=float(raw["error_bound"]),
        )
    return row


def _parse_cell(text: Any, kind: type) -> Any:
    if text is None or text == "":
        return None
    if kind is bool:
        return text if isinstance(text, bool) else str(text) == "True"
    return kind(text)


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
        """``{status: number of rows}``."""
        out: dict[str, int] = {}
        for r in self.rows:
            s = "error" if str(r["status"]).startswith("error") else str(r["status"])
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
# Output files


def _out_format(out: Any) -> tuple[Path, str]:
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out: expected a path (str or os.PathLike), got {type(out).__name__}")
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return path, "csv"
    if suffix in (".parquet", ".pq"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError("out: Parquet output needs pyarrow (pip install 'neurocore[parquet]')") from None
        return path, "parquet"
    raise ValueError(f"out: expected a .csv or .parquet file, got {str(out)!r}")


def _read_rows(path: Path, fmt: str) -> list[dict[str, Any]]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None:
                return []
            _check_columns(path, list(reader.fieldnames))
            return [{c: _parse_cell(r.get(c), t) for c, t in COLUMNS.items()} for r in reader if r.get("key")]
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    _check_columns(path, table.column_names)
    return [{c: _parse_cell(r.get(c), t) for c, t in COLUMNS.items()} for r in table.to_pylist()]


def _check_columns(path: Path, names: list[str]) -> None:
    if names != list(COLUMNS):
        raise ValueError(f"out: {path} is not a neurocore sweep table (columns {names}, expected {list(COLUMNS)})")


class _CsvSink:
    """Appends rows to a CSV file, flushed after every write: a crash loses no finished row."""

    def __init__(self, path: Path):
        new = not path.exists() or path.stat().st_size == 0
        self.fh = open(path, "a", newline="", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.writer = csv.DictWriter(self.fh, fieldnames=list(COLUMNS))
        if new:
            self.writer.writeheader()
            self.fh.flush()

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.close()


class _ParquetSink:
    """Parquet output that survives exceptions and Ctrl-C.

    Writes the old rows and then the new ones, a row group at a time, to ``<out>.partial``, and
    moves it over ``out`` when closed (also on exceptions and Ctrl-C).
    """

    def __init__(self, path: Path, existing: list[dict[str, Any]], flush_rows: int = 256):
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {str: pa.string(), int: pa.int64(), bool: pa.bool_(), float: pa.float64()}
        self.pa = pa
        self.schema = pa.schema([(c, types[t]) for c, t in COLUMNS.items()])
        self.path = path
        self.tmp = path.with_name(path.name + ".partial")
        self.writer = pq.ParquetWriter(self.tmp, self.schema)
        self.buffer: list[dict[str, Any]] = []
        self.flush_rows = flush_rows
        if existing:
            self.writer.write_table(self.pa.Table.from_pylist(existing, schema=self.schema))

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.buffer.extend(rows)
        if len(self.buffer) >= self.flush_rows:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            self.writer.write_table(self.pa.Table.from_pylist(self.buffer, schema=self.schema))
            self.buffer = []

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self.writer.close()
            os.replace(self.tmp, self.path)


# ---------------------------------------------------------------------------------------------
# Workers


def _sweep_chunk(nets: list[Network], seed: int, timeout: float | None, threads: int) -> list[dict[str, Any]]:
    """Raw dimension results of a chunk of networks (the unit of work of every executor)."""
    return _core.dimension_batch([n._core for n in nets], seed, timeout=timeout, threads=threads)


def _slot_main(conn: Any) -> None:  # pragma: no cover - runs in a worker process
    """A worker process: runs ``(fn, args)`` messages until it receives ``None``."""
    # Ctrl-C is the parent's business: it stops the sweep and kills the workers, so that an
    # interrupted task is never recorded as a failed row.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        fn, args = msg
        try:
            reply = ("ok", fn(*args))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as a row status
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


def _mp_context() -> Any:
    # Never fork: a forked child inherits thread pools without their threads.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["neurocore", "neurocore.sweeping"])
        return ctx
    return multiprocessing.get_context("spawn")


class _Slot:
    def __init__(self, ctx: Any):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_slot_main, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


class _KillablePool:
    """Worker processes that each run one task at a time, killed when a task overruns.

    A task that overruns its hard limit has its process killed (a computation that does not
    return cannot be stopped from inside) and is reported as timed out.
    """

    def __init__(self, workers: int, hard_limit: float):
        self.ctx = _mp_context()
        self.workers = workers
        self.hard_limit = hard_limit

    def run(self, fn: Any, tasks: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, Any]]:
        """Yields ``(i, ("ok", result) | ("error", message) | ("timeout", None))``."""
        it = enumerate(tasks)
        slots: list[_Slot] = []
        exhausted = False
        try:
            while True:
                idle = [s for s in slots if s.task is None]
                while not exhausted and (idle or len(slots) < self.workers):
                    nxt = next(it, None)
                    if nxt is None:
                        exhausted = True
                        break
                    if idle:
                        slot = idle.pop()
                    else:
                        slot = _Slot(self.ctx)
                        slots.append(slot)
                    slot.conn.send((fn, nxt[1]))
                    slot.task, slot.started = nxt[0], time.monotonic()
                busy = [s for s in slots if s.task is not None]
                if not busy:
                    return
                now = time.monotonic()
                wait_for = max(0.0, min(s.started + self.hard_limit - now for s in busy))
                ready = wait_connections([s.conn for s in busy], timeout=wait_for)
                for s in busy:
                    task = s.task
                    assert task is not None
                    if s.conn in ready:
                        try:
                            reply = s.conn.recv()
                        except (EOFError, OSError):
                            s.proc.join(timeout=1.0)
                            code = s.proc.exitcode
                            s.kill()
                            slots[slots.index(s)] = _Slot(self.ctx)
                            yield task, ("error", f"worker process died (exit code {code})")
                            continue
                        s.task = None
                        yield task, reply
                    elif time.monotonic() - s.started >= self.hard_limit:
                        s.kill()
                        slots[slots.index(s)] = _Slot(self.ctx)
                        yield task, ("timeout", None)
        finally:
            for s in slots:
                if s.task is None and s.proc.is_alive():
                    try:
                        s.conn.send(None)
                    except OSError:
                        pass
            for s in slots:
                s.proc.join(timeout=1.0)
                s.kill()


# ---------------------------------------------------------------------------------------------
# The sweep


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


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
        A list or a generator (consumed lazily), e.g. :func:`mlp_grid`. Networks whose row key
        (``repr(net)``) was already seen are skipped.
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
        Columns :data:`COLUMNS`: ``key`` (``repr(net)``), ``family``, ``arch`` (JSON of the
        builder's arguments), ``widths`` (MLPs), ``n_params``, ``ambient_dim``,
        ``expected_dim``, ``symmetry_dim``, ``dim``, ``defect``, ``filling``, ``certified``,
        ``error_bound``, ``seconds`` and ``status`` (``"ok"``, ``"timeout"`` or
        ``"error: ..."``; the dimension columns are ``None`` unless ``"ok"``).

    Examples
    --------
    >>> import neurocore as nc
    >>> res = nc.sweep(nc.mlp_grid(2, 1, depth=2, max_width=3, degree=2), progress=False)
    >>> [(r["widths"], r["dim"], r["filling"]) for r in res.rows]
    [('2,1,1', 2, False), ('2,2,1', 3, True), ('2,3,1', 3, True)]
    """
    started = time.perf_counter()
    if isinstance(architectures, Network) or not isinstance(architectures, Iterable):
        raise TypeError(f"architectures: expected a list or generator of Networks, got {type(architectures).__name__}")
    seed = check_seed(seed)
    threads = check_threads(threads)
    chunk_size = check_chunk_size(chunk_size)
    kind = executor_kind(executor)
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not float(timeout) > 0:
            raise ValueError(f"timeout: expected a positive number of seconds, got {timeout!r}")
        if not math.isfinite(float(timeout)):
            timeout = None
        else:
            timeout = float(timeout)
    if not isinstance(retry_failed, bool):
        raise TypeError(f"retry_failed: expected a bool, got {retry_failed!r}")

    path, fmt = _out_format(out) if out is not None else (None, "")
    table: dict[str, dict[str, Any]] = {}
    if path is not None:
        for r in _read_rows(path, fmt):
            table[str(r["key"])] = r  # the last row of a key wins (retries append)
    done = {k for k, r in table.items() if r["status"] == "ok" or not retry_failed}
    skipped = 0
    seen: set[str] = set()

    def todo() -> Iterator[Network]:
        nonlocal skipped
        for i, net in enumerate(architectures):
            if not isinstance(net, Network):
                raise TypeError(f"architectures[{i}]: expected a neurocore Network, got {type(net).__name__}")
            key = repr(net)
            if key in done:
                skipped += 1
                continue
            if key in seen:
                continue
            seen.add(key)
            yield net

    isolate = kind == "none" and timeout is not None
    if chunk_size is None:
        chunk_size = 1 if isolate else (32 if kind == "none" else 4)
    if isolate:
        chunk_size = 1
    task_threads = threads if kind == "none" and not isolate else 1
    chunk_nets: dict[int, list[Network]] = {}

    def tasks() -> Iterator[tuple[Any, ...]]:
        for i, chunk in enumerate(_chunks(todo(), chunk_size)):
            chunk_nets[i] = chunk
            yield (chunk, seed, timeout, task_threads)

    results: Iterator[tuple[int, list[dict[str, Any]]]]
    if isolate:
        assert timeout is not None
        workers = threads or (os.cpu_count() or 1)
        pool = _KillablePool(workers, timeout + max(1.0, timeout / 4))

        def isolated() -> Iterator[tuple[int, list[dict[str, Any]]]]:
            for i, (status, value) in pool.run(_sweep_chunk, tasks()):
                if status == "ok":
                    yield i, value
                elif status == "timeout":
                    yield i, [{"status": "timeout", "seconds": timeout}]
                else:
                    yield i, [{"status": f"error: {value}", "seconds": 0.0}]

        results = isolated()
    elif kind == "none":
        results = ((i, _sweep_chunk(*args)) for i, args in enumerate(tasks()))
    else:
        results = run_tasks(executor, _sweep_chunk, tasks())

    sink: _CsvSink | _ParquetSink | None = None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        sink = _CsvSink(path) if fmt == "csv" else _ParquetSink(path, list(table.values()))
    total = len(architectures) if isinstance(architectures, Sequence) else None  # type: ignore[arg-type]
    bar = progress_bar(progress, total, "sweep", "arch")
    computed = 0
    finished: dict[int, list[dict[str, Any]]] = {}
    next_write = 0

    def emit(rows: list[dict[str, Any]]) -> None:
        nonlocal computed
        for r in rows:
            table[str(r["key"])] = r
        computed += len(rows)
        if sink is not None:
            sink.write(rows)

    try:
        for i, raws in results:
            finished[i] = [_row(net, raw) for net, raw in zip(chunk_nets.pop(i), raws, strict=True)]
            bar.update(len(raws))
            while next_write in finished:  # keep the file in input order
                emit(finished.pop(next_write))
                next_write += 1
    finally:
        try:
            for i in sorted(finished):  # finished out of order before an interruption: keep them
                emit(finished.pop(i))
        finally:
            bar.close()
            if sink is not None:
                sink.close()
    return SweepResult(
        rows=tuple(table.values()),
        computed=computed,
        skipped=skipped,
        out=None if path is None else str(path),
        seconds=time.perf_counter() - started,
    )
