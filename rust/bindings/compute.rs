//! The parametrization map and its derivatives, generic over the field: one binding per
//! operation, one `match` on the field (`with_ring!`), one generic core call.

use crate::errors::BindResult;
use crate::field::{with_ring, Field, Numbers, RingValues};
use crate::network::PyNetwork;
use crate::runtime::{run, run_inline};
use neurocore_core::coefficients::{coefficient_jacobian, coefficients as core_coefficients};
use neurocore_core::jacobian::{evaluate_points, evaluation_jacobian as core_evaluation_jacobian};
use neurocore_core::net::Network;
use neurocore_core::CoreError;
use pyo3::prelude::*;

/// The parameters as ring elements, after the length check.
fn parameters<R: RingValues>(
    ring: &R,
    net: &Network,
    theta: &Bound<'_, PyAny>,
    field: &Field,
) -> BindResult<Vec<R::Elem>> {
    let numbers = Numbers::parse(theta, field, "theta")?;
    net.check_params_len(numbers.len())?;
    ring.elements(&numbers, "theta")
}

/// Input points (row-major, `input_dim` coordinates each) as ring elements.
fn points<R: RingValues>(ring: &R, net: &Network, x: &Bound<'_, PyAny>, field: &Field) -> BindResult<Vec<R::Elem>> {
    let numbers = Numbers::parse(x, field, "x")?;
    let d = net.input_dim();
    if d == 0 || numbers.len() % d != 0 {
        return Err(CoreError::invalid(
            "x",
            format!("{} coordinates do not form points of dimension {d}", numbers.len()),
        )
        .into());
    }
    ring.elements(&numbers, "x")
}

/// `phi(theta)` over `field`, as a `1 x ambient_dim` matrix of the field.
#[pyfunction]
#[pyo3(signature = (net, theta, field))]
pub fn coefficients(
    py: Python<'_>,
    net: &PyNetwork,
    theta: &Bound<'_, PyAny>,
    field: &Bound<'_, PyAny>,
) -> BindResult<Py<PyAny>> {
    let field = Field::parse(field)?;
    let net = &net.inner;
    with_ring!(field, |ring| {
        let theta = parameters(&ring, net, theta, &field)?;
        let phi = run_inline(py, |_, _| core_coefficients(net, ring, &theta))?;
        ring.matrix_out(py, 1, phi.len(), phi)
    })
}

/// The Jacobian of `phi` at `theta` over `field` (`ambient_dim x n_params`).
#[pyfunction]
#[pyo3(signature = (net, theta, field, threads = 0))]
pub fn jacobian(
    py: Python<'_>,
    net: &PyNetwork,
    theta: &Bound<'_, PyAny>,
    field: &Bound<'_, PyAny>,
    threads: usize,
) -> BindResult<Py<PyAny>> {
    let field = Field::parse(field)?;
    let net = &net.inner;
    with_ring!(field, |ring| {
        let theta = parameters(&ring, net, theta, &field)?;
        let jac = run(py, threads, |par, intr| coefficient_jacobian(net, ring, &theta, par, intr))?;
        let cols = net.n_params();
        ring.matrix_out(py, jac.len() / cols.max(1), cols, jac)
    })
}

/// Outputs (`jacobian = false`, one row per point) or evaluation-Jacobian rows (one row per
/// point and output) at the points `x` over `field`: the one body of both bindings below.
fn at_points(
    py: Python<'_>,
    net: &Network,
    theta: &Bound<'_, PyAny>,
    x: &Bound<'_, PyAny>,
    field: &Bound<'_, PyAny>,
    threads: usize,
    jacobian: bool,
) -> BindResult<Py<PyAny>> {
    let field = Field::parse(field)?;
    with_ring!(field, |ring| {
        let theta = parameters(&ring, net, theta, &field)?;
        let x = points(&ring, net, x, &field)?;
        let bound = net.bind(ring)?;
        let data = run(py, threads, |par, _| {
            if jacobian {
                core_evaluation_jacobian(&bound, &theta, &x, par)
            } else {
                evaluate_points(&bound, &theta, &x, par)
            }
        })?;
        let cols = if jacobian { net.n_params() } else { net.output_dim() };
        ring.matrix_out(py, data.len() / cols.max(1), cols, data)
    })
}

/// Network outputs at the points `x` (flat, row-major) over `field`: `n_points x output_dim`.
#[pyfunction]
#[pyo3(signature = (net, theta, x, field, threads = 0))]
pub fn evaluate(
    py: Python<'_>,
    net: &PyNetwork,
    theta: &Bound<'_, PyAny>,
    x: &Bound<'_, PyAny>,
    field: &Bound<'_, PyAny>,
    threads: usize,
) -> BindResult<Py<PyAny>> {
    at_points(py, &net.inner, theta, x, field, threads, false)
}

/// The evaluation-map Jacobian over `field`: row `j * output_dim + o` is `d f_o(x_j) / d theta`.
#[pyfunction]
#[pyo3(signature = (net, theta, x, field, threads = 0))]
pub fn evaluation_jacobian(
    py: Python<'_>,
    net: &PyNetwork,
    theta: &Bound<'_, PyAny>,
    x: &Bound<'_, PyAny>,
    field: &Bound<'_, PyAny>,
    threads: usize,
) -> BindResult<Py<PyAny>> {
    at_points(py, &net.inner, theta, x, field, threads, true)
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
