"""What a user asks of a trained model, in one call: :func:`inspect`.

For a torch model (converted by :func:`neurocore.from_torch`) or a neurocore network with
trained parameters: the surrogate's dimension and expected dimension, the numerical stratum at
the trained weights (rank, singular-value gap, dead and merged neurons within a printed
tolerance), the hidden symmetry dimension, and how far the trained function is from the
singular strata.

Distances are labelled: ``jacobian_distance`` is the smallest retained singular value of the
Jacobian, i.e. the spectral distance of ``d phi(theta)`` to the nearest matrix of lower rank
(Eckart-Young), a first-order measure of the distance to the critical locus; for MLPs
``subnetwork_distance`` is an **upper bound** on the euclidean coefficient distance from
``phi(theta)`` to the image of the dead-neuron and merged-neuron (subnetwork) strata, the singular
strata of non-filling MLPs, attained by an explicit parameter point of that stratum
(``nearest_subnetwork`` says which).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from neurocore.dimension import dimension
from neurocore.maps import coefficients, jacobian
from neurocore.network import Activation, Dense, Network
from neurocore.strata import classify, symmetries

__all__ = ["Inspection", "inspect"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Inspection:
    """The report of :func:`inspect`.

    Attributes
    ----------
    network : str
        The surrogate architecture (``repr``).
    n_params, dim, expected_dim, ambient_dim : int
        Size of the parametrization and the neurovariety's dimension (``certified`` says whether
        it is proven) and its upper bound.
    rank, tolerance, singular_value_gap, kind, details
        The numerical stratum at the trained weights (:func:`neurocore.classify` with floats):
        singular values below ``tolerance`` count as zero.
    hidden_symmetry_dim : int
        Generic fiber dimension not explained by the known symmetry group.
    jacobian_distance : float
        Smallest retained singular value of the Jacobian (Eckart-Young distance to lower rank).
    subnetwork_distance : float or None
        MLPs: an upper bound on the distance of the trained function to the dead/merged strata.
    nearest_subnetwork : str or None
        The stratum attaining ``subnetwork_distance`` (e.g. ``"dead neuron (1, 2)"``).
    max_activation_error : float
        The largest uniform error of an activation surrogate on its domain (0: exact).
    """

    network: str
    n_params: int
    dim: int
    expected_dim: int
    ambient_dim: int
    certified: bool
    rank: int
    tolerance: float | None
    singular_value_gap: float | None
    kind: str
    details: Mapping[str, Any]
    hidden_symmetry_dim: int
    jacobian_distance: float
    subnetwork_distance: float | None
    nearest_subnetwork: str | None
    max_activation_error: float

    @property
    def is_critical(self) -> bool:
        """True when the trained weights are a critical point (rank below the dimension)."""
        return self.rank < self.dim

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        d = asdict(self)
        d["details"] = dict(self.details)
        d["is_critical"] = self.is_critical
        return d

    def __str__(self) -> str:
        lines = [
            f"network            {self.network}",
            f"parameters         {self.n_params}",
            f"dimension          {self.dim} (expected {self.expected_dim}, ambient {self.ambient_dim}"
            f"{', certified' if self.certified else ''})",
            f"rank at weights    {self.rank}  (singular values < {self.tolerance:.3g} counted as zero; "
            f"gap {self.singular_value_gap if self.singular_value_gap is None else f'{self.singular_value_gap:.3g}'})"
            if self.tolerance is not None
            else f"rank at weights    {self.rank}",
            f"stratum            {self.kind}{' (critical point)' if self.is_critical else ''}",
        ]
        for key in ("dead_neurons", "merged_neurons", "smaller_architecture"):
            if self.details.get(key):
                lines.append(f"  {key:<17}{self.details[key]}")
        lines.append(f"hidden symmetries  {self.hidden_symmetry_dim}")
        lines.append(f"jacobian distance  {self.jacobian_distance:.3e} (smallest retained singular value)")
        if self.subnetwork_distance is not None:
            lines.append(f"subnetwork dist.   <= {self.subnetwork_distance:.3e} ({self.nearest_subnetwork})")
        lines.append(f"activation error   {self.max_activation_error:.3e} (uniform, on the domain)")
        return "\n".join(lines)


def _mlp_strata_distance(net: Network, theta: np.ndarray) -> tuple[float, str] | None:
    """Distance from phi(theta) to explicit points of the dead and merged strata (MLPs only)."""
    layers = net.layers
    dense = [(i, layer) for i, layer in enumerate(layers) if isinstance(layer, Dense)]
    if not all(isinstance(layer, (Dense, Activation)) for layer in layers) or len(dense) < 2:
        return None
    offsets = {i: (start, end) for i, _, start, end in net.parameter_layers}
    phi = coefficients(net, theta, field="float")
    best: tuple[float, str] | None = None

    def consider(t: np.ndarray, label: str) -> None:
        nonlocal best
        d = float(np.linalg.norm(coefficients(net, t, field="float") - phi))
        if best is None or d < best[0]:
            best = (d, label)

    for h in range(len(dense) - 1):
        (i_in, lin), (i_out, lout) = dense[h], dense[h + 1]
        s_in, _ = offsets[i_in]
        s_out, _ = offsets[i_out]
        n_in, width = lin.input_dim, lin.output_dim
        b_in = s_in + n_in * width  # bias block of the incoming layer (if any)

        def incoming(j: int, s_in: int = s_in, n_in: int = n_in, b_in: int = b_in, bias: bool = lin.bias) -> list[int]:
            idx = list(range(s_in + j * n_in, s_in + (j + 1) * n_in))
            return idx + ([b_in + j] if bias else [])

        def outgoing(j: int, s_out: int = s_out, width: int = width, n_out: int = lout.output_dim) -> list[int]:
            return [s_out + r * width + j for r in range(n_out)]

        for j in range(width):
            t = theta.copy()
            t[outgoing(j)] = 0.0
            consider(t, f"dead neuron ({h + 1}, {j})")
        for j, k in itertools.combinations(range(width), 2):
            # Equal incoming weights (the average), outgoing weights summed onto one of them.
            t = theta.copy()
            avg = (theta[incoming(j)] + theta[incoming(k)]) / 2
            t[incoming(j)] = avg
            t[incoming(k)] = avg
            t[outgoing(j)] = theta[outgoing(j)] + theta[outgoing(k)]
            t[outgoing(k)] = 0.0
            consider(t, f"merged neurons ({h + 1}, {j}, {k})")
    return best


def inspect(
    model: Any,
    theta: Any = None,
    *,
    activation_degree: int = 3,
    domain: tuple[float, float] = (-1.0, 1.0),
    method: str = "minimax",
    input_shape: Any = None,
    rtol: float = 1e-8,
    seed: int = 0,
) -> Inspection:
    """One-call report on a trained model (torch module, or neurocore network plus ``theta``).

    Parameters
    ----------
    model : torch.nn.Module or Network
        A torch model is converted by :func:`neurocore.from_torch` with ``activation_degree``,
        ``domain``, ``method`` and ``input_shape``.
    theta : sequence of float, optional
        The trained parameters (required for a Network, taken from the module otherwise).
    activation_degree, domain, method : optional
        How :func:`neurocore.from_torch` replaces non-polynomial activations.
    input_shape : tuple of int, optional
        ``(C, L)`` or ``(C, H, W)`` when a torch model begins with a convolution.
    rtol : float
        Relative tolerance of the numerical rank, zero weights and merged neurons.
    seed : int
        Seed of the random choices of the dimension computation.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.mlp([2, 3, 1], activation=[0, 1, 0, 1])
    >>> rep = nc.inspect(net, [1.0, 2.0, 1.0, 2.0, -1.0, 0.5, 1.0, 1.0, 0.0])
    >>> rep.dim, rep.rank, rep.kind, rep.details["dead_neurons"], rep.subnetwork_distance
    (6, 4, 'subnetwork', ((1, 2),), 0.0)
    """
    max_err = 0.0
    if isinstance(model, Network):
        if theta is None:
            raise ValueError("theta: the trained parameters are needed when model is a neurocore Network")
        net = model
        th = np.asarray(theta, dtype=np.float64).reshape(-1)
        if th.shape[0] != net.n_params:
            raise ValueError(f"theta: expected {net.n_params} parameters, got {th.shape[0]}")
    else:
        from neurocore.torch_bridge import from_torch

        if theta is not None:
            raise ValueError("theta: not used for a torch model (its parameters are read from the module)")
        conv = from_torch(
            model, activation_degree=activation_degree, domain=domain, method=method, input_shape=input_shape
        )
        net, th, max_err = conv.network, conv.theta, conv.max_error
    if not np.all(np.isfinite(th)):
        raise ValueError("theta: the parameters must be finite")
    rep = dimension(net, seed=seed)
    st = classify(net, th.tolist(), rtol=rtol, seed=seed)
    sym = symmetries(net, seed=seed)
    sv = np.linalg.svd(np.asarray(jacobian(net, th, field="float"), dtype=np.float64), compute_uv=False)
    jac_dist = float(sv[st.rank - 1]) if st.rank > 0 else 0.0
    strata = _mlp_strata_distance(net, th)
    return Inspection(
        network=repr(net),
        n_params=net.n_params,
        dim=rep.dim,
        expected_dim=rep.expected_dim,
        ambient_dim=rep.ambient_dim,
        certified=rep.certified,
        rank=st.rank,
        tolerance=st.tolerance,
        singular_value_gap=st.singular_value_gap,
        kind=st.kind,
        details=dict(st.details),
        hidden_symmetry_dim=sym.hidden_dim,
        jacobian_distance=jac_dist,
        subnetwork_distance=None if strata is None else strata[0],
        nearest_subnetwork=None if strata is None else strata[1],
        max_activation_error=max_err,
    )
