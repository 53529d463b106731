//! From modular images back to integers and rationals: p-adic digits to integers, rational
//! number reconstruction, and the Chinese remainder theorem for two moduli.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

/// Powers `p^(2^l)` shared by every conversion with the same prime.
pub(crate) struct PadicPowers {
    p: u64,
    /// `pows[l] = p^(LEAF 2^l)`.
    pows: Vec<BigInt>,
}

/// Digits converted by `i128` Horner at the leaves: `4 * 22 = 88` bits, far below 127.
const LEAF: usize = 4;

impl PadicPowers {
    /// Powers sufficient for up to `len` digits of base `p` (`p < 2^22`).
    pub fn new(p: u64, len: usize) -> Self {
        let mut pows = vec![BigInt::from(p).pow(LEAF as u32)];
        while LEAF << (pows.len() - 1) < len {
            let last = pows.last().cloned().unwrap_or_else(BigInt::one);
            pows.push(&last * &last);
        }
        PadicPowers { p, pows }
    }

    /// `sum_i d_i p^i` by divide and conquer (splits at `LEAF 2^l`, so that every power needed
    /// is precomputed): about three multiplications of full size instead of `len` small ones.
    pub fn value(&self, d: &[i64]) -> BigInt {
        if d.len() <= LEAF {
            let p = self.p as i128;
            return BigInt::from(d.iter().rev().fold(0i128, |acc, &x| acc * p + x as i128));
        }
        let mut l = 0;
        while LEAF << (l + 1) < d.len() {
            l += 1;
        }
        let h = LEAF << l;
        let (lo, hi) = d.split_at(h);
        self.value(lo) + self.value(hi) * &self.pows[l]
    }
}

/// `sum_i digits[i] p^i` for digits of any sign (the p-adic expansion's truncation).
///
/// With centred digits `|d_i| <= (p - 1) / 2`, this is the representative of the p-adic number
/// modulo `p^len` in `(-p^len / 2, p^len / 2)`.
pub fn padic_to_bigint(digits: &[i64], p: u64) -> BigInt {
    if p >= 1 << 22 {
        return digits.iter().rev().fold(BigInt::zero(), |acc, &x| acc * p + x);
    }
    PadicPowers::new(p, digits.len()).value(digits)
}

/// Rational number reconstruction (Wang; Collins and Encarnacion, J. Symb. Comput. 1995):
/// the fraction `n / q` with `n = q u (mod m)`, `|n| <= nb`, `0 < q <= db`, `gcd(n, q) = 1`.
///
/// When `2 nb db < m` there is at most one such fraction, and the extended Euclidean algorithm
/// on `(m, u)`, stopped at the first remainder `<= nb`, finds it; `None` when it does not exist.
pub fn rational_reconstruction(u: &BigInt, m: &BigInt, nb: &BigInt, db: &BigInt) -> Option<(BigInt, BigInt)> {
    if !m.is_positive() {
        return None;
    }
    let (mut r0, mut r1) = (m.clone(), u.mod_floor(m));
    let (mut t0, mut t1) = (BigInt::zero(), BigInt::one());
    while &r1 > nb {
        let (q, r2) = r0.div_rem(&r1);
        let t2 = &t0 - &q * &t1;
        r0 = std::mem::replace(&mut r1, r2);
        t0 = std::mem::replace(&mut t1, t2);
    }
    if t1.is_zero() || &t1.abs() > db || !r1.gcd(&t1).is_one() {
        return None;
    }
    if t1.is_negative() {
        Some((-r1, -t1))
    } else {
        Some((r1, t1))
    }
}

/// The Chinese remainder theorem for coprime moduli: `(x, m1 m2)` with `0 <= x < m1 m2`,
/// `x = a1 (mod m1)` and `x = a2 (mod m2)`; `None` when the moduli are not coprime.
pub fn crt_pair(a1: &BigInt, m1: &BigInt, a2: &BigInt, m2: &BigInt) -> Option<(BigInt, BigInt)> {
    let e = m1.extended_gcd(m2);
    if !e.gcd.is_one() {
        return None;
    }
    // x = a1 + m1 ((a2 - a1) m1^{-1} mod m2).
    let k = ((a2 - a1) * e.x).mod_floor(m2);
    let m = m1 * m2;
    Some(((a1 + m1 * k).mod_floor(&m), m))
}

/// The representative of `x` modulo `m` in `(-m/2, m/2]`.
pub(crate) fn centred_mod(x: &BigInt, m: &BigInt) -> BigInt {
    let r = x.mod_floor(m);
    if &r + &r > *m {
        r - m
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padic_conversion_matches_horner() {
        let p = 4_194_301u64;
        let mut s = 3u64;
        for len in [0usize, 1, 3, 4, 5, 8, 9, 17, 100, 257] {
            let d: Vec<i64> = (0..len)
                .map(|_| {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (s >> 11) as i64 % ((p as i64 - 1) / 2 + 1) * if s.is_multiple_of(2) { 1 } else { -1 }
                })
                .collect();
            let horner = d.iter().rev().fold(BigInt::zero(), |acc, &x| acc * p + x);
            assert_eq!(padic_to_bigint(&d, p), horner, "len {len}");
        }
    }

    #[test]
    fn reconstruction_recovers_small_fractions() {
        let m =
            BigInt::from(10_007u32) * BigInt::from(10_009u32) * BigInt::from(10_037u32) * BigInt::from(4_194_301u32);
        let bound = (&m / 2u32).sqrt() - 1u32;
        for (n, q) in [(3i64, 7i64), (-22, 9), (0, 1), (1, 1), (-1, 3), (999_999, 1_000_003)] {
            let (n, q) = (BigInt::from(n), BigInt::from(q));
            let inv = q.extended_gcd(&m).x;
            let u = (&n * inv).mod_floor(&m);
            assert_eq!(rational_reconstruction(&u, &m, &bound, &bound), Some((n, q)));
        }
        // Too large a denominator for the bound: no answer rather than a wrong one.
        let u = (BigInt::from(5) * BigInt::from(1_000_003).extended_gcd(&m).x).mod_floor(&m);
        assert_eq!(rational_reconstruction(&u, &m, &BigInt::from(10), &BigInt::from(100)), None);
    }

    #[test]
    fn crt_combines_and_rejects_common_factors() {
        let (m1, m2) = (BigInt::from(4_194_301u64), BigInt::from((1u64 << 61) - 1));
        let x = BigInt::from(123_456_789_012_345_678_901_234u128);
        let (y, m) = crt_pair(&(&x % &m1), &m1, &(&x % &m2), &m2).unwrap();
        assert_eq!((y, m.clone()), (x.mod_floor(&m), &m1 * &m2));
        assert!(crt_pair(&BigInt::one(), &BigInt::from(6), &BigInt::one(), &BigInt::from(9)).is_none());
        assert_eq!(centred_mod(&BigInt::from(7), &BigInt::from(10)), BigInt::from(-3));
        assert_eq!(centred_mod(&BigInt::from(5), &BigInt::from(10)), BigInt::from(5));
    }
}
