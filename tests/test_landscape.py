"""The global landscape in the comparison and on the command line, and many targets at once.

Expected values come from hand derivations (Eckart-Young, the discriminant of a quadratic).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import neurocore as nc
from neurocore.cli import main
from neurocore.comparison import CompareReport, _landscape_summary


def test_many_targets_share_one_generic_solve():
    # Rank-one 2 x 2 matrices: the critical points of ||C - U||^2 are the rank-one SVD
    # truncations, squared distances sigma_2^2 and sigma_1^2. diag(3, 1): 1 and 9;
    # [[0, 2], [1, 0]] (singular values 2, 1): 1 and 4.
    net = nc.mlp([2, 1, 2], degree=1)
    res = nc.critical_points_many(net, [[3, 0, 0, 1], [0, 2, 1, 0]], threads=1)
    assert [[round(p.sq_distance.real, 9) for p in r.points] for r in res] == [[1.0, 9.0], [1.0, 4.0]]
    assert res[0].ed is res[1].ed or res[0].ed == res[1].ed
    assert all(r.certified_distinct == 2 and r.n_local_minima == 1 for r in res)
    with pytest.raises(ValueError, match="targets"):
        nc.critical_points_many(net, [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="targets"):
        nc.critical_points_many(net, np.zeros((2, 3)))


def test_landscape_rows_against_hand_derivations():
    rng = np.random.default_rng(4)
    # Linear MLP (2,1,2): ED degree 2; for a generic real target both SVD truncations are real
    # with real factors (in the neuromanifold), one is the minimum, and low-rank approximation
    # has no spurious local minima, so the local search finds the global minimum.
    us = [rng.normal(size=4) for _ in range(2)]
    s = _landscape_summary("MLP", nc.mlp([2, 1, 2], degree=1), us, 8, 0, 1, 40)
    assert (s.ed_degree, s.certified_lower_bound, s.runs_agree) == (2, 2, True)
    assert s.n_real == (2, 2) and s.n_in_neuromanifold == (2, 2) and s.n_local_minima == (1, 1)
    for u, g in zip(us, s.global_min, strict=True):
        sv = np.linalg.svd(u.reshape(2, 2), compute_uv=False)
        assert g == pytest.approx(sv[1] ** 2, rel=1e-9)
    assert s.local_found_global == 2 and s.global_on_boundary == 0
    # Linear CNN, filters (2, 2): every complex quadratic factors, so X = C^3 and the only
    # critical point is u itself (ED degree 1). It is in the real neuromanifold iff the
    # quadratic has real roots (discriminant a_1^2 - 4 a_0 a_2 >= 0); otherwise the minimum over
    # the neuromanifold is on its boundary (repeated roots).
    us = [np.array([1.0, 3.0, 1.0]), np.array([1.0, 0.5, 2.0])]
    s = _landscape_summary("CNN", nc.conv1d([2, 2], degree=1), us, 8, 0, 1, 40)
    assert s.ed_degree == 1 and s.n_real == (1, 1) and s.n_in_neuromanifold == (1, 0)
    assert s.global_min[0] == pytest.approx(0.0, abs=1e-12) and s.global_min[1] is None
    assert s.local_found_global == 1 and s.global_on_boundary == 1
    # Too large for the homotopy limit: an error in the row, not an exception.
    s = _landscape_summary("MLP", nc.mlp([2, 1, 2], degree=1), us[:0] + [np.ones(4)], 4, 0, 1, 2)
    assert s.ed_degree is None and "dimension" in (s.error or "")


def test_report_round_trip_with_a_landscape_section():
    rep = nc.compare(
        mlp_widths=[2, 1, 2], mlp_degree=1, conv_filters=[2, 2], attention_widths=[2, 1], key_dims=[1], targets=1
    )
    fake = _landscape_summary("MLP", nc.mlp([2, 1, 2], degree=1), [np.ones(4) + np.eye(4)[0]], 4, 0, 1, 40)
    rep2 = CompareReport(
        architectures=rep.architectures, targets=1, starts=rep.starts, seed=0, landscape=(fake, fake, fake)
    )
    assert CompareReport.from_dict(json.loads(rep2.to_json())) == rep2
    assert "ED degree (euclidean)" in str(rep2) and "ED degree" not in str(rep)
    with pytest.raises(TypeError, match="landscape"):
        nc.compare(targets=0, landscape="yes")


def test_cli_learning_degree_and_data_critical_points(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    path = tmp_path / "d.npz"
    np.savez(path, X=x, Y=y)
    assert main(["eddegree", "mlp", "3,1,3", "--degree", "1", "--data", str(path), "--threads", "1", "--json"]) == 0
    # Linear (3,1,3) with samples: Eckart-Young after C -> R C^T (X = QR), 3 critical points.
    out = json.loads(capsys.readouterr().out)
    assert out["ed_degree"] == 3 and out["metric"] == "data"
    assert main(["critical", "mlp", "3,1,3", "--degree", "1", "--data", str(path), "--threads", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    q, r = np.linalg.qr(x)
    t = q.T @ y
    sv = np.linalg.svd(t, compute_uv=False)
    want = sorted(float(np.sum(y * y) - np.sum(t * t) + np.sum(sv**2) - v**2) for v in sv)
    got = sorted(p["sq_distance"][0] for p in out["points"])
    np.testing.assert_allclose(got, want, rtol=1e-9)


@pytest.mark.parametrize(("filters", "want"), [([2, 2], 5), ([2, 2, 2], 16)])
def test_gold_param_critical_functions_all(filters, want):
    # Gold rows conv1d-2-2-param_critical_functions_all-euclidean-3 (5) and
    # conv1d-2-2-2-param_critical_functions_all-euclidean-2 (16): Macaulay2 Groebner bases of
    # the gauge-fixed critical ideal over two primes (tests/data/ed_degrees.jsonl).
    r = nc.param_critical_functions(nc.conv1d(filters, degree=1), threads=1)
    assert r.functions_all == want, r
    assert r.smooth + r.spurious == r.functions_all and r.spurious >= 1  # the zero function at least
    assert r.smooth <= nc.ed_degree(nc.conv1d(filters, degree=1), threads=1).ed_degree
