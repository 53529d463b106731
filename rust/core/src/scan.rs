//! Batch scans: the rank of the parametrisation's Jacobian at many parameter points, and the
//! dimensions of many networks, parallel over points (or networks) and independent of the
//! thread count.
//!
//! # Rank at a point
//!
//! [`ScanContext::rank_at`] computes, for `theta` in F_p^n, the rank modulo p of the
//! evaluation-map Jacobian at `theta` and random input points, adding points in batches to an
//! incremental echelon form until a batch of fresh points adds nothing or the proven upper
//! bound of the generic rank is met (the incremental logic of [`crate::dimension`]). That rank
//! is a **proven lower bound**:
//! - on the rank over F_p of the coefficient Jacobian `d phi(theta)` (the evaluation Jacobian
//!   is `E d phi` with `E` the monomial evaluation matrix of the points);
//! - hence on the rank over Q of `d phi` at any integer lift of `theta` (every minor of the
//!   lifted Jacobian reduces to the corresponding minor modulo p, so a nonzero minor mod p is
//!   nonzero over Q), and on the generic rank.
//!
//! It equals the F_p rank of `d phi(theta)` except with probability at most
//! `(U + 1) (deg_x / p)^m` (Schwartz-Zippel in the input points: stopping at a batch of `m`
//! fresh points that failed to raise a rank they could have raised), reported as the point's
//! `error_bound`.
//!
//! # Reproducibility
//!
//! Sample `i` draws its parameters from `SplitMix64::derived(seed, STREAM_SCAN_THETA, i)` and
//! its input points from `SplitMix64::derived(seed, STREAM_SCAN_POINTS, i)`, and its linear
//! algebra runs sequentially when samples are spread over threads. Exact arithmetic then makes
//! every rank a function of `(network, prime, seed, sampler, i)` alone: scans split into any
//! chunks, on any number of threads or machines, give identical results.

use crate::bounds::proven_bounds;
use crate::dimension::{
    check_prime_for_network, dimension, rank_at_point, DimensionOptions, DimensionReport, PointSampling, UpperBound,
};
use crate::error::{CoreError, Result};
use crate::net::degrees::{network_degrees, NetworkDegrees};
use crate::net::{BoundNetwork, Network};
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::PrimeField;
use crate::rng::SplitMix64;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Random stream of the parameters of scan sample `i` ("SCAN" + 1).
pub const STREAM_SCAN_THETA: u64 = 0x5343_414e_0000_0001;
/// Random stream of the evaluation points of scan sample `i`.
pub const STREAM_SCAN_POINTS: u64 = 0x5343_414e_0000_0002;

/// Jacobian rows kept in memory at once per sample, in bytes (several samples run at once).
const SAMPLE_BATCH_BYTES: usize = 64 << 20;

/// How the parameters of a scan sample are drawn (from its own `(seed, index)` stream).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    /// Uniform residues in F_p: generic points with overwhelming probability.
    Uniform,
    /// Integers uniform in `[-bound, bound]`, reduced mod p. Small integers satisfy the
    /// polynomial equations of special strata far more often than uniform residues, and lift to
    /// small integer points that exact methods can examine.
    Integer { bound: u64 },
    /// Uniform residues, then each parameter independently set to 0 with probability
    /// `sparsity`: hits coordinate strata (dead neurons, vanishing filters) on purpose.
    Sparse { sparsity: f64 },
}

impl Sampler {
    /// Checks the sampler's parameters against the field.
    pub fn validate(&self, field: &PrimeField) -> Result<()> {
        match *self {
            Sampler::Uniform => Ok(()),
            Sampler::Integer { bound } => {
                if bound == 0 || bound >= field.modulus() / 2 {
                    return Err(CoreError::invalid(
                        "integer_bound",
                        format!("must satisfy 1 <= integer_bound < p / 2 = {}, got {bound}", field.modulus() / 2),
                    ));
                }
                Ok(())
            }
            Sampler::Sparse { sparsity } => {
                if !(0.0..=1.0).contains(&sparsity) {
                    return Err(CoreError::invalid(
                        "sparsity",
                        format!("must be a probability in [0, 1], got {sparsity}"),
                    ));
                }
                Ok(())
            }
        }
    }

    /// The `n` parameters of sample `index`, as residues mod p.
    pub fn sample(&self, field: &PrimeField, n: usize, seed: u64, index: u64) -> Vec<u64> {
        let p = field.modulus();
        let mut rng = SplitMix64::derived(seed, STREAM_SCAN_THETA, index);
        match *self {
            Sampler::Uniform => (0..n).map(|_| rng.below(p)).collect(),
            Sampler::Integer { bound } => (0..n)
                .map(|_| {
                    let v = rng.below(2 * bound + 1);
                    // v - bound, reduced into [0, p)
                    if v >= bound {
                        v - bound
                    } else {
                        p - (bound - v)
                    }
                })
                .collect(),
            Sampler::Sparse { sparsity } => (0..n)
                .map(|_| {
                    let v = rng.below(p);
                    if rng.unit_f64() < sparsity {
                        0
                    } else {
                        v
                    }
                })
                .collect(),
        }
    }
}

/// The rank of the Jacobian at one parameter point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointRank {
    /// Rank mod p of the evaluation Jacobian: a proven lower bound (module documentation).
    pub rank: usize,
    /// Evaluation points used.
    pub points: usize,
    /// Bound on the probability that `rank` is below the F_p rank of `d phi(theta)`.
    pub error_bound: f64,
}

/// What a scan needs once per (network, prime): the bound network, the degrees and the proven
/// upper bound on the generic rank (which bounds the rank at every point).
#[derive(Debug)]
pub struct ScanContext<'n> {
    bound: BoundNetwork<'n, PrimeField>,
    field: PrimeField,
    degrees: NetworkDegrees,
    upper: UpperBound,
    extra_points: usize,
}

impl<'n> ScanContext<'n> {
    /// Validates `prime` for `net` and takes the proven upper bound of the generic rank from
    /// [`proven_bounds`], the same bound as [`dimension`] (computed once per architecture and
    /// cached, so the chunks of a scan share it).
    pub fn new(net: &'n Network, prime: u64, par: Par, intr: &dyn Interrupt) -> Result<Self> {
        let field = PrimeField::new(prime)?;
        let degrees = network_degrees(net)?;
        check_prime_for_network(net, prime, &degrees)?;
        let bound = net.bind(field)?;
        let upper = proven_bounds(net, par, intr)?.upper;
        let extra_points = 2usize.max(32usize.div_ceil(net.output_dim().max(1)));
        Ok(ScanContext { bound, field, degrees, upper, extra_points })
    }

    /// The network.
    pub fn net(&self) -> &'n Network {
        self.bound.net
    }

    /// The field.
    pub fn field(&self) -> &PrimeField {
        &self.field
    }

    /// The proven upper bound on the generic rank (and on the rank at any point).
    pub fn upper_bound(&self) -> &UpperBound {
        &self.upper
    }

    /// The rank at `theta` (residues mod p), with input points drawn from `points_rng`:
    /// `ceil(U / outputs)` points first (`U` the upper bound), then batches of fresh points until
    /// one adds nothing or the rank reaches `U`. See the module documentation for what the
    /// result proves.
    pub fn rank_at(
        &self,
        theta: &[u64],
        points_rng: &mut SplitMix64,
        par: Par,
        intr: &dyn Interrupt,
    ) -> Result<PointRank> {
        let net = self.bound.net;
        net.check_params_len(theta.len())?;
        let p = self.field.modulus();
        if let Some(i) = theta.iter().position(|&v| v >= p) {
            return Err(CoreError::invalid("theta", format!("entry {i} is not reduced modulo {p}")));
        }
        let upper = self.upper.value;
        let PointSampling { rank, points, last_batch } =
            rank_at_point(&self.bound, theta, upper, self.extra_points, SAMPLE_BATCH_BYTES, points_rng, par, intr)?;
        let error_bound = if rank >= upper {
            0.0
        } else {
            ((upper as f64 + 1.0) * (self.degrees.input.max() as f64 / p as f64).powi(last_batch as i32)).min(1.0)
        };
        Ok(PointRank { rank, points, error_bound })
    }

    /// The rank of sample `index` whose parameters are `theta` (input points from the sample's
    /// own stream).
    pub fn rank_of_sample(
        &self,
        seed: u64,
        index: u64,
        theta: &[u64],
        par: Par,
        intr: &dyn Interrupt,
    ) -> Result<PointRank> {
        let mut rng = SplitMix64::derived(seed, STREAM_SCAN_POINTS, index);
        self.rank_at(theta, &mut rng, par, intr)
    }
}

/// Ranks of a run of consecutive scan samples, and the bound they were computed against.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOutput {
    /// One entry per sample, in index order.
    pub ranks: Vec<PointRank>,
    pub upper_bound: UpperBound,
}

impl ScanOutput {
    /// The largest per-sample error bound (0 for an empty scan).
    pub fn error_bound(&self) -> f64 {
        self.ranks.iter().map(|r| r.error_bound).fold(0.0, f64::max)
    }
}

/// Runs `f` for `count` samples, in order. Many samples: parallel over samples (each
/// sequential inside); few samples: one at a time, each with `par`. Exact arithmetic makes the
/// two identical.
fn over_samples<F>(count: usize, par: Par, f: F) -> Result<Vec<PointRank>>
where
    F: Fn(usize, Par) -> Result<PointRank> + Sync,
{
    let threads = par.threads();
    if threads > 1 && count >= 2 * threads {
        (0..count).into_par_iter().map(|i| f(i, Par::Seq)).collect()
    } else {
        (0..count).map(|i| f(i, par)).collect()
    }
}

/// Ranks of samples `start..start + count` drawn by `sampler` (see [`Sampler::sample`]).
#[allow(clippy::too_many_arguments)]
pub fn scan_samples(
    net: &Network,
    prime: u64,
    seed: u64,
    sampler: Sampler,
    start: u64,
    count: usize,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<ScanOutput> {
    let ctx = ScanContext::new(net, prime, par, intr)?;
    sampler.validate(ctx.field())?;
    let n = net.n_params();
    let ranks = over_samples(count, par, |i, inner| {
        let index = start + i as u64;
        let theta = sampler.sample(ctx.field(), n, seed, index);
        ctx.rank_of_sample(seed, index, &theta, inner, intr)
    })?;
    Ok(ScanOutput { ranks, upper_bound: ctx.upper.clone() })
}

/// Ranks at given parameter points (`thetas`: `count x n_params` residues, row-major) that are
/// samples `start..start + count` (the index selects the input points' stream).
pub fn scan_thetas(
    net: &Network,
    prime: u64,
    seed: u64,
    thetas: &[u64],
    start: u64,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<ScanOutput> {
    let ctx = ScanContext::new(net, prime, par, intr)?;
    let n = net.n_params();
    let count = match (thetas.len().checked_div(n), thetas.len().checked_rem(n)) {
        (Some(rows), Some(0)) => rows,
        (None, _) if thetas.is_empty() => 0,
        _ => return Err(CoreError::invalid("thetas", format!("expected rows of {n} parameters"))),
    };
    let ranks = over_samples(count, par, |i, inner| {
        ctx.rank_of_sample(seed, start + i as u64, &thetas[i * n..(i + 1) * n], inner, intr)
    })?;
    Ok(ScanOutput { ranks, upper_bound: ctx.upper.clone() })
}

/// The parameters of the given samples (`indices.len() x n_params`, row-major), exactly as
/// [`scan_samples`] drew them.
pub fn sample_points(net: &Network, prime: u64, seed: u64, sampler: Sampler, indices: &[u64]) -> Result<Vec<u64>> {
    let field = PrimeField::new(prime)?;
    sampler.validate(&field)?;
    let n = net.n_params();
    check_allocation("the sample points", indices.len() as u128 * n as u128, 8)?;
    Ok(indices.iter().flat_map(|&i| sampler.sample(&field, n, seed, i)).collect())
}

/// An interrupt that also trips once a deadline has passed, remembering that it did.
pub struct Deadline<'a> {
    inner: &'a dyn Interrupt,
    until: Option<Instant>,
    expired: AtomicBool,
}

impl<'a> Deadline<'a> {
    /// Trips after `timeout` from now (never for `None`), or when `inner` trips.
    pub fn new(inner: &'a dyn Interrupt, timeout: Option<Duration>) -> Self {
        Deadline { inner, until: timeout.map(|t| Instant::now() + t), expired: AtomicBool::new(false) }
    }

    /// True when this interrupt fired because of the deadline.
    pub fn expired(&self) -> bool {
        self.expired.load(Ordering::Relaxed)
    }
}

impl Interrupt for Deadline<'_> {
    fn check(&self) -> Result<()> {
        self.inner.check()?;
        if let Some(until) = self.until {
            if Instant::now() >= until {
                self.expired.store(true, Ordering::Relaxed);
                return Err(CoreError::Interrupted);
            }
        }
        Ok(())
    }
}

/// The outcome of one network of a [`dimension_batch`].
#[derive(Debug, Clone, PartialEq)]
pub enum BatchOutcome {
    Done {
        report: DimensionReport,
        seconds: f64,
    },
    /// The cooperative deadline passed (polled between blocks of work).
    TimedOut {
        seconds: f64,
    },
    Failed {
        error: CoreError,
        seconds: f64,
    },
}

/// Dimensions of many networks ([`dimension`] with `seed`), parallel over networks with `par`
/// (each network's own linear algebra sequential), so results do not depend on the thread count.
/// Each network gets `timeout` of wall time, checked whenever the kernels poll for
/// interruption; `intr` (Ctrl-C) aborts the whole batch.
pub fn dimension_batch(
    nets: &[Network],
    seed: u64,
    timeout: Option<Duration>,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Vec<BatchOutcome>> {
    let one = |net: &Network| -> Result<BatchOutcome> {
        let started = Instant::now();
        let deadline = Deadline::new(intr, timeout);
        let opts = DimensionOptions { seed, par: Par::Seq, ..DimensionOptions::default() };
        let res = dimension(net, &opts, &deadline);
        let seconds = started.elapsed().as_secs_f64();
        match res {
            Ok(report) => Ok(BatchOutcome::Done { report, seconds }),
            Err(CoreError::Interrupted) if deadline.expired() && intr.check().is_ok() => {
                Ok(BatchOutcome::TimedOut { seconds })
            }
            Err(CoreError::Interrupted) => Err(CoreError::Interrupted),
            Err(error) => Ok(BatchOutcome::Failed { error, seconds }),
        }
    };
    if par.is_parallel() && nets.len() > 1 {
        nets.par_iter().with_max_len(1).map(one).collect()
    } else {
        nets.iter().map(one).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer};
    use crate::par::NoInterrupt;
    use crate::ring::primes::DEFAULT_PRIME;

    fn mlp(widths: &[usize], degree: u32) -> Network {
        let mut layers = Vec::new();
        for i in 0..widths.len() - 1 {
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(widths[i], degree).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: widths[i], output_dim: widths[i + 1], bias: false }));
        }
        Network::new(layers).unwrap()
    }

    #[test]
    fn uniform_scan_reaches_the_dimension_and_never_exceeds_it() {
        let net = mlp(&[3, 2, 1], 2); // Alexander-Hirschowitz: dim 5 < expected 6
        let out = scan_samples(&net, DEFAULT_PRIME, 7, Sampler::Uniform, 0, 20, Par::Seq, &NoInterrupt).unwrap();
        assert!(out.ranks.iter().all(|r| r.rank == 5));
        assert!(out.error_bound() < 1e-100);
    }

    #[test]
    fn sparse_samples_hit_lower_ranks_and_scan_is_thread_independent() {
        let net = mlp(&[2, 2, 1], 2);
        let s = Sampler::Sparse { sparsity: 0.5 };
        let seq = scan_samples(&net, DEFAULT_PRIME, 1, s, 0, 64, Par::Seq, &NoInterrupt).unwrap();
        let par = scan_samples(&net, DEFAULT_PRIME, 1, s, 0, 64, Par::from_threads(2), &NoInterrupt).unwrap();
        assert_eq!(seq, par);
        assert!(seq.ranks.iter().any(|r| r.rank < 3));
        // Chunks agree with the whole.
        let tail = scan_samples(&net, DEFAULT_PRIME, 1, s, 40, 24, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(&seq.ranks[40..], &tail.ranks[..]);
        // Explicit points give the same ranks.
        let idx: Vec<u64> = (0..64).collect();
        let thetas = sample_points(&net, DEFAULT_PRIME, 1, s, &idx).unwrap();
        let again = scan_thetas(&net, DEFAULT_PRIME, 1, &thetas, 0, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(seq, again);
    }

    #[test]
    fn integer_sampler_stays_in_range() {
        let f = PrimeField::new(101).unwrap();
        let v = Sampler::Integer { bound: 3 }.sample(&f, 1000, 0, 0);
        assert!(v.iter().all(|&x| x <= 3 || x >= 98));
        assert!(Sampler::Integer { bound: 60 }.validate(&f).is_err());
        assert!(Sampler::Sparse { sparsity: 1.5 }.validate(&f).is_err());
    }

    #[test]
    fn batch_matches_dimension_and_times_out() {
        let nets = vec![mlp(&[3, 2, 1], 2), mlp(&[2, 2, 2, 1], 2)];
        let out = dimension_batch(&nets, 0, None, Par::from_threads(2), &NoInterrupt).unwrap();
        let dims: Vec<usize> = out
            .iter()
            .map(|o| match o {
                BatchOutcome::Done { report, .. } => report.dim,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(dims, vec![5, 5]);
        let out = dimension_batch(&nets, 0, Some(Duration::ZERO), Par::Seq, &NoInterrupt).unwrap();
        assert!(out.iter().all(|o| matches!(o, BatchOutcome::TimedOut { .. })));
    }
}
