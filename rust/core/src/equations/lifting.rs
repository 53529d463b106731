//! From canonical kernels modulo several primes to integer equations: the Chinese remainder
//! theorem entry by entry, rational reconstruction, and a check against one more prime.
//!
//! The canonical basis (see [`super::interpolation::CanonicalKernel`]) of the degree-`d` part of
//! the ideal has rational entries; its image modulo a good prime is the canonical basis of the
//! kernel modulo that prime. Images with a different pivot set (an unlucky prime or unlucky
//! points) are set aside; those with the most common, largest-rank pattern are combined.
//! Reconstruction succeeds, with bounds `sqrt(m / 2)` on numerators and denominators, once the
//! product `m` of the primes is large enough; the candidate is accepted when it reduces to the
//! image modulo a further prime, and then verified on fresh points (`super::verification`).

use super::interpolation::CanonicalKernel;
use crate::error::{CoreError, Result};
use crate::exact::reconstruct::{crt_pair, rational_reconstruction};
use crate::ring::{PrimeField, Ring};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

/// Residues of the canonical kernel entries combined over the primes so far.
#[derive(Debug, Clone)]
pub struct KernelLift {
    pub free: Vec<usize>,
    pub pivots: Vec<usize>,
    /// Entries (row-major, `free.len() x pivots.len()`) modulo `modulus`, in `[0, modulus)`.
    residues: Vec<BigInt>,
    modulus: BigInt,
    /// The primes combined.
    pub primes: Vec<u64>,
}

impl KernelLift {
    /// Starts from one image.
    pub fn new(k: &CanonicalKernel, prime: u64) -> Self {
        KernelLift {
            free: k.free.clone(),
            pivots: k.pivots.clone(),
            residues: k.values.as_slice().iter().map(|&v| BigInt::from(v)).collect(),
            modulus: BigInt::from(prime),
            primes: vec![prime],
        }
    }

    /// True when `k` has this lift's pivot pattern.
    pub fn same_pattern(&self, k: &CanonicalKernel) -> bool {
        self.free == k.free && self.pivots == k.pivots
    }

    /// Combines one more image with the same pattern.
    pub fn add(&mut self, k: &CanonicalKernel, prime: u64) -> Result<()> {
        if !self.same_pattern(k) {
            return Err(CoreError::internal("combining kernel images with different pivot patterns"));
        }
        let p = BigInt::from(prime);
        for (r, &v) in self.residues.iter_mut().zip(k.values.as_slice()) {
            let (x, _) = crt_pair(r, &self.modulus, &BigInt::from(v), &p)
                .ok_or_else(|| CoreError::internal(format!("prime {prime} used twice in a lift")))?;
            *r = x;
        }
        self.modulus *= p;
        self.primes.push(prime);
        Ok(())
    }

    /// The rational entries `(numerator, denominator)` if every entry reconstructs within the
    /// bounds `sqrt(m / 2)`; `None` when the product of the primes is still too small.
    pub fn reconstruct(&self) -> Option<Vec<(BigInt, BigInt)>> {
        let bound = (&self.modulus / BigInt::from(2)).sqrt();
        self.residues.iter().map(|r| rational_reconstruction(r, &self.modulus, &bound, &bound)).collect()
    }

    /// True when the rational entries reduce to the image `k` modulo `prime` (a denominator
    /// divisible by `prime` counts as a mismatch).
    pub fn agrees_with(&self, rationals: &[(BigInt, BigInt)], k: &CanonicalKernel, prime: u64) -> Result<bool> {
        if !self.same_pattern(k) {
            return Ok(false);
        }
        let field = PrimeField::new(prime)?;
        Ok(rationals.iter().zip(k.values.as_slice()).all(|((n, d), &v)| {
            let d = field.from_bigint(d);
            // n / d mod p, with d^{-1} = d^{p-2} (Fermat).
            d != 0 && field.mul(&field.from_bigint(n), &field.pow(d, prime - 2)) == v
        }))
    }
}

/// One equation with integer coefficients: `(monomial index, coefficient)` with nonzero
/// coefficients, by increasing monomial index; primitive (content 1), with a positive
/// coefficient at its free monomial.
pub type IntegerEquation = Vec<(usize, BigInt)>;

/// The integer equations of a reconstructed canonical basis: row `j` is the free monomial
/// `free[j]` (coefficient 1) plus `sum_t q[j][t] m_{pivots[t]}`, scaled by the lcm of its
/// denominators and divided by the gcd of its coefficients.
pub fn integer_equations(lift: &KernelLift, rationals: &[(BigInt, BigInt)]) -> Vec<IntegerEquation> {
    let r = lift.pivots.len();
    lift.free
        .iter()
        .enumerate()
        .map(|(j, &f)| {
            let row = &rationals[j * r..(j + 1) * r];
            let lcm = row.iter().fold(BigInt::one(), |acc, (_, d)| acc.lcm(d));
            let mut terms: Vec<(usize, BigInt)> = row
                .iter()
                .zip(&lift.pivots)
                .filter(|((n, _), _)| !n.is_zero())
                .map(|((n, d), &c)| (c, n * (&lcm / d)))
                .collect();
            terms.push((f, lcm));
            terms.sort_by_key(|(c, _)| *c);
            let g = terms.iter().fold(BigInt::zero(), |acc, (_, v)| acc.gcd(v));
            if !g.is_zero() && !g.is_one() {
                for (_, v) in &mut terms {
                    *v = &*v / &g;
                }
            }
            debug_assert!(
                terms.iter().all(|(_, v)| !v.is_zero()) && terms.iter().any(|(c, v)| *c == f && v.is_positive())
            );
            terms
        })
        .collect()
}
