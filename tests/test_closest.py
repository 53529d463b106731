"""Closest points on the neuromanifold: gold cases, Eckart-Young, linear CNN boundaries, the
data-induced metric, Bombieri invariance, reproducibility and bad input."""

from __future__ import annotations

import dataclasses
import json
import math
from itertools import product

import numpy as np
import pytest
from conftest import build_network, load_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st

import neurocore as nc
from neurocore import _core
from neurocore.cli import main

GOLD = load_jsonl("closest.jsonl")


def gold_row(case_id):
    return next(r for r in GOLD if r["id"] == case_id)


def monomial_values(net, x):
    """``E[j, i] = x_j ** alpha_i`` for the exponent table of one output."""
    exps = nc.monomials(net)
    return np.prod(np.asarray(x, dtype=float)[:, None, :] ** exps[None, :, :], axis=2)


# --------------------------------------------------------------------------------------------
# Gold cases


@pytest.mark.parametrize("row", GOLD, ids=[r["id"] for r in GOLD])
def test_gold_minimum_is_reached_and_never_beaten(row):
    net = build_network(row)
    assert row["metric"] == "euclidean"
    gold = row["min_sq_distance"]
    for seed in (0, 1):
        res = nc.closest_point(net, row["target"], starts=32, seed=seed)
        assert res.sq_distance >= gold - 1e-12 * (1 + gold)
        assert res.sq_distance == pytest.approx(gold, rel=1e-9, abs=1e-12)
        # The reported function is phi(theta), and the distance is measured from it.
        np.testing.assert_array_equal(res.function, nc.coefficients(net, res.theta))
        assert res.sq_distance == pytest.approx(float(np.sum((res.function - row["target"]) ** 2)), rel=1e-14)
        for c in res.critical_points + res.saddles:
            assert c.sq_distance >= gold - 1e-12 * (1 + gold)
            if "critical_sq_distances" in row:
                assert min(abs(c.sq_distance - v) for v in row["critical_sq_distances"]) < 1e-8
        assert res.critical_points[0].sq_distance == pytest.approx(gold, rel=1e-9)


def test_gold_eckart_young_has_one_local_minimum():
    row = gold_row("ey-323")
    res = nc.closest_point(build_network(row), row["target"])
    assert len(res.critical_points) == 1
    assert res.critical_points[0].count == res.n_converged == res.starts == 64
    assert res.critical_points[0].stratum.kind == "generic"


def test_gold_linear_cnn_minimisers_are_repeated_roots_on_the_boundary():
    row = gold_row("lcn22-1+t2")
    net = build_network(row)
    res = nc.closest_point(net, row["target"])
    assert res.strata_counts == {"boundary": 64}
    functions = sorted(tuple(np.round(c.function, 6) + 0.0) for c in res.critical_points)
    assert functions == [(0.0, 0.0, 1.0), (1.0, 0.0, 0.0)]  # the constant 1 and t^2
    for c in res.critical_points:
        assert c.stratum.kind == "boundary" and c.is_minimum
        assert c.sq_distance == pytest.approx(1.0, rel=1e-12)
        a, b, cc, d = c.theta  # (a + b t)(cc + d t): the filters share their (real) root
        assert abs(a * d - b * cc) < 1e-8 * (1 + float(np.linalg.norm(c.theta)) ** 2)


# --------------------------------------------------------------------------------------------
# Eckart-Young: linear MLPs


@pytest.mark.parametrize("m,k,n", [(3, 2, 3), (4, 2, 5), (5, 3, 4), (4, 1, 4), (2, 1, 3), (6, 4, 6)])
def test_eckart_young_linear_mlp(m, k, n):
    net = nc.mlp([m, k, n], degree=1)
    rng = np.random.default_rng(100 * m + 10 * k + n)
    # Coefficient layout: the n x m matrix W2 W1, row-major (outputs, then x_0 .. x_{m-1}).
    assert nc.monomials(net).tolist() == np.eye(m, dtype=int).tolist()
    w1, w2 = rng.standard_normal((k, m)), rng.standard_normal((n, k))
    np.testing.assert_allclose(nc.coefficients(net, np.concatenate([w1.ravel(), w2.ravel()])), (w2 @ w1).ravel())
    target = rng.standard_normal((n, m))
    u, s, vt = np.linalg.svd(target)
    truncated = (u[:, :k] * s[:k]) @ vt[:k]
    dropped = float(np.sum(s[k:] ** 2))
    res = nc.closest_point(net, target.ravel())
    assert res.sq_distance == pytest.approx(dropped, rel=1e-10, abs=1e-14)
    np.testing.assert_allclose(res.function, truncated.ravel(), atol=1e-7)
    # Every local minimum is the global one (Eckart-Young: the other critical points are saddles).
    assert len(res.critical_points) == 1
    assert res.n_converged == res.starts
    for c in res.saddles:
        assert not c.is_minimum and c.min_hessian_eigenvalue < 0


@settings(max_examples=8, deadline=None)
@given(
    m=st.integers(1, 4),
    k=st.integers(1, 3),
    n=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_eckart_young_random_shapes(m, k, n, seed):
    net = nc.mlp([m, k, n], degree=1)
    target = np.random.default_rng(seed).standard_normal((n, m))
    s = np.linalg.svd(target, compute_uv=False)
    res = nc.closest_point(net, target.ravel(), starts=8, classify=False)
    assert res.sq_distance == pytest.approx(float(np.sum(s[k:] ** 2)), rel=1e-9, abs=1e-12)
    assert len({round(c.sq_distance, 8) for c in res.critical_points}) == 1


def test_saddles_are_recognised():
    # A start in the span of the second singular pair stays there and converges to the saddle.
    net = nc.mlp([2, 1, 2], degree=1)
    res = nc.closest_point(net, [3, 0, 0, 1], initial=[[0, 1, 0, 1], [1, 0.2, 0.1, 0.9]], classify=False)
    assert [c.sq_distance for c in res.critical_points] == [pytest.approx(1.0)]
    assert [c.sq_distance for c in res.saddles] == [pytest.approx(9.0)]
    assert res.saddles[0].min_hessian_eigenvalue < -1
    assert res.scale != res.scale  # NaN: no random starts were drawn


# --------------------------------------------------------------------------------------------
# Post-processing in the core: recomputation, deduplication, the Hessian test


def hessian_of_sq_distance(net, theta, target, weights):
    """Independent Hessian of ``L = sum_k w_k (phi_k - u_k)^2``: ``2 (J^T W J + sum_k w_k r_k
    Hess phi_k)``, with ``Hess phi_k`` from central differences of ``nc.jacobian``. For the
    networks used here ``phi`` has degree at most 3 in the parameters, so ``J`` is at most
    quadratic and its central difference is exact up to rounding."""
    theta = np.asarray(theta, dtype=float)
    n = theta.size
    jac = np.asarray(nc.jacobian(net, theta, field="float"))
    r = nc.coefficients(net, theta) - np.asarray(target)
    h = 1e-3
    second = np.zeros((n, n))  # sum_k w_k r_k d^2 phi_k / d theta_i d theta_j
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        dj = (
            np.asarray(nc.jacobian(net, theta + e, field="float"))
            - np.asarray(nc.jacobian(net, theta - e, field="float"))
        ) / (2 * h)
        second[:, j] = (weights * r) @ dj
    hess = 2 * (jac.T @ (weights[:, None] * jac) + second)
    return 0.5 * (hess + hess.T)


@pytest.mark.parametrize("metric", ["euclidean", "bombieri"])
def test_hessian_test_matches_numpy_eigvalsh(metric):
    # Quadrics in 3 variables from 2 squares: a defective (dimension 5 in 6) manifold, so the
    # residual at a minimum is not 0 and the second-order term of the Hessian matters.
    net = nc.mlp([3, 2, 1], degree=2)
    target = np.random.default_rng(11).standard_normal(net.ambient_dim)
    exps = nc.monomials(net)
    if metric == "bombieri":
        weights = np.array([math.prod(math.factorial(a) for a in e) / math.factorial(int(sum(e))) for e in exps])
    else:
        weights = np.ones(len(exps))
    res = nc.closest_point(net, target, metric=metric, starts=16, classify=False)
    points = res.critical_points + res.saddles
    assert points
    for c in points:
        eig = np.linalg.eigvalsh(hessian_of_sq_distance(net, c.theta, target, weights))
        scale = float(np.max(np.abs(eig)))
        assert c.min_hessian_eigenvalue == pytest.approx(eig[0], abs=1e-7 * (1 + scale))
        assert c.is_minimum == bool(eig[0] >= -(1e-6 * scale + 100 * c.grad_norm))
        # The recomputed distance and function are phi(theta)'s.
        np.testing.assert_array_equal(c.function, nc.coefficients(net, c.theta))
        assert c.sq_distance == pytest.approx(float(weights @ (c.function - target) ** 2), rel=1e-13)


def test_hessian_of_a_saddle_against_numpy():
    # Rank-one 2 x 2 matrices against diag(3, 1): (0, 1, 0, 1) is a saddle (phi = diag(0, 1)).
    net = nc.mlp([2, 1, 2], degree=1)
    target = np.array([3.0, 0.0, 0.0, 1.0])
    res = nc.closest_point(net, target, initial=[[0, 1, 0, 1]], classify=False)
    (saddle,) = res.saddles
    eig = np.linalg.eigvalsh(hessian_of_sq_distance(net, saddle.theta, target, np.ones(4)))
    assert saddle.min_hessian_eigenvalue == pytest.approx(eig[0], abs=1e-12)
    assert eig[0] == pytest.approx(-4.0)  # hand: the (a, c) block [[2, -6], [-6, 2]]
    assert not saddle.is_minimum and res.critical_points == ()


def test_hessian_test_on_a_quadric_saddle_against_numpy():
    # One neuron, phi = w (v . x)^2 = w v v^T as a quadric. Under the Bombieri metric the norm
    # of a quadric is the Frobenius norm of its matrix, so for U = diag(3, 1, -2) the critical
    # points are w = lambda_k, v = e_k, at squared distance ||U||^2 - lambda_k^2 = 14 - lambda_k^2.
    # Turning v from e_k towards e_j changes <U, v v^T> by (lambda_j - lambda_k) t^2: e_0 and
    # e_2 are local minima (5 and 10), e_1 a saddle (13), by hand.
    net = nc.mlp([3, 1, 1], degree=2)
    exps = nc.monomials(net)
    diag = {0: 3.0, 1: 1.0, 2: -2.0}
    target = np.array([diag[int(np.argmax(e))] if max(e) == 2 else 0.0 for e in exps])
    weights = np.array([math.prod(math.factorial(a) for a in e) / math.factorial(int(sum(e))) for e in exps])
    starts = [[*np.eye(3)[k], diag[k]] for k in range(3)]
    for s, k in zip(starts, range(3), strict=True):  # the layout is (v, w): <phi, U> = lambda_k^2
        assert nc.coefficients(net, s) @ (weights * target) == pytest.approx(diag[k] ** 2)
    res = nc.closest_point(net, target, metric="bombieri", initial=starts, classify=False)
    assert [c.sq_distance for c in res.critical_points] == [pytest.approx(5.0), pytest.approx(10.0)]
    assert [c.sq_distance for c in res.saddles] == [pytest.approx(13.0)]
    for c in res.critical_points + res.saddles:
        eig = np.linalg.eigvalsh(hessian_of_sq_distance(net, c.theta, target, weights))
        scale = float(np.max(np.abs(eig)))
        assert c.min_hessian_eigenvalue == pytest.approx(eig[0], abs=1e-9 * scale)
        assert c.is_minimum == bool(eig[0] >= -(1e-6 * scale + 100 * c.grad_norm))
    assert res.saddles[0].min_hessian_eigenvalue < -1


# Starts placed exactly on critical points of ||phi - diag(3, 1)||^2 for phi = (c, d)^T (a, b):
# the gradient vanishes there, so each start stays where it is. Hand count: three on the fiber
# of the minimum diag(3, 0) (squared distance 1), two on the fiber of the saddle diag(0, 1)
# (squared distance 9).
ON_CRITICAL_POINTS = [[0, 1, 0, 1], [1, 0, 3, 0], [2, 0, 1.5, 0], [0, -2, 0, -0.5], [0.5, 0, 6, 0]]


def test_deduplication_against_a_hand_count():
    net = nc.mlp([2, 1, 2], degree=1)
    res = nc.closest_point(net, [3, 0, 0, 1], initial=ON_CRITICAL_POINTS)
    assert res.n_converged == 5 and res.status_counts == {"converged": 5}
    assert [(c.count, c.sq_distance) for c in res.critical_points] == [(3, 1.0)]
    assert [(c.count, c.sq_distance) for c in res.saddles] == [(2, 9.0)]
    # The representative is the first start of least distance (start 1), with its own stratum.
    np.testing.assert_array_equal(res.critical_points[0].theta, ON_CRITICAL_POINTS[1])
    np.testing.assert_array_equal(res.theta, ON_CRITICAL_POINTS[1])
    assert res.critical_points[0].stratum == nc.classify(net, np.array(ON_CRITICAL_POINTS[1], dtype=float))
    assert sum(res.strata_counts.values()) == 5
    # ||diag(3, 0) - diag(0, 1)|| = sqrt(10) = ||u||: a tolerance of 2 merges everything.
    wide = nc.closest_point(net, [3, 0, 0, 1], initial=ON_CRITICAL_POINTS, dedup_tol=2.0, classify=False)
    assert [c.count for c in wide.critical_points] == [5] and wide.saddles == ()


class _CountingCore:
    """Stands in for ``neurocore._core`` and records every function called through it."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        attr = getattr(_core, name)
        if not callable(attr) or isinstance(attr, type):
            return attr

        def counted(*args, **kwargs):
            self.calls.append(name)
            return attr(*args, **kwargs)

        return counted


def test_post_processing_is_one_core_call(monkeypatch):
    import neurocore.closest

    counting = _CountingCore()
    monkeypatch.setattr(neurocore.closest, "_core", counting)
    net = nc.mlp([3, 2, 1], degree=2)
    res = nc.closest_point(net, np.ones(net.ambient_dim), starts=16, classify=False)
    assert counting.calls == ["closest_search"]
    assert res.critical_points and res.n_converged > 0


def test_result_fields_come_from_the_core_records():
    import typing

    from neurocore.closest import MetricName, SearchStatus

    res = nc.closest_point(nc.mlp([2, 1, 2], degree=1), [3, 0, 0, 1], initial=ON_CRITICAL_POINTS, classify=False)
    point_fields = {f.name for f in dataclasses.fields(nc.CriticalPoint)} - {"stratum"}
    assert point_fields <= set(dir(_core.CriticalPointRecord))
    filled_here = {"critical_points", "saddles", "strata_counts", "status_counts", "target", "network"}
    filled_here |= {"method", "global_minimum", "local_is_global"}  # from critical_points (method="global")
    assert {f.name for f in dataclasses.fields(nc.ClosestPointResult)} - filled_here <= set(dir(_core.ClosestRecord))
    assert set(typing.get_args(MetricName)) == {"euclidean", "bombieri", "weights", "data"}
    assert set(res.status_counts) <= set(typing.get_args(SearchStatus))
    assert res.metric in typing.get_args(MetricName)
    for arr in (res.theta, res.function, res.critical_points[0].theta, res.saddles[0].function):
        assert not arr.flags.writeable


def test_per_call_memory_limit():
    net = nc.mlp([3, 4, 1], degree=2)
    u = np.arange(net.ambient_dim, dtype=float)
    a = nc.closest_point(net, u, starts=8, classify=False)
    b = nc.closest_point(net, u, starts=8, classify=False, memory_limit=1 << 30)
    assert a.to_dict() == b.to_dict()
    with pytest.raises(nc.ResourceLimitError, match="memory limit of 1000 bytes"):
        nc.closest_point(net, u, starts=8, memory_limit=1000)
    # 40,000 parameters: four 40000 x 40000 buffers per start, refused before any start runs.
    with pytest.raises(nc.ResourceLimitError, match="bytes"):
        nc.closest_point(nc.mlp([3, 10000, 1], degree=2), np.ones(6), memory_limit=1 << 30)
    with pytest.raises(ValueError, match="memory_limit"):
        nc.closest_point(net, u, memory_limit=0)
    with pytest.raises(TypeError, match="memory_limit"):
        nc.closest_point(net, u, memory_limit="1GB")


# --------------------------------------------------------------------------------------------
# Stride-one linear CNNs: targets outside the function space land on the boundary


def boundary_sq_distance(u):
    """Oracle for filters (2, 2): M = {quadratics with real roots}; its boundary is the cone of
    squares s (a + b t)^2, so the distance is min over phi of the distance to a line."""
    phis = np.linspace(0, np.pi, 200001)
    v = np.stack([np.cos(phis) ** 2, 2 * np.cos(phis) * np.sin(phis), np.sin(phis) ** 2], axis=1)
    proj = (v @ u) ** 2 / np.sum(v * v, axis=1)
    return float(u @ u - proj.max())


@pytest.mark.parametrize("seed", range(4))
def test_linear_cnn_outside_targets_land_on_the_boundary(seed):
    net = nc.conv1d([2, 2], [1, 1], degree=1)
    rng = np.random.default_rng(seed)
    while True:
        u = rng.standard_normal(3)
        if u[1] ** 2 - 4 * u[0] * u[2] < -0.5:  # no real roots: outside the function space
            break
    res = nc.closest_point(net, u)
    assert res.sq_distance == pytest.approx(boundary_sq_distance(u), rel=1e-6)
    a, b, c = res.function
    assert abs(b * b - 4 * a * c) < 1e-7 * (1 + float(res.function @ res.function))  # repeated root
    assert res.critical_points and all(p.stratum.kind == "boundary" for p in res.critical_points)
    assert res.strata_counts.get("boundary", 0) >= res.n_converged


def test_linear_cnn_inside_targets_are_fitted_exactly():
    net = nc.conv1d([2, 2, 2], [1, 1, 1], degree=1)
    u = np.polynomial.polynomial.polyfromroots([-1.0, 0.5, 2.0])  # three real roots: inside
    res = nc.closest_point(net, u)
    assert res.sq_distance < 1e-18
    assert res.critical_points[0].stratum.kind == "generic"


def test_linear_cnn_cubic_with_complex_roots():
    # t^3 + t = t (t^2 + 1): outside; the closest point has a repeated real root, possibly at
    # infinity (a degree drop), so test the discriminant of the binary cubic.
    net = nc.conv1d([2, 2, 2], [1, 1, 1], degree=1)
    res = nc.closest_point(net, [0.0, 1.0, 0.0, 1.0])
    assert 0 < res.sq_distance < 2.0
    for p in res.critical_points:
        assert p.stratum.kind == "boundary"
        d, c, b, a = p.function  # a t^3 + b t^2 + c t + d
        disc = b * b * c * c - 4 * a * c**3 - 4 * b**3 * d - 27 * a * a * d * d + 18 * a * b * c * d
        assert abs(disc) < 1e-7


# --------------------------------------------------------------------------------------------
# Metrics


def test_data_metric_is_the_plain_squared_loss():
    net = nc.mlp([2, 3, 1], degree=2)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((25, 2))
    y = np.sin(x[:, 0]) + x[:, 1] ** 3
    res = nc.closest_point(net, data=(x, y), starts=16)
    assert res.metric == "data" and res.target is None
    loss = float(np.sum((nc.evaluate(net, res.theta, x)[:, 0] - y) ** 2))
    assert res.sq_distance == pytest.approx(loss, rel=1e-12)
    # ... which is a quadratic form in the coefficients: ||E phi - y||^2.
    e = monomial_values(net, x)
    assert res.sq_distance == pytest.approx(float(np.sum((e @ res.function - y) ** 2)), rel=1e-10)
    # Three squares of linear forms give every binary quadratic (the network fills its ambient
    # space), so the fit is the least-squares projection onto the span of E.
    coef, *_ = np.linalg.lstsq(e, y, rcond=None)
    assert res.sq_distance == pytest.approx(float(np.sum((e @ coef - y) ** 2)), rel=1e-9)


def test_data_metric_with_several_outputs_and_exact_data():
    net = nc.mlp([3, 2, 2], degree=1)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((12, 3))
    w = rng.standard_normal((2, 2)) @ rng.standard_normal((2, 3))
    res = nc.closest_point(net, data=(x, x @ w.T), starts=8, classify=False)
    assert res.sq_distance < 1e-20
    np.testing.assert_allclose(res.function, w.ravel(), atol=1e-9)


def test_weight_vector_metric():
    net = nc.mlp([2, 1, 2], degree=1)
    target = np.array([3.0, 0.0, 0.0, 1.0])
    # A heavy weight on the small diagonal entry: weighted low-rank approximation has no SVD
    # formula; the oracle is a dense scan of rank-one matrices s (cos a, sin a)^T (cos b, sin b).
    w = np.array([1.0, 1.0, 1.0, 100.0])
    res = nc.closest_point(net, target, metric=w, classify=False)
    assert res.metric == "weights"
    a, b = np.meshgrid(np.linspace(0, np.pi, 1501), np.linspace(0, 2 * np.pi, 3001), indexing="ij")
    v = np.stack([np.cos(a) * np.cos(b), np.cos(a) * np.sin(b), np.sin(a) * np.cos(b), np.sin(a) * np.sin(b)])
    best_s = np.einsum("k,k...->...", w * target, v) / np.einsum("k,k...->...", w, v * v)
    scan = np.einsum("k,k...->...", w, (best_s * v - target[:, None, None]) ** 2).min()
    assert res.sq_distance <= scan + 1e-12
    assert res.sq_distance == pytest.approx(scan, rel=1e-5)
    assert res.sq_distance < 9.0  # better than either diagonal entry alone
    assert res.sq_distance == pytest.approx(float(np.sum(w * (res.function - target) ** 2)), rel=1e-12)


def test_bombieri_weights():
    net = nc.mlp([3, 2, 2], degree=3)
    w = _core.bombieri_weights(net._core)
    exps = nc.monomials(net)
    expected = [math.prod(math.factorial(a) for a in e) / math.factorial(int(sum(e))) for e in exps]
    np.testing.assert_allclose(w, expected * net.output_dim)


def test_bombieri_metric_is_orthogonally_invariant():
    # Rotating the inputs maps the neuromanifold to itself and preserves the Bombieri norm, so
    # the Bombieri distance of a target and of its rotation agree (not so for Euclidean).
    sp = pytest.importorskip("sympy")
    net = nc.mlp([2, 1, 1], degree=3)  # the cone of cubes c (a x0 + b x1)^3
    exps = [tuple(int(v) for v in e) for e in nc.monomials(net)]
    u = [1.0, -2.0, 0.5, 3.0]
    x0, x1 = sp.symbols("x0 x1")
    c, s = math.cos(0.7), math.sin(0.7)
    poly = sum(ui * x0**a * x1**b for ui, (a, b) in zip(u, exps, strict=True))
    rotated = sp.Poly(sp.expand(poly.subs({x0: c * x0 - s * x1, x1: s * x0 + c * x1}, simultaneous=True)), x0, x1)
    u_rot = [float(rotated.coeff_monomial(x0**a * x1**b)) for a, b in exps]
    d = [nc.closest_point(net, t, metric="bombieri", classify=False).sq_distance for t in (u, u_rot)]
    assert d[0] == pytest.approx(d[1], rel=1e-9)
    e = [nc.closest_point(net, t, classify=False).sq_distance for t in (u, u_rot)]
    assert abs(e[0] - e[1]) > 1e-3


# --------------------------------------------------------------------------------------------
# Reproducibility and the result object


def test_thread_count_and_seed():
    net = nc.mlp([3, 4, 2], degree=2)
    target = np.random.default_rng(0).standard_normal(net.ambient_dim)
    a = nc.closest_point(net, target, starts=12, threads=1, classify=False)
    b = nc.closest_point(net, target, starts=12, threads=0, classify=False)
    assert a.to_dict() == b.to_dict()
    c = nc.closest_point(net, target, starts=12, seed=1, classify=False)
    assert not np.array_equal(a.theta, c.theta)


def test_result_is_frozen_and_serialisable():
    row = gold_row("ey-323")
    res = nc.closest_point(build_network(row), row["target"], starts=4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.sq_distance = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.theta[0] = 1.0
    data = json.loads(json.dumps(res.to_dict()))
    assert data["sq_distance"] == res.sq_distance and data["starts"] == 4
    assert data["critical_points"][0]["stratum"]["kind"] == "generic"
    assert "ClosestPointResult(sq_distance=1.25578" in repr(res)
    assert "local minima" in str(res) and "generic" in str(res)
    assert res.distance == pytest.approx(math.sqrt(res.sq_distance))


# --------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "kwargs,exc,words",
    [
        ({"target": [1.0] * 8}, ValueError, "target: expected 9"),
        ({"target": [1.0] * 8 + [float("nan")]}, ValueError, "target: entry 8"),
        ({"target": [1.0] * 8 + [float("inf")]}, ValueError, "target: entry 8"),
        ({"target": "abc"}, TypeError, "target"),
        ({"target": [1.0] * 9, "metric": [1.0] * 8 + [-1.0]}, ValueError, "metric: weights must be positive"),
        ({"target": [1.0] * 9, "metric": [1.0] * 8 + [0.0]}, ValueError, "metric: weights must be positive"),
        ({"target": [1.0] * 9, "metric": [1.0] * 3}, ValueError, "metric: expected 9"),
        ({"target": [1.0] * 9, "metric": "manhattan"}, ValueError, "metric"),
        ({"target": [1.0] * 9, "starts": 0}, ValueError, "starts"),
        ({"target": [1.0] * 9, "starts": 2.5}, TypeError, "starts"),
        ({"target": [1.0] * 9, "gtol": -1.0}, ValueError, "gtol"),
        ({"target": [1.0] * 9, "max_iter": 0}, ValueError, "max_iter"),
        ({"target": [1.0] * 9, "scale": 0.0}, ValueError, "scale"),
        ({"target": [1.0] * 9, "threads": -1}, ValueError, "threads"),
        ({"target": [1.0] * 9, "initial": np.zeros((2, 11))}, ValueError, "initial"),
        ({"target": [1.0] * 9, "initial": np.zeros((2, 12)), "starts": 3}, ValueError, "starts"),
        ({"target": [1.0] * 9, "initial": np.full((1, 12), np.nan)}, ValueError, "initial"),
        ({}, ValueError, "target"),
        ({"target": [1.0] * 9, "data": (np.zeros((4, 3)), np.zeros((4, 3)))}, ValueError, "not both"),
        ({"data": (np.zeros((4, 3)), np.zeros((5, 3)))}, ValueError, "data: Y must have shape (4, 3)"),
        ({"data": (np.zeros((4, 2)), np.zeros((4, 3)))}, ValueError, "data: X must have shape"),
        ({"data": (np.zeros((4, 3)), np.zeros((4, 2)))}, ValueError, "data: Y"),
        ({"data": (np.full((4, 3), np.nan), np.zeros((4, 3)))}, ValueError, "data: X contains NaN"),
        ({"data": (np.zeros((4, 3)), np.full((4, 3), np.inf))}, ValueError, "data: Y contains NaN"),
        ({"data": (np.zeros((4, 3)), np.zeros((4, 3))), "metric": "bombieri"}, ValueError, "metric"),
        ({"data": np.zeros((4, 3))}, TypeError, "data"),
    ],
)
def test_bad_input_names_the_argument(kwargs, exc, words):
    net = nc.mlp([3, 2, 3], degree=1)
    with pytest.raises(exc, match=words.replace("(", r"\(").replace(")", r"\)")):
        nc.closest_point(net, **kwargs)


def test_bad_network():
    with pytest.raises(TypeError, match="net"):
        nc.closest_point("mlp", [1.0])


# --------------------------------------------------------------------------------------------
# The command line


def run_cli(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_closest_table_and_json(capsys):
    target = ",".join(str(v) for v in gold_row("ey-323")["target"])
    code, out, err = run_cli(["closest", "mlp", "3,2,3", "--degree", "1", "--target", target], capsys)
    assert code == 0 and err == ""
    assert "1.25578" in out and "generic" in out
    code, out, _ = run_cli(
        ["closest", "conv", "--filters", "2,2", "--degree", "1", "--target", "1,0,1", "--starts", "8", "--json"], capsys
    )
    data = json.loads(out)
    assert code == 0 and data["sq_distance"] == pytest.approx(1.0)
    assert data["strata_counts"] == {"boundary": 8}


@pytest.mark.parametrize("suffix", [".txt", ".json", ".npy"])
def test_cli_target_from_file(tmp_path, capsys, suffix):
    target = gold_row("ey-323")["target"]
    path = tmp_path / f"target{suffix}"
    if suffix == ".npy":
        np.save(path, np.array(target, dtype=float))
    elif suffix == ".json":
        path.write_text(json.dumps(target))
    else:
        path.write_text("\n".join(map(str, target)))
    code, out, _ = run_cli(
        ["closest", "mlp", "3,2,3", "--degree", "1", "--target", str(path), "--json", "--no-classify"], capsys
    )
    assert code == 0 and json.loads(out)["sq_distance"] == pytest.approx(gold_row("ey-323")["min_sq_distance"])


def test_cli_data_file_and_bad_input(tmp_path, capsys):
    x = np.array(list(product([-1.0, 0.0, 1.0], repeat=2)))
    path = tmp_path / "samples.npz"
    np.savez(path, X=x, Y=(x[:, 0] + 2 * x[:, 1])[:, None])
    code, out, _ = run_cli(["closest", "mlp", "2,1,1", "--degree", "1", "--data", str(path), "--json"], capsys)
    assert code == 0 and json.loads(out)["sq_distance"] < 1e-20
    code, _, err = run_cli(["closest", "mlp", "3,2,3", "--degree", "1", "--target", "1,2"], capsys)
    assert code == 2 and "target: expected 9 values" in err
    code, _, err = run_cli(["closest", "mlp", "3,2,3", "--degree", "1", "--target", "no-such-file"], capsys)
    assert code == 2 and "--target" in err
    code, _, err = run_cli(["closest", "mlp", "3,2,3", "--degree", "1", "--target", "1", "--metric", "-1"], capsys)
    assert code == 2


def test_docstring_examples():
    import doctest

    import neurocore.closest

    result = doctest.testmod(neurocore.closest, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
