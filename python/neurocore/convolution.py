"""Linear convolutional networks: end-to-end filters and exact realizability over the reals."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from neurocore import _core
from neurocore._exact import parse_exact, split_fractions
from neurocore.maps import coefficients
from neurocore.network import Activation, Conv, Network

__all__ = ["Realizability", "contains", "conv_layers", "end_to_end_filter"]


def conv_layers(net: Network) -> list[Conv]:
    """The convolutional layers of a network made only of convolutions and activations."""
    convs = [layer for layer in net.layers if isinstance(layer, Conv)]
    if not convs or any(not isinstance(layer, (Conv, Activation)) for layer in net.layers):
        raise ValueError("net: expected a convolutional network (conv layers and activations only)")
    return convs


def _check_linear(net: Network) -> list[Conv]:
    convs = conv_layers(net)
    for layer in net.layers:
        if isinstance(layer, Activation) and (layer.degree != 1 or layer.coefficients[0] != 0):
            raise ValueError("net: end-to-end filters exist for linear CNNs only (activation c*t)")
        if isinstance(layer, Conv) and layer.bias:
            raise ValueError("net: end-to-end filters exist for CNNs without biases")
    return convs


def end_to_end_filter(net: Network, theta: Any) -> np.ndarray:
    """The filter of the composed convolution of a linear CNN.

    In one dimension with one channel it is ``u(t) = prod_l w_l(t^{S_{l-1}})`` (``S_l`` the
    cumulative strides), returned as coefficients low to high; in two dimensions the analogue in
    two variables, as a ``(K_h, K_w)`` array; with channels an array of shape
    ``(c_out, c_in, K)`` or ``(c_out, c_in, K_h, K_w)``. Exact (``Fraction``) for int/Fraction
    parameters, float64 for floats. It is read off the network's coefficients: the composed
    convolution's first output has exactly the filter as its coefficients.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.conv1d([2, 2], [2, 1], degree=1)      # u(t) = w1(t) w2(t^2)
    >>> [int(c) for c in nc.end_to_end_filter(net, [1, 2, 3, 5])]   # (1 + 2t)(3 + 5t^2)
    [3, 6, 5, 10]
    """
    convs = _check_linear(net)
    sh = sw = 1
    kh = kw = 1
    for c in convs:
        kh += (c.kernel[0] - 1) * sh
        kw += (c.kernel[1] - 1) * sw
        sh *= c.stride[0]
        sw *= c.stride[1]
    cin, cout = convs[0].in_channels, convs[-1].out_channels
    height, width = convs[0].input_size
    phi = coefficients(net, theta)
    # Linear network: one coefficient per input variable, for each output; output (o, 0, 0) is
    # row o * (outputs per channel) of the coefficient vector.
    oh, ow = convs[-1].output_size
    per_output = cin * height * width
    rows = phi.reshape(cout * oh * ow, per_output)
    filt = np.empty((cout, cin, kh, kw), dtype=phi.dtype)
    for o in range(cout):
        row = rows[o * oh * ow].reshape(cin, height, width)
        filt[o] = row[:, :kh, :kw]
    if height == 1:
        filt = filt[:, :, 0, :]
    if cin == 1 and cout == 1:
        filt = filt[0, 0]
    return filt


@dataclass(frozen=True, slots=True, kw_only=True)
class Realizability:
    """Whether a filter is the end-to-end filter of a real stride-one linear CNN.

    Attributes
    ----------
    realizable : bool
        ``u`` factors over R into polynomials of degrees ``k_l - 1`` (exact decision).
    boundary : bool
        ``u`` is realizable and lies on the boundary of the set of realizable filters: some
        arbitrarily small perturbation is not realizable (this needs a repeated real root).
    complex_pairs, capacity : int
        Irreducible real quadratic factors of ``u``, and how many the layers can hold
        (``sum floor((k_l - 1) / 2)``).
    real_roots : tuple of (multiplicity, count)
        Distinct finite real roots of each multiplicity (Sturm sequences on Yun's square-free
        decomposition, exact).
    root_at_infinity : int
        ``d - deg u``: a degree drop counts as a real root at infinity.
    """

    realizable: bool
    boundary: bool
    degree: int
    complex_pairs: int
    capacity: int
    real_roots: tuple[tuple[int, int], ...]
    root_at_infinity: int

    def __bool__(self) -> bool:
        return self.realizable

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return asdict(self)


def contains(net: Network, u: Any) -> Realizability:
    """Decides exactly whether the filter ``u`` is realized by a 1-D linear CNN with strides 1.

    ``u`` (integers or Fractions, coefficients low to high, length ``sum(k_l - 1) + 1``) is
    realized over the reals iff it factors into real polynomials of degrees ``k_l - 1``. The
    decision counts real roots exactly (Sturm sequences), never with floating point.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.conv1d([2, 2], degree=1)
    >>> nc.contains(net, [1, 0, 1]).realizable        # 1 + t^2 has no real roots
    False
    >>> nc.contains(net, [1, 2, 1]).boundary           # (1 + t)^2: a repeated real root
    True
    """
    convs = _check_linear(net)
    if any(c.input_size[0] != 1 or c.kernel[0] != 1 for c in convs):
        raise ValueError("net: contains() decides 1-D networks only")
    if any(c.stride != (1, 1) for c in convs):
        raise ValueError("net: contains() needs all strides equal to 1")
    if any(c.in_channels != 1 or c.out_channels != 1 for c in convs):
        raise ValueError("net: contains() needs single-channel layers")
    if convs[-1].output_size != (1, 1):
        raise ValueError("net: contains() needs output_length=1 (the filter is the coefficient vector)")
    ks = [c.kernel[1] for c in convs]
    vals = parse_exact(u, "u", sum(k - 1 for k in ks) + 1)
    raw = _core.cnn_realizability(ks, *split_fractions(vals))
    return Realizability(
        realizable=raw["realizable"],
        boundary=raw["boundary"],
        degree=raw["degree"],
        complex_pairs=raw["complex_pairs"],
        capacity=raw["capacity"],
        real_roots=tuple(tuple(r) for r in raw["real_roots"]),
        root_at_infinity=raw["root_at_infinity"],
    )
