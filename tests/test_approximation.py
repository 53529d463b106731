"""nc.approximate against independent references: numpy.polynomial, closed forms, theory."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from numpy.polynomial import Chebyshev, Polynomial

import neurocore as nc


def test_chebyshev_equals_numpy_reference():
    # Reference: numpy's own Chebyshev interpolant on [a, b], its error on an independent grid.
    for name, fn in [("tanh", np.tanh), ("sin", np.sin), ("softplus", lambda x: np.log1p(np.exp(x)))]:
        ref = Chebyshev.interpolate(fn, 7, domain=[-3, 2])
        p = nc.approximate(name, 7, domain=(-3, 2), method="chebyshev")
        np.testing.assert_allclose(p.chebyshev_coefficients, ref.coef, rtol=0, atol=1e-13)
        np.testing.assert_allclose(p.coefficients, ref.convert(kind=Polynomial).coef, rtol=0, atol=1e-12)
        x = np.linspace(-3, 2, 100001)
        assert abs(p.error - np.max(np.abs(fn(x) - ref(x)))) < 1e-6 * p.error + 1e-15


def test_least_squares_equals_numpy_fit():
    x = np.linspace(-2, 2, 20001)
    ref = Chebyshev.fit(x, np.tanh(x), 5, domain=[-2, 2])
    p = nc.approximate("tanh", 5, domain=(-2, 2), method="least_squares")
    np.testing.assert_allclose(p.coefficients, ref.convert(kind=Polynomial).coef, atol=1e-12)
    # A weight concentrated near 0 fits better there (checked against a weighted fit by hand).
    w = lambda t: np.exp(-(t**2))  # noqa: E731
    pw = nc.approximate("tanh", 5, domain=(-2, 2), method="least_squares", weight=w)
    refw = Chebyshev.fit(x, np.tanh(x), 5, domain=[-2, 2], w=np.sqrt(w(x)))
    np.testing.assert_allclose(pw.coefficients, refw.convert(kind=Polynomial).coef, atol=1e-12)


def test_minimax_abs_degree_two_is_x2_plus_one_eighth():
    # Hand derivation: e(x) = |x| - x^2 - 1/8 takes -1/8, +1/8, -1/8, +1/8, -1/8 at
    # x = -1, -1/2, 0, 1/2, 1 (five alternation points >= n + 2 = 4): Chebyshev's theorem.
    p = nc.approximate("abs", 2, method="minimax", max_denominator=1000)
    assert list(p) == [Fraction(1, 8), 0, 1]
    assert abs(p.error - 0.125) < 1e-12 and abs(p.error_lower_bound - 0.125) < 1e-12
    np.testing.assert_allclose(p.alternation_points, [-1, -0.5, 0, 0.5, 1], atol=1e-12)


def test_bernstein_constant_sequence():
    # Varga & Carpenter (1985): 2n E_2n(|x|) increases to beta = 0.2801694990...; their table
    # gives 0.25 (2n=2), 0.2705 (4), 0.2775 (8), 0.2795 (16), 0.2800 (32).
    beta = 0.2801694990
    seq = []
    for k in range(1, 7):
        n = 2**k
        p = nc.approximate("abs", n, method="minimax")
        # The certificate brackets the best error: lower bound <= E_n <= grid maximum.
        assert p.error_lower_bound <= p.error * (1 + 1e-9)
        assert p.error - p.error_lower_bound < 1e-9 * p.error
        seq.append(n * p.error)
    assert all(a < b for a, b in zip(seq, seq[1:], strict=False))
    assert seq[0] == pytest.approx(0.25, abs=1e-12)
    np.testing.assert_allclose(seq[:5], [0.25, 0.2705, 0.2775, 0.2795, 0.2800], atol=6e-5)
    assert beta - seq[-1] < 1e-4 and seq[-1] < beta


@pytest.mark.parametrize("degree", range(1, 9))
def test_relu_has_half_the_error_of_abs(degree):
    # relu = (x + |x|) / 2 and x is a polynomial of degree 1: E_n(relu) = E_n(|x|) / 2.
    r = nc.approximate("relu", degree, method="minimax")
    a = nc.approximate("abs", degree, method="minimax")
    assert r.error == pytest.approx(a.error / 2, rel=1e-8)


def test_tanh_error_decreases_geometrically_at_the_bernstein_ellipse_rate():
    # tanh has poles at +-i pi/2; on [-2, 2] the Bernstein ellipse through i pi/4 (rescaled) has
    # rho = b + sqrt(b^2 + 1), b = pi/4, and E_n ~ rho^-n: per two degrees a factor rho^2 = 4.23.
    b = math.pi / 4
    rho = b + math.sqrt(b * b + 1)
    errs = [nc.approximate("tanh", d, domain=(-2, 2), method="minimax").error for d in range(3, 20, 2)]
    assert all(x > y for x, y in zip(errs, errs[1:], strict=False))
    slope = np.polyfit(np.arange(3, 20, 2), np.log(errs), 1)[0]
    assert slope == pytest.approx(-math.log(rho), rel=0.03)


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "gelu", "silu", "softplus", "sin"])
def test_every_named_activation_and_the_three_methods(name):
    fns = {
        "relu": lambda x: np.maximum(x, 0),
        "tanh": np.tanh,
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "gelu": lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))),
        "silu": lambda x: x / (1 + np.exp(-x)),
        "softplus": lambda x: np.log(1 + np.exp(x)),
        "sin": np.sin,
    }
    x = np.linspace(-3, 3, 20001)
    errs = {}
    for method in ("chebyshev", "least_squares", "minimax"):
        p = nc.approximate(name, 4, domain=(-3, 3), method=method)
        errs[method] = p.error
        assert p.error == pytest.approx(np.max(np.abs(fns[name](x) - Polynomial(p.coefficients)(x))), rel=1e-6)
    # The minimax error is the smallest uniform error (up to the certificate's gap).
    assert errs["minimax"] <= min(errs.values()) * (1 + 1e-8)


def test_callable_and_builders_accept_the_result():
    p = nc.approximate(lambda x: np.exp(x), 3, domain=(0, 1), method="minimax")
    assert p.error < 1e-3
    net = nc.mlp([2, 2, 1], activation=p)
    assert net.n_params == 6
    conv = nc.conv1d([2, 2], activation=nc.approximate("tanh", 3))
    assert conv.n_params == 4
    # exact coefficients: the binary values of the floats
    assert [float(c) for c in p] == list(p.coefficients)


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        nc.approximate("elu", 3)
    with pytest.raises(ValueError, match="degree"):
        nc.approximate("tanh", -1)
    with pytest.raises(ValueError, match="domain"):
        nc.approximate("tanh", 3, domain=(1, 1))
    with pytest.raises(ValueError, match="method"):
        nc.approximate("tanh", 3, method="pade")
    with pytest.raises(ValueError, match="weight"):
        nc.approximate("tanh", 3, weight=np.ones_like)
    with pytest.raises(TypeError, match="activation"):
        nc.approximate(3, 3)
