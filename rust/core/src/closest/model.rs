//! The two model maps the closest-point search fits, each with its Jacobian, built once per
//! search and reused at every iterate of every start:
//!
//! * [`CoefficientMap`]: `theta -> phi(theta)`, the coefficient vector of design.md 2.4;
//! * [`DataMap`]: `theta -> (f(x_1; theta), ..., f(x_N; theta))`, the outputs at samples.
//!
//! Both run the generic layer code of [`crate::net`] (forward trace, then one backward pass per
//! output), over any base ring: `F64Ring` for the search, `DualRing<F64Ring>` for exact
//! Hessian-vector products ([`super::hessian`]).
//!
//! [`CoefficientMap`] is the coefficient driver of [`crate::coefficients`], built once per search
//! (for the small networks of closest-point studies its set-up is about half the cost of one
//! Jacobian).

use super::lanes::{LaneRing, Lanes, LANES};
pub use crate::coefficients::CoefficientMap;
use crate::error::{CoreError, Result};
use crate::net::{BoundNetwork, Network};
use crate::par::{check_allocation, NoInterrupt, Par};
use crate::ring::{F64Ring, Ring};

/// A smooth map `theta -> values` with a Jacobian, as the least-squares solver sees it.
pub trait ModelMap<R: Ring>: Sync {
    /// Number of parameters (columns of the Jacobian).
    fn n_params(&self) -> usize;
    /// Number of values (rows of the Jacobian).
    fn n_values(&self) -> usize;
    /// Writes the values at `theta` into `values` (length `n_values`).
    fn values(&self, theta: &[R::Elem], values: &mut [R::Elem]) -> Result<()>;
    /// Writes the values and the `n_values x n_params` row-major Jacobian at `theta`.
    fn values_jacobian(&self, theta: &[R::Elem], values: &mut [R::Elem], jac: &mut [R::Elem]) -> Result<()>;
}

/// `phi` as the solver sees it: the one coefficient driver of [`crate::coefficients`], its
/// Jacobian sequential (the search is parallel over starts, the Hessian over columns).
impl<R: Ring + Clone> ModelMap<R> for CoefficientMap<'_, R> {
    fn n_params(&self) -> usize {
        CoefficientMap::n_params(self)
    }

    fn n_values(&self) -> usize {
        CoefficientMap::n_values(self)
    }

    fn values(&self, theta: &[R::Elem], values: &mut [R::Elem]) -> Result<()> {
        CoefficientMap::values(self, theta, values)
    }

    fn values_jacobian(&self, theta: &[R::Elem], values: &mut [R::Elem], jac: &mut [R::Elem]) -> Result<()> {
        self.jacobian_at(theta, values, jac, Par::Seq, &NoInterrupt)
    }
}

/// Number of samples in a row-major `n_points x input_dim` array of `len` values, after
/// checking the shape and that the data Jacobian fits the memory limit.
fn sample_count(net: &Network, len: usize) -> Result<usize> {
    let d = net.input_dim();
    if len == 0 || !len.is_multiple_of(d) {
        return Err(CoreError::invalid(
            "x",
            format!("expected a non-empty n_points x {d} array of samples, got {len} values"),
        ));
    }
    let n_points = len / d;
    check_allocation("the data Jacobian", n_points as u128 * net.output_dim() as u128 * net.n_params() as u128, 16)?;
    Ok(n_points)
}

/// The network's outputs at fixed sample points, over a base ring `R`.
pub struct DataMap<'n, R: Ring> {
    bound: BoundNetwork<'n, R>,
    points: Vec<R::Elem>,
    n_points: usize,
}

impl<'n, R: Ring> DataMap<'n, R> {
    /// `points` is `n_points x input_dim`, row-major.
    pub fn new(net: &'n Network, base: R, points: Vec<R::Elem>) -> Result<Self> {
        let n_points = sample_count(net, points.len())?;
        Ok(DataMap { bound: net.bind(base)?, points, n_points })
    }

    /// Number of samples.
    pub fn n_points(&self) -> usize {
        self.n_points
    }
}

impl<R: Ring> ModelMap<R> for DataMap<'_, R> {
    fn n_params(&self) -> usize {
        self.bound.net.n_params()
    }

    fn n_values(&self) -> usize {
        self.n_points * self.bound.net.output_dim()
    }

    fn values(&self, theta: &[R::Elem], values: &mut [R::Elem]) -> Result<()> {
        self.bound.net.check_params_len(theta.len())?;
        let out = self.bound.net.output_dim();
        for (v, x) in values.chunks_exact_mut(out).zip(self.points.chunks_exact(self.bound.net.input_dim())) {
            v.clone_from_slice(&self.bound.forward(theta, x));
        }
        Ok(())
    }

    fn values_jacobian(&self, theta: &[R::Elem], values: &mut [R::Elem], jac: &mut [R::Elem]) -> Result<()> {
        self.bound.net.check_params_len(theta.len())?;
        let ring = &self.bound.ring;
        let (n, out, d) = (self.n_params(), self.bound.net.output_dim(), self.bound.net.input_dim());
        let mut seed = vec![ring.zero(); out];
        let rows = jac.chunks_exact_mut(out * n.max(1));
        for ((v, x), block) in values.chunks_exact_mut(out).zip(self.points.chunks_exact(d)).zip(rows) {
            let trace = self.bound.forward_trace(theta, x);
            v.clone_from_slice(trace.last().map(Vec::as_slice).unwrap_or(&[]));
            if n == 0 {
                continue;
            }
            for (o, row) in block.chunks_exact_mut(n).enumerate() {
                seed[o] = ring.one();
                self.bound.backward(theta, &trace, &seed, row);
                seed[o] = ring.zero();
            }
        }
        Ok(())
    }
}

/// [`DataMap`] over `f64`, [`LANES`] samples per forward and backward pass (see
/// [`super::lanes`]); the same values and Jacobian, several times faster on many samples.
pub struct LaneDataMap<'n> {
    pub(crate) bound: BoundNetwork<'n, LaneRing>,
    /// Samples transposed into lanes: batch `b`, coordinate `k` holds `x[b * LANES + lane][k]`
    /// (zero-padded past the last sample).
    pub(crate) batches: Vec<Vec<Lanes>>,
    pub(crate) n_points: usize,
}

impl<'n> LaneDataMap<'n> {
    /// `points` is `n_points x input_dim`, row-major.
    pub fn new(net: &'n Network, points: &[f64]) -> Result<Self> {
        let d = net.input_dim();
        let n_points = sample_count(net, points.len())?;
        let batches = points
            .chunks(d * LANES)
            .map(|chunk| {
                (0..d).map(|k| std::array::from_fn(|lane| chunk.get(lane * d + k).copied().unwrap_or(0.0))).collect()
            })
            .collect();
        Ok(LaneDataMap { bound: net.bind(LaneRing)?, batches, n_points })
    }
}

/// Writes lane `l < lanes` of the outputs `y` (one `Lanes` per output) to sample `first + l`.
fn scatter_lanes(y: &[Lanes], first: usize, lanes: usize, out: usize, values: &mut [f64]) {
    for (o, yo) in y.iter().enumerate() {
        for (lane, v) in yo.iter().take(lanes).enumerate() {
            values[(first + lane) * out + o] = *v;
        }
    }
}

impl ModelMap<F64Ring> for LaneDataMap<'_> {
    fn n_params(&self) -> usize {
        self.bound.net.n_params()
    }

    fn n_values(&self) -> usize {
        self.n_points * self.bound.net.output_dim()
    }

    fn values(&self, theta: &[f64], values: &mut [f64]) -> Result<()> {
        self.bound.net.check_params_len(theta.len())?;
        let out = self.bound.net.output_dim();
        let theta_l: Vec<Lanes> = theta.iter().map(|&t| LaneRing::splat(t)).collect();
        for (b, x) in self.batches.iter().enumerate() {
            let y = self.bound.forward(&theta_l, x);
            scatter_lanes(&y, b * LANES, LANES.min(self.n_points - b * LANES), out, values);
        }
        Ok(())
    }

    fn values_jacobian(&self, theta: &[f64], values: &mut [f64], jac: &mut [f64]) -> Result<()> {
        self.bound.net.check_params_len(theta.len())?;
        let ring = &self.bound.ring;
        let (n, out) = (self.n_params(), self.bound.net.output_dim());
        let theta_l: Vec<Lanes> = theta.iter().map(|&t| LaneRing::splat(t)).collect();
        let mut seed = vec![ring.zero(); out];
        let mut grad = vec![ring.zero(); n];
        for (b, x) in self.batches.iter().enumerate() {
            let trace = self.bound.forward_trace(&theta_l, x);
            let y = trace.last().map(Vec::as_slice).unwrap_or(&[]);
            let lanes = LANES.min(self.n_points - b * LANES);
            scatter_lanes(y, b * LANES, lanes, out, values);
            if n == 0 {
                continue;
            }
            for o in 0..out {
                seed[o] = ring.one();
                self.bound.backward(&theta_l, &trace, &seed, &mut grad);
                seed[o] = ring.zero();
                for lane in 0..lanes {
                    let row = &mut jac[((b * LANES + lane) * out + o) * n..][..n];
                    for (r, g) in row.iter_mut().zip(&grad) {
                        *r = g[lane];
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coefficients::{coefficient_jacobian, coefficients};
    use crate::jacobian::{evaluate_points, evaluation_jacobian};
    use crate::net::{Activation, Dense, Layer};
    use crate::par::{NoInterrupt, Par};
    use crate::ring::F64Ring;

    fn mlp(widths: &[usize], degree: u32, bias: bool) -> Network {
        let mut layers = Vec::new();
        for i in 0..widths.len() - 1 {
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(widths[i], degree).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: widths[i], output_dim: widths[i + 1], bias }));
        }
        Network::new(layers).unwrap()
    }

    #[test]
    fn coefficient_map_matches_the_generic_functions() {
        let net = mlp(&[3, 4, 2], 2, true);
        let theta: Vec<f64> = (0..net.n_params()).map(|i| ((i * 7 % 11) as f64 - 5.0) / 3.0).collect();
        let map = CoefficientMap::new(&net, F64Ring).unwrap();
        let (m, n) = (map.n_values(), map.n_params());
        let (mut v, mut j, mut v2) = (vec![0.0; m], vec![0.0; m * n], vec![0.0; m]);
        map.values_jacobian(&theta, &mut v, &mut j).unwrap();
        map.values(&theta, &mut v2).unwrap();
        assert_eq!(v, coefficients(&net, F64Ring, &theta).unwrap());
        assert_eq!(v2, v);
        assert_eq!(j, coefficient_jacobian(&net, F64Ring, &theta, Par::Seq, &NoInterrupt).unwrap());
    }

    #[test]
    fn data_map_matches_the_generic_functions() {
        let net = mlp(&[2, 3, 2], 3, false);
        let theta: Vec<f64> = (0..net.n_params()).map(|i| (i as f64 - 6.0) / 5.0).collect();
        let points: Vec<f64> = (0..10).map(|i| (i as f64 * 0.37).sin()).collect();
        let map = DataMap::new(&net, F64Ring, points.clone()).unwrap();
        let (m, n) = (map.n_values(), map.n_params());
        let (mut v, mut j) = (vec![0.0; m], vec![0.0; m * n]);
        map.values_jacobian(&theta, &mut v, &mut j).unwrap();
        let bound = net.bind(F64Ring).unwrap();
        assert_eq!(v, evaluate_points(&bound, &theta, &points, Par::Seq).unwrap());
        assert_eq!(j, evaluation_jacobian(&bound, &theta, &points, Par::Seq).unwrap());
        assert!(DataMap::new(&net, F64Ring, vec![1.0; 3]).is_err());
    }

    #[test]
    fn lane_data_map_equals_the_per_point_map() {
        let net = mlp(&[3, 4, 2], 2, true);
        let theta: Vec<f64> = (0..net.n_params()).map(|i| ((i * 5 % 9) as f64 - 4.0) / 3.0).collect();
        for n_points in [1, 7, 8, 9, 21] {
            let points: Vec<f64> = (0..3 * n_points).map(|i| (i as f64 * 0.61).cos()).collect();
            let plain = DataMap::new(&net, F64Ring, points.clone()).unwrap();
            let lanes = LaneDataMap::new(&net, &points).unwrap();
            let (m, n) = (plain.n_values(), plain.n_params());
            assert_eq!(lanes.n_values(), m);
            let (mut v1, mut j1, mut v2, mut j2, mut v3) =
                (vec![0.0; m], vec![0.0; m * n], vec![0.0; m], vec![0.0; m * n], vec![0.0; m]);
            plain.values_jacobian(&theta, &mut v1, &mut j1).unwrap();
            lanes.values_jacobian(&theta, &mut v2, &mut j2).unwrap();
            lanes.values(&theta, &mut v3).unwrap();
            assert_eq!(v1, v2);
            assert_eq!(v1, v3);
            assert_eq!(j1, j2);
        }
    }
}
