"""ED degrees: ``nc.ed_degree`` (monodromy in Rust, Krawczyk-certified) against PHCpack's blackbox
solver on the same formulation (``benches/phc_baseline.py``: sympy expansion of the critical
system on a random slice, polyhedral homotopy over all ``prod deg`` paths, distinct functions).

Both sides must find the gold value (``tests/data/ed_degrees.jsonl``) before they are timed.
PHCpack is optional: without ``phc`` on the PATH the comparison is skipped with a reason
(Debian: ``apt-get install phcpack``).

Run: ``python -m pytest benches/bench_ed_degree.py --benchmark-only -s``, or
``python benches/bench_ed_degree.py [--large]`` for a table with ratios (one run, side by side;
``--large`` adds MLP (3,2,1) ``t^2``, where PHCpack takes about 9 minutes).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

import neurocore as nc

sys.path.insert(0, str(Path(__file__).parent))
import phc_baseline  # noqa: E402

# (widths, activation coefficients, metric, gold value, gold id)
CASES = [
    ([2, 1, 1], [0, 0, 1], "euclidean", 4, "mlp-2-1-1-ed_degree-euclidean-15"),
    ([2, 1, 1], [0, 0, 0, 1], "euclidean", 7, "mlp-2-1-1-ed_degree-euclidean-17"),
    ([2, 1, 1], [0, 0, 0, 1], "bombieri", 3, "mlp-2-1-1-ed_degree-bombieri-18"),
    ([2, 1, 3], [0, 0, 1], "euclidean", 6, "mlp-2-1-3-ed_degree-euclidean-8"),
]
IDS = [c[4] for c in CASES]
# PHCpack needs about 9 minutes here (3,125 paths); run with ``--large``.
LARGE = [([3, 2, 1], [0, 0, 1], "euclidean", 13, "mlp-3-2-1-ed_degree-euclidean-19")]


def _net(widths: list[int], act: list[int]) -> nc.Network:
    return nc.mlp(widths, activation=act)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_neurocore_ed_degree(benchmark, case):
    widths, act, metric, gold, _ = case
    net = _net(widths, act)
    rep = benchmark.pedantic(lambda: nc.ed_degree(net, metric, seed=0, threads=1), rounds=3, iterations=1)
    assert rep.ed_degree == gold


@pytest.mark.skipif(not phc_baseline.available(), reason="PHCpack (phc) is not installed")
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_phcpack_ed_degree(benchmark, case):
    widths, act, metric, gold, _ = case
    dim = nc.dimension(_net(widths, act)).dim
    rep = benchmark.pedantic(lambda: phc_baseline.ed_degree(widths, act, dim, metric), rounds=1, iterations=1)
    assert rep.ed_degree == gold


def main(large: bool = False) -> None:
    if not phc_baseline.available():
        print("PHCpack (phc) is not installed: only neurocore is timed")
    print(f"{'case':38s} {'gold':>5s} {'nc':>5s} {'nc s':>8s} {'phc':>5s} {'phc s':>8s} {'ratio':>7s}")
    for widths, act, metric, gold, cid in CASES + (LARGE if large else []):
        net = _net(widths, act)
        t0 = time.perf_counter()
        rep = nc.ed_degree(net, metric, seed=0, threads=1)
        t_nc = time.perf_counter() - t0
        phc_val, t_phc = "-", float("nan")
        if phc_baseline.available():
            r = phc_baseline.ed_degree(widths, act, nc.dimension(net).dim, metric)
            phc_val, t_phc = str(r.ed_degree), r.seconds
        print(
            f"{cid:38s} {gold:5d} {rep.ed_degree:5d} {t_nc:8.3f} {phc_val:>5s} {t_phc:8.3f} {t_phc / t_nc:7.1f}x"
            f"   (certified >= {rep.certified_lower_bound})"
        )


if __name__ == "__main__":
    main(large="--large" in sys.argv[1:])
