"""`neurocore compare`: the side-by-side table equals the individual API calls."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import neurocore as nc
from neurocore.cli import main
from neurocore.comparison import CompareReport, compare, special_points


@pytest.fixture(scope="module")
def report():
    return compare(targets=2, starts=4, seed=1)


def test_numbers_equal_the_individual_api_calls(report):
    nets = [nc.mlp([4, 3, 1], degree=2), nc.conv1d([3, 2, 2, 2], degree=1), nc.attention([3, 2], [2], tokens=2)]
    for summary, net in zip(report.architectures, nets, strict=False):
        rep = nc.dimension(net, seed=1)
        assert summary.network == repr(net)
        assert (summary.n_params, summary.ambient_dim, summary.dim) == (net.n_params, net.ambient_dim, rep.dim)
        assert (summary.expected_dim, summary.defect, summary.symmetry_dim) == (
            rep.expected_dim,
            rep.defect,
            net.symmetry_dim,
        )
        assert summary.fiber_dim == rep.fiber_dim
        assert summary.hidden_symmetry_dim == nc.symmetries(net, seed=1).hidden_dim
        for point, (desc, theta) in zip(summary.special_points, special_points(net), strict=False):
            s = nc.classify(net, theta)
            assert point.description == desc and point.kind == s.kind and point.rank == s.rank
            assert point.rank_drop == s.generic_rank - s.rank
        assert summary.searches == 2 * 4
        assert sum(summary.strata_counts.values()) == summary.searches
        assert 0.0 <= summary.singular_share <= 1.0


def test_published_facts_in_the_default_table(report):
    mlp_, cnn, att = report.architectures
    assert mlp_.defect == 1 and mlp_.hidden_symmetry_dim == 3  # AH defect, binom(3, 2) hidden
    assert cnn.dim == 6 and cnn.certified
    kinds = {p.description: p.kind for p in att.special_points}
    assert kinds["rank-one scores"] == "boundary"
    assert {p.description: p.kind for p in cnn.special_points}["zero filter"] == "zero"


def test_json_round_trips(capsys):
    assert main(["compare", "--targets", "1", "--starts", "2", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    rep = CompareReport.from_dict(data)
    assert json.loads(rep.to_json()) == data
    assert rep == compare(targets=1, starts=2)


def test_table_is_readable(report):
    text = str(report)
    for label in ("parameters", "dimension", "defect", "hidden symmetry dim", "special points", "ending singular"):
        assert label in text
    assert text.splitlines()[0].split() == ["MLP", "CNN", "attention"]


def test_plot_is_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "out.png"
    assert main(["compare", "--targets", "1", "--starts", "2", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_command_runs_from_a_clean_process():
    proc = subprocess.run(
        [sys.executable, "-m", "neurocore", "compare", "--targets", "1", "--starts", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "attention" in proc.stdout and "Traceback" not in proc.stderr


def test_bad_options_exit_2(capsys):
    assert main(["compare", "--mlp", "3,0,1"]) == 2
    assert "widths" in capsys.readouterr().err
    assert main(["compare", "--starts", "0"]) == 2
