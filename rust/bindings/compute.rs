//! Evaluation, coefficients, Jacobians, ranks and dimensions: argument adaptation only.

use crate::errors::to_pyerr;
use crate::network::PyNetwork;
use crate::runtime::{run, run_inline};
use neurocore_core::coefficients::{coefficient_jacobian, coefficients};
use neurocore_core::dimension::{dimension as core_dimension, DimensionOptions, DimensionReport};
use neurocore_core::jacobian::{evaluate_points, evaluation_jacobian};
use neurocore_core::linalg::{kernel_basis_mod_p, rank_mod_p as core_rank_mod_p, Mat};
use neurocore_core::ring::{F64Ring, PrimeField, RationalRing, Ring};
use neurocore_core::CoreError;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use numpy::ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyZeroDivisionError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

type Exact = (Vec<BigInt>, Vec<BigInt>);

fn rationals(arg: &str, nums: Vec<BigInt>, dens: Vec<BigInt>) -> PyResult<Vec<BigRational>> {
    if nums.len() != dens.len() {
        return Err(to_pyerr(CoreError::invalid(arg, "numerators and denominators differ in length")));
    }
    nums.into_iter()
        .zip(dens)
        .map(|(n, d)| {
            if d.is_zero() {
                Err(PyZeroDivisionError::new_err(format!("{arg}: a denominator is 0")))
            } else {
                Ok(BigRational::new(n, d))
            }
        })
        .collect()
}

fn split(values: Vec<BigRational>) -> Exact {
    values.into_iter().map(|r| r.into_raw()).unzip()
}

fn check_finite(arg: &str, values: &[f64]) -> PyResult<()> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(to_pyerr(CoreError::invalid(arg, format!("entry {i} is {} (must be finite)", values[i]))));
    }
    Ok(())
}

fn field(prime: u64) -> PyResult<PrimeField> {
    PrimeField::new(prime).map_err(to_pyerr)
}

fn residues(arg: &str, f: &PrimeField, v: &[u64]) -> PyResult<Vec<u64>> {
    if let Some(i) = v.iter().position(|&x| x >= f.modulus()) {
        return Err(to_pyerr(CoreError::invalid(arg, format!("entry {i} is not reduced modulo {}", f.modulus()))));
    }
    Ok(v.to_vec())
}

fn matrix_out<'py, T: numpy::Element>(
    py: Python<'py>,
    rows: usize,
    cols: usize,
    data: Vec<T>,
) -> PyResult<Bound<'py, PyArray2<T>>> {
    let arr = Array2::from_shape_vec((rows, cols), data)
        .map_err(|e| to_pyerr(CoreError::invalid("result", e.to_string())))?;
    Ok(arr.into_pyarray(py))
}

fn residue_matrix(f: &PrimeField, matrix: &PyReadonlyArray2<'_, u64>) -> PyResult<Mat<u64>> {
    let view = matrix.as_array();
    let (r, c) = view.dim();
    neurocore_core::par::check_allocation("a copy of the matrix", r as u128 * c as u128, 8).map_err(to_pyerr)?;
    let data: Vec<u64> = view.iter().copied().collect();
    let data = residues("matrix", f, &data)?;
    Mat::from_vec(r, c, data).map_err(to_pyerr)
}

fn points_of<T: Copy + numpy::Element>(net: &PyNetwork, points: &PyReadonlyArray2<'_, T>) -> PyResult<Vec<T>> {
    let view = points.as_array();
    if view.ncols() != net.inner.input_dim() {
        return Err(to_pyerr(CoreError::invalid(
            "x",
            format!("points must have {} columns (the input dimension), got {}", net.inner.input_dim(), view.ncols()),
        )));
    }
    Ok(view.iter().copied().collect())
}

/// Exact coefficient vector `phi(theta)` for rational `theta = nums / dens`.
#[pyfunction]
pub fn coefficients_exact(py: Python<'_>, net: &PyNetwork, nums: Vec<BigInt>, dens: Vec<BigInt>) -> PyResult<Exact> {
    let theta = rationals("theta", nums, dens)?;
    let phi = run(py, 1, |_, _| coefficients(&net.inner, RationalRing, &theta))?;
    Ok(split(phi))
}

/// `phi(theta)` modulo a prime.
#[pyfunction]
pub fn coefficients_mod_p<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, u64>,
    prime: u64,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let f = field(prime)?;
    let theta = residues("theta", &f, theta.as_slice()?)?;
    let phi = run(py, 1, |_, _| coefficients(&net.inner, f, &theta))?;
    Ok(Array1::from(phi).into_pyarray(py))
}

/// `phi(theta)` in floating point.
#[pyfunction]
pub fn coefficients_float<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let theta = theta.as_slice()?.to_vec();
    check_finite("theta", &theta)?;
    let phi = run_inline(py, |_, _| coefficients(&net.inner, F64Ring, &theta))?;
    Ok(Array1::from(phi).into_pyarray(py))
}

/// Jacobian of `phi` modulo a prime (`ambient_dim x n_params`).
#[pyfunction]
#[pyo3(signature = (net, theta, prime, threads=0))]
pub fn coefficient_jacobian_mod_p<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, u64>,
    prime: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let f = field(prime)?;
    let theta = residues("theta", &f, theta.as_slice()?)?;
    let jac = run(py, threads, |par, intr| coefficient_jacobian(&net.inner, f, &theta, par, intr))?;
    let cols = net.inner.n_params();
    matrix_out(py, jac.len() / cols.max(1), cols, jac)
}

/// Jacobian of `phi` in floating point.
#[pyfunction]
#[pyo3(signature = (net, theta, threads=0))]
pub fn coefficient_jacobian_float<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, f64>,
    threads: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let theta = theta.as_slice()?.to_vec();
    check_finite("theta", &theta)?;
    let jac = if threads == 1 {
        run_inline(py, |par, intr| coefficient_jacobian(&net.inner, F64Ring, &theta, par, intr))?
    } else {
        run(py, threads, |par, intr| coefficient_jacobian(&net.inner, F64Ring, &theta, par, intr))?
    };
    let cols = net.inner.n_params();
    matrix_out(py, jac.len() / cols.max(1), cols, jac)
}

/// Exact Jacobian of `phi` at rational `theta`: `(rows, cols, numerators, denominators)`.
#[pyfunction]
#[pyo3(signature = (net, nums, dens, threads=0))]
pub fn coefficient_jacobian_exact(
    py: Python<'_>,
    net: &PyNetwork,
    nums: Vec<BigInt>,
    dens: Vec<BigInt>,
    threads: usize,
) -> PyResult<(usize, usize, Vec<BigInt>, Vec<BigInt>)> {
    let theta = rationals("theta", nums, dens)?;
    let jac = run(py, threads, |par, intr| coefficient_jacobian(&net.inner, RationalRing, &theta, par, intr))?;
    let cols = net.inner.n_params();
    let rows = jac.len() / cols.max(1);
    let (n, d) = split(jac);
    Ok((rows, cols, n, d))
}

fn float_inputs(
    net: &PyNetwork,
    theta: &PyReadonlyArray1<'_, f64>,
    points: &PyReadonlyArray2<'_, f64>,
) -> PyResult<(Vec<f64>, Vec<f64>)> {
    let theta = theta.as_slice()?.to_vec();
    check_finite("theta", &theta)?;
    let pts = points_of(net, points)?;
    check_finite("x", &pts)?;
    Ok((theta, pts))
}

fn mod_p_inputs(
    net: &PyNetwork,
    theta: &PyReadonlyArray1<'_, u64>,
    points: &PyReadonlyArray2<'_, u64>,
    prime: u64,
) -> PyResult<(PrimeField, Vec<u64>, Vec<u64>)> {
    let f = field(prime)?;
    let theta = residues("theta", &f, theta.as_slice()?)?;
    let pts = residues("x", &f, &points_of(net, points)?)?;
    Ok((f, theta, pts))
}

/// Outputs (`jacobian = false`, one row per point) or evaluation-Jacobian rows (one row per
/// point and output) at `pts` over `ring`, as a 2-D array.
fn at_points<'py, R>(
    py: Python<'py>,
    net: &PyNetwork,
    ring: R,
    theta: &[R::Elem],
    pts: &[R::Elem],
    threads: usize,
    jacobian: bool,
) -> PyResult<Bound<'py, PyArray2<R::Elem>>>
where
    R: Ring,
    R::Elem: numpy::Element,
{
    let bound = net.inner.bind(ring).map_err(to_pyerr)?;
    let data = run(py, threads, |par, _| {
        if jacobian {
            evaluation_jacobian(&bound, theta, pts, par)
        } else {
            evaluate_points(&bound, theta, pts, par)
        }
    })?;
    let cols = if jacobian { net.inner.n_params() } else { net.inner.output_dim() };
    matrix_out(py, data.len() / cols.max(1), cols, data)
}

/// Network outputs at points, in floating point.
#[pyfunction]
#[pyo3(signature = (net, theta, points, threads=0))]
pub fn evaluate_float<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, f64>,
    points: PyReadonlyArray2<'py, f64>,
    threads: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (theta, pts) = float_inputs(net, &theta, &points)?;
    at_points(py, net, F64Ring, &theta, &pts, threads, false)
}

/// Network outputs at points, modulo a prime.
#[pyfunction]
#[pyo3(signature = (net, theta, points, prime, threads=0))]
pub fn evaluate_mod_p<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, u64>,
    points: PyReadonlyArray2<'py, u64>,
    prime: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let (f, theta, pts) = mod_p_inputs(net, &theta, &points, prime)?;
    at_points(py, net, f, &theta, &pts, threads, false)
}

/// Exact network outputs at rational points (flattened `n_points x input_dim`).
#[pyfunction]
pub fn evaluate_exact(
    py: Python<'_>,
    net: &PyNetwork,
    nums: Vec<BigInt>,
    dens: Vec<BigInt>,
    point_nums: Vec<BigInt>,
    point_dens: Vec<BigInt>,
) -> PyResult<Exact> {
    let theta = rationals("theta", nums, dens)?;
    let pts = rationals("x", point_nums, point_dens)?;
    if pts.len() % net.inner.input_dim() != 0 {
        return Err(to_pyerr(CoreError::invalid("x", "length is not a multiple of the input dimension")));
    }
    let bound = net.inner.bind(RationalRing).map_err(to_pyerr)?;
    let vals = run(py, 1, |par, _| evaluate_points(&bound, &theta, &pts, par))?;
    Ok(split(vals))
}

/// Evaluation-map Jacobian in floating point: row `j * output_dim + o` is `d f_o(x_j) / d theta`.
#[pyfunction]
#[pyo3(signature = (net, theta, points, threads=0))]
pub fn evaluation_jacobian_float<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, f64>,
    points: PyReadonlyArray2<'py, f64>,
    threads: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (theta, pts) = float_inputs(net, &theta, &points)?;
    at_points(py, net, F64Ring, &theta, &pts, threads, true)
}

/// Evaluation-map Jacobian modulo a prime.
#[pyfunction]
#[pyo3(signature = (net, theta, points, prime, threads=0))]
pub fn evaluation_jacobian_mod_p<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, u64>,
    points: PyReadonlyArray2<'py, u64>,
    prime: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let (f, theta, pts) = mod_p_inputs(net, &theta, &points, prime)?;
    at_points(py, net, f, &theta, &pts, threads, true)
}

/// Rank of a matrix of residues modulo a prime.
#[pyfunction]
#[pyo3(signature = (matrix, prime, threads=0))]
pub fn rank_mod_p(py: Python<'_>, matrix: PyReadonlyArray2<'_, u64>, prime: u64, threads: usize) -> PyResult<usize> {
    let f = field(prime)?;
    let m = residue_matrix(&f, &matrix)?;
    run(py, threads, |par, intr| core_rank_mod_p(&f, &m, par, intr))
}

/// Right kernel basis (as rows) of a matrix of residues modulo a prime.
#[pyfunction]
#[pyo3(signature = (matrix, prime, threads=0))]
pub fn kernel_mod_p<'py>(
    py: Python<'py>,
    matrix: PyReadonlyArray2<'py, u64>,
    prime: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let f = field(prime)?;
    let m = residue_matrix(&f, &matrix)?;
    let k = run(py, threads, |par, intr| kernel_basis_mod_p(&f, &m, par, intr))?;
    let (r, c) = (k.rows(), k.cols());
    matrix_out(py, r, c, k.into_vec())
}

/// The fields of a dimension report shared by `dimension` and the sweeps' `dimension_batch`.
pub(crate) fn set_report_items(d: &Bound<'_, PyDict>, rep: &DimensionReport) -> PyResult<()> {
    d.set_item("dim", rep.dim)?;
    d.set_item("n_params", rep.n_params)?;
    d.set_item("ambient_dim", rep.ambient_dim.clone())?;
    d.set_item("symmetry_dim", rep.symmetry_dim)?;
    d.set_item("expected_dim", rep.expected_dim)?;
    d.set_item("upper_bound", rep.upper_bound.value)?;
    d.set_item("upper_bound_source", rep.upper_bound.source)?;
    d.set_item("certified", rep.certified)?;
    d.set_item("error_bound", rep.error_bound)
}

/// Dimension of a neurovariety, as a dict of plain values (wrapped by the Python layer).
#[pyfunction]
#[pyo3(signature = (net, seed=0, primes=None, trials=2, threads=0))]
pub fn dimension<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    seed: u64,
    primes: Option<Vec<u64>>,
    trials: usize,
    threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let opts =
        DimensionOptions { seed, primes, trials, extra_points: 0, par: neurocore_core::Par::from_threads(threads) };
    let rep = run(py, threads, |_, intr| core_dimension(&net.inner, &opts, intr))?;
    let d = PyDict::new(py);
    set_report_items(&d, &rep)?;
    d.set_item("seed", rep.seed)?;
    let trials: Vec<(u64, usize, usize, usize, f64)> =
        rep.trials.iter().map(|t| (t.prime, t.rank, t.points, t.rows, t.error_bound)).collect();
    d.set_item("trials", trials)?;
    Ok(d)
}

/// Sets the process-wide memory limit in bytes (0 restores the default: 75% of the memory
/// available when it is first needed). Every computation estimates what it needs and raises
/// `ResourceLimitError` above the limit before allocating anything.
#[pyfunction]
pub fn set_memory_limit(bytes: u64) {
    neurocore_core::par::set_memory_limit(bytes)
}

/// The process-wide memory limit in bytes.
#[pyfunction]
pub fn memory_limit() -> u64 {
    neurocore_core::par::process_memory_limit()
}

/// Deterministic primality test for 64-bit integers.
#[pyfunction]
pub fn is_prime(n: u64) -> bool {
    neurocore_core::ring::primes::is_prime(n)
}
