//! Dual numbers `a + b e` with `e^2 = 0` over any ring: forward-mode directional derivatives
//! through the same layer code (used to cross-check the reverse-mode Jacobians).

use super::Ring;
use crate::error::Result;
use num_rational::BigRational;

/// The ring `R[e]/(e^2)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DualRing<R>(pub R);

impl<R: Ring> Ring for DualRing<R> {
    /// `(value, derivative)`.
    type Elem = (R::Elem, R::Elem);
    fn zero(&self) -> Self::Elem {
        (self.0.zero(), self.0.zero())
    }
    fn one(&self) -> Self::Elem {
        (self.0.one(), self.0.zero())
    }
    fn from_i64(&self, v: i64) -> Self::Elem {
        (self.0.from_i64(v), self.0.zero())
    }
    fn from_rational(&self, r: &BigRational) -> Result<Self::Elem> {
        Ok((self.0.from_rational(r)?, self.0.zero()))
    }
    fn add(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem {
        (self.0.add(&a.0, &b.0), self.0.add(&a.1, &b.1))
    }
    fn sub(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem {
        (self.0.sub(&a.0, &b.0), self.0.sub(&a.1, &b.1))
    }
    fn mul(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem {
        let value = self.0.mul(&a.0, &b.0);
        let mut deriv = self.0.mul(&a.0, &b.1);
        self.0.mul_add_assign(&mut deriv, &a.1, &b.0);
        (value, deriv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::{horner, PrimeField};

    #[test]
    fn derivative_of_polynomial() {
        let f = PrimeField::new(101).unwrap();
        let d = DualRing(f);
        // s(t) = 1 + 2t + 3t^2, s'(t) = 2 + 6t; at t = 5: s = 86, s' = 32.
        let coeffs: Vec<_> = [1, 2, 3].iter().map(|&c| d.from_i64(c)).collect();
        let v = horner(&d, &coeffs, &(5, 1));
        assert_eq!(v, (86, 32));
    }
}
