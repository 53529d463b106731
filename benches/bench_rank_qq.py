"""Certified rank over Q: nc.rank(field="QQ") against python-flint's fmpz_mat.rank and sympy's
DomainMatrix over QQ (issue: exact rational Jacobians and certified rank over Q).

Matrices: B C with B (m x r), C (r x n) random, entries of the product about 30 bits, rank r.
Run: ``pytest benches/bench_rank_qq.py --benchmark-only --benchmark-group-by=group``
(python-flint needs about half a minute on the large case; sympy runs on the small case only).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurocore as nc

CASES = [(300, 200, 180), (800, 600, 550)]
IDS = [f"{m}x{n}-r{r}" for m, n, r in CASES]


def low_rank(m, n, r, seed=0):
    """A random m x n integer matrix of rank r with entries of about 30 bits."""
    rng = np.random.default_rng(seed)
    half = int((30 - math.log2(r) / 2) / 2)
    b = rng.integers(-(2**half), 2**half, size=(m, r), dtype=np.int64)
    c = rng.integers(-(2**half), 2**half, size=(r, n), dtype=np.int64)
    return b @ c


def group(m, n, r):
    return f"rank over Q {m}x{n} rank {r} (30-bit entries)"


@pytest.mark.parametrize(("m", "n", "r"), CASES, ids=IDS)
def test_neurocore_rank_qq(benchmark, m, n, r):
    benchmark.group = group(m, n, r)
    a = low_rank(m, n, r)
    res = benchmark.pedantic(nc.rank, args=(a,), kwargs={"field": "QQ"}, rounds=3, iterations=1, warmup_rounds=1)
    assert (res.rank, res.certified) == (r, True)


@pytest.mark.parametrize(("m", "n", "r"), CASES, ids=IDS)
def test_flint_fmpz_mat_rank(benchmark, m, n, r):
    flint = pytest.importorskip("flint")
    benchmark.group = group(m, n, r)
    mat = flint.fmpz_mat(low_rank(m, n, r).tolist())
    rounds = 1 if m > 500 else 3
    assert benchmark.pedantic(mat.rank, rounds=rounds, iterations=1) == r


@pytest.mark.parametrize(("m", "n", "r"), CASES[:1], ids=IDS[:1])
def test_sympy_domainmatrix_rank(benchmark, m, n, r):
    pytest.importorskip("sympy")
    from sympy import QQ
    from sympy.polys.matrices import DomainMatrix

    benchmark.group = group(m, n, r)
    dm = DomainMatrix([[QQ(int(x)) for x in row] for row in low_rank(m, n, r)], (m, n), QQ)
    assert benchmark.pedantic(dm.rank, rounds=1, iterations=1) == r
