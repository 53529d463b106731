//! The one error type of the core. The bindings map every variant to a Python exception in one
//! exhaustive match, so adding a variant forces a decision about how Python sees it.

use thiserror::Error;

/// Everything that can go wrong inside the core.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A caller-supplied argument is outside its allowed range (Python `ValueError`).
    #[error("{arg}: {message}")]
    InvalidArgument { arg: String, message: String },
    /// A value has the wrong kind (Python `TypeError`).
    #[error("{arg}: {message}")]
    WrongType { arg: String, message: String },
    /// A denominator vanished, e.g. a rational whose denominator is divisible by the prime
    /// (Python `ZeroDivisionError`).
    #[error("{0}")]
    DivisionByZero(String),
    /// An exact integer result does not fit the type that was asked for (checked, never wrapped).
    #[error("overflow: {0}")]
    Overflow(String),
    /// A result would need more memory than the configured limit; nothing was allocated.
    #[error("{what} would need {requested_bytes} bytes, above the memory limit of {limit_bytes} bytes")]
    TooLarge { what: String, requested_bytes: u128, limit_bytes: u128 },
    /// The computation was interrupted (Ctrl-C); the partial result was discarded.
    #[error("interrupted")]
    Interrupted,
    /// A mathematical step that should succeed with overwhelming probability did not, e.g. every
    /// prime tried was unlucky. Retrying with another seed is the remedy.
    #[error("{0}")]
    Unlucky(String),
    /// An internal invariant failed: a bug in neurocore, never the caller's bad luck (Python
    /// `neurocore.InternalError`). The message carries the context for a bug report.
    #[error("internal error in the neurocore core: {0}; this is a bug, please report it")]
    Internal(String),
}

impl CoreError {
    /// Shorthand for [`CoreError::InvalidArgument`].
    pub fn invalid(arg: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::InvalidArgument { arg: arg.into(), message: message.into() }
    }

    /// Shorthand for [`CoreError::Internal`].
    pub fn internal(context: impl Into<String>) -> Self {
        CoreError::Internal(context.into())
    }

    /// Shorthand for [`CoreError::WrongType`].
    pub fn wrong_type(arg: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::WrongType { arg: arg.into(), message: message.into() }
    }
}

/// Result alias used throughout the core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
