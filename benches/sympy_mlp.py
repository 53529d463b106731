"""The output polynomials of a bias-free MLP, expanded with sympy (independent of neurocore).

Shared by the baselines that hand a network to other tools (``phc_baseline.py``: PHCpack,
``m2_baseline.py``: Macaulay2).
"""

from __future__ import annotations

import sympy as sp


def mlp_outputs(widths: list[int], activation: list[int], theta: list[sp.Expr]) -> tuple[list[sp.Expr], tuple]:
    """The outputs of the MLP with weights ``theta`` (row-major ``out x in`` per layer) and the
    activation ``sum_k activation[k] t^k`` between dense layers, as polynomials in the inputs;
    and the input symbols."""
    xs = sp.symbols(f"x0:{widths[0]}")
    h: list[sp.Expr] = list(xs)
    pos = 0
    for j in range(1, len(widths)):
        w = [[theta[pos + i * widths[j - 1] + k] for k in range(widths[j - 1])] for i in range(widths[j])]
        pos += widths[j] * widths[j - 1]
        h = [sum(w[i][k] * h[k] for k in range(widths[j - 1])) for i in range(widths[j])]
        if j < len(widths) - 1:
            h = [sum(c * v**k for k, c in enumerate(activation) if c) for v in h]
    return h, xs
