"""Bad input raises a clear Python exception naming the argument (never a panic or a hang)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import neurocore as nc


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(widths=[], degree=2), ValueError, "widths"),
        (dict(widths=[3], degree=2), ValueError, "widths"),
        (dict(widths=[3, 0, 1], degree=2), ValueError, "widths"),
        (dict(widths=[3, -2, 1], degree=2), ValueError, "widths"),
        (dict(widths=[3, 2.5, 1], degree=2), TypeError, "widths"),
        (dict(widths="3,2", degree=2), TypeError, "widths"),
        (dict(widths=[3, 2, 1]), ValueError, "degree"),
        (dict(widths=[3, 2, 1], degree=2, activation=[0, 1]), ValueError, "degree"),
        (dict(widths=[3, 2, 1], degree=0), ValueError, "degree"),
        (dict(widths=[3, 2, 1], activation=[0, 0, 0]), ValueError, "activation"),
        (dict(widths=[3, 2, 1], activation=[5]), ValueError, "activation"),
        (dict(widths=[3, 2, 1], activation=[0, 0.5]), TypeError, "activation"),
        (dict(widths=[3, 2, 1], activation=[0, "1/0"]), ValueError, "activation"),
    ],
)
def test_bad_mlp_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nc.mlp(**kwargs)


def test_bad_theta():
    net = nc.mlp([3, 2, 1], degree=2)
    with pytest.raises(ValueError, match="theta: expected 8"):
        nc.coefficients(net, [1] * 7)
    with pytest.raises(ValueError, match="theta"):
        nc.coefficients(net, [1.0] * 7 + [math.nan])
    with pytest.raises(ValueError, match="theta"):
        nc.coefficients(net, [1.0] * 7 + [math.inf])
    with pytest.raises(ValueError, match="theta"):
        nc.jacobian(net, np.full(8, np.nan))
    with pytest.raises(TypeError, match="field='float'"):
        nc.jacobian(net, [1.5] * 8, field="QQ")
    with pytest.raises(ValueError, match="theta"):
        nc.coefficients(net, ["a"] * 8)
    with pytest.raises(TypeError, match="theta"):
        nc.coefficients(net, [object()] * 8)
    with pytest.raises(ValueError, match="theta"):
        nc.coefficients(net, [[1, 2]] * 4)
    with pytest.raises(ZeroDivisionError, match="theta"):
        nc.coefficients(net, [Fraction(1, 7)] * 8, field=7)
    with pytest.raises(TypeError, match="net"):
        nc.coefficients("mlp", [1] * 8)


@pytest.mark.parametrize("p", [0, 1, 2, 4, 9, 2**63, 2**63 + 29, -7])
def test_bad_primes(p):
    net = nc.mlp([2, 2, 1], degree=2)
    with pytest.raises(ValueError, match="prime|field"):
        nc.jacobian(net, [1] * 6, field=p)
    with pytest.raises(ValueError, match="prime|field"):
        nc.rank([[1, 2], [3, 4]], field=p)
    with pytest.raises(ValueError, match="prime"):
        nc.dimension(net, primes=[p])


def test_bad_field_names():
    with pytest.raises(ValueError, match="field"):
        nc.rank([[1]], field="RR?")
    with pytest.raises(TypeError, match="field"):
        nc.rank([[1]], field=3.0)


def test_prime_dividing_activation_is_rejected():
    net = nc.mlp([2, 2, 1], activation=[0, 0, Fraction(1, 5)])
    with pytest.raises(ValueError, match="prime"):
        nc.dimension(net, primes=[5])
    with pytest.raises(ValueError, match="prime"):
        nc.dimension(nc.mlp([2, 2, 1], degree=7), primes=[7])


def test_bad_matrices():
    with pytest.raises(ValueError, match="ragged"):
        nc.rank([[1, 2], [3]], field=7)
    with pytest.raises(ValueError, match="two-dimensional"):
        nc.rank(np.zeros(3, dtype=np.int64), field=7)
    with pytest.raises(TypeError, match="float"):
        nc.rank([[1.5, 2]], field=7)


def test_memory_limit_is_checked_before_allocating():
    old = nc.memory_limit()
    try:
        nc.set_memory_limit(1000)
        net = nc.mlp([10, 10, 10], degree=3)
        with pytest.raises(nc.ResourceLimitError, match="memory limit"):
            nc.jacobian(net, [1] * net.n_params, field=101)
        with pytest.raises(nc.ResourceLimitError):
            nc.rank(np.zeros((100, 100), dtype=np.int64), field=7)
    finally:
        nc.set_memory_limit(old)
    huge = nc.mlp([40, 40, 40, 40, 40, 1], degree=4)
    with pytest.raises(nc.ResourceLimitError):
        nc.jacobian(huge, [1] * huge.n_params, field=101)


def test_bad_points_and_dimension_arguments():
    net = nc.mlp([2, 2, 1], degree=2)
    with pytest.raises(ValueError, match="x"):
        nc.evaluate(net, [1] * 6, [[1, 2, 3]])
    with pytest.raises(ValueError, match="x"):
        nc.evaluate(net, [1.0] * 6, [[1.0, math.nan]])
    with pytest.raises(ValueError, match="seed"):
        nc.dimension(net, seed=-1)
    with pytest.raises(ValueError, match="threads"):
        nc.dimension(net, threads=-1)
    with pytest.raises(ValueError, match="trials"):
        nc.dimension(net, trials=0)


def test_bad_conv_and_attention_arguments():
    with pytest.raises(ValueError, match="strides"):
        nc.conv1d([3, 2], [0, 1], degree=1)
    with pytest.raises(ValueError, match="strides"):
        nc.conv1d([3, 2], [1], degree=1)
    with pytest.raises(ValueError, match="filters"):
        nc.conv1d([0, 2], degree=1)
    with pytest.raises(ValueError, match="tokens"):
        nc.attention([3, 3], [2], tokens=0)
    with pytest.raises(ValueError, match="key_dims"):
        nc.attention([3, 3], [0], tokens=2)
    with pytest.raises(ValueError, match="key_dims"):
        nc.attention([3, 3, 3], [2], tokens=2)
    with pytest.raises(ValueError, match="residual"):
        nc.attention([3, 2], [2], tokens=2, residual=True)
    with pytest.raises(ValueError, match="layers"):
        nc.Network([nc.Dense(3, 2), nc.Dense(3, 1)])
    with pytest.raises(ValueError, match="filter"):
        nc.Network([nc.Conv(1, 1, (1, 5), (1, 1), (1, 3))])


def test_sizes_that_overflow_are_refused():
    with pytest.raises((nc.IntegerOverflowError, TypeError, ValueError)):
        nc.mlp([2**40, 2**40, 1], degree=2)
    with pytest.raises((nc.IntegerOverflowError, TypeError, ValueError)):
        nc.attention([2**33, 2**33], [2**33], tokens=2**33)
    with pytest.raises(ValueError, match="too large"):
        nc.mlp([2**70, 2, 1], degree=2)
