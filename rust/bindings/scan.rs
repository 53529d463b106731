//! Batch scans and dimension sweeps: argument adaptation for `neurocore_core::scan`.
//!
//! These functions are the unit of work that the Python layer ships to thread pools, process
//! pools and dask workers; `runtime::run` keeps them on fork-safe pools.

use crate::dimension::DimensionRecord;
use crate::errors::{to_pyerr, BindResult};
use crate::field::Field;
use crate::network::PyNetwork;
use crate::runtime::run;
use neurocore_core::net::Network;
use neurocore_core::ring::PrimeField;
use neurocore_core::scan::{self, BatchOutcome as BatchOutcome_, Sampler, ScanOutput};
use neurocore_core::CoreError;
use numpy::ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3::IntoPyObjectExt;
use std::time::Duration;

fn sampler_of(name: &str, sparsity: f64, integer_bound: u64) -> BindResult<Sampler> {
    match name {
        "uniform" => Ok(Sampler::Uniform),
        "integer" => Ok(Sampler::Integer { bound: integer_bound }),
        "sparse" => Ok(Sampler::Sparse { sparsity }),
        other => Err(CoreError::invalid(
            "sampler",
            format!("expected 'uniform', 'integer', 'sparse' or a callable, got {other:?}"),
        )
        .into()),
    }
}

/// The prime of a scan's `field=` argument, parsed with the one `field=` rule of every function
/// (`crate::field::Field::parse`): scans rank modulo a prime, so `"QQ"` and `"float"` are refused.
#[pyfunction]
pub fn scan_prime(field: &Bound<'_, PyAny>) -> BindResult<u64> {
    match Field::parse(field)? {
        Field::Prime(f) => Ok(f.modulus()),
        _ => Err(CoreError::invalid(
            "field",
            format!("scans compute ranks modulo a prime; expected a prime int, got {field}"),
        )
        .into()),
    }
}

/// Checks a built-in sampler's parameters against the prime (the core's rule, before any
/// chunk is shipped to an executor).
#[pyfunction]
#[pyo3(signature = (sampler, prime, *, sparsity=0.5, integer_bound=3))]
pub fn check_sampler(sampler: &str, prime: u64, sparsity: f64, integer_bound: u64) -> BindResult<()> {
    let field = PrimeField::new(prime)?;
    let s = sampler_of(sampler, sparsity, integer_bound)?;
    Ok(s.validate(&field)?)
}

fn scan_dict<'py>(py: Python<'py>, out: ScanOutput) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("error_bound", out.error_bound())?;
    d.set_item("upper_bound", out.upper_bound.value)?;
    d.set_item("upper_bound_source", out.upper_bound.source)?;
    let ranks: Array1<i64> = out.ranks.iter().map(|r| r.rank as i64).collect();
    let points: Array1<i64> = out.ranks.iter().map(|r| r.points as i64).collect();
    d.set_item("ranks", ranks.into_pyarray(py))?;
    d.set_item("points", points.into_pyarray(py))?;
    Ok(d)
}

/// Jacobian ranks modulo `prime` at scan samples `start..start + count` drawn by `sampler`
/// ("uniform", "integer" or "sparse") from `seed`: a dict with `ranks`, `points` (evaluation
/// points per sample), `error_bound`, `upper_bound` and `upper_bound_source`. Each rank is a
/// proven lower bound on the rank of the Jacobian at the sample (see `neurocore.scan`).
#[pyfunction]
#[pyo3(signature = (net, prime, seed, sampler, start, count, *, sparsity=0.5, integer_bound=3, threads=0))]
#[allow(clippy::too_many_arguments)]
pub fn scan_ranks<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    prime: u64,
    seed: u64,
    sampler: &str,
    start: u64,
    count: usize,
    sparsity: f64,
    integer_bound: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let s = sampler_of(sampler, sparsity, integer_bound)?;
    let inner = net.inner.clone();
    let out = run(py, threads, move |par, intr| scan::scan_samples(&inner, prime, seed, s, start, count, par, intr))?;
    scan_dict(py, out)
}

/// Jacobian ranks modulo `prime` at the given parameter points (rows of residues), which are
/// scan samples `start, start + 1, ...` (the index selects the random input points).
#[pyfunction]
#[pyo3(signature = (net, prime, seed, thetas, start, *, threads=0))]
pub fn scan_ranks_at<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    prime: u64,
    seed: u64,
    thetas: PyReadonlyArray2<'py, u64>,
    start: u64,
    threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let view = thetas.as_array();
    if view.ncols() != net.inner.n_params() {
        return Err(to_pyerr(CoreError::invalid(
            "thetas",
            format!("expected {} columns (the parameters), got {}", net.inner.n_params(), view.ncols()),
        )));
    }
    let data: Vec<u64> = view.iter().copied().collect();
    let inner = net.inner.clone();
    let out = run(py, threads, move |par, intr| scan::scan_thetas(&inner, prime, seed, &data, start, par, intr))?;
    scan_dict(py, out)
}

/// The parameters (residues modulo `prime`) of the given scan samples, one row per index.
#[pyfunction]
#[pyo3(signature = (net, prime, seed, sampler, indices, *, sparsity=0.5, integer_bound=3))]
#[allow(clippy::too_many_arguments)]
pub fn scan_points<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    prime: u64,
    seed: u64,
    sampler: &str,
    indices: PyReadonlyArray1<'py, u64>,
    sparsity: f64,
    integer_bound: u64,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let s = sampler_of(sampler, sparsity, integer_bound)?;
    let idx: Vec<u64> = indices.as_array().iter().copied().collect();
    let inner = net.inner.clone();
    let data = run(py, 1, move |_, _| scan::sample_points(&inner, prime, seed, s, &idx))?;
    let rows = if inner_params(net) == 0 { 0 } else { data.len() / inner_params(net) };
    let arr = Array2::from_shape_vec((rows, inner_params(net)), data)
        .map_err(|e| to_pyerr(CoreError::invalid("indices", e.to_string())))?;
    Ok(arr.into_pyarray(py))
}

fn inner_params(net: &PyNetwork) -> usize {
    net.inner.n_params()
}

/// Why one network of a `dimension_batch` failed: the Python exception its `dimension` call
/// would have raised, as the class name `kind` (one of [`BATCH_ERROR_KINDS`]) and its message.
#[pyclass(frozen, get_all, eq, module = "neurocore._core")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchError {
    kind: String,
    message: String,
}

/// The exception classes `errors::to_pyerr` maps a core error to (without `KeyboardInterrupt`:
/// Ctrl-C stops the whole batch instead of failing one network).
/// `WorkerError` is the one kind not raised by neurocore itself: a sweep's worker process died
/// or raised something outside this list (the message says what).
pub const BATCH_ERROR_KINDS: [&str; 8] = [
    "ValueError",
    "TypeError",
    "ZeroDivisionError",
    "IntegerOverflowError",
    "ResourceLimitError",
    "CertificationError",
    "InternalError",
    "WorkerError",
];

#[pymethods]
impl BatchError {
    #[new]
    fn new(kind: String, message: String) -> BindResult<Self> {
        if !BATCH_ERROR_KINDS.contains(&kind.as_str()) {
            return Err(
                CoreError::invalid("kind", format!("expected one of {BATCH_ERROR_KINDS:?}, got {kind:?}")).into()
            );
        }
        Ok(BatchError { kind, message })
    }

    /// Pickling (process pools and dask ship batch results between processes).
    fn __getnewargs__(&self) -> (String, String) {
        (self.kind.clone(), self.message.clone())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let kind = PyString::new(py, &self.kind).repr()?;
        let message = PyString::new(py, &self.message).repr()?;
        Ok(format!("BatchError(kind={kind}, message={message})"))
    }
}

impl BatchError {
    fn of(py: Python<'_>, error: CoreError) -> PyResult<Self> {
        let err = to_pyerr(error);
        let kind = err.get_type(py).name()?.to_string();
        let message = err.value(py).to_string();
        if BATCH_ERROR_KINDS.contains(&kind.as_str()) {
            Ok(BatchError { kind, message })
        } else {
            Ok(BatchError { kind: "InternalError".into(), message: format!("unexpected {kind}: {message}") })
        }
    }
}

/// The statuses of a [`BatchOutcome`].
const BATCH_STATUSES: [&str; 3] = ["ok", "timeout", "error"];

/// What became of one network of a `dimension_batch`: `status` "ok" (with its `report`),
/// "timeout", or "error" (with its `error`), and the wall-clock `seconds` it took.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct BatchOutcome {
    status: String,
    seconds: f64,
    report: Option<Py<DimensionRecord>>,
    error: Option<Py<BatchError>>,
}

#[pymethods]
impl BatchOutcome {
    /// Checks that the status and its payload agree (a report exactly for "ok", an error
    /// exactly for "error").
    #[new]
    #[pyo3(signature = (status, seconds, report=None, error=None))]
    fn new(
        status: String,
        seconds: f64,
        report: Option<Py<DimensionRecord>>,
        error: Option<Py<BatchError>>,
    ) -> BindResult<Self> {
        if !BATCH_STATUSES.contains(&status.as_str()) {
            return Err(
                CoreError::invalid("status", format!("expected one of {BATCH_STATUSES:?}, got {status:?}")).into()
            );
        }
        if report.is_some() != (status == "ok") || error.is_some() != (status == "error") {
            return Err(CoreError::invalid(
                "status",
                format!("a {status:?} outcome has a report only when \"ok\" and an error only when \"error\""),
            )
            .into());
        }
        if !(seconds.is_finite() && seconds >= 0.0) {
            return Err(CoreError::invalid("seconds", format!("must be a non-negative number, got {seconds}")).into());
        }
        Ok(BatchOutcome { status, seconds, report, error })
    }

    /// Pickling (process pools and dask ship outcomes between processes).
    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let report = self.report.as_ref().map(|r| r.clone_ref(py));
        let error = self.error.as_ref().map(|e| e.clone_ref(py));
        (self.status.clone(), self.seconds, report, error).into_bound_py_any(py)
    }

    fn __repr__(&self) -> String {
        format!("BatchOutcome(status={:?}, seconds={})", self.status, self.seconds)
    }
}

impl BatchOutcome {
    fn of(py: Python<'_>, outcome: BatchOutcome_) -> PyResult<Self> {
        Ok(match outcome {
            BatchOutcome_::Done { report, seconds } => BatchOutcome {
                status: "ok".into(),
                seconds,
                report: Some(Py::new(py, DimensionRecord::new(py, &report)?)?),
                error: None,
            },
            BatchOutcome_::TimedOut { seconds } => {
                BatchOutcome { status: "timeout".into(), seconds, report: None, error: None }
            }
            BatchOutcome_::Failed { error, seconds } => BatchOutcome {
                status: "error".into(),
                seconds,
                report: None,
                error: Some(Py::new(py, BatchError::of(py, error)?)?),
            },
        })
    }
}

/// Dimensions of many networks (as `neurocore.dimension` with `seed`), parallel over networks
/// on `threads` threads, each network allowed `timeout` seconds (checked cooperatively): one
/// [`BatchOutcome`] per network, in input order.
#[pyfunction]
#[pyo3(signature = (nets, seed, *, timeout=None, threads=0))]
pub fn dimension_batch(
    py: Python<'_>,
    nets: Vec<Bound<'_, PyNetwork>>,
    seed: u64,
    timeout: Option<f64>,
    threads: usize,
) -> PyResult<Vec<BatchOutcome>> {
    let timeout = match timeout {
        None => None,
        Some(t) if t.is_finite() && t >= 0.0 => Some(Duration::from_secs_f64(t)),
        Some(t) => {
            return Err(to_pyerr(CoreError::invalid(
                "timeout",
                format!("must be a non-negative number of seconds, got {t}"),
            )))
        }
    };
    let owned: Vec<Network> = nets.iter().map(|n| n.get().inner.clone()).collect();
    let outcomes = run(py, threads, move |par, intr| scan::dimension_batch(&owned, seed, timeout, par, intr))?;
    outcomes.into_iter().map(|o| BatchOutcome::of(py, o)).collect()
}
