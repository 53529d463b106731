//! Univariate polynomials over Q: Euclidean gcd, Yun's square-free decomposition and Sturm
//! sequences for exact real-root counting (no floating point anywhere).

use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// A polynomial `sum_i c_i t^i` with rational coefficients, low to high, no trailing zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniPoly {
    coeffs: Vec<BigRational>,
}

impl UniPoly {
    /// From coefficients low to high (trailing zeros are removed).
    pub fn new(mut coeffs: Vec<BigRational>) -> Self {
        while coeffs.last().is_some_and(|c| c.is_zero()) {
            coeffs.pop();
        }
        UniPoly { coeffs }
    }

    /// The zero polynomial.
    pub fn zero() -> Self {
        UniPoly { coeffs: vec![] }
    }

    /// Coefficients, low to high.
    pub fn coeffs(&self) -> &[BigRational] {
        &self.coeffs
    }

    /// True for the zero polynomial.
    pub fn is_zero(&self) -> bool {
        self.coeffs.is_empty()
    }

    /// Degree (`None` for zero).
    pub fn degree(&self) -> Option<usize> {
        self.coeffs.len().checked_sub(1)
    }

    fn lead(&self) -> &BigRational {
        self.coeffs.last().expect("lead of nonzero polynomial")
    }

    /// `p(t^s)`.
    pub fn substitute_power(&self, s: usize) -> Self {
        if self.is_zero() || s == 1 {
            return self.clone();
        }
        let mut c = vec![BigRational::zero(); (self.coeffs.len() - 1) * s + 1];
        for (i, v) in self.coeffs.iter().enumerate() {
            c[i * s] = v.clone();
        }
        UniPoly::new(c)
    }

    /// The derivative.
    pub fn derivative(&self) -> Self {
        UniPoly::new(
            self.coeffs.iter().enumerate().skip(1).map(|(i, c)| c * BigRational::from_integer(i.into())).collect(),
        )
    }

    /// `self * other`.
    pub fn mul(&self, other: &Self) -> Self {
        if self.is_zero() || other.is_zero() {
            return Self::zero();
        }
        let mut c = vec![BigRational::zero(); self.coeffs.len() + other.coeffs.len() - 1];
        for (i, a) in self.coeffs.iter().enumerate() {
            for (j, b) in other.coeffs.iter().enumerate() {
                c[i + j] += a * b;
            }
        }
        UniPoly::new(c)
    }

    /// `(quotient, remainder)` of division by a nonzero `d`.
    pub fn div_rem(&self, d: &Self) -> (Self, Self) {
        assert!(!d.is_zero(), "division by the zero polynomial");
        let mut r = self.coeffs.clone();
        let dd = d.coeffs.len() - 1;
        if r.len() < d.coeffs.len() {
            return (Self::zero(), self.clone());
        }
        let mut q = vec![BigRational::zero(); r.len() - dd];
        let lead = d.lead().clone();
        for i in (0..q.len()).rev() {
            let f = &r[i + dd] / &lead;
            if !f.is_zero() {
                for (j, dc) in d.coeffs.iter().enumerate() {
                    r[i + j] -= &f * dc;
                }
            }
            q[i] = f;
        }
        r.truncate(dd);
        (UniPoly::new(q), UniPoly::new(r))
    }

    /// Monic greatest common divisor (zero only when both are zero).
    pub fn gcd(&self, other: &Self) -> Self {
        let (mut a, mut b) = (self.clone(), other.clone());
        while !b.is_zero() {
            let r = a.div_rem(&b).1;
            a = b;
            b = r;
        }
        a.monic()
    }

    /// Divided by the leading coefficient.
    pub fn monic(&self) -> Self {
        if self.is_zero() {
            return self.clone();
        }
        let l = self.lead().clone();
        UniPoly::new(self.coeffs.iter().map(|c| c / &l).collect())
    }

    fn sign_at_pos_infinity(&self) -> i32 {
        if self.is_zero() {
            0
        } else if self.lead().is_positive() {
            1
        } else {
            -1
        }
    }

    fn sign_at_neg_infinity(&self) -> i32 {
        let s = self.sign_at_pos_infinity();
        if self.degree().unwrap_or(0) % 2 == 1 {
            -s
        } else {
            s
        }
    }

    /// Number of distinct real roots, by Sturm's theorem (sign changes of the Sturm sequence
    /// at `-inf` minus those at `+inf`).
    pub fn count_distinct_real_roots(&self) -> usize {
        if self.degree().unwrap_or(0) == 0 {
            return 0;
        }
        let mut seq = vec![self.clone(), self.derivative()];
        loop {
            let n = seq.len();
            let r = seq[n - 2].div_rem(&seq[n - 1]).1;
            if r.is_zero() {
                break;
            }
            seq.push(UniPoly::new(r.coeffs.iter().map(|c| -c).collect()));
        }
        let changes = |signs: Vec<i32>| {
            let nz: Vec<i32> = signs.into_iter().filter(|&s| s != 0).collect();
            nz.windows(2).filter(|w| w[0] != w[1]).count()
        };
        let at_neg = changes(seq.iter().map(|p| p.sign_at_neg_infinity()).collect());
        let at_pos = changes(seq.iter().map(|p| p.sign_at_pos_infinity()).collect());
        at_neg - at_pos
    }

    /// Yun's square-free decomposition: `self = c * prod_i f_i^i` with the `f_i` square-free and
    /// pairwise coprime; returns `[(i, f_i)]` for the non-constant `f_i`.
    pub fn square_free(&self) -> Vec<(usize, UniPoly)> {
        let mut out = Vec::new();
        if self.degree().unwrap_or(0) == 0 {
            return out;
        }
        let f = self.monic();
        let fp = f.derivative();
        let mut a = f.gcd(&fp);
        let mut b = f.div_rem(&a).0;
        let mut c = fp.div_rem(&a).0;
        let mut d = c.sub(&b.derivative());
        let mut i = 1;
        while b.degree().unwrap_or(0) > 0 {
            a = b.gcd(&d);
            if a.degree().unwrap_or(0) > 0 {
                out.push((i, a.clone()));
            }
            b = b.div_rem(&a).0;
            c = d.div_rem(&a).0;
            d = c.sub(&b.derivative());
            i += 1;
        }
        out
    }

    /// `self - other`.
    pub fn sub(&self, other: &Self) -> Self {
        let n = self.coeffs.len().max(other.coeffs.len());
        let get = |v: &Vec<BigRational>, i: usize| v.get(i).cloned().unwrap_or_else(BigRational::zero);
        UniPoly::new((0..n).map(|i| get(&self.coeffs, i) - get(&other.coeffs, i)).collect())
    }

    /// Real roots counted with multiplicity, as `[(multiplicity, number of distinct roots)]`.
    pub fn real_root_multiplicities(&self) -> Vec<(usize, usize)> {
        self.square_free()
            .into_iter()
            .map(|(m, f)| (m, f.count_distinct_real_roots()))
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// The constant polynomial 1.
    pub fn one() -> Self {
        UniPoly { coeffs: vec![BigRational::one()] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(c: &[i64]) -> UniPoly {
        UniPoly::new(c.iter().map(|&v| BigRational::from_integer(v.into())).collect())
    }

    #[test]
    fn sturm_counts() {
        assert_eq!(p(&[1, 0, 1]).count_distinct_real_roots(), 0); // 1 + t^2
        assert_eq!(p(&[-1, 0, 1]).count_distinct_real_roots(), 2); // t^2 - 1
        assert_eq!(p(&[1, 2, 1]).count_distinct_real_roots(), 1); // (1 + t)^2
        assert_eq!(p(&[0, -1, 0, 1]).count_distinct_real_roots(), 3); // t^3 - t
                                                                      // (t - 1)(t - 2)(t - 3)(t^2 + 1)
        let q = p(&[-1, 1]).mul(&p(&[-2, 1])).mul(&p(&[-3, 1])).mul(&p(&[1, 0, 1]));
        assert_eq!(q.count_distinct_real_roots(), 3);
    }

    #[test]
    fn square_free_and_multiplicities() {
        // (t - 1)^3 (t + 2)^2 (t^2 + 1)
        let q = p(&[-1, 1]).mul(&p(&[-1, 1])).mul(&p(&[-1, 1])).mul(&p(&[2, 1])).mul(&p(&[2, 1])).mul(&p(&[1, 0, 1]));
        let sf = q.square_free();
        assert_eq!(sf.iter().map(|(m, f)| (*m, f.degree().unwrap())).collect::<Vec<_>>(), vec![(1, 2), (2, 1), (3, 1)]);
        assert_eq!(q.real_root_multiplicities(), vec![(2, 1), (3, 1)]);
    }

    #[test]
    fn gcd_finds_shared_roots() {
        let a = p(&[1, 3, 2]); // (1 + t)(1 + 2t)
        let b = p(&[1, 1]);
        assert_eq!(a.gcd(&b), p(&[1, 1]));
        assert_eq!(p(&[1, 0, -1]).gcd(&p(&[1, -1]).substitute_power(2)).degree(), Some(2));
        assert_eq!(p(&[1, 2]).gcd(&p(&[3, 1])).degree(), Some(0));
    }
}
