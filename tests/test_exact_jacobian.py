"""Exact rational Jacobians of the coefficient map (nc.jacobian(..., field="QQ")) against sympy.

Each network is rebuilt symbolically here from design.md's conventions, independently of
neurocore: its outputs as polynomials in the inputs, with parameter k perturbed to
``theta_k + eps``; the coefficient of ``x^alpha eps`` is the Jacobian entry. Only the monomial
order is taken from nc.monomials.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

import neurocore as nc

sympy = pytest.importorskip("sympy")


# ---------------------------------------------------------------- symbolic networks (sympy Poly)


def act(coeffs, t):
    out = 0
    for k, c in enumerate(coeffs):
        out = out + sympy.Rational(c.numerator, c.denominator) * t**k
    return out


def sym_mlp(widths, coeffs, bias, theta, x):
    it = iter(theta)
    h = list(x)
    for layer in range(len(widths) - 1):
        d_in, d_out = widths[layer], widths[layer + 1]
        w = [[next(it) for _ in range(d_in)] for _ in range(d_out)]
        b = [next(it) for _ in range(d_out)] if bias else [0] * d_out
        h = [sum((w[i][j] * h[j] for j in range(d_in)), b[i]) for i in range(d_out)]
        if layer < len(widths) - 2:
            h = [act(coeffs, t) for t in h]
    return h


def sym_conv(layers, coeffs, theta, x):
    """layers: (c_in, c_out, (kh, kw), (sh, sw), (H, W), bias); data channel-major, row-major."""
    it = iter(theta)
    h = list(x)
    for idx, (ci, co, (kh, kw), (sh, sw), (hh, ww), bias) in enumerate(layers):
        w = [[[[next(it) for _ in range(kw)] for _ in range(kh)] for _ in range(ci)] for _ in range(co)]
        b = [next(it) for _ in range(co)] if bias else [0] * co
        oh, ow = (hh - kh) // sh + 1, (ww - kw) // sw + 1
        out = []
        for o in range(co):
            for i in range(oh):
                for j in range(ow):
                    s = b[o]
                    for c in range(ci):
                        for a in range(kh):
                            for e in range(kw):
                                s = s + w[o][c][a][e] * h[(c * hh + sh * i + a) * ww + sw * j + e]
                    out.append(s)
        h = out
        if idx < len(layers) - 1:
            h = [act(coeffs, t) for t in h]
    return h


def sym_attention(widths, key_dims, tokens, heads, theta, x):
    it = iter(theta)
    d0 = widths[0]
    big_x = [[x[i * tokens + k] for k in range(tokens)] for i in range(d0)]
    for layer in range(len(widths) - 1):
        d, dp, a = widths[layer], widths[layer + 1], key_dims[layer]
        out = [[0] * tokens for _ in range(dp)]
        for _ in range(heads[layer]):
            q = [[next(it) for _ in range(d)] for _ in range(a)]
            k = [[next(it) for _ in range(d)] for _ in range(a)]
            v = [[next(it) for _ in range(d)] for _ in range(dp)]
            qx = [[sum(q[s][i] * big_x[i][c] for i in range(d)) for c in range(tokens)] for s in range(a)]
            kx = [[sum(k[s][i] * big_x[i][c] for i in range(d)) for c in range(tokens)] for s in range(a)]
            scores = [[sum(qx[s][c1] * kx[s][c2] for s in range(a)) for c2 in range(tokens)] for c1 in range(tokens)]
            vx = [[sum(v[o][i] * big_x[i][c] for i in range(d)) for c in range(tokens)] for o in range(dp)]
            for o in range(dp):
                for c2 in range(tokens):
                    out[o][c2] = out[o][c2] + sum(vx[o][c1] * scores[c1][c2] for c1 in range(tokens))
        big_x = out
    return [big_x[o][c] for o in range(len(big_x)) for c in range(tokens)]


def sympy_jacobian(net, theta, build):
    """The coefficient Jacobian at theta, one parameter perturbation at a time."""
    xs = sympy.symbols(f"x0:{net.input_dim}")
    eps = sympy.Symbol("eps")
    gens = (*xs, eps)
    mons = [tuple(int(e) for e in row) for row in nc.monomials(net)]
    base = [sympy.Rational(t.numerator, t.denominator) for t in theta]
    xpoly = [sympy.Poly(xi, *gens, domain="QQ") for xi in xs]
    cols = []
    for k in range(len(theta)):
        th = [sympy.Poly(b, *gens, domain="QQ") for b in base]
        th[k] = th[k] + sympy.Poly(eps, *gens, domain="QQ")
        outs = build(th, xpoly)
        col = []
        for o in outs:
            p = o if isinstance(o, sympy.Poly) else sympy.Poly(o, *gens, domain="QQ")
            terms = {m: c for m, c in p.terms()}
            col.extend(terms.get((*alpha, 1), 0) for alpha in mons)
        cols.append(col)
    return [
        [Fraction(int(sympy.Rational(cols[k][i]).p), int(sympy.Rational(cols[k][i]).q)) for k in range(len(cols))]
        for i in range(len(cols[0]))
    ]


def random_theta(n, rng):
    return [Fraction(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(n)]


def conv_layers_1d(filters, strides, out_len, channels, bias):
    sizes = [out_len]
    for k, s in zip(reversed(filters), reversed(strides), strict=True):
        sizes.insert(0, s * (sizes[0] - 1) + k)
    ch = channels or [1] * (len(filters) + 1)
    return [
        (ch[i], ch[i + 1], (1, k), (1, s), (1, sizes[i]), bias)
        for i, (k, s) in enumerate(zip(filters, strides, strict=True))
    ]


def conv_layers_2d(filters, strides, out_size, bias):
    sizes = [out_size]
    for k, s in zip(reversed(filters), reversed(strides), strict=True):
        h, w = sizes[0]
        sizes.insert(0, (s[0] * (h - 1) + k[0], s[1] * (w - 1) + k[1]))
    return [(1, 1, k, s, sizes[i], bias) for i, (k, s) in enumerate(zip(filters, strides, strict=True))]


# ---------------------------------------------------------------- the cases

MLP_CASES = [
    ([2, 2, 1], [0, 0, 1], False),
    ([2, 2, 1], [1, 2, 3], True),
    ([2, 3, 2], [0, 1, Fraction(1, 2)], False),
    ([1, 2, 2, 1], [0, 0, 1], True),
    ([2, 2, 2], [0, 1], True),
    ([3, 2, 1], [Fraction(-1, 3), 0, 0, 2], False),
]


@pytest.mark.parametrize(("widths", "activation", "bias"), MLP_CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_mlp_jacobian_equals_sympy(widths, activation, bias, seed):
    net = nc.mlp(widths, activation=activation, bias=bias)
    theta = random_theta(net.n_params, random.Random(seed))
    coeffs = [Fraction(c) for c in activation]
    expect = sympy_jacobian(net, theta, lambda th, x: sym_mlp(widths, coeffs, bias, th, x))
    j = nc.jacobian(net, theta, field="QQ")
    assert j.shape == (net.ambient_dim, net.n_params)
    assert j.to_fractions() == expect


CONV1D_CASES = [
    ([3, 2], [2, 1], 1, None, False, [0, 0, 1]),
    ([2, 2], [1, 1], 2, None, True, [1, 0, 1]),
    ([2, 3], [1, 2], 1, [1, 2, 1], False, [0, 1, 1]),
    ([2], [1], 3, [2, 2], True, [0, 1]),
]


@pytest.mark.parametrize(("filters", "strides", "out_len", "channels", "bias", "activation"), CONV1D_CASES)
def test_conv1d_jacobian_equals_sympy(filters, strides, out_len, channels, bias, activation):
    net = nc.conv1d(filters, strides, activation=activation, output_length=out_len, channels=channels, bias=bias)
    theta = random_theta(net.n_params, random.Random(len(filters) + out_len))
    layers = conv_layers_1d(filters, strides, out_len, channels, bias)
    coeffs = [Fraction(c) for c in activation]
    expect = sympy_jacobian(net, theta, lambda th, x: sym_conv(layers, coeffs, th, x))
    assert nc.jacobian(net, theta, field="QQ").to_fractions() == expect


CONV2D_CASES = [
    ([(2, 2), (2, 2)], [(1, 1), (1, 1)], (1, 1), False, [0, 0, 1]),
    ([(2, 1), (1, 2)], [(1, 1), (2, 1)], (1, 2), True, [0, 1, 1]),
]


@pytest.mark.parametrize(("filters", "strides", "out_size", "bias", "activation"), CONV2D_CASES)
def test_conv2d_jacobian_equals_sympy(filters, strides, out_size, bias, activation):
    net = nc.conv2d(filters, strides, activation=activation, output_size=out_size, bias=bias)
    theta = random_theta(net.n_params, random.Random(7))
    layers = conv_layers_2d(filters, strides, out_size, bias)
    coeffs = [Fraction(c) for c in activation]
    expect = sympy_jacobian(net, theta, lambda th, x: sym_conv(layers, coeffs, th, x))
    assert nc.jacobian(net, theta, field="QQ").to_fractions() == expect


ATTENTION_CASES = [
    ([2, 2], [1], 2, [1]),
    ([2, 1], [2], 2, [2]),
    ([1, 1, 1], [1, 1], 2, [1, 1]),
]


@pytest.mark.parametrize(("widths", "key_dims", "tokens", "heads"), ATTENTION_CASES)
def test_attention_jacobian_equals_sympy(widths, key_dims, tokens, heads):
    net = nc.attention(widths, key_dims, tokens, heads=heads)
    theta = random_theta(net.n_params, random.Random(sum(widths)))
    expect = sympy_jacobian(net, theta, lambda th, x: sym_attention(widths, key_dims, tokens, heads, th, x))
    assert nc.jacobian(net, theta, field="QQ").to_fractions() == expect


# ---------------------------------------------------------------- the exact-matrix object


def test_exact_matrix_views_agree():
    flint = pytest.importorskip("flint")
    net = nc.mlp([2, 2, 1], activation=[0, 1, Fraction(1, 3)], bias=True)
    theta = random_theta(net.n_params, random.Random(3))
    j = nc.jacobian(net, theta, field="QQ")
    fr = j.to_fractions()
    rows, cols = j.shape
    assert j.denominator >= 1 and j.numerators.shape == (rows, cols)
    assert all(Fraction(int(j.numerators[i, k]), j.denominator) == fr[i][k] for i in range(rows) for k in range(cols))
    arr = np.asarray(j)
    assert arr.dtype == object and arr.shape == (rows, cols) and arr[1, 2] == fr[1][2]
    fl = j.to_flint()
    for i in range(rows):
        assert all(fl[i, k] == flint.fmpq(fr[i][k].numerator, fr[i][k].denominator) for k in range(cols))
    # The certified rank of the exact Jacobian, also from the ExactMatrix directly.
    expect = fl.rank()
    assert nc.rank(j).rank == expect and nc.rank(fr).rank == expect and nc.rank(j).certified
    assert nc.kernel(j).shape == (cols - expect, cols)


def test_integer_parameters_and_float_rejection():
    net = nc.mlp([2, 2, 1], degree=2)
    j = nc.jacobian(net, [1, 2, 3, 4, 5, 6], field="QQ")
    assert j.denominator == 1
    assert j.to_fractions() == nc.jacobian(net, [Fraction(v) for v in (1, 2, 3, 4, 5, 6)], field="QQ").to_fractions()
    with pytest.raises(TypeError, match="field='float'"):
        nc.jacobian(net, [1.0, 2, 3, 4, 5, 6], field="QQ")


def test_critical_point_is_detected_exactly():
    # f = w2 (w1 x)^2: at w1 = 0 the Jacobian vanishes (rank 0), elsewhere rank 1.
    net = nc.mlp([1, 1, 1], degree=2)
    assert nc.rank(nc.jacobian(net, [0, 5], field="QQ")).rank == 0
    res = nc.rank(nc.jacobian(net, [Fraction(1, 3), 5], field="QQ"))
    assert (res.rank, res.certified) == (1, True)
