"""Equations and degrees of MLP neurovarieties the way researchers compute them with Macaulay2.

Independent of neurocore: the network's output polynomials are expanded with sympy (all
coefficients, every degree), written as a ring map ``S = QQ[c_1..c_N] -> R = QQ[theta]`` and
Macaulay2 computes ``I = ker map(R, S, phi)`` (implicitization by a Groebner basis), then the
number of minimal generators of ``I`` in each degree, ``degree I`` and the Hilbert function of
``S/I``. Used by ``benches/bench_equations.py``; skipped there when ``M2`` is not installed
(Debian: ``apt-get install macaulay2``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sympy as sp
from sympy_mlp import mlp_outputs


def available() -> bool:
    """True when the ``M2`` executable is on the PATH."""
    return shutil.which("M2") is not None


def mlp_coefficients(widths: list[int], activation: list[int]) -> tuple[list[sp.Expr], list[sp.Symbol]]:
    """Every coefficient of the bias-free MLP's output polynomials in the inputs (activation
    ``sum_k activation[k] t^k`` between dense layers), and the parameter symbols."""
    n_params = sum(widths[j] * widths[j - 1] for j in range(1, len(widths)))
    theta = list(sp.symbols(f"w0:{n_params}"))
    h, xs = mlp_outputs(widths, activation, theta)
    coeffs: list[sp.Expr] = []
    for out in h:
        poly = sp.Poly(sp.expand(out), *xs)
        coeffs.extend(c for _, c in sorted(poly.terms()))
    return coeffs, theta


@dataclass(frozen=True)
class M2Result:
    generators_by_degree: dict[int, int]
    """Minimal generators of the vanishing ideal, by degree."""
    degree: int
    """``degree I``: the degree of the (projective closure of the) neurovariety."""
    hilbert: int
    """``hilbertFunction(d, S/I)`` at the requested ``d``."""
    seconds: float
    """Wall time of the ``M2`` process (start-up included, about 0.3 s here)."""


def vanishing_ideal(widths: list[int], activation: list[int], hilbert_degree: int) -> M2Result:
    """Runs Macaulay2's ``ker map`` on the network's coefficient map."""
    coeffs, theta = mlp_coefficients(widths, activation)
    n = len(coeffs)
    images = ", ".join(str(sp.expand(c)).replace("**", "^") for c in coeffs)
    script = "\n".join(
        [
            f"R = QQ[{', '.join(str(t) for t in theta)}];",
            f"S = QQ[c_1..c_{n}];",
            f"I = ker map(R, S, {{{images}}});",
            "G = flatten entries mingens I;",
            'print("DEGREES " | toString apply(G, g -> first degree g));',
            'print("DEGREE " | toString degree I);',
            f'print("HILBERT " | toString hilbertFunction({hilbert_degree}, S/I));',
            "exit 0",
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ker.m2"
        path.write_text(script)
        t0 = time.perf_counter()
        out = subprocess.run(["M2", "--script", str(path)], capture_output=True, text=True, check=True).stdout
        seconds = time.perf_counter() - t0
    degrees = [int(v) for v in re.findall(r"\d+", re.search(r"DEGREES (.*)", out).group(1))]  # type: ignore[union-attr]
    by_degree: dict[int, int] = {}
    for d in degrees:
        by_degree[d] = by_degree.get(d, 0) + 1
    degree = int(re.search(r"DEGREE (\d+)", out).group(1))  # type: ignore[union-attr]
    hilbert = int(re.search(r"HILBERT (\d+)", out).group(1))  # type: ignore[union-attr]
    return M2Result(by_degree, degree, hilbert, seconds)
