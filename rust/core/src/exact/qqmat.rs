//! Rational matrices as integer numerators over one common denominator: the exact results of
//! the core (Jacobians over Q, kernel bases) in the form the exact algorithms consume directly,
//! with no per-entry denominators.

use super::intmat::IntMatrix;
use super::kernel::kernel_qq;
use super::rank::{rank_qq, ExactOptions, RankCertificate};
use crate::error::{CoreError, Result};
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::PrimeField;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// `numerators / denominator`, an `rows x cols` matrix over Q, row-major, normalised so that
/// `denominator > 0` and `gcd(numerators, denominator) = 1` (a zero matrix has denominator 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QQMatrix {
    numerators: IntMatrix,
    denominator: BigInt,
}

impl QQMatrix {
    /// Builds and normalises `numerators / denominator`; `DivisionByZero` for a zero denominator.
    pub fn new(rows: usize, cols: usize, mut numerators: Vec<BigInt>, mut denominator: BigInt) -> Result<Self> {
        let need = rows
            .checked_mul(cols)
            .ok_or_else(|| CoreError::invalid("shape", format!("{rows} x {cols} entries overflow usize")))?;
        if numerators.len() != need {
            return Err(CoreError::invalid(
                "numerators",
                format!("a {rows} x {cols} matrix needs {need} entries, got {}", numerators.len()),
            ));
        }
        if denominator.is_zero() {
            return Err(CoreError::DivisionByZero("denominator: must be nonzero".into()));
        }
        if denominator.is_negative() {
            denominator = -denominator;
            numerators.iter_mut().for_each(|v| *v = -&*v);
        }
        let mut g = denominator.clone();
        for v in &numerators {
            if g.is_one() {
                break;
            }
            g = g.gcd(v);
        }
        if !g.is_one() {
            numerators.iter_mut().for_each(|v| *v = &*v / &g);
            denominator /= &g;
        }
        Ok(QQMatrix { numerators: IntMatrix::from_bigints(rows, cols, numerators)?, denominator })
    }

    /// The integer matrix `A / 1` (no copy of the entries, no normalisation needed).
    pub fn from_integers(numerators: IntMatrix) -> Self {
        QQMatrix { numerators, denominator: BigInt::one() }
    }

    /// The matrix of row-major rationals (one lcm of the denominators, one gcd pass).
    pub fn from_rationals(rows: usize, cols: usize, values: &[BigRational]) -> Result<Self> {
        let den = values.iter().fold(BigInt::one(), |l, v| if v.denom().is_one() { l } else { l.lcm(v.denom()) });
        let nums = values.iter().map(|v| v.numer() * (&den / v.denom())).collect();
        QQMatrix::new(rows, cols, nums, den)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.numerators.rows()
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.numerators.cols()
    }

    /// The integer matrix of the numerators: same rank, kernel and row space.
    pub fn numerators(&self) -> &IntMatrix {
        &self.numerators
    }

    /// The common denominator (positive).
    pub fn denominator(&self) -> &BigInt {
        &self.denominator
    }

    /// Entry `(i, j)` as a rational.
    pub fn entry(&self, i: usize, j: usize) -> BigRational {
        BigRational::new(self.numerators.entry(i, j), self.denominator.clone())
    }

    /// Residues modulo `p`, row-major; `DivisionByZero` when `p` divides the denominator.
    pub fn residues(&self, field: &PrimeField) -> Result<Vec<u64>> {
        let p = field.modulus();
        let d = field.from_bigint(&self.denominator);
        if d == 0 {
            return Err(CoreError::DivisionByZero(format!(
                "matrix: the denominator {} is divisible by {p}",
                self.denominator
            )));
        }
        let inv = field.pow(d, p - 2);
        let mut r = self.numerators.residues(field)?.into_vec();
        if inv != 1 {
            r.iter_mut().for_each(|v| *v = field.reduce_u128(*v as u128 * inv as u128));
        }
        Ok(r)
    }

    /// The certified rank over Q (see [`rank_qq`]).
    pub fn rank(&self, opts: &ExactOptions, par: Par, intr: &dyn Interrupt) -> Result<RankCertificate> {
        rank_qq(&self.numerators, opts, par, intr)
    }

    /// A verified basis of the right kernel, as the rows of the result (see [`kernel_qq`]).
    pub fn kernel(&self, opts: &ExactOptions, par: Par, intr: &dyn Interrupt) -> Result<QQMatrix> {
        let k = kernel_qq(&self.numerators, opts, par, intr)?;
        QQMatrix::new(k.rows, k.cols, k.numerators, k.denominator)
    }

    /// The reduced row echelon form `R` (nonzero rows only) and its pivot columns: the unique
    /// matrix with the row space of `A` whose pivots are 1 and whose pivot columns are otherwise
    /// zero. Fraction-free Gauss-Jordan on the numerators (Bareiss's exact division keeps the
    /// entries at the size of minors of `A`), normalised at the end.
    pub fn rref(&self, intr: &dyn Interrupt) -> Result<(QQMatrix, Vec<usize>)> {
        let (m, n) = (self.rows(), self.cols());
        check_allocation("the reduced echelon form", m as u128 * n as u128, 48)?;
        let mut a = self.numerators.to_bigints();
        let mut pivots = Vec::new();
        let mut prev = BigInt::one();
        let mut r = 0;
        for c in 0..n {
            if r == m {
                break;
            }
            intr.check()?;
            let Some(pr) = (r..m).find(|&i| !a[i * n + c].is_zero()) else { continue };
            if pr != r {
                for j in 0..n {
                    a.swap(pr * n + j, r * n + j);
                }
            }
            let piv = a[r * n + c].clone();
            // Bareiss step on every other row: row_i <- (piv row_i - a_ic row_r) / prev, exact.
            for i in (0..m).filter(|&i| i != r) {
                let f = a[i * n + c].clone();
                for j in 0..n {
                    let v = &piv * &a[i * n + j] - &f * &a[r * n + j];
                    a[i * n + j] = v / &prev;
                }
            }
            // Rows above keep their earlier pivots scaled by the same factor piv / prev.
            prev = piv;
            pivots.push(c);
            r += 1;
        }
        // Row i has pivot `prev` (the last pivot) at column pivots[i] after the last step; the
        // rational form divides each row by its pivot entry.
        let mut values = Vec::with_capacity(r * n);
        for (i, &pc) in pivots.iter().enumerate() {
            let p = a[i * n + pc].clone();
            for j in 0..n {
                values.push(BigRational::new(a[i * n + j].clone(), p.clone()));
            }
        }
        Ok((QQMatrix::from_rationals(r, n, &values)?, pivots))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::NoInterrupt;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn normalises_sign_and_content() {
        let m = QQMatrix::new(1, 2, vec![BigInt::from(-4), BigInt::from(6)], BigInt::from(-8)).unwrap();
        assert_eq!(m.numerators().to_bigints(), vec![BigInt::from(2), BigInt::from(-3)]);
        assert_eq!(m.denominator(), &BigInt::from(4));
        assert!(matches!(QQMatrix::new(1, 1, vec![BigInt::one()], BigInt::zero()), Err(CoreError::DivisionByZero(_))));
    }

    #[test]
    fn rref_by_hand() {
        // [[2, 4, 1], [1, 2, 1], [3, 6, 2]] has rref [[1, 2, 0], [0, 0, 1]] (row 3 = row 1 + row 2).
        let vals: Vec<BigRational> = [2, 4, 1, 1, 2, 1, 3, 6, 2].iter().map(|&v| q(v, 1)).collect();
        let a = QQMatrix::from_rationals(3, 3, &vals).unwrap();
        let (r, piv) = a.rref(&NoInterrupt).unwrap();
        assert_eq!(piv, vec![0, 2]);
        let want: Vec<BigRational> = [1, 2, 0, 0, 0, 1].iter().map(|&v| q(v, 1)).collect();
        assert_eq!(r, QQMatrix::from_rationals(2, 3, &want).unwrap());
        // With fractions: [[1/2, 1/3], [1, 1]] is invertible: rref is the identity.
        let b = QQMatrix::from_rationals(2, 2, &[q(1, 2), q(1, 3), q(1, 1), q(1, 1)]).unwrap();
        let (rb, pb) = b.rref(&NoInterrupt).unwrap();
        assert_eq!(pb, vec![0, 1]);
        assert_eq!(rb, QQMatrix::from_rationals(2, 2, &[q(1, 1), q(0, 1), q(0, 1), q(1, 1)]).unwrap());
    }

    #[test]
    fn residues_refuse_a_denominator_divisible_by_p() {
        let f = PrimeField::new(7).unwrap();
        let a = QQMatrix::from_rationals(1, 2, &[q(1, 7), q(1, 1)]).unwrap();
        assert!(matches!(a.residues(&f), Err(CoreError::DivisionByZero(_))));
        let b = QQMatrix::from_rationals(1, 2, &[q(1, 2), q(3, 1)]).unwrap();
        assert_eq!(b.residues(&f).unwrap(), vec![4, 3]);
    }
}
