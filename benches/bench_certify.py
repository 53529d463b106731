"""Certified defects (issue 18): the Dao-Rodriguez frontier network, certified by a proven bound.

Run: ``python -m pytest benches/bench_certify.py --benchmark-only``. CI smoke-runs it with
``--benchmark-disable`` (one call, about 5 s on one core).
"""

from __future__ import annotations

import neurocore as nc


def test_frontier_network_certified_at_4320(benchmark):
    # [3, 40, 40, 40, 40, 3] with t^6: 40 sixth powers of ternary linear forms span only the 28
    # ternary sextics, so (docs/certificates.md B1 at hidden layer 2) dim <= 40 * 28 + 3240 - 40.
    benchmark.group = "certified dimension [3,40,40,40,40,3] r=6"
    net = nc.mlp([3, 40, 40, 40, 40, 3], degree=6)
    rep = benchmark.pedantic(nc.dimension, args=(net,), kwargs={"threads": 1}, rounds=1, iterations=1)
    assert rep.dim == 4320 and rep.certified and rep.expected_dim == 4880
    assert "split at hidden layer 2 (B1)" in rep.upper_bound_source
