//! The prime field F_p for primes `3 <= p < 2^63`, elements as canonical `u64` residues.
//!
//! Products are formed in `u128` and reduced by the Moller-Granlund division by an invariant
//! integer ("Improved division by invariant integers", IEEE Trans. Comput. 2011, Alg. 4), so no
//! operation can overflow and none uses a hardware 128-bit division.

use super::{Field, Ring};
use crate::error::{CoreError, Result};
use crate::ring::primes::validate_prime;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive};

/// F_p with precomputed reciprocal for fast reduction of double-word products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrimeField {
    p: u64,
    /// `p << shift` has its top bit set.
    shift: u32,
    d: u64,
    /// `floor((2^128 - 1) / d) - 2^64`.
    v: u64,
    /// How many products of two residues a `u128` can sum without overflow.
    accumulate: usize,
}

impl PrimeField {
    /// F_p; rejects anything but a prime `3 <= p < 2^63`.
    pub fn new(p: u64) -> Result<Self> {
        validate_prime(p)?;
        let shift = p.leading_zeros();
        let d = p << shift;
        let v = (u128::MAX / d as u128 - (1u128 << 64)) as u64;
        let max_product = (p as u128 - 1) * (p as u128 - 1);
        let accumulate = (u128::MAX / max_product).min(1 << 20) as usize;
        Ok(PrimeField { p, shift, d, v, accumulate })
    }

    /// The modulus.
    #[inline]
    pub fn modulus(&self) -> u64 {
        self.p
    }

    /// Number of products `a * b` (`a, b < p`) that sum in a `u128` without overflow.
    #[inline]
    pub fn accumulate_limit(&self) -> usize {
        self.accumulate
    }

    /// `x mod p` for `x < p * 2^64`.
    #[inline(always)]
    fn reduce_narrow(&self, x: u128) -> u64 {
        let x = x << self.shift;
        let u1 = (x >> 64) as u64;
        let u0 = x as u64;
        let q = (self.v as u128) * (u1 as u128);
        let q = q.wrapping_add(x);
        let q0 = q as u64;
        let q1 = ((q >> 64) as u64).wrapping_add(1);
        let mut r = u0.wrapping_sub(q1.wrapping_mul(self.d));
        if r > q0 {
            r = r.wrapping_add(self.d);
        }
        if r >= self.d {
            r -= self.d;
        }
        r >> self.shift
    }

    /// `x mod p` for any `u128`.
    #[inline(always)]
    pub fn reduce_u128(&self, x: u128) -> u64 {
        let hi = (x >> 64) as u64;
        if hi < self.p {
            self.reduce_narrow(x)
        } else {
            self.reduce_narrow((((hi % self.p) as u128) << 64) | (x as u64 as u128))
        }
    }

    /// `x mod p` for any `u64`.
    #[inline(always)]
    pub fn reduce_u64(&self, x: u64) -> u64 {
        if x < self.p {
            x
        } else {
            x % self.p
        }
    }

    /// Residue of a signed integer.
    #[inline]
    pub fn from_i128(&self, v: i128) -> u64 {
        let r = v.rem_euclid(self.p as i128);
        r as u64
    }

    /// Residue of an arbitrary-precision integer.
    pub fn from_bigint(&self, v: &BigInt) -> u64 {
        let m = BigInt::from(self.p);
        let r = v.mod_floor(&m);
        r.to_u64().unwrap_or(0)
    }

    /// The centred representative in `(-p/2, p/2]`.
    #[inline]
    pub fn centered(&self, a: u64) -> i64 {
        if a > self.p / 2 {
            a as i64 - self.p as i64
        } else {
            a as i64
        }
    }

    /// `a^e`.
    pub fn pow(&self, mut a: u64, mut e: u64) -> u64 {
        let mut r = 1;
        while e > 0 {
            if e & 1 == 1 {
                r = self.mul(&r, &a);
            }
            a = self.mul(&a, &a);
            e >>= 1;
        }
        r
    }
}

impl Ring for PrimeField {
    type Elem = u64;

    #[inline]
    fn zero(&self) -> u64 {
        0
    }
    #[inline]
    fn one(&self) -> u64 {
        1
    }
    fn from_i64(&self, v: i64) -> u64 {
        self.from_i128(v as i128)
    }
    fn from_rational(&self, r: &BigRational) -> Result<u64> {
        let num = self.from_bigint(r.numer());
        let den = self.from_bigint(r.denom());
        if den == 0 {
            return Err(CoreError::DivisionByZero(format!(
                "the denominator {} is divisible by the prime {}",
                r.denom().abs(),
                self.p
            )));
        }
        Ok(self.mul(&num, &self.inv(&den)?))
    }
    #[inline(always)]
    fn add(&self, a: &u64, b: &u64) -> u64 {
        // a + b < 2^64 because p < 2^63.
        let s = a + b;
        if s >= self.p {
            s - self.p
        } else {
            s
        }
    }
    #[inline(always)]
    fn sub(&self, a: &u64, b: &u64) -> u64 {
        if a >= b {
            a - b
        } else {
            a + self.p - b
        }
    }
    #[inline(always)]
    fn mul(&self, a: &u64, b: &u64) -> u64 {
        self.reduce_narrow(*a as u128 * *b as u128)
    }
    #[inline(always)]
    fn neg(&self, a: &u64) -> u64 {
        if *a == 0 {
            0
        } else {
            self.p - a
        }
    }
    #[inline(always)]
    fn is_zero(&self, a: &u64) -> bool {
        *a == 0
    }
    #[inline(always)]
    fn mul_add_assign(&self, acc: &mut u64, a: &u64, b: &u64) {
        *acc = self.reduce_narrow(*acc as u128 + *a as u128 * *b as u128);
    }
    fn dot(&self, a: &[u64], b: &[u64]) -> u64 {
        debug_assert_eq!(a.len(), b.len());
        let mut total: u64 = 0;
        for (ca, cb) in a.chunks(self.accumulate).zip(b.chunks(self.accumulate)) {
            let mut acc: u128 = 0;
            for (x, y) in ca.iter().zip(cb) {
                acc += *x as u128 * *y as u128;
            }
            total = self.add(&total, &self.reduce_u128(acc));
        }
        total
    }
    fn dot_strided(&self, a: &[u64], b: &[u64], stride: usize) -> u64 {
        let mut total: u64 = 0;
        for (c, ca) in a.chunks(self.accumulate).enumerate() {
            let base = c * self.accumulate;
            let mut acc: u128 = 0;
            for (i, x) in ca.iter().enumerate() {
                acc += *x as u128 * b[(base + i) * stride] as u128;
            }
            total = self.add(&total, &self.reduce_u128(acc));
        }
        total
    }
}

impl Field for PrimeField {
    fn inv(&self, a: &u64) -> Result<u64> {
        if *a == 0 {
            return Err(CoreError::DivisionByZero(format!("inverse of 0 modulo {}", self.p)));
        }
        // Extended Euclid on signed 128-bit integers (no overflow for p < 2^63).
        let (mut r0, mut r1) = (self.p as i128, *a as i128);
        let (mut t0, mut t1) = (0i128, 1i128);
        while r1 != 0 {
            let q = r0 / r1;
            (r0, r1) = (r1, r0 - q * r1);
            (t0, t1) = (t1, t0 - q * t1);
        }
        debug_assert_eq!(r0, 1);
        Ok(self.from_i128(t0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_field(p: u64) {
        let f = PrimeField::new(p).unwrap();
        let samples = [0u64, 1, 2, p / 2, p / 2 + 1, p - 2, p - 1, 12345 % p, (p / 3) * 2];
        for &a in &samples {
            for &b in &samples {
                let expect = ((a as u128 * b as u128) % p as u128) as u64;
                assert_eq!(f.mul(&a, &b), expect, "{a}*{b} mod {p}");
                assert_eq!(f.add(&a, &b), ((a as u128 + b as u128) % p as u128) as u64);
                assert_eq!(f.add(&f.sub(&a, &b), &b), a);
            }
            if a != 0 {
                assert_eq!(f.mul(&a, &f.inv(&a).unwrap()), 1);
            }
        }
        for x in [0u128, 1, u128::MAX, u128::MAX / 3, (p as u128) << 64, ((p as u128) << 64) - 1] {
            assert_eq!(f.reduce_u128(x) as u128, x % p as u128);
        }
    }

    #[test]
    fn arithmetic_matches_u128_reference() {
        for p in [3, 5, 65_537, 8_388_593, 2_147_483_647, (1 << 61) - 1, 9_223_372_036_854_775_783] {
            check_field(p);
        }
    }

    #[test]
    fn dot_uses_delayed_reduction_correctly() {
        let p = 9_223_372_036_854_775_783u64;
        let f = PrimeField::new(p).unwrap();
        let a: Vec<u64> = (0..37).map(|i| p - 1 - i).collect();
        let b: Vec<u64> = (0..37).map(|i| p - 3 - 2 * i).collect();
        let mut expect = 0u64;
        for (x, y) in a.iter().zip(&b) {
            expect = ((expect as u128 + (*x as u128 * *y as u128) % p as u128) % p as u128) as u64;
        }
        assert_eq!(f.dot(&a, &b), expect);
    }

    #[test]
    fn rationals_map_to_residues() {
        let f = PrimeField::new(7).unwrap();
        let half = BigRational::new(1.into(), 2.into());
        assert_eq!(f.from_rational(&half).unwrap(), 4);
        let bad = BigRational::new(1.into(), 14.into());
        assert!(matches!(f.from_rational(&bad), Err(CoreError::DivisionByZero(_))));
        assert_eq!(f.from_i64(-1), 6);
    }
}
