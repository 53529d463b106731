//! The degree of the neurovariety from a witness set (critical-points note, section 5).
//!
//! A witness set of the cone `V` (dimension `m`) is `V` cut by a generic affine space
//! `{y : L y = b}` of codimension `m`: `deg V` points. They are found by monodromy on the linear
//! section system ([`super::section`]) over a random complex slice `theta_0 + E x` of parameter
//! space: the cover `V -> C^m`, `y -> L y`, is irreducible for irreducible `V`, so loops in `b`
//! act transitively and reach every witness point, counted as functions.
//!
//! Evidence of completeness: the loop history (no new point for `stable_loops` loops), an
//! independent second run (other slice, other `L`, other seed), and the *trace test*
//! (Sommese-Verschelde-Wampler): along the parallel family `b(s) = b_0 + s v`, the sum
//! `sum_i M y_i(s)` over a witness set is affine in `s` exactly when the set is complete (a
//! proper subset of the points has a non-linear trace for generic `M`, `v`). The reported
//! residual `|tr(1) - 2 tr(0) + tr(-1)| / sum |M y_i|` is at rounding level for a complete set.
//!
//! Certification: Krawczyk's test ([`super::certify::krawczyk_inside`]) on each witness point in
//! outward-rounded interval arithmetic proves a regular solution `x` with its function in an
//! enclosure; pairwise disjoint enclosures are distinct points of `V` on the affine space, a
//! lower bound on `deg V` (the number of isolated points of `V` cut by an affine space of
//! codimension `dim V` is at most `deg V`).

use super::certify::{certified_distinct, first_krawczyk_box, Certificate, WIDE_BOXES};
use super::driver::RunSummary;
use super::interval::{CIv, IntervalRing};
use super::linalg::{inverse, min_normalized_pivot};
use super::monodromy::{monodromy, track_all, Found, MonodromyOptions};
use super::section::{Section, SectionSystem};
use super::tracker::{refine, PathStatus, TrackerOptions};
use crate::dimension::{ambient_dim, dimension, DimensionOptions};
use crate::error::{CoreError, Result};
use crate::net::Network;
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::{ComplexRing, C64};
use crate::rng::SplitMix64;
use num_traits::ToPrimitive;

const STREAM_SECTION: u64 = 0x4445_475f_7365_6374;
const STREAM_START: u64 = 0x4445_475f_7374_6172;
const STREAM_TRACE: u64 = 0x4445_475f_7472_6163;
const STREAM_RECHART: u64 = 0x4445_475f_6368_6172;

/// Settings of the degree driver.
#[derive(Debug, Clone, PartialEq)]
pub struct DegreeOptions {
    pub monodromy: MonodromyOptions,
    pub tracker: TrackerOptions,
    /// Independent monodromy runs (at least 1); the largest count is reported.
    pub runs: usize,
    /// Largest dimension accepted (each path step solves `m x m` systems).
    pub max_dim: usize,
    /// Run Krawczyk's test on every witness point.
    pub certify: bool,
}

impl Default for DegreeOptions {
    fn default() -> Self {
        DegreeOptions {
            // The witness cover mixes slowly where some witness points lie far out (the twisted
            // cubic needed 12 loops for its third point in one run): 20 quiet loops, with the
            // trace test as the independent completeness check.
            monodromy: MonodromyOptions { stable_loops: 20, ..MonodromyOptions::default() },
            tracker: TrackerOptions::default(),
            runs: 2,
            max_dim: 40,
            certify: true,
        }
    }
}

/// The degree with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct DegreeReport {
    /// Distinct witness functions of the best run (the largest count).
    pub degree: usize,
    /// Witness points that passed Krawczyk's test (0 when certification is off).
    pub certified: usize,
    /// Certified points with pairwise disjoint function enclosures: a proven lower bound.
    pub certified_lower_bound: usize,
    pub runs: Vec<RunSummary>,
    pub runs_agree: bool,
    /// `|tr(1) - 2 tr(0) + tr(-1)| / sum |M y_i|` of the best run's witness set (`NaN` when a
    /// trace path failed; see `trace_failures`).
    pub trace_residual: f64,
    /// Trace paths that did not end successfully with a full-rank parametrization.
    pub trace_failures: usize,
    pub dim: usize,
    pub n_params: usize,
    pub ambient_dim: usize,
    pub stable_loops: usize,
}

fn cnormal(g: &mut SplitMix64) -> C64 {
    C64::new(g.normal(), g.normal()).scale(std::f64::consts::FRAC_1_SQRT_2)
}

/// A random section: slice `theta_0 + E x` and matrix `L`, scaled so `L y` is of unit size.
pub fn draw_section(n: usize, m: usize, big_n: usize, seed: u64, run: u64) -> Section {
    let mut g = SplitMix64::derived(seed, STREAM_SECTION, run);
    let s = 1.0 / (big_n as f64).sqrt();
    Section {
        theta0: (0..n).map(|_| cnormal(&mut g)).collect(),
        e: (0..n * m).map(|_| cnormal(&mut g)).collect(),
        l: (0..m * big_n).map(|_| cnormal(&mut g).scale(s)).collect(),
    }
}

/// A start pair: a random `x_0` with `J E` of full rank and `b_0 = L phi(theta(x_0))`.
pub fn section_start(
    sys: &SectionSystem<'_, ComplexRing>,
    rng: &mut SplitMix64,
    rank_tol: f64,
) -> Result<(Found, Vec<C64>)> {
    for _ in 0..8 {
        let x0: Vec<C64> = (0..sys.m).map(|_| cnormal(rng)).collect();
        let p = sys.point(&x0)?;
        let pivot = min_normalized_pivot(&p.je, sys.big_n, sys.m);
        if pivot < rank_tol {
            continue;
        }
        let b0 = sys.apply_l(&p.phi);
        return Ok((Found { t: x0, phi: p.phi, rank_pivot: pivot }, b0));
    }
    Err(CoreError::Unlucky("no start point with a full-rank sliced Jacobian in 8 draws; try another seed".into()))
}

/// Krawczyk's test for the section system at `x` (refined), on boxes of growing radius.
pub fn certify_section(
    net: &Network,
    section: &Section,
    sys: &SectionSystem<'_, ComplexRing>,
    x: &[C64],
    b: &[C64],
) -> Result<Option<Certificate>> {
    let m = sys.m;
    let (_, gx_point, _) = sys.residual_jacobian(x, b)?;
    let Some(y) = inverse(&gx_point, m) else { return Ok(None) };
    let isys = SectionSystem::new(net, IntervalRing, section)?;
    let thin: Vec<CIv> = x.iter().map(|&z| CIv::point(z)).collect();
    let gx = isys.residual(&thin, b)?;
    // G_x = L J E invertible on the box (implied by the inclusion) makes J E of full rank.
    let found = first_krawczyk_box(x, &gx, &y, &WIDE_BOXES, |boxx| {
        let (_, gt, p) = isys.residual_jacobian(boxx, b)?;
        Ok((gt, p.phi))
    })?;
    Ok(found.map(|(radius, function)| Certificate { radius, function }))
}

/// [`certify_section`], and where it fails (a witness point far out in the slice chart, with a
/// nearly dependent `J E`), again in fresh charts: the slice re-centred at the point's parameter
/// `theta(x)` with new random directions `E'`, where the point is `x' = 0` (same `L`, same `b`:
/// the same witness function). A certificate in any chart proves a regular point of `V` on the
/// affine space with its function in the enclosure.
fn certify_with_recharts(
    net: &Network,
    section: &Section,
    sys: &SectionSystem<'_, ComplexRing>,
    x: &[C64],
    b: &[C64],
    seed: u64,
    index: u64,
) -> Result<Option<Certificate>> {
    const RECHARTS: u64 = 3;
    if let Some(c) = certify_section(net, section, sys, x, b)? {
        return Ok(Some(c));
    }
    let theta = sys.theta(x);
    let (n, m) = (sys.n, sys.m);
    for k in 0..RECHARTS {
        let mut g = SplitMix64::derived(seed ^ STREAM_RECHART, index, k);
        let chart =
            Section { theta0: theta.clone(), e: (0..n * m).map(|_| cnormal(&mut g)).collect(), l: section.l.clone() };
        let csys = SectionSystem::new(net, ComplexRing, &chart)?;
        let x0 = refine(&csys, &vec![C64::ZERO; m], b)?;
        let p = csys.point(&x0)?;
        if min_normalized_pivot(&p.je, csys.big_n, m) < 1e-9 {
            continue;
        }
        if let Some(c) = certify_section(net, &chart, &csys, &x0, b)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

struct Run {
    section: Section,
    b0: Vec<C64>,
    sols: Vec<Found>,
}

#[allow(clippy::too_many_arguments)]
fn run_once(
    net: &Network,
    m: usize,
    big_n: usize,
    seed: u64,
    run: u64,
    opts: &DegreeOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<(Run, RunSummary)> {
    let section = draw_section(net.n_params(), m, big_n, seed, run);
    let sys = SectionSystem::new(net, ComplexRing, &section)?;
    let mut g = SplitMix64::derived(seed, STREAM_START, run);
    let (start, b0) = section_start(&sys, &mut g, opts.monodromy.rank_tol)?;
    let loop_seed = seed ^ run.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let (sols, rep) = monodromy(&sys, &b0, start, &opts.monodromy, &opts.tracker, loop_seed, par, intr)?;
    let summary = RunSummary {
        seed: loop_seed,
        count: sols.len(),
        loops: rep.loops,
        loops_without_new: rep.loops_without_new,
        paths: rep.paths,
        failures: rep.failures,
        rank_deficient: rep.rank_deficient,
        history: rep.history,
        stop: rep.stop.name(),
    };
    Ok((Run { section, b0, sols }, summary))
}

/// Shift directions tried by the trace test before its path failures are reported.
const TRACE_ATTEMPTS: u64 = 3;

/// The trace residual of the witness set `sols` at `b0` and the number of failed trace paths,
/// along the shift direction number `attempt` (independent random `v` and `M` per attempt).
#[allow(clippy::too_many_arguments)]
fn trace_test(
    sys: &SectionSystem<'_, ComplexRing>,
    b0: &[C64],
    sols: &[Found],
    seed: u64,
    attempt: u64,
    opts: &DegreeOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<(f64, usize)> {
    let mut g = SplitMix64::derived(seed, STREAM_TRACE, attempt);
    let scale = (b0.iter().map(|z| z.norm_sqr()).sum::<f64>() / b0.len().max(1) as f64).sqrt().max(1e-3);
    let v: Vec<C64> = b0.iter().map(|_| cnormal(&mut g).scale(0.5 * scale)).collect();
    let mfun: Vec<C64> = (0..sys.big_n).map(|_| cnormal(&mut g)).collect();
    let dot = |phi: &[C64]| phi.iter().zip(&mfun).fold(C64::ZERO, |s, (a, b)| s + *a * *b);
    let starts: Vec<Vec<C64>> = sols.iter().map(|s| s.t.clone()).collect();
    let mut traces = [C64::ZERO; 2];
    let mut size: f64 = sols.iter().map(|s| dot(&s.phi).abs()).sum::<f64>() * 2.0;
    let mut failures = 0;
    for (k, sign) in [1.0, -1.0].into_iter().enumerate() {
        let b1: Vec<C64> = b0.iter().zip(&v).map(|(b, d)| *b + d.scale(sign)).collect();
        let ends = track_all(sys, &[b0, &b1], &starts, &opts.tracker, par, intr)?;
        for r in &ends {
            if r.status != PathStatus::Success {
                failures += 1;
                continue;
            }
            let (phi, pivot) = super::parameter_homotopy::ParameterHomotopy::image(sys, &r.t)?;
            if pivot < opts.monodromy.rank_tol {
                failures += 1;
            }
            let d = dot(&phi);
            traces[k] += d;
            size += d.abs();
        }
    }
    let t0 = sols.iter().fold(C64::ZERO, |s, f| s + dot(&f.phi));
    if failures > 0 {
        return Ok((f64::NAN, failures));
    }
    let second = traces[0] - t0.scale(2.0) + traces[1];
    Ok((second.abs() / size.max(f64::MIN_POSITIVE), 0))
}

/// The degree of the neurovariety of `net` (see the module docs).
pub fn degree(net: &Network, seed: u64, opts: &DegreeOptions, par: Par, intr: &dyn Interrupt) -> Result<DegreeReport> {
    if opts.runs == 0 {
        return Err(CoreError::invalid("runs", "at least one monodromy run is needed"));
    }
    let ambient = ambient_dim(net)?.to_usize().ok_or_else(|| CoreError::TooLarge {
        what: "the coefficient space".into(),
        requested_bytes: u128::MAX,
        limit_bytes: crate::par::memory_limit() as u128,
    })?;
    check_allocation("the coefficient vectors of the section system", ambient as u128 * 16, 8)?;
    let dopts = DimensionOptions { seed, par, ..DimensionOptions::default() };
    let m = dimension(net, &dopts, intr)?.dim;
    if m == 0 {
        return Err(CoreError::invalid("net", "the neurovariety is the point 0 (dimension 0): its degree is 1"));
    }
    if m > opts.max_dim {
        return Err(CoreError::invalid(
            "net",
            format!(
                "the neurovariety has dimension {m}, above the limit of {} (raise max_dim to try anyway)",
                opts.max_dim
            ),
        ));
    }
    let mut best: Option<Run> = None;
    let mut runs = Vec::with_capacity(opts.runs);
    for r in 0..opts.runs {
        let (run, s) = run_once(net, m, ambient, seed, r as u64, opts, par, intr)?;
        if best.as_ref().is_none_or(|b| run.sols.len() > b.sols.len()) {
            best = Some(run);
        }
        runs.push(s);
    }
    let mut best = best.ok_or_else(|| CoreError::internal("no monodromy run"))?;
    let sys = SectionSystem::new(net, ComplexRing, &best.section)?;
    for f in best.sols.iter_mut() {
        f.t = refine(&sys, &f.t, &best.b0)?;
    }
    // A trace path can fail where the shifted section passes near a singular point (seen on
    // MLP (4,3,1) t^2 with seed 1); another random direction is an equally valid test, so up to
    // three directions are tried and the first one whose paths all succeed is reported.
    let mut trace = (f64::NAN, 0);
    for attempt in 0..TRACE_ATTEMPTS {
        trace = trace_test(&sys, &best.b0, &best.sols, seed, attempt, opts, par, intr)?;
        if trace.1 == 0 {
            break;
        }
    }
    let (trace_residual, trace_failures) = trace;
    let (certified, lower) = if opts.certify {
        let mut certs = Vec::with_capacity(best.sols.len());
        for (i, f) in best.sols.iter().enumerate() {
            intr.check()?;
            certs.push(certify_with_recharts(net, &best.section, &sys, &f.t, &best.b0, seed, i as u64)?);
        }
        let refs: Vec<Option<&Certificate>> = certs.iter().map(|c| c.as_ref()).collect();
        (refs.iter().filter(|c| c.is_some()).count(), certified_distinct(&refs).len())
    } else {
        (0, 0)
    };
    let count = best.sols.len();
    Ok(DegreeReport {
        degree: count,
        certified,
        certified_lower_bound: lower,
        runs_agree: runs.iter().all(|r| r.count == count),
        runs,
        trace_residual,
        trace_failures,
        dim: m,
        n_params: net.n_params(),
        ambient_dim: ambient,
        stable_loops: opts.monodromy.stable_loops,
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
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(w[0], degree).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: w[0], output_dim: w[1], bias: false }));
        }
        Network::new(layers).unwrap()
    }

    fn check(net: &Network, want: usize) {
        let rep = degree(net, 7, &DegreeOptions::default(), Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(rep.degree, want, "{rep:?}");
        assert!(rep.runs_agree, "{rep:?}");
        assert_eq!(rep.certified_lower_bound, want, "{rep:?}");
        assert!(rep.trace_residual < 1e-8, "{rep:?}");
    }

    /// The twisted cubic cone: binary cubics `c (a x + b y)^3`, MLP (2,1,1) with `t^3`, the
    /// cone over the rational normal curve of degree 3 in P^3: degree 3.
    #[test]
    fn twisted_cubic() {
        check(&mlp(&[2, 1, 1], 3), 3);
    }

    /// 3 x 3 matrices of rank <= 2 (linear MLP (3,2,3)): the determinant hypersurface, degree 3.
    #[test]
    fn rank_two_matrices() {
        check(&mlp(&[3, 2, 3], 1), 3);
    }

    /// An incomplete witness set fails the trace test: drop one of the three points of the
    /// twisted cubic; the trace of the other two is not affine (residual far from rounding).
    #[test]
    fn trace_detects_an_incomplete_set() {
        let net = mlp(&[2, 1, 1], 3);
        let opts = DegreeOptions::default();
        let section = draw_section(3, 2, 4, 7, 0);
        let sys = SectionSystem::new(&net, ComplexRing, &section).unwrap();
        let mut g = SplitMix64::new(1);
        let (start, b0) = section_start(&sys, &mut g, 1e-9).unwrap();
        let (sols, _) = monodromy(&sys, &b0, start, &opts.monodromy, &opts.tracker, 3, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(sols.len(), 3);
        let (full, _) = trace_test(&sys, &b0, &sols, 1, 0, &opts, Par::Seq, &NoInterrupt).unwrap();
        let (part, _) = trace_test(&sys, &b0, &sols[..2], 1, 0, &opts, Par::Seq, &NoInterrupt).unwrap();
        assert!(full < 1e-10, "{full}");
        assert!(part > 1e-4, "{part}");
    }
}
