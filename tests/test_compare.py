"""`neurocore compare`: the default table against values derived by hand.

Every number below comes from the mathematics of the three default networks, not from another
neurocore call:

- MLP (4, 3, 1), t^2: f = sum_i a_i (w_i . x)^2, a quadric of rank <= 3 in 4 variables. The ambient
  space is the quadrics, binom(5, 2) = 10; the image is the hypersurface det = 0, dim 9
  (Alexander-Hirschowitz). 15 parameters, 3 rescalings (one per hidden neuron), expected
  min(15 - 3, 10) = 10, defect 1, fiber 15 - 9 = 6, hidden 6 - 3 = 3 (the orthogonal group
  O(3) acting on the hidden layer: binom(3, 2)).
- CNN (3, 2, 2, 2), linear, strides 1: the end-to-end filter is the product of the filter
  polynomials, degrees 2 + 1 + 1 + 1 = 5: ambient 6. 9 parameters, 3 rescalings, expected 6;
  a generic quintic factors, so dim 6 (filling), fiber 3, hidden 0.
- Attention (3, 2), a = 2, t = 2: 2 x 2 outputs, cubic forms in 6 entries: 4 binom(8, 3) = 224.
  Q, K, V are 2 x 3: 18 parameters; the known symmetries GL(2) on (Q, K) and the scalar between
  Q^T K and V: a^2 + 1 = 5; dim 18 - 5 = 13, fiber 5, hidden 0.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from neurocore.cli import main
from neurocore.comparison import CompareReport, compare

TARGETS, STARTS = 2, 4


@pytest.fixture(scope="module")
def report():
    return compare(targets=TARGETS, starts=STARTS, seed=1)


# (n_params, ambient_dim, dim, expected_dim, defect, symmetry_dim, fiber_dim, hidden_symmetry_dim)
HAND_DERIVED = {
    "MLP": (15, 10, 9, 10, 1, 3, 6, 3),
    "CNN": (9, 6, 6, 6, 0, 3, 3, 0),
    "attention": (18, 224, 13, 13, 0, 5, 5, 0),
}


def test_dimensions_match_the_hand_derivations(report):
    assert [a.name for a in report.architectures] == list(HAND_DERIVED)
    for a in report.architectures:
        got = (
            a.n_params,
            a.ambient_dim,
            a.dim,
            a.expected_dim,
            a.defect,
            a.symmetry_dim,
            a.fiber_dim,
            a.hidden_symmetry_dim,
        )
        assert got == HAND_DERIVED[a.name], a.name
    # The CNN fills its ambient space, so its dimension is proven; so is the attention network's
    # (it meets n_params - symmetry_dim).
    assert report.architectures[1].certified and report.architectures[2].certified


# Rank of the Jacobian at each special point, derived by hand (the generic ranks are the dims):
# - dead neuron (a_0 = 0): d/dw_0 vanishes; the image of d phi is (w_1.x) L + (w_2.x) L (L the
#   linear forms; 4 + 4 - 1 = 7, the quadrics vanishing on {w_1.x = w_2.x = 0}) plus (w_0.x)^2,
#   which does not vanish there: rank 8.
# - merged neurons (w_0 = w_1): the image is (w_0.x) L + (w_2.x) L: rank 7.
# - shared root (w_0 and w_1 both divisible by 1 + t): every term (P / w_l) h_l of the image of
#   the multiplication map is divisible by 1 + t: the quintics divisible by 1 + t, rank 5.
# - zero filter (w_0 = 0): only d/dw_0 survives, w_1 w_2 w_3 h_0 with deg h_0 <= 2: rank 3.
# - rank-one scores (Q = [q; 2q]): the tangent of M = Q^T K is {u_1 k_1^T + u_2 k_2^T + q v^T},
#   6 + 3 - 2 = 7 dimensions; with V's 6 and minus the scalar symmetry: rank 12.
# - zero values (V = 0): only dV X (X^T M X) survives, injective in dV: rank 6.
HAND_DERIVED_RANKS = {
    "MLP": {"dead neuron": 8, "merged neurons": 7},
    "CNN": {"shared root": 5, "zero filter": 3},
    "attention": {"rank-one scores": 12, "zero values V": 6},
}


def test_special_point_ranks_match_the_hand_derivations(report):
    for a in report.architectures:
        assert {p.description: p.rank for p in a.special_points} == HAND_DERIVED_RANKS[a.name]
        for p in a.special_points:
            assert p.rank_drop == a.dim - p.rank
            assert len(p.theta) == a.n_params
    # phi(theta) = 0 at a zero filter and at V = 0: the zero stratum.
    kinds = {p.description: p.kind for a in report.architectures for p in a.special_points}
    assert kinds["zero filter"] == "zero" and kinds["zero values V"] == "zero"


def test_implicit_bias_shares_and_distances_are_in_range(report):
    for a in report.architectures:
        assert a.searches == TARGETS * STARTS == sum(a.strata_counts.values())
        assert 0.0 <= a.singular_share <= 1.0
        assert a.singular_share * a.searches == pytest.approx(a.searches - a.strata_counts.get("generic", 0))
        # theta = 0 gives the zero function and every image is a cone through it that spans the
        # ambient space, so the closest point is strictly nearer than 0: 0 <= d^2 / |u|^2 < 1.
        assert 0.0 <= a.mean_relative_sq_distance < 1.0
    mlp_, _, att = report.architectures
    # A 9-dim hypersurface and a 13-dim variety in 224 dimensions miss a Gaussian target.
    assert mlp_.mean_relative_sq_distance > 0.0 and att.mean_relative_sq_distance > 0.0


def test_json_round_trips(capsys):
    assert main(["compare", "--targets", "1", "--starts", "2", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    rep = CompareReport.from_dict(data)
    assert json.loads(rep.to_json()) == data
    assert rep == compare(targets=1, starts=2)  # the report is a function of its arguments


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


def test_degree_and_identifiability_rows(report):
    mlp_, cnn, att = report.geometry
    # MLP (4,3,1) t^2: quadrics in 4 variables of rank <= 3, the symmetric 4x4 determinant, a
    # hypersurface of degree 4; its hidden O(3) symmetry makes the fiber 3-dimensional.
    assert (mlp_.degree, mlp_.degree_certified, mlp_.trace_passed) == (4, 4, True)
    assert (mlp_.verdict, mlp_.fiber_dim) == ("not finitely identifiable", 3)
    # Linear CNN (3,2,2,2): the end-to-end filter is a product of a quadratic and three linear
    # polynomials, so the variety fills C^6 (degree 1), and a generic quintic with 5 distinct roots
    # factors in C(5,2) * 3! = 60 ways (which two roots form the quadratic, then the order of the
    # linear factors): the fiber modulo the rescalings holds 60 gauge points.
    assert (cnn.degree, cnn.degree_certified, cnn.trace_passed) == (1, 1, True)
    assert (cnn.fiber_dim, cnn.fiber_points) == (0, 60)
    # The attention network (dimension 13) is above the default geometry_max_dim: skipped, said so.
    assert att.degree is None and att.error is not None and "13" in att.error
    text = str(report)
    assert "degree" in text and "identifiability" in text and "no (fiber dim 3)" in text
    assert compare(targets=0, geometry=False).geometry == ()
    with pytest.raises(TypeError, match="geometry"):
        compare(targets=0, geometry="yes")  # type: ignore[arg-type]
