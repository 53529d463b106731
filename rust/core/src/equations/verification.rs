//! Checks of integer equations at fresh random points of the variety modulo fresh primes.
//!
//! For an equation `F` (integer coefficients) that does **not** vanish on the variety,
//! `G(theta) = F(phi(theta))` is a nonzero polynomial of degree at most `d deg_theta(phi)` with
//! integer coefficients. Modulo a prime `q` that does not divide all of them, `G` vanishes at a
//! uniform point of F_q^n with probability at most `d deg_theta(phi) / q` (Schwartz-Zippel), so
//! surviving `k` independent points modulo each of the primes `q_1, ..., q_s` has probability at
//! most `prod_i (d deg_theta(phi) / q_i)^k`: the reported bound (conditional on the primes, which
//! are drawn from the seed among the primes of `[2^60, 2^61)`, not dividing the content of `G`).

use super::lifting::IntegerEquation;
use super::monomial_values::monomial_values;
use crate::coefficients::coefficients;
use crate::error::Result;
use crate::net::Network;
use crate::par::Interrupt;
use crate::ring::primes::prev_prime;
use crate::ring::{PrimeField, Ring};
use crate::rng::SplitMix64;

/// Random stream of the verification primes and points ("EQNS" + 2).
pub const STREAM_EQUATION_CHECKS: u64 = 0x4551_4e53_0000_0002;

/// What the verification did.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// The fresh primes.
    pub primes: Vec<u64>,
    /// Fresh points per prime.
    pub points_per_prime: usize,
    /// Bound on the probability that an equation not vanishing on the variety passed (module
    /// documentation).
    pub error_bound: f64,
    /// Indices of the equations that failed (empty when all passed).
    pub failed: Vec<usize>,
}

/// Evaluates every equation at `points_per_prime` fresh points modulo each of `n_primes` fresh
/// primes drawn from `seed`.
#[allow(clippy::too_many_arguments)]
pub fn verify(
    net: &Network,
    degree: u32,
    monomials: usize,
    composite_degree: f64,
    equations: &[IntegerEquation],
    seed: u64,
    n_primes: usize,
    points_per_prime: usize,
    intr: &dyn Interrupt,
) -> Result<Verification> {
    let mut rng = SplitMix64::derived(seed, STREAM_EQUATION_CHECKS, 0);
    let mut primes = Vec::with_capacity(n_primes);
    let mut failed = vec![false; equations.len()];
    let mut error_bound = 1.0f64;
    while primes.len() < n_primes {
        let q = prev_prime((1u64 << 60) + rng.below(1u64 << 60));
        if primes.contains(&q) {
            continue;
        }
        primes.push(q);
        let field = PrimeField::new(q)?;
        let reduced: Vec<Vec<(usize, u64)>> =
            equations.iter().map(|e| e.iter().map(|(c, v)| (*c, field.from_bigint(v))).collect()).collect();
        let mut values = vec![0u64; monomials];
        for k in 0..points_per_prime {
            intr.check()?;
            let mut point_rng =
                SplitMix64::derived(seed, STREAM_EQUATION_CHECKS, ((primes.len() as u64) << 32) + k as u64 + 1);
            let theta: Vec<u64> = (0..net.n_params()).map(|_| point_rng.below(q)).collect();
            let point = coefficients(net, field, &theta)?;
            monomial_values(&field, &point, degree, &mut values);
            for (i, e) in reduced.iter().enumerate() {
                let v = e.iter().fold(0u64, |acc, (c, a)| field.add(&acc, &field.mul(a, &values[*c])));
                if v != 0 {
                    failed[i] = true;
                }
            }
        }
        error_bound *= (composite_degree / q as f64).powi(points_per_prime as i32);
    }
    let failed = failed.iter().enumerate().filter(|(_, f)| **f).map(|(i, _)| i).collect();
    Ok(Verification { primes, points_per_prime, error_bound: error_bound.min(1.0), failed })
}
