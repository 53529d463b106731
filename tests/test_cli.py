"""The command line: readable tables, JSON that round-trips, exit status 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import neurocore as nc
from neurocore.cli import main


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_dim_mlp_table(capsys):
    code, out, err = run(["dim", "mlp", "3,5,1", "--degree", "4"], capsys)  # Alexander-Hirschowitz
    assert code == 0 and err == ""
    assert "dimension            14" in out and "probabilistic" in out
    code, out, err = run(["dim", "mlp", "3,2,1", "--degree", "2"], capsys)
    assert code == 0 and "5  (certified)" in out


def test_dim_json_round_trips(capsys):
    code, out, _ = run(["dim", "mlp", "3,3,3,1", "--degree", "2", "--json", "--seed", "3"], capsys)
    assert code == 0
    data = json.loads(out)
    rep = nc.dimension(nc.mlp([3, 3, 3, 1], degree=2), seed=3)
    assert data["dim"] == rep.dim == 12
    assert data["defect"] == rep.defect == 3
    assert data["trials"][0]["prime"] == rep.trials[0].prime


@pytest.mark.parametrize(
    "args,dim",
    [
        (["dim", "mlp", "3,2,1", "--activation", "0,0,1,1"], 8),
        (["dim", "mlp", "3,2,1", "--degree", "2", "--bias"], 8),
        (["dim", "conv", "--filters", "3,2", "--strides", "2,1", "--degree", "1"], 4),
        (["dim", "conv2d", "--filters", "2x2,2x2", "--degree", "1"], 7),
        (["dim", "attention", "--widths", "3,3", "--key-dims", "2", "--tokens", "2"], 16),
    ],
)
def test_dim_families(args, dim, capsys):
    code, out, _ = run(args + ["--json"], capsys)
    assert code == 0
    assert json.loads(out)["dim"] == dim


@pytest.mark.parametrize(
    "args",
    [
        ["dim", "mlp", "3,0,1"],
        ["dim", "mlp", "3,2,1", "--activation", "0,0,0"],
        ["dim", "mlp", "3,2,1", "--primes", "4"],
        ["dim", "conv", "--filters", "3,2", "--strides", "0,1"],
        ["dim", "attention", "--widths", "3,3", "--key-dims", "2", "--tokens", "0"],
    ],
)
def test_bad_input_exits_2_with_one_line(args, capsys):
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("neurocore: error:")
    assert "Traceback" not in err and "panicked" not in err


def test_console_script_runs_in_a_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "neurocore", "dim", "mlp", "3,x", "--degree", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args,kind",
    [
        (["classify", "mlp", "3,2,1", "--degree", "2", "--theta", "1,2,3,4,5,7,1,0"], "subnetwork"),
        (["classify", "conv", "--filters", "2,2", "--degree", "1", "--theta", "1,1,1,1"], "boundary"),
        (
            ["classify", "attention", "--widths", "3,3", "--key-dims", "2", "--tokens", "2", "--theta"]
            + [",".join(map(str, [1, 2, 3, 2, 4, 6, 1, 0, 1, 3, 0, 3, 1, 2, 0, 0, 1, 1, 2, 0, 1]))],
            "boundary",
        ),
    ],
)
def test_classify_command(args, kind, capsys):
    assert main(args + ["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == kind and data["is_critical"]
    assert main(args) == 0
    assert "kind" in capsys.readouterr().out


def test_equations_command(capsys):
    # (3,2,1) t^2: the quadrics of rank <= 2, one cubic (the determinant of the symmetric matrix);
    # C(8, 3) = 56 cubic monomials in the 6 coefficients, so H(3) = 55.
    code, out, _ = run(["equations", "mlp", "3,2,1", "--eq-degree", "3", "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["hilbert"]["value"] == 55 and data["hilbert"]["monomials"] == 56 and len(data["equations"]) == 1
    assert sum(abs(c) for c, _ in data["equations"][0]) == 4 + 1 + 1 + 1 + 1  # 4 c1c4c6 and four squares
    _, text, _ = run(["equations", "mlp", "3,2,1", "--eq-degree", "2", "--hilbert-only"], capsys)
    assert text.startswith("H(2) = 21 of 21") and "proven" in text  # no quadric vanishes
    assert main(["equations", "mlp", "10,10,1", "--eq-degree", "4"]) == 2  # refused: memory
