//! Tangent vectors of the known (and proven hidden) symmetries at a parameter point.

use crate::errors::to_pyerr;
use crate::network::PyNetwork;
use crate::runtime::run_inline;
use neurocore_core::net::symmetry::{
    hidden_symmetry_generator_count, hidden_symmetry_generators, symmetry_generator_count, symmetry_generators,
};
use neurocore_core::par::check_allocation;
use neurocore_core::ring::{F64Ring, Field, PrimeField, RationalRing};
use neurocore_core::CoreError;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;

fn generators<F: Field>(net: &PyNetwork, field: &F, theta: &[F::Elem], hidden: bool) -> Vec<Vec<F::Elem>> {
    let mut g = symmetry_generators(&net.inner, field, theta);
    if hidden {
        g.extend(hidden_symmetry_generators(&net.inner, field, theta));
    }
    g
}

fn check_len(net: &PyNetwork, len: usize) -> PyResult<()> {
    net.inner.check_params_len(len).map_err(to_pyerr)?;
    // The generators are dense rows: refuse them before building when they would not fit.
    let rows = symmetry_generator_count(&net.inner).saturating_add(hidden_symmetry_generator_count(&net.inner));
    check_allocation("the symmetry tangent vectors", rows as u128 * len as u128, 8).map_err(to_pyerr)?;
    Ok(())
}

/// Exact tangent vectors (rows) at rational `theta`: `(rows, cols, numerators, denominators)`.
#[pyfunction]
#[pyo3(signature = (net, nums, dens, hidden=false))]
pub fn symmetry_tangents_exact(
    py: Python<'_>,
    net: &PyNetwork,
    nums: Vec<BigInt>,
    dens: Vec<BigInt>,
    hidden: bool,
) -> PyResult<(usize, usize, Vec<BigInt>, Vec<BigInt>)> {
    check_len(net, nums.len())?;
    if dens.len() != nums.len() || dens.iter().any(|d| d.is_zero()) {
        return Err(to_pyerr(CoreError::invalid("theta", "bad numerators/denominators")));
    }
    let theta: Vec<BigRational> = nums.into_iter().zip(dens).map(|(n, d)| BigRational::new(n, d)).collect();
    let g = run_inline(py, |_, _| Ok(generators(net, &RationalRing, &theta, hidden)))?;
    let rows = g.len();
    let (n, d): (Vec<BigInt>, Vec<BigInt>) = g.into_iter().flatten().map(|r| r.into_raw()).unzip();
    Ok((rows, net.inner.n_params(), n, d))
}

/// Tangent vectors modulo a prime.
#[pyfunction]
#[pyo3(signature = (net, theta, prime, hidden=false))]
pub fn symmetry_tangents_mod_p<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, u64>,
    prime: u64,
    hidden: bool,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let f = PrimeField::new(prime).map_err(to_pyerr)?;
    let theta = theta.as_slice()?.iter().map(|&v| f.reduce_u64(v)).collect::<Vec<_>>();
    check_len(net, theta.len())?;
    let g = run_inline(py, |_, _| Ok(generators(net, &f, &theta, hidden)))?;
    let rows = g.len();
    let arr = Array2::from_shape_vec((rows, net.inner.n_params()), g.into_iter().flatten().collect())
        .map_err(|e| to_pyerr(CoreError::invalid("theta", e.to_string())))?;
    Ok(arr.into_pyarray(py))
}

/// Tangent vectors in floating point.
#[pyfunction]
#[pyo3(signature = (net, theta, hidden=false))]
pub fn symmetry_tangents_float<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, f64>,
    hidden: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let theta = theta.as_slice()?.to_vec();
    check_len(net, theta.len())?;
    let g = run_inline(py, |_, _| Ok(generators(net, &F64Ring, &theta, hidden)))?;
    let rows = g.len();
    let arr = Array2::from_shape_vec((rows, net.inner.n_params()), g.into_iter().flatten().collect())
        .map_err(|e| to_pyerr(CoreError::invalid("theta", e.to_string())))?;
    Ok(arr.into_pyarray(py))
}

/// `(rank of known, indices of candidates)`: the greedy extension of the known tangents (rows
/// mod `prime`) by candidate kernel vectors, in one incremental echelon form in the core.
#[pyfunction]
#[pyo3(signature = (known, candidates, prime, threads = 0))]
pub fn symmetry_greedy_extension<'py>(
    py: Python<'py>,
    known: numpy::PyReadonlyArray2<'py, u64>,
    candidates: numpy::PyReadonlyArray2<'py, u64>,
    prime: u64,
    threads: usize,
) -> crate::errors::BindResult<(usize, Vec<usize>)> {
    let f = PrimeField::new(prime)?;
    let (kr, kc) = known.as_array().dim();
    let (cr, cc) = candidates.as_array().dim();
    let cols = if kr == 0 { cc } else { kc };
    if cc != cols {
        return Err(CoreError::invalid("candidates", format!("expected {cols} columns, got {cc}")).into());
    }
    check_allocation("copies of the tangent vectors", (kr as u128 + cr as u128) * cols as u128, 8)?;
    let reduce = |a: &numpy::PyReadonlyArray2<'py, u64>| a.as_array().iter().map(|&v| f.reduce_u64(v)).collect();
    let known = neurocore_core::linalg::Mat::from_vec(kr, cols, reduce(&known))?;
    let cands = neurocore_core::linalg::Mat::from_vec(cr, cols, reduce(&candidates))?;
    Ok(crate::runtime::run(py, threads, |par, intr| {
        neurocore_core::strata::greedy_extension(&f, &known, &cands, par, intr)
    })?)
}
