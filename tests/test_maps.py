"""The coefficient map, evaluation and Jacobians against independent sympy/numpy oracles."""

from __future__ import annotations

import random
import zlib
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from oracles import (
    attention_outputs,
    coefficient_vector,
    conv1d_outputs,
    conv2d_outputs,
    mlp_outputs,
    numpy_conv1d_multichannel,
)

import neurocore as nc

P = 2**61 - 1
SMALL_P = 8_388_593


def rand_theta(n, rng, rational=True):
    out = []
    for _ in range(n):
        if rational and rng.random() < 0.3:
            out.append(Fraction(rng.randint(-9, 9), rng.randint(1, 5)))
        else:
            out.append(rng.randint(-5, 5))
    return out


CASES = [
    ("mlp", dict(widths=[2, 3, 1], activation=[0, 0, 1]), False),
    ("mlp", dict(widths=[2, 2, 2], activation=[1, -2, Fraction(1, 3)]), True),
    ("mlp", dict(widths=[3, 2, 2, 1], activation=[0, 1, 1]), False),
    ("mlp", dict(widths=[2, 2, 1], activation=[0, 0, 1, 1]), True),
    ("conv1d", dict(filters=[3, 2], strides=[2, 1], activation=[0, 0, 1]), False),
    ("conv1d", dict(filters=[2, 2], strides=[1, 1], activation=[0, 1]), True),
    ("conv1d", dict(filters=[2, 2], strides=[1, 2], activation=[0, 1, 1], channels=[2, 2, 1], output_length=2), True),
    ("conv2d", dict(filters=[(2, 2), (1, 2)], strides=[(1, 1), (1, 1)], activation=[0, 0, 1]), False),
    ("conv2d", dict(filters=[(2, 1), (2, 2)], strides=[(2, 1), (1, 1)], activation=[0, 1], channels=[1, 2, 1]), True),
    ("attention", dict(widths=[2, 2], key_dims=[1], tokens=2), False),
    ("attention", dict(widths=[2, 1], key_dims=[2], tokens=2, heads=2), False),
    ("attention", dict(widths=[2, 2], key_dims=[1], tokens=2, residual=True), False),
]


def build(family, kw, bias):
    kw = dict(kw)
    if family == "mlp":
        return nc.mlp(kw.pop("widths"), activation=kw.pop("activation"), bias=bias)
    if family == "conv1d":
        return nc.conv1d(kw.pop("filters"), kw.pop("strides"), bias=bias, **kw)
    if family == "conv2d":
        return nc.conv2d(kw.pop("filters"), kw.pop("strides"), bias=bias, **kw)
    return nc.attention(kw.pop("widths"), kw.pop("key_dims"), kw.pop("tokens"), **kw)


def oracle_outputs(family, kw, bias, net, theta, xs):
    if family == "mlp":
        return mlp_outputs(kw["widths"], kw["activation"], bias, theta, xs)
    if family == "conv1d":
        return conv1d_outputs(kw["filters"], kw["strides"], kw["activation"], theta, xs, kw.get("channels"), bias)
    if family == "conv2d":
        first = net.layers[0]
        return conv2d_outputs(
            kw["filters"], kw["strides"], kw["activation"], theta, xs, first.input_size, kw.get("channels"), bias
        )
    return attention_outputs(
        kw["widths"], kw["key_dims"], kw["tokens"], theta, xs, kw.get("heads", 1), kw.get("residual", False)
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-bias{c[2]}")
def test_coefficients_equal_sympy_expansion(case):
    family, kw, bias = case
    net = build(family, kw, bias)
    rng = random.Random(zlib.crc32(str(case).encode()))  # deterministic across runs
    xs = sp.symbols(f"x0:{net.input_dim}")
    exps = nc.monomials(net)
    for _ in range(2):
        theta = rand_theta(net.n_params, rng)
        expect = coefficient_vector(oracle_outputs(family, kw, bias, net, theta, xs), xs, exps)
        got = nc.coefficients(net, theta)
        assert list(got) == expect
        # The ambient space contains every monomial that occurs: no coefficient is lost.
        outs = oracle_outputs(family, kw, bias, net, theta, xs)
        total = sum(1 for o in outs for _, c in sp.Poly(o, *xs).terms() if c != 0)
        assert sum(1 for c in got if c != 0) == total
        # mod p and float agree with the exact values.
        modp = nc.coefficients(net, theta, field=P)
        assert [int(v) for v in modp] == [(c.numerator * pow(c.denominator, -1, P)) % P for c in expect]
        fl = nc.coefficients(net, [float(t) for t in theta])
        np.testing.assert_allclose(fl, [float(c) for c in expect], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-bias{c[2]}")
def test_evaluate_equals_oracle(case):
    family, kw, bias = case
    net = build(family, kw, bias)
    rng = random.Random(7)
    xs = sp.symbols(f"x0:{net.input_dim}")
    theta = rand_theta(net.n_params, rng)
    outs = oracle_outputs(family, kw, bias, net, theta, xs)
    pts = [[Fraction(rng.randint(-4, 4), rng.randint(1, 3)) for _ in range(net.input_dim)] for _ in range(3)]
    got = nc.evaluate(net, theta, pts)
    for row, pt in zip(got, pts, strict=False):
        subs = {x: sp.Rational(v.numerator, v.denominator) for x, v in zip(xs, pt, strict=False)}
        assert [Fraction(str(o.subs(subs))) for o in outs] == list(row)
    gotf = nc.evaluate(net, [float(t) for t in theta], np.array([[float(v) for v in p] for p in pts]))
    np.testing.assert_allclose(gotf, np.array(got, dtype=float), rtol=1e-9, atol=1e-9)
    single = nc.evaluate(net, theta, pts[0])
    assert list(single) == list(got[0])


def lagrange_derivative_at_zero(values, ts):
    """d/dt at t=0 of the interpolating polynomial through (ts[k], values[k]) (exact)."""
    total = [Fraction(0)] * len(values[0])
    for k, tk in enumerate(ts):
        # L_k'(0) = sum_{m != k} (1/(t_k - t_m)) prod_{j != k, m} (0 - t_j)/(t_k - t_j)
        deriv = Fraction(0)
        for m, tm in enumerate(ts):
            if m == k:
                continue
            term = Fraction(1, 1) / (tk - tm)
            for j, tj in enumerate(ts):
                if j not in (k, m):
                    term *= Fraction(-tj) / (tk - tj)
            deriv += term
        for i, v in enumerate(values[k]):
            total[i] += deriv * v
    return total


@pytest.mark.parametrize("case", CASES[:9:2] + CASES[9:], ids=lambda c: f"{c[0]}-{c[1]}-bias{c[2]}")
def test_jacobian_equals_exact_finite_differences(case):
    """phi(theta + t e_i) is a polynomial in t of degree <= parameter_degree, so interpolating
    it exactly at that many + 1 points gives the exact derivative: an oracle that never uses
    neurocore's backward pass."""
    family, kw, bias = case
    net = build(family, kw, bias)
    rng = random.Random(3)
    theta = rand_theta(net.n_params, rng)
    deg = net.parameter_degree
    ts = list(range(deg + 1))
    jac_q = nc.jacobian(net, theta, field="QQ")
    jac_p = nc.jacobian(net, theta, field=SMALL_P)
    cols = []
    for i in range(net.n_params):
        vals = []
        for t in ts:
            th = list(theta)
            th[i] = Fraction(th[i]) + t
            vals.append(list(nc.coefficients(net, th)))
        cols.append(lagrange_derivative_at_zero(vals, ts))
    expect = [[cols[i][r] for i in range(net.n_params)] for r in range(len(cols[0]))]
    assert jac_q.to_fractions() == expect
    assert jac_q.shape == (net.ambient_dim, net.n_params)
    expect_p = np.array(
        [[(v.numerator * pow(v.denominator, -1, SMALL_P)) % SMALL_P for v in row] for row in expect], dtype=np.uint64
    )
    np.testing.assert_array_equal(jac_p, expect_p)
    jac_f = nc.jacobian(net, [float(t) for t in theta], field="float")
    np.testing.assert_allclose(jac_f, np.array(expect, dtype=float), rtol=1e-9, atol=1e-8)


def test_jacobian_threads_do_not_change_results():
    net = nc.mlp([3, 4, 3], degree=2, bias=True)
    rng = random.Random(11)
    theta = rand_theta(net.n_params, rng, rational=False)
    a = nc.jacobian(net, theta, field=P, threads=1)
    b = nc.jacobian(net, theta, field=P, threads=2)
    c = nc.jacobian(net, theta, field=P, threads=0)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    thf = [float(t) / 3 for t in theta]
    np.testing.assert_array_equal(nc.jacobian(net, thf, threads=1), nc.jacobian(net, thf, threads=2))


def test_monomial_order_follows_design():
    net = nc.mlp([3, 2, 1], activation=[0, 0, 1, 1])  # degrees 2 and 3 in 3 variables
    exps = nc.monomials(net)
    degs = exps.sum(axis=1)
    assert list(degs) == sorted(degs)
    assert exps[0].tolist() == [2, 0, 0]
    for d in (2, 3):
        block = [tuple(e) for e in exps[degs == d]]
        assert block == sorted(block, reverse=True)
        assert len(block) == len(set(block)) == sp.binomial(3 + d - 1, d)
    assert net.degrees == (2, 3)


def test_multichannel_conv_against_numpy():
    rng = np.random.default_rng(5)
    filters, strides, channels = [3, 2, 2], [2, 1, 1], [2, 3, 2, 2]
    coeffs = [0, 1, 1]
    net = nc.conv1d(filters, strides, activation=coeffs, channels=channels, output_length=3, bias=True)
    weights = [rng.normal(size=(channels[i + 1], channels[i], k)) for i, k in enumerate(filters)]
    biases = [rng.normal(size=channels[i + 1]) for i in range(len(filters))]
    theta = np.concatenate([np.concatenate([w.reshape(-1), b]) for w, b in zip(weights, biases, strict=False)])
    assert theta.size == net.n_params
    x = rng.normal(size=net.input_dim)
    expect = numpy_conv1d_multichannel(x.reshape(channels[0], -1), weights, biases, strides, coeffs)
    np.testing.assert_allclose(nc.evaluate(net, theta, x), expect, rtol=1e-10)


def test_attention_against_numpy():
    rng = np.random.default_rng(9)
    d, a, t = 3, 2, 4
    net = nc.attention([d, d, 2], [a, 1], tokens=t, heads=[2, 1])
    theta = rng.normal(size=net.n_params)
    X = rng.normal(size=(d, t))
    pos = 0
    out = X
    for din, dout, kd, heads in ((d, d, a, 2), (d, 2, 1, 1)):
        Y = np.zeros((dout, t))
        for _ in range(heads):
            Q = theta[pos : pos + kd * din].reshape(kd, din)
            pos += kd * din
            K = theta[pos : pos + kd * din].reshape(kd, din)
            pos += kd * din
            V = theta[pos : pos + dout * din].reshape(dout, din)
            pos += dout * din
            Y += V @ out @ (out.T @ Q.T @ K @ out)
        out = Y
    np.testing.assert_allclose(nc.evaluate(net, theta, X.reshape(-1)), out.reshape(-1), rtol=1e-10)
    # one head of a multi-head layer equals the single-head layer
    single = nc.attention([d, d], [a], tokens=t, heads=1)
    double = nc.attention([d, d], [a], tokens=t, heads=2)
    th1 = rng.normal(size=single.n_params)
    th2 = np.concatenate([th1, np.zeros(single.n_params)])
    np.testing.assert_allclose(nc.evaluate(single, th1, X.reshape(-1)), nc.evaluate(double, th2, X.reshape(-1)))
