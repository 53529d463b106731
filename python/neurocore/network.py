"""Network architectures: layer specifications, the Network container and the builders.

The builders are :func:`mlp`, :func:`conv1d`, :func:`conv2d` and :func:`attention`.

Conventions (parameter order, widths, symmetries) are those of the project's design notes:
parameters run layer by layer (dense: ``W`` row-major then ``b``; convolution: filters in
``(c_out, c_in, k_h, k_w)`` order then biases; attention: per head ``Q``, ``K``, ``V``).
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Union

from neurocore._core import ActivationLayer, AttentionLayer, ConvLayer, DenseLayer, NetworkCore
from neurocore._exact import to_fraction

__all__ = [
    "Activation",
    "Attention",
    "Conv",
    "Dense",
    "Network",
    "attention",
    "conv1d",
    "conv2d",
    "mlp",
]


def _positive_int(v: Any, arg: str, *, allow_zero: bool = False) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{arg}: expected an int, got {v!r}")
    v = int(v)
    if v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{arg}: must be {'non-negative' if allow_zero else 'positive'}, got {v}")
    if v >= 2**63:
        raise ValueError(f"{arg}: {v} is too large (at most 2^63 - 1)")
    return v


def _int_list(values: Any, arg: str, *, min_len: int = 1) -> list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{arg}: expected a list of ints, got {values!r}")
    out = [_positive_int(v, f"{arg}[{i}]") for i, v in enumerate(values)]
    if len(out) < min_len:
        raise ValueError(
            f"{arg}: must have at least {min_len} entr{'y' if min_len == 1 else 'ies'}, got {list(values)}"
        )
    return out


def _sequence(v: Any, arg: str) -> Sequence[Any]:
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        raise TypeError(f"{arg}: expected an int or a list of ints, got {v!r}")
    return v


def _pair(v: Any, arg: str) -> tuple[int, int]:
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        i = _positive_int(v, arg)
        return (i, i)
    if isinstance(v, Sequence) and len(v) == 2:
        return (_positive_int(v[0], arg), _positive_int(v[1], arg))
    raise TypeError(f"{arg}: expected an int or a pair (h, w), got {v!r}")


def _activation_coefficients(degree: Any, activation: Any) -> tuple[Fraction, ...]:
    if (degree is None) == (activation is None):
        raise ValueError("give exactly one of degree= (activation t^r) or activation= (coefficients c_0..c_r)")
    if degree is not None:
        r = _positive_int(degree, "degree")
        return tuple(Fraction(0) for _ in range(r)) + (Fraction(1),)
    if isinstance(activation, (str, bytes)) or not isinstance(activation, Sequence):
        raise TypeError(f"activation: expected a list of coefficients c_0..c_r, got {activation!r}")
    coeffs = [to_fraction(c, "activation") for c in activation]
    while coeffs and coeffs[-1] == 0:
        coeffs.pop()
    if len(coeffs) < 2:
        raise ValueError(
            "activation: needs a nonzero coefficient of degree >= 1 "
            f"(coefficients are c_0..c_r, low to high), got [{', '.join(str(c) for c in activation)}]"
        )
    return tuple(coeffs)


def _format_poly(coeffs: Sequence[Fraction]) -> str:
    terms = []
    for k in range(len(coeffs) - 1, -1, -1):
        c = coeffs[k]
        if c == 0:
            continue
        mono = "" if k == 0 else ("t" if k == 1 else f"t^{k}")
        if c == 1 and mono:
            terms.append(mono)
        elif c == -1 and mono:
            terms.append(f"-{mono}")
        else:
            terms.append(f"{c}{'*' + mono if mono else ''}")
    return " + ".join(terms).replace("+ -", "- ") or "0"


@dataclass(frozen=True, slots=True)
class Dense:
    """Fully connected layer ``x -> W x (+ b)``; parameters ``W`` (row-major) then ``b``."""

    input_dim: int
    output_dim: int
    bias: bool = False

    def _spec(self) -> DenseLayer:
        return DenseLayer(input_dim=self.input_dim, output_dim=self.output_dim, bias=self.bias)

    @property
    def n_params(self) -> int:
        """Number of parameters."""
        return self.input_dim * self.output_dim + (self.output_dim if self.bias else 0)


@dataclass(frozen=True, slots=True)
class Activation:
    """Elementwise polynomial ``s(t) = sum_k c_k t^k`` (coefficients low to high)."""

    coefficients: tuple[Fraction, ...]
    dim: int | None = None

    @staticmethod
    def monomial(degree: int) -> Activation:
        """The activation ``t^degree``."""
        return Activation(_activation_coefficients(degree, None))

    def _spec(self) -> ActivationLayer:
        if self.dim is None:
            raise ValueError("activation: dim= is needed when the activation is not placed after a layer")
        return ActivationLayer(dim=self.dim, coefficients=list(self.coefficients))

    @property
    def degree(self) -> int:
        """Degree of the activation polynomial."""
        return len(self.coefficients) - 1

    def __str__(self) -> str:
        return _format_poly(self.coefficients)


@dataclass(frozen=True, slots=True)
class Conv:
    """Valid strided convolution with channels (1-D when ``kernel[0] == input_size[0] == 1``)."""

    in_channels: int
    out_channels: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    input_size: tuple[int, int]
    bias: bool = False

    def _spec(self) -> ConvLayer:
        return ConvLayer(
            in_channels=self.in_channels,
            out_channels=self.out_channels,
            kernel=self.kernel,
            stride=self.stride,
            input_size=self.input_size,
            bias=self.bias,
        )

    @property
    def output_size(self) -> tuple[int, int]:
        """Spatial output size."""
        return tuple(  # type: ignore[return-value]
            (self.input_size[i] - self.kernel[i]) // self.stride[i] + 1 for i in range(2)
        )


@dataclass(frozen=True, slots=True)
class Attention:
    """Lightning self-attention ``X -> sum_h V_h X (X^T Q_h^T K_h X)`` (+ ``X`` if residual)."""

    input_width: int
    output_width: int
    key_dim: int
    tokens: int
    heads: int = 1
    residual: bool = False

    def _spec(self) -> AttentionLayer:
        return AttentionLayer(
            input_width=self.input_width,
            output_width=self.output_width,
            key_dim=self.key_dim,
            tokens=self.tokens,
            heads=self.heads,
            residual=self.residual,
        )


Layer = Union[Dense, Activation, Conv, Attention]


class Network:
    """A polynomial network: a stack of layers whose dimensions chain.

    Layers are :class:`Dense`, :class:`Conv`, :class:`Attention` and :class:`Activation`.

    Activations may omit ``dim``; it is taken from the previous layer. Use the builders
    :func:`mlp`, :func:`conv1d`, :func:`conv2d`, :func:`attention` for the standard families.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.Network([nc.Dense(3, 2), nc.Activation.monomial(2), nc.Dense(2, 1)])
    >>> net.n_params, net.ambient_dim, net.degrees
    (8, 6, (2,))
    """

    layers: tuple[Layer, ...]
    family: str
    arch: Mapping[str, Any]
    _core: NetworkCore

    def __init__(self, layers: Sequence[Layer], *, family: str = "network", arch: Mapping[str, Any] | None = None):
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
            raise TypeError("layers: expected a list of Dense/Conv/Attention/Activation layers")
        resolved: list[Layer] = []
        specs: list[Any] = []
        width: int | None = None
        for i, layer in enumerate(layers):
            if isinstance(layer, Activation):
                if layer.dim is None:
                    if width is None:
                        raise ValueError("layers: an activation cannot be the first layer without dim=")
                    layer = Activation(layer.coefficients, width)
            elif not isinstance(layer, (Dense, Conv, Attention)):
                raise TypeError(
                    f"layers[{i}]: expected Dense, Conv, Attention or Activation, got {type(layer).__name__}"
                )
            spec = layer._spec()
            resolved.append(layer)
            specs.append(spec)
            width = spec.output_dim
        self._core = NetworkCore(specs)
        self._offsets = tuple(self._core.param_offsets())
        self.layers = tuple(resolved)
        self.family = family
        self.arch = dict(arch or {})

    # Identity: two networks are equal when their layers are.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Network) and self.layers == other.layers

    def __hash__(self) -> int:
        return hash(self.layers)

    def __repr__(self) -> str:
        if self.arch:
            args = ", ".join(f"{k}={_fmt_arg(v)}" for k, v in self.arch.items())
            return f"{self.family}({args})"
        return f"Network(layers={list(self.layers)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.layers, self.family, dict(self.arch)))

    @property
    def n_params(self) -> int:
        """Number of parameters."""
        return self._core.n_params

    @property
    def input_dim(self) -> int:
        """Number of input variables (attention: the entries of the ``d x t`` input, row-major)."""
        return self._core.input_dim

    @property
    def output_dim(self) -> int:
        """Number of output polynomials."""
        return self._core.output_dim

    @property
    def degrees(self) -> tuple[int, ...]:
        """Degrees (in the inputs) that the output polynomials can have, ascending."""
        out: list[int] = []
        for lo, hi in self._core.degree_intervals():
            if hi - lo > 10_000:
                raise ValueError("degrees: the degree set is too large to list; see degree_intervals()")
            out.extend(range(lo, hi + 1))
        return tuple(out)

    def degree_intervals(self) -> tuple[tuple[int, int], ...]:
        """The degree set as closed intervals ``(lo, hi)``."""
        return tuple(self._core.degree_intervals())

    @property
    def parameter_degree(self) -> int:
        """An upper bound on the outputs' degree in the parameters."""
        return self._core.parameter_degree()

    @property
    def ambient_dim(self) -> int:
        """Dimension of the coefficient space: outputs times monomials of the occurring degrees."""
        return self._core.ambient_dim()

    @functools.cached_property
    def symmetry_dim(self) -> int:
        """Generic orbit dimension of the known symmetry group (rescalings, GL actions).

        Exact for linear MLPs; otherwise the rank of the group's tangent vectors at a
        pseudo-random point modulo 2^61 - 1, a certified lower bound that is exact unless that
        point is a root of a nonzero polynomial (probability below ``n_params * deg / 2^61``).
        """
        return self._core.symmetry_dim()

    @functools.cached_property
    def expected_dim(self) -> int:
        """``min(n_params - symmetry_dim, ambient_dim)``: an upper bound, not the dimension."""
        return self._core.expected_dim()

    @property
    def parameter_layers(self) -> tuple[tuple[int, Layer, int, int], ...]:
        """``(layer index, layer, first parameter, end)`` for every layer with parameters."""
        o = self._offsets
        return tuple((i, layer, o[i], o[i + 1]) for i, layer in enumerate(self.layers) if o[i + 1] > o[i])


def _rebuild(layers: tuple[Layer, ...], family: str, arch: dict[str, Any]) -> Network:
    return Network(list(layers), family=family, arch=arch)


def _fmt_arg(v: Any) -> str:
    if isinstance(v, tuple):
        return repr(list(v))
    return repr(v) if not isinstance(v, str) else v if v.startswith("t") else repr(v)


def mlp(
    widths: Sequence[int],
    *,
    degree: int | None = None,
    activation: Sequence[int | Fraction | str] | None = None,
    bias: bool = False,
) -> Network:
    """A multilayer perceptron ``f(x) = W_L s(... s(W_1 x + b_1) ...) + b_L``.

    Parameters
    ----------
    widths : list of int
        ``(d_0, ..., d_L)``: input width, hidden widths, output width (at least two entries).
    degree : int, optional
        Activation ``t^degree`` (``1`` is a linear network).
    activation : list of int or Fraction, optional
        Activation coefficients ``c_0..c_r`` (low to high), instead of ``degree``.
    bias : bool
        Give every layer a bias vector.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.mlp([3, 2, 1], degree=2)
    >>> net.n_params, net.ambient_dim, net.expected_dim
    (8, 6, 6)
    """
    ws = _int_list(widths, "widths", min_len=2)
    coeffs = _activation_coefficients(degree, activation)
    if not isinstance(bias, bool):
        raise TypeError(f"bias: expected a bool, got {bias!r}")
    layers: list[Layer] = []
    for i in range(len(ws) - 1):
        if i > 0:
            layers.append(Activation(coeffs, ws[i]))
        layers.append(Dense(ws[i], ws[i + 1], bias))
    arch: dict[str, Any] = {"widths": tuple(ws), "activation": _format_poly(coeffs)}
    if bias:
        arch["bias"] = True
    return Network(layers, family="mlp", arch=arch)


def _channels(channels: Sequence[int] | None, n_layers: int) -> list[int]:
    if channels is None:
        return [1] * (n_layers + 1)
    ch = _int_list(channels, "channels")
    if len(ch) != n_layers + 1:
        raise ValueError(
            f"channels: expected {n_layers + 1} entries (input channels, then one per layer), got {len(ch)}"
        )
    return ch


def conv1d(
    filters: Sequence[int],
    strides: Sequence[int] | None = None,
    *,
    degree: int | None = None,
    activation: Sequence[int | Fraction | str] | None = None,
    output_length: int = 1,
    channels: Sequence[int] | None = None,
    bias: bool = False,
) -> Network:
    """A 1-D convolutional network of valid strided convolutions.

    Layer ``l`` has a filter of size ``filters[l]`` and stride ``strides[l]`` (default 1);
    widths follow from the output length: ``d_{l-1} = s_l (d_l - 1) + k_l``. With one output
    and ``degree=1`` the coefficient vector is the end-to-end filter.

    Parameters
    ----------
    filters, strides : list of int
        Filter sizes and strides, one per layer.
    degree, activation
        The activation between layers, as for :func:`mlp`.
    output_length : int
        Length of the final output (default 1).
    channels : list of int, optional
        ``(c_0, c_1, ..., c_L)``: input channels, then the output channels of each layer.
    bias : bool
        One bias per output channel and layer.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.conv1d([3, 2], [2, 1], degree=1)
    >>> net.input_dim, net.n_params, net.ambient_dim
    (5, 5, 5)
    """
    ks = _int_list(filters, "filters")
    ss = [1] * len(ks) if strides is None else _int_list(strides, "strides")
    if len(ss) != len(ks):
        raise ValueError(f"strides: expected {len(ks)} entries (one per filter), got {len(ss)}")
    coeffs = _activation_coefficients(degree, activation)
    out_len = _positive_int(output_length, "output_length")
    ch = _channels(channels, len(ks))
    widths = [out_len]
    for k, s in zip(reversed(ks), reversed(ss), strict=False):
        widths.insert(0, s * (widths[0] - 1) + k)
    layers: list[Layer] = []
    for i, (k, s) in enumerate(zip(ks, ss, strict=False)):
        if i > 0:
            layers.append(Activation(coeffs))
        layers.append(Conv(ch[i], ch[i + 1], (1, k), (1, s), (1, widths[i]), bias))
    arch: dict[str, Any] = {"filters": tuple(ks), "strides": tuple(ss), "activation": _format_poly(coeffs)}
    if out_len != 1:
        arch["output_length"] = out_len
    if channels is not None:
        arch["channels"] = tuple(ch)
    if bias:
        arch["bias"] = True
    return Network(layers, family="conv1d", arch=arch)


def conv2d(
    filters: Sequence[Any],
    strides: Sequence[Any] | None = None,
    *,
    degree: int | None = None,
    activation: Sequence[int | Fraction | str] | None = None,
    output_size: Any = (1, 1),
    channels: Sequence[int] | None = None,
    bias: bool = False,
) -> Network:
    """A 2-D convolutional network; ``filters`` and ``strides`` are ``(h, w)`` pairs per layer.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.conv2d([(2, 2), (2, 2)], degree=1)
    >>> net.input_dim, net.n_params
    (9, 8)
    """
    if isinstance(filters, (str, bytes)) or not isinstance(filters, Sequence) or not filters:
        raise ValueError("filters: expected a non-empty list of (h, w) pairs")
    ks = [_pair(f, f"filters[{i}]") for i, f in enumerate(filters)]
    if strides is None:
        ss = [(1, 1)] * len(ks)
    else:
        if not isinstance(strides, Sequence) or len(strides) != len(ks):
            raise ValueError(f"strides: expected {len(ks)} (h, w) pairs (one per filter)")
        ss = [_pair(s, f"strides[{i}]") for i, s in enumerate(strides)]
    coeffs = _activation_coefficients(degree, activation)
    oh, ow = _pair(output_size, "output_size")
    ch = _channels(channels, len(ks))
    sizes = [(oh, ow)]
    for k, s in zip(reversed(ks), reversed(ss), strict=False):
        h, w = sizes[0]
        sizes.insert(0, (s[0] * (h - 1) + k[0], s[1] * (w - 1) + k[1]))
    layers: list[Layer] = []
    for i, (k, s) in enumerate(zip(ks, ss, strict=False)):
        if i > 0:
            layers.append(Activation(coeffs))
        layers.append(Conv(ch[i], ch[i + 1], k, s, sizes[i], bias))
    arch: dict[str, Any] = {"filters": tuple(ks), "strides": tuple(ss), "activation": _format_poly(coeffs)}
    if (oh, ow) != (1, 1):
        arch["output_size"] = (oh, ow)
    if channels is not None:
        arch["channels"] = tuple(ch)
    if bias:
        arch["bias"] = True
    return Network(layers, family="conv2d", arch=arch)


def attention(
    widths: Sequence[int],
    key_dims: Sequence[int] | int,
    tokens: int,
    *,
    heads: Sequence[int] | int = 1,
    residual: bool = False,
) -> Network:
    """A deep lightning (softmax-free) self-attention network ``d_0 -> d_1 -> ... -> d_L``.

    Layer ``l`` maps a ``d_{l-1} x t`` input ``X`` to ``sum_h V_h X (X^T Q_h^T K_h X)`` with
    ``Q_h, K_h`` of shape ``a_l x d_{l-1}`` and ``V_h`` of shape ``d_l x d_{l-1}``.

    Parameters
    ----------
    widths : list of int
        ``(d_0, ..., d_L)``.
    key_dims : list of int or int
        Key dimension ``a_l`` of each layer.
    tokens : int
        Number of tokens ``t`` (columns of ``X``).
    heads : list of int or int
        Heads per layer (summed).
    residual : bool
        Add the input to every layer's output (needs equal widths).

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.attention([3, 3], [2], tokens=2)
    >>> net.n_params, net.ambient_dim, net.expected_dim
    (21, 336, 16)
    """
    ws = _int_list(widths, "widths", min_len=2)
    n = len(ws) - 1
    if isinstance(key_dims, numbers.Integral) and not isinstance(key_dims, bool):
        ks = [_positive_int(key_dims, "key_dims")] * n
    else:
        ks = [_positive_int(v, f"key_dims[{i}]") for i, v in enumerate(_sequence(key_dims, "key_dims"))]
    if len(ks) != n:
        raise ValueError(f"key_dims: expected {n} entries (one per layer), got {len(ks)}")
    t = _positive_int(tokens, "tokens")
    if isinstance(heads, numbers.Integral) and not isinstance(heads, bool):
        hs = [_positive_int(heads, "heads")] * n
    else:
        hs = [_positive_int(v, f"heads[{i}]") for i, v in enumerate(_sequence(heads, "heads"))]
    if len(hs) != n:
        raise ValueError(f"heads: expected {n} entries (one per layer), got {len(hs)}")
    if residual and len(set(ws)) != 1:
        raise ValueError(f"residual: residual layers need equal widths, got {ws}")
    layers: list[Layer] = [Attention(ws[i], ws[i + 1], ks[i], t, hs[i], residual) for i in range(n)]
    arch: dict[str, Any] = {"widths": tuple(ws), "key_dims": tuple(ks), "tokens": t}
    if any(h != 1 for h in hs):
        arch["heads"] = tuple(hs)
    if residual:
        arch["residual"] = True
    return Network(layers, family="attention", arch=arch)
