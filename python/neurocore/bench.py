"""``neurocore bench``: neurocore against what researchers write today.

Times :func:`neurocore.dimension` on the architectures of the design notes' performance bar
against the baseline recipes, and prints the ratios.

Baselines (run only when installed; otherwise skipped with a note):

* ``numpy+flint``: backpropagation of the MLP modulo the word-size prime 32003 in numpy (int64,
  reduced after every product), at ``ceil(n_params / outputs)`` random points, then
  ``flint.nmod_mat(rows, p).rank()``;
* ``jax``: ``jax.jacfwd`` of the evaluation map in float64 at random points, then
  ``numpy.linalg.matrix_rank``.

The recipes are copied from the repository's ``benches/baselines.py`` so that the installed
package does not depend on the benchmark folder.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["ARCHITECTURES", "BASELINES", "BenchReport", "BenchRow", "run_bench"]

#: ``(widths, degree)`` of the performance bar (design notes, section 5).
ARCHITECTURES: tuple[tuple[tuple[int, ...], int], ...] = (
    ((8, 12, 12, 4), 2),
    ((10, 20, 20, 20, 1), 2),
    ((12, 24, 24, 24, 2), 3),
    ((16, 32, 32, 8), 2),
)

P_BASELINE = 32003


def _pow_mod(z: np.ndarray, e: int, p: int) -> np.ndarray:
    result = np.ones_like(z)
    base = z % p
    while e:
        if e & 1:
            result = (result * base) % p
        base = (base * base) % p
        e >>= 1
    return result


def numpy_flint_dimension(widths: Sequence[int], degree: int, seed: int = 0, p: int = P_BASELINE) -> int:
    """The numpy backpropagation + ``flint.nmod_mat.rank`` recipe (rank of the Jacobian mod p)."""
    import flint

    rng = np.random.default_rng(seed)
    ws = [rng.integers(0, p, size=(widths[i + 1], widths[i]), dtype=np.int64) for i in range(len(widths) - 1)]
    n_params = sum(w.size for w in ws)
    out = widths[-1]
    n_points = math.ceil(n_params / out)
    x = rng.integers(0, p, size=(widths[0], n_points), dtype=np.int64)
    acts, pres = [x], []
    a = x
    for i, w in enumerate(ws):
        z = (w @ a) % p
        pres.append(z)
        a = _pow_mod(z, degree, p) if i < len(ws) - 1 else z
        acts.append(a)
    blocks = []
    for o in range(out):
        delta = np.zeros((out, n_points), dtype=np.int64)
        delta[o] = 1
        grads = []
        for i in range(len(ws) - 1, -1, -1):
            g = (delta[:, None, :] * acts[i][None, :, :]) % p
            grads.append(g.reshape(-1, n_points))
            if i > 0:
                back = (ws[i].T @ delta) % p
                deriv = (degree * _pow_mod(pres[i - 1], degree - 1, p)) % p
                delta = (back * deriv) % p
        blocks.append(np.concatenate(grads[::-1], axis=0).T)
    jac = np.stack(blocks, axis=1).reshape(n_points * out, n_params)
    return int(flint.nmod_mat(jac.tolist(), p).rank())


def jax_dimension(widths: Sequence[int], degree: int, seed: int = 0) -> int:
    """The ``jax.jacfwd`` + ``numpy.linalg.matrix_rank`` float pipeline."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(seed)
    shapes = [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    n_params = sum(a * b for a, b in shapes)
    n_points = math.ceil(n_params / widths[-1])
    x = jnp.asarray(rng.normal(size=(widths[0], n_points)))

    def f(theta: Any) -> Any:
        pos = 0
        a = x
        for i, (r, c) in enumerate(shapes):
            w = theta[pos : pos + r * c].reshape(r, c)
            pos += r * c
            a = w @ a
            if i < len(shapes) - 1:
                a = a**degree
        return a.T.reshape(-1)

    theta = jnp.asarray(rng.normal(size=n_params))
    jac = jax.jacfwd(f)(theta)
    return int(np.linalg.matrix_rank(np.asarray(jac)))


#: Baseline name -> (module that must be importable, function).
BASELINES: dict[str, tuple[str, Callable[..., int]]] = {
    "numpy+flint": ("flint", numpy_flint_dimension),
    "jax": ("jax", jax_dimension),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchRow:
    """Timings of one architecture: neurocore and every baseline that ran.

    Seconds: the best of the repeats for neurocore, one run for each baseline.
    """

    widths: tuple[int, ...]
    degree: int
    n_params: int
    dim: int
    neurocore_seconds: float
    baseline_seconds: dict[str, float] = field(default_factory=dict)
    baseline_ranks: dict[str, int] = field(default_factory=dict)

    @property
    def ratios(self) -> dict[str, float]:
        """``baseline time / neurocore time`` (how many times faster neurocore is)."""
        return {k: v / self.neurocore_seconds for k, v in self.baseline_seconds.items() if self.neurocore_seconds > 0}

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        d = asdict(self)
        d["ratios"] = self.ratios
        return d


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchReport:
    """The rows of a benchmark run and notes about skipped baselines."""

    rows: tuple[BenchRow, ...]
    baselines: tuple[str, ...]
    notes: tuple[str, ...] = ()
    threads: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {
            "rows": [r.to_dict() for r in self.rows],
            "baselines": list(self.baselines),
            "notes": list(self.notes),
            "threads": self.threads,
        }

    def __str__(self) -> str:
        head = ["architecture", "params", "dim", "neurocore s"]
        for b in self.baselines:
            head += [f"{b} s", "ratio"]
        table = [head]
        for r in self.rows:
            line = [
                f"{'-'.join(map(str, r.widths))} r={r.degree}",
                str(r.n_params),
                str(r.dim),
                f"{r.neurocore_seconds:.4f}",
            ]
            for b in self.baselines:
                t = r.baseline_seconds.get(b)
                line += ["-", "-"] if t is None else [f"{t:.4f}", f"{r.ratios[b]:.1f}x"]
            table.append(line)
        widths = [max(len(row[i]) for row in table) for i in range(len(head))]
        lines = [
            "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
            for row in table
        ]
        lines.append("ratio = baseline time / neurocore time (higher is better for neurocore)")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def run_bench(
    architectures: Sequence[tuple[Sequence[int], int]] | None = None,
    *,
    repeat: int = 3,
    threads: int = 0,
    baselines: Sequence[str] | None = None,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> BenchReport:
    """Times :func:`neurocore.dimension` and the installed baselines on MLP architectures.

    Parameters
    ----------
    architectures : list of (widths, degree), optional
        Default :data:`ARCHITECTURES`.
    repeat : int
        neurocore runs per architecture (the best is kept); baselines run once.
    threads : int
        Threads for neurocore (0 = all cores).
    baselines : list of str, optional
        Names from :data:`BASELINES` (default: all); those not installed are skipped with a note.
    seed : int
        Seed of the random points (neurocore and baselines).
    log : callable, optional
        Called with a line of text before each timing (progress).

    Examples
    --------
    >>> from neurocore.bench import run_bench
    >>> rep = run_bench([((3, 2, 1), 2)], repeat=1, baselines=[])
    >>> rep.rows[0].dim
    5
    """
    import neurocore as nc

    archs = ARCHITECTURES if architectures is None else tuple((tuple(w), int(r)) for w, r in architectures)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat: expected a positive int, got {repeat!r}")
    names = list(BASELINES) if baselines is None else list(baselines)
    for b in names:
        if b not in BASELINES:
            raise ValueError(f"baselines: unknown baseline {b!r}; expected some of {list(BASELINES)}")
    notes = []
    usable = []
    for b in names:
        module = BASELINES[b][0]
        if _available(module):
            usable.append(b)
        else:
            notes.append(f"{b} skipped: the module {module!r} is not installed")
    rows = []
    for widths, degree in archs:
        net = nc.mlp(list(widths), degree=degree)
        label = f"{'-'.join(map(str, widths))} r={degree}"
        best = math.inf
        dim = 0
        for _ in range(repeat):
            if log:
                log(f"neurocore {label}")
            t0 = time.perf_counter()
            dim = nc.dimension(net, seed=seed, threads=threads).dim
            best = min(best, time.perf_counter() - t0)
        secs: dict[str, float] = {}
        ranks: dict[str, int] = {}
        for b in usable:
            if log:
                log(f"{b} {label}")
            fn = BASELINES[b][1]
            t0 = time.perf_counter()
            ranks[b] = fn(list(widths), degree, seed)
            secs[b] = time.perf_counter() - t0
        rows.append(
            BenchRow(
                widths=tuple(widths),
                degree=degree,
                n_params=net.n_params,
                dim=dim,
                neurocore_seconds=best,
                baseline_seconds=secs,
                baseline_ranks=ranks,
            )
        )
    return BenchReport(rows=tuple(rows), baselines=tuple(usable), notes=tuple(notes), threads=threads)
