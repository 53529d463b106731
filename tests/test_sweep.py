"""Architecture sweeps: gold dimensions, identical tables under every executor, incremental and
resumable CSV/Parquet output, timeouts."""

from __future__ import annotations

import concurrent.futures as cf
import csv
import json
import multiprocessing
import pickle
import time
from fractions import Fraction

import pytest
from conftest import build_network, load_jsonl

import neurocore as nc
import neurocore.bench
import neurocore.grids
import neurocore.spec
import neurocore.sweeping
from neurocore import _core
from neurocore.cli import main
from neurocore.process_pool import KillablePool
from neurocore.sweeping import COLUMNS

GOLD_MLP = [r for r in load_jsonl("dimensions.jsonl") if r["family"] == "mlp"]


def grid() -> list[nc.Network]:
    return [*nc.mlp_grid(2, 1, depth=range(1, 4), max_width=4, degree=2), *(build_network(r) for r in GOLD_MLP[:8])]


def comparable(rows) -> list[dict]:
    """Rows without the wall time, the only column that may differ between runs."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_mlp_widths_enumerates_the_grid():
    assert list(nc.mlp_widths(2, 1, depth=1, max_width=5)) == [(2, 1)]
    assert list(nc.mlp_widths(2, 1, depth=2, max_width=3, min_width=2)) == [(2, 2, 1), (2, 3, 1)]
    assert sum(1 for _ in nc.mlp_widths(2, 1, range(1, 5), 5)) == 1 + 5 + 25 + 125
    nets = list(nc.mlp_grid(3, 2, [2], 2, activation=[0, 0, 1, 1], bias=True))
    assert [n.arch["widths"] for n in nets] == [(3, 1, 2), (3, 2, 2)] and nets[0].arch["bias"]
    with pytest.raises(ValueError, match="depth"):
        list(nc.mlp_widths(2, 1, depth=0, max_width=3))
    with pytest.raises(TypeError, match="depth"):
        list(nc.mlp_widths(2, 1, depth="3", max_width=3))
    with pytest.raises(ValueError, match="min_width"):
        list(nc.mlp_widths(2, 1, depth=2, max_width=3, min_width=4))
    with pytest.raises(ValueError, match="max_width"):
        list(nc.mlp_widths(2, 1, depth=2, max_width=0))
    with pytest.raises(ValueError, match="degree"):
        list(nc.mlp_grid(2, 1, 2, 3))


def test_sweep_reproduces_the_gold_mlp_dimensions():
    res = nc.sweep([build_network(r) for r in GOLD_MLP], progress=False)
    assert len(res) == len(GOLD_MLP) and res.computed == len(GOLD_MLP)
    for gold, row in zip(GOLD_MLP, res.rows, strict=True):
        assert row["status"] == "ok"
        assert row["dim"] == gold["dim"], gold["id"]
        assert row["n_params"] == gold["n_params"]
        if "ambient_dim" in gold:
            assert row["ambient_dim"] == gold["ambient_dim"]
            assert row["filling"] == (gold["dim"] == gold["ambient_dim"])
        assert row["defect"] == row["expected_dim"] - row["dim"] >= 0
        assert list(row) == list(COLUMNS)
    by_key = {r["key"]: r for r in res.rows}
    row = by_key[nc.architecture_spec(nc.mlp([3, 2, 1], degree=2))]
    assert row["defect"] == 1 and not row["filling"]  # Alexander-Hirschowitz
    assert json.loads(row["arch"]) == {"widths": [3, 2, 1], "activation": "t^2"} and row["widths"] == "3,2,1"


@pytest.fixture(scope="module")
def sequential_table():
    return nc.sweep(grid(), threads=1, progress=False)


def test_threads_processes_and_isolated_workers_give_identical_tables(sequential_table):
    expected = comparable(sequential_table.rows)
    assert all(r["status"] == "ok" for r in expected)
    assert comparable(nc.sweep(grid(), threads=2, progress=False).rows) == expected
    assert comparable(nc.sweep(grid(), threads=2, chunk_size=3, progress=False).rows) == expected
    with cf.ThreadPoolExecutor(2) as ex:
        assert comparable(nc.sweep(grid(), executor=ex, progress=False).rows) == expected
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as ex:
        assert comparable(nc.sweep(iter(grid()), executor=ex, chunk_size=5, progress=False).rows) == expected
    # With a timeout, every architecture runs in a killable worker process.
    assert comparable(nc.sweep(grid(), threads=2, timeout=60, progress=False).rows) == expected


@pytest.mark.filterwarnings("ignore")
def test_dask_cluster_gives_an_identical_table(dask_client, sequential_table, tmp_path):
    res = nc.sweep(grid(), executor=dask_client, out=tmp_path / "dask.csv", progress=False)
    assert comparable(res.rows) == comparable(sequential_table.rows)
    again = nc.sweep(grid(), out=tmp_path / "dask.csv", progress=False)
    assert again.computed == 0 and again.skipped == len(sequential_table)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_output_file_round_trips_the_rows(tmp_path, suffix, sequential_table):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"table{suffix}"
    res = nc.sweep(grid(), out=out, progress=False)
    assert res.out == str(out) and out.exists()
    assert comparable(res.rows) == comparable(sequential_table.rows)
    reread = nc.sweep([], out=out, progress=False)
    assert reread.rows == res.rows  # types survive the file (ints, bools, floats, None)
    if suffix == ".csv":
        with open(out, newline="") as fh:
            assert next(csv.reader(fh)) == list(COLUMNS)
    pd = pytest.importorskip("pandas")
    frame = res.to_pandas()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(COLUMNS) and len(frame) == len(res)


def interrupted(nets, after):
    """Yields `after` networks, then stops the sweep as Ctrl-C would."""
    yield from nets[:after]
    raise KeyboardInterrupt


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_interrupted_sweep_resumes_without_recomputing(tmp_path, suffix, monkeypatch, sequential_table):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    nets = grid()
    out = tmp_path / f"table{suffix}"
    with pytest.raises(KeyboardInterrupt):
        nc.sweep(interrupted(nets, 9), out=out, chunk_size=2, progress=False)
    partial = nc.sweep([], out=out, progress=False)
    assert len(partial) == 8  # four finished chunks of two; the ninth network never ran
    computed: list[str] = []
    real = neurocore.sweeping._sweep_chunk

    def counting(chunk, *args):
        computed.extend(repr(n) for n in chunk)
        return real(chunk, *args)

    monkeypatch.setattr(neurocore.sweeping, "_sweep_chunk", counting)
    res = nc.sweep(nets, out=out, progress=False)
    assert res.skipped == 8 and res.computed == len(nets) - 8
    assert computed == [repr(n) for n in nets[8:]]
    assert comparable(res.rows) == comparable(sequential_table.rows)
    assert comparable(nc.sweep([], out=out, progress=False).rows) == comparable(sequential_table.rows)


def test_timeouts_are_recorded_and_can_be_retried(tmp_path):
    # About a second of work (more under load): well over the timeout; the small ones take ms, so
    # 0.5 s leaves them room on a loaded machine.
    big = nc.mlp([40, 80, 40, 1], degree=2)
    nets = [nc.mlp([2, 3, 1], degree=2), big, nc.mlp([3, 3, 1], degree=2)]
    out = tmp_path / "t.csv"
    t0 = time.perf_counter()
    res = nc.sweep(nets, out=out, timeout=0.5, threads=2, progress=False)
    assert time.perf_counter() - t0 < 20
    assert [r["status"] for r in res.rows] == ["ok", "timeout", "ok"]
    row = res.rows[1]
    assert row["dim"] is None and row["n_params"] == big.n_params
    with cf.ThreadPoolExecutor(1) as ex:  # cooperative deadline under an executor
        assert [r["status"] for r in nc.sweep(nets, executor=ex, timeout=0.5, progress=False).rows][1] == "timeout"
    # A plain rerun skips the timed-out row; retry_failed recomputes it.
    assert nc.sweep(nets, out=out, progress=False).computed == 0
    nets[1] = nc.mlp([4, 8, 4, 1], degree=2)
    nets.insert(1, nc.mlp([40, 80, 40, 1], degree=2))
    res = nc.sweep(nets[:2], out=out, retry_failed=True, timeout=120, progress=False)
    assert res.computed == 1 and res.rows[1]["status"] == "ok" and res.rows[1]["dim"] > 0
    assert nc.sweep([], out=out, progress=False).rows[1]["status"] == "ok"  # the newer row wins


def test_a_hung_task_is_killed():
    pool = KillablePool(1, hard_limit=0.5)
    t0 = time.perf_counter()
    results = dict(pool.run(time.sleep, [(30,), (0,)]))
    assert results == {0: ("timeout", None), 1: ("ok", None)}
    assert time.perf_counter() - t0 < 15


def test_architecture_spec_is_built_from_the_layers(monkeypatch):
    spec = "v1 dense(3,2) act(2;0,0,1) dense(2,1)"
    t2 = nc.Activation((Fraction(0), Fraction(0), Fraction(1), Fraction(0)))  # trailing zero: same polynomial
    same = [
        nc.mlp([3, 2, 1], degree=2),
        nc.mlp([3, 2, 1], activation=[0, 0, 1]),
        nc.Network([nc.Dense(3, 2), t2, nc.Dense(2, 1)]),  # no builder, no arch
    ]
    assert [nc.architecture_spec(n) for n in same] == [spec] * 3
    half = nc.mlp([3, 2, 1], activation=[Fraction(1, 2), 0, -3], bias=True)
    assert nc.architecture_spec(half) == "v1 dense(3,2,bias) act(2;1/2,0,-3) dense(2,1,bias)"
    # conv1d([3, 2], strides [2, 1]): widths d_1 = 1 (1 - 1) + 2 = 2, d_0 = 2 (2 - 1) + 3 = 5.
    assert (
        nc.architecture_spec(nc.conv1d([3, 2], [2, 1], degree=1))
        == "v1 conv(1,1;k=1x3;s=1x2;in=1x5) act(2;0,1) conv(1,1;k=1x2;s=1x1;in=1x2)"
    )
    assert (
        nc.architecture_spec(nc.attention([2, 2], [1], 3, heads=2, residual=True))
        == "v1 attn(2,2;a=1;t=3;h=2;residual)"
    )
    nets = grid()
    assert len({nc.architecture_spec(n) for n in nets}) == len(set(nets))  # one key per distinct network
    # The key does not depend on repr (it used to: repr quoted '2*t^2' but not 't^2').
    monkeypatch.setattr(nc.Network, "__repr__", lambda self: "the same for every network")
    rows = nc.sweep([same[0], nc.mlp([3, 2, 1], degree=3)], progress=False).rows
    assert [r["key"] for r in rows] == [spec, "v1 dense(3,2) act(2;0,0,0,1) dense(2,1)"]


def rewrite_csv(path, change):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, r in enumerate(rows):
        change(i, r)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


def test_tables_keyed_by_repr_still_resume(tmp_path):
    nets = grid()[:6]
    out = tmp_path / "old.csv"
    fresh = nc.sweep(nets, out=out, progress=False)

    def as_before_v1(i, row):  # tables written before architecture specs were keyed by repr(net)
        row["key"] = repr(nets[i])
        if i == 2:
            row.update(status="timeout", dim="", defect="", filling="", certified="", error_bound="")

    rewrite_csv(out, as_before_v1)
    again = nc.sweep(nets, out=out, progress=False)
    assert again.computed == 0 and again.skipped == 6
    retried = nc.sweep(nets, out=out, retry_failed=True, progress=False)
    assert retried.computed == 1 and retried.skipped == 5 and len(retried) == 6
    assert comparable(retried.rows[-1:]) == comparable(fresh.rows[2:3])  # the new row, under its spec key


def test_a_failed_network_is_a_typed_error_row(tmp_path):
    big, small = nc.mlp([5, 5, 3, 1], degree=2), nc.mlp([2, 2, 1], degree=2)  # gold: dims 32 and 3
    limit = nc.memory_limit()
    nc.set_memory_limit(4096)  # the big network's elimination needs more; the small one's does not
    try:
        outcomes = _core.dimension_batch([big._core, small._core], 0)
        res = nc.sweep([big, small], out=tmp_path / "t.csv", progress=False)
    finally:
        nc.set_memory_limit(limit)
    err = outcomes[0].error
    assert outcomes[0].status == "error" and outcomes[0].report is None
    assert outcomes[1].status == "ok" and outcomes[1].error is None and outcomes[1].report.dim == 3
    assert isinstance(err, _core.BatchError) and err.kind == "ResourceLimitError" and "memory limit" in err.message
    assert pickle.loads(pickle.dumps(err)) == err  # batches come back from process pools pickled
    for o in outcomes:  # the whole outcome, with its typed report, survives pickling
        back = pickle.loads(pickle.dumps(o))
        assert (back.status, back.seconds) == (o.status, o.seconds)
        assert (back.report is None) == (o.report is None) and (back.error == o.error)
    ok = pickle.loads(pickle.dumps(outcomes[1])).report
    # [2,2,1] without biases: W1 is 2x2 and W2 is 1x2, so 6 parameters
    assert (ok.dim, ok.n_params, ok.certified, len(ok.trials)) == (3, 6, True, len(outcomes[1].report.trials))
    assert ok.trials[0] == outcomes[1].report.trials[0]
    assert res.rows[0]["status"] == f"error: ResourceLimitError: {err.message}" and res.rows[0]["dim"] is None
    assert res.status_counts == {"error": 1, "ok": 1}
    retried = nc.sweep([big, small], out=tmp_path / "t.csv", retry_failed=True, progress=False)
    assert retried.computed == 1 and retried.rows[0]["status"] == "ok" and retried.rows[0]["dim"] == 32
    with pytest.raises(ValueError, match="kind"):
        _core.BatchError("Trouble", "not an exception class neurocore raises")
    with pytest.raises(ValueError, match="status"):
        _core.BatchOutcome("ok", 0.0)  # an "ok" outcome without its report
    with pytest.raises(ValueError, match="status"):
        _core.BatchOutcome("done", 0.0)


def test_duplicates_and_bad_arguments(tmp_path):
    net = nc.mlp([2, 2, 1], degree=2)
    assert nc.sweep([net, net, nc.mlp([2, 2, 1], degree=2)], progress=False).computed == 1
    with pytest.raises(ValueError, match="out"):
        nc.sweep([net], out=tmp_path / "table.txt")
    with pytest.raises(TypeError, match="executor"):
        nc.sweep([net], executor="threads")
    with pytest.raises(TypeError, match=r"architectures\[1\]"):
        nc.sweep([net, (2, 2, 1)], progress=False)
    with pytest.raises(TypeError, match="architectures"):
        nc.sweep(net)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        nc.sweep([net], timeout=-1)
    with pytest.raises(ValueError, match="seed"):
        nc.sweep([net], seed=-1)
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a neurocore sweep table"):
        nc.sweep([net], out=bad)


def test_result_forms(sequential_table):
    d = sequential_table.to_dict()
    json.dumps(d)
    assert d["computed"] == len(sequential_table) and sequential_table.status_counts == {"ok": len(sequential_table)}
    text = str(sequential_table)
    assert "filling" in text and "2,2,1" in text
    assert "SweepResult(" in repr(sequential_table)


def test_cli_sweep_writes_and_resumes(tmp_path, capsys):
    out = tmp_path / "table.csv"
    argv = ["sweep", "mlp", "--input", "2", "--output", "1", "--depth", "3", "--max-width", "4", "--degree", "2"]
    assert main([*argv, "--out", str(out)]) == 0
    assert "2,4,4,1" in capsys.readouterr().out
    with open(out, newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 16
    assert main([*argv, "--out", str(out), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["computed"] == 0 and d["skipped"] == 16
    assert (
        main(["sweep", "mlp", "--input", "2", "--output", "1", "--depth", "1-2", "--max-width", "2", "--out", "x.txt"])
        == 2
    )


def test_cli_bench(capsys):
    pytest.importorskip("flint")
    assert main(["bench", "--quick", "--repeat", "1", "--baseline", "numpy+flint"]) == 0
    out = capsys.readouterr().out
    assert "8-12-12-4 r=2" in out and "numpy+flint" in out and "x" in out


@pytest.mark.parametrize("module", [neurocore.sweeping, neurocore.grids, neurocore.spec, neurocore.bench])
def test_docstring_examples(module):
    import doctest

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
