"""Proven upper bounds (docs/certificates.md): never below a proven lower bound, never worse than
the bounds they replace, and certifying the hand-derived defects."""

from __future__ import annotations

import time

import flint
import numpy as np
import pytest
from conftest import build_network, load_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neurocore as nc
from neurocore import _core

P = 2**61 - 1
ROWS = load_jsonl("dimensions.jsonl")
# Gold rows whose dimension no bound of docs/certificates.md reaches (checked by hand):
# the Alexander-Hirschowitz exception (ternary quartics as sums of five fourth powers) and
# attention networks, where only the ambient and symmetry bounds apply.
NOT_CERTIFIED = {"mlp-351-r4", "lsa-33-a2-t1", "lsa-333-a12-t3", "lsa-242-a22-t3"}


def flint_rank(rows: np.ndarray, p: int) -> int:
    if rows.size == 0:
        return 0
    return flint.nmod_mat(rows.astype(object).tolist(), p).rank()


def jacobian_rank_lower_bound(net: nc.Network, seed: int) -> int:
    """Rank mod p of the coefficient Jacobian at a random point: a proven lower bound on the
    dimension (docs/certificates.md §1), computed without neurocore's rank code."""
    rng = np.random.default_rng(seed)
    theta = [int(v) for v in rng.integers(0, P, size=net.n_params, dtype=np.uint64)]
    jac = np.asarray(nc.jacobian(net, theta, field=P))
    return flint_rank(jac, P)


def old_upper_bound(net: nc.Network) -> int:
    """The bound before the bounds module: min(ambient, n - rank of known and hidden tangents)."""
    rng = np.random.default_rng(1)
    theta = rng.integers(0, P, size=net.n_params, dtype=np.uint64)
    tangents = _core.symmetry_tangents_mod_p(net._core, theta, P, True)
    return min(net.ambient_dim, net.n_params - flint_rank(tangents, P))


@st.composite
def small_mlps(draw: st.DrawFn) -> nc.Network:
    widths = draw(st.lists(st.integers(1, 4), min_size=3, max_size=5))
    widths[0] = draw(st.integers(1, 3))
    bias = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:
        return nc.mlp(widths, activation=[0, 1, 1], bias=bias)  # t + t^2: no torus
    return nc.mlp(widths, degree=draw(st.integers(1, 3)), bias=bias)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=small_mlps(), seed=st.integers(0, 2**32))
def test_upper_bound_is_never_below_a_proven_lower_bound(net, seed):
    rep = nc.dimension(net, seed=0)
    lower = jacobian_rank_lower_bound(net, seed)
    assert lower <= rep.upper_bound, (net, rep.upper_bound_source)
    assert rep.dim <= rep.upper_bound
    # No new bound is worse than the old one, and a matching old bound still certifies.
    assert rep.upper_bound <= old_upper_bound(net)


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_gold_rows_stay_certified_with_the_same_value(row):
    net = build_network(row)
    rep = nc.dimension(net, seed=0)
    assert rep.dim == row["dim"]
    assert rep.upper_bound <= old_upper_bound(net)
    assert rep.certified == (row["id"] not in NOT_CERTIFIED), rep.upper_bound_source


@pytest.mark.parametrize(
    ("widths", "dim"),
    [
        # f = c l^4 for one linear form: a cone over the rational normal quartic.
        ([2, 1, 2, 1], 2),
        # F(l1, l2) with F a binary quadric: rank-2 ternary quadrics, 2 * (3 + 3 - 2) - 3.
        ([3, 2, 1], 5),
        # G(l1^2, l2^2), G a binary quadric: (6 - 2) + 3.
        ([3, 2, 10, 1], 7),
        # v1 q1^2 + v2 q2^2 = (a q1 + b q2)(a q1 - b q2): product of two ternary quartics, 15 + 15 - 1.
        ([3, 10, 10, 2, 1], 29),
        # sum of three squares of ternary quartics q = M q' for M in O(3): 45 - 3.
        ([3, 8, 10, 3, 1], 42),
        # binary quartics that are quadrics in two binary quadrics: 2 * 3 + 3 - 2.
        ([2, 5, 2, 5, 1], 7),
    ],
)
def test_hand_derived_defects_are_certified(widths, dim):
    rep = nc.dimension(nc.mlp(widths, degree=2))
    assert rep.dim == dim and rep.certified, rep.upper_bound_source
    assert rep.expected_dim > dim  # a genuine defect, proven
    assert "(B" in rep.upper_bound_source  # named with its lemma and split


def test_non_monomial_activation_uses_the_interface_bound():
    # [3, 1, 4, 1] with s1 = t + t^2, s2 = t^2: f = c (l + l^2)^2, dimension 4 (finite fibers).
    from neurocore.network import Activation, Dense, Network

    net = Network([Dense(3, 1), Activation([0, 1, 1]), Dense(1, 4), Activation([0, 0, 1]), Dense(4, 1)])
    rep = nc.dimension(net)
    assert rep.dim == 4 and rep.certified, rep.upper_bound_source


def test_symmetry_generators_are_refused_before_allocation():
    # ~49k generators x 98k parameters (39 GB): refused by the size check, not attempted.
    old = nc.memory_limit()
    nc.set_memory_limit(8 << 30)
    try:
        net = nc.attention([128] * 3, [128] * 2, tokens=2)
        started = time.perf_counter()
        with pytest.raises(nc.ResourceLimitError):
            _ = net.expected_dim
        assert time.perf_counter() - started < 1.0
    finally:
        nc.set_memory_limit(old)


def test_rescaling_symmetry_in_closed_form_is_cheap():
    # Monomial MLP: the orbit dimension is the number of hidden units (certificates.md), no rank
    # and no generator rows (2 * 10^5 x 10^10 entries would be refused by the memory check).
    old = nc.memory_limit()
    nc.set_memory_limit(1 << 30)
    try:
        net = nc.mlp([2, 10**5, 10**5, 1], degree=2)
        started = time.perf_counter()
        assert net.symmetry_dim == 2 * 10**5
        assert time.perf_counter() - started < 1.0
    finally:
        nc.set_memory_limit(old)
