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


def add_architecture_parsers(parser: argparse.ArgumentParser, configure: Callable[[argparse.ArgumentParser], None]) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``neurocore`` command."""
    parser = argparse.ArgumentParser(
        prog="neurocore",
        description="Algebraic geometry of polynomial neural networks: dimensions, strata, closest points.",
    )
    from neurocore import __version__

    parser.add_argument("--version", action="version", version=f"neurocore {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    dim = commands.add_parser("dim", help="dimension of a neurovariety (certified when possible)")
    add_architecture_parsers(dim, _dim_options)
    dim.set_defaults(run=_run_dim)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurocore`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, TypeError, ZeroDivisionError, NeurocoreError) as exc:
        print(f"neurocore: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("neurocore: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
