"""nc.rank modulo the default prime against python-flint's nmod_mat.rank (issue: foundation)."""

from __future__ import annotations

import numpy as np
import pytest

import neurocore as nc

SIZES = [500, 1000, 2000]
P = nc.DEFAULT_PRIME


def matrix(n, seed=0, p=P):
    return np.random.default_rng(seed).integers(0, p, size=(n, n), dtype=np.uint64)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("p", [P, 8_388_593], ids=["p61", "p23"])
def test_neurocore_rank(benchmark, n, p):
    benchmark.group = f"rank mod p n={n} {p.bit_length()}-bit"
    a = matrix(n, p=p)
    r = benchmark.pedantic(nc.rank, args=(a,), kwargs={"field": p}, rounds=3, iterations=1)
    assert r.rank == n


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("p", [P, 8_388_593], ids=["p61", "p23"])
def test_flint_nmod_mat_rank(benchmark, n, p):
    flint = pytest.importorskip("flint")
    benchmark.group = f"rank mod p n={n} {p.bit_length()}-bit"
    m = flint.nmod_mat(matrix(n, p=p).tolist(), p)
    r = benchmark.pedantic(m.rank, rounds=3, iterations=1)
    assert r == n
