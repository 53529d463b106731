"""The ``neurocore`` command line.

Every command prints a readable table (or JSON with ``--json``). Bad input prints one line
naming the problem and exits with status 2; Ctrl-C exits with status 130.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from neurocore.errors import NeurocoreError
from neurocore.network import Network, attention, conv1d, conv2d, mlp

__all__ = ["main", "network_from_args"]


def _ints(text: str) -> list[int]:
    try:
        return [int(v) for v in text.replace(" ", "").split(",") if v != ""]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _rationals(text: str) -> list[Fraction]:
    try:
        return [Fraction(v) for v in text.replace(" ", "").split(",") if v != ""]
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"expected comma-separated rationals like 0,1/2,1, got {text!r}") from None


def _pairs(text: str) -> list[tuple[int, int]]:
    out = []
    for item in text.replace(" ", "").split(","):
        parts = item.lower().split("x")
        try:
            if len(parts) == 1:
                out.append((int(parts[0]), int(parts[0])))
            elif len(parts) == 2:
                out.append((int(parts[0]), int(parts[1])))
            else:
                raise ValueError
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected pairs like 2x2,3x1, got {text!r}") from None
    return out


def _add_activation(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--degree", "-r", type=int, help="activation t^r (default 2; 1 = linear)")
    g.add_argument("--activation", type=_rationals, help="activation coefficients c_0,...,c_r (low to high)")


def add_architecture_parsers(
    parser: argparse.ArgumentParser, configure: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Adds ``mlp``, ``conv``, ``conv2d`` and ``attention`` sub-commands describing a network."""
    sub = parser.add_subparsers(dest="family", required=True, metavar="{mlp,conv,conv2d,attention}")
    p = sub.add_parser("mlp", help="multilayer perceptron")
    p.add_argument("widths", type=_ints, help="widths d0,d1,...,dL, e.g. 3,4,2")
    _add_activation(p)
    p.add_argument("--bias", action="store_true", help="biases in every layer")
    configure(p)

    p = sub.add_parser("conv", help="1-D convolutional network")
    p.add_argument("--filters", type=_ints, required=True, help="filter sizes, e.g. 3,2")
    p.add_argument("--strides", type=_ints, help="strides (default all 1)")
    p.add_argument("--output-length", type=int, default=1, help="length of the output (default 1)")
    p.add_argument("--channels", type=_ints, help="channels c0,c1,...,cL (default all 1)")
    _add_activation(p)
    p.add_argument("--bias", action="store_true")
    configure(p)

    p = sub.add_parser("conv2d", help="2-D convolutional network")
    p.add_argument("--filters", type=_pairs, required=True, help="filter sizes, e.g. 2x2,2x2")
    p.add_argument("--strides", type=_pairs, help="strides, e.g. 1x1,2x2 (default all 1x1)")
    p.add_argument("--output-size", type=_pairs, default=[(1, 1)], help="output size HxW (default 1x1)")
    p.add_argument("--channels", type=_ints)
    _add_activation(p)
    p.add_argument("--bias", action="store_true")
    configure(p)

    p = sub.add_parser("attention", help="lightning self-attention network")
    p.add_argument("--widths", type=_ints, required=True, help="widths d0,...,dL, e.g. 3,3")
    p.add_argument("--key-dims", type=_ints, required=True, help="key dimension per layer, e.g. 2")
    p.add_argument("--tokens", type=int, required=True, help="number of tokens t")
    p.add_argument("--heads", type=_ints, default=[1], help="heads per layer (one value or one per layer)")
    p.add_argument("--residual", action="store_true", help="residual connections")
    configure(p)


def _activation_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    if getattr(args, "activation", None) is not None:
        return {"activation": args.activation}
    return {"degree": 2 if args.degree is None else args.degree}


def network_from_args(args: argparse.Namespace) -> Network:
    """Builds the network described by an architecture sub-command's arguments."""
    if args.family == "mlp":
        return mlp(args.widths, bias=args.bias, **_activation_kwargs(args))
    if args.family == "conv":
        return conv1d(
            args.filters,
            args.strides,
            output_length=args.output_length,
            channels=args.channels,
            bias=args.bias,
            **_activation_kwargs(args),
        )
    if args.family == "conv2d":
        if len(args.output_size) != 1:
            raise ValueError("--output-size: expected one HxW pair")
        return conv2d(
            args.filters,
            args.strides,
            output_size=args.output_size[0],
            channels=args.channels,
            bias=args.bias,
            **_activation_kwargs(args),
        )
    heads = args.heads[0] if len(args.heads) == 1 else args.heads
    key_dims = args.key_dims[0] if len(args.key_dims) == 1 else args.key_dims
    return attention(args.widths, key_dims, args.tokens, heads=heads, residual=args.residual)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--threads", type=int, default=0, help="threads (0 = all cores)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _dim_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--primes", type=_ints, help="primes for the trials (default: automatic)")
    p.add_argument("--trials", type=int, default=2, help="minimum trials when not certified (default 2)")


def _run_dim(args: argparse.Namespace) -> int:
    from neurocore.dimension import dimension

    net = network_from_args(args)
    rep = dimension(net, seed=args.seed, primes=args.primes, trials=args.trials, threads=args.threads)
    if args.json:
        print(json.dumps(rep.to_dict(), indent=2))
    else:
        print(rep)
    return 0


def _equations_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--eq-degree", type=int, required=True, help="degree d of the equations in the coefficients c1..cN")
    p.add_argument("--hilbert-only", action="store_true", help="print only H(d), the Hilbert function at d")
    p.add_argument("--legend", action="store_true", help="also print which coefficient each c_i is")


def _run_equations(args: argparse.Namespace) -> int:
    from neurocore.equations import equations, hilbert_function

    net = network_from_args(args)
    if args.hilbert_only:
        h = hilbert_function(net, args.eq_degree, seed=args.seed, threads=args.threads)
        if args.json:
            print(json.dumps(h.to_dict(), indent=2))
        else:
            bound = "proven (no equation)" if h.certified else f"proven lower bound; error bound {h.error_bound:.3g}"
            print(f"H({h.degree}) = {h.value} of {h.monomials} monomials ({bound})")
        return 0
    eqs = equations(net, args.eq_degree, seed=args.seed, threads=args.threads)
    if args.json:
        print(json.dumps(eqs.to_dict(), indent=2))
    else:
        print(eqs)
        if args.legend:
            print("\n".join(eqs.legend()))
    return 0


def _closest_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--target", help="target coefficients: numbers like 3,1,0,1/2 or a file (.npy, .json or text)")
    g.add_argument("--data", help="samples: an .npz file holding arrays X (n x input_dim) and Y (n x output_dim)")
    p.add_argument("--metric", default=None, help="euclidean (default), bombieri, or weights as numbers or a file")
    p.add_argument("--starts", type=int, default=64, help="random starts (default 64)")
    p.add_argument("--max-iter", type=int, default=1000, help="evaluations per start (default 1000)")
    p.add_argument("--gtol", type=float, default=1e-10, help="gradient tolerance ||J^T r||_inf (default 1e-10)")
    p.add_argument("--no-classify", action="store_true", help="skip the stratum labels")
    p.add_argument(
        "--method",
        choices=["local", "global"],
        default="local",
        help="global: also every critical point (homotopy continuation) and whether the local best is global",
    )


def _read_numbers(text: str, arg: str) -> list[float]:
    """Numbers given inline (``3,1,0.5,1/2``) or in a file (.npy, .json list, or whitespace/commas)."""
    try:
        return [float(Fraction(v)) for v in text.replace(",", " ").split()]
    except (ValueError, ZeroDivisionError):
        pass
    from pathlib import Path

    path = Path(text)
    if not path.is_file():
        raise ValueError(f"{arg}: expected numbers like 3,1,0,1/2 or an existing file, got {text!r}")
    if path.suffix == ".npy":
        import numpy as np

        return [float(v) for v in np.load(path).reshape(-1)]
    raw = path.read_text(encoding="utf-8")
    try:
        values = json.loads(raw) if path.suffix == ".json" else raw.replace(",", " ").split()
        return [float(Fraction(v)) if isinstance(v, str) else float(v) for v in values]
    except (ValueError, TypeError, ZeroDivisionError):
        raise ValueError(f"{arg}: {text} does not hold a flat list of numbers") from None


def _objective_from_args(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The metric and the objective of ``closest`` and ``train`` from their flags."""
    metric: Any = args.metric
    if metric is not None and metric.lower() not in ("euclidean", "bombieri"):
        metric = _read_numbers(metric, "--metric")
    if args.data is not None:
        import numpy as np

        with np.load(args.data) as f:
            return metric, {"data": (f["X"], f["Y"])}
    return metric, {"target": _read_numbers(args.target, "--target")}


def _run_closest(args: argparse.Namespace) -> int:
    from neurocore.closest import closest_point

    net = network_from_args(args)
    metric, kw = _objective_from_args(args)
    res = closest_point(
        net,
        metric=metric,
        starts=args.starts,
        seed=args.seed,
        threads=args.threads,
        max_iter=args.max_iter,
        gtol=args.gtol,
        classify=not args.no_classify,
        method=args.method,
        **kw,
    )
    print(json.dumps(res.to_dict(), indent=2) if args.json else res)
    return 0


def _landscape_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--metric", default=None, help="euclidean (default), bombieri, or weights as numbers or a file")
    p.add_argument("--runs", type=int, default=2, help="independent monodromy runs that must agree (default 2)")
    p.add_argument("--stable-loops", type=int, default=10, help="loops without a new solution to stop (default 10)")
    p.add_argument("--max-dim", type=int, default=40, help="refuse neurovarieties of larger dimension (default 40)")
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this long (eddegree: the monodromy loops; critical: the loops and the tracking to "
        "the target); counts are then reported as lower bounds (default: none)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar (shown only on a terminal)")


def _eddegree_options(p: argparse.ArgumentParser) -> None:
    _landscape_options(p)
    p.add_argument(
        "--data",
        default=None,
        help="samples: an .npz file with an array X (n x input_dim); the count is then the learning degree",
    )


def _critical_options(p: argparse.ArgumentParser) -> None:
    _landscape_options(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--target", help="target coefficients: numbers like 3,1,0,1/2 or a file")
    g.add_argument("--data", help="samples: an .npz file holding arrays X (n x input_dim) and Y (n x output_dim)")


def _landscape_metric(args: argparse.Namespace) -> Any:
    metric: Any = args.metric
    if metric is not None and metric.lower() not in ("euclidean", "bombieri"):
        metric = _read_numbers(metric, "--metric")
    return metric


def _run_eddegree(args: argparse.Namespace) -> int:
    from neurocore.critical import ed_degree

    net = network_from_args(args)
    data = None
    if getattr(args, "data", None) is not None:
        import numpy as np

        with np.load(args.data) as f:
            data = (f["X"], None)
    res = ed_degree(
        net,
        _landscape_metric(args),
        data=data,
        seed=args.seed,
        threads=args.threads,
        runs=args.runs,
        stable_loops=args.stable_loops,
        max_dim=args.max_dim,
        time_limit=args.time_limit,
        progress=not (args.json or args.no_progress),
    )
    print(json.dumps(res.to_dict(), indent=2) if args.json else res)
    return 0


def _degree_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--runs", type=int, default=2, help="independent monodromy runs that must agree (default 2)")
    p.add_argument("--stable-loops", type=int, default=20, help="loops without a new point to stop (default 20)")
    p.add_argument("--max-dim", type=int, default=40, help="refuse neurovarieties of larger dimension (default 40)")


def _run_degree(args: argparse.Namespace) -> int:
    from neurocore.degree import degree

    net = network_from_args(args)
    res = degree(
        net, seed=args.seed, threads=args.threads, runs=args.runs, stable_loops=args.stable_loops, max_dim=args.max_dim
    )
    print(json.dumps(res.to_dict(), indent=2) if args.json else res)
    return 0


def _fiber_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--theta", help="comma-separated real parameters (default: a random Gaussian point from --seed)")
    p.add_argument("--stable-loops", type=int, default=20, help="loops without a new point to stop (default 20)")
    p.add_argument("--max-dim", type=int, default=60, help="refuse neurovarieties of larger dimension (default 60)")
    p.add_argument(
        "--all-points",
        action="store_true",
        help="count every gauge-fixed point (all orderings of the hidden neurons), not one per class",
    )


def _run_fiber(args: argparse.Namespace) -> int:
    from neurocore.fiber import fiber, identifiability

    net = network_from_args(args)
    kw: dict[str, Any] = {"seed": args.seed, "threads": args.threads, "stable_loops": args.stable_loops}
    kw["max_dim"] = args.max_dim
    kw["modulo_symmetries"] = not args.all_points
    if args.theta is None:
        idf = identifiability(net, **kw)
        print(json.dumps({"verdict": idf.verdict, **idf.fiber.to_dict()}, indent=2) if args.json else idf)
    else:
        res = fiber(net, _read_numbers(args.theta, "--theta"), **kw)
        print(json.dumps(res.to_dict(), indent=2) if args.json else res)
    return 0


def _run_critical(args: argparse.Namespace) -> int:
    from neurocore.critical import critical_points

    net = network_from_args(args)
    kw: dict[str, Any] = {}
    if args.data is not None:
        import numpy as np

        with np.load(args.data) as f:
            kw["data"] = (f["X"], f["Y"])
    else:
        kw["target"] = _read_numbers(args.target, "--target")
    res = critical_points(
        net,
        metric=_landscape_metric(args),
        seed=args.seed,
        threads=args.threads,
        runs=args.runs,
        stable_loops=args.stable_loops,
        max_dim=args.max_dim,
        time_limit=args.time_limit,
        progress=not (args.json or args.no_progress),
        **kw,
    )
    print(json.dumps(res.to_dict(), indent=2) if args.json else res)
    return 0


def _spurious_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--target", default=None, help="real target coefficients (default: random complex data)")
    p.add_argument("--metric", default=None, help="euclidean (default), bombieri, or weights as numbers or a file")
    p.add_argument(
        "--no-function-space",
        action="store_true",
        help="with --target: skip the function-space critical points (nc.critical_points) in the verdict",
    )


def _spurious_text(r: Any) -> str:
    lines = [
        f"parameter-space critical functions  {r.functions_all} (numerical; total-degree homotopy, "
        f"{r.paths} paths): {r.smooth} smooth, {r.spurious} spurious",
        f"certified (Krawczyk, smooth only)   {r.certified} (proven lower bound)",
        f"certified isolated solutions        {r.certified_isolated} (Krawczyk on the gradient system, "
        "spurious included; proven lower bound)",
        "  sq_distance            kind      real theta  certified  stratum",
    ]
    for p in sorted(r.points, key=lambda p: (not p.real_theta, p.sq_distance.real)):
        d = p.sq_distance
        ds = f"{d.real:.10g}" if abs(d.imag) <= 1e-9 * (1 + abs(d)) else f"{d.real:.6g}{d.imag:+.6g}j"
        kind = "spurious" if p.spurious else "smooth"
        lines.append(
            f"  {ds:<22} {kind:<9} {'yes' if p.real_theta else 'no':<11} "
            f"{'yes' if p.certified else 'no':<10} {p.stratum or ''}"
        )
    if r.hidden_fiber_dim:
        lines.append(
            f"warning: the gauge-fixed fibers have dimension {r.hidden_fiber_dim} (hidden symmetry): the "
            "critical points are not isolated and the smooth/spurious split does not apply"
        )
    if r.failures:
        lines.append("paths not ending at a solution: " + ", ".join(f"{k}: {v}" for k, v in r.failures.items()))
    lines.append(
        "complete: every path ended at a solution or at infinity"
        if r.complete
        else "not shown complete: some paths were lost for numerical reasons (points may be missing)"
    )
    return "\n".join(lines)


def _run_spurious(args: argparse.Namespace) -> int:
    from neurocore.critical import param_critical_functions, param_global_minimum

    net = network_from_args(args)
    metric = _landscape_metric(args)
    if args.target is None:
        r = param_critical_functions(net, metric, seed=args.seed, threads=args.threads)
        print(json.dumps(r.to_dict(), indent=2) if args.json else _spurious_text(r))
        return 0
    g = param_global_minimum(
        net,
        _read_numbers(args.target, "--target"),
        metric,
        seed=args.seed,
        threads=args.threads,
        function_space=not args.no_function_space,
    )
    if args.json:
        print(json.dumps(g.to_dict(), indent=2))
        return 0
    print(_spurious_text(g.params))
    pm = g.parameter_minimum
    if pm is not None:
        print(f"lowest real parameter critical point  sq_distance {pm.sq_distance.real:.10g} ({g.verdict})")
    if g.function_minimum_sq_distance is not None:
        reach = {True: "real parameters found", False: "no real parameters", None: "no real parameters found"}
        print(
            f"function-space minimum               sq_distance {g.function_minimum_sq_distance:.10g} "
            f"({reach[g.function_minimum_in_neuromanifold]})"
        )
    print(
        f"verdict                              {g.verdict}"
        + (
            " (the lower function-space minimum has no real parameters: training does not attain it)"
            if g.lower_unreachable
            else ""
        )
    )
    return 0


def _train_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--target", help="target coefficients: numbers like 3,1,0,1/2 or a file (.npy, .json or text)")
    g.add_argument("--data", help="samples: an .npz file holding arrays X (n x input_dim) and Y (n x output_dim)")
    p.add_argument("--metric", default=None, help="euclidean (default), bombieri, or weights as numbers or a file")
    p.add_argument("--optimizer", choices=["gd", "momentum", "adam"], default="gd", help="update rule (default gd)")
    p.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01; loss ||r||^2, no 1/2)")
    p.add_argument("--steps", type=int, default=1000, help="maximum steps per run (default 1000)")
    p.add_argument("--starts", type=int, default=64, help="independent runs (default 64)")
    p.add_argument("--init", choices=["gaussian", "small"], default="gaussian", help="starts (small = scale / 100)")
    p.add_argument("--init-scale", type=float, default=None, help="scale of the starts (default: target-matched)")
    p.add_argument("--batch-size", type=int, default=None, help="mini-batch size for --data (default full batch)")
    p.add_argument("--gtol", type=float, default=1e-8, help="gradient-norm tolerance (default 1e-8)")
    p.add_argument("--near-singular", type=float, default=1e-3, help="singular-ratio threshold (default 1e-3)")
    p.add_argument("--runs", action="store_true", help="with --json: include every run's record")
    p.add_argument("--no-classify", action="store_true", help="skip the stratum labels of the end points")


def _run_train(args: argparse.Namespace) -> int:
    from neurocore.training import train

    net = network_from_args(args)
    metric, kw = _objective_from_args(args)
    res = train(
        net,
        metric=metric,
        optimizer=args.optimizer,
        lr=args.lr,
        steps=args.steps,
        starts=args.starts,
        init=args.init,
        init_scale=args.init_scale,
        batch_size=args.batch_size,
        seed=args.seed,
        threads=args.threads,
        gtol=args.gtol,
        near_singular=args.near_singular,
        classify=not args.no_classify,
        progress=not args.json,
        **kw,
    )
    print(json.dumps(res.to_dict(runs=args.runs), indent=2) if args.json else res)
    return 0


def _scan_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--samples", "-n", type=int, default=1000, help="random parameter points (default 1000)")
    p.add_argument(
        "--sampler",
        choices=["uniform", "integer", "sparse"],
        default="uniform",
        help="uniform residues (default), small integers, or uniform with random zeros",
    )
    p.add_argument("--sparsity", type=float, default=0.5, help="probability of zeroing a parameter (sparse; 0.5)")
    p.add_argument("--integer-bound", type=int, default=3, help="integers in [-b, b] (integer sampler; 3)")
    p.add_argument("--prime", type=int, default=None, help="the prime (default 2^61 - 1)")
    p.add_argument("--show-drops", type=int, default=5, metavar="K", help="print the first K rank drops (default 5)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _run_scan(args: argparse.Namespace) -> int:
    from neurocore import DEFAULT_PRIME
    from neurocore.scanning import scan

    net = network_from_args(args)
    res = scan(
        net,
        samples=args.samples,
        sampler=args.sampler,
        field=DEFAULT_PRIME if args.prime is None else args.prime,
        seed=args.seed,
        threads=args.threads,
        progress=not args.no_progress,
        sparsity=args.sparsity,
        integer_bound=args.integer_bound,
    )
    if args.json:
        print(json.dumps(res.to_dict(), indent=2))
        return 0
    print(res)
    shown = [int(i) for i in res.drop_indices[: max(args.show_drops, 0)]]
    if shown:
        how = " as signed integers" if args.sampler == "integer" else ""
        print(f"first rank drops (sample: rank, parameters{how}):")
        for i in shown:
            theta = res.point(i, signed=args.sampler == "integer")
            print(f"  {i}: rank {int(res.ranks[i])}, theta = [{', '.join(str(int(v)) for v in theta)}]")
    return 0


def _depth_range(text: str) -> list[int]:
    try:
        if "-" in text:
            lo, hi = (int(v) for v in text.split("-", 1))
            return list(range(lo, hi + 1))
        return _ints(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a depth like 3, 1-4 or 2,3, got {text!r}") from None


def _sweep_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", type=int, required=True, help="input width d0")
    p.add_argument("--output", type=int, required=True, help="output width dL")
    p.add_argument("--depth", type=_depth_range, required=True, help="weight layers L: 3, a range 1-4, or a list 2,3")
    p.add_argument("--max-width", type=int, required=True, help="largest hidden width")
    p.add_argument("--min-width", type=int, default=1, help="smallest hidden width (default 1)")
    _add_activation(p)
    p.add_argument("--bias", action="store_true", help="biases in every layer")
    p.add_argument("--out", help="write rows to this .csv or .parquet file (resumes if it exists)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per architecture (recorded as 'timeout')")
    p.add_argument("--retry-failed", action="store_true", help="recompute rows stored as timeout or error")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--threads", type=int, default=0, help="threads, or worker processes with --timeout (0 = all)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _run_sweep(args: argparse.Namespace) -> int:
    from neurocore.grids import mlp_grid
    from neurocore.sweeping import sweep

    nets = mlp_grid(
        args.input,
        args.output,
        args.depth,
        args.max_width,
        min_width=args.min_width,
        bias=args.bias,
        **_activation_kwargs(args),
    )
    res = sweep(
        nets,
        out=args.out,
        seed=args.seed,
        threads=args.threads,
        timeout=args.timeout,
        progress=not args.no_progress,
        retry_failed=args.retry_failed,
    )
    if args.json:
        print(json.dumps(res.to_dict(), indent=2))
    elif len(res.rows) <= 60:
        print(res)
    else:
        counts = ", ".join(f"{k}: {v}" for k, v in res.status_counts.items())
        filling = sum(1 for r in res.rows if r["filling"])
        defective = sum(1 for r in res.rows if r["defect"])
        print(f"{len(res.rows)} architectures ({counts}): {filling} filling, {defective} defective")
        print(f"computed {res.computed}, skipped {res.skipped} already in {res.out}, {res.seconds:.2f} s")
    if args.out and not args.json:
        print(f"rows written to {args.out}")
    return 0


def _bench_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="only the smallest architecture")
    p.add_argument("--repeat", type=int, default=3, help="neurocore runs per architecture, best kept (default 3)")
    p.add_argument("--threads", type=int, default=0, help="threads for neurocore (0 = all cores)")
    p.add_argument(
        "--baseline",
        action="append",
        choices=["numpy+flint", "jax"],
        help="baselines to run (repeatable; default all that are installed)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _run_bench(args: argparse.Namespace) -> int:
    from neurocore.bench import ARCHITECTURES, run_bench

    archs = ARCHITECTURES[:1] if args.quick else ARCHITECTURES
    log = None if args.json or not sys.stderr.isatty() else (lambda line: print(f"timing {line}", file=sys.stderr))
    rep = run_bench(archs, repeat=args.repeat, threads=args.threads, baselines=args.baseline, log=log)
    print(json.dumps(rep.to_dict(), indent=2) if args.json else rep)
    return 0


def _classify_options(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument(
        "--theta", type=_rationals, required=True, help="parameters, comma-separated ints or fractions (exact)"
    )


def _run_classify(args: argparse.Namespace) -> int:
    from neurocore.strata import classify

    net = network_from_args(args)
    theta = [int(v) if v.denominator == 1 else v for v in args.theta]
    s = classify(net, theta, seed=args.seed)
    if args.json:
        d = s.to_dict()
        print(json.dumps(d, indent=2, default=str))
        return 0
    rows = [
        ("network", repr(net)),
        ("kind", s.kind),
        (
            "rank",
            f"{s.rank}" + ("  (exact, certified)" if s.certified else f"  (lower bound; upper {s.rank_upper_bound})"),
        ),
        ("generic rank", str(s.generic_rank)),
        ("critical point", "yes" if s.is_critical else "no"),
        ("fiber dimension", str(s.fiber_dim)),
    ]
    rows += [(k.replace("_", " "), str(v)) for k, v in s.details.items()]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k.ljust(width)}  {v}" for k, v in rows))
    return 0


def _compare_options(p: argparse.ArgumentParser) -> None:
    from neurocore import comparison as c

    p.add_argument("--mlp", type=_ints, default=list(c.DEFAULT_MLP), help="MLP widths (default 4,3,1)")
    p.add_argument("--degree", "-r", type=int, default=c.DEFAULT_MLP_DEGREE, help="MLP activation t^r (default 2)")
    p.add_argument("--conv", type=_ints, default=list(c.DEFAULT_CONV), help="1-D CNN filter sizes (default 3,2,2,2)")
    p.add_argument("--conv-strides", type=_ints, help="CNN strides (default all 1)")
    p.add_argument("--conv-degree", type=int, default=c.DEFAULT_CONV_DEGREE, help="CNN activation t^r (default 1)")
    p.add_argument("--attention", type=_ints, default=list(c.DEFAULT_ATTENTION), help="attention widths (default 3,2)")
    p.add_argument(
        "--key-dims", type=_ints, default=list(c.DEFAULT_KEY_DIMS), help="attention key dimensions (default 2)"
    )
    p.add_argument("--tokens", type=int, default=c.DEFAULT_TOKENS, help="attention tokens (default 2)")
    p.add_argument("--targets", type=int, default=6, help="random targets for the closest-point experiment (default 6)")
    p.add_argument("--starts", type=int, default=16, help="searches per target (default 16)")
    p.add_argument("--plot", metavar="PNG", help="also write a figure (needs matplotlib)")
    p.add_argument(
        "--train-steps", type=int, default=0, help="add the training section: steps per run (default 0 = off)"
    )
    p.add_argument("--train-optimizer", choices=["gd", "momentum", "adam"], default="adam", help="(default adam)")
    p.add_argument("--train-lr", type=float, default=0.01, help="learning rate of the training runs (default 0.01)")
    p.add_argument(
        "--landscape",
        action="store_true",
        help="add the global landscape: ED degrees, real critical points, minima (homotopy continuation)",
    )
    p.add_argument(
        "--landscape-time-limit",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="homotopy time per network (monodromy and tracking to its targets); networks that reach it "
        "get '>=' lower bounds (default 120, 0 = none)",
    )
    p.add_argument(
        "--no-geometry", action="store_true", help="leave out the degree and identifiability rows (a few seconds)"
    )
    p.add_argument(
        "--geometry-max-dim",
        type=int,
        default=10,
        help="skip the degree/identifiability of neurovarieties of larger dimension (default 10)",
    )
    _common(p)


def _run_compare(args: argparse.Namespace) -> int:
    from neurocore.comparison import compare

    rep = compare(
        mlp_widths=args.mlp,
        mlp_degree=args.degree,
        conv_filters=args.conv,
        conv_strides=args.conv_strides,
        conv_degree=args.conv_degree,
        attention_widths=args.attention,
        key_dims=args.key_dims,
        tokens=args.tokens,
        targets=args.targets,
        starts=args.starts,
        seed=args.seed,
        threads=args.threads,
        progress=True,
        train_steps=args.train_steps,
        train_optimizer=args.train_optimizer,
        train_lr=args.train_lr,
        landscape=args.landscape,
        landscape_time_limit=args.landscape_time_limit or None,
        geometry=not args.no_geometry,
        geometry_max_dim=args.geometry_max_dim,
    )
    if args.plot:
        rep.plot(args.plot)
        if rep.training:
            from pathlib import Path

            path = Path(args.plot)
            rep.plot_training(str(path.with_name(f"{path.stem}-training{path.suffix or '.png'}")))
    print(rep.to_json() if args.json else rep)
    return 0


def _inspect_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="a torch model saved whole with torch.save (loading unpickles: trusted files only)")
    p.add_argument("--degree", type=int, default=3, help="degree of the activation surrogates (default 3)")
    p.add_argument("--domain", default="-1,1", help="interval a,b of the surrogates (default -1,1)")
    p.add_argument("--method", default="minimax", choices=["chebyshev", "least_squares", "minimax"])
    p.add_argument("--input-shape", default=None, help="C,L or C,H,W when the model begins with a convolution")
    p.add_argument("--rtol", type=float, default=1e-8, help="relative tolerance of the numerical rank")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _run_inspect(args: argparse.Namespace) -> int:
    from neurocore.inspection import inspect
    from neurocore.torch_bridge import _torch

    torch = _torch()
    try:
        a, b = (float(v) for v in args.domain.split(","))
    except ValueError as exc:
        raise ValueError(f"--domain: expected a,b (two numbers), got {args.domain!r}") from exc
    shape = None if args.input_shape is None else tuple(int(v) for v in args.input_shape.split(","))
    import os

    if not os.path.isfile(args.model):
        raise ValueError(f"model: no such file {args.model!r}")
    model = torch.load(args.model, weights_only=False)
    if isinstance(model, dict):
        raise ValueError(f"{args.model}: holds a state_dict; save the whole module (torch.save(model, path))")
    rep = inspect(
        model, activation_degree=args.degree, domain=(a, b), method=args.method, input_shape=shape, rtol=args.rtol
    )
    if args.json:
        import json

        print(json.dumps(rep.to_dict(), default=str, indent=2))
    else:
        print(rep)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``neurocore`` command."""
    parser = argparse.ArgumentParser(
        prog="neurocore",
        description="Algebraic geometry of polynomial neural networks: dimensions, strata, closest points.",
    )
    from neurocore import __version__

    parser.add_argument("--version", action="version", version=f"neurocore {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    cmp_ = commands.add_parser("compare", help="MLP, CNN and self-attention side by side (the main job)")
    _compare_options(cmp_)
    cmp_.set_defaults(run=_run_compare)
    dim = commands.add_parser("dim", help="dimension of a neurovariety (certified when possible)")
    add_architecture_parsers(dim, _dim_options)
    dim.set_defaults(run=_run_dim)
    classify_ = commands.add_parser("classify", help="stratum of a parameter point (exact rank, evidence)")
    add_architecture_parsers(classify_, _classify_options)
    classify_.set_defaults(run=_run_classify)
    eqs = commands.add_parser("equations", help="integer equations of degree d of a neurovariety (and H(d))")
    add_architecture_parsers(eqs, _equations_options)
    eqs.set_defaults(run=_run_equations)
    closest = commands.add_parser("closest", help="closest points of the neuromanifold to a target (multi-start)")
    add_architecture_parsers(closest, _closest_options)
    closest.set_defaults(run=_run_closest)
    eddeg = commands.add_parser("eddegree", help="ED degree of a neurovariety (monodromy, Krawczyk lower bound)")
    add_architecture_parsers(eddeg, _eddegree_options)
    eddeg.set_defaults(run=_run_eddegree)
    deg = commands.add_parser("degree", help="degree of a neurovariety (witness set: monodromy, trace test, Krawczyk)")
    add_architecture_parsers(deg, _degree_options)
    deg.set_defaults(run=_run_degree)
    fib = commands.add_parser("fiber", help="fiber of phi over phi(theta) modulo the known symmetries; identifiability")
    add_architecture_parsers(fib, _fiber_options)
    fib.set_defaults(run=_run_fiber)
    crit = commands.add_parser("critical", help="every critical point of the distance to a target (homotopy)")
    add_architecture_parsers(crit, _critical_options)
    crit.set_defaults(run=_run_critical)
    spur = commands.add_parser(
        "spurious", help="all parameter-space critical points in a gauge: smooth vs spurious, strata, global minimum"
    )
    add_architecture_parsers(spur, _spurious_options)
    spur.set_defaults(run=_run_spurious)
    train_ = commands.add_parser("train", help="gradient descent from many starts: loss curves, strata, plateaus")
    add_architecture_parsers(train_, _train_options)
    train_.set_defaults(run=_run_train)
    scan = commands.add_parser("scan", help="Jacobian ranks at random parameter points (where do ranks drop?)")
    add_architecture_parsers(scan, _scan_options)
    scan.set_defaults(run=_run_scan)
    sweep = commands.add_parser("sweep", help="dimensions of a grid of architectures, as a CSV/Parquet table")
    sweep_families = sweep.add_subparsers(dest="family", required=True, metavar="{mlp}")
    _sweep_options(sweep_families.add_parser("mlp", help="all MLPs with the given input, output, depth and widths"))
    sweep.set_defaults(run=_run_sweep)
    bench = commands.add_parser("bench", help="time neurocore against the installed baselines (numpy+flint, JAX)")
    _bench_options(bench)
    bench.set_defaults(run=_run_bench)
    inspect_ = commands.add_parser("inspect", help="report on a trained torch model (dimension, stratum, distances)")
    _inspect_options(inspect_)
    inspect_.set_defaults(run=_run_inspect)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurocore`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, TypeError, ZeroDivisionError, ImportError, NeurocoreError) as exc:
        print(f"neurocore: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("neurocore: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
