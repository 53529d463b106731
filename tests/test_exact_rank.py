"""Certified ranks and verified kernels over Q (nc.rank / nc.kernel with field="QQ").

Oracles: python-flint's fmpz_mat.rank, sympy's nullspace, and exact multiplication A K^T = 0.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neurocore as nc

flint = pytest.importorskip("flint")


def low_rank(m, n, r, bits, rng):
    """A random m x n integer matrix of rank <= r (exactly r with overwhelming probability)."""
    half = max(1, bits // 2)
    b = [[rng.randint(-(2**half), 2**half) for _ in range(r)] for _ in range(m)]
    c = [[rng.randint(-(2**half), 2**half) for _ in range(n)] for _ in range(r)]
    return [[sum(b[i][t] * c[t][j] for t in range(r)) for j in range(n)] for i in range(m)]


def flint_rank(a, n_cols):
    if not a or n_cols == 0:
        return 0
    return flint.fmpz_mat(a).rank()


def check_kernel(a, n_cols, k, rank):
    rows = k.to_fractions()
    assert k.shape == (n_cols - rank, n_cols)
    for v in rows:
        for row in a:
            assert sum(Fraction(x) * y for x, y in zip(row, v, strict=True)) == 0
    if rows:
        flat = [flint.fmpq(y.numerator, y.denominator) for v in rows for y in v]
        assert flint.fmpq_mat(len(rows), n_cols, flat).rank() == len(rows)


@st.composite
def low_rank_matrices(draw, max_dim=9, max_bits=200):
    m = draw(st.integers(0, max_dim))
    n = draw(st.integers(0, max_dim))
    r = draw(st.integers(0, min(m, n)))
    bits = draw(st.integers(1, max_bits))
    rng = random.Random(draw(st.integers(0, 2**32)))
    return m, n, low_rank(m, n, r, bits, rng)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(low_rank_matrices())
def test_rank_matches_flint_on_random_low_rank_matrices(case):
    m, n, a = case
    res = nc.rank(a, field="QQ") if m else nc.rank(np.zeros((0, n), dtype=np.int64), field="QQ")
    expect = flint_rank(a, n)
    assert res.certified
    assert (res.rank, res.lower_bound, res.upper_bound) == (expect, expect, expect)
    assert res.shape == (m, n)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(low_rank_matrices(max_dim=7))
def test_kernel_is_verified_exactly(case):
    m, n, a = case
    if m == 0:
        return
    k = nc.kernel(a, field="QQ")
    check_kernel(a, n, k, flint_rank(a, n))


@pytest.mark.parametrize("seed", range(4))
def test_kernel_is_sympy_standard_nullspace(seed):
    sympy = pytest.importorskip("sympy")
    rng = random.Random(seed)
    m, n, r = rng.randint(2, 7), rng.randint(3, 8), rng.randint(1, 3)
    a = low_rank(m, n, min(r, m, n), 40, rng)
    expect = [[Fraction(int(x.p), int(x.q)) for x in v] for v in sympy.Matrix(a).nullspace()]
    assert nc.kernel(a).to_fractions() == expect


@pytest.mark.parametrize(
    ("m", "n", "r", "bits"),
    [(40, 30, 17, 30), (30, 45, 29, 64), (60, 20, 19, 8), (25, 25, 24, 200), (12, 12, 12, 2000)],
)
def test_medium_matrices(m, n, r, bits):
    a = low_rank(m, n, r, bits, random.Random(m * n + bits))
    res = nc.rank(a)
    assert (res.rank, res.certified) == (flint_rank(a, n), True)
    check_kernel(a, n, nc.kernel(a), res.rank)


COMMON_PRIMES = [2, 3, 65537, 2**31 - 1, 8_388_593, 2**61 - 1, nc.DEFAULT_PRIME, 9_223_372_036_854_775_783]


def unimodular(n, rng):
    """A random integer matrix of determinant +-1 (products of elementary matrices)."""
    u = [[int(i == j) for j in range(n)] for i in range(n)]
    for _ in range(4 * n):
        i, j = rng.sample(range(n), 2)
        c = rng.randint(-3, 3)
        for t in range(n):
            u[i][t] += c * u[j][t]
    return u


def matmul(a, b):
    return [[sum(x * y for x, y in zip(row, col, strict=True)) for col in zip(*b, strict=True)] for row in a]


@pytest.mark.parametrize("seed", range(3))
def test_rank_drops_modulo_common_primes(seed):
    # U diag(1, ..., 1, P, 0) V with P the product of common primes (and of primes just below 2^22,
    # the lifting range): rank n - 1 over Q, n - 2 modulo each of them.
    rng = random.Random(seed)
    lift_range = [p for p in range(2**22 - 1, 2**22 - 2000, -2) if flint.fmpz(p).is_prime()][:40]
    big = 1
    for p in COMMON_PRIMES + lift_range:
        big *= p
    n = 7
    d = [[0] * n for _ in range(n)]
    for i in range(n - 2):
        d[i][i] = 1
    d[n - 2][n - 2] = big
    a = matmul(matmul(unimodular(n, rng), d), unimodular(n, rng))
    for p in COMMON_PRIMES[2:]:
        assert flint.nmod_mat(a, p).rank() == n - 2
    res = nc.rank(a, seed=seed)
    assert (res.rank, res.certified) == (n - 1, True)
    check_kernel(a, n, nc.kernel(a, seed=seed), n - 1)
    # Also as the transpose, with a zero row appended.
    at = [list(r) for r in zip(*a, strict=True)] + [[0] * n]
    assert nc.rank(at).rank == n - 1


def test_multiples_of_primes_everywhere():
    p = 2**61 - 1
    a = [[p * x for x in row] for row in low_rank(6, 5, 3, 20, random.Random(1))]
    assert nc.rank(a).rank == 3
    check_kernel(a, 5, nc.kernel(a), 3)


@pytest.mark.parametrize(("m", "n"), [(0, 0), (0, 5), (5, 0), (1, 6), (6, 1), (4, 4)])
def test_edge_shapes_and_zero_matrices(m, n):
    z = np.zeros((m, n), dtype=np.int64)
    res = nc.rank(z)
    assert (res.rank, res.certified, res.shape) == (0, True, (m, n))
    k = nc.kernel(z)
    assert k.to_fractions() == [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]


@pytest.mark.parametrize(("m", "n"), [(1, 6), (6, 1), (1, 1)])
def test_single_row_and_column(m, n):
    rng = random.Random(m + 10 * n)
    a = [[rng.randint(-(2**70), 2**70) for _ in range(n)] for _ in range(m)]
    assert nc.rank(a).rank == 1
    check_kernel(a, n, nc.kernel(a), 1)


def test_rationals_int64_and_big_inputs_agree():
    rng = random.Random(5)
    a = low_rank(9, 8, 5, 20, rng)
    scales = [Fraction(rng.randint(1, 9), rng.randint(1, 9)) for _ in a]
    fr = [[s * x for x in row] for s, row in zip(scales, a, strict=True)]  # row scaling keeps the rank
    big = [[x * 2**90 for x in row] for row in a]
    ranks = {nc.rank(a).rank, nc.rank(np.array(a, dtype=np.int64)).rank, nc.rank(fr).rank, nc.rank(big).rank}
    assert ranks == {5}
    k = nc.kernel(fr)
    for v in k.to_fractions():
        for row in fr:
            assert sum(x * y for x, y in zip(row, v, strict=True)) == 0


def test_exact_matrix_input_and_threads_and_seeds_agree():
    a = low_rank(50, 40, 23, 30, random.Random(9))
    results = {(r.rank, r.certified) for r in (nc.rank(a, threads=t, seed=s) for t in (0, 1, 2) for s in (0, 7))}
    assert results == {(23, True)}
    k = nc.kernel(a)
    assert nc.kernel(a, threads=1, seed=3) == k
    # An ExactMatrix (e.g. an exact Jacobian) is accepted directly.
    assert nc.rank(k).rank == 17


def test_result_fields_and_errors():
    res = nc.rank([[1, 2], [2, 4]])
    assert res.field == "QQ" and res.to_dict()["rank"] == 1 and int(res) == 1
    assert all(isinstance(p, int) for p in res.primes)
    with pytest.raises(TypeError):
        nc.rank([[1.5, 2.0]], field="QQ")
    with pytest.raises(ValueError):
        nc.rank([[1, 2], [3]], field="QQ")
