//! Dimensions of neurovarieties: the typed record that `neurocore.DimensionReport` is filled
//! from, field by field by name (one definition of the fields on each side of the boundary,
//! checked by `tests/test_boundary.py`).

use crate::errors::BindResult;
use crate::field::parse_prime;
use crate::network::PyNetwork;
use crate::runtime::run_limited;
use neurocore_core::dimension::{dimension as core_dimension, DimensionOptions, DimensionReport, Trial};
use num_bigint::BigUint;
use pyo3::prelude::*;

/// One rank computation of the Jacobian at a random point modulo a prime.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct TrialRecord {
    prime: u64,
    rank: usize,
    points: usize,
    rows: usize,
    error_bound: f64,
}

impl From<&Trial> for TrialRecord {
    fn from(t: &Trial) -> Self {
        TrialRecord { prime: t.prime, rank: t.rank, points: t.points, rows: t.rows, error_bound: t.error_bound }
    }
}

/// The core's dimension report, as typed fields.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct DimensionRecord {
    dim: usize,
    expected_dim: usize,
    ambient_dim: BigUint,
    n_params: usize,
    symmetry_dim: usize,
    upper_bound: usize,
    upper_bound_source: String,
    certified: bool,
    error_bound: f64,
    seed: u64,
    trials: Vec<Py<TrialRecord>>,
}

impl DimensionRecord {
    /// The record of a core report.
    pub fn new(py: Python<'_>, rep: &DimensionReport) -> PyResult<Self> {
        Ok(DimensionRecord {
            dim: rep.dim,
            expected_dim: rep.expected_dim,
            ambient_dim: rep.ambient_dim.clone(),
            n_params: rep.n_params,
            symmetry_dim: rep.symmetry_dim,
            upper_bound: rep.upper_bound.value,
            upper_bound_source: rep.upper_bound.source.to_string(),
            certified: rep.certified,
            error_bound: rep.error_bound,
            seed: rep.seed,
            trials: rep.trials.iter().map(|t| Py::new(py, TrialRecord::from(t))).collect::<PyResult<_>>()?,
        })
    }
}

/// The dimension of a neurovariety (see `neurocore.dimension`).
#[pyfunction]
#[pyo3(signature = (net, seed = 0, primes = None, trials = 2, threads = 0, memory_limit = None))]
pub fn dimension(
    py: Python<'_>,
    net: &PyNetwork,
    seed: u64,
    primes: Option<Vec<Bound<'_, PyAny>>>,
    trials: usize,
    threads: usize,
    memory_limit: Option<u64>,
) -> BindResult<DimensionRecord> {
    let primes = primes
        .map(|ps| ps.iter().map(|p| parse_prime(p, "primes").map(|f| f.modulus())).collect::<BindResult<Vec<u64>>>())
        .transpose()?;
    let opts =
        DimensionOptions { seed, primes, trials, extra_points: 0, par: neurocore_core::Par::from_threads(threads) };
    let rep = run_limited(py, threads, memory_limit, |_, intr| core_dimension(&net.inner, &opts, intr))?;
    Ok(DimensionRecord::new(py, &rep)?)
}

/// The report's fields as dict items (the sweeps' row form; same names as `DimensionRecord`).
pub(crate) fn set_report_items(d: &Bound<'_, pyo3::types::PyDict>, rep: &DimensionReport) -> PyResult<()> {
    d.set_item("dim", rep.dim)?;
    d.set_item("n_params", rep.n_params)?;
    d.set_item("ambient_dim", rep.ambient_dim.clone())?;
    d.set_item("symmetry_dim", rep.symmetry_dim)?;
    d.set_item("expected_dim", rep.expected_dim)?;
    d.set_item("upper_bound", rep.upper_bound.value)?;
    d.set_item("upper_bound_source", rep.upper_bound.source.to_string())?;
    d.set_item("certified", rep.certified)?;
    d.set_item("error_bound", rep.error_bound)
}
