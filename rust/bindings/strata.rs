//! Strata: the rank at a parameter point and small exact ranks for the evidence of `classify`.

use crate::errors::BindResult;
use crate::field::{Field, Numbers};
use crate::network::PyNetwork;
use crate::runtime::{run_inline, run_limited};
use neurocore_core::exact::{ExactOptions, QQMatrix};
use neurocore_core::par::with_memory_limit;
use neurocore_core::strata::{exact_point_rank, uses_exact_jacobian};
use neurocore_core::CoreError;
use num_rational::BigRational;
use pyo3::prelude::*;

fn exact_numbers(obj: &Bound<'_, PyAny>, arg: &str) -> BindResult<Vec<BigRational>> {
    match Numbers::parse(obj, &Field::Rational, arg)? {
        Numbers::Exact(v) => Ok(v),
        Numbers::Float(_) => Err(CoreError::wrong_type(arg, "expected ints or fractions.Fraction").into()),
    }
}

/// `(lower, upper, certified, phi_is_zero)`: the rank of the Jacobian at the exact point
/// `theta` (see `neurocore_core::strata`). Small networks run on the calling thread (a worker
/// thread would cost more than the work); larger ones on `threads` threads, interruptible.
#[pyfunction]
#[pyo3(signature = (net, theta, seed = 0, threads = 0, memory_limit = None))]
pub fn point_rank(
    py: Python<'_>,
    net: &PyNetwork,
    theta: &Bound<'_, PyAny>,
    seed: u64,
    threads: usize,
    memory_limit: Option<u64>,
) -> BindResult<(usize, usize, bool, bool)> {
    let net = &net.inner;
    let theta = exact_numbers(theta, "theta")?;
    net.check_params_len(theta.len())?;
    let r = if uses_exact_jacobian(net)? {
        run_inline(py, |par, intr| with_memory_limit(memory_limit, || exact_point_rank(net, &theta, seed, par, intr)))?
    } else {
        run_limited(py, threads, memory_limit, |par, intr| exact_point_rank(net, &theta, seed, par, intr))?
    };
    Ok((r.lower, r.upper, r.certified, r.phi_zero))
}

/// Certified ranks over Q of small matrices `(rows, cols, row-major ints/Fractions)`, on the
/// calling thread (the weight and score matrices of `classify`'s evidence).
#[pyfunction]
pub fn small_ranks_qq(py: Python<'_>, matrices: Vec<(usize, usize, Bound<'_, PyAny>)>) -> BindResult<Vec<usize>> {
    let mut mats = Vec::with_capacity(matrices.len());
    for (rows, cols, values) in &matrices {
        neurocore_core::par::check_allocation("the matrix", *rows as u128 * *cols as u128, 32)?;
        let v = exact_numbers(values, "matrix")?;
        if v.len() != rows * cols {
            return Err(
                CoreError::invalid("matrix", format!("expected {} entries, got {}", rows * cols, v.len())).into()
            );
        }
        mats.push(QQMatrix::from_rationals(*rows, *cols, &v)?);
    }
    let opts = ExactOptions::default();
    Ok(run_inline(py, |par, intr| {
        mats.iter().map(|m| m.rank(&opts, par, intr).map(|c| c.rank)).collect::<Result<Vec<_>, _>>()
    })?)
}

/// The float64 coefficient Jacobian at `theta` of a network under `EXACT_JACOBIAN_LIMIT`, on the
/// calling thread (`classify`'s numerical rank; a worker thread would cost more than the work).
#[pyfunction]
pub fn small_jacobian_float<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: numpy::PyReadonlyArray1<'py, f64>,
) -> BindResult<Bound<'py, numpy::PyArray2<f64>>> {
    use numpy::IntoPyArray;
    let net = &net.inner;
    if !uses_exact_jacobian(net)? {
        return Err(CoreError::invalid("net", "too large for an inline Jacobian (EXACT_JACOBIAN_LIMIT)").into());
    }
    let theta = theta.as_array().to_vec();
    net.check_params_len(theta.len())?;
    if let Some(i) = theta.iter().position(|x| !x.is_finite()) {
        return Err(CoreError::invalid("theta", format!("entry {i} is {} (must be finite)", theta[i])).into());
    }
    let jac = run_inline(py, |par, intr| {
        neurocore_core::coefficients::coefficient_jacobian(net, neurocore_core::ring::F64Ring, &theta, par, intr)
    })?;
    let cols = net.n_params();
    let arr = numpy::ndarray::Array2::from_shape_vec((jac.len() / cols.max(1), cols), jac)
        .map_err(|e| CoreError::internal(format!("result shape: {e}")))?;
    Ok(arr.into_pyarray(py))
}
