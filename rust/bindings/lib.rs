//! `neurocore._core`: PyO3 glue over `neurocore-core`. Functions here parse arguments, copy
//! inputs into owned core types, release the interpreter for the work and convert results and
//! errors; no mathematics lives here.

mod closest;
mod cnn;
mod compute;
mod critical;
mod degree;
mod dimension;
mod equations;
mod errors;
mod exact;
mod exact_matrix;
mod fiber;
mod field;
mod network;
mod rank_result;
mod runtime;
mod scan;
mod strata;
mod symmetry;
mod training;

use pyo3::prelude::*;

#[pymodule]
mod _core {
    #[pymodule_export]
    use super::closest::{bombieri_weights, closest_search, ClosestRecord, CriticalPointRecord};
    #[pymodule_export]
    use super::cnn::cnn_realizability;
    #[pymodule_export]
    use super::compute::{
        coefficients, evaluate, evaluation_jacobian, is_prime, jacobian, memory_limit, set_memory_limit,
    };
    #[pymodule_export]
    use super::critical::{
        critical_points, critical_points_many, ed_degree, param_critical_functions, CriticalSetRecord, EdDegreeRecord,
        MonodromyRunRecord, ParamCriticalRecord, ProgressCounter,
    };
    #[pymodule_export]
    use super::dimension::{dimension, DimensionRecord, TrialRecord};
    #[pymodule_export]
    use super::equations::{equations, hilbert_function, EquationsRecord, HilbertRecord};
    #[pymodule_export]
    use super::errors::{CertificationError, IntegerOverflowError, InternalError, NeurocoreError};
    #[pymodule_export]
    use super::exact::{kernel, rank};
    #[pymodule_export]
    use super::exact_matrix::ExactMatrix;
    #[pymodule_export]
    use super::network::{ActivationLayer, AttentionLayer, ConvLayer, DenseLayer, PyNetwork};
    #[pymodule_export]
    use super::rank_result::RankResult;
    #[pymodule_export]
    use super::scan::{
        check_sampler, dimension_batch, scan_points, scan_prime, scan_ranks, scan_ranks_at, BatchError, BatchOutcome,
    };
    #[pymodule_export]
    use super::strata::{point_rank, point_stratum, small_jacobian_float, PointRankRecord, StratumRecord};
    #[pymodule_export]
    use super::symmetry::{
        symmetry_greedy_extension, symmetry_tangents_exact, symmetry_tangents_float, symmetry_tangents_mod_p,
    };

    #[pymodule_export]
    use super::training::{train, TrainRecord, TrainRunRecord};

    #[pymodule_export]
    use super::degree::degree;

    #[pymodule_export]
    use super::fiber::fiber;

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("DEFAULT_PRIME", neurocore_core::ring::primes::DEFAULT_PRIME)?;
        m.add("BATCH_ERROR_KINDS", pyo3::types::PyTuple::new(m.py(), super::scan::BATCH_ERROR_KINDS)?)?;
        m.add("ResourceLimitError", super::errors::resource_limit_error(m.py())?)?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("EXACT_JACOBIAN_LIMIT", neurocore_core::strata::EXACT_JACOBIAN_LIMIT)?;
        Ok(())
    }
}
