//! Why a convolutional network's Jacobian drops rank at a point: zero filters (a smaller
//! network), filters sharing a root after the stride substitution `w_l(t^{S_{l-1}})` (the
//! product filter then has a repeated factor, Kohn-Merkh-Montufar-Trager), and for 1-D linear
//! stride-one CNNs whether the end-to-end filter is on the boundary of the real function space
//! ([`crate::cnn`]). Exact points decide by gcds and Sturm sequences over Q; float points by
//! roots found in `f64` ([`crate::roots`]) and clustered at a tolerance.

use super::scalar::EvidenceScalar;
use crate::cnn::{shared_roots, stride_one_realizability};
use crate::coefficients::coefficients;
use crate::error::Result;
use crate::net::{Layer, Network};
use crate::ring::{F64Ring, RationalRing, C64};
use crate::roots::complex_roots;
use num_rational::BigRational;
use num_traits::Zero;

/// Finite real roots as `(multiplicity, number of distinct roots)`.
pub type RealRoots = Vec<(usize, usize)>;

/// The CNN rules that differ between exact and float points.
pub trait CnnScalar: EvidenceScalar {
    /// `phi(theta)`, the end-to-end filter of a linear CNN.
    fn function(net: &Network, theta: &[Self]) -> Result<Vec<Self>>;
    /// `(l, m, number of shared roots)` for the substituted filters.
    fn shared_roots(filters: &[Vec<Self>], strides: &[usize], atol: f64) -> Vec<(usize, usize, usize)>;
    /// Whether `u` is on the boundary of the realisable set, and the finite real roots as
    /// `(multiplicity, count)` (exact points only).
    fn boundary(ks: &[usize], u: &[Self], atol: f64) -> Result<(bool, Option<RealRoots>)>;
}

impl CnnScalar for BigRational {
    fn function(net: &Network, theta: &[Self]) -> Result<Vec<Self>> {
        coefficients(net, RationalRing, theta)
    }
    fn shared_roots(filters: &[Vec<Self>], strides: &[usize], _atol: f64) -> Vec<(usize, usize, usize)> {
        shared_roots(filters, strides).into_iter().map(|(a, b, g)| (a, b, g.degree().unwrap_or(0))).collect()
    }
    fn boundary(ks: &[usize], u: &[Self], _atol: f64) -> Result<(bool, Option<RealRoots>)> {
        let r = stride_one_realizability(ks, u)?;
        Ok((r.boundary, Some(r.real_roots)))
    }
}

fn substituted_roots(w: &[f64], s: usize, atol: f64) -> Vec<C64> {
    let mut c = vec![0.0; (w.len().saturating_sub(1)) * s + 1];
    for (i, &x) in w.iter().enumerate() {
        c[i * s] = x;
    }
    match c.iter().rposition(|x| x.abs() > atol) {
        Some(top) => complex_roots(&c[..=top]),
        None => vec![],
    }
}

impl CnnScalar for f64 {
    fn function(net: &Network, theta: &[Self]) -> Result<Vec<Self>> {
        coefficients(net, F64Ring, theta)
    }
    /// A root of `w_l` counts as shared when a root of `w_m` lies within `sqrt(atol)` (a
    /// perturbation `eps` moves a double root by about `sqrt(eps)`).
    fn shared_roots(filters: &[Vec<Self>], strides: &[usize], atol: f64) -> Vec<(usize, usize, usize)> {
        let roots: Vec<Vec<C64>> = filters.iter().zip(strides).map(|(w, &s)| substituted_roots(w, s, atol)).collect();
        let tol = atol.sqrt();
        let mut out = Vec::new();
        for a in 0..roots.len() {
            for b in a + 1..roots.len() {
                let shared = roots[a].iter().filter(|&&z| roots[b].iter().any(|&y| (y - z).abs() <= tol)).count();
                if shared > 0 {
                    out.push((a, b, shared));
                }
            }
        }
        out
    }
    /// The exact test of [`crate::cnn`] on the roots of `u` in `f64`: roots closer than
    /// `max(sqrt(atol), atol^(1/d))` (relative) form one multiple root, since a root of
    /// multiplicity `m` perturbed by `eps` spreads by about `eps^(1/m)`; coefficients of `u`
    /// below `atol max(1, |u|)` are a degree drop (roots at infinity).
    fn boundary(ks: &[usize], u: &[Self], atol: f64) -> Result<(bool, Option<RealRoots>)> {
        let d = u.len().saturating_sub(1);
        let top = u.iter().fold(1.0f64, |m, x| m.max(x.abs()));
        let Some(deg) = u.iter().rposition(|x| x.abs() > atol * top) else { return Ok((true, None)) };
        let mut z = if deg > 0 { complex_roots(&u[..=deg]) } else { vec![] };
        z.sort_by(|a, b| a.re.total_cmp(&b.re).then(a.im.total_cmp(&b.im)));
        let tol = atol.sqrt().max(atol.powf(1.0 / d.max(1) as f64));
        let mut clusters: Vec<(C64, usize)> = Vec::new(); // (sum of members, count)
        for r in z {
            let scale = r.abs().max(1.0);
            match clusters.iter_mut().find(|(sum, n)| (r - *sum / C64::new(*n as f64, 0.0)).abs() <= tol * scale) {
                Some((sum, n)) => {
                    *sum += r;
                    *n += 1;
                }
                None => clusters.push((r, 1)),
            }
        }
        let (mut complex, mut splittable) = (0usize, (d - deg) / 2);
        for (sum, n) in &clusters {
            let center = *sum / C64::new(*n as f64, 0.0);
            if center.im.abs() <= tol * center.abs().max(1.0) {
                splittable += n / 2;
            } else {
                complex += n;
            }
        }
        let q = complex / 2;
        let capacity: usize = ks.iter().map(|k| (k - 1) / 2).sum();
        Ok((q <= capacity && q + splittable > capacity, None))
    }
}

/// The evidence of one CNN point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CnnEvidence {
    /// Kernel sizes of the convolutions.
    pub filters: Vec<(usize, usize)>,
    pub zero_filters: Vec<usize>,
    /// 1-D single-channel CNNs only.
    pub shared_roots: Option<Vec<(usize, usize, usize)>>,
    /// 1-D linear stride-one CNNs with nonzero filters and one output: on the boundary.
    pub function_boundary: Option<bool>,
    pub real_roots: Option<RealRoots>,
}

impl CnnEvidence {
    pub fn subnetwork(&self) -> bool {
        !self.zero_filters.is_empty()
    }
    pub fn boundary(&self) -> bool {
        self.function_boundary == Some(true)
    }
}

/// Whether every layer of `net` is a convolution or an activation.
pub fn is_cnn(net: &Network) -> bool {
    net.layers().iter().all(|l| matches!(l, Layer::Conv(_) | Layer::Activation(_)))
}

/// The evidence of `theta` for a CNN (floats compare at `atol`).
pub fn cnn_evidence<S: CnnScalar>(net: &Network, theta: &[S], atol: f64) -> Result<CnnEvidence> {
    let mut convs = Vec::new();
    let mut filters: Vec<Vec<S>> = Vec::new();
    for (i, layer) in net.layers().iter().enumerate() {
        if let Layer::Conv(c) = layer {
            let n = c.out_channels * c.in_channels * c.kernel.0 * c.kernel.1;
            filters.push(net.layer_params(theta, i)[..n].to_vec());
            convs.push(c);
        }
    }
    let zero_filters: Vec<usize> =
        (0..filters.len()).filter(|&i| filters[i].iter().all(|v| v.is_negligible(atol))).collect();
    let mut ev = CnnEvidence {
        filters: convs.iter().map(|c| c.kernel).collect(),
        zero_filters,
        shared_roots: None,
        function_boundary: None,
        real_roots: None,
    };
    let one_d =
        convs.iter().all(|c| c.in_channels == 1 && c.out_channels == 1 && c.kernel.0 == 1 && c.input_size.0 == 1);
    if !one_d {
        return Ok(ev);
    }
    let mut strides = Vec::with_capacity(convs.len());
    let mut s_cum = 1usize;
    for c in &convs {
        strides.push(s_cum);
        s_cum = s_cum.saturating_mul(c.stride.1);
    }
    ev.shared_roots = Some(S::shared_roots(&filters, &strides, atol));
    let linear = net.layers().iter().all(|l| match l {
        Layer::Activation(a) => a.degree() == 1 && a.coeffs[0].is_zero(),
        _ => true,
    });
    let one_output = convs.last().is_some_and(|c| c.output_size() == (1, 1));
    if linear && convs.iter().all(|c| c.stride == (1, 1)) && ev.zero_filters.is_empty() && one_output {
        let ks: Vec<usize> = convs.iter().map(|c| c.kernel.1).collect();
        let u = S::function(net, theta)?;
        let (boundary, real_roots) = S::boundary(&ks, &u, atol)?;
        ev.function_boundary = Some(boundary);
        ev.real_roots = real_roots;
    }
    Ok(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Conv};

    fn conv1d(kernels: &[usize], strides: &[usize]) -> Network {
        // Input size so that the last layer has one output.
        let mut size = 1usize;
        for (k, s) in kernels.iter().zip(strides).rev() {
            size = (size - 1) * s + k;
        }
        let mut layers = Vec::new();
        for (i, (&k, &s)) in kernels.iter().zip(strides).enumerate() {
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(size, 1).unwrap()));
            }
            let c = Conv::new(1, 1, (1, k), (1, s), (1, size), false).unwrap();
            size = c.output_size().1;
            layers.push(Layer::Conv(c));
        }
        Network::new(layers).unwrap()
    }

    fn ints(v: &[i64]) -> Vec<BigRational> {
        v.iter().map(|&x| BigRational::from_integer(x.into())).collect()
    }

    #[test]
    fn shared_roots_exact_and_float() {
        // 1 + 3t + 2t^2 = (1 + t)(1 + 2t) and 1 + t share the root -1.
        let net = conv1d(&[3, 2], &[1, 1]);
        let ev = cnn_evidence(&net, &ints(&[1, 3, 2, 1, 1]), 0.0).unwrap();
        assert_eq!(ev.shared_roots, Some(vec![(0, 1, 1)]));
        let ev = cnn_evidence(&net, &[1.0, 3.0, 2.0, 1.0, 1.0 + 1e-12], 1e-9).unwrap();
        assert_eq!(ev.shared_roots, Some(vec![(0, 1, 1)]));
        let ev = cnn_evidence(&net, &[1.0, 3.0, 2.0, 1.0, 1.5], 1e-9).unwrap();
        assert_eq!(ev.shared_roots, Some(vec![]));
    }

    #[test]
    fn boundary_of_the_realisable_filters() {
        // Three filters of size 2: u = w1 w2 w3 is a real cubic and no layer can hold a
        // quadratic factor (capacity 0). u = (1 + t)^2 (1 + 2t) has a double real root, which
        // a perturbation splits into a complex pair: a boundary point (q + splits = 1 > 0).
        let net = conv1d(&[2, 2, 2], &[1, 1, 1]);
        let ev = cnn_evidence(&net, &ints(&[1, 1, 1, 1, 1, 2]), 0.0).unwrap();
        assert_eq!(ev.function_boundary, Some(true));
        let f = cnn_evidence(&net, &[1.0, 1.0, 1.0, 1.0, 1.0, 2.0], 1e-9).unwrap();
        assert_eq!(f.function_boundary, Some(true));
        // Distinct real roots -1, -1/2, -1/3: interior.
        let ev = cnn_evidence(&net, &ints(&[1, 1, 1, 2, 1, 3]), 0.0).unwrap();
        assert_eq!(ev.function_boundary, Some(false));
        let f = cnn_evidence(&net, &[1.0, 1.0, 1.0, 2.0, 1.0, 3.0], 1e-9).unwrap();
        assert_eq!(f.function_boundary, Some(false));
        let ev = cnn_evidence(&net, &ints(&[0, 0, 1, 1, 1, 3]), 0.0).unwrap();
        assert_eq!((ev.zero_filters.clone(), ev.function_boundary), (vec![0], None));
    }
}
