"""Running tasks on a ``concurrent.futures`` executor or a ``dask.distributed`` cluster.

Scans and sweeps cut their work into tasks that are pure functions of their arguments, so they
give the same results on every executor; this module only ships the tasks and brings the
results back, a bounded number in flight at a time.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

__all__ = ["ExecutorKind", "chunks", "executor_kind", "run_tasks"]

#: What :func:`executor_kind` recognises.
ExecutorKind = Literal["none", "futures", "dask"]


def executor_kind(executor: Any) -> ExecutorKind:
    """Classify ``executor``: ``"none"``, ``"futures"`` or ``"dask"``.

    ``"futures"`` is a ``concurrent.futures.Executor``, ``"dask"`` a ``dask.distributed.Client``;
    anything else is a TypeError.

    >>> import concurrent.futures as cf
    >>> executor_kind(None), executor_kind(cf.ThreadPoolExecutor(1))
    ('none', 'futures')
    """
    if executor is None:
        return "none"
    if isinstance(executor, cf.Executor):
        return "futures"
    if type(executor).__module__.split(".")[0] == "distributed":  # never import dask otherwise
        from distributed import Client

        if isinstance(executor, Client):
            return "dask"
    raise TypeError(
        "executor: expected None, a concurrent.futures.Executor or a dask.distributed.Client, "
        f"got {type(executor).__name__}"
    )


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of ``size`` items (the last one shorter), consuming ``items`` lazily.

    >>> list(chunks(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def run_tasks(
    executor: Any, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], *, window: int = 64
) -> Iterator[tuple[int, Any]]:
    """Run ``fn(*args)`` for every task on ``executor`` and yield ``(task index, result)``.

    At most ``window`` tasks are in flight; results come as tasks complete. An exception in a
    task cancels the rest and is re-raised here.
    """
    if executor_kind(executor) == "dask":
        yield from _run_dask(executor, fn, enumerate(tasks), window)
    else:
        yield from _run_futures(executor, fn, enumerate(tasks), window)


def _run_dask(
    client: Any, fn: Callable[..., Any], it: Iterator[tuple[int, tuple[Any, ...]]], window: int
) -> Iterator[tuple[int, Any]]:
    from distributed import as_completed

    futures: dict[Any, int] = {}
    ac = as_completed()
    try:
        for i, args in it:
            f = client.submit(fn, *args, pure=False)  # pure=False: never share a cached result
            futures[f] = i
            ac.add(f)
            if len(futures) >= window:
                break
        for f in ac:
            i = futures.pop(f)
            yield i, f.result()
            nxt = next(it, None)
            if nxt is not None:
                g = client.submit(fn, *nxt[1], pure=False)
                futures[g] = nxt[0]
                ac.add(g)
    finally:
        for f in futures:
            f.cancel()


def _run_futures(
    executor: cf.Executor, fn: Callable[..., Any], it: Iterator[tuple[int, tuple[Any, ...]]], window: int
) -> Iterator[tuple[int, Any]]:
    pending: dict[cf.Future[Any], int] = {}
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                nxt = next(it, None)
                if nxt is None:
                    exhausted = True
                    break
                pending[executor.submit(fn, *nxt[1])] = nxt[0]
            if not pending:
                return
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for f in sorted(done, key=lambda f: pending[f]):
                i = pending.pop(f)
                yield i, f.result()
    finally:
        for f in pending:
            f.cancel()
