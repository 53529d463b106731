//! Row echelon form by recursive blocked LU with row pivoting and column skipping.
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
//! [`ModArith::gemm_sub`], which is blocked, parallel and interruptible. The triangular solves
//! are in `trsm.rs`.

use super::arith::{gather_cols, map_row_blocks, parallel_pass, ModArith};
use super::mat::{MatMut, MatRef};
use super::trsm::trsm_lower_unit;
use crate::error::Result;
use crate::par::{check_allocation, Interrupt, Par};

/// Brings `w` (`m x n`) to row echelon form in place and returns the pivot columns.
///
/// On return, with `r` pivots `c_0 < ... < c_{r-1}`: row `t < r` holds `U` in columns `>= c_t`
/// (`w[t][c_t] != 0`) and multipliers of `L` in the columns `c_s`, `s < t`; its other columns
/// left of `c_t` are zero. Rows `>= r` hold multipliers in the pivot columns and zeros elsewhere.
/// The rows of `U` span the row space of the input, and the pivots are its column rank profile
/// (the lexicographically first independent columns). With `need_u == false` the solve for `U12`
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
            gather_cols(pivot_rows.rb(), piv, &mut l11, Par::Seq);
            let l11 = MatRef::new(&l11, k1, k1, k1)?;
            let mut u12 = pivot_rows.submatrix_mut(0, cm, k1, c1 - cm);
            trsm_lower_unit(self.k, l11, u12.rb_mut(), self.par, self.intr)?;
            if below > 0 {
                check_allocation("elimination multipliers", (below * k1) as u128, 8)?;
                gather_cols(bottom.rb(), piv, &mut self.scratch, self.par);
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
        // Pivot rows of this panel are r0.., its pivot columns pcs[..], and u[s] the value of
        // pivot row s in the current column.
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
            let Some(pr) = self.update_column(w, r, j, &pcs[..kl], &u[..kl]) else {
                continue;
            };
            w.swap_rows(pr, r);
            let inv = k.inv(w.row(r)[j])?;
            let (_, below) = w.rb_mut().split_rows_at(r + 1);
            let parallel = parallel_pass(self.par, 4 * below.rows());
            map_row_blocks(below, parallel, |_, mut blk| {
                for i in 0..blk.rows() {
                    let x = &mut blk.row_mut(i)[j];
                    if !k.is_zero(*x) {
                        *x = k.mul(*x, inv);
                    }
                }
            });
            pcs[kl] = j;
            self.pivots.push(j);
        }
        Ok(())
    }

    /// Brings column `j` of the rows `r..` up to date with the panel's pivots (columns `pcs`,
    /// values `u` in column `j`): `a_ij <- a_ij - sum_t l_it u_t`. Returns the first of these
    /// rows with a nonzero entry in column `j`.
    fn update_column(&self, w: &mut MatMut<'_, K::E>, r: usize, j: usize, pcs: &[usize], u: &[K::E]) -> Option<usize> {
        let k = self.k;
        let (_, rest) = w.rb_mut().split_rows_at(r);
        if pcs.is_empty() {
            return (0..rest.rows()).find(|&i| !k.is_zero(rest.row(i)[j])).map(|i| r + i);
        }
        let parallel = parallel_pass(self.par, rest.rows() * (pcs.len() + 4));
        let firsts = map_row_blocks(rest, parallel, |offset, mut blk| {
            let mut lrow = [K::E::default(); 64];
            let mut first = None;
            for i in 0..blk.rows() {
                let row = blk.row_mut(i);
                for (l, &c) in lrow.iter_mut().zip(pcs) {
                    *l = row[c];
                }
                row[j] = k.dot_sub(row[j], &lrow[..pcs.len()], u);
                if first.is_none() && !k.is_zero(row[j]) {
                    first = Some(r + offset + i);
                }
            }
            first
        });
        firsts.into_iter().flatten().next()
    }
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
        let l = Mat::from_fn(m, r, |i, t| {
            if i == t {
                1
            } else if i > t {
                w[(i, piv[t])]
            } else {
                0
            }
        });
        let u = Mat::from_fn(r, n, |t, j| if j >= piv[t] { w[(t, j)] } else { 0 });
        let lu = matmul(&f, &l, &u);
        let mut rows_a: Vec<&[u64]> = (0..m).map(|i| a.row(i)).collect();
        let mut rows_lu: Vec<&[u64]> = (0..m).map(|i| lu.row(i)).collect();
        rows_a.sort();
        rows_lu.sort();
        assert_eq!(rows_a, rows_lu);
    }
}
