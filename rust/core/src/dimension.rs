//! The dimension of a neurovariety: the generic rank of the parametrisation's Jacobian,
//! computed as ranks modulo primes at random points and certified when it meets a proven upper
//! bound (design.md 2.5).
//!
//! Proven upper bounds (module [`crate::bounds`], each a lemma of docs/certificates.md): the
//! ambient dimension; `n_params` minus the generic orbit dimension of the known (and hidden)
//! symmetries; the closed formula for linear MLPs; for MLPs, the composition, interface and
//! span bounds over all splits. They are computed once per architecture and shared with scans.
//!
//! Each trial draws `theta` uniformly from F_p^n and adds evaluation points in batches to an
//! incremental echelon form until a batch of fresh points adds nothing (or the upper bound is
//! met). Its failure probability (reporting less than the generic rank) is at most
//! `U (deg_theta - 1) / p` (Schwartz-Zippel for a maximal minor of the coefficient Jacobian,
//! whose entries have degree `<= deg_theta - 1` in theta) plus `(U + 1) (deg_x / p)^m` for
//! stopping at a batch of `m` fresh points that failed to raise a rank they could have raised.
//! Independent trials multiply. The bound assumes that `p` does not divide every coefficient of
//! that maximal minor, which holds for all but finitely many primes.

use crate::bounds::proven_bounds;
use crate::error::{CoreError, Result};
use crate::jacobian::evaluation_jacobian;
use crate::linalg::{Echelon, Mat};
use crate::net::degrees::{network_degrees, NetworkDegrees};
use crate::net::symmetry::linear_mlp_dim;
use crate::net::{BoundNetwork, Layer, Network};
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::primes::{prev_prime, validate_prime, DEFAULT_PRIME, SMALL_PRIME_BOUND};
use crate::ring::PrimeField;
use crate::rng::SplitMix64;
use num_bigint::BigUint;
use num_traits::{ToPrimitive, Zero};

const STREAM_THETA: u64 = 1;
const STREAM_POINTS: u64 = 2;
const STREAM_PRIMES: u64 = 3;

/// Rows of Jacobian kept in memory at once (per batch), in bytes.
pub(crate) const BATCH_BYTES: usize = 256 << 20;

/// Options of [`dimension`].
#[derive(Debug, Clone)]
pub struct DimensionOptions {
    pub seed: u64,
    /// Primes to use, one per trial (cycled); `None` picks a fast small prime first, then
    /// 2^61 - 1, then random 61-bit primes.
    pub primes: Option<Vec<u64>>,
    /// Trials to run when the first one does not meet the proven upper bound (at least 2).
    pub trials: usize,
    /// Fresh points in each batch after the first (at least 2).
    pub extra_points: usize,
    pub par: Par,
}

impl Default for DimensionOptions {
    fn default() -> Self {
        DimensionOptions { seed: 0, primes: None, trials: 2, extra_points: 0, par: Par::from_threads(0) }
    }
}

/// One random-point rank computation.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    pub prime: u64,
    pub rank: usize,
    /// Evaluation points used.
    pub points: usize,
    /// Jacobian rows formed (`points * output_dim`).
    pub rows: usize,
    /// Upper bound on the probability that this trial's rank is below the generic rank.
    pub error_bound: f64,
}

pub use crate::bounds::UpperBound;

/// The dimension of a neurovariety with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionReport {
    pub dim: usize,
    pub n_params: usize,
    pub ambient_dim: BigUint,
    pub symmetry_dim: usize,
    pub expected_dim: usize,
    pub upper_bound: UpperBound,
    pub certified: bool,
    pub error_bound: f64,
    pub trials: Vec<Trial>,
    pub seed: u64,
}

/// Ambient dimension: `output_dim` times the number of monomials of the occurring degrees.
pub fn ambient_dim(net: &Network) -> Result<BigUint> {
    let deg = network_degrees(net)?;
    Ok(deg.input.monomial_count(net.input_dim()) * BigUint::from(net.output_dim()))
}

fn ambient_usize(a: &BigUint) -> usize {
    a.to_usize().unwrap_or(usize::MAX)
}

/// The dimension of the generic orbit of the known symmetry group (design.md 2.1-2.3); see
/// [`crate::bounds::symmetry_dim`].
pub fn symmetry_dim(net: &Network, par: Par, intr: &dyn Interrupt) -> Result<usize> {
    crate::bounds::symmetry_dim(net, par, intr)
}

/// `min(n_params - symmetry_dim, ambient_dim)`.
pub fn expected_dim(net: &Network, par: Par, intr: &dyn Interrupt) -> Result<usize> {
    if let Some(d) = linear_mlp_dim(net) {
        return Ok(d);
    }
    let sym = symmetry_dim(net, par, intr)?;
    Ok((net.n_params() - sym.min(net.n_params())).min(ambient_usize(&ambient_dim(net)?)))
}

/// Rejects primes for which the computation modulo p would not reflect the network over Q:
/// `p` must exceed the degree in the inputs and must not divide any nonzero activation
/// coefficient's numerator or denominator.
pub fn check_prime_for_network(net: &Network, p: u64, degrees: &NetworkDegrees) -> Result<()> {
    if degrees.input.max() >= p {
        return Err(CoreError::invalid(
            "prime",
            format!("{p} is not larger than the network's degree {}", degrees.input.max()),
        ));
    }
    let big_p = num_bigint::BigInt::from(p);
    for layer in net.layers() {
        if let Layer::Activation(a) = layer {
            for c in a.coeffs.iter().filter(|c| !c.is_zero()) {
                if (c.numer() % &big_p).is_zero() || (c.denom() % &big_p).is_zero() {
                    return Err(CoreError::invalid("prime", format!("{p} divides the activation coefficient {c}")));
                }
            }
        }
    }
    Ok(())
}

fn trial_primes(opts: &DimensionOptions, count: usize) -> Vec<u64> {
    if let Some(ps) = &opts.primes {
        return (0..count).map(|i| ps[i % ps.len()]).collect();
    }
    let mut rng = SplitMix64::derived(opts.seed, STREAM_PRIMES, 0);
    let mut out = vec![prev_prime(SMALL_PRIME_BOUND - rng.below(1 << 20)), DEFAULT_PRIME];
    while out.len() < count {
        let candidate = prev_prime((1 << 61) - rng.below(1 << 59));
        if !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out.truncate(count);
    out
}

/// The outcome of [`rank_at_point`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointSampling {
    /// Rank of the evaluation Jacobian over all points used (a proven lower bound on the rank
    /// of the coefficient Jacobian at `theta` modulo p).
    pub rank: usize,
    /// Evaluation points used.
    pub points: usize,
    /// Points in the last batch (the one whose failure to raise the rank stopped the loop).
    pub last_batch: usize,
}

/// Rank of the Jacobian at `theta` (residues mod p) from evaluation points drawn from `rng`:
/// `ceil(upper / outputs)` points first (in batches of at most `batch_bytes` of rows), then
/// batches of `extra_points` fresh points until one adds nothing or the rank reaches `upper`.
/// Shared by [`dimension`] and the scans, so both stop by the same rule (design.md 2.5).
#[allow(clippy::too_many_arguments)]
pub fn rank_at_point(
    bound: &BoundNetwork<'_, PrimeField>,
    theta: &[u64],
    upper: usize,
    extra_points: usize,
    batch_bytes: usize,
    rng: &mut SplitMix64,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<PointSampling> {
    let net = bound.net;
    let p = bound.ring.modulus();
    let n = net.n_params();
    let out = net.output_dim().max(1);
    let d = net.input_dim();
    let mut echelon = Echelon::new(&bound.ring, n);
    let max_batch = (batch_bytes / (8 * out * n.max(1))).max(1);
    let mut remaining_first = upper.div_ceil(out).max(1);
    let mut points = 0usize;
    let mut last_batch;
    loop {
        intr.check()?;
        let first_phase = remaining_first > 0;
        let batch = if first_phase { remaining_first.min(max_batch) } else { extra_points.max(1) };
        check_allocation("the evaluation points", (batch * d) as u128, 8)?;
        let pts: Vec<u64> = (0..batch * d).map(|_| rng.below(p)).collect();
        let rows = evaluation_jacobian(bound, theta, &pts, par)?;
        let mat = Mat::from_vec(batch * net.output_dim(), n, rows)?;
        // Stops at `upper`, so the batch that reaches it is only eliminated, not reduced to RREF.
        let added = echelon.add_rows_until(&mat, upper, par, intr)?;
        points += batch;
        last_batch = batch;
        if echelon.rank() >= upper {
            break;
        }
        if first_phase {
            remaining_first -= batch;
        } else if added == 0 {
            break;
        }
    }
    let rank = echelon.rank();
    if rank > upper {
        return Err(CoreError::internal(format!("rank {rank} exceeds the proven upper bound {upper}")));
    }
    Ok(PointSampling { rank, points, last_batch })
}

/// Runs one trial; see the module documentation for the error bound.
#[allow(clippy::too_many_arguments)]
fn run_trial(
    net: &Network,
    degrees: &NetworkDegrees,
    prime: u64,
    seed: u64,
    trial: u64,
    upper: usize,
    extra_points: usize,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Trial> {
    let field = PrimeField::new(prime)?;
    check_prime_for_network(net, prime, degrees)?;
    let bound = net.bind(field)?;
    check_allocation("the parameter point", net.n_params() as u128, 8)?;
    let mut theta_rng = SplitMix64::derived(seed, STREAM_THETA, trial);
    let theta: Vec<u64> = (0..net.n_params()).map(|_| theta_rng.below(prime)).collect();
    let mut point_rng = SplitMix64::derived(seed, STREAM_POINTS, trial);
    let s = rank_at_point(&bound, &theta, upper, extra_points, BATCH_BYTES, &mut point_rng, par, intr)?;
    let pf = prime as f64;
    let theta_term = upper as f64 * degrees.params.saturating_sub(1) as f64 / pf;
    let points_term = (upper as f64 + 1.0) * (degrees.input.max() as f64 / pf).powi(s.last_batch as i32);
    Ok(Trial {
        prime,
        rank: s.rank,
        points: s.points,
        rows: s.points * net.output_dim(),
        error_bound: (theta_term + points_term).min(1.0),
    })
}

/// The dimension of the neurovariety of `net` (design.md 2.5).
pub fn dimension(net: &Network, opts: &DimensionOptions, intr: &dyn Interrupt) -> Result<DimensionReport> {
    if opts.primes.as_ref().is_some_and(|p| p.is_empty()) {
        return Err(CoreError::invalid("primes", "must not be empty"));
    }
    if let Some(ps) = &opts.primes {
        for &p in ps {
            validate_prime(p)?;
        }
    }
    let degrees = network_degrees(net)?;
    let ambient = ambient_dim(net)?;
    // Every bound is proven (docs/certificates.md) and computed once per architecture.
    let bounds = proven_bounds(net, opts.par, intr)?;
    let upper = bounds.upper;
    let trials_wanted = opts.trials.max(2);
    let extra_points = opts.extra_points.max(2).max(32usize.div_ceil(net.output_dim().max(1)));
    let primes = trial_primes(opts, trials_wanted);

    let mut trials: Vec<Trial> = Vec::new();
    for (t, &p) in primes.iter().enumerate() {
        let trial = run_trial(net, &degrees, p, opts.seed, t as u64, upper.value, extra_points, opts.par, intr)?;
        let done = trial.rank >= upper.value;
        trials.push(trial);
        if done {
            break;
        }
    }
    let dim = trials.iter().map(|t| t.rank).max().unwrap_or(0);
    let certified = dim == upper.value;
    let error_bound = if certified {
        0.0
    } else {
        trials.iter().filter(|t| t.rank == dim).map(|t| t.error_bound).product::<f64>().min(1.0)
    };
    Ok(DimensionReport {
        dim,
        n_params: net.n_params(),
        ambient_dim: ambient,
        symmetry_dim: bounds.symmetry_dim,
        expected_dim: bounds.expected_dim,
        upper_bound: upper,
        certified,
        error_bound,
        trials,
        seed: opts.seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense};
    use crate::par::NoInterrupt;

    fn mlp(widths: &[usize], r: u32) -> Network {
        let mut layers = Vec::new();
        for i in 0..widths.len() - 1 {
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(widths[i], r).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: widths[i], output_dim: widths[i + 1], bias: false }));
        }
        Network::new(layers).unwrap()
    }

    #[test]
    fn reports_do_not_depend_on_the_thread_count() {
        // (10, 20, 20, 20, 1) is large enough for the parallel paths (Jacobian rows by point,
        // matrix products above the threshold); with 2^61 - 1 the u64 kernel runs as well.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for (widths, r) in [(vec![10, 20, 20, 20, 1], 2), (vec![4, 12, 12, 3], 3)] {
            let net = mlp(&widths, r);
            for primes in [None, Some(vec![DEFAULT_PRIME])] {
                let seq = DimensionOptions { par: Par::Seq, primes: primes.clone(), ..Default::default() };
                let two = DimensionOptions { par: Par::from_threads(2), ..seq.clone() };
                let a = dimension(&net, &seq, &NoInterrupt).unwrap();
                let b = pool.install(|| dimension(&net, &two, &NoInterrupt)).unwrap();
                assert_eq!(a, b, "{widths:?} r={r} primes={primes:?}");
                assert!(a.certified);
            }
        }
    }
}
