//! The global engine (ED degrees, learning degrees, all critical points of a target or of
//! data): argument adaptation for `neurocore_core::homotopy::driver`. Results cross as frozen
//! records (`EdDegreeRecord`, `MonodromyRunRecord`, `CriticalSetRecord`) that
//! `neurocore.critical` turns into its result types; a `ProgressCounter` passed in is advanced
//! by the core while it runs, for progress bars drawn by a Python thread.

use crate::closest::coefficient_metric;
use crate::errors::to_pyerr;
use crate::network::PyNetwork;
use crate::runtime::run;
use neurocore_core::homotopy::driver::{self, CriticalPointsReport, EdDegreeReport, EdOptions};
use neurocore_core::homotopy::progress::Progress;
use neurocore_core::ring::C64;
use neurocore_core::CoreError;
use numpy::ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use std::sync::Arc;

fn invalid(arg: &str, message: impl Into<String>) -> PyErr {
    to_pyerr(CoreError::invalid(arg, message))
}

/// Stages done and total of a running `ed_degree` / `critical_points` call (polled from
/// another Python thread for a progress bar).
#[pyclass(frozen, module = "neurocore._core")]
pub struct ProgressCounter {
    inner: Arc<Progress>,
}

#[pymethods]
impl ProgressCounter {
    #[new]
    fn new() -> Self {
        ProgressCounter { inner: Arc::new(Progress::default()) }
    }

    /// `(done, total)`; `total` is 0 until the call has started.
    fn get(&self) -> (usize, usize) {
        self.inner.get()
    }

    /// `(loops, solutions)` of the running monodromy run (0, 0 before its first loop).
    fn loops(&self) -> (usize, usize) {
        self.inner.loops()
    }
}

/// One monodromy run.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct MonodromyRunRecord {
    seed: u64,
    count: usize,
    loops: usize,
    loops_without_new: usize,
    paths: usize,
    /// `(status, count)` of path ends other than success.
    failures: Vec<(&'static str, usize)>,
    rank_deficient: usize,
    history: Vec<usize>,
    /// `"stable"`, `"max_loops"` or `"time_limit"`.
    stop: &'static str,
}

/// An ED (or learning) degree with its evidence.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct EdDegreeRecord {
    ed_degree: usize,
    certified: usize,
    certified_lower_bound: usize,
    runs_agree: bool,
    dim: usize,
    n_params: usize,
    ambient_dim: usize,
    stable_loops: usize,
    seed: u64,
    runs: Vec<Py<MonodromyRunRecord>>,
}

/// Every critical point of one target (or data), column-wise: row `i` of each array is point
/// `i` (real points first, by squared distance).
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct CriticalSetRecord {
    ed: Py<EdDegreeRecord>,
    paths: usize,
    failures: Vec<(&'static str, usize)>,
    rank_deficient: usize,
    merged: usize,
    certified_distinct: usize,
    real_tol: f64,
    time_limited: bool,
    function_re: Py<PyArray2<f64>>,
    function_im: Py<PyArray2<f64>>,
    theta_re: Py<PyArray2<f64>>,
    theta_im: Py<PyArray2<f64>>,
    residual: Py<PyArray1<f64>>,
    rank_pivot: Py<PyArray1<f64>>,
    imag_size: Py<PyArray1<f64>>,
    sq_distance_re: Py<PyArray1<f64>>,
    sq_distance_im: Py<PyArray1<f64>>,
    is_real: Vec<bool>,
    certified: Vec<bool>,
    hessian_eigenvalues: Vec<Option<Vec<f64>>>,
}

/// Read-only numpy arrays: the records are frozen, and so are the arrays they hand out.
fn frozen1(py: Python<'_>, a: Array1<f64>) -> PyResult<Py<PyArray1<f64>>> {
    let a = a.into_pyarray(py);
    a.call_method1("setflags", (false,))?;
    Ok(a.unbind())
}

fn frozen2(py: Python<'_>, a: Array2<f64>) -> PyResult<Py<PyArray2<f64>>> {
    let a = a.into_pyarray(py);
    a.call_method1("setflags", (false,))?;
    Ok(a.unbind())
}

#[allow(clippy::too_many_arguments)]
fn options(
    runs: usize,
    stable_loops: usize,
    max_loops: usize,
    max_dim: usize,
    real_tol: f64,
    certify: bool,
    time_limit: Option<f64>,
    progress: Option<&ProgressCounter>,
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
    let time_limit = match time_limit {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t < 1e9 => Some(std::time::Duration::from_secs_f64(t)),
        Some(t) => return Err(invalid("time_limit", format!("expected a positive number of seconds, got {t}"))),
    };
    let mut o = EdOptions { runs, max_dim, real_tol, certify, time_limit, ..EdOptions::default() };
    o.monodromy.stable_loops = stable_loops;
    o.monodromy.max_loops = max_loops;
    o.progress = progress.map(|p| p.inner.clone());
    Ok(o)
}

fn ed_record(py: Python<'_>, r: &EdDegreeReport, seed: u64) -> PyResult<Py<EdDegreeRecord>> {
    let runs = r
        .runs
        .iter()
        .map(|s| {
            Py::new(
                py,
                MonodromyRunRecord {
                    seed: s.seed,
                    count: s.count,
                    loops: s.loops,
                    loops_without_new: s.loops_without_new,
                    paths: s.paths,
                    failures: s.failures.clone(),
                    rank_deficient: s.rank_deficient,
                    history: s.history.clone(),
                    stop: s.stop,
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    Py::new(
        py,
        EdDegreeRecord {
            ed_degree: r.ed_degree,
            certified: r.certified,
            certified_lower_bound: r.certified_lower_bound,
            runs_agree: r.runs_agree,
            dim: r.dim,
            n_params: r.n_params,
            ambient_dim: r.ambient_dim,
            stable_loops: r.stable_loops,
            seed,
            runs,
        },
    )
}

fn complex_rows(rows: &[&[C64]], width: usize) -> PyResult<(Array2<f64>, Array2<f64>)> {
    let re: Vec<f64> = rows.iter().flat_map(|r| r.iter().map(|z| z.re)).collect();
    let im: Vec<f64> = rows.iter().flat_map(|r| r.iter().map(|z| z.im)).collect();
    let shape = (rows.len(), width);
    Ok((
        Array2::from_shape_vec(shape, re).map_err(|e| to_pyerr(CoreError::internal(e.to_string())))?,
        Array2::from_shape_vec(shape, im).map_err(|e| to_pyerr(CoreError::internal(e.to_string())))?,
    ))
}

fn critical_record(py: Python<'_>, r: &CriticalPointsReport, seed: u64) -> PyResult<CriticalSetRecord> {
    let fun: Vec<&[C64]> = r.points.iter().map(|p| p.function.as_slice()).collect();
    let th: Vec<&[C64]> = r.points.iter().map(|p| p.theta.as_slice()).collect();
    let (fre, fim) = complex_rows(&fun, r.ed.ambient_dim)?;
    let (tre, tim) = complex_rows(&th, r.ed.n_params)?;
    let col = |f: &dyn Fn(&driver::CriticalPointReport) -> f64| -> PyResult<Py<PyArray1<f64>>> {
        frozen1(py, r.points.iter().map(f).collect())
    };
    Ok(CriticalSetRecord {
        ed: ed_record(py, &r.ed, seed)?,
        paths: r.paths,
        failures: r.failures.clone(),
        rank_deficient: r.rank_deficient,
        merged: r.merged,
        certified_distinct: r.certified_distinct,
        real_tol: r.real_tol,
        time_limited: r.time_limited,
        function_re: frozen2(py, fre)?,
        function_im: frozen2(py, fim)?,
        theta_re: frozen2(py, tre)?,
        theta_im: frozen2(py, tim)?,
        residual: col(&|p| p.residual)?,
        rank_pivot: col(&|p| p.rank_pivot)?,
        imag_size: col(&|p| p.imag_size)?,
        sq_distance_re: col(&|p| p.sq_distance.re)?,
        sq_distance_im: col(&|p| p.sq_distance.im)?,
        is_real: r.points.iter().map(|p| p.is_real).collect(),
        certified: r.points.iter().map(|p| p.certified).collect(),
        hessian_eigenvalues: r.points.iter().map(|p| p.hessian_eigenvalues.clone()).collect(),
    })
}

/// Samples `x` (`samples x input_dim`) and optionally `y` (`samples x output_dim`), checked
/// against the network, row-major.
fn samples(
    net: &PyNetwork,
    x: PyReadonlyArray2<'_, f64>,
    y: Option<PyReadonlyArray2<'_, f64>>,
) -> PyResult<(Vec<f64>, Option<Vec<f64>>)> {
    let xv = x.as_array();
    let (d, out) = (net.inner.input_dim(), net.inner.output_dim());
    if xv.ncols() != d {
        return Err(invalid("x", format!("expected shape (n_samples, {d}), got {:?}", xv.shape())));
    }
    let yv = match y {
        Some(y) => {
            let yv = y.as_array();
            if yv.nrows() != xv.nrows() || yv.ncols() != out {
                return Err(invalid(
                    "y",
                    format!("expected shape ({}, {out}) to match x, got {:?}", xv.nrows(), yv.shape()),
                ));
            }
            Some(yv.iter().copied().collect())
        }
        None => None,
    };
    Ok((xv.iter().copied().collect(), yv))
}

/// The ED degree of the neurovariety by monodromy, with its evidence; with samples `x`, the
/// learning degree (see `neurocore.ed_degree`).
#[pyfunction]
#[pyo3(signature = (
    net, *, metric="euclidean", weights=None, x=None, seed=0, runs=2, stable_loops=10, max_loops=200,
    max_dim=40, certify=true, time_limit=None, threads=0, progress=None
))]
#[allow(clippy::too_many_arguments)]
pub fn ed_degree<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    x: Option<PyReadonlyArray2<'py, f64>>,
    seed: u64,
    runs: usize,
    stable_loops: usize,
    max_loops: usize,
    max_dim: usize,
    certify: bool,
    time_limit: Option<f64>,
    threads: usize,
    progress: Option<&ProgressCounter>,
) -> PyResult<Py<EdDegreeRecord>> {
    let opts = options(runs, stable_loops, max_loops, max_dim, 1e-8, certify, time_limit, progress)?;
    let rep = match (metric, x) {
        ("data", Some(x)) => {
            if weights.is_some() {
                return Err(invalid("weights", "not used with the data metric"));
            }
            let (points, _) = samples(net, x, None)?;
            run(py, threads, |par, intr| driver::learning_degree(&net.inner, &points, seed, &opts, par, intr))?
        }
        ("data", None) => return Err(invalid("x", "the data metric needs the samples x")),
        (_, Some(_)) => return Err(invalid("metric", "samples x go with metric='data'")),
        (m, None) => {
            let metric = coefficient_metric(m, weights)?;
            run(py, threads, |par, intr| driver::ed_degree(&net.inner, &metric, seed, &opts, par, intr))?
        }
    };
    ed_record(py, &rep, seed)
}

/// Every critical point of the distance from a real target, or of the squared loss of samples
/// `x`, `y` (see `neurocore.critical_points`).
#[pyfunction]
#[pyo3(signature = (
    net, target=None, *, metric="euclidean", weights=None, x=None, y=None, seed=0, runs=2,
    stable_loops=10, max_loops=200, max_dim=40, real_tol=1e-8, certify=true, time_limit=None, threads=0,
    progress=None
))]
#[allow(clippy::too_many_arguments)]
pub fn critical_points<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    target: Option<PyReadonlyArray1<'py, f64>>,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    x: Option<PyReadonlyArray2<'py, f64>>,
    y: Option<PyReadonlyArray2<'py, f64>>,
    seed: u64,
    runs: usize,
    stable_loops: usize,
    max_loops: usize,
    max_dim: usize,
    real_tol: f64,
    certify: bool,
    time_limit: Option<f64>,
    threads: usize,
    progress: Option<&ProgressCounter>,
) -> PyResult<CriticalSetRecord> {
    let opts = options(runs, stable_loops, max_loops, max_dim, real_tol, certify, time_limit, progress)?;
    let rep = match (target, x, y) {
        (Some(t), None, None) => {
            let metric = coefficient_metric(metric, weights)?;
            let target: Vec<f64> = t.as_array().to_vec();
            run(py, threads, |par, intr| driver::critical_points(&net.inner, &target, &metric, seed, &opts, par, intr))?
        }
        (None, Some(x), Some(y)) => {
            if metric != "data" || weights.is_some() {
                return Err(invalid("metric", "samples x, y induce their own metric: pass metric='data', no weights"));
            }
            let (points, values) = samples(net, x, Some(y))?;
            let values = values.unwrap_or_default();
            run(py, threads, |par, intr| {
                driver::critical_points_of_data(&net.inner, &points, &values, seed, &opts, par, intr)
            })?
        }
        _ => return Err(invalid("target", "give either a target coefficient vector or samples x and y")),
    };
    critical_record(py, &rep, seed)
}

/// Every critical point for each row of `targets` on one generic solve (the monodromy runs
/// once): a list of records in row order (see `neurocore.critical.critical_points_many`).
#[pyfunction]
#[pyo3(signature = (
    net, targets, *, metric="euclidean", weights=None, seed=0, runs=2, stable_loops=10,
    max_loops=200, max_dim=40, real_tol=1e-8, certify=true, time_limit=None, threads=0, progress=None
))]
#[allow(clippy::too_many_arguments)]
pub fn critical_points_many<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    targets: PyReadonlyArray2<'py, f64>,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    seed: u64,
    runs: usize,
    stable_loops: usize,
    max_loops: usize,
    max_dim: usize,
    real_tol: f64,
    certify: bool,
    time_limit: Option<f64>,
    threads: usize,
    progress: Option<&ProgressCounter>,
) -> PyResult<Vec<CriticalSetRecord>> {
    let opts = options(runs, stable_loops, max_loops, max_dim, real_tol, certify, time_limit, progress)?;
    let metric = coefficient_metric(metric, weights)?;
    let rows: Vec<Vec<f64>> = targets.as_array().rows().into_iter().map(|r| r.to_vec()).collect();
    let reps =
        run(py, threads, |par, intr| driver::critical_points_many(&net.inner, &rows, &metric, seed, &opts, par, intr))?;
    reps.iter().map(|r| critical_record(py, r, seed)).collect()
}

/// Counts of all isolated gauge-fixed parameter-space critical points, as functions.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct ParamCriticalRecord {
    functions_all: usize,
    functions_nonzero: usize,
    smooth: usize,
    spurious: usize,
    paths: usize,
    failures: Vec<(&'static str, usize)>,
    unknowns: usize,
    degree_bound: u32,
    /// Per distinct function (rows in the order found): one gauge preimage `theta`, the
    /// function, the residual, the rank measure, flags and the Krawczyk radius (NaN: none).
    function_re: Py<PyArray2<f64>>,
    function_im: Py<PyArray2<f64>>,
    theta_re: Py<PyArray2<f64>>,
    theta_im: Py<PyArray2<f64>>,
    residual: Py<PyArray1<f64>>,
    rank_pivot: Py<PyArray1<f64>>,
    certified_radius: Py<PyArray1<f64>>,
    sq_distance_re: Py<PyArray1<f64>>,
    sq_distance_im: Py<PyArray1<f64>>,
    is_smooth: Vec<bool>,
    is_zero: Vec<bool>,
    notes: Vec<&'static str>,
    certified: usize,
    certified_isolated: usize,
    isolated_radius: Py<PyArray1<f64>>,
    path_ends: Vec<usize>,
    winding: Vec<usize>,
    data_re: Py<PyArray1<f64>>,
    data_im: Py<PyArray1<f64>>,
}

/// All isolated critical points of the distance in a gauge of parameter space, at generic
/// complex data or at a real `target` (total-degree homotopy; see
/// `neurocore.critical.param_critical_functions`).
#[pyfunction]
#[pyo3(signature = (net, *, metric="euclidean", weights=None, seed=0, target=None, certify=true, threads=0))]
#[allow(clippy::too_many_arguments)]
pub fn param_critical_functions<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    seed: u64,
    target: Option<PyReadonlyArray1<'py, f64>>,
    certify: bool,
    threads: usize,
) -> PyResult<ParamCriticalRecord> {
    let metric = coefficient_metric(metric, weights)?;
    let target: Option<Vec<f64>> = target.map(|t| t.as_array().to_vec());
    let opts = EdOptions::default();
    let r = run(py, threads, |par, intr| {
        let ambient = neurocore_core::dimension::ambient_dim(&net.inner)?;
        let ambient = num_traits::ToPrimitive::to_usize(&ambient)
            .ok_or_else(|| CoreError::invalid("net", "the coefficient space is too large"))?;
        let w = neurocore_core::closest::metric::metric_weights(&net.inner, &metric, ambient)?;
        neurocore_core::homotopy::total_degree::param_critical_functions(
            &net.inner,
            &w,
            seed,
            target.as_deref(),
            &opts.tracker,
            opts.monodromy.rank_tol,
            opts.monodromy.dedup_tol,
            certify,
            par,
            intr,
        )
    })?;
    let fun: Vec<&[C64]> = r.points.iter().map(|p| p.function.as_slice()).collect();
    let th: Vec<&[C64]> = r.points.iter().map(|p| p.theta.as_slice()).collect();
    let (fre, fim) = complex_rows(&fun, r.data.len())?;
    let (tre, tim) = complex_rows(&th, net.inner.n_params())?;
    let col = |f: &dyn Fn(&neurocore_core::homotopy::total_degree::ParamCriticalPoint) -> f64| {
        frozen1(py, r.points.iter().map(f).collect())
    };
    Ok(ParamCriticalRecord {
        functions_all: r.functions_all,
        functions_nonzero: r.functions_nonzero,
        smooth: r.smooth,
        spurious: r.spurious,
        paths: r.paths,
        failures: r.failures.clone(),
        unknowns: r.unknowns,
        degree_bound: r.degree_bound,
        function_re: frozen2(py, fre)?,
        function_im: frozen2(py, fim)?,
        theta_re: frozen2(py, tre)?,
        theta_im: frozen2(py, tim)?,
        residual: col(&|p| p.residual)?,
        rank_pivot: col(&|p| p.pivot)?,
        certified_radius: col(&|p| p.certified_radius.unwrap_or(f64::NAN))?,
        sq_distance_re: col(&|p| p.sq_distance.re)?,
        sq_distance_im: col(&|p| p.sq_distance.im)?,
        is_smooth: r.points.iter().map(|p| p.smooth).collect(),
        is_zero: r.points.iter().map(|p| p.zero).collect(),
        notes: r.points.iter().map(|p| p.note).collect(),
        certified: r.certified,
        certified_isolated: r.certified_isolated,
        isolated_radius: col(&|p| p.isolated_radius.unwrap_or(f64::NAN))?,
        path_ends: r.points.iter().map(|p| p.path_ends).collect(),
        winding: r.points.iter().map(|p| p.winding).collect(),
        data_re: frozen1(py, r.data.iter().map(|z| z.re).collect())?,
        data_im: frozen1(py, r.data.iter().map(|z| z.im).collect())?,
    })
}
