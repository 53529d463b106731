//! Property tests of the modular linear algebra: ranks against textbook elimination, the
//! identities RREF and kernel must satisfy, the incremental echelon form against the rank of the
//! stacked rows, parallel against sequential, and interruption.

use neurocore_core::linalg::{kernel_basis_mod_p, rank_mod_p, rref_mod_p, Echelon, Mat};
use neurocore_core::par::{FlagInterrupt, Interrupt, NoInterrupt, Par};
use neurocore_core::ring::PrimeField;
use neurocore_core::{CoreError, Result};
use proptest::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Small primes, both sides of the f64/u64 switch at 2^23, and the extremes of the u64 kernel.
const PRIMES: [u64; 7] = [3, 5, 65_537, 8_388_593, 2_147_483_647, (1 << 61) - 1, 9_223_372_036_854_775_783];

fn mulmod(a: u64, b: u64, p: u64) -> u64 {
    (a as u128 * b as u128 % p as u128) as u64
}

fn powmod(mut a: u64, mut e: u64, p: u64) -> u64 {
    let mut r = 1;
    while e > 0 {
        if e & 1 == 1 {
            r = mulmod(r, a, p);
        }
        a = mulmod(a, a, p);
        e >>= 1;
    }
    r
}

/// Textbook Gaussian elimination with `u128` arithmetic and Fermat inverses.
fn naive_rank(a: &Mat<u64>, p: u64) -> usize {
    let mut m: Vec<Vec<u64>> = (0..a.rows()).map(|i| a.row(i).iter().map(|x| x % p).collect()).collect();
    let mut r = 0;
    for j in 0..a.cols() {
        let Some(piv) = (r..m.len()).find(|&i| m[i][j] != 0) else {
            continue;
        };
        m.swap(piv, r);
        let inv = powmod(m[r][j], p - 2, p);
        let pivot = m[r].clone();
        for row in m.iter_mut().skip(r + 1) {
            let l = mulmod(row[j], inv, p);
            for (x, y) in row.iter_mut().zip(&pivot).skip(j) {
                *x = (*x + p - mulmod(l, *y, p)) % p;
            }
        }
        r += 1;
    }
    r
}

fn matmul(a: &Mat<u64>, b: &Mat<u64>, p: u64) -> Mat<u64> {
    Mat::from_fn(a.rows(), b.cols(), |i, j| {
        (0..a.cols()).fold(0, |acc, t| (acc + mulmod(a[(i, t)] % p, b[(t, j)] % p, p)) % p)
    })
}

/// splitmix64, to build matrices from a proptest-chosen seed.
fn stream(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A random matrix whose entries are raw `u64`s (not reduced: the kernels must reduce them),
/// or, for `sparse`, mostly zeros and small values so that ranks are often deficient.
fn random_mat(rows: usize, cols: usize, seed: u64, sparse: bool) -> Mat<u64> {
    let mut next = stream(seed);
    Mat::from_fn(rows, cols, |_, _| {
        let x = next();
        if sparse {
            [0, 0, 0, 1, 2, u64::MAX][(x % 6) as usize]
        } else {
            x
        }
    })
}

/// `B C` with `B` `n x k` and `C` `k x m` random: rank `min(n, k, m)` with probability about
/// `1 - 2/p`.
fn low_rank(n: usize, k: usize, m: usize, p: u64, seed: u64) -> Mat<u64> {
    matmul(&random_mat(n, k, seed, false), &random_mat(k, m, seed ^ 0xABCD, false), p)
}

fn seq_rank(f: &PrimeField, a: &Mat<u64>) -> usize {
    rank_mod_p(f, a, Par::Seq, &NoInterrupt).unwrap()
}

fn prime() -> impl Strategy<Value = u64> {
    prop::sample::select(PRIMES.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn rank_matches_textbook_elimination(
        p in prime(), rows in 0usize..14, cols in 0usize..14, seed: u64, sparse: bool,
    ) {
        let f = PrimeField::new(p).unwrap();
        let a = random_mat(rows, cols, seed, sparse);
        prop_assert_eq!(seq_rank(&f, &a), naive_rank(&a, p));
    }

    #[test]
    fn rank_matches_textbook_elimination_past_the_leaves(
        p in prime(), rows in 30usize..90, cols in 30usize..90, seed: u64, sparse: bool,
    ) {
        let f = PrimeField::new(p).unwrap();
        let a = random_mat(rows, cols, seed, sparse);
        prop_assert_eq!(seq_rank(&f, &a), naive_rank(&a, p));
    }

    #[test]
    fn rank_of_transpose(p in prime(), rows in 0usize..70, cols in 0usize..70, seed: u64, sparse: bool) {
        let f = PrimeField::new(p).unwrap();
        let a = random_mat(rows, cols, seed, sparse);
        prop_assert_eq!(seq_rank(&f, &a), seq_rank(&f, &a.transpose()));
    }

    #[test]
    fn rank_of_product_is_inner_dimension(
        p in prime(), n in 1usize..70, k in 0usize..70, m in 1usize..70, seed: u64,
    ) {
        let f = PrimeField::new(p).unwrap();
        let r = seq_rank(&f, &low_rank(n, k, m, p, seed));
        prop_assert!(r <= k.min(n).min(m));
        // Generic rank is min(n, k, m) except with probability about 2/p.
        if p > 1 << 20 {
            prop_assert_eq!(r, k.min(n).min(m));
        }
    }

    #[test]
    fn rref_and_kernel_identities(
        p in prime(), n in 1usize..50, k in 0usize..50, m in 1usize..60, seed: u64, sparse: bool,
    ) {
        let f = PrimeField::new(p).unwrap();
        let a = if sparse { random_mat(n, m, seed, true) } else { low_rank(n, k, m, p, seed) };
        let rank = seq_rank(&f, &a);
        let r = rref_mod_p(&f, &a, Par::Seq, &NoInterrupt).unwrap();
        prop_assert_eq!(r.rank, rank);
        prop_assert_eq!((r.rows.rows(), r.rows.cols()), (rank, m));
        // Reduced echelon shape: 1 at the pivot, 0 before it and in the other pivot columns.
        prop_assert!(r.pivot_cols.windows(2).all(|w| w[0] < w[1]));
        for (t, &c) in r.pivot_cols.iter().enumerate() {
            prop_assert!(r.rows.row(t)[..c].iter().all(|&x| x == 0));
            for (s, &d) in r.pivot_cols.iter().enumerate() {
                prop_assert_eq!(r.rows[(t, d)], u64::from(s == t));
            }
            prop_assert!(r.rows.row(t).iter().all(|&x| x < p));
        }
        // Every row of A is the combination of RREF rows given by its pivot entries: A = A_P R.
        let a_p = Mat::from_fn(n, rank, |i, t| a[(i, r.pivot_cols[t])] % p);
        prop_assert_eq!(matmul(&a_p, &r.rows, p), Mat::from_fn(n, m, |i, j| a[(i, j)] % p));
        // The kernel: (m - rank) independent rows with A K^T = 0.
        let ker = kernel_basis_mod_p(&f, &a, Par::Seq, &NoInterrupt).unwrap();
        prop_assert_eq!((ker.rows(), ker.cols()), (m - rank, m));
        prop_assert!(matmul(&a, &ker.transpose(), p).as_slice().iter().all(|&x| x == 0));
        prop_assert_eq!(seq_rank(&f, &ker), m - rank);
    }

    #[test]
    fn echelon_tracks_the_rank_of_the_stack(
        p in prime(), cols in 1usize..80, dim in 0usize..80, batches in prop::collection::vec(0usize..70, 1..5),
        seed: u64,
    ) {
        let f = PrimeField::new(p).unwrap();
        let total: usize = batches.iter().sum();
        // All rows lie in a subspace of dimension <= dim, so later batches add less and less.
        let rows = low_rank(total, dim, cols, p, seed);
        let mut e = Echelon::new(&f, cols);
        let mut start = 0;
        for &b in &batches {
            let batch = Mat::from_vec(b, cols, rows.as_slice()[start * cols..(start + b) * cols].to_vec()).unwrap();
            let before = e.rank();
            let added = e.add_rows(&batch, Par::Seq, &NoInterrupt).unwrap();
            start += b;
            let stacked = Mat::from_vec(start, cols, rows.as_slice()[..start * cols].to_vec()).unwrap();
            let r = seq_rank(&f, &stacked);
            prop_assert_eq!(e.rank(), r);
            prop_assert_eq!(added, r - before);
            let rref = rref_mod_p(&f, &stacked, Par::Seq, &NoInterrupt).unwrap();
            prop_assert_eq!(e.pivot_cols(), rref.pivot_cols);
        }
        // The basis spans every row added: adding them all again adds nothing.
        prop_assert_eq!(e.add_rows(&rows, Par::Seq, &NoInterrupt).unwrap(), 0);
    }
}

/// Sizes above the parallel thresholds, ranks deficient, both kernels.
#[test]
fn parallel_equals_sequential() {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    for p in [8_388_593u64, (1 << 61) - 1] {
        let f = PrimeField::new(p).unwrap();
        let a = low_rank(260, 230, 300, p, 17);
        let seq_r = rref_mod_p(&f, &a, Par::Seq, &NoInterrupt).unwrap();
        let seq_k = kernel_basis_mod_p(&f, &a, Par::Seq, &NoInterrupt).unwrap();
        let (par_rank, par_r, par_k) = pool.install(|| {
            assert!(Par::from_threads(2).is_parallel());
            (
                rank_mod_p(&f, &a, Par::from_threads(2), &NoInterrupt).unwrap(),
                rref_mod_p(&f, &a, Par::from_threads(2), &NoInterrupt).unwrap(),
                kernel_basis_mod_p(&f, &a, Par::from_threads(2), &NoInterrupt).unwrap(),
            )
        });
        assert_eq!(seq_r.rank, 230);
        assert_eq!((par_rank, &par_r, &par_k), (seq_rank(&f, &a), &seq_r, &seq_k));
        let rows = low_rank(400, 250, 300, p, 23);
        let feed = |par: Par| {
            let mut e = Echelon::new(&f, 300);
            let added: Vec<usize> = (0..400)
                .step_by(100)
                .map(|s| {
                    let b = Mat::from_vec(100, 300, rows.as_slice()[s * 300..(s + 100) * 300].to_vec()).unwrap();
                    e.add_rows(&b, par, &NoInterrupt).unwrap()
                })
                .collect();
            (added, e.pivot_cols())
        };
        let seq = feed(Par::Seq);
        assert_eq!(seq.0, vec![100, 100, 50, 0]);
        assert_eq!(pool.install(|| feed(Par::from_threads(2))), seq);
    }
}

/// Trips after a given number of polls: shows that long kernels poll, deterministically.
struct TripAfter(AtomicUsize);

impl Interrupt for TripAfter {
    fn check(&self) -> Result<()> {
        if self.0.fetch_sub(1, Ordering::Relaxed) == 0 {
            self.0.store(0, Ordering::Relaxed);
            Err(CoreError::Interrupted)
        } else {
            Ok(())
        }
    }
}

#[test]
fn interruption_stops_eliminations() {
    for p in [8_388_593u64, (1 << 61) - 1] {
        let f = PrimeField::new(p).unwrap();
        let a = random_mat(300, 300, 5, false);
        for polls in [0usize, 3, 40] {
            let trip = TripAfter(AtomicUsize::new(polls));
            assert_eq!(rank_mod_p(&f, &a, Par::Seq, &trip), Err(CoreError::Interrupted));
            let trip = TripAfter(AtomicUsize::new(polls));
            assert_eq!(kernel_basis_mod_p(&f, &a, Par::Seq, &trip), Err(CoreError::Interrupted));
        }
        // An interrupted batch leaves the echelon form as it was.
        let mut e = Echelon::new(&f, 300);
        e.add_rows(&random_mat(100, 300, 6, false), Par::Seq, &NoInterrupt).unwrap();
        let trip = TripAfter(AtomicUsize::new(2));
        assert_eq!(e.add_rows(&a, Par::Seq, &trip), Err(CoreError::Interrupted));
        assert_eq!(e.rank(), 100);
        assert_eq!(e.add_rows(&a, Par::Seq, &NoInterrupt), Ok(200));
    }
}

#[test]
fn a_raised_flag_stops_a_large_parallel_elimination() {
    let p = (1u64 << 61) - 1;
    let f = PrimeField::new(p).unwrap();
    let a = random_mat(1500, 1500, 9, false);
    let flag = Arc::new(FlagInterrupt::default());
    let raiser = {
        let flag = Arc::clone(&flag);
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            flag.0.store(true, Ordering::Relaxed);
        })
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let start = std::time::Instant::now();
    let r = pool.install(|| rank_mod_p(&f, &a, Par::from_threads(2), flag.as_ref()));
    raiser.join().unwrap();
    assert_eq!(r, Err(CoreError::Interrupted));
    assert!(start.elapsed().as_secs_f64() < 2.0, "took {:?} to stop", start.elapsed());
}

#[test]
fn degenerate_shapes_do_not_panic() {
    for p in [3u64, (1 << 61) - 1] {
        let f = PrimeField::new(p).unwrap();
        for (rows, cols) in [(0usize, 0usize), (0, 5), (5, 0), (1, 1), (1, 7), (7, 1), (3, 200), (200, 3)] {
            for a in [Mat::zeros(rows, cols), random_mat(rows, cols, 1, false), Mat::from_fn(rows, cols, |_, _| p)] {
                let r = seq_rank(&f, &a);
                assert_eq!(r, naive_rank(&a, p));
                assert_eq!(rref_mod_p(&f, &a, Par::Seq, &NoInterrupt).unwrap().rank, r);
                assert_eq!(kernel_basis_mod_p(&f, &a, Par::Seq, &NoInterrupt).unwrap().rows(), cols - r);
                let mut e = Echelon::new(&f, cols);
                assert_eq!(e.add_rows(&a, Par::Seq, &NoInterrupt).unwrap(), r);
            }
        }
    }
}
