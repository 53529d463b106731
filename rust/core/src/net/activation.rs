//! Elementwise polynomial activation `s(t) = sum_k c_k t^k` with rational coefficients.

use crate::error::{CoreError, Result};
use crate::ring::{horner, Ring};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};

/// A polynomial activation applied to each of `dim` coordinates.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Activation {
    pub dim: usize,
    /// `c_0, ..., c_r`, low to high, trailing zeros removed.
    pub coeffs: Vec<BigRational>,
}

/// The activation's coefficients and those of its derivative, mapped into a ring once.
#[derive(Debug, Clone)]
pub struct BoundActivation<E> {
    pub coeffs: Vec<E>,
    pub deriv: Vec<E>,
}

impl Activation {
    /// Validates the coefficients: at least one nonzero coefficient of degree `>= 1`
    /// (a constant activation would make the network constant).
    pub fn new(dim: usize, coeffs: Vec<BigRational>) -> Result<Self> {
        let mut coeffs = coeffs;
        while coeffs.last().is_some_and(|c| c.is_zero()) {
            coeffs.pop();
        }
        if coeffs.len() < 2 {
            return Err(CoreError::invalid(
                "activation",
                "needs a nonzero coefficient of degree >= 1 (coefficients are c_0..c_r, low to high)",
            ));
        }
        Ok(Activation { dim, coeffs })
    }

    /// `t^r`.
    pub fn monomial(dim: usize, degree: u32) -> Result<Self> {
        if degree == 0 {
            return Err(CoreError::invalid("degree", "must be >= 1, got 0"));
        }
        let mut c = vec![BigRational::zero(); degree as usize + 1];
        c[degree as usize] = BigRational::one();
        Self::new(dim, c)
    }

    /// Degree `r` of the activation polynomial.
    pub fn degree(&self) -> u32 {
        (self.coeffs.len() - 1) as u32
    }

    /// Exponents `k` with `c_k != 0`.
    pub fn support(&self) -> Vec<u32> {
        (0..self.coeffs.len()).filter(|&k| !self.coeffs[k].is_zero()).map(|k| k as u32).collect()
    }

    /// `Some(r)` when the activation is exactly `c t^r` for a single exponent `r`.
    pub fn monomial_degree(&self) -> Option<u32> {
        match self.support()[..] {
            [r] => Some(r),
            _ => None,
        }
    }

    /// Maps `s` and `s'` into `ring`.
    pub fn bind<R: Ring>(&self, ring: &R) -> Result<BoundActivation<R::Elem>> {
        let coeffs = self.coeffs.iter().map(|c| ring.from_rational(c)).collect::<Result<Vec<_>>>()?;
        let deriv = self
            .coeffs
            .iter()
            .enumerate()
            .skip(1)
            .map(|(k, c)| ring.from_rational(&(c * BigRational::from_integer(BigInt::from(k)))))
            .collect::<Result<Vec<_>>>()?;
        Ok(BoundActivation { coeffs, deriv })
    }

    /// `out_i = s(x_i)`.
    pub fn forward<R: Ring>(&self, ring: &R, b: &BoundActivation<R::Elem>, x: &[R::Elem], out: &mut Vec<R::Elem>) {
        out.clear();
        out.extend(x.iter().map(|t| horner(ring, &b.coeffs, t)));
    }

    /// `dL/dx_i = g_i s'(x_i)`.
    pub fn backward<R: Ring>(
        &self,
        ring: &R,
        b: &BoundActivation<R::Elem>,
        x: &[R::Elem],
        g: &[R::Elem],
        grad_in: &mut Vec<R::Elem>,
    ) {
        grad_in.clear();
        grad_in.extend(x.iter().zip(g).map(|(t, gi)| {
            if ring.is_zero(gi) {
                ring.zero()
            } else {
                ring.mul(gi, &horner(ring, &b.deriv, t))
            }
        }));
    }
}
