"""ED degrees the way researchers compute them with Macaulay2 (Draisma-Horobet-Ottaviani-Sturmfels-
Thomas 2016, Example 2.11): the critical ideal of the distance, saturated by the singular locus.

Independent of neurocore: the MLP's coefficients are expanded with sympy (``m2_baseline``), then
Macaulay2, over ``GF(32003)`` (as the gold file's Macaulay2 rows), computes

* ``I = ker map(R, S, phi)`` (implicitization; timed separately as ``implicit_seconds``),
* ``k = codim I``, ``Jac`` the Jacobian of the generators, and for data ``u`` with random
  integer entries the critical ideal ``I + minors(k + 1, Jac^T || (x - u))``,
* saturated by ``I + minors(k, Jac^T)`` (the singular locus) and by the ideal of the origin
  (the vertex of the cone); ``degree`` of the result is the ED degree (timed as
  ``ed_seconds``: the critical ideal and its saturation).

The metric is the euclidean one on the coefficients (all weights one; neurocore's
``"euclidean"``). A probabilistic result: correct for data outside a proper closed set, and
modulo 32003 (a finite-field computation, as the gold file's Macaulay2 rows).
Skipped when ``M2`` is not installed (Debian: ``apt-get install macaulay2``).

Run: ``python benches/m2_ed_degree.py`` (a table, neurocore side by side; best of three runs of
each, interleaved).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

sys.path.insert(0, str(Path(__file__).parent))
from m2_baseline import available, mlp_coefficients  # noqa: E402


@dataclass(frozen=True)
class M2EdResult:
    ed_degree: int
    implicit_seconds: float
    """CPU seconds of ``ker map`` inside M2."""
    ed_seconds: float
    """CPU seconds of the critical ideal and its saturation inside M2."""
    seconds: float
    """Wall time of the ``M2`` process (start-up and implicitization included)."""


def ed_degree(widths: list[int], activation: list[int], seed: int = 0) -> M2EdResult:
    """The euclidean ED degree of the bias-free MLP's neurovariety, by Macaulay2."""
    coeffs, theta = mlp_coefficients(widths, activation)
    n = len(coeffs)
    images = ", ".join(str(sp.expand(c)).replace("**", "^") for c in coeffs)
    rng = random.Random(seed)
    u = [rng.randint(-1000, 1000) for _ in range(n)]
    script = "\n".join(
        [
            "kk = ZZ/32003;",
            f"R = kk[{', '.join(str(t) for t in theta)}];",
            f"S = kk[c_1..c_{n}];",
            "t0 = cpuTime();",
            f"I = ker map(R, S, {{{images}}});",
            "t1 = cpuTime();",
            "k = codim I;",
            "Jac = jacobian gens I;",  # n x (number of generators)
            f"d = matrix{{{{{', '.join(f'c_{i + 1} - ({v})' for i, v in enumerate(u))}}}}};",
            "M = (transpose Jac) || d;",
            "Crit = I + minors(k + 1, M);",
            "Sing = I + minors(k, transpose Jac);",
            "E = saturate(saturate(Crit, Sing), ideal vars S);",
            "t2 = cpuTime();",
            'print("ED " | toString degree E);',
            'print("TIMES " | toString(t1 - t0) | " " | toString(t2 - t1));',
            "exit 0",
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ed.m2"
        path.write_text(script)
        t0 = time.perf_counter()
        out = subprocess.run(["M2", "--script", str(path)], capture_output=True, text=True, check=True).stdout
        seconds = time.perf_counter() - t0
    ed = int(re.search(r"ED (\d+)", out).group(1))  # type: ignore[union-attr]
    times = re.search(r"TIMES ([0-9.e+-]+) ([0-9.e+-]+)", out)
    assert times is not None, out
    return M2EdResult(ed, float(times.group(1)), float(times.group(2)), seconds)


REPEATS = 3

# (widths, activation coefficients, gold euclidean ED degree, gold id)
CASES = [
    ([2, 1, 1], [0, 0, 0, 1], 7, "mlp-2-1-1-ed_degree-euclidean-17"),
    ([3, 2, 1], [0, 0, 1], 13, "mlp-3-2-1-ed_degree-euclidean-19"),
]


def main() -> None:
    import neurocore as nc

    if not available():
        print("Macaulay2 (M2) is not installed: nothing to compare")
        return
    # nc's default is two independent monodromy runs that must agree, every solution certified;
    # one run is the like-for-like comparison with M2's single probabilistic computation. 'M2
    # calc' is M2's computation proper (implicitization and ED step, CPU seconds inside M2):
    # its wall time is mostly start-up, which a session of many computations pays once.
    print(
        f"{'case':36s} {'gold':>4s} {'nc':>4s} {'nc s':>7s} {'nc 1run':>8s} {'M2':>4s} {'M2 calc':>8s} "
        f"{'M2 wall':>8s} {'M2/nc':>7s} {'M2/1run':>8s} {'calc/nc':>8s} {'calc/1run':>9s}"
    )
    for widths, act, gold, cid in CASES:
        net = nc.mlp(widths, activation=act)
        # Best of REPEATS for each tool, interleaved, so that a load spike hits all alike.
        t_nc = t_one = float("inf")
        m2 = None
        m2_calc: float | None = None
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            rep = nc.ed_degree(net, "euclidean", seed=0, threads=1, progress=False)
            t_nc = min(t_nc, time.perf_counter() - t0)
            t0 = time.perf_counter()
            one = nc.ed_degree(net, "euclidean", seed=0, threads=1, runs=1, progress=False)
            t_one = min(t_one, time.perf_counter() - t0)
            run = ed_degree(widths, act)
            if m2 is None or run.seconds < m2.seconds:
                m2 = run
            calc = run.implicit_seconds + run.ed_seconds
            m2_calc = calc if m2_calc is None else min(m2_calc, calc)
        assert m2 is not None and m2_calc is not None and one.ed_degree == rep.ed_degree
        print(
            f"{cid:36s} {gold:4d} {rep.ed_degree:4d} {t_nc:7.3f} {t_one:8.3f} {m2.ed_degree:4d} {m2_calc:8.3f} "
            f"{m2.seconds:8.3f} {m2.seconds / t_nc:6.1f}x {m2.seconds / t_one:7.1f}x "
            f"{m2_calc / t_nc:7.1f}x {m2_calc / t_one:8.1f}x   (nc certified >= {rep.certified_lower_bound})"
        )


if __name__ == "__main__":
    main()
