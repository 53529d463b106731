"""Budgets of the monodromy loops: a run stopped by ``max_loops`` or ``time_limit`` says so.

Independent value: the ED degree of the cone over the twisted cubic (MLP (2,1,1), t^3) is 7
(gold row mlp-2-1-1-ed_degree-euclidean-17); a budgeted run may only find fewer, and must then
be labelled a lower bound.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import neurocore as nc

CUBIC = nc.mlp([2, 1, 1], degree=3)


def test_unbudgeted_runs_stop_stable():
    r = nc.ed_degree(CUBIC, threads=1)
    assert r.ed_degree == 7 and not r.stopped_early
    assert all(run.stop == "stable" for run in r.runs)
    assert ">=" not in str(r).splitlines()[2]


def test_time_limit_stops_early_and_is_labelled():
    # Half a microsecond per run is over after at most one loop (the clock is read between
    # loops), far from the 10 quiet loops a stable stop needs.
    r = nc.ed_degree(CUBIC, threads=1, time_limit=1e-6)
    assert r.stopped_early
    assert all(run.stop == "time_limit" and run.loops <= 1 for run in r.runs)
    assert 1 <= r.ed_degree <= 7 and r.certified_lower_bound <= r.ed_degree
    assert "ED degree         >= " in str(r)
    assert json.loads(json.dumps(r.to_dict()))["stopped_early"] is True


def test_max_loops_stop_is_reported():
    # One loop from one start solution cannot see all 7 (a loop at most permutes what it holds
    # plus the new ends of those paths: 1 -> at most 2).
    r = nc.ed_degree(CUBIC, threads=1, stable_loops=1, max_loops=1, runs=1)
    run = r.runs[0]
    assert run.loops == 1 and run.count <= 2
    assert (run.stop == "max_loops") == (run.loops_without_new == 0)
    assert r.stopped_early == (run.stop != "stable")


def test_budgeted_critical_points_are_genuine():
    # Every point found from an incomplete solution set is still a critical point: Eckart-Young
    # for rank-one 2x2 matrices gives exactly the values 1 and 9 for diag(3, 1).
    res = nc.critical_points(nc.mlp([2, 1, 2], degree=1), [3, 0, 0, 1], threads=1, time_limit=1e-6)
    assert res.ed.stopped_early and res.stopped_early
    values = sorted(round(p.sq_distance.real, 9) for p in res.points)
    assert set(values) <= {1.0, 9.0} and len(values) >= 1
    # The first batch of paths to the target is tracked even past the limit, and it holds every
    # generic solution here (at most 2), so the tracking itself was not cut.
    assert not res.time_limited and "time_limit" not in res.failures
    assert "incomplete" in str(res) and res.to_dict()["stopped_early"] is True


def test_unbudgeted_critical_points_are_complete():
    res = nc.critical_points(nc.mlp([2, 1, 2], degree=1), [3, 0, 0, 1], threads=1)
    assert sorted(round(p.sq_distance.real, 9) for p in res.points) == [1.0, 9.0]
    assert not res.stopped_early and not res.time_limited and "incomplete" not in str(res)
    assert res.to_dict()["time_limited"] is False


@pytest.mark.parametrize(("value", "exc"), [(0, ValueError), (-1.0, ValueError), ("1", TypeError), (True, TypeError)])
def test_bad_time_limit(value, exc):
    with pytest.raises(exc, match="time_limit"):
        nc.ed_degree(CUBIC, threads=1, time_limit=value)


def test_time_limit_nan_is_refused():
    with pytest.raises(ValueError, match="time_limit"):
        nc.critical_points(CUBIC, np.ones(CUBIC.ambient_dim), threads=1, time_limit=float("nan"))


def test_cli_eddegree_time_limit(capsys):
    from neurocore.cli import main

    rc = main(["eddegree", "mlp", "2,1,1", "--degree", "3", "--threads", "1", "--time-limit", "1e-6", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["stopped_early"] and {r["stop"] for r in out["runs"]} == {"time_limit"}


def test_cli_critical_time_limit(capsys):
    from neurocore.cli import main

    args = ["critical", "mlp", "2,1,2", "--degree", "1", "--target", "3,0,0,1", "--threads", "1"]
    rc = main([*args, "--time-limit", "1e-6", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["stopped_early"] is True and out["ed"]["stopped_early"] is True
    # Eckart-Young: whatever was found is among the two critical values 1 and 9.
    assert {round(p["sq_distance"][0], 9) for p in out["points"]} <= {1.0, 9.0}
    assert main([*args, "--time-limit", "1e-6"]) == 0
    assert "incomplete: the time limit stopped the computation" in capsys.readouterr().out


def test_compare_landscape_marks_cut_off_networks():
    # Small networks (Eckart-Young MLP, the CNN (2,2) quadratic, attention (2,1) key 1) with a
    # tiny budget: every network is cut off, and the table says so with '>=' counts.
    rep = nc.compare(
        mlp_widths=(2, 1, 2),
        mlp_degree=1,
        conv_filters=(2, 2),
        attention_widths=(2, 1),
        key_dims=1,
        targets=1,
        starts=2,
        threads=1,
        geometry=False,
        landscape=True,
        landscape_time_limit=1e-6,
    )
    assert all(ls.stopped_early for ls in rep.landscape)
    row = next(line for line in str(rep).splitlines() if line.startswith("ED degree (euclidean)"))
    assert row.count("time limit") == 3
    assert nc.CompareReport.from_dict(json.loads(rep.to_json())) == rep
    # Against an incomplete set the global minimum cannot be judged.
    found = next(line for line in str(rep).splitlines() if "local search found global" in line)
    assert found.count("incomplete set") == 3
