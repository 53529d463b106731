//! A verified basis of the right kernel over Q of an integer matrix.

use super::bounds::{steps_for, SolutionBounds};
use super::dixon::{Lifted, Lifter};
use super::intmat::IntMatrix;
use super::profile::{rank_profile, Profile};
use super::rank::{complement, word_prime_lower_bound, ExactOptions};
use super::reconstruct::{centred_mod, rational_reconstruction, PadicPowers};
use super::verify::product_is_zero;
use crate::error::{CoreError, Result};
use crate::par::{check_allocation, Interrupt, Par};
use crate::rng::SplitMix64;
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, Signed, Zero};
use rayon::prelude::*;

const STREAM_COMBINATION: u64 = 0x4b45_524e_434f;

/// A basis of `{x in Q^cols : A x = 0}`, as the rows of a `rows x cols` matrix: entry `k` (row
/// major) is `numerators[k] / denominator`, with `gcd(numerators, denominator) = 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RationalKernel {
    /// Number of basis vectors, `cols - rank`.
    pub rows: usize,
    /// Length of each vector (the number of columns of `A`).
    pub cols: usize,
    /// Row-major numerators.
    pub numerators: Vec<BigInt>,
    /// The common denominator (positive).
    pub denominator: BigInt,
    /// `rank_Q(A)` (certified: the basis is verified and the rank matched modulo a prime).
    pub rank: usize,
    /// The primes used.
    pub primes: Vec<u64>,
}

impl RationalKernel {
    /// The basis of the kernel when `A` has full column rank or is zero.
    fn trivial(rank: usize, cols: usize, primes: Vec<u64>) -> Self {
        let rows = cols - rank;
        let numerators = (0..rows * cols).map(|k| BigInt::from(u8::from(k / cols == k % cols))).collect();
        RationalKernel { rows, cols, numerators, denominator: BigInt::one(), rank, primes }
    }
}

/// The standard basis of the right kernel over Q, verified by exact integer multiplication.
///
/// For each free column `f_j` (outside the lexicographically first independent columns `P`
/// modulo a prime), the vector with `1` at `f_j`, `x_j = -A_RP^{-1} A_{R f_j}` on `P` and zeros
/// elsewhere. The p-adic expansions of the `x_j` come from Dixon lifting (as in
/// [`rank_qq`](super::rank_qq), every row checked); their common denominator `D` from rational
/// reconstruction of one random combination `sum_j c_j x_j`, lifted to `p^K > 2 (sum c_j) H^2`
/// (unique reconstruction for Hadamard's bound `H` on numerators and denominators); each
/// numerator is then the centred residue of `D x_tj mod p^K1`. Finally `A K^T = 0` is checked
/// over Z by [`product_is_zero`], an exact integer product independent of the lifting. Any
/// failure (an unlucky prime, an unlucky combination) retries with a fresh prime;
/// `CoreError::Unlucky` when `opts.attempts` primes all fail.
pub fn kernel_qq(a: &IntMatrix, opts: &ExactOptions, par: Par, intr: &dyn Interrupt) -> Result<RationalKernel> {
    let (m, n) = (a.rows(), a.cols());
    if m == 0 || n == 0 || a.is_zero() {
        return Ok(RationalKernel::trivial(0, n, Vec::new()));
    }
    let (mut lower, mut primes) = word_prime_lower_bound(a, opts, par, intr)?;
    if lower == n {
        return Ok(RationalKernel::trivial(n, n, primes));
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
        if r == n {
            return Ok(RationalKernel::trivial(n, n, primes));
        }
        match attempt_kernel(a, &profile, opts.seed ^ attempt as u64, par, intr)? {
            Attempt::Basis(numerators, denominator) => {
                return Ok(RationalKernel { rows: n - r, cols: n, numerators, denominator, rank: r, primes });
            }
            Attempt::RankLarger => lower = r + 1,
            Attempt::Failed => {}
        }
        if lower == n {
            return Ok(RationalKernel::trivial(n, n, primes));
        }
    }
    Err(CoreError::Unlucky(format!(
        "the kernel could not be verified with {} primes ({:?}); retry with another seed",
        lifts.len(),
        lifts
    )))
}

enum Attempt {
    /// Row-major numerators of the basis (`(n - r) x n`) over one denominator.
    Basis(Vec<BigInt>, BigInt),
    /// Lifting proved `rank_Q(A) > r`.
    RankLarger,
    /// Reconstruction or verification failed (unlucky combination); try another prime.
    Failed,
}

fn attempt_kernel(a: &IntMatrix, profile: &Profile, seed: u64, par: Par, intr: &dyn Interrupt) -> Result<Attempt> {
    let (m, n, r, p) = (a.rows(), a.cols(), profile.rank, profile.p);
    let free = complement(&profile.cols, n);
    let w = free.len();
    let bounds = SolutionBounds::new(a, &profile.rows, &profile.cols, &free);
    let k1 = steps_for(&bounds.certificate_target(), p);
    let lifter = Lifter::new(&a.select_cols(&profile.cols), profile)?;
    let a_free = a.select_cols(&free);
    let Lifted::Complete { digits } = lifter.lift(&a_free, k1, true, par, intr)? else {
        return Ok(Attempt::RankLarger);
    };
    // The combination column sum_j c_j A_{f_j} and its solution y = sum_j c_j x_j.
    let mut g = SplitMix64::derived(seed, STREAM_COMBINATION, 0);
    let coef: Vec<u64> = (0..w).map(|_| 1 + g.below(1 << 16)).collect();
    let comb: Vec<BigInt> = (0..m).map(|i| (0..w).map(|j| a_free.entry(i, j) * coef[j]).sum()).collect();
    let comb = IntMatrix::from_bigints(m, 1, comb)?;
    let coef_sum: u64 = coef.iter().sum();
    let nb_u: BigUint = &bounds.h * coef_sum;
    let k2 = steps_for(&((&nb_u * &bounds.h) << 1u32), p);
    let (h, nb) = (BigInt::from(bounds.h.clone()), BigInt::from(nb_u));
    let Lifted::Complete { digits: yd } = lifter.lift(&comb, k2, true, par, intr)? else {
        return Ok(Attempt::Failed);
    };
    intr.check()?;
    // The common denominator: denominators of y's entries, accumulated (one multiplication per
    // entry once it is complete).
    let pb = BigInt::from(p);
    let m2 = pb.pow(k2 as u32);
    let pows2 = PadicPowers::new(p, k2);
    let mut den = BigInt::one();
    for t in 0..r {
        let yt: Vec<i64> = (0..k2).map(|i| yd[i * r + t] as i64).collect();
        let z = centred_mod(&(&den * pows2.value(&yt)), &m2);
        if z.abs() <= nb {
            continue;
        }
        let Some((_, q)) = rational_reconstruction(&z, &m2, &nb, &(&h / &den)) else {
            return Ok(Attempt::Failed);
        };
        den *= q;
    }
    intr.check()?;
    // Numerators N = D x mod p^K1 (centred). The combination may have lost a small factor of
    // the common denominator (e.g. 2 or 3, often, when two columns' denominators differ by
    // such a factor); an entry whose residue is then too large gets its own reconstruction with
    // numerator bound H and the missing factor below L, unique modulo p^K1 > 2 L H.
    let m1 = pb.pow(k1 as u32);
    let pows1 = PadicPowers::new(p, k1);
    check_allocation("kernel numerators", (n as u128) * w as u128, bounds.h.bits() as u128 / 8 + 48)?;
    let solution = |e: usize| -> BigInt {
        let (t, j) = (e / w, e % w);
        let d: Vec<i64> = (0..k1).map(|i| digits[i * r * w + t * w + j] as i64).collect();
        pows1.value(&d)
    };
    let first = |e: usize| -> BigInt { centred_mod(&(&den * solution(e)), &m1) };
    let mut nums: Vec<BigInt> = if par.is_parallel() {
        (0..r * w).into_par_iter().map(first).collect()
    } else {
        (0..r * w).map(first).collect()
    };
    let den0 = den.clone();
    let mut redo = Vec::new();
    for (e, z) in nums.iter().enumerate() {
        if z.abs() <= h {
            continue;
        }
        redo.push(e);
        let y = solution(e);
        let z = centred_mod(&(&den * &y), &m1);
        if z.abs() <= h {
            continue;
        }
        // The missing factor q divides d / den, and 2 h q < p^K1 must hold for a unique answer:
        // p^K1 > 2 L h allows any q up to L (missing factors are small primes in practice).
        let db = (&h / &den).min((&m1 - 1u32) / (&h * 2u32));
        if db < BigInt::one() {
            return Ok(Attempt::Failed);
        }
        let Some((_, q)) = rational_reconstruction(&z, &m1, &h, &db) else {
            return Ok(Attempt::Failed);
        };
        den *= q;
    }
    if den != den0 {
        let scale = &den / &den0;
        for z in &mut nums {
            *z *= &scale;
        }
        for e in redo {
            nums[e] = centred_mod(&(&den * solution(e)), &m1);
        }
    }
    drop(digits);
    let largest = nums.iter().map(|x| x.magnitude()).max().cloned().unwrap_or_default().max(den.magnitude().clone());
    if BigInt::from(&bounds.row_l1 * largest) * 2u32 >= m1 {
        return Ok(Attempt::Failed);
    }
    intr.check()?;
    // K^T (n x w): N on the pivot rows, D on (f_j, j).
    let mut kt = vec![BigInt::zero(); n * w];
    for (t, &c) in profile.cols.iter().enumerate() {
        for j in 0..w {
            kt[c * w + j] = nums[t * w + j].clone();
        }
    }
    for (j, &f) in free.iter().enumerate() {
        kt[f * w + j] = den.clone();
    }
    drop(nums);
    if !product_is_zero(a, &kt, w, par, intr)? {
        return Ok(Attempt::Failed);
    }
    // Row j of the basis is column j of K^T; divide out the common content.
    let g = kt.iter().fold(den.clone(), |g, x| if g.is_one() { g } else { g.gcd(x) });
    let mut out = Vec::with_capacity(w * n);
    for j in 0..w {
        for c in 0..n {
            out.push(&kt[c * w + j] / &g);
        }
    }
    Ok(Attempt::Basis(out, den / g))
}
