//! Certified rank and verified kernel over Q: argument adaptation only.

use crate::errors::BindResult;
use crate::runtime::run;
use neurocore_core::exact::{kernel_qq as core_kernel_qq, rank_qq as core_rank_qq, ExactOptions, IntMatrix};
use neurocore_core::par::check_allocation;
use neurocore_core::CoreError;
use num_bigint::BigInt;
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;

/// An owned integer matrix from a C-contiguous `(rows, cols)` int64 array or a flat row-major
/// list of Python ints.
fn int_matrix(rows: usize, cols: usize, entries: &Bound<'_, PyAny>) -> BindResult<IntMatrix> {
    check_allocation("a copy of the matrix", rows as u128 * cols as u128, 8)?;
    if let Ok(arr) = entries.extract::<PyReadonlyArray2<'_, i64>>() {
        let view = arr.as_array();
        if view.dim() != (rows, cols) {
            return Err(CoreError::invalid(
                "entries",
                format!("expected shape ({rows}, {cols}), got {:?}", view.dim()),
            )
            .into());
        }
        return Ok(IntMatrix::from_i64(rows, cols, view.iter().copied().collect())?);
    }
    let values: Vec<BigInt> = entries
        .extract()
        .map_err(|_| CoreError::wrong_type("entries", "expected a 2-D int64 numpy array or a flat list of ints"))?;
    Ok(IntMatrix::from_bigints(rows, cols, values)?)
}

/// Certified rank over Q of an integer matrix:
/// `(rank, lower_bound, upper_bound, certified, primes)`.
///
/// The lower bound is the largest rank modulo random 62-bit primes; the upper bound comes
/// from Dixon lifting of the standard kernel basis modulo a random prime below `2^22`, with
/// every row's residual checked, for enough steps that the check is an exact proof (see
/// `neurocore_core::exact`). Unlucky primes are detected and replaced.
#[pyfunction]
#[pyo3(signature = (rows, cols, entries, seed=0, threads=0))]
pub fn rank_qq(
    py: Python<'_>,
    rows: usize,
    cols: usize,
    entries: &Bound<'_, PyAny>,
    seed: u64,
    threads: usize,
) -> BindResult<(usize, usize, usize, bool, Vec<u64>)> {
    let a = int_matrix(rows, cols, entries)?;
    let opts = ExactOptions::with_seed(seed);
    let c = run(py, threads, |par, intr| core_rank_qq(&a, &opts, par, intr))?;
    Ok((c.rank, c.lower_bound, c.upper_bound, c.certified, c.primes))
}

/// A basis of the right kernel over Q, verified by exact integer multiplication:
/// `(kernel_rows, cols, numerators, denominators)`, row-major; entry `k` is
/// `numerators[k] / denominators[k]` (one common denominator, not necessarily in lowest terms).
/// Raises `CertificationError` when verification fails for every prime tried.
#[pyfunction]
#[pyo3(signature = (rows, cols, entries, seed=0, threads=0))]
pub fn kernel_qq(
    py: Python<'_>,
    rows: usize,
    cols: usize,
    entries: &Bound<'_, PyAny>,
    seed: u64,
    threads: usize,
) -> BindResult<(usize, usize, Vec<BigInt>, Vec<BigInt>)> {
    let a = int_matrix(rows, cols, entries)?;
    let opts = ExactOptions::with_seed(seed);
    let k = run(py, threads, |par, intr| core_kernel_qq(&a, &opts, par, intr))?;
    Ok((k.rows, k.cols, k.numerators, k.denominators))
}
