//! Running core work from Python: detached from the interpreter, on the requested number of
//! threads, interruptible by Ctrl-C.
//!
//! Python runs signal handlers only on its main thread, so the calling thread does not do the
//! work itself: a scoped worker thread (which enters the rayon pool) computes, while the caller
//! waits on a channel and polls `PyErr_CheckSignals` every 20 ms. On Ctrl-C it raises a flag
//! that the kernels poll between blocks, waits for the worker to stop, and re-raises Python's
//! own `KeyboardInterrupt`.

use crate::errors::to_pyerr;
use neurocore_core::par::{with_memory_limit, FlagInterrupt};
use neurocore_core::{CoreError, Interrupt, NoInterrupt, Par};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A rayon pool of `threads` threads (0 = all cores) owned by this process. Pools are keyed by
/// process id and rebuilt after `fork()`: a pool inherited from a parent process has no threads,
/// and work sent to it would never run (process pools on Linux fork by default). The global
/// rayon pool is never used for the same reason.
pub fn fork_safe_pool(threads: usize) -> PyResult<Arc<rayon::ThreadPool>> {
    type Pools = Mutex<HashMap<usize, (u32, Arc<rayon::ThreadPool>)>>;
    static POOLS: OnceLock<Pools> = OnceLock::new();
    let threads = if threads == 0 { neurocore_core::par::available_cores() } else { threads };
    let pid = std::process::id();
    let mut map = POOLS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .map_err(|_| PyValueError::new_err("thread pool registry poisoned"))?;
    if let Some((owner, pool)) = map.get(&threads) {
        if *owner == pid {
            return Ok(pool.clone());
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PyValueError::new_err(format!("threads: cannot start {threads} threads: {e}")))?;
    let pool = Arc::new(pool);
    if let Some((_, stale)) = map.insert(threads, (pid, pool.clone())) {
        // Inherited through fork(): its threads do not exist here, so never run its destructor.
        std::mem::forget(stale);
    }
    Ok(pool)
}

fn internal_panic(payload: Box<dyn std::any::Any + Send>) -> CoreError {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into());
    CoreError::internal(format!("a panic in the Rust core ({what})"))
}

/// Runs potentially long `work` without the interpreter lock on `threads` threads (0 = all
/// cores, 1 = sequential) in this process's own pool, interruptible by Ctrl-C. A panic in the
/// core becomes `InternalError`, never an abort.
pub fn run<T, F>(py: Python<'_>, threads: usize, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(Par, &dyn Interrupt) -> Result<T, CoreError> + Send,
{
    run_limited(py, threads, None, work)
}

/// [`run`] with a per-call memory limit (`None`: the process-wide limit) in force on the thread
/// that runs `work`, where its up-front size estimates are checked.
pub fn run_limited<T, F>(py: Python<'_>, threads: usize, memory_limit: Option<u64>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(Par, &dyn Interrupt) -> Result<T, CoreError> + Send,
{
    // The thread count is decided here, once; the pool and `Par` agree on it, and `threads=1`
    // starts no pool at all.
    let par = Par::from_threads(threads);
    let pool = if par.is_parallel() { Some(fork_safe_pool(par.threads())?) } else { None };
    let flag = FlagInterrupt::default();
    let mut signal: Option<PyErr> = None;
    let result = py.detach(|| {
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel();
            let flag_ref = &flag;
            let pool_ref = &pool;
            scope.spawn(move || {
                let outcome = catch_unwind(AssertUnwindSafe(|| match pool_ref {
                    Some(p) => p.install(|| with_memory_limit(memory_limit, || work(par, flag_ref))),
                    None => with_memory_limit(memory_limit, || work(par, flag_ref)),
                }));
                let _ = tx.send(outcome.unwrap_or_else(|p| Err(internal_panic(p))));
            });
            loop {
                match rx.recv_timeout(Duration::from_millis(20)) {
                    Ok(r) => return r,
                    Err(RecvTimeoutError::Timeout) => {
                        if signal.is_none() {
                            if let Err(e) = Python::attach(|py| py.check_signals()) {
                                signal = Some(e);
                                flag.0.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        return Err(CoreError::internal("the worker thread vanished"))
                    }
                }
            }
        })
    });
    match result {
        Ok(v) => Ok(v),
        Err(CoreError::Interrupted) => Err(signal.unwrap_or_else(|| to_pyerr(CoreError::Interrupted))),
        Err(e) => Err(to_pyerr(e)),
    }
}

/// Runs short `work` (microseconds to milliseconds) on the calling thread without the
/// interpreter lock; sequential and not interruptible, so it adds no thread start-up cost.
pub fn run_inline<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(Par, &dyn Interrupt) -> Result<T, CoreError> + Send,
{
    let result = py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| work(Par::Seq, &NoInterrupt))).unwrap_or_else(|p| Err(internal_panic(p)))
    });
    result.map_err(to_pyerr)
}
