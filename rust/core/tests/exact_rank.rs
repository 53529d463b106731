//! Certified ranks and verified kernels over Q against a naive fraction Gaussian elimination.

use neurocore_core::exact::{kernel_qq, rank_qq, ExactOptions, IntMatrix, RationalKernel};
use neurocore_core::par::FlagInterrupt;
use neurocore_core::{CoreError, NoInterrupt, Par};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use proptest::prelude::*;
use std::sync::atomic::Ordering;

/// The RREF over Q by fraction-field Gaussian elimination: (rank, pivot columns, rows).
fn naive_rref(a: &IntMatrix) -> (usize, Vec<usize>, Vec<Vec<BigRational>>) {
    let (m, n) = (a.rows(), a.cols());
    let mut w: Vec<Vec<BigRational>> =
        (0..m).map(|i| (0..n).map(|j| BigRational::from_integer(a.entry(i, j))).collect()).collect();
    let mut pivots = Vec::new();
    let mut r = 0;
    for j in 0..n {
        let Some(pr) = (r..m).find(|&i| !w[i][j].is_zero()) else {
            continue;
        };
        w.swap(r, pr);
        let inv = w[r][j].recip();
        for x in &mut w[r] {
            *x = &*x * &inv;
        }
        for i in 0..m {
            if i != r && !w[i][j].is_zero() {
                let f = w[i][j].clone();
                let pivot_row = w[r].clone();
                for (x, y) in w[i].iter_mut().zip(&pivot_row) {
                    *x -= &f * y;
                }
            }
        }
        pivots.push(j);
        r += 1;
    }
    w.truncate(r);
    (r, pivots, w)
}

/// The standard kernel basis from the RREF (unique for the pivot columns of A over Q).
fn naive_kernel(a: &IntMatrix) -> Vec<Vec<BigRational>> {
    let (_, pivots, rows) = naive_rref(a);
    let n = a.cols();
    (0..n)
        .filter(|j| !pivots.contains(j))
        .map(|f| {
            let mut v = vec![BigRational::zero(); n];
            v[f] = BigRational::one();
            for (t, &c) in pivots.iter().enumerate() {
                v[c] = -rows[t][f].clone();
            }
            v
        })
        .collect()
}

fn kernel_rows(k: &RationalKernel) -> Vec<Vec<BigRational>> {
    (0..k.rows)
        .map(|i| {
            (0..k.cols).map(|j| BigRational::new(k.numerators[i * k.cols + j].clone(), k.denominator.clone())).collect()
        })
        .collect()
}

fn assert_kernel_exact(a: &IntMatrix, k: &RationalKernel) {
    for v in kernel_rows(k) {
        for i in 0..a.rows() {
            let s: BigRational = (0..a.cols()).map(|j| BigRational::from_integer(a.entry(i, j)) * &v[j]).sum();
            assert!(s.is_zero(), "A k != 0");
        }
    }
}

/// `B C` for `B` (`m x r`) and `C` (`r x n`) with entries from `next`.
fn low_rank(m: usize, n: usize, r: usize, bits: u32, seed: u64) -> IntMatrix {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = |bits: u32| -> BigInt {
        let mut v = BigInt::zero();
        for _ in 0..bits.div_ceil(32) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            v = (v << 32u32) + BigInt::from(s as u32);
        }
        let v = v >> (bits.div_ceil(32) * 32 - bits);
        if s & 1 == 0 {
            -v
        } else {
            v
        }
    };
    let half = bits / 2 + 1;
    let b: Vec<BigInt> = (0..m * r).map(|_| next(half)).collect();
    let c: Vec<BigInt> = (0..r * n).map(|_| next(half)).collect();
    let data = (0..m * n).map(|k| (0..r).map(|t| &b[(k / n) * r + t] * &c[t * n + k % n]).sum()).collect();
    IntMatrix::from_bigints(m, n, data).unwrap()
}

fn check(a: &IntMatrix, seed: u64) {
    let (rank, _, _) = naive_rref(a);
    let opts = ExactOptions::with_seed(seed);
    let cert = rank_qq(a, &opts, Par::Seq, &NoInterrupt).unwrap();
    assert!(cert.certified, "{cert:?}");
    assert_eq!((cert.rank, cert.lower_bound, cert.upper_bound), (rank, rank, rank));
    let k = kernel_qq(a, &opts, Par::Seq, &NoInterrupt).unwrap();
    assert_eq!((k.rows, k.cols, k.rank), (a.cols() - rank, a.cols(), rank));
    assert_kernel_exact(a, &k);
    assert_eq!(kernel_rows(&k), naive_kernel(a));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]
    #[test]
    fn random_low_rank_matrices(m in 0usize..9, n in 0usize..9, r in 0usize..6, bits in 1u32..70, seed in any::<u64>()) {
        check(&low_rank(m, n, r.min(m).min(n), bits, seed), seed);
    }

    #[test]
    fn huge_entries(m in 1usize..6, n in 1usize..6, r in 1usize..5, seed in any::<u64>()) {
        check(&low_rank(m, n, r.min(m).min(n), 200, seed), seed);
    }
}

#[test]
fn medium_matrices_and_transposes() {
    for (m, n, r, bits) in [(40usize, 30usize, 17usize, 30u32), (30, 45, 22, 64), (60, 20, 19, 8), (25, 25, 24, 100)] {
        let a = low_rank(m, n, r, bits, (m * n) as u64);
        check(&a, 1);
        let t = rank_qq(&a.transpose(), &ExactOptions::default(), Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((t.rank, t.certified), (r, true));
    }
}

#[test]
fn edge_shapes_and_zero() {
    for (m, n) in [(0usize, 4usize), (4, 0), (0, 0), (1, 5), (5, 1), (3, 3)] {
        let z = IntMatrix::from_i64(m, n, vec![0; m * n]).unwrap();
        let c = rank_qq(&z, &ExactOptions::default(), Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((c.rank, c.certified), (0, true));
        let k = kernel_qq(&z, &ExactOptions::default(), Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((k.rows, k.cols), (n, n));
        assert_eq!(kernel_rows(&k), naive_kernel(&z));
    }
    check(&IntMatrix::from_i64(1, 4, vec![0, 2, -4, 6]).unwrap(), 0);
    check(&IntMatrix::from_i64(4, 1, vec![0, 0, 7, 0]).unwrap(), 0);
}

/// `p0` divides the only 2 x 2 minor of the first two columns: rank 2 over Q, 1 modulo p0.
fn unlucky_for(p0: u64) -> IntMatrix {
    let p = p0 as i64;
    IntMatrix::from_i64(3, 3, vec![1, 0, 0, 0, p, 0, 1, p, 0]).unwrap()
}

#[test]
fn unlucky_primes_are_survived() {
    let p0 = 4_194_301u64;
    let a = unlucky_for(p0);
    let opts = ExactOptions {
        forced_word_primes: vec![p0],
        forced_lift_primes: vec![p0, 4_194_287],
        ..ExactOptions::default()
    };
    let c = rank_qq(&a, &opts, Par::Seq, &NoInterrupt).unwrap();
    assert_eq!((c.rank, c.certified), (2, true));
    assert_eq!(c.primes, vec![p0, p0, 4_194_287]);
    let k = kernel_qq(&a, &opts, Par::Seq, &NoInterrupt).unwrap();
    assert_eq!(kernel_rows(&k), naive_kernel(&a));
    // A multiple of p0 everywhere: rank 0 modulo p0.
    let b = IntMatrix::from_i64(2, 3, vec![p0 as i64, 2 * p0 as i64, 0, 0, 0, 3 * p0 as i64]).unwrap();
    let c = rank_qq(&b, &opts, Par::Seq, &NoInterrupt).unwrap();
    assert_eq!((c.rank, c.certified), (2, true));
}

#[test]
fn exhausted_primes_give_an_honest_uncertified_answer() {
    let p0 = 4_194_301u64;
    let a = IntMatrix::from_i64(3, 3, vec![1, 0, 0, 0, p0 as i64, 0, 0, 0, 0]).unwrap();
    let opts = ExactOptions {
        forced_word_primes: vec![p0],
        forced_lift_primes: vec![p0],
        attempts: 1,
        ..ExactOptions::default()
    };
    let c = rank_qq(&a, &opts, Par::Seq, &NoInterrupt).unwrap();
    // The failed lifting proves rank >= 2; nothing proves rank <= 2.
    assert_eq!((c.rank, c.lower_bound, c.upper_bound, c.certified), (2, 2, 3, false));
    assert!(matches!(kernel_qq(&a, &opts, Par::Seq, &NoInterrupt), Err(CoreError::Unlucky(_))));
}

#[test]
fn parallel_equals_sequential_and_interrupts_stop() {
    let a = low_rank(120, 90, 70, 40, 5);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let opts = ExactOptions::with_seed(3);
    let seq = rank_qq(&a, &opts, Par::Seq, &NoInterrupt).unwrap();
    let par = pool.install(|| rank_qq(&a, &opts, Par::from_threads(2), &NoInterrupt)).unwrap();
    assert_eq!(seq, par);
    assert_eq!((seq.rank, seq.certified), (70, true));
    let ks = kernel_qq(&a, &opts, Par::Seq, &NoInterrupt).unwrap();
    let kp = pool.install(|| kernel_qq(&a, &opts, Par::from_threads(2), &NoInterrupt)).unwrap();
    assert_eq!(ks, kp);
    // Large enough that every step's products are split across threads (not column groups).
    let big = low_rank(500, 350, 300, 16, 8);
    let seq = rank_qq(&big, &opts, Par::Seq, &NoInterrupt).unwrap();
    let par = pool.install(|| rank_qq(&big, &opts, Par::from_threads(2), &NoInterrupt)).unwrap();
    assert_eq!((seq.rank, seq.certified), (300, true));
    assert_eq!(seq, par);
    let flag = FlagInterrupt::default();
    flag.0.store(true, Ordering::Relaxed);
    assert_eq!(rank_qq(&a, &opts, Par::Seq, &flag), Err(CoreError::Interrupted));
}
