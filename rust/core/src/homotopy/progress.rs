//! Progress of a long global-engine call, readable from another thread while it runs.
//!
//! The drivers advance a stage counter (one stage per monodromy run, the certification of its
//! solutions, the tracking to the user's data and their certification); a front end polls it
//! and draws a bar. Counters are atomics, so reading never blocks the computation, and the
//! results never depend on whether anyone reads.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Stage counter of one call: `done` of `total` stages.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
    /// Loops of the current monodromy run and its solutions so far (0 before the first loop).
    loops: AtomicUsize,
    solutions: AtomicUsize,
}

impl Progress {
    /// Stages finished and the total (the total is known once the call has started).
    pub fn get(&self) -> (usize, usize) {
        (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }

    /// Loops of the running monodromy and the solutions it holds (for a bar's postfix).
    pub fn loops(&self) -> (usize, usize) {
        (self.loops.load(Ordering::Relaxed), self.solutions.load(Ordering::Relaxed))
    }

    pub(crate) fn note_loop(&self, loops: usize, solutions: usize) {
        self.loops.store(loops, Ordering::Relaxed);
        self.solutions.store(solutions, Ordering::Relaxed);
    }

    pub(crate) fn set_total(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
    }

    pub(crate) fn advance(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// `Some(&Progress)` as an optional sink.
pub(crate) fn tick(p: Option<&Progress>) {
    if let Some(p) = p {
        p.advance();
    }
}
