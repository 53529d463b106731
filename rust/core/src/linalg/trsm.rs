//! Unit triangular solves `B <- T^{-1} B` over F_p (`T` unit lower or upper triangular), the
//! `U12 = L11^{-1} A12` step of the elimination and the back substitution of the RREF.
//!
//! Recursive halving puts all but `O(n * TRSM_LEAF * w)` of the work into matrix products. At a
//! leaf (at most `TRSM_LEAF` rows) there are two ways to finish, chosen per arithmetic:
//! substitution column by column (one reduction per entry, best for the `u64` kernel), or
//! `B <- B - (I - T^{-1}) B`, a small matrix product after inverting the tiny `T` (best when
//! products are as cheap as they are through `dgemm`).

use super::arith::ModArith;
use super::mat::{MatMut, MatRef};
use crate::error::Result;
use crate::par::{check_allocation, Interrupt, Par};
use rayon::prelude::*;

/// Below this many multiply-adds (`n^2 w / 2`) a solve stays on one thread: the column blocks
/// are copied out and back, which only pays once the solve is well above that copy.
const PAR_MIN_SOLVE: usize = 1 << 21;

/// Column blocks are cut on multiples of this (the `dgemm` micro-kernel width).
const COL_ALIGN: usize = 8;

/// Largest leaf any arithmetic may ask for (the size of the stack scratch).
const MAX_LEAF: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Lower,
    Upper,
}

/// `B <- L^{-1} B` for `L` (`n x n`) unit lower triangular, `B` `n x w`; the diagonal and the
/// upper part of `L` are never read. Recursion: `X1 = L11^{-1} B1`, `B2 <- B2 - L21 X1`,
/// `X2 = L22^{-1} B2`.
pub(crate) fn trsm_lower_unit<K: ModArith>(
    k: &K,
    l: MatRef<'_, K::E>,
    b: MatMut<'_, K::E>,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<()> {
    solve_parallel(k, Side::Lower, l, b, par, intr)
}

/// `B <- U^{-1} B` for `U` (`n x n`) unit upper triangular, `B` `n x w`; the diagonal and the
/// lower part of `U` are never read. Recursion: `X2 = U22^{-1} B2`, `B1 <- B1 - U12 X2`,
/// `X1 = U11^{-1} B1`.
pub(crate) fn trsm_upper_unit<K: ModArith>(
    k: &K,
    u: MatRef<'_, K::E>,
    b: MatMut<'_, K::E>,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<()> {
    solve_parallel(k, Side::Upper, u, b, par, intr)
}

/// The columns of `B` are independent right-hand sides, so with threads allowed and a large
/// solve, `B` is cut into one column block per thread, each solved on its own thread (with the
/// whole recursion, leaves included, sequential inside it). The leaves and the small products
/// of a single solve are sequential; splitting the columns is what lets every thread work on
/// them. Every entry is computed exactly and by the same operations whatever the split, so the
/// result does not depend on the thread count. Blocks are copied into contiguous buffers
/// (a `MatMut` cannot be split by columns without `unsafe`), at `2 n w` copies against the
/// solve's `n^2 w / 2` multiply-adds.
fn solve_parallel<K: ModArith>(
    k: &K,
    side: Side,
    t: MatRef<'_, K::E>,
    mut b: MatMut<'_, K::E>,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<()> {
    let (n, w) = (t.rows(), b.cols());
    let threads = par.threads();
    let work = n.saturating_mul(n).saturating_mul(w) / 2;
    if !par.is_parallel() || work < PAR_MIN_SOLVE || w < 2 * COL_ALIGN || n <= 1 {
        return solve(k, side, t, b, par, intr);
    }
    let width = w.div_ceil(threads).div_ceil(COL_ALIGN) * COL_ALIGN;
    let starts: Vec<usize> = (0..w).step_by(width).collect();
    check_allocation("triangular solve column blocks", (n * w) as u128, 8)?;
    let mut blocks: Vec<Vec<K::E>> = starts
        .iter()
        .map(|&c0| {
            let cw = width.min(w - c0);
            let mut buf = Vec::with_capacity(n * cw);
            for r in 0..n {
                buf.extend_from_slice(&b.row(r)[c0..c0 + cw]);
            }
            buf
        })
        .collect();
    let results: Vec<Result<()>> = blocks
        .par_iter_mut()
        .zip(&starts)
        .map(|(buf, &c0)| {
            let cw = width.min(w - c0);
            let view = MatMut::new(buf, n, cw, cw)?;
            solve(k, side, t, view, Par::Seq, intr)
        })
        .collect();
    results.into_iter().collect::<Result<Vec<()>>>()?;
    for (buf, &c0) in blocks.iter().zip(&starts) {
        let cw = width.min(w - c0);
        for r in 0..n {
            b.row_mut(r)[c0..c0 + cw].copy_from_slice(&buf[r * cw..(r + 1) * cw]);
        }
    }
    Ok(())
}

fn solve<K: ModArith>(
    k: &K,
    side: Side,
    t: MatRef<'_, K::E>,
    b: MatMut<'_, K::E>,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<()> {
    let n = t.rows();
    debug_assert!(t.cols() == n && b.rows() == n);
    if n <= 1 || b.cols() == 0 {
        return Ok(());
    }
    if n <= K::TRSM_LEAF.min(MAX_LEAF) {
        return if K::INVERSE_LEAVES && b.cols() >= n {
            leaf_by_inverse(k, side, t, b, par, intr)
        } else {
            leaf_by_substitution(k, side, t, b, intr)
        };
    }
    let h = n / 2;
    let (mut b1, mut b2) = b.split_rows_at(h);
    match side {
        Side::Lower => {
            solve(k, side, t.submatrix(0, 0, h, h), b1.rb_mut(), par, intr)?;
            k.gemm_sub(b2.rb_mut(), t.submatrix(h, 0, n - h, h), b1.rb(), par, intr)?;
            solve(k, side, t.submatrix(h, h, n - h, n - h), b2, par, intr)
        }
        Side::Upper => {
            solve(k, side, t.submatrix(h, h, n - h, n - h), b2.rb_mut(), par, intr)?;
            k.gemm_sub(b1.rb_mut(), t.submatrix(0, h, h, n - h), b2.rb(), par, intr)?;
            solve(k, side, t.submatrix(0, 0, h, h), b1, par, intr)
        }
    }
}

/// Column by column: `x_r = b_r - sum_s t_rs x_s` over `s < r` (lower) or `s > r` (upper),
/// with one reduction per entry.
fn leaf_by_substitution<K: ModArith>(
    k: &K,
    side: Side,
    t: MatRef<'_, K::E>,
    mut b: MatMut<'_, K::E>,
    intr: &dyn Interrupt,
) -> Result<()> {
    let n = t.rows();
    let w = b.cols();
    // Columns four at a time: each column is a chain of dependent reductions (x_r needs every
    // earlier x_s), and interleaving independent columns lets their latencies overlap.
    let mut xs = [[K::E::default(); MAX_LEAF]; 4];
    let mut col = 0;
    while col + 4 <= w {
        if col % 4096 == 4092 {
            intr.check()?;
        }
        match side {
            Side::Lower => {
                for r in 0..n {
                    let tr = &t.row(r)[..r];
                    let br = &b.row(r)[col..col + 4];
                    for (q, x) in xs.iter_mut().enumerate() {
                        x[r] = k.dot_sub(br[q], tr, &x[..r]);
                    }
                }
            }
            Side::Upper => {
                for r in (0..n).rev() {
                    let tr = &t.row(r)[r + 1..];
                    let br = &b.row(r)[col..col + 4];
                    for (q, x) in xs.iter_mut().enumerate() {
                        x[r] = k.dot_sub(br[q], tr, &x[r + 1..n]);
                    }
                }
            }
        }
        for r in 0..n {
            let br = &mut b.row_mut(r)[col..col + 4];
            for (q, x) in xs.iter().enumerate() {
                br[q] = x[r];
            }
        }
        col += 4;
    }
    let mut x = [K::E::default(); MAX_LEAF];
    for col in col..w {
        match side {
            Side::Lower => {
                for r in 0..n {
                    x[r] = k.dot_sub(b.row(r)[col], &t.row(r)[..r], &x[..r]);
                }
            }
            Side::Upper => {
                for r in (0..n).rev() {
                    x[r] = k.dot_sub(b.row(r)[col], &t.row(r)[r + 1..], &x[r + 1..n]);
                }
            }
        }
        for (r, v) in x[..n].iter().enumerate() {
            b.row_mut(r)[col] = *v;
        }
    }
    Ok(())
}

/// `B <- B - M B` with `M = I - T^{-1}` (strictly triangular), which equals `T^{-1} B`.
/// Column `c` of `T^{-1}` is found by substitution from `x_c = 1` (`n^3 / 6` terms in all).
fn leaf_by_inverse<K: ModArith>(
    k: &K,
    side: Side,
    t: MatRef<'_, K::E>,
    mut b: MatMut<'_, K::E>,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<()> {
    let (n, w) = (t.rows(), b.cols());
    let zero = K::E::default();
    let mut m = vec![zero; n * n];
    let mut x = [zero; MAX_LEAF];
    for c in 0..n {
        x[c] = k.one();
        match side {
            Side::Lower => {
                for r in c + 1..n {
                    x[r] = k.dot_sub(zero, &t.row(r)[c..r], &x[c..r]);
                    m[r * n + c] = k.neg(x[r]);
                }
            }
            Side::Upper => {
                for r in (0..c).rev() {
                    x[r] = k.dot_sub(zero, &t.row(r)[r + 1..=c], &x[r + 1..=c]);
                    m[r * n + c] = k.neg(x[r]);
                }
            }
        }
    }
    check_allocation("triangular solve scratch", (n * w) as u128, 8)?;
    let mut copy = Vec::with_capacity(n * w);
    for r in 0..n {
        copy.extend_from_slice(b.row(r));
    }
    let m = MatRef::new(&m, n, n, n)?;
    k.gemm_sub(b.rb_mut(), m, MatRef::new(&copy, n, w, w)?, par, intr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::large_prime::U64Arith;
    use crate::linalg::mat::Mat;
    use crate::linalg::small_prime::F64Arith;
    use crate::par::NoInterrupt;
    use crate::ring::{PrimeField, Ring};

    fn matmul(f: &PrimeField, a: &Mat<u64>, b: &Mat<u64>) -> Mat<u64> {
        Mat::from_fn(a.rows(), b.cols(), |i, j| {
            (0..a.cols()).fold(0, |acc, t| f.add(&acc, &f.mul(&a[(i, t)], &b[(t, j)])))
        })
    }

    /// Both leaves and the recursion, through `k`, against products computed naively.
    fn check<K: ModArith>(k: &K, f: &PrimeField) {
        let p = f.modulus();
        let mut s = 7u64;
        let mut next = move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) % p
        };
        let enc = |m: &Mat<u64>| Mat::from_fn(m.rows(), m.cols(), |i, j| k.encode(m[(i, j)]));
        let dec = |m: &Mat<K::E>| Mat::from_fn(m.rows(), m.cols(), |i, j| k.decode(m[(i, j)]));
        for n in [1usize, 2, 5, 16, 17, 40, 70] {
            for w in [1usize, 3, 80] {
                // Junk on the diagonal and the other side must be ignored.
                let lower = Mat::from_fn(n, n, |_, _| next());
                let lower_exact = Mat::from_fn(n, n, |i, j| match i.cmp(&j) {
                    std::cmp::Ordering::Greater => lower[(i, j)],
                    std::cmp::Ordering::Equal => 1,
                    std::cmp::Ordering::Less => 0,
                });
                let upper = lower.transpose();
                let upper_exact = lower_exact.transpose();
                let x = Mat::from_fn(n, w, |_, _| next());
                for (t, exact, lower_side) in [(&lower, &lower_exact, true), (&upper, &upper_exact, false)] {
                    let mut b = enc(&matmul(f, exact, &x));
                    let te = enc(t);
                    if lower_side {
                        trsm_lower_unit(k, te.view(), b.view_mut(), Par::Seq, &NoInterrupt).unwrap();
                    } else {
                        trsm_upper_unit(k, te.view(), b.view_mut(), Par::Seq, &NoInterrupt).unwrap();
                    }
                    assert_eq!(dec(&b), x, "p={p} n={n} w={w} lower={lower_side}");
                    if n <= MAX_LEAF {
                        let side = if lower_side { Side::Lower } else { Side::Upper };
                        let mut b1 = enc(&matmul(f, exact, &x));
                        leaf_by_substitution(k, side, te.view(), b1.view_mut(), &NoInterrupt).unwrap();
                        let mut b2 = enc(&matmul(f, exact, &x));
                        leaf_by_inverse(k, side, te.view(), b2.view_mut(), Par::Seq, &NoInterrupt).unwrap();
                        assert_eq!((dec(&b1), dec(&b2)), (x.clone(), x.clone()));
                    }
                }
            }
        }
    }

    #[test]
    fn solves_invert_products_for_both_arithmetics() {
        for p in [3u64, 8_388_593] {
            let f = PrimeField::new(p).unwrap();
            check(&F64Arith::new(&f).unwrap(), &f);
        }
        for p in [8_388_617u64, (1 << 61) - 1, 9_223_372_036_854_775_783] {
            let f = PrimeField::new(p).unwrap();
            check(&U64Arith::new(&f), &f);
        }
    }

    /// The column-split solve on two threads against the naive product, with entries at the
    /// extremes `(p-1)/2`, `(p+1)/2`, `p-1` (where centred and limb representations change sign)
    /// and odd widths (a last column block narrower than the others), and identical to the
    /// one-thread solve.
    fn check_two_threads<K: ModArith>(k: &K, f: &PrimeField) {
        let p = f.modulus();
        let extremes = [(p - 1) / 2, p.div_ceil(2), p - 1, 1];
        let mut s = 19u64;
        let mut next = move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            if (s >> 60) < 8 {
                extremes[(s >> 58) as usize & 3]
            } else {
                (s >> 11) % p
            }
        };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let enc = |m: &Mat<u64>| Mat::from_fn(m.rows(), m.cols(), |i, j| k.encode(m[(i, j)]));
        let dec = |m: &Mat<K::E>| Mat::from_fn(m.rows(), m.cols(), |i, j| k.decode(m[(i, j)]));
        for (n, w) in [(131usize, 301usize), (200, 117), (97, 451)] {
            assert!(n * n * w / 2 >= PAR_MIN_SOLVE, "the test must reach the parallel path");
            let lower = Mat::from_fn(n, n, |_, _| next());
            let lower_exact = Mat::from_fn(n, n, |i, j| match i.cmp(&j) {
                std::cmp::Ordering::Greater => lower[(i, j)],
                std::cmp::Ordering::Equal => 1,
                std::cmp::Ordering::Less => 0,
            });
            let upper = lower.transpose();
            let upper_exact = lower_exact.transpose();
            let x = Mat::from_fn(n, w, |_, _| next());
            for (t, exact, lower_side) in [(&lower, &lower_exact, true), (&upper, &upper_exact, false)] {
                let te = enc(t);
                let rhs = enc(&matmul(f, exact, &x));
                let run = |par: Par| {
                    let mut b = rhs.clone();
                    pool.install(|| {
                        if lower_side {
                            trsm_lower_unit(k, te.view(), b.view_mut(), par, &NoInterrupt).unwrap();
                        } else {
                            trsm_upper_unit(k, te.view(), b.view_mut(), par, &NoInterrupt).unwrap();
                        }
                    });
                    b
                };
                let (one, two) = (run(Par::Seq), run(Par::from_threads(2)));
                assert_eq!(dec(&two), x, "p={p} n={n} w={w} lower={lower_side}");
                assert!(one.as_slice() == two.as_slice(), "thread count changed the solve");
            }
        }
    }

    #[test]
    fn column_split_solves_match_naive_and_one_thread() {
        for p in [3u64, 8_388_593] {
            let f = PrimeField::new(p).unwrap();
            check_two_threads(&F64Arith::new(&f).unwrap(), &f);
        }
        for p in [8_388_617u64, (1 << 61) - 1, 1_125_899_906_842_597] {
            let f = PrimeField::new(p).unwrap();
            check_two_threads(&U64Arith::new(&f), &f);
        }
    }
}
