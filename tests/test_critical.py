"""The global engine: ED degrees by monodromy and every critical point of a target.

Oracles: the gold file ``ed_degrees.jsonl`` (Macaulay2 Groebner bases over two primes, PHCpack),
the Eckart-Young theorem (numpy SVD), an explicit Lagrange system of the twisted cubic solved
with numpy in the test, and the multi-start local search :func:`neurocore.closest_point`.

Cases that take more than a few seconds on one core run only with ``NEUROCORE_SLOW=1``.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from conftest import build_network, load_jsonl

import neurocore as nc

GOLD = load_jsonl("ed_degrees.jsonl")
slow = pytest.mark.skipif(not os.environ.get("NEUROCORE_SLOW"), reason="slow; set NEUROCORE_SLOW=1")

#: Gold rows slower than a few seconds on one core (measured: 5 s to 60 s each).
SLOW_IDS = {
    "mlp-3-2-3-ed_degree-generic-14",
    "mlp-3-1-1-ed_degree-euclidean-9",
    "mlp-3-2-1-ed_degree-euclidean-19",
    "attention-2-1-ed_degree-bombieri-0",
    "attention-2-1-ed_degree-euclidean-1",
}


def _metric(row: dict[str, Any], net: nc.Network) -> Any:
    m = row["metric"]
    if m == "weights":
        return [Fraction(w) for w in row["weights"]]
    if m == "generic":
        # "generic": random positive weights, any seeded draw (gold README).
        return np.random.default_rng(7).uniform(0.5, 2.0, net.ambient_dim)
    return m


def _ed_rows() -> list[Any]:
    rows = []
    for r in GOLD:
        if r["quantity"] != "ed_degree":
            continue
        marks = [slow] if r["id"] in SLOW_IDS else []
        rows.append(pytest.param(r, id=r["id"], marks=marks))
    return rows


@pytest.mark.parametrize("row", _ed_rows())
def test_gold_ed_degrees(row):
    net = build_network(row)
    res = nc.ed_degree(net, _metric(row, net), seed=0, threads=1)
    assert res.ed_degree == row["value"], res
    assert res.runs_agree and len(res.runs) == 2
    assert all(r.loops_without_new >= res.stable_loops for r in res.runs)
    # Krawczyk: a proven lower bound, never above the count; on the fast rows it proves all.
    assert 1 <= res.certified_lower_bound <= res.certified <= res.ed_degree
    if row["id"] not in SLOW_IDS:
        assert res.certified_lower_bound == row["value"]
    assert res.dim == nc.dimension(net).dim


T6_TARGET = ["-6", "-2", "11/8", "10/7", "-7/2", "11", "4/7"]


def test_gold_real_critical_points_and_minima_of_t6():
    # Gold rows mlp-2-1-1-ed_degree-euclidean-10 (16), -real_critical-euclidean-11 (4 real, their
    # squared distances) and -local_minima-euclidean-12 (3), computed with PHCpack + numpy.
    rows = {r["quantity"]: r for r in GOLD if r["id"].startswith("mlp-2-1-1-") and r.get("target") == T6_TARGET}
    net = build_network(rows["real_critical"])
    u = [Fraction(v) for v in T6_TARGET]
    res = nc.critical_points(net, u, threads=1)
    assert res.n_complex == rows["ed_degree"]["value"] == 16
    assert res.certified_distinct == 16
    assert res.n_real == rows["real_critical"]["value"]
    got = [p.sq_distance.real for p in res.real_points]
    assert got == pytest.approx(rows["real_critical"]["critical_sq_distances"], rel=1e-5)
    assert res.n_local_minima == rows["local_minima"]["value"]
    # in_neuromanifold (4 of 4 real, 3 of 3 minima): each real critical function is reached by
    # real parameters, found independently by the local search reaching distance 0.
    for p in res.real_points:
        assert np.max(np.abs(p.function.imag)) <= 1e-8 * (1 + np.max(np.abs(p.function)))
        hit = nc.closest_point(net, p.function.real, starts=8, classify=False, threads=1)
        assert hit.sq_distance <= 1e-12 * float(np.sum(p.function.real**2))
    assert rows["real_critical"]["in_neuromanifold"] == res.n_in_neuromanifold == 4
    assert rows["local_minima"]["in_neuromanifold"] == sum(
        p.in_neuromanifold is True for p in res.points if p.is_local_minimum
    )
    # The global minimum among the real critical points is what the local search finds best.
    best = nc.closest_point(net, u, starts=64, classify=False, threads=1)
    assert res.global_minimum is not None
    assert best.sq_distance == pytest.approx(res.global_minimum.sq_distance.real, rel=1e-8)


@pytest.mark.parametrize(("rows", "cols", "rank"), [(2, 2, 1), (3, 2, 1), (3, 3, 1), (3, 3, 2)])
def test_eckart_young_ed_degree(rows, cols, rank):
    # The linear MLP (cols, rank, rows) parametrizes rows x cols matrices of rank <= rank; its
    # Euclidean ED degree is binom(min(rows, cols), rank) (Eckart-Young: choose which singular
    # values are kept; Draisma et al. 2016, Example 2.3).
    from math import comb

    net = nc.mlp([cols, rank, rows], degree=1)
    res = nc.ed_degree(net, seed=1, threads=1)
    assert res.ed_degree == comb(min(rows, cols), rank)
    assert res.certified_lower_bound >= 1


def test_eckart_young_critical_points_match_the_svd():
    # Critical points of the distance to U on rank-1 3 x 2 matrices: sigma_i u_i v_i^T, squared
    # distance ||U||^2 - sigma_i^2; the minimum keeps sigma_1, the other one is a saddle.
    net = nc.mlp([2, 1, 3], degree=1)
    u = np.random.default_rng(3).normal(size=(3, 2))
    res = nc.critical_points(net, u.ravel(), threads=1)
    s = np.linalg.svd(u, compute_uv=False)
    want = sorted(float(np.sum(u**2) - si**2) for si in s)
    assert res.n_complex == res.n_real == 2
    assert [p.sq_distance.real for p in res.points] == pytest.approx(want, rel=1e-10)
    assert [p.kind for p in res.points] == ["local_minimum", "saddle"]
    assert all(p.certified for p in res.points)


def _twisted_cubic_critical(u: np.ndarray) -> list[tuple[float, bool]]:
    """Real critical points of ``||x - u||^2`` on the cone over the twisted cubic, by hand.

    MLP (2, 1, 1) with t^3: f = w (a x0 + b x1)^3 has coefficients p v(q), v(q) = (1, 3q, 3q^2,
    q^3), with q = b/a and p = w a^3 (the points with a = 0 have probability 0 of being critical
    for random u). For fixed q the best p is <v, u>/<v, v>, leaving h(q) = ||u||^2 - <v, u>^2/<v, v>.
    Its critical points with p != 0 solve the Lagrange condition
    P(q) = <v', u> <v, v> - <v, u> <v, v'> = 0 (degree 7: the q^8 terms cancel; the ED degree 7).
    The 2 x 2 Hessian in (p, q) is positive definite iff h''(q) > 0 (its Schur complement), since
    the p-direction is the convex quadratic with second derivative 2 <v, v>.
    Returns (squared distance, is local minimum) for every real root, sorted.
    """
    P = np.polynomial.Polynomial
    v = [P([1]), P([0, 3]), P([0, 0, 3]), P([0, 0, 0, 1])]
    dv = [c.deriv() for c in v]
    vu = sum((c * ui for c, ui in zip(v, u, strict=True)), P([0]))
    dvu = sum((c * ui for c, ui in zip(dv, u, strict=True)), P([0]))
    vv = sum((c * c for c in v), P([0]))
    vdv = sum((a * b for a, b in zip(v, dv, strict=True)), P([0]))
    lag = (dvu * vv - vu * vdv).trim(1e-12)
    assert lag.degree() == 7
    out = []
    for q in lag.roots():
        if abs(q.imag) > 1e-9 * (1 + abs(q)):
            continue
        q = q.real
        h = float(u @ u) - vu(q) ** 2 / vv(q)
        eps = 1e-4 * (1 + abs(q))
        hh = [float(u @ u) - vu(x) ** 2 / vv(x) for x in (q - eps, q, q + eps)]
        out.append((h, (hh[0] - 2 * hh[1] + hh[2]) / eps**2 > 0))
    return sorted(out)


def test_twisted_cubic_critical_points_match_the_lagrange_system():
    net = nc.mlp([2, 1, 1], degree=3)
    rng = np.random.default_rng(5)
    u = rng.normal(size=4) * 3
    want = _twisted_cubic_critical(u)
    res = nc.critical_points(net, u, threads=1)
    assert res.n_complex == 7  # the Euclidean ED degree (gold row mlp-2-1-1-ed_degree-euclidean-17)
    # Krawczyk proves every one of them distinct (ill-conditioned ones in a re-centred chart).
    assert res.certified_distinct == 7
    assert all(p.certified for p in res.real_points)
    got = [(p.sq_distance.real, p.is_local_minimum) for p in res.real_points]
    assert [g[0] for g in got] == pytest.approx([w[0] for w in want], rel=1e-8)
    assert [g[1] for g in got] == [w[1] for w in want]
    # Non-real critical functions come in conjugate pairs (the data are real).
    cplx = [p.function for p in res.points if not p.is_real]
    for f in cplx:
        assert min(np.max(np.abs(g - f.conj())) for g in cplx) <= 1e-8 * (1 + np.max(np.abs(f)))
    best = nc.closest_point(net, u, starts=64, classify=False, threads=1)
    assert res.global_minimum is not None
    assert best.sq_distance == pytest.approx(res.global_minimum.sq_distance.real, rel=1e-8)


def test_results_do_not_depend_on_threads():
    net = nc.mlp([2, 1, 1], degree=3)
    u = [1.0, -2.0, 0.5, 3.0]
    a = nc.critical_points(net, u, threads=1)
    b = nc.critical_points(net, u, threads=2)
    assert a.ed.to_dict() == b.ed.to_dict()
    assert [p.to_dict() for p in a.points] == [p.to_dict() for p in b.points]


def test_results_are_frozen_and_json_ready():
    import json

    res = nc.critical_points(nc.mlp([2, 1, 2], degree=1), [3, 0, 0, 1], threads=1)
    with pytest.raises(AttributeError):
        res.paths = 0  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.points[0].function[0] = 0
    json.dumps(res.to_dict())
    assert "local_minimum" in str(res) and "ED degree" in str(res.ed)


def test_bad_input():
    net = nc.mlp([2, 1, 1], degree=3)
    with pytest.raises(ValueError, match="target"):
        nc.critical_points(net, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="target"):
        nc.critical_points(net, [1.0, 2.0, 3.0, 1j])
    with pytest.raises(ValueError, match="target"):
        nc.critical_points(net, [1.0, 2.0, 3.0, float("nan")])
    with pytest.raises(ValueError, match="metric"):
        nc.ed_degree(net, [1.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="metric"):
        nc.ed_degree(net, [1.0, 1.0])
    with pytest.raises(ValueError, match="metric"):
        nc.ed_degree(net, "manhattan")
    with pytest.raises(ValueError, match="metric"):
        nc.ed_degree(net, "data")
    with pytest.raises(TypeError, match="net"):
        nc.ed_degree("mlp 2,1,1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="runs"):
        nc.ed_degree(net, runs=0)
    with pytest.raises(TypeError, match="seed"):
        nc.ed_degree(net, seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="real_tol"):
        nc.critical_points(net, [1, 2, 3, 4], real_tol=0)


def test_too_large_network_is_refused_up_front():
    # Rank <= 9 matrices of size 10 x 10: dim 9 (10 + 10 - 9) = 99 > max_dim 40, refused before
    # any path is tracked.
    net = nc.mlp([10, 9, 10], degree=1)
    with pytest.raises(ValueError, match="net: the neurovariety has dimension 99"):
        nc.ed_degree(net)


def test_cli_eddegree_and_critical(capsys):
    import json

    from neurocore.cli import main

    assert main(["eddegree", "mlp", "2,1,1", "--degree", "2", "--threads", "1", "--json"]) == 0
    # Gold row mlp-2-1-1-ed_degree-euclidean-15: the ED degree of w (a x0 + b x1)^2 is 4.
    assert json.loads(capsys.readouterr().out)["ed_degree"] == 4
    assert main(["critical", "mlp", "2,1,2", "--degree", "1", "--target", "3,0,0,1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # Eckart-Young for diag(3, 1): squared distances 1 (drop sigma_2) and 9 (drop sigma_1).
    assert [round(p["sq_distance"][0], 9) for p in out["points"]] == [1.0, 9.0]
    assert main(["critical", "mlp", "2,1,1", "--degree", "3", "--target", "1,2"]) == 2
    assert "target" in capsys.readouterr().err


def test_coefficient_space_too_large_for_memory_is_refused():
    # t^20 on 30 inputs: binom(49, 20) ~ 2.8e13 coefficients, refused by the size check.
    import time

    old = nc.memory_limit()
    nc.set_memory_limit(1 << 30)
    try:
        started = time.perf_counter()
        with pytest.raises(nc.ResourceLimitError):
            nc.ed_degree(nc.mlp([30, 1, 1], degree=20), threads=1)
        assert time.perf_counter() - started < 5.0
    finally:
        nc.set_memory_limit(old)


def test_real_points_outside_the_real_neuromanifold():
    # Linear CNN with filters (2, 2): the end-to-end filters are the products of two real linear
    # factors, so X is all quadratics (the only critical point is the target itself), while the
    # real neuromanifold holds only those with real roots: 1 + t^2 is in X(R) but not in M,
    # 1 - t^2 = (1 - t)(1 + t) is in M (critical-points note, section 4).
    net = nc.conv1d([2, 2], [1, 1], degree=1)
    outside = nc.critical_points(net, [1, 0, 1], threads=1)
    inside = nc.critical_points(net, [1, 0, -1], threads=1)
    assert outside.n_real == inside.n_real == 1
    assert outside.points[0].sq_distance.real == pytest.approx(0.0, abs=1e-18)
    assert outside.points[0].in_neuromanifold is None and outside.n_in_neuromanifold == 0
    assert inside.points[0].in_neuromanifold is True and inside.n_in_neuromanifold == 1
    theta = inside.points[0].real_theta
    assert theta is not None
    assert nc.coefficients(net, theta) == pytest.approx([1, 0, -1], abs=1e-6)
    # Its preimage (1 - t)(1 + t) has distinct real roots: a generic point.
    assert inside.points[0].stratum == "generic" and outside.points[0].stratum is None
    # The target (1 + t)^2 has only preimages whose filters share the root -1, where the
    # Jacobian drops rank: the path to it ends singular and is reported as lost, not dropped.
    double = nc.critical_points(net, [1, 2, 1], threads=1)
    assert double.n_real == 0 and sum(double.failures.values()) == 1


def test_closest_point_global_says_when_the_local_answer_was_not_global():
    # Twisted cubic, target (1, -2, 0.5, 3): three real critical points with real preimages
    # (squared distances about 5.08, 9.79, 13.84). One start from seed 0 ends at the worst of
    # them; the global method still reports the least one, which 64 local starts also find.
    net = nc.mlp([2, 1, 1], degree=3)
    u = [1.0, -2.0, 0.5, 3.0]
    many = nc.closest_point(net, u, starts=64, classify=False)
    one = nc.closest_point(net, u, starts=1, seed=0, classify=False, method="global")
    assert one.method == "global" and one.global_minimum is not None
    g = float(one.global_minimum.sq_distance.real)
    assert g == pytest.approx(many.sq_distance, rel=1e-9)
    assert one.sq_distance > g * 1.5 and one.local_is_global is False
    good = nc.closest_point(net, u, starts=1, seed=1, classify=False, method="global")
    assert good.local_is_global is True and good.to_dict()["global_minimum"]["kind"] == "local_minimum"
    assert nc.closest_point(net, u, starts=1, classify=False).local_is_global is None
    with pytest.raises(ValueError, match="method"):
        nc.closest_point(net, u, method="exhaustive")
    with pytest.raises(ValueError, match="method"):
        nc.closest_point(net, data=(np.ones((4, 2)), np.ones((4, 1))), method="global")
