//! Python exception types and the one mapping from `CoreError` to them.

use neurocore_core::CoreError;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt, PyTypeError, PyValueError, PyZeroDivisionError};
use pyo3::PyErr;

create_exception!(neurocore, NeurocoreError, PyException, "Base class of neurocore's own errors.");
create_exception!(
    neurocore,
    ResourceLimitError,
    NeurocoreError,
    "A result would exceed the memory limit (see neurocore.set_memory_limit); nothing was allocated."
);
create_exception!(
    neurocore,
    IntegerOverflowError,
    NeurocoreError,
    "An exact integer does not fit the requested machine type (checked, never wrapped)."
);
create_exception!(
    neurocore,
    CertificationError,
    NeurocoreError,
    "A randomized step failed repeatedly (e.g. every prime was unlucky); retry with another seed."
);

/// Converts a core error into the Python exception a user expects.
pub fn to_pyerr(err: CoreError) -> PyErr {
    let msg = err.to_string();
    match err {
        CoreError::InvalidArgument { .. } => PyValueError::new_err(msg),
        CoreError::WrongType { .. } => PyTypeError::new_err(msg),
        CoreError::DivisionByZero(_) => PyZeroDivisionError::new_err(msg),
        CoreError::Overflow(_) => IntegerOverflowError::new_err(msg),
        CoreError::TooLarge { .. } => ResourceLimitError::new_err(msg),
        CoreError::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        CoreError::Unlucky(_) => CertificationError::new_err(msg),
        _ => NeurocoreError::new_err(msg),
    }
}
