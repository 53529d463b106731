//! One closest-point search and its post-processing, in one call: every endpoint recomputed
//! from its parameters (never read off the solver's state), the converged ones deduplicated in
//! function space, and each distinct critical point told a local minimum or a saddle by the
//! eigenvalues of the exact Hessian of the squared distance ([`super::spectrum`]).
//!
//! The problem (coefficient map, samples, weights) and the dual-number map of the Hessian are
//! built once per search, not once per start; recomputation is parallel over starts and the
//! Hessian over its columns, each entry computed the same way on every thread count.

use super::metric::Objective;
use super::model::{CoefficientMap, DataMap, LaneDataMap, ModelMap};
use super::residual::{squared_distance_hessian, WeightedResidual};
use super::spectrum::symmetric_eigenvalues;
use super::{check_options, coefficient_problem, data_problem, run_starts, size, LmStatus, SearchOptions};
use super::{SearchReport, StartResult};
use crate::error::Result;
use crate::net::Network;
use crate::par::{Interrupt, Par};
use crate::ring::{DualRing, F64Ring};
use rayon::prelude::*;

/// A Hessian eigenvalue counts as negative (a saddle) only below
/// `-(MIN_EIG_REL * max |eigenvalue| + GRAD_FACTOR * grad_norm)`: along the fiber of a slightly
/// inexact critical point the Hessian has eigenvalues of the size of the gradient, and rounding
/// leaves terms of relative size `eps * n` of the largest one.
pub const MIN_EIG_REL: f64 = 1e-6;
/// See [`MIN_EIG_REL`].
pub const GRAD_FACTOR: f64 = 100.0;

/// Where one start ended, recomputed from its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Final parameters.
    pub theta: Vec<f64>,
    /// `phi(theta)`, the coefficient vector (for a data objective too).
    pub function: Vec<f64>,
    /// Squared distance from `phi(theta)` to the target in the metric (for samples: the squared
    /// loss of the outputs at the samples), recomputed from `theta`.
    pub sq_distance: f64,
    /// `||J^T r||_inf` at `theta`, from the solver.
    pub grad_norm: f64,
    /// Residual-and-Jacobian evaluations used.
    pub evaluations: usize,
    pub status: LmStatus,
}

/// A distinct critical point reached by converged starts.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalPoint {
    /// The start that represents it: of its starts, the one of least squared distance (least
    /// index on ties).
    pub start: usize,
    /// Every start that reached it (the same function up to `dedup_tol`), representative first,
    /// then by increasing squared distance.
    pub members: Vec<usize>,
    /// Smallest eigenvalue of the Hessian of the squared distance at the representative's
    /// parameters (0 for a network without parameters).
    pub min_hessian_eigenvalue: f64,
    /// No eigenvalue below the tolerance of [`MIN_EIG_REL`]: a local minimum, not a saddle.
    pub is_minimum: bool,
}

/// A search and its post-processing.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosestReport {
    /// Standard deviation the starts were drawn with (NaN for explicit starts).
    pub scale: f64,
    /// Every start's endpoint, in start order.
    pub endpoints: Vec<Endpoint>,
    /// The endpoint of least recomputed squared distance over all starts (least index on ties,
    /// NaN last).
    pub best: usize,
    /// Distinct local minima, by increasing squared distance.
    pub minima: Vec<CriticalPoint>,
    /// Distinct saddles (a negative Hessian eigenvalue), by increasing squared distance.
    pub saddles: Vec<CriticalPoint>,
}

impl ClosestReport {
    /// Starts that met the gradient test.
    pub fn n_converged(&self) -> usize {
        self.endpoints.iter().filter(|e| e.status == LmStatus::Converged).count()
    }

    /// How the starts ended, in the order converged, max_iter, stalled, non_finite; statuses
    /// no start ended with are left out.
    pub fn status_counts(&self) -> Vec<(LmStatus, usize)> {
        [LmStatus::Converged, LmStatus::MaxIterations, LmStatus::Stalled, LmStatus::NonFinite]
            .into_iter()
            .map(|s| (s, self.endpoints.iter().filter(|e| e.status == s).count()))
            .filter(|&(_, c)| c > 0)
            .collect()
    }
}

/// Multi-start search for the closest points of the neuromanifold of `net` to `objective`,
/// post-processed: see the module documentation. `opts.dedup_tol` decides when two endpoints
/// are the same point: `||phi_a - phi_b|| <= dedup_tol * max(||u||, ||phi_a||, ||phi_b||)`
/// (`u` the target coefficients, 0 for samples). Identical for every thread count.
pub fn closest_point(
    net: &Network,
    objective: &Objective,
    opts: &SearchOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<ClosestReport> {
    check_options(opts)?;
    size::check_search(net, objective, opts.starts, par)?;
    let (report, endpoints, target_norm) = match objective {
        Objective::Coefficients { target, metric } => {
            let problem = coefficient_problem(net, F64Ring, target, metric)?;
            let report = run_starts(net, &problem, opts, par, intr)?;
            // phi(theta) is the coefficient map itself: the residual is its weighted difference.
            let endpoints = recompute(&report, problem.map.n_values(), par, intr, |theta, function| {
                problem.map.values(theta, function)?;
                Ok(residual_sq(&problem, function.to_vec()))
            })?;
            (report, endpoints, target.iter().map(|v| v * v).sum::<f64>().sqrt())
        }
        Objective::Data { points, values } => {
            let problem = data_problem(net, points, values, || LaneDataMap::new(net, points))?;
            let report = run_starts(net, &problem, opts, par, intr)?;
            let phi = CoefficientMap::new(net, F64Ring)?;
            let endpoints = recompute(&report, phi.n_values(), par, intr, |theta, function| {
                phi.values(theta, function)?;
                let mut outputs = vec![0.0; problem.map.n_values()];
                problem.map.values(theta, &mut outputs)?;
                Ok(residual_sq(&problem, outputs))
            })?;
            (report, endpoints, 0.0)
        }
    };
    let clusters = deduplicate(&endpoints, target_norm, opts.dedup_tol);
    let reps: Vec<&[f64]> = clusters.iter().map(|c| endpoints[c[0]].theta.as_slice()).collect();
    let hess = hessians(net, objective, &reps, par, intr)?;
    let n = net.n_params();
    let (mut minima, mut saddles) = (vec![], vec![]);
    for (members, mut h) in clusters.into_iter().zip(hess) {
        let eig = symmetric_eigenvalues(&mut h, n)?;
        let min_eig = eig.first().copied().unwrap_or(0.0);
        let max_abs = eig.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let grad = endpoints[members[0]].grad_norm;
        let is_minimum = min_eig >= -(MIN_EIG_REL * max_abs + GRAD_FACTOR * grad);
        let point = CriticalPoint { start: members[0], members, min_hessian_eigenvalue: min_eig, is_minimum };
        if is_minimum {
            minima.push(point);
        } else {
            saddles.push(point);
        }
    }
    let best = (0..endpoints.len())
        .min_by(|&a, &b| {
            let (x, y) = (endpoints[a].sq_distance, endpoints[b].sq_distance);
            (x.is_nan(), x).partial_cmp(&(y.is_nan(), y)).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b))
        })
        .unwrap_or(0);
    Ok(ClosestReport { scale: report.scale, endpoints, best, minima, saddles })
}

/// `||r||^2` of the weighted residual of `values` (model values at the endpoint).
fn residual_sq<M>(problem: &WeightedResidual<M>, mut values: Vec<f64>) -> f64 {
    problem.weigh(&mut values);
    values.iter().map(|v| v * v).sum()
}

/// Every start's endpoint with `phi(theta)` and the squared distance from `eval` (which writes
/// the function and returns the squared distance); parallel over starts when `par` allows.
fn recompute(
    report: &SearchReport,
    ambient: usize,
    par: Par,
    intr: &dyn Interrupt,
    eval: impl Fn(&[f64], &mut [f64]) -> Result<f64> + Sync,
) -> Result<Vec<Endpoint>> {
    let one = |r: &StartResult| -> Result<Endpoint> {
        intr.check()?;
        let mut function = vec![0.0; ambient];
        let sq_distance = eval(&r.theta, &mut function)?;
        Ok(Endpoint {
            theta: r.theta.clone(),
            function,
            sq_distance,
            grad_norm: r.grad_norm,
            evaluations: r.evaluations,
            status: r.status,
        })
    };
    if par.is_parallel() && report.results.len() > 1 {
        report.results.par_iter().with_max_len(1).map(one).collect()
    } else {
        report.results.iter().map(one).collect()
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Groups the converged endpoints by function, best first: endpoints are visited by increasing
/// squared distance (then index) and join the first group whose representative has the same
/// function up to `tol` relative to `max(scale, ||phi_a||, ||phi_b||)`, else start a new one.
pub fn deduplicate(endpoints: &[Endpoint], scale: f64, tol: f64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..endpoints.len()).filter(|&i| endpoints[i].status == LmStatus::Converged).collect();
    order.sort_by(|&a, &b| endpoints[a].sq_distance.total_cmp(&endpoints[b].sq_distance).then(a.cmp(&b)));
    let mut groups: Vec<Vec<usize>> = vec![];
    let mut rep_norms: Vec<f64> = vec![];
    for i in order {
        let f = &endpoints[i].function;
        let nf = norm(f);
        let found = groups.iter().zip(&rep_norms).position(|(g, &nr)| {
            let r = &endpoints[g[0]].function;
            let diff = f.iter().zip(r).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
            diff <= tol * scale.max(nf).max(nr).max(1e-300)
        });
        match found {
            Some(k) => groups[k].push(i),
            None => {
                groups.push(vec![i]);
                rep_norms.push(nf);
            }
        }
    }
    groups
}

/// The exact Hessians of the squared distance at each of `thetas`, with the dual-number
/// problem built once (nothing is built when `thetas` is empty).
pub fn hessians(
    net: &Network,
    objective: &Objective,
    thetas: &[&[f64]],
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Vec<Vec<f64>>> {
    if thetas.is_empty() {
        return Ok(vec![]);
    }
    size::check_hessian(net, objective, par)?;
    let dual = DualRing(F64Ring);
    match objective {
        Objective::Coefficients { target, metric } => {
            let p = coefficient_problem(net, dual, target, metric)?;
            thetas.iter().map(|t| squared_distance_hessian(&p.map, &p.target, &p.sqrt_w, t, par, intr)).collect()
        }
        Objective::Data { points, values } => {
            let lifted = points.iter().map(|&v| (v, 0.0)).collect();
            let p = data_problem(net, points, values, || DataMap::new(net, dual, lifted))?;
            thetas.iter().map(|t| squared_distance_hessian(&p.map, &p.target, &p.sqrt_w, t, par, intr)).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closest::Metric;
    use crate::net::{Dense, Layer};
    use crate::par::NoInterrupt;

    /// mlp (2, 1, 2), linear: `phi = (c, d)^T (a, b)` row-major, `[ca, cb, da, db]`.
    fn rank_one() -> Network {
        let dense = |i, o| Layer::Dense(Dense { input_dim: i, output_dim: o, bias: false });
        Network::new(vec![dense(2, 1), dense(1, 2)]).unwrap()
    }

    fn diag31() -> Objective {
        Objective::Coefficients { target: vec![3.0, 0.0, 0.0, 1.0], metric: Metric::Euclidean }
    }

    /// Starts placed exactly on critical points of `||phi - diag(3, 1)||^2` (the gradient is 0
    /// there, so each start stays put): three on the fiber of the minimum `diag(3, 0)` (squared
    /// distance 1) and two on the fiber of the saddle `diag(0, 1)` (squared distance 9).
    fn on_critical_points(dedup_tol: f64) -> SearchOptions {
        let initial = vec![
            0.0, 1.0, 0.0, 1.0, // saddle
            1.0, 0.0, 3.0, 0.0, // minimum
            2.0, 0.0, 1.5, 0.0, // minimum, another point of the fiber
            0.0, -2.0, 0.0, -0.5, // saddle
            0.5, 0.0, 6.0, 0.0, // minimum
        ];
        SearchOptions { starts: 5, initial: Some(initial), dedup_tol, ..SearchOptions::default() }
    }

    #[test]
    fn deduplication_matches_a_hand_count() {
        let net = rank_one();
        let rep = closest_point(&net, &diag31(), &on_critical_points(1e-5), Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(rep.n_converged(), 5);
        assert_eq!(rep.status_counts(), vec![(LmStatus::Converged, 5)]);
        assert_eq!(rep.minima.len(), 1);
        assert_eq!(rep.saddles.len(), 1);
        // Minimum: starts 1, 2, 4 (squared distance 1 each; ties by index); saddle: 0, 3.
        assert_eq!(rep.minima[0].members, vec![1, 2, 4]);
        assert_eq!(rep.saddles[0].members, vec![0, 3]);
        assert_eq!(rep.best, 1);
        for e in &rep.endpoints {
            let want = if e.function[0] != 0.0 { 1.0 } else { 9.0 };
            assert_eq!(e.sq_distance, want);
        }
        // Hessian at the saddle (0, 1, 0, 1): with L = (ca - 3)^2 + (cb)^2 + (da)^2 + (db - 1)^2,
        // the (a, c) block is [[2 (c^2 + d^2), -6], [-6, 2 (a^2 + b^2)]] = [[2, -6], [-6, 2]],
        // eigenvalues 2 +- 6: the smallest is -4.
        assert!((rep.saddles[0].min_hessian_eigenvalue + 4.0).abs() < 1e-12, "{:?}", rep.saddles[0]);
        assert!(!rep.saddles[0].is_minimum && rep.minima[0].is_minimum);
        // A tolerance wider than the distance between the two functions merges them, best first.
        let wide = closest_point(&net, &diag31(), &on_critical_points(2.0), Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(wide.minima.len() + wide.saddles.len(), 1);
        assert_eq!(wide.minima[0].members, vec![1, 2, 4, 0, 3]);
    }

    #[test]
    fn post_processing_does_not_depend_on_threads() {
        let net = rank_one();
        let opts = SearchOptions { starts: 12, ..SearchOptions::default() };
        let a = closest_point(&net, &diag31(), &opts, Par::Seq, &NoInterrupt).unwrap();
        let b = closest_point(&net, &diag31(), &opts, Par::from_threads(2), &NoInterrupt).unwrap();
        assert_eq!(a, b);
        let data =
            Objective::Data { points: vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0], values: vec![1.0, 2.0, 0.0, 1.0, 3.0, 2.0] };
        let a = closest_point(&net, &data, &opts, Par::Seq, &NoInterrupt).unwrap();
        let b = closest_point(&net, &data, &opts, Par::from_threads(2), &NoInterrupt).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_dedup_tol_is_refused() {
        let opts = SearchOptions { dedup_tol: 0.0, ..SearchOptions::default() };
        let err = closest_point(&rank_one(), &diag31(), &opts, Par::Seq, &NoInterrupt);
        assert!(matches!(err, Err(crate::error::CoreError::InvalidArgument { arg, .. }) if arg == "dedup_tol"));
    }
}
