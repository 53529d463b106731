"""Architecture grids: the families of networks that sweeps run over.

A grid is a lazy iterator, so a sweep over millions of width tuples never holds them all.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from typing import Any

from neurocore._checks import check_positive_int
from neurocore.network import Network, mlp

__all__ = ["mlp_grid", "mlp_widths"]


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
    d0 = check_positive_int(input, "input")
    dl = check_positive_int(output, "output")
    hi = check_positive_int(max_width, "max_width")
    lo = check_positive_int(min_width, "min_width")
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
