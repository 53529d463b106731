"""Every published dimension in tests/data/dimensions.jsonl is reproduced."""

from __future__ import annotations

import pytest
from conftest import build_network, load_jsonl

import neurocore as nc

ROWS = load_jsonl("dimensions.jsonl")


def design_symmetry_dim(row: dict) -> int:
    """The generic orbit dimension of the known symmetries, from design.md 2.1-2.3 (not the code)."""
    arch = row["arch"]
    if row["family"] == "mlp":
        widths, act = arch["widths"], arch["activation"]
        if act == [0, 1]:  # linear: n_params - rho (d_0 + d_L - rho), rho = min width
            rho = min(widths)
            return row["n_params"] - rho * (widths[0] + widths[-1] - rho)
        monomial = sum(1 for c in act if c != 0) == 1
        return sum(widths[1:-1]) if monomial else 0  # one rescaling per hidden neuron, or none
    if row["family"] == "conv1d":
        return len(arch["filters"]) - 1  # rescaling between consecutive layers
    widths, key_dims = arch["widths"], arch["key_dims"]
    assert all(a <= d for a, d in zip(key_dims, widths, strict=False)), "a > d is outside design.md's formula"
    # GL(a) on (Q, K) and the scalar between Q^T K and V per layer; GL(d_l) at internal widths.
    return sum(a * a + 1 for a in key_dims) + sum(d * d for d in widths[1:-1])


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_gold_dimension(row):
    net = build_network(row)
    assert net.n_params == row["n_params"]
    if "ambient_dim" in row:
        assert net.ambient_dim == row["ambient_dim"]
    rep = nc.dimension(net, seed=0)
    assert rep.dim == row["dim"]
    assert rep.expected_dim == min(row["n_params"] - design_symmetry_dim(row), row["ambient_dim"])
    # The upper bound is claimed proven: it may not fall below the true (gold) dimension, and a
    # certified answer is exactly the gold one, met by the bound.
    assert row["dim"] <= rep.upper_bound <= rep.expected_dim
    if rep.certified:
        assert rep.upper_bound == row["dim"] and rep.error_bound == 0.0
    else:
        assert rep.upper_bound > row["dim"]  # else the report should have said certified
        assert 0.0 < rep.error_bound < 1e-12
        assert len(rep.trials) >= 2


@pytest.mark.parametrize("row", [r for r in ROWS if r["family"] == "mlp"][:6], ids=lambda r: r["id"])
def test_gold_dimension_other_seeds_and_threads(row):
    net = build_network(row)
    for seed in (1, 2):
        for threads in (1, 2):
            assert nc.dimension(net, seed=seed, threads=threads).dim == row["dim"]


def test_large_prime_only_agrees():
    net = nc.mlp([3, 3, 3, 1], degree=2)
    rep = nc.dimension(net, primes=[nc.DEFAULT_PRIME], trials=3)
    assert rep.dim == 12
    assert all(t.prime == nc.DEFAULT_PRIME for t in rep.trials)
    assert rep.error_bound < 1e-40


def test_hidden_symmetry_of_quadratic_last_layer():
    # Single-output MLPs with a quadratic last hidden layer: binom(d_{L-1}, 2) hidden dimensions.
    rep = nc.dimension(nc.mlp([3, 3, 3, 1], degree=2))
    assert rep.expected_dim - rep.dim == 3
    assert rep.hidden_symmetry_dim == 3


def test_linear_networks_match_formula():
    for widths in ([3, 2, 3], [4, 1, 4], [2, 5, 3], [3, 2, 4, 3], [5, 3, 4, 2]):
        rho = min(widths)
        rep = nc.dimension(nc.mlp(widths, degree=1))
        assert rep.dim == rho * (widths[0] + widths[-1] - rho)
        assert rep.certified
        biased = nc.dimension(nc.mlp(widths, degree=1, bias=True))
        assert biased.dim == rho * (widths[0] + widths[-1] - rho) + widths[-1]


def test_deep_attention_exact_dimension():
    # Float SVD ranks of this Jacobian have been seen to report 45; the modular rank is exact.
    rep = nc.dimension(nc.attention([4, 4, 4, 4], [2, 2, 2], tokens=3))
    assert rep.dim == 49 and rep.certified


def test_residual_attention_is_non_homogeneous():
    net = nc.attention([2, 2], [1], tokens=2, residual=True)
    assert net.degrees == (1, 3)
    plain = nc.attention([2, 2], [1], tokens=2)
    rep, rep_plain = nc.dimension(net), nc.dimension(plain)
    # X + attn(X): the cubic part is the plain network's image, the linear part is fixed.
    assert rep.dim == rep_plain.dim
    assert net.symmetry_dim == 2  # GL(1) and the scalar per head; no GL(d) across a residual
