//! Exact facts about linear CNNs: realizability of filters, shared roots of filters.

use crate::errors::to_pyerr;
use crate::runtime::run_inline;
use neurocore_core::cnn::{shared_roots as core_shared_roots, stride_one_realizability};
use neurocore_core::CoreError;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn rationals(arg: &str, nums: Vec<BigInt>, dens: Vec<BigInt>) -> PyResult<Vec<BigRational>> {
    if nums.len() != dens.len() || dens.iter().any(|d| d.is_zero()) {
        return Err(to_pyerr(CoreError::invalid(arg, "bad numerators/denominators")));
    }
    Ok(nums.into_iter().zip(dens).map(|(n, d)| BigRational::new(n, d)).collect())
}

/// Realizability of the filter `u` by a stride-one linear CNN with the given filter sizes.
#[pyfunction]
pub fn cnn_realizability<'py>(
    py: Python<'py>,
    filter_sizes: Vec<usize>,
    nums: Vec<BigInt>,
    dens: Vec<BigInt>,
) -> PyResult<Bound<'py, PyDict>> {
    let u = rationals("u", nums, dens)?;
    let r = run_inline(py, |_, _| stride_one_realizability(&filter_sizes, &u))?;
    let d = PyDict::new(py);
    d.set_item("realizable", r.realizable)?;
    d.set_item("boundary", r.boundary)?;
    d.set_item("degree", r.degree)?;
    d.set_item("complex_pairs", r.complex_pairs)?;
    d.set_item("capacity", r.capacity)?;
    d.set_item("real_roots", r.real_roots)?;
    d.set_item("root_at_infinity", r.root_at_infinity)?;
    Ok(d)
}

/// `(layer l, layer m, gcd numerators, gcd denominators)`.
type SharedRoot = (usize, usize, Vec<BigInt>, Vec<BigInt>);

/// Pairs of layers whose (stride-substituted) filters share a root: `[(l, m, gcd coefficients)]`
/// with the gcd as numerator/denominator lists, low to high.
#[pyfunction]
pub fn cnn_shared_roots(
    py: Python<'_>,
    filters: Vec<(Vec<BigInt>, Vec<BigInt>)>,
    cumulative_strides: Vec<usize>,
) -> PyResult<Vec<SharedRoot>> {
    if filters.len() != cumulative_strides.len() || cumulative_strides.contains(&0) {
        return Err(to_pyerr(CoreError::invalid("strides", "one positive stride per filter")));
    }
    let polys = filters.into_iter().map(|(n, d)| rationals("filters", n, d)).collect::<PyResult<Vec<_>>>()?;
    let pairs = run_inline(py, |_, _| Ok(core_shared_roots(&polys, &cumulative_strides)))?;
    Ok(pairs
        .into_iter()
        .map(|(l, m, g)| {
            let (n, d): (Vec<BigInt>, Vec<BigInt>) =
                g.coeffs().iter().map(|c| (c.numer().clone(), c.denom().clone())).unzip();
            (l, m, n, d)
        })
        .collect())
}
