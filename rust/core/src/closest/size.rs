//! How many bytes a closest-point search needs, computed from the shapes alone (faer's
//! `*_scratch` habit), so that an oversized request is refused before anything is allocated or
//! any start runs.
//!
//! With `n` parameters and `m` residuals (coefficients, or samples times outputs), one
//! Levenberg-Marquardt run holds two `m x n` Jacobians, four `n x n` matrices (the normal
//! matrix, the model, its Cholesky factor and the secant term) and a dozen vectors; the model
//! map adds its own workspace (the forward trace and the backward adjoints over the polynomial
//! or lane ring). `lanes = min(starts, threads)` runs are alive at once. The exact Hessian of
//! one endpoint adds two `n x n` matrices, one dual-number Jacobian per column in flight and
//! the eigenvalue workspace (the Hessian is reduced in place). Recomputing each endpoint runs
//! one forward pass over the polynomial ring per start in flight (for samples too: the
//! endpoint's coefficient vector is reported). The Jacobian and `n x n` terms are exact; the
//! model workspace is an upper bound (every polynomial of the trace has at most `C(d + D, d)` terms, `D` the
//! largest input degree).

use super::metric::Objective;
use crate::dimension::ambient_dim;
use crate::error::Result;
use crate::net::degrees::{binomial, network_degrees};
use crate::net::Network;
use crate::par::{check_bytes, Par};
use num_traits::ToPrimitive;

const F64: u128 = 8;
/// A dual number `(f64, f64)`.
const DUAL: u128 = 16;
/// One term `(u128 code, coefficient)` of a sparse polynomial, padded to the `u128` alignment.
const POLY_TERM: u128 = 32;
/// Values carried per lane-ring element (`closest::lanes`, eight `f64`).
const LANE: u128 = 64;

/// The shapes a search works with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchShape {
    /// Parameters `n`.
    pub n: u128,
    /// Residuals `m`.
    pub m: u128,
    /// Values of the forward trace (input plus every layer's output) for one evaluation.
    pub trace: u128,
    /// Bytes of one trace value (a polynomial bound, a lane vector).
    pub trace_value: u128,
    /// Sample coordinates, samples times input dimension (0 for a coefficient target).
    pub points: u128,
    /// Ambient dimension (length of `phi(theta)`, kept per start for deduplication).
    pub ambient: u128,
    /// Bytes of one polynomial of the coefficient map's trace (the recomputation of `phi`).
    pub poly_value: u128,
}

fn sat(x: impl ToPrimitive) -> u128 {
    x.to_u128().unwrap_or(u128::MAX)
}

impl SearchShape {
    /// The shapes of `objective` on `net`, from layer sizes and degrees only (no basis is built).
    pub fn new(net: &Network, objective: &Objective) -> Result<Self> {
        let n = net.n_params() as u128;
        let ambient = sat(ambient_dim(net)?);
        let (d, out) = (net.input_dim() as u128, net.output_dim() as u128);
        let widths = net.layers().iter().fold(d, |acc, l| acc.saturating_add(l.output_dim() as u128));
        let max_degree = network_degrees(net)?.input.max() as u128;
        let poly_value = sat(binomial(d.saturating_add(max_degree), d.min(max_degree))).saturating_mul(POLY_TERM);
        Ok(match objective {
            Objective::Coefficients { .. } => {
                SearchShape { n, m: ambient, trace: widths, trace_value: poly_value, points: 0, ambient, poly_value }
            }
            Objective::Data { points, .. } => {
                let points = points.len() as u128;
                let m = points.checked_div(d).unwrap_or(0).saturating_mul(out);
                SearchShape { n, m, trace: widths, trace_value: LANE, points, ambient, poly_value }
            }
        })
    }

    /// Model-map workspace of one residual-and-Jacobian evaluation: the trace, as many
    /// adjoints, and the `n` gradient values.
    fn model_workspace(&self) -> u128 {
        self.trace.saturating_mul(2).saturating_add(self.n).saturating_mul(self.trace_value)
    }

    /// Bytes one Levenberg-Marquardt run holds.
    pub fn lm_req(&self) -> u128 {
        let (n, m) = (self.n, self.m);
        let jacobians = m.saturating_mul(n).saturating_mul(2 * F64);
        let square = n.saturating_mul(n).saturating_mul(4 * F64);
        let vectors = n.saturating_mul(12 * F64).saturating_add(m.saturating_mul(2 * F64));
        jacobians.saturating_add(square).saturating_add(vectors).saturating_add(self.model_workspace())
    }

    /// Bytes of the exact Hessian of one endpoint with `lanes` columns in flight, and of its
    /// eigenvalues.
    pub fn hessian_req(&self, lanes: u128) -> u128 {
        let (n, m) = (self.n, self.m);
        let square = n.saturating_mul(n).saturating_mul(3 * F64);
        let column = m
            .saturating_mul(n)
            .saturating_add(m)
            .saturating_add(n)
            .saturating_mul(DUAL)
            .saturating_add(self.model_workspace().saturating_mul(2));
        square.saturating_add(lanes.max(1).saturating_mul(column))
    }

    /// Bytes of recomputing one endpoint: a forward pass of the coefficient map, and the model
    /// values and residual at the samples.
    pub fn recompute_req(&self) -> u128 {
        let forward = self.trace.saturating_mul(self.poly_value);
        forward
            .saturating_add(self.m.saturating_add(self.ambient).saturating_mul(F64))
            .saturating_add(if self.points > 0 { self.trace.saturating_mul(self.trace_value) } else { 0 })
    }

    /// Bytes of the problem shared by all starts: target and weights, and the samples (in lanes,
    /// and lifted to duals for the Hessian).
    fn problem_req(&self) -> u128 {
        self.m.saturating_mul(3 * F64).saturating_add(self.points.saturating_mul(F64 + DUAL))
    }

    /// Bytes of a whole search of `starts` starts on `par`: the problem, the per-start results
    /// (parameters and function), and the largest of the phases that hold `lanes` LM runs at
    /// once, `lanes` recomputations of endpoints, and the Hessian test of an endpoint.
    pub fn search_req(&self, starts: usize, par: Par) -> u128 {
        let starts = starts as u128;
        let lanes = starts.min(par.threads() as u128).max(1);
        let results = starts.saturating_mul(self.n.saturating_add(self.ambient).saturating_add(8)).saturating_mul(F64);
        let solve = lanes.saturating_mul(self.lm_req());
        let recompute = lanes.saturating_mul(self.recompute_req());
        let hessian = self.hessian_req(self.n.min(par.threads() as u128));
        self.problem_req().saturating_add(results).saturating_add(solve.max(hessian).max(recompute))
    }
}

/// Refuses a search whose plan exceeds the memory limit, before it allocates or computes.
pub fn check_search(net: &Network, objective: &Objective, starts: usize, par: Par) -> Result<()> {
    check_bytes("the closest-point search", SearchShape::new(net, objective)?.search_req(starts, par))
}

/// Refuses one exact Hessian whose plan exceeds the memory limit.
pub fn check_hessian(net: &Network, objective: &Objective, par: Par) -> Result<()> {
    let shape = SearchShape::new(net, objective)?;
    check_bytes("the Hessian of the squared distance", shape.hessian_req(shape.n.min(par.threads() as u128)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closest::Metric;
    use crate::error::CoreError;
    use crate::net::{Activation, Dense, Layer};
    use crate::par::with_memory_limit;

    fn quadratic_mlp(d: usize, k: usize) -> Network {
        Network::new(vec![
            Layer::Dense(Dense { input_dim: d, output_dim: k, bias: false }),
            Layer::Activation(Activation::monomial(k, 2).unwrap()),
            Layer::Dense(Dense { input_dim: k, output_dim: 1, bias: false }),
        ])
        .unwrap()
    }

    #[test]
    fn lm_buffers_are_counted_exactly() {
        // mlp [3, 4, 1], degree 2: n = 16, m = 6 (quadrics in 3 variables).
        let obj = Objective::Coefficients { target: vec![0.0; 6], metric: Metric::Euclidean };
        let s = SearchShape::new(&quadratic_mlp(3, 4), &obj).unwrap();
        assert_eq!((s.n, s.m, s.ambient), (16, 6, 6));
        // Two 6 x 16 Jacobians, four 16 x 16 matrices, 12 n + 2 m vector entries.
        let buffers = (2 * 6 * 16 + 4 * 16 * 16 + 12 * 16 + 2 * 6) * 8;
        assert!(s.lm_req() >= buffers);
        // The trace bound: 3 + 4 + 4 + 1 values of at most C(5, 2) = 10 terms.
        assert_eq!(s.lm_req() - buffers, (2 * 12 + 16) * 10 * POLY_TERM);
    }

    #[test]
    fn a_wide_network_is_refused_before_any_work() {
        // mlp [3, 10000, 1], degree 2: n = 40000, four n x n buffers are 51.2 GB per start.
        let net = quadratic_mlp(3, 10_000);
        let obj = Objective::Coefficients { target: vec![1.0; 6], metric: Metric::Euclidean };
        let s = SearchShape::new(&net, &obj).unwrap();
        assert!(s.lm_req() > 4 * 40_000 * 40_000 * 8);
        let err = with_memory_limit(Some(1 << 30), || check_search(&net, &obj, 64, Par::Seq));
        assert!(matches!(err, Err(CoreError::TooLarge { limit_bytes, .. }) if limit_bytes == 1 << 30));
        let small = quadratic_mlp(3, 4);
        assert!(with_memory_limit(Some(1 << 30), || check_search(&small, &obj, 64, Par::from_threads(2))).is_ok());
    }

    #[test]
    fn parallel_lanes_multiply_the_lm_share() {
        let net = quadratic_mlp(3, 50);
        let obj = Objective::Coefficients { target: vec![1.0; 6], metric: Metric::Euclidean };
        let s = SearchShape::new(&net, &obj).unwrap();
        let (one, four) = (s.search_req(64, Par::Seq), s.search_req(64, Par::from_threads(4)));
        assert_eq!(four - one, 3 * s.lm_req());
        // Never more LM lanes than starts (the Hessian columns still use the four threads).
        let one_start = s.search_req(1, Par::from_threads(4));
        assert_eq!(one_start, s.problem_req() + (200 + 6 + 8) * 8 + s.lm_req().max(s.hessian_req(4)));
    }
}
