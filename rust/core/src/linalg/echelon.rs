//! An incremental echelon form: the row space of a growing set of rows, for ranks of Jacobians
//! whose rows arrive in batches of random evaluation points.
//!
//! The basis is kept as a sequence of *groups*, one per batch that added rows. Let `R_g` be the
//! columns that are pivots of no group before `g` (`R_0` = all columns). Group `g` has pivot
//! columns `P_g` in `R_g`; on `P_g` its rows are the identity, on earlier groups' pivots they
//! vanish, so only their entries on `R_{g+1} = R_g \ P_g` are stored. A new batch `X` is reduced
//! group by group, in order, as `X|R_{g+1} <- X|R_{g+1} - X|P_g G_g`: this clears `P_g`, and later
//! groups vanish there so the zeros survive. What is left, `X|R_G`, is eliminated on its own; its
//! independent rows, in RREF, become the next group. Adding `b` rows to a basis of rank `r` with
//! `n` columns costs at most `b r n` multiply-adds, all in matrix products (about half of that
//! when `r` is close to `n`, as the stored groups shrink), plus the elimination of the `b x |R_G|`
//! remainder. Old groups are never rewritten, except that a small group absorbs the next small
//! one.

use super::arith::{gather_cols, ModArith};
use super::elim::echelonize;
use super::large_prime::U64Arith;
use super::mat::{Mat, MatRef};
use super::rref::{encode, reduce_echelon};
use super::small_prime::F64Arith;
use crate::error::{CoreError, Result};
use crate::par::{check_allocation, Interrupt, NoInterrupt, Par};
use crate::ring::PrimeField;

/// A group smaller than this absorbs the next small group, so that feeding rows one at a time
/// does not leave one tiny matrix product (and one gather of the batch) per row.
const MERGE_BELOW: usize = 64;

/// Incremental row echelon form over F_p of a growing set of rows with `cols` columns.
///
/// ```
/// use neurocore_core::linalg::{Echelon, Mat};
/// use neurocore_core::ring::PrimeField;
/// use neurocore_core::{NoInterrupt, Par};
///
/// let field = PrimeField::new((1 << 61) - 1).unwrap();
/// let mut e = Echelon::new(&field, 3);
/// let batch = Mat::from_vec(2, 3, vec![1, 0, 1, 2, 0, 2]).unwrap();
/// assert_eq!(e.add_rows(&batch, Par::Seq, &NoInterrupt).unwrap(), 1);
/// let batch = Mat::from_vec(1, 3, vec![0, 5, 0]).unwrap();
/// assert_eq!(e.add_rows(&batch, Par::Seq, &NoInterrupt).unwrap(), 1);
/// assert_eq!((e.rank(), e.pivot_cols()), (2, vec![0, 1]));
/// ```
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
    /// `R_G`: the columns that are pivots of no group, increasing.
    remaining: Vec<usize>,
    /// Set by [`Echelon::add_rows_until`] when the rank reached its target: the pivot columns
    /// of the last batch, which was eliminated but not brought to RREF (no rows can follow).
    closed: Option<Vec<usize>>,
}

/// One group `g`, in the coordinates of `R_g` (the columns left by the groups before it).
#[derive(Debug, Clone)]
struct Group<E> {
    /// `P_g`, as column indices, increasing.
    pivots: Vec<usize>,
    /// Positions of `P_g` within `R_g`.
    pivot_pos: Vec<usize>,
    /// Positions of `R_{g+1} = R_g \ P_g` within `R_g`.
    rest_pos: Vec<usize>,
    /// `|P_g| x |R_{g+1}|`: the rows on `R_{g+1}` (identity on `P_g`, zero on earlier pivots).
    rows: Mat<E>,
}

impl Echelon {
    /// The empty basis (rank 0) for rows with `cols` entries.
    pub fn new(field: &PrimeField, cols: usize) -> Self {
        let remaining = (0..cols).collect();
        let basis = match F64Arith::new(field) {
            Some(k) => Basis::Small(Groups { k, groups: Vec::new(), remaining, closed: None }),
            None => Basis::Large(Groups { k: U64Arith::new(field), groups: Vec::new(), remaining, closed: None }),
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

    /// The pivot columns, increasing: the column rank profile of all rows added so far (the
    /// lexicographically first independent columns), the same as the pivot columns of the RREF
    /// of the stacked rows, whatever the batches were. (Each group's pivots are in the profile
    /// of the row space, because coordinates dependent on a space stay dependent on its
    /// subspaces; the groups' pivots are disjoint and as many as the rank.)
    pub fn pivot_cols(&self) -> Vec<usize> {
        let mut p: Vec<usize> = match &self.basis {
            Basis::Small(g) => g.pivots(),
            Basis::Large(g) => g.pivots(),
        };
        p.sort_unstable();
        p
    }

    /// Adds the rows of `rows` (entries taken modulo p) and returns by how much the rank grew:
    /// the number of new rows independent of everything added before.
    ///
    /// On error (wrong column count, interruption, memory limit) the basis is unchanged.
    pub fn add_rows(&mut self, rows: &Mat<u64>, par: Par, intr: &dyn Interrupt) -> Result<usize> {
        self.add_rows_until(rows, usize::MAX, par, intr)
    }

    /// [`Echelon::add_rows`] for a caller that stops once the rank reaches `target` (a proven
    /// upper bound): when this batch can reach it, the batch is only eliminated (the solves that
    /// serve later rows alone and the reduction to RREF are skipped), and if it does reach it
    /// the basis is closed: [`Echelon::rank`] and [`Echelon::pivot_cols`] stay valid, further
    /// rows are refused. The rank is the same as with `add_rows`.
    pub fn add_rows_until(&mut self, rows: &Mat<u64>, target: usize, par: Par, intr: &dyn Interrupt) -> Result<usize> {
        if rows.cols() != self.cols {
            return Err(CoreError::invalid("rows", format!("expected {} columns, got {}", self.cols, rows.cols())));
        }
        match &mut self.basis {
            Basis::Small(g) => g.add(rows, target, par, intr),
            Basis::Large(g) => g.add(rows, target, par, intr),
        }
    }
}

impl<K: ModArith> Groups<K> {
    fn rank(&self) -> usize {
        self.groups.iter().map(|g| g.pivots.len()).sum::<usize>() + self.closed.as_ref().map_or(0, Vec::len)
    }

    fn pivots(&self) -> Vec<usize> {
        let closed = self.closed.iter().flatten().copied();
        self.groups.iter().flat_map(|g| g.pivots.iter().copied()).chain(closed).collect()
    }

    fn add(&mut self, rows: &Mat<u64>, target: usize, par: Par, intr: &dyn Interrupt) -> Result<usize> {
        if self.closed.is_some() {
            return Err(CoreError::internal("rows added to an echelon form closed at its target rank"));
        }
        let k = &self.k;
        let b = rows.rows();
        if b == 0 || self.remaining.is_empty() {
            return Ok(0);
        }
        let rank_before = self.rank();
        // U is needed for the RREF unless this batch may close the basis. Skipping its solves
        // (echelonize with need_u = false) leaves U incomplete only once every row of the batch
        // is a pivot row, and then the rank is rank_before + b >= target: closed, U unused.
        let may_close = rank_before.saturating_add(b) >= target;
        // x = the batch restricted to R_g, reduced against the groups before g.
        let mut x = encode(k, rows, par)?;
        let mut coeffs = Vec::new();
        let mut rest = Vec::new();
        for g in &self.groups {
            intr.check()?;
            check_allocation("echelon reduction", (b as u128) * x.cols() as u128, 8)?;
            gather_cols(x.view(), &g.pivot_pos, &mut coeffs, par);
            gather_cols(x.view(), &g.rest_pos, &mut rest, par);
            let a = MatRef::new(&coeffs, b, g.pivots.len(), g.pivots.len())?;
            let mut next = Mat::from_vec(b, g.rest_pos.len(), std::mem::take(&mut rest))?;
            k.gemm_sub(next.view_mut(), a, g.rows.view(), par, intr)?;
            rest = std::mem::replace(&mut x, next).into_vec();
        }
        let pos = echelonize(k, x.view_mut(), !may_close, par, intr)?;
        let added = pos.len();
        if added == 0 {
            return Ok(0);
        }
        if rank_before + added >= target {
            self.closed = Some(pos.iter().map(|&p| self.remaining[p]).collect());
            return Ok(added);
        }
        let (rest_pos, rows) = reduce_echelon(k, x.view().submatrix(0, 0, added, x.cols()), &pos, par, intr)?;
        let pivots = pos.iter().map(|&p| self.remaining[p]).collect();
        let new = Group { pivots, pivot_pos: pos, rest_pos, rows };
        let remaining = new.rest_pos.iter().map(|&p| self.remaining[p]).collect();
        match self.groups.last_mut() {
            Some(last) if last.pivots.len() < MERGE_BELOW && added < MERGE_BELOW => {
                merge(k, last, new)?;
            }
            _ => self.groups.push(new),
        }
        self.remaining = remaining;
        Ok(added)
    }
}

/// Folds group `new` (group `g + 1`) into `last` (group `g`): `last`'s rows lose `new`'s pivot
/// columns, `L|R_{g+2} <- L|R_{g+2} - L|P_{g+1} N`, and the two stacks of rows become one group
/// on `R_{g+2}`. Both are small, so this is not interruptible, and `last` is only assigned once
/// everything is computed, which keeps the basis consistent.
fn merge<K: ModArith>(k: &K, last: &mut Group<K::E>, new: Group<K::E>) -> Result<()> {
    let (r_old, r_new) = (last.pivots.len(), new.pivots.len());
    let mut coeffs = Vec::new();
    gather_cols(last.rows.view(), &new.pivot_pos, &mut coeffs, Par::Seq);
    let mut rest = Vec::new();
    gather_cols(last.rows.view(), &new.rest_pos, &mut rest, Par::Seq);
    let width = new.rest_pos.len();
    let mut reduced = Mat::from_vec(r_old, width, rest)?;
    let a = MatRef::new(&coeffs, r_old, r_new, r_new)?;
    k.gemm_sub(reduced.view_mut(), a, new.rows.view(), Par::Seq, &NoInterrupt)?;
    let mut data = reduced.into_vec();
    data.extend_from_slice(new.rows.as_slice());
    last.rows = Mat::from_vec(r_old + r_new, width, data)?;
    // Positions in R_{g+1} become positions in R_g through `last.rest_pos`.
    last.pivot_pos.extend(new.pivot_pos.iter().map(|&p| last.rest_pos[p]));
    last.rest_pos = new.rest_pos.iter().map(|&p| last.rest_pos[p]).collect();
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

    #[test]
    fn closing_at_a_target_keeps_rank_and_profile() {
        for p in [8_388_593u64, (1 << 61) - 1] {
            let f = PrimeField::new(p).unwrap();
            let mut s = 5u64;
            let mut next = || {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (s >> 20) % p
            };
            // Rank 30 in F_p^90 (30 generic rows times random combinations), reached by the
            // second batch; and a full-rank batch (every row a pivot, where U is left incomplete).
            let gens = Mat::from_fn(30, 90, |_, j| if j % 3 == 0 { 0 } else { next() });
            let comb = |b: usize, next: &mut dyn FnMut() -> u64| {
                let c: Vec<u64> = (0..b * 30).map(|_| next()).collect();
                Mat::from_fn(b, 90, |i, j| {
                    (0..30).fold(0u128, |acc, t| (acc + c[i * 30 + t] as u128 * gens[(t, j)] as u128) % p as u128)
                        as u64
                })
            };
            let (b1, b2) = (comb(12, &mut next), comb(40, &mut next));
            let (mut full, mut until) = (Echelon::new(&f, 90), Echelon::new(&f, 90));
            for b in [&b1, &b2] {
                full.add_rows(b, Par::Seq, &NoInterrupt).unwrap();
                until.add_rows_until(b, 30, Par::Seq, &NoInterrupt).unwrap();
            }
            assert_eq!((until.rank(), full.rank()), (30, 30));
            assert_eq!(until.pivot_cols(), full.pivot_cols());
            assert!(until.add_rows(&b1, Par::Seq, &NoInterrupt).is_err());
            // Not reached: the basis stays open and equal to the one add_rows builds.
            let mut open = Echelon::new(&f, 90);
            assert_eq!(open.add_rows_until(&b1, 31, Par::Seq, &NoInterrupt).unwrap(), 12);
            assert_eq!(open.add_rows_until(&b2, 31, Par::Seq, &NoInterrupt).unwrap(), 18);
            assert_eq!(open.pivot_cols(), full.pivot_cols());
            let square = Mat::from_fn(20, 20, |_, _| next());
            let mut e = Echelon::new(&f, 20);
            let r = rank_mod_p(&f, &square, Par::Seq, &NoInterrupt).unwrap();
            assert_eq!(e.add_rows_until(&square, r, Par::Seq, &NoInterrupt).unwrap(), r);
        }
    }
}
