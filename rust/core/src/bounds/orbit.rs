//! The symmetry bound (docs/certificates.md, Lemmas S1-S2): `n_params` minus the rank of tangent
//! vectors of fibers at a point.
//!
//! The generators (`#gens x n_params`, dense) are streamed into an incremental echelon form in
//! blocks, so that at most the echelon form (`min(#gens, n_params) x n_params`) and one block are
//! held; both sizes are checked against the memory limit before anything is built.

use crate::error::Result;
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

/// Ranks modulo 2^61 - 1, at a fixed pseudo-random point, of the tangent vectors of the known
/// symmetry group, and of those together with the hidden symmetries (equal to the first when
/// `include_hidden` is false). Each is a proven lower bound on the generic fiber dimension.
pub fn orbit_ranks(net: &Network, include_hidden: bool, par: Par, intr: &dyn Interrupt) -> Result<(usize, usize)> {
    let n = net.n_params();
    let known = symmetry_generator_count(net);
    let hidden = if include_hidden { hidden_symmetry_generator_count(net) } else { 0 };
    let total = known.saturating_add(hidden);
    if total == 0 || n == 0 {
        return Ok((0, 0));
    }
    check_allocation("the echelon form of the symmetry generators", total.min(n) as u128 * n as u128, 8)?;
    let block = (BLOCK_BYTES / (8 * n)).clamp(1, total);
    check_allocation("a block of symmetry generators", block as u128 * n as u128, 8)?;
    if hidden > 0 {
        check_allocation("the hidden symmetry generators", hidden as u128 * n as u128, 8)?;
    }
    let field = PrimeField::new(DEFAULT_PRIME)?;
    let mut rng = SplitMix64::derived(0, STREAM_SYMMETRY, field.modulus());
    let theta: Vec<u64> = (0..n).map(|_| rng.below(field.modulus())).collect();
    let mut stream = Stream { echelon: Echelon::new(&field, n), buf: Vec::with_capacity(block * n), rows: 0, block, n };
    for_each_symmetry_generator(net, &field, &theta, &mut |g| stream.push(g, par, intr))?;
    stream.flush(par, intr)?;
    let known_rank = stream.echelon.rank();
    if include_hidden {
        for g in hidden_symmetry_generators(net, &field, &theta) {
            stream.push(g, par, intr)?;
        }
        stream.flush(par, intr)?;
    }
    Ok((known_rank, stream.echelon.rank()))
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
