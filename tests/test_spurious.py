"""Per-point parameter-space critical points: spurious points, strata, certification, global minimum.

Independent values: sympy's lex Groebner basis of the gradient system of the linear CNN with
filters (2, 2), written out by hand below (not through neurocore).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

import neurocore as nc

NET = nc.conv1d([2, 2], degree=1)


def sympy_param_critical(u: tuple[int, int, int]) -> list[dict]:
    """All critical points of the gauge-fixed loss, exactly/numerically from sympy.

    Filters (a, b) and (c, d), end-to-end filter (ac, ad + bc, bd) (neurocore's coefficient
    order, checked in test_coefficient_order). The gauge fixes a = 1 (the rescaling
    (a, b, c, d) -> (la, lb, c/l, d/l) acts on a with weight one). Loss
    L = sum_i (phi_i - u_i)^2 in the free coordinates (b, c, d).
    """
    b, c, d = sp.symbols("b c d")
    phi = [c, d + b * c, b * d]
    loss = sum((f - v) ** 2 for f, v in zip(phi, u, strict=True))
    eqs = [sp.expand(sp.diff(loss, x)) for x in (b, c, d)]
    basis = sp.groebner(eqs, d, c, b, order="lex").exprs
    univariate = sp.Poly(basis[-1], b)
    jac_det = sp.Matrix(phi).jacobian([b, c, d]).det()
    out = []
    for rb in univariate.nroots(n=30):
        sols = sp.solve([e.subs(b, rb) for e in basis[:-1]], [c, d], dict=True)
        assert len(sols) == 1
        rc, rd = sols[0][c], sols[0][d]
        f = [complex(sp.N(p.subs({b: rb, c: rc, d: rd}), 20)) for p in phi]
        det = complex(sp.N(jac_det.subs({b: rb, c: rc, d: rd}), 20))
        theta = [1.0, complex(rb), complex(rc), complex(rd)]
        out.append({"f": np.array(f), "theta": np.array(theta), "det": det})
    return out


def distinct(points: list[dict]) -> list[dict]:
    seen: list[dict] = []
    for p in points:
        if not any(np.allclose(p["f"], q["f"], atol=1e-9) for q in seen):
            seen.append(p)
    return seen


def test_coefficient_order():
    # (2 + 3t)(5 + 7t) = 10 + 29 t + 21 t^2: (ac, ad + bc, bd).
    assert [int(v) for v in nc.coefficients(NET, [2, 3, 5, 7])] == [10, 29, 21]


@pytest.mark.parametrize("u", [(2, 1, 3), (1, 3, 1), (-1, 2, 5)])
def test_records_match_sympy(u):
    ref = distinct(sympy_param_critical(u))
    r = nc.param_critical_functions(NET, target=list(u), threads=1)
    assert r.functions_all == len(ref) == len(r.points)
    # Spurious (det J = 0 exactly on the factor d - b c of sympy's Jacobian determinant).
    ref_spurious = sum(abs(p["det"]) < 1e-12 for p in ref)
    assert r.spurious == ref_spurious and r.smooth == len(ref) - ref_spurious
    for p in r.points:
        match = [q for q in ref if np.allclose(q["f"], p.function, atol=1e-8)]
        assert len(match) == 1
        assert p.spurious == (abs(match[0]["det"]) < 1e-12)
        want = complex(np.sum((match[0]["f"] - np.array(u)) ** 2))
        assert abs(p.sq_distance - want) < 1e-8 * (1 + abs(want))
        assert p.residual < 1e-8
    # Real parameter points with their distances: sympy's real roots b (c, d follow).
    ref_real = sorted(
        float(np.sum((q["f"].real - np.array(u)) ** 2)) for q in ref if np.max(np.abs(q["theta"].imag)) < 1e-12
    )
    got = [p.sq_distance.real for p in r.real_points]
    assert np.allclose(got, ref_real, atol=1e-9)


def test_spurious_points_are_shared_root_filters_and_not_certified():
    r = nc.param_critical_functions(NET, target=[2, 1, 3], threads=1)
    for p in r.points:
        if p.spurious:
            assert not p.certified and p.certified_radius is None and "spurious" in p.note
            th = p.theta
            # Rank drop <=> (c, d) proportional to (a, b): the filters share their root.
            assert abs(th[0] * th[3] - th[1] * th[2]) < 1e-8 * (1 + np.max(np.abs(th)) ** 2)
            if p.real_theta:
                assert p.stratum == "boundary"
                assert p.stratum_details["shared_roots"]
        else:
            assert p.certified and p.certified_radius > 0
    # The one smooth point is u itself (the function space is all of C^3: ED degree 1).
    assert r.smooth == 1 and r.certified == 1
    smooth = next(p for p in r.points if p.smooth)
    assert np.allclose(smooth.function, [2, 1, 3], atol=1e-9)
    # 2 + t + 3 t^2 has no real roots (discriminant 1 - 24 < 0): its preimages are complex.
    assert not smooth.real_theta


def test_global_minimum_spurious_when_target_not_in_neuromanifold():
    # u = 2 + t + 3t^2 is not in M (complex roots); M = {discriminant >= 0} is closed, so the
    # minimum over M is on the discriminant cone, at a real spurious point (sympy: the smallest
    # real critical value among the roots of the quartic factor of the Groebner basis).
    u = (2, 1, 3)
    ref = distinct(sympy_param_critical(u))
    ref_min = min(
        float(np.sum((q["f"].real - np.array(u)) ** 2))
        for q in ref
        if np.max(np.abs(q["theta"].imag)) < 1e-12 and abs(q["det"]) < 1e-12
    )
    g = nc.param_global_minimum(NET, list(u), threads=1)
    assert g.verdict == "spurious" and g.spurious
    assert abs(g.parameter_minimum.sq_distance.real - ref_min) < 1e-9
    # The function-space minimum is u itself (distance 0) with no real parameters.
    assert abs(g.function_minimum_sq_distance) < 1e-12
    assert g.function_minimum_in_neuromanifold is not True and g.lower_unreachable
    json.dumps(g.to_dict())


def test_global_minimum_smooth_when_target_in_neuromanifold():
    # 1 + 3t + t^2 has real roots (discriminant 5 > 0): u is in M, reached at distance 0.
    g = nc.param_global_minimum(NET, [1, 3, 1], threads=1)
    assert g.verdict == "smooth" and not g.lower_unreachable
    assert abs(g.parameter_minimum.sq_distance) < 1e-12 and g.parameter_minimum.certified


def test_generic_counts_unchanged():
    # Gold rows conv1d-2-2-param_critical_functions_all-euclidean-3 (5): with random complex
    # data no point has real parameters and global_minimum needs a target.
    r = nc.param_critical_functions(NET, threads=1)
    assert r.functions_all == 5 and len(r.points) == 5 and r.global_minimum is None
    assert r.certified <= r.smooth


@pytest.mark.parametrize(
    ("target", "exc"),
    [([1, 2], ValueError), ([1, 2, float("nan")], ValueError), (["a", 1, 2], (TypeError, ValueError))],
)
def test_bad_target(target, exc):
    with pytest.raises(exc, match="target"):
        nc.param_critical_functions(NET, target=target, threads=1)


def test_cli_spurious_json(capsys):
    from neurocore.cli import main

    code = main(
        ["spurious", "conv", "--filters", "2,2", "--degree", "1", "--target", "2,1,3", "--threads", "1", "--json"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "spurious" and out["spurious"] is True
    assert out["params"]["functions_all"] == 5 and out["params"]["certified"] == 1
    # Text form without a target: the generic counts (gold 5).
    assert main(["spurious", "conv", "--filters", "2,2", "--degree", "1", "--threads", "1"]) == 0
    assert "5 (numerical" in capsys.readouterr().out


def test_cli_spurious_bad_target(capsys):
    from neurocore.cli import main

    code = main(["spurious", "conv", "--filters", "2,2", "--degree", "1", "--target", "1,2", "--threads", "1"])
    assert code != 0
    assert "target" in capsys.readouterr().err


def test_twisted_cubic_smooth_count_is_the_ed_degree():
    # MLP (2, 1, 1) with t^3: the cone over the twisted cubic, (a x + b y)^3 c; gauge a = 1.
    # Euclidean ED degree 7 (Draisma et al. 2016, Example 5.12 / critical-points note 1): the
    # smooth parameter-space critical functions are exactly the 7 ED critical points, and the
    # only spurious one is the zero function (c = 0; dead neuron), at distance |u|^2.
    net = nc.mlp([2, 1, 1], degree=3)
    u = [1.0, 2.0, -1.0, 3.0]
    r = nc.param_critical_functions(net, target=u, threads=1)
    assert r.hidden_fiber_dim == 0
    assert r.smooth == 7 and r.certified == 7
    (sp_,) = [p for p in r.points if p.spurious]
    assert sp_.zero and abs(sp_.sq_distance - sum(v * v for v in u)) < 1e-9
    assert sp_.stratum == "zero"


def test_hidden_symmetry_is_flagged():
    # MLP (2, 2, 1) with t^2: 6 parameters, 2 known rescalings, dim 3 (all binary quadratics):
    # the gauge-fixed fiber is 1-dimensional (the hidden O(2)), 4 - 3 = 1.
    r = nc.param_critical_functions(nc.mlp([2, 2, 1], degree=2), target=[3, 1, -2], threads=1)
    assert r.hidden_fiber_dim == 1
    # Positive-dimensional families of critical points: the isolated ones are not all of them.
    assert not r.complete


def test_spurious_points_certified_isolated_where_the_hessian_is_regular():
    # sympy: the loss's Hessian in (b, c, d) at every solution of the (2, 2) gradient system
    # at u = (2, 1, 3) is nonsingular (and the univariate factor of the lex basis is
    # squarefree), so every solution is regular: Krawczyk must prove a box for each of the 5
    # records, spurious ones included, while the full-rank certificate holds only for the
    # smooth one.
    b, c, d = sp.symbols("b c d")
    u = (2, 1, 3)
    loss = sum((f - v) ** 2 for f, v in zip([c, d + b * c, b * d], u, strict=True))
    hess = sp.hessian(loss, (b, c, d))
    for q in distinct(sympy_param_critical(u)):
        _, qb, qc, qd = q["theta"]
        h = complex(sp.N(hess.subs({b: qb, c: qc, d: qd}).det(), 20))
        assert abs(h) > 1e-6
    univariate = sp.Poly((2 * b**2 - b + 3) * (b**4 - 4 * b**3 + b - 1), b)
    assert sp.degree(sp.gcd(univariate, univariate.diff(b))) == 0
    r = nc.param_critical_functions(NET, target=list(u), threads=1)
    assert r.certified_isolated == 5 and r.certified == 1
    assert all(p.isolated_certified for p in r.points)
    # Every path ended at one of the 5 or at infinity, so the set is shown complete, as the
    # sympy count above confirms; a lost path would make it not shown complete.
    assert set(r.failures) == {"at_infinity"} and r.complete and r.to_dict()["complete"] is True
    assert all("certified regular and isolated" in p.note for p in r.points if p.spurious)


def test_path_ends_and_winding_numbers():
    # MLP (2, 1, 1) with t^3 in the gauge a = 1: phi = c (x + b y)^3. A nonzero function fixes
    # b (the ratio of its y x^2 and x^3 coefficients, 3 b) and c (its x^3 coefficient), so each
    # of the 7 smooth critical functions has one gauge preimage; the zero function (c = 0) has
    # one per root b of the cubic G_c = <coefficients of (x + b y)^3, -u> = 0, three. All of
    # them are regular solutions, and a regular solution is the end of exactly one path, with
    # winding number 1. Every path end is either accepted (counted at its function) or a
    # failure.
    net = nc.mlp([2, 1, 1], degree=3)
    r = nc.param_critical_functions(net, target=[1.0, 2.0, -1.0, 3.0], threads=1)
    assert sorted(p.path_ends for p in r.points) == [1] * 7 + [3]
    (zero,) = [p for p in r.points if p.zero]
    assert zero.path_ends == 3
    assert all(p.winding == 1 for p in r.points)
    assert sum(p.path_ends for p in r.points) + sum(r.failures.values()) == r.paths
    assert r.points[0].to_dict()["winding"] == 1
    # A proven regular isolated solution cannot be a multiple one.
    conv = nc.param_critical_functions(nc.conv1d([2, 2, 2], degree=1), seed=0, threads=1, certify=True)
    assert all(p.winding == 1 for p in conv.points if p.isolated_certified)
    assert sum(p.path_ends for p in conv.points) + sum(conv.failures.values()) == conv.paths
