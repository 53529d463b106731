"""One thread against two (issue 16 item 5): wall-clock and process CPU seconds of the same call.

``python benches/bench_two_threads.py [repeats]`` times ``nc.dimension`` on (10,20,20,20,1) r=2
and (3,40,40,40,40,3) r=6 and ``nc.rank`` modulo 2^61 - 1 and a 50-bit prime at n = 1000 and
2000, on one and on two threads, and prints the best wall time of ``repeats`` runs with that
run's CPU time (all threads of the process). CPU time is the work done; wall time shows the
speed-up, but only on an otherwise idle machine: with other processes on the cores the second
thread waits for a core, so read ``uptime`` next to the numbers. Results are identical for
both thread counts (checked here too); speed is measured, never asserted.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np

import neurocore as nc

P61 = (1 << 61) - 1
P50 = 1_125_899_906_842_597  # the largest prime below 2^50


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def best(f, repeats: int):
    runs = []
    for _ in range(repeats):
        c0, t0 = cpu_seconds(), time.perf_counter()
        out = f()
        runs.append((time.perf_counter() - t0, cpu_seconds() - c0, out))
    return min(runs, key=lambda r: r[0])


def main(repeats: int) -> None:
    cases = []
    for widths, degree in [([10, 20, 20, 20, 1], 2), ([3, 40, 40, 40, 40, 3], 6)]:
        net = nc.mlp(widths, degree=degree)
        cases.append((f"dimension {tuple(widths)} r={degree}", lambda t, net=net: nc.dimension(net, threads=t).dim))
    for n in (1000, 2000):
        for p, name in [(P61, "2^61-1"), (P50, "50-bit")]:
            a = np.random.default_rng(0).integers(0, p, size=(n, n), dtype=np.uint64)
            cases.append((f"rank n={n} mod {name}", lambda t, a=a, p=p: nc.rank(a, field=p, threads=t).rank))
    print(f"{'case':36} {'1t wall':>8} {'1t cpu':>8} {'2t wall':>8} {'2t cpu':>8} {'wall x':>7}")
    for name, f in cases:
        w1, c1, r1 = best(lambda f=f: f(1), repeats)
        w2, c2, r2 = best(lambda f=f: f(2), repeats)
        assert r1 == r2, f"{name}: thread count changed the result"
        print(f"{name:36} {w1:8.3f} {c1:8.3f} {w2:8.3f} {c2:8.3f} {w1 / w2:6.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
