"""Training dynamics: gradient descent on the neuromanifold, many starts, recorded in Rust.

:func:`closest_point` solves for the minima (Levenberg-Marquardt); :func:`train` runs what
practitioners run (gradient descent, heavy-ball momentum, Adam) from many independent starts in
the Rust core and records *how* each run gets where it ends: the loss curve, the steps to
converge, the time spent in plateaus, how close the trajectory came to the singular locus of
the parametrization, and the stratum of the end point (:func:`neurocore.classify`).

Conventions
-----------
* The loss is ``L(theta) = ||r(theta)||^2`` with **no factor 1/2**: for a target ``u``,
  ``r = sqrt(w) * (phi(theta) - u)`` in the coefficient metric ``w`` (``"euclidean"``: ``w = 1``;
  ``"bombieri"``; or explicit weights), and for samples ``r = f(X; theta) - Y``. The gradient is
  ``2 J^T r``. A learning rate tuned for the ``1/2`` convention must be halved here.
* The optimizers follow PyTorch's ``SGD``, ``SGD(momentum=0.9)`` (``v <- 0.9 v + g``,
  ``theta <- theta - lr v``) and ``Adam`` (``betas=(0.9, 0.999)``, ``eps=1e-8``).
* ``init="gaussian"`` draws ``N(0, s^2)`` entries with ``s`` matched to the target (the scale of
  :func:`neurocore.closest_point`) unless ``init_scale`` is given; ``init="small"`` uses
  ``s / 100``. Start ``i`` has its own random stream, so results do not depend on ``threads``.
* The singular ratio is ``sigma_r / sigma_1`` of the Jacobian of ``phi`` at the iterate, ``r`` the
  generic rank (``nc.dimension(net).dim``), sampled on the downsampled curve steps. It is 0
  exactly where the rank drops; a run *passed near a singular stratum* when its smallest
  sampled ratio is below ``near_singular`` (default ``1e-3``). The ratio is invariant under
  scaling the Jacobian, so it does not see the approach to ``theta = 0`` of a small start on a
  homogeneous network (where the Jacobian shrinks as a whole); and the minimum includes the end
  point, so runs that converge *to* a singular or boundary point count as near
  (``TrainingRun.min_path_singular_ratio`` leaves the end point out).
"""

from __future__ import annotations

import math
import numbers
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from neurocore import _core
from neurocore._checks import check_int, check_nonnegative_float
from neurocore._exact import parse_float
from neurocore.closest import _metric_kwargs, _samples
from neurocore.network import Network
from neurocore.progress import _NoBar, progress_bar

__all__ = ["CriticalMatch", "StepsSummary", "TrainingResult", "TrainingRun", "train"]

OptimizerName = Literal["gd", "momentum", "adam"]
RunStatus = Literal["converged", "max_steps", "diverged"]

_OPTIMIZERS = ("gd", "momentum", "adam")
_KIND_ORDER = ("generic", "critical", "subnetwork", "boundary", "zero")
#: ``init="small"``: this fraction of the target-matched scale.
SMALL_INIT_FACTOR = 0.01


def _frozen(a: Any, dtype: Any = np.float64) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.6g}"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class TrainingRun:
    """One training run.

    Attributes
    ----------
    start : int
        Index of the start (its random stream).
    status : {"converged", "max_steps", "diverged"}
        ``"converged"``: the gradient or loss-change tolerance was met at ``stop_step``;
        ``"diverged"``: the loss or a parameter became non-finite or exceeded
        ``divergence * max(L_0, 1)`` at ``stop_step`` (``theta`` and ``final_loss`` are then the
        last finite iterate, never NaN).
    steps : int
        Updates applied.
    stop_step : int or None
        Step at which convergence or divergence was detected.
    initial_loss, final_loss, final_grad_norm : float
        ``L(theta0)``, ``L(theta)`` and ``||grad L(theta)||_2`` (full batch).
    theta0, theta : numpy.ndarray
        Start and final parameters.
    function : numpy.ndarray
        ``phi(theta)`` (the final function's coefficients; empty for a data objective).
    curve_steps, curve_loss : numpy.ndarray
        The loss on the downsampled steps reached (``curve_points`` evenly spaced steps, plus
        the last one).
    curve_ratio : numpy.ndarray
        The singular ratio ``sigma_r / sigma_1`` on ``curve_steps`` (NaN where not sampled, see
        ``ratio_points``; empty when not measured).
    fraction_steps : dict of float to int or None
        For each fraction ``f``, the first step with ``L_t <= f L_0`` (None: never reached).
    plateau_steps, plateaus : int
        Steps spent in plateaus and number of plateaus (see :func:`train`).
    stratum : Stratum or None
        ``nc.classify(net, theta)`` on the float final parameters (a numerical rank with
        ``classify_rtol``), None with ``classify=False``.
    min_singular_ratio : float
        Smallest sampled singular ratio (NaN when not measured).
    near_singular : bool
        ``min_singular_ratio < near_singular`` threshold of the study.
    min_path_singular_ratio : float
        Smallest sampled singular ratio before the last sample (the path, not the end point;
        NaN when fewer than two samples).
    """

    start: int
    status: RunStatus
    steps: int
    stop_step: int | None
    initial_loss: float
    final_loss: float
    final_grad_norm: float
    theta0: np.ndarray
    theta: np.ndarray
    function: np.ndarray
    curve_steps: np.ndarray
    curve_loss: np.ndarray
    curve_ratio: np.ndarray
    fraction_steps: dict[float, int | None]
    plateau_steps: int
    plateaus: int
    stratum: Any
    min_singular_ratio: float
    near_singular: bool
    min_path_singular_ratio: float = math.nan

    @property
    def converged(self) -> bool:
        """True when the run met a convergence tolerance."""
        return self.status == "converged"

    @property
    def steps_to_converge(self) -> int | None:
        """The step at which the run converged (None if it did not)."""
        return self.stop_step if self.status == "converged" else None

    @property
    def kind(self) -> str | None:
        """The stratum kind of the end point, if classified."""
        return None if self.stratum is None else str(self.stratum.kind)

    @property
    def loss_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """``(curve_steps, curve_loss)``."""
        return self.curve_steps, self.curve_loss

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        return {
            "start": self.start,
            "status": self.status,
            "steps": self.steps,
            "stop_step": self.stop_step,
            "initial_loss": self.initial_loss,
            "final_loss": self.final_loss,
            "final_grad_norm": self.final_grad_norm,
            "theta0": self.theta0.tolist(),
            "theta": self.theta.tolist(),
            "function": self.function.tolist(),
            "curve_steps": self.curve_steps.tolist(),
            "curve_loss": self.curve_loss.tolist(),
            "curve_ratio": [None if math.isnan(v) else v for v in self.curve_ratio.tolist()],
            "fraction_steps": {str(k): v for k, v in self.fraction_steps.items()},
            "plateau_steps": self.plateau_steps,
            "plateaus": self.plateaus,
            "kind": self.kind,
            "min_singular_ratio": None if math.isnan(self.min_singular_ratio) else self.min_singular_ratio,
            "near_singular": self.near_singular,
            "min_path_singular_ratio": None
            if math.isnan(self.min_path_singular_ratio)
            else self.min_path_singular_ratio,
        }

    def __repr__(self) -> str:
        return (
            f"TrainingRun(start={self.start}, status={self.status!r}, steps={self.steps}, "
            f"final_loss={_fmt(self.final_loss)}, kind={self.kind!r}, "
            f"min_singular_ratio={_fmt(self.min_singular_ratio)}, plateau_steps={self.plateau_steps})"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CriticalMatch:
    """Which real critical point of the distance each training run ended at.

    Attributes
    ----------
    reached : tuple of (int or None)
        Per run, the index into ``critical.real_points`` (sorted by squared distance, so ``0`` is
        the real critical point of least distance) of the critical function the run's final
        function equals to ``rtol`` (relative, euclidean norm of the coefficient vectors), or
        ``None`` when it is within ``rtol`` of none (an unconverged run, or an end point on a
        boundary or singular stratum, which the critical-points engine does not list).
    counts : dict
        ``index -> number of runs`` for the indices reached.
    global_fraction : float
        Fraction of the converged runs that reached index 0 (``nan`` when none converged).
    local_minimum : tuple of (bool or None)
        Per run, whether the reached point is a strict local minimum on the variety (all
        restricted Hessian eigenvalues positive), ``None`` when no point was reached.
    rtol : float
    """

    reached: tuple[int | None, ...]
    counts: dict[int, int]
    global_fraction: float
    local_minimum: tuple[bool | None, ...]
    rtol: float


@dataclass(frozen=True, slots=True, kw_only=True)
class StepsSummary:
    """Distribution of the steps to converge of a group of converged runs."""

    count: int
    median: float | None
    mean: float | None
    q25: float | None
    q75: float | None
    min: int | None
    max: int | None

    @staticmethod
    def of(values: Sequence[int]) -> StepsSummary:
        """The summary of ``values`` (all None when empty)."""
        if not values:
            return StepsSummary(count=0, median=None, mean=None, q25=None, q75=None, min=None, max=None)
        a = np.asarray(values, dtype=np.float64)
        return StepsSummary(
            count=len(values),
            median=float(np.median(a)),
            mean=float(a.mean()),
            q25=float(np.quantile(a, 0.25)),
            q75=float(np.quantile(a, 0.75)),
            min=int(a.min()),
            max=int(a.max()),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {k: getattr(self, k) for k in ("count", "median", "mean", "q25", "q75", "min", "max")}


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class TrainingResult:
    """A training study: every run and the summaries of the trade-off of singularities.

    Attributes
    ----------
    runs : tuple of TrainingRun
        In start order.
    status_counts : dict of str to int
        Runs per status (``"converged"``, ``"max_steps"``, ``"diverged"``).
    strata_counts, strata_fractions : dict of str to int / float
        Runs (diverged ones excluded) whose end point lies on each stratum kind, and the
        fraction of those runs. The kind is ``nc.classify`` on the float end point: a numerical
        rank (``classify_rtol``), not a certificate.
    steps_near_singular, steps_away : StepsSummary
        Steps to converge of the converged runs that passed near a singular stratum (smallest
        sampled singular ratio below ``near_singular``) and of those that did not.
    plateau_fraction : float
        Fraction of runs with at least one plateau.
    plateau_steps_mean, plateau_steps_median : float
        Steps in plateaus per run, over all runs.
    best_loss : float
        Smallest final loss over the runs.
    near_singular : float
        The threshold on the singular ratio.
    rank : int or None
        The generic rank used for the singular ratio (None: not measured).
    optimizer, lr, steps, starts, seed, init, scale, metric, gtol, ftol, fractions
        The settings (``scale``: standard deviation of the Gaussian starts, NaN for explicit).
    network : str
        The network's repr.
    """

    runs: tuple[TrainingRun, ...]
    status_counts: dict[str, int]
    strata_counts: dict[str, int]
    strata_fractions: dict[str, float]
    steps_near_singular: StepsSummary
    steps_away: StepsSummary
    plateau_fraction: float
    plateau_steps_mean: float
    plateau_steps_median: float
    best_loss: float
    near_singular: float
    rank: int | None
    optimizer: OptimizerName
    lr: float
    steps: int
    starts: int
    seed: int
    init: str
    scale: float
    metric: str
    gtol: float
    ftol: float
    fractions: tuple[float, ...]
    network: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_converged(self) -> int:
        """Runs that converged."""
        return self.status_counts.get("converged", 0)

    @property
    def final_losses(self) -> np.ndarray:
        """Final loss of every run, in start order."""
        return _frozen([r.final_loss for r in self.runs])

    def reached_critical_points(self, critical: Any, *, rtol: float = 1e-4) -> CriticalMatch:
        """Matches every run's final function with the real critical points of the loss.

        ``critical`` is the result of :func:`neurocore.critical_points` for the same network,
        target and metric (the metric is checked; the target is the caller's responsibility).

        >>> import neurocore as nc, numpy as np
        >>> net = nc.mlp([2, 1, 1], degree=3)
        >>> u = np.array([1.0, -2.0, 0.5, 3.0])
        >>> cp = nc.critical_points(net, u)
        >>> res = nc.train(net, u, optimizer="adam", lr=0.01, steps=4000, starts=8, seed=1, progress=False)
        >>> m = res.reached_critical_points(cp)
        >>> all(i is not None for i, r in zip(m.reached, res.runs) if r.converged)
        True
        """
        if not (isinstance(rtol, (int, float)) and 0 < rtol < 1):
            raise ValueError(f"rtol: expected a float in (0, 1), got {rtol!r}")
        metric = getattr(critical, "metric", None)
        if metric is None or not hasattr(critical, "real_points"):
            raise TypeError(
                f"critical: expected the result of neurocore.critical_points, got {type(critical).__name__}"
            )
        if metric != self.metric:
            raise ValueError(f"critical: computed for the {metric!r} metric, the training used {self.metric!r}")
        real = critical.real_points
        funcs = [np.real(np.asarray(p.function)) for p in real]
        reached: list[int | None] = []
        local: list[bool | None] = []
        for run in self.runs:
            f = np.asarray(run.function, dtype=np.float64)
            if f.shape != (funcs[0].shape if funcs else f.shape):
                raise ValueError(f"critical: functions of length {funcs[0].size}, the runs have {f.size}")
            best = None
            for i, c in enumerate(funcs):
                if np.linalg.norm(f - c) <= rtol * max(1.0, float(np.linalg.norm(c))):
                    best = i
                    break
            reached.append(best)
            if best is None:
                local.append(None)
            else:
                eig = real[best].hessian_eigenvalues
                local.append(None if eig is None else bool(np.all(np.asarray(eig) > 0)))
        counts: dict[int, int] = {}
        for idx in reached:
            if idx is not None:
                counts[idx] = counts.get(idx, 0) + 1
        conv = [idx for idx, r in zip(reached, self.runs, strict=True) if r.converged]
        frac = sum(1 for idx in conv if idx == 0) / len(conv) if conv else math.nan
        return CriticalMatch(
            reached=tuple(reached), counts=counts, global_fraction=frac, local_minimum=tuple(local), rtol=float(rtol)
        )

    @property
    def steps_ratio(self) -> float | None:
        """Median steps to converge near a singular stratum over the median away from it."""
        a, b = self.steps_near_singular.median, self.steps_away.median
        return None if a is None or b is None or b == 0 else a / b

    def to_dict(self, *, runs: bool = True) -> dict[str, Any]:
        """Plain-dict form (JSON-ready); ``runs=False`` leaves out the per-run records."""
        d: dict[str, Any] = {
            "network": self.network,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "steps": self.steps,
            "starts": self.starts,
            "seed": self.seed,
            "init": self.init,
            "scale": None if math.isnan(self.scale) else self.scale,
            "metric": self.metric,
            "gtol": self.gtol,
            "ftol": self.ftol,
            "fractions": list(self.fractions),
            "rank": self.rank,
            "near_singular": self.near_singular,
            "status_counts": dict(self.status_counts),
            "strata_counts": dict(self.strata_counts),
            "strata_fractions": dict(self.strata_fractions),
            "steps_near_singular": self.steps_near_singular.to_dict(),
            "steps_away": self.steps_away.to_dict(),
            "steps_ratio": self.steps_ratio,
            "plateau_fraction": self.plateau_fraction,
            "plateau_steps_mean": self.plateau_steps_mean,
            "plateau_steps_median": self.plateau_steps_median,
            "best_loss": self.best_loss,
        }
        if runs:
            d["runs"] = [r.to_dict() for r in self.runs]
        return d

    def __repr__(self) -> str:
        return (
            f"TrainingResult(optimizer={self.optimizer!r}, starts={self.starts}, steps={self.steps}, "
            f"best_loss={_fmt(self.best_loss)}, status={self.status_counts!r}, strata={self.strata_fractions!r})"
        )

    def __str__(self) -> str:
        def steps(s: StepsSummary) -> str:
            return f"{s.count} runs, median {_fmt(s.median)} (q25 {_fmt(s.q25)}, q75 {_fmt(s.q75)})"

        rows = [
            ("network", self.network),
            ("objective", f"{self.metric}, loss = ||r||^2"),
            ("optimizer", f"{self.optimizer}, lr {_fmt(self.lr)}, {self.steps} steps"),
            ("starts", f"{self.starts} ({self.init}, scale {_fmt(self.scale)}, seed {self.seed})"),
            ("endings", ", ".join(f"{k}: {v}" for k, v in self.status_counts.items())),
            ("end strata", ", ".join(f"{k}: {v:.3f}" for k, v in self.strata_fractions.items()) or "-"),
            ("best loss", _fmt(self.best_loss)),
            (f"steps, near singular (ratio < {self.near_singular:g})", steps(self.steps_near_singular)),
            ("steps, away from it", steps(self.steps_away)),
            ("runs with plateaus", f"{self.plateau_fraction:.3f} (mean {self.plateau_steps_mean:.1f} steps)"),
        ]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def _fractions(v: Any) -> tuple[float, ...]:
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        raise TypeError(f"fractions: expected a sequence of numbers in (0, 1), got {v!r}")
    out = []
    for f in v:
        if isinstance(f, bool) or not isinstance(f, numbers.Real) or not 0 < float(f) < 1:
            raise ValueError(f"fractions: each must lie in (0, 1), got {f!r}")
        out.append(float(f))
    return tuple(out)


def _init_arg(net: Network, init: Any, starts: int | None) -> tuple[str, np.ndarray | None, int | None]:
    if isinstance(init, str):
        if init not in ("gaussian", "small"):
            raise ValueError(f"init: expected 'gaussian', 'small' or an array of starts, got {init!r}")
        return init, None, starts
    try:
        a = np.array(init, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError("init: expected 'gaussian', 'small' or an array of shape (starts, n_params)") from exc
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2 or a.shape[1] != net.n_params or a.shape[0] == 0:
        raise ValueError(f"init: expected shape (starts, {net.n_params}) (n_params = {net.n_params}), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("init: contains NaN or infinite entries")
    if starts is not None and starts != a.shape[0]:
        raise ValueError(f"starts: {starts} differs from the {a.shape[0]} rows of init")
    return "explicit", np.ascontiguousarray(a), a.shape[0]


def train(
    net: Network,
    target: Any = None,
    *,
    data: Any = None,
    metric: Any = None,
    optimizer: OptimizerName = "gd",
    lr: float = 0.01,
    steps: int = 1000,
    starts: int | None = None,
    init: Any = "gaussian",
    init_scale: float | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    threads: int = 0,
    progress: bool = True,
    gtol: float = 1e-8,
    ftol: float = 0.0,
    fractions: Sequence[float] = (0.5, 0.1, 0.01),
    curve_points: int = 101,
    singular_ratio: bool = True,
    ratio_points: int = 21,
    near_singular: float = 1e-3,
    plateau_band: float = 1e-4,
    plateau_grad: float = 1e-2,
    plateau_min: int = 10,
    divergence: float = 1e12,
    classify: bool = True,
    classify_rtol: float = 1e-6,
    memory_limit: int | None = None,
) -> TrainingResult:
    """Trains ``net`` towards a target (or on samples) from many starts and records the dynamics.

    Every start runs ``steps`` updates of the optimizer on the loss ``L = ||r||^2`` (no 1/2;
    see the module notes) in the Rust core, the starts in parallel, float64. A run stops early
    when ``||grad L||_2 <= gtol`` or ``|L_{t-1} - L_t| <= ftol L_{t-1}`` (converged), or when it
    diverges (loss or parameter not finite, or above ``divergence * max(L_0, 1)``).

    A *plateau step* has a relative loss change below ``plateau_band``, a gradient norm below
    ``plateau_grad`` times the initial one, and a loss above ``(1 + 100 plateau_band)`` times the
    final loss; a plateau is a stretch of at least ``plateau_min`` such steps.

    Parameters
    ----------
    net : Network
        The architecture (MLP, CNN or attention).
    target : array_like, optional
        Target coefficient vector (length ``net.ambient_dim``). Give this or ``data``.
    data : (X, Y), optional
        Samples; the loss is ``sum_j ||f(x_j) - y_j||^2``.
    metric : {"euclidean", "bombieri"} or array_like, optional
        Coefficient metric, as in :func:`neurocore.closest_point` (not with ``data``).
    optimizer : {"gd", "momentum", "adam"}
        Update rule (PyTorch conventions).
    lr : float
        Learning rate (> 0).
    steps : int
        Maximum number of updates per run (>= 1).
    starts : int, optional
        Number of runs (default 64, or the rows of an explicit ``init``).
    init : {"gaussian", "small"} or array_like
        Gaussian starts at the target-matched scale, at 1/100 of it, or explicit starts of shape
        ``(starts, n_params)``.
    init_scale : float, optional
        Replaces the target-matched scale (``"small"`` still divides it by 100).
    batch_size : int, optional
        Mini-batch size for ``data`` (default: full batch); batches are drawn per run from its
        own stream and scaled by ``n_samples / batch_size``.
    seed : int
        Seed of the starts and batches.
    threads : int
        0 = all cores, 1 = sequential; the result does not depend on it.
    progress : bool
        A progress bar on stderr (only when stderr is a terminal; the study then runs in
        chunks of starts, with the same result).
    gtol, ftol : float
        Convergence tolerances (gradient 2-norm; relative loss change, 0 = off).
    fractions : sequence of float
        Loss fractions whose first crossing step is recorded.
    curve_points : int
        Points of the downsampled loss curve (>= 2).
    singular_ratio : bool
        Sample the singular ratio along the curve (each sample is an eigen-decomposition of
        ``J^T J``, ``n_params x n_params``: on small networks dearer than hundreds of steps).
    ratio_points : int
        About how many of the curve points get a singular-ratio sample (every
        ``ceil((curve_points - 1) / (ratio_points - 1))``-th one, and the last; NaN elsewhere).
    near_singular : float
        Threshold on the smallest sampled singular ratio for "passed near a singular stratum".
    plateau_band, plateau_grad, plateau_min : float, float, int
        Plateau detection (see above).
    divergence : float
        Divergence factor (> 1).
    classify : bool
        Label end points with :func:`neurocore.classify` (float parameters, ``classify_rtol``).
    classify_rtol : float
        Relative singular-value tolerance of that classification (trained end points are only
        approximately on a stratum, so looser than ``classify``'s default 1e-8).
    memory_limit : int, optional
        Bytes the study may plan to use (default: the process limit).

    Returns
    -------
    TrainingResult

    Examples
    --------
    >>> import neurocore as nc
    >>> net = nc.mlp([2, 1, 2], degree=1)          # rank-one 2 x 2 matrices
    >>> res = nc.train(net, [3, 0, 0, 1], lr=0.02, steps=3000, starts=8, init="small", progress=False)
    >>> round(res.best_loss, 6)                    # Eckart-Young: drop sigma_2 = 1
    1.0
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a neurocore Network, got {type(net).__name__}")
    if not isinstance(optimizer, str) or optimizer not in _OPTIMIZERS:
        raise ValueError(f"optimizer: expected 'gd', 'momentum' or 'adam', got {optimizer!r}")
    lr = check_nonnegative_float(lr, "lr", positive=True)
    steps = check_int(steps, "steps", lo=1)
    if starts is not None:
        starts = check_int(starts, "starts", lo=1)
    init_name, init_arr, starts = _init_arg(net, init, starts)
    starts = 64 if starts is None else starts
    if init_scale is not None:
        if init_arr is not None:
            raise ValueError("init_scale: only for init='gaussian' or 'small', not explicit starts")
        init_scale = check_nonnegative_float(init_scale, "init_scale", positive=True)
    seed = check_int(seed, "seed", lo=0, hi=2**64)
    threads = check_int(threads, "threads", lo=0)
    gtol = check_nonnegative_float(gtol, "gtol", positive=False)
    ftol = check_nonnegative_float(ftol, "ftol", positive=False)
    fracs = _fractions(fractions)
    curve_points = check_int(curve_points, "curve_points", lo=2)
    ratio_points = check_int(ratio_points, "ratio_points", lo=2)
    near_singular = check_nonnegative_float(near_singular, "near_singular", positive=True)
    plateau_band = check_nonnegative_float(plateau_band, "plateau_band", positive=False)
    plateau_grad = check_nonnegative_float(plateau_grad, "plateau_grad", positive=False)
    plateau_min = check_int(plateau_min, "plateau_min", lo=1)
    divergence = check_nonnegative_float(divergence, "divergence", positive=True)
    if divergence <= 1:
        raise ValueError(f"divergence: expected a factor > 1, got {divergence}")
    classify_rtol = check_nonnegative_float(classify_rtol, "classify_rtol", positive=True)
    for name, flag in (("progress", progress), ("singular_ratio", singular_ratio), ("classify", classify)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name}: expected a bool, got {flag!r}")

    kw: dict[str, Any]
    if data is not None:
        if target is not None:
            raise ValueError("target: give either a target coefficient vector or data=(X, Y), not both")
        if metric is not None:
            raise ValueError("metric: samples data=(X, Y) induce their own metric; leave metric unset")
        x, y = _samples(net, data)
        kw = {"x": x, "y": y}
        metric_name = "data"
        if batch_size is not None:
            batch_size = check_int(batch_size, "batch_size", lo=1)
            if batch_size > x.shape[0]:
                raise ValueError(f"batch_size: {batch_size} exceeds the {x.shape[0]} samples")
    else:
        if target is None:
            raise ValueError("target: give a target coefficient vector or data=(X, Y)")
        if batch_size is not None:
            raise ValueError("batch_size: mini-batches need data=(X, Y), not a target")
        u = parse_float(target, "target", net.ambient_dim)
        kw = _metric_kwargs(net, metric)
        metric_name = kw["metric"]
        kw["target"] = u

    rank: int | None = None
    if singular_ratio:
        from neurocore.dimension import dimension

        rank = dimension(net, seed=seed, threads=threads).dim

    common: dict[str, Any] = dict(
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        seed=seed,
        batch_size=batch_size,
        rank=rank,
        curve_points=curve_points,
        fractions=list(fracs),
        gtol=gtol,
        ftol=ftol,
        divergence=divergence,
        plateau_band=plateau_band,
        plateau_grad=plateau_grad,
        plateau_min=plateau_min,
        ratio_every=max(1, -(-(curve_points - 1) // (ratio_points - 1))),
        threads=threads,
        memory_limit=memory_limit,
        **kw,
    )
    if init_arr is None:
        common["init_scale"] = init_scale
        common["init_factor"] = SMALL_INIT_FACTOR if init_name == "small" else 1.0

    bar = progress_bar(progress, starts, "train", "run")
    # One call unless a bar is drawn; chunks keep the start indices (and so the random
    # streams), so chunking changes nothing in the result.
    chunk = starts if isinstance(bar, _NoBar) else max(1, -(-starts // 50))
    raw_runs: list[Any] = []
    scale = math.nan
    try:
        for lo in range(0, starts, chunk):
            hi = min(starts, lo + chunk)
            if init_arr is None:
                rec = _core.train(net._core, starts=hi - lo, first_start=lo, **common)
            else:
                rec = _core.train(net._core, init=init_arr[lo:hi], first_start=lo, **common)
            scale = rec.scale
            raw_runs.extend(rec.runs)
            bar.update(hi - lo)
    finally:
        bar.close()

    strata: list[Any] = [None] * len(raw_runs)
    if classify:
        from neurocore.strata import classify as classify_theta

        strata = [
            None if r.status == "diverged" else classify_theta(net, np.asarray(r.theta), rtol=classify_rtol, seed=seed)
            for r in raw_runs
        ]
    runs = []
    for r, s in zip(raw_runs, strata, strict=True):
        ratio = np.asarray(r.curve_ratio, dtype=np.float64)
        finite = ratio[np.isfinite(ratio)]
        min_ratio = float(finite.min()) if finite.size else math.nan
        path = ratio[:-1][np.isfinite(ratio[:-1])]
        min_path = float(path.min()) if path.size else math.nan
        runs.append(
            TrainingRun(
                start=r.start,
                status=r.status,
                steps=r.steps,
                stop_step=r.stop_step,
                initial_loss=r.initial_loss,
                final_loss=r.final_loss,
                final_grad_norm=r.final_grad_norm,
                theta0=_frozen(r.theta0),
                theta=_frozen(r.theta),
                function=_frozen(r.function),
                curve_steps=_frozen(r.curve_steps, np.int64),
                curve_loss=_frozen(r.curve_loss),
                curve_ratio=_frozen(ratio),
                fraction_steps=dict(zip(fracs, r.fraction_steps, strict=True)),
                plateau_steps=r.plateau_steps,
                plateaus=r.plateaus,
                stratum=s,
                min_singular_ratio=min_ratio,
                near_singular=bool(min_ratio < near_singular),
                min_path_singular_ratio=min_path,
            )
        )

    status = [r.status for r in runs]
    kinds = [r.kind for r in runs if r.kind is not None]
    order = list(_KIND_ORDER) + sorted(set(kinds) - set(_KIND_ORDER))
    counts = {k: kinds.count(k) for k in order if k in kinds}
    conv_near = [r.stop_step for r in runs if r.converged and r.near_singular and r.stop_step is not None]
    conv_away = [r.stop_step for r in runs if r.converged and not r.near_singular and r.stop_step is not None]
    plateau = [r.plateau_steps for r in runs]
    return TrainingResult(
        runs=tuple(runs),
        status_counts={k: status.count(k) for k in ("converged", "max_steps", "diverged") if k in status},
        strata_counts=counts,
        strata_fractions={k: v / len(kinds) for k, v in counts.items()},
        steps_near_singular=StepsSummary.of(conv_near),
        steps_away=StepsSummary.of(conv_away),
        plateau_fraction=sum(1 for r in runs if r.plateaus > 0) / len(runs),
        plateau_steps_mean=statistics.fmean(plateau),
        plateau_steps_median=float(statistics.median(plateau)),
        best_loss=min(r.final_loss for r in runs),
        near_singular=near_singular,
        rank=rank,
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        starts=starts,
        seed=seed,
        init=init_name,
        scale=float(scale),
        metric=metric_name,
        gtol=gtol,
        ftol=ftol,
        fractions=fracs,
        network=repr(net),
        settings={"batch_size": batch_size, "init_scale": init_scale, "classify_rtol": classify_rtol},
    )
