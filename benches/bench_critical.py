"""nc.ed_degree / nc.critical_points against PHCpack's blackbox solver (``phc -b``) on the same
critical systems.

PHCpack gets what a researcher writes by hand: the parameter-space critical equations of the
squared distance for the MLP (2, 1, 1) ``f = w s(a x0 + x1)`` in the affine gauge ``b = 1``
(which fixes the rescaling symmetry), expanded with sympy, at the gold target of row
mlp-2-1-1-ed_degree-euclidean-10. neurocore solves the same problem from the network itself
(random slice, monodromy, Krawczyk certificates) on one thread. The PHCpack case is skipped where
``phc`` is not installed (Debian package ``phcpack``).

Run: ``python -m pytest benches/bench_critical.py --benchmark-only``, or
``python benches/bench_critical.py`` for the times and their ratio.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import pytest

import neurocore as nc

T6 = [0, 0, 0, 0, 0, 0, 1]
TARGET = ["-6", "-2", "11/8", "10/7", "-7/2", "11", "4/7"]


def phc_system(activation: list[int], target: list[str]) -> str:
    """The gauge-fixed critical equations ``d/da, d/dw sum_k (c_k(a, w) - u_k)^2`` in phc format."""
    import sympy as sp

    a, w, x0, x1 = sp.symbols("a w x0 x1")
    s = sum(c * (a * x0 + x1) ** k for k, c in enumerate(activation))
    poly = sp.Poly(sp.expand(w * s), x0, x1)
    deg = len(activation) - 1
    # Coefficient order of design.md 2.4: degree deg, exponents of x0 descending.
    coeffs = [poly.coeff_monomial(x0 ** (deg - k) * x1**k) for k in range(deg + 1)]
    # phc reads decimal coefficients, not fractions: the target enters as doubles.
    loss = sum((c - sp.Float(float(Fraction(u)), 17)) ** 2 for c, u in zip(coeffs, target, strict=True))
    eqs = [sp.expand(sp.diff(loss, v)) for v in (a, w)]
    return f"{len(eqs)}\n" + "\n".join(f"{sp.sstr(e).replace('**', '^')};" for e in eqs) + "\n"


def run_phc(system: str) -> tuple[float, int]:
    """Seconds of ``phc -b`` and the number of solutions it reports."""
    phc = shutil.which("phc")
    assert phc is not None
    with tempfile.TemporaryDirectory() as d:
        inp, out = Path(d) / "in.phc", Path(d) / "out.phc"
        inp.write_text(system, encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([phc, "-b", str(inp), str(out)], check=True, capture_output=True, timeout=600)
        elapsed = time.perf_counter() - start
        text = out.read_text(encoding="utf-8", errors="replace")
    # The last "THE SOLUTIONS :" block is the final one; its next line is "<count> <dimension>".
    tail = text.rsplit("THE SOLUTIONS :", 1)[-1]
    return elapsed, len(re.findall(r"^solution \d+ :", tail, flags=re.MULTILINE))


def run_neurocore() -> tuple[float, int]:
    net = nc.mlp([2, 1, 1], activation=T6)
    start = time.perf_counter()
    res = nc.critical_points(net, [Fraction(u) for u in TARGET], threads=1, real_preimages=False)
    return time.perf_counter() - start, res.n_complex


def test_neurocore_critical_points_t6(benchmark):
    _, n = benchmark.pedantic(run_neurocore, rounds=3, iterations=1)
    assert n == 16  # gold row mlp-2-1-1-ed_degree-euclidean-10


@pytest.mark.skipif(shutil.which("phc") is None, reason="PHCpack (phc) not installed")
def test_phcpack_blackbox_t6(benchmark):
    system = phc_system(T6, TARGET)
    benchmark.pedantic(run_phc, args=(system,), rounds=1, iterations=1)


if __name__ == "__main__":
    t_nc, n_nc = run_neurocore()
    print(f"neurocore critical_points: {t_nc:.2f} s, {n_nc} critical functions")
    if shutil.which("phc"):
        t_phc, n_phc = run_phc(phc_system(T6, TARGET))
        print(f"phc -b:                    {t_phc:.2f} s, {n_phc} solutions (parameter points, gauge b = 1)")
        print(f"ratio phc / neurocore:     {t_phc / t_nc:.1f}x")
