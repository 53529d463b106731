"""Architecture sweeps: gold dimensions, identical tables under every executor, incremental and
resumable CSV/Parquet output, timeouts."""

from __future__ import annotations

import concurrent.futures as cf
import csv
import importlib
import json
import multiprocessing
import time
import warnings

import pytest
from conftest import build_network, load_jsonl

import neurocore as nc
from neurocore.cli import main
from neurocore.sweeping import COLUMNS, _KillablePool

sweep_module = importlib.import_module("neurocore.sweeping")  # `neurocore.sweep` is the function

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
    row = by_key[repr(nc.mlp([3, 2, 1], degree=2))]
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


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        )
        client = distributed.Client(cluster)
    yield client
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client.close()
        cluster.close()


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
    real = sweep_module._sweep_chunk

    def counting(chunk, *args):
        computed.extend(repr(n) for n in chunk)
        return real(chunk, *args)

    monkeypatch.setattr(sweep_module, "_sweep_chunk", counting)
    res = nc.sweep(nets, out=out, progress=False)
    assert res.skipped == 8 and res.computed == len(nets) - 8
    assert computed == [repr(n) for n in nets[8:]]
    assert comparable(res.rows) == comparable(sequential_table.rows)
    assert comparable(nc.sweep([], out=out, progress=False).rows) == comparable(sequential_table.rows)


def test_timeouts_are_recorded_and_can_be_retried(tmp_path):
    big = nc.mlp([40, 80, 40, 1], degree=2)  # about a second of work
    nets = [nc.mlp([2, 3, 1], degree=2), big, nc.mlp([3, 3, 1], degree=2)]
    out = tmp_path / "t.csv"
    t0 = time.perf_counter()
    res = nc.sweep(nets, out=out, timeout=0.05, threads=2, progress=False)
    assert time.perf_counter() - t0 < 20
    assert [r["status"] for r in res.rows] == ["ok", "timeout", "ok"]
    row = res.rows[1]
    assert row["dim"] is None and row["n_params"] == big.n_params
    with cf.ThreadPoolExecutor(1) as ex:  # cooperative deadline under an executor
        assert [r["status"] for r in nc.sweep(nets, executor=ex, timeout=0.05, progress=False).rows][1] == "timeout"
    # A plain rerun skips the timed-out row; retry_failed recomputes it.
    assert nc.sweep(nets, out=out, progress=False).computed == 0
    nets[1] = nc.mlp([4, 8, 4, 1], degree=2)
    nets.insert(1, nc.mlp([40, 80, 40, 1], degree=2))
    res = nc.sweep(nets[:2], out=out, retry_failed=True, timeout=120, progress=False)
    assert res.computed == 1 and res.rows[1]["status"] == "ok" and res.rows[1]["dim"] > 0
    assert nc.sweep([], out=out, progress=False).rows[1]["status"] == "ok"  # the newer row wins


def test_a_hung_task_is_killed():
    pool = _KillablePool(1, hard_limit=0.5)
    t0 = time.perf_counter()
    results = dict(pool.run(time.sleep, [(30,), (0,)]))
    assert results == {0: ("timeout", None), 1: ("ok", None)}
    assert time.perf_counter() - t0 < 15


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


@pytest.mark.parametrize("name", ["neurocore.sweeping", "neurocore.bench"])
def test_docstring_examples(name):
    import doctest

    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
