//! A coordinate gauge for the known symmetry group (critical-points note, sections 5-6).
//!
//! The known symmetries ([`crate::net::symmetry`]: rescalings through monomial activations,
//! `GL(d)` on linear interfaces and inside attention heads) act on parameter space with orbits
//! of dimension `s` = the rank of their tangent vectors at a generic point. A *coordinate gauge*
//! fixes `s` parameter coordinates to constants; the other `P - s` coordinates are free. It is
//! *transversal* when the tangent vectors restricted to the fixed coordinates have full rank `s`:
//! then the orbit through a generic point meets the gauge in isolated points (implicit function
//! theorem on the map `g -> (g . theta)|_fixed`), and the gauge-fixed parametrization has fibers
//! of dimension `P - s - dim V` exactly when there is hidden symmetry beyond the known one.
//!
//! Coordinates are chosen by greedy column pivoting *in parameter order*: a coordinate is fixed
//! when its column of the generator matrix is independent of the columns already fixed. Earliest
//! parameters are preferred because they are the input weights: a neuron's rescaling acts on its
//! input weights with weight 1 (`w -> lambda w`), so fixing one of them to a constant picks a
//! unique representative of that neuron's `C^*`-orbit (a later coordinate, acted on by
//! `lambda^-r`, would leave `r`-th roots of unity); for a linear layer the first `d x d` block of
//! `W1` is fixed, which fixes `GL(d)` uniquely.

use crate::error::{CoreError, Result};
use crate::net::symmetry::symmetry_generators;
use crate::net::Network;
use crate::par::check_allocation;
use crate::ring::{ComplexRing, C64};
use crate::rng::SplitMix64;

const STREAM_GAUGE: u64 = 0x4761_7567_655f_7074;

/// Which parameter coordinates are fixed and which are free.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauge {
    /// Parameter count `P`.
    pub n_params: usize,
    /// Fixed coordinates, ascending (`s` of them, `s` = the generic orbit dimension).
    pub fixed: Vec<usize>,
    /// Free coordinates, ascending (`P - s`).
    pub free: Vec<usize>,
}

fn cnormal(g: &mut SplitMix64) -> C64 {
    C64::new(g.normal(), g.normal()).scale(std::f64::consts::FRAC_1_SQRT_2)
}

/// Greedy in-order selection of independent columns of the `rows x cols` matrix `a` (row-major):
/// a column is taken when its component orthogonal to the columns taken is larger than `tol`
/// times the largest column norm. Returns the taken column indices.
pub fn independent_columns(a: &[C64], rows: usize, cols: usize, tol: f64) -> Vec<usize> {
    let col = |j: usize| -> Vec<C64> { (0..rows).map(|i| a[i * cols + j]).collect() };
    let norm = |v: &[C64]| v.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
    let scale = (0..cols).map(|j| norm(&col(j))).fold(0.0f64, f64::max);
    let mut basis: Vec<Vec<C64>> = Vec::new();
    let mut taken = Vec::new();
    if scale == 0.0 || scale.is_nan() {
        return taken;
    }
    for j in 0..cols {
        if basis.len() == rows {
            break;
        }
        let mut v = col(j);
        // Two passes of modified Gram-Schmidt keep the orthogonality at rounding level.
        for _ in 0..2 {
            for q in &basis {
                let d: C64 = q.iter().zip(&v).fold(C64::ZERO, |s, (x, y)| s + x.conj() * *y);
                v.iter_mut().zip(q).for_each(|(y, x)| *y -= d * *x);
            }
        }
        let nv = norm(&v);
        if nv > tol * scale {
            basis.push(v.iter().map(|z| z.scale(1.0 / nv)).collect());
            taken.push(j);
        }
    }
    taken
}

/// The generator matrix (`s_raw x P`, row-major) of the known symmetries at `theta`.
pub fn generator_matrix(net: &Network, theta: &[C64]) -> Result<(Vec<C64>, usize)> {
    let n = net.n_params();
    let count = crate::net::symmetry::symmetry_generator_count(net);
    check_allocation("the symmetry generators", count as u128 * n as u128, std::mem::size_of::<C64>() as u128)?;
    let gens = symmetry_generators(net, &ComplexRing, theta);
    let rows = gens.len();
    Ok((gens.into_iter().flatten().collect(), rows))
}

impl Gauge {
    /// The gauge of `net`, chosen at a random complex point drawn from `seed` (generic: the
    /// choice is the same at almost every point).
    pub fn new(net: &Network, seed: u64) -> Result<Self> {
        let n = net.n_params();
        let mut g = SplitMix64::derived(seed, STREAM_GAUGE, 0);
        let theta: Vec<C64> = (0..n).map(|_| cnormal(&mut g)).collect();
        Gauge::at(net, &theta)
    }

    /// The gauge chosen at the point `theta` itself (the pivots of the generators there), so
    /// that it is transversal to the orbit of `theta` even when `theta` has zero weights, where
    /// the generic choice may fix a coordinate the orbit does not move.
    pub fn at(net: &Network, theta: &[C64]) -> Result<Self> {
        let n = net.n_params();
        if theta.len() != n {
            return Err(CoreError::invalid("theta", format!("expected {n} parameters, got {}", theta.len())));
        }
        let (a, rows) = generator_matrix(net, theta)?;
        let fixed = independent_columns(&a, rows, n, 1e-8);
        let free = (0..n).filter(|j| !fixed.contains(j)).collect();
        Ok(Gauge { n_params: n, fixed, free })
    }

    /// The orbit dimension `s` (fixed coordinates).
    pub fn orbit_dim(&self) -> usize {
        self.fixed.len()
    }

    /// Free coordinates `P - s`.
    pub fn free_dim(&self) -> usize {
        self.free.len()
    }

    /// The affine embedding `theta(x) = theta_0 + E x` of the gauge with the fixed coordinates
    /// set to `values` (length `s`): `theta_0` (length `P`) and `E` (`P x (P - s)`, row-major).
    pub fn embedding(&self, values: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        if values.len() != self.fixed.len() {
            return Err(CoreError::invalid(
                "values",
                format!("expected {} gauge values, got {}", self.fixed.len(), values.len()),
            ));
        }
        let (n, f) = (self.n_params, self.free.len());
        let mut theta0 = vec![C64::ZERO; n];
        for (&i, &v) in self.fixed.iter().zip(values) {
            theta0[i] = v;
        }
        let mut e = vec![C64::ZERO; n * f];
        for (c, &i) in self.free.iter().enumerate() {
            e[i * f + c] = C64::ONE;
        }
        Ok((theta0, e))
    }

    /// The free coordinates of `theta`.
    pub fn free_part(&self, theta: &[C64]) -> Vec<C64> {
        self.free.iter().map(|&i| theta[i]).collect()
    }

    /// The fixed coordinates of `theta`.
    pub fn fixed_part(&self, theta: &[C64]) -> Vec<C64> {
        self.fixed.iter().map(|&i| theta[i]).collect()
    }

    /// Transversality at `theta`: the rank of the generators restricted to the fixed
    /// coordinates (the gauge is transversal there when this is `s`), and the rank of all
    /// generators (the orbit dimension at `theta`).
    pub fn transversality(&self, net: &Network, theta: &[C64]) -> Result<(usize, usize)> {
        let n = self.n_params;
        let (a, rows) = generator_matrix(net, theta)?;
        let full = independent_columns(&a, rows, n, 1e-8).len();
        // Rank of the restriction = rank of its transpose: select independent generators
        // (rows) among the fixed columns.
        let s = self.fixed.len();
        let mut t = vec![C64::ZERO; s * rows];
        for (c, &j) in self.fixed.iter().enumerate() {
            for r in 0..rows {
                t[c * rows + r] = a[r * n + j];
            }
        }
        let restricted = independent_columns(&t, s, rows, 1e-8).len();
        Ok((restricted, full))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Attention, Conv, Dense, Layer};

    fn mlp(widths: &[usize], degree: u32) -> Network {
        let mut layers = Vec::new();
        for (i, w) in widths.windows(2).enumerate() {
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(w[0], degree).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: w[0], output_dim: w[1], bias: false }));
        }
        Network::new(layers).unwrap()
    }

    fn check(net: &Network, want_s: usize) -> Gauge {
        let gauge = Gauge::new(net, 1).unwrap();
        assert_eq!(gauge.orbit_dim(), want_s);
        let mut g = SplitMix64::new(99);
        let theta: Vec<C64> = (0..net.n_params()).map(|_| cnormal(&mut g)).collect();
        let (restricted, full) = gauge.transversality(net, &theta).unwrap();
        assert_eq!((restricted, full), (want_s, want_s));
        gauge
    }

    /// MLP (3,2,1) with `t^2`: one rescaling per hidden neuron (s = 2); each fixes the first
    /// input weight of its neuron, W1[0,0] = parameter 0 and W1[1,0] = parameter 3 (W1 is 2 x 3,
    /// row-major).
    #[test]
    fn mlp_rescalings_fix_first_input_weights() {
        let gauge = check(&mlp(&[3, 2, 1], 2), 2);
        assert_eq!(gauge.fixed, vec![0, 3]);
    }

    /// Gauge-fixed fiber dimension `P - s - dim V`: 0 for the generically identifiable (3,2,2)
    /// with `t^2` (P = 10, s = 2, dim 8: pairs of squares of linear forms with 2 outputs), and
    /// 1 for (3,2,1) with `t^2` (P = 8, s = 2, dim 5: quadrics of rank <= 2, where
    /// `v1 l1^2 + v2 l2^2` is also invariant under the orthogonal group O(2) of the form, the
    /// hidden symmetry).
    #[test]
    fn gauge_fixed_fiber_dimension() {
        use crate::dimension::{dimension, DimensionOptions};
        use crate::par::NoInterrupt;
        for (widths, hidden) in [(vec![3, 2, 2], 0usize), (vec![3, 2, 1], 1)] {
            let net = mlp(&widths, 2);
            let gauge = check(&net, 2);
            let dim = dimension(&net, &DimensionOptions::default(), &NoInterrupt).unwrap().dim;
            assert_eq!(gauge.free_dim() - dim, hidden, "{widths:?}");
        }
    }

    /// Linear MLP (3,2,3): GL(2) on the interface, s = 4, fixed by the first 2 x 2 block of W1
    /// (parameters 0, 1, 3, 4 of the 2 x 3 matrix).
    #[test]
    fn linear_mlp_fixes_a_block() {
        let gauge = check(&mlp(&[3, 2, 3], 1), 4);
        assert_eq!(gauge.fixed, vec![0, 1, 3, 4]);
    }

    /// CNN with two convolutions and `t^2` between them: one rescaling per hidden channel
    /// (2 channels, s = 2).
    #[test]
    fn cnn_gauge_is_transversal() {
        let net = Network::new(vec![
            Layer::Conv(Conv::new(1, 2, (1, 2), (1, 1), (1, 4), false).unwrap()),
            Layer::Activation(Activation::monomial(6, 2).unwrap()),
            Layer::Conv(Conv::new(2, 1, (1, 2), (1, 1), (1, 3), false).unwrap()),
        ])
        .unwrap();
        check(&net, 2);
    }

    /// One attention head with key dimension 2: GL(2) on (Q, K) (4) and the (Q, V) rescaling
    /// (1), s = 5 (value of nc.symmetries for this head).
    #[test]
    fn attention_gauge_is_transversal() {
        let net = Network::new(vec![Layer::Attention(Attention::new(3, 3, 2, 2, 1, false).unwrap())]).unwrap();
        let gauge = Gauge::new(&net, 1).unwrap();
        let mut g = SplitMix64::new(5);
        let theta: Vec<C64> = (0..net.n_params()).map(|_| cnormal(&mut g)).collect();
        let (restricted, full) = gauge.transversality(&net, &theta).unwrap();
        assert_eq!(restricted, gauge.orbit_dim());
        assert_eq!(full, gauge.orbit_dim());
        assert_eq!(gauge.orbit_dim(), 5);
    }
}
