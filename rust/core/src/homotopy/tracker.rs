//! A predictor-corrector path tracker for a parameter homotopy
//! `H(t, s) = G(t; u_0 + s (u_1 - u_0)) = 0`, `s` from 0 to 1 (any [`ParameterHomotopy`]).
//!
//! Predictor: the Hermite extrapolation through the last `HISTORY` accepted points and their
//! velocities `dt/ds = -G_t^{-1} G_s` (the Davidenko equation, Sommese-Wampler 2005, ch. 2):
//! the quintic once three points are known, the cubic after the first step of a segment, and a
//! classical RK4 step for that first step, which has no history. The velocities are those of
//! corrected points on the path, each computed once: one Jacobian a step for the predictor
//! where RK4 took four. With the same step control, RK4 took 21,185 steps on the loops of the
//! ED benchmark (`examples/profile_ed.rs`), the cubic 23,230 and the quintic 20,826.
//! Corrector: Newton's method at the new `s` with the Jacobian of its first iteration kept for
//! the later ones (a chord iteration), accepted only when it converges in a few iterations with
//! visible contraction (which guards against jumping to another path), and only when the first
//! correction is small against the step. Step size: halved on rejection; after an accepted step
//! scaled so that the predictor's error (the first correction) would be about
//! [`PREDICTOR_TARGET`] relative to `1 + |t|`, by a factor in `[1/2, MAX_GROWTH]`. Every path ends
//! with a [`PathStatus`]: a path that diverges, becomes singular or stalls is reported with that
//! status and its last point, never dropped silently.
//!
//! With complex `u_0`, `u_1` in general position the segment avoids the discriminant with
//! probability one (the gamma trick in the form of a random complex detour).

use super::linalg::{inverse, norm_inf, solve, Lu};
use super::parameter_homotopy::ParameterHomotopy;
use crate::error::Result;
use crate::par::Interrupt;
use crate::ring::C64;

/// The predictor error the step-size control aims at, relative to `1 + |t|_inf`. Chosen by
/// measurement on the monodromy benchmarks (`examples/profile_ed.rs`): `1e-5` takes about
/// twice the steps, `1e-3` rejects a third of them.
pub const PREDICTOR_TARGET: f64 = 1e-4;

/// Corrector iterations per step (one Jacobian, then chord iterations with its factorisation).
/// A chord iteration converges linearly, so it is given more iterations than full Newton had
/// (three); each must still contract by half.
const CORRECTOR_ITERATIONS: usize = 5;

/// Points of the Hermite predictor (the current one and the accepted ones before it): three
/// give the quintic (error `O(h^6)`), two the cubic. Measured (`examples/profile_ed.rs`, and
/// `ed_degree(attention([2, 2], 1, 2), seed=0)`): the quintic takes 15% fewer steps and is about
/// 20% faster on the ED benchmark; on the attention network it loses slightly more loop paths
/// to `StepTooSmall` than the cubic (50 and 29 in the two runs against 40 and 20; the RK4
/// tracker before both lost 104 and 73), with the same count and certificates.
const HISTORY: usize = 3;

/// Largest factor by which an accepted step grows the next one. The extrapolation's error grows
/// fast with the ratio of the new step to the history's spacing: at 2 the quintic had a quarter
/// more rejections than at 1.5, for no fewer steps.
const MAX_GROWTH: f64 = 1.5;

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

/// One classical RK4 step from `(t, s)` to `s + h`, with the first stage `k1` (the velocity at
/// `(t, s)`) already known.
fn rk4_from<H: ParameterHomotopy + ?Sized>(
    sys: &H,
    t: &[C64],
    k1: &[C64],
    s: f64,
    h: f64,
    u0: &[C64],
    du: &[C64],
) -> Result<Option<Vec<C64>>> {
    let Some(k2) = velocity(sys, &axpy(t, h / 2.0, k1), &data_at(u0, du, s + h / 2.0), du)? else {
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

/// The Hermite interpolant of the path through the points `(s_i, t_i)` with velocities `v_i`
/// (`history`, oldest first; `2 k - 1` is its degree for `k` points), evaluated at `s` (beyond
/// the last point: an extrapolation). Newton's form on the doubled nodes
/// `s_0, s_0, s_1, s_1, ...` with confluent divided differences (a repeated node's first
/// difference is the velocity).
fn hermite(history: &[(f64, &[C64], &[C64])], s: f64) -> Vec<C64> {
    let m = history.first().map_or(0, |h| h.1.len());
    let nodes: Vec<f64> = history.iter().flat_map(|h| [h.0, h.0]).collect();
    // column j of the divided-difference table, overwritten in place (entry i: f[z_{i-j}..z_i]).
    let mut q: Vec<Vec<C64>> = history.iter().flat_map(|h| [h.1.to_vec(), h.1.to_vec()]).collect();
    let mut coef = vec![q[0].clone()];
    for j in 1..nodes.len() {
        for i in (j..nodes.len()).rev() {
            let dz = nodes[i] - nodes[i - j];
            q[i] = if j == 1 && i % 2 == 1 {
                history[i / 2].2.to_vec()
            } else {
                (0..m).map(|c| (q[i][c] - q[i - 1][c]).scale(1.0 / dz)).collect()
            };
        }
        coef.push(q[j].clone());
    }
    // Horner in Newton's form.
    let mut p = coef[nodes.len() - 1].clone();
    for j in (0..nodes.len() - 1).rev() {
        let w = s - nodes[j];
        for c in 0..m {
            p[c] = p[c].scale(w) + coef[j][c];
        }
    }
    p
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

/// The corrector of one step: Newton's method at the predicted point `pred`, with the
/// Jacobian of the first iteration kept for the later ones (a chord iteration: each later
/// iteration costs one residual and two triangular solves). Accepted only on visible
/// contraction, as [`newton`]: `(t, converged, first step)`.
fn correct<H: ParameterHomotopy + ?Sized>(sys: &H, pred: &[C64], u: &[C64], tol: f64) -> Result<(Vec<C64>, bool, f64)> {
    let (g, gt) = sys.value_and_jacobian(pred, u)?;
    let m = sys.unknowns();
    let Some(lu) = Lu::factor(&gt, m) else { return Ok((pred.to_vec(), false, f64::NAN)) };
    let mut d: Vec<C64> = g.iter().map(|v| -*v).collect();
    lu.solve_in_place(&mut d);
    let first = norm_inf(&d);
    let mut t = axpy(pred, 1.0, &d);
    let mut last = first;
    for it in 0..CORRECTOR_ITERATIONS {
        if !last.is_finite() {
            return Ok((t, false, first));
        }
        if last <= tol * (1.0 + norm_inf(&t)) {
            return Ok((t, true, first));
        }
        if it + 1 == CORRECTOR_ITERATIONS {
            break;
        }
        let mut d: Vec<C64> = sys.value(&t, u)?.iter().map(|v| -*v).collect();
        lu.solve_in_place(&mut d);
        let step = norm_inf(&d);
        t = axpy(&t, 1.0, &d);
        if step > 0.5 * last && step > tol * (1.0 + norm_inf(&t)) {
            // No contraction: not in the basin of a regular solution.
            return Ok((t, false, first));
        }
        last = step;
    }
    Ok((t, false, first))
}

/// The factor by which an accepted step is scaled for the next one, from the first correction
/// `first` of its corrector (the predictor's error, growing as `h^order`: 5 for RK4, 4 and 6
/// for the cubic and quintic extrapolations): the step that would make that error
/// `PREDICTOR_TARGET (1 + |t|)`, within `[1/2, MAX_GROWTH]` (an exact prediction, `first = 0`,
/// grows the step by `MAX_GROWTH`).
fn step_factor(first: f64, norm: f64, order: f64) -> f64 {
    let f = (PREDICTOR_TARGET * (1.0 + norm) / first).powf(1.0 / order);
    if f.is_nan() {
        1.0
    } else {
        f.clamp(0.5, MAX_GROWTH)
    }
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
    let (mut steps, mut rejected) = (0usize, 0usize);
    let end = |status, t: Vec<C64>, s, steps, rejected| PathResult {
        status,
        t,
        s,
        steps,
        rejected,
        residual: f64::NAN,
        cond: f64::INFINITY,
    };
    // The accepted points before `(s, t)` with their velocities (oldest first, at most
    // `HISTORY - 1`), and the velocity at `(s, t)`.
    let mut prev: Vec<(f64, Vec<C64>, Vec<C64>)> = Vec::new();
    let mut vel: Option<Vec<C64>> = None;
    while s < 1.0 {
        intr.check()?;
        if steps + rejected >= opts.max_steps {
            return Ok(end(PathStatus::MaxSteps, t, s, steps, rejected));
        }
        let h_now = h.min(1.0 - s);
        let s_new = if h_now >= 1.0 - s { 1.0 } else { s + h_now };
        if vel.is_none() {
            vel = velocity(sys, &t, &data_at(u0, &du, s), &du)?;
        }
        let prediction = match &vel {
            None => None,
            Some(v) if prev.is_empty() => rk4_from(sys, &t, v, s, h_now, u0, &du)?,
            Some(v) => {
                let mut history: Vec<(f64, &[C64], &[C64])> =
                    prev.iter().map(|(sp, tp, vp)| (*sp, tp.as_slice(), vp.as_slice())).collect();
                history.push((s, &t, v));
                Some(hermite(&history, s_new))
            }
        };
        let order = if prev.is_empty() { 5.0 } else { 2.0 * (prev.len() + 1) as f64 };
        let accepted = match prediction {
            Some(pred) if pred.iter().all(|z| z.is_finite()) => {
                let (tc, ok, first) = correct(sys, &pred, &data_at(u0, &du, s_new), opts.corrector_tol)?;
                // The first correction must be small against the step itself: a predictor that
                // lands in the basin of a neighbouring path converges too, but only after a
                // correction comparable to the step (path jumping).
                let moved = norm_inf(&pred.iter().zip(&t).map(|(a, b)| *a - *b).collect::<Vec<_>>());
                let small = first <= 0.1 * moved + opts.corrector_tol * (1.0 + norm_inf(&t));
                (ok && small).then_some((tc, first))
            }
            _ => None,
        };
        match accepted {
            Some((tc, first)) => {
                // The point left behind, with its velocity, is the history of the next
                // extrapolation; the velocity at the new point is computed on the next step.
                let v = vel.take().unwrap_or_default();
                if prev.len() + 1 >= HISTORY {
                    prev.remove(0);
                }
                prev.push((s, std::mem::replace(&mut t, tc), v));
                s = s_new;
                steps += 1;
                h = (h_now * step_factor(first, norm_inf(&t), order)).min(opts.max_step);
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
                h = h_now / 2.0;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::NoInterrupt;

    /// The extrapolation is exact on polynomials of degree `2 k - 1` from `k` points with
    /// velocities (cubics from two, quintics from three, unequal spacing), and only on those:
    /// a polynomial of the next degree is missed.
    #[test]
    fn hermite_extrapolates_polynomials_exactly() {
        for (k, nodes) in [(2usize, vec![0.2, 0.5]), (3, vec![0.1, 0.3, 0.45])] {
            let deg = 2 * k as i32 - 1;
            let f = |s: f64, d: i32| C64::new(s.powi(d) - 2.0 * s, 1.0 + s * s);
            let df = |s: f64, d: i32| C64::new(d as f64 * s.powi(d - 1) - 2.0, 2.0 * s);
            for (d, exact) in [(deg, true), (deg + 1, false)] {
                let vals: Vec<([C64; 1], [C64; 1])> = nodes.iter().map(|&s| ([f(s, d)], [df(s, d)])).collect();
                let history: Vec<(f64, &[C64], &[C64])> =
                    nodes.iter().zip(&vals).map(|(&s, (v, dv))| (s, v.as_slice(), dv.as_slice())).collect();
                let p = hermite(&history, 0.8);
                let err = (p[0] - f(0.8, d)).abs();
                assert_eq!(err < 1e-12, exact, "k {k}, degree {d}: error {err}");
            }
        }
    }

    /// `x^2 = u` as a one-unknown parameter homotopy from `u = 1` to `u = -1 + i/2`: the path
    /// `x(s) = sqrt(u(s))` from `x = 1` ends at the principal root (the segment stays in the
    /// upper half plane), in few steps.
    struct Square;
    impl ParameterHomotopy for Square {
        fn unknowns(&self) -> usize {
            1
        }
        fn value_and_jacobian(&self, x: &[C64], u: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
            Ok((vec![x[0] * x[0] - u[0]], vec![x[0].scale(2.0)]))
        }
        fn jacobian_and_parameter_derivative(&self, x: &[C64], _u: &[C64], du: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
            Ok((vec![x[0].scale(2.0)], vec![-du[0]]))
        }
        fn image(&self, x: &[C64]) -> Result<(Vec<C64>, f64)> {
            Ok((x.to_vec(), 1.0))
        }
    }

    #[test]
    fn tracks_a_square_root() {
        let (u0, u1) = ([C64::ONE], [C64::new(-1.0, 0.5)]);
        let r = track(&Square, &u0, &u1, &[C64::ONE], &TrackerOptions::default(), &NoInterrupt).unwrap();
        assert_eq!(r.status, PathStatus::Success);
        // Principal root of -1 + i/2: (sqrt((|z| - 1) / 2), sqrt((|z| + 1) / 2)), |z| = sqrt(5/4).
        let r2 = 1.25f64.sqrt();
        let want = C64::new(((r2 - 1.0) / 2.0).sqrt(), ((r2 + 1.0) / 2.0).sqrt());
        assert!((r.t[0] - want).abs() < 1e-12, "{:?} vs {want:?}", r.t);
        assert!(r.residual < 1e-13);
        assert!(r.steps < 60, "{} steps, {} rejected", r.steps, r.rejected);
    }
}
