"""MLPs, CNNs and self-attention side by side: the talk's question in one report.

:func:`compare` computes, for one network of each architecture, the dimension and symmetry
counts of its neurovariety, the strata of special parameter points built on purpose, and a
closest-point experiment on random targets that measures the implicit bias: the share of
searches that end on singular or boundary strata.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from neurocore._checks import check_int, check_seed, check_threads
from neurocore.dimension import dimension
from neurocore.network import Network, attention, conv1d, mlp
from neurocore.progress import progress_bar
from neurocore.strata import classify

__all__ = ["ArchitectureSummary", "CompareReport", "SpecialPoint", "compare", "special_points"]

#: The embedded default: one small network of each family with comparable parameter counts.
DEFAULT_MLP = (4, 3, 1)
DEFAULT_MLP_DEGREE = 2
DEFAULT_CONV = (3, 2, 2, 2)
DEFAULT_CONV_DEGREE = 1
DEFAULT_ATTENTION = (3, 2)
DEFAULT_KEY_DIMS = (2,)
DEFAULT_TOKENS = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecialPoint:
    """A parameter point built to lie on a lower stratum, and how it classifies."""

    description: str
    theta: tuple[int, ...]
    kind: str
    rank: int
    rank_drop: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchitectureSummary:
    """One column of the comparison.

    ``singular_share`` is the fraction of closest-point searches (over all targets and starts)
    that ended on a non-generic stratum; ``mean_sq_distance`` the mean over targets of the best
    squared distance found, relative to the target's squared norm.
    """

    name: str
    network: str
    n_params: int
    ambient_dim: int
    dim: int
    expected_dim: int
    defect: int
    symmetry_dim: int
    fiber_dim: int
    hidden_symmetry_dim: int
    certified: bool
    error_bound: float
    special_points: tuple[SpecialPoint, ...]
    searches: int
    strata_counts: dict[str, int]
    singular_share: float
    mean_sq_distance: float
    mean_relative_sq_distance: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareReport:
    """The side-by-side comparison (see :func:`compare`)."""

    architectures: tuple[ArchitectureSummary, ...]
    targets: int
    starts: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict (JSON-ready) form."""
        return asdict(self)

    def to_json(self) -> str:
        """JSON text; :meth:`from_dict` of ``json.loads`` of it gives back an equal report."""
        return json.dumps(self.to_dict(), indent=2)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> CompareReport:
        """Inverse of :meth:`to_dict`."""
        archs = []
        for a in d["architectures"]:
            a = dict(a)
            a["special_points"] = tuple(SpecialPoint(**{**p, "theta": tuple(p["theta"])}) for p in a["special_points"])
            archs.append(ArchitectureSummary(**a))
        return CompareReport(architectures=tuple(archs), targets=d["targets"], starts=d["starts"], seed=d["seed"])

    def __str__(self) -> str:
        cols = self.architectures
        rows: list[tuple[str, list[str]]] = [
            ("network", [_short(a.network) for a in cols]),
            ("parameters", [str(a.n_params) for a in cols]),
            ("ambient dimension", [str(a.ambient_dim) for a in cols]),
            (
                "dimension",
                [f"{a.dim}" + (" (certified)" if a.certified else f" (p<{a.error_bound:.0e})") for a in cols],
            ),
            ("expected dimension", [str(a.expected_dim) for a in cols]),
            ("defect", [str(a.defect) for a in cols]),
            ("known symmetry dim", [str(a.symmetry_dim) for a in cols]),
            ("generic fiber dim", [str(a.fiber_dim) for a in cols]),
            ("hidden symmetry dim", [str(a.hidden_symmetry_dim) for a in cols]),
        ]
        n_special = max(len(a.special_points) for a in cols)
        for i in range(n_special):
            cells = []
            for a in cols:
                if i < len(a.special_points):
                    p = a.special_points[i]
                    cells.append(f"{p.description}: {p.kind}, rank -{p.rank_drop}")
                else:
                    cells.append("")
            rows.append(("special points" if i == 0 else "", cells))
        rows += [
            ("closest-point searches", [str(a.searches) for a in cols]),
            ("  ending singular/boundary", [f"{100 * a.singular_share:.0f}%" for a in cols]),
            (
                "  strata (counts)",
                [", ".join(f"{k} {v}" for k, v in sorted(a.strata_counts.items())) for a in cols],
            ),
            ("  mean sq distance / |u|^2", [f"{a.mean_relative_sq_distance:.3g}" for a in cols]),
        ]
        names = [a.name for a in cols]
        w0 = max(len(r[0]) for r in rows)
        widths = [max(len(names[j]), *(len(r[1][j]) for r in rows)) for j in range(len(cols))]
        lines = ["".ljust(w0) + "  " + "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=False))]
        lines.append("-" * len(lines[0]))
        for label, cells in rows:
            lines.append(label.ljust(w0) + "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)))
        lines.append("")
        lines.append(
            f"closest points: {self.targets} random Gaussian targets x {self.starts} starts each (seed {self.seed}); "
            "'singular/boundary' counts searches whose end point is not generic."
        )
        return "\n".join(lines)

    def plot(self, path: str) -> None:
        """Writes one figure: strata frequencies and relative distances per architecture.

        Needs matplotlib: ``pip install "neurocore[plot]"``.
        """
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError('plot() needs matplotlib: pip install "neurocore[plot]"') from exc
        kinds = ["generic", "critical", "subnetwork", "boundary", "zero"]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        x = np.arange(len(self.architectures))
        bottom = np.zeros(len(self.architectures))
        for kind in kinds:
            vals = np.array([a.strata_counts.get(kind, 0) / max(a.searches, 1) for a in self.architectures])
            ax1.bar(x, vals, bottom=bottom, label=kind)
            bottom += vals
        ax1.set_xticks(x, [a.name for a in self.architectures])
        ax1.set_ylabel("share of searches")
        ax1.set_title("where closest-point searches end")
        ax1.legend(fontsize=8)
        ax2.bar(x, [a.mean_relative_sq_distance for a in self.architectures], color="tab:gray")
        ax2.set_xticks(x, [a.name for a in self.architectures])
        ax2.set_ylabel("mean squared distance / |target|^2")
        ax2.set_title("distance to the neuromanifold")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)


def _short(network: str) -> str:
    """A compact form of a network's repr for the table header."""
    for long, short in (
        ("mlp(widths=", "mlp "),
        ("conv1d(filters=", "conv "),
        ("attention(widths=", "attention "),
        (", activation=", " act "),
        (", strides=", " s="),
        (", key_dims=", " a="),
        (", tokens=", " tokens="),
    ):
        network = network.replace(long, short)
    return network.rstrip(")").replace("[", "").replace("]", "").replace(", ", ",")


def special_points(net: Network) -> list[tuple[str, list[int]]]:
    """Parameter points of ``net`` built to lie on lower strata, as ``(description, theta)``.

    Subnetworks, shared roots, rank-one attention; integer parameters, so classification is
    exact.
    """
    n = net.n_params
    base = [((7 * i + 3) % 11) - 5 or 1 for i in range(n)]  # a deterministic generic-looking point
    out: list[tuple[str, list[int]]] = []
    if net.family == "mlp":
        layers = net.parameter_layers
        # dead neuron: neuron 0 of the last hidden layer gets zero outgoing weights
        _, last, start, _ = layers[-1]
        th = list(base)
        for o in range(last.output_dim):  # type: ignore[union-attr]
            th[start + o * last.input_dim] = 0  # type: ignore[union-attr]
        out.append(("dead neuron", th))
        # merged neurons: two equal incoming rows in the first hidden layer
        _, first, start, _ = layers[0]
        if first.output_dim >= 2:  # type: ignore[union-attr]
            th = list(base)
            d = first.input_dim  # type: ignore[union-attr]
            th[start + d : start + 2 * d] = th[start : start + d]
            out.append(("merged neurons", th))
    elif net.family == "conv1d":
        layers = net.parameter_layers
        _, l0, s0, e0 = layers[0]
        _, l1, s1, e1 = layers[1]
        if l0.stride == (1, 1) and e0 - s0 >= 2 and e1 - s1 >= 2:  # type: ignore[union-attr]
            # shared root: w_1 = 1 + t, w_0 = (1 + t) g(t) with g from the generic point
            th = list(base)
            g = th[s0 : e0 - 1]
            w0 = [0] * (e0 - s0)
            for i, c in enumerate(g):
                w0[i] += c
                w0[i + 1] += c
            th[s0:e0] = w0
            th[s1:e1] = [1, 1] + [0] * (e1 - s1 - 2)
            out.append(("shared root", th))
        th = list(base)
        th[s0:e0] = [0] * (e0 - s0)
        out.append(("zero filter", th))
    elif net.family == "attention":
        _, layer, start, _ = net.parameter_layers[0]
        a, d = layer.key_dim, layer.input_width  # type: ignore[union-attr]
        th = list(base)
        if a >= 2 and d >= 2:
            # rank-one scores: all rows of Q proportional to the first
            for i in range(1, a):
                th[start + i * d : start + (i + 1) * d] = [(i + 1) * v for v in th[start : start + d]]
            out.append(("rank-one scores", th))
        th = list(base)
        v0 = start + 2 * a * d
        th[v0 : v0 + layer.output_width * d] = [0] * (layer.output_width * d)  # type: ignore[union-attr]
        out.append(("zero values V", th))
    return out


def _summarize(
    name: str,
    net: Network,
    targets: int,
    starts: int,
    seed: int,
    threads: int,
    tick: Callable[[str], None],
) -> ArchitectureSummary:
    from neurocore.closest import closest_point

    tick(f"{name}: dimension")
    rep = dimension(net, seed=seed, threads=threads)
    tick(f"{name}: strata of special points")
    pts = []
    for desc, th in special_points(net):
        s = classify(net, th, seed=seed, threads=threads)
        pts.append(
            SpecialPoint(description=desc, theta=tuple(th), kind=s.kind, rank=s.rank, rank_drop=s.generic_rank - s.rank)
        )
    rng = np.random.default_rng(seed)
    counts: dict[str, int] = {}
    dists, rel = [], []
    searches = 0
    for t in range(targets):
        tick(f"{name}: closest points, target {t + 1}/{targets}")
        u = rng.normal(size=net.ambient_dim)
        res = closest_point(net, u, starts=starts, seed=seed + t, threads=threads)
        for k, v in res.strata_counts.items():
            counts[k] = counts.get(k, 0) + v
        searches += sum(res.strata_counts.values())
        dists.append(res.sq_distance)
        rel.append(res.sq_distance / float(np.dot(u, u)))
    singular = sum(v for k, v in counts.items() if k != "generic")
    return ArchitectureSummary(
        name=name,
        network=repr(net),
        n_params=net.n_params,
        ambient_dim=net.ambient_dim,
        dim=rep.dim,
        expected_dim=rep.expected_dim,
        defect=rep.defect,
        symmetry_dim=rep.symmetry_dim,
        fiber_dim=rep.fiber_dim,
        hidden_symmetry_dim=rep.hidden_symmetry_dim,
        certified=rep.certified,
        error_bound=rep.error_bound,
        special_points=tuple(pts),
        searches=searches,
        strata_counts=counts,
        singular_share=singular / searches if searches else 0.0,
        mean_sq_distance=float(np.mean(dists)) if dists else math.nan,
        mean_relative_sq_distance=float(np.mean(rel)) if rel else math.nan,
    )


def compare(
    *,
    mlp_widths: Sequence[int] = DEFAULT_MLP,
    mlp_degree: int = DEFAULT_MLP_DEGREE,
    conv_filters: Sequence[int] = DEFAULT_CONV,
    conv_strides: Sequence[int] | None = None,
    conv_degree: int = DEFAULT_CONV_DEGREE,
    attention_widths: Sequence[int] = DEFAULT_ATTENTION,
    key_dims: Sequence[int] | int = DEFAULT_KEY_DIMS,
    tokens: int = DEFAULT_TOKENS,
    targets: int = 6,
    starts: int = 16,
    seed: int = 0,
    threads: int = 0,
    progress: bool = False,
) -> CompareReport:
    """Puts an MLP, a 1-D CNN and a lightning self-attention network side by side.

    For each: parameters, ambient dimension, dimension (certified when possible), expected
    dimension, defect, known symmetry dimension, generic fiber dimension, hidden symmetries; the
    strata of special points built on purpose (subnetworks, shared-root filters, rank-one
    attention) with their rank drops; and a closest-point experiment: ``targets`` random Gaussian
    targets in coefficient space, ``starts`` searches each, counting how many end on singular or
    boundary strata (the implicit bias) and the mean squared distance.

    Examples
    --------
    >>> import neurocore as nc
    >>> rep = nc.compare(targets=1, starts=4)
    >>> [a.name for a in rep.architectures]
    ['MLP', 'CNN', 'attention']
    >>> rep.architectures[0].defect          # quadrics of rank <= 3: Alexander-Hirschowitz
    1
    """
    nets = [
        ("MLP", mlp(list(mlp_widths), degree=mlp_degree)),
        ("CNN", conv1d(list(conv_filters), None if conv_strides is None else list(conv_strides), degree=conv_degree)),
        ("attention", attention(list(attention_widths), key_dims, tokens)),
    ]
    targets = check_int(targets, "targets", lo=0)
    starts = check_int(starts, "starts", lo=1)
    seed, threads = check_seed(seed), check_threads(threads)
    bar = progress_bar(progress, 3 * (2 + targets), "compare", leave=False)

    def tick(label: str) -> None:
        bar.set_description(label)
        bar.update(1)

    try:
        summaries = tuple(_summarize(name, net, targets, starts, seed, threads, tick) for name, net in nets)
    finally:
        bar.close()
    return CompareReport(architectures=summaries, targets=targets, starts=starts, seed=seed)
