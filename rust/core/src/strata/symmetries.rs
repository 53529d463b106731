//! The hidden-symmetry basis of `symmetries`: kernel vectors of the Jacobian that extend the
//! span of the known symmetry tangents, chosen greedily in order.

use crate::error::Result;
use crate::linalg::{Echelon, Mat};
use crate::par::{Interrupt, Par};
use crate::ring::PrimeField;

/// The rank of `known` (rows mod p) and the indices of the rows of `candidates` that each raise
/// the rank of everything chosen before them (known rows first). One incremental echelon form:
/// no matrix is restacked or re-eliminated per candidate.
pub fn greedy_extension(
    field: &PrimeField,
    known: &Mat<u64>,
    candidates: &Mat<u64>,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<(usize, Vec<usize>)> {
    let mut echelon = Echelon::new(field, candidates.cols());
    if known.rows() > 0 {
        echelon.add_rows(known, par, intr)?;
    }
    let known_rank = echelon.rank();
    let mut chosen = Vec::new();
    for i in 0..candidates.rows() {
        intr.check()?;
        let row = Mat::from_vec(1, candidates.cols(), candidates.row(i).to_vec())?;
        if echelon.add_rows(&row, par, intr)? > 0 {
            chosen.push(i);
        }
    }
    Ok((known_rank, chosen))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoInterrupt;

    #[test]
    fn picks_the_rows_outside_the_span() {
        // known = e0; candidates e0 + e1 (new), 2 e0 + 2 e1 (dependent), e2 (new), e1 (dependent)
        let f = PrimeField::new(101).unwrap();
        let known = Mat::from_vec(1, 3, vec![1, 0, 0]).unwrap();
        let cands = Mat::from_vec(4, 3, vec![1, 1, 0, 2, 2, 0, 0, 0, 1, 0, 1, 0]).unwrap();
        let (r, chosen) = greedy_extension(&f, &known, &cands, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((r, chosen), (1, vec![0, 2]));
    }
}
