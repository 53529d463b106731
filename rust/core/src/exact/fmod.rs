//! Exact integer matrix products in f64 and arithmetic modulo small primes on centred residues.
//!
//! Every product here multiplies integer-valued doubles whose partial sums are bounded below
//! `2^53` in absolute value by the caller's choice of digit sizes and chunk lengths, so no
//! rounding ever happens and the result is the exact integer, whatever order the GEMM adds in
//! (the FFLAS-FFPACK argument: Dumas, Giorgi and Pernet, ISSAC 2004).

use crate::ring::primes::is_prime;
use crate::rng::SplitMix64;

/// `1.5 * 2^52`: adding and subtracting it rounds a double below `2^51` to the nearest integer
/// with plain additions.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// Lifting primes lie in `(2^21, 2^22)`: centred residues are below `2^21` in absolute value.
pub(crate) const LIFT_PRIME_BITS: u32 = 22;

/// The product `C <- alpha A B + beta C` of row-major buffers (`A`: `m x k`, `B`: `k x n`,
/// `C`: `m x n`, with row strides `lda`, `ldb`, `ldc`), by `matrixmultiply::dgemm`.
///
/// Exact when every entry is an integer and every partial sum of `|alpha| sum_t |a_it b_tj|`
/// plus `|beta c_ij|` stays below `2^53`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f64,
    a: &[f64],
    lda: usize,
    b: &[f64],
    ldb: usize,
    beta: f64,
    c: &mut [f64],
    ldc: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(a.len() >= (m - 1) * lda + k && lda >= k, "gemm: A out of bounds");
    assert!(k == 0 || (b.len() >= (k - 1) * ldb + n && ldb >= n), "gemm: B out of bounds");
    assert!(c.len() >= (m - 1) * ldc + n && ldc >= n, "gemm: C out of bounds");
    if k == 0 {
        for i in 0..m {
            for x in &mut c[i * ldc..i * ldc + n] {
                *x *= beta;
            }
        }
        return;
    }
    // SAFETY: the asserts above show that the `m x k`, `k x n` and `m x n` blocks with the given
    // row strides and unit column strides lie inside `a`, `b` and `c`; all dimensions are
    // nonzero; `c` is an exclusive borrow, so it aliases neither input.
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            lda as isize,
            1,
            b.as_ptr(),
            ldb as isize,
            1,
            beta,
            c.as_mut_ptr(),
            ldc as isize,
            1,
        );
    }
}

/// F_p for a prime `p < 2^22` on centred residues `|x| <= (p - 1) / 2` stored in f64.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FMod {
    pub p: u64,
    pf: f64,
    pinv: f64,
    half: f64,
}

impl FMod {
    /// The arithmetic modulo `p` (`2 < p < 2^22`, prime).
    pub fn new(p: u64) -> Self {
        debug_assert!(p > 2 && p < (1 << LIFT_PRIME_BITS));
        FMod { p, pf: p as f64, pinv: 1.0 / p as f64, half: ((p - 1) / 2) as f64 }
    }

    /// The centred residue of an integer-valued `x` with `|x| < 2^53`.
    ///
    /// `q = round(x / p)` from `x * fl(1/p)` is off by at most one (relative error below
    /// `2^-52`, and `|x / p| < 2^32`), so `x - q p` is exact and within `1.5 p` of zero; two
    /// conditional corrections land it in the centred range.
    #[inline(always)]
    pub fn reduce(&self, x: f64) -> f64 {
        let q = (x * self.pinv + ROUND_MAGIC) - ROUND_MAGIC;
        let mut r = x - q * self.pf;
        if r > self.half {
            r -= self.pf;
        }
        if r < -self.half {
            r += self.pf;
        }
        r
    }

    /// Reduces a buffer in place.
    pub fn reduce_all(&self, xs: &mut [f64]) {
        for x in xs {
            *x = self.reduce(*x);
        }
    }

    /// The centred residue of a canonical residue `0 <= a < p`.
    #[inline]
    pub fn centre(&self, a: u64) -> f64 {
        if a > self.p / 2 {
            a as f64 - self.pf
        } else {
            a as f64
        }
    }

    /// `C = A B mod p` (centred) for centred `A` (`m x k`) and `B` (`k x n`): inner chunks of
    /// at most 1024 keep `sum |a b| < 1024 * 2^42 = 2^52`, reduced after each chunk.
    pub fn matmul(&self, m: usize, k: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
        const KC: usize = 1024;
        c[..m * n].fill(0.0);
        let mut k0 = 0;
        while k0 < k {
            let kc = KC.min(k - k0);
            gemm(m, kc, n, 1.0, &a[k0..], k, &b[k0 * n..], n, 1.0, c, n);
            self.reduce_all(&mut c[..m * n]);
            k0 += kc;
        }
    }
}

/// A random prime in `(2^(bits-1), 2^bits)` from `(seed, stream, index)`, avoiding `avoid`.
pub(crate) fn random_prime(bits: u32, seed: u64, stream: u64, index: u64, avoid: &[u64]) -> u64 {
    let mut g = SplitMix64::derived(seed, stream, index);
    let lo = 1u64 << (bits - 1);
    loop {
        let mut n = (lo + g.below(lo)) | 1;
        while n > lo && !is_prime(n) {
            n -= 2;
        }
        if n > lo && !avoid.contains(&n) {
            return n;
        }
    }
}

/// `ceil(log2(n))` for `n >= 1` (0 for `n <= 1`).
pub(crate) fn ceil_log2(n: usize) -> u32 {
    if n <= 1 {
        0
    } else {
        usize::BITS - (n - 1).leading_zeros()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_matches_naive_and_stays_exact() {
        let (m, k, n) = (7usize, 300usize, 5usize);
        // Entries near 2^21 with k = 300 products: sums near 2^50.2, all exact.
        let a: Vec<f64> = (0..m * k).map(|i| ((i * 7919) % 4_000_000) as f64 - 2e6).collect();
        let b: Vec<f64> = (0..k * n).map(|i| ((i * 104_729) % 4_000_000) as f64 - 2e6).collect();
        let mut c = vec![3.0; m * n];
        gemm(m, k, n, -1.0, &a, k, &b, n, 1.0, &mut c, n);
        for i in 0..m {
            for j in 0..n {
                let expect: i128 = 3 - (0..k).map(|t| a[i * k + t] as i128 * b[t * n + j] as i128).sum::<i128>();
                assert_eq!(c[i * n + j] as i128, expect);
            }
        }
        let mut c0 = vec![2.0; 4];
        gemm(2, 0, 2, 1.0, &[], 0, &[], 2, 0.5, &mut c0, 2);
        assert_eq!(c0, vec![1.0; 4]);
    }

    #[test]
    fn reduce_and_matmul_modulo_p() {
        let p = random_prime(LIFT_PRIME_BITS, 1, 2, 3, &[]);
        assert!(is_prime(p) && p > (1 << 21) && p < (1 << 22));
        let f = FMod::new(p);
        for x in [0i64, 1, -1, p as i64, -(p as i64), (1 << 52) - 1, -(1 << 52) + 7, 123_456_789_012_345] {
            let r = f.reduce(x as f64);
            assert!(r.abs() <= ((p - 1) / 2) as f64);
            assert_eq!((x - r as i64).rem_euclid(p as i64), 0);
        }
        let (m, k, n) = (3usize, 2500usize, 2usize);
        let half = ((p - 1) / 2) as f64;
        let a: Vec<f64> = (0..m * k).map(|i| if i % 3 == 0 { half } else { -half + (i % 5) as f64 }).collect();
        let b: Vec<f64> = (0..k * n).map(|i| if i % 2 == 0 { -half } else { half - (i % 7) as f64 }).collect();
        let mut c = vec![0.0; m * n];
        f.matmul(m, k, n, &a, &b, &mut c);
        for i in 0..m {
            for j in 0..n {
                let e: i128 = (0..k).map(|t| a[i * k + t] as i128 * b[t * n + j] as i128).sum();
                assert_eq!((e - c[i * n + j] as i128).rem_euclid(p as i128), 0);
            }
        }
        assert_eq!(ceil_log2(1), 0);
        assert_eq!(ceil_log2(550), 10);
        assert_eq!(ceil_log2(1024), 10);
    }
}
