//! The training loss `L(theta) = ||r(theta)||^2` of a closest-point residual (the squared
//! distance in a coefficient metric, or the squared loss on samples), and its gradient
//! `2 J^T r` from the residual Jacobian of the generic reverse pass
//! ([`crate::closest::lm::LeastSquares`]).
//!
//! Mini-batches (data objectives only) take the rows of the sampled points, scaled by
//! `N / batch` so that the batch gradient is an unbiased estimate of the full one. The
//! full Jacobian is still evaluated (the residual maps are built over fixed sample points);
//! batching changes the trajectory, not the cost of a step.

use crate::closest::lm::LeastSquares;
use crate::error::Result;

/// Buffers for one run's loss and gradient evaluations.
pub struct LossBuffers {
    pub r: Vec<f64>,
    pub jac: Vec<f64>,
    pub grad: Vec<f64>,
}

impl LossBuffers {
    pub fn new(m: usize, n: usize) -> LossBuffers {
        LossBuffers { r: vec![0.0; m], jac: vec![0.0; m * n], grad: vec![0.0; n] }
    }
}

/// `L(theta)` and `grad L(theta)` (into `buf.grad`). `rows`, when given, lists the residual rows
/// of a mini-batch and the scale applied to both.
pub fn loss_gradient<P: LeastSquares + ?Sized>(
    problem: &P,
    theta: &[f64],
    rows: Option<(&[usize], f64)>,
    buf: &mut LossBuffers,
) -> Result<f64> {
    let n = problem.n_params();
    problem.residual_jacobian(theta, &mut buf.r, &mut buf.jac)?;
    buf.grad.iter_mut().for_each(|g| *g = 0.0);
    let mut loss = 0.0;
    let mut add = |k: usize, w: f64| {
        let rk = buf.r[k];
        loss += w * rk * rk;
        for (g, j) in buf.grad.iter_mut().zip(&buf.jac[k * n..(k + 1) * n]) {
            *g += 2.0 * w * rk * j;
        }
    };
    match rows {
        None => (0..buf.r.len()).for_each(|k| add(k, 1.0)),
        Some((rows, w)) => rows.iter().for_each(|&k| add(k, w)),
    }
    Ok(loss)
}

/// The full-batch loss alone (for the record when steps use mini-batches).
pub fn full_loss(buf: &LossBuffers) -> f64 {
    buf.r.iter().map(|v| v * v).sum()
}
