"""nc.classify on the gold strata points (exact and float) and on a network too large for an exact
coefficient Jacobian, beside python-flint's exact rank of the same Jacobian.

The gold points are the 15 rows of ``tests/data/strata.jsonl``; one round classifies all of them,
so the times are totals. The generic rank (``nc.dimension``) is cached per network after the first
call, as in any session that classifies many points of one architecture.

Run: ``python -m pytest benches/bench_strata.py --benchmark-only`` (add
``--benchmark-json=FILE`` to keep the numbers), or ``python benches/bench_strata.py`` for a table.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import neurocore as nc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import build_network, load_jsonl  # noqa: E402

ROWS = load_jsonl("strata.jsonl")
CASES = [(build_network(r), r["theta"], [float(t) for t in r["theta"]]) for r in ROWS]


def classify_all(points: list[tuple[nc.Network, list[Any]]]) -> list[Any]:
    return [nc.classify(net, theta) for net, theta in points]


def large_case() -> tuple[nc.Network, list[int]]:
    # 218790 x 42: beyond the exact coefficient-Jacobian limit (evaluation ranks + symmetry bound)
    net = nc.attention([3, 3, 3], [2, 2], tokens=3)
    rng = random.Random(2)
    return net, [rng.randint(-9, 9) or 1 for _ in range(net.n_params)]


def flint_ranks() -> list[int]:
    """The exact rank of each gold point's coefficient Jacobian with python-flint (fmpq_mat)."""
    import flint  # noqa: F401  (to_flint needs it)

    out = []
    for net, theta, _ in CASES:
        jac = nc.jacobian(net, theta, field="QQ")
        out.append(jac.to_flint().rank())
    return out


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    # the generic ranks (nc.dimension, cached per network) are not part of the timed work
    classify_all([(n, t) for n, t, _ in CASES])


def test_classify_gold_exact(benchmark):
    benchmark.group = "classify gold strata points (total of 15)"
    out = benchmark(classify_all, [(n, t) for n, t, _ in CASES])
    assert [s.rank for s in out] == [r["rank"] for r in ROWS]


def test_classify_gold_float(benchmark):
    benchmark.group = "classify gold strata points, float (total of 15)"
    out = benchmark(classify_all, [(n, f) for n, _, f in CASES])
    assert [s.rank for s in out] == [r["rank"] for r in ROWS]


def test_flint_rank_of_gold_jacobians(benchmark):
    pytest.importorskip("flint")
    benchmark.group = "classify gold strata points (total of 15)"
    ranks = benchmark(flint_ranks)
    assert ranks == [r["rank"] for r in ROWS]


def test_classify_large_attention(benchmark):
    benchmark.group = "classify attention [3,3,3] tokens=3 (evaluation ranks)"
    net, theta = large_case()
    nc.classify(net, theta)
    s = benchmark.pedantic(nc.classify, args=(net, theta), rounds=5, iterations=1)
    assert s.rank == 23 and s.certified


def _best(f: Any, *args: Any, repeat: int = 20) -> float:
    f(*args)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f(*args)
        times.append(time.perf_counter() - t0)
    return min(times) * 1e3


if __name__ == "__main__":
    exact = [(n, t) for n, t, _ in CASES]
    floats = [(n, f) for n, _, f in CASES]
    net, theta = large_case()
    print(f"classify, 15 gold points, exact : {_best(classify_all, exact):8.2f} ms")
    print(f"classify, 15 gold points, float : {_best(classify_all, floats):8.2f} ms")
    print(f"python-flint rank of the 15 Jacobians: {_best(flint_ranks):8.2f} ms")
    print(f"classify, attention [3,3,3] (large) : {_best(nc.classify, net, theta, repeat=5):8.2f} ms")
