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
from neurocore._exact import is_float_input, parse_exact, parse_float
from neurocore.dimension import dimension
from neurocore.maps import coefficients, jacobian
from neurocore.network import Network
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
    r = _core.point_rank(net._core, theta, seed, threads, memory_limit)
    return r.lower, r.upper, r.certified, r.phi_zero


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
        scale = max(1.0, float(np.max(np.abs(arr)))) if arr.size else 1.0
        atol = rtol * scale
        phi = coefficients(net, arr)
        phi_zero = bool(np.all(np.abs(phi) <= rtol * max(1.0, float(np.max(np.abs(phi))) if phi.size else 1.0)))
    # The evidence rules and the kind they imply live in the core (neurocore_core::strata).
    verdict = _core.point_stratum(
        net._core,
        th if exact else arr,
        None if exact else atol,
        phi_zero,
        lower < generic,
        threads,
        memory_limit,
    )
    return Stratum(
        rank=lower,
        rank_upper_bound=upper,
        generic_rank=generic,
        n_params=net.n_params,
        kind=verdict.kind,
        details=verdict.details,
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
