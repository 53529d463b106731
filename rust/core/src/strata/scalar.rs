//! The numbers of `classify`'s evidence: exact rationals (zero means zero, ranks over Q are
//! certified) or floats with an absolute tolerance (zero means `|x| <= atol`, ranks count the
//! singular values above `atol * max(1, sigma_1)`). One trait, so that every evidence rule is
//! written once for both kinds of parameter point.

use crate::error::Result;
use crate::exact::{ExactOptions, QQMatrix};
use crate::linalg::singular_values;
use crate::par::{Interrupt, Par};
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// A scalar of a parameter point, with the tolerance rules of its kind.
pub trait EvidenceScalar: Clone + std::fmt::Debug {
    fn zero() -> Self;
    fn one() -> Self;
    /// Exact: `x == 0`; float: `|x| <= atol`.
    fn is_negligible(&self, atol: f64) -> bool;
    fn add(&self, o: &Self) -> Self;
    fn sub(&self, o: &Self) -> Self;
    fn mul(&self, o: &Self) -> Self;
    /// `self / o` (`o` is never negligible where it is called).
    fn div(&self, o: &Self) -> Self;
    fn magnitude(&self) -> f64;
    /// Rank of the `rows x cols` row-major matrix: certified over Q, or numerical at `atol`.
    fn rank(rows: usize, cols: usize, data: &[Self], atol: f64, par: Par, intr: &dyn Interrupt) -> Result<usize>;
}

impl EvidenceScalar for BigRational {
    fn zero() -> Self {
        Zero::zero()
    }
    fn one() -> Self {
        One::one()
    }
    fn is_negligible(&self, _atol: f64) -> bool {
        Zero::is_zero(self)
    }
    fn add(&self, o: &Self) -> Self {
        self + o
    }
    fn sub(&self, o: &Self) -> Self {
        self - o
    }
    fn mul(&self, o: &Self) -> Self {
        self * o
    }
    fn div(&self, o: &Self) -> Self {
        self / o
    }
    fn magnitude(&self) -> f64 {
        self.abs().to_f64().unwrap_or(f64::INFINITY)
    }
    fn rank(rows: usize, cols: usize, data: &[Self], _atol: f64, par: Par, intr: &dyn Interrupt) -> Result<usize> {
        if rows == 0 || cols == 0 {
            return Ok(0);
        }
        Ok(QQMatrix::from_rationals(rows, cols, data)?.rank(&ExactOptions::default(), par, intr)?.rank)
    }
}

impl EvidenceScalar for f64 {
    fn zero() -> Self {
        0.0
    }
    fn one() -> Self {
        1.0
    }
    fn is_negligible(&self, atol: f64) -> bool {
        self.abs() <= atol
    }
    fn add(&self, o: &Self) -> Self {
        self + o
    }
    fn sub(&self, o: &Self) -> Self {
        self - o
    }
    fn mul(&self, o: &Self) -> Self {
        self * o
    }
    fn div(&self, o: &Self) -> Self {
        self / o
    }
    fn magnitude(&self) -> f64 {
        self.abs()
    }
    fn rank(rows: usize, cols: usize, data: &[Self], atol: f64, _par: Par, _intr: &dyn Interrupt) -> Result<usize> {
        if rows == 0 || cols == 0 {
            return Ok(0);
        }
        let s = singular_values(data, rows, cols);
        let top = s.first().copied().unwrap_or(0.0);
        let tol = atol.max(1e-300) * top.max(1.0);
        Ok(s.iter().filter(|&&v| v > tol).count())
    }
}

/// `c` with `b = c a`, or `None` when `a` or `b` is negligible or they are not proportional;
/// floats compare `|b - c a| <= atol * max(1, max |entry|)`.
pub fn proportional<S: EvidenceScalar>(a: &[S], b: &[S], atol: f64) -> Option<S> {
    let pivot = a.iter().position(|v| !v.is_negligible(atol))?;
    if b.iter().all(|v| v.is_negligible(atol)) {
        return None;
    }
    let c = b[pivot].div(&a[pivot]);
    let scale = a.iter().chain(b).map(S::magnitude).fold(1.0f64, f64::max);
    a.iter().zip(b).all(|(av, bv)| bv.sub(&c.mul(av)).is_negligible(atol * scale)).then_some(c)
}

/// The `rows x cols` product `a b` (`a` is `rows x inner`, `b` is `inner x cols`, row-major).
pub fn matmul<S: EvidenceScalar>(a: &[S], b: &[S], rows: usize, inner: usize, cols: usize) -> Vec<S> {
    let mut out = vec![S::zero(); rows * cols];
    for i in 0..rows {
        for k in 0..inner {
            let aik = &a[i * inner + k];
            for j in 0..cols {
                out[i * cols + j] = out[i * cols + j].add(&aik.mul(&b[k * cols + j]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::NoInterrupt;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn proportional_rows_exact_and_float() {
        let a = [q(1, 1), q(2, 1), q(3, 1)];
        let b = [q(-1, 2), q(-1, 1), q(-3, 2)];
        assert_eq!(proportional(&a, &b, 0.0), Some(q(-1, 2)));
        let c = [q(-1, 2), q(-1, 1), q(-3, 1)];
        assert_eq!(proportional(&a, &c, 0.0), None);
        assert_eq!(proportional(&[q(0, 1), q(0, 1), q(0, 1)], &b, 0.0), None);
        // Floats: equal up to 1e-12, not up to 1e-3.
        let (x, y) = ([1.0, 2.0, 3.0], [2.0, 4.0 + 1e-12, 6.0]);
        assert!(proportional(&x, &y, 1e-9).is_some_and(|c| (c - 2.0).abs() < 1e-12));
        assert!(proportional(&x, &[2.0, 4.001, 6.0], 1e-9).is_none());
    }

    #[test]
    fn ranks_of_small_matrices() {
        // [[1, 2], [2, 4], [0, 1]] has rank 2; its first two rows rank 1.
        let m = [q(1, 1), q(2, 1), q(2, 1), q(4, 1), q(0, 1), q(1, 1)];
        assert_eq!(BigRational::rank(3, 2, &m, 0.0, Par::Seq, &NoInterrupt).unwrap(), 2);
        assert_eq!(BigRational::rank(2, 2, &m[..4], 0.0, Par::Seq, &NoInterrupt).unwrap(), 1);
        let f = [1.0, 2.0, 2.0, 4.0 + 1e-13];
        assert_eq!(f64::rank(2, 2, &f, 1e-8, Par::Seq, &NoInterrupt).unwrap(), 1);
        assert_eq!(f64::rank(2, 2, &f, 1e-16, Par::Seq, &NoInterrupt).unwrap(), 2);
    }
}
