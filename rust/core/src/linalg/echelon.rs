//! An incremental echelon form: the row space of a growing set of rows, for ranks of Jacobians
//! whose rows arrive in batches of random evaluation points.
//!
//! The basis is kept as a sequence of *groups*, one per batch that added rows. Group `g` is in
//! reduced row echelon form on its own pivot columns `P_g` (identity there) and has zeros in the
//! pivot columns of every earlier group. A new batch `X` is reduced by one matrix product per
//! group, in order: `X <- X - X[:, P_g] G_g`. After step `g`, `X` vanishes on `P_0..P_g`, and later
//! groups vanish there too, so the zeros survive. The reduced batch is then eliminated on its
//! own; its independent rows, in RREF, become the next group. Adding `b` rows to a basis of rank
//! `r` in `n` columns costs `b r n` multiply-adds in matrix products plus the elimination of the
//! `b x n` remainder; old rows are never rewritten (except when two small groups are merged).

use super::arith::{gather_cols, ModArith};
use super::elim::echelonize;
use super::large_prime::U64Arith;
use super::mat::{Mat, MatRef};
use super::rref::{encode, reduce_echelon};
use super::small_prime::F64Arith;
use crate::error::{CoreError, Result};
use crate::par::{check_allocation, Interrupt, NoInterrupt, Par};
use crate::ring::PrimeField;

/// Groups smaller than this are merged with the next small group, so that feeding rows one
/// at a time does not leave thousands of one-row matrix products per batch.
const MERGE_BELOW: usize = 64;

/// Incremental row echelon form over F_p of a growing set of rows with `cols` columns.
#[derive(Debug, Clone)]
pub struct Echelon {
    field: PrimeField,
    cols: usize,
    basis: Basis,
}

#[derive(Debug, Clone)]
enum Basis {
    Small(Groups<F64Arith>),
    Large(Groups<U64Arith>),
}

#[derive(Debug, Clone)]
struct Groups<K: ModArith> {
    k: K,
    groups: Vec<Group<K::E>>,
}

/// Rows in RREF on their own pivot columns, zero on earlier groups' pivot columns.
#[derive(Debug, Clone)]
struct Group<E> {
    pivots: Vec<usize>,
    rows: Mat<E>,
}

impl Echelon {
    /// The empty basis (rank 0) for rows with `cols` entries.
    pub fn new(field: &PrimeField, cols: usize) -> Self {
        let basis = match F64Arith::new(field) {
            Some(k) => Basis::Small(Groups { k, groups: Vec::new() }),
            None => Basis::Large(Groups { k: U64Arith::new(field), groups: Vec::new() }),
        };
        Echelon { field: *field, cols, basis }
    }

    /// The field.
    pub fn field(&self) -> &PrimeField {
        &self.field
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The rank of all rows added so far.
    pub fn rank(&self) -> usize {
        match &self.basis {
            Basis::Small(g) => g.rank(),
            Basis::Large(g) => g.rank(),
        }
    }

    /// The pivot columns of the basis, increasing. For rows added in one batch these are the
    /// pivot columns of their RREF; across batches they depend on the order of the batches.
    pub fn pivot_cols(&self) -> Vec<usize> {
        let mut p: Vec<usize> = match &self.basis {
            Basis::Small(g) => g.groups.iter().flat_map(|g| g.pivots.iter().copied()).collect(),
            Basis::Large(g) => g.groups.iter().flat_map(|g| g.pivots.iter().copied()).collect(),
        };
        p.sort_unstable();
        p
    }

    /// Adds the rows of `rows` (entries taken modulo p) and returns by how much the rank grew:
    /// the number of new rows independent of everything added before.
    ///
    /// On error (wrong column count, interruption, memory limit) the basis is unchanged.
    pub fn add_rows(&mut self, rows: &Mat<u64>, par: Par, intr: &dyn Interrupt) -> Result<usize> {
        if rows.cols() != self.cols {
            return Err(CoreError::invalid(
                "rows",
                format!("expected {} columns, got {}", self.cols, rows.cols()),
            ));
        }
        match &mut self.basis {
            Basis::Small(g) => g.add(rows, par, intr),
            Basis::Large(g) => g.add(rows, par, intr),
        }
    }
}

impl<K: ModArith> Groups<K> {
    fn rank(&self) -> usize {
        self.groups.iter().map(|g| g.pivots.len()).sum()
    }

    fn add(&mut self, rows: &Mat<u64>, par: Par, intr: &dyn Interrupt) -> Result<usize> {
        let k = &self.k;
        let n = rows.cols();
        if rows.rows() == 0 || n == 0 || self.rank() == n {
            return Ok(0);
        }
        let mut x = encode(k, rows)?;
        let mut coeffs = Vec::new();
        for g in &self.groups {
            intr.check()?;
            check_allocation("echelon coefficients", (x.rows() as u128) * g.pivots.len() as u128, 8)?;
            gather_cols(x.view(), &g.pivots, &mut coeffs);
            let a = MatRef::new(&coeffs, x.rows(), g.pivots.len(), g.pivots.len())?;
            k.gemm_sub(x.view_mut(), a, g.rows.view(), par, intr)?;
        }
        let pivots = echelonize(k, x.view_mut(), true, par, intr)?;
        let added = pivots.len();
        if added == 0 {
            return Ok(0);
        }
        let (free, xf) = reduce_echelon(k, x.view().submatrix(0, 0, added, n), &pivots, par, intr)?;
        let mut rows = Mat::zeros(added, n);
        for (t, &c) in pivots.iter().enumerate() {
            let row = rows.row_mut(t);
            row[c] = k.one();
            for (&j, &v) in free.iter().zip(xf.row(t)) {
                row[j] = v;
            }
        }
        let new = Group { pivots, rows };
        match self.groups.last_mut() {
            Some(last) if last.pivots.len() < MERGE_BELOW && added < MERGE_BELOW => {
                merge(k, last, new)?;
            }
            _ => self.groups.push(new),
        }
        Ok(added)
    }
}

/// Appends group `new` (which vanishes on `last`'s pivots) to `last`, first clearing `new`'s
/// pivot columns from `last`'s rows: `L <- L - L[:, P_new] N`. Both are small, so this is not
/// interruptible, which keeps the basis consistent.
fn merge<K: ModArith>(k: &K, last: &mut Group<K::E>, new: Group<K::E>) -> Result<()> {
    let (r_old, r_new) = (last.pivots.len(), new.pivots.len());
    let mut coeffs = Vec::new();
    gather_cols(last.rows.view(), &new.pivots, &mut coeffs);
    let a = MatRef::new(&coeffs, r_old, r_new, r_new)?;
    k.gemm_sub(last.rows.view_mut(), a, new.rows.view(), Par::Seq, &NoInterrupt)?;
    let n = last.rows.cols();
    let mut data = std::mem::take(&mut last.rows).into_vec();
    data.extend_from_slice(new.rows.as_slice());
    last.rows = Mat::from_vec(r_old + r_new, n, data)?;
    last.pivots.extend_from_slice(&new.pivots);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::rank_mod_p;

    #[test]
    fn batches_add_up_to_the_rank_of_the_stack() {
        for p in [3u64, 8_388_593, (1 << 61) - 1] {
            let f = PrimeField::new(p).unwrap();
            let mut s = 11u64;
            let mut next = || {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                s >> 20
            };
            // Rows in a 25-dimensional subspace of F_p^40: combinations of 25 fixed rows.
            let gens = Mat::from_fn(25, 40, |_, _| next());
            let mut e = Echelon::new(&f, 40);
            let mut all: Vec<u64> = Vec::new();
            let mut total = 0;
            for b in [1usize, 3, 0, 10, 30, 7] {
                let coef: Vec<u64> = (0..b * 25).map(|_| next() % 3).collect();
                let batch = Mat::from_fn(b, 40, |i, j| {
                    (0..25).fold(0u64, |acc, t| (acc + coef[i * 25 + t] * (gens[(t, j)] % p)) % p)
                });
                all.extend_from_slice(batch.as_slice());
                total += e.add_rows(&batch, Par::Seq, &NoInterrupt).unwrap();
                let stack = Mat::from_vec(all.len() / 40, 40, all.clone()).unwrap();
                let r = rank_mod_p(&f, &stack, Par::Seq, &NoInterrupt).unwrap();
                assert_eq!((e.rank(), total), (r, r), "p={p}");
                assert_eq!(e.pivot_cols().len(), r);
            }
            assert!(e.add_rows(&Mat::zeros(2, 39), Par::Seq, &NoInterrupt).is_err());
        }
    }
}
