"""Fibers and identifiability against the literature.

Conventions: ``nc.mlp(widths, degree=r)`` is bias-free with activation ``t^r``; parameters are the
weight matrices row-major (``out x in``), layer by layer. Cases that take more than a few seconds
run only with ``NEUROCORE_SLOW=1``.
"""

from __future__ import annotations

import os
from fractions import Fraction

import numpy as np
import pytest

import neurocore as nc

slow = pytest.mark.skipif(not os.environ.get("NEUROCORE_SLOW"), reason="slow; set NEUROCORE_SLOW=1")


def _exact(row: np.ndarray, denominator: int = 4) -> list[Fraction]:
    """A real class with entries in (1/denominator) Z, as exact rationals (asserted)."""
    scaled = row.real * denominator
    assert np.allclose(scaled, np.round(scaled), atol=1e-8) and np.allclose(row.imag, 0, atol=1e-8)
    return [Fraction(int(v), denominator) for v in np.round(scaled)]


def test_binary_quintics_are_identifiable():
    # MLP (2,3,1) t^5: f = sum_i a_i (l_i . x)^5, binary quintics as sums of three fifth powers.
    # P = 9, the known group (three rescalings, S_3) has orbits of dimension 3, and the variety
    # fills C^6 (dim 6 = P - 3). Sylvester: a generic binary form of odd degree 2k - 1 has a unique
    # decomposition as a sum of k powers of linear forms, so the gauge-fixed fiber holds exactly
    # the 3! = 6 orderings of one class.
    net = nc.mlp([2, 3, 1], degree=5)
    theta = [1, 2, -1, 0.5, 0.3, -2, 1, -1, 0.5]
    r = nc.fiber(net, theta, threads=1, modulo_symmetries=False)
    assert (r.fiber_dim, r.orbit_dim, r.dim) == (0, 3, 6)
    assert not r.modulo_symmetries
    assert len(r.points) == 6 and r.n_classes == 1 and r.real == (True,)
    # Krawczyk proves theta's own gauge point (listed first) an exact solution; the reorderings
    # rescaled into the gauge have output weights scaled by mu^-5 and are badly conditioned, so
    # here only some of them are certified (all 6 are for the Rust test's point).
    assert r.certified_radius[0] is not None and 1 <= r.certified_distinct <= 6
    # Every point computes phi(theta) (checked by the independent float evaluation of the map).
    want = nc.coefficients(net, theta, field="float")
    for p in r.points:
        assert np.allclose(p.imag, 0, atol=1e-8)
        assert np.allclose(nc.coefficients(net, p.real, field="float"), want, rtol=1e-8, atol=1e-10)
    # Counted modulo the group the loops carry one point per class: the same one class.
    c = nc.fiber(net, theta, threads=1)
    assert c.modulo_symmetries and (len(c.points), c.n_classes) == (1, 1)
    assert np.allclose(c.classes, r.classes, atol=1e-8)


def test_ternary_quintics_are_identifiable():
    # MLP (3,7,1) t^5: ternary quintics (21 coefficients) as sums of seven fifth powers; P = 28,
    # s = 7 rescalings, dim 21 (the perfect case 7 * 3 = 21). A generic ternary quintic has a
    # unique such decomposition (the perfect Waring cases of Hilbert, Richmond and Palatini
    # listed by Galuppi-Mella, "Identifiability of homogeneous polynomials and Cremona
    # transformations"), so the fiber is one class; counted as points it would hold 7! = 5040
    # orderings, which is why the loops count classes.
    net = nc.mlp([3, 7, 1], degree=5)
    idf = nc.identifiability(net, threads=1)
    assert (idf.verdict, idf.n_classes, idf.fiber_dim, idf.fiber.dim) == ("identifiable", 1, 0, 21)
    assert idf.fiber.loops_without_new >= 20
    # The class computes the function at the random point (independent float evaluation).
    theta = np.random.default_rng(0).standard_normal(net.n_params)
    want = nc.coefficients(net, theta, field="float")
    got = nc.coefficients(net, idf.fiber.points[0].real, field="float")
    assert np.allclose(idf.fiber.points[0].imag, 0, atol=1e-8)
    assert np.allclose(got, want, rtol=1e-8, atol=1e-10)


def test_two_by_two_quadratic_network_is_identifiable():
    # Usevich et al., Examples 3/7/9: the MLP (3,2,2) with t^2 is generically identifiable
    # (P = 10, s = 2, dim 8): the gauge-fixed fiber is the 2! orderings of one class.
    net = nc.mlp([3, 2, 2], degree=2)
    idf = nc.identifiability(net, threads=1, modulo_symmetries=False)
    assert (idf.verdict, idf.n_classes, idf.fiber_dim) == ("identifiable", 1, 0)
    assert len(idf.fiber.points) == 2
    # Counted as classes: one point, and the section meets the variety in 15 functions (its
    # degree, independently nc.degree) where it met it in 30 = 15 x 2! points.
    idf = nc.identifiability(net, threads=1)
    assert (idf.n_classes, len(idf.fiber.points), idf.fiber.section_solutions) == (1, 1, 15)


def test_sums_of_two_squares_have_the_hidden_orthogonal_symmetry():
    # MLP (3,2,1) t^2: q = a1 l1^2 + a2 l2^2 is unchanged by (l1, l2) -> O(2)-rotations of
    # (sqrt(a1) l1, sqrt(a2) l2): a one-dimensional hidden symmetry beyond the two rescalings.
    net = nc.mlp([3, 2, 1], degree=2)
    idf = nc.identifiability(net, threads=1)
    assert (idf.verdict, idf.fiber_dim, idf.n_classes) == ("not finitely identifiable", 1, None)
    assert idf.fiber_dim == nc.symmetries(net).hidden_dim == 1


def test_usevich_example_41_has_two_real_representations():
    # Usevich et al., Example 41: the (2,2,2,2) t^2 network with W1 = I, W2 = [[1, 1], [1, -1]],
    # W3 = I computes ((x1^2 + x2^2)^2, (x1^2 - x2^2)^2), which has two inequivalent real
    # representations. The second one found here is W1 = [[1, -1], [1, 1]], W2 = [[1, -1], [1, 1]],
    # W3 = [[0, 1/4], [-1/4, 1/4]]: (x1 -+ x2)^2 are 2 (x1^2 + x2^2) -+ ..., checked exactly below.
    net = nc.mlp([2, 2, 2, 2], degree=2)
    theta = [1, 0, 0, 1, 1, 1, 1, -1, 1, 0, 0, 1]
    r = nc.fiber(net, theta, threads=1)
    assert r.fiber_dim == 0 and r.classes is not None
    real = [c for c, is_real in zip(r.classes, r.real, strict=True) if is_real]
    assert len(real) == 2
    assert r.certified_distinct == len(r.points) == 3
    want = nc.coefficients(net, theta)  # exact rationals
    for c in real:
        assert list(nc.coefficients(net, _exact(c))) == list(want)
    # nc.fiber returns the rational classes exactly (the complex class has no exact form).
    exact = [e for e, is_real in zip(r.exact, r.real, strict=True) if is_real]
    assert sorted(exact) == sorted(tuple(_exact(c)) for c in real)
    assert all(e is None for e, is_real in zip(r.exact, r.real, strict=True) if not is_real)
    # The two real classes are inequivalent: their first layers span different pairs of lines.
    assert not np.allclose(real[0], real[1])


def test_threads_do_not_change_the_fiber_and_results_serialize():
    net = nc.mlp([3, 2, 2], degree=2)
    theta = np.random.default_rng(3).standard_normal(net.n_params)
    a, b = nc.fiber(net, theta, threads=1), nc.fiber(net, theta, threads=2)
    assert a.to_dict() == b.to_dict()
    assert "class" in str(a)


def test_other_architectures_return_unreduced_points():
    # No canonical form for CNNs: the gauge-fixed points are returned and classes is None.
    net = nc.conv1d([2, 2], [2, 1], degree=1)
    r = nc.fiber(net, [1.0, 2.0, -1.0, 0.5], threads=1)
    assert r.classes is None and r.n_classes is None
    assert len(r.points) >= 1


def test_bad_input_is_refused_by_name():
    net = nc.mlp([2, 3, 1], degree=5)
    with pytest.raises(ValueError, match="theta"):
        nc.fiber(net, [1.0, 2.0])
    with pytest.raises(ValueError, match="theta"):
        nc.fiber(net, [float("nan")] * 9)
    with pytest.raises(ValueError, match="match_tol"):
        nc.fiber(net, [1.0] * 9, match_tol=2.0)
    with pytest.raises(TypeError, match="net"):
        nc.fiber("mlp", [1.0] * 9)  # type: ignore[arg-type]
    # A dead hidden neuron (zero input row): its orbit is smaller than the generic one.
    with pytest.raises(ValueError, match="theta"):
        nc.fiber(net, [0, 0, -1, 0.5, 0.3, -2, 1, -1, 0.5])
    with pytest.raises(nc.ResourceLimitError):
        nc.fiber(net, [1, 2, -1, 0.5, 0.3, -2, 1, -1, 0.5], memory_limit=64)


def test_quaternary_cubics_are_identifiable():
    # Sylvester's pentahedral theorem: a generic quaternary cubic is a sum of five cubes of linear
    # forms in exactly one way (MLP (4,5,1) t^3, P = 25, s = 5, dim 20 = the cubics in 4
    # variables): one class (about a second, counted as classes).
    idf = nc.identifiability(nc.mlp([4, 5, 1], degree=3), threads=2)
    assert (idf.verdict, idf.n_classes, len(idf.fiber.points)) == ("identifiable", 1, 1)


@slow
def test_quaternary_cubics_counted_as_points():
    # The same fiber counted as points: the 5! = 120 orderings of the one class. About 2 minutes.
    idf = nc.identifiability(nc.mlp([4, 5, 1], degree=3), threads=2, modulo_symmetries=False)
    assert (idf.verdict, idf.n_classes, len(idf.fiber.points)) == ("identifiable", 1, 120)


def test_cli_fiber_prints_the_verdict_and_json(capsys):
    from neurocore.cli import main

    assert main(["fiber", "mlp", "3,2,1", "--degree", "2", "--threads", "1"]) == 0
    assert "not finitely identifiable" in capsys.readouterr().out
    assert main(["fiber", "mlp", "2,3,1", "--degree", "5", "--theta", "1,2,-1,0.5,0.3,-2,1,-1,0.5", "--json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["n_classes"] == 1
    # --all-points: the 3! orderings of the one Waring decomposition.
    theta = ["--theta", "1,2,-1,0.5,0.3,-2,1,-1,0.5"]
    assert main(["fiber", "mlp", "2,3,1", "--degree", "5", *theta, "--json", "--all-points"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["n_classes"], len(out["points"]), out["modulo_symmetries"]) == (1, 6, False)
