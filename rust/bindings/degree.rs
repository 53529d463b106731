//! The degree of the neurovariety from a witness set: argument adaptation for
//! `neurocore_core::homotopy::witness`. The result is a plain dict that `neurocore.degree`
//! turns into a frozen result type.

use crate::errors::to_pyerr;
use crate::network::PyNetwork;
use crate::runtime::run_limited;
use neurocore_core::homotopy::witness::{self, DegreeOptions};
use neurocore_core::CoreError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The degree of the neurovariety by monodromy on a linear section (see `neurocore.degree`).
#[pyfunction]
#[pyo3(signature = (
    net, *, seed=0, runs=2, stable_loops=20, max_loops=200, max_dim=40, certify=true, threads=0,
    memory_limit=None
))]
#[allow(clippy::too_many_arguments)]
pub fn degree<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    seed: u64,
    runs: usize,
    stable_loops: usize,
    max_loops: usize,
    max_dim: usize,
    certify: bool,
    threads: usize,
    memory_limit: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    if runs == 0 {
        return Err(to_pyerr(CoreError::invalid("runs", "at least one monodromy run is needed")));
    }
    if stable_loops == 0 || max_loops < stable_loops {
        return Err(to_pyerr(CoreError::invalid(
            "stable_loops",
            format!("need 1 <= stable_loops <= max_loops, got {stable_loops}, {max_loops}"),
        )));
    }
    let mut opts = DegreeOptions { runs, max_dim, certify, ..DegreeOptions::default() };
    opts.monodromy.stable_loops = stable_loops;
    opts.monodromy.max_loops = max_loops;
    let r = run_limited(py, threads, memory_limit, |par, intr| witness::degree(&net.inner, seed, &opts, par, intr))?;
    let d = PyDict::new(py);
    d.set_item("degree", r.degree)?;
    d.set_item("certified", r.certified)?;
    d.set_item("certified_lower_bound", r.certified_lower_bound)?;
    d.set_item("runs_agree", r.runs_agree)?;
    d.set_item("trace_residual", r.trace_residual)?;
    d.set_item("trace_failures", r.trace_failures)?;
    d.set_item("dim", r.dim)?;
    d.set_item("n_params", r.n_params)?;
    d.set_item("ambient_dim", r.ambient_dim)?;
    d.set_item("stable_loops", r.stable_loops)?;
    d.set_item("seed", seed)?;
    let list = PyList::empty(py);
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
        list.append(e)?;
    }
    d.set_item("runs", list)?;
    Ok(d)
}
