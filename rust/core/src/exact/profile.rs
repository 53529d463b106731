//! The rank profile of an integer matrix modulo a small prime: a maximal invertible submatrix
//! `A_RP` (rows `R`, columns `P`) and its inverse, the starting point of the p-adic lifting.

use super::fmod::FMod;
use super::intmat::IntMatrix;
use crate::error::{CoreError, Result};
use crate::linalg::{rref_mod_p, Mat};
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::PrimeField;

/// `rank(A mod p)`, the lexicographically first independent columns `P` of `A`, the first
/// rows `R` of `A[:, P]` that are independent, and `C = A_RP^{-1} mod p` (centred, row-major).
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub p: u64,
    pub rank: usize,
    pub rows: Vec<usize>,
    pub cols: Vec<usize>,
    pub inverse: Vec<f64>,
}

impl Profile {
    /// The same profile for `A^T`: rows and columns swap, `C` is transposed.
    pub fn transpose(&self) -> Profile {
        let r = self.rank;
        let inverse = (0..r * r).map(|k| self.inverse[(k % r) * r + k / r]).collect();
        Profile { p: self.p, rank: r, rows: self.cols.clone(), cols: self.rows.clone(), inverse }
    }
}

/// Three eliminations modulo `p` (`p < 2^22`): the RREF of `A` gives `P`; the RREF of
/// `A[:, P]^T` gives `R`; the RREF of `[A_RP | I]` is `[I | A_RP^{-1}]`.
pub(crate) fn rank_profile(a: &IntMatrix, p: u64, par: Par, intr: &dyn Interrupt) -> Result<Profile> {
    let f = PrimeField::new(p)?;
    let fm = FMod::for_prime(p)?;
    let res = a.residues(&f)?;
    let rref = rref_mod_p(&f, &res, par, intr)?;
    let (r, m) = (rref.rank, a.rows());
    if r == 0 {
        return Ok(Profile { p, rank: 0, rows: vec![], cols: vec![], inverse: vec![] });
    }
    let cols = rref.pivot_cols;
    drop(rref.rows);
    intr.check()?;
    check_allocation("the pivot columns, transposed", (r as u128) * m as u128, 8)?;
    let at = Mat::from_fn(r, m, |t, i| res[(i, cols[t])]);
    let rows = rref_mod_p(&f, &at, par, intr)?.pivot_cols;
    if rows.len() != r {
        return Err(CoreError::internal("row and column rank differ modulo p"));
    }
    intr.check()?;
    check_allocation("the pivot block and identity", (r as u128) * 2 * r as u128, 8)?;
    let aug = Mat::from_fn(r, 2 * r, |i, j| if j < r { res[(rows[i], cols[j])] } else { u64::from(j - r == i) });
    let inv = rref_mod_p(&f, &aug, par, intr)?;
    if inv.rank != r || inv.pivot_cols.iter().enumerate().any(|(t, &c)| c != t) {
        return Err(CoreError::internal("pivot block is singular modulo p"));
    }
    let inverse = (0..r * r).map(|k| fm.centre(inv.rows[(k / r, r + k % r)])).collect();
    Ok(Profile { p, rank: r, rows, cols, inverse })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::NoInterrupt;

    #[test]
    fn profile_of_a_small_matrix() {
        // Row 1 = 2 * row 0; column 1 = 2 * column 0 on rows 0, 1.
        let a = IntMatrix::from_i64(3, 3, vec![1, 2, 3, 2, 4, 6, 0, 1, 5]).unwrap();
        let p = 4_194_301;
        let pr = rank_profile(&a, p, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((pr.rank, pr.cols.clone(), pr.rows.clone()), (2, vec![0, 1], vec![0, 2]));
        // A_RP = [[1, 2], [0, 1]], inverse [[1, -2], [0, 1]].
        assert_eq!(pr.inverse, vec![1.0, -2.0, 0.0, 1.0]);
        let t = pr.transpose();
        assert_eq!((t.rows, t.cols, t.inverse), (vec![0, 1], vec![0, 2], vec![1.0, 0.0, -2.0, 1.0]));
        let z = rank_profile(&IntMatrix::from_i64(2, 2, vec![0; 4]).unwrap(), p, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(z.rank, 0);
    }
}
