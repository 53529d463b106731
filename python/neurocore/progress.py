"""Progress bars on stderr for the long-running calls (scans, sweeps, comparisons).

A bar appears only when asked for and when stderr is a terminal, so logs, pipes and doctests
never see one.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["progress_bar"]


class _NoBar:
    """What :func:`progress_bar` returns when there is nothing to draw."""

    def update(self, n: int = 1) -> None:
        pass

    def set_description(self, desc: str) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(enabled: bool, total: int | None, desc: str, unit: str = "it", *, leave: bool = True) -> Any:
    """A tqdm bar on stderr when ``enabled`` and stderr is a terminal; otherwise a no-op.

    Either way the object has ``update(n)``, ``set_description(text)``, ``set_postfix_str(text)``
    and ``close()``.

    >>> bar = progress_bar(False, 10, "scan", "pt")
    >>> bar.update(3); bar.close()
    """
    if not enabled or not getattr(sys.stderr, "isatty", lambda: False)():
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return _NoBar()
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=leave)
