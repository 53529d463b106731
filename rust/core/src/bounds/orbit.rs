//! The symmetry bound (docs/certificates.md, Lemmas S1-S2): `n_params` minus the rank of tangent
//! vectors of fibers at a point.
//!
//! The generators (`#gens x n_params`, dense) are streamed into an incremental echelon form in
//! blocks, so that at most the echelon form (`min(#gens, n_params) x n_params`) and one block are
//! held; both sizes are checked against the memory limit before anything is built.

use crate::error::{CoreError, Result};
use crate::linalg::{Echelon, Mat};
use crate::net::symmetry::{
    for_each_symmetry_generator, hidden_symmetry_generator_count, hidden_symmetry_generators, symmetry_generator_count,
};
use crate::net::Network;
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::primes::DEFAULT_PRIME;
use crate::ring::PrimeField;
use crate::rng::SplitMix64;

/// Random stream of the symmetry point (the same stream as before the bounds module).
const STREAM_SYMMETRY: u64 = 4;

/// Bytes of generator rows buffered before a block goes into the echelon form.
const BLOCK_BYTES: usize = 16 << 20;

#[cfg(test)]
thread_local! {
    /// Echelon forms of symmetry generators built on this thread (tests check that a call
    /// builds at most one). Thread-local so that tests running in parallel do not interfere.
    pub(crate) static RANK_COMPUTATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The ranks [`orbit_ranks`] computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrbitRanks {
    /// Rank of the known symmetry group's tangent vectors.
    pub known: usize,
    /// Rank of those together with the hidden symmetries' directions, when they were asked for
    /// and fitted in memory (`None` otherwise: the hidden directions only sharpen a bound).
    pub with_hidden: Option<usize>,
}

/// Ranks modulo 2^61 - 1, at a fixed pseudo-random point, of the tangent vectors of the known
/// symmetry group, and of those together with the hidden symmetries (when `include_hidden`).
/// Each is a proven lower bound on the generic fiber dimension. Both come from one echelon form:
/// the known generators first, then the hidden ones added to it, so the known rank is never
/// computed twice. Refuses (`TooLarge`) only when the known part does not fit; hidden
/// directions that do not fit are skipped.
pub fn orbit_ranks(net: &Network, include_hidden: bool, par: Par, intr: &dyn Interrupt) -> Result<OrbitRanks> {
    let n = net.n_params();
    let known = symmetry_generator_count(net);
    let hidden = if include_hidden { hidden_symmetry_generator_count(net) } else { 0 };
    if n == 0 || known.saturating_add(hidden) == 0 {
        return Ok(OrbitRanks { known: 0, with_hidden: include_hidden.then_some(0) });
    }
    check_allocation("the echelon form of the symmetry generators", known.min(n) as u128 * n as u128, 8)?;
    let block = (BLOCK_BYTES / (8 * n)).clamp(1, known.max(1));
    check_allocation("a block of symmetry generators", block as u128 * n as u128, 8)?;
    // The hidden directions are all held at once and grow the echelon form.
    let total = known.saturating_add(hidden);
    let hidden_fits = hidden > 0
        && check_allocation("the echelon form of all fiber directions", total.min(n) as u128 * n as u128, 8).is_ok()
        && check_allocation("the hidden symmetry generators", hidden as u128 * n as u128, 8).is_ok();
    #[cfg(test)]
    RANK_COMPUTATIONS.with(|c| c.set(c.get() + 1));
    let field = PrimeField::new(DEFAULT_PRIME)?;
    let mut rng = SplitMix64::derived(0, STREAM_SYMMETRY, field.modulus());
    let theta: Vec<u64> = (0..n).map(|_| rng.below(field.modulus())).collect();
    let mut stream = Stream { echelon: Echelon::new(&field, n), buf: Vec::with_capacity(block * n), rows: 0, block, n };
    for_each_symmetry_generator(net, &field, &theta, &mut |g| stream.push(g, par, intr))?;
    stream.flush(par, intr)?;
    let known_rank = stream.echelon.rank();
    let with_hidden = if !include_hidden {
        None
    } else if hidden == 0 {
        Some(known_rank)
    } else if !hidden_fits {
        None
    } else {
        // A block refused inside the reduction leaves the echelon form unchanged (Echelon::add_rows),
        // so the known rank stands and only the sharper bound is lost.
        let mut add_hidden = || -> Result<usize> {
            for g in hidden_symmetry_generators(net, &field, &theta) {
                stream.push(g, par, intr)?;
            }
            stream.flush(par, intr)?;
            Ok(stream.echelon.rank())
        };
        match add_hidden() {
            Ok(r) => Some(r),
            Err(CoreError::TooLarge { .. }) => None,
            Err(e) => return Err(e),
        }
    };
    Ok(OrbitRanks { known: known_rank, with_hidden })
}

/// Rows buffered into blocks on their way into an echelon form.
struct Stream {
    echelon: Echelon,
    buf: Vec<u64>,
    rows: usize,
    block: usize,
    n: usize,
}

impl Stream {
    fn push(&mut self, row: Vec<u64>, par: Par, intr: &dyn Interrupt) -> Result<()> {
        self.buf.extend_from_slice(&row);
        self.rows += 1;
        if self.rows == self.block {
            self.flush(par, intr)?;
        }
        Ok(())
    }

    fn flush(&mut self, par: Par, intr: &dyn Interrupt) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        intr.check()?;
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(self.block * self.n));
        let m = Mat::from_vec(self.rows, self.n, data)?;
        self.echelon.add_rows(&m, par, intr)?;
        self.rows = 0;
        Ok(())
    }
}
