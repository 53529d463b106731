"""The typed boundary: one field spelling, Rust-owned exact matrices, errors and memory limits.

Oracles: python-flint (rref, rank), hand computations in the comments, and the process itself
(an oversized request must raise ResourceLimitError quickly in a child process, never abort it).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurocore as nc


def test_resource_limit_error_is_a_memory_error_and_a_neurocore_error():
    assert issubclass(nc.ResourceLimitError, MemoryError)
    assert issubclass(nc.ResourceLimitError, nc.NeurocoreError)
    assert issubclass(nc.InternalError, nc.NeurocoreError)
    assert not issubclass(nc.InternalError, nc.CertificationError)


@pytest.mark.parametrize("field", ["q", "exact", "float64", "rr", "QQ ", 3.0, True])
def test_one_spelling_per_field(field):
    net = nc.mlp([2, 1, 1], degree=2)
    with pytest.raises((ValueError, TypeError), match="field"):
        nc.jacobian(net, [1, 2, 3], field=field)


def test_the_same_field_argument_everywhere():
    # f = w2 (a x0 + b x1)^2 at (a, b, w2) = (1, 2, 3): coefficients 3, 12, 12 (hand expansion).
    net = nc.mlp([2, 1, 1], degree=2)
    for field, conv in (("QQ", Fraction), (7, int), ("float", float)):
        theta = [1.0, 2.0, 3.0] if field == "float" else [1, 2, 3]
        got = [conv(v) for v in nc.coefficients(net, theta, field=field)]
        want = [3, 12, 12] if field != 7 else [3, 5, 5]
        assert got == want
        assert nc.evaluate(net, theta, [1, 1], field=field).tolist() == pytest.approx([27 % 7 if field == 7 else 27])


def test_exact_jacobian_stays_in_rust_and_round_trips():
    net = nc.mlp([3, 2, 1], degree=2)
    theta = [Fraction(1, 2), 2, -1, 3, Fraction(-5, 3), 1, 2, 7]
    j = nc.jacobian(net, theta, field="QQ")
    assert isinstance(j, nc.ExactMatrix) and j.shape == (6, 8)
    nums, den = j.numer_denom()
    assert den == j.denominator and nums.shape == (6, 8)
    fr = j.to_fractions()
    assert all(Fraction(int(nums[i, k]), den) == fr[i][k] for i in range(6) for k in range(8))
    assert pickle.loads(pickle.dumps(j)) == j
    assert hash(pickle.loads(pickle.dumps(j))) == hash(j)
    # residues modulo p agree with reducing the fractions by hand
    p = 10007
    res = j.residues(p)
    assert all(
        int(res[i, k]) == fr[i][k].numerator * pow(fr[i][k].denominator, -1, p) % p for i in range(6) for k in range(8)
    )


flint = pytest.importorskip("flint")

small_ints = st.integers(min_value=-3, max_value=3)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda m: st.integers(min_value=1, max_value=6).flatmap(
            lambda n: st.tuples(st.just(m), st.just(n), st.lists(small_ints, min_size=m * n, max_size=m * n))
        )
    ),
    st.integers(min_value=1, max_value=4),
)
def test_rref_rank_kernel_match_flint(shape_entries, den):
    m, n, entries = shape_entries
    values = [Fraction(v, den) for v in entries]
    a = nc.ExactMatrix.from_fractions(m, n, values)
    ref = flint.fmpq_mat(m, n, [flint.fmpq(v.numerator, v.denominator) for v in values])
    r, rank = a.rref()
    ref_r, ref_rank = ref.rref()
    assert rank == ref_rank == a.rank().rank
    assert r.to_fractions() == [[Fraction(int(ref_r[i, j].p), int(ref_r[i, j].q)) for j in range(n)] for i in range(m)]
    k = a.kernel()
    assert k.shape == (n - rank, n)
    # A K^T = 0 exactly, checked with flint
    if n - rank:
        kt = k.to_flint().transpose()
        prod = ref * kt
        assert all(prod[i, j] == 0 for i in range(prod.nrows()) for j in range(prod.ncols()))
    assert a.to_flint() == ref


def test_exact_matrix_bad_input():
    with pytest.raises(ZeroDivisionError):
        nc.ExactMatrix.from_integers(1, 1, [1], 0)
    with pytest.raises(ValueError, match="entries"):
        nc.ExactMatrix.from_fractions(2, 2, [1, 2, 3])
    with pytest.raises(TypeError, match="values"):
        nc.ExactMatrix.from_fractions(1, 1, [0.5])
    m = nc.ExactMatrix.from_fractions(1, 2, [Fraction(1, 7), 1])
    with pytest.raises(ZeroDivisionError, match="divisible by 7"):
        m.residues(7)
    with pytest.raises(IndexError):
        m[1, 0]


# ---------------------------------------------------------------------------------------------
# Memory: every public entry point refuses an oversized request with ResourceLimitError, in a
# child process (an abort there fails the test instead of killing the test runner).

OVERSIZED = {
    "dimension of a 10^6-wide MLP": "nc.dimension(nc.mlp([10**6, 10**6, 10**6, 1], degree=2))",
    "expected_dim of wide attention": "nc.attention([128] * 3, [128] * 2, tokens=2).expected_dim",
    "closest point, 40000 parameters": "nc.closest_point(nc.mlp([3, 10000, 1], degree=2), np.ones(6))",
    # (symmetry_dim of a wide monomial MLP is now a closed form: tests/test_bounds.py)
    "symmetry_dim of wide attention": "nc.attention([128] * 3, [128] * 2, tokens=2).symmetry_dim",
    "exact Jacobian": "nc.jacobian(nc.mlp([30, 300, 30], degree=3), [1] * 18000, field='QQ')",
    "float Jacobian": "nc.jacobian(nc.mlp([30, 300, 30], degree=3), [1.0] * 18000, field='float')",
    "mod-p Jacobian": "nc.jacobian(nc.mlp([30, 300, 30], degree=3), [1] * 18000, field=101)",
    "coefficients": "nc.coefficients(nc.mlp([200, 2, 1], degree=6), [1] * 402)",
    "monomials": "nc.monomials(nc.mlp([200, 2, 1], degree=6))",
    "evaluate": "nc.evaluate(nc.mlp([2, 2, 1], degree=2), [1.0] * 6, np.broadcast_to(np.ones(2), (10**9, 2)))",
    "classify": "nc.classify(nc.attention([128] * 3, [128] * 2, tokens=2), [1] * 98304)",
    "symmetries": "nc.symmetries(nc.attention([128] * 3, [128] * 2, tokens=2))",
    "scan": "nc.scan(nc.mlp([10**6, 10**6, 10**6, 1], degree=2), samples=2, progress=False)",
    "hilbert_function": "nc.hilbert_function(nc.mlp([6, 3, 3], degree=3), 6)",
    "equations": "nc.equations(nc.mlp([6, 3, 3], degree=3), 6)",
    "classify, float point": "nc.classify(nc.attention([128] * 3, [128] * 2, tokens=2), [1.5] * 98304)",
}


def _run_child(expr: str) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(
        f"""
        import time, numpy as np, neurocore as nc
        nc.set_memory_limit(1 << 30)
        t0 = time.perf_counter()
        try:
            {expr}
        except nc.ResourceLimitError as e:
            print("LIMIT", round(time.perf_counter() - t0, 3), str(e)[:300])
        else:
            print("NO-ERROR")
        """
    )
    env = dict(os.environ, RUST_BACKTRACE="0")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("name", sorted(OVERSIZED))
def test_oversized_requests_raise_resource_limit_error(name):
    out = _run_child(OVERSIZED[name])
    assert out.returncode == 0, f"{name}: the process died (rc {out.returncode}): {out.stderr[-600:]}"
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("LIMIT"), f"{name}: {out.stdout[-300:]} {out.stderr[-300:]}"
    seconds = float(line.split()[1])
    assert seconds < 1.0, f"{name}: took {seconds} s to refuse"
    assert "bytes" in line and "limit" in line


def test_per_call_memory_limit():
    net = nc.mlp([4, 6, 1], degree=2)
    assert nc.dimension(net).dim == nc.dimension(net, memory_limit=1 << 30).dim
    with pytest.raises(nc.ResourceLimitError, match="memory limit of 1000 bytes"):
        nc.dimension(net, memory_limit=1000)
    # the process limit is untouched by a per-call limit
    assert nc.dimension(net).certified


def test_threads_one_uses_one_core():
    # One second or more of work: process CPU time over wall time stays below 1.2 with threads=1.
    net = nc.mlp([10, 20, 20, 20, 1], degree=2)
    nc.dimension(net, threads=1)
    reps = 0
    c0, w0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - w0 < 1.0:
        rep = nc.dimension(net, threads=1, seed=reps)
        reps += 1
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    assert rep.dim == nc.dimension(net, threads=2).dim
    assert cpu / wall < 1.2, f"threads=1 used {cpu / wall:.2f} cores"


def test_results_do_not_depend_on_threads():
    net = nc.mlp([3, 4, 2], degree=3)
    a, b = nc.dimension(net, threads=1), nc.dimension(net, threads=2)
    assert a.to_dict() == {**b.to_dict(), "network": a.network}
    j1 = nc.jacobian(net, list(range(1, net.n_params + 1)), field="QQ", threads=1)
    j2 = nc.jacobian(net, list(range(1, net.n_params + 1)), field="QQ", threads=2)
    assert j1 == j2
    x = np.arange(6, dtype=float).reshape(2, 3)
    e1 = nc.evaluate(net, np.linspace(-1, 1, net.n_params), x, threads=1)
    e2 = nc.evaluate(net, np.linspace(-1, 1, net.n_params), x, threads=2)
    assert np.array_equal(e1, e2)
