//! Hadamard-type bounds for the Cramer solution of `A_RP x = -A_{R f}`, and the number of p-adic
//! steps they require. All comparisons are exact (big integers); floating point only guesses
//! the starting step count.

use super::intmat::{log2_upper, IntMatrix};
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// Bounds for one lifting problem (matrix `A`, pivot rows `R`, pivot columns `P`, free `F`).
#[derive(Debug, Clone)]
pub(crate) struct SolutionBounds {
    /// An integer `H >= |det A_RP|` and `H >= |N_tj|` for every Cramer numerator
    /// `N_tj = det(A_RP with column t replaced by A_{R f_j})`.
    pub h: BigUint,
    /// `L = max_i sum_j |a_ij|` over all rows and columns of `A`.
    pub row_l1: BigUint,
}

impl SolutionBounds {
    /// Hadamard's inequality `|det M| <= prod ||rows of M||_2` (or columns), taking the better
    /// of: rows of `A[R, :]` (every matrix above has rows that are sub-rows of those), and the
    /// columns of `A_RP` with the smallest replaced by the largest free column.
    pub fn new(a: &IntMatrix, rows: &[usize], cols: &[usize], free: &[usize]) -> Self {
        let by_rows: BigUint = a.row_sq_norms(rows).into_iter().product();
        let col_sq = a.col_sq_norms(rows);
        let pivot_prod: BigUint = cols.iter().map(|&t| col_sq[t].clone()).product();
        let min_pivot = cols.iter().map(|&t| &col_sq[t]).min().cloned().unwrap_or_else(BigUint::one);
        let max_free = free.iter().map(|&f| &col_sq[f]).max().cloned().unwrap_or_else(BigUint::zero);
        let by_cols = if max_free > min_pivot && !min_pivot.is_zero() {
            let num = &pivot_prod * &max_free;
            (&num + &min_pivot - 1u32) / &min_pivot
        } else {
            pivot_prod
        };
        let h_sq = by_rows.min(by_cols);
        // Integer square root rounded up: H^2 >= h_sq.
        let mut h = h_sq.sqrt();
        if &h * &h < h_sq {
            h += 1u32;
        }
        SolutionBounds { h: h.max(BigUint::one()), row_l1: a.max_row_l1() }
    }

    /// `2 L H`: `p^K` above this proves `A k_j = 0` once every residual was divisible.
    pub fn certificate_target(&self) -> BigUint {
        (&self.row_l1 * &self.h) << 1u32
    }
}

/// The least `K` with `p^K > target`.
pub(crate) fn steps_for(target: &BigUint, p: u64) -> usize {
    if target.is_zero() {
        return 1;
    }
    let guess = (log2_upper(target) / (p as f64).log2()).floor().max(0.0) as u32;
    let pb = BigUint::from(p);
    let mut k = guess.saturating_sub(1);
    let mut pk = pb.pow(k);
    while &pk <= target {
        pk *= &pb;
        k += 1;
    }
    (k as usize).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_dominate_the_true_cramer_values() {
        // A_RP = [[3, 1], [4, 2]] (det 2), free column (5, -7).
        let a = IntMatrix::from_i64(2, 3, vec![3, 1, 5, 4, 2, -7]).unwrap();
        let b = SolutionBounds::new(&a, &[0, 1], &[0, 1], &[2]);
        // Cramer numerators: det [[5,1],[-7,2]] = 17, det [[3,5],[4,-7]] = -41.
        assert!(b.h >= BigUint::from(41u32));
        assert_eq!(b.row_l1, BigUint::from(13u32));
        assert_eq!(b.certificate_target(), &b.h * 26u32);
    }

    #[test]
    fn steps_are_minimal() {
        let p = 4_194_301u64;
        for t in [1u32, 2, 100, 1000, 5000] {
            let target = BigUint::from(3u32).pow(t);
            let k = steps_for(&target, p);
            assert!(BigUint::from(p).pow(k as u32) > target);
            assert!(k == 1 || BigUint::from(p).pow(k as u32 - 1) <= target);
        }
    }
}
