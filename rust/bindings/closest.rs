//! Closest points on the neuromanifold: argument adaptation for `neurocore_core::closest`.

use crate::errors::to_pyerr;
use crate::network::PyNetwork;
use crate::runtime::{run, run_inline};
use neurocore_core::closest::{self, Metric, Objective, SearchOptions};
use neurocore_core::CoreError;
use numpy::ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn invalid(arg: &str, message: impl Into<String>) -> PyErr {
    to_pyerr(CoreError::invalid(arg, message))
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
            let metric = match (metric, weights) {
                ("euclidean", None) => Metric::Euclidean,
                ("bombieri", None) => Metric::Bombieri,
                ("weights", Some(w)) => Metric::Weights(w.as_array().iter().copied().collect()),
                (other, _) => {
                    return Err(invalid(
                        "metric",
                        format!("expected 'euclidean', 'bombieri' or a weight vector, got {other:?}"),
                    ))
                }
            };
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

/// Multi-start Levenberg-Marquardt search for closest points of the neuromanifold.
///
/// Returns a dict of per-start arrays in start order: ``theta`` (starts x n_params),
/// ``sq_distance``, ``grad_norm`` (``||J^T r||_inf``), ``evaluations``, ``status`` (a list of
/// "converged" / "max_iter" / "stalled" / "non_finite"), and the start ``scale``. Explicit
/// starting points ``initial`` (starts x n_params) replace the random ones (and ``starts``).
#[pyfunction]
#[pyo3(signature = (
    net, *, target=None, metric="euclidean", weights=None, x=None, y=None,
    starts=64, seed=0, max_iter=1000, gtol=1e-10, scale=None, initial=None, threads=0
))]
#[allow(clippy::too_many_arguments)]
pub fn closest_search<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    target: Option<PyReadonlyArray1<'py, f64>>,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    x: Option<PyReadonlyArray2<'py, f64>>,
    y: Option<PyReadonlyArray2<'py, f64>>,
    starts: usize,
    seed: u64,
    max_iter: usize,
    gtol: f64,
    scale: Option<f64>,
    initial: Option<PyReadonlyArray2<'py, f64>>,
    threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let obj = objective(net, target, metric, weights, x, y)?;
    let (starts, initial) = match initial {
        Some(a) => {
            let v = a.as_array();
            if v.ncols() != net.inner.n_params() {
                return Err(invalid(
                    "initial",
                    format!("expected shape (starts, {}), got {:?}", net.inner.n_params(), v.shape()),
                ));
            }
            (v.nrows(), Some(v.iter().copied().collect()))
        }
        None => (starts, None),
    };
    let opts = SearchOptions { starts, seed, max_iter, gtol, scale, initial };
    let rep = run(py, threads, |par, intr| closest::search(&net.inner, &obj, &opts, par, intr))?;
    let n = net.inner.n_params();
    let count = rep.results.len();
    let mut theta = Vec::with_capacity(count * n);
    let (mut sq, mut grad, mut evals, mut status) =
        (Vec::with_capacity(count), Vec::with_capacity(count), Vec::with_capacity(count), Vec::with_capacity(count));
    for r in rep.results {
        theta.extend_from_slice(&r.theta);
        sq.push(r.sq_distance);
        grad.push(r.grad_norm);
        evals.push(r.evaluations as u64);
        status.push(r.status.name());
    }
    let theta = Array2::from_shape_vec((count, n), theta).map_err(|e| invalid("theta", e.to_string()))?;
    let d = PyDict::new(py);
    d.set_item("theta", theta.into_pyarray(py))?;
    d.set_item("sq_distance", Array1::from(sq).into_pyarray(py))?;
    d.set_item("grad_norm", Array1::from(grad).into_pyarray(py))?;
    d.set_item("evaluations", Array1::from(evals).into_pyarray(py))?;
    d.set_item("status", status)?;
    d.set_item("scale", rep.scale)?;
    Ok(d)
}

/// Squared distance from the network's function at `theta` to the target, in the metric (the
/// plain squared loss for samples `x`, `y`).
#[pyfunction]
#[pyo3(signature = (net, theta, *, target=None, metric="euclidean", weights=None, x=None, y=None))]
#[allow(clippy::too_many_arguments)]
pub fn closest_sq_distance<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, f64>,
    target: Option<PyReadonlyArray1<'py, f64>>,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    x: Option<PyReadonlyArray2<'py, f64>>,
    y: Option<PyReadonlyArray2<'py, f64>>,
) -> PyResult<f64> {
    let obj = objective(net, target, metric, weights, x, y)?;
    let theta = theta.as_array().to_vec();
    run_inline(py, |_, _| closest::sq_distance(&net.inner, &obj, &theta))
}

/// Exact Hessian (``n_params x n_params``) of the squared distance at `theta`.
#[pyfunction]
#[pyo3(signature = (net, theta, *, target=None, metric="euclidean", weights=None, x=None, y=None, threads=0))]
#[allow(clippy::too_many_arguments)]
pub fn closest_hessian<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: PyReadonlyArray1<'py, f64>,
    target: Option<PyReadonlyArray1<'py, f64>>,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    x: Option<PyReadonlyArray2<'py, f64>>,
    y: Option<PyReadonlyArray2<'py, f64>>,
    threads: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let obj = objective(net, target, metric, weights, x, y)?;
    let theta = theta.as_array().to_vec();
    let h = run(py, threads, |par, intr| closest::hessian(&net.inner, &obj, &theta, par, intr))?;
    let n = net.inner.n_params();
    let h = Array2::from_shape_vec((n, n), h).map_err(|e| invalid("hessian", e.to_string()))?;
    Ok(h.into_pyarray(py))
}

/// Bombieri-Weyl weights ``1 / multinomial(|alpha|; alpha)`` of every coefficient coordinate.
#[pyfunction]
pub fn bombieri_weights<'py>(py: Python<'py>, net: &PyNetwork) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let w = closest::bombieri_weights(&net.inner).map_err(to_pyerr)?;
    Ok(Array1::from(w).into_pyarray(py))
}
