"""Argument checks shared by the public functions: one message and one exception type per rule.

Each check returns the normalised value (a plain ``int``, ``float`` or ``bool``) or raises an
exception that names the argument: ``TypeError`` when the value has the wrong type (``bool`` is
never accepted as an int), ``ValueError`` when it is out of range.

Used by scanning, sweeping, grids, comparison, closest, training and critical. Still to switch
(their own copies of these rules): ``network._positive_int`` (-> ``check_positive_int``/
``check_int``; keep its ``< 2^63`` bound), ``dimension.dimension``'s seed and trials checks and
``dimension._check_threads`` (-> ``check_seed``, ``check_positive_int``, ``check_threads``; note
that these raise ValueError for a wrong type today, TypeError here), and the
``isinstance(net, Network)`` tests in ``closest.py``, ``dimension.py``, ``strata.py`` (twice) and
``maps.py`` (-> ``check_network``).
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neurocore.network import Network

__all__ = [
    "check_bool",
    "check_int",
    "check_network",
    "check_optional_positive_int",
    "check_positive_int",
    "check_probability",
    "check_seed",
    "check_threads",
    "check_timeout",
]


def check_int(v: Any, arg: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """``v`` as an int in ``[lo, hi)`` (either end may be open).

    >>> check_int(3, "starts", lo=1)
    3
    >>> check_int(0, "starts", lo=1)
    Traceback (most recent call last):
    ...
    ValueError: starts: expected an int >= 1, got 0
    """
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{arg}: expected an int, got {v!r}")
    i = int(v)
    if (lo is not None and i < lo) or (hi is not None and i >= hi):
        if hi is None:
            expected = f">= {lo}"
        elif lo is None:
            expected = f"< {hi}"
        else:
            expected = f"in [{lo}, {hi})"
        raise ValueError(f"{arg}: expected an int {expected}, got {i}")
    return i


def check_positive_int(v: Any, arg: str) -> int:
    """``v`` as an int ``>= 1``."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{arg}: expected an int, got {v!r}")
    if int(v) < 1:
        raise ValueError(f"{arg}: must be positive, got {v}")
    return int(v)


def check_optional_positive_int(v: Any, arg: str) -> int | None:
    """``None``, or ``v`` as an int ``>= 1``."""
    return None if v is None else check_positive_int(v, arg)


def check_nonnegative_float(v: Any, arg: str, *, positive: bool) -> float:
    """``v`` as a finite float, ``> 0`` when ``positive``, else ``>= 0``.

    >>> check_nonnegative_float(1e-8, "gtol", positive=False)
    1e-08
    """
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{arg}: expected a real number, got {v!r}")
    x = float(v)
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        raise ValueError(f"{arg}: expected a {'positive' if positive else 'non-negative'} finite number, got {v!r}")
    return x


def check_seed(seed: Any) -> int:
    """A seed in ``[0, 2^64)``."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed: expected an int, got {seed!r}")
    if not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed: expected an int in [0, 2^64), got {seed}")
    return int(seed)


def check_threads(threads: Any) -> int:
    """A thread count (0 = all cores, 1 = sequential)."""
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise TypeError(f"threads: expected an int (0 = all cores), got {threads!r}")
    if int(threads) < 0:
        raise ValueError(f"threads: expected a non-negative int (0 = all cores), got {threads}")
    return int(threads)


def check_probability(v: Any, arg: str) -> float:
    """A probability in ``[0, 1]``."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{arg}: expected a probability in [0, 1], got {v!r}")
    if not 0.0 <= float(v) <= 1.0:
        raise ValueError(f"{arg}: expected a probability in [0, 1], got {v!r}")
    return float(v)


def check_timeout(timeout: Any, arg: str = "timeout") -> float | None:
    """``None`` (no limit) or a positive number of seconds; ``inf`` means no limit."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise TypeError(f"{arg}: expected a positive number of seconds, got {timeout!r}")
    if not float(timeout) > 0:  # also rejects NaN
        raise ValueError(f"{arg}: expected a positive number of seconds, got {timeout!r}")
    return float(timeout) if math.isfinite(float(timeout)) else None


def check_bool(v: Any, arg: str) -> bool:
    """``v`` if it is a bool (no truthiness: ``0``, ``"yes"`` and ``None`` are rejected)."""
    if not isinstance(v, bool):
        raise TypeError(f"{arg}: expected a bool, got {v!r}")
    return v


def check_network(net: Any, arg: str = "net") -> Network:
    """``net`` if it is a :class:`neurocore.Network`, else a TypeError naming ``arg``."""
    from neurocore.network import Network  # network.py may use these checks: import when called

    if not isinstance(net, Network):
        raise TypeError(f"{arg}: expected a neurocore Network, got {type(net).__name__}")
    return net
