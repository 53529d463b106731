"""The canonical architecture spec: one string per network, built from its layers.

Sweep tables use it as their primary key, so it must not change when a repr is reworded, when
the same network is built another way (``mlp(..., degree=2)`` and ``activation=[0, 0, 1]``, or
a hand-built :class:`neurocore.Network` with the same layers), or between releases. It is a
function of the layers alone, written in this grammar::

    spec  := "v1" (" " layer)+
    layer := "dense(" in "," out [",bias"] ")"
           | "act(" dim ";" c_0 "," c_1 "," ... "," c_r ")"
           | "conv(" c_in "," c_out ";k=" kh "x" kw ";s=" sh "x" sw ";in=" h "x" w [";bias"] ")"
           | "attn(" d_in "," d_out ";a=" key_dim ";t=" tokens ";h=" heads [";residual"] ")"

Activation coefficients run from ``c_0`` to the leading ``c_r != 0`` (trailing zeros dropped)
and are exact rationals in lowest terms (``3``, ``-1/2``), never floats. ``v1`` versions the
grammar: a later format gets a new tag, and keys without a tag are ``repr`` keys of tables
written before this format (:mod:`neurocore.sweeping` still matches them).

Two networks have the same spec exactly when they have the same layers (activation
polynomials compared as polynomials).
"""

from __future__ import annotations

from fractions import Fraction

from neurocore.network import Activation, Attention, Conv, Dense, Layer, Network

__all__ = ["SPEC_VERSION", "architecture_spec"]

#: The tag that starts every spec of the current grammar.
SPEC_VERSION = "v1"


def architecture_spec(net: Network) -> str:
    """The canonical spec string of ``net``'s architecture (the key of sweep tables).

    Examples
    --------
    >>> import neurocore as nc
    >>> nc.architecture_spec(nc.mlp([3, 2, 1], degree=2))
    'v1 dense(3,2) act(2;0,0,1) dense(2,1)'
    >>> nc.architecture_spec(nc.mlp([2, 1], activation=[0, 1], bias=True))
    'v1 dense(2,1,bias)'
    >>> nc.architecture_spec(nc.attention([3, 2], [2], tokens=2))
    'v1 attn(3,2;a=2;t=2;h=1)'
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    return " ".join([SPEC_VERSION, *(_layer_spec(layer) for layer in net.layers)])


def _layer_spec(layer: Layer) -> str:
    if isinstance(layer, Dense):
        return f"dense({layer.input_dim},{layer.output_dim}{',bias' if layer.bias else ''})"
    if isinstance(layer, Activation):
        coeffs = [Fraction(c) for c in layer.coefficients]
        while len(coeffs) > 1 and coeffs[-1] == 0:
            coeffs.pop()
        return f"act({layer.dim};{','.join(str(c) for c in coeffs)})"
    if isinstance(layer, Conv):
        (kh, kw), (sh, sw), (h, w) = layer.kernel, layer.stride, layer.input_size
        bias = ";bias" if layer.bias else ""
        return f"conv({layer.in_channels},{layer.out_channels};k={kh}x{kw};s={sh}x{sw};in={h}x{w}{bias})"
    if isinstance(layer, Attention):
        residual = ";residual" if layer.residual else ""
        return (
            f"attn({layer.input_width},{layer.output_width};a={layer.key_dim};t={layer.tokens};"
            f"h={layer.heads}{residual})"
        )
    raise TypeError(f"layer: expected Dense, Conv, Attention or Activation, got {type(layer).__name__}")
