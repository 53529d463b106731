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
#[pyclass(frozen, get_all, eq, module = "neurocore._core")]
#[derive(Clone, Debug, PartialEq)]
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

#[pymethods]
impl TrialRecord {
    #[new]
    fn new(prime: u64, rank: usize, points: usize, rows: usize, error_bound: f64) -> Self {
        TrialRecord { prime, rank, points, rows, error_bound }
    }

    /// Pickling (process pools and dask ship records between processes).
    fn __getnewargs__(&self) -> (u64, usize, usize, usize, f64) {
        (self.prime, self.rank, self.points, self.rows, self.error_bound)
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

/// The constructor's arguments, in field order (what pickling stores).
type DimensionRecordArgs = (usize, usize, BigUint, usize, usize, usize, String, bool, f64, u64, Vec<Py<TrialRecord>>);

#[pymethods]
impl DimensionRecord {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
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
    ) -> Self {
        DimensionRecord {
            dim,
            expected_dim,
            ambient_dim,
            n_params,
            symmetry_dim,
            upper_bound,
            upper_bound_source,
            certified,
            error_bound,
            seed,
            trials,
        }
    }

    /// Pickling (sweeps ship records from worker processes and dask workers).
    fn __getnewargs__(&self, py: Python<'_>) -> DimensionRecordArgs {
        (
            self.dim,
            self.expected_dim,
            self.ambient_dim.clone(),
            self.n_params,
            self.symmetry_dim,
            self.upper_bound,
            self.upper_bound_source.clone(),
            self.certified,
            self.error_bound,
            self.seed,
            self.trials.iter().map(|t| t.clone_ref(py)).collect(),
        )
    }
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
