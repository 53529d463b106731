"""Random-parameter scans: ranks are lower bounds that reach the dimension, drops are found,
and results do not depend on threads, chunks or executors."""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
from fractions import Fraction

import numpy as np
import pytest
from conftest import build_network, load_jsonl

import neurocore as nc
import neurocore._checks
import neurocore.executors
import neurocore.progress
import neurocore.scanning
from neurocore.cli import main
from neurocore.scanning import sample_generator

P = nc.DEFAULT_PRIME
SMALL_GOLD = [r for r in load_jsonl("dimensions.jsonl") if r.get("n_params", 99) <= 30][:12]


def small_integers(rng: np.random.Generator) -> np.ndarray:
    """A module-level (picklable) callable sampler for mlp([3, 2, 1])."""
    return rng.integers(-2, 3, size=8)


def fractions_sampler(rng: np.random.Generator) -> list[Fraction]:
    return [Fraction(int(v), 2) for v in rng.integers(-3, 4, size=8)]


def fp_rank(net: nc.Network, theta: np.ndarray, p: int = P) -> int:
    """Oracle: rank over F_p of the coefficient Jacobian at theta."""
    jac = nc.jacobian(net, [int(v) for v in theta], field=p)
    return nc.rank(jac, field=p).rank


@pytest.mark.parametrize("row", SMALL_GOLD, ids=[r["id"] for r in SMALL_GOLD])
def test_uniform_ranks_never_exceed_the_dimension_and_reach_it(row):
    net = build_network(row)
    res = nc.scan(net, samples=24, seed=3, progress=False)
    assert res.ranks.shape == (24,) and res.ranks.dtype == np.int64
    assert res.max_rank == row["dim"] == res.generic_rank
    assert np.all(res.ranks <= row["dim"])
    assert res.upper_bound >= row["dim"]
    assert sum(res.histogram.values()) == 24


@pytest.mark.parametrize("sampler", ["uniform", "integer", "sparse"])
def test_ranks_equal_the_rank_of_the_coefficient_jacobian_mod_p(sampler):
    for net in [nc.mlp([3, 2, 2], degree=2), nc.conv1d([3, 2], [2, 1], degree=2), nc.attention([2, 2], [1], tokens=2)]:
        res = nc.scan(net, samples=20, sampler=sampler, seed=1, progress=False)
        for i in range(res.samples):
            assert res.ranks[i] == fp_rank(net, res.point(i))


def test_integer_points_lift_to_integers_where_the_rank_is_a_lower_bound():
    net = nc.mlp([3, 2, 1], degree=2)
    res = nc.scan(net, samples=200, sampler="integer", integer_bound=2, progress=False)
    assert res.n_drops > 0
    for i in res.drop_indices[:5]:
        theta = res.point(int(i), signed=True)
        assert all(-2 <= v <= 2 for v in theta)
        exact = nc.rank(nc.jacobian(net, theta), field="QQ").rank
        assert res.ranks[i] <= exact < res.generic_rank


def test_sparse_scans_find_the_rank_drops_of_dead_neurons():
    net = nc.mlp([3, 3, 1], degree=2)  # generic rank 6; a dead neuron leaves (3, 2, 1), dim 5
    res = nc.scan(net, samples=400, sampler="sparse", seed=5, progress=False)
    assert res.generic_rank == 6 and res.generic_certified
    points = res.drop_points
    assert points.shape == (res.n_drops, net.n_params)
    dead = []
    for i in range(res.samples):
        w1 = res.point(i)[:9].reshape(3, 3)
        if np.any(np.all(w1 == 0, axis=1)):
            dead.append(i)
    assert len(dead) > 10
    assert set(dead) <= {int(i) for i in res.drop_indices}
    assert all(res.ranks[i] <= 5 for i in dead)


def test_sparsity_zero_is_uniform_and_one_is_zero():
    net = nc.mlp([2, 2, 1], degree=2)
    assert nc.scan(net, samples=10, sampler="sparse", sparsity=0.0, progress=False).n_drops == 0
    res = nc.scan(net, samples=5, sampler="sparse", sparsity=1.0, progress=False)
    assert res.histogram == {0: 5}
    assert not np.any(res.drop_points)


def test_same_result_for_every_thread_count_and_chunking():
    net = nc.mlp([2, 3, 2, 1], degree=2, bias=True)
    runs = [
        nc.scan(net, samples=150, sampler="sparse", seed=9, threads=t, chunk_size=c, progress=False)
        for t, c in [(1, None), (2, None), (2, 7), (0, 150), (1, 1)]
    ]
    for r in runs[1:]:
        np.testing.assert_array_equal(r.ranks, runs[0].ranks)
        np.testing.assert_array_equal(r.drop_indices, runs[0].drop_indices)
    assert runs[0].n_drops > 0


def test_seed_determines_the_scan():
    net = nc.mlp([2, 2, 1], degree=2)
    a = nc.scan(net, samples=50, sampler="sparse", seed=1, progress=False)
    b = nc.scan(net, samples=50, sampler="sparse", seed=1, progress=False)
    c = nc.scan(net, samples=50, sampler="sparse", seed=2, progress=False)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    assert not np.array_equal(a.drop_points, c.drop_points)


def test_callable_sampler_is_seeded_per_sample():
    net = nc.mlp([3, 2, 1], degree=2)
    res = nc.scan(net, samples=60, sampler=small_integers, seed=4, progress=False)
    assert res.sampler == "small_integers"
    assert res.n_drops > 0
    for i in [0, 17, int(res.drop_indices[0])]:
        expected = np.mod(small_integers(sample_generator(4, i)), P).astype(np.uint64)
        np.testing.assert_array_equal(res.point(i), expected)
        assert res.ranks[i] == fp_rank(net, expected)
    np.testing.assert_array_equal(res.drop_points[0], res.point(int(res.drop_indices[0])))
    again = nc.scan(net, samples=60, sampler=small_integers, seed=4, threads=1, chunk_size=13, progress=False)
    np.testing.assert_array_equal(again.ranks, res.ranks)
    halves = nc.scan(net, samples=20, sampler=fractions_sampler, progress=False)
    expected_halves = [f.numerator * pow(f.denominator, -1, P) % P for f in fractions_sampler(sample_generator(0, 0))]
    assert [int(v) for v in halves.point(0)] == expected_halves
    assert halves.max_rank <= 5


def test_thread_and_process_executors_give_identical_results():
    net = nc.mlp([2, 2, 2, 1], degree=2)
    local = nc.scan(net, samples=120, sampler="sparse", seed=11, progress=False)
    local_callable = nc.scan(nc.mlp([3, 2, 1], degree=2), samples=40, sampler=small_integers, progress=False)
    with cf.ThreadPoolExecutor(2) as ex:
        threaded = nc.scan(net, samples=120, sampler="sparse", seed=11, executor=ex, progress=False)
    ctx = multiprocessing.get_context("forkserver")
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        procs = nc.scan(net, samples=120, sampler="sparse", seed=11, executor=ex, progress=False)
        procs_callable = nc.scan(
            nc.mlp([3, 2, 1], degree=2), samples=40, sampler=small_integers, executor=ex, progress=False
        )
    for r in (threaded, procs):
        np.testing.assert_array_equal(r.ranks, local.ranks)
        np.testing.assert_array_equal(r.drop_indices, local.drop_indices)
    np.testing.assert_array_equal(procs_callable.ranks, local_callable.ranks)
    np.testing.assert_array_equal(procs_callable.drop_points, local_callable.drop_points)


def test_fork_started_workers_do_not_inherit_dead_thread_pools():
    # Parallel work first, so that this process owns rayon pools; then forked workers.
    net = nc.mlp([2, 2, 2, 1], degree=2)
    local = nc.scan(net, samples=64, sampler="sparse", threads=2, progress=False)
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as ex:
        forked = nc.scan(net, samples=64, sampler="sparse", executor=ex, progress=False)
    np.testing.assert_array_equal(forked.ranks, local.ranks)


@pytest.mark.filterwarnings("ignore")
def test_dask_cluster_gives_identical_results(dask_client):
    net = nc.mlp([2, 2, 2, 1], degree=2)
    local = nc.scan(net, samples=120, sampler="sparse", seed=11, progress=False)
    remote = nc.scan(net, samples=120, sampler="sparse", seed=11, executor=dask_client, progress=False)
    np.testing.assert_array_equal(remote.ranks, local.ranks)
    lam = nc.scan(
        nc.mlp([3, 2, 1], degree=2), samples=30, sampler=lambda rng: rng.integers(-1, 2, size=8), progress=False
    )
    lam_remote = nc.scan(
        nc.mlp([3, 2, 1], degree=2),
        samples=30,
        sampler=lambda rng: rng.integers(-1, 2, size=8),
        executor=dask_client,
        progress=False,
    )
    np.testing.assert_array_equal(lam.ranks, lam_remote.ranks)


def test_result_forms():
    res = nc.scan(nc.mlp([3, 2, 1], degree=2), samples=30, sampler="integer", progress=False)
    d = res.to_dict()
    json.dumps(d)
    assert d["ranks"] == res.ranks.tolist() and d["generic_rank"] == 5
    assert "rank histogram" in str(res) and "ScanResult(" in repr(res)
    assert res.integer_bound == 3 and res.sparsity is None
    with pytest.raises(ValueError, match="i:"):
        res.point(30)
    with pytest.raises(dataclasses_frozen_error()):
        res.generic_rank = 1  # type: ignore[misc]


def dataclasses_frozen_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"samples": 0}, ValueError, "samples"),
        ({"samples": 2.5}, TypeError, "samples"),
        ({"sampler": "gauss"}, ValueError, "sampler"),
        ({"sampler": 3}, TypeError, "sampler"),
        ({"field": 4}, ValueError, "field"),
        ({"field": "QQ"}, ValueError, "field"),
        ({"field": 3.0}, TypeError, "field"),
        ({"field": "float"}, ValueError, "modulo a prime"),
        ({"field": 2**64 + 13}, ValueError, "field"),  # checked, never wrapped to 13
        ({"field": True}, TypeError, "field"),
        ({"field": 7, "sampler": "integer", "integer_bound": 4}, ValueError, "integer_bound"),  # 4 >= 7 / 2
        ({"seed": -1}, ValueError, "seed"),
        ({"threads": -2}, ValueError, "threads"),
        ({"executor": object()}, TypeError, "executor"),
        ({"sparsity": 1.5}, ValueError, "sparsity"),
        ({"integer_bound": 0}, ValueError, "integer_bound"),
        ({"chunk_size": 0}, ValueError, "chunk_size"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nc.scan(nc.mlp([2, 2, 1], degree=2), **{"samples": 5, "progress": False, **kwargs})


def test_bad_network_and_bad_sampler_output():
    with pytest.raises(TypeError, match="net"):
        nc.scan([2, 2, 1], samples=3)  # type: ignore[arg-type]
    net = nc.mlp([2, 2, 1], degree=2)
    with pytest.raises(TypeError, match="sampler"):
        nc.scan(net, samples=3, sampler=lambda rng: rng.normal(size=6), progress=False)
    with pytest.raises(ValueError, match="sampler"):
        nc.scan(net, samples=3, sampler=lambda rng: [1, 2], progress=False)


def test_small_prime_field():
    net = nc.mlp([3, 2, 1], degree=2)
    res = nc.scan(net, samples=40, field=32003, progress=False)
    assert res.prime == 32003 and res.max_rank == 5
    for i in range(5):
        assert res.ranks[i] == fp_rank(net, res.point(i), 32003)


def test_cli_scan(capsys):
    assert main(["scan", "mlp", "3,2,1", "--degree", "2", "--samples", "50", "--sampler", "integer"]) == 0
    out = capsys.readouterr().out
    assert "generic rank" in out and "first rank drops" in out
    assert main(["scan", "mlp", "2,2,1", "--samples", "20", "--sampler", "sparse", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["ranks"]) == 20 and d["generic_rank"] == 3
    assert main(["scan", "mlp", "2,2,1", "--samples", "0"]) == 2


@pytest.mark.parametrize("module", [neurocore.scanning, neurocore._checks, neurocore.executors, neurocore.progress])
def test_docstring_examples(module):
    import doctest

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
