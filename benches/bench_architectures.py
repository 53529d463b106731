"""nc.dimension on convolutional and attention networks against a JAX jacfwd + matrix_rank
pipeline (the float method of published code). JAX is optional: its rows are skipped when it is
not installed. Run: ``python -m pytest benches/bench_architectures.py --benchmark-only``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurocore as nc

CASES = {
    "conv1d 6 layers k=5 s=2 r=2": nc.conv1d([5] * 6, [2] * 6, degree=2),
    "conv2d 3 layers 2->3->3->1 channels r=2": nc.conv2d([(2, 2)] * 3, [(1, 1)] * 3, degree=2, channels=[2, 3, 3, 1]),
    "attention (8,8,8) a=(4,4) t=4": nc.attention([8, 8, 8], [4, 4], tokens=4),
    "attention (4,4,4,4) a=(2,2,2) t=3": nc.attention([4, 4, 4, 4], [2, 2, 2], tokens=3),
}


def jax_float_rank(net: nc.Network, seed: int = 0) -> int:
    """jax.jacfwd of the evaluation map (via neurocore's own float evaluation is not allowed:
    the network is re-implemented in jax.numpy) and numpy.linalg.matrix_rank."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(seed)
    n_points = math.ceil(net.n_params / net.output_dim) + 4
    X = jnp.asarray(rng.normal(size=(n_points, net.input_dim)))
    theta = jnp.asarray(rng.normal(size=net.n_params))

    def forward(th, x):
        pos = 0
        h = x
        for layer in net.layers:
            if isinstance(layer, nc.Activation):
                h = sum(float(c) * h**k for k, c in enumerate(layer.coefficients))
            elif isinstance(layer, nc.Conv):
                cin, cout = layer.in_channels, layer.out_channels
                (kh, kw), (sh, sw), (H, W) = layer.kernel, layer.stride, layer.input_size
                w = th[pos : pos + cout * cin * kh * kw].reshape(cout, cin, kh, kw)
                pos += cout * cin * kh * kw
                img = h.reshape(1, cin, H, W)
                out = jax.lax.conv_general_dilated(img, w, (sh, sw), "VALID")
                h = out.reshape(-1)
            elif isinstance(layer, nc.Attention):
                d, a, t, dout = layer.input_width, layer.key_dim, layer.tokens, layer.output_width
                Xm = h.reshape(d, t)
                Y = jnp.zeros((dout, t))
                for _ in range(layer.heads):
                    Q = th[pos : pos + a * d].reshape(a, d)
                    K = th[pos + a * d : pos + 2 * a * d].reshape(a, d)
                    V = th[pos + 2 * a * d : pos + 2 * a * d + dout * d].reshape(dout, d)
                    pos += (2 * a + dout) * d
                    Y = Y + V @ Xm @ (Xm.T @ Q.T @ K @ Xm)
                h = Y.reshape(-1)
        return h

    f = jax.vmap(forward, in_axes=(None, 0))
    J = jax.jacfwd(lambda th: f(th, X).reshape(-1))(theta)
    return int(np.linalg.matrix_rank(np.asarray(J)))


@pytest.mark.parametrize("name", list(CASES))
def test_neurocore(benchmark, name):
    benchmark.group = f"dimension {name}"
    rep = benchmark(nc.dimension, CASES[name])
    assert rep.dim <= rep.expected_dim


@pytest.mark.parametrize("name", list(CASES))
def test_jax_jacfwd_matrix_rank(benchmark, name):
    pytest.importorskip("jax")
    benchmark.group = f"dimension {name}"
    r = benchmark.pedantic(jax_float_rank, args=(CASES[name],), rounds=1, iterations=1)
    assert r <= CASES[name].n_params
