"""nc.rank modulo word-size primes against python-flint's nmod_mat.rank (issues: foundation, scale).

The pytest-benchmark entries time each size and prime separately. The issue's must-show table
(2^61 - 1 and a 50-bit prime at n = 1000 and 2000, neurocore on one and on two threads,
python-flint on its default one thread), measured side by side in one run:
``python benches/bench_rank_mod_p.py [n ...]``.
"""

from __future__ import annotations

import functools
import sys
import time

import numpy as np
import pytest

import neurocore as nc

SIZES = [500, 1000, 2000]
P = nc.DEFAULT_PRIME
P50 = 1_125_899_906_842_597  # the largest prime below 2^50 (2^50 - 27)


def matrix(n, seed=0, p=P):
    return np.random.default_rng(seed).integers(0, p, size=(n, n), dtype=np.uint64)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("p", [P, P50, 8_388_593], ids=["p61", "p50", "p23"])
def test_neurocore_rank(benchmark, n, p):
    benchmark.group = f"rank mod p n={n} {p.bit_length()}-bit"
    a = matrix(n, p=p)
    r = benchmark.pedantic(nc.rank, args=(a,), kwargs={"field": p}, rounds=3, iterations=1)
    assert r.rank == n


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("p", [P, P50, 8_388_593], ids=["p61", "p50", "p23"])
def test_flint_nmod_mat_rank(benchmark, n, p):
    flint = pytest.importorskip("flint")
    benchmark.group = f"rank mod p n={n} {p.bit_length()}-bit"
    m = flint.nmod_mat(matrix(n, p=p).tolist(), p)
    r = benchmark.pedantic(m.rank, rounds=3, iterations=1)
    assert r == n


def best(f, rounds: int = 3, clock=time.perf_counter) -> float:
    times = []
    for _ in range(rounds):
        t0 = clock()
        f()
        times.append(clock() - t0)
    return min(times)


def main(sizes: list[int]) -> None:
    import flint

    # Wall-clock seconds, plus the process CPU seconds of the one-thread runs (less disturbed
    # when other work shares the machine; both sides are single-threaded there).
    print(
        f"{'n':>6} {'prime':>8} {'flint s':>9} {'nc 1t s':>9} {'nc 2t s':>9} {'x(1t)':>7} {'x(2t)':>7}"
        f" {'flint cpu':>10} {'nc 1t cpu':>10} {'x(cpu)':>7}"
    )
    for n in sizes:
        for name, p in (("2^61-1", P), ("50-bit", P50)):
            a = matrix(n, p=p)
            m = flint.nmod_mat(a.tolist(), p)
            assert m.rank() == n
            tf = best(m.rank, rounds=2)
            t1 = best(functools.partial(nc.rank, a, field=p, threads=1))
            t2 = best(functools.partial(nc.rank, a, field=p, threads=2))
            cf = best(m.rank, rounds=2, clock=time.process_time)
            c1 = best(functools.partial(nc.rank, a, field=p, threads=1), clock=time.process_time)
            assert nc.rank(a, field=p, threads=1).rank == n
            print(
                f"{n:6d} {name:>8} {tf:9.3f} {t1:9.3f} {t2:9.3f} {tf / t1:6.1f}x {tf / t2:6.1f}x"
                f" {cf:10.3f} {c1:10.3f} {cf / c1:6.1f}x"
            )


if __name__ == "__main__":
    main([int(v) for v in sys.argv[1:]] or [1000, 2000])
