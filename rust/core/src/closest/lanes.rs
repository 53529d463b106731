//! `f64^L` with lane-wise arithmetic as a ring: running the generic forward and backward passes
//! over it evaluates a network at `L` sample points at once. Per-point passes over `f64` spend
//! most of their time allocating the small per-layer vectors; with lanes that cost is shared by
//! `L` points and the arithmetic vectorizes.

use crate::error::Result;
use crate::ring::{F64Ring, Ring};
use num_rational::BigRational;

/// Number of sample points per pass.
pub const LANES: usize = 8;

/// The ring `f64^LANES` (componentwise operations).
#[derive(Debug, Clone, Copy, Default)]
pub struct LaneRing;

/// An element: one value per lane.
pub type Lanes = [f64; LANES];

impl LaneRing {
    /// The constant `v` in every lane.
    #[inline(always)]
    pub fn splat(v: f64) -> Lanes {
        [v; LANES]
    }
}

impl Ring for LaneRing {
    type Elem = Lanes;

    fn zero(&self) -> Lanes {
        [0.0; LANES]
    }
    fn one(&self) -> Lanes {
        [1.0; LANES]
    }
    fn from_i64(&self, v: i64) -> Lanes {
        [v as f64; LANES]
    }
    fn from_rational(&self, r: &BigRational) -> Result<Lanes> {
        Ok([F64Ring.from_rational(r)?; LANES])
    }
    #[inline(always)]
    fn add(&self, a: &Lanes, b: &Lanes) -> Lanes {
        std::array::from_fn(|i| a[i] + b[i])
    }
    #[inline(always)]
    fn sub(&self, a: &Lanes, b: &Lanes) -> Lanes {
        std::array::from_fn(|i| a[i] - b[i])
    }
    #[inline(always)]
    fn mul(&self, a: &Lanes, b: &Lanes) -> Lanes {
        std::array::from_fn(|i| a[i] * b[i])
    }
    #[inline(always)]
    fn neg(&self, a: &Lanes) -> Lanes {
        std::array::from_fn(|i| -a[i])
    }
    #[inline(always)]
    fn is_zero(&self, a: &Lanes) -> bool {
        a.iter().all(|v| *v == 0.0)
    }
    #[inline(always)]
    fn mul_add_assign(&self, acc: &mut Lanes, a: &Lanes, b: &Lanes) {
        for i in 0..LANES {
            acc[i] += a[i] * b[i];
        }
    }
    fn dot(&self, a: &[Lanes], b: &[Lanes]) -> Lanes {
        let mut acc = [0.0; LANES];
        for (x, y) in a.iter().zip(b) {
            self.mul_add_assign(&mut acc, x, y);
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::horner;

    #[test]
    fn lanes_are_independent() {
        let r = LaneRing;
        let t: Lanes = std::array::from_fn(|i| i as f64);
        let coeffs = [r.from_i64(1), r.from_i64(-2), r.from_i64(3)];
        let v = horner(&r, &coeffs, &t);
        for (i, vi) in v.iter().enumerate() {
            let x = i as f64;
            assert_eq!(*vi, 1.0 - 2.0 * x + 3.0 * x * x);
        }
        assert!(r.is_zero(&r.zero()) && !r.is_zero(&r.one()));
    }
}
