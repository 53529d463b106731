//! Rank, reduced row echelon form and right kernel modulo p: the high-level entry points.

use super::arith::{gather_cols, parallel_pass, ModArith};
use super::elim::echelonize;
use super::mat::{Mat, MatMut, MatRef};
use super::trsm::trsm_upper_unit;
use super::with_arith;
use crate::error::Result;
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::PrimeField;
use rayon::prelude::*;

/// The reduced row echelon form `R` of a matrix `A` over F_p.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rref {
    /// `rank(A)`.
    pub rank: usize,
    /// The pivot columns `c_0 < ... < c_{rank-1}` (the lexicographically first independent
    /// columns of `A`).
    pub pivot_cols: Vec<usize>,
    /// `rank x cols`: row `t` has a 1 in column `c_t`, zeros in the other pivot columns and
    /// before `c_t`; the rows are a basis of the row space of `A`.
    pub rows: Mat<u64>,
}

/// `rank(A)` over F_p. Entries are taken modulo p (nothing is assumed reduced).
///
/// Blocked recursive elimination (see `elim.rs`) of `A` or, when it has more rows than columns,
/// of `A^T` (same rank): with fewer rows than columns the elimination stops as soon as every row
/// holds a pivot, so a tall full-rank `m x n` matrix costs `O(n^3)` instead of `O(m n^2)`. At
/// most `O(m n r)` field operations, nearly all in matrix products. Sequential and parallel
/// runs return the same rank.
///
/// ```
/// use neurocore_core::linalg::{rank_mod_p, Mat};
/// use neurocore_core::ring::PrimeField;
/// use neurocore_core::{NoInterrupt, Par};
///
/// let field = PrimeField::new(7).unwrap();
/// let a = Mat::from_vec(2, 3, vec![1, 2, 3, 2, 4, 13]).unwrap(); // 13 = 6 mod 7
/// assert_eq!(rank_mod_p(&field, &a, Par::Seq, &NoInterrupt).unwrap(), 1);
/// ```
pub fn rank_mod_p(field: &PrimeField, a: &Mat<u64>, par: Par, intr: &dyn Interrupt) -> Result<usize> {
    with_arith!(field, k => {
        let mut w = if a.rows() > a.cols() {
            encode_transposed(&k, a, par)?
        } else {
            encode(&k, a, par)?
        };
        Ok(echelonize(&k, w.view_mut(), false, par, intr)?.len())
    })
}

/// The reduced row echelon form of `A` over F_p: `R = U11^{-1} U` where `P A = L U`, which is
/// independent of how the elimination pivoted.
pub fn rref_mod_p(field: &PrimeField, a: &Mat<u64>, par: Par, intr: &dyn Interrupt) -> Result<Rref> {
    with_arith!(field, k => {
        let Reduced { pivots: pivot_cols, free, x } = reduced_free_part(&k, a, par, intr)?;
        let (rank, n) = (pivot_cols.len(), a.cols());
        check_allocation("rref rows", (rank as u128) * n as u128, 8)?;
        let mut rows = Mat::zeros(rank, n);
        for t in 0..rank {
            let row = rows.row_mut(t);
            row[pivot_cols[t]] = 1;
            for (&j, &v) in free.iter().zip(x.row(t)) {
                row[j] = k.decode(v);
            }
        }
        Ok(Rref { rank, pivot_cols, rows })
    })
}

/// A basis of the right kernel `{x : A x = 0}` over F_p, as the rows of a
/// `(cols - rank) x cols` matrix `K` with `A K^T = 0`.
///
/// The standard basis read off the RREF: for the `j`-th free (non-pivot) column `f_j`, row `j`
/// has a 1 in column `f_j`, `-R[t][f_j]` in each pivot column `c_t`, and zeros elsewhere.
pub fn kernel_basis_mod_p(field: &PrimeField, a: &Mat<u64>, par: Par, intr: &dyn Interrupt) -> Result<Mat<u64>> {
    with_arith!(field, k => {
        let Reduced { pivots, free, x } = reduced_free_part(&k, a, par, intr)?;
        let n = a.cols();
        check_allocation("kernel basis", (free.len() as u128) * n as u128, 8)?;
        let mut basis = Mat::zeros(free.len(), n);
        for (j, &f) in free.iter().enumerate() {
            let row = basis.row_mut(j);
            row[f] = 1;
            for (t, &c) in pivots.iter().enumerate() {
                row[c] = k.decode(k.neg(x[(t, j)]));
            }
        }
        Ok(basis)
    })
}

/// Copies `a` into the working representation, reducing every entry modulo p.
pub(crate) fn encode<K: ModArith>(k: &K, a: &Mat<u64>, par: Par) -> Result<Mat<K::E>> {
    check_allocation("working copy of the matrix", (a.rows() as u128) * a.cols() as u128, 8)?;
    let src = a.as_slice();
    let data = if parallel_pass(par, src.len()) {
        src.par_iter().map(|&x| k.encode(x)).collect()
    } else {
        src.iter().map(|&x| k.encode(x)).collect()
    };
    Mat::from_vec(a.rows(), a.cols(), data)
}

/// Copies `a^T` into the working representation, reducing every entry modulo p. Works on
/// 64 x 64 tiles so that both the reads and the writes stay within a few cache lines.
pub(crate) fn encode_transposed<K: ModArith>(k: &K, a: &Mat<u64>, par: Par) -> Result<Mat<K::E>> {
    const TILE: usize = 64;
    let (m, n) = (a.rows(), a.cols());
    check_allocation("working copy of the matrix", (m as u128) * n as u128, 8)?;
    let mut t = Mat::zeros(n, m);
    let src = a.as_slice();
    // Block `b` of the output is its rows b*TILE.., i.e. the columns b*TILE.. of `a`.
    let fill = |b: usize, out: &mut [K::E]| {
        let j0 = b * TILE;
        let cols = out.len() / m.max(1);
        for i0 in (0..m).step_by(TILE) {
            for j in 0..cols {
                for i in i0..(i0 + TILE).min(m) {
                    out[j * m + i] = k.encode(src[i * n + j0 + j]);
                }
            }
        }
    };
    if m > 0 && n > 0 {
        if parallel_pass(par, m * n) {
            t.as_mut_slice().par_chunks_mut(TILE * m).enumerate().for_each(|(b, out)| fill(b, out));
        } else {
            t.as_mut_slice().chunks_mut(TILE * m).enumerate().for_each(|(b, out)| fill(b, out));
        }
    }
    Ok(t)
}

/// The RREF of a matrix in compressed form: the identity in the pivot columns, `x` in the free
/// columns.
struct Reduced<E> {
    pivots: Vec<usize>,
    free: Vec<usize>,
    /// `rank x free.len()`: `U11^{-1} U_free`.
    x: Mat<E>,
}

/// Eliminates `a` and returns its RREF in compressed form.
fn reduced_free_part<K: ModArith>(k: &K, a: &Mat<u64>, par: Par, intr: &dyn Interrupt) -> Result<Reduced<K::E>> {
    let mut w = encode(k, a, par)?;
    let pivots = echelonize(k, w.view_mut(), true, par, intr)?;
    let rank = pivots.len();
    let (free, x) = reduce_echelon(k, w.view().submatrix(0, 0, rank, a.cols()), &pivots, par, intr)?;
    Ok(Reduced { pivots, free, x })
}

/// Given the first `r` rows of the output of [`echelonize`] (`U` in row echelon form, with
/// multipliers of `L` left of each pivot) and its pivots, returns the free columns and
/// `X = U11^{-1} U_free`, where `U11` is `U` restricted to the pivot columns (upper triangular)
/// and `U_free` to the others. `[I | X]` (columns permuted back) is the RREF of the row space.
pub(crate) fn reduce_echelon<K: ModArith>(
    k: &K,
    u: MatRef<'_, K::E>,
    pivots: &[usize],
    par: Par,
    intr: &dyn Interrupt,
) -> Result<(Vec<usize>, Mat<K::E>)> {
    let (r, n) = (pivots.len(), u.cols());
    debug_assert_eq!(u.rows(), r);
    let mut is_pivot = vec![false; n];
    for &c in pivots {
        is_pivot[c] = true;
    }
    let free: Vec<usize> = (0..n).filter(|&j| !is_pivot[j]).collect();
    check_allocation("reduced echelon form", (r as u128) * (n as u128), 8)?;
    // Scale row t by 1 / U[t][c_t] so that U11 is unit upper triangular; entries left of the
    // pivot are multipliers of L (or exact zeros) and are dropped.
    let mut u11 = Vec::new();
    gather_cols(u, pivots, &mut u11, par);
    let mut x = Vec::new();
    gather_cols(u, &free, &mut x, par);
    let nf = free.len();
    for t in 0..r {
        let s = k.inv(u11[t * r + t])?;
        let row = &mut u11[t * r..(t + 1) * r];
        row[..=t].fill(K::E::default());
        k.scale(&mut row[t + 1..], s);
        let row = &mut x[t * nf..(t + 1) * nf];
        let first = free.partition_point(|&j| j < pivots[t]);
        row[..first].fill(K::E::default());
        k.scale(&mut row[first..], s);
    }
    let u11 = MatRef::new(&u11, r, r, r)?;
    trsm_upper_unit(k, u11, MatMut::new(&mut x, r, nf, nf)?, par, intr)?;
    Ok((free, Mat::from_vec(r, nf, x)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::NoInterrupt;

    #[test]
    fn small_examples_over_two_kernels() {
        for p in [7u64, (1 << 61) - 1] {
            let f = PrimeField::new(p).unwrap();
            // Rank 2, pivots in columns 0 and 2 (column 1 = 2 * column 0).
            let a = Mat::from_vec(3, 4, vec![1, 2, 0, 1, 2, 4, 1, 0, 3, 6, 1, 1]).unwrap();
            assert_eq!(rank_mod_p(&f, &a, Par::Seq, &NoInterrupt).unwrap(), 2);
            let r = rref_mod_p(&f, &a, Par::Seq, &NoInterrupt).unwrap();
            assert_eq!(r.pivot_cols, vec![0, 2]);
            assert_eq!(r.rows.row(0), &[1, 2, 0, 1]);
            assert_eq!(r.rows.row(1), &[0, 0, 1, p - 2]);
            let ker = kernel_basis_mod_p(&f, &a, Par::Seq, &NoInterrupt).unwrap();
            assert_eq!(ker.rows(), 2);
            assert_eq!(ker.row(0), &[p - 2, 1, 0, 0]);
            assert_eq!(ker.row(1), &[p - 1, 0, 2, 1]);
        }
    }

    #[test]
    fn transposed_encoding() {
        let a = Mat::from_fn(130, 70, |i, j| (1000 * i + j) as u64);
        let f = PrimeField::new((1 << 61) - 1).unwrap();
        let k = crate::linalg::large_prime::U64Arith::new(&f);
        assert_eq!(encode_transposed(&k, &a, Par::Seq).unwrap(), a.transpose());
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let t = pool.install(|| encode_transposed(&k, &a, Par::from_threads(2)).unwrap());
        assert_eq!(t, a.transpose());
        let empty = Mat::<u64>::zeros(5, 0);
        assert_eq!(encode_transposed(&k, &empty, Par::Seq).unwrap().rows(), 0);
    }

    #[test]
    fn degenerate_shapes() {
        let f = PrimeField::new(5).unwrap();
        for (m, n) in [(0usize, 0usize), (0, 3), (3, 0), (1, 1), (1, 4), (4, 1)] {
            let zero = Mat::zeros(m, n);
            assert_eq!(rank_mod_p(&f, &zero, Par::Seq, &NoInterrupt).unwrap(), 0);
            let r = rref_mod_p(&f, &zero, Par::Seq, &NoInterrupt).unwrap();
            assert_eq!((r.rank, r.rows.rows(), r.rows.cols()), (0, 0, n));
            let ker = kernel_basis_mod_p(&f, &zero, Par::Seq, &NoInterrupt).unwrap();
            assert_eq!((ker.rows(), ker.cols()), (n, n));
            // Entries >= p are reduced: all fives are zero mod 5, all sixes are ones.
            let fives = Mat::from_fn(m, n, |_, _| 5);
            assert_eq!(rank_mod_p(&f, &fives, Par::Seq, &NoInterrupt).unwrap(), 0);
            let sixes = Mat::from_fn(m, n, |_, _| u64::MAX - 3);
            let expect = usize::from(m > 0 && n > 0);
            assert_eq!(rank_mod_p(&f, &sixes, Par::Seq, &NoInterrupt).unwrap(), expect);
        }
    }
}
