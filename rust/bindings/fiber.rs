//! Fibers of the parametrization in a gauge: argument adaptation for
//! `neurocore_core::homotopy::fiber`. The result is a plain dict (complex points as real and
//! imaginary parts) that `neurocore.fiber` turns into a frozen result type.

use crate::errors::to_pyerr;
use crate::network::PyNetwork;
use crate::runtime::run_limited;
use neurocore_core::homotopy::fiber::{fiber as fiber_in_gauge, FiberOptions};
use neurocore_core::ring::C64;
use neurocore_core::CoreError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

type Parts = (Vec<Vec<f64>>, Vec<Vec<f64>>);

fn parts(points: &[Vec<C64>]) -> Parts {
    (
        points.iter().map(|p| p.iter().map(|z| z.re).collect()).collect(),
        points.iter().map(|p| p.iter().map(|z| z.im).collect()).collect(),
    )
}

/// The gauge-fixed fiber of `phi` over `phi(theta)` (see `neurocore.fiber`).
#[pyfunction]
#[pyo3(signature = (
    net, theta, *, seed=0, stable_loops=20, max_loops=200, max_dim=60, match_tol=1e-6, modulo_symmetries=true,
    threads=0, memory_limit=None
))]
#[allow(clippy::too_many_arguments)]
pub fn fiber<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: Vec<f64>,
    seed: u64,
    stable_loops: usize,
    max_loops: usize,
    max_dim: usize,
    match_tol: f64,
    modulo_symmetries: bool,
    threads: usize,
    memory_limit: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    if stable_loops == 0 || max_loops < stable_loops {
        return Err(to_pyerr(CoreError::invalid(
            "stable_loops",
            format!("need 1 <= stable_loops <= max_loops, got {stable_loops}, {max_loops}"),
        )));
    }
    if !(match_tol > 0.0 && match_tol < 1.0) {
        return Err(to_pyerr(CoreError::invalid("match_tol", format!("must lie in (0, 1), got {match_tol}"))));
    }
    let mut opts = FiberOptions { max_dim, match_tol, modulo_symmetries, ..FiberOptions::default() };
    opts.monodromy.stable_loops = stable_loops;
    opts.monodromy.max_loops = max_loops;
    let r =
        run_limited(py, threads, memory_limit, |par, intr| fiber_in_gauge(&net.inner, &theta, seed, &opts, par, intr))?;
    let d = PyDict::new(py);
    d.set_item("n_params", r.n_params)?;
    d.set_item("dim", r.dim)?;
    d.set_item("orbit_dim", r.orbit_dim)?;
    d.set_item("fixed", r.fixed.clone())?;
    d.set_item("fiber_dim", r.fiber_dim)?;
    d.set_item("points", parts(&r.points))?;
    d.set_item("classes", r.classes.as_deref().map(parts))?;
    d.set_item("section_solutions", r.section_solutions)?;
    d.set_item("modulo_symmetries", r.modulo_symmetries)?;
    d.set_item("certified_radius", r.certified_radius.clone())?;
    d.set_item("certified_distinct", r.certified_distinct)?;
    d.set_item("loops", r.loops)?;
    d.set_item("loops_without_new", r.loops_without_new)?;
    d.set_item("paths", r.paths)?;
    d.set_item("history", r.history.clone())?;
    d.set_item("seed", seed)?;
    Ok(d)
}
