"""Rank modulo p against python-flint's nmod_mat on random, low-rank and edge-case matrices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurocore as nc

flint = pytest.importorskip("flint")

PRIMES = [3, 5, 65_537, 8_388_593, 2_147_483_647, 2**61 - 1, 9_223_372_036_854_775_783]


def flint_rank(a: np.ndarray, p: int) -> int:
    rows, cols = a.shape
    if rows == 0 or cols == 0:
        return 0
    return flint.nmod_mat([[int(v) for v in row] for row in a], p).rank()


def low_rank(rng, rows, cols, k, p):
    b = rng.integers(0, min(p, 2**62), size=(rows, k), dtype=np.uint64) % np.uint64(p)
    c = rng.integers(0, min(p, 2**62), size=(k, cols), dtype=np.uint64) % np.uint64(p)
    # exact product mod p through Python ints (no overflow)
    prod = [[sum(int(b[i, t]) * int(c[t, j]) for t in range(k)) % p for j in range(cols)] for i in range(rows)]
    return np.array(prod, dtype=np.uint64).reshape(rows, cols)


@settings(max_examples=60, deadline=None)
@given(
    p=st.sampled_from(PRIMES),
    rows=st.integers(0, 14),
    cols=st.integers(0, 14),
    k=st.integers(0, 14),
    seed=st.integers(0, 2**32 - 1),
)
def test_low_rank_matches_flint(p, rows, cols, k, seed):
    rng = np.random.default_rng(seed)
    a = low_rank(rng, rows, cols, k, p)
    r = nc.rank(a, field=p)
    assert r.rank == flint_rank(a, p)
    assert r.certified and r.lower_bound == r.upper_bound == r.rank
    assert r.rank <= min(rows, cols, k)


@pytest.mark.parametrize("p", PRIMES)
@pytest.mark.parametrize("shape,k", [((120, 90), 60), ((90, 120), 90), ((200, 200), 199), ((300, 260), 255)])
def test_blocked_sizes_match_flint(p, shape, k):
    rng = np.random.default_rng(p % 1000 + k)
    a = low_rank(rng, *shape, k, p) if k < 100 else _fast_low_rank(rng, shape, k, p)
    expect = flint_rank(a, p)
    assert nc.rank(a, field=p, threads=1).rank == expect
    assert nc.rank(a, field=p, threads=2).rank == expect


def _fast_low_rank(rng, shape, k, p):
    rows, cols = shape
    b = flint.nmod_mat([[int(v) for v in row] for row in rng.integers(0, p, size=(rows, k), dtype=np.uint64)], p)
    c = flint.nmod_mat([[int(v) for v in row] for row in rng.integers(0, p, size=(k, cols), dtype=np.uint64)], p)
    prod = b * c
    return np.array([[int(prod[i, j]) for j in range(cols)] for i in range(rows)], dtype=np.uint64)


def test_edge_shapes_and_signed_input():
    assert nc.rank(np.zeros((0, 5), dtype=np.int64), field=7).rank == 0
    assert nc.rank(np.zeros((5, 0), dtype=np.int64), field=7).rank == 0
    assert nc.rank(np.zeros((4, 4), dtype=np.int64), field=7).rank == 0
    assert nc.rank([[0, 0, 7]], field=7).rank == 0
    assert nc.rank([[0, 0, 7]], field=11).rank == 1
    assert nc.rank([[-1, 1], [1, -1]], field=5).rank == 1
    assert nc.rank([[3], [6]], field=3).rank == 0
    big = [[2**70 + 1, 1], [1, 1]]
    assert (
        nc.rank(big, field=2**61 - 1).rank
        == flint.nmod_mat([[v % (2**61 - 1) for v in r] for r in big], 2**61 - 1).rank()
    )


def test_float_rank_is_labelled_numerical():
    r = nc.rank(np.array([[1.0, 2.0], [2.0, 4.0 + 1e-15]]), field="float")
    assert r.rank == 1 and not r.certified and r.tolerance > 0
