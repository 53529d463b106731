//! The Cauchy endgame (Morgan, Sommese, Wampler, "A power series method for computing singular
//! solutions to nonlinear analytic systems", Numer. Math. 1992; Sommese-Wampler 2005, sec. 10.3)
//! for a parameter homotopy `H(t, s) = G(t; u_1 + tau (u_0 - u_1))` near its end `tau = 0`.
//!
//! Near `tau = 0` every path of an algebraic homotopy has a Puiseux expansion
//! `t(tau) = sum_k a_k tau^(k/c)`; `c` is its *winding number* (the number of paths meeting at the
//! end point, 1 at a regular end). Tracking a loop `|tau| = r` around 0 returns to the start
//! point after exactly `c` turns, and by Cauchy's integral formula in `sigma = tau^(1/c)` the end
//! point `a_0` is the mean of `t` over the loop; on `K c` equally spaced nodes the trapezoidal
//! rule is exact up to `O(r^K)`. The loop is tracked as the `K`-gon through the nodes (straight
//! segments of the parameter, so any [`ParameterHomotopy`] serves). The radius shrinks
//! geometrically until two successive estimates agree and the estimate solves the target system:
//! an estimate from a radius that still encloses nearby branch points (an ill-conditioned
//! regular end point that the path reaches only very late, as at the gauge's rescaled points of
//! a real target) agrees with its neighbours but does not solve the system, and the descent goes
//! on. A singular end point (`c > 1`, or `c = 1` with a singular Jacobian) is reported with its
//! winding number, never dropped; the tracker's own step-size control would stall there
//! (`step_too_small`).

use super::linalg::norm_inf;
use super::parameter_homotopy::ParameterHomotopy;
use super::tracker::{condition, newton, track, PathResult, PathStatus, TrackerOptions};
use crate::error::Result;
use crate::par::Interrupt;
use crate::ring::C64;

/// Endgame settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EndgameOptions {
    /// `tau` at which the endgame takes over from the plain tracker.
    pub start: f64,
    /// Factor by which the loop radius shrinks between loops.
    pub ratio: f64,
    /// Smallest loop radius (below it the last estimate is reported as it is).
    pub min_radius: f64,
    /// Nodes per turn of the loop (`K`).
    pub nodes: usize,
    /// Largest winding number tried.
    pub max_winding: usize,
    /// Most Cauchy loops per path.
    pub max_loops: usize,
    /// Relative agreement of two successive estimates.
    pub tol: f64,
    /// Relative residual `|H(t; u_1)| / (|H_t| (1 + |t|))` below which an estimate solves the
    /// target system.
    pub residual_tol: f64,
}

impl Default for EndgameOptions {
    fn default() -> Self {
        EndgameOptions {
            start: 0.1,
            ratio: 0.1,
            min_radius: 1e-13,
            nodes: 8,
            max_winding: 8,
            max_loops: 3,
            tol: 1e-8,
            residual_tol: 1e-10,
        }
    }
}

/// How the endgame ended a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndStatus {
    /// A regular end point: Newton converged at `tau = 0` with a bounded condition number.
    Regular,
    /// A singular end point: the Cauchy estimate (two successive loops agreeing, residual small),
    /// with its winding number.
    SingularEnd,
    /// The caller's infinity measure went to 0.
    AtInfinity,
    /// Neither by the smallest radius.
    NotConverged,
    /// The tracker failed before the endgame or in a segment (`path.status` says how).
    Failed,
}

impl EndStatus {
    /// The name used in reports (the tracker's status name for `Failed`).
    pub fn name(self, path: &PathResult) -> &'static str {
        match self {
            EndStatus::Regular => "success",
            EndStatus::SingularEnd => "singular_endpoint",
            EndStatus::AtInfinity => "at_infinity",
            EndStatus::NotConverged => "endgame_not_converged",
            EndStatus::Failed => path.status.name(),
        }
    }
}

/// A path end from the endgame.
#[derive(Debug, Clone, PartialEq)]
pub struct EndgameEnd {
    /// The last point (the end point for `Regular` and `SingularEnd`) and the step counts.
    pub path: PathResult,
    pub status: EndStatus,
    /// The winding number of the accepted Cauchy loop (1 for a regular end reached without
    /// loops; 0 when no loop was used).
    pub winding: usize,
    /// The last radius `tau` reached.
    pub radius: f64,
}

fn at(u0: &[C64], u1: &[C64], tau: C64) -> Vec<C64> {
    u1.iter().zip(u0).map(|(b, a)| *b + tau * (*a - *b)).collect()
}

fn dist(a: &[C64], b: &[C64]) -> f64 {
    a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((*x - *y).abs()))
}

/// `|H(t; u)| / (|H_t|_inf (1 + |t|))`: a scale-free residual.
fn relative_residual<H: ParameterHomotopy + ?Sized>(sys: &H, t: &[C64], u: &[C64]) -> Result<f64> {
    let (g, gt) = sys.value_and_jacobian(t, u)?;
    let m = sys.unknowns();
    let row = (0..m).map(|i| gt[i * m..(i + 1) * m].iter().map(|z| z.abs()).sum::<f64>()).fold(0.0, f64::max);
    let r = norm_inf(&g) / (row * (1.0 + norm_inf(t)));
    Ok(if r.is_finite() { r } else { f64::INFINITY })
}

/// A closed loop: winding number, Cauchy estimate, steps, rejected steps.
type Loop = (usize, Vec<C64>, usize, usize);

/// One Cauchy loop of radius `r` from `t` (on the path at `tau = r`): `Ok(Some((winding,
/// estimate)))`, `Ok(None)` when a segment failed or the loop did not close in `max_winding`
/// turns (the failing status in the second slot).
#[allow(clippy::too_many_arguments)]
fn cauchy_loop<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    u0: &[C64],
    u1: &[C64],
    t: &[C64],
    r: f64,
    topts: &TrackerOptions,
    eopts: &EndgameOptions,
    intr: &dyn Interrupt,
) -> Result<std::result::Result<Loop, PathStatus>> {
    let k = eopts.nodes;
    let node = |j: usize| {
        let a = 2.0 * std::f64::consts::PI * (j % k) as f64 / k as f64;
        at(u0, u1, C64::new(r * a.cos(), r * a.sin()))
    };
    let mut sum: Vec<C64> = t.to_vec();
    let mut cur = t.to_vec();
    let mut first_step = f64::NAN;
    let (mut steps, mut rejected) = (0usize, 0usize);
    for turn in 1..=eopts.max_winding {
        for j in 0..k {
            let p = track(sys, &node(j), &node(j + 1), &cur, topts, intr)?;
            steps += p.steps;
            rejected += p.rejected;
            if p.status != PathStatus::Success {
                return Ok(Err(p.status));
            }
            cur = p.t;
            if turn == 1 && j == 0 {
                first_step = dist(&cur, t);
            }
            if j + 1 < k {
                sum.iter_mut().zip(&cur).for_each(|(s, c)| *s += *c);
            }
        }
        // Closed: back at the start, much nearer to it than the first node of the loop is (the
        // other branches of a cluster at the same node lie at least that far away).
        let back = dist(&cur, t);
        if back <= 1e-3 * first_step || back <= 1e-12 * (1.0 + norm_inf(t)) {
            let n = (turn * k) as f64;
            return Ok(Ok((turn, sum.iter().map(|s| s.scale(1.0 / n)).collect(), steps, rejected)));
        }
        sum.iter_mut().zip(&cur).for_each(|(s, c)| *s += *c);
    }
    Ok(Err(PathStatus::MaxSteps))
}

/// Tracks `t_start` from `u_0` towards `u_1`: the plain tracker to `tau = start`, then segments
/// `tau -> ratio tau` (each tracked with its own step-size control, so steps shrink with `tau`
/// rather than against a fixed floor), and Cauchy loops where the points converge slowly (a
/// winding number above 1). `infinity(t)` is the caller's measure of closeness to infinity
/// (`|y_0| / |y|` in a projective chart; 1 for a system without one): a path whose measure falls
/// to `at_infinity`, or decreases like a positive power of `tau` below `1e-2` over three
/// successive radii, ends with [`EndStatus::AtInfinity`] at once, without loops. Deterministic
/// per path; polls `intr` in every segment.
#[allow(clippy::too_many_arguments)]
pub fn track_with_endgame<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    u0: &[C64],
    u1: &[C64],
    t_start: &[C64],
    topts: &TrackerOptions,
    eopts: &EndgameOptions,
    infinity: &dyn Fn(&[C64]) -> f64,
    at_infinity: f64,
    intr: &dyn Interrupt,
) -> Result<EndgameEnd> {
    let mut tau = eopts.start;
    let mut path = track(sys, u0, &at(u0, u1, C64::new(tau, 0.0)), t_start, topts, intr)?;
    let end = |path: PathResult, status, winding, radius| EndgameEnd { path, status, winding, radius };
    if path.status != PathStatus::Success {
        return Ok(end(path, EndStatus::Failed, 0, tau));
    }
    let mut pts: Vec<Vec<C64>> = vec![path.t.clone()];
    let mut meas: Vec<f64> = vec![infinity(&path.t)];
    let mut prev_est: Option<(usize, Vec<C64>)> = None;
    let mut loops = 0usize;
    loop {
        intr.check()?;
        let k = pts.len() - 1;
        let t = pts[k].clone();
        path.t = t.clone();
        path.s = 1.0 - tau;
        // At infinity: the measure is tiny, or falls steadily like a power of tau.
        let mk = meas[k];
        if mk <= at_infinity
            || (k >= 3 && mk <= 1e-2 && (0..3).all(|j| meas[k - j] < meas[k - j - 1] * eopts.ratio.powf(0.05)))
        {
            return Ok(end(path, EndStatus::AtInfinity, 0, tau));
        }
        // Regular end point: the points converge geometrically with ratio `ratio`; Newton at
        // `tau = 0` from the last point decides.
        if k >= 2 {
            let (d1, d2) = (dist(&pts[k], &pts[k - 1]), dist(&pts[k - 1], &pts[k - 2]));
            let scale = 1.0 + norm_inf(&t);
            if d1 <= 1e-3 * scale && d1 <= eopts.ratio.powf(0.75) * d2 {
                let e = finish(sys, u1, path.clone(), 1, t.clone(), tau, topts)?;
                if e.status == EndStatus::Regular {
                    return Ok(e);
                }
            }
            // Slow convergence (winding number above 1) near the end: a Cauchy loop at this
            // radius, at most `max_loops` per path (paths to infinity converge slowly too, and
            // their loops would cost the most).
            if d1 > eopts.ratio.powf(0.75) * d2 && d1 <= 1e-2 * scale && loops < eopts.max_loops {
                loops += 1;
                match cauchy_loop(sys, u0, u1, &t, tau, topts, eopts, intr)? {
                    Ok((w, est, st, rj)) => {
                        path.steps += st;
                        path.rejected += rj;
                        let agree = prev_est.as_ref().is_some_and(|(pw, p)| {
                            *pw == w && dist(p, &est) <= eopts.tol.sqrt() * (1.0 + norm_inf(&est))
                        });
                        if agree && relative_residual(sys, &est, u1)? <= 1e-8 {
                            return finish(sys, u1, path, w, est, tau, topts);
                        }
                        prev_est = Some((w, est));
                    }
                    Err(_) => prev_est = None,
                }
            }
        }
        let next = tau * eopts.ratio;
        if next < eopts.min_radius {
            return Ok(end(path, EndStatus::NotConverged, prev_est.map_or(0, |p| p.0), tau));
        }
        let p = track(sys, &at(u0, u1, C64::new(tau, 0.0)), &at(u0, u1, C64::new(next, 0.0)), &t, topts, intr)?;
        path.steps += p.steps;
        path.rejected += p.rejected;
        if p.status != PathStatus::Success {
            // The segment failed (a near-singular point): one last Cauchy loop at this radius.
            if let Ok((w, est, _, _)) = cauchy_loop(sys, u0, u1, &t, tau, topts, eopts, intr)? {
                if relative_residual(sys, &est, u1)? <= 1e-8 {
                    return finish(sys, u1, path, w, est, tau, topts);
                }
            }
            path.status = p.status;
            return Ok(end(path, EndStatus::Failed, 0, tau));
        }
        tau = next;
        meas.push(infinity(&p.t));
        pts.push(p.t);
    }
}

/// The end point from the estimate: Newton at `tau = 0` when the winding number is 1 (a regular
/// end point), else the estimate itself as a singular end point.
fn finish<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    u1: &[C64],
    mut path: PathResult,
    winding: usize,
    est: Vec<C64>,
    radius: f64,
    topts: &TrackerOptions,
) -> Result<EndgameEnd> {
    path.s = 1.0;
    if winding == 1 {
        let (t, ok, _, last) = newton(sys, &est, u1, 8, topts.final_tol)?;
        let ok = ok || last <= topts.corrector_tol * (1.0 + norm_inf(&t));
        if ok && t.iter().all(|z| z.is_finite()) {
            let (cond, residual) = condition(sys, &t, u1)?;
            if cond <= topts.max_cond {
                path.status = PathStatus::Success;
                path.t = t;
                path.cond = cond;
                path.residual = residual;
                return Ok(EndgameEnd { path, status: EndStatus::Regular, winding, radius });
            }
        }
    }
    let finite = est.iter().all(|z| z.is_finite());
    let (cond, residual) = if finite { condition(sys, &est, u1)? } else { (f64::INFINITY, f64::NAN) };
    path.status = if finite { PathStatus::Singular } else { PathStatus::NonFinite };
    path.t = est;
    path.cond = cond;
    path.residual = residual;
    Ok(EndgameEnd { path, status: EndStatus::SingularEnd, winding, radius })
}
