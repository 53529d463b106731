//! Exact facts about linear CNNs: realizability of filters, shared roots of filters.

use crate::errors::to_pyerr;
use crate::runtime::run_inline;
use neurocore_core::cnn::stride_one_realizability;
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
