//! Complex double precision as a ring: the homotopy engine evaluates `phi`, its Jacobian
//! (`CoefficientMap<ComplexRing>`) and Hessian-vector products (`CoefficientMap<DualRing<ComplexRing>>`)
//! through the same generic layer code as every other ring, without a second copy of any layer.

use super::{Field, Ring};
use crate::error::{CoreError, Result};
use num_rational::BigRational;
use num_traits::ToPrimitive;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

/// A complex number `re + i im` in IEEE double precision.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct C64 {
    pub re: f64,
    pub im: f64,
}

impl C64 {
    /// `re + i im`.
    pub const fn new(re: f64, im: f64) -> Self {
        C64 { re, im }
    }
    /// Zero.
    pub const ZERO: C64 = C64::new(0.0, 0.0);
    /// One.
    pub const ONE: C64 = C64::new(1.0, 0.0);
    /// A real number.
    pub const fn real(re: f64) -> Self {
        C64 { re, im: 0.0 }
    }
    /// Complex conjugate.
    pub fn conj(self) -> Self {
        C64::new(self.re, -self.im)
    }
    /// `|z|^2`.
    pub fn norm_sqr(self) -> f64 {
        self.re * self.re + self.im * self.im
    }
    /// `|z|`, computed without overflow of the square.
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
    /// `z * s` for a real `s`.
    pub fn scale(self, s: f64) -> Self {
        C64::new(self.re * s, self.im * s)
    }
    /// True when both parts are finite.
    pub fn is_finite(self) -> bool {
        self.re.is_finite() && self.im.is_finite()
    }
    /// `1 / z` (Smith's algorithm, avoiding overflow in `|z|^2`); infinite for `z = 0`.
    pub fn recip(self) -> Self {
        let (a, b) = (self.re, self.im);
        if a.abs() >= b.abs() {
            let r = b / a;
            let d = a + b * r;
            C64::new(1.0 / d, -r / d)
        } else {
            let r = a / b;
            let d = a * r + b;
            C64::new(r / d, -1.0 / d)
        }
    }
}

impl Add for C64 {
    type Output = C64;
    #[inline(always)]
    fn add(self, o: C64) -> C64 {
        C64::new(self.re + o.re, self.im + o.im)
    }
}
impl Sub for C64 {
    type Output = C64;
    #[inline(always)]
    fn sub(self, o: C64) -> C64 {
        C64::new(self.re - o.re, self.im - o.im)
    }
}
impl Mul for C64 {
    type Output = C64;
    #[inline(always)]
    fn mul(self, o: C64) -> C64 {
        C64::new(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)
    }
}
impl Div for C64 {
    type Output = C64;
    #[allow(clippy::suspicious_arithmetic_impl)] // a / b = a * (1 / b) by Smith's reciprocal
    fn div(self, o: C64) -> C64 {
        self * o.recip()
    }
}
impl Neg for C64 {
    type Output = C64;
    #[inline(always)]
    fn neg(self) -> C64 {
        C64::new(-self.re, -self.im)
    }
}
impl AddAssign for C64 {
    #[inline(always)]
    fn add_assign(&mut self, o: C64) {
        self.re += o.re;
        self.im += o.im;
    }
}
impl SubAssign for C64 {
    #[inline(always)]
    fn sub_assign(&mut self, o: C64) {
        self.re -= o.re;
        self.im -= o.im;
    }
}

/// The field C in double precision (rounded arithmetic, like [`super::F64Ring`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct ComplexRing;

impl Ring for ComplexRing {
    type Elem = C64;
    fn zero(&self) -> C64 {
        C64::ZERO
    }
    fn one(&self) -> C64 {
        C64::ONE
    }
    fn from_i64(&self, v: i64) -> C64 {
        C64::real(v as f64)
    }
    fn from_rational(&self, r: &BigRational) -> Result<C64> {
        r.to_f64().map(C64::real).ok_or_else(|| CoreError::Overflow(format!("{r} is not representable as f64")))
    }
    #[inline(always)]
    fn add(&self, a: &C64, b: &C64) -> C64 {
        *a + *b
    }
    #[inline(always)]
    fn sub(&self, a: &C64, b: &C64) -> C64 {
        *a - *b
    }
    #[inline(always)]
    fn mul(&self, a: &C64, b: &C64) -> C64 {
        *a * *b
    }
    #[inline(always)]
    fn neg(&self, a: &C64) -> C64 {
        -*a
    }
    #[inline(always)]
    fn is_zero(&self, a: &C64) -> bool {
        a.re == 0.0 && a.im == 0.0
    }
    #[inline(always)]
    fn mul_add_assign(&self, acc: &mut C64, a: &C64, b: &C64) {
        *acc += *a * *b;
    }
}

impl Field for ComplexRing {
    fn inv(&self, a: &C64) -> Result<C64> {
        if self.is_zero(a) {
            Err(CoreError::DivisionByZero("inverse of 0 in C".into()))
        } else {
            Ok(a.recip())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closest::model::{CoefficientMap, ModelMap};
    use crate::net::{Activation, Dense, Layer, Network};
    use crate::ring::{horner, DualRing, F64Ring};

    fn net_211_cubic() -> Network {
        Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 1, bias: false }),
            Layer::Activation(Activation::monomial(1, 3).unwrap()),
            Layer::Dense(Dense { input_dim: 1, output_dim: 1, bias: false }),
        ])
        .unwrap()
    }

    #[test]
    fn field_identities() {
        let z = C64::new(3.0, -4.0);
        assert_eq!(z.abs(), 5.0);
        let w = z * z.recip();
        assert!((w - C64::ONE).abs() < 1e-15);
        // (1 + i)^2 = 2i.
        assert_eq!(C64::new(1.0, 1.0) * C64::new(1.0, 1.0), C64::new(0.0, 2.0));
        assert!(ComplexRing.inv(&C64::ZERO).is_err());
    }

    #[test]
    fn phi_over_c_is_the_hand_expansion() {
        // f = c (a x0 + b x1)^3, coefficients of x0^3, x0^2 x1, x0 x1^2, x1^3:
        // c a^3, 3 c a^2 b, 3 c a b^2, c b^3 (hand expansion).
        let net = net_211_cubic();
        let (a, b, c) = (C64::new(1.0, 2.0), C64::new(-0.5, 0.25), C64::new(0.0, 1.0));
        let map = CoefficientMap::new(&net, ComplexRing).unwrap();
        let mut phi = vec![C64::ZERO; 4];
        map.values(&[a, b, c], &mut phi).unwrap();
        let three = C64::real(3.0);
        let want = [c * a * a * a, three * c * a * a * b, three * c * a * b * b, c * b * b * b];
        for (p, w) in phi.iter().zip(want) {
            assert!((*p - w).abs() < 1e-13, "{p:?} vs {w:?}");
        }
    }

    #[test]
    fn complex_jacobian_agrees_with_real_on_real_points_and_with_difference_quotients() {
        let net = net_211_cubic();
        let theta = [0.7, -1.3, 0.4];
        let real = CoefficientMap::new(&net, F64Ring).unwrap();
        let cplx = CoefficientMap::new(&net, ComplexRing).unwrap();
        let (mut vr, mut jr) = (vec![0.0; 4], vec![0.0; 12]);
        real.values_jacobian(&theta, &mut vr, &mut jr).unwrap();
        let theta_c: Vec<C64> = theta.iter().map(|&t| C64::real(t)).collect();
        let (mut vc, mut jc) = (vec![C64::ZERO; 4], vec![C64::ZERO; 12]);
        cplx.values_jacobian(&theta_c, &mut vc, &mut jc).unwrap();
        for (r, c) in jr.iter().zip(&jc) {
            assert!((c.re - r).abs() < 1e-14 && c.im == 0.0);
        }
        // Complex step: Im phi(theta + i h e_j) / h = d phi / d theta_j + O(h^2).
        let h = 1e-20;
        for j in 0..3 {
            let mut t = theta_c.clone();
            t[j].im = h;
            let mut v = vec![C64::ZERO; 4];
            cplx.values(&t, &mut v).unwrap();
            for i in 0..4 {
                assert!((v[i].im / h - jr[i * 3 + j]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn duals_over_c_give_hessian_vector_products() {
        // s(t) = t^3 at z: s' = 3 z^2 through DualRing<ComplexRing>.
        let d = DualRing(ComplexRing);
        let z = C64::new(0.5, -2.0);
        let coeffs = vec![d.zero(), d.zero(), d.zero(), d.one()];
        let (v, dv) = horner(&d, &coeffs, &(z, C64::ONE));
        assert!((v - z * z * z).abs() < 1e-14);
        assert!((dv - C64::real(3.0) * z * z).abs() < 1e-14);
        // Jacobian over duals: d/de J(theta + e v) = Hessian . v; check against a difference quotient.
        let net = net_211_cubic();
        let map = CoefficientMap::new(&net, d).unwrap();
        let theta = [C64::new(0.3, 0.1), C64::new(-0.2, 0.4), C64::new(1.1, -0.3)];
        let dir = [C64::new(0.5, 0.0), C64::new(0.0, 1.0), C64::new(-1.0, 0.2)];
        let td: Vec<_> = theta.iter().zip(&dir).map(|(a, b)| (*a, *b)).collect();
        let (mut v, mut j) = (vec![d.zero(); 4], vec![d.zero(); 12]);
        map.values_jacobian(&td, &mut v, &mut j).unwrap();
        let plain = CoefficientMap::new(&net, ComplexRing).unwrap();
        let h = 1e-6;
        let shift = |s: f64| -> Vec<C64> {
            let t: Vec<C64> = theta.iter().zip(&dir).map(|(a, b)| *a + b.scale(s)).collect();
            let (mut vv, mut jj) = (vec![C64::ZERO; 4], vec![C64::ZERO; 12]);
            plain.values_jacobian(&t, &mut vv, &mut jj).unwrap();
            jj
        };
        let (jp, jm) = (shift(h), shift(-h));
        for k in 0..12 {
            let fd = (jp[k] - jm[k]).scale(0.5 / h);
            assert!((j[k].1 - fd).abs() < 1e-7, "{k}: {:?} vs {fd:?}", j[k].1);
        }
    }
}
