//! Sparse multivariate polynomials over a ring, truncated to total degree `<= max_degree`.
//!
//! A monomial `x^a` is encoded as the integer `sum_i a_i (D+1)^i` with `D` the maximal total
//! degree: as long as total degrees stay `<= D` no digit can overflow into the next one, so the
//! product of monomials is the sum of their codes. The network layers never build intermediate
//! polynomials of higher degree than their outputs, which is what makes this encoding exact.

use super::Ring;
use crate::error::{CoreError, Result};
use num_rational::BigRational;

/// A polynomial: terms sorted by monomial code, no zero coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct Poly<E> {
    pub terms: Vec<(u128, E)>,
}

/// Polynomials in `nvars` variables of total degree `<= max_degree` over `base`.
#[derive(Debug, Clone)]
pub struct PolyRing<R> {
    pub base: R,
    nvars: usize,
    max_degree: u32,
    radix: u128,
}

impl<R: Ring> PolyRing<R> {
    /// Fails when `(max_degree + 1)^nvars` does not fit 128 bits (the monomial code).
    pub fn new(base: R, nvars: usize, max_degree: u32) -> Result<Self> {
        let radix = max_degree as u128 + 1;
        let fits = u32::try_from(nvars).ok().and_then(|n| radix.checked_pow(n)).is_some();
        if !fits {
            return Err(CoreError::TooLarge {
                what: format!("the exact polynomial representation ({nvars} variables of degree {max_degree})"),
                requested_bytes: u128::MAX,
                limit_bytes: 16,
            });
        }
        Ok(PolyRing { base, nvars, max_degree, radix })
    }

    /// Number of variables.
    pub fn nvars(&self) -> usize {
        self.nvars
    }

    /// Largest total degree representable.
    pub fn max_degree(&self) -> u32 {
        self.max_degree
    }

    /// The variable `x_i`.
    pub fn var(&self, i: usize) -> Poly<R::Elem> {
        Poly { terms: vec![(self.radix.pow(i as u32), self.base.one())] }
    }

    /// The constant polynomial `c`.
    pub fn constant(&self, c: R::Elem) -> Poly<R::Elem> {
        if self.base.is_zero(&c) {
            Poly { terms: vec![] }
        } else {
            Poly { terms: vec![(0, c)] }
        }
    }

    /// Code of the monomial with exponent vector `exps`.
    pub fn code(&self, exps: &[u32]) -> u128 {
        exps.iter().rev().fold(0u128, |acc, &e| acc * self.radix + e as u128)
    }

    /// Exponent vector of a monomial code.
    pub fn exponents(&self, mut code: u128) -> Vec<u32> {
        (0..self.nvars)
            .map(|_| {
                let e = (code % self.radix) as u32;
                code /= self.radix;
                e
            })
            .collect()
    }

    fn merge(&self, a: &Poly<R::Elem>, b: &Poly<R::Elem>, negate_b: bool) -> Poly<R::Elem> {
        let mut out = Vec::with_capacity(a.terms.len() + b.terms.len());
        let (mut i, mut j) = (0, 0);
        let take_b = |c: &R::Elem| if negate_b { self.base.neg(c) } else { c.clone() };
        while i < a.terms.len() && j < b.terms.len() {
            let (ca, ea) = &a.terms[i];
            let (cb, eb) = &b.terms[j];
            if ca < cb {
                out.push((*ca, ea.clone()));
                i += 1;
            } else if cb < ca {
                out.push((*cb, take_b(eb)));
                j += 1;
            } else {
                let s = if negate_b { self.base.sub(ea, eb) } else { self.base.add(ea, eb) };
                if !self.base.is_zero(&s) {
                    out.push((*ca, s));
                }
                i += 1;
                j += 1;
            }
        }
        out.extend(a.terms[i..].iter().cloned());
        out.extend(b.terms[j..].iter().map(|(c, e)| (*c, take_b(e))));
        Poly { terms: out }
    }
}

impl<R: Ring> Ring for PolyRing<R> {
    type Elem = Poly<R::Elem>;

    fn zero(&self) -> Self::Elem {
        Poly { terms: vec![] }
    }
    fn one(&self) -> Self::Elem {
        self.constant(self.base.one())
    }
    fn from_i64(&self, v: i64) -> Self::Elem {
        self.constant(self.base.from_i64(v))
    }
    fn from_rational(&self, r: &BigRational) -> Result<Self::Elem> {
        Ok(self.constant(self.base.from_rational(r)?))
    }
    fn add(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem {
        self.merge(a, b, false)
    }
    fn sub(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem {
        self.merge(a, b, true)
    }
    fn neg(&self, a: &Self::Elem) -> Self::Elem {
        Poly { terms: a.terms.iter().map(|(c, e)| (*c, self.base.neg(e))).collect() }
    }
    fn is_zero(&self, a: &Self::Elem) -> bool {
        a.terms.is_empty()
    }
    fn mul(&self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem {
        if a.terms.is_empty() || b.terms.is_empty() {
            return self.zero();
        }
        // Scalar times polynomial: no sorting needed.
        if a.terms.len() == 1 && a.terms[0].0 == 0 {
            return self.scale(&a.terms[0].1, b);
        }
        if b.terms.len() == 1 && b.terms[0].0 == 0 {
            return self.scale(&b.terms[0].1, a);
        }
        let mut prods: Vec<(u128, R::Elem)> = Vec::with_capacity(a.terms.len() * b.terms.len());
        for (ca, ea) in &a.terms {
            for (cb, eb) in &b.terms {
                prods.push((ca + cb, self.base.mul(ea, eb)));
            }
        }
        prods.sort_unstable_by_key(|t| t.0);
        let mut out: Vec<(u128, R::Elem)> = Vec::with_capacity(prods.len());
        for (c, e) in prods {
            match out.last_mut() {
                Some((lc, le)) if *lc == c => *le = self.base.add(le, &e),
                _ => out.push((c, e)),
            }
        }
        out.retain(|(_, e)| !self.base.is_zero(e));
        Poly { terms: out }
    }
}

impl<R: Ring> PolyRing<R> {
    /// `c * p`.
    pub fn scale(&self, c: &R::Elem, p: &Poly<R::Elem>) -> Poly<R::Elem> {
        if self.base.is_zero(c) {
            return self.zero();
        }
        let terms = p
            .terms
            .iter()
            .filter_map(|(code, e)| {
                let v = self.base.mul(c, e);
                (!self.base.is_zero(&v)).then_some((*code, v))
            })
            .collect();
        Poly { terms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::RationalRing;

    #[test]
    fn binomial_expansion() {
        let ring = PolyRing::new(RationalRing, 2, 3).unwrap();
        let s = ring.add(&ring.var(0), &ring.var(1));
        let cube = ring.mul(&ring.mul(&s, &s), &s);
        let coeff = |e: &[u32]| {
            let code = ring.code(e);
            cube.terms.iter().find(|t| t.0 == code).map(|t| t.1.to_integer()).unwrap()
        };
        assert_eq!(coeff(&[3, 0]), 1.into());
        assert_eq!(coeff(&[2, 1]), 3.into());
        assert_eq!(coeff(&[1, 2]), 3.into());
        assert_eq!(cube.terms.len(), 4);
        assert!(ring.is_zero(&ring.sub(&s, &s)));
        assert_eq!(ring.exponents(ring.code(&[2, 1])), vec![2, 1]);
    }

    #[test]
    fn refuses_codes_that_do_not_fit() {
        assert!(PolyRing::new(RationalRing, 200, 3).is_err());
        assert!(PolyRing::new(RationalRing, 40, 8).is_ok());
    }
}
