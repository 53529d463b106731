"""A pool of worker processes that can kill a task which overruns its time.

A computation that does not return (a kernel stuck between two interruption polls) cannot be
stopped from inside its process; the sweep's per-network ``timeout`` therefore runs each
network in a worker process and kills the process when it has not answered in time. The
standard pools cannot do this: ``concurrent.futures`` cannot kill a running task, and
``multiprocessing.Pool`` replaces killed workers but loses track of their tasks.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import wait as wait_connections
from typing import Any, Literal

__all__ = ["KillablePool", "Reply"]

#: What :meth:`KillablePool.run` yields per task: ``("ok", result)``, ``("error", message)``
#: (an exception in the task, or a dead worker) or ``("timeout", None)``.
Reply = tuple[Literal["ok", "error", "timeout"], Any]


def _worker_main(conn: Any) -> None:  # pragma: no cover - runs in a worker process
    """A worker process: runs ``(fn, args)`` messages until it receives ``None``."""
    # Ctrl-C is the parent's business: it stops the work and kills the workers, so that an
    # interrupted task is never reported as a failed one.
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
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as the task's outcome
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


def _mp_context(preload: Sequence[str]) -> Any:
    # Never fork: a forked child inherits thread pools without their threads.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(preload))
        return ctx
    return multiprocessing.get_context("spawn")


class _Worker:
    """One worker process, its pipe, and the task it is running (``None`` when idle)."""

    def __init__(self, ctx: Any):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


class KillablePool:
    """Worker processes that each run one task at a time, killed when a task overruns.

    A task that runs longer than ``hard_limit`` seconds has its process killed and replaced,
    and is reported as ``("timeout", None)``. Workers start through ``forkserver`` (``spawn``
    where that is missing), with the modules ``preload`` imported once in the server.
    ``tests/test_sweep.py::test_a_hung_task_is_killed`` shows the use.
    """

    def __init__(self, workers: int, hard_limit: float, *, preload: Sequence[str] = ("neurocore",)):
        self.ctx = _mp_context(preload)
        self.workers = workers
        self.hard_limit = hard_limit

    def run(self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, Reply]]:
        """Runs ``fn(*args)`` for every task; yields ``(task index, reply)`` as tasks finish."""
        it = enumerate(tasks)
        workers: list[_Worker] = []
        exhausted = False
        try:
            while True:
                exhausted = self._dispatch(fn, it, workers, exhausted)
                busy = [w for w in workers if w.task is not None]
                if not busy:
                    return
                yield from self._collect(busy, workers)
        finally:
            self._shutdown(workers)

    def _dispatch(
        self, fn: Callable[..., Any], it: Iterator[tuple[int, tuple[Any, ...]]], workers: list[_Worker], exhausted: bool
    ) -> bool:
        """Gives a task to every idle worker (starting workers up to the limit); True once no task is left."""
        idle = [w for w in workers if w.task is None]
        while not exhausted and (idle or len(workers) < self.workers):
            nxt = next(it, None)
            if nxt is None:
                return True
            if idle:
                worker = idle.pop()
            else:
                worker = _Worker(self.ctx)
                workers.append(worker)
            worker.conn.send((fn, nxt[1]))
            worker.task, worker.started = nxt[0], time.monotonic()
        return exhausted

    def _collect(self, busy: list[_Worker], workers: list[_Worker]) -> Iterator[tuple[int, Reply]]:
        """Waits for the first reply or deadline among ``busy``; yields what finished, kills what overran."""
        now = time.monotonic()
        wait_for = max(0.0, min(w.started + self.hard_limit - now for w in busy))
        ready = wait_connections([w.conn for w in busy], timeout=wait_for)
        for w in busy:
            task = w.task
            assert task is not None
            if w.conn in ready:
                try:
                    reply = w.conn.recv()
                except (EOFError, OSError):
                    w.proc.join(timeout=1.0)
                    code = w.proc.exitcode
                    self._replace(w, workers)
                    yield task, ("error", f"worker process died (exit code {code})")
                    continue
                w.task = None
                yield task, reply
            elif time.monotonic() - w.started >= self.hard_limit:
                self._replace(w, workers)
                yield task, ("timeout", None)

    def _replace(self, worker: _Worker, workers: list[_Worker]) -> None:
        worker.kill()
        workers[workers.index(worker)] = _Worker(self.ctx)

    @staticmethod
    def _shutdown(workers: list[_Worker]) -> None:
        for w in workers:
            if w.task is None and w.proc.is_alive():
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        for w in workers:
            w.proc.join(timeout=1.0)
            w.kill()
