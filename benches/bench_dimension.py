"""nc.dimension against the numpy + python-flint recipe and a JAX float pipeline (issue: foundation).

Run: ``python -m pytest benches/bench_dimension.py --benchmark-only``.
"""

from __future__ import annotations

import pytest

import neurocore as nc
from neurocore.bench import jax_dimension, numpy_flint_dimension

ARCHS = [
    ((8, 12, 12, 4), 2),
    ((10, 20, 20, 20, 1), 2),
    ((12, 24, 24, 24, 2), 3),
    ((16, 32, 32, 8), 2),
]
IDS = [f"{'-'.join(map(str, w))}-r{r}" for w, r in ARCHS]


@pytest.mark.parametrize("widths,degree", ARCHS, ids=IDS)
def test_neurocore_dimension(benchmark, widths, degree):
    benchmark.group = f"dimension {'-'.join(map(str, widths))} r={degree}"
    net = nc.mlp(list(widths), degree=degree)
    rep = benchmark(nc.dimension, net)
    assert rep.dim <= rep.expected_dim


@pytest.mark.parametrize("widths,degree", ARCHS, ids=IDS)
def test_numpy_flint_recipe(benchmark, widths, degree):
    pytest.importorskip("flint")
    benchmark.group = f"dimension {'-'.join(map(str, widths))} r={degree}"
    rank = benchmark.pedantic(numpy_flint_dimension, args=(list(widths), degree), rounds=1, iterations=1)
    assert rank <= nc.mlp(list(widths), degree=degree).n_params


@pytest.mark.parametrize("widths,degree", ARCHS, ids=IDS)
def test_jax_jacfwd_svd(benchmark, widths, degree):
    pytest.importorskip("jax")
    benchmark.group = f"dimension {'-'.join(map(str, widths))} r={degree}"
    rank = benchmark.pedantic(jax_dimension, args=(list(widths), degree), rounds=1, iterations=1)
    assert rank <= nc.mlp(list(widths), degree=degree).n_params
