//! The residual `r(theta) = sqrt(w) (m(theta) - t)` of a model map `m` (coefficients or sample
//! outputs) against a target `t`, and the exact Hessian of the squared distance `||r||^2`.

use super::lm::LeastSquares;
use super::model::ModelMap;
use crate::error::Result;
use crate::par::{Interrupt, Par};
use crate::ring::{DualRing, F64Ring};
use rayon::prelude::*;

/// `r(theta) = sqrt(w) (m(theta) - t)`; an empty `sqrt_w` means unit weights.
pub struct WeightedResidual<M> {
    pub map: M,
    pub target: Vec<f64>,
    pub sqrt_w: Vec<f64>,
}

impl<M> WeightedResidual<M> {
    /// The weighted residual of `values` (overwritten in place).
    pub fn weigh(&self, values: &mut [f64]) {
        for (k, v) in values.iter_mut().enumerate() {
            *v -= self.target[k];
            if !self.sqrt_w.is_empty() {
                *v *= self.sqrt_w[k];
            }
        }
    }

    /// `||sqrt(w) t||`.
    pub fn target_norm(&self) -> f64 {
        let mut t = vec![0.0; self.target.len()];
        self.weigh(&mut t);
        t.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

impl<M: ModelMap<F64Ring>> LeastSquares for WeightedResidual<M> {
    fn n_params(&self) -> usize {
        self.map.n_params()
    }

    fn n_residuals(&self) -> usize {
        self.map.n_values()
    }

    fn residual_jacobian(&self, theta: &[f64], r: &mut [f64], jac: &mut [f64]) -> Result<()> {
        self.map.values_jacobian(theta, r, jac)?;
        self.weigh(r);
        let n = self.map.n_params();
        if !self.sqrt_w.is_empty() && n > 0 {
            for (row, s) in jac.chunks_exact_mut(n).zip(&self.sqrt_w) {
                row.iter_mut().for_each(|v| *v *= s);
            }
        }
        Ok(())
    }
}

/// The Hessian of the squared distance `L(theta) = ||sqrt(w) (m(theta) - t)||^2`,
/// `H = 2 (J_w^T J_w + sum_k r_k Hess(r_k))`, an `n x n` row-major matrix.
///
/// Column `j` is exact (no finite differences): the model map runs over dual numbers with
/// `theta + e_j eps`, which gives `J` together with its directional derivative `dJ[e_j]`, and
/// `H e_j = 2 (J_w^T (J_w e_j) + dJ_w[e_j]^T r)`. Columns are independent, so the result does not
/// depend on `par`. Its eigenvalues tell a local minimum (all `>= 0`, zeros along the fiber)
/// from a saddle.
pub fn squared_distance_hessian<D: ModelMap<DualRing<F64Ring>>>(
    dual_map: &D,
    target: &[f64],
    sqrt_w: &[f64],
    theta: &[f64],
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Vec<f64>> {
    let (n, m) = (dual_map.n_params(), dual_map.n_values());
    let weight = |k: usize| if sqrt_w.is_empty() { 1.0 } else { sqrt_w[k] };
    let column = |j: usize, col: &mut [f64]| -> Result<()> {
        intr.check()?;
        let theta_d: Vec<(f64, f64)> = theta.iter().enumerate().map(|(i, &t)| (t, (i == j) as u8 as f64)).collect();
        let (mut v, mut jac) = (vec![(0.0, 0.0); m], vec![(0.0, 0.0); m * n]);
        dual_map.values_jacobian(&theta_d, &mut v, &mut jac)?;
        col.iter_mut().for_each(|c| *c = 0.0);
        for k in 0..m {
            let w = weight(k);
            let r = w * (v[k].0 - target[k]);
            let dr = w * v[k].1;
            for (i, c) in col.iter_mut().enumerate() {
                let (jki, djki) = jac[k * n + i];
                *c += 2.0 * w * (jki * dr + djki * r);
            }
        }
        Ok(())
    };
    let mut cols = vec![0.0; n * n];
    if n == 0 {
        return Ok(cols);
    }
    if par.is_parallel() && n > 1 {
        cols.par_chunks_mut(n).enumerate().try_for_each(|(j, c)| column(j, c))?;
    } else {
        for (j, c) in cols.chunks_mut(n).enumerate() {
            column(j, c)?;
        }
    }
    // cols holds H^T row-major, i.e. H column-major; symmetrise the rounding away.
    let mut h = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            h[i * n + j] = 0.5 * (cols[j * n + i] + cols[i * n + j]);
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closest::model::CoefficientMap;
    use crate::net::{Conv, Layer, Network};
    use crate::par::NoInterrupt;

    #[test]
    fn hessian_of_a_linear_cnn_matches_the_closed_form() {
        // (a + b t)(c + d t) = ac + (ad + bc) t + bd t^2 against u = 1 + t^2.
        let conv = |w| Layer::Conv(Conv::new(1, 1, (1, 2), (1, 1), (1, w), false).unwrap());
        let net = Network::new(vec![conv(3), conv(2)]).unwrap();
        let map = CoefficientMap::new(&net, DualRing(F64Ring)).unwrap();
        let (a, b, c, d) = (0.7, -0.3, 1.1, 0.4);
        let h = squared_distance_hessian(&map, &[1.0, 0.0, 1.0], &[], &[a, b, c, d], Par::Seq, &NoInterrupt).unwrap();
        // L = (ac - 1)^2 + (ad + bc)^2 + (bd - 1)^2.
        let (r0, r1) = (a * c - 1.0, a * d + b * c);
        let expected_ab = 2.0 * d * c; // no second derivative in (a, b)
        let expected_ac = 2.0 * (c * a + d * b) + 2.0 * r0;
        let expected_aa = 2.0 * (c * c + d * d);
        assert!((h[1] - expected_ab).abs() < 1e-12, "{} {}", h[1], expected_ab);
        assert!((h[2] - expected_ac).abs() < 1e-12);
        assert!((h[0] - expected_aa).abs() < 1e-12);
        // J columns: a = (c, d, 0), d = (0, a, b); d2 r1 / da dd = 1.
        assert!((h[3] - (2.0 * (d * a) + 2.0 * r1)).abs() < 1e-12);
        let hp =
            squared_distance_hessian(&map, &[1.0, 0.0, 1.0], &[], &[a, b, c, d], Par::from_threads(2), &NoInterrupt)
                .unwrap();
        assert_eq!(h, hp);
    }
}
