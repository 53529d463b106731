"""Degrees of neurovarieties: ``nc.degree`` (witness set by monodromy, trace test, Krawczyk) against
Macaulay2 (the implicit ideal as the kernel of the parametrization, by Groebner bases, then
``degree``), for MLPs with one hidden layer.

Both sides must agree with the classical value in ``CASES`` before they are timed. Macaulay2 is
optional: without ``M2`` on the PATH its column is skipped with a reason (Debian:
``apt-get install macaulay2``).

Run: ``python benches/bench_degree.py`` for a table (one run each, side by side).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import neurocore as nc

# (widths n, h, o; activation degree; classical degree and why)
CASES = [
    ([2, 1, 1], 3, 3, "twisted cubic v_3(P^1)"),
    ([3, 1, 1], 2, 4, "Veronese surface v_2(P^2)"),
    ([3, 2, 1], 2, 3, "symmetric 3x3 determinant"),
    ([3, 2, 3], 1, 3, "3x3 determinant"),
    ([3, 1, 3], 1, 6, "Segre P^2 x P^2"),
    ([4, 3, 1], 2, 4, "symmetric 4x4 determinant"),
    ([3, 1, 4], 1, 10, "Segre P^2 x P^3"),
]


def m2_script(widths: list[int], d: int) -> str:
    """The Macaulay2 program: kernel of the coefficient map of ``x -> V (A x)^d``, its degree."""
    n, h, o = widths
    return "\n".join(
        [
            f"R = QQ[a_(1,1)..a_({h},{n}), v_(1,1)..v_({o},{h}), x_1..x_{n}];",
            f"fs = apply(1..{o}, k -> sum(1..{h}, i -> v_(k,i) * (sum(1..{n}, j -> a_(i,j)*x_j))^{d}));",
            f"cf = fold((p, q) -> p | q, apply(fs, f -> transpose (coefficients(f, Variables => {{x_1..x_{n}}}))#1));",
            "k = numcols cf; S = QQ[z_1..z_k];",
            "print degree kernel map(R, S, cf);",
        ]
    )


def run_m2(widths: list[int], d: int, timeout: float = 600.0) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "degree.m2"
        path.write_text(m2_script(widths, d))
        t = time.perf_counter()
        out = subprocess.run(["M2", "--script", str(path)], capture_output=True, text=True, timeout=timeout, check=True)
        return int(out.stdout.strip().splitlines()[-1]), time.perf_counter() - t


def main() -> None:
    have_m2 = shutil.which("M2") is not None
    print(f"{'network':<40} {'want':>4} {'nc':>4} {'nc s':>7} {'M2':>4} {'M2 s':>7}  case")
    for widths, d, want, why in CASES:
        net = nc.mlp(widths, degree=d)
        t = time.perf_counter()
        r = nc.degree(net, threads=1)
        t_nc = time.perf_counter() - t
        assert r.degree == want and r.trace_passed, r
        m2 = "-"
        t_m2 = "skipped (no M2)"
        if have_m2:
            got, secs = run_m2(widths, d)
            assert got == want, (widths, d, got)
            m2, t_m2 = str(got), f"{secs:7.2f}"
        print(f"{str(net):<40} {want:>4} {r.degree:>4} {t_nc:7.2f} {m2:>4} {t_m2:>7}  {why}")


if __name__ == "__main__":
    main()
