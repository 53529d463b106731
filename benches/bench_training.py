"""nc.train against the loop researchers write: full-batch gradient descent on samples, many
starts at once, in numpy (batched over starts with einsum) and in PyTorch (``torch.func.vmap``
over starts and ``torch.func.grad``, CPU; skipped when torch is not installed).

Network: the MLP ``(d, h, o)`` with activation ``t^2``, ``f(x) = W2 (W1 x)^2``, loss
``sum_j ||f(x_j) - y_j||^2`` (no 1/2, nc.train's convention). Every side starts from the same
points (drawn here, passed to neurocore as ``init=``), runs the same number of steps with the
same learning rate, and the final parameters are checked to agree before timing. neurocore runs
without the singular-ratio sampling and the classification (the bare loop).

Run: ``python -m pytest benches/bench_training.py --benchmark-only``, or
``python benches/bench_training.py [steps]`` for a table of times and ratios.

Measured on the shared 2-core development machine (load average 4-6 from other engineers' builds,
so absolute times are inflated; all sides ran in one ``python benches/bench_training.py`` under the
same load), torch 2.15 CPU (2 threads), neurocore with the dense fast path
(``rust/core/src/training/dense_batch.rs``: each step as ``dgemm`` products over all samples):

| case | nc.train | numpy batched | torch vmap |
|---|---|---|---|
| mlp (4,8,2), 48 params, 64 samples, 1000 starts x 1000 steps | 3.2 s | 10.9 s (3.4x) | 90.9 s (28.1x) |
| mlp (8,16,4), 192 params, 128 samples, 1000 starts x 200 steps | 1.7 s | 4.2 s (2.5x) | 27.7 s (16.4x) |

A second run (load 4.3-4.8): 1.7 s / 5.5 s (3.2x) / 65.2 s (37.5x) and 1.8 s / 4.3 s (2.4x) /
22.6 s (12.3x). The single-thread column is as fast as two threads under this load (the second
core is taken). Before the fast path (per-sample lane loops): 7.1 s / 7.9 s, torch 11.6x / 4.0x.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import numpy as np
import pytest

import neurocore as nc

LR = 1e-4


@dataclass(frozen=True)
class Case:
    name: str
    d: int
    h: int
    o: int
    samples: int
    starts: int
    steps: int

    @property
    def n_params(self) -> int:
        return self.h * self.d + self.o * self.h


CASES = [
    # ~50 parameters: 4 * 8 + 8 * 2 = 48.
    Case("mlp(4,8,2) 48 params", 4, 8, 2, 64, 1000, 1000),
    Case("mlp(8,16,4) 192 params", 8, 16, 4, 128, 1000, 200),
]


def problem(case: Case, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(case.samples, case.d))
    y = rng.normal(size=(case.samples, case.o))
    theta0 = rng.normal(size=(case.starts, case.n_params)) * 0.3
    return x, y, theta0


def split(case: Case, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = theta.shape[0]
    w1 = theta[:, : case.h * case.d].reshape(s, case.h, case.d)
    w2 = theta[:, case.h * case.d :].reshape(s, case.o, case.h)
    return w1, w2


def numpy_gd(case: Case, x: np.ndarray, y: np.ndarray, theta0: np.ndarray, steps: int) -> np.ndarray:
    """Batched over starts: ``Z = W1 x``, ``F = W2 Z^2``, ``R = F - Y``; ``dL/dW2 = 2 R (Z^2)^T``,
    ``dL/dW1 = (2 W2^T R * 2 Z) x^T``."""
    w1, w2 = split(case, theta0.copy())
    xt = x.T
    for _ in range(steps):
        z = w1 @ xt  # starts x h x samples
        a = z * z
        r = w2 @ a - y.T[None]  # starts x o x samples
        g2 = 2.0 * r @ a.transpose(0, 2, 1)
        g1 = ((2.0 * w2.transpose(0, 2, 1) @ r) * (2.0 * z)) @ x
        w1 = w1 - LR * g1
        w2 = w2 - LR * g2
    return np.concatenate([w1.reshape(case.starts, -1), w2.reshape(case.starts, -1)], axis=1)


def neurocore_gd(case: Case, x: np.ndarray, y: np.ndarray, theta0: np.ndarray, steps: int, threads: int = 0):
    net = nc.mlp([case.d, case.h, case.o], degree=2)
    res = nc.train(
        net,
        data=(x, y),
        lr=LR,
        steps=steps,
        init=theta0,
        gtol=0.0,
        singular_ratio=False,
        classify=False,
        progress=False,
        threads=threads,
    )
    return np.array([r.theta for r in res.runs])


def torch_gd(case: Case, x: np.ndarray, y: np.ndarray, theta0: np.ndarray, steps: int) -> np.ndarray:
    torch = pytest.importorskip("torch") if __name__ != "__main__" else __import__("torch")
    from torch.func import grad, vmap

    xt, yt = torch.tensor(x), torch.tensor(y)

    def loss(theta):
        w1 = theta[: case.h * case.d].reshape(case.h, case.d)
        w2 = theta[case.h * case.d :].reshape(case.o, case.h)
        f = ((xt @ w1.T) ** 2) @ w2.T
        return ((f - yt) ** 2).sum()

    g = vmap(grad(loss))
    theta = torch.tensor(theta0)
    with torch.no_grad():
        for _ in range(steps):
            theta = theta - LR * g(theta)
    return theta.numpy()


def check_agree(case: Case) -> None:
    x, y, theta0 = problem(case)
    a = neurocore_gd(case, x, y, theta0[:4], 5)
    sub = Case(case.name, case.d, case.h, case.o, case.samples, 4, 5)
    b = numpy_gd(sub, x, y, theta0[:4], 5)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    np.testing.assert_allclose(torch_gd(sub, x, y, theta0[:4], 5), b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_neurocore_train(benchmark, case):
    check_agree(case)
    benchmark.group = f"train {case.name}"
    x, y, theta0 = problem(case)
    benchmark.pedantic(neurocore_gd, args=(case, x, y, theta0, case.steps), rounds=1, iterations=1)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_numpy_batched_loop(benchmark, case):
    benchmark.group = f"train {case.name}"
    x, y, theta0 = problem(case)
    benchmark.pedantic(numpy_gd, args=(case, x, y, theta0, case.steps), rounds=1, iterations=1)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_torch_vmap_loop(benchmark, case):
    pytest.importorskip("torch")
    benchmark.group = f"train {case.name}"
    x, y, theta0 = problem(case)
    benchmark.pedantic(torch_gd, args=(case, x, y, theta0, case.steps), rounds=1, iterations=1)


def _time(f, *args) -> float:
    t = time.perf_counter()
    f(*args)
    return time.perf_counter() - t


if __name__ == "__main__":
    steps_override = int(sys.argv[1]) if len(sys.argv) > 1 else None
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    print(f"{'case':<26} {'steps':>6} {'neurocore s':>12} {'1 thread s':>11} {'numpy s':>9} {'torch s':>9}  ratios")
    for case in CASES:
        check_agree(case)
        steps = steps_override or case.steps
        x, y, theta0 = problem(case)
        t_nc = _time(neurocore_gd, case, x, y, theta0, steps)
        t_nc1 = _time(neurocore_gd, case, x, y, theta0, steps, 1)
        t_np = _time(numpy_gd, case, x, y, theta0, steps)
        t_th = _time(torch_gd, case, x, y, theta0, steps) if have_torch else float("nan")
        print(
            f"{case.name:<26} {steps:>6} {t_nc:>12.3f} {t_nc1:>11.3f} {t_np:>9.3f} {t_th:>9.3f}  "
            f"numpy/nc {t_np / t_nc:.1f}x, torch/nc {t_th / t_nc:.1f}x"
        )
