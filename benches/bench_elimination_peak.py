"""The mod-p elimination kernel against this machine's dgemm peak (issue "scale", item 3).

Peak: ``numpy.matmul`` of two ``n x n`` float64 matrices (``2 n^3`` flops) with the BLAS limited
to 1 and to 2 threads (environment variables of a child process). The gemm crate's own peak,
through the one ``dgemm`` wrapper, is printed by
``cargo test --release -p neurocore-core --lib dgemm_peak -- --ignored --nocapture``.

Kernel: ``nc.rank`` of a random ``n x n`` matrix modulo a 23-bit prime (the float kernel) and
modulo ``2^61 - 1`` (the ``u128`` kernel), counted as the ``(2/3) n^3`` flops of an LU-style
elimination (``n^3 / 3`` multiply-adds, LAPACK's count for ``getrf``). The table gives the
kernel's rate as a fraction of the peak, measured one after the other in one run.

Run: ``python benches/bench_elimination_peak.py [n ...]`` (default 2000 3000).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np

import neurocore as nc

P23 = 8_388_593


def best(f, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def dgemm_gflops(n: int, threads: int) -> float:
    code = (
        "import numpy as np, time\n"
        f"a = np.random.default_rng(0).random(({n}, {n})); b = a.T.copy()\n"
        "a @ b\n"
        "ts = []\n"
        "for _ in range(3):\n"
        "    t0 = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t0)\n"
        f"print(2 * {n}**3 / min(ts) / 1e9)\n"
    )
    env = dict(os.environ, **{k: str(threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip())


def rank_gflops(n: int, p: int, threads: int) -> float:
    a = np.random.default_rng(1).integers(0, p, size=(n, n), dtype=np.uint64)
    assert nc.rank(a, field=p, threads=threads).rank == n
    return (2 / 3) * n**3 / best(lambda: nc.rank(a, field=p, threads=threads)) / 1e9


def main(sizes: list[int]) -> None:
    print(f"{'n':>6} {'threads':>7} {'dgemm GF/s':>11} {'p23 GF/s':>9} {'p23 %':>6} {'p61 GF/s':>9} {'p61 %':>6}")
    for n in sizes:
        for threads in (1, 2):
            peak = dgemm_gflops(n, threads)
            g23 = rank_gflops(n, P23, threads)
            g61 = rank_gflops(n, nc.DEFAULT_PRIME, threads)
            pct23, pct61 = 100 * g23 / peak, 100 * g61 / peak
            print(f"{n:6d} {threads:7d} {peak:11.1f} {g23:9.1f} {pct23:5.0f}% {g61:9.1f} {pct61:5.0f}%")


def test_elimination_rate_against_dgemm(benchmark):
    # A pytest-benchmark entry for the n = 2000 float kernel; the ratio table is main().
    n = 2000
    a = np.random.default_rng(1).integers(0, P23, size=(n, n), dtype=np.uint64)
    r = benchmark.pedantic(nc.rank, args=(a,), kwargs={"field": P23, "threads": 1}, rounds=2, iterations=1)
    assert r.rank == n


if __name__ == "__main__":
    main([int(v) for v in sys.argv[1:]] or [2000, 3000])
