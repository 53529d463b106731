//! The data objective of a dense polynomial network (only [`Dense`] and [`Activation`] layers:
//! the MLPs, with or without biases, any polynomial activation) evaluated as matrix products
//! over all samples at once.
//!
//! The generic direct gradient ([`super::loss`]) runs the layer code per batch of
//! [`crate::closest::lanes::LANES`] samples: scalar loops at 1-1.6 GFlop/s, the per-batch trace
//! allocated every time, and the `LANES` copies of every parameter's gradient summed after each
//! batch. For a dense layer the whole step is instead a handful of products of `N x width`
//! matrices (`N` samples, rows) with the weights, each one call of the crate's one `dgemm`:
//!
//! * forward, dense: `H' = H W^T (+ 1 b^T)`; activation: `H' = s(H)` entrywise;
//! * loss seed: `G = 2 w (H_last - Y)` (`w` the mini-batch weights, 1 for full batch);
//! * backward, dense: `dW = G^T H`, `db = 1^T G`, `G_in = G W`; activation: `G_in = G s'(H)`.
//!
//! These are the same sums as the generic pass, in another order, so the gradient agrees with it
//! to rounding (tested to 1e-12 relative below), not bit for bit. Each call runs `dgemm` on the
//! calling thread (`Par::Seq`): a run is one start on one thread, so the results do not depend on
//! the thread count. CNN and attention layers keep the generic path ([`DenseBatchMap::new`]
//! returns `None` for them).

use super::loss::TrainProblem;
use crate::closest::model::{LaneDataMap, ModelMap};
use crate::closest::residual::WeightedResidual;
use crate::error::Result;
use crate::linalg::{dgemm, MatMut, MatRef, Op};
use crate::net::{Dense, Layer, Network};
use crate::par::Par;
use crate::ring::F64Ring;

/// One layer of the plan, with its offset in the parameter vector.
enum Step {
    Dense {
        layer: Dense,
        offset: usize,
    },
    /// The activation's coefficients `c_0..c_r` and those of its derivative, in `f64`.
    Activation {
        coeffs: Vec<f64>,
        deriv: Vec<f64>,
    },
}

/// The samples of a data objective, row-major `N x d`, with the layer plan of a dense network;
/// values and Jacobian (for the search and the start scale) come from the lane map.
pub struct DenseBatchMap<'n> {
    lanes: LaneDataMap<'n>,
    net: &'n Network,
    steps: Vec<Step>,
    points: Vec<f64>,
    n_points: usize,
}

/// A row-major `rows x cols` view of a contiguous slice (shapes are the plan's, always right).
fn view(data: &[f64], rows: usize, cols: usize) -> MatRef<'_, f64> {
    MatRef::new(data, rows, cols, cols).expect("dense_batch: buffer shape")
}

fn view_mut(data: &mut [f64], rows: usize, cols: usize) -> MatMut<'_, f64> {
    MatMut::new(data, rows, cols, cols).expect("dense_batch: buffer shape")
}

impl<'n> DenseBatchMap<'n> {
    /// The map of `net` on `points` (`n_points x input_dim`, row-major), or `None` when `net`
    /// has a layer other than dense and activation.
    pub fn new(net: &'n Network, points: &[f64]) -> Result<Option<Self>> {
        let lanes = LaneDataMap::new(net, points)?;
        let mut steps = Vec::with_capacity(net.layers().len());
        for (layer, &offset) in net.layers().iter().zip(net.param_offsets()) {
            steps.push(match layer {
                Layer::Dense(l) => Step::Dense { layer: l.clone(), offset },
                Layer::Activation(a) => {
                    let b = a.bind(&F64Ring)?;
                    Step::Activation { coeffs: b.coeffs, deriv: b.deriv }
                }
                Layer::Conv(_) | Layer::Attention(_) => return Ok(None),
            });
        }
        let n_points = points.len() / net.input_dim();
        Ok(Some(DenseBatchMap { lanes, net, steps, points: points.to_vec(), n_points }))
    }

    /// Words of scratch one loss-gradient evaluation allocates: every layer's output over all
    /// samples (the trace) and two cotangent buffers of the widest layer.
    pub fn scratch_words(&self) -> u128 {
        let widths = self.net.layers().iter().map(|l| l.output_dim() as u128);
        let widest = widths.clone().chain([self.net.input_dim() as u128]).max().unwrap_or(0);
        self.n_points as u128 * (widths.sum::<u128>() + 2 * widest)
    }

    /// `L = sum_k w_k r_k^2` with `r = f(X) - Y` into `r`, and `grad L` into `grad`.
    /// `scratch` keeps the trace and cotangent buffers from one step to the next (a warm step
    /// allocates nothing).
    #[allow(clippy::too_many_arguments)]
    fn loss_gradient(
        &self,
        theta: &[f64],
        target: &[f64],
        weights: Option<&[f64]>,
        r: &mut [f64],
        grad: &mut [f64],
        scratch: &mut Vec<Vec<f64>>,
    ) -> Result<f64> {
        self.net.check_params_len(theta.len())?;
        let n = self.n_points;
        // trace[l] is the input of layer l (trace[0] = the samples), N x width, row-major.
        let mut trace: Vec<Vec<f64>> = Vec::with_capacity(self.steps.len());
        // Every buffer is fully overwritten before it is read (dgemm without accumulation, or
        // filled first), so reused ones need no clearing.
        let mut take = |len: usize| {
            let mut v = scratch.pop().unwrap_or_default();
            v.resize(len, 0.0);
            v
        };
        for (i, step) in self.steps.iter().enumerate() {
            let input = if i == 0 { &self.points } else { &trace[i - 1] };
            let out = match step {
                Step::Dense { layer, offset } => {
                    let (din, dout) = (layer.input_dim, layer.output_dim);
                    let w = &theta[*offset..offset + din * dout];
                    let mut h = take(n * dout);
                    if layer.bias {
                        let b = &theta[offset + din * dout..offset + din * dout + dout];
                        h.chunks_exact_mut(dout).for_each(|row| row.copy_from_slice(b));
                    }
                    dgemm(
                        view_mut(&mut h, n, dout),
                        layer.bias,
                        1.0,
                        Op::N(view(input, n, din)),
                        Op::T(view(w, dout, din)),
                        Par::Seq,
                    );
                    h
                }
                Step::Activation { coeffs, .. } => {
                    let mut h = take(input.len());
                    polynomial(coeffs, input, &mut h);
                    h
                }
            };
            trace.push(out);
        }
        // The seed G = 2 w r over the output (N x out, the layout of `target`).
        let mut g = trace.pop().unwrap_or_default();
        for ((rk, gk), t) in r.iter_mut().zip(g.iter_mut()).zip(target) {
            *rk = *gk - t;
            *gk = 2.0 * *rk;
        }
        if let Some(w) = weights {
            g.iter_mut().zip(w).for_each(|(gk, wk)| *gk *= wk);
        }
        // sum_k w_k r_k^2 = sum_k r_k g_k / 2, over independent partial sums (one serial chain
        // of additions would cost as much as the products).
        let mut partial = [0.0; 8];
        let (rc, gc) = (r.chunks_exact(8), g.chunks_exact(8));
        let tail: f64 = rc.remainder().iter().zip(gc.remainder()).map(|(a, b)| a * b).sum();
        for (a, b) in rc.zip(gc) {
            for l in 0..8 {
                partial[l] += a[l] * b[l];
            }
        }
        let loss = 0.5 * (partial.iter().sum::<f64>() + tail);
        let mut g_in = take(0);
        for (i, step) in self.steps.iter().enumerate().rev() {
            let input = if i == 0 { &self.points } else { &trace[i - 1] };
            match step {
                Step::Dense { layer, offset } => {
                    let (din, dout) = (layer.input_dim, layer.output_dim);
                    let n_w = din * dout;
                    let (gw, gb) = grad[*offset..offset + layer.n_params()].split_at_mut(n_w);
                    dgemm(
                        view_mut(gw, dout, din),
                        false,
                        1.0,
                        Op::T(view(&g, n, dout)),
                        Op::N(view(input, n, din)),
                        Par::Seq,
                    );
                    if layer.bias {
                        gb.iter_mut().for_each(|v| *v = 0.0);
                        for row in g.chunks_exact(dout) {
                            gb.iter_mut().zip(row).for_each(|(b, v)| *b += v);
                        }
                    }
                    if i > 0 {
                        g_in.resize(n * din, 0.0);
                        let w = &theta[*offset..offset + n_w];
                        dgemm(
                            view_mut(&mut g_in, n, din),
                            false,
                            1.0,
                            Op::N(view(&g, n, dout)),
                            Op::N(view(w, dout, din)),
                            Par::Seq,
                        );
                        std::mem::swap(&mut g, &mut g_in);
                    }
                }
                Step::Activation { deriv, .. } => {
                    if i > 0 {
                        scale_by_polynomial(deriv, input, &mut g);
                    }
                }
            }
        }
        scratch.extend(trace);
        scratch.push(g);
        scratch.push(g_in);
        Ok(loss)
    }
}

/// `out_k = s(t_k)` for `s` with coefficients `c_0..c_r` (low to high).
fn polynomial(coeffs: &[f64], t: &[f64], out: &mut [f64]) {
    map_polynomial(coeffs, t, out, |_, s| s);
}

/// `g_k <- g_k s(t_k)`.
fn scale_by_polynomial(coeffs: &[f64], t: &[f64], g: &mut [f64]) {
    map_polynomial(coeffs, t, g, |gk, s| gk * s);
}

/// `v_k <- f(v_k, s(t_k))` by Horner's rule. Degrees up to 3 (the activations of the studies)
/// are one pass with the coefficients in registers, which vectorizes; higher degrees run the
/// pass over the entries inside the pass over the coefficients.
#[inline(always)]
fn map_polynomial(coeffs: &[f64], t: &[f64], v: &mut [f64], f: impl Fn(f64, f64) -> f64) {
    match *coeffs {
        [] => v.iter_mut().for_each(|vk| *vk = f(*vk, 0.0)),
        [c0] => v.iter_mut().for_each(|vk| *vk = f(*vk, c0)),
        [c0, c1] => v.iter_mut().zip(t).for_each(|(vk, &x)| *vk = f(*vk, c1 * x + c0)),
        [c0, c1, c2] => v.iter_mut().zip(t).for_each(|(vk, &x)| *vk = f(*vk, (c2 * x + c1) * x + c0)),
        [c0, c1, c2, c3] => v.iter_mut().zip(t).for_each(|(vk, &x)| *vk = f(*vk, ((c3 * x + c2) * x + c1) * x + c0)),
        [.., top] => {
            let mut acc = [0.0; 64];
            for (vc, tc) in v.chunks_mut(64).zip(t.chunks(64)) {
                let acc = &mut acc[..vc.len()];
                acc.iter_mut().for_each(|a| *a = top);
                for &c in coeffs.iter().rev().skip(1) {
                    acc.iter_mut().zip(tc).for_each(|(a, x)| *a = *a * x + c);
                }
                vc.iter_mut().zip(acc.iter()).for_each(|(vk, a)| *vk = f(*vk, *a));
            }
        }
    }
}

impl ModelMap<F64Ring> for DenseBatchMap<'_> {
    fn n_params(&self) -> usize {
        self.lanes.n_params()
    }

    fn n_values(&self) -> usize {
        self.lanes.n_values()
    }

    fn values(&self, theta: &[f64], values: &mut [f64]) -> Result<()> {
        self.lanes.values(theta, values)
    }

    fn values_jacobian(&self, theta: &[f64], values: &mut [f64], jac: &mut [f64]) -> Result<()> {
        self.lanes.values_jacobian(theta, values, jac)
    }
}

impl TrainProblem for WeightedResidual<DenseBatchMap<'_>> {
    fn direct_loss_gradient(
        &self,
        theta: &[f64],
        weights: Option<&[f64]>,
        r: &mut [f64],
        grad: &mut [f64],
        scratch: &mut Vec<Vec<f64>>,
    ) -> Option<Result<f64>> {
        Some(self.map.loss_gradient(theta, &self.target, weights, r, grad, scratch))
    }
}

#[cfg(test)]
mod tests {
    use super::super::loss::{loss_gradient, LossBuffers};
    use super::super::{run_study, Init, Optimizer, RecordOptions, TrainOptions};
    use super::*;
    use crate::net::Activation;
    use crate::par::NoInterrupt;
    use crate::rng::SplitMix64;
    use num_rational::BigRational;

    fn rational(v: i64) -> BigRational {
        BigRational::from_integer(v.into())
    }

    /// Dense layers of `widths` joined by `act` (its coefficients `c_0..c_r`).
    fn mlp(widths: &[usize], act: &[i64], bias: bool) -> Network {
        let mut layers = Vec::new();
        for i in 0..widths.len() - 1 {
            if i > 0 {
                let coeffs = act.iter().map(|&c| rational(c)).collect();
                layers.push(Layer::Activation(Activation::new(widths[i], coeffs).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: widths[i], output_dim: widths[i + 1], bias }));
        }
        Network::new(layers).unwrap()
    }

    fn close(a: &[f64], b: &[f64], what: &str) {
        let scale = a.iter().chain(b).fold(1.0f64, |m, v| m.max(v.abs()));
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= 1e-12 * scale, "{what}[{k}]: {x} vs {y}");
        }
        assert_eq!(a.len(), b.len());
    }

    /// Networks covering biases on and off, monomial and mixed activations of degrees 1-5, depth
    /// 1-3, and sample counts with a partial lane batch.
    fn cases() -> Vec<(Network, usize)> {
        vec![
            (mlp(&[4, 8, 2], &[0, 0, 1], false), 64),
            (mlp(&[3, 4, 2], &[0, 0, 1], true), 11),
            (mlp(&[2, 2, 1], &[0, 0, 1, 1], true), 13),
            (mlp(&[3, 5, 4, 2], &[1, -2, 0, 3], true), 19),
            (mlp(&[5, 3], &[0, 1], false), 7),
            (mlp(&[2, 3, 3, 2], &[0, 0, 0, 1], false), 9),
            // Degree 5: the general Horner pass, over more than one 64-entry chunk.
            (mlp(&[2, 3, 2], &[1, 0, 0, 0, -1, 2], true), 70),
        ]
    }

    fn data(net: &Network, n_points: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut rng = SplitMix64::new(seed);
        let x = (0..n_points * net.input_dim()).map(|_| rng.normal()).collect();
        let y = (0..n_points * net.output_dim()).map(|_| rng.normal()).collect();
        let theta = (0..net.n_params()).map(|_| 0.7 * rng.normal()).collect();
        (x, y, theta)
    }

    #[test]
    fn loss_and_gradient_agree_with_the_generic_passes() {
        for (case, (net, n_points)) in cases().into_iter().enumerate() {
            let (x, y, theta) = data(&net, n_points, 11 + case as u64);
            let dense = DenseBatchMap::new(&net, &x).unwrap().expect("a dense network");
            let fast = WeightedResidual { map: dense, target: y.clone(), sqrt_w: vec![] };
            let generic = WeightedResidual { map: LaneDataMap::new(&net, &x).unwrap(), target: y, sqrt_w: vec![] };
            let (m, n) = (n_points * net.output_dim(), net.n_params());
            // Full batch, then a mini-batch of three samples (all their output rows) scaled by N / 3.
            let out = net.output_dim();
            let rows: Vec<usize> = [0, 5, n_points - 1].iter().flat_map(|&i| i * out..(i + 1) * out).collect();
            for batch in [None, Some((rows.as_slice(), n_points as f64 / 3.0))] {
                let mut a = LossBuffers::new(m, n, true);
                let mut b = LossBuffers::new(m, n, true);
                let mut c = LossBuffers::new(m, n, false);
                let la = loss_gradient(&fast, &theta, batch, &mut a).unwrap();
                let lb = loss_gradient(&generic, &theta, batch, &mut b).unwrap();
                let lc = loss_gradient(&generic, &theta, batch, &mut c).unwrap();
                close(&[la], &[lb], "loss vs lanes");
                close(&[la], &[lc], "loss vs Jacobian");
                close(&a.grad, &b.grad, "gradient vs lanes");
                close(&a.grad, &c.grad, "gradient vs Jacobian");
                close(&a.r, &c.r, "residuals");
            }
        }
    }

    #[test]
    fn gradient_of_the_shallow_square_mlp_matches_the_closed_form() {
        // f(x) = W2 (W1 x)^2, L = sum_j ||f(x_j) - y_j||^2: dL/dW2 = 2 R A^T, dL/dW1 =
        // ((2 W2^T R) * 2 Z) X^T with Z = W1 X, A = Z^2, R = F - Y (samples as columns),
        // written out here with plain loops.
        let (d, h, o, n_points) = (3usize, 4usize, 2usize, 6usize);
        let net = mlp(&[d, h, o], &[0, 0, 1], false);
        let (x, y, theta) = data(&net, n_points, 5);
        let (w1, w2) = theta.split_at(h * d);
        let (mut g1, mut g2) = (vec![0.0; h * d], vec![0.0; o * h]);
        let mut loss = 0.0;
        for j in 0..n_points {
            let xj = &x[j * d..(j + 1) * d];
            let z: Vec<f64> = (0..h).map(|i| (0..d).map(|k| w1[i * d + k] * xj[k]).sum()).collect();
            let r: Vec<f64> =
                (0..o).map(|p| (0..h).map(|i| w2[p * h + i] * z[i] * z[i]).sum::<f64>() - y[j * o + p]).collect();
            loss += r.iter().map(|v| v * v).sum::<f64>();
            for p in 0..o {
                for i in 0..h {
                    g2[p * h + i] += 2.0 * r[p] * z[i] * z[i];
                }
            }
            for i in 0..h {
                let back: f64 = (0..o).map(|p| 2.0 * w2[p * h + i] * r[p]).sum();
                for k in 0..d {
                    g1[i * d + k] += back * 2.0 * z[i] * xj[k];
                }
            }
        }
        let fast = WeightedResidual { map: DenseBatchMap::new(&net, &x).unwrap().unwrap(), target: y, sqrt_w: vec![] };
        let mut buf = LossBuffers::new(n_points * o, net.n_params(), true);
        let l = loss_gradient(&fast, &theta, None, &mut buf).unwrap();
        close(&[l], &[loss], "loss");
        close(&buf.grad, &[g1, g2].concat(), "gradient");
    }

    #[test]
    fn training_runs_agree_with_the_generic_path() {
        let opts = |optimizer, batch_size| TrainOptions {
            optimizer,
            lr: 2e-3,
            steps: 60,
            starts: 3,
            first_start: 0,
            init: Init::Gaussian { scale: Some(0.5), factor: 1.0 },
            seed: 9,
            batch_size,
            rank: None,
            record: RecordOptions { gtol: 0.0, ..RecordOptions::default() },
        };
        let net = mlp(&[3, 5, 2], &[0, 1, 1], true);
        let n_points = 17;
        let (x, y, _) = data(&net, n_points, 3);
        let fast =
            WeightedResidual { map: DenseBatchMap::new(&net, &x).unwrap().unwrap(), target: y.clone(), sqrt_w: vec![] };
        let generic = WeightedResidual { map: LaneDataMap::new(&net, &x).unwrap(), target: y, sqrt_w: vec![] };
        let adam = Optimizer::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
        for (optimizer, batch) in
            [(Optimizer::Gd, None), (adam, Some((2, n_points, 5))), (Optimizer::Momentum { beta: 0.9 }, None)]
        {
            let o = opts(optimizer, batch.map(|b| b.2));
            let a = run_study(&net, &fast, batch, Some(0), &o, Par::Seq, &NoInterrupt).unwrap();
            let b = run_study(&net, &generic, batch, Some(0), &o, Par::Seq, &NoInterrupt).unwrap();
            for (ra, rb) in a.runs.iter().zip(&b.runs) {
                close(&ra.theta, &rb.theta, "final parameters");
                close(&ra.curve_loss, &rb.curve_loss, "loss curve");
                assert_eq!(ra.curve_steps, rb.curve_steps);
            }
        }
    }

    #[test]
    fn convolutional_networks_keep_the_generic_path() {
        let conv = crate::net::Conv::new(1, 1, (2, 1), (1, 1), (3, 1), false).unwrap();
        let net = Network::new(vec![Layer::Conv(conv)]).unwrap();
        assert!(DenseBatchMap::new(&net, &[1.0, 2.0, 3.0]).unwrap().is_none());
    }
}
