"""Training dynamics (nc.train): the gradient is the exact derivative of the loss, optimizer
steps match an independent numpy loop, linear networks reach Eckart-Young, results do not
depend on the thread count, bad input is refused by name, and the CLI.

Oracles: exact rational arithmetic (fractions; the loss of the MLP (2, 2, 1) with activation
t^2 expanded by hand below), numpy (a hand-written forward pass and Jacobian, numpy's SVD) and
the gold case ``ey-323``.
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
from conftest import load_jsonl

import neurocore as nc
from neurocore.cli import main

# --------------------------------------------------------------------------------------------
# The MLP (2, 2, 1) with activation t^2, by hand. Parameters (design notes: W_l row-major):
# theta = (a0, b0, a1, b1, v0, v1) with hidden neuron j computing (a_j x0 + b_j x1)^2 and
# f(x) = v0 (a0 x0 + b0 x1)^2 + v1 (a1 x0 + b1 x1)^2, whose coefficients on (x0^2, x0 x1, x1^2)
# (the order of nc.monomials) are
#   c0 = sum v_j a_j^2,   c1 = sum 2 v_j a_j b_j,   c2 = sum v_j b_j^2.

NET_221 = nc.mlp([2, 2, 1], degree=2)


def _split(theta):
    return theta[0:4:2], theta[1:4:2], theta[4:6]


def coefficients_221(theta):
    a, b, v = _split(theta)
    return [sum(v[j] * a[j] ** 2 for j in range(2)), sum(2 * v[j] * a[j] * b[j] for j in range(2))] + [
        sum(v[j] * b[j] ** 2 for j in range(2))
    ]


def loss_221_q(theta, target, weights):
    """``L = sum_k w_k (c_k - u_k)^2`` exactly over Q (no factor 1/2)."""
    return sum(w * (c - u) ** 2 for c, u, w in zip(coefficients_221(theta), target, weights, strict=True))


def exact_derivative(f, theta, i, degree):
    """``d f / d theta_i`` at ``theta`` by exact finite differences over Q: ``h -> f(theta + h e_i)``
    is a polynomial of degree <= ``degree``, so its Lagrange interpolant on ``degree + 1`` rational
    nodes is exact and so is the derivative of the interpolant at ``h = 0``."""
    nodes = [Fraction(k - degree // 2) for k in range(degree + 1)]
    total = Fraction(0)
    for k, hk in enumerate(nodes):
        shifted = list(theta)
        shifted[i] += hk
        others = [h for m, h in enumerate(nodes) if m != k]
        den = math.prod(hk - h for h in others)
        # l_k'(0) = sum_m prod_{j != k, m} (0 - h_j) / prod_{j != k} (h_k - h_j)
        num = sum(math.prod(-h for h in others if h is not hm) for hm in others)
        total += f(shifted) * Fraction(num) / den
    return total


def numpy_phi_jacobian(theta):
    """``phi`` and its Jacobian (3 x 6) for the MLP (2, 2, 1) t^2, from the formulas above."""
    a, b, v = _split(np.asarray(theta, dtype=np.float64))
    phi = np.array([v @ a**2, 2 * v @ (a * b), v @ b**2])
    jac = np.zeros((3, 6))
    for j in range(2):
        ia, ib, iv = 2 * j, 2 * j + 1, 4 + j
        jac[0, ia], jac[0, iv] = 2 * v[j] * a[j], a[j] ** 2
        jac[1, ia], jac[1, ib], jac[1, iv] = 2 * v[j] * b[j], 2 * v[j] * a[j], 2 * a[j] * b[j]
        jac[2, ib], jac[2, iv] = 2 * v[j] * b[j], b[j] ** 2
    return phi, jac


def numpy_data_residual_jacobian(theta, x, y):
    """Residual ``f(x_s) - y_s`` and its Jacobian on samples, by the forward pass."""
    a, b, v = _split(np.asarray(theta, dtype=np.float64))
    z = x[:, :1] * a[None, :] + x[:, 1:2] * b[None, :]  # samples x hidden pre-activations
    r = (z**2) @ v - y[:, 0]
    jac = np.zeros((len(x), 6))
    for j in range(2):
        jac[:, 2 * j] = 2 * v[j] * z[:, j] * x[:, 0]
        jac[:, 2 * j + 1] = 2 * v[j] * z[:, j] * x[:, 1]
        jac[:, 4 + j] = z[:, j] ** 2
    return r, jac


def numpy_optimizer(name, theta, grad_of, lr, steps):
    """PyTorch's SGD, SGD(momentum=0.9) and Adam(betas=(0.9, 0.999), eps=1e-8), written out."""
    theta = np.array(theta, dtype=np.float64)
    m = np.zeros_like(theta)
    s = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = grad_of(theta)
        if name == "gd":
            theta = theta - lr * g
        elif name == "momentum":
            m = 0.9 * m + g
            theta = theta - lr * m
        else:
            m = 0.9 * m + 0.1 * g
            s = 0.999 * s + 0.001 * g * g
            theta = theta - lr * (m / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
    return theta


THETA0 = [0.5, -1.25, 0.75, 1.5, 2.0, -0.5]
TARGET = [1.0, -2.0, 3.0]


# --------------------------------------------------------------------------------------------
# (a) The gradient is the exact derivative of the loss


@pytest.mark.parametrize(
    ("metric", "weights"),
    [
        ("euclidean", [1, 1, 1]),
        # Bombieri-Weyl: 1 / multinomial(2; alpha) = 1, 1/2, 1 for x0^2, x0 x1, x1^2.
        ("bombieri", [1, Fraction(1, 2), 1]),
        ([1.0, 0.5, 2.0], [1, Fraction(1, 2), 2]),
    ],
    ids=["euclidean", "bombieri", "weights"],
)
def test_gradient_is_the_exact_derivative_of_the_loss(metric, weights):
    theta_q = [Fraction(v) for v in THETA0]  # dyadic floats: exact as fractions
    target_q = [Fraction(v) for v in TARGET]
    # L has degree 6 in theta (phi has degree 3), so 7 nodes make the differences exact.
    exact = [exact_derivative(lambda t: loss_221_q(t, target_q, weights), theta_q, i, degree=6) for i in range(6)]
    lr = 2.0**-8
    res = nc.train(
        NET_221, TARGET, metric=metric, lr=lr, steps=1, init=[THETA0], gtol=0.0, classify=False, progress=False
    )
    run = res.runs[0]
    assert run.steps == 1 and run.status == "max_steps"
    grad = (np.asarray(THETA0) - run.theta) / lr  # theta1 = theta0 - lr * grad
    want = np.array([float(g) for g in exact])
    assert np.max(np.abs(grad - want)) <= 1e-11 * max(1.0, float(np.max(np.abs(want))))
    # And the recorded loss is L = ||r||^2 in the metric, without a factor 1/2.
    assert run.initial_loss == pytest.approx(float(loss_221_q(theta_q, target_q, weights)), rel=1e-14)


# --------------------------------------------------------------------------------------------
# (b) Optimizer steps equal an independent numpy implementation


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("steps", [1, 2, 3])
def test_optimizer_steps_match_numpy_on_a_target(optimizer, steps):
    u = np.array(TARGET)

    def grad(theta):
        phi, jac = numpy_phi_jacobian(theta)
        return 2.0 * jac.T @ (phi - u)

    lr = 0.01
    res = nc.train(
        NET_221, u, optimizer=optimizer, lr=lr, steps=steps, init=[THETA0], gtol=0.0, classify=False, progress=False
    )
    want = numpy_optimizer(optimizer, THETA0, grad, lr, steps)
    assert res.runs[0].status == "max_steps" and res.runs[0].steps == steps
    np.testing.assert_allclose(res.runs[0].theta, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.runs[0].function, numpy_phi_jacobian(want)[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_optimizer_steps_match_numpy_on_samples(optimizer):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(7, 2))
    y = rng.normal(size=(7, 1))

    def grad(theta):
        r, jac = numpy_data_residual_jacobian(theta, x, y)
        return 2.0 * jac.T @ r

    res = nc.train(NET_221, data=(x, y), optimizer=optimizer, lr=1e-4, steps=3, init=[THETA0], gtol=0.0, progress=False)
    assert res.runs[0].status == "max_steps" and res.runs[0].steps == 3
    want = numpy_optimizer(optimizer, THETA0, grad, 1e-4, 3)
    np.testing.assert_allclose(res.runs[0].theta, want, rtol=0, atol=1e-12)
    r, _ = numpy_data_residual_jacobian(THETA0, x, y)
    assert res.runs[0].initial_loss == pytest.approx(float(r @ r), rel=1e-13)


def test_dense_fast_path_matches_numpy_with_biases_and_a_mixed_activation():
    # MLP (3, 4, 2) with biases and s(t) = t^3 + t^2 (the dense_batch.rs route), 20 samples:
    # full-batch gradient descent written out in numpy with samples as rows,
    # Z = X W1^T + b1, A = s(Z), F = A W2^T + b2, R = F - Y; dL/dW2 = 2 R^T A, dL/db2 = 2 1^T R,
    # dL/dZ = (2 R W2) s'(Z), dL/dW1 = dZ^T X, dL/db1 = 1^T dZ.
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    net = nc.mlp([3, 4, 2], activation=[0, 0, 1, 1], bias=True)
    theta0 = 0.5 * rng.normal(size=net.n_params)

    def grad(theta):
        w1, b1 = theta[:12].reshape(4, 3), theta[12:16]
        w2, b2 = theta[16:24].reshape(2, 4), theta[24:26]
        z = x @ w1.T + b1
        a = z**3 + z**2
        r = a @ w2.T + b2 - y
        dz = (2.0 * r @ w2) * (3.0 * z**2 + 2.0 * z)
        return np.concatenate([(dz.T @ x).ravel(), dz.sum(0), (2.0 * r.T @ a).ravel(), 2.0 * r.sum(0)])

    lr, steps = 1e-3, 25
    want = numpy_optimizer("gd", theta0, grad, lr, steps)
    for threads in (1, 2):
        res = nc.train(net, data=(x, y), lr=lr, steps=steps, init=[theta0], gtol=0.0, progress=False, threads=threads)
        np.testing.assert_allclose(res.runs[0].theta, want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# (c) Linear networks, euclidean metric: gradient descent reaches Eckart-Young


def test_linear_network_reaches_the_eckart_young_minimum():
    row = next(r for r in load_jsonl("closest.jsonl") if r["id"] == "ey-323")
    net = nc.mlp(row["arch"]["widths"], activation=row["arch"]["activation"])
    u = np.array(row["target"], dtype=np.float64)
    # phi of the linear MLP (3, 2, 3) is the 3 x 3 product W2 W1 (outputs concatenated, one row
    # per output), of rank <= 2. Critical values of ||M - U||^2 on rank <= 2: sums of squared
    # singular values left out, for every set of at most 2 singular triples kept.
    sigma = np.linalg.svd(u.reshape(3, 3), compute_uv=False)
    optimum = float(sigma[2] ** 2)
    assert optimum == pytest.approx(row["min_sq_distance"], rel=1e-12)
    kept = [list(k) for n in range(3) for k in combinations(range(3), n)]
    critical = {float(np.sum(sigma**2) - np.sum(sigma[k] ** 2)) for k in kept}
    assert all(any(abs(g - c) < 1e-9 for c in critical) for g in row["critical_sq_distances"])

    res = nc.train(net, u, lr=0.01, steps=20000, starts=48, init="small", seed=5, progress=False)
    assert res.init == "small" and res.metric == "euclidean"
    assert res.n_converged >= 40
    for run in res.runs:
        if run.converged:
            # Every converged run is the global minimum: no spurious local minima.
            assert run.final_loss == pytest.approx(optimum, rel=1e-7)
            # The recorded function is W2 W1 of the final parameters (W1: 2 x 3, W2: 3 x 2).
            w1, w2 = run.theta[:6].reshape(2, 3), run.theta[6:].reshape(3, 2)
            np.testing.assert_allclose(run.function, (w2 @ w1).ravel(), rtol=0, atol=1e-12)
        else:
            # A run that stalls sits near a critical value.
            assert min(abs(run.final_loss - c) for c in critical) < 1e-3 * max(1.0, run.final_loss)
    # Small starts: 1/100 of the target-matched scale.
    matched = nc.train(net, u, lr=0.01, steps=1, starts=1, seed=5, progress=False, classify=False)
    assert res.scale == pytest.approx(matched.scale / 100, rel=1e-12)
    # The end points are rank-2 (generic) matrices; the numerical classification agrees.
    assert res.strata_fractions.get("generic", 0.0) >= 40 / 48
    assert sum(res.strata_fractions.values()) == pytest.approx(1.0)


def test_runs_are_matched_with_the_global_critical_point():
    # ey-323 again, now through the critical-points engine: rank <= 2 of 3 x 3 has ED degree
    # binom(3, 2) = 3 (Eckart-Young: keep 2 of the 3 singular triples), all real for a real
    # target; the least squared distance is sigma_3^2 (numpy SVD), and every converged run from
    # small starts must end there (index 0 of the real points, a local minimum).
    row = next(r for r in load_jsonl("closest.jsonl") if r["id"] == "ey-323")
    net = nc.mlp(row["arch"]["widths"], activation=row["arch"]["activation"])
    u = np.array(row["target"], dtype=np.float64)
    sigma = np.linalg.svd(u.reshape(3, 3), compute_uv=False)
    cp = nc.critical_points(net, u, threads=1)
    real = cp.real_points
    assert len(real) == 3
    assert float(np.real(real[0].sq_distance)) == pytest.approx(float(sigma[2] ** 2), rel=1e-9)
    res = nc.train(net, u, lr=0.01, steps=20000, starts=16, init="small", seed=5, progress=False, classify=False)
    m = res.reached_critical_points(cp)
    converged = [i for i, r in zip(m.reached, res.runs, strict=True) if r.converged]
    assert len(converged) >= 12 and all(i == 0 for i in converged)
    assert m.global_fraction == 1.0 and m.counts.get(0) == m.reached.count(0)
    assert all(m.local_minimum[k] for k, r in enumerate(res.runs) if r.converged)
    # A wrong pairing is refused, not matched silently.
    with pytest.raises(ValueError, match="metric"):
        nc.train(net, u, metric="bombieri", steps=5, starts=1, progress=False, classify=False).reached_critical_points(
            cp
        )
    with pytest.raises(TypeError, match="critical"):
        res.reached_critical_points(res)


# --------------------------------------------------------------------------------------------
# Plateaus: passing near the singular locus costs steps


def test_runs_passing_near_the_singular_locus_take_more_steps():
    # Amari-Park-Ozeki's overlap singularity: a teacher MLP (2, 2, 1) with activation t^3 + t^2
    # whose two hidden neurons are close, (1, 0.5) and (1, 0.8), so that the target lies near
    # the stratum where the neurons merge. Heavy-ball runs from target-matched Gaussian starts;
    # "near" = smallest sampled singular ratio below 1e-3. The test asserts a direction with a
    # statistical margin (one-sided Mann-Whitney U over 200 seeded runs), not a tuned ratio.
    from scipy.stats import mannwhitneyu

    net = nc.mlp([2, 2, 1], activation=[0, 0, 1, 1])
    teacher = np.array([1.0, 0.5, 1.0, 0.8, 1.0, -0.8])
    u = np.asarray(nc.coefficients(net, teacher, field="float"), dtype=np.float64).ravel()
    res = nc.train(
        net,
        u,
        optimizer="momentum",
        lr=0.003,
        steps=50000,
        starts=200,
        seed=2,
        gtol=1e-3,
        classify=False,
        progress=False,
    )
    near = [r.stop_step for r in res.runs if r.converged and r.near_singular]
    away = [r.stop_step for r in res.runs if r.converged and not r.near_singular]
    assert len(near) >= 10 and len(away) >= 10
    assert res.steps_near_singular.median == np.median(near) and res.steps_away.median == np.median(away)
    assert res.steps_ratio is not None and res.steps_ratio > 1.0
    assert mannwhitneyu(near, away, alternative="greater").pvalue < 0.05
    # Plateaus are common here, and every run's plateau time is below its step count.
    assert res.plateau_fraction > 0.2
    assert all(r.plateau_steps <= r.steps for r in res.runs)


# --------------------------------------------------------------------------------------------
# (d) The thread count does not change anything


@pytest.mark.parametrize("objective", ["target", "batches"])
def test_results_identical_for_one_and_two_threads(objective):
    if objective == "target":
        kw = {"target": TARGET, "optimizer": "adam", "init": "small"}
    else:
        rng = np.random.default_rng(11)
        kw = {"data": (rng.normal(size=(20, 2)), rng.normal(size=(20, 1))), "optimizer": "momentum", "batch_size": 5}
    a, b = (
        nc.train(NET_221, lr=0.003, steps=400, starts=9, seed=2, threads=t, progress=False, **kw).to_dict()
        for t in (1, 2)
    )
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# --------------------------------------------------------------------------------------------
# (e) Bad input and divergence


@pytest.mark.parametrize(
    ("kwargs", "exc", "arg"),
    [
        ({"lr": 0.0}, ValueError, "lr"),
        ({"lr": -0.1}, ValueError, "lr"),
        ({"lr": math.nan}, ValueError, "lr"),
        ({"starts": 0}, ValueError, "starts"),
        ({"target": [1.0, 2.0]}, ValueError, "target"),
        ({"target": [1.0, math.inf, 0.0]}, ValueError, "target"),
        ({"optimizer": "sgd"}, ValueError, "optimizer"),
        ({"init": np.zeros((2, 5))}, ValueError, "init"),
        ({"init": [[1, 2, 3, 4, 5, math.nan]]}, ValueError, "init"),
        ({"init": "uniform"}, ValueError, "init"),
        ({"init": np.zeros((2, 6)), "starts": 3}, ValueError, "starts"),
        ({"steps": 0}, ValueError, "steps"),
        ({"init_scale": -1.0}, ValueError, "init_scale"),
        ({"batch_size": 2}, ValueError, "batch_size"),
        ({"fractions": [0.5, 1.5]}, ValueError, "fractions"),
        ({"metric": "manhattan"}, ValueError, "metric"),
    ],
)
def test_bad_input_is_refused_by_name(kwargs, exc, arg):
    kw = {"target": TARGET, "steps": 10, "starts": 2, "progress": False, **kwargs}
    with pytest.raises(exc, match=arg):
        nc.train(NET_221, **kw)


def test_bad_samples_and_missing_objective():
    with pytest.raises(ValueError, match="data"):
        nc.train(NET_221, data=(np.zeros((4, 2)), [1.0, math.nan, 0.0, 0.0]), progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        nc.train(NET_221, data=(np.zeros((4, 2)), np.zeros(4)), batch_size=5, progress=False)
    with pytest.raises(ValueError, match="target"):
        nc.train(NET_221, progress=False)
    with pytest.raises(TypeError, match="net"):
        nc.train("mlp", TARGET, progress=False)


def test_too_many_starts_for_memory():
    with pytest.raises(nc.ResourceLimitError):
        nc.train(NET_221, TARGET, starts=10**12, steps=10, progress=False)


def test_diverging_runs_are_reported_with_their_step_never_nan():
    res = nc.train(NET_221, TARGET, lr=5.0, steps=200, starts=6, seed=1, progress=False)
    diverged = [r for r in res.runs if r.status == "diverged"]
    assert diverged, "lr = 5 on a cubic parametrization must blow up"
    for r in diverged:
        assert r.stop_step is not None and 1 <= r.stop_step <= 200 and r.steps == r.stop_step - 1
        assert math.isfinite(r.final_loss) and np.all(np.isfinite(r.theta)) and r.kind is None
    d = res.to_dict(runs=False)
    assert "nan" not in json.dumps(d).lower()
    assert res.status_counts["diverged"] == len(diverged)


# --------------------------------------------------------------------------------------------
# CLI


def test_cli_train_json_and_table(capsys):
    row = next(r for r in load_jsonl("closest.jsonl") if r["id"] == "ey-323")
    target = ",".join(str(v) for v in row["target"])
    args = ["train", "mlp", "3,2,3", "--degree", "1", "--target", target, "--lr", "0.01", "--steps", "20000"]
    code = main([*args, "--starts", "8", "--init", "small", "--json"])
    out = capsys.readouterr()
    assert code == 0 and out.err == ""
    d = json.loads(out.out)
    assert d["optimizer"] == "gd" and d["starts"] == 8 and "runs" not in d
    assert d["best_loss"] == pytest.approx(row["min_sq_distance"], rel=1e-7)
    assert sum(d["status_counts"].values()) == 8
    code = main([*args, "--starts", "2", "--json", "--runs", "--no-classify"])
    d = json.loads(capsys.readouterr().out)
    assert code == 0 and len(d["runs"]) == 2 and d["runs"][0]["kind"] is None
    code = main([*args, "--starts", "2"])
    assert code == 0 and "best loss" in capsys.readouterr().out
    code = main(["train", "mlp", "2,2,1", "--target", "1,2,3", "--lr", "-1"])
    assert code == 2 and "lr" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# The training section of `neurocore compare`


def test_compare_training_section_round_trips_and_plots(tmp_path, capsys):
    from neurocore.comparison import CompareReport

    png = tmp_path / "cmp.png"
    args = ["compare", "--targets", "1", "--starts", "4", "--train-steps", "300", "--json"]
    assert main([*args, "--plot", str(png)]) == 0
    data = json.loads(capsys.readouterr().out)
    rep = CompareReport.from_dict(data)
    assert json.loads(rep.to_json()) == data
    assert [t.name for t in rep.training] == ["MLP", "CNN", "attention"]
    for t in rep.training:
        assert t.runs == 4 and t.steps == 300 and 0.0 <= t.singular_share <= 1.0
        assert t.near_count + t.away_count == t.converged
        assert sum(t.strata_counts.values()) == t.runs - t.diverged
        assert all(len(c["steps"]) == len(c["loss"]) for c in t.curves)
    assert "median steps, near singular" in str(rep)
    if png.exists():  # matplotlib installed
        assert (tmp_path / "cmp-training.png").read_bytes()[:4] == b"\x89PNG"


# --------------------------------------------------------------------------------------------
# Ctrl-C

_CTRL_C_SCRIPT = """
import sys, time
import numpy as np
import neurocore as nc
net = nc.mlp([4, 8, 2], degree=2)
rng = np.random.default_rng(0)
x, y = rng.normal(size=(256, 4)), rng.normal(size=(256, 2))
print("ready", flush=True)
t = time.perf_counter()
try:
    nc.train(net, data=(x, y), lr=1e-6, steps=10**7, starts=64, gtol=0.0, progress=False)
except KeyboardInterrupt:
    print(f"interrupted after {time.perf_counter() - t:.2f}", flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_training():
    proc = subprocess.Popen(
        [sys.executable, "-c", _CTRL_C_SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.5)
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, (out, err)
    assert "interrupted" in out and "panicked" not in err
    assert time.perf_counter() - sent < 5.0


def test_docstring_examples_of_the_training_module():
    import doctest

    import neurocore.training

    result = doctest.testmod(neurocore.training, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 2
