"""Strata of the parametrization: classify parameter points, fibers and hidden symmetries.

Singular and boundary points of a neuromanifold come from hidden parameter symmetries and from
critical points of the parametrization. :func:`classify` computes the Jacobian's rank at a point
(exactly and certified for integer/Fraction parameters, numerically with a reported tolerance
for floats) and collects the architecture's evidence for why the rank drops: dead or merging
neurons (MLPs), zero filters and shared roots (CNNs), rank drops of attention matrices.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, Literal, cast

import numpy as np

from neurocore import _core
from neurocore._checks import check_int, check_threads
from neurocore._exact import is_float_input, parse_exact, parse_float, split_fractions
from neurocore.dimension import dimension
from neurocore.maps import coefficients, jacobian
from neurocore.network import Activation, Attention, Conv, Dense, Network, mlp
from neurocore.rank import kernel

__all__ = ["KINDS", "Stratum", "StratumKind", "SymmetryReport", "classify", "symmetries"]

#: A stratum kind (see :class:`Stratum`).
StratumKind = Literal["zero", "boundary", "subnetwork", "critical", "generic"]

#: The stratum kinds, from most to least degenerate.
KINDS: tuple[StratumKind, ...] = ("zero", "boundary", "subnetwork", "critical", "generic")

#: Largest exact coefficient Jacobian (entries) classify() forms; beyond it the rank is bounded
#: from evaluation Jacobians modulo primes (below) and symmetry tangents (above). The core's
#: constant (``neurocore_core::strata``), the one home of the rule.
EXACT_JACOBIAN_LIMIT: int = _core.EXACT_JACOBIAN_LIMIT


@dataclass(frozen=True, slots=True, kw_only=True)
class Stratum:
    """Where a parameter point sits in the parametrization.

    Attributes
    ----------
    rank : int
        Rank of the Jacobian of the parametrization at ``theta``: exact over Q for exact
        parameters (``certified`` says whether it is proven), numerical for floats.
    rank_upper_bound : int
        A proven upper bound on the rank (equal to ``rank`` when certified).
    generic_rank : int
        The dimension of the neurovariety (``nc.dimension``).
    kind : str
        One of ``"generic"``, ``"critical"`` (rank drop without other evidence),
        ``"subnetwork"`` (dead/merging neurons, zero filters or heads: the function is computed by
        a smaller architecture), ``"boundary"`` (on the boundary of the real neuromanifold:
        repeated real roots of CNN filters, rank-one attention scores) or ``"zero"`` (the zero
        function).
    details : mapping
        The architecture's evidence (see :func:`classify`).
    exact : bool
        True for exact (int/Fraction) parameters.
    certified : bool
        True when ``rank`` is proven (exact parameters, matching bounds).
    tolerance, singular_value_gap : float or None
        For float parameters: the singular-value threshold and ``sigma_rank / sigma_{rank+1}``.
    """

    rank: int
    rank_upper_bound: int
    generic_rank: int
    n_params: int
    kind: StratumKind
    details: Mapping[str, Any]
    exact: bool
    certified: bool
    tolerance: float | None = None
    singular_value_gap: float | None = None

    @property
    def fiber_dim(self) -> int:
        """``n_params - rank``: dimension of the fiber through ``theta`` (locally)."""
        return self.n_params - self.rank

    @property
    def is_critical(self) -> bool:
        """True when ``theta`` is a critical point of the parametrization (rank drop)."""
        return self.rank < self.generic_rank

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form, with the derived quantities."""
        d = asdict(self)
        d["details"] = dict(self.details)
        d.update(fiber_dim=self.fiber_dim, is_critical=self.is_critical)
        return d


@functools.lru_cache(maxsize=256)
def _generic_rank(net: Network, threads: int = 0) -> int:
    # the dimension does not depend on the thread count; the cache key keeps the caller's choice
    return dimension(net, threads=threads).dim


def _check_memory_limit(memory_limit: Any) -> int | None:
    if memory_limit is None:
        return None
    return check_int(memory_limit, "memory_limit", lo=1)


# ---------------------------------------------------------------------------------------------
# Rank at a point


def _exact_rank(
    net: Network, theta: list[Fraction], seed: int, threads: int, memory_limit: int | None
) -> tuple[int, int, bool, bool]:
    """(rank lower bound, proven upper bound, certified, phi(theta) == 0) at exact parameters.

    The rule (exact coefficient Jacobian below ``EXACT_JACOBIAN_LIMIT`` entries, otherwise
    evaluation ranks modulo primes against the symmetry-tangent bound) lives in the core.
    """
    return _core.point_rank(net._core, theta, seed, threads, memory_limit)  # type: ignore[no-any-return]


def _float_rank(
    net: Network, theta: np.ndarray, rtol: float, seed: int, threads: int
) -> tuple[int, float, float | None]:
    if net.ambient_dim * net.n_params <= EXACT_JACOBIAN_LIMIT:
        jac = _core.small_jacobian_float(net._core, theta)  # small: on the calling thread
    else:
        rng = np.random.default_rng(seed)
        n_points = math.ceil(net.n_params / max(net.output_dim, 1)) + 8
        pts = rng.normal(size=(n_points, net.input_dim))
        jac = cast(
            np.ndarray,
            _core.evaluation_jacobian(net._core, theta, np.ascontiguousarray(pts).reshape(-1), "float", threads),
        )
    if jac.size == 0:
        return 0, 0.0, None
    s = np.linalg.svd(jac, compute_uv=False)
    tol = float(rtol * s[0]) if s[0] > 0 else 0.0
    r = int(np.sum(s > tol))
    gap = None
    if 0 < r < s.size:
        gap = float(s[r - 1] / s[r]) if s[r] > 0 else math.inf
    return r, tol, gap


# ---------------------------------------------------------------------------------------------
# Architecture evidence


def _is_zero(v: Any, atol: float) -> bool:
    return abs(v) <= atol


def _proportional(a: list[Any], b: list[Any], atol: float) -> Any:
    """``c`` with ``b = c a`` (``None`` if not proportional or a zero vector)."""
    pivot = next((i for i, v in enumerate(a) if not _is_zero(v, atol)), None)
    if pivot is None or all(_is_zero(v, atol) for v in b):
        return None
    c = b[pivot] / a[pivot]
    scale = max(1.0, max(abs(float(v)) for v in a + b))
    if all(abs(float(bv - c * av)) <= atol * scale for av, bv in zip(a, b, strict=False)):
        return c
    return None


def _mlp_widths(net: Network) -> tuple[list[int], Activation | None, bool] | None:
    layers = net.layers
    if not layers or len(layers) % 2 == 0:
        return None
    widths: list[int] = []
    act: Activation | None = None
    biases = set()
    for i, layer in enumerate(layers):
        if i % 2 == 0:
            if not isinstance(layer, Dense):
                return None
            if not widths:
                widths.append(layer.input_dim)
            widths.append(layer.output_dim)
            biases.add(layer.bias)
        else:
            if not isinstance(layer, Activation) or (act is not None and layer.coefficients != act.coefficients):
                return None
            act = layer
    if len(biases) != 1:
        return None
    return widths, act, biases.pop()


def _mlp_evidence(net: Network, theta: list[Any], atol: float, exact: bool) -> tuple[dict[str, Any], bool]:
    info = _mlp_widths(net)
    assert info is not None
    widths, act, bias = info
    mats: list[list[list[Any]]] = []
    bvecs: list[list[Any]] = []
    for _, layer, start, _end in net.parameter_layers:
        assert isinstance(layer, Dense)
        w = theta[start : start + layer.input_dim * layer.output_dim]
        mats.append([w[i * layer.input_dim : (i + 1) * layer.input_dim] for i in range(layer.output_dim)])
        b0 = start + layer.input_dim * layer.output_dim
        bvecs.append(theta[b0 : b0 + layer.output_dim] if layer.bias else [0] * layer.output_dim)
    details: dict[str, Any] = {"architecture": "mlp", "widths": tuple(widths)}
    linear = act is not None and act.degree == 1 and act.coefficients[0] == 0
    if act is None:
        return details, False
    if linear:
        ranks = [_matrix_rank(m, exact, atol) for m in mats]
        prod = mats[0]
        for m in mats[1:]:
            prod = [
                [sum(m[i][k] * prod[k][j] for k in range(len(prod))) for j in range(len(prod[0]))]
                for i in range(len(m))
            ]
        rho = min(widths)
        frank = _matrix_rank(prod, exact, atol)
        details.update(weight_ranks=tuple(ranks), function_rank=frank, max_function_rank=rho)
        if frank < rho:
            details["smaller_architecture"] = (widths[0], frank, widths[-1]) if frank > 0 else None
            details["smaller_dim"] = frank * (widths[0] + widths[-1] - frank) + (widths[-1] if bias else 0)
        return details, frank < rho
    dead: list[tuple[int, int]] = []
    merged: list[tuple[int, int, int]] = []
    monomial = sum(1 for c in act.coefficients if c != 0) == 1
    new_widths = list(widths)
    for hidden in range(len(widths) - 2):  # hidden layer `hidden + 1`
        rows = [mats[hidden][i] + ([bvecs[hidden][i]] if bias else []) for i in range(widths[hidden + 1])]
        out = mats[hidden + 1]
        alive = []
        for i in range(widths[hidden + 1]):
            incoming_zero = all(_is_zero(v, atol) for v in rows[i])
            outgoing_zero = all(_is_zero(out[k][i], atol) for k in range(len(out)))
            if incoming_zero or outgoing_zero:
                dead.append((hidden + 1, i))
            else:
                alive.append(i)
        kept: list[int] = []
        for i in alive:
            for j in kept:
                c = _proportional(rows[j], rows[i], atol)
                if c is not None and (monomial or abs(float(c) - 1.0) <= atol):
                    merged.append((hidden + 1, j, i))
                    break
            else:
                kept.append(i)
        new_widths[hidden + 1] = len(kept)
    details.update(dead_neurons=tuple(dead), merged_neurons=tuple(merged))
    if dead or merged:
        if min(new_widths[1:-1], default=1) == 0:
            details["smaller_architecture"] = None
            details["smaller_dim"] = 0 if not bias else widths[-1]
        else:
            details["smaller_architecture"] = tuple(new_widths)
            details["smaller_dim"] = _generic_rank(mlp(new_widths, activation=list(act.coefficients), bias=bias))
    return details, bool(dead or merged)


def _matrix_rank(m: list[list[Any]], exact: bool, atol: float) -> int:
    if not m or not m[0]:
        return 0
    if exact:
        return _core.small_ranks_qq([(len(m), len(m[0]), [v for row in m for v in row])])[0]  # type: ignore[no-any-return]
    s = np.linalg.svd(np.array(m, dtype=float), compute_uv=False)
    return int(np.sum(s > max(atol, 1e-300) * max(1.0, s[0])))


def _cnn_evidence(net: Network, theta: list[Any], atol: float, exact: bool) -> tuple[dict[str, Any], bool, bool]:
    convs = [layer for layer in net.layers if isinstance(layer, Conv)]
    details: dict[str, Any] = {"architecture": "cnn", "filters": tuple(c.kernel for c in convs)}
    filters, pos = [], 0
    for c in convs:
        n = c.out_channels * c.in_channels * c.kernel[0] * c.kernel[1]
        filters.append(theta[pos : pos + n])
        pos += n + (c.out_channels if c.bias else 0)
    zero = tuple(i for i, w in enumerate(filters) if all(_is_zero(v, atol) for v in w))
    details["zero_filters"] = zero
    boundary = False
    one_d = all(c.in_channels == c.out_channels == 1 and c.kernel[0] == 1 and c.input_size[0] == 1 for c in convs)
    if one_d:
        strides, s_cum = [], 1
        for c in convs:
            strides.append(s_cum)
            s_cum *= c.stride[1]
        if exact:
            pairs = _core.cnn_shared_roots([split_fractions(w) for w in filters], strides)
            details["shared_roots"] = tuple((a, b, len(nums) - 1) for a, b, nums, _ in pairs)
        else:
            details["shared_roots"] = _float_shared_roots(filters, strides, atol)
        linear = all(
            (not isinstance(layer, Activation)) or (layer.degree == 1 and layer.coefficients[0] == 0)
            for layer in net.layers
        )
        if linear and all(c.stride == (1, 1) for c in convs) and not zero and convs[-1].output_size == (1, 1):
            ks = [c.kernel[1] for c in convs]
            if exact:
                u = coefficients(net, theta)
                real = _core.cnn_realizability(ks, *split_fractions(list(u)))
                details["function_boundary"] = bool(real["boundary"])
                details["real_roots"] = tuple(tuple(v) for v in real["real_roots"])
            else:
                details["function_boundary"] = _float_boundary(net, theta, ks, atol)
            boundary = details["function_boundary"]
    return details, bool(zero), boundary


def _float_shared_roots(filters: list[list[Any]], strides: list[int], atol: float) -> tuple[tuple[int, int, int], ...]:
    roots = []
    for w, s in zip(filters, strides, strict=False):
        coeffs = np.zeros((len(w) - 1) * s + 1)
        coeffs[::s] = np.asarray(w, dtype=float)
        nz = np.flatnonzero(np.abs(coeffs) > atol)
        roots.append(np.roots(coeffs[: nz[-1] + 1][::-1]) if nz.size else np.array([]))
    out = []
    for a in range(len(roots)):
        for b in range(a + 1, len(roots)):
            shared = sum(1 for z in roots[a] if roots[b].size and np.min(np.abs(roots[b] - z)) <= math.sqrt(atol))
            if shared:
                out.append((a, b, shared))
    return tuple(out)


def _float_boundary(net: Network, theta: list[Any], ks: list[int], atol: float) -> bool:
    """Numerical version of the exact boundary test (see ``neurocore.cnn`` in the core).

    Roots closer than ``atol^(1/d)`` (relative) are one multiple root, since a root of multiplicity
    ``m`` perturbed by ``eps`` spreads by about ``eps^(1/m)``.
    """
    u = np.asarray(coefficients(net, np.asarray(theta, dtype=float)), dtype=float)
    d = len(u) - 1
    nz = np.flatnonzero(np.abs(u) > atol * max(1.0, float(np.max(np.abs(u)))))
    if nz.size == 0:
        return True
    deg = int(nz[-1])
    z = np.roots(u[: deg + 1][::-1]) if deg > 0 else np.array([])
    tol = max(math.sqrt(atol), atol ** (1.0 / max(d, 1)))
    clusters: list[list[complex]] = []
    for root in sorted(z, key=lambda v: (v.real, v.imag)):
        for c in clusters:
            if abs(root - np.mean(c)) <= tol * max(1.0, abs(root)):
                c.append(root)
                break
        else:
            clusters.append([root])
    real_mults, complex_roots = [], 0
    for c in clusters:
        center = np.mean(c)
        if abs(center.imag) <= tol * max(1.0, abs(center)):
            real_mults.append(len(c))
        else:
            complex_roots += len(c)
    q = complex_roots // 2
    capacity = sum((k - 1) // 2 for k in ks)
    splittable = sum(m // 2 for m in real_mults) + (d - deg) // 2
    return q <= capacity and q + splittable > capacity


def _attention_evidence(net: Network, theta: list[Any], atol: float, exact: bool) -> tuple[dict[str, Any], bool, bool]:
    heads = []
    boundary = dead = False
    for idx, layer, start, _end in net.parameter_layers:
        if not isinstance(layer, Attention):
            continue
        a, d, dout = layer.key_dim, layer.input_width, layer.output_width
        hp = (2 * a + dout) * d
        for h in range(layer.heads):
            base = start + h * hp
            q = [theta[base + i * d : base + (i + 1) * d] for i in range(a)]
            k = [theta[base + a * d + i * d : base + a * d + (i + 1) * d] for i in range(a)]
            v = [theta[base + 2 * a * d + i * d : base + 2 * a * d + (i + 1) * d] for i in range(dout)]
            qk = [[sum(q[m][i] * k[m][j] for m in range(a)) for j in range(d)] for i in range(d)]
            r_qk = _matrix_rank(qk, exact, atol)
            r_v = _matrix_rank(v, exact, atol)
            full = min(a, d)
            heads.append({"layer": idx, "head": h, "scores_rank": r_qk, "max_scores_rank": full, "value_rank": r_v})
            if r_qk == 0 or r_v == 0:
                dead = True
            elif r_qk < full and a < d:
                # below the generic rank of Q^T K, in the singular locus of the determinantal
                # variety {rank <= a} (which is everything when a >= d)
                boundary = True
    return {"architecture": "attention", "heads": tuple(heads)}, dead, boundary


# ---------------------------------------------------------------------------------------------


def classify(
    net: Network,
    theta: Any,
    *,
    rtol: float = 1e-8,
    seed: int = 0,
    threads: int = 0,
    memory_limit: int | None = None,
) -> Stratum:
    """Classifies the parameter point ``theta`` of ``net``.

    The rank of the Jacobian of the parametrization at ``theta`` decides whether ``theta`` is a
    critical point (``rank < generic_rank``); the architecture's structure says why:

    * MLPs: dead neurons (zero incoming or outgoing weights), neurons that merge (proportional
      incoming weights with a monomial activation, equal ones otherwise), the smaller
      architecture computing the same function and its dimension; for linear MLPs the ranks of
      the weight matrices and of their product.
    * CNNs: zero filters; pairs of filters sharing a root (after the stride substitution
      ``w_l(t^{S_{l-1}})``: a hyperroot for larger strides), found by exact gcd over Q; for 1-D
      linear stride-one CNNs whether the function is on the boundary of the real function space.
    * Attention: the ranks of ``Q^T K`` and ``V`` in every head; score matrices of lower rank
      than ``min(a, d)`` (with ``a < d``, e.g. rank one) are boundary points.

    Parameters
    ----------
    net : Network
        The architecture.
    theta : sequence of numbers
        Exact (int/Fraction: rank over Q, certified) or float (numerical rank).
    rtol : float
        Float parameters only: singular values below ``rtol * sigma_max`` count as zero; the
        same relative tolerance decides zero weights and proportional rows.
    seed : int
        Seed of random choices (exact results do not depend on it).
    threads : int
        0 = all cores, 1 = sequential (the result does not depend on it; small networks run on
        the calling thread either way).
    memory_limit : int, optional
        Bytes the rank computation may plan to use (default: the process limit, see
        :func:`neurocore.set_memory_limit`); above it ``ResourceLimitError`` is raised.

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.mlp([3, 2, 1], degree=2)
    >>> s = nc.classify(net, [1, 2, 3, 4, 5, 7, 1, 0])    # neuron 2 has zero output weight
    >>> s.rank, s.generic_rank, s.kind, s.details["smaller_architecture"]
    (4, 5, 'subnetwork', (3, 1, 1))
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    if not (isinstance(rtol, (int, float)) and 0 < rtol < 1):
        raise ValueError(f"rtol: expected a float in (0, 1), got {rtol!r}")
    threads = check_threads(threads)
    memory_limit = _check_memory_limit(memory_limit)
    values = theta if isinstance(theta, np.ndarray) else list(theta) if not isinstance(theta, (str, bytes)) else theta
    exact = not is_float_input(values)
    generic = _generic_rank(net, threads)
    tol_info: tuple[float | None, float | None] = (None, None)
    if exact:
        th: list[Any] = parse_exact(values, "theta", net.n_params)
        lower, upper, certified, phi_zero = _exact_rank(net, th, seed, threads, memory_limit)
        atol = 0.0
    else:
        arr = parse_float(values, "theta", net.n_params)
        lower, tol, gap = _float_rank(net, arr, rtol, seed, threads)
        upper, certified = lower, False
        tol_info = (tol, gap)
        th = [float(v) for v in arr]
        scale = max(1.0, float(np.max(np.abs(arr)))) if arr.size else 1.0
        atol = rtol * scale
        phi = coefficients(net, arr)
        phi_zero = bool(np.all(np.abs(phi) <= rtol * max(1.0, float(np.max(np.abs(phi))) if phi.size else 1.0)))
    details: dict[str, Any] = {}
    subnetwork = boundary = False
    if _mlp_widths(net) is not None:
        details, subnetwork = _mlp_evidence(net, th, atol, exact)
    elif all(isinstance(layer, (Conv, Activation)) for layer in net.layers):
        details, subnetwork, boundary = _cnn_evidence(net, th, atol, exact)
    elif all(isinstance(layer, Attention) for layer in net.layers):
        details, subnetwork, boundary = _attention_evidence(net, th, atol, exact)
    else:
        details = {"architecture": "general"}
    critical = lower < generic
    kind: StratumKind
    if phi_zero:
        kind = "zero"
    elif boundary:
        kind = "boundary"
    elif subnetwork and critical:
        kind = "subnetwork"
    elif critical:
        kind = "critical"
    else:
        kind = "generic"
    return Stratum(
        rank=lower,
        rank_upper_bound=upper,
        generic_rank=generic,
        n_params=net.n_params,
        kind=kind,
        details=details,
        exact=exact,
        certified=certified,
        tolerance=tol_info[0],
        singular_value_gap=tol_info[1],
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SymmetryReport:
    """Known symmetries against the generic fiber of the parametrization.

    Attributes
    ----------
    symmetry_dim : int
        Generic orbit dimension of the known symmetry group (``net.symmetry_dim``).
    fiber_dim : int
        Generic fiber dimension, ``n_params - dim``.
    hidden_dim : int
        ``fiber_dim - symmetry_dim``: fiber directions the known group does not explain.
    explained_hidden_dim : int
        How many of those are explained by proven hidden symmetries (e.g. the orthogonal group
        of the quadratic form at a quadratic last hidden layer of a single-output MLP).
    point : tuple of int
        The random integer parameter point at which the bases were computed.
    hidden_basis : ExactMatrix or numpy.ndarray
        ``hidden_dim`` kernel vectors of the Jacobian at ``point`` that together with the known
        generators span the whole kernel (exact over Q, or residues mod ``prime`` for large
        networks).
    prime : int or None
        The prime of ``hidden_basis`` when it is modular.
    """

    symmetry_dim: int
    fiber_dim: int
    hidden_dim: int
    explained_hidden_dim: int
    point: tuple[int, ...]
    hidden_basis: Any = field(repr=False)
    prime: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (the basis as nested lists)."""
        basis = self.hidden_basis
        rows = basis.to_fractions() if hasattr(basis, "to_fractions") else np.asarray(basis).tolist()
        return {
            "symmetry_dim": self.symmetry_dim,
            "fiber_dim": self.fiber_dim,
            "hidden_dim": self.hidden_dim,
            "explained_hidden_dim": self.explained_hidden_dim,
            "point": list(self.point),
            "hidden_basis": [[str(v) for v in row] for row in rows],
            "prime": self.prime,
        }


def symmetries(net: Network, *, seed: int = 0, threads: int = 0, memory_limit: int | None = None) -> SymmetryReport:
    """Compares the known symmetry group with the generic fiber of the parametrization.

    At a random integer point the Jacobian's kernel (the tangent space of the fiber) is computed
    exactly and the tangent vectors of the known group are removed from it; what remains is a
    basis of the hidden symmetry directions.

    ``threads`` (0 = all cores, 1 = sequential) and ``memory_limit`` (bytes, default the
    process limit) are passed to every computation; the result does not depend on them.

    Examples
    --------
    >>> import neurocore as nc
    >>> rep = nc.symmetries(nc.mlp([3, 3, 3, 1], degree=2))
    >>> rep.symmetry_dim, rep.fiber_dim, rep.hidden_dim, rep.explained_hidden_dim
    (6, 9, 3, 3)
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    threads = check_threads(threads)
    memory_limit = _check_memory_limit(memory_limit)
    rep = dimension(net, seed=seed, threads=threads, memory_limit=memory_limit)
    rng = np.random.default_rng(seed)
    point = [int(v) for v in rng.integers(-9, 10, size=net.n_params)]
    point = [v if v != 0 else 1 for v in point]
    exact = net.ambient_dim * net.n_params <= EXACT_JACOBIAN_LIMIT
    p = _core.DEFAULT_PRIME
    if exact:
        ker = kernel(jacobian(net, point, field="QQ", threads=threads), field="QQ", seed=seed, threads=threads)
        ker_rows = ker.to_fractions()
        ker_mod = np.array(
            [[(v.numerator % p) * pow(v.denominator, -1, p) % p for v in row] for row in ker_rows], dtype=np.uint64
        ).reshape(len(ker_rows), net.n_params)
    else:
        th = np.array([v % p for v in point], dtype=np.uint64)
        n_points = math.ceil(rep.upper_bound / max(net.output_dim, 1)) + max(2, math.ceil(32 / max(net.output_dim, 1)))
        pts = rng.integers(0, p, size=(n_points, net.input_dim), dtype=np.uint64)
        jac = _core.evaluation_jacobian(net._core, [int(v) for v in th], [int(v) for v in pts.reshape(-1)], p, threads)
        ker_mod = kernel(jac, field=p, threads=threads)
        ker_rows = None
    th_mod = np.array([v % p for v in point], dtype=np.uint64)
    known = _core.symmetry_tangents_mod_p(net._core, th_mod, p, False)
    with_hidden = _core.symmetry_tangents_mod_p(net._core, th_mod, p, True)
    s_all = _core.rank(with_hidden, p).rank if with_hidden.size else 0
    # The known generators, greedily extended by the kernel vectors that raise their rank (core).
    s_known, chosen = _core.symmetry_greedy_extension(
        np.ascontiguousarray(known.reshape(-1, net.n_params)), np.ascontiguousarray(ker_mod), p, threads
    )
    if exact:
        from neurocore._core import ExactMatrix

        assert ker_rows is not None
        basis: Any = ExactMatrix.from_fractions(len(chosen), net.n_params, [v for i in chosen for v in ker_rows[i]])
        prime = None
    else:
        basis = ker_mod[chosen]
        prime = p
    fiber = net.n_params - rep.dim
    return SymmetryReport(
        symmetry_dim=net.symmetry_dim,
        fiber_dim=fiber,
        hidden_dim=fiber - net.symmetry_dim,
        explained_hidden_dim=s_all - s_known,
        point=tuple(point),
        hidden_basis=basis,
        prime=prime,
    )
