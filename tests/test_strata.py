"""Strata: gold rank points, hidden symmetries, and special points of each architecture."""

from __future__ import annotations

import random
from fractions import Fraction
from math import comb

import numpy as np
import pytest
from conftest import build_network, load_jsonl

import neurocore as nc

STRATA = load_jsonl("strata.jsonl")


@pytest.mark.parametrize("row", STRATA, ids=[r["id"] for r in STRATA])
def test_gold_strata(row):
    net = build_network(row)
    s = nc.classify(net, row["theta"])
    assert s.rank == row["rank"]
    assert s.certified and s.exact
    assert s.generic_rank == row["generic_rank"]
    assert s.is_critical == row["is_critical"]
    assert s.fiber_dim == net.n_params - row["rank"]
    if not row["is_critical"]:
        assert s.kind == "generic"


def _expected_kind(row, net):
    """The stratum kind from the gold fields and independent facts (not the classifier's output).

    - not critical (gold ``is_critical``): generic;
    - all parameters zero: the zero function;
    - the gold note names a subnetwork (dead or merged neurons) or a boundary point;
    - linear MLPs: ``rank(W2 W1)`` (numpy, exact for these small integers) below ``min(widths)``
      means the function is computed by the narrower network ``(3, rank, 3)``: a subnetwork;
    - linear stride-one CNNs: the end-to-end filter ``u`` (product of the filters) is on the
      boundary of the realisable set iff ``q + sum floor(m_i / 2) > capacity`` (Kohn et al.; the
      rule of ``cnn.rs``): for ``(1 + t)^2`` and sizes [2, 2], q = 0, one double root, capacity 0:
      boundary; for ``(1 + t)^2 (1 + 2t)`` and sizes [3, 2], capacity 1 and 0 + 1 > 1 fails:
      a critical point that is not on the boundary; stride 2 has no boundary rule: critical.
    """
    note, theta = row["note"], row["theta"]
    if not row["is_critical"]:
        return "generic"
    if all(t == 0 for t in theta):
        return "zero"
    if "subnetwork" in note:
        return "subnetwork"
    if "boundary" in note:
        return "boundary"
    if row["family"] == "mlp" and row["arch"]["activation"] == [0, 1]:
        w1 = np.array(theta[:6]).reshape(2, 3)
        w2 = np.array(theta[6:]).reshape(3, 2)
        assert np.linalg.matrix_rank(w2 @ w1) < 2
        return "subnetwork"
    expected = {"lcn22-repeated": "boundary", "lcn32-common-root": "critical", "lcn32s2-hyperroot": "critical"}
    return expected[row["id"]]


@pytest.mark.parametrize("row", STRATA, ids=[r["id"] for r in STRATA])
def test_gold_strata_kinds(row):
    net = build_network(row)
    s = nc.classify(net, row["theta"])
    assert s.kind == _expected_kind(row, net)
    if "shared root" in row["note"] or "hyperroot" in row["note"]:
        assert s.details["shared_roots"], row["note"]


@pytest.mark.parametrize("row", STRATA, ids=[r["id"] for r in STRATA])
def test_gold_strata_threads_and_memory_limit(row):
    net = build_network(row)
    s1 = nc.classify(net, row["theta"], threads=1)
    s0 = nc.classify(net, row["theta"], threads=0, memory_limit=1 << 30)
    assert s1 == s0 and s1.rank == row["rank"]


def test_classify_refuses_a_tiny_memory_limit():
    net = nc.attention([3, 3, 3], [2, 2], tokens=3)  # the evaluation-rank path plans its memory
    with pytest.raises(nc.ResourceLimitError):
        nc.classify(net, [1] * net.n_params, memory_limit=1)
    with pytest.raises(ValueError, match="memory_limit"):
        nc.classify(net, [1] * net.n_params, memory_limit=0)
    with pytest.raises(ValueError, match="threads"):
        nc.classify(net, [1] * net.n_params, threads=-1)


def test_symmetries_accept_threads():
    net = nc.mlp([3, 3, 3, 1], degree=2)
    a, b = nc.symmetries(net, threads=1), nc.symmetries(net, threads=0, memory_limit=1 << 30)
    assert (
        (a.hidden_dim, a.explained_hidden_dim, a.point)
        == (b.hidden_dim, b.explained_hidden_dim, b.point)
        == (
            3,
            3,
            a.point,
        )
    )
    assert a.hidden_basis == b.hidden_basis


def test_mlp_details():
    net = nc.mlp([3, 2, 1], degree=2)
    s = nc.classify(net, [1, 2, 3, 1, 2, 3, 1, 2])
    assert s.details["merged_neurons"] == ((1, 0, 1),)
    assert s.details["smaller_architecture"] == (3, 1, 1)
    assert s.details["smaller_dim"] == 3
    s = nc.classify(net, [1, 2, 3, 2, 4, 6, 1, 2])  # proportional rows merge for t^2
    assert s.kind == "subnetwork" and s.details["merged_neurons"] == ((1, 0, 1),)
    s = nc.classify(nc.mlp([3, 2, 1], activation=[0, 1, 1]), [1, 2, 3, 2, 4, 6, 1, 2])
    assert s.details["merged_neurons"] == ()  # t + t^2 is not homogeneous: no merge
    lin = nc.classify(nc.mlp([3, 2, 3], degree=1), [1, 2, 3, 2, 4, 6, 1, 2, 3, 4, 5, 7])
    assert lin.details["function_rank"] == 1 and lin.details["smaller_architecture"] == (3, 1, 3)
    assert lin.details["smaller_dim"] == 5


def test_cnn_details():
    net = nc.conv1d([3, 2], [1, 1], degree=1)
    s = nc.classify(net, [1, 3, 2, 1, 1])
    assert s.details["shared_roots"] == ((0, 1, 1),)
    s = nc.classify(net, [0, 0, 0, 1, 1])
    assert s.kind == "zero" and s.details["zero_filters"] == (0,)
    s = nc.classify(nc.conv1d([3, 2], [2, 1], degree=1), [1, 0, -1, 1, -1])
    assert s.details["shared_roots"] == ((0, 1, 2),)


def test_attention_details():
    net = nc.attention([3, 3], [2], tokens=2)
    theta = [1, 2, 3, 2, 4, 6, 1, 0, 1, 3, 0, 3, 1, 2, 0, 0, 1, 1, 2, 0, 1]
    s = nc.classify(net, theta)
    (head,) = s.details["heads"]
    assert head["scores_rank"] == 1 and head["max_scores_rank"] == 2 and head["value_rank"] == 3
    dead = [0] * 12 + list(range(1, 10))
    assert nc.classify(net, dead).kind == "zero"


@pytest.mark.parametrize(
    "net",
    [
        nc.mlp([3, 3, 2], degree=2),
        nc.mlp([2, 3, 2], degree=3, bias=True),
        nc.mlp([3, 2, 3], degree=1),
        nc.conv1d([3, 2], [1, 1], degree=1),
        nc.conv1d([2, 2, 2], [2, 1, 1], degree=2),
        nc.attention([2, 2], [1], tokens=2),
        nc.attention([3, 3], [2], tokens=2),
    ],
    ids=repr,
)
def test_random_points_are_generic(net):
    rng = random.Random(5)
    theta = [rng.randint(-50, 50) or 1 for _ in range(net.n_params)]
    s = nc.classify(net, theta)
    assert s.kind == "generic" and s.rank == s.generic_rank and s.certified
    sf = nc.classify(net, [float(t) / 7 for t in theta])
    assert sf.kind == "generic" and sf.rank == s.generic_rank and not sf.certified
    assert sf.tolerance > 0


def test_float_points_report_tolerance_and_gap():
    net = nc.mlp([3, 2, 1], degree=2)
    s = nc.classify(net, [1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 1.0, 1e-14])
    assert s.rank == 4 and s.kind == "subnetwork" and not s.exact
    assert s.singular_value_gap is None or s.singular_value_gap > 1e3


def test_hidden_symmetries_of_quadratic_last_layer():
    # (non-filling networks: when the image fills the ambient space the fiber is larger anyway)
    for widths in ([3, 3, 3, 1], [4, 4, 3, 1], [3, 2, 1], [4, 3, 2, 2, 1], [2, 4, 3, 1]):
        net = nc.mlp(widths, degree=2)
        rep = nc.symmetries(net)
        k = widths[-2]
        assert rep.symmetry_dim == sum(widths[1:-1])
        if k <= widths[-3] and not nc.dimension(net).filling:
            assert rep.hidden_dim == comb(k, 2), widths
            assert rep.explained_hidden_dim == comb(k, 2)
        assert rep.hidden_basis.shape == (rep.hidden_dim, nc.mlp(widths, degree=2).n_params)


def test_hidden_basis_is_in_the_kernel_and_outside_the_known_span():
    net = nc.mlp([3, 3, 3, 1], degree=2)
    rep = nc.symmetries(net, seed=3)
    jac = nc.jacobian(net, list(rep.point), field="QQ").to_fractions()
    for row in rep.hidden_basis.to_fractions():
        assert all(sum(a * b for a, b in zip(jrow, row, strict=False)) == 0 for jrow in jac)


def test_linear_networks_have_no_hidden_symmetries():
    for widths in ([3, 2, 3], [2, 3, 2], [3, 2, 4, 3]):
        rep = nc.symmetries(nc.mlp(widths, degree=1))
        assert rep.hidden_dim == 0 and rep.hidden_basis.shape[0] == 0


def test_classify_bad_input():
    net = nc.mlp([3, 2, 1], degree=2)
    with pytest.raises(ValueError, match="theta"):
        nc.classify(net, [1, 2, 3])
    with pytest.raises(ValueError, match="theta"):
        nc.classify(net, [float("nan")] * 8)
    with pytest.raises(ValueError, match="rtol"):
        nc.classify(net, [1] * 8, rtol=2)
    with pytest.raises(TypeError, match="net"):
        nc.classify(None, [1] * 8)


def test_stratum_is_frozen_and_serializable():
    s = nc.classify(nc.mlp([2, 2, 1], degree=2), [1, 2, 3, 4, Fraction(1, 2), 1])
    d = s.to_dict()
    assert d["rank"] == s.rank and d["kind"] == s.kind
    with pytest.raises(AttributeError):
        s.rank = 0  # type: ignore[misc]
    np.testing.assert_equal(d["is_critical"], s.is_critical)


def test_large_networks_use_evaluation_ranks_and_symmetry_certificates():
    # ambient 218790 x 42 parameters: too large for an exact coefficient Jacobian, so the rank is
    # bounded below by evaluation Jacobians mod primes and above by exact symmetry tangents.
    net = nc.attention([3, 3, 3], [2, 2], tokens=3)
    rng = random.Random(2)
    theta = [rng.randint(-9, 9) or 1 for _ in range(net.n_params)]
    s = nc.classify(net, theta)
    assert s.rank == s.rank_upper_bound == 23 and s.certified and s.kind == "generic"
    dead = list(theta)
    dead[: 2 * 2 * 3] = [0] * 12  # Q and K of the first layer vanish: the function is zero
    z = nc.classify(net, dead)
    assert z.kind == "zero" and z.rank < 23
    sf = nc.classify(net, [float(t) for t in theta])
    assert sf.rank == 23 and not sf.certified
