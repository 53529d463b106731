//! Parallelism and interruption are explicit arguments of every long kernel (the faer habit):
//! a kernel never decides on its own to spawn threads or to ignore Ctrl-C.

use crate::error::{CoreError, Result};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// How a kernel may use threads. Work goes parallel only above a size threshold, and results
/// never depend on the choice: every parallel split is over independent, exactly computed pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Par {
    /// Run on the calling thread only.
    Seq,
    /// Use the current rayon pool.
    Rayon,
}

impl Par {
    /// `threads == 1` is sequential; anything else uses the rayon pool the caller installed.
    pub fn from_threads(threads: usize) -> Par {
        if threads == 1 {
            Par::Seq
        } else {
            Par::Rayon
        }
    }

    /// True when the kernel may split work across threads.
    pub fn is_parallel(self) -> bool {
        matches!(self, Par::Rayon) && rayon::current_num_threads() > 1
    }
}

/// Polled by long loops between blocks of work. Implementations must be cheap to call.
pub trait Interrupt: Sync {
    /// `Err(CoreError::Interrupted)` when the computation should stop.
    fn check(&self) -> Result<()>;
}

/// Never interrupts (pure Rust callers and tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoInterrupt;

impl Interrupt for NoInterrupt {
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

/// An interrupt flag that can be raised from anywhere (tests, or a signal handler).
#[derive(Debug, Default)]
pub struct FlagInterrupt(pub AtomicBool);

impl Interrupt for FlagInterrupt {
    fn check(&self) -> Result<()> {
        if self.0.load(Ordering::Relaxed) {
            Err(CoreError::Interrupted)
        } else {
            Ok(())
        }
    }
}

/// Default limit on the size of any single result the core allocates on request (8 GiB);
/// the Python layer can change it with `neurocore.set_memory_limit`.
static MEMORY_LIMIT_BYTES: AtomicU64 = AtomicU64::new(8 << 30);

/// Sets the byte limit that [`check_allocation`] enforces.
pub fn set_memory_limit(bytes: u64) {
    MEMORY_LIMIT_BYTES.store(bytes, Ordering::Relaxed);
}

/// The current byte limit.
pub fn memory_limit() -> u64 {
    MEMORY_LIMIT_BYTES.load(Ordering::Relaxed)
}

/// Refuses, before anything is allocated, a buffer of `count` elements of `elem_bytes` bytes
/// that would exceed the memory limit (or overflow `usize`).
pub fn check_allocation(what: &str, count: u128, elem_bytes: u128) -> Result<usize> {
    let requested = count.saturating_mul(elem_bytes);
    let limit = memory_limit() as u128;
    if requested > limit || count > usize::MAX as u128 {
        return Err(CoreError::TooLarge { what: what.to_string(), requested_bytes: requested, limit_bytes: limit });
    }
    Ok(count as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_check_refuses_huge_requests() {
        assert!(check_allocation("x", 10, 8).is_ok());
        assert!(matches!(check_allocation("x", u128::MAX, 8), Err(CoreError::TooLarge { .. })));
    }

    #[test]
    fn flag_interrupt_trips() {
        let f = FlagInterrupt::default();
        assert!(f.check().is_ok());
        f.0.store(true, Ordering::Relaxed);
        assert_eq!(f.check(), Err(CoreError::Interrupted));
    }
}
