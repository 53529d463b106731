"""Independent reference implementations (sympy, numpy) of the three architectures, written
from the conventions in the design notes and not from neurocore's code."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
import sympy as sp


def activation(coeffs, t):
    return sum(sp.Rational(c.numerator, c.denominator) * t**k for k, c in enumerate(map(Fraction, coeffs)))


def mlp_outputs(widths, coeffs, bias, theta, xs):
    """f(x) = W_L s(... s(W_1 x + b_1) ...) + b_L, parameters W_l row-major then b_l."""
    theta = [sp.Rational(Fraction(v).numerator, Fraction(v).denominator) for v in theta]
    pos = 0
    h = list(xs)
    for layer in range(len(widths) - 1):
        din, dout = widths[layer], widths[layer + 1]
        W = [theta[pos + i * din : pos + (i + 1) * din] for i in range(dout)]
        pos += din * dout
        out = [sum(W[i][j] * h[j] for j in range(din)) for i in range(dout)]
        if bias:
            out = [out[i] + theta[pos + i] for i in range(dout)]
            pos += dout
        if layer < len(widths) - 2:
            out = [activation(coeffs, o) for o in out]
        h = out
    assert pos == len(theta)
    return [sp.expand(o) for o in h]


def conv1d_outputs(filters, strides, coeffs, theta, xs, channels=None, bias=False):
    """Valid strided 1-D convolutions with channels: weights (c_out, c_in, k), then biases."""
    theta = [sp.Rational(Fraction(v).numerator, Fraction(v).denominator) for v in theta]
    L = len(filters)
    ch = channels or [1] * (L + 1)
    n_in = len(xs) // ch[0]
    h = [list(xs[c * n_in : (c + 1) * n_in]) for c in range(ch[0])]
    pos = 0
    for layer, (k, s) in enumerate(zip(filters, strides, strict=False)):
        cin, cout = ch[layer], ch[layer + 1]
        w = {}
        for o, c, j in product(range(cout), range(cin), range(k)):
            w[o, c, j] = theta[pos]
            pos += 1
        b = [0] * cout
        if bias:
            b = theta[pos : pos + cout]
            pos += cout
        n = (len(h[0]) - k) // s + 1
        out = [
            [sum(w[o, c, j] * h[c][s * i + j] for c in range(cin) for j in range(k)) + b[o] for i in range(n)]
            for o in range(cout)
        ]
        if layer < L - 1:
            out = [[activation(coeffs, v) for v in row] for row in out]
        h = out
    assert pos == len(theta)
    return [sp.expand(v) for row in h for v in row]


def conv2d_outputs(filters, strides, coeffs, theta, xs, in_size, channels=None, bias=False):
    """Valid strided 2-D convolutions: weights (c_out, c_in, kh, kw), data (c, H, W) row-major."""
    theta = [sp.Rational(Fraction(v).numerator, Fraction(v).denominator) for v in theta]
    L = len(filters)
    ch = channels or [1] * (L + 1)
    H, W = in_size
    h = [[[xs[(c * H + i) * W + j] for j in range(W)] for i in range(H)] for c in range(ch[0])]
    pos = 0
    for layer, ((kh, kw), (sh, sw)) in enumerate(zip(filters, strides, strict=False)):
        cin, cout = ch[layer], ch[layer + 1]
        w = {}
        for o, c, a, bb in product(range(cout), range(cin), range(kh), range(kw)):
            w[o, c, a, bb] = theta[pos]
            pos += 1
        bias_v = [0] * cout
        if bias:
            bias_v = theta[pos : pos + cout]
            pos += cout
        Hc, Wc = len(h[0]), len(h[0][0])
        oh, ow = (Hc - kh) // sh + 1, (Wc - kw) // sw + 1
        out = [
            [
                [
                    sum(
                        w[o, c, a, bb] * h[c][sh * i + a][sw * j + bb]
                        for c in range(cin)
                        for a in range(kh)
                        for bb in range(kw)
                    )
                    + bias_v[o]
                    for j in range(ow)
                ]
                for i in range(oh)
            ]
            for o in range(cout)
        ]
        if layer < L - 1:
            out = [[[activation(coeffs, v) for v in row] for row in plane] for plane in out]
        h = out
    assert pos == len(theta)
    return [sp.expand(v) for plane in h for row in plane for v in row]


def attention_outputs(widths, key_dims, tokens, theta, xs, heads=1, residual=False):
    """Lightning self-attention X -> sum_h V X (X^T Q^T K X) (+ X), X is d x t row-major."""
    theta = [sp.Rational(Fraction(v).numerator, Fraction(v).denominator) for v in theta]
    d0 = widths[0]
    X = sp.Matrix(d0, tokens, list(xs))
    pos = 0
    for layer in range(len(widths) - 1):
        d, dout, a = widths[layer], widths[layer + 1], key_dims[layer]
        hh = heads if isinstance(heads, int) else heads[layer]
        Y = sp.zeros(dout, tokens)
        for _ in range(hh):
            Q = sp.Matrix(a, d, theta[pos : pos + a * d])
            pos += a * d
            K = sp.Matrix(a, d, theta[pos : pos + a * d])
            pos += a * d
            V = sp.Matrix(dout, d, theta[pos : pos + dout * d])
            pos += dout * d
            Y += V * X * (X.T * Q.T * K * X)
        if residual:
            Y += X
        X = Y
    assert pos == len(theta)
    return [sp.expand(v) for v in X]


def coefficient_vector(outputs, xs, exponents):
    """Coefficients of each output at the given exponent table, outputs concatenated."""
    vec = []
    for o in outputs:
        poly = sp.Poly(o, *xs)
        table = dict(poly.terms())
        for e in exponents:
            c = table.get(tuple(int(v) for v in e), 0)
            vec.append(Fraction(int(sp.numer(c)), int(sp.denom(c))))
    return vec


def numpy_conv1d_multichannel(x, weights, biases, strides, coeffs):
    """Float reference for multi-channel 1-D CNNs: x (c0, n), weights[l] (c_out, c_in, k)."""
    h = np.asarray(x, dtype=float)
    for layer, (w, s) in enumerate(zip(weights, strides, strict=False)):
        cout, cin, k = w.shape
        n = (h.shape[1] - k) // s + 1
        out = np.zeros((cout, n))
        for i in range(n):
            out[:, i] = np.einsum("ocj,cj->o", w, h[:, s * i : s * i + k])
        if biases is not None:
            out += biases[layer][:, None]
        if layer < len(weights) - 1:
            out = sum(float(c) * out**kk for kk, c in enumerate(coeffs))
        h = out
    return h.reshape(-1)
