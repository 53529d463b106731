//! The certified rank over Q of an integer matrix.

use super::bounds::{steps_for, SolutionBounds};
use super::dixon::{Lifted, Lifter};
use super::fmod::{random_prime, LIFT_PRIME_BITS};
use super::intmat::IntMatrix;
use super::profile::{rank_profile, Profile};
use crate::error::Result;
use crate::linalg::rank_mod_p;
use crate::par::{Interrupt, Par};
use crate::ring::PrimeField;
use rayon::prelude::*;

/// Random-stream identifiers (see [`crate::rng::SplitMix64::derived`]).
pub(crate) const STREAM_WORD_PRIMES: u64 = 0x5241_4e4b_5750;
pub(crate) const STREAM_LIFT_PRIMES: u64 = 0x5241_4e4b_4c50;

/// Options of the exact algorithms. Results are exact whatever the options; they only change
/// which primes are tried (and so the running time when a prime is unlucky).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactOptions {
    /// Seed of the random primes.
    pub seed: u64,
    /// Number of random ~62-bit primes whose ranks give the lower bound.
    pub word_primes: usize,
    /// Number of lifting primes tried before giving up on a certificate.
    pub attempts: usize,
    /// Explicit primes for the lower bound (when nonempty, used instead of random ones; tests).
    pub forced_word_primes: Vec<u64>,
    /// Explicit lifting primes in `(2^21, 2^22)`, tried first, in order (for tests).
    pub forced_lift_primes: Vec<u64>,
}

impl Default for ExactOptions {
    fn default() -> Self {
        ExactOptions {
            seed: 0,
            word_primes: 2,
            attempts: 8,
            forced_word_primes: Vec::new(),
            forced_lift_primes: Vec::new(),
        }
    }
}

impl ExactOptions {
    /// Default options with the given seed.
    pub fn with_seed(seed: u64) -> Self {
        ExactOptions { seed, ..Self::default() }
    }

    /// The lifting prime of attempt `i` (forced ones first, then random, never repeated).
    pub(crate) fn lift_prime(&self, i: usize, used: &[u64]) -> u64 {
        match self.forced_lift_primes.get(i) {
            Some(&p) => p,
            None => random_prime(LIFT_PRIME_BITS, self.seed, STREAM_LIFT_PRIMES, i as u64, used),
        }
    }
}

/// The rank of a matrix over Q with its proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankCertificate {
    /// The rank (equal to both bounds when `certified`; otherwise the lower bound).
    pub rank: usize,
    /// Proven: the largest rank modulo the primes tried, or one more than a rank whose lifting
    /// failed (a failed lifting proves the rank is larger).
    pub lower_bound: usize,
    /// Proven: `cols - (number of verified independent kernel vectors)`, or `min(rows, cols)`.
    pub upper_bound: usize,
    /// True when the bounds meet.
    pub certified: bool,
    /// Every prime used, lower-bound primes first.
    pub primes: Vec<u64>,
}

/// `max(1 if A != 0, rank(A mod q) for the word-size primes)`: a proven lower bound.
pub(crate) fn word_prime_lower_bound(
    a: &IntMatrix,
    opts: &ExactOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<(usize, Vec<u64>)> {
    let mut primes = opts.forced_word_primes.clone();
    let mut i = 0;
    while opts.forced_word_primes.is_empty() && primes.len() < opts.word_primes {
        let q = random_prime(62, opts.seed, STREAM_WORD_PRIMES, i, &primes);
        primes.push(q);
        i += 1;
    }
    let rank_of = |q: u64, par: Par| -> Result<usize> {
        let f = PrimeField::new(q)?;
        rank_mod_p(&f, &a.residues(&f)?, par, intr)
    };
    let ranks: Vec<usize> = if par.is_parallel() && primes.len() > 1 && a.rows() * a.cols() > 1 << 14 {
        primes.par_iter().map(|&q| rank_of(q, Par::Seq)).collect::<Result<_>>()?
    } else {
        primes.iter().map(|&q| rank_of(q, par)).collect::<Result<_>>()?
    };
    let lower = ranks.into_iter().max().unwrap_or(0).max(usize::from(!a.is_zero()));
    Ok((lower, primes))
}

/// One lifting: true when it proves `rank_Q(A) <= profile.rank`, false when it proves
/// `rank_Q(A) > profile.rank`. Lifts on whichever of `A`, `A^T` has the cheaper kernel.
fn lift_upper_bound(a: &IntMatrix, profile: &Profile, par: Par, intr: &dyn Interrupt) -> Result<bool> {
    let (m, n, r) = (a.rows(), a.cols(), profile.rank);
    // Per step: w (r^2 + s rows r) multiply-adds with w the kernel dimension.
    let cost = |rows: usize, w: usize| w as f64 * ((r * r) as f64 + 2.0 * (rows * r) as f64);
    let transposed = cost(n, m - r) < cost(m, n - r);
    let (at, pt);
    let (mat, prof) = if transposed {
        at = a.transpose();
        pt = profile.transpose();
        (&at, &pt)
    } else {
        (a, profile)
    };
    let free = complement(&prof.cols, mat.cols());
    let bounds = SolutionBounds::new(mat, &prof.rows, &prof.cols, &free);
    let steps = steps_for(&bounds.certificate_target(), prof.p);
    let lifter = Lifter::new(&mat.select_cols(&prof.cols), prof)?;
    let rhs = mat.select_cols(&free);
    let w = free.len();
    let threads = par.threads();
    if threads > 1 && w >= 2 && cost(mat.rows(), w) < COLUMN_SPLIT_WORK {
        // Small steps: independent liftings of column groups, one per thread, with no
        // synchronisation per step (the columns of the kernel basis are independent).
        let groups = threads.min(w);
        let outs = (0..groups)
            .into_par_iter()
            .map(|g| {
                let cols: Vec<usize> = (g * w / groups..(g + 1) * w / groups).collect();
                let out = lifter.lift(&rhs.select_cols(&cols), steps, false, Par::Seq, intr)?;
                Ok(matches!(out, Lifted::Complete { .. }))
            })
            .collect::<Result<Vec<bool>>>()?;
        return Ok(outs.into_iter().all(|ok| ok));
    }
    let out = lifter.lift(&rhs, steps, false, par, intr)?;
    Ok(matches!(out, Lifted::Complete { .. }))
}

/// Multiply-adds per lifting step below which column groups are lifted on separate threads
/// rather than splitting every step's products across threads.
const COLUMN_SPLIT_WORK: f64 = 1.6e7;

/// The columns `0..n` not in `cols` (sorted).
pub(crate) fn complement(cols: &[usize], n: usize) -> Vec<usize> {
    let mut is = vec![false; n];
    for &c in cols {
        is[c] = true;
    }
    (0..n).filter(|&j| !is[j]).collect()
}

/// The rank of an integer matrix over Q, certified.
///
/// Lower bound: ranks modulo `opts.word_primes` random ~62-bit primes. Upper bound: the mod-p
/// rank profile for a random prime `p < 2^22` and Dixon lifting of the standard kernel basis for
/// `ceil(log_p(2 L H))` steps, checking that every row's residual stays divisible by `p`
/// (`H` Hadamard's bound for the Cramer numerators, `L` the largest row 1-norm): by the argument
/// in the module docs this proves that the `cols - r` kernel vectors are exact, hence
/// `rank <= r`, without reconstructing them. A lifting that fails proves `rank > r` (the prime
/// was unlucky) and a new prime is tried; after `opts.attempts` primes the best bounds are
/// returned with `certified = false`.
///
/// Cost: `O(r^3)` modulo `p` for the profile, then `O(w r (r + rows) (log H + log L) / 21)`
/// multiply-adds in f64 GEMMs for the lifting (`w` the smaller kernel dimension).
pub fn rank_qq(a: &IntMatrix, opts: &ExactOptions, par: Par, intr: &dyn Interrupt) -> Result<RankCertificate> {
    let full = a.rows().min(a.cols());
    let done = |r: usize, primes: Vec<u64>| RankCertificate {
        rank: r,
        lower_bound: r,
        upper_bound: r,
        certified: true,
        primes,
    };
    if full == 0 || a.is_zero() {
        return Ok(done(0, Vec::new()));
    }
    let (mut lower, mut primes) = word_prime_lower_bound(a, opts, par, intr)?;
    if lower == full {
        return Ok(done(full, primes));
    }
    let mut lifts = Vec::new();
    for attempt in 0..opts.attempts.max(opts.forced_lift_primes.len()) {
        intr.check()?;
        let p = opts.lift_prime(attempt, &lifts);
        lifts.push(p);
        primes.push(p);
        let profile = rank_profile(a, p, par, intr)?;
        let r = profile.rank;
        lower = lower.max(r);
        if r < lower {
            continue;
        }
        if r == full {
            return Ok(done(full, primes));
        }
        if lift_upper_bound(a, &profile, par, intr)? {
            return Ok(done(r, primes));
        }
        lower = r + 1;
        if lower == full {
            return Ok(done(full, primes));
        }
    }
    Ok(RankCertificate { rank: lower, lower_bound: lower, upper_bound: full, certified: false, primes })
}
