"""Certify the dimensions of the Dao-Rodriguez MLP data set with neurocore.

K. Dao and J. I. Rodriguez, "Minimal filling architectures of polynomial neural networks"
(arXiv:2605.09609) list about 46,700 MLP architectures (activation t^2, no biases) with
dimensions computed on GPUs. This script runs ``nc.dimension`` on every row of the given CSV
files, compares with ``dimension_computed`` and reports the fraction of rows whose dimension
neurocore *certifies* (the computed rank meets a proven upper bound, see docs/certificates.md).

The data are read from where they are given (e.g. ``../shared/dao-rodriguez/``); they are not
part of this project and are never copied into it.

Usage::

    python examples/certify_dao_rodriguez.py ../shared/dao-rodriguez/*_architectures.csv \
        --out dao_rodriguez_certified.csv [--sample 2000] [--workers 2] [--seed 0]

The output table is resumable: rows already in ``--out`` are skipped on a rerun.
"""

from __future__ import annotations

import argparse
import ast
import csv
import os
import random
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed

FIELDS = [
    "file",
    "row",
    "architecture",
    "dimension_computed",
    "dim",
    "upper_bound",
    "certified",
    "agrees",
    "seconds",
    "upper_bound_source",
    "error",
]


def _work(task: tuple[str, int, list[int], int]) -> dict[str, object]:
    import neurocore as nc

    name, index, widths, published = task
    started = time.perf_counter()
    row: dict[str, object] = {"file": name, "row": index, "architecture": str(widths), "dimension_computed": published}
    try:
        rep = nc.dimension(nc.mlp(widths, degree=2), threads=1)
        row.update(
            dim=rep.dim,
            upper_bound=rep.upper_bound,
            certified=rep.certified,
            agrees=rep.dim == published,
            upper_bound_source=rep.upper_bound_source,
            error="",
        )
    except Exception as exc:  # noqa: BLE001 - reported in the table, the sweep goes on
        row.update(dim="", upper_bound="", certified=False, agrees=False, upper_bound_source="", error=repr(exc))
    row["seconds"] = round(time.perf_counter() - started, 4)
    return row


def _tasks(paths: list[str], sample: int | None, seed: int) -> list[tuple[str, int, list[int], int]]:
    tasks = []
    for path in paths:
        name = os.path.basename(path)
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        indices = list(range(len(rows)))
        if sample is not None and sample < len(rows):
            indices = sorted(random.Random(f"{seed}:{name}").sample(indices, sample))
        for i in indices:
            r = rows[i]
            tasks.append((name, i, list(ast.literal_eval(r["architecture"])), int(r["dimension_computed"])))
    return tasks


def _done(out: str) -> dict[tuple[str, int], dict[str, str]]:
    if not os.path.exists(out):
        return {}
    with open(out, newline="") as f:
        return {(r["file"], int(r["row"])): r for r in csv.DictReader(f)}


def _family(widths: list[int]) -> str:
    return f"L={len(widths) - 1}, d0={widths[0]}, out={widths[-1]}"


def main(argv: list[str] | None = None) -> int:
    """Run the rows of the given files (skipping those already in ``--out``) and summarise."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", nargs="+", help="Dao-Rodriguez CSV files")
    ap.add_argument("--out", default="dao_rodriguez_certified.csv", help="resumable output table")
    ap.add_argument("--sample", type=int, default=None, help="random rows per file (default: all)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the row sample")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (one thread each)")
    args = ap.parse_args(argv)

    tasks = _tasks(args.csv, args.sample, args.seed)
    done = _done(args.out)
    todo = [t for t in tasks if (t[0], t[1]) not in done]
    print(f"{len(tasks)} rows, {len(done)} already in {args.out}, {len(todo)} to run", file=sys.stderr)
    new_file = not os.path.exists(args.out)
    started = time.perf_counter()
    with open(args.out, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            futures = [pool.submit(_work, t) for t in todo]
            for k, fut in enumerate(as_completed(futures), 1):
                row = fut.result()
                writer.writerow(row)
                done[(str(row["file"]), int(str(row["row"])))] = {key: str(v) for key, v in row.items()}
                if k % 500 == 0:
                    f.flush()
                    print(f"  {k}/{len(todo)} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    wanted = {(t[0], t[1]) for t in tasks}
    results = [r for key, r in done.items() if key in wanted]
    _summary(results)
    return 0


def _summary(results: list[dict[str, str]]) -> None:
    per_file: dict[str, Counter[str]] = defaultdict(Counter)
    uncertified: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for r in results:
        c = per_file[r["file"]]
        c["rows"] += 1
        c["certified"] += r["certified"] == "True"
        c["agrees"] += r["agrees"] == "True"
        c["errors"] += bool(r["error"])
        c["seconds"] += float(r["seconds"] or 0)
        if r["certified"] != "True":
            fam = _family(ast.literal_eval(r["architecture"]))
            uncertified[fam] += 1
            if len(examples[fam]) < 3:
                examples[fam].append(f"{r['architecture']} dim {r['dim']} <= UB {r['upper_bound']}")
    total: Counter[str] = Counter()
    print(f"{'file':34} {'rows':>6} {'certified':>10} {'fraction':>9} {'agree':>6} {'errors':>6} {'cpu s':>8}")
    for name, c in sorted(per_file.items()):
        total.update(c)
        print(
            f"{name:34} {c['rows']:6d} {c['certified']:10d} {c['certified'] / c['rows']:9.4f} "
            f"{c['agrees']:6d} {c['errors']:6d} {c['seconds']:8.1f}"
        )
    if total["rows"]:
        print(
            f"{'all':34} {total['rows']:6d} {total['certified']:10d} {total['certified'] / total['rows']:9.4f} "
            f"{total['agrees']:6d} {total['errors']:6d} {total['seconds']:8.1f}"
        )
    print("uncertified rows by family (layers, input width, outputs):")
    for fam, k in uncertified.most_common(12):
        print(f"  {fam}: {k}   e.g. {'; '.join(examples[fam])}")


if __name__ == "__main__":
    raise SystemExit(main())
