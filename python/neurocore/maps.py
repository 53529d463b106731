"""The parametrisation map and its derivatives: monomials, coefficients, evaluation, Jacobians.

Fields: ``"QQ"`` (exact rationals), an int prime ``p`` (arithmetic modulo p), or
``"float"`` (float64): one spelling each, parsed once by the core. When ``field`` is
omitted, integer/Fraction parameters give exact results and float parameters give float64.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from neurocore import _core
from neurocore._exact import check_memory, flat_values, is_float_input, parse_exact, parse_float
from neurocore.network import Network

__all__ = ["coefficients", "evaluate", "jacobian", "monomials", "resolve_field"]

Field = Literal["QQ", "float"] | int
"""A field argument: ``"QQ"`` (exact rationals), ``"float"`` (float64) or a prime ``int``."""


def _check_net(net: Any) -> Network:
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    return net


def resolve_field(field: Any, values: Any) -> Field:
    """The field of a computation: ``field`` itself, or a default chosen from ``values``.

    For ``None``: ``"float"`` when any of ``values`` is a float, ``"QQ"`` otherwise. The
    spelling is checked by the core, once.
    """
    if field is None:
        flat = values if isinstance(values, np.ndarray) else flat_values(values, "theta")
        return "float" if is_float_input(flat) else "QQ"
    return field  # type: ignore[no-any-return]


def monomials(net: Network) -> np.ndarray:
    """The exponent table of one output's coefficient coordinates, in coefficient order.

    Rows are exponent vectors; degrees ascend and, within a degree, exponent tuples descend
    lexicographically (``x0^D`` first). The coefficient vector of a network concatenates this
    basis once per output.

    Examples
    --------
    >>> import neurocore as nc
    >>> nc.monomials(nc.mlp([2, 2, 1], degree=2)).tolist()
    [[2, 0], [1, 1], [0, 2]]
    """
    net = _check_net(net)
    check_memory("the monomial table", net.ambient_dim // max(net.output_dim, 1), 4 * net.input_dim + 32)
    return net._core.monomials()


def _numbers(values: Any, arg: str, field: Field, length: int | None = None) -> Any:
    """Values for the core: a float64 array for ``"float"``, else exact ints/Fractions."""
    if field == "float":
        return parse_float(values, arg, length)
    flat = values if isinstance(values, np.ndarray) and values.ndim == 1 else flat_values(values, arg)
    if is_float_input(flat):
        raise TypeError(
            f"{arg}: float values cannot give an exact result; pass ints or fractions.Fraction, or use field='float'"
        )
    return parse_exact(values, arg, length)


def _vector(out: Any) -> np.ndarray:
    """A ``1 x n`` core result as a flat array (object array of Fractions for Q)."""
    arr = out if isinstance(out, np.ndarray) else out.to_numpy()
    return arr.reshape(-1)


def coefficients(net: Network, theta: Any, *, field: Any = None) -> np.ndarray:
    """``phi(theta)``: the coefficient vector of the network's output polynomials.

    Parameters
    ----------
    net : Network
        The architecture.
    theta : sequence of numbers
        Parameters in the network's parameter order.
    field : {"QQ", "float"} or int, optional
        Exact rationals (an object array of ``Fraction``), float64, or residues modulo a prime
        (``uint64``). Default: exact for int/Fraction input, float64 for floats.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.mlp([2, 1, 1], degree=2)        # f = w2 (a x0 + b x1)^2
    >>> [int(c) for c in nc.coefficients(net, [1, 2, 3])]
    [3, 12, 12]
    """
    net = _check_net(net)
    f = resolve_field(field, theta)
    check_memory("the coefficient vector", net.ambient_dim, 8)
    return _vector(_core.coefficients(net._core, _numbers(theta, "theta", f, net.n_params), f))


def _points(net: Network, x: Any, field: Field) -> tuple[Any, int, bool]:
    """Flat row-major points for the core, their number, and whether one point was given."""
    arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
    if arr.ndim not in (1, 2):
        raise ValueError(f"x: expected shape (n_points, {net.input_dim}) or ({net.input_dim},), got {arr.shape}")
    single = arr.ndim == 1
    arr2 = arr.reshape(1, -1) if single else arr
    if arr2.shape[1] != net.input_dim:
        raise ValueError(f"x: points must have {net.input_dim} coordinates (the input dimension), got {arr2.shape[1]}")
    n_points = arr2.shape[0]
    check_memory("the points and outputs", n_points * (net.input_dim + net.output_dim), 16)
    return _numbers(arr2.reshape(-1), "x", field), arr2.shape[0], single


def evaluate(net: Network, theta: Any, x: Any, *, field: Any = None, threads: int = 0) -> np.ndarray:
    """The network's outputs ``f(x; theta)`` at one point or a batch of points.

    Parameters
    ----------
    net : Network
        The architecture.
    theta : sequence of numbers
        Parameters in the network's parameter order.
    x : array_like
        Shape ``(input_dim,)`` or ``(n_points, input_dim)``.
    field : {"QQ", "float"} or int, optional
        As for :func:`coefficients`; default chosen from ``theta`` and ``x``.
    threads : int
        0 = all cores, 1 = sequential.

    Returns
    -------
    numpy.ndarray
        Shape ``(output_dim,)`` or ``(n_points, output_dim)``.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.mlp([2, 1, 1], degree=2)
    >>> nc.evaluate(net, [1, 2, 3], [1, 1]).tolist()
    [Fraction(27, 1)]
    """
    net = _check_net(net)
    if field is None:
        x_arr = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=object)
        x_float = is_float_input(x_arr) if x_arr.dtype != object else is_float_input(list(x_arr.reshape(-1)))
        field = "float" if (is_float_input(flat_values(theta, "theta")) or x_float) else "QQ"
    f = resolve_field(field, theta)
    th = _numbers(theta, "theta", f, net.n_params)
    pts, n_points, single = _points(net, x, f)
    raw = _core.evaluate(net._core, th, pts, f, threads)
    out = raw if isinstance(raw, np.ndarray) else raw.to_numpy()
    out = out.reshape(n_points, net.output_dim)
    return out[0] if single else out


def jacobian(net: Network, theta: Any, *, field: Any = None, threads: int = 0) -> Any:
    """The Jacobian of the coefficient map ``phi`` at ``theta``.

    Rows follow the coefficient order (see :func:`monomials`, outputs concatenated), columns
    the parameter order.

    Parameters
    ----------
    net : Network
        The architecture.
    theta : sequence of numbers
        Parameters in the network's parameter order.
    field : {"QQ", "float"} or int, optional
        ``"QQ"`` returns an :class:`ExactMatrix` (int/Fraction parameters only); a prime
        returns a ``uint64`` array of residues; ``"float"`` a float64 array. Default: ``"QQ"``
        for exact parameters, ``"float"`` for floats.
    threads : int
        0 = all cores, 1 = sequential (the result does not depend on it).

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.mlp([1, 1, 1], degree=2)        # f = b (a x)^2 = a^2 b x^2
    >>> nc.jacobian(net, [2, 3]).to_fractions()   # [d/da, d/db] = [2ab, a^2]
    [[Fraction(12, 1), Fraction(4, 1)]]
    """
    net = _check_net(net)
    f = resolve_field(field, theta)
    check_memory("the coefficient Jacobian", net.ambient_dim * net.n_params, 8)
    return _core.jacobian(net._core, _numbers(theta, "theta", f, net.n_params), f, threads)
