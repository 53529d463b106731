"""nc.dimension reports do not depend on the thread count (issue 16, item 5)."""

from __future__ import annotations

import pytest

import neurocore as nc

P61 = 2**61 - 1


@pytest.mark.parametrize(
    "widths,degree,primes",
    [((10, 20, 20, 20, 1), 2, None), ((10, 20, 20, 20, 1), 2, [P61]), ((4, 12, 12, 3), 3, None)],
)
def test_report_is_the_same_on_one_and_two_threads(widths, degree, primes):
    # (10, 20, 20, 20, 1) is large enough for every parallel path (Jacobian rows split by point,
    # matrix products above the threshold); 2^61 - 1 runs the u64 kernel instead of the f64 one.
    net = nc.mlp(list(widths), degree=degree)
    one = nc.dimension(net, primes=primes, threads=1)
    two = nc.dimension(net, primes=primes, threads=2)
    assert one == two
    # (10, 20, 20, 20, 1) r=2: the numpy + python-flint recipe (neurocore.bench, an independent
    # backpropagation and flint.nmod_mat rank modulo 32003) finds rank 770, and 770 is proven.
    if widths == (10, 20, 20, 20, 1):
        assert one.dim == 770 and one.certified


def test_small_case_agrees_with_the_numpy_flint_recipe():
    pytest.importorskip("flint")
    from neurocore.bench import numpy_flint_dimension

    rep = nc.dimension(nc.mlp([4, 12, 12, 3], degree=3), threads=2)
    assert rep.certified
    assert numpy_flint_dimension([4, 12, 12, 3], 3) == rep.dim
