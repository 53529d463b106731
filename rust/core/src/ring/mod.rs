//! Scalar rings. The forward and backward passes of every layer are written once, generically
//! over [`Ring`], and reused for F_p (ranks), Q (exact values), f64 (optimisation), dual numbers
//! (directional derivatives) and truncated polynomials (coefficient maps).

pub mod complex;
pub mod dual;
pub mod float;
pub mod poly;
pub mod prime_field;
pub mod primes;
pub mod rational;

pub use complex::{ComplexRing, C64};
pub use dual::DualRing;
pub use float::F64Ring;
pub use poly::{Poly, PolyRing};
pub use prime_field::PrimeField;
pub use rational::RationalRing;

use crate::error::Result;
use num_rational::BigRational;
use std::fmt::Debug;

/// A commutative ring with unit, given as a context object so that elements need not carry
/// their modulus (F_p) or their variable count (polynomials).
// The ring is a context object (it holds the modulus or the variable count), so its
// constructors of elements take `&self`; hence `from_*` methods with a receiver.
#[allow(clippy::wrong_self_convention)]
pub trait Ring: Sync + Send {
    /// Element type. Cheap-to-copy for the numeric rings; owned vectors for polynomials.
    type Elem: Clone + Send + Sync + PartialEq + Debug;

    /// Additive identity.
    fn zero(&self) -> Self::Elem;
    /// Multiplicative identity.
    fn one(&self) -> Self::Elem;
    /// Image of an integer.
    fn from_i64(&self, v: i64) -> Self::Elem;
    /// Image of a rational; fails with `DivisionByZero` when the denominator is not invertible.
    fn from_rational(&self, r: &BigRational) -> Result<Self::Elem>;
    /// `a + b`.
    fn add(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem;
    /// `a - b`.
    fn sub(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem;
    /// `a * b`.
    fn mul(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem;
    /// `-a`.
    fn neg(&self, a: &Self::Elem) -> Self::Elem {
        self.sub(&self.zero(), a)
    }
    /// True for the additive identity.
    fn is_zero(&self, a: &Self::Elem) -> bool {
        *a == self.zero()
    }
    /// `acc += a * b`; rings with cheap fused forms override it.
    fn mul_add_assign(&self, acc: &mut Self::Elem, a: &Self::Elem, b: &Self::Elem) {
        *acc = self.add(acc, &self.mul(a, b));
    }
    /// `sum_i a_i b_i`; F_p overrides it with delayed reduction.
    fn dot(&self, a: &[Self::Elem], b: &[Self::Elem]) -> Self::Elem {
        debug_assert_eq!(a.len(), b.len());
        let mut acc = self.zero();
        for (x, y) in a.iter().zip(b) {
            self.mul_add_assign(&mut acc, x, y);
        }
        acc
    }
    /// `sum_i a_i b_{i * stride}`: a dot product with a strided second operand (matrix columns).
    fn dot_strided(&self, a: &[Self::Elem], b: &[Self::Elem], stride: usize) -> Self::Elem {
        let mut acc = self.zero();
        for (i, x) in a.iter().enumerate() {
            self.mul_add_assign(&mut acc, x, &b[i * stride]);
        }
        acc
    }
}

/// A ring in which every nonzero element is invertible.
pub trait Field: Ring {
    /// `1 / a`; `DivisionByZero` for `a == 0`.
    fn inv(&self, a: &Self::Elem) -> Result<Self::Elem>;
}

/// Evaluates `sum_k coeffs[k] t^k` by Horner's rule.
pub fn horner<R: Ring>(ring: &R, coeffs: &[R::Elem], t: &R::Elem) -> R::Elem {
    let mut acc = match coeffs.last() {
        Some(c) => c.clone(),
        None => return ring.zero(),
    };
    for c in coeffs.iter().rev().skip(1) {
        acc = ring.add(&ring.mul(&acc, t), c);
    }
    acc
}
