//! Outward-rounded interval arithmetic over R and rectangular complex intervals over C, as a
//! [`Ring`], so that the generic layers enclose `phi`, `J` and Hessian-vector products over a
//! box (for Krawczyk's test). Every operation rounds to nearest and then widens each end by
//! one ulp (`next_down` / `next_up`), which encloses the exact result (IEEE 754 round to nearest
//! is within half an ulp); a NaN widens to the whole line.
// Named methods, not operator traits: each rounds outward, which an operator would hide.
#![allow(clippy::should_implement_trait)]

use super::system::ComplexScalars;
use crate::coefficient_tape::TapeScalar;
use crate::error::Result;
use crate::ring::{Ring, C64};
use num_rational::BigRational;
use num_traits::ToPrimitive;

/// A closed real interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Iv {
    pub lo: f64,
    pub hi: f64,
}

impl Iv {
    /// The point interval `[x, x]` (exact).
    pub const fn point(x: f64) -> Iv {
        Iv { lo: x, hi: x }
    }
    /// `[lo, hi]` widened outward by one ulp on each side; the whole line when not ordered.
    fn widened(lo: f64, hi: f64) -> Iv {
        if lo.is_nan() || hi.is_nan() {
            return Iv { lo: f64::NEG_INFINITY, hi: f64::INFINITY };
        }
        Iv { lo: lo.next_down(), hi: hi.next_up() }
    }
    /// Every real number that rounds to `x`.
    pub fn around(x: f64) -> Iv {
        Iv::widened(x, x)
    }
    /// `[c - r, c + r]`, rounded outward.
    pub fn ball(c: f64, r: f64) -> Iv {
        Iv::widened(c - r, c + r)
    }
    fn is_zero(self) -> bool {
        self.lo == 0.0 && self.hi == 0.0
    }
    // Exact cases first: the polynomial ring drops only exactly-zero terms, so `0 + x`, `0 * x`
    // must stay exact (a widened zero would create monomials outside the degree set).
    pub fn add(self, o: Iv) -> Iv {
        if self.is_zero() {
            return o;
        }
        if o.is_zero() {
            return self;
        }
        Iv::widened(self.lo + o.lo, self.hi + o.hi)
    }
    pub fn sub(self, o: Iv) -> Iv {
        if o.is_zero() {
            return self;
        }
        if self.is_zero() {
            return o.neg();
        }
        Iv::widened(self.lo - o.hi, self.hi - o.lo)
    }
    pub fn neg(self) -> Iv {
        Iv { lo: -self.hi, hi: -self.lo }
    }
    pub fn mul(self, o: Iv) -> Iv {
        let finite = |v: Iv| v.lo.is_finite() && v.hi.is_finite();
        if (self.is_zero() && finite(o)) || (o.is_zero() && finite(self)) {
            return Iv::point(0.0);
        }
        if self == Iv::point(1.0) {
            return o;
        }
        if o == Iv::point(1.0) {
            return self;
        }
        let p = [self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi];
        if p.iter().any(|v| v.is_nan()) {
            return Iv::widened(f64::NAN, f64::NAN);
        }
        let lo = p.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Iv::widened(lo, hi)
    }
    /// `max |x|` over the interval (exact).
    pub fn mag(self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }
    /// True when `self` lies in the open interval `(o.lo, o.hi)`.
    pub fn strictly_inside(self, o: Iv) -> bool {
        self.lo > o.lo && self.hi < o.hi
    }
    /// True when the intervals do not meet.
    pub fn disjoint(self, o: Iv) -> bool {
        self.hi < o.lo || o.hi < self.lo
    }
    /// Width (rounded up).
    pub fn width(self) -> f64 {
        (self.hi - self.lo).next_up()
    }
}

/// A rectangle `re + i im` of complex numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CIv {
    pub re: Iv,
    pub im: Iv,
}

impl CIv {
    /// The exact point `z`.
    pub const fn point(z: C64) -> CIv {
        CIv { re: Iv::point(z.re), im: Iv::point(z.im) }
    }
    /// The square of half-side `r` around `z`.
    pub fn ball(z: C64, r: f64) -> CIv {
        CIv { re: Iv::ball(z.re, r), im: Iv::ball(z.im, r) }
    }
    pub fn add(self, o: CIv) -> CIv {
        CIv { re: self.re.add(o.re), im: self.im.add(o.im) }
    }
    pub fn sub(self, o: CIv) -> CIv {
        CIv { re: self.re.sub(o.re), im: self.im.sub(o.im) }
    }
    pub fn mul(self, o: CIv) -> CIv {
        CIv { re: self.re.mul(o.re).sub(self.im.mul(o.im)), im: self.re.mul(o.im).add(self.im.mul(o.re)) }
    }
    /// An upper bound on `|z|` over the rectangle.
    pub fn mag(self) -> f64 {
        (self.re.mag() + self.im.mag()).next_up()
    }
    /// True when `self` lies in the interior of `o`.
    pub fn strictly_inside(self, o: CIv) -> bool {
        self.re.strictly_inside(o.re) && self.im.strictly_inside(o.im)
    }
    /// True when the rectangles do not meet.
    pub fn disjoint(self, o: CIv) -> bool {
        self.re.disjoint(o.re) || self.im.disjoint(o.im)
    }
}

/// Complex interval arithmetic as a ring (elements are rectangles).
#[derive(Debug, Clone, Copy, Default)]
pub struct IntervalRing;

impl Ring for IntervalRing {
    type Elem = CIv;
    fn zero(&self) -> CIv {
        CIv::point(C64::ZERO)
    }
    fn one(&self) -> CIv {
        CIv::point(C64::ONE)
    }
    fn from_i64(&self, v: i64) -> CIv {
        let x = v as f64;
        // Exact below 2^53; otherwise enclose the rounding.
        if x.abs() < 9_007_199_254_740_992.0 {
            CIv::point(C64::real(x))
        } else {
            CIv { re: Iv::around(x), im: Iv::point(0.0) }
        }
    }
    fn from_rational(&self, r: &BigRational) -> Result<CIv> {
        let x = r.to_f64().unwrap_or(f64::NAN);
        // A rational that is a double (0, 1, 3, 1/2, ...) stays a point: the polynomial layers
        // drop only exact zeros, and a widened zero coefficient of `t^3` would survive as a
        // monomial outside the predicted degree set. Other rationals get an outward enclosure.
        let exact = BigRational::from_float(x).is_some_and(|q| q == *r);
        let re = if exact { Iv::point(x) } else { Iv::around(x) };
        Ok(CIv { re, im: Iv::point(0.0) })
    }
    fn add(&self, a: &CIv, b: &CIv) -> CIv {
        a.add(*b)
    }
    fn sub(&self, a: &CIv, b: &CIv) -> CIv {
        a.sub(*b)
    }
    fn mul(&self, a: &CIv, b: &CIv) -> CIv {
        a.mul(*b)
    }
    fn neg(&self, a: &CIv) -> CIv {
        CIv { re: a.re.neg(), im: a.im.neg() }
    }
}

/// The tape's replay over boxes ([`crate::coefficient_tape`]): a rounded constant becomes the
/// enclosure of every number that rounds to it, as in [`IntervalRing::from_rational`].
impl TapeScalar for CIv {
    const ZERO: CIv = CIv::point(C64::ZERO);
    const ENCLOSURE: bool = true;
    fn constant(value: f64, exact: bool) -> CIv {
        let re = if exact { Iv::point(value) } else { Iv::around(value) };
        CIv { re, im: Iv::point(0.0) }
    }
    fn plus(self, o: CIv) -> CIv {
        self.add(o)
    }
    fn minus(self, o: CIv) -> CIv {
        self.sub(o)
    }
    fn times(self, o: CIv) -> CIv {
        self.mul(o)
    }
    fn negated(self) -> CIv {
        CIv { re: self.re.neg(), im: self.im.neg() }
    }
}

impl ComplexScalars for IntervalRing {
    fn exact(&self, z: C64) -> CIv {
        CIv::point(z)
    }
    fn rounded(&self, z: C64) -> CIv {
        let part = |x: f64| if x == 0.0 { Iv::point(0.0) } else { Iv::around(x) };
        CIv { re: part(z.re), im: part(z.im) }
    }
    fn enclosed(&self, z: CIv) -> CIv {
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enclosures_contain_the_exact_results() {
        // 0.1 + 0.2 is not 0.3 in f64, but the exact sum of the doubles lies in the interval.
        let s = Iv::point(0.1).add(Iv::point(0.2));
        assert!(s.lo <= 0.3 && 0.3 <= s.hi && s.lo < s.hi);
        // 1/3 rounded: the exact 1/3 lies between the neighbours of its rounding.
        let third = Iv::around(1.0 / 3.0);
        assert!(third.lo < 1.0 / 3.0 && 1.0 / 3.0 < third.hi);
        // (1 + i)(1 - i) = 2 is enclosed.
        let z = CIv::point(C64::new(1.0, 1.0)).mul(CIv::point(C64::new(1.0, -1.0)));
        assert!(z.re.lo <= 2.0 && z.re.hi >= 2.0 && z.im.lo <= 0.0 && z.im.hi >= 0.0);
        assert!(Iv::point(1.0).mul(Iv { lo: f64::NEG_INFINITY, hi: 0.0 }).lo == f64::NEG_INFINITY);
        let nan = Iv::point(0.0).mul(Iv { lo: f64::INFINITY, hi: f64::INFINITY });
        assert!(nan.lo == f64::NEG_INFINITY && nan.hi == f64::INFINITY);
    }
}
