//! Equations and Hilbert functions of neurovarieties, by interpolation modulo primes and
//! multimodular lifting to the integers.
//!
//! - [`hilbert_function`]: `H(d)`, the dimension of the degree-`d` part of the homogeneous
//!   coordinate ring, as the rank of the monomial evaluation matrix at random points of the
//!   variety modulo one prime: a proven lower bound, equal to `H(d)` except with the reported
//!   probability (see [`interpolation`]).
//! - [`equations`]: a basis of the degree-`d` equations (the kernel of that matrix), in its
//!   canonical form, lifted from images modulo several primes to primitive integer
//!   polynomials ([`lifting`]) and verified at fresh points modulo fresh primes
//!   ([`verification`]).
//!
//! The equations are homogeneous in the coefficient coordinates `c_0..c_{N-1}` (the order of
//! `coefficients`); for networks whose last layer is linear (all of neurocore's builders) the
//! image is a cone and these are the equations of the neurovariety.

pub mod interpolation;
pub mod lifting;
pub mod monomial_values;
pub mod verification;

use crate::error::{CoreError, Result};
use crate::net::Network;
use crate::par::{Interrupt, Par};
use crate::ring::primes::prev_prime;
use crate::ring::PrimeField;
pub use interpolation::{canonical_kernel, interpolate, Interpolation, InterpolationSize};
pub use lifting::{integer_equations, IntegerEquation, KernelLift};
pub use monomial_values::{monomial_count, monomials_at};
pub use verification::{verify, Verification};

/// The first prime of the lifting sequence is the largest prime below this (the primes then
/// descend); interpolation modulo one prime uses the first.
pub const LIFT_PRIME_START: u64 = 1 << 62;

/// Primes tried before giving up on a reconstruction.
const MAX_LIFT_PRIMES: usize = 64;

/// The value `H(d)` of the Hilbert function and how far it is proven.
#[derive(Debug, Clone, PartialEq)]
pub struct HilbertValue {
    pub degree: u32,
    /// `N`, the coefficient coordinates.
    pub coordinates: usize,
    /// `M = C(N + d - 1, d)`, the monomials of degree `d`: `H(d) <= M`.
    pub monomials: usize,
    /// The rank of the evaluation matrix modulo `prime`: a proven lower bound on `H(d)`.
    pub value: usize,
    /// True when `value = M` (then `H(d) = M` is proven: no equation of degree `d`).
    pub certified: bool,
    /// Bound on the probability that `value < H(d)` (0 when certified).
    pub error_bound: f64,
    pub prime: u64,
    /// Points of the variety used.
    pub points: usize,
}

impl HilbertValue {
    fn of(size: &InterpolationSize, degree: u32, interp: &Interpolation) -> Self {
        HilbertValue {
            degree,
            coordinates: size.coordinates,
            monomials: size.monomials,
            value: interp.rank,
            certified: interp.rank == size.monomials,
            error_bound: interp.error_bound,
            prime: interp.prime,
            points: interp.points,
        }
    }
}

/// `H(d)` of the neurovariety of `net` (module documentation).
pub fn hilbert_function(net: &Network, degree: u32, seed: u64, par: Par, intr: &dyn Interrupt) -> Result<HilbertValue> {
    let size = InterpolationSize::new(net, degree)?;
    let field = PrimeField::new(prev_prime(LIFT_PRIME_START))?;
    let interp = interpolate(net, degree, &field, seed, 0, par, intr)?;
    Ok(HilbertValue::of(&size, degree, &interp))
}

/// Options of [`equations`].
#[derive(Debug, Clone, Copy)]
pub struct EquationOptions {
    pub seed: u64,
    /// Fresh primes of the verification.
    pub check_primes: usize,
    /// Fresh points per verification prime.
    pub check_points: usize,
    pub par: Par,
}

impl Default for EquationOptions {
    fn default() -> Self {
        EquationOptions { seed: 0, check_primes: 2, check_points: 4, par: Par::Seq }
    }
}

/// The degree-`d` equations of the neurovariety of `net`.
#[derive(Debug, Clone)]
pub struct Equations {
    pub hilbert: HilbertValue,
    /// A basis of the degree-`d` part of the ideal (its canonical basis made primitive).
    pub equations: Vec<IntegerEquation>,
    /// The primes whose images were combined (the last one only checked the reconstruction).
    pub lift_primes: Vec<u64>,
    pub verification: Verification,
}

/// The equations of degree `degree` (module documentation). Fails with `CertificationError`
/// when no reconstruction is found within [`MAX_LIFT_PRIMES`] primes or the verification fails
/// (retry with another seed).
pub fn equations(net: &Network, degree: u32, opts: &EquationOptions, intr: &dyn Interrupt) -> Result<Equations> {
    let size = InterpolationSize::new(net, degree)?;
    let mut prime = LIFT_PRIME_START;
    let mut best: Option<(Interpolation, KernelLift)> = None;
    let mut candidate: Option<Vec<(num_bigint::BigInt, num_bigint::BigInt)>> = None;
    for stream in 0..MAX_LIFT_PRIMES as u64 {
        prime = prev_prime(prime);
        let field = PrimeField::new(prime)?;
        let interp = interpolate(net, degree, &field, opts.seed, stream, opts.par, intr)?;
        let kernel = canonical_kernel(&interp, opts.par, intr)?;
        match &mut best {
            // A larger rank means the earlier images came from too few or unlucky points.
            Some((b, _)) if interp.rank < b.rank => continue,
            Some((b, lift)) if interp.rank == b.rank && lift.same_pattern(&kernel) => {
                if let Some(rationals) = &candidate {
                    if lift.agrees_with(rationals, &kernel, prime)? {
                        lift.primes.push(prime);
                        let lift = lift.clone();
                        let equations = integer_equations(&lift, rationals);
                        let hilbert = HilbertValue::of(&size, degree, b);
                        return finish(net, degree, &size, hilbert, equations, lift.primes, opts, intr);
                    }
                }
                lift.add(&kernel, prime)?;
            }
            Some((b, _)) if interp.rank == b.rank => continue, // same rank, other pivots: unlucky prime
            _ => best = Some((interp.clone(), KernelLift::new(&kernel, prime))),
        }
        if let Some((b, lift)) = &best {
            if lift.free.is_empty() {
                // No equation of degree d (H(d) = rank); nothing to lift.
                let hilbert = HilbertValue::of(&size, degree, b);
                return finish(net, degree, &size, hilbert, Vec::new(), lift.primes.clone(), opts, intr);
            }
            candidate = lift.reconstruct();
        }
    }
    Err(CoreError::Unlucky(format!(
        "no rational reconstruction of the degree-{degree} equations within {MAX_LIFT_PRIMES} primes"
    )))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    net: &Network,
    degree: u32,
    size: &InterpolationSize,
    hilbert: HilbertValue,
    equations: Vec<IntegerEquation>,
    lift_primes: Vec<u64>,
    opts: &EquationOptions,
    intr: &dyn Interrupt,
) -> Result<Equations> {
    let verification = verify(
        net,
        degree,
        size.monomials,
        size.composite_degree(degree),
        &equations,
        opts.seed,
        opts.check_primes,
        opts.check_points,
        intr,
    )?;
    if !verification.failed.is_empty() {
        return Err(CoreError::Unlucky(format!(
            "{} of the {} reconstructed degree-{degree} equations do not vanish at fresh points of the variety; \
             retry with another seed",
            verification.failed.len(),
            equations.len()
        )));
    }
    Ok(Equations { hilbert, equations, lift_primes, verification })
}
