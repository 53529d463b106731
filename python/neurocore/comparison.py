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
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from neurocore._checks import check_int, check_seed, check_threads, check_timeout
from neurocore.dimension import dimension
from neurocore.network import Network, attention, conv1d, mlp
from neurocore.progress import progress_bar
from neurocore.strata import classify

if TYPE_CHECKING:
    from neurocore.training import OptimizerName, TrainingRun

__all__ = [
    "ArchitectureSummary",
    "CompareReport",
    "GeometrySummary",
    "LandscapeSummary",
    "SpecialPoint",
    "TrainingSummary",
    "compare",
    "special_points",
]

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
class TrainingSummary:
    """The training side of the trade-off for one architecture (see :func:`compare`).

    ``singular_share`` is the fraction of non-diverged training runs (over all targets) whose
    end point is not generic (``nc.classify`` on the float end point); ``median_steps_near`` /
    ``median_steps_away`` the median steps to converge of converged runs whose smallest sampled
    singular ratio fell below ``near_singular`` / did not (None when no such run);
    ``plateau_fraction`` the fraction of runs with a plateau and ``plateau_steps_mean`` the mean
    steps in plateaus. ``curves`` holds each run's end-point kind and downsampled loss curve
    (for the plot).
    """

    name: str
    optimizer: str
    lr: float
    steps: int
    runs: int
    converged: int
    diverged: int
    strata_counts: dict[str, int]
    singular_share: float
    near_singular: float
    near_count: int
    away_count: int
    median_steps_near: float | None
    median_steps_away: float | None
    plateau_fraction: float
    plateau_steps_mean: float
    curves: tuple[dict[str, Any], ...] = ()

    @property
    def steps_ratio(self) -> float | None:
        """Median steps near a singular stratum over away from it."""
        a, b = self.median_steps_near, self.median_steps_away
        return None if a is None or b is None or b == 0 else a / b


@dataclass(frozen=True, slots=True, kw_only=True)
class LandscapeSummary:
    """The global loss landscape of one architecture (``compare(landscape=True)``).

    ``ed_degree`` is the monodromy count at generic data (``certified_lower_bound`` of them
    proven by Krawczyk's test, ``runs_agree`` over two independent runs). For each of the
    closest-point targets (same stream): ``n_real`` real critical functions of the euclidean
    distance on the real Zariski closure, ``n_in_neuromanifold`` of them with a real parameter
    preimage (found by a 16-start search), ``n_local_minima`` local minima on the variety,
    ``global_min`` the smallest squared distance of a real critical point in the neuromanifold
    (``None`` when there is none). ``local_found_global`` counts the targets whose multi-start
    local search (``starts`` starts) reached that value (relative tolerance 1e-6),
    ``global_on_boundary`` those where the search went lower or there is no such critical point:
    the minimum over the closure of the real neuromanifold then lies on a singular or boundary
    stratum, which holds no smooth critical point. ``start_share_global`` is the fraction of all
    starts that ended at the global value. ``seconds`` is the wall time of the homotopy part;
    ``error`` says why a column is missing (for example a dimension above the homotopy limit).
    ``stopped_early`` says that ``compare``'s ``landscape_time_limit`` cut the monodromy (then
    also ``ed_stopped_early``: ``ed_degree`` is a lower bound) or the tracking to a target: the
    per-target counts are then lower bounds, and ``global_min`` is the smallest value among the
    critical points found, not necessarily the global one.
    """

    name: str
    ed_degree: int | None
    certified_lower_bound: int | None
    runs_agree: bool | None
    n_real: tuple[int, ...]
    n_in_neuromanifold: tuple[int, ...]
    n_local_minima: tuple[int, ...]
    global_min: tuple[float | None, ...]
    local_found_global: int
    global_on_boundary: int
    start_share_global: float
    seconds: float
    error: str | None = None
    stopped_early: bool = False
    ed_stopped_early: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class GeometrySummary:
    """Degree and identifiability of one architecture (``compare(geometry=True)``).

    ``degree`` is the witness-set degree of :func:`neurocore.degree` (a monodromy count, with
    ``degree_certified`` the proven lower bound and ``trace_passed`` the completeness check);
    ``verdict``, ``n_classes`` and ``fiber_dim`` come from :func:`neurocore.identifiability` at a
    random point; ``fiber_points`` counts the gauge-fixed fiber points found (one per class for
    dense MLPs, every point where no canonical form exists). ``error`` says why a network was
    skipped (its dimension above ``geometry_max_dim``, or the error raised).
    """

    name: str
    degree: int | None
    degree_certified: int | None
    trace_passed: bool | None
    verdict: str | None
    n_classes: int | None
    fiber_dim: int | None
    fiber_points: int | None
    #: Wall time (not part of equality: the report is a function of its arguments).
    seconds: float = field(default=0.0, compare=False)
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareReport:
    """The side-by-side comparison (see :func:`compare`)."""

    architectures: tuple[ArchitectureSummary, ...]
    targets: int
    starts: int
    seed: int
    #: The training section (empty unless ``compare(train_steps=...)``).
    training: tuple[TrainingSummary, ...] = ()
    #: The global landscape section (empty unless ``compare(landscape=True)``).
    landscape: tuple[LandscapeSummary, ...] = ()
    #: Degrees and identifiability (empty when ``compare(geometry=False)``).
    geometry: tuple[GeometrySummary, ...] = ()

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
        training = tuple(TrainingSummary(**{**t, "curves": tuple(t.get("curves", ()))}) for t in d.get("training", ()))
        landscape = tuple(
            LandscapeSummary(
                **{
                    **ls,
                    "n_real": tuple(ls["n_real"]),
                    "n_in_neuromanifold": tuple(ls["n_in_neuromanifold"]),
                    "n_local_minima": tuple(ls["n_local_minima"]),
                    "global_min": tuple(ls["global_min"]),
                }
            )
            for ls in d.get("landscape", ())
        )
        return CompareReport(
            architectures=tuple(archs),
            targets=d["targets"],
            starts=d["starts"],
            seed=d["seed"],
            training=training,
            landscape=landscape,
            geometry=tuple(GeometrySummary(**g) for g in d.get("geometry", ())),
        )

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
        if self.geometry and len(self.geometry) == len(cols):

            def geo(g: GeometrySummary, text: str) -> str:
                return f"- ({g.error[:40]})" if g.error else text

            def ident(g: GeometrySummary) -> str:
                if g.verdict == "not finitely identifiable":
                    return f"no (fiber dim {g.fiber_dim})"
                if g.verdict == "unreduced":
                    return f"{g.fiber_points} gauge points (unreduced)"
                return f"{g.verdict} ({g.n_classes} class{'es' if g.n_classes != 1 else ''})"

            rows += [
                (
                    "degree",
                    [
                        geo(
                            g,
                            f"{g.degree} (certified >= {g.degree_certified}, trace "
                            f"{'passed' if g.trace_passed else 'FAILED'})",
                        )
                        for g in self.geometry
                    ],
                ),  # fmt: skip
                ("identifiability", [geo(g, ident(g)) for g in self.geometry]),
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
        if self.training and len(self.training) == len(cols):
            tr = self.training

            def med(v: float | None) -> str:
                return "-" if v is None else f"{v:.0f}"

            rows += [
                ("training runs", [f"{t.runs} ({t.optimizer}, lr {t.lr:g}, {t.steps} steps)" for t in tr]),
                ("  converged / diverged", [f"{t.converged} / {t.diverged}" for t in tr]),
                ("  ending singular/boundary", [f"{100 * t.singular_share:.0f}%" for t in tr]),
                ("  strata (counts)", [", ".join(f"{k} {v}" for k, v in sorted(t.strata_counts.items())) for t in tr]),
                ("  median steps, near singular", [f"{med(t.median_steps_near)} ({t.near_count} runs)" for t in tr]),
                ("  median steps, away", [f"{med(t.median_steps_away)} ({t.away_count} runs)" for t in tr]),
                ("  runs with plateaus", [f"{100 * t.plateau_fraction:.0f}%" for t in tr]),
                ("  mean plateau steps", [f"{t.plateau_steps_mean:.0f}" for t in tr]),
            ]
        if self.landscape and len(self.landscape) == len(cols):
            ls = self.landscape

            def cell(x: LandscapeSummary, text: str) -> str:
                return f"- ({x.error[:40]})" if x.error else text

            def counts(x: LandscapeSummary, v: tuple[int, ...]) -> str:
                # Counts reached from an incomplete solution set are lower bounds.
                return ",".join(f"{'>=' if x.stopped_early else ''}{k}" for k in v)

            def ed_cell(x: LandscapeSummary) -> str:
                if x.ed_stopped_early:
                    return f">= {x.ed_degree} (time limit; certified >= {x.certified_lower_bound})"
                runs = "agree" if x.runs_agree else "DISAGREE"
                return f"{x.ed_degree} (certified >= {x.certified_lower_bound}, runs {runs})"

            rows += [
                ("ED degree (euclidean)", [cell(x, ed_cell(x)) for x in ls]),
                ("  real critical points", [cell(x, counts(x, x.n_real)) for x in ls]),
                ("  of them in the neuromanifold", [cell(x, counts(x, x.n_in_neuromanifold)) for x in ls]),
                ("  local minima", [cell(x, counts(x, x.n_local_minima)) for x in ls]),
                # Against an incomplete set the smallest critical value found need not be the
                # global one, so neither row can be decided there.
                (
                    "  local search found global",
                    [
                        cell(x, "- (incomplete set)")
                        if x.stopped_early
                        else cell(
                            x, f"{x.local_found_global}/{len(x.n_real)} targets (boundary: {x.global_on_boundary})"
                        )
                        for x in ls
                    ],
                ),
                (
                    "  starts ending at global",
                    [
                        cell(x, "- (incomplete set)" if x.stopped_early else f"{100 * x.start_share_global:.0f}%")
                        for x in ls
                    ],
                ),
                ("  homotopy time", [f"{x.seconds:.1f} s" for x in ls]),
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
        if self.geometry:
            lines.append(
                "degree: witness-set degree by monodromy (nc.degree); identifiability: the fiber at a random point "
                "modulo the known symmetries (nc.identifiability); both numerical counts with the evidence shown."
            )
        if self.landscape:
            lines.append(
                "landscape: critical points of the euclidean distance by homotopy continuation (nc.critical_points) "
                "on the same targets, one count per target; 'found global' compares the multi-start best with the "
                "smallest real critical value (rel. tol 1e-6); '>=' marks a network whose monodromy or tracking to "
                "the targets reached the time limit: its counts are lower bounds and its 'global' value the best "
                "among the points found."
            )
        if self.training:
            lines.append(
                "training: the same targets, loss ||r||^2, Gaussian starts; 'near singular' = the smallest sampled "
                f"singular ratio sigma_r / sigma_1 of the Jacobian below {self.training[0].near_singular:g}."
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

    def plot_training(self, path: str) -> None:
        """Writes the training figure: loss curves and steps to converge.

        Loss curves are coloured by the end point's stratum (one panel per architecture), above
        histograms of the steps to converge. Needs matplotlib.
        """
        if not self.training:
            raise ValueError("plot_training: the report has no training section (compare(train_steps=...))")
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError('plot_training() needs matplotlib: pip install "neurocore[plot]"') from exc
        colours = {"generic": "tab:blue", "critical": "tab:red", "subnetwork": "tab:orange", "boundary": "tab:green"}
        n = len(self.training)
        fig, axes = plt.subplots(2, n, figsize=(4 * n, 6), squeeze=False)
        for j, t in enumerate(self.training):
            ax = axes[0][j]
            for c in t.curves:
                loss = np.maximum(np.asarray(c["loss"], dtype=float), 1e-300)
                ax.plot(c["steps"], loss, color=colours.get(str(c["kind"]), "tab:gray"), alpha=0.4, lw=0.8)
            ax.set_yscale("log")
            ax.set_title(f"{t.name}: loss curves by end stratum", fontsize=9)
            ax.set_xlabel("step")
            conv = [c["stop"] for c in t.curves if c["stop"] is not None and c["converged"]]
            axes[1][j].hist(conv, bins=20, color="tab:gray")
            axes[1][j].set_xlabel("steps to converge")
        handles = [plt.Line2D([], [], color=v, label=k) for k, v in colours.items()]
        axes[0][0].legend(handles=handles, fontsize=7)
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


def _geometry_summary(name: str, net: Network, seed: int, threads: int, max_dim: int) -> GeometrySummary:
    import time

    from neurocore.degree import degree
    from neurocore.errors import NeurocoreError
    from neurocore.fiber import identifiability

    t0 = time.perf_counter()
    empty: dict[str, Any] = dict.fromkeys(
        ("degree", "degree_certified", "trace_passed", "verdict", "n_classes", "fiber_dim", "fiber_points")
    )
    dim = dimension(net, seed=seed, threads=threads).dim
    if dim > max_dim:
        return GeometrySummary(
            name=name, **empty, seconds=time.perf_counter() - t0, error=f"dimension {dim} > geometry_max_dim {max_dim}"
        )
    try:
        d = degree(net, seed=seed, threads=threads)
        i = identifiability(net, seed=seed, threads=threads)
    except (NeurocoreError, ValueError) as exc:
        return GeometrySummary(name=name, **empty, seconds=time.perf_counter() - t0, error=str(exc))
    return GeometrySummary(
        name=name,
        degree=d.degree,
        degree_certified=d.certified_lower_bound,
        trace_passed=d.trace_passed,
        verdict=i.verdict,
        n_classes=i.n_classes,
        fiber_dim=i.fiber_dim,
        fiber_points=len(i.fiber.points),
        seconds=time.perf_counter() - t0,
    )


def _train_summary(
    name: str,
    net: Network,
    us: list[np.ndarray],
    starts: int,
    seed: int,
    threads: int,
    steps: int,
    optimizer: str,
    lr: float,
) -> TrainingSummary:
    from neurocore.training import train

    opt = cast("OptimizerName", optimizer)
    runs: list[TrainingRun] = []
    near_singular = math.nan
    for t, u in enumerate(us):
        res = train(net, u, optimizer=opt, lr=lr, steps=steps, starts=starts, seed=seed + t, threads=threads,
                    gtol=1e-6, progress=False)  # fmt: skip
        runs.extend(res.runs)
        near_singular = res.near_singular
    kinds = [r.kind for r in runs if r.kind is not None]
    counts = {k: kinds.count(k) for k in sorted(set(kinds))}
    near = [r.stop_step for r in runs if r.converged and r.near_singular and r.stop_step is not None]
    away = [r.stop_step for r in runs if r.converged and not r.near_singular and r.stop_step is not None]
    return TrainingSummary(
        name=name,
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        runs=len(runs),
        converged=sum(r.converged for r in runs),
        diverged=sum(r.status == "diverged" for r in runs),
        strata_counts=counts,
        singular_share=sum(k != "generic" for k in kinds) / len(kinds) if kinds else 0.0,
        near_singular=near_singular,
        near_count=len(near),
        away_count=len(away),
        median_steps_near=float(np.median(near)) if near else None,
        median_steps_away=float(np.median(away)) if away else None,
        plateau_fraction=sum(r.plateaus > 0 for r in runs) / len(runs),
        plateau_steps_mean=float(np.mean([r.plateau_steps for r in runs])),
        curves=tuple(
            {
                "kind": r.kind,
                "converged": r.converged,
                "stop": r.stop_step,
                "steps": r.curve_steps.tolist(),
                "loss": r.curve_loss.tolist(),
            }
            for r in runs
        ),
    )


def _landscape_summary(
    name: str,
    net: Network,
    us: list[np.ndarray],
    starts: int,
    seed: int,
    threads: int,
    max_dim: int,
    time_limit: float | None = None,
) -> LandscapeSummary:
    import time

    from neurocore.closest import closest_point
    from neurocore.critical import critical_points_many

    t0 = time.perf_counter()
    try:
        sets = critical_points_many(
            net, np.stack(us), seed=seed, threads=threads, progress=False, max_dim=max_dim, time_limit=time_limit
        )
    except (ValueError, MemoryError) as exc:
        return LandscapeSummary(
            name=name,
            ed_degree=None,
            certified_lower_bound=None,
            runs_agree=None,
            n_real=(),
            n_in_neuromanifold=(),
            n_local_minima=(),
            global_min=(),
            local_found_global=0,
            global_on_boundary=0,
            start_share_global=0.0,
            seconds=time.perf_counter() - t0,
            error=str(exc),
        )
    seconds = time.perf_counter() - t0
    found = below = hits = total = 0
    gmins: list[float | None] = []
    for t, (u, cs) in enumerate(zip(us, sets, strict=True)):
        inside = [p for p in cs.real_points if p.in_neuromanifold]
        gmin = min((float(p.sq_distance.real) for p in inside), default=None)
        gmins.append(gmin)
        # The same search as the closest-point experiment (same target, same seed).
        res = closest_point(net, u, starts=starts, seed=seed + t, threads=threads, classify=False)
        total += starts
        if gmin is None:
            below += 1
            continue
        tol = 1e-6 * max(gmin, 1e-12 * float(u @ u))
        if abs(res.sq_distance - gmin) <= tol:
            found += 1
        elif res.sq_distance < gmin - tol:
            below += 1
        hits += sum(p.count for p in res.critical_points if abs(p.sq_distance - gmin) <= tol)
    ed = sets[0].ed
    return LandscapeSummary(
        name=name,
        ed_degree=ed.ed_degree,
        certified_lower_bound=ed.certified_lower_bound,
        runs_agree=ed.runs_agree,
        n_real=tuple(cs.n_real for cs in sets),
        n_in_neuromanifold=tuple(cs.n_in_neuromanifold for cs in sets),
        n_local_minima=tuple(cs.n_local_minima for cs in sets),
        global_min=tuple(gmins),
        local_found_global=found,
        global_on_boundary=below,
        start_share_global=hits / total if total else 0.0,
        seconds=seconds,
        stopped_early=any(cs.stopped_early for cs in sets),
        ed_stopped_early=ed.stopped_early,
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
    train_steps: int = 0,
    train_optimizer: str = "adam",
    train_lr: float = 0.01,
    landscape: bool = False,
    landscape_max_dim: int = 40,
    landscape_time_limit: float | None = 120.0,
    geometry: bool = True,
    geometry_max_dim: int = 10,
) -> CompareReport:
    """Puts an MLP, a 1-D CNN and a lightning self-attention network side by side.

    For each: parameters, ambient dimension, dimension (certified when possible), expected
    dimension, defect, known symmetry dimension, generic fiber dimension, hidden symmetries; the
    strata of special points built on purpose (subnetworks, shared-root filters, rank-one
    attention) with their rank drops; and a closest-point experiment: ``targets`` random Gaussian
    targets in coefficient space, ``starts`` searches each, counting how many end on singular or
    boundary strata (the implicit bias) and the mean squared distance.

    With ``train_steps > 0`` the report gains a training section: on the same targets,
    ``starts`` runs of :func:`neurocore.train` each (``train_optimizer``, ``train_lr``, up to
    ``train_steps`` steps, ``gtol=1e-6``): the share of runs ending on singular/boundary strata,
    the median steps to converge of runs that passed near a singular stratum and of those that
    did not, and the plateau time (:class:`TrainingSummary`).

    With ``geometry=True`` (the default) the report gains the degree of each neurovariety
    (:func:`neurocore.degree`) and its generic identifiability (:func:`neurocore.identifiability`)
    (:class:`GeometrySummary`); networks whose neurovariety has dimension above
    ``geometry_max_dim`` are skipped with the reason (the default attention network, dimension 13,
    has a degree beyond what monodromy counts in minutes; attention (3,1) with key dimension 1
    has degree 45, counted in 20 s).

    With ``landscape=True`` the report gains the global landscape (:class:`LandscapeSummary`):
    the ED degree of each network, the real critical points and local minima of the distance
    for each target by homotopy continuation, and how often the multi-start local search found
    the global minimum. A network whose neurovariety has dimension above ``landscape_max_dim``
    gets an ``error`` instead. The homotopy part of each network (its monodromy and the
    tracking to its targets) gets ``landscape_time_limit`` seconds (``None``: no limit;
    certification and the real-preimage searches come on top); a network that reaches it is
    shown with ``>=`` counts and marked incomplete (the default attention network has at least
    11,478 certified distinct critical points, measured in 1,500 s, and is always cut off; the
    default MLP's 40 take about 10 s, and ``compare --landscape --targets 2 --threads 1`` about
    2.5 minutes in all).

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
    train_steps = check_int(train_steps, "train_steps", lo=0)
    if train_optimizer not in ("gd", "momentum", "adam"):
        raise ValueError(f"train_optimizer: expected 'gd', 'momentum' or 'adam', got {train_optimizer!r}")
    if isinstance(train_lr, bool) or not isinstance(train_lr, (int, float)) or not 0 < train_lr < math.inf:
        raise ValueError(f"train_lr: expected a positive finite number, got {train_lr!r}")
    if not isinstance(landscape, bool):
        raise TypeError(f"landscape: expected a bool, got {landscape!r}")
    landscape_max_dim = check_int(landscape_max_dim, "landscape_max_dim", lo=1)
    landscape_time_limit = check_timeout(landscape_time_limit, "landscape_time_limit")
    if not isinstance(geometry, bool):
        raise TypeError(f"geometry: expected a bool, got {geometry!r}")
    geometry_max_dim = check_int(geometry_max_dim, "geometry_max_dim", lo=1)
    stages = 2 + targets + (1 if train_steps else 0) + (1 if landscape else 0) + (1 if geometry else 0)
    bar = progress_bar(progress, 3 * stages, "compare", leave=False)

    def tick(label: str) -> None:
        bar.set_description(label)
        bar.update(1)

    try:
        summaries = tuple(_summarize(name, net, targets, starts, seed, threads, tick) for name, net in nets)
        training: tuple[TrainingSummary, ...] = ()
        if train_steps:
            summaries_t = []
            for name, net in nets:
                tick(f"{name}: training")
                # The targets of the closest-point experiment, drawn again from the same stream.
                rng = np.random.default_rng(seed)
                us = [rng.normal(size=net.ambient_dim) for _ in range(targets)]
                summaries_t.append(
                    _train_summary(name, net, us, starts, seed, threads, train_steps, train_optimizer, float(train_lr))
                )
            training = tuple(summaries_t)
        geo: tuple[GeometrySummary, ...] = ()
        if geometry:
            geo_l = []
            for name, net in nets:
                tick(f"{name}: degree and identifiability")
                geo_l.append(_geometry_summary(name, net, seed, threads, geometry_max_dim))
            geo = tuple(geo_l)
        land: tuple[LandscapeSummary, ...] = ()
        if landscape:
            land_l = []
            for name, net in nets:
                tick(f"{name}: landscape (homotopy)")
                rng = np.random.default_rng(seed)
                us = [rng.normal(size=net.ambient_dim) for _ in range(targets)]
                land_l.append(
                    _landscape_summary(name, net, us, starts, seed, threads, landscape_max_dim, landscape_time_limit)
                )
            land = tuple(land_l)
    finally:
        bar.close()
    return CompareReport(
        architectures=summaries,
        targets=targets,
        starts=starts,
        seed=seed,
        training=training,
        landscape=land,
        geometry=geo,
    )
