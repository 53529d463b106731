"""nc.degree: the degree of a neurovariety from a witness set (monodromy, trace test, Krawczyk).

Every expected degree is derived in the comments from classical formulas, never from the code:

* matrices ``a x b`` of rank ``<= r`` (linear MLPs ``(b, r, a)``): the determinantal variety has
  degree ``prod_{i=0}^{b-r-1} (a+i)! i! / ((r+i)! (a-r+i)!)`` (Harris, Algebraic Geometry,
  Example 19.10); for rank 1 it is the Segre variety ``P^{a-1} x P^{b-1}`` of degree
  ``binom(a+b-2, a-1)``;
* one hidden neuron with ``t^d`` and one output: the cone over the Veronese variety
  ``v_d(P^{n-1})`` of degree ``d^{n-1}``;
* symmetric ``n x n`` matrices of rank ``<= n-1`` (``(n, n-1, 1)`` with ``t^2``, quadrics as
  sums of ``n-1`` squares): the determinant, a hypersurface of degree ``n``.

Cases that take more than a few seconds on one core run only with ``NEUROCORE_SLOW=1``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

import neurocore as nc

slow = pytest.mark.skipif(not os.environ.get("NEUROCORE_SLOW"), reason="slow; set NEUROCORE_SLOW=1")


def _check(net: nc.Network, want: int) -> nc.DegreeResult:
    r = nc.degree(net, threads=1)
    assert r.degree == want, r
    assert r.runs_agree, r
    assert r.certified_lower_bound == want, r
    assert r.trace_passed, r
    return r


def test_rank_two_3x3_matrices() -> None:
    # det of a 3 x 3 matrix: a cubic hypersurface; formula a = b = 3, r = 2: 3! / (2! 1!) = 3.
    r = _check(nc.mlp([3, 2, 3], degree=1), 3)
    assert (r.dim, r.ambient_dim) == (8, 9)


def test_rank_one_3x3_matrices() -> None:
    # Segre P^2 x P^2: binom(4, 2) = 6; the formula agrees: (3!/(1! 2!)) * (4! 1!/(2! 3!)) = 3 * 2.
    _check(nc.mlp([3, 1, 3], degree=1), 6)


def test_rank_one_4x2_matrices() -> None:
    # Segre P^3 x P^1 (linear MLP (2, 1, 4)): binom(4, 1) = 4; formula a=4, b=2, r=1: 4!/(1! 3!) = 4.
    _check(nc.mlp([2, 1, 4], degree=1), 4)


def test_twisted_cubic() -> None:
    # c (a x + b y)^3: the cone over the rational normal curve v_3(P^1), degree 3^1 = 3.
    _check(nc.mlp([2, 1, 1], degree=3), 3)


def test_veronese_surface() -> None:
    # c (a x + b y + c z)^2: the cone over v_2(P^2), degree 2^2 = 4.
    _check(nc.mlp([3, 1, 1], degree=2), 4)


def test_symmetric_rank_two_3x3() -> None:
    # sums of two squares in 3 variables = symmetric 3 x 3 matrices of rank <= 2: det, degree 3.
    _check(nc.mlp([3, 2, 1], degree=2), 3)


def test_linear_cnn_quadric() -> None:
    # filters (a0 + a1 x) (b0 + b1 x^2) (strides (2, 1)): c = (a0 b0, a1 b0, a0 b1, a1 b1) satisfies
    # c0 c3 = c1 c2 and fills that quadric hypersurface (dim 3 in C^4): degree 2.
    r = _check(nc.conv1d([2, 2], [2, 1], degree=1), 2)
    assert (r.dim, r.ambient_dim) == (3, 4)


@slow
def test_symmetric_rank_three_4x4() -> None:
    # sums of three squares in 4 variables: the 4 x 4 symmetric determinant, degree 4.
    _check(nc.mlp([4, 3, 1], degree=2), 4)


def test_threads_do_not_change_the_result() -> None:
    net = nc.mlp([3, 1, 1], degree=2)
    a = nc.degree(net, threads=1, seed=3)
    b = nc.degree(net, threads=2, seed=3)
    assert a.to_dict() == b.to_dict()


def test_result_is_frozen_and_json_ready() -> None:
    r = nc.degree(nc.mlp([2, 1, 1], degree=3), threads=1)
    with pytest.raises(AttributeError):
        r.degree = 4  # type: ignore[misc]
    d = json.loads(json.dumps(r.to_dict()))
    assert d["degree"] == 3 and d["trace_passed"] is True
    assert math.isfinite(d["trace_residual"])
    assert "degree            3" in str(r)


def test_bad_input_names_the_argument() -> None:
    net = nc.mlp([2, 1, 1], degree=3)
    with pytest.raises(TypeError, match="net"):
        nc.degree("mlp")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="runs"):
        nc.degree(net, runs=0)
    with pytest.raises(ValueError, match="max_loops"):
        nc.degree(net, stable_loops=10, max_loops=5)
    with pytest.raises(ValueError, match="threads"):
        nc.degree(net, threads=-1)
    with pytest.raises(TypeError, match="certify"):
        nc.degree(net, certify=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="memory_limit"):
        nc.degree(net, memory_limit=0)


def test_memory_limit_refuses_before_allocating() -> None:
    with pytest.raises(nc.ResourceLimitError):
        nc.degree(nc.mlp([3, 1, 1], degree=2), memory_limit=64, threads=1)


def test_cli_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "neurocore", "degree", "mlp", "2,1,1", "--degree", "3", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)["degree"] == 3
