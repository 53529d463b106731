//! Closest points on the neuromanifold: argument adaptation for `neurocore_core::closest`, and
//! the typed records that `neurocore.ClosestPointResult` and `neurocore.CriticalPoint` are filled
//! from by field name.

use crate::errors::to_pyerr;
use crate::network::PyNetwork;
use crate::runtime::run_limited;
use neurocore_core::closest::{self, ClosestReport, Metric, Objective, SearchOptions};
use neurocore_core::CoreError;
use numpy::ndarray::{Array1, Array2, Dimension};
use numpy::{IntoPyArray, PyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

fn invalid(arg: &str, message: impl Into<String>) -> PyErr {
    to_pyerr(CoreError::invalid(arg, message))
}

/// A read-only numpy array (the records are frozen, and so are the arrays they hand out).
fn frozen<D: Dimension>(a: Bound<'_, PyArray<f64, D>>) -> PyResult<Py<PyArray<f64, D>>> {
    a.call_method1("setflags", (false,))?;
    Ok(a.unbind())
}

fn vector(py: Python<'_>, v: &[f64]) -> PyResult<Py<PyArray1<f64>>> {
    frozen(Array1::from(v.to_vec()).into_pyarray(py))
}

/// A coefficient metric from its keyword arguments: `metric` = "euclidean" | "bombieri" |
/// "weights" (with `weights`). Shared by the closest-point, training and critical-points bindings.
pub(crate) fn coefficient_metric(metric: &str, weights: Option<PyReadonlyArray1<'_, f64>>) -> PyResult<Metric> {
    match (metric, weights) {
        ("euclidean", None) => Ok(Metric::Euclidean),
        ("bombieri", None) => Ok(Metric::Bombieri),
        ("weights", Some(w)) => Ok(Metric::Weights(w.as_array().iter().copied().collect())),
        (other, _) => {
            Err(invalid("metric", format!("expected 'euclidean', 'bombieri' or a weight vector, got {other:?}")))
        }
    }
}

/// The core objective from the keyword arguments shared by every function here: either
/// `target` (with `metric` = "euclidean" | "bombieri" | "weights" and `weights`), or `x`, `y`.
pub(crate) fn objective(
    net: &PyNetwork,
    target: Option<PyReadonlyArray1<'_, f64>>,
    metric: &str,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    x: Option<PyReadonlyArray2<'_, f64>>,
    y: Option<PyReadonlyArray2<'_, f64>>,
) -> PyResult<Objective> {
    match (target, x, y) {
        (Some(t), None, None) => {
            let metric = coefficient_metric(metric, weights)?;
            Ok(Objective::Coefficients { target: t.as_array().iter().copied().collect(), metric })
        }
        (None, Some(x), Some(y)) => {
            let (xv, yv) = (x.as_array(), y.as_array());
            let (d, out) = (net.inner.input_dim(), net.inner.output_dim());
            if xv.ncols() != d {
                return Err(invalid("x", format!("expected shape (n_samples, {d}), got {:?}", xv.shape())));
            }
            if yv.nrows() != xv.nrows() || yv.ncols() != out {
                return Err(invalid(
                    "y",
                    format!("expected shape ({}, {out}) to match x, got {:?}", xv.nrows(), yv.shape()),
                ));
            }
            Ok(Objective::Data { points: xv.iter().copied().collect(), values: yv.iter().copied().collect() })
        }
        _ => Err(invalid("target", "give either a target coefficient vector or samples x and y")),
    }
}

/// A distinct critical point of the squared distance reached by converged starts.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct CriticalPointRecord {
    /// Index of the start that represents it (the best of its starts).
    start: usize,
    sq_distance: f64,
    theta: Py<PyArray1<f64>>,
    function: Py<PyArray1<f64>>,
    /// How many starts reached it.
    count: usize,
    grad_norm: f64,
    is_minimum: bool,
    min_hessian_eigenvalue: f64,
}

/// A whole closest-point search, post-processed in the core.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct ClosestRecord {
    /// The least squared distance over all starts, recomputed, its parameters and function.
    sq_distance: f64,
    theta: Py<PyArray1<f64>>,
    function: Py<PyArray1<f64>>,
    /// Index of that start.
    best: usize,
    critical_points: Vec<Py<CriticalPointRecord>>,
    saddles: Vec<Py<CriticalPointRecord>>,
    /// "euclidean", "bombieri", "weights" or "data".
    metric: &'static str,
    starts: usize,
    seed: u64,
    n_converged: usize,
    /// `(status, count)` pairs in the order converged, max_iter, stalled, non_finite.
    status_counts: Vec<(&'static str, usize)>,
    scale: f64,
    /// Every start's endpoint (`starts x n_params`), its recomputed squared distance and how it ended.
    thetas: Py<PyArray2<f64>>,
    sq_distances: Py<PyArray1<f64>>,
    status: Vec<&'static str>,
}

fn metric_name(obj: &Objective) -> &'static str {
    match obj {
        Objective::Coefficients { metric: Metric::Euclidean, .. } => "euclidean",
        Objective::Coefficients { metric: Metric::Bombieri, .. } => "bombieri",
        Objective::Coefficients { metric: Metric::Weights(_), .. } => "weights",
        Objective::Data { .. } => "data",
    }
}

impl ClosestRecord {
    fn new(py: Python<'_>, rep: &ClosestReport, metric: &'static str, seed: u64, n: usize) -> PyResult<Self> {
        let point = |c: &closest::CriticalPoint| -> PyResult<Py<CriticalPointRecord>> {
            let e = &rep.endpoints[c.start];
            let rec = CriticalPointRecord {
                start: c.start,
                sq_distance: e.sq_distance,
                theta: vector(py, &e.theta)?,
                function: vector(py, &e.function)?,
                count: c.members.len(),
                grad_norm: e.grad_norm,
                is_minimum: c.is_minimum,
                min_hessian_eigenvalue: c.min_hessian_eigenvalue,
            };
            Py::new(py, rec)
        };
        let count = rep.endpoints.len();
        let thetas: Vec<f64> = rep.endpoints.iter().flat_map(|e| e.theta.iter().copied()).collect();
        let thetas =
            Array2::from_shape_vec((count, n), thetas).map_err(|e| to_pyerr(CoreError::internal(e.to_string())))?;
        let sq: Vec<f64> = rep.endpoints.iter().map(|e| e.sq_distance).collect();
        let best = &rep.endpoints[rep.best];
        Ok(ClosestRecord {
            sq_distance: best.sq_distance,
            theta: vector(py, &best.theta)?,
            function: vector(py, &best.function)?,
            best: rep.best,
            critical_points: rep.minima.iter().map(point).collect::<PyResult<_>>()?,
            saddles: rep.saddles.iter().map(point).collect::<PyResult<_>>()?,
            metric,
            starts: count,
            seed,
            n_converged: rep.n_converged(),
            status_counts: rep.status_counts().into_iter().map(|(s, c)| (s.name(), c)).collect(),
            scale: rep.scale,
            thetas: frozen(thetas.into_pyarray(py))?,
            sq_distances: vector(py, &sq)?,
            status: rep.endpoints.iter().map(|e| e.status.name()).collect(),
        })
    }
}

/// Multi-start Levenberg-Marquardt search for closest points of the neuromanifold, with its
/// post-processing (recomputation, deduplication, Hessian test) in one core call.
///
/// Explicit starting points ``initial`` (starts x n_params) replace the random ones (and
/// ``starts``). ``memory_limit`` (bytes, default the process limit) bounds what the call plans
/// to allocate; above it ``ResourceLimitError`` is raised before any start runs.
#[pyfunction]
#[pyo3(signature = (
    net, *, target=None, metric="euclidean", weights=None, x=None, y=None,
    starts=64, seed=0, max_iter=1000, gtol=1e-10, scale=None, initial=None, dedup_tol=1e-5,
    threads=0, memory_limit=None
))]
#[allow(clippy::too_many_arguments)]
pub fn closest_search(
    py: Python<'_>,
    net: &PyNetwork,
    target: Option<PyReadonlyArray1<'_, f64>>,
    metric: &str,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    x: Option<PyReadonlyArray2<'_, f64>>,
    y: Option<PyReadonlyArray2<'_, f64>>,
    starts: usize,
    seed: u64,
    max_iter: usize,
    gtol: f64,
    scale: Option<f64>,
    initial: Option<PyReadonlyArray2<'_, f64>>,
    dedup_tol: f64,
    threads: usize,
    memory_limit: Option<u64>,
) -> PyResult<ClosestRecord> {
    let obj = objective(net, target, metric, weights, x, y)?;
    let n = net.inner.n_params();
    let (starts, initial) = match initial {
        Some(a) => {
            let v = a.as_array();
            if v.ncols() != n {
                return Err(invalid("initial", format!("expected shape (starts, {n}), got {:?}", v.shape())));
            }
            (v.nrows(), Some(v.iter().copied().collect()))
        }
        None => (starts, None),
    };
    let opts = SearchOptions { starts, seed, max_iter, gtol, scale, initial, dedup_tol };
    let rep =
        run_limited(py, threads, memory_limit, |par, intr| closest::closest_point(&net.inner, &obj, &opts, par, intr))?;
    ClosestRecord::new(py, &rep, metric_name(&obj), seed, n)
}

/// Bombieri-Weyl weights ``1 / multinomial(|alpha|; alpha)`` of every coefficient coordinate.
#[pyfunction]
pub fn bombieri_weights<'py>(py: Python<'py>, net: &PyNetwork) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let w = closest::bombieri_weights(&net.inner).map_err(to_pyerr)?;
    Ok(Array1::from(w).into_pyarray(py))
}
