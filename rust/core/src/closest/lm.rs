//! A Levenberg-Marquardt solver for `min_theta 1/2 ||r(theta)||^2` (Levenberg 1944,
//! Marquardt 1963), with the damping update of Nielsen (1999; Madsen, Nielsen & Tingleff,
//! "Methods for non-linear least squares problems", 2004, Algorithm 3.16).
//!
//! Each step solves `(M + mu I) h = -J^T r` by Cholesky and accepts it when the gain ratio
//! `rho = (actual reduction) / (reduction predicted by the model)` is positive. The model `M` is
//! the Gauss-Newton matrix `J^T J`, or `J^T J + S` with `S` a secant estimate of the
//! second-order term `sum_k r_k Hess(r_k)`, whichever predicted the last step better (the
//! adaptive model switch of NL2SOL, Dennis, Gay & Welsch 1981). Closest-point problems have
//! large residuals whenever the target lies off the neuromanifold, and there Gauss-Newton alone
//! converges only linearly (for Eckart-Young at the rate `sigma_{k+1} / sigma_k`); the
//! augmented model restores superlinear convergence.
//!
//! The stop test is the one of scipy's `least_squares(method="trf")` without scaling, so that a
//! comparison with scipy at the same `gtol` compares like with like: converged when
//! `||J^T r||_inf <= gtol`. Where the predicted reduction falls below the rounding noise of
//! `||r||^2`, a step is accepted when it shrinks the gradient, so that the gradient test stays
//! reachable. The solver is sequential and deterministic: the same start gives bit-identical
//! results on every thread.

use crate::error::Result;
use crate::linalg::{dgemm, MatMut, MatRef, Op};
use crate::par::{Interrupt, Par};

/// A least-squares problem `r: R^n -> R^m`.
pub trait LeastSquares: Sync {
    /// `n`.
    fn n_params(&self) -> usize;
    /// `m`.
    fn n_residuals(&self) -> usize;
    /// Writes `r(theta)` and its `m x n` row-major Jacobian.
    fn residual_jacobian(&self, theta: &[f64], r: &mut [f64], jac: &mut [f64]) -> Result<()>;
}

/// Why the solver stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LmStatus {
    /// `||J^T r||_inf <= gtol` (or, when no step makes progress, `||J^T r||_inf` at the
    /// rounding level `1000 eps ||J||_F ||r||`): a critical point of the squared distance.
    Converged,
    /// The evaluation budget `max_iter` was used up.
    MaxIterations,
    /// Steps became negligible (`||h|| <= 1e-15 (||theta|| + 1e-15)`) or the damping
    /// overflowed before the gradient test passed, with the gradient still above its rounding
    /// level (at that level the run counts as `Converged`).
    Stalled,
    /// The starting point already gave a non-finite residual.
    NonFinite,
}

impl LmStatus {
    /// Short lower-case name (used by the bindings).
    pub fn name(self) -> &'static str {
        match self {
            LmStatus::Converged => "converged",
            LmStatus::MaxIterations => "max_iter",
            LmStatus::Stalled => "stalled",
            LmStatus::NonFinite => "non_finite",
        }
    }
}

/// Stopping rules.
#[derive(Debug, Clone, Copy)]
pub struct LmOptions {
    /// Largest number of residual-and-Jacobian evaluations (accepted or rejected steps).
    pub max_iter: usize,
    /// Absolute tolerance on `||J^T r||_inf`, the gradient of `1/2 ||r||^2`.
    pub gtol: f64,
}

/// Where one run ended.
#[derive(Debug, Clone)]
pub struct LmOutcome {
    /// Final parameters (the best point visited: every accepted step decreases `||r||`).
    pub theta: Vec<f64>,
    /// `||r(theta)||^2`.
    pub sq_norm: f64,
    /// `||J^T r||_inf` at `theta`.
    pub grad_norm: f64,
    /// Residual-and-Jacobian evaluations used (the starting point included).
    pub evaluations: usize,
    pub status: LmStatus,
}

const TAU: f64 = 1e-3;
const STEP_TOL: f64 = 1e-15;
/// Relative size below which a change of `||r||^2` is treated as rounding noise.
const NOISE_REL: f64 = 64.0 * f64::EPSILON;

/// Runs Levenberg-Marquardt from `theta0`. Errors only for interruption or an internal failure
/// of the residual; a non-finite residual at a trial point is a rejected step.
pub fn levenberg_marquardt<P: LeastSquares + ?Sized>(
    problem: &P,
    theta0: &[f64],
    opts: &LmOptions,
    intr: &dyn Interrupt,
) -> Result<LmOutcome> {
    let (n, m) = (problem.n_params(), problem.n_residuals());
    let mut theta = theta0.to_vec();
    let (mut r, mut jac) = (vec![0.0; m], vec![0.0; m * n]);
    problem.residual_jacobian(&theta, &mut r, &mut jac)?;
    let mut evaluations = 1;
    let mut f = sq_norm(&r);
    let mut g = vec![0.0; n];
    gradient(&jac, &r, n, &mut g);
    let mut gnorm = inf_norm(&g);
    if !f.is_finite() || !gnorm.is_finite() {
        return Ok(LmOutcome { theta, sq_norm: f, grad_norm: gnorm, evaluations, status: LmStatus::NonFinite });
    }
    let (mut r_new, mut jac_new, mut theta_new) = (vec![0.0; m], vec![0.0; m * n], vec![0.0; n]);
    let (mut g_new, mut h, mut ah, mut sh) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let (mut y, mut y_sharp) = (vec![0.0; n], vec![0.0; n]);
    let (mut a, mut model, mut chol) = (vec![0.0; n * n], vec![0.0; n * n], vec![0.0; n * n]);
    // Secant estimate of the second-order term sum_k r_k Hess(r_k) that Gauss-Newton drops.
    let mut secant = vec![0.0; n * n];
    let mut use_secant = false;
    let mut normal_ready = false;
    let mut mu = 0.0;
    let mut nu = 2.0;
    let status = loop {
        if gnorm <= opts.gtol {
            break LmStatus::Converged;
        }
        if evaluations >= opts.max_iter {
            break LmStatus::MaxIterations;
        }
        intr.check()?;
        if !normal_ready {
            normal_matrix(&jac, n, &mut a);
            normal_ready = true;
            if mu == 0.0 {
                let max_diag = (0..n).map(|i| a[i * n + i]).fold(0.0, f64::max);
                mu = TAU * if max_diag > 0.0 { max_diag } else { 1.0 };
            }
        }
        if !(mu.is_finite() && mu < 1e300) {
            break stall_status(&jac, f, gnorm);
        }
        for ((mi, ai), si) in model.iter_mut().zip(&a).zip(&secant) {
            *mi = if use_secant { ai + si } else { *ai };
        }
        if !solve_damped(&model, mu, &g, n, &mut chol, &mut h) {
            mu *= nu;
            nu *= 2.0;
            continue;
        }
        let theta_norm = theta.iter().map(|t| t * t).sum::<f64>().sqrt();
        if h.iter().map(|v| v * v).sum::<f64>().sqrt() <= STEP_TOL * (theta_norm + STEP_TOL) {
            break stall_status(&jac, f, gnorm);
        }
        for ((tn, t), s) in theta_new.iter_mut().zip(&theta).zip(&h) {
            *tn = t + s;
        }
        problem.residual_jacobian(&theta_new, &mut r_new, &mut jac_new)?;
        evaluations += 1;
        let f_new = sq_norm(&r_new);
        gradient(&jac_new, &r_new, n, &mut g_new);
        let gnorm_new = inf_norm(&g_new);
        // Reduction of 1/2 ||r||^2 predicted by the (undamped) model of the step: with
        // (M + mu I) h = -g it is -(g.h + h.M h / 2) = h.(mu h - g) / 2, free of cancellation.
        let predicted = 0.5 * dot(&h, &h) * mu - 0.5 * dot(&h, &g);
        let actual = 0.5 * (f - f_new);
        // Near a minimum with a nonzero residual the predicted reduction drops below the
        // rounding noise of ||r||^2 long before the gradient reaches gtol; there the gain ratio
        // is noise, and a step is judged by whether it shrinks the gradient instead.
        let noise = NOISE_REL * f.max(f_new);
        let noisy = predicted <= noise && actual.abs() <= noise;
        let (accept, rho) = if !(f_new.is_finite() && gnorm_new.is_finite()) {
            (false, -1.0)
        } else if noisy {
            // rho = 1 lets the damping fall towards the (secant-augmented) Newton step.
            (dot(&g_new, &g_new) < dot(&g, &g), 1.0)
        } else {
            let rho = if predicted > 0.0 { actual / predicted } else { -1.0 };
            (rho > 0.0, rho)
        };
        if accept {
            // The next model: the one (Gauss-Newton or augmented) that predicted this step's
            // reduction better (NL2SOL's adaptive choice; Dennis, Gay & Welsch 1981).
            // Where reductions are rounding noise, compare the predicted gradients instead.
            sym_matvec(&a, &h, n, &mut ah);
            sym_matvec(&secant, &h, n, &mut sh);
            if noisy {
                let (mut err_gn, mut err_aug) = (0.0, 0.0);
                for i in 0..n {
                    let gn_pred = g[i] + ah[i];
                    err_gn += (g_new[i] - gn_pred).powi(2);
                    err_aug += (g_new[i] - gn_pred - sh[i]).powi(2);
                }
                use_secant = err_aug < err_gn;
            } else {
                let pred_gn = -dot(&g, &h) - 0.5 * dot(&h, &ah);
                let pred_aug = pred_gn - 0.5 * dot(&h, &sh);
                use_secant = (actual - pred_aug).abs() < (actual - pred_gn).abs();
            }
            // Secant data: y = g_new - g, y# = (J_new - J)^T r_new (jac is still the old J).
            gradient(&jac, &r_new, n, &mut y_sharp);
            for i in 0..n {
                y[i] = g_new[i] - g[i];
                y_sharp[i] = g_new[i] - y_sharp[i];
            }
            update_secant(&mut secant, &h, &y, &y_sharp, n, &mut sh);
            std::mem::swap(&mut theta, &mut theta_new);
            std::mem::swap(&mut r, &mut r_new);
            std::mem::swap(&mut jac, &mut jac_new);
            std::mem::swap(&mut g, &mut g_new);
            f = f_new;
            gnorm = gnorm_new;
            normal_ready = false;
            mu *= f64::max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0).powi(3));
            nu = 2.0;
        } else {
            mu *= nu;
            nu *= 2.0;
        }
    };
    Ok(LmOutcome { theta, sq_norm: f, grad_norm: gnorm, evaluations, status })
}

/// When no step makes progress: `Converged` if the gradient is already at the rounding level of
/// its own evaluation (`1000 eps ||J||_F ||r||`, below which no floating-point method can push
/// it), `Stalled` otherwise.
fn stall_status(jac: &[f64], f: f64, gnorm: f64) -> LmStatus {
    let noise = 1e3 * f64::EPSILON * sq_norm(jac).sqrt() * f.sqrt();
    if gnorm <= noise {
        LmStatus::Converged
    } else {
        LmStatus::Stalled
    }
}

/// The symmetric secant update of Dennis, Gay & Welsch (NL2SOL, ACM TOMS 7, 1981) of `s_mat`,
/// an estimate of `sum_k r_k Hess(r_k)`: sized by `min(1, |s.y#| / |s.S s|)`, then the rank-two
/// correction that makes `S s = y#` while staying symmetric. Skipped unless `y.s > 0`.
fn update_secant(s_mat: &mut [f64], s: &[f64], y: &[f64], y_sharp: &[f64], n: usize, work: &mut [f64]) {
    let ys = dot(y, s);
    let curvature_ok = ys > 1e-12 * dot(y, y).sqrt() * dot(s, s).sqrt();
    if !curvature_ok {
        return;
    }
    sym_matvec(s_mat, s, n, work);
    let sss = dot(s, work);
    if sss != 0.0 {
        let tau = f64::min(1.0, dot(s, y_sharp).abs() / sss.abs());
        s_mat.iter_mut().for_each(|v| *v *= tau);
        work.iter_mut().for_each(|v| *v *= tau);
    }
    // w = y# - S s.
    for (wi, yi) in work.iter_mut().zip(y_sharp) {
        *wi = yi - *wi;
    }
    let ws = dot(work, s);
    for i in 0..n {
        for j in 0..n {
            s_mat[i * n + j] += (work[i] * y[j] + y[i] * work[j]) / ys - ws * y[i] * y[j] / (ys * ys);
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `out = A v` for a full `n x n` row-major matrix.
fn sym_matvec(a: &[f64], v: &[f64], n: usize, out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(a.chunks_exact(n.max(1))) {
        *o = dot(row, v);
    }
}

fn sq_norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum()
}

fn inf_norm(v: &[f64]) -> f64 {
    // NaN propagates (f64::max would drop it).
    v.iter().fold(0.0, |acc: f64, x| if x.is_nan() || acc.is_nan() { f64::NAN } else { acc.max(x.abs()) })
}

/// `g = J^T r` for a row-major `m x n` Jacobian.
fn gradient(jac: &[f64], r: &[f64], n: usize, g: &mut [f64]) {
    g.iter_mut().for_each(|v| *v = 0.0);
    if n == 0 {
        return;
    }
    for (row, &ri) in jac.chunks_exact(n).zip(r) {
        if ri != 0.0 {
            for (gj, &jij) in g.iter_mut().zip(row) {
                *gj += ri * jij;
            }
        }
    }
}

/// `A = J^T J` for a row-major `m x n` Jacobian (`m = jac.len() / n`), through the one `dgemm`
/// wrapper of `linalg` on the calling thread (vectorized with runtime CPU dispatch,
/// single-threaded and so deterministic).
fn normal_matrix(jac: &[f64], n: usize, a: &mut [f64]) {
    let m = jac.len().checked_div(n).unwrap_or(0);
    if m == 0 || n == 0 {
        a.iter_mut().for_each(|v| *v = 0.0);
        return;
    }
    assert!(jac.len() == m * n && a.len() == n * n, "normal_matrix: shape mismatch");
    let (Ok(j), Ok(out)) = (MatRef::new(jac, m, n, n), MatMut::new(a, n, n, n)) else {
        unreachable!("normal_matrix: shapes checked above");
    };
    dgemm(out, false, 1.0, Op::T(j), Op::N(j), Par::Seq);
}

/// Solves `(A + mu I) h = -g` by Cholesky (`A` symmetric positive semidefinite, `mu > 0`);
/// false when the factorization breaks down numerically (then the caller raises `mu`).
fn solve_damped(a: &[f64], mu: f64, g: &[f64], n: usize, l: &mut [f64], h: &mut [f64]) -> bool {
    // Lower-triangular L with L L^T = A + mu I, row-major.
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j] + if i == j { mu } else { 0.0 };
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return false;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    // L y = -g, then L^T h = y.
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i * n + k] * h[k]).sum();
        h[i] = (-g[i] - s) / l[i * n + i];
    }
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k * n + i] * h[k]).sum();
        h[i] = (h[i] - s) / l[i * n + i];
    }
    h.iter().all(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::NoInterrupt;

    /// Rosenbrock as least squares: r = (10 (y - x^2), 1 - x), minimum 0 at (1, 1).
    struct Rosenbrock;

    impl LeastSquares for Rosenbrock {
        fn n_params(&self) -> usize {
            2
        }
        fn n_residuals(&self) -> usize {
            2
        }
        fn residual_jacobian(&self, t: &[f64], r: &mut [f64], j: &mut [f64]) -> Result<()> {
            r[0] = 10.0 * (t[1] - t[0] * t[0]);
            r[1] = 1.0 - t[0];
            j.copy_from_slice(&[-20.0 * t[0], 10.0, -1.0, 0.0]);
            Ok(())
        }
    }

    /// Rank-one fit r = a b - u for a 2x2 target u: Eckart-Young with a singular Gauss-Newton
    /// matrix (the rescaling symmetry).
    struct RankOne([f64; 4]);

    impl LeastSquares for RankOne {
        fn n_params(&self) -> usize {
            4
        }
        fn n_residuals(&self) -> usize {
            4
        }
        fn residual_jacobian(&self, t: &[f64], r: &mut [f64], j: &mut [f64]) -> Result<()> {
            j.iter_mut().for_each(|v| *v = 0.0);
            for p in 0..2 {
                for q in 0..2 {
                    let row = 2 * p + q;
                    r[row] = t[p] * t[2 + q] - self.0[row];
                    j[row * 4 + p] = t[2 + q];
                    j[row * 4 + 2 + q] = t[p];
                }
            }
            Ok(())
        }
    }

    #[test]
    fn solves_rosenbrock() {
        let opts = LmOptions { max_iter: 500, gtol: 1e-12 };
        let out = levenberg_marquardt(&Rosenbrock, &[-1.2, 1.0], &opts, &NoInterrupt).unwrap();
        assert_eq!(out.status, LmStatus::Converged);
        assert!((out.theta[0] - 1.0).abs() < 1e-8 && (out.theta[1] - 1.0).abs() < 1e-8);
        assert!(out.sq_norm < 1e-20);
    }

    #[test]
    fn rank_one_fit_reaches_the_dropped_singular_value() {
        // u = diag(3, 1): best rank one approximation diag(3, 0), squared distance 1.
        let opts = LmOptions { max_iter: 500, gtol: 1e-12 };
        let out =
            levenberg_marquardt(&RankOne([3.0, 0.0, 0.0, 1.0]), &[1.0, 0.3, 0.7, 0.2], &opts, &NoInterrupt).unwrap();
        assert_eq!(out.status, LmStatus::Converged);
        assert!((out.sq_norm - 1.0).abs() < 1e-12, "{}", out.sq_norm);
    }

    #[test]
    fn budget_and_non_finite_starts_are_reported() {
        let opts = LmOptions { max_iter: 2, gtol: 0.0 };
        let out = levenberg_marquardt(&Rosenbrock, &[-1.2, 1.0], &opts, &NoInterrupt).unwrap();
        assert_eq!(out.status, LmStatus::MaxIterations);
        assert_eq!(out.evaluations, 2);
        let out = levenberg_marquardt(&Rosenbrock, &[f64::NAN, 1.0], &opts, &NoInterrupt).unwrap();
        assert_eq!(out.status, LmStatus::NonFinite);
    }

    #[test]
    fn normal_matrix_matches_the_plain_sum() {
        let (m, n) = (13, 7);
        let jac: Vec<f64> = (0..m * n).map(|i| ((i * 37 % 23) as f64 - 11.0) / 7.0).collect();
        let mut a = vec![f64::NAN; n * n];
        normal_matrix(&jac, n, &mut a);
        for i in 0..n {
            for j in 0..n {
                let plain: f64 = (0..m).map(|k| jac[k * n + i] * jac[k * n + j]).sum();
                assert!((a[i * n + j] - plain).abs() <= 1e-13 * (1.0 + plain.abs()));
            }
        }
        let mut empty = vec![1.0; 0];
        normal_matrix(&[], 0, &mut empty);
    }

    #[test]
    fn cholesky_solves_a_damped_system() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let (mut l, mut h) = ([0.0; 4], [0.0; 2]);
        assert!(solve_damped(&a, 1.0, &[-1.0, -2.0], 2, &mut l, &mut h));
        // (A + I) h = (1, 2): [[5, 2], [2, 4]] h = (1, 2) => h = (0, 1/2).
        assert!((h[0]).abs() < 1e-15 && (h[1] - 0.5).abs() < 1e-15);
    }
}
