"""Convolutional networks: end-to-end filters, exact realizability, and gold strata ranks."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

import neurocore as nc


def polymul(a, b):
    out = [Fraction(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += Fraction(x) * Fraction(y)
    return out


def substitute_power(w, s):
    out = [Fraction(0)] * ((len(w) - 1) * s + 1)
    for i, c in enumerate(w):
        out[i * s] = Fraction(c)
    return out


@pytest.mark.parametrize(
    "filters,strides",
    [([2, 2], [1, 1]), ([3, 2], [2, 1]), ([2, 2, 2], [2, 1, 1]), ([4, 4], [4, 1]), ([3, 3, 2], [2, 2, 1])],
)
def test_end_to_end_filter_is_product_formula_and_coefficients(filters, strides):
    net = nc.conv1d(filters, strides, degree=1)
    rng = random.Random(sum(filters))
    theta = [Fraction(rng.randint(-5, 5), rng.randint(1, 3)) for _ in range(net.n_params)]
    u = [Fraction(1)]
    pos, S = 0, 1
    for k, s in zip(filters, strides, strict=False):
        u = polymul(u, substitute_power(theta[pos : pos + k], S))
        pos += k
        S *= s
    got = nc.end_to_end_filter(net, theta)
    assert list(got) == u
    assert list(got) == list(nc.coefficients(net, theta))  # one output: the filter is phi
    floats = nc.end_to_end_filter(net, [float(t) for t in theta])
    np.testing.assert_allclose(floats, [float(c) for c in u], rtol=1e-12)


def test_end_to_end_filter_2d_is_product_of_bivariate_filters():
    net = nc.conv2d([(2, 2), (2, 3)], [(2, 1), (1, 1)], degree=1)
    rng = np.random.default_rng(3)
    theta = [int(v) for v in rng.integers(-4, 5, size=net.n_params)]
    w1 = np.array(theta[:4], dtype=object).reshape(2, 2)
    w2 = np.array(theta[4:], dtype=object).reshape(2, 3)
    # u(s, t) = w1(s, t) w2(s^2, t): strides (2, 1) after the first layer.
    u = np.zeros((2 + 2 * 1, 2 + 2), dtype=object)
    u[:] = 0
    for a in range(2):
        for b in range(2):
            for c in range(2):
                for d in range(3):
                    u[a + 2 * c, b + d] += w1[a, b] * w2[c, d]
    got = nc.end_to_end_filter(net, theta)
    assert got.shape == u.shape
    assert [[int(v) for v in row] for row in got] == [[int(v) for v in row] for row in u]


def test_end_to_end_filter_with_channels_composes_channel_paths():
    net = nc.conv1d([2, 2], [1, 1], degree=1, channels=[2, 2, 1])
    rng = random.Random(1)
    theta = [rng.randint(-3, 3) for _ in range(net.n_params)]
    w1 = np.array(theta[:8], dtype=object).reshape(2, 2, 2)  # (out, in, k)
    w2 = np.array(theta[8:], dtype=object).reshape(1, 2, 2)
    expect = np.zeros((1, 2, 3), dtype=object)
    expect[:] = 0
    for c in range(2):
        for m in range(2):
            expect[0, c] += np.array(polymul(list(w2[0, m]), list(w1[m, c])), dtype=object)
    got = nc.end_to_end_filter(net, theta)
    assert got.shape == (1, 2, 3)
    assert [[int(v) for v in r] for r in got[0]] == [[int(v) for v in r] for r in expect[0]]


def test_contains_known_cases():
    assert not nc.contains(nc.conv1d([2, 2], degree=1), [1, 0, 1])
    r = nc.contains(nc.conv1d([2, 2], degree=1), [1, 2, 1])
    assert r.realizable and r.boundary and r.real_roots == ((2, 1),)
    assert nc.contains(nc.conv1d([2, 2], degree=1), [-1, 0, 1]).boundary is False
    rng = random.Random(0)
    quartics = [[1, 0, 2, 0, 1], [1, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    quartics += [[rng.randint(-20, 20) for _ in range(5)] for _ in range(40)]
    for u in quartics:
        assert nc.contains(nc.conv1d([3, 3], degree=1), u).realizable
    # three linear layers cannot hold a complex pair
    assert not nc.contains(
        nc.conv1d([2, 2, 2], degree=1), [1, 0, 1, 0]
    ).realizable  # 1 + t^2 (degree drop: a root at infinity)
    assert nc.contains(nc.conv1d([3, 2], degree=1), [1, 1, 1, 1]).realizable  # (1 + t)(1 + t^2)


def product_with_roots(real_roots, complex_pairs, lead=1):
    u = [Fraction(lead)]
    for r in real_roots:
        u = polymul(u, [-Fraction(r), 1])
    for a, b in complex_pairs:  # (t - a)^2 + b^2, b != 0
        u = polymul(u, [Fraction(a) ** 2 + Fraction(b) ** 2, -2 * Fraction(a), 1])
    return u


@pytest.mark.parametrize("seed", range(25))
def test_contains_matches_constructed_factorizations(seed):
    rng = random.Random(seed)
    ks = [rng.randint(2, 5) for _ in range(rng.randint(2, 3))]
    d = sum(k - 1 for k in ks)
    capacity = sum((k - 1) // 2 for k in ks)
    q = rng.randint(0, d // 2)
    reals = [Fraction(rng.randint(-6, 6), rng.randint(1, 3)) for _ in range(d - 2 * q)]
    pairs = [(Fraction(rng.randint(-3, 3)), Fraction(rng.randint(1, 3), rng.randint(1, 2))) for _ in range(q)]
    u = product_with_roots(reals, pairs, lead=rng.choice([1, -2, Fraction(1, 3)]))
    res = nc.contains(nc.conv1d(ks, degree=1), u)
    # complex pairs may coincide but never become real; distinct counting is over the reals
    assert res.complex_pairs == q
    assert res.realizable == (q <= capacity)
    repeated = len(reals) != len(set(reals))
    if res.realizable and not repeated and q < capacity:
        assert not res.boundary


def test_contains_rejects_wrong_input():
    with pytest.raises(ValueError, match="u"):
        nc.contains(nc.conv1d([2, 2], degree=1), [1, 2])
    with pytest.raises(ValueError, match="strides"):
        nc.contains(nc.conv1d([2, 2], [2, 1], degree=1), [1, 2, 3])
    with pytest.raises(ValueError, match="linear"):
        nc.contains(nc.conv1d([2, 2], degree=2), [1, 2, 3])
    with pytest.raises(TypeError, match="u"):
        nc.contains(nc.conv1d([2, 2], degree=1), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="larger"):
        nc.Network([nc.Conv(1, 1, (1, 4), (1, 1), (1, 3))])


def test_conv_properties_follow_design():
    net = nc.conv1d([3, 2, 2], [2, 1, 1], degree=3)
    assert net.input_dim == 7 and net.n_params == 7
    assert net.symmetry_dim == 2  # one rescaling between consecutive layers
    assert net.expected_dim == 5
    net2 = nc.conv1d([3, 2], [1, 1], degree=2, channels=[1, 3, 1])
    assert net2.symmetry_dim == 3  # one rescaling per hidden channel
