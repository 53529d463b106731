//! The metric of a critical system: diagonal weights on coefficient space, or the dense metric
//! induced by data (the learning degree of Kubjas-Li-Wiesmann; critical-points note, section 1).
//!
//! For samples `x_1, ..., x_s` with values `y_1, ..., y_s`, the squared loss of the function
//! with coefficients `c` (outputs concatenated, `M` monomials per output) is
//!
//! `sum_j ||f(x_j) - y_j||^2 = sum_o ||E c_o - Y_o||^2 = c^T W c - 2 b^T c + ||Y||^2`,
//!
//! with `E` the `s x M` monomial evaluation matrix, `W = diag(E^T E, ..., E^T E)` (one block per
//! output) and `b = (E^T Y_1, ..., E^T Y_o)`. Its gradient in `c` is `2 (W c - b)`, so the
//! critical system is `(J B)^T (W phi - b) = 0` with the data entering only through `b`, which
//! is linear (generic `b` is generic data, since `E^T` is onto when `E` has full column rank).
//!
//! The homotopy parameter is the *whitened* data `p` with `b = L p`, `L` the double-precision
//! Cholesky factor of the Gram block (taken as exact numbers, one block per output): in the
//! coordinates `L^T c` the metric is euclidean, and random monodromy loops in `p` are isotropic
//! as for the euclidean metric. Loops drawn in `b` itself are squashed by the condition number of
//! `W` (its square, that of `E`) and were seen to miss solutions. The user's `p* = L^{-1} b*` is
//! enclosed by interval forward substitution.
//!
//! `W` is positive definite exactly when `E` has full column rank `M`; that needs at least `M`
//! samples in general position (not on a hypersurface spanned by the monomials), checked here.
//! `E`, `W` and `b` are computed in outward-rounded interval arithmetic from the samples as
//! given (doubles, exact), so the Krawczyk test encloses the exact metric and data; the tracker
//! uses the midpoints.

use super::interval::{CIv, IntervalRing, Iv};
use super::linalg::min_normalized_pivot;
use crate::error::{CoreError, Result};
use crate::net::monomials::network_monomials;
use crate::net::Network;
use crate::par::check_allocation;
use crate::ring::{Ring, C64};

/// Below this smallest column-normalised pivot of `E` the samples count as degenerate: the
/// metric would be positive definite only by rounding.
const SAMPLE_RANK_TOL: f64 = 1e-10;

/// The data-induced metric of samples, with enclosures of its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleMetric {
    /// Monomials per output `M`, outputs, samples.
    pub monomials: usize,
    pub outputs: usize,
    pub samples: usize,
    /// `E` (`samples x M`, row-major), enclosures of the exact monomial values.
    e: Vec<CIv>,
    /// `Y` (`samples x outputs`, row-major).
    y: Vec<f64>,
    /// `E^T E` (`M x M`, row-major), enclosures.
    gram: Vec<CIv>,
    /// The lower Cholesky factor `L` of the midpoint of `E^T E` (`M x M`, row-major), exact numbers.
    chol: Vec<f64>,
    /// `p* = L^{-1} E^T Y` per output, concatenated (length `M * outputs`), enclosures.
    rhs: Vec<CIv>,
    /// Midpoint of `rhs`: the parameter value that stands for the user's data.
    rhs_mid: Vec<C64>,
    /// Smallest column-normalised pivot of `E`.
    pub rank_pivot: f64,
}

/// The lower Cholesky factor of a symmetric `n x n` matrix, `None` unless positive definite
/// (every pivot above `1e-14` of the largest diagonal entry).
fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let top = (0..n).map(|i| a[i * n + i]).fold(0.0f64, f64::max);
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s.is_nan() || s <= 1e-14 * top {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

fn mid(z: CIv) -> C64 {
    C64::new(0.5 * z.re.lo + 0.5 * z.re.hi, 0.5 * z.im.lo + 0.5 * z.im.hi)
}

impl SampleMetric {
    /// Validates the samples (`points` is `samples x input_dim`, `values` is
    /// `samples x output_dim`, row-major) and builds the metric; refuses samples for which `W`
    /// is not positive definite.
    pub fn new(net: &Network, points: &[f64], values: &[f64]) -> Result<Self> {
        let (d, outputs) = (net.input_dim(), net.output_dim());
        if d == 0 || !points.len().is_multiple_of(d) {
            return Err(CoreError::invalid("x", format!("expected samples x {d} values, got {}", points.len())));
        }
        let samples = points.len() / d;
        if values.len() != samples * outputs {
            return Err(CoreError::invalid(
                "y",
                format!("expected {samples} x {outputs} values to match x, got {}", values.len()),
            ));
        }
        if let Some(i) = points.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::invalid("x", format!("entry {i} is not finite ({})", points[i])));
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::invalid("y", format!("entry {i} is not finite ({})", values[i])));
        }
        let basis = network_monomials(net)?;
        let big_m = basis.len();
        if samples < big_m {
            return Err(CoreError::invalid(
                "x",
                format!(
                    "{samples} samples are too few for the data metric: the squared loss is the quadratic form \
                     of W = E^T E, E the {samples} x {big_m} matrix of the {big_m} monomials of one output at the \
                     samples, and W is positive definite only when E has full column rank, which needs at least \
                     {big_m} samples in general position (with fewer, the loss is constant along the kernel of E \
                     and its critical points are not isolated)"
                ),
            ));
        }
        check_allocation("the data metric", (samples * big_m + big_m * big_m + samples) as u128, 48)?;
        let r = IntervalRing;
        let mut e = Vec::with_capacity(samples * big_m);
        for j in 0..samples {
            let x = &points[j * d..(j + 1) * d];
            for alpha in &basis {
                let mut v = r.one();
                for (xi, &a) in x.iter().zip(alpha) {
                    let xi = CIv::point(C64::real(*xi));
                    for _ in 0..a {
                        v = v.mul(xi);
                    }
                }
                e.push(v);
            }
        }
        let e_mid: Vec<C64> = e.iter().map(|&z| mid(z)).collect();
        let rank_pivot = min_normalized_pivot(&e_mid, samples, big_m);
        // Written so that a NaN pivot is refused too.
        if rank_pivot.is_nan() || rank_pivot < SAMPLE_RANK_TOL {
            return Err(CoreError::invalid(
                "x",
                format!(
                    "the samples are not in general position for the data metric: the {samples} x {big_m} matrix \
                     E of the monomials at the samples has numerically dependent columns (smallest normalised \
                     pivot {rank_pivot:.2e}), so W = E^T E is not positive definite (the samples lie on a \
                     hypersurface spanned by the monomials); use more or more generic samples"
                ),
            ));
        }
        let mut gram = vec![r.zero(); big_m * big_m];
        for a in 0..big_m {
            for b in a..big_m {
                let mut s = r.zero();
                for j in 0..samples {
                    s = s.add(e[j * big_m + a].mul(e[j * big_m + b]));
                }
                gram[a * big_m + b] = s;
                gram[b * big_m + a] = s;
            }
        }
        let chol = cholesky(&gram.iter().map(|&z| mid(z).re).collect::<Vec<_>>(), big_m).ok_or_else(|| {
            CoreError::invalid(
                "x",
                "the Gram matrix W = E^T E of the monomials at the samples is not numerically positive definite; \
                 use more or more generic samples",
            )
        })?;
        let mut rhs = vec![r.zero(); big_m * outputs];
        for o in 0..outputs {
            // b_o = E^T Y_o, then p_o = L^{-1} b_o by forward substitution, all enclosed; the
            // reciprocal of a pivot is enclosed by the neighbours of its correctly rounded value.
            for a in 0..big_m {
                let mut s = r.zero();
                for j in 0..samples {
                    s = s.add(e[j * big_m + a].mul(CIv::point(C64::real(values[j * outputs + o]))));
                }
                for c in 0..a {
                    s = s.sub(CIv::point(C64::real(chol[a * big_m + c])).mul(rhs[o * big_m + c]));
                }
                let inv = CIv { re: Iv::around(1.0 / chol[a * big_m + a]), im: Iv::point(0.0) };
                rhs[o * big_m + a] = s.mul(inv);
            }
        }
        let rhs_mid = rhs.iter().map(|&z| mid(z)).collect();
        Ok(SampleMetric {
            monomials: big_m,
            outputs,
            samples,
            e,
            y: values.to_vec(),
            gram,
            chol,
            rhs,
            rhs_mid,
            rank_pivot,
        })
    }

    /// The Cholesky factor entry `L_ab` (zero above the diagonal).
    pub fn chol(&self, a: usize, b: usize) -> f64 {
        self.chol[a * self.monomials + b]
    }

    /// `E^T E` entry `(a, b)`, an enclosure.
    pub fn gram(&self, a: usize, b: usize) -> CIv {
        self.gram[a * self.monomials + b]
    }

    /// The enclosures of the whitened data `p* = L^{-1} E^T Y`.
    pub fn rhs(&self) -> &[CIv] {
        &self.rhs
    }

    /// The parameter value of the user's data: the midpoint of `b`.
    pub fn rhs_mid(&self) -> &[C64] {
        &self.rhs_mid
    }

    /// The squared loss `sum_{j, o} (sum_a E_ja c_{o, a} - y_jo)^2` of the coefficient vector `c`
    /// (complex for a complex `c`: no conjugation, the analytic continuation), in double precision.
    pub fn loss(&self, c: &[C64]) -> C64 {
        let big_m = self.monomials;
        let mut s = C64::ZERO;
        for j in 0..self.samples {
            for o in 0..self.outputs {
                let mut v = C64::real(-self.y[j * self.outputs + o]);
                for a in 0..big_m {
                    v += mid(self.e[j * big_m + a]) * c[o * big_m + a];
                }
                s += v * v;
            }
        }
        s
    }
}

/// The metric of a critical system.
#[derive(Debug, Clone, PartialEq)]
pub enum SystemMetric {
    /// Positive weights per coefficient; the homotopy parameter is the target `u`, the term
    /// `w * (phi - u)`.
    Diagonal(Vec<f64>),
    /// The data metric; the homotopy parameter is the whitened data `p`, the term `W phi - L p`.
    Samples(SampleMetric),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer};

    fn cubic() -> Network {
        Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 1, bias: false }),
            Layer::Activation(Activation::monomial(1, 3).unwrap()),
            Layer::Dense(Dense { input_dim: 1, output_dim: 1, bias: false }),
        ])
        .unwrap()
    }

    /// Binary cubics: monomials x^3, x^2 y, x y^2, y^3. At (1, 0), (0, 1), (1, 1), (1, -1) the
    /// evaluation matrix is [[1,0,0,0],[0,0,0,1],[1,1,1,1],[1,-1,1,-1]] (by hand), so
    /// `E^T E` has diagonal (3, 2, 2, 3) and `b = E^T y`.
    #[test]
    fn gram_and_rhs_by_hand() {
        let net = cubic();
        let sm = SampleMetric::new(&net, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, -1.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        // The enclosures contain the exact values (outward rounding widens even exact products).
        let has = |z: CIv, v: f64| z.re.lo <= v && v <= z.re.hi && z.re.hi - z.re.lo < 1e-14;
        for (a, v) in [3.0, 2.0, 2.0, 3.0].into_iter().enumerate() {
            assert!(has(sm.gram(a, a), v), "{:?}", sm.gram(a, a));
        }
        assert!(has(sm.gram(0, 1), 0.0) && has(sm.gram(0, 2), 2.0) && has(sm.gram(2, 0), 2.0));
        // Columns of E dotted with y = (1, 2, 3, 4) are b = (8, -1, 7, 1); the whitened data
        // satisfy L p = b and L L^T = E^T E.
        let p: Vec<f64> = sm.rhs_mid().iter().map(|z| z.re).collect();
        for (a, want) in [8.0, -1.0, 7.0, 1.0].into_iter().enumerate() {
            let lp: f64 = (0..4).map(|c| sm.chol(a, c) * p[c]).sum();
            assert!((lp - want).abs() < 1e-12, "{lp} {want}");
            for c in 0..4 {
                let llt: f64 = (0..4).map(|k| sm.chol(a, k) * sm.chol(c, k)).sum();
                assert!((llt - mid(sm.gram(a, c)).re).abs() < 1e-12);
            }
        }
        // Loss of c = 0 is ||y||^2.
        assert!((sm.loss(&[C64::ZERO; 4]).re - 30.0).abs() < 1e-12);
    }

    #[test]
    fn refuses_degenerate_samples() {
        let net = cubic();
        let few = SampleMetric::new(&net, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).unwrap_err();
        assert!(few.to_string().contains("at least 4 samples"), "{few}");
        // Four samples on the line y = x: every cubic x^3 - x^2 y vanishes on them.
        let line = SampleMetric::new(&net, &[1.0, 1.0, 2.0, 2.0, 3.0, 3.0, -1.0, -1.0], &[1.0; 4]).unwrap_err();
        assert!(line.to_string().contains("general position"), "{line}");
        assert!(SampleMetric::new(&net, &[1.0, 0.0, 0.0], &[1.0]).is_err());
        assert!(SampleMetric::new(&net, &[1.0, f64::NAN], &[1.0]).is_err());
    }
}
