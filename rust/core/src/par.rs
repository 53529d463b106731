//! Parallelism and interruption are explicit arguments of every long kernel (the faer habit):
//! a kernel never decides on its own to spawn threads or to ignore Ctrl-C.

use crate::error::{CoreError, Result};
use std::cell::Cell;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// How a kernel may use threads (faer's `Par`). Work goes parallel only above a size threshold,
/// and results never depend on the choice: every parallel split is over independent, exactly
/// computed pieces.
///
/// `Rayon(n)` means "up to `n` threads of the rayon pool the caller installed". The count is
/// decided once, at the boundary, and carried here: the core never asks rayon how many threads
/// exist, because that question initialises rayon's *global* pool, which a forked child process
/// inherits without its threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Par {
    /// Run on the calling thread only.
    Seq,
    /// Split work over the installed rayon pool, which has this many threads.
    Rayon(NonZeroUsize),
}

impl Par {
    /// `threads == 1` is sequential, `0` is one thread per available core, anything else that
    /// many threads (of a pool the caller installs).
    pub fn from_threads(threads: usize) -> Par {
        let n = if threads == 0 { available_cores() } else { threads };
        match NonZeroUsize::new(n) {
            Some(n) if n.get() > 1 => Par::Rayon(n),
            _ => Par::Seq,
        }
    }

    /// True when the kernel may split work across threads.
    pub fn is_parallel(self) -> bool {
        matches!(self, Par::Rayon(n) if n.get() > 1)
    }

    /// The number of threads the kernel may use (1 for [`Par::Seq`]).
    pub fn threads(self) -> usize {
        match self {
            Par::Seq => 1,
            Par::Rayon(n) => n.get(),
        }
    }

    /// `[f(0), ..., f(count - 1)]` for independent tasks (the starts of a multi-start search or
    /// training study), one task per rayon job when parallel, in index order either way; the
    /// first error wins. Each task must draw its randomness from its own index, so that the
    /// result does not depend on the thread count. The caller installed the pool.
    pub fn map_tasks<T: Send>(self, count: usize, f: impl Fn(usize) -> Result<T> + Sync + Send) -> Result<Vec<T>> {
        use rayon::prelude::*;
        if self.is_parallel() && count > 1 {
            (0..count).into_par_iter().with_max_len(1).map(f).collect()
        } else {
            (0..count).map(f).collect()
        }
    }
}

/// The number of cores this process may run on (1 when unknown).
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
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

/// The process-wide memory limit in bytes; 0 means "not set yet": the default, a fraction of the
/// memory available when it is first needed, is computed lazily.
static MEMORY_LIMIT_BYTES: AtomicU64 = AtomicU64::new(0);

/// The share of the machine's available memory that one result may use by default.
pub const DEFAULT_MEMORY_FRACTION: f64 = 0.75;

/// Fallback limit where available memory cannot be read (8 GiB).
const FALLBACK_LIMIT_BYTES: u64 = 8 << 30;

thread_local! {
    /// A per-call limit installed by [`with_memory_limit`] on the thread that runs a call.
    static CALL_LIMIT: Cell<Option<u64>> = const { Cell::new(None) };
}

/// `MemAvailable` from `/proc/meminfo` (Linux), in bytes.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The default process limit: [`DEFAULT_MEMORY_FRACTION`] of the available memory.
pub fn default_memory_limit() -> u64 {
    available_memory().map_or(FALLBACK_LIMIT_BYTES, |b| (b as f64 * DEFAULT_MEMORY_FRACTION) as u64).max(1 << 20)
}

/// Sets the process-wide byte limit that [`check_allocation`] enforces (0 restores the default).
pub fn set_memory_limit(bytes: u64) {
    MEMORY_LIMIT_BYTES.store(bytes, Ordering::Relaxed);
}

/// The process-wide byte limit.
pub fn process_memory_limit() -> u64 {
    match MEMORY_LIMIT_BYTES.load(Ordering::Relaxed) {
        0 => {
            let d = default_memory_limit();
            // A racing first call computes the same default; either store is fine.
            let _ = MEMORY_LIMIT_BYTES.compare_exchange(0, d, Ordering::Relaxed, Ordering::Relaxed);
            MEMORY_LIMIT_BYTES.load(Ordering::Relaxed)
        }
        b => b,
    }
}

/// The limit in force on this thread: the per-call limit of [`with_memory_limit`] if one is
/// installed, else the process-wide one.
pub fn memory_limit() -> u64 {
    CALL_LIMIT.with(|c| c.get()).unwrap_or_else(process_memory_limit)
}

/// Runs `f` with a per-call memory limit on this thread. The up-front size estimates of a call
/// run on the thread that starts it and see this limit; buffers checked later inside a parallel
/// section, on other pool threads, are held to the process-wide limit.
pub fn with_memory_limit<T>(limit: Option<u64>, f: impl FnOnce() -> T) -> T {
    let Some(limit) = limit else { return f() };
    let previous = CALL_LIMIT.with(|c| c.replace(Some(limit)));
    // Restore on unwind as well, so a caught panic leaves no limit behind on a pooled thread.
    struct Restore(Option<u64>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CALL_LIMIT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(previous);
    f()
}

/// Refuses, before anything is allocated, a buffer of `count` elements of `elem_bytes` bytes
/// that would exceed the memory limit (or overflow `usize`).
pub fn check_allocation(what: &str, count: u128, elem_bytes: u128) -> Result<usize> {
    check_bytes(what, count.saturating_mul(elem_bytes))?;
    if count > usize::MAX as u128 {
        return Err(CoreError::TooLarge { what: what.to_string(), requested_bytes: u128::MAX, limit_bytes: 0 });
    }
    Ok(count as usize)
}

/// Refuses a plan that needs `bytes` in total (the sum of a kernel's `*_req` sizes) above the limit.
pub fn check_bytes(what: &str, bytes: u128) -> Result<()> {
    let limit = memory_limit() as u128;
    if bytes > limit {
        return Err(CoreError::TooLarge { what: what.to_string(), requested_bytes: bytes, limit_bytes: limit });
    }
    Ok(())
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
    fn per_call_limit_applies_on_its_thread_only_while_it_runs() {
        assert!(check_allocation("x", 1 << 20, 8).is_ok());
        let inside = with_memory_limit(Some(1024), || check_allocation("x", 1 << 20, 8));
        assert!(matches!(inside, Err(CoreError::TooLarge { limit_bytes: 1024, .. })));
        assert!(check_allocation("x", 1 << 20, 8).is_ok());
    }

    #[test]
    fn par_carries_its_thread_count() {
        assert_eq!(Par::from_threads(1), Par::Seq);
        assert_eq!(Par::from_threads(3).threads(), 3);
        assert!(Par::from_threads(2).is_parallel());
        assert!(!Par::Seq.is_parallel());
        assert_eq!(Par::from_threads(0).threads(), available_cores());
    }

    #[test]
    fn flag_interrupt_trips() {
        let f = FlagInterrupt::default();
        assert!(f.check().is_ok());
        f.0.store(true, Ordering::Relaxed);
        assert_eq!(f.check(), Err(CoreError::Interrupted));
    }
}
