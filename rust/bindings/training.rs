//! Training dynamics: argument adaptation for `neurocore_core::training` and the typed records
//! that `neurocore.TrainingResult` is filled from (field by field by name).

use crate::closest::objective;
use crate::errors::to_pyerr;
use crate::network::PyNetwork;
use crate::runtime::run_limited;
use neurocore_core::closest::model::CoefficientMap;
use neurocore_core::par::check_bytes;
use neurocore_core::ring::F64Ring;
use neurocore_core::training::{self, Init, Optimizer, RecordOptions, RunRecord, TrainOptions, TrainReport};
use neurocore_core::CoreError;
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

fn invalid(arg: &str, message: impl Into<String>) -> PyErr {
    to_pyerr(CoreError::invalid(arg, message))
}

/// One training run, as typed fields (see `RunRecord` in the core for their meaning).
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct TrainRunRecord {
    start: usize,
    theta0: Vec<f64>,
    theta: Vec<f64>,
    /// `phi(theta)` in float arithmetic (empty for a data objective).
    function: Vec<f64>,
    steps: usize,
    status: &'static str,
    stop_step: Option<usize>,
    initial_loss: f64,
    final_loss: f64,
    final_grad_norm: f64,
    curve_steps: Vec<usize>,
    curve_loss: Vec<f64>,
    curve_ratio: Vec<f64>,
    fraction_steps: Vec<Option<usize>>,
    plateau_steps: usize,
    plateaus: usize,
}

impl TrainRunRecord {
    fn new(start: usize, r: RunRecord, function: Vec<f64>) -> Self {
        TrainRunRecord {
            start,
            theta0: r.theta0,
            theta: r.theta,
            function,
            steps: r.steps,
            status: r.status.name(),
            stop_step: r.stop_step,
            initial_loss: r.initial_loss,
            final_loss: r.final_loss,
            final_grad_norm: r.final_grad_norm,
            curve_steps: r.curve_steps,
            curve_loss: r.curve_loss,
            curve_ratio: r.curve_ratio,
            fraction_steps: r.fraction_steps,
            plateau_steps: r.plateau_steps,
            plateaus: r.plateaus,
        }
    }
}

/// A training study: its runs in start order and the settings they were recorded under.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct TrainRecord {
    /// Standard deviation of the Gaussian starts (NaN for explicit starts).
    scale: f64,
    runs: Vec<Py<TrainRunRecord>>,
    optimizer: &'static str,
    lr: f64,
    steps: usize,
    seed: u64,
    gtol: f64,
    ftol: f64,
    fractions: Vec<f64>,
    rank: Option<usize>,
    plateau_band: f64,
    plateau_grad: f64,
    plateau_min: usize,
    divergence: f64,
}

/// Runs `nc.train`'s study in the core (see `neurocore.train` for the arguments).
///
/// `init` (starts x n_params) gives explicit starts and replaces `starts`; otherwise starts
/// `first_start .. first_start + starts` are Gaussian with standard deviation
/// `init_factor * (init_scale or the target-matched scale)`. `rank` is the generic rank of
/// the Jacobian of `phi` for the singular ratio (None: not measured).
#[pyfunction]
#[pyo3(signature = (
    net, *, target=None, metric="euclidean", weights=None, x=None, y=None,
    optimizer="gd", lr=0.01, steps=1000, starts=16, first_start=0, init=None, init_scale=None,
    init_factor=1.0, seed=0, batch_size=None, rank=None, curve_points=101,
    fractions=vec![0.5, 0.1, 0.01], gtol=1e-8, ftol=0.0, divergence=1e12, plateau_band=1e-4,
    plateau_grad=1e-2, plateau_min=10, ratio_every=1, threads=0, memory_limit=None
))]
#[allow(clippy::too_many_arguments)]
pub fn train<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    target: Option<PyReadonlyArray1<'py, f64>>,
    metric: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    x: Option<PyReadonlyArray2<'py, f64>>,
    y: Option<PyReadonlyArray2<'py, f64>>,
    optimizer: &str,
    lr: f64,
    steps: usize,
    starts: usize,
    first_start: usize,
    init: Option<PyReadonlyArray2<'py, f64>>,
    init_scale: Option<f64>,
    init_factor: f64,
    seed: u64,
    batch_size: Option<usize>,
    rank: Option<usize>,
    curve_points: usize,
    fractions: Vec<f64>,
    gtol: f64,
    ftol: f64,
    divergence: f64,
    plateau_band: f64,
    plateau_grad: f64,
    plateau_min: usize,
    ratio_every: usize,
    threads: usize,
    memory_limit: Option<u64>,
) -> PyResult<TrainRecord> {
    let is_coefficients = target.is_some();
    let obj = objective(net, target, metric, weights, x, y)?;
    let optimizer = Optimizer::parse(optimizer).map_err(to_pyerr)?;
    let n = net.inner.n_params();
    let (starts, init) = match init {
        Some(a) => {
            let v = a.as_array();
            if v.ncols() != n || v.nrows() == 0 {
                return Err(invalid("init", format!("expected shape (starts, {n}), got {:?}", v.shape())));
            }
            (v.nrows(), Init::Explicit(v.iter().copied().collect()))
        }
        None => (starts, Init::Gaussian { scale: init_scale, factor: init_factor }),
    };
    let opts = TrainOptions {
        optimizer,
        lr,
        steps,
        starts,
        first_start,
        init,
        seed,
        batch_size,
        rank,
        record: RecordOptions {
            curve_points,
            fractions,
            gtol,
            ftol,
            divergence,
            plateau_band,
            plateau_grad,
            plateau_min,
            ratio_every,
        },
    };
    let inner = &net.inner;
    let (rep, functions): (TrainReport, Vec<Vec<f64>>) = run_limited(py, threads, memory_limit, |par, intr| {
        let rep = training::train(inner, &obj, &opts, par, intr)?;
        // The final function of every run, recomputed from its parameters.
        let functions = if is_coefficients {
            let phi = CoefficientMap::new(inner, F64Ring)?;
            let m = phi.n_values();
            check_bytes("the final functions of the runs", (rep.runs.len() as u128) * (m as u128) * 8)?;
            rep.runs
                .iter()
                .map(|r| {
                    let mut v = vec![0.0; m];
                    phi.values(&r.theta, &mut v).map(|_| v)
                })
                .collect::<Result<Vec<_>, CoreError>>()?
        } else {
            vec![vec![]; rep.runs.len()]
        };
        Ok((rep, functions))
    })?;
    let runs = rep
        .runs
        .into_iter()
        .zip(functions)
        .enumerate()
        .map(|(i, (r, f))| Py::new(py, TrainRunRecord::new(first_start + i, r, f)))
        .collect::<PyResult<Vec<_>>>()?;
    let rec = opts.record;
    Ok(TrainRecord {
        scale: rep.scale,
        runs,
        optimizer: optimizer.name(),
        lr,
        steps,
        seed,
        gtol: rec.gtol,
        ftol: rec.ftol,
        fractions: rec.fractions,
        rank,
        plateau_band: rec.plateau_band,
        plateau_grad: rec.plateau_grad,
        plateau_min: rec.plateau_min,
        divergence: rec.divergence,
    })
}
