"""The parametrisation map and its derivatives: monomials, coefficients, evaluation, Jacobians.

Fields: ``"QQ"`` (exact rationals), an int prime ``p`` (arithmetic modulo p), or ``"float"``
(float64). When ``field`` is omitted, integer/Fraction parameters give exact results and float
parameters give float64 results.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurocore import _core
from neurocore._exact import (
    check_memory,
    check_prime_arg,
    flat_values,
    is_float_input,
    join_fractions,
    parse_exact,
    parse_float,
    reduce_mod,
    split_fractions,
)
from neurocore.exact_matrix import ExactMatrix
from neurocore.network import Network

__all__ = ["coefficients", "evaluate", "jacobian", "monomials", "resolve_field"]


def _check_net(net: Any) -> Network:
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    return net


def resolve_field(field: Any, values: Any) -> str | int:
    """``"QQ"``, ``"float"`` or a validated prime; ``None`` picks from the input's type."""
    if field is None:
        return (
            "float"
            if is_float_input(values if isinstance(values, np.ndarray) else flat_values(values, "theta"))
            else "QQ"
        )
    if isinstance(field, str):
        f = field.lower()
        if f in ("qq", "q", "exact"):
            return "QQ"
        if f in ("float", "float64", "rr"):
            return "float"
        raise ValueError(f"field: expected 'QQ', 'float' or a prime int, got {field!r}")
    return check_prime_arg(field)


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


def _theta(net: Network, theta: Any, field: str | int) -> Any:
    if field == "float":
        return parse_float(theta, "theta", net.n_params)
    if is_float_input(theta if isinstance(theta, np.ndarray) else flat_values(theta, "theta")):
        raise TypeError(
            "theta: float parameters cannot give an exact result; pass ints or fractions.Fraction, or use field='float'"
        )
    exact = parse_exact(theta, "theta", net.n_params)
    if field == "QQ":
        return exact
    return reduce_mod(exact, int(field), "theta")


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
    th = _theta(net, theta, f)
    if f == "float":
        return _core.coefficients_float(net._core, th)
    if f == "QQ":
        nums, dens = _core.coefficients_exact(net._core, *split_fractions(th))
        out = np.empty(len(nums), dtype=object)
        out[:] = join_fractions(nums, dens)
        return out
    return _core.coefficients_mod_p(net._core, th, int(f))


def _points(net: Network, x: Any, field: str | int) -> tuple[Any, bool]:
    arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
    single = arr.ndim == 1
    if arr.ndim not in (1, 2):
        raise ValueError(f"x: expected shape (n_points, {net.input_dim}) or ({net.input_dim},), got {arr.shape}")
    arr2 = arr.reshape(1, -1) if single else arr
    if arr2.shape[1] != net.input_dim:
        raise ValueError(f"x: points must have {net.input_dim} coordinates (the input dimension), got {arr2.shape[1]}")
    if field == "float":
        flat = parse_float(arr2.reshape(-1), "x")
        return flat.reshape(arr2.shape), single
    if is_float_input(arr2.reshape(-1)):
        raise TypeError("x: float inputs cannot give an exact result; use field='float'")
    exact = parse_exact(arr2.reshape(-1), "x")
    if field == "QQ":
        return (arr2.shape[0], exact), single
    return reduce_mod(exact, int(field), "x").reshape(arr2.shape), single


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
        x_arr = np.asarray(x, dtype=object).reshape(-1)
        field = "float" if (is_float_input(flat_values(theta, "theta")) or is_float_input(list(x_arr))) else "QQ"
    f = resolve_field(field, theta)
    th = _theta(net, theta, f)
    pts, single = _points(net, x, f)
    out: np.ndarray
    if f == "float":
        out = _core.evaluate_float(net._core, th, np.ascontiguousarray(pts, dtype=np.float64), threads)
    elif f == "QQ":
        n_points, exact = pts
        nums, dens = _core.evaluate_exact(net._core, *split_fractions(th), *split_fractions(exact))
        out = np.empty((n_points, net.output_dim), dtype=object)
        out.reshape(-1)[:] = join_fractions(nums, dens)
    else:
        out = _core.evaluate_mod_p(net._core, th, np.ascontiguousarray(pts, dtype=np.uint64), int(f), threads)
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
    th = _theta(net, theta, f)
    if f == "float":
        return _core.coefficient_jacobian_float(net._core, th, threads)
    if f == "QQ":
        rows, cols, nums, dens = _core.coefficient_jacobian_exact(net._core, *split_fractions(th), threads)
        return ExactMatrix.from_fractions(rows, cols, join_fractions(nums, dens))
    return _core.coefficient_jacobian_mod_p(net._core, th, int(f), threads)
