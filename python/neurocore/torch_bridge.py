"""PyTorch models in and out: :func:`from_torch` and :func:`to_torch`.

torch is an optional extra (``pip install "neurocore[torch]"``); it is imported inside these
functions only, so ``import neurocore`` never imports it.

Supported: ``nn.Sequential`` trees of ``Linear``, ``Conv1d``, ``Conv2d`` (any stride, channels and
bias; no padding, dilation 1, groups 1), ``Flatten``, ``Unflatten``, ``Identity``, ``Dropout``
(the identity at inference), polynomial activations (``PolynomialActivation``) as they are, and
``Tanh``, ``ReLU``, ``Sigmoid``, ``GELU``, ``SiLU``, ``Softplus`` (``beta=1``) replaced by
:func:`neurocore.approximate` on a given domain. Everything else (pooling, normalisation,
softmax attention, custom modules) raises a ``ValueError`` naming the layer.

Inputs are flat, as for :func:`neurocore.evaluate`: a convolutional model whose first layer is a
convolution needs ``input_shape=(C, L)`` or ``(C, H, W)``; modules from :func:`to_torch` begin
with an ``nn.Unflatten`` that carries it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from neurocore.approximation import Approximation, approximate
from neurocore.network import Activation, Attention, Conv, Dense, Layer, Network

__all__ = ["ActivationReport", "TorchConversion", "from_torch", "to_torch"]

SUPPORTED = (
    "Linear, Conv1d, Conv2d (padding 0, dilation 1, groups 1), Flatten, Unflatten, Identity, Dropout, "
    "PolynomialActivation, Tanh, ReLU, Sigmoid, GELU, SiLU, Softplus(beta=1), nested Sequential"
)
_APPROXIMATED = {"Tanh": "tanh", "ReLU": "relu", "Sigmoid": "sigmoid", "GELU": "gelu", "SiLU": "silu"}


def _torch() -> Any:
    try:
        import torch
    except Exception as exc:  # ImportError, or a broken install (e.g. missing CUDA libraries)
        raise ImportError(f'neurocore\'s PyTorch bridge needs torch: pip install "neurocore[torch]" ({exc})') from exc
    return torch


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivationReport:
    """One activation of a converted model: where it was, and its polynomial surrogate."""

    path: str
    module: str
    approximation: Approximation | None
    """None for activations that were polynomial already (exact)."""

    @property
    def error(self) -> float:
        """Uniform error of the surrogate on the domain (0 for polynomial activations)."""
        return 0.0 if self.approximation is None else self.approximation.error


@dataclass(frozen=True, slots=True, kw_only=True)
class TorchConversion:
    """A torch model as a neurocore network; unpacks as ``net, theta = nc.from_torch(model)``."""

    network: Network
    theta: np.ndarray
    activations: tuple[ActivationReport, ...]
    input_shape: tuple[int, ...] | None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.network, self.theta))

    @property
    def max_error(self) -> float:
        """The largest activation error (0 when every activation is polynomial)."""
        return max((a.error for a in self.activations), default=0.0)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {
            "network": repr(self.network),
            "theta": self.theta.tolist(),
            "activations": [
                {"path": a.path, "module": a.module, "error": a.error, "coefficients": None}
                if a.approximation is None
                else {"path": a.path, "module": a.module, **a.approximation.to_dict()}
                for a in self.activations
            ],
            "input_shape": None if self.input_shape is None else list(self.input_shape),
        }


def _leaves(module: Any, torch: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(module, torch.nn.Sequential):
        for name, child in module.named_children():
            yield from _leaves(child, torch, f"{prefix}.{name}" if prefix else name)
    else:
        yield prefix or type(module).__name__, module


def _unsupported(path: str, module: Any, why: str = "") -> ValueError:
    extra = f" ({why})" if why else ""
    return ValueError(
        f"module {path!r} ({type(module).__name__}) is not supported{extra}; supported layers: {SUPPORTED}"
    )


def from_torch(
    module: Any,
    *,
    activation_degree: int = 3,
    domain: tuple[float, float] = (-1.0, 1.0),
    method: str = "minimax",
    input_shape: Sequence[int] | None = None,
    max_denominator: int | None = None,
) -> TorchConversion:
    """A torch model as a neurocore network and its parameter vector (float64, neurocore order).

    Parameters
    ----------
    module : torch.nn.Module
        An ``nn.Sequential`` (possibly nested) of the supported layers.
    activation_degree, domain, method, max_denominator
        How non-polynomial activations are replaced (see :func:`neurocore.approximate`); the
        domain should contain the pre-activations the data produce.
    input_shape : (C, L) or (C, H, W), optional
        The input's shape when the first layer is a convolution.

    Returns
    -------
    TorchConversion
        ``.network``, ``.theta`` and the per-activation report ``.activations``.
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module: expected a torch.nn.Module, got {type(module).__name__}")
    shape: tuple[int, int, int] | None = None  # (C, H, W) while spatial; 1-D as (C, 1, L)
    width: int | None = None
    if input_shape is not None:
        s = tuple(int(v) for v in input_shape)
        if len(s) == 2:
            shape = (s[0], 1, s[1])
        elif len(s) == 3:
            shape = (s[0], s[1], s[2])
        else:
            raise ValueError(f"input_shape: expected (C, L) or (C, H, W), got {tuple(input_shape)}")
    layers: list[Layer] = []
    theta: list[np.ndarray] = []
    reports: list[ActivationReport] = []
    nn = torch.nn

    def array(t: Any) -> np.ndarray:
        return np.asarray(t.detach().cpu().to(torch.float64).numpy(), dtype=np.float64).reshape(-1)

    for path, m in _leaves(module, torch, ""):
        name = type(m).__name__
        if isinstance(m, (nn.Identity, nn.Dropout)):
            continue
        if isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1:
                raise _unsupported(path, m, "only Flatten(start_dim=1, end_dim=-1)")
            if shape is not None:
                width, shape = shape[0] * shape[1] * shape[2], None
            continue
        if isinstance(m, nn.Unflatten):
            sizes = tuple(int(v) for v in m.unflattened_size)
            if m.dim != 1 or len(sizes) not in (2, 3):
                raise _unsupported(path, m, "only Unflatten(1, (C, L)) or Unflatten(1, (C, H, W))")
            new = (sizes[0], 1, sizes[1]) if len(sizes) == 2 else sizes
            n = new[0] * new[1] * new[2]
            if width is not None and width != n:
                raise ValueError(
                    f"module {path!r}: Unflatten to {sizes} needs {n} inputs, the previous layer gives {width}"
                )
            shape, width = new, None  # type: ignore[assignment]
            continue
        if isinstance(m, nn.Linear):
            if shape is not None:
                raise ValueError(f"module {path!r}: Linear after a convolution needs an nn.Flatten() before it")
            if width is not None and width != m.in_features:
                raise ValueError(
                    f"module {path!r}: Linear takes {m.in_features} inputs, the previous layer gives {width}"
                )
            has_bias = m.bias is not None
            layers.append(Dense(m.in_features, m.out_features, has_bias))
            theta.append(array(m.weight))
            if has_bias:
                theta.append(array(m.bias))
            width = m.out_features
            continue
        if isinstance(m, (nn.Conv1d, nn.Conv2d)):
            is1d = isinstance(m, nn.Conv1d)
            pad = m.padding if isinstance(m.padding, str) else tuple(m.padding)
            if pad not in ("valid", (0,), (0, 0)) or any(d != 1 for d in m.dilation) or m.groups != 1:
                raise _unsupported(path, m, "only padding=0, dilation=1, groups=1 (valid convolutions)")
            if shape is None:
                if width is not None or not layers and input_shape is None:
                    raise ValueError(
                        f"module {path!r}: the input shape of {name} is unknown; pass input_shape=(C, L) or "
                        "(C, H, W), or begin with nn.Unflatten"
                    )
                raise ValueError(f"module {path!r}: {name} needs a spatial input")
            if is1d and shape[1] != 1:
                raise ValueError(f"module {path!r}: Conv1d after a 2-D input of shape {shape}")
            if shape[0] != m.in_channels:
                raise ValueError(f"module {path!r}: {name} takes {m.in_channels} channels, the input has {shape[0]}")
            kernel = (1, m.kernel_size[0]) if is1d else (m.kernel_size[0], m.kernel_size[1])
            stride = (1, m.stride[0]) if is1d else (m.stride[0], m.stride[1])
            has_bias = m.bias is not None
            conv = Conv(m.in_channels, m.out_channels, kernel, stride, (shape[1], shape[2]), has_bias)
            layers.append(conv)
            theta.append(array(m.weight))
            if has_bias:
                theta.append(array(m.bias))
            oh, ow = conv.output_size
            shape = (m.out_channels, oh, ow)
            continue
        act = _activation(path, m, torch, activation_degree, domain, method, max_denominator)
        if act is None:
            raise _unsupported(path, m)
        coeffs, rep = act
        layers.append(Activation(coeffs))
        reports.append(rep)
    if not layers or all(isinstance(layer, Activation) for layer in layers):
        raise ValueError("module: has no Linear or convolution layer")
    if isinstance(layers[0], Activation):
        raise ValueError("module: an activation before the first Linear/convolution is not supported")
    net = Network(layers)
    th = np.concatenate(theta) if theta else np.zeros(0)
    in_shape = None if input_shape is None else tuple(int(v) for v in input_shape)
    return TorchConversion(network=net, theta=th, activations=tuple(reports), input_shape=in_shape)


def _activation(
    path: str, m: Any, torch: Any, degree: int, domain: tuple[float, float], method: str, max_den: int | None
) -> tuple[tuple[Fraction, ...], ActivationReport] | None:
    from neurocore._torch_modules import PolynomialActivation

    name = type(m).__name__
    if isinstance(m, PolynomialActivation):
        return tuple(m.coefficients), ActivationReport(path=path, module=name, approximation=None)
    target: Any = None
    if name in _APPROXIMATED and isinstance(m, getattr(torch.nn, name)):
        target = _APPROXIMATED[name]
        if name == "GELU" and getattr(m, "approximate", "none") != "none":
            target = lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))  # noqa: E731
    elif isinstance(m, torch.nn.Softplus):
        if float(m.beta) != 1.0:
            raise _unsupported(path, m, "only beta=1")
        target = "softplus"
    if target is None:
        return None
    approx = approximate(target, degree, domain=domain, method=method, max_denominator=max_den)
    if approx.degree < 1 or all(c == 0 for c in approx.rational_coefficients[1:]):
        raise ValueError(
            f"module {path!r}: the degree-{degree} surrogate of {name} is constant; raise activation_degree"
        )
    return tuple(approx.rational_coefficients), ActivationReport(path=path, module=name, approximation=approx)


def to_torch(net: Network, theta: Any) -> Any:
    """A float64 ``torch.nn.Sequential`` computing ``nc.evaluate(net, theta, x)`` on flat inputs ``x``.

    Dense layers become ``Linear``, convolutions ``Unflatten -> Conv1d/Conv2d -> Flatten``, and
    activations :class:`PolynomialActivation` (exact coefficients kept), so that
    ``nc.from_torch(nc.to_torch(net, theta))`` returns ``net`` and ``theta``.
    """
    torch = _torch()
    from neurocore._torch_modules import PolynomialActivation

    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    th = np.asarray(theta, dtype=np.float64).reshape(-1)
    if th.shape[0] != net.n_params:
        raise ValueError(f"theta: expected {net.n_params} parameters, got {th.shape[0]}")
    nn = torch.nn
    mods: list[Any] = []
    offset = 0

    def take(n: int, shape: tuple[int, ...]) -> Any:
        nonlocal offset
        out = torch.tensor(th[offset : offset + n].reshape(shape), dtype=torch.float64)
        offset += n
        return nn.Parameter(out)

    for i, layer in enumerate(net.layers):
        if isinstance(layer, Dense):
            lin = nn.Linear(layer.input_dim, layer.output_dim, bias=layer.bias, dtype=torch.float64)
            lin.weight = take(layer.input_dim * layer.output_dim, (layer.output_dim, layer.input_dim))
            if layer.bias:
                lin.bias = take(layer.output_dim, (layer.output_dim,))
            mods.append(lin)
        elif isinstance(layer, Conv):
            (kh, kw), (sh, sw), (h, w) = layer.kernel, layer.stride, layer.input_size
            co, ci = layer.out_channels, layer.in_channels
            if kh == 1 and h == 1 and sh == 1:
                mods.append(nn.Unflatten(1, (ci, w)))
                conv: Any = nn.Conv1d(ci, co, kw, stride=sw, bias=layer.bias, dtype=torch.float64)
                conv.weight = take(co * ci * kw, (co, ci, kw))
            else:
                mods.append(nn.Unflatten(1, (ci, h, w)))
                conv = nn.Conv2d(ci, co, (kh, kw), stride=(sh, sw), bias=layer.bias, dtype=torch.float64)
                conv.weight = take(co * ci * kh * kw, (co, ci, kh, kw))
            if layer.bias:
                conv.bias = take(co, (co,))
            mods.append(conv)
            mods.append(nn.Flatten())
        elif isinstance(layer, Activation):
            mods.append(PolynomialActivation(layer.coefficients))
        elif isinstance(layer, Attention):
            raise ValueError(f"net: layer {i} is lightning attention, which has no torch counterpart here")
        else:  # pragma: no cover - Network admits no other layer types
            raise TypeError(f"net: layer {i} has unknown type {type(layer).__name__}")
    return nn.Sequential(*mods)
