//! Closest points on the neuromanifold: training as a Euclidean-distance problem.
//!
//! Given a target (a coefficient vector under a metric of design.md 2.4, or samples `(X, Y)`),
//! [`search`] runs a Levenberg-Marquardt least-squares solve ([`lm`]) from `starts` random
//! parameter vectors, in parallel, and reports where each start ended. [`closest_point`]
//! ([`summary`]) adds the post-processing in the same call: every endpoint recomputed from its
//! parameters, deduplicated in function space, and the Hessian of the squared distance
//! ([`hessian`]) with its eigenvalues ([`spectrum`]) telling local minima from saddles.
//!
//! Reproducibility: start `i` is drawn from `SplitMix64::derived(seed, STREAM_STARTS, i)` and
//! solved sequentially on one thread, so the report is identical for every thread count.

pub mod lanes;
pub mod lm;
pub mod metric;
pub mod model;
pub mod residual;
pub mod size;
pub mod spectrum;
pub mod summary;

pub use lm::{LmOptions, LmOutcome, LmStatus};
pub use metric::{bombieri_weights, Metric, Objective};
pub use summary::{closest_point, ClosestReport, CriticalPoint, Endpoint};

use crate::error::{CoreError, Result};
use crate::net::degrees::network_degrees;
use crate::net::Network;
use crate::par::{Interrupt, Par};
use crate::ring::F64Ring;
use crate::rng::SplitMix64;
use metric::{check_finite, metric_weights};
use model::{CoefficientMap, LaneDataMap, ModelMap};
use residual::WeightedResidual;

const STREAM_STARTS: u64 = 0x436c_6f73_6573_7401;
const STREAM_SCALE: u64 = 0x436c_6f73_6573_7402;
/// Pilot draws used to match the start scale to the target.
const PILOTS: u64 = 16;

/// Options of a multi-start search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// Number of random starts (at least 1).
    pub starts: usize,
    /// Seed of the starts.
    pub seed: u64,
    /// Residual-and-Jacobian evaluations allowed per start.
    pub max_iter: usize,
    /// Absolute tolerance on `||J^T r||_inf` (the gradient of half the squared distance).
    pub gtol: f64,
    /// Standard deviation of the Gaussian starts; `None` matches it to the target
    /// (see [`start_scale`]).
    pub scale: Option<f64>,
    /// Explicit starting points instead of random ones: `starts x n_params`, row-major.
    pub initial: Option<Vec<f64>>,
    /// Relative tolerance under which two endpoints are the same function
    /// ([`summary::deduplicate`]); unused by [`search`].
    pub dedup_tol: f64,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { starts: 64, seed: 0, max_iter: 1000, gtol: 1e-10, scale: None, initial: None, dedup_tol: 1e-5 }
    }
}

/// Where one start ended.
#[derive(Debug, Clone, PartialEq)]
pub struct StartResult {
    /// Final parameters.
    pub theta: Vec<f64>,
    /// Squared distance (in the metric) from `m(theta)` to the target.
    pub sq_distance: f64,
    /// `||J^T r||_inf` at `theta`.
    pub grad_norm: f64,
    /// Residual-and-Jacobian evaluations used.
    pub evaluations: usize,
    pub status: LmStatus,
}

/// All starts of one search, in start order.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchReport {
    /// Standard deviation the starts were drawn with (NaN for explicit starts).
    pub scale: f64,
    pub results: Vec<StartResult>,
}

fn check_options(opts: &SearchOptions) -> Result<()> {
    if opts.starts == 0 {
        return Err(CoreError::invalid("starts", "must be at least 1, got 0"));
    }
    if opts.max_iter == 0 {
        return Err(CoreError::invalid("max_iter", "must be at least 1, got 0"));
    }
    if !(opts.gtol.is_finite() && opts.gtol >= 0.0) {
        return Err(CoreError::invalid("gtol", format!("must be finite and >= 0, got {}", opts.gtol)));
    }
    if let Some(s) = opts.scale {
        if !(s.is_finite() && s > 0.0) {
            return Err(CoreError::invalid("scale", format!("must be positive and finite, got {s}")));
        }
    }
    if !(opts.dedup_tol.is_finite() && opts.dedup_tol > 0.0) {
        return Err(CoreError::invalid("dedup_tol", format!("must be positive and finite, got {}", opts.dedup_tol)));
    }
    Ok(())
}

/// A coefficient-space problem: `target` checked against the ambient dimension, weights of
/// `metric` validated.
fn coefficient_problem<'n, R: crate::ring::Ring + Clone>(
    net: &'n Network,
    base: R,
    target: &[f64],
    metric: &Metric,
) -> Result<WeightedResidual<CoefficientMap<'n, R>>> {
    let map = CoefficientMap::new(net, base)?;
    map.check_jacobian()?;
    let ambient = map.n_values();
    if target.len() != ambient {
        return Err(CoreError::invalid(
            "target",
            format!("expected {ambient} coefficients (the ambient dimension), got {}", target.len()),
        ));
    }
    check_finite("target", target)?;
    let weights = metric_weights(net, metric, ambient)?;
    let sqrt_w = if matches!(metric, Metric::Euclidean) { vec![] } else { weights.iter().map(|w| w.sqrt()).collect() };
    Ok(WeightedResidual { map, target: target.to_vec(), sqrt_w })
}

/// A data problem: shapes and finiteness of the samples checked, then the map built by `make`.
fn data_problem<M>(
    net: &Network,
    points: &[f64],
    values: &[f64],
    make: impl FnOnce() -> Result<M>,
) -> Result<WeightedResidual<M>> {
    check_finite("x", points)?;
    check_finite("y", values)?;
    let (d, out) = (net.input_dim(), net.output_dim());
    if points.is_empty() || !points.len().is_multiple_of(d) {
        return Err(CoreError::invalid(
            "x",
            format!("expected an n_samples x {d} array (the input dimension), got {} values", points.len()),
        ));
    }
    let n_points = points.len() / d;
    if values.len() != n_points * out {
        return Err(CoreError::invalid(
            "y",
            format!(
                "expected {n_points} x {out} values ({n_points} samples in x, output dimension {out}), got {} values",
                values.len()
            ),
        ));
    }
    Ok(WeightedResidual { map: make()?, target: values.to_vec(), sqrt_w: vec![] })
}

/// Standard deviation of Gaussian starts whose model values have the target's size.
///
/// With `P` the degree of the network in its parameters (an upper bound for non-homogeneous
/// networks), `m(s g) = s^P m(g)` for homogeneous networks, so
/// `s = (||t||_w / median_k ||m(g_k)||_w)^(1/P)` over `PILOTS` standard Gaussian pilots `g_k`
/// makes the median start land at the target's norm. Falls back to 1 when either norm
/// vanishes, and is clamped to `[1e-6, 1e6]`.
pub fn start_scale<M: ModelMap<F64Ring>>(net: &Network, problem: &WeightedResidual<M>, seed: u64) -> Result<f64> {
    let p = network_degrees(net)?.params.max(1) as f64;
    let n = problem.map.n_params();
    let mut norms = Vec::with_capacity(PILOTS as usize);
    let mut values = vec![0.0; problem.map.n_values()];
    for k in 0..PILOTS {
        let mut rng = SplitMix64::derived(seed, STREAM_SCALE, k);
        let g: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        problem.map.values(&g, &mut values)?;
        let s: f64 = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let w = if problem.sqrt_w.is_empty() { 1.0 } else { problem.sqrt_w[i] };
                (w * v) * (w * v)
            })
            .sum();
        norms.push(s.sqrt());
    }
    norms.sort_by(f64::total_cmp);
    let median = 0.5 * (norms[norms.len() / 2] + norms[(norms.len() - 1) / 2]);
    let target = problem.target_norm();
    let scale = if median > 0.0 && target > 0.0 && median.is_finite() { (target / median).powf(1.0 / p) } else { 1.0 };
    Ok(scale.clamp(1e-6, 1e6))
}

fn run_starts<M: ModelMap<F64Ring>>(
    net: &Network,
    problem: &WeightedResidual<M>,
    opts: &SearchOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<SearchReport> {
    let n = problem.map.n_params();
    let scale = match (&opts.initial, opts.scale) {
        (Some(init), _) => {
            if init.len() != opts.starts * n {
                return Err(CoreError::invalid(
                    "initial",
                    format!("expected {} x {n} starting values, got {}", opts.starts, init.len()),
                ));
            }
            check_finite("initial", init)?;
            f64::NAN
        }
        (None, Some(s)) => s,
        (None, None) => start_scale(net, problem, opts.seed)?,
    };
    let lm_opts = LmOptions { max_iter: opts.max_iter, gtol: opts.gtol };
    let one = |i: usize| -> Result<StartResult> {
        let theta0: Vec<f64> = match &opts.initial {
            Some(init) => init[i * n..(i + 1) * n].to_vec(),
            None => {
                let mut rng = SplitMix64::derived(opts.seed, STREAM_STARTS, i as u64);
                (0..n).map(|_| scale * rng.normal()).collect()
            }
        };
        let out = lm::levenberg_marquardt(problem, &theta0, &lm_opts, intr)?;
        Ok(StartResult {
            theta: out.theta,
            sq_distance: out.sq_norm,
            grad_norm: out.grad_norm,
            evaluations: out.evaluations,
            status: out.status,
        })
    };
    let results = par.map_tasks(opts.starts, one)?;
    Ok(SearchReport { scale, results })
}

/// Multi-start Levenberg-Marquardt search for the closest points of the neuromanifold of `net`
/// to `objective`; parallel over starts when `par` allows, with identical results either way.
///
/// Fails with `InvalidArgument` naming the argument for a target of the wrong length, a
/// non-positive or non-finite weight, samples whose shapes disagree with the network or each
/// other, NaN or infinite input, and `starts == 0`.
pub fn search(
    net: &Network,
    objective: &Objective,
    opts: &SearchOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<SearchReport> {
    check_options(opts)?;
    size::check_search(net, objective, opts.starts, par)?;
    match objective {
        Objective::Coefficients { target, metric } => {
            let problem = coefficient_problem(net, F64Ring, target, metric)?;
            run_starts(net, &problem, opts, par, intr)
        }
        Objective::Data { points, values } => {
            let problem = data_problem(net, points, values, || LaneDataMap::new(net, points))?;
            run_starts(net, &problem, opts, par, intr)
        }
    }
}

/// The squared distance from `m(theta)` to the objective's target, in its metric (the plain
/// squared loss for data).
pub fn sq_distance(net: &Network, objective: &Objective, theta: &[f64]) -> Result<f64> {
    net.check_params_len(theta.len())?;
    check_finite("theta", theta)?;
    let mut r = match objective {
        Objective::Coefficients { target, metric } => {
            let p = coefficient_problem(net, F64Ring, target, metric)?;
            let mut v = vec![0.0; p.map.n_values()];
            p.map.values(theta, &mut v)?;
            p.weigh(&mut v);
            v
        }
        Objective::Data { points, values } => {
            let p = data_problem(net, points, values, || LaneDataMap::new(net, points))?;
            let mut v = vec![0.0; p.map.n_values()];
            p.map.values(theta, &mut v)?;
            p.weigh(&mut v);
            v
        }
    };
    r.iter_mut().for_each(|v| *v *= *v);
    Ok(r.iter().sum())
}

/// The exact Hessian (`n_params x n_params`, row-major) of the squared distance at `theta`;
/// see [`residual::squared_distance_hessian`].
pub fn hessian(
    net: &Network,
    objective: &Objective,
    theta: &[f64],
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Vec<f64>> {
    net.check_params_len(theta.len())?;
    check_finite("theta", theta)?;
    let mut h = summary::hessians(net, objective, &[theta], par, intr)?;
    h.pop().ok_or_else(|| CoreError::internal("no Hessian for one point"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Conv, Dense, Layer};
    use crate::par::NoInterrupt;

    fn linear_mlp(widths: &[usize]) -> Network {
        let layers =
            widths.windows(2).map(|w| Layer::Dense(Dense { input_dim: w[0], output_dim: w[1], bias: false })).collect();
        Network::new(layers).unwrap()
    }

    fn opts(starts: usize) -> SearchOptions {
        SearchOptions { starts, ..SearchOptions::default() }
    }

    #[test]
    fn eckart_young_gold_case() {
        // mlp (3, 2, 3), linear: best rank-2 approximation of the 3x3 target.
        let net = linear_mlp(&[3, 2, 3]);
        let obj = Objective::Coefficients {
            target: vec![3.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 4.0],
            metric: Metric::Euclidean,
        };
        let rep = search(&net, &obj, &opts(16), Par::Seq, &NoInterrupt).unwrap();
        let best = rep.results.iter().map(|r| r.sq_distance).fold(f64::INFINITY, f64::min);
        assert!((best - 1.2557774368070558).abs() < 1e-9, "{best}");
        for r in &rep.results {
            assert_eq!(r.status, LmStatus::Converged);
            assert!((sq_distance(&net, &obj, &r.theta).unwrap() - r.sq_distance).abs() < 1e-12);
        }
    }

    #[test]
    fn parallel_equals_sequential_bit_for_bit() {
        let net = Network::new(vec![
            Layer::Dense(Dense { input_dim: 3, output_dim: 4, bias: false }),
            Layer::Activation(Activation::monomial(4, 2).unwrap()),
            Layer::Dense(Dense { input_dim: 4, output_dim: 2, bias: false }),
        ])
        .unwrap();
        let target: Vec<f64> = (0..12).map(|i| ((i * 5 % 7) as f64 - 3.0) / 2.0).collect();
        let obj = Objective::Coefficients { target, metric: Metric::Bombieri };
        let a = search(&net, &obj, &opts(8), Par::Seq, &NoInterrupt).unwrap();
        let b = search(&net, &obj, &opts(8), Par::from_threads(2), &NoInterrupt).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn linear_cnn_target_outside_lands_on_repeated_roots() {
        // (a + b t)(c + d t) against 1 + t^2: minimum 1 at the constants or at t^2.
        let conv = |w| Layer::Conv(Conv::new(1, 1, (1, 2), (1, 1), (1, w), false).unwrap());
        let net = Network::new(vec![conv(3), conv(2)]).unwrap();
        let obj = Objective::Coefficients { target: vec![1.0, 0.0, 1.0], metric: Metric::Euclidean };
        let rep = search(&net, &obj, &opts(16), Par::Seq, &NoInterrupt).unwrap();
        for r in &rep.results {
            assert!(r.sq_distance >= 1.0 - 1e-12);
            assert!((r.sq_distance - 1.0).abs() < 1e-8, "{r:?}");
            let t = &r.theta;
            let disc = (t[0] * t[3] - t[1] * t[2]).powi(2);
            assert!(disc < 1e-8, "{r:?}");
        }
    }

    #[test]
    fn explicit_starts_are_used_as_given() {
        let net = linear_mlp(&[2, 1, 2]);
        let obj = Objective::Coefficients { target: vec![3.0, 0.0, 0.0, 1.0], metric: Metric::Euclidean };
        // A start on the saddle's stable set stays on the saddle (second singular triple).
        let o = SearchOptions { starts: 2, initial: Some(vec![0.0, 1.0, 0.0, 1.0, 1.0, 0.2, 0.1, 0.9]), ..opts(2) };
        let rep = search(&net, &obj, &o, Par::Seq, &NoInterrupt).unwrap();
        assert!((rep.results[0].sq_distance - 9.0).abs() < 1e-10, "{:?}", rep.results[0]);
        assert!((rep.results[1].sq_distance - 1.0).abs() < 1e-10, "{:?}", rep.results[1]);
        let bad = SearchOptions { initial: Some(vec![0.0; 7]), ..o };
        assert!(search(&net, &obj, &bad, Par::Seq, &NoInterrupt).is_err());
    }

    #[test]
    fn data_metric_is_the_squared_loss() {
        let net = linear_mlp(&[2, 1, 1]);
        let points = vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let values = vec![1.0, 2.0, 2.0];
        let obj = Objective::Data { points, values };
        let rep = search(&net, &obj, &opts(4), Par::Seq, &NoInterrupt).unwrap();
        // Least squares of y = p x0 + q x1: (p, q) = (1/3, 4/3), loss 1/3.
        for r in &rep.results {
            assert!((r.sq_distance - 1.0 / 3.0).abs() < 1e-10, "{r:?}");
        }
    }

    #[test]
    fn bad_input_names_the_argument() {
        let net = linear_mlp(&[2, 1, 1]);
        let err = |obj: Objective, o: SearchOptions| match search(&net, &obj, &o, Par::Seq, &NoInterrupt) {
            Err(CoreError::InvalidArgument { arg, .. }) => arg,
            other => panic!("{other:?}"),
        };
        let eu = Metric::Euclidean;
        assert_eq!(err(Objective::Coefficients { target: vec![1.0], metric: eu.clone() }, opts(1)), "target");
        assert_eq!(err(Objective::Coefficients { target: vec![1.0, f64::NAN], metric: eu.clone() }, opts(1)), "target");
        let neg = Metric::Weights(vec![1.0, -1.0]);
        assert_eq!(err(Objective::Coefficients { target: vec![1.0, 1.0], metric: neg }, opts(1)), "metric");
        assert_eq!(err(Objective::Coefficients { target: vec![1.0, 1.0], metric: eu }, opts(0)), "starts");
        assert_eq!(err(Objective::Data { points: vec![1.0, 2.0, 3.0], values: vec![1.0] }, opts(1)), "x");
        assert_eq!(err(Objective::Data { points: vec![1.0, 2.0], values: vec![1.0, 2.0] }, opts(1)), "y");
        assert_eq!(err(Objective::Data { points: vec![1.0, f64::INFINITY], values: vec![1.0] }, opts(1)), "x");
    }
}
