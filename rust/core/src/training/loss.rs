//! The training loss `L(theta) = ||r(theta)||^2` of a closest-point residual (the squared
//! distance in a coefficient metric, or the squared loss on samples), and its gradient
//! `2 J^T r` from the residual Jacobian of the generic reverse pass
//! ([`crate::closest::lm::LeastSquares`]).
//!
//! Mini-batches (data objectives only) take the rows of the sampled points, scaled by
//! `N / batch` so that the batch gradient is an unbiased estimate of the full one. The
//! full Jacobian is still evaluated (the residual maps are built over fixed sample points);
//! batching changes the trajectory, not the cost of a step.
//!
//! On samples the gradient skips the Jacobian: one reverse pass per batch of [`LANES`] samples,
//! seeded with `2 w_s r_s`, gives `2 J^T W r` directly (the vector-Jacobian product), `out`
//! times fewer reverse passes than the Jacobian and no `m x n` matrix ([`TrainProblem`]).
//! Networks of only dense and activation layers take the faster route of
//! [`super::dense_batch`] (the same pass as matrix products over all samples); this lane pass
//! serves the CNN and attention networks.
//!
//! Coefficient objectives (`target=`) go through the coefficient Jacobian: `J` of `phi` from the
//! polynomial backward pass of [`CoefficientMap`], then `2 J^T W r`.

use crate::closest::lanes::{LaneRing, Lanes, LANES};
use crate::closest::lm::LeastSquares;
use crate::closest::model::{CoefficientMap, LaneDataMap};
use crate::closest::residual::WeightedResidual;
use crate::error::Result;
use crate::ring::{F64Ring, Ring};

/// A training objective: a least-squares problem, with an optional direct gradient.
pub trait TrainProblem: LeastSquares {
    /// `L = sum_k w_k r_k^2` and `grad L` (into `grad`) without forming the Jacobian, with the
    /// residuals into `r`; `weights` (one per residual; `None`: all 1). `None` when the problem
    /// has no such pass (then [`loss_gradient`] uses the Jacobian). `scratch` holds buffers the
    /// pass may keep from one call to the next of the same run.
    fn direct_loss_gradient(
        &self,
        _theta: &[f64],
        _weights: Option<&[f64]>,
        _r: &mut [f64],
        _grad: &mut [f64],
        _scratch: &mut Vec<Vec<f64>>,
    ) -> Option<Result<f64>> {
        None
    }
}

/// Coefficient objectives: the backward pass over polynomials already yields a whole output's
/// Jacobian block at once, so the Jacobian route is the direct one.
impl TrainProblem for WeightedResidual<CoefficientMap<'_, F64Ring>> {}

impl TrainProblem for WeightedResidual<LaneDataMap<'_>> {
    fn direct_loss_gradient(
        &self,
        theta: &[f64],
        weights: Option<&[f64]>,
        r: &mut [f64],
        grad: &mut [f64],
        _scratch: &mut Vec<Vec<f64>>,
    ) -> Option<Result<f64>> {
        let map = &self.map;
        if let Err(e) = map.bound.net.check_params_len(theta.len()) {
            return Some(Err(e));
        }
        let ring = LaneRing;
        let (n, out) = (theta.len(), map.bound.net.output_dim());
        let theta_l: Vec<Lanes> = theta.iter().map(|&t| LaneRing::splat(t)).collect();
        let mut seed = vec![ring.zero(); out];
        let mut g = vec![ring.zero(); n];
        grad.iter_mut().for_each(|v| *v = 0.0);
        let mut loss = 0.0;
        for (b, x) in map.batches.iter().enumerate() {
            let trace = map.bound.forward_trace(&theta_l, x);
            let y = trace.last().map(Vec::as_slice).unwrap_or(&[]);
            let lanes = LANES.min(map.n_points - b * LANES);
            for (o, (yo, so)) in y.iter().zip(seed.iter_mut()).enumerate() {
                *so = [0.0; LANES];
                for lane in 0..lanes {
                    let k = (b * LANES + lane) * out + o;
                    let rk = yo[lane] - self.target[k];
                    r[k] = rk;
                    let w = weights.map_or(1.0, |w| w[k]);
                    loss += w * rk * rk;
                    so[lane] = 2.0 * w * rk;
                }
            }
            if n == 0 {
                continue;
            }
            map.bound.backward(&theta_l, &trace, &seed, &mut g);
            for (gi, gl) in grad.iter_mut().zip(&g) {
                *gi += gl.iter().take(lanes).sum::<f64>();
            }
        }
        Some(Ok(loss))
    }
}

/// Buffers for one run's loss and gradient evaluations.
pub struct LossBuffers {
    pub r: Vec<f64>,
    pub jac: Vec<f64>,
    pub grad: Vec<f64>,
    /// Per-residual weights of the current mini-batch (direct gradients only).
    pub w: Vec<f64>,
    /// Buffers a direct gradient reuses across the steps of the run.
    pub scratch: Vec<Vec<f64>>,
}

impl LossBuffers {
    /// Buffers for `m` residuals and `n` parameters; `direct` skips the Jacobian buffer.
    pub fn new(m: usize, n: usize, direct: bool) -> LossBuffers {
        let jac = if direct { vec![] } else { vec![0.0; m * n] };
        LossBuffers { r: vec![0.0; m], jac, grad: vec![0.0; n], w: vec![], scratch: vec![] }
    }
}

/// `L(theta)` and `grad L(theta)` (into `buf.grad`). `rows`, when given, lists the residual rows
/// of a mini-batch and the scale applied to both.
pub fn loss_gradient<P: TrainProblem + ?Sized>(
    problem: &P,
    theta: &[f64],
    rows: Option<(&[usize], f64)>,
    buf: &mut LossBuffers,
) -> Result<f64> {
    if buf.jac.is_empty() && problem.n_params() > 0 {
        let weights = match rows {
            None => None,
            Some((rows, w)) => {
                buf.w.clear();
                buf.w.resize(buf.r.len(), 0.0);
                rows.iter().for_each(|&k| buf.w[k] = w);
                Some(buf.w.as_slice())
            }
        };
        if let Some(out) = problem.direct_loss_gradient(theta, weights, &mut buf.r, &mut buf.grad, &mut buf.scratch) {
            return out;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer, Network};

    #[test]
    fn direct_gradient_on_samples_equals_the_jacobian_route() {
        // MLP (3, 4, 2) t^2 with biases on 11 samples (two lane batches, the second partial).
        let net = Network::new(vec![
            Layer::Dense(Dense { input_dim: 3, output_dim: 4, bias: true }),
            Layer::Activation(Activation::monomial(4, 2).unwrap()),
            Layer::Dense(Dense { input_dim: 4, output_dim: 2, bias: true }),
        ])
        .unwrap();
        let mut rng = crate::rng::SplitMix64::new(7);
        let points: Vec<f64> = (0..33).map(|_| rng.normal()).collect();
        let target: Vec<f64> = (0..22).map(|_| rng.normal()).collect();
        let theta: Vec<f64> = (0..net.n_params()).map(|_| rng.normal()).collect();
        let problem = WeightedResidual { map: LaneDataMap::new(&net, &points).unwrap(), target, sqrt_w: vec![] };
        let (m, n) = (22, net.n_params());
        let rows: Vec<usize> = vec![0, 1, 6, 7, 20, 21];
        for batch in [None, Some((rows.as_slice(), 11.0 / 3.0))] {
            let mut via_jac = LossBuffers::new(m, n, false);
            let mut direct = LossBuffers::new(m, n, true);
            let a = loss_gradient(&problem, &theta, batch, &mut via_jac).unwrap();
            let b = loss_gradient(&problem, &theta, batch, &mut direct).unwrap();
            assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0));
            for (x, y) in via_jac.grad.iter().zip(&direct.grad) {
                assert!((x - y).abs() <= 1e-12 * x.abs().max(1.0), "{x} vs {y}");
            }
            assert_eq!(via_jac.r, direct.r);
        }
    }
}
