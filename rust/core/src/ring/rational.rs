//! The rationals Q with arbitrary-precision numerators and denominators (num-rational, MIT/Apache).

use super::{Field, Ring};
use crate::error::{CoreError, Result};
use num_rational::BigRational;
use num_traits::{One, Zero};

/// Exact rational arithmetic.
#[derive(Debug, Clone, Copy, Default)]
pub struct RationalRing;

impl Ring for RationalRing {
    type Elem = BigRational;
    fn zero(&self) -> BigRational {
        BigRational::zero()
    }
    fn one(&self) -> BigRational {
        BigRational::one()
    }
    fn from_i64(&self, v: i64) -> BigRational {
        BigRational::from_integer(v.into())
    }
    fn from_rational(&self, r: &BigRational) -> Result<BigRational> {
        Ok(r.clone())
    }
    fn add(&self, a: &BigRational, b: &BigRational) -> BigRational {
        a + b
    }
    fn sub(&self, a: &BigRational, b: &BigRational) -> BigRational {
        a - b
    }
    fn mul(&self, a: &BigRational, b: &BigRational) -> BigRational {
        a * b
    }
    fn neg(&self, a: &BigRational) -> BigRational {
        -a
    }
    fn is_zero(&self, a: &BigRational) -> bool {
        a.is_zero()
    }
    fn mul_add_assign(&self, acc: &mut BigRational, a: &BigRational, b: &BigRational) {
        if !a.is_zero() && !b.is_zero() {
            *acc += a * b;
        }
    }
}

impl Field for RationalRing {
    fn inv(&self, a: &BigRational) -> Result<BigRational> {
        if a.is_zero() {
            Err(CoreError::DivisionByZero("inverse of 0 in Q".into()))
        } else {
            Ok(a.recip())
        }
    }
}
