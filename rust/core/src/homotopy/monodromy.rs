//! Monodromy solving over the data (critical-points note, section 3; Duff et al. 2019).
//!
//! Start pair: a random slice point `t_0` with `x_0 = phi(theta(t_0))`, `J_0 = J B (t_0)`, and
//! `w` in the left kernel of `J_0` (`J_0^T w = 0`); then `u_0 = x_0 - W^{-1} w` (for the data
//! metric, whose parameter is the whitened data: `p_0 = L^{-1} (W x_0 - w)`) makes `G(t_0; u_0) = 0`. A loop `u_0 -> u_1 -> u_2 -> u_0` through random complex data permutes
//! the solutions; end points whose function is new are added. Solutions are kept one per
//! distinct function (the critical points are counted as functions, never as slice points),
//! and only where `J B` has full rank `m` in the scale-invariant test of [`super::linalg`].
//! The loops stop when the count has not grown for `stable_loops` consecutive loops, after
//! `max_loops` loops, or (only when asked for) at a time limit; the report says which, because
//! only the first is evidence that the solution set is complete.

use super::linalg::{min_normalized_pivot, solve};
use super::parameter_homotopy::ParameterHomotopy;
use super::progress::Progress;
use super::system::CriticalSystem;
use super::tracker::{track, PathResult, PathStatus, TrackerOptions};
use crate::error::{CoreError, Result};
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::{ComplexRing, C64};
use crate::rng::SplitMix64;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

const STREAM_LOOP: u64 = 0x4d6f_6e6f_6472_6f01;
/// Paths per clock reading under a time limit: a chunk already started runs to its end, and a
/// chunk of 32 attention paths takes a few seconds on one core.
pub const TIMED_CHUNK: usize = 32;

/// Monodromy settings.
#[derive(Debug, Clone)]
pub struct MonodromyOptions {
    /// Consecutive loops without a new solution before stopping.
    pub stable_loops: usize,
    /// Upper limit on loops.
    pub max_loops: usize,
    /// Smallest normalised pivot of `J B` accepted as full rank.
    pub rank_tol: f64,
    /// Relative max-norm distance under which two functions are the same.
    pub dedup_tol: f64,
    /// Upper limit on solutions kept (memory is checked for this many).
    pub max_solutions: usize,
    /// Wall-clock budget of the loops, checked between loops (`None`: no limit). A run stopped
    /// by it has a count that is only a lower bound, and which count depends on the machine.
    pub time_limit: Option<Duration>,
    /// Paths per kept solution that the caller tracks after the loops within the same
    /// `time_limit` (0 for a bare ED degree; the number of targets for critical points). The
    /// loops stop once the time spent plus that many paths per solution, at the loops' own
    /// measured cost per path, would reach the limit, so the later tracking is not starved.
    pub reserve_paths: f64,
    /// Where the loop count and the solution count are published after every loop (for
    /// progress bars); `None`: nobody watches. Never changes the result.
    pub progress: Option<Arc<Progress>>,
}

impl PartialEq for MonodromyOptions {
    /// The settings that change the result (the progress sink does not).
    fn eq(&self, o: &Self) -> bool {
        (self.stable_loops, self.max_loops, self.rank_tol, self.dedup_tol, self.max_solutions)
            == (o.stable_loops, o.max_loops, o.rank_tol, o.dedup_tol, o.max_solutions)
            && (self.time_limit, self.reserve_paths) == (o.time_limit, o.reserve_paths)
    }
}

impl Default for MonodromyOptions {
    fn default() -> Self {
        MonodromyOptions {
            stable_loops: 5,
            max_loops: 200,
            rank_tol: 1e-9,
            dedup_tol: 1e-6,
            max_solutions: 100_000,
            time_limit: None,
            reserve_paths: 0.0,
            progress: None,
        }
    }
}

/// Why the loops stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MonodromyStop {
    /// `stable_loops` consecutive loops found nothing new: the evidence of completeness.
    #[default]
    Stable,
    /// `max_loops` loops were run while new solutions still appeared.
    MaxLoops,
    /// The time limit was reached while new solutions still appeared.
    TimeLimit,
}

impl MonodromyStop {
    pub fn name(self) -> &'static str {
        match self {
            MonodromyStop::Stable => "stable",
            MonodromyStop::MaxLoops => "max_loops",
            MonodromyStop::TimeLimit => "time_limit",
        }
    }
}

/// A regular solution kept by the solver.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub t: Vec<C64>,
    pub phi: Vec<C64>,
    /// Smallest normalised pivot of `J B` (the scale-invariant rank measure).
    pub rank_pivot: f64,
}

/// What the loops did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonodromyReport {
    pub loops: usize,
    /// Consecutive loops at the end without a new solution.
    pub loops_without_new: usize,
    pub paths: usize,
    /// Accepted and rejected tracker steps over all paths (the cost of the loops, for profiling).
    pub steps: usize,
    pub rejected: usize,
    /// Path ends by status other than success (status name, count).
    pub failures: Vec<(&'static str, usize)>,
    /// Successful ends where `J B` dropped rank (discarded: they lie over no smooth critical point).
    pub rank_deficient: usize,
    /// Solution count after each loop.
    pub history: Vec<usize>,
    /// Why the loops stopped.
    pub stop: MonodromyStop,
}

impl MonodromyReport {
    fn count_failure(&mut self, s: PathStatus) {
        let name = s.name();
        match self.failures.iter_mut().find(|f| f.0 == name) {
            Some(f) => f.1 += 1,
            None => self.failures.push((name, 1)),
        }
    }
}

fn cnormal(g: &mut SplitMix64) -> C64 {
    C64::new(g.normal(), g.normal()).scale(std::f64::consts::FRAC_1_SQRT_2)
}

/// True when `a` and `b` agree to `tol` relative to their size.
pub fn same_function(a: &[C64], b: &[C64], tol: f64) -> bool {
    let scale = a.iter().chain(b).fold(0.0f64, |m, z| m.max(z.abs()));
    a.iter().zip(b).all(|(x, y)| (*x - *y).abs() <= tol * (1.0 + scale))
}

/// A start pair `(t_0, u_0)` with `G(t_0; u_0) = 0` and `J B (t_0)` of full rank.
pub fn start_pair(
    sys: &CriticalSystem<'_, ComplexRing>,
    rng: &mut SplitMix64,
    rank_tol: f64,
) -> Result<(Found, Vec<C64>)> {
    let (m, big_n) = (sys.m, sys.big_n);
    for _attempt in 0..8 {
        let t0: Vec<C64> = (0..m).map(|_| cnormal(rng)).collect();
        let p = sys.slice_point(&t0)?;
        let pivot = min_normalized_pivot(&p.jb, big_n, m);
        if pivot < rank_tol {
            continue;
        }
        // w = z - J0 (J0^T J0)^{-1} J0^T z, so that J0^T w = 0.
        let z: Vec<C64> =
            (0..big_n).map(|_| cnormal(rng).scale(1.0 + p.phi.iter().fold(0.0f64, |a, v| a.max(v.abs())))).collect();
        let jtz = sys.jb_transpose_times(&p.jb, &z);
        let mut jtj = vec![C64::ZERO; m * m];
        for i in 0..m {
            for j in 0..m {
                let mut s = C64::ZERO;
                for k in 0..big_n {
                    s += p.jb[k * m + i] * p.jb[k * m + j];
                }
                jtj[i * m + j] = s;
            }
        }
        let Some(c) = solve(&jtj, m, &jtz) else { continue };
        let w: Vec<C64> = (0..big_n)
            .map(|k| {
                let mut wk = z[k];
                for (j, cj) in c.iter().enumerate() {
                    wk -= p.jb[k * m + j] * *cj;
                }
                wk
            })
            .collect();
        let u0 = sys.start_parameter(&p.phi, &w);
        return Ok((Found { t: t0, phi: p.phi, rank_pivot: pivot }, u0));
    }
    Err(CoreError::Unlucky("no start pair with a full-rank sliced Jacobian in 8 draws; try another seed".into()))
}

/// Tracks every `start` along the straight segments through `points` (in order), in parallel
/// when `par` allows; results in input order, so independent of the thread count.
pub fn track_all<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    points: &[&[C64]],
    starts: &[Vec<C64>],
    topts: &TrackerOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Vec<PathResult>> {
    let one = |t: &Vec<C64>| -> Result<PathResult> {
        let mut cur = PathResult {
            status: PathStatus::Success,
            t: t.clone(),
            s: 0.0,
            steps: 0,
            rejected: 0,
            residual: 0.0,
            cond: 1.0,
        };
        for w in points.windows(2) {
            let (steps, rejected) = (cur.steps, cur.rejected);
            cur = track(sys, w[0], w[1], &cur.t, topts, intr)?;
            cur.steps += steps;
            cur.rejected += rejected;
            if cur.status != PathStatus::Success {
                break;
            }
        }
        Ok(cur)
    };
    if par.is_parallel() && starts.len() > 1 {
        starts.par_iter().map(one).collect()
    } else {
        starts.iter().map(one).collect()
    }
}

/// [`track_all`] in chunks with a say after each: `go_on(ends)` gets the ends of every chunk
/// as it finishes (to take in its solutions, read the clock) and answers whether to start the
/// next; the paths never started end with [`PathStatus::TimeLimit`] at their start point. The
/// first chunk is always tracked (so every call makes progress: callers check the clock before
/// calling when they must not start at all), and a chunk already started runs to its end, so a
/// deadline is overrun by at most one chunk. Untimed (`timed = false`): one chunk, every path.
#[allow(clippy::too_many_arguments)]
pub fn track_all_while<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    points: &[&[C64]],
    starts: &[Vec<C64>],
    topts: &TrackerOptions,
    par: Par,
    intr: &dyn Interrupt,
    timed: bool,
    mut go_on: impl FnMut(&[PathResult]) -> Result<bool>,
) -> Result<Vec<PathResult>> {
    let chunk = if timed { TIMED_CHUNK } else { starts.len().max(1) };
    let mut ends = Vec::with_capacity(starts.len());
    for part in starts.chunks(chunk) {
        let done = track_all(sys, points, part, topts, par, intr)?;
        let more = go_on(&done)?;
        ends.extend(done);
        if !more {
            break;
        }
    }
    ends.extend(starts[ends.len()..].iter().map(|t| PathResult {
        status: PathStatus::TimeLimit,
        t: t.clone(),
        s: 0.0,
        steps: 0,
        rejected: 0,
        residual: f64::NAN,
        cond: f64::NAN,
    }));
    Ok(ends)
}

/// [`track_all_while`] until a fixed `deadline` (`None`: [`track_all`], in one piece).
#[allow(clippy::too_many_arguments)]
pub fn track_all_until<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    points: &[&[C64]],
    starts: &[Vec<C64>],
    topts: &TrackerOptions,
    par: Par,
    intr: &dyn Interrupt,
    deadline: Option<Instant>,
) -> Result<Vec<PathResult>> {
    track_all_while(sys, points, starts, topts, par, intr, deadline.is_some(), |_| {
        Ok(deadline.is_none_or(|d| Instant::now() < d))
    })
}

/// Keeps `r` if it succeeded with a full-rank parametrization (the system's
/// [`ParameterHomotopy::image`] rank measure at least `rank_tol`): `Some(Found)`, else records
/// why not.
pub fn accept<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    r: &PathResult,
    rank_tol: f64,
    report: &mut MonodromyReport,
) -> Result<Option<Found>> {
    if r.status != PathStatus::Success {
        report.count_failure(r.status);
        return Ok(None);
    }
    let (phi, pivot) = sys.image(&r.t)?;
    if pivot < rank_tol {
        report.rank_deficient += 1;
        return Ok(None);
    }
    Ok(Some(Found { t: r.t.clone(), phi, rank_pivot: pivot }))
}

/// Monodromy loops from one start solution at data `u0`.
#[allow(clippy::too_many_arguments)]
pub fn monodromy<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    u0: &[C64],
    start: Found,
    opts: &MonodromyOptions,
    topts: &TrackerOptions,
    seed: u64,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<(Vec<Found>, MonodromyReport)> {
    // Each kept solution holds its point and its image (the image length is that of `u0` for
    // the critical system and at most the ambient dimension in general; `start` tells).
    let per_solution = sys.unknowns() as u128 + start.phi.len().max(u0.len()) as u128;
    check_allocation(
        "the monodromy solutions",
        opts.max_solutions as u128 * per_solution,
        std::mem::size_of::<C64>() as u128,
    )?;
    let scale = (u0.iter().map(|z| z.norm_sqr()).sum::<f64>() / u0.len().max(1) as f64).sqrt().max(1e-3);
    let mut sols = vec![start];
    let mut report = MonodromyReport::default();
    let began = Instant::now();
    // The loops' deadline: the limit less the time reserved for the caller's later paths (for
    // the solutions held now), priced at this run's own cost per path so far.
    let deadline = |paths: usize, held: usize| -> Option<Instant> {
        opts.time_limit.map(|limit| {
            let per_path = if paths == 0 { 0.0 } else { began.elapsed().as_secs_f64() / paths as f64 };
            let reserve = Duration::from_secs_f64((per_path * opts.reserve_paths * held as f64).min(1e9));
            began + limit.saturating_sub(reserve)
        })
    };
    while report.loops_without_new < opts.stable_loops {
        if report.loops >= opts.max_loops {
            report.stop = MonodromyStop::MaxLoops;
            break;
        }
        if deadline(report.paths, sols.len()).is_some_and(|d| Instant::now() >= d) {
            report.stop = MonodromyStop::TimeLimit;
            break;
        }
        intr.check()?;
        let mut g = SplitMix64::derived(seed, STREAM_LOOP, report.loops as u64);
        let u1: Vec<C64> = (0..u0.len()).map(|_| cnormal(&mut g).scale(scale)).collect();
        let u2: Vec<C64> = (0..u0.len()).map(|_| cnormal(&mut g).scale(scale)).collect();
        let starts: Vec<Vec<C64>> = sols.iter().map(|s| s.t.clone()).collect();
        let before = sols.len();
        // The ends are taken in chunk by chunk (in path order, as in one piece), so under a
        // time limit the deadline follows the growing solution set, a loop over many
        // solutions cannot overrun it by a whole loop, and the ends of the finished chunks
        // are kept (each is a genuine solution).
        let ends =
            track_all_while(sys, &[u0, &u1, &u2, u0], &starts, topts, par, intr, opts.time_limit.is_some(), |done| {
                report.paths += done.len();
                report.steps += done.iter().map(|r| r.steps).sum::<usize>();
                report.rejected += done.iter().map(|r| r.rejected).sum::<usize>();
                for r in done {
                    if let Some(f) = accept(sys, r, opts.rank_tol, &mut report)? {
                        if !sols.iter().any(|s| same_function(&s.phi, &f.phi, opts.dedup_tol)) {
                            if sols.len() >= opts.max_solutions {
                                return Err(CoreError::TooLarge {
                                    what: "the monodromy solution set".into(),
                                    requested_bytes: (sols.len() as u128 + 1) * per_solution * 16,
                                    limit_bytes: opts.max_solutions as u128 * per_solution * 16,
                                });
                            }
                            sols.push(f);
                        }
                    }
                }
                Ok(deadline(report.paths, sols.len()).is_none_or(|d| Instant::now() < d))
            })?;
        let cut = ends.iter().any(|r| r.status == PathStatus::TimeLimit);
        report.loops += 1;
        report.loops_without_new = if sols.len() > before { 0 } else { report.loops_without_new + 1 };
        report.history.push(sols.len());
        if let Some(p) = &opts.progress {
            p.note_loop(report.loops, sols.len());
        }
        if cut {
            // A partial loop is no evidence of completeness, whatever it found.
            report.stop = MonodromyStop::TimeLimit;
            break;
        }
    }
    Ok((sols, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::homotopy::certify::{certified_distinct, Certifier};
    use crate::homotopy::data_metric::SystemMetric;
    use crate::homotopy::system::Slice;
    use crate::net::{Activation, Dense, Layer, Network};
    use crate::par::NoInterrupt;

    /// ED degree of the cone over the twisted cubic, MLP (2,1,1) with `t^3` (dim 2): 7 in the
    /// euclidean metric and 3 in the Bombieri metric (weights 1, 1/3, 1/3, 1), gold rows
    /// mlp-2-1-1-ed_degree-euclidean-17 and -bombieri-18. Every solution passes Krawczyk's test
    /// and the enclosures of the functions are pairwise disjoint; a point moved off a solution by
    /// 1e-3 must fail the test (a certifier that accepts it would prove nothing).
    #[test]
    fn twisted_cubic_ed_degrees() {
        let net = Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 1, bias: false }),
            Layer::Activation(Activation::monomial(1, 3).unwrap()),
            Layer::Dense(Dense { input_dim: 1, output_dim: 1, bias: false }),
        ])
        .unwrap();
        for (weights, want) in [(vec![1.0; 4], 7usize), (vec![1.0, 1.0 / 3.0, 1.0 / 3.0, 1.0], 3)] {
            let mut g = SplitMix64::new(11);
            let slice = Slice {
                theta0: (0..3).map(|_| cnormal(&mut g)).collect(),
                b: (0..6).map(|_| cnormal(&mut g)).collect(),
            };
            let metric = SystemMetric::Diagonal(weights);
            let sys = CriticalSystem::new(&net, ComplexRing, &slice, &metric).unwrap();
            let opts = MonodromyOptions::default();
            let (start, u0) = start_pair(&sys, &mut g, opts.rank_tol).unwrap();
            let (sols, rep) =
                monodromy(&sys, &u0, start, &opts, &TrackerOptions::default(), 5, Par::Seq, &NoInterrupt).unwrap();
            assert_eq!(sols.len(), want, "{rep:?}");
            let cert = Certifier::new(&net, &slice, &metric).unwrap();
            let certs: Vec<_> = sols
                .iter()
                .map(|s| {
                    let (_, gt, p) = sys.residual_jacobian(&s.t, &u0).unwrap();
                    cert.certify(&s.t, &u0, &p.jb, &gt).unwrap()
                })
                .collect();
            let refs: Vec<_> = certs.iter().map(|c| c.as_ref()).collect();
            assert_eq!(certified_distinct(&refs).len(), want);
            for s in &sols {
                let moved: Vec<C64> = s.t.iter().map(|&z| z + C64::new(1e-3, 0.0)).collect();
                let (_, gt, p) = sys.residual_jacobian(&moved, &u0).unwrap();
                assert!(cert.certify(&moved, &u0, &p.jb, &gt).unwrap().is_none());
            }
        }
    }

    fn cubic_system() -> (Network, Slice, SystemMetric) {
        let net = Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 1, bias: false }),
            Layer::Activation(Activation::monomial(1, 3).unwrap()),
            Layer::Dense(Dense { input_dim: 1, output_dim: 1, bias: false }),
        ])
        .unwrap();
        let mut g = SplitMix64::new(11);
        let slice =
            Slice { theta0: (0..3).map(|_| cnormal(&mut g)).collect(), b: (0..6).map(|_| cnormal(&mut g)).collect() };
        (net, slice, SystemMetric::Diagonal(vec![1.0; 4]))
    }

    /// A deadline already passed: the first chunk of paths is still tracked (every call makes
    /// progress), the rest come back untracked at their start points with status `TimeLimit`;
    /// without a deadline every path is tracked, and the tracked ends agree with it.
    #[test]
    fn past_deadline_tracks_one_chunk_and_marks_the_rest() {
        let (net, slice, metric) = cubic_system();
        let sys = CriticalSystem::new(&net, ComplexRing, &slice, &metric).unwrap();
        let mut g = SplitMix64::new(3);
        let (start, u0) = start_pair(&sys, &mut g, 1e-9).unwrap();
        let u1: Vec<C64> = (0..u0.len()).map(|_| cnormal(&mut g)).collect();
        let starts = vec![start.t.clone(); TIMED_CHUNK + 5];
        let topts = TrackerOptions::default();
        let route: [&[C64]; 2] = [&u0, &u1];
        let past = Instant::now() - Duration::from_millis(1);
        let cut = track_all_until(&sys, &route, &starts, &topts, Par::Seq, &NoInterrupt, Some(past)).unwrap();
        let full = track_all_until(&sys, &route, &starts, &topts, Par::Seq, &NoInterrupt, None).unwrap();
        assert_eq!((cut.len(), full.len()), (starts.len(), starts.len()));
        assert!(cut[..TIMED_CHUNK].iter().all(|r| r.status != PathStatus::TimeLimit));
        assert!(cut[..TIMED_CHUNK].iter().zip(&full).all(|(a, b)| a == b));
        for r in &cut[TIMED_CHUNK..] {
            assert_eq!((r.status, r.steps, &r.t), (PathStatus::TimeLimit, 0, &start.t));
        }
        assert!(full.iter().all(|r| r.status != PathStatus::TimeLimit));
    }

    /// The loops leave the reserved time: with a reserve of a billion paths per solution (more
    /// than a 30 s limit can pay for at any cost per path above 30 nanoseconds, and one
    /// twisted-cubic path costs far more), the loops stop after the first, labelled `TimeLimit`;
    /// with no reserve the same limit lets them reach the stable count 7 (gold row
    /// mlp-2-1-1-ed_degree-euclidean-17).
    #[test]
    fn loops_leave_the_reserved_time() {
        let (net, slice, metric) = cubic_system();
        let sys = CriticalSystem::new(&net, ComplexRing, &slice, &metric).unwrap();
        let mut g = SplitMix64::new(11);
        let (start, u0) = start_pair(&sys, &mut g, 1e-9).unwrap();
        let topts = TrackerOptions::default();
        let limited = |reserve_paths: f64| MonodromyOptions {
            time_limit: Some(Duration::from_secs(30)),
            reserve_paths,
            ..MonodromyOptions::default()
        };
        let (_, rep) = monodromy(&sys, &u0, start.clone(), &limited(1e9), &topts, 5, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((rep.loops, rep.stop), (1, MonodromyStop::TimeLimit), "{rep:?}");
        let (sols, rep) = monodromy(&sys, &u0, start, &limited(0.0), &topts, 5, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((sols.len(), rep.stop), (7, MonodromyStop::Stable), "{rep:?}");
    }
}
