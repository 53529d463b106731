"""torch modules that neurocore's networks need (imported only when torch is).

Kept apart from :mod:`neurocore.torch_bridge` so that ``import neurocore`` never imports torch,
while saved models still find ``PolynomialActivation`` by its qualified name.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import torch

__all__ = ["PolynomialActivation"]


class PolynomialActivation(torch.nn.Module):
    """Elementwise ``s(t) = sum_k c_k t^k``; keeps the exact rational coefficients.

    The forward pass is Horner's rule in the input's dtype (float64 for modules built by
    :func:`neurocore.to_torch`).
    """

    def __init__(self, coefficients: Sequence[Fraction]):
        super().__init__()
        self.coefficients = tuple(Fraction(c) for c in coefficients)
        self.register_buffer("coef", torch.tensor([float(c) for c in self.coefficients], dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Horner's rule, highest coefficient first."""
        coef: torch.Tensor = self.get_buffer("coef").to(x.dtype)
        out = torch.zeros_like(x) + coef[-1]
        for k in range(len(self.coefficients) - 2, -1, -1):
            out = out * x + coef[k]
        return out

    def extra_repr(self) -> str:
        return "coefficients=[" + ", ".join(str(c) for c in self.coefficients) + "]"
