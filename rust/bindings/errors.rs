//! Python exception types and the one mapping from `CoreError` to them.
//!
//! Binding functions return [`BindResult`]: `?` converts a `CoreError` (through the exhaustive
//! match in [`to_pyerr`]) or passes a `PyErr` through, so no call site spells out a mapping
//! (rustworkx's `RxPyErr` pattern).

use neurocore_core::CoreError;
use pyo3::create_exception;
use pyo3::exceptions::{
    PyException, PyKeyboardInterrupt, PyMemoryError, PyTypeError, PyValueError, PyZeroDivisionError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::PyErr;

create_exception!(neurocore, NeurocoreError, PyException, "Base class of neurocore's own errors.");
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
create_exception!(
    neurocore,
    InternalError,
    NeurocoreError,
    "An internal invariant of neurocore failed: this is a bug, please report it with the message."
);

/// `ResourceLimitError` derives from both `MemoryError` (what Python code catches for "too big")
/// and `NeurocoreError`; `create_exception!` takes one base, so the class is made once with
/// `type(name, bases, namespace)`.
pub fn resource_limit_error(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    static TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let ty = TYPE.get_or_try_init(py, || -> PyResult<Py<PyType>> {
        let bases = PyTuple::new(py, [py.get_type::<PyMemoryError>(), py.get_type::<NeurocoreError>()])?;
        let namespace = PyDict::new(py);
        namespace.set_item("__module__", "neurocore")?;
        namespace.set_item(
            "__doc__",
            "A computation would exceed the memory limit (see neurocore.set_memory_limit and the \
             memory_limit= options); nothing was allocated. A MemoryError and a NeurocoreError.",
        )?;
        let class = py.get_type::<PyType>().call1(("ResourceLimitError", bases, namespace))?;
        Ok(class.cast_into::<PyType>()?.unbind())
    })?;
    Ok(ty.bind(py).clone())
}

/// Converts a core error into the Python exception a user expects.
pub fn to_pyerr(err: CoreError) -> PyErr {
    let msg = err.to_string();
    match err {
        CoreError::InvalidArgument { .. } => PyValueError::new_err(msg),
        CoreError::WrongType { .. } => PyTypeError::new_err(msg),
        CoreError::DivisionByZero(_) => PyZeroDivisionError::new_err(msg),
        CoreError::Overflow(_) => IntegerOverflowError::new_err(msg),
        CoreError::TooLarge { .. } => Python::attach(|py| match resource_limit_error(py) {
            Ok(ty) => PyErr::from_type(ty, msg),
            Err(e) => e,
        }),
        CoreError::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        CoreError::Unlucky(_) => CertificationError::new_err(msg),
        CoreError::Internal(_) => InternalError::new_err(msg),
        // `CoreError` is `#[non_exhaustive]` across crates; a variant added later is a bug until
        // it gets its own arm above.
        _ => InternalError::new_err(format!("unmapped core error: {msg}")),
    }
}

/// The error of every binding function: a Python exception, built from a core error by `?`.
#[derive(Debug)]
pub struct BindError(pub PyErr);

/// The result type of binding functions.
pub type BindResult<T> = Result<T, BindError>;

impl From<CoreError> for BindError {
    fn from(err: CoreError) -> Self {
        BindError(to_pyerr(err))
    }
}

impl From<PyErr> for BindError {
    fn from(err: PyErr) -> Self {
        BindError(err)
    }
}

impl From<BindError> for PyErr {
    fn from(err: BindError) -> Self {
        err.0
    }
}
