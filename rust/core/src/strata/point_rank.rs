//! The rank of the parametrisation's Jacobian at an exact (rational) parameter point.
//!
//! Small networks (`ambient_dim * n_params <= EXACT_JACOBIAN_LIMIT`): the coefficient Jacobian
//! over Q and its certified rank (`QQMatrix::rank`). Larger ones never form it: the rank is
//! bounded below by evaluation Jacobians modulo primes at random points ([`rank_at_point`]; a
//! rank mod p of `J_eval(theta mod p)` is at most the rank over Q at `theta`) and above by
//! `n_params` minus the exact rank of the symmetry tangents at `theta` (they are kernel vectors
//! of the Jacobian) and by the ambient dimension.

use crate::coefficients::{coefficient_jacobian, coefficients};
use crate::dimension::{ambient_dim, rank_at_point, BATCH_BYTES};
use crate::error::Result;
use crate::exact::{ExactOptions, QQMatrix};
use crate::net::symmetry::{hidden_symmetry_generator_count, hidden_symmetry_generators, symmetry_generators};
use crate::net::Network;
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::primes::DEFAULT_PRIME;
use crate::ring::{PrimeField, RationalRing, Ring};
use crate::rng::SplitMix64;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};

/// Largest exact coefficient Jacobian (entries) formed; beyond it the evaluation-rank bounds.
pub const EXACT_JACOBIAN_LIMIT: u64 = 400_000;

/// The primes of the evaluation lower bound: 2^61 - 1 and 2^61 - 31.
const LOWER_BOUND_PRIMES: [u64; 2] = [DEFAULT_PRIME, 2_305_843_009_213_693_921];

const STREAM_POINTS: u64 = 11;

/// The rank at a point with its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointRank {
    /// A proven lower bound (the rank itself when `certified`).
    pub lower: usize,
    /// A proven upper bound.
    pub upper: usize,
    pub certified: bool,
    /// `phi(theta) = 0` exactly.
    pub phi_zero: bool,
}

/// Whether [`exact_point_rank`] forms the coefficient Jacobian of `net` (it fits the limit).
pub fn uses_exact_jacobian(net: &Network) -> Result<bool> {
    let ambient = ambient_dim(net)?.to_u64().unwrap_or(u64::MAX);
    Ok(ambient.saturating_mul(net.n_params() as u64) <= EXACT_JACOBIAN_LIMIT)
}

/// The rank of the Jacobian of `net` at the rational point `theta` (module documentation).
pub fn exact_point_rank(
    net: &Network,
    theta: &[BigRational],
    seed: u64,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<PointRank> {
    net.check_params_len(theta.len())?;
    let n = net.n_params();
    let phi = coefficients(net, RationalRing, theta)?;
    let phi_zero = phi.iter().all(|c| c.is_zero());
    let opts = ExactOptions::with_seed(seed);
    if uses_exact_jacobian(net)? {
        let jac = coefficient_jacobian(net, RationalRing, theta, par, intr)?;
        let m = QQMatrix::from_rationals(jac.len() / n.max(1), n, &jac)?;
        let c = m.rank(&opts, par, intr)?;
        return Ok(PointRank { lower: c.lower_bound, upper: c.upper_bound, certified: c.certified, phi_zero });
    }
    let gens = hidden_symmetry_generator_count(net).saturating_add(crate::net::symmetry::symmetry_generator_count(net));
    check_allocation("the symmetry tangent vectors", gens as u128 * n as u128, 32)?;
    let mut rows = symmetry_generators(net, &RationalRing, theta);
    rows.extend(hidden_symmetry_generators(net, &RationalRing, theta));
    let mut upper = n;
    if !rows.is_empty() {
        let flat: Vec<BigRational> = rows.into_iter().flatten().collect();
        let m = QQMatrix::from_rationals(flat.len() / n.max(1), n, &flat)?;
        upper = n - m.rank(&opts, par, intr)?.lower_bound.min(n);
    }
    upper = upper.min(ambient_dim(net)?.to_usize().unwrap_or(usize::MAX));
    let out = net.output_dim().max(1);
    let extra = 2usize.max(32usize.div_ceil(out));
    let mut lower = 0;
    for (i, &p) in LOWER_BOUND_PRIMES.iter().enumerate() {
        let field = PrimeField::new(p)?;
        // a denominator divisible by p has no residue: this prime says nothing
        let Ok(residues) = theta.iter().map(|t| field.from_rational(t)).collect::<Result<Vec<u64>>>() else {
            continue;
        };
        let bound = net.bind(field)?;
        let mut rng = SplitMix64::derived(seed, STREAM_POINTS, i as u64);
        let s = rank_at_point(&bound, &residues, upper, extra, BATCH_BYTES, &mut rng, par, intr)?;
        lower = lower.max(s.rank);
        if lower == upper {
            break;
        }
    }
    Ok(PointRank { lower, upper, certified: lower == upper, phi_zero })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer};
    use crate::NoInterrupt;

    fn q(v: &[i64]) -> Vec<BigRational> {
        v.iter().map(|&x| BigRational::from_integer(x.into())).collect()
    }

    fn quadratic_mlp_321() -> Network {
        Network::new(vec![
            Layer::Dense(Dense { input_dim: 3, output_dim: 2, bias: false }),
            Layer::Activation(Activation::monomial(2, 2).unwrap()),
            Layer::Dense(Dense { input_dim: 2, output_dim: 1, bias: false }),
        ])
        .unwrap()
    }

    #[test]
    fn gold_points_of_a_quadratic_mlp() {
        // gold strata.jsonl: q321-generic rank 5, q321-dead-out rank 4, q321-merged rank 3
        let net = quadratic_mlp_321();
        for (theta, rank) in
            [([1, 2, 3, 4, 5, 7, 1, 2], 5), ([1, 2, 3, 4, 5, 7, 1, 0], 4), ([1, 2, 3, 1, 2, 3, 1, 2], 3)]
        {
            let r = exact_point_rank(&net, &q(&theta), 0, Par::Seq, &NoInterrupt).unwrap();
            assert_eq!((r.lower, r.upper, r.certified, r.phi_zero), (rank, rank, true, false));
        }
        let z = exact_point_rank(&net, &q(&[0; 8]), 0, Par::Seq, &NoInterrupt).unwrap();
        assert!(z.phi_zero && z.lower == 0);
    }
}
