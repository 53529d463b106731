//! `neurocore._core`: PyO3 glue over `neurocore-core`. Functions here parse arguments, copy
//! inputs into owned core types, release the interpreter for the work and convert results and
//! errors; no mathematics lives here.

mod closest;
mod cnn;
mod compute;
mod errors;
mod exact;
mod network;
mod runtime;
mod scan;
mod symmetry;

use pyo3::prelude::*;

#[pymodule]
mod _core {
    #[pymodule_export]
    use super::closest::{bombieri_weights, closest_hessian, closest_search, closest_sq_distance};
    #[pymodule_export]
    use super::cnn::{cnn_realizability, cnn_shared_roots};
    #[pymodule_export]
    use super::compute::{
        coefficient_jacobian_exact, coefficient_jacobian_float, coefficient_jacobian_mod_p, coefficients_exact,
        coefficients_float, coefficients_mod_p, dimension, evaluate_exact, evaluate_float, evaluate_mod_p,
        evaluation_jacobian_float, evaluation_jacobian_mod_p, is_prime, kernel_mod_p, memory_limit, rank_mod_p,
        set_memory_limit,
    };
    #[pymodule_export]
    use super::errors::{CertificationError, IntegerOverflowError, InternalError, NeurocoreError};
    #[pymodule_export]
    use super::exact::{kernel_qq, rank_qq};
    #[pymodule_export]
    use super::network::PyNetwork;
    #[pymodule_export]
    use super::scan::{dimension_batch, scan_points, scan_ranks, scan_ranks_at, BatchError};
    #[pymodule_export]
    use super::symmetry::{symmetry_tangents_exact, symmetry_tangents_float, symmetry_tangents_mod_p};

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("DEFAULT_PRIME", neurocore_core::ring::primes::DEFAULT_PRIME)?;
        m.add("ResourceLimitError", super::errors::resource_limit_error(m.py())?)?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        Ok(())
    }
}
