//! f64 as a ring: the closest-point search and float Jacobians run the same layer code.

use super::{Field, Ring};
use crate::error::{CoreError, Result};
use num_rational::BigRational;
use num_traits::ToPrimitive;

/// IEEE double precision with ordinary (rounded) arithmetic.
#[derive(Debug, Clone, Copy, Default)]
pub struct F64Ring;

impl Ring for F64Ring {
    type Elem = f64;
    fn zero(&self) -> f64 {
        0.0
    }
    fn one(&self) -> f64 {
        1.0
    }
    fn from_i64(&self, v: i64) -> f64 {
        v as f64
    }
    fn from_rational(&self, r: &BigRational) -> Result<f64> {
        r.to_f64().ok_or_else(|| CoreError::Overflow(format!("{r} is not representable as f64")))
    }
    #[inline(always)]
    fn add(&self, a: &f64, b: &f64) -> f64 {
        a + b
    }
    #[inline(always)]
    fn sub(&self, a: &f64, b: &f64) -> f64 {
        a - b
    }
    #[inline(always)]
    fn mul(&self, a: &f64, b: &f64) -> f64 {
        a * b
    }
    #[inline(always)]
    fn neg(&self, a: &f64) -> f64 {
        -a
    }
    #[inline(always)]
    fn is_zero(&self, a: &f64) -> bool {
        *a == 0.0
    }
    #[inline(always)]
    fn mul_add_assign(&self, acc: &mut f64, a: &f64, b: &f64) {
        *acc += a * b;
    }
    fn dot(&self, a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }
}

impl Field for F64Ring {
    fn inv(&self, a: &f64) -> Result<f64> {
        if *a == 0.0 {
            Err(CoreError::DivisionByZero("inverse of 0.0".into()))
        } else {
            Ok(1.0 / a)
        }
    }
}
