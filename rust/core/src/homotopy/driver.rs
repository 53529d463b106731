//! The drivers of the global engine (critical-points note, sections 2-4 and 6):
//!
//! * [`ed_degree`]: monodromy on a random slice of dimension `m = dim X` at generic complex data,
//!   the count of distinct critical *functions*, the loop history that supports completeness,
//!   Krawczyk certificates of every solution and of their pairwise distinctness (a proven lower
//!   bound), and optionally a second independent run (other slice, other seed) for agreement;
//! * [`critical_points`]: the same solution set carried by a coefficient-parameter homotopy from
//!   the generic data `u_0` to the user's real data `u*` through a random complex point (the
//!   gamma trick: the two segments avoid the discriminant with probability one), then for every
//!   end point its function, slice and parameter point, residual, certificate, realness, squared
//!   distance and, for a real function, the signature of the Hessian of the distance restricted
//!   to the variety.
//!
//! Results never depend on the thread count: paths are tracked in input order and the end
//! points are sorted canonically (real before complex, then by squared distance, then by the
//! function's coefficients).
// `!(x > y)` is deliberate in the numerical tests: it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::balance::balanced_chart;
use super::certify::{certified_distinct, Certificate, Certifier};
use super::data_metric::{SampleMetric, SystemMetric};
use super::linalg::{min_normalized_pivot, norm_inf, solve};
use super::monodromy::{accept, monodromy, same_function, start_pair, track_all_until, Found, MonodromyOptions};
use super::progress::{tick, Progress};
use super::system::{CriticalSystem, Slice};
use super::tracker::{refine, PathStatus, TrackerOptions};
use crate::closest::metric::{check_finite, metric_weights};
use crate::closest::spectrum::symmetric_eigenvalues;
use crate::closest::Metric;
use crate::dimension::{ambient_dim, dimension, DimensionOptions};
use crate::error::{CoreError, Result};
use crate::net::Network;
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::{ComplexRing, C64};
use crate::rng::SplitMix64;
use num_traits::ToPrimitive;
use std::sync::Arc;
use std::time::{Duration, Instant};

const STREAM_SLICE: u64 = 0x4544_5f73_6c69_6365;
const STREAM_START: u64 = 0x4544_5f73_7461_7274;
const STREAM_DETOUR: u64 = 0x4544_5f64_6574_6f75;
const STREAM_RECHART: u64 = 0x4544_5f63_6861_7274;

/// Settings of both drivers.
#[derive(Debug, Clone)]
pub struct EdOptions {
    pub monodromy: MonodromyOptions,
    pub tracker: TrackerOptions,
    /// Independent monodromy runs (different slice and seed); the run with the most solutions
    /// is used, the others confirm the count (at least 1).
    pub runs: usize,
    /// Largest slice dimension accepted: every path step solves `m x m` systems and runs `m`
    /// passes of the network over duals, so larger systems are refused up front.
    pub max_dim: usize,
    /// Relative size of `Im phi` under which a critical function counts as real.
    pub real_tol: f64,
    /// Run Krawczyk's test on every solution.
    pub certify: bool,
    /// Wall-clock budget (`None`: no limit). For [`ed_degree`]: the monodromy loops of all
    /// runs together, shared equally among the runs. For [`critical_points`]: the loops *and*
    /// the tracking to the data; the loops stop early enough to leave, at their own cost per
    /// path, two paths per solution and target, and each target gets an equal share of what is
    /// left. Refinement and certification come on top (milliseconds per solution). A run stopped
    /// by it reports `stop = "time_limit"` (its count is only a lower bound); a target whose
    /// tracking it cut reports `time_limited` and counts the paths never tracked as failures
    /// `"time_limit"`.
    pub time_limit: Option<Duration>,
    /// Stage counter for progress bars (one stage per run, certification, the tracking to the
    /// data and its certification); `None`: nobody watches.
    pub progress: Option<Arc<Progress>>,
}

impl PartialEq for EdOptions {
    /// The settings that change the result (the progress sink does not).
    fn eq(&self, o: &Self) -> bool {
        (&self.monodromy, &self.tracker, self.runs, self.max_dim, self.real_tol, self.certify, self.time_limit)
            == (&o.monodromy, &o.tracker, o.runs, o.max_dim, o.real_tol, o.certify, o.time_limit)
    }
}

impl Default for EdOptions {
    fn default() -> Self {
        EdOptions {
            monodromy: MonodromyOptions { stable_loops: 10, ..MonodromyOptions::default() },
            tracker: TrackerOptions::default(),
            runs: 2,
            max_dim: 40,
            real_tol: 1e-8,
            certify: true,
            time_limit: None,
            progress: None,
        }
    }
}

/// What one monodromy run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub seed: u64,
    /// Distinct critical functions found.
    pub count: usize,
    pub loops: usize,
    pub loops_without_new: usize,
    pub paths: usize,
    /// Path ends by status other than success (status name, count).
    pub failures: Vec<(&'static str, usize)>,
    /// Successful ends discarded because `J B` dropped rank.
    pub rank_deficient: usize,
    /// Solution count after each loop.
    pub history: Vec<usize>,
    /// Why the loops stopped: `"stable"` (the completeness evidence), `"max_loops"` or
    /// `"time_limit"` (the count is then only a lower bound).
    pub stop: &'static str,
}

/// The ED degree with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct EdDegreeReport {
    /// Distinct critical functions found by the best run's monodromy (the largest count).
    pub ed_degree: usize,
    /// Solutions that passed Krawczyk's test (0 when certification is off).
    pub certified: usize,
    /// Certified solutions with pairwise disjoint function enclosures: a proven lower bound.
    pub certified_lower_bound: usize,
    /// Every run, in run order.
    pub runs: Vec<RunSummary>,
    /// All runs found the same count.
    pub runs_agree: bool,
    /// Slice dimension (the dimension of the neurovariety), parameters, coefficients.
    pub dim: usize,
    pub n_params: usize,
    pub ambient_dim: usize,
    /// Loops without a new solution required to stop.
    pub stable_loops: usize,
}

/// One critical point of the distance to the user's data.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalPointReport {
    /// The critical function `phi(theta)` (coefficient order of design.md 2.4).
    pub function: Vec<C64>,
    /// One (in general complex) parameter preimage on the slice, and its slice coordinates.
    pub theta: Vec<C64>,
    pub t: Vec<C64>,
    /// `|G(t; u*)|_inf` after refinement.
    pub residual: f64,
    /// Smallest normalised pivot of `J B` (scale-invariant rank measure).
    pub rank_pivot: f64,
    /// `max |Im phi| / (1 + max |phi|)`.
    pub imag_size: f64,
    pub is_real: bool,
    /// `sum_i w_i (phi_i - u_i)^2` (complex for complex points).
    pub sq_distance: C64,
    /// Passed Krawczyk's test at `u*`.
    pub certified: bool,
    /// For real functions: eigenvalues (ascending) of the Hessian of the squared distance
    /// restricted to the variety, in an orthonormal real basis of the tangent space.
    pub hessian_eigenvalues: Option<Vec<f64>>,
}

/// All critical points for the user's data with the evidence behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalPointsReport {
    pub points: Vec<CriticalPointReport>,
    /// The monodromy count at generic data (the ED degree found).
    pub ed: EdDegreeReport,
    /// Paths from the generic data to the target: tracked (all routes and retries), and on
    /// the last route tracked: failed by status, ending where `J B` drops rank, and ending at a
    /// function already reached by another path of that route. A fresh route is tracked only
    /// while some function is missing, and `points` pools the functions of all routes, so when
    /// `points` has one function per generic solution the last route's failures were covered
    /// by earlier routes.
    pub paths: usize,
    pub failures: Vec<(&'static str, usize)>,
    pub rank_deficient: usize,
    pub merged: usize,
    /// Certified points with pairwise disjoint function enclosures at the target.
    pub certified_distinct: usize,
    pub real_tol: f64,
    /// The time limit stopped the tracking while some generic solution had not yet reached a
    /// distinct function (paths never tracked, failed paths not retried, or detours skipped):
    /// points may be missing, whatever the monodromy found.
    pub time_limited: bool,
}

/// The generic solve shared by both drivers.
struct Generic {
    slice: Slice,
    u0: Vec<C64>,
    sols: Vec<Found>,
}

fn cnormal(g: &mut SplitMix64) -> C64 {
    C64::new(g.normal(), g.normal()).scale(std::f64::consts::FRAC_1_SQRT_2)
}

/// The coefficient count, refused when too large for the coefficient vectors to fit in memory.
fn ambient_of(net: &Network) -> Result<usize> {
    let ambient = ambient_dim(net)?.to_usize().ok_or_else(|| CoreError::TooLarge {
        what: "the coefficient space".into(),
        requested_bytes: u128::MAX,
        limit_bytes: crate::par::memory_limit() as u128,
    })?;
    // The weights, the data and the monodromy solutions hold coefficient vectors: refuse a
    // coefficient space too large for memory before building any of them.
    check_allocation("the coefficient vectors of the critical system", ambient as u128 * 8, 8)?;
    Ok(ambient)
}

/// The metric weights, validated, and the coefficient count.
fn weights_of(net: &Network, metric: &Metric) -> Result<(SystemMetric, usize)> {
    let ambient = ambient_of(net)?;
    Ok((SystemMetric::Diagonal(metric_weights(net, metric, ambient)?), ambient))
}

/// The data metric of samples (validated: enough samples in general position), and the
/// coefficient count.
fn data_metric_of(net: &Network, points: &[f64], values: &[f64]) -> Result<(SystemMetric, usize)> {
    let ambient = ambient_of(net)?;
    Ok((SystemMetric::Samples(SampleMetric::new(net, points, values)?), ambient))
}

/// The slice dimension: the dimension of the neurovariety (the existing dimension code).
fn slice_dim(net: &Network, seed: u64, opts: &EdOptions, par: Par, intr: &dyn Interrupt) -> Result<usize> {
    let dopts = DimensionOptions { seed, par, ..DimensionOptions::default() };
    let m = dimension(net, &dopts, intr)?.dim;
    if m == 0 {
        return Err(CoreError::invalid("net", "the neurovariety is a point (dimension 0): no distance to minimise"));
    }
    if m > opts.max_dim {
        return Err(CoreError::invalid(
            "net",
            format!(
                "the neurovariety has dimension {m}, above the limit of {} for homotopy continuation \
                 (each path step solves {m} x {m} systems); raise max_dim to try anyway",
                opts.max_dim
            ),
        ));
    }
    Ok(m)
}

fn draw_slice(n: usize, m: usize, seed: u64, run: u64) -> Slice {
    let mut g = SplitMix64::derived(seed, STREAM_SLICE, run);
    Slice { theta0: (0..n).map(|_| cnormal(&mut g)).collect(), b: (0..n * m).map(|_| cnormal(&mut g)).collect() }
}

/// Removes solutions whose function is negligible next to the largest one (max-norm ratio below
/// `1e-8`) and returns how many. They sit where the whole sliced Jacobian vanishes (for a
/// monomial MLP: a hidden neuron's linear form is zero, so `phi = 0`, the vertex of the cone):
/// `G = (J B)^T (...)` is zero there for every data, yet the column-normalised rank test cannot
/// see a Jacobian that shrinks uniformly. The vertex of a non-linear cone is a singular point,
/// and for generic data no smooth critical point has a function that small, so they are rank
/// drops and are counted as such.
fn drop_vertex(sols: &mut Vec<Found>) -> usize {
    let size = |f: &Found| f.phi.iter().fold(0.0f64, |a, z| a.max(z.abs()));
    let top = sols.iter().map(size).fold(0.0f64, f64::max);
    let before = sols.len();
    sols.retain(|f| size(f) > 1e-8 * top);
    before - sols.len()
}

#[allow(clippy::too_many_arguments)]
fn run_once(
    net: &Network,
    metric: &SystemMetric,
    m: usize,
    seed: u64,
    run: u64,
    targets: usize,
    opts: &EdOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<(Generic, RunSummary)> {
    let slice = draw_slice(net.n_params(), m, seed, run);
    let sys = CriticalSystem::new(net, ComplexRing, &slice, metric)?;
    let mut g = SplitMix64::derived(seed, STREAM_START, run);
    let (start, u0) = start_pair(&sys, &mut g, opts.monodromy.rank_tol)?;
    let loop_seed = seed ^ run.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mopts = MonodromyOptions {
        time_limit: opts.time_limit.map(|t| t / opts.runs.max(1) as u32),
        // Each run keeps its share of the time for tracking the kept solutions to the
        // targets: with r runs reserving 2 targets / r paths per solution each, the loops
        // together leave two of their paths per solution and target (measured on attention
        // (3,2) key 2: a path to real data costs about 1.5 loop paths, and failed ones are
        // retried).
        reserve_paths: (2 * targets) as f64 / opts.runs.max(1) as f64,
        progress: opts.progress.clone(),
        ..opts.monodromy.clone()
    };
    let (mut sols, rep) = monodromy(&sys, &u0, start, &mopts, &opts.tracker, loop_seed, par, intr)?;
    let vertex = drop_vertex(&mut sols);
    let summary = RunSummary {
        seed: loop_seed,
        count: sols.len(),
        loops: rep.loops,
        loops_without_new: rep.loops_without_new,
        paths: rep.paths,
        failures: rep.failures,
        rank_deficient: rep.rank_deficient + vertex,
        history: rep.history,
        stop: rep.stop.name(),
    };
    Ok((Generic { slice, u0, sols }, summary))
}

/// Krawczyk certificates at data `u` (in input order; `None` where the test fails).
///
/// A solution far out in the slice chart (large `t`, a nearly dependent `J B`) can be too
/// ill-conditioned for the test in double precision. Then the function is certified in a fresh
/// chart where it is the solution near `t' = 0` (the critical condition depends on the function
/// and its tangent space only): first centred at a preimage of least norm on its fiber with
/// directions across the fiber ([`balanced_chart`]), then there with random directions `B'`.
/// A certificate in any chart proves a regular critical point of the distance with its function
/// in the enclosure, so disjoint enclosures stay distinct points.
fn certificates(
    net: &Network,
    slice: &Slice,
    metric: &SystemMetric,
    ts: &[&[C64]],
    u: &[C64],
    seed: u64,
    intr: &dyn Interrupt,
) -> Result<Vec<Option<Certificate>>> {
    const RECHARTS: u64 = 3;
    let sys = CriticalSystem::new(net, ComplexRing, slice, metric)?;
    let cert = Certifier::new(net, slice, metric)?;
    let (n, m) = (sys.n, sys.m);
    // The function as the solution near `t = 0` of the chart's critical system, certified there.
    let certify_in = |chart: &Slice| -> Result<Option<Certificate>> {
        let csys = CriticalSystem::new(net, ComplexRing, chart, metric)?;
        let t0 = refine(&csys, &vec![C64::ZERO; m], u)?;
        let (_, cgt, cp) = csys.residual_jacobian(&t0, u)?;
        if min_normalized_pivot(&cp.jb, csys.big_n, m) < 1e-9 {
            return Ok(None);
        }
        Certifier::new(net, chart, metric)?.certify(&t0, u, &cp.jb, &cgt)
    };
    let mut out = Vec::with_capacity(ts.len());
    for (i, t) in ts.iter().enumerate() {
        intr.check()?;
        let (_, gt, p) = sys.residual_jacobian(t, u)?;
        let mut c = cert.certify(t, u, &p.jb, &gt)?;
        // The run's chart can meet the fiber at a needlessly large parameter point, where the
        // enclosures are too wide: a small preimage with directions across the fiber first,
        // then random directions there.
        let mut centre = p.theta.clone();
        if c.is_none() {
            if let Some(chart) = balanced_chart(net, &p.theta, m, intr)? {
                c = certify_in(&chart)?;
                centre = chart.theta0;
            }
        }
        for k in 0..RECHARTS {
            if c.is_some() {
                break;
            }
            let mut g = SplitMix64::derived(seed ^ STREAM_RECHART, i as u64, k);
            c = certify_in(&Slice { theta0: centre.clone(), b: (0..n * m).map(|_| cnormal(&mut g)).collect() })?;
        }
        out.push(c);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn solve_generic(
    net: &Network,
    metric: &SystemMetric,
    ambient: usize,
    targets: usize,
    seed: u64,
    opts: &EdOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<(Generic, EdDegreeReport)> {
    if opts.runs == 0 {
        return Err(CoreError::invalid("runs", "at least one monodromy run is needed"));
    }
    let m = slice_dim(net, seed, opts, par, intr)?;
    let progress = opts.progress.as_deref();
    if let Some(p) = progress {
        // runs, certification; the target adds tracking and its certification.
        p.set_total(opts.runs + 1 + 2 * targets);
    }
    // Every run's count is a lower bound (its solutions are certified separately); the run with
    // the most solutions is the one reported and carried on, the others are evidence.
    let mut first: Option<Generic> = None;
    let mut runs = Vec::with_capacity(opts.runs);
    for r in 0..opts.runs {
        let (gen, s) = run_once(net, metric, m, seed, r as u64, targets, opts, par, intr)?;
        if first.as_ref().is_none_or(|f| gen.sols.len() > f.sols.len()) {
            first = Some(gen);
        }
        runs.push(s);
        tick(progress);
    }
    let mut first = first.ok_or_else(|| CoreError::internal("no monodromy run"))?;
    {
        let sys = CriticalSystem::new(net, ComplexRing, &first.slice, metric)?;
        for f in first.sols.iter_mut() {
            f.t = refine(&sys, &f.t, &first.u0)?;
        }
    }
    let (certified, lower) = if opts.certify {
        let ts: Vec<&[C64]> = first.sols.iter().map(|s| s.t.as_slice()).collect();
        let certs = certificates(net, &first.slice, metric, &ts, &first.u0, seed, intr)?;
        let refs: Vec<Option<&Certificate>> = certs.iter().map(|c| c.as_ref()).collect();
        (refs.iter().filter(|c| c.is_some()).count(), certified_distinct(&refs).len())
    } else {
        (0, 0)
    };
    tick(progress);
    let count = first.sols.len();
    let report = EdDegreeReport {
        ed_degree: count,
        certified,
        certified_lower_bound: lower,
        runs_agree: runs.iter().all(|r| r.count == count),
        runs,
        dim: m,
        n_params: net.n_params(),
        ambient_dim: ambient,
        stable_loops: opts.monodromy.stable_loops,
    };
    Ok((first, report))
}

/// The ED degree of the neurovariety of `net` in `metric`, by monodromy (see the module docs).
pub fn ed_degree(
    net: &Network,
    metric: &Metric,
    seed: u64,
    opts: &EdOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<EdDegreeReport> {
    let (metric, ambient) = weights_of(net, metric)?;
    Ok(solve_generic(net, &metric, ambient, 0, seed, opts, par, intr)?.1)
}

/// The learning degree: the ED degree in the data metric of the samples `points`
/// (`samples x input_dim`, row-major), for generic values (the count does not depend on them).
pub fn learning_degree(
    net: &Network,
    points: &[f64],
    seed: u64,
    opts: &EdOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<EdDegreeReport> {
    let samples = points.len().checked_div(net.input_dim()).unwrap_or(0);
    let values = vec![0.0; samples * net.output_dim()];
    let (metric, ambient) = data_metric_of(net, points, &values)?;
    Ok(solve_generic(net, &metric, ambient, 0, seed, opts, par, intr)?.1)
}

/// An orthonormal real basis (`rows x m`, row-major) of the span of the complex `rows x m`
/// matrix `a`, assumed conjugation-invariant (the tangent space of a real variety at a real
/// point): modified Gram-Schmidt with pivoting over the real and imaginary parts of the columns.
fn real_basis(a: &[C64], rows: usize, m: usize) -> Option<Vec<f64>> {
    let mut cand: Vec<Vec<f64>> = Vec::with_capacity(2 * m);
    for j in 0..m {
        cand.push((0..rows).map(|i| a[i * m + j].re).collect());
        cand.push((0..rows).map(|i| a[i * m + j].im).collect());
    }
    let scale = cand.iter().map(|c| c.iter().map(|v| v * v).sum::<f64>()).fold(0.0f64, f64::max).sqrt();
    if !(scale > 0.0) || !scale.is_finite() {
        return None;
    }
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(m);
    for _ in 0..m {
        let (k, nrm) = cand
            .iter()
            .enumerate()
            .map(|(k, c)| (k, c.iter().map(|v| v * v).sum::<f64>().sqrt()))
            .max_by(|x, y| x.1.total_cmp(&y.1))?;
        if !(nrm > 1e-8 * scale) {
            return None;
        }
        let q: Vec<f64> = cand.swap_remove(k).iter().map(|v| v / nrm).collect();
        for c in cand.iter_mut() {
            for _pass in 0..2 {
                let d: f64 = q.iter().zip(c.iter()).map(|(x, y)| x * y).sum();
                c.iter_mut().zip(&q).for_each(|(y, x)| *y -= d * x);
            }
        }
        basis.push(q);
    }
    let mut out = vec![0.0; rows * m];
    for (j, q) in basis.iter().enumerate() {
        for i in 0..rows {
            out[i * m + j] = q[i];
        }
    }
    Some(out)
}

/// Eigenvalues of the Hessian of `x -> (x - u)^T W (x - u)` restricted to the variety at a
/// real critical point, from the complex slice chart `psi(t) = phi(theta_0 + B t)`: at a
/// critical point the Hessian of `t -> d_u(psi(t))` is `2 G_t`, the intrinsic Hessian pulled
/// back by `a -> J B a` (the gradient `W (x - u)` is normal, so only the second fundamental form
/// enters). With an orthonormal real basis `R` of `T_x X` and `J B C = R`, the real form is
/// `2 C^T G_t C`. `None` when the tangent space is not numerically real.
fn restricted_hessian(jb: &[C64], gt: &[C64], big_n: usize, m: usize) -> Result<Option<Vec<f64>>> {
    let Some(r) = real_basis(jb, big_n, m) else { return Ok(None) };
    // C = (JB^H JB)^{-1} JB^H R.
    let mut gram = vec![C64::ZERO; m * m];
    for i in 0..m {
        for j in 0..m {
            let mut s = C64::ZERO;
            for k in 0..big_n {
                s += jb[k * m + i].conj() * jb[k * m + j];
            }
            gram[i * m + j] = s;
        }
    }
    let mut c = vec![C64::ZERO; m * m];
    for col in 0..m {
        let rhs: Vec<C64> = (0..m)
            .map(|i| {
                let mut s = C64::ZERO;
                for k in 0..big_n {
                    s += jb[k * m + i].conj() * C64::real(r[k * m + col]);
                }
                s
            })
            .collect();
        let Some(x) = solve(&gram, m, &rhs) else { return Ok(None) };
        for i in 0..m {
            c[i * m + col] = x[i];
        }
    }
    // The real basis must lie in the complex span: J B C = R to rounding.
    let mut miss = 0.0f64;
    for k in 0..big_n {
        for col in 0..m {
            let mut s = C64::ZERO;
            for i in 0..m {
                s += jb[k * m + i] * c[i * m + col];
            }
            miss = miss.max((s - C64::real(r[k * m + col])).abs());
        }
    }
    if !(miss < 1e-6) {
        return Ok(None);
    }
    let mut h = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..m {
            let mut s = C64::ZERO;
            for i in 0..m {
                for j in 0..m {
                    s += c[i * m + a] * gt[i * m + j] * c[j * m + b];
                }
            }
            h[a * m + b] = 2.0 * s.re;
        }
    }
    for a in 0..m {
        for b in 0..a {
            let v = 0.5 * (h[a * m + b] + h[b * m + a]);
            h[a * m + b] = v;
            h[b * m + a] = v;
        }
    }
    Ok(Some(symmetric_eigenvalues(&mut h, m)?))
}

/// Every critical point of the distance from the real data `target` to the neurovariety of
/// `net` in `metric` (see the module docs).
pub fn critical_points(
    net: &Network,
    target: &[f64],
    metric: &Metric,
    seed: u64,
    opts: &EdOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<CriticalPointsReport> {
    let (metric, ambient) = weights_of(net, metric)?;
    if target.len() != ambient {
        return Err(CoreError::invalid(
            "target",
            format!("expected {ambient} coefficients (the ambient dimension), got {}", target.len()),
        ));
    }
    check_finite("target", target)?;
    let ustar: Vec<C64> = target.iter().map(|&v| C64::real(v)).collect();
    Ok(critical_points_in(net, &metric, ambient, &[ustar], seed, opts, par, intr)?.remove(0))
}

/// [`critical_points`] for several targets (rows of the `targets` list) on one generic solve:
/// the monodromy runs once, and its solutions are tracked to each target in turn.
pub fn critical_points_many(
    net: &Network,
    targets: &[Vec<f64>],
    metric: &Metric,
    seed: u64,
    opts: &EdOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Vec<CriticalPointsReport>> {
    let (metric, ambient) = weights_of(net, metric)?;
    let mut us = Vec::with_capacity(targets.len());
    for target in targets {
        if target.len() != ambient {
            return Err(CoreError::invalid(
                "target",
                format!("expected {ambient} coefficients (the ambient dimension), got {}", target.len()),
            ));
        }
        check_finite("target", target)?;
        us.push(target.iter().map(|&v| C64::real(v)).collect());
    }
    critical_points_in(net, &metric, ambient, &us, seed, opts, par, intr)
}

/// Every critical point of the squared loss of the samples (`points` is
/// `samples x input_dim`, `values` is `samples x output_dim`, row-major) on the neurovariety: the
/// critical points of the distance in the data metric (see [`super::data_metric`]); the
/// reported `sq_distance` is the squared loss `sum_j ||f(x_j) - y_j||^2` itself.
pub fn critical_points_of_data(
    net: &Network,
    points: &[f64],
    values: &[f64],
    seed: u64,
    opts: &EdOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<CriticalPointsReport> {
    let (metric, ambient) = data_metric_of(net, points, values)?;
    let SystemMetric::Samples(sm) = &metric else { return Err(CoreError::internal("data metric")) };
    let bstar = sm.rhs_mid().to_vec();
    Ok(critical_points_in(net, &metric, ambient, &[bstar], seed, opts, par, intr)?.remove(0))
}

/// The squared distance of `phi` to the parameter `u` in the metric (the squared loss for data).
fn metric_sq_distance(metric: &SystemMetric, phi: &[C64], u: &[C64]) -> C64 {
    match metric {
        SystemMetric::Diagonal(w) => {
            let mut sq = C64::ZERO;
            for k in 0..phi.len() {
                let d = phi[k] - u[k];
                sq += (d * d).scale(w[k]);
            }
            sq
        }
        SystemMetric::Samples(sm) => sm.loss(phi),
    }
}

#[allow(clippy::too_many_arguments)]
fn critical_points_in(
    net: &Network,
    metric: &SystemMetric,
    ambient: usize,
    targets: &[Vec<C64>],
    seed: u64,
    opts: &EdOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Vec<CriticalPointsReport>> {
    let began = Instant::now();
    let (gen, ed) = solve_generic(net, metric, ambient, targets.len(), seed, opts, par, intr)?;
    let mut reports = Vec::with_capacity(targets.len());
    for (k, u) in targets.iter().enumerate() {
        // An equal share of the time left to each target still to come, so a slow first target
        // cannot take the time of the others.
        let deadline = opts.time_limit.map(|limit| {
            let now = Instant::now();
            now + (began + limit).saturating_duration_since(now).div_f64((targets.len() - k) as f64)
        });
        reports.push(track_to_target(net, metric, ambient, &gen, &ed, u, seed, opts, par, intr, deadline)?);
    }
    Ok(reports)
}

/// The generic solutions carried to the data `ustar`, and everything reported about them.
#[allow(clippy::too_many_arguments)]
fn track_to_target(
    net: &Network,
    metric: &SystemMetric,
    ambient: usize,
    gen: &Generic,
    ed: &EdDegreeReport,
    ustar: &[C64],
    seed: u64,
    opts: &EdOptions,
    par: Par,
    intr: &dyn Interrupt,
    deadline: Option<Instant>,
) -> Result<CriticalPointsReport> {
    let ustar = ustar.to_vec();
    let sys = CriticalSystem::new(net, ComplexRing, &gen.slice, metric)?;
    let (m, big_n) = (sys.m, sys.big_n);
    // The detour point: the midpoint pushed off the real line by a random complex offset of the
    // data's size, so neither segment meets the (real-codimension-two) discriminant. The end
    // point of a path depends on the route (a different detour permutes the ends by
    // monodromy), so all paths of one route are tracked together: a failed path is tracked
    // again on the same route with smaller steps, and only when some end is still missing
    // (failed, or two paths reached one function: path jumping) is the whole set tracked along
    // a fresh detour. Every accepted end of every route is a genuine critical point at the
    // target, so the functions of all routes are pooled (distinct ones only); the pool is
    // complete when it has one function per generic solution.
    let scale =
        (ustar.iter().chain(&gen.u0).map(|z| z.norm_sqr()).sum::<f64>() / (2 * ambient).max(1) as f64).sqrt().max(1e-3);
    const DETOURS: u64 = 3;
    const RETRIES: u32 = 2;
    let starts: Vec<Vec<C64>> = gen.sols.iter().map(|s| s.t.clone()).collect();
    let mut kept: Vec<Found> = Vec::new();
    let mut mrep = super::monodromy::MonodromyReport::default();
    let mut merged = 0usize;
    let mut tracked = 0usize;
    // Under a time limit, work not done for lack of time while some end is still missing.
    let mut time_cut = false;
    let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d);
    for attempt in 0..DETOURS {
        if attempt > 0 && out_of_time() {
            time_cut = true;
            break;
        }
        let mut g = SplitMix64::derived(seed, STREAM_DETOUR, attempt);
        let mid: Vec<C64> =
            gen.u0.iter().zip(&ustar).map(|(a, b)| (*a + *b).scale(0.5) + cnormal(&mut g).scale(scale)).collect();
        let route: [&[C64]; 3] = [&gen.u0, &mid, &ustar];
        let mut ends = track_all_until(&sys, &route, &starts, &opts.tracker, par, intr, deadline)?;
        tracked += ends.iter().filter(|r| r.status != PathStatus::TimeLimit).count();
        for retry in 1..=RETRIES {
            let failed: Vec<usize> = (0..ends.len())
                .filter(|&i| !matches!(ends[i].status, PathStatus::Success | PathStatus::TimeLimit))
                .collect();
            if failed.is_empty() {
                break;
            }
            if out_of_time() {
                time_cut = true;
                break;
            }
            let shrink = 0.5f64.powi(2 * retry as i32);
            let topts = TrackerOptions {
                max_step: opts.tracker.max_step * shrink,
                initial_step: opts.tracker.initial_step * shrink,
                max_steps: opts.tracker.max_steps * (1 << (2 * retry)),
                ..opts.tracker.clone()
            };
            let again: Vec<Vec<C64>> = failed.iter().map(|&i| starts[i].clone()).collect();
            let redo = track_all_until(&sys, &route, &again, &topts, par, intr, deadline)?;
            for (&i, r) in failed.iter().zip(redo) {
                // A retry the deadline prevented leaves the first failure on record.
                if r.status == PathStatus::TimeLimit {
                    time_cut = true;
                } else {
                    tracked += 1;
                    ends[i] = r;
                }
            }
        }
        time_cut |= ends.iter().any(|r| r.status == PathStatus::TimeLimit);
        // The ends of this route, counted afresh: the report describes the last route tracked.
        mrep = super::monodromy::MonodromyReport::default();
        merged = 0;
        let mut fresh: Vec<Found> = Vec::new();
        for r in &ends {
            if let Some(f) = accept(&sys, r, opts.monodromy.rank_tol, &mut mrep)? {
                if fresh.iter().any(|k| same_function(&k.phi, &f.phi, opts.monodromy.dedup_tol)) {
                    merged += 1;
                } else {
                    fresh.push(f);
                }
            }
        }
        mrep.rank_deficient += drop_vertex(&mut fresh);
        for f in fresh {
            if !kept.iter().any(|k| same_function(&k.phi, &f.phi, opts.monodromy.dedup_tol)) {
                kept.push(f);
            }
        }
        if kept.len() >= starts.len() {
            break;
        }
    }
    let complete_set = kept.len() >= starts.len();
    tick(opts.progress.as_deref());
    let mut points = Vec::with_capacity(kept.len());
    for f in kept {
        intr.check()?;
        let t = refine(&sys, &f.t, &ustar)?;
        let (gv, gt, p) = sys.residual_jacobian(&t, &ustar)?;
        let big = norm_inf(&p.phi);
        let imag = p.phi.iter().fold(0.0f64, |a, z| a.max(z.im.abs())) / (1.0 + big);
        let is_real = imag <= opts.real_tol;
        let sq = metric_sq_distance(metric, &p.phi, &ustar);
        let hessian_eigenvalues = if is_real { restricted_hessian(&p.jb, &gt, big_n, m)? } else { None };
        let function = if is_real { p.phi.iter().map(|z| C64::real(z.re)).collect() } else { p.phi.clone() };
        points.push(CriticalPointReport {
            function,
            theta: p.theta,
            t,
            residual: norm_inf(&gv),
            rank_pivot: min_normalized_pivot(&p.jb, big_n, m),
            imag_size: imag,
            is_real,
            sq_distance: if is_real { C64::real(sq.re) } else { sq },
            certified: false,
            hessian_eigenvalues,
        });
    }
    points.sort_by(|a, b| {
        (!a.is_real)
            .cmp(&!b.is_real)
            .then(a.sq_distance.re.total_cmp(&b.sq_distance.re))
            .then(a.sq_distance.im.total_cmp(&b.sq_distance.im))
            .then_with(|| {
                a.function
                    .iter()
                    .zip(&b.function)
                    .map(|(x, y)| x.re.total_cmp(&y.re).then(x.im.total_cmp(&y.im)))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    });
    let certified_distinct_count = if opts.certify {
        let ts: Vec<&[C64]> = points.iter().map(|p| p.t.as_slice()).collect();
        let certs = certificates(net, &gen.slice, metric, &ts, &ustar, seed, intr)?;
        for (p, c) in points.iter_mut().zip(&certs) {
            p.certified = c.is_some();
        }
        let refs: Vec<Option<&Certificate>> = certs.iter().map(|c| c.as_ref()).collect();
        certified_distinct(&refs).len()
    } else {
        0
    };
    tick(opts.progress.as_deref());
    Ok(CriticalPointsReport {
        points,
        ed: ed.clone(),
        paths: tracked,
        failures: mrep.failures,
        rank_deficient: mrep.rank_deficient,
        merged,
        certified_distinct: certified_distinct_count,
        real_tol: opts.real_tol,
        time_limited: time_cut && !complete_set,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer};
    use crate::par::NoInterrupt;

    fn mlp(widths: &[usize], degree: u32) -> Network {
        let mut layers = Vec::new();
        for (i, w) in widths.windows(2).enumerate() {
            layers.push(Layer::Dense(Dense { input_dim: w[0], output_dim: w[1], bias: false }));
            if i + 2 < widths.len() {
                layers.push(Layer::Activation(Activation::monomial(w[1], degree).unwrap()));
            }
        }
        Network::new(layers).unwrap()
    }

    /// Gold rows mlp-2-1-1-ed_degree-euclidean-17 (7) and mlp-2-1-1-ed_degree-bombieri-18 (3);
    /// rank-one 3 x 3 matrices (linear MLP (3,1,3)) have the Eckart-Young count binom(3, 1) = 3,
    /// gold row mlp-3-1-3-ed_degree-euclidean-13.
    #[test]
    fn ed_degrees_match_gold() {
        let cubic = mlp(&[2, 1, 1], 3);
        for (metric, want) in [(Metric::Euclidean, 7), (Metric::Bombieri, 3)] {
            let r = ed_degree(&cubic, &metric, 1, &EdOptions::default(), Par::Seq, &NoInterrupt).unwrap();
            assert_eq!((r.ed_degree, r.certified_lower_bound, r.runs_agree), (want, want, true), "{r:?}");
            assert_eq!(r.dim, 2);
        }
        let linear = mlp(&[3, 1, 3], 1);
        let r = ed_degree(&linear, &Metric::Euclidean, 2, &EdOptions::default(), Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((r.ed_degree, r.certified_lower_bound), (3, 3), "{r:?}");
    }

    /// Rank-one 2 x 2 matrices, target diag(3, 1) (entries u = (3, 0, 0, 1) row-major): by
    /// Eckart-Young the critical points are the two rank-one truncations diag(3, 0) and
    /// diag(0, 1), squared distances 1 and 9; the first is the minimum (Hessian positive
    /// definite), the second a saddle of the distance on the variety.
    #[test]
    fn eckart_young_critical_points() {
        let net = mlp(&[2, 1, 2], 1);
        let r = critical_points(
            &net,
            &[3.0, 0.0, 0.0, 1.0],
            &Metric::Euclidean,
            0,
            &EdOptions::default(),
            Par::Seq,
            &NoInterrupt,
        )
        .unwrap();
        assert_eq!(r.points.len(), 2, "{r:?}");
        let sq: Vec<f64> = r.points.iter().map(|p| p.sq_distance.re).collect();
        assert!((sq[0] - 1.0).abs() < 1e-9 && (sq[1] - 9.0).abs() < 1e-9, "{sq:?}");
        assert!(r.points.iter().all(|p| p.is_real && p.certified));
        let e0 = r.points[0].hessian_eigenvalues.clone().unwrap();
        let e1 = r.points[1].hessian_eigenvalues.clone().unwrap();
        assert!(e0.iter().all(|&v| v > 1e-6), "{e0:?}");
        assert!(e1.iter().any(|&v| v < -1e-6), "{e1:?}");
        assert_eq!(r.certified_distinct, 2);
    }

    /// The learning degree (critical-points note, section 1).
    /// * Linear MLP (3,1,3): f(x) = C x with C rank one; the loss of samples X (s x 3), Y is
    ///   `||X C^T - Y||^2`. With X = QR it is `||R C^T - Q^T Y||^2 + const`, and `C -> R C^T` keeps
    ///   the rank: Eckart-Young in the new coordinates, so the learning degree is
    ///   binom(3, 1) = 3 for any samples with X of full rank (X = I gives the euclidean metric).
    /// * Cone over the twisted cubic (MLP (2,1,1), t^3): functions lambda v(s),
    ///   v = (s^3, 3 s^2, 3 s, 1); eliminating lambda, the critical s are the roots of
    ///   `(b.v')(v.W v) - (b.v)(v.W v')` (b.v = 0 is the vertex), a polynomial of degree 8 whose
    ///   s^8 coefficient cancels (3 b_1 W_11 - 3 b_1 W_11) and whose s^7 coefficient
    ///   3 (b_1 W_12 - b_2 W_11) is non-zero for generic data: 7 critical points.
    #[test]
    fn learning_degrees() {
        let mut g = SplitMix64::new(5);
        let linear = mlp(&[3, 1, 3], 1);
        let identity = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let generic: Vec<f64> = (0..18).map(|_| g.normal()).collect();
        for points in [&identity[..], &generic[..]] {
            let r = learning_degree(&linear, points, 3, &EdOptions::default(), Par::Seq, &NoInterrupt).unwrap();
            assert_eq!((r.ed_degree, r.certified_lower_bound, r.runs_agree), (3, 3, true), "{r:?}");
        }
        let cubic = mlp(&[2, 1, 1], 3);
        let points: Vec<f64> = (0..10).map(|_| g.normal()).collect();
        let r = learning_degree(&cubic, &points, 1, &EdOptions::default(), Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((r.ed_degree, r.certified_lower_bound, r.runs_agree), (7, 7, true), "{r:?}");
        let few = learning_degree(&cubic, &points[..6], 1, &EdOptions::default(), Par::Seq, &NoInterrupt);
        assert!(few.unwrap_err().to_string().contains("too few"));
    }

    /// The tracking's time accounting. The twisted cubic's 7 generic solutions (gold row
    /// mlp-2-1-1-ed_degree-euclidean-17) listed ten times over give 70 starts. With a deadline
    /// already passed, only the first chunk of 32 paths is tracked (it holds all 7 functions;
    /// the other 25 ends merge), the last 38 paths are counted as `time_limit` failures, no
    /// fresh route is tried, and since 7 functions for 70 starts is not a complete set the
    /// report says `time_limited`. Without a deadline all three routes run (the set can never
    /// be complete) and nothing is time-limited.
    #[test]
    fn tracking_under_a_passed_deadline_is_labelled() {
        let net = mlp(&[2, 1, 1], 3);
        let (metric, ambient) = weights_of(&net, &Metric::Euclidean).unwrap();
        let opts = EdOptions { certify: false, ..EdOptions::default() };
        let (mut gen, ed) = solve_generic(&net, &metric, ambient, 1, 1, &opts, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(gen.sols.len(), 7);
        gen.sols = (0..10).flat_map(|_| gen.sols.clone()).collect();
        let u: Vec<C64> = [1.0, -2.0, 0.5, 3.0].iter().map(|&v| C64::real(v)).collect();
        let past = Some(Instant::now() - Duration::from_millis(1));
        let track = |deadline| {
            track_to_target(&net, &metric, ambient, &gen, &ed, &u, 1, &opts, Par::Seq, &NoInterrupt, deadline).unwrap()
        };
        let cut = track(past);
        assert_eq!(super::super::monodromy::TIMED_CHUNK, 32);
        assert_eq!((cut.points.len(), cut.paths, cut.merged), (7, 32, 25), "{cut:?}");
        assert_eq!(cut.failures, vec![("time_limit", 38)]);
        assert!(cut.time_limited);
        let full = track(None);
        assert_eq!((full.points.len(), full.paths), (7, 3 * 70), "{full:?}");
        assert!(full.failures.is_empty() && !full.time_limited);
        for (a, b) in cut.points.iter().zip(&full.points) {
            assert!((a.sq_distance - b.sq_distance).norm_sqr().sqrt() < 1e-9 * (1.0 + b.sq_distance.norm_sqr().sqrt()));
        }
    }

    /// A chart through a needlessly large preimage. The twisted cubic's critical functions
    /// (gold row mlp-2-1-1-ed_degree-euclidean-17, fiber `(l a, b / l^3)`) are re-centred at
    /// `l = 30` (input weights 30 times larger, the output weight 27,000 times smaller); there
    /// the terms of the critical system, products of cubes of the large weights with the small
    /// one, cancel to many digits and Krawczyk's test fails in that chart (measured: for all 7;
    /// at `l = 1/30` it still passes), while [`certificates`] certifies every one (through
    /// [`balanced_chart`]) with enclosures that hold the function and are pairwise disjoint.
    #[test]
    fn large_preimages_are_certified_in_a_balanced_chart() {
        let net = mlp(&[2, 1, 1], 3);
        let (metric, ambient) = weights_of(&net, &Metric::Euclidean).unwrap();
        let opts = EdOptions { certify: false, ..EdOptions::default() };
        let (gen, _) = solve_generic(&net, &metric, ambient, 0, 1, &opts, Par::Seq, &NoInterrupt).unwrap();
        let sys = CriticalSystem::new(&net, ComplexRing, &gen.slice, &metric).unwrap();
        let l = 30.0;
        let mut g = SplitMix64::new(5);
        let mut direct = 0;
        let mut certs = Vec::new();
        for s in &gen.sols {
            let th = sys.theta(&s.t);
            let big = vec![th[0].scale(l), th[1].scale(l), th[2].scale(1.0 / (l * l * l))];
            let chart = Slice { theta0: big, b: (0..3 * 2).map(|_| cnormal(&mut g)).collect() };
            let csys = CriticalSystem::new(&net, ComplexRing, &chart, &metric).unwrap();
            let t0 = refine(&csys, &[C64::ZERO; 2], &gen.u0).unwrap();
            let (_, gt, p) = csys.residual_jacobian(&t0, &gen.u0).unwrap();
            let cert = Certifier::new(&net, &chart, &metric).unwrap();
            direct += usize::from(cert.certify(&t0, &gen.u0, &p.jb, &gt).unwrap().is_some());
            let c = certificates(&net, &chart, &metric, &[&t0], &gen.u0, 1, &NoInterrupt).unwrap().remove(0);
            let c = c.expect("certified in some chart");
            // The enclosure holds the exact function; the run's numerical one lies within rounding.
            let near = |e: super::super::interval::Iv, v: f64| e.lo - 1e-9 <= v && v <= e.hi + 1e-9;
            assert!(c.function.iter().zip(&s.phi).all(|(e, z)| near(e.re, z.re) && near(e.im, z.im)));
            certs.push(c);
        }
        assert_eq!(gen.sols.len(), 7);
        assert_eq!(direct, 0, "the large chart should defeat the direct test");
        let refs: Vec<Option<&Certificate>> = certs.iter().map(Some).collect();
        assert_eq!(certified_distinct(&refs).len(), 7);
    }
}
