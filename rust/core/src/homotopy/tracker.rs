//! A predictor-corrector path tracker for a parameter homotopy
//! `H(t, s) = G(t; u_0 + s (u_1 - u_0)) = 0`, `s` from 0 to 1 (any [`ParameterHomotopy`]).
//!
//! Predictor: the classical fourth-order Runge-Kutta step on the Davidenko equation
//! `dt/ds = -G_t^{-1} G_s` (Sommese-Wampler 2005, ch. 2). Corrector: Newton's method at the
//! new `s`, accepted only when it converges in a few iterations with visible contraction (which
//! guards against jumping to another path), and only when the first correction is
//! small against the step. Step size: halved on rejection, doubled after a run
//! of accepted steps. Every path ends with a [`PathStatus`]: a path that diverges, becomes
//! singular or stalls is reported with that status and its last point, never dropped silently.
//!
//! With complex `u_0`, `u_1` in general position the segment avoids the discriminant with
//! probability one (the gamma trick in the form of a random complex detour).

use super::linalg::{inverse, norm_inf, solve};
use super::parameter_homotopy::ParameterHomotopy;
use crate::error::Result;
use crate::par::Interrupt;
use crate::ring::C64;

/// How a path ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathStatus {
    /// Reached `s = 1` at a regular solution (Newton converged, condition number bounded).
    Success,
    /// `|t|` grew beyond `max_norm`: the solution goes to infinity.
    Diverged,
    /// Reached `s = 1` but the Jacobian there is numerically singular (or Newton did not converge).
    Singular,
    /// The step size fell below `min_step` before `s = 1` (a near-singular point on the path).
    StepTooSmall,
    /// `max_steps` steps were not enough.
    MaxSteps,
    /// A value became NaN or infinite.
    NonFinite,
    /// Never tracked: the caller's time limit was reached before the path was started (its
    /// point is the start point). Set by the path-set runners, never by [`track`] itself.
    TimeLimit,
}

impl PathStatus {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            PathStatus::Success => "success",
            PathStatus::Diverged => "diverged",
            PathStatus::Singular => "singular",
            PathStatus::StepTooSmall => "step_too_small",
            PathStatus::MaxSteps => "max_steps",
            PathStatus::NonFinite => "non_finite",
            PathStatus::TimeLimit => "time_limit",
        }
    }
}

/// Tracker settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerOptions {
    pub max_steps: usize,
    pub initial_step: f64,
    pub max_step: f64,
    pub min_step: f64,
    /// `|t|_inf` beyond which a path is declared diverging.
    pub max_norm: f64,
    /// Relative Newton tolerance while tracking.
    pub corrector_tol: f64,
    /// Relative Newton tolerance of the final refinement.
    pub final_tol: f64,
    /// Largest condition number of `G_t` accepted at the end point.
    pub max_cond: f64,
}

impl Default for TrackerOptions {
    fn default() -> Self {
        TrackerOptions {
            max_steps: 5000,
            initial_step: 0.02,
            max_step: 0.1,
            min_step: 1e-9,
            max_norm: 1e8,
            corrector_tol: 1e-9,
            final_tol: 1e-13,
            max_cond: 1e12,
        }
    }
}

/// The end of one path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathResult {
    pub status: PathStatus,
    /// Last point reached (the solution at `s = 1` on success).
    pub t: Vec<C64>,
    /// How far the path got.
    pub s: f64,
    pub steps: usize,
    pub rejected: usize,
    /// `|G(t; u_1)|_inf` at the end (NaN when the path stopped early).
    pub residual: f64,
    /// Estimated condition number of `G_t` at the end (infinite when singular).
    pub cond: f64,
}

fn data_at(u0: &[C64], du: &[C64], s: f64) -> Vec<C64> {
    u0.iter().zip(du).map(|(a, d)| *a + d.scale(s)).collect()
}

/// `dt/ds` at `(t, s)`; `None` where `G_t` is singular.
fn velocity<H: ParameterHomotopy + ?Sized>(sys: &H, t: &[C64], u: &[C64], du: &[C64]) -> Result<Option<Vec<C64>>> {
    let (gt, gs) = sys.jacobian_and_parameter_derivative(t, u, du)?;
    let hs: Vec<C64> = gs.into_iter().map(|v| -v).collect();
    Ok(solve(&gt, sys.unknowns(), &hs))
}

fn axpy(t: &[C64], h: f64, k: &[C64]) -> Vec<C64> {
    t.iter().zip(k).map(|(a, b)| *a + b.scale(h)).collect()
}

/// One RK4 step from `(t, s)` to `s + h`.
fn rk4<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    t: &[C64],
    s: f64,
    h: f64,
    u0: &[C64],
    du: &[C64],
) -> Result<Option<Vec<C64>>> {
    let Some(k1) = velocity(sys, t, &data_at(u0, du, s), du)? else { return Ok(None) };
    let Some(k2) = velocity(sys, &axpy(t, h / 2.0, &k1), &data_at(u0, du, s + h / 2.0), du)? else {
        return Ok(None);
    };
    let Some(k3) = velocity(sys, &axpy(t, h / 2.0, &k2), &data_at(u0, du, s + h / 2.0), du)? else {
        return Ok(None);
    };
    let Some(k4) = velocity(sys, &axpy(t, h, &k3), &data_at(u0, du, s + h), du)? else { return Ok(None) };
    Ok(Some(
        (0..t.len()).map(|i| t[i] + (k1[i] + k2[i].scale(2.0) + k3[i].scale(2.0) + k4[i]).scale(h / 6.0)).collect(),
    ))
}

/// Newton's method for `G(.; u) = 0` from `t`: `(t, converged, first step, last step)`.
pub fn newton<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    t: &[C64],
    u: &[C64],
    max_iter: usize,
    tol: f64,
) -> Result<(Vec<C64>, bool, f64, f64)> {
    let mut t = t.to_vec();
    let (mut first, mut last) = (f64::NAN, f64::INFINITY);
    for it in 0..max_iter {
        let (g, gt) = sys.value_and_jacobian(&t, u)?;
        let minus_g: Vec<C64> = g.iter().map(|v| -*v).collect();
        let Some(d) = solve(&gt, sys.unknowns(), &minus_g) else { return Ok((t, false, first, last)) };
        let step = norm_inf(&d);
        t = axpy(&t, 1.0, &d);
        if it == 0 {
            first = step;
        } else if step > 0.5 * last && step > tol * (1.0 + norm_inf(&t)) {
            // No contraction: not in the basin of a regular solution.
            return Ok((t, false, first, step));
        }
        last = step;
        if !step.is_finite() {
            return Ok((t, false, first, last));
        }
        if step <= tol * (1.0 + norm_inf(&t)) {
            return Ok((t, true, first, last));
        }
    }
    Ok((t, false, first, last))
}

/// Newton's method run to rounding level: iterates while `|G|` decreases (at most 12 steps)
/// and returns the point with the smallest residual. The tracker's own refinement stops at
/// its tolerance; Krawczyk's smallest boxes need the last digits.
pub fn refine<H: ParameterHomotopy + ?Sized>(sys: &H, t: &[C64], u: &[C64]) -> Result<Vec<C64>> {
    let (mut best, mut best_res) = (t.to_vec(), norm_inf(&sys.value(t, u)?));
    let mut cur = t.to_vec();
    for _ in 0..12 {
        let (g, gt) = sys.value_and_jacobian(&cur, u)?;
        let minus_g: Vec<C64> = g.iter().map(|v| -*v).collect();
        let Some(d) = solve(&gt, sys.unknowns(), &minus_g) else { break };
        cur = cur.iter().zip(&d).map(|(a, b)| *a + *b).collect();
        let r = norm_inf(&sys.value(&cur, u)?);
        // `!(r < best)` is deliberate: it is also true for NaN.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !(r < best_res) {
            break;
        }
        best = cur.clone();
        best_res = r;
    }
    Ok(best)
}

/// `|G_t|_inf |G_t^{-1}|_inf` at `t` (infinite when singular) and `|G|_inf`.
pub fn condition<H: ParameterHomotopy + ?Sized>(sys: &H, t: &[C64], u: &[C64]) -> Result<(f64, f64)> {
    let (g, gt) = sys.value_and_jacobian(t, u)?;
    let m = sys.unknowns();
    let row_norm =
        |a: &[C64]| (0..m).map(|i| a[i * m..(i + 1) * m].iter().map(|z| z.abs()).sum::<f64>()).fold(0.0, f64::max);
    let cond = match inverse(&gt, m) {
        Some(inv) => row_norm(&gt) * row_norm(&inv),
        None => f64::INFINITY,
    };
    Ok((cond, norm_inf(&g)))
}

/// Tracks the solution `t_start` of `G(.; u_0)` to `G(.; u_1)`. Polls `intr` between steps.
pub fn track<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    u0: &[C64],
    u1: &[C64],
    t_start: &[C64],
    opts: &TrackerOptions,
    intr: &dyn Interrupt,
) -> Result<PathResult> {
    let du: Vec<C64> = u1.iter().zip(u0).map(|(a, b)| *a - *b).collect();
    let mut t = t_start.to_vec();
    let (mut s, mut h) = (0.0f64, opts.initial_step);
    let (mut steps, mut rejected, mut streak) = (0usize, 0usize, 0usize);
    let end = |status, t: Vec<C64>, s, steps, rejected| PathResult {
        status,
        t,
        s,
        steps,
        rejected,
        residual: f64::NAN,
        cond: f64::INFINITY,
    };
    while s < 1.0 {
        intr.check()?;
        if steps + rejected >= opts.max_steps {
            return Ok(end(PathStatus::MaxSteps, t, s, steps, rejected));
        }
        let h_now = h.min(1.0 - s);
        let s_new = if h_now >= 1.0 - s { 1.0 } else { s + h_now };
        let accepted = match rk4(sys, &t, s, h_now, u0, &du)? {
            Some(pred) if pred.iter().all(|z| z.is_finite()) => {
                let (tc, ok, first, _) = newton(sys, &pred, &data_at(u0, &du, s_new), 3, opts.corrector_tol)?;
                // The first correction must be small against the step itself: a predictor that
                // lands in the basin of a neighbouring path converges too, but only after a
                // correction comparable to the step (path jumping).
                let moved: f64 = pred.iter().zip(&t).fold(0.0, |m, (a, b)| m.max((*a - *b).abs()));
                let small = first <= 0.1 * moved + opts.corrector_tol * (1.0 + norm_inf(&t));
                (ok && small).then_some(tc)
            }
            _ => None,
        };
        match accepted {
            Some(tc) => {
                t = tc;
                s = s_new;
                steps += 1;
                streak += 1;
                if streak >= 3 {
                    h = (h * 2.0).min(opts.max_step);
                    streak = 0;
                }
                let norm = norm_inf(&t);
                if !norm.is_finite() {
                    return Ok(end(PathStatus::NonFinite, t, s, steps, rejected));
                }
                if norm > opts.max_norm {
                    return Ok(end(PathStatus::Diverged, t, s, steps, rejected));
                }
            }
            None => {
                rejected += 1;
                streak = 0;
                h /= 2.0;
                if h < opts.min_step {
                    let status = if norm_inf(&t) > opts.max_norm.sqrt() {
                        PathStatus::Diverged
                    } else {
                        PathStatus::StepTooSmall
                    };
                    return Ok(end(status, t, s, steps, rejected));
                }
            }
        }
    }
    let (t, ok, _, last) = newton(sys, &t, u1, 8, opts.final_tol)?;
    // Newton stagnates at rounding level before reaching `final_tol` on badly scaled (but
    // regular) solutions; a last step within the tracking tolerance is still convergence, and
    // the condition number below decides regularity.
    let ok = ok || last <= opts.corrector_tol * (1.0 + norm_inf(&t));
    let (cond, residual) = condition(sys, &t, u1)?;
    let status = if !t.iter().all(|z| z.is_finite()) {
        PathStatus::NonFinite
    } else if ok && cond <= opts.max_cond {
        PathStatus::Success
    } else {
        PathStatus::Singular
    };
    Ok(PathResult { status, t, s, steps, rejected, residual, cond })
}
