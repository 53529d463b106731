"""The ED degree of an MLP neurovariety the way researchers compute it today with PHCpack.

The same formulation as ``nc.ed_degree`` (docs: critical-points note, section 2), written
independently of neurocore: the network's function is expanded symbolically (sympy) as a
polynomial in the inputs, the parameters are restricted to a random complex affine slice
``theta = theta0 + B t`` of dimension ``m`` (the dimension of the neurovariety), the critical
equations ``(J B)^T W (phi - u) = 0`` of the weighted squared distance to random complex data
``u`` are expanded and written in PHCpack's input format, and ``phc -b`` (the blackbox solver:
polyhedral homotopy, all isolated solutions) solves them. Regular solutions with a full-rank
``J B`` are mapped to their functions, and distinct functions are counted.

Used by ``benches/bench_ed_degree.py`` and skipped there when ``phc`` is not installed
(Debian: ``apt-get install phcpack``).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp
from sympy_mlp import mlp_outputs


def available() -> bool:
    """True when the ``phc`` executable is on the PATH."""
    return shutil.which("phc") is not None


def mlp_function(widths: list[int], activation: list[int], theta: list[sp.Expr]) -> tuple[list[sp.Expr], list]:
    """Coefficients of the MLP's output polynomials (bias-free, one activation ``sum c_k t^k``)
    in the inputs, output by output, and their monomials (sympy's order; any fixed order works
    because the metric weights are computed from the exponents)."""
    h, xs = mlp_outputs(widths, activation, theta)
    coeffs: list[sp.Expr] = []
    monos: list = []
    for out in h:
        poly = sp.Poly(sp.expand(out), *xs)
        for mono in sorted(_monomials(len(xs), poly.total_degree())):
            coeffs.append(poly.coeff_monomial(mono))
            monos.append(mono)
    return coeffs, monos


def _monomials(n: int, d: int) -> list[tuple[int, ...]]:
    if n == 1:
        return [(d,)]
    return [(a, *rest) for a in range(d + 1) for rest in _monomials(n - 1, d - a)]


def bombieri_weight(mono: tuple[int, ...]) -> float:
    """``1 / multinomial(d; alpha)``: the Bombieri-Weyl weight of ``x^alpha``."""
    d = sum(mono)
    return math.prod(math.factorial(a) for a in mono) / math.factorial(d)


@dataclass(frozen=True)
class PhcResult:
    ed_degree: int
    solutions: int
    regular: int
    seconds: float
    """Wall time of ``phc -b`` alone (the symbolic setup is not counted)."""


def _phc_number(z: complex) -> str:
    return f"({z.real:.17g}{z.imag:+.17g}*i)"


def ed_degree(
    widths: list[int], activation: list[int], dim: int, metric: str = "euclidean", seed: int = 0
) -> PhcResult:
    """The number of distinct critical functions of the weighted distance to random data."""
    rng = np.random.default_rng(seed)
    n = sum(widths[j] * widths[j - 1] for j in range(1, len(widths)))
    t = sp.symbols(f"t0:{dim}")
    theta0 = rng.normal(size=n) + 1j * rng.normal(size=n)
    b = rng.normal(size=(n, dim)) + 1j * rng.normal(size=(n, dim))
    theta_sym = sp.symbols(f"w0:{n}")
    coeffs, monos = mlp_function(widths, activation, list(theta_sym))
    weights = [1.0 if metric == "euclidean" else bombieri_weight(m) for m in monos]
    u = rng.normal(size=len(coeffs)) + 1j * rng.normal(size=len(coeffs))
    # Substitute the slice: theta_k = theta0_k + sum_j B_kj t_j.
    sub = {theta_sym[k]: complex(theta0[k]) + sum(complex(b[k, j]) * t[j] for j in range(dim)) for k in range(n)}
    phi_t = [sp.expand(c.subs(sub)) for c in coeffs]
    eqs = [
        sp.expand(sum(sp.diff(p, t[j]) * w * (p - complex(uk)) for p, w, uk in zip(phi_t, weights, u, strict=True)))
        for j in range(dim)
    ]
    text = f"{dim}\n" + "".join(_phc_poly(e, t) + ";\n" for e in eqs)
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "sys.phc", Path(tmp) / "sys.out"
        inp.write_text(text)
        t0 = time.perf_counter()
        subprocess.run(["phc", "-b", str(inp), str(out)], check=True, capture_output=True, timeout=3600)
        seconds = time.perf_counter() - t0
        sols = _parse_solutions(out.read_text(), dim)
    phi_f = sp.lambdify([t], phi_t, "numpy")
    jb_f = sp.lambdify([t], [[sp.diff(p, tj) for tj in t] for p in phi_t], "numpy")
    functions: list[np.ndarray] = []
    regular = 0
    for z, is_regular in sols:
        if not is_regular:
            continue
        regular += 1
        jb = np.array(jb_f(z), dtype=complex)
        sv = np.linalg.svd(jb, compute_uv=False)
        # An absolute floor too: at the vertex phi = 0 every singular value is ~1e-15.
        if sv[-1] <= 1e-8 * max(1.0, sv[0]):
            continue
        f = np.array(phi_f(z), dtype=complex)
        if not any(np.linalg.norm(f - g) <= 1e-6 * max(1.0, np.linalg.norm(g)) for g in functions):
            functions.append(f)
    return PhcResult(ed_degree=len(functions), solutions=len(sols), regular=regular, seconds=seconds)


def _phc_poly(expr: sp.Expr, t: tuple) -> str:
    terms = []
    for monom, c in sp.Poly(expr, *t).terms():
        c = complex(c)
        mono = "*".join(f"t{j}^{e}" if e > 1 else f"t{j}" for j, e in enumerate(monom) if e)
        terms.append(_phc_number(c) + ("*" + mono if mono else ""))
    return " + ".join(terms) if terms else "0"


def _parse_solutions(text: str, dim: int) -> list[tuple[np.ndarray, bool]]:
    """``(t, regular)`` of every solution in a PHCpack output file (the last, refined list;
    ``regular`` is PHCpack's own verdict, ``failure`` and ``singular`` paths are not)."""
    block = text[text.rfind("THE SOLUTIONS") :] if "THE SOLUTIONS" in text else text
    out = []
    for sol in re.split(r"solution \d+ :", block)[1:]:
        vals = re.findall(r"t(\d+) :\s+(\S+)\s+(\S+)", sol)
        verdict = re.search(r"== err :.*=\s*([a-z ]+?)\s*==", sol)
        z = np.zeros(dim, dtype=complex)
        for j, re_, im_ in vals[:dim]:
            z[int(j)] = complex(float(re_), float(im_))
        out.append((z, bool(verdict) and "regular" in verdict.group(1)))
    return out
