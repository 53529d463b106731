//! The global engine (ED degrees, all critical points of a target): argument adaptation for
//! `neurocore_core::homotopy::driver`. Results are plain dicts of arrays and numbers that
//! `neurocore.critical` turns into frozen result types.

use crate::closest::coefficient_metric;
use crate::errors::to_pyerr;
use crate::network::PyNetwork;
use crate::runtime::run;
use neurocore_core::homotopy::driver::{self, CriticalPointsReport, EdDegreeReport, EdOptions};
use neurocore_core::ring::C64;
use neurocore_core::CoreError;
use numpy::ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

fn invalid(arg: &str, message: impl Into<String>) -> PyErr {
    to_pyerr(CoreError::invalid(arg, message))
}

#[allow(clippy::too_many_arguments)]
fn options(
    runs: usize,
    stable_loops: usize,
    max_loops: usize,
    max_dim: usize,
    real_tol: f64,
    certify: bool,
) -> PyResult<EdOptions> {
    if runs == 0 {
        return Err(invalid("runs", "at least one monodromy run is needed"));
    }
    if stable_loops == 0 || max_loops < stable_loops {
        return Err(invalid(
            "stable_loops",
            format!("need 1 <= stable_loops <= max_loops, got {stable_loops}, {max_loops}"),
        ));
    }
    if !(real_tol.is_finite() && real_tol > 0.0) {
        return Err(invalid("real_tol", format!("expected a positive finite number, got {real_tol}")));
    }
    let mut o = EdOptions { runs, max_dim, real_tol, certify, ..EdOptions::default() };
    o.monodromy.stable_loops = stable_loops;
    o.monodromy.max_loops = max_loops;
    Ok(o)
}

fn ed_dict<'py>(py: Python<'py>, r: &EdDegreeReport, seed: u64) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("ed_degree", r.ed_degree)?;
    d.set_item("certified", r.certified)?;
    d.set_item("certified_lower_bound", r.certified_lower_bound)?;
    d.set_item("runs_agree", r.runs_agree)?;
    d.set_item("dim", r.dim)?;
    d.set_item("n_params", r.n_params)?;
    d.set_item("ambient_dim", r.ambient_dim)?;
    d.set_item("stable_loops", r.stable_loops)?;
    d.set_item("seed", seed)?;
    let runs = PyList::empty(py);
    for s in &r.runs {
        let e = PyDict::new(py);
        e.set_item("seed", s.seed)?;
        e.set_item("count", s.count)?;
        e.set_item("loops", s.loops)?;
        e.set_item("loops_without_new", s.loops_without_new)?;
        e.set_item("paths", s.paths)?;
        e.set_item("failures", s.failures.iter().map(|(k, v)| (k.to_string(), *v)).collect::<Vec<_>>())?;
        e.set_item("rank_deficient", s.rank_deficient)?;
        e.set_item("history", s.history.clone())?;
        runs.append(e)?;
    }
    d.set_item("runs", runs)?;
    Ok(d)
}

fn complex_rows(rows: &[&[C64]], width: usize) -> PyResult<(Array2<f64>, Array2<f64>)> {
    let re: Vec<f64> = rows.iter().flat_map(|r| r.iter().map(|z| z.re)).collect();
    let im: Vec<f64> = rows.iter().flat_map(|r| r.iter().map(|z| z.im)).collect();
    let shape = (rows.len(), width);
    Ok((
        Array2::from_shape_vec(shape, re).map_err(|e| invalid("points", e.to_string()))?,
        Array2::from_shape_vec(shape, im).map_err(|e| invalid("points", e.to_string()))?,
    ))
}

fn critical_dict<'py>(py: Python<'py>, r: &CriticalPointsReport, seed: u64) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("ed", ed_dict(py, &r.ed, seed)?)?;
    d.set_item("paths", r.paths)?;
    d.set_item("failures", r.failures.iter().map(|(k, v)| (k.to_string(), *v)).collect::<Vec<_>>())?;
    d.set_item("rank_deficient", r.rank_deficient)?;
    d.set_item("merged", r.merged)?;
    d.set_item("certified_distinct", r.certified_distinct)?;
    d.set_item("real_tol", r.real_tol)?;
    let fun: Vec<&[C64]> = r.points.iter().map(|p| p.function.as_slice()).collect();
    let th: Vec<&[C64]> = r.points.iter().map(|p| p.theta.as_slice()).collect();
    let (fre, fim) = complex_rows(&fun, r.ed.ambient_dim)?;
    let (tre, tim) = complex_rows(&th, r.ed.n_params)?;
    d.set_item("function_re", fre.into_pyarray(py))?;
    d.set_item("function_im", fim.into_pyarray(py))?;
    d.set_item("theta_re", tre.into_pyarray(py))?;
    d.set_item("theta_im", tim.into_pyarray(py))?;
    let col = |f: &dyn Fn(&driver::CriticalPointReport) -> f64| -> Array1<f64> { r.points.iter().map(f).collect() };
    d.set_item("residual", col(&|p| p.residual).into_pyarray(py))?;
    d.set_item("rank_pivot", col(&|p| p.rank_pivot).into_pyarray(py))?;
    d.set_item("imag_size", col(&|p| p.imag_size).into_pyarray(py))?;
    d.set_item("sq_distance_re", col(&|p| p.sq_distance.re).into_pyarray(py))?;
    d.set_item("sq_distance_im", col(&|p| p.sq_distance.im).into_pyarray(py))?;
    d.set_item("is_real", r.points.iter().map(|p| p.is_real).collect::<Vec<_>>())?;
    d.set_item("certified", r.points.iter().map(|p| p.certified).collect::<Vec<_>>())?;
    d.set_item("hessian_eigenvalues", r.points.iter().map(|p| p.hessian_eigenvalues.clone()).collect::<Vec<_>>())?;
    Ok(d)
}

/// The ED degree of the neurovariety by monodromy, with its evidence (see `neurocore.ed_degree`).
#[pyfunction]
#[pyo3(signature = (
    net, *, metric="euclidean", weights=None, seed=0, runs=2, stable_loops=10, max_loops=200,
    max_dim=40, certify=true, threads=0
))]
#[allow(clippy::too_many_arguments)]
pub fn ed_degree<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    seed: u64,
    runs: usize,
    stable_loops: usize,
    max_loops: usize,
    max_dim: usize,
    certify: bool,
    threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let metric = coefficient_metric(metric, weights)?;
    let opts = options(runs, stable_loops, max_loops, max_dim, 1e-8, certify)?;
    let rep = run(py, threads, |par, intr| driver::ed_degree(&net.inner, &metric, seed, &opts, par, intr))?;
    ed_dict(py, &rep, seed)
}

/// Every critical point of the distance from a real target (see `neurocore.critical_points`).
#[pyfunction]
#[pyo3(signature = (
    net, target, *, metric="euclidean", weights=None, seed=0, runs=2, stable_loops=10,
    max_loops=200, max_dim=40, real_tol=1e-8, certify=true, threads=0
))]
#[allow(clippy::too_many_arguments)]
pub fn critical_points<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    target: PyReadonlyArray1<'py, f64>,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    seed: u64,
    runs: usize,
    stable_loops: usize,
    max_loops: usize,
    max_dim: usize,
    real_tol: f64,
    certify: bool,
    threads: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let metric = coefficient_metric(metric, weights)?;
    let opts = options(runs, stable_loops, max_loops, max_dim, real_tol, certify)?;
    let target: Vec<f64> = target.as_array().to_vec();
    let rep =
        run(py, threads, |par, intr| driver::critical_points(&net.inner, &target, &metric, seed, &opts, par, intr))?;
    critical_dict(py, &rep, seed)
}
