"""Equations and Hilbert functions: ``nc.equations`` (interpolation modulo primes, multimodular
lifting, verification at fresh points) against Macaulay2's ``ker map`` (implicitization by a
Groebner basis; ``benches/m2_baseline.py``) on the same MLP neurovarieties.

Both sides must agree on the number of equations of the requested degree and on the Hilbert
function there before they are timed. Macaulay2 is optional: without ``M2`` on the PATH its side
is skipped with a reason (Debian: ``apt-get install macaulay2``).

Run: ``python -m pytest benches/bench_equations.py --benchmark-only -s``, or
``python benches/bench_equations.py [--large]`` for a table with ratios (one run, side by side;
``--large`` adds MLP (5,3,1) ``t^2``, where Macaulay2 takes about 11 minutes).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

import neurocore as nc

sys.path.insert(0, str(Path(__file__).parent))
import m2_baseline  # noqa: E402

# (widths, activation coefficients, equation degree, equations of that degree, name)
CASES = [
    ([2, 1, 1], [0, 0, 0, 1], 2, 3, "twisted cubic (2,1,1) t^3: 3 quadrics"),
    ([2, 2, 1], [0, 0, 1, 1], 3, 1, "razor's edge (2,2,1) t^3+t^2: 1 cubic"),
    ([3, 2, 1], [0, 0, 1], 3, 1, "(3,2,1) t^2: symmetric 3x3 determinant"),
    ([3, 1, 3], [0, 1], 2, 9, "(3,1,3) linear: 2x2 minors of 3x3"),
    ([4, 2, 4], [0, 1], 3, 16, "(4,2,4) linear: 3x3 minors of 4x4"),
    ([4, 3, 1], [0, 0, 1], 4, 1, "(4,3,1) t^2: symmetric 4x4 determinant"),
]
IDS = [c[4].split(":")[0] for c in CASES]
# Macaulay2 needs about 11 minutes here (nc about 12 s); run with ``--large``.
LARGE = [([5, 3, 1], [0, 0, 1], 4, 15, "(5,3,1) t^2: 4x4 minors of symmetric 5x5")]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_neurocore_equations(benchmark, case):
    widths, act, degree, count, _ = case
    net = nc.mlp(widths, activation=act)
    eqs = benchmark.pedantic(lambda: nc.equations(net, degree, threads=1), rounds=3, iterations=1)
    assert len(eqs) == count


@pytest.mark.skipif(not m2_baseline.available(), reason="Macaulay2 (M2) is not installed")
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_macaulay2_equations(benchmark, case):
    widths, act, degree, count, _ = case
    res = benchmark.pedantic(lambda: m2_baseline.vanishing_ideal(widths, act, degree), rounds=1, iterations=1)
    assert res.generators_by_degree.get(degree, 0) == count


def main(large: bool = False) -> None:
    if not m2_baseline.available():
        print("Macaulay2 (M2) is not installed: only neurocore is timed")
    print(f"{'case':46s} {'eqs':>4s} {'H(d)':>6s} {'nc s':>8s} {'M2 eqs':>6s} {'M2 H':>6s} {'M2 s':>8s} {'ratio':>7s}")
    for widths, act, degree, count, name in CASES + (LARGE if large else []):
        net = nc.mlp(widths, activation=act)
        t0 = time.perf_counter()
        eqs = nc.equations(net, degree, threads=1)
        t_nc = time.perf_counter() - t0
        assert len(eqs) == count, (name, len(eqs))
        m2_eqs, m2_h, t_m2 = "-", "-", float("nan")
        if m2_baseline.available():
            r = m2_baseline.vanishing_ideal(widths, act, degree)
            m2_eqs, m2_h, t_m2 = str(r.generators_by_degree.get(degree, 0)), str(r.hilbert), r.seconds
        print(
            f"{name:46s} {len(eqs):4d} {eqs.hilbert.value:6d} {t_nc:8.3f} {m2_eqs:>6s} {m2_h:>6s} {t_m2:8.3f}"
            f" {t_m2 / t_nc:7.1f}x"
        )


if __name__ == "__main__":
    main(large="--large" in sys.argv[1:])
