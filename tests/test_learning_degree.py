"""The learning degree: critical points of the squared loss of samples on the neurovariety.

Every expected value here comes from an independent derivation (by hand, numpy linear algebra,
numpy polynomial roots), never from neurocore's own output.
"""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

import neurocore as nc
from neurocore import _core
from neurocore.critical import _run_with_progress


def _linear_net():
    return nc.mlp([3, 1, 3], degree=1)


def _eckart_young_of_samples(x, y):
    """Critical losses and functions of ``||X C^T - Y||^2`` over rank-one 3 x 3 matrices ``C``.

    With ``X = QR`` the loss is ``||R C^T - Q^T Y||^2 + ||Y||^2 - ||Q^T Y||^2`` and ``C -> R C^T``
    preserves the rank, so the critical points are ``R C^T = s_i u_i v_i^T`` (the rank-one SVD
    truncations of ``T = Q^T Y``) with losses ``sum_{k != i} s_k^2 + ||Y||^2 - ||T||^2``.
    """
    q, r = np.linalg.qr(x)
    t = q.T @ y
    u, s, vt = np.linalg.svd(t)
    const = float(np.sum(y * y) - np.sum(t * t))
    losses, functions = [], []
    for i in range(3):
        d = s[i] * np.outer(u[:, i], vt[i])
        c = (np.linalg.solve(r, d)).T  # C = (R^{-1} D)^T: rows are outputs, columns inputs.
        losses.append(float(np.sum(s**2) - s[i] ** 2) + const)
        functions.append(c.reshape(-1))
    return np.array(losses), functions


def test_identity_samples_give_the_euclidean_ed_degree():
    # Samples e_1, e_2, e_3: E = I, so W = I and the loss is the euclidean distance from C to
    # Y^T; the learning degree is the ED degree binom(3, 1) = 3 (Eckart-Young).
    net = _linear_net()
    eye = np.eye(3)
    r = nc.ed_degree(net, data=(eye, None), threads=1)
    assert (r.ed_degree, r.certified_lower_bound, r.metric) == (3, 3, "data")
    y = np.array([[3.0, 1.0, 0.5], [0.0, 2.0, -1.0], [1.0, 0.0, 1.5]])
    by_data = nc.critical_points(net, data=(eye, y), threads=1, real_preimages=False)
    by_target = nc.critical_points(net, y.T.reshape(-1), threads=1, real_preimages=False)
    s = np.linalg.svd(y, compute_uv=False)
    want = np.sort(np.sum(s**2) - s**2)
    for res in (by_data, by_target):
        got = np.sort([p.sq_distance.real for p in res.points])
        np.testing.assert_allclose(got, want, rtol=1e-9)
        assert res.n_real == 3 and res.n_local_minima == 1
    assert by_data.target is None and by_data.metric == "data"


def test_generic_samples_linear_network_matches_the_svd():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    net = _linear_net()
    res = nc.critical_points(net, data=(x, y), threads=1, real_preimages=False)
    want_loss, want_fun = _eckart_young_of_samples(x, y)
    assert res.ed.ed_degree == 3 and res.ed.certified_lower_bound == 3
    assert res.n_real == 3 and res.certified_distinct == 3
    np.testing.assert_allclose(np.sort([p.sq_distance.real for p in res.points]), np.sort(want_loss), rtol=1e-9)
    for f in want_fun:
        assert min(np.max(np.abs(p.function.real - f)) for p in res.points) < 1e-8
    # The loss reported is the loss itself: recompute it from the function (f(x) = C x).
    for p in res.points:
        c = p.function.real.reshape(3, 3)
        assert abs(float(np.sum((x @ c.T - y) ** 2)) - p.sq_distance.real) < 1e-9 * (1 + p.sq_distance.real)
    assert res.n_local_minima == 1
    assert res.global_minimum.sq_distance.real == pytest.approx(min(want_loss), rel=1e-9)


def _cubic_lagrange(x, y):
    """Critical points of the loss on the cone over the twisted cubic (MLP (2,1,1), t^3).

    The functions are ``lam * v(s)`` with ``v = (s^3, 3 s^2, 3 s, 1)`` (monomials x^3, x^2 y,
    x y^2, y^3). With ``W = E^T E``, ``b = E^T y`` the loss is
    ``lam^2 v.W v - 2 lam b.v + y.y``; ``d/dlam = 0`` gives ``lam = b.v / v.W v`` and the loss
    ``y.y - (b.v)^2 / v.W v``, critical in ``s`` where ``(b.v')(v.W v) - (b.v)(v.W v') = 0``
    (``b.v = 0`` is the vertex ``lam = 0``). That polynomial has degree 7 (the ``s^8`` terms
    cancel), so 7 critical points for generic data; the chart misses only ``s = infinity``.
    """
    e = np.stack([x[:, 0] ** 3, x[:, 0] ** 2 * x[:, 1], x[:, 0] * x[:, 1] ** 2, x[:, 1] ** 3], axis=1)
    w, b = e.T @ e, e.T @ y
    P = np.polynomial.Polynomial
    v = [P([0, 0, 0, 1]), P([0, 0, 3]), P([0, 3]), P([1])]
    dv = [vi.deriv() for vi in v]

    def dot(a, bb):
        return sum((a[i] * bb[i] for i in range(4)), P([0]))

    bv, bdv = sum((b[i] * v[i] for i in range(4)), P([0])), sum((b[i] * dv[i] for i in range(4)), P([0]))
    wv = [sum((w[i, j] * v[j] for j in range(4)), P([0])) for i in range(4)]
    poly = bdv * dot(v, wv) - bv * dot(dv, wv)
    poly = poly.trim(tol=1e-12 * np.max(np.abs(poly.coef)))
    roots = poly.roots()
    out = []
    for s in roots:
        vs = np.array([s**3, 3 * s**2, 3 * s, 1.0])
        lam = (b @ vs) / (vs @ w @ vs)
        c = lam * vs
        loss = np.sum((e @ c - y) ** 2)
        # Hessian in (lam, s) by central differences: at a critical point its signature is that
        # of the loss restricted to the variety (a local chart, Sylvester's law of inertia).
        hess = None
        if abs(s.imag) < 1e-9:
            s_r, lam_r = s.real, lam.real

            def loss_of(a, t, s_r=s_r, lam_r=lam_r):
                vv = np.array([t**3, 3 * t**2, 3 * t, 1.0])
                return np.sum((e @ (a * vv) - y) ** 2)

            h = 1e-4 * (1 + abs(lam_r) + abs(s_r))
            f = loss_of
            haa = (f(lam_r + h, s_r) - 2 * f(lam_r, s_r) + f(lam_r - h, s_r)) / h**2
            hss = (f(lam_r, s_r + h) - 2 * f(lam_r, s_r) + f(lam_r, s_r - h)) / h**2
            has = (f(lam_r + h, s_r + h) - f(lam_r + h, s_r - h) - f(lam_r - h, s_r + h) + f(lam_r - h, s_r - h)) / (
                4 * h**2
            )
            hess = np.linalg.eigvalsh(np.array([[haa, has], [has, hss]]))
        out.append((c, loss, hess))
    return poly.degree(), out


def test_twisted_cubic_learning_degree_matches_the_lagrange_system():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(9, 2)), rng.normal(size=9)
    degree, want = _cubic_lagrange(x, y)
    assert degree == 7 and len(want) == 7
    net = nc.mlp([2, 1, 1], degree=3)
    assert nc.ed_degree(net, data=(x, None), threads=1).ed_degree == 7
    res = nc.critical_points(net, data=(x, y), threads=1, real_preimages=False)
    assert res.n_complex == 7 and res.ed.certified_lower_bound == 7
    for c, loss, _ in want:
        best = min(res.points, key=lambda p: np.max(np.abs(p.function - c)))
        assert np.max(np.abs(best.function - c)) < 1e-7 * (1 + np.max(np.abs(c)))
        assert abs(best.sq_distance - loss) < 1e-7 * (1 + abs(loss))
    real = [w for w in want if w[2] is not None]
    assert res.n_real == len(real)
    assert res.n_local_minima == sum(bool(np.all(w[2] > 0)) for w in real)


def test_bad_samples_are_refused_with_the_reason():
    cubic = nc.mlp([2, 1, 1], degree=3)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="too few.*at least 4 samples"):
        nc.ed_degree(cubic, data=(rng.normal(size=(3, 2)), None), threads=1)
    # Six samples on the line y = 2x: the cubic x^2 y - 2 x^3 vanishes on all of them, so E has
    # dependent columns and W is singular.
    t = rng.normal(size=6)
    with pytest.raises(ValueError, match="general position"):
        nc.critical_points(cubic, data=(np.stack([t, 2 * t], axis=1), rng.normal(size=6)), threads=1)
    with pytest.raises(ValueError, match="not both"):
        nc.critical_points(cubic, [1.0, 0, 0, 1], data=(rng.normal(size=(5, 2)), rng.normal(size=5)))
    with pytest.raises(ValueError, match="target"):
        nc.critical_points(cubic)
    with pytest.raises(ValueError, match="own metric"):
        nc.ed_degree(cubic, "bombieri", data=(rng.normal(size=(5, 2)), None))
    with pytest.raises(ValueError, match="X must have shape"):
        nc.ed_degree(cubic, data=(rng.normal(size=(5, 3)), None))
    with pytest.raises(ValueError, match="data"):
        nc.ed_degree(cubic, "data")


def test_records_are_frozen_pyclasses():
    net = nc.mlp([2, 1, 2], degree=1)
    rec = _core.ed_degree(net._core, threads=1)
    assert isinstance(rec, _core.EdDegreeRecord) and isinstance(rec.runs[0], _core.MonodromyRunRecord)
    with pytest.raises(AttributeError):
        rec.ed_degree = 5  # type: ignore[misc]
    crit = _core.critical_points(net._core, np.array([3.0, 0, 0, 1]), threads=1)
    assert isinstance(crit, _core.CriticalSetRecord)
    assert not crit.function_re.flags.writeable and not crit.sq_distance_re.flags.writeable
    with pytest.raises(AttributeError):
        crit.paths = 0  # type: ignore[misc]


def test_progress_counter_and_bar(monkeypatch):
    net = nc.mlp([2, 1, 2], degree=1)
    # Stages: one per run, then the certification; a target adds its tracking and certification.
    counter = _core.ProgressCounter()
    assert counter.get() == (0, 0)
    _core.ed_degree(net._core, runs=3, threads=1, progress=counter)
    assert counter.get() == (4, 4)
    counter = _core.ProgressCounter()
    _core.critical_points(net._core, np.array([3.0, 0, 0, 1]), runs=2, threads=1, progress=counter)
    assert counter.get() == (5, 5)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    r = _run_with_progress(True, "ED degree", lambda **p: _core.ed_degree(net._core, threads=1, **p))
    assert r.ed_degree == 2 and "ED degree" in err.getvalue() and "3/3" in err.getvalue()
    with pytest.raises(TypeError, match="progress"):
        nc.ed_degree(net, progress="yes")


@pytest.mark.parametrize("k", [0, 9, 12, 19])
def test_conic_learning_degree_with_ill_conditioned_samples(k):
    # MLP (2,1,1), t^2: functions lam v(s), v = (s^2, 2 s, 1). As for the cubic, the critical s
    # are the roots of (b.v')(v.W v) - (b.v)(v.W v'), degree 5 with cancelling s^5 coefficient
    # (2 b_1 W_11 - 2 b_1 W_11): 4 critical points. Three samples (E square, condition number up
    # to ~100) once made monodromy miss one (loops in b = W p squashed by cond(W)) or keep the
    # cone's vertex phi = 0, where the whole sliced Jacobian vanishes; these seeds did.
    x = np.random.default_rng(k).normal(size=(3, 2))
    r = nc.ed_degree(nc.mlp([2, 1, 1], degree=2), data=(x, None), threads=1, seed=k)
    assert (r.ed_degree, r.certified_lower_bound, r.runs_agree) == (4, 4, True)
