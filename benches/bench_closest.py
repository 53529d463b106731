"""nc.closest_point against the loop researchers write today: ``scipy.optimize.least_squares``
once per start, with a numpy forward pass and Jacobian of the same network written by hand.

Both sides get the same starting points (drawn once here and passed to neurocore as
``initial=``), the same gradient tolerance ``gtol`` and the same evaluation budget; scipy also
keeps its default ``ftol = xtol = 1e-8`` stops, which only ever let it stop earlier. Each case
first checks that the hand-written numpy map and Jacobian agree with neurocore's.

A second group times ``nc.closest_point`` with its default arguments (64 random starts, every
endpoint classified) on the gold targets of ``tests/data/closest.jsonl``: search and
post-processing together, the call users make.

Run: ``python -m pytest benches/bench_closest.py --benchmark-only`` (side-by-side groups), or
``python benches/bench_closest.py`` for a table of times and ratios.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import neurocore as nc

GTOL = 1e-10
MAX_ITER = 1000
STARTS = 64


# --------------------------------------------------------------------------------------------
# Hand-written numpy maps (what a researcher writes for one architecture)


def linear_mlp_map(m: int, k: int, n: int) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """phi = vec(W2 W1) (row-major) and its Jacobian, parameters W1 (k x m) then W2 (n x k)."""

    def f(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w1 = theta[: k * m].reshape(k, m)
        w2 = theta[k * m :].reshape(n, k)
        eye_m, eye_n = np.eye(m), np.eye(n)
        # d(W2 W1)[o, i] / dW1[h, j] = W2[o, h] delta_ij; / dW2[p, h] = delta_op W1[h, i].
        j1 = np.einsum("oh,ij->oihj", w2, eye_m).reshape(n * m, k * m)
        j2 = np.einsum("op,hi->oiph", eye_n, w1).reshape(n * m, n * k)
        return (w2 @ w1).ravel(), np.hstack([j1, j2])

    return f


def quadratic_mlp_map(d: int, k: int, n: int) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """f_o(x) = sum_h W2[o, h] (W1[h] . x)^2 = x^T M_o x, M_o = W1^T diag(W2[o]) W1; coefficients
    of x_i x_j (i <= j, descending lex) are M_ii and 2 M_ij."""
    pairs = [(i, j) for i in range(d) for j in range(i, d)]
    rows_i = np.array([p[0] for p in pairs])
    rows_j = np.array([p[1] for p in pairs])
    factor = np.where(rows_i == rows_j, 1.0, 2.0)
    eye = np.eye(d)

    def f(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w1 = theta[: k * d].reshape(k, d)
        w2 = theta[k * d :].reshape(n, k)
        m = np.einsum("hi,oh,hj->oij", w1, w2, w1)
        phi = (m[:, rows_i, rows_j] * factor).ravel()
        # dM_o[i, j] / dW1[h, l] = W2[o, h] (delta_il W1[h, j] + W1[h, i] delta_jl).
        dm1 = np.einsum("oh,il,hj->oijhl", w2, eye, w1) + np.einsum("oh,hi,jl->oijhl", w2, w1, eye)
        j1 = (dm1[:, rows_i, rows_j] * factor[None, :, None, None]).reshape(n * len(pairs), k * d)
        # dM_o[i, j] / dW2[p, h] = delta_op W1[h, i] W1[h, j].
        dm2 = np.einsum("op,hi,hj->oijph", np.eye(n), w1, w1)
        j2 = (dm2[:, rows_i, rows_j] * factor[None, :, None, None]).reshape(n * len(pairs), n * k)
        return phi, np.hstack([j1, j2])

    return f


def linear_cnn_map(sizes: list[int]) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Stride-one linear CNN: the end-to-end filter is the product of the filter polynomials."""
    offsets = np.cumsum([0, *sizes])

    def f(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ws = [theta[offsets[i] : offsets[i + 1]] for i in range(len(sizes))]
        u = ws[0]
        for w in ws[1:]:
            u = np.convolve(u, w)
        cols = []
        for i in range(len(ws)):
            rest = np.array([1.0])
            for j, w in enumerate(ws):
                if j != i:
                    rest = np.convolve(rest, w)
            # du / dw_i[a] = rest shifted by a.
            for a in range(sizes[i]):
                col = np.zeros(len(u))
                col[a : a + len(rest)] = rest
                cols.append(col)
        return u, np.stack(cols, axis=1)

    return f


def quadratic_mlp_data_map(x: np.ndarray, k: int, n: int) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Outputs F = (X W1^T)^2 W2^T at the samples, point-major, and their Jacobian (backprop)."""
    npts, d = x.shape

    def f(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w1 = theta[: k * d].reshape(k, d)
        w2 = theta[k * d :].reshape(n, k)
        z = x @ w1.T
        h = z * z
        out = h @ w2.T
        # dF[j, o] / dW1[h, l] = 2 W2[o, h] Z[j, h] X[j, l];  / dW2[p, h] = delta_op H[j, h].
        j1 = np.einsum("oh,jh,jl->johl", w2, 2 * z, x).reshape(npts * n, k * d)
        j2 = np.einsum("op,jh->joph", np.eye(n), h).reshape(npts * n, n * k)
        return out.ravel(), np.hstack([j1, j2])

    return f


# --------------------------------------------------------------------------------------------
# Cases


@dataclass
class Case:
    name: str
    net: nc.Network
    model: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    target: np.ndarray  # coefficients, or flattened Y for data
    data: tuple[np.ndarray, np.ndarray] | None = None


def cases() -> list[Case]:
    rng = np.random.default_rng(2024)
    out = [
        Case(
            "mlp[3,2,3] r=1",
            nc.mlp([3, 2, 3], degree=1),
            linear_mlp_map(3, 2, 3),
            np.array([3, 1, 0, 1, 2, 1, 0, 1, 4], dtype=float),
        ),
        Case("mlp[3,4,2] r=2", nc.mlp([3, 4, 2], degree=2), quadratic_mlp_map(3, 4, 2), rng.standard_normal(12)),
        Case(
            "conv1d[2,2,2] r=1",
            nc.conv1d([2, 2, 2], degree=1),
            linear_cnn_map([2, 2, 2]),
            np.array([0.0, 1.0, 0.0, 1.0]),
        ),
    ]
    x = rng.standard_normal((50, 4))
    y = np.stack([np.sin(x[:, 0]) * x[:, 1], x[:, 2] * x[:, 3] - x[:, 0] ** 2], axis=1)
    out.append(
        Case(
            "mlp[4,6,2] r=2 data(50)",
            nc.mlp([4, 6, 2], degree=2),
            quadratic_mlp_data_map(x, 6, 2),
            y.ravel(),
            data=(x, y),
        )
    )
    return out


CASES = cases()
IDS = [c.name for c in CASES]


def starting_points(case: Case, seed: int = 0) -> np.ndarray:
    """Gaussian starts at the scale neurocore itself would pick for this target."""
    probe = nc.closest_point(case.net, *_target_args(case), starts=1, max_iter=1, classify=False, **_data_kw(case))
    scale = probe.scale
    return scale * np.random.default_rng(seed).standard_normal((STARTS, case.net.n_params))


def _target_args(case: Case) -> tuple:
    return () if case.data is not None else (case.target,)


def _data_kw(case: Case) -> dict:
    return {"data": case.data} if case.data is not None else {}


def check_model(case: Case) -> None:
    theta = np.random.default_rng(1).standard_normal(case.net.n_params)
    values, jac = case.model(theta)
    if case.data is None:
        np.testing.assert_allclose(values, nc.coefficients(case.net, theta), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(jac, nc.jacobian(case.net, theta, field="float"), rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_allclose(values, nc.evaluate(case.net, theta, case.data[0]).ravel(), rtol=1e-12, atol=1e-12)


def scipy_loop(case: Case, starts: np.ndarray) -> float:
    """The researcher's loop: one least_squares call per start; returns the best squared distance."""
    from scipy.optimize import least_squares

    best = np.inf
    for x0 in starts:
        res = least_squares(
            lambda t: case.model(t)[0] - case.target,
            x0,
            jac=lambda t: case.model(t)[1],
            gtol=GTOL,
            max_nfev=MAX_ITER,
        )
        best = min(best, 2.0 * float(res.cost))
    return best


def neurocore_search(case: Case, starts: np.ndarray, threads: int = 0, classify: bool = False) -> float:
    res = nc.closest_point(
        case.net,
        *_target_args(case),
        initial=starts,
        gtol=GTOL,
        max_iter=MAX_ITER,
        threads=threads,
        classify=classify,
        **_data_kw(case),
    )
    return res.sq_distance


def gold_cases() -> list[tuple[str, nc.Network, list[float]]]:
    """The gold closest-point targets: (id, network, target)."""
    path = Path(__file__).resolve().parent.parent / "tests" / "data" / "closest.jsonl"
    out = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        arch = dict(row["arch"])
        if row["family"] == "mlp":
            net = nc.mlp(arch.pop("widths"), **arch)
        else:
            net = nc.conv1d(arch.pop("filters"), arch.pop("strides", None), **arch)
        out.append((row["id"], net, row["target"]))
    return out


GOLD = gold_cases()


def gold_search(net: nc.Network, target: list[float], classify: bool = True, threads: int = 0) -> float:
    return nc.closest_point(net, target, classify=classify, threads=threads).sq_distance


# --------------------------------------------------------------------------------------------
# pytest-benchmark: neurocore and the baseline side by side


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_neurocore_closest(benchmark, case):
    benchmark.group = f"closest {case.name}"
    check_model(case)
    starts = starting_points(case)
    best = benchmark(neurocore_search, case, starts)
    assert np.isfinite(best)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_neurocore_closest_one_thread(benchmark, case):
    benchmark.group = f"closest {case.name}"
    starts = starting_points(case)
    best = benchmark(neurocore_search, case, starts, 1)
    assert np.isfinite(best)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_scipy_least_squares_loop(benchmark, case):
    pytest.importorskip("scipy")
    benchmark.group = f"closest {case.name}"
    starts = starting_points(case)
    best = benchmark.pedantic(scipy_loop, args=(case, starts), rounds=3, iterations=1)
    assert best >= neurocore_search(case, starts) - 1e-8 * (1 + best)


@pytest.mark.parametrize("case", GOLD, ids=[g[0] for g in GOLD])
@pytest.mark.parametrize("classify", [True, False], ids=["classify", "no-classify"])
def test_neurocore_closest_gold(benchmark, case, classify):
    benchmark.group = f"closest gold {case[0]}"
    _, net, target = case
    assert np.isfinite(benchmark(gold_search, net, target, classify))


def _time(fn, *args, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    return min(times)


def _cpu(fn, *args, repeat: int = 15) -> float:
    """Median process CPU time of ``fn(*args)``: with ``threads=1`` it hardly depends on what
    else the machine runs, unlike wall time."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn(*args)
        times.append(time.process_time() - t0)
    return sorted(times)[len(times) // 2]


def cpu_table() -> None:
    print("\nthreads=1, median process CPU time of 15 calls (ms)")
    print(f"{'case':26s} {'no classify':>12s} {'classify':>9s}")
    for case in CASES:
        starts = starting_points(case)
        neurocore_search(case, starts, 1)
        t0, t1 = (_cpu(neurocore_search, case, starts, 1, cl) for cl in (False, True))
        print(f"{case.name:26s} {1e3 * t0:12.2f} {1e3 * t1:9.2f}")
    for name, net, target in GOLD:
        t0, t1 = (_cpu(gold_search, net, target, cl, 1) for cl in (False, True))
        print(f"{'gold ' + name:26s} {1e3 * t0:12.2f} {1e3 * t1:9.2f}")


def main() -> None:
    print(f"{STARTS} starts per case, gtol={GTOL}, max_iter={MAX_ITER}; best of 3 runs (seconds)")
    header = f"{'case':26s} {'scipy loop':>11s} {'nc 1 thr':>9s} {'nc 2 thr':>9s} {'nc+strata':>9s}"
    print(header + f" {'ratio 1thr':>10s} {'ratio 2thr':>10s}  best d^2 (scipy / nc)")
    for case in CASES:
        check_model(case)
        starts = starting_points(case)
        t_sp = _time(scipy_loop, case, starts)
        t1 = _time(neurocore_search, case, starts, 1)
        t2 = _time(neurocore_search, case, starts, 0)
        tc = _time(neurocore_search, case, starts, 0, True)
        d_sp, d_nc = scipy_loop(case, starts), neurocore_search(case, starts)
        print(
            f"{case.name:26s} {t_sp:11.4f} {t1:9.4f} {t2:9.4f} {tc:9.4f} {t_sp / t1:10.1f} {t_sp / t2:10.1f}"
            f"  {d_sp:.10g} / {d_nc:.10g}"
        )
    print("\ngold targets, nc.closest_point defaults (64 starts); best of 20 runs (seconds)")
    print(f"{'case':14s} {'classify':>9s} {'no classify':>12s} {'no cl. 1 thr':>13s}")
    for name, net, target in GOLD:
        tc = _time(gold_search, net, target, True, 0, repeat=20)
        tn = _time(gold_search, net, target, False, 0, repeat=20)
        t1 = _time(gold_search, net, target, False, 1, repeat=20)
        print(f"{name:14s} {tc:9.4f} {tn:12.4f} {t1:13.4f}")
    cpu_table()


if __name__ == "__main__":
    main()
