"""What researchers write today, implemented the way they write it, for side-by-side timing.

* ``numpy_flint_dimension``: backpropagation of an MLP modulo a word-size prime in numpy
  (int64 with reduction after every product; p = 32003, the customary prime of computer algebra
  systems, keeps every intermediate below 2^63), at ceil(n_params / outputs) random points, then
  ``flint.nmod_mat(rows, p).rank()``.
* ``jax_dimension``: ``jax.jacfwd`` of the evaluation map in float64 at random points, then
  ``numpy.linalg.matrix_rank`` (the float pipeline of published code).
"""

from __future__ import annotations

import math

import numpy as np

P_BASELINE = 32003


def numpy_flint_dimension(widths, degree, seed=0, p=P_BASELINE):
    import flint

    rng = np.random.default_rng(seed)
    Ws = [rng.integers(0, p, size=(widths[i + 1], widths[i]), dtype=np.int64) for i in range(len(widths) - 1)]
    n_params = sum(W.size for W in Ws)
    out = widths[-1]
    n_points = math.ceil(n_params / out)
    X = rng.integers(0, p, size=(widths[0], n_points), dtype=np.int64)
    # forward, keeping pre-activations
    acts, pres = [X], []
    a = X
    for i, W in enumerate(Ws):
        z = (W @ a) % p
        pres.append(z)
        if i < len(Ws) - 1:
            a = pow_mod(z, degree, p)
        else:
            a = z
        acts.append(a)
    blocks = []
    for o in range(out):
        delta = np.zeros((out, n_points), dtype=np.int64)
        delta[o] = 1
        grads = []
        for i in range(len(Ws) - 1, -1, -1):
            # d f_o / d W_i[r, c] = delta[r, n] * act_{i}[c, n]
            g = (delta[:, None, :] * acts[i][None, :, :]) % p
            grads.append(g.reshape(-1, n_points))
            if i > 0:
                back = (Ws[i].T @ delta) % p
                deriv = (degree * pow_mod(pres[i - 1], degree - 1, p)) % p
                delta = (back * deriv) % p
        blocks.append(np.concatenate(grads[::-1], axis=0).T)  # n_points x n_params
    J = np.stack(blocks, axis=1).reshape(n_points * out, n_params)
    return flint.nmod_mat(J.tolist(), p).rank()


def pow_mod(z, e, p):
    result = np.ones_like(z)
    base = z % p
    while e:
        if e & 1:
            result = (result * base) % p
        base = (base * base) % p
        e >>= 1
    return result


def jax_dimension(widths, degree, seed=0):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(seed)
    shapes = [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    n_params = sum(a * b for a, b in shapes)
    n_points = math.ceil(n_params / widths[-1])
    X = jnp.asarray(rng.normal(size=(widths[0], n_points)))

    def f(theta):
        pos = 0
        a = X
        for i, (r, c) in enumerate(shapes):
            W = theta[pos : pos + r * c].reshape(r, c)
            pos += r * c
            a = W @ a
            if i < len(shapes) - 1:
                a = a**degree
        return a.T.reshape(-1)

    theta = jnp.asarray(rng.normal(size=n_params))
    J = jax.jacfwd(f)(theta)
    return int(np.linalg.matrix_rank(np.asarray(J)))
