"""nc.inspect on constructed models whose stratum is known by hand."""

from __future__ import annotations

import numpy as np
import pytest

import neurocore as nc

# Surrogate of tanh on [-1, 1]: an odd cubic c1 t + c3 t^3 (two nonzero coefficients: no
# rescaling symmetry). The MLP [3, 2, 1] has 8 parameters and ambient dimension 3 + 10 = 13, so it
# is not filling: dim = 8 generically.
TANH3 = nc.approximate("tanh", 3, domain=(-1, 1), method="minimax", max_denominator=10**6)


def _net():
    return nc.mlp([3, 2, 1], activation=TANH3)


def _svals(theta):
    return np.linalg.svd(np.asarray(nc.jacobian(_net(), theta, field="float"), dtype=float), compute_uv=False)


def test_surrogate_is_the_odd_cubic():
    # tanh is odd, so its best approximation is odd (uniqueness of the minimax): c_0 = c_2 = 0.
    assert TANH3[0] == 0 and TANH3[2] == 0 and TANH3[1] > 0 > TANH3[3]


def test_dead_neuron():
    # f = a0 s(w0.x) + a1 s(w1.x) with a1 = 0: the 3 columns d/dw1 = a1 s'(w1.x) x vanish, the
    # other 5 (d/dw0, d/da0, d/da1 = s(w1.x)) are independent: rank 8 - 3 = 5 (hand count).
    theta = [0.3, -0.7, 0.9, 0.4, -0.5, 0.8, 1.2, 0.0]
    rep = nc.inspect(_net(), theta)
    assert (rep.dim, rep.expected_dim, rep.ambient_dim) == (8, 8, 13)
    assert rep.kind == "subnetwork" and rep.is_critical
    assert rep.details["dead_neurons"] == ((1, 1),)
    assert rep.subnetwork_distance == 0.0 and rep.nearest_subnetwork == "dead neuron (1, 1)"
    sv = _svals(theta)  # independent rank: numpy SVD with the reported tolerance
    assert rep.rank == int(np.sum(sv > rep.tolerance)) == 5
    assert rep.jacobian_distance == pytest.approx(sv[4])
    assert "dead_neurons" in str(rep)


def test_two_merged_neurons():
    # w0 = w1 = w: d/da0 = d/da1 = s(w.x) (one lost), d/dw0 = a0 s'(w.x) x and d/dw1 = a1 s'(w.x) x
    # span the same 3 vectors (three lost): rank 8 - 4 = 4 (hand count).
    theta = [0.3, -0.7, 0.9, 0.3, -0.7, 0.9, 1.2, -0.4]
    rep = nc.inspect(_net(), theta)
    assert rep.details["merged_neurons"] == ((1, 0, 1),)
    assert rep.kind == "subnetwork" and rep.is_critical
    assert rep.subnetwork_distance < 1e-14 and rep.nearest_subnetwork == "merged neurons (1, 0, 1)"
    assert rep.rank == int(np.sum(_svals(theta) > rep.tolerance)) == 4


def test_generic_point_and_distance_upper_bound():
    theta = [0.3, -0.7, 0.9, 0.4, -0.5, 0.8, 1.2, 0.05]
    rep = nc.inspect(_net(), theta)
    assert rep.kind == "generic" and rep.rank == 8 and not rep.is_critical
    # Zeroing the small outgoing weight 0.05 moves phi by 0.05 * ||coefficients of s(w1.x)||,
    # expanded independently by sympy (the norm does not depend on the monomial order).
    import sympy

    x = sympy.symbols("x0:3")
    t = sum(sympy.Rational(str(w)) * xi for w, xi in zip([0.4, -0.5, 0.8], x, strict=True))
    poly = sympy.Poly(TANH3[1] * t + TANH3[3] * t**3, *x)
    expected = 0.05 * float(sympy.sqrt(sum(c**2 for c in poly.coeffs())))
    assert rep.subnetwork_distance == pytest.approx(expected, rel=1e-9)
    assert rep.nearest_subnetwork == "dead neuron (1, 1)"
    assert rep.hidden_symmetry_dim == nc.symmetries(_net()).hidden_dim


def test_bad_arguments():
    with pytest.raises(ValueError, match="theta"):
        nc.inspect(_net())
    with pytest.raises(ValueError, match="theta"):
        nc.inspect(_net(), [1.0, 2.0])
    with pytest.raises(ValueError, match="theta"):
        nc.inspect(_net(), [float("nan")] * 8)


def test_neurocore_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, neurocore as nc; nc.approximate('tanh', 3); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
