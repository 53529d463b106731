"""Batch scans at scale: sweep throughput, thread scaling, memory of a large dimension run.

Run: ``python -m pytest benches/bench_scan.py --benchmark-only -s`` (numbers are printed and
stored in each benchmark's ``extra_info``). CI smoke-runs this file with ``--benchmark-disable``.

* The sweep of all MLPs with ``d0 = 2``, ``dL = 1``, ``r = 2``, hidden widths <= 5 and up to 4
  hidden layers (``depth = L <= 5`` weight matrices), with and without biases: 1562
  architectures. The narrower reading ``L <= 4`` (156 architectures) is timed too.
* Thread scaling on 2 cores: a sparse scan and a sweep of mid-sized networks, threads=1 vs
  threads=2 (aim: >= 1.7x). Results are identical (asserted).
* Peak memory of ``nc.dimension`` for an MLP with about 10^4 parameters, in a fresh process
  (aim: under 2 GB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import neurocore as nc


def small_mlps(max_depth: int, bias_variants: bool) -> list[nc.Network]:
    nets = list(nc.mlp_grid(2, 1, depth=range(1, max_depth + 1), max_width=5, degree=2))
    if bias_variants:
        nets += list(nc.mlp_grid(2, 1, depth=range(1, max_depth + 1), max_width=5, degree=2, bias=True))
    return nets


@pytest.mark.parametrize("max_depth,bias_variants", [(4, False), (5, True)], ids=["L<=4", "L<=5+bias"])
def test_sweep_all_small_mlps(benchmark, max_depth, bias_variants):
    benchmark.group = "sweep d0=2 dL=1 r=2 widths<=5"
    nets = small_mlps(max_depth, bias_variants)
    res = benchmark.pedantic(lambda: nc.sweep(nets, progress=False), rounds=3, iterations=1)
    assert res.status_counts == {"ok": len(nets)}
    wall = benchmark.stats.stats.min if benchmark.stats else res.seconds
    benchmark.extra_info.update(architectures=len(nets), seconds=wall, per_second=len(nets) / wall)
    filling = sum(1 for r in res.rows if r["filling"])
    defective = sum(1 for r in res.rows if r["defect"])
    print(
        f"\nsweep of {len(nets)} MLPs: {wall:.3f} s, {len(nets) / wall:.0f} architectures/s "
        f"({filling} filling, {defective} defective)"
    )


def _best_of(fn, repeat=3):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def test_scan_thread_scaling(benchmark):
    benchmark.group = "thread scaling"
    net = nc.mlp([4, 10, 10, 2], degree=2)
    run = lambda t: nc.scan(net, samples=400, sampler="sparse", threads=t, progress=False)  # noqa: E731
    run(1)  # warm-up
    t1, one = _best_of(lambda: run(1))
    two = benchmark.pedantic(run, args=(2,), rounds=3, iterations=1)
    t2 = benchmark.stats.stats.min if benchmark.stats else _best_of(lambda: run(2))[0]
    np.testing.assert_array_equal(one.ranks, two.ranks)
    benchmark.extra_info.update(threads1=t1, threads2=t2, speedup=t1 / t2, cores=os.cpu_count())
    print(f"\nscan 400 points of {net}: 1 thread {t1:.3f} s, 2 threads {t2:.3f} s, speedup {t1 / t2:.2f}x")


def test_sweep_thread_scaling(benchmark):
    benchmark.group = "thread scaling"
    nets = list(nc.mlp_grid(6, 2, depth=3, max_width=12, min_width=6, degree=2))  # 49 mid-sized MLPs
    t1, one = _best_of(lambda: nc.sweep(nets, threads=1, progress=False))
    two = benchmark.pedantic(lambda: nc.sweep(nets, threads=2, progress=False), rounds=3, iterations=1)
    t2 = (
        benchmark.stats.stats.min if benchmark.stats else _best_of(lambda: nc.sweep(nets, threads=2, progress=False))[0]
    )
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in one.rows]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in two.rows]
    benchmark.extra_info.update(threads1=t1, threads2=t2, speedup=t1 / t2, architectures=len(nets))
    print(
        f"\nsweep of {len(nets)} MLPs (6 -> 6..12 -> 6..12 -> 2): 1 thread {t1:.3f} s, 2 threads {t2:.3f} s, "
        f"speedup {t1 / t2:.2f}x"
    )


MEMORY_SCRIPT = """
import json, resource, time
import neurocore as nc
net = nc.mlp({widths}, degree=2)
t0 = time.perf_counter()
rep = nc.dimension(net)
secs = time.perf_counter() - t0
print(json.dumps(dict(n_params=net.n_params, dim=rep.dim, certified=rep.certified, seconds=secs,
                      max_rss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
"""


@pytest.mark.parametrize("widths", [[100, 100, 1], [50, 100, 50, 1]], ids=["100-100-1", "50-100-50-1"])
def test_dimension_memory_10k_params(benchmark, widths):
    benchmark.group = "memory of nc.dimension, ~10^4 parameters"
    if benchmark.disabled:
        pytest.skip("timed in a fresh process; skipped when benchmarks are disabled")
    code = MEMORY_SCRIPT.format(widths=widths)

    def run():
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    info = benchmark.pedantic(run, rounds=1, iterations=1)
    gb = info["max_rss_kb"] / 2**20
    benchmark.extra_info.update(info, max_rss_gb=gb)
    print(
        f"\nnc.dimension(mlp({widths}, degree=2)): {info['n_params']} parameters, dim {info['dim']}, "
        f"{info['seconds']:.1f} s, peak RSS {gb:.2f} GB"
    )
    assert gb < 2.0
