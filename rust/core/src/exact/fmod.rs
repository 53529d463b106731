//! Exact integer matrix products in f64 and arithmetic modulo small primes on centred residues.
//!
//! Every product here multiplies integer-valued doubles whose partial sums are bounded below
//! `2^53` in absolute value by the caller's choice of digit sizes and chunk lengths, so no
//! rounding ever happens and the result is the exact integer, whatever order the GEMM adds in
//! (the FFLAS-FFPACK argument: Dumas, Giorgi and Pernet, ISSAC 2004).

use crate::linalg::{dgemm, MatMut, MatRef, Op};
use crate::par::Par;
use crate::ring::primes::is_prime;
use crate::rng::SplitMix64;

/// Lifting primes lie in `(2^21, 2^22)`: centred residues are below `2^21` in absolute value.
pub(crate) const LIFT_PRIME_BITS: u32 = 22;

/// Arithmetic modulo a lifting prime: the elimination kernel's centred `f64` residues (one
/// `f64` F_p in neurocore; lifting primes are below its `2^23` bound).
pub(crate) use crate::linalg::F64Arith as FMod;

/// The product `C <- alpha A B + beta C` of row-major buffers (`A`: `m x k`, `B`: `k x n`,
/// `C`: `m x n`, with row strides `lda`, `ldb`, `ldc`), on the calling thread, through the one
/// `dgemm` wrapper of `linalg`. `beta` is 0 (overwrite) or 1 (accumulate).
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
    assert!(beta == 0.0 || beta == 1.0, "gemm: beta must be 0 or 1");
    assert!(a.len() >= (m - 1) * lda + k && lda >= k, "gemm: A out of bounds");
    assert!(k == 0 || (b.len() >= (k - 1) * ldb + n && ldb >= n), "gemm: B out of bounds");
    assert!(c.len() >= (m - 1) * ldc + n && ldc >= n, "gemm: C out of bounds");
    let views = (MatRef::new(a, m, k, lda), MatRef::new(b, k, n, ldb), MatMut::new(c, m, n, ldc));
    let (Ok(av), Ok(bv), Ok(cv)) = views else {
        unreachable!("gemm: shapes checked above");
    };
    dgemm(cv, beta == 1.0, alpha, Op::N(av), Op::N(bv), Par::Seq);
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
        gemm(2, 0, 2, 1.0, &[], 0, &[], 2, 1.0, &mut c0, 2);
        assert_eq!(c0, vec![2.0; 4]);
        gemm(2, 0, 2, 1.0, &[], 0, &[], 2, 0.0, &mut c0, 2);
        assert_eq!(c0, vec![0.0; 4]);
    }

    #[test]
    fn reduce_and_matmul_modulo_p() {
        let p = random_prime(LIFT_PRIME_BITS, 1, 2, 3, &[]);
        assert!(is_prime(p) && p > (1 << 21) && p < (1 << 22));
        let f = FMod::for_prime(p).unwrap();
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
        f.matmul(m, k, n, &a, &b, &mut c).unwrap();
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
