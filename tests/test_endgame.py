"""The total-degree homotopy's endgame at real targets: no finite critical point is dropped.

Linear CNN with filters (2, 2, 2): the gold row conv1d-2-2-2-param_critical_functions_all is 16
functions at generic data. At real random targets a spurious point on the stratum "filters 1
and 2 equal" can sit far out in the gauge chart (b = d near -17, e, f near 1e-4, condition
number about 1e10), reached by its path only at homotopy parameter 1e-10: before the endgame it
was lost as ``step_too_small`` (15 of 16). Independent values: the gold count, and sympy's
univariate polynomial for the critical points with b = d (derived by hand below).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import neurocore as nc

NET = nc.conv1d([2, 2, 2], degree=1)


def targets():
    rng = np.random.default_rng(1)
    return [rng.normal(size=4) for _ in range(2)]


def sympy_equal_filter_points(u) -> list[tuple[complex, np.ndarray]]:
    """Critical functions (1 + b t)^2 (e + f t) of the gauge-fixed loss with b = d (a = c = 1).

    The loss is symmetric in (b, d), so on b = d its gradient has equal b- and d-components;
    phi is linear in (e, f): phi = M(b) (e, f) with M the coefficient matrix of (1 + bt)^2 and
    t (1 + bt)^2, and the (e, f)-equations give (e, f) = adj(M^T M) M^T u / det(M^T M). The
    b-equation then becomes one polynomial in b, whose roots are the points.
    """
    b = sp.symbols("b")
    uu = sp.Matrix([sp.Rational(float(v)) for v in u])
    m = sp.Matrix([[1, 0], [2 * b, 1], [b**2, 2 * b], [0, b**2]])
    a = m.T * m
    det = sp.expand(a.det())
    w = a.adjugate() * m.T * uu
    e, f = w[0], w[1]
    # det * d phi / db (the d-derivative at d = b): coefficients of t (1 + b t)(e + f t).
    dphi = sp.Matrix([0, e, f + b * e, b * f])
    g = sp.Poly(sp.expand(((m * w - det * uu).T * dphi)[0]), b)
    out = []
    for r in g.nroots(n=30, maxsteps=200):
        dv = complex(det.subs(b, r))
        ev, fv = complex(e.subs(b, r)) / dv, complex(f.subs(b, r)) / dv
        rb = complex(r)
        out.append((rb, np.polymul(np.polymul([rb, 1], [rb, 1]), [fv, ev])[::-1]))
    return out


@pytest.mark.parametrize("i", [0, 1])
def test_real_targets_find_all_sixteen(i):
    u = targets()[i]
    r = nc.param_critical_functions(NET, target=u, certify=False, threads=1)
    assert r.functions_all == 16 and len(r.points) == 16  # gold: 16
    assert r.smooth == 1  # the function space is all of C^4 (ED degree 1): u itself
    # Every other path end is reported with its status.
    assert 16 <= r.paths - sum(r.failures.values())
    assert set(r.failures) <= {
        "at_infinity",
        "endgame_not_converged",
        "endpoint_not_solution",
        "step_too_small",
        "singular",
        "max_steps",
        "non_finite",
    }
    if i == 0:
        ref = sympy_equal_filter_points(u)
        # Among them the far-out real point b = d = -16.90... that the endgame recovers.
        assert any(abs(rb.imag) < 1e-12 and rb.real < -10 for rb, _ in ref)
        for _, q in ref:
            assert any(np.allclose(p.function, q, rtol=1e-6, atol=1e-8) for p in r.points), q
