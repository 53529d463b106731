//! Row echelon form by recursive blocked LU with row pivoting and column skipping, and the unit
//! triangular solves it (and the RREF) are built from.
//!
//! [`echelonize`] computes `P A = L U` in place for an `m x n` matrix of any rank: `U` is in row
//! echelon form with pivots in columns `c_0 < ... < c_{r-1}` (skipped columns are those whose
//! remaining entries vanish), `L` is unit lower triangular with its multipliers stored in the
//! pivot columns. The recursion halves the column range (Toledo, "Locality of reference in LU
//! decomposition with partial pivoting", SIAM J. Matrix Anal. Appl. 1997; the rank-revealing
//! variant is Jeannerod, Pernet and Storjohann, "Rank-profile revealing Gaussian elimination and
//! the CUP matrix decomposition", J. Symb. Comput. 2013): factor the left half, solve
//! `U12 = L11^{-1} A12`, update `A22 <- A22 - L21 U12` with one large matrix product, factor the
//! right half. Only the leaves (at most `LEAF` columns) run scalar code; all other work is in
//! [`ModArith::gemm_sub`], which is blocked, parallel and interruptible.

use super::arith::{gather_cols, ModArith};
use super::mat::{MatMut, MatRef};
use crate::error::Result;
use crate::par::{check_allocation, Interrupt, Par};

/// Triangular systems at most this large are solved by scalar row operations.
const TRSM_LEAF: usize = 16;

/// Brings `w` (`m x n`) to row echelon form in place and returns the pivot columns.
///
/// On return, with `r` pivots `c_0 < ... < c_{r-1}`: row `t < r` holds `U` in columns `>= c_t`
/// (`w[t][c_t] != 0`) and multipliers of `L` in the columns `c_s`, `s < t`; its other columns
/// below `c_t` are zero. Rows `>= r` hold multipliers in the pivot columns and zeros elsewhere.
/// The rows of `U` span the row space of the input. With `need_u == false` the solve for `U12`
/// is skipped once no rows remain below (enough for the rank).
pub(crate) fn echelonize<K: ModArith>(
    k: &K,
    mut w: MatMut<'_, K::E>,
    need_u: bool,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Vec<usize>> {
    let mut e = Elim { k, par, intr, need_u, pivots: Vec::new(), scratch: Vec::new() };
    let n = w.cols();
    e.recurse(&mut w, 0, n)?;
    Ok(e.pivots)
}

struct Elim<'a, K: ModArith> {
    k: &'a K,
    par: Par,
    intr: &'a dyn Interrupt,
    need_u: bool,
    pivots: Vec<usize>,
    scratch: Vec<K::E>,
}

impl<K: ModArith> Elim<'_, K> {
    /// Finds the pivots among columns `c0..c1` of the rows not yet used as pivot rows, given
    /// that those rows are up to date in these columns; later columns are not touched.
    fn recurse(&mut self, w: &mut MatMut<'_, K::E>, c0: usize, c1: usize) -> Result<()> {
        let r0 = self.pivots.len();
        if r0 == w.rows() || c0 >= c1 {
            return Ok(());
        }
        if c1 - c0 <= K::LEAF {
            return self.leaf(w, c0, c1);
        }
        // Split on a multiple of LEAF so that all leaves but the last are full.
        let cm = c0 + (c1 - c0).div_ceil(K::LEAF) / 2 * K::LEAF;
        self.recurse(w, c0, cm)?;
        let k1 = self.pivots.len() - r0;
        let below = w.rows() - r0 - k1;
        if k1 > 0 && (below > 0 || self.need_u) {
            self.intr.check()?;
            let piv = &self.pivots[r0..];
            let (top, bottom) = w.rb_mut().split_rows_at(r0 + k1);
            let (_, pivot_rows) = top.split_rows_at(r0);
            // L11 (unit lower, k1 x k1) sits in the pivot columns of the new pivot rows.
            let mut l11 = Vec::new();
            gather_cols(pivot_rows.rb(), piv, &mut l11);
            let l11 = MatRef::new(&l11, k1, k1, k1)?;
            let mut u12 = pivot_rows.submatrix_mut(0, cm, k1, c1 - cm);
            trsm_lower_unit(self.k, l11, u12.rb_mut(), self.par, self.intr)?;
            if below > 0 {
                check_allocation("elimination multipliers", (below * k1) as u128, 8)?;
                gather_cols(bottom.rb(), piv, &mut self.scratch);
                let l21 = MatRef::new(&self.scratch, below, k1, k1)?;
                let a22 = bottom.submatrix_mut(0, cm, below, c1 - cm);
                self.k.gemm_sub(a22, l21, u12.rb(), self.par, self.intr)?;
            }
        }
        self.recurse(w, cm, c1)
    }

    /// Left-looking scalar elimination on the narrow panel `c0..c1` (at most 64 columns). For
    /// each column: bring it up to date with the pivots already found in the panel (a dot
    /// product per row, reduced once), take the first remaining row with a nonzero entry as
    /// pivot row (in exact arithmetic no choice is better than another), and store the
    /// multipliers `a_ij / a_rj` of the rows below in the pivot column.
    fn leaf(&mut self, w: &mut MatMut<'_, K::E>, c0: usize, c1: usize) -> Result<()> {
        debug_assert!(c1 - c0 <= 64);
        let k = self.k;
        let m = w.rows();
        let r0 = self.pivots.len();
        let mut pcs = [0usize; 64];
        let mut lrow = [K::E::default(); 64];
        let mut u = [K::E::default(); 64];
        for j in c0..c1 {
            let r = self.pivots.len();
            if r == m && !self.need_u {
                break;
            }
            self.intr.check()?;
            let kl = r - r0;
            // Column j of the panel's pivot rows: forward substitution with L11. (Needed even
            // when no rows remain, or U would miss the panel's last columns.)
            for s in 0..kl {
                let row = w.row_mut(r0 + s);
                for t in 0..s {
                    lrow[t] = row[pcs[t]];
                }
                u[s] = k.dot_sub(row[j], &lrow[..s], &u[..s]);
                row[j] = u[s];
            }
            if r == m {
                continue;
            }
            if kl > 0 {
                // Column j of the remaining rows: a_ij - sum_t l_it u_tj.
                for i in r..m {
                    let row = w.row_mut(i);
                    for t in 0..kl {
                        lrow[t] = row[pcs[t]];
                    }
                    row[j] = k.dot_sub(row[j], &lrow[..kl], &u[..kl]);
                }
            }
            let Some(pr) = (r..m).find(|&i| !k.is_zero(w.row(i)[j])) else {
                continue;
            };
            w.swap_rows(pr, r);
            let inv = k.inv(w.row(r)[j])?;
            for i in r + 1..m {
                let x = &mut w.row_mut(i)[j];
                if !k.is_zero(*x) {
                    *x = k.mul(*x, inv);
                }
            }
            pcs[kl] = j;
            self.pivots.push(j);
        }
        Ok(())
    }
}

/// Solves `L X = B` in place (`B <- L^{-1} B`) for `L` unit lower triangular (`k x k`; its
/// diagonal and upper part are ignored) and `B` `k x w`, by recursive halving:
/// `X1 = L11^{-1} B1`, `B2 <- B2 - L21 X1`, `X2 = L22^{-1} B2`.
pub(crate) fn trsm_lower_unit<K: ModArith>(
    k: &K,
    l: MatRef<'_, K::E>,
    mut b: MatMut<'_, K::E>,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<()> {
    let n = l.rows();
    debug_assert!(l.cols() == n && b.rows() == n);
    if n <= 1 || b.cols() == 0 {
        return Ok(());
    }
    if n <= TRSM_LEAF {
        // Column by column: x_t = b_t - sum_{s < t} l_ts x_s, one reduction per entry.
        let mut x = [K::E::default(); TRSM_LEAF];
        for col in 0..b.cols() {
            for t in 0..n {
                x[t] = k.dot_sub(b.row(t)[col], &l.row(t)[..t], &x[..t]);
            }
            for t in 1..n {
                b.row_mut(t)[col] = x[t];
            }
        }
        return Ok(());
    }
    let h = n / 2;
    let (mut b1, mut b2) = b.split_rows_at(h);
    trsm_lower_unit(k, l.submatrix(0, 0, h, h), b1.rb_mut(), par, intr)?;
    k.gemm_sub(b2.rb_mut(), l.submatrix(h, 0, n - h, h), b1.rb(), par, intr)?;
    trsm_lower_unit(k, l.submatrix(h, h, n - h, n - h), b2, par, intr)
}

/// Solves `U X = B` in place (`B <- U^{-1} B`) for `U` unit upper triangular (`k x k`; its
/// diagonal and lower part are ignored) and `B` `k x w`:
/// `X2 = U22^{-1} B2`, `B1 <- B1 - U12 X2`, `X1 = U11^{-1} B1`.
pub(crate) fn trsm_upper_unit<K: ModArith>(
    k: &K,
    u: MatRef<'_, K::E>,
    mut b: MatMut<'_, K::E>,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<()> {
    let n = u.rows();
    debug_assert!(u.cols() == n && b.rows() == n);
    if n <= 1 || b.cols() == 0 {
        return Ok(());
    }
    if n <= TRSM_LEAF {
        // Column by column: x_t = b_t - sum_{s > t} u_ts x_s, one reduction per entry.
        let mut x = [K::E::default(); TRSM_LEAF];
        for col in 0..b.cols() {
            for t in (0..n).rev() {
                x[t] = k.dot_sub(b.row(t)[col], &u.row(t)[t + 1..], &x[t + 1..n]);
            }
            for t in 0..n - 1 {
                b.row_mut(t)[col] = x[t];
            }
        }
        return Ok(());
    }
    let h = n / 2;
    let (mut b1, mut b2) = b.split_rows_at(h);
    trsm_upper_unit(k, u.submatrix(h, h, n - h, n - h), b2.rb_mut(), par, intr)?;
    k.gemm_sub(b1.rb_mut(), u.submatrix(0, h, h, n - h), b2.rb(), par, intr)?;
    trsm_upper_unit(k, u.submatrix(0, 0, h, h), b1, par, intr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::large_prime::U64Arith;
    use crate::linalg::mat::Mat;
    use crate::par::NoInterrupt;
    use crate::ring::{PrimeField, Ring};

    fn matmul(f: &PrimeField, a: &Mat<u64>, b: &Mat<u64>) -> Mat<u64> {
        Mat::from_fn(a.rows(), b.cols(), |i, j| {
            (0..a.cols()).fold(0, |acc, t| f.add(&acc, &f.mul(&a[(i, t)], &b[(t, j)])))
        })
    }

    fn lcg(seed: &mut u64, p: u64) -> u64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) % p
    }

    #[test]
    fn triangular_solves_invert_the_products() {
        let p = (1u64 << 61) - 1;
        let f = PrimeField::new(p).unwrap();
        let k = U64Arith::new(&f);
        let mut s = 7;
        for n in [1usize, 5, 16, 17, 40] {
            let lower = Mat::from_fn(n, n, |i, j| if i == j { 1 } else if i > j { lcg(&mut s, p) } else { 0 });
            let upper = lower.transpose();
            let x = Mat::from_fn(n, 3, |_, _| lcg(&mut s, p));
            let mut b = matmul(&f, &lower, &x);
            trsm_lower_unit(&k, lower.view(), b.view_mut(), Par::Seq, &NoInterrupt).unwrap();
            assert_eq!(b, x);
            let mut b = matmul(&f, &upper, &x);
            trsm_upper_unit(&k, upper.view(), b.view_mut(), Par::Seq, &NoInterrupt).unwrap();
            assert_eq!(b, x);
        }
    }

    #[test]
    fn echelon_reconstructs_the_permuted_matrix() {
        // P A = L U: rebuild L and U from the packed output and compare with the rows of A.
        let p = 1_000_000_007u64;
        let f = PrimeField::new(p).unwrap();
        let k = U64Arith::new(&f);
        let mut s = 3;
        let (m, n, r) = (45usize, 70usize, 30usize);
        let b = Mat::from_fn(m, r, |_, _| lcg(&mut s, p));
        let c = Mat::from_fn(r, n, |_, j| if j % 4 == 1 { 0 } else { lcg(&mut s, p) });
        let a = matmul(&f, &b, &c);
        let mut w = a.clone();
        let piv = echelonize(&k, w.view_mut(), true, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(piv.len(), r);
        assert!(piv.iter().all(|c| c % 4 != 1));
        let l = Mat::from_fn(m, r, |i, t| if i == t { 1 } else if i > t { w[(i, piv[t])] } else { 0 });
        let u = Mat::from_fn(r, n, |t, j| if j >= piv[t] { w[(t, j)] } else { 0 });
        let lu = matmul(&f, &l, &u);
        let mut rows_a: Vec<&[u64]> = (0..m).map(|i| a.row(i)).collect();
        let mut rows_lu: Vec<&[u64]> = (0..m).map(|i| lu.row(i)).collect();
        rows_a.sort();
        rows_lu.sort();
        assert_eq!(rows_a, rows_lu);
    }
}
