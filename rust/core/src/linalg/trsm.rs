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
    solve(k, Side::Lower, l, b, par, intr)
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
    solve(k, Side::Upper, u, b, par, intr)
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
    let mut x = [K::E::default(); MAX_LEAF];
    for col in 0..b.cols() {
        if col % 4096 == 4095 {
            intr.check()?;
        }
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
}
