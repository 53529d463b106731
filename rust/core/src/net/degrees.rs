//! Which degrees occur: in the input variables (they fix the ambient space of design.md 2.4)
//! and in the parameters (they enter the Schwartz-Zippel bounds of random rank tests).
//!
//! Degrees are propagated layer by layer as sets, taking for each layer the union over its
//! coordinates (a superset of what any single output can reach, which is what "the degrees that
//! can occur" means). Sets are stored as disjoint intervals so that deep non-homogeneous
//! networks, whose degree sets are long runs of consecutive integers, stay cheap.

use super::{Layer, Network};
use crate::error::{CoreError, Result};
use num_bigint::BigUint;
use num_traits::{One, Zero};

/// A finite set of non-negative integers as sorted, disjoint, non-adjacent closed intervals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DegreeSet {
    intervals: Vec<(u64, u64)>,
}

impl DegreeSet {
    /// `{d}`.
    pub fn single(d: u64) -> Self {
        DegreeSet { intervals: vec![(d, d)] }
    }

    fn normalized(mut iv: Vec<(u64, u64)>) -> Self {
        iv.sort_unstable();
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(iv.len());
        for (lo, hi) in iv {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        DegreeSet { intervals: out }
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &DegreeSet) -> DegreeSet {
        let mut iv = self.intervals.clone();
        iv.extend_from_slice(&other.intervals);
        Self::normalized(iv)
    }

    /// The sumset `{a + b}`; fails on overflow of `u64` degrees.
    pub fn sum(&self, other: &DegreeSet) -> Result<DegreeSet> {
        let mut iv = Vec::with_capacity(self.intervals.len() * other.intervals.len());
        for &(a0, a1) in &self.intervals {
            for &(b0, b1) in &other.intervals {
                let lo = a0.checked_add(b0);
                let hi = a1.checked_add(b1);
                match (lo, hi) {
                    (Some(lo), Some(hi)) => iv.push((lo, hi)),
                    _ => return Err(CoreError::Overflow("network degree exceeds 2^64".into())),
                }
            }
        }
        Ok(Self::normalized(iv))
    }

    /// The `k`-fold sumset (`{0}` for `k = 0`), by repeated doubling.
    pub fn multiple(&self, k: u64) -> Result<DegreeSet> {
        let mut result = DegreeSet::single(0);
        let mut base = self.clone();
        let mut k = k;
        while k > 0 {
            if k & 1 == 1 {
                result = result.sum(&base)?;
            }
            k >>= 1;
            if k > 0 {
                base = base.sum(&base)?;
            }
        }
        Ok(result)
    }

    /// Largest element.
    pub fn max(&self) -> u64 {
        self.intervals.last().map_or(0, |iv| iv.1)
    }

    /// Smallest element.
    pub fn min(&self) -> u64 {
        self.intervals.first().map_or(0, |iv| iv.0)
    }

    /// Number of elements.
    pub fn len(&self) -> u128 {
        self.intervals.iter().map(|&(lo, hi)| (hi - lo) as u128 + 1).sum()
    }

    /// True for the empty set.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// True when the set is a single degree.
    pub fn is_homogeneous(&self) -> bool {
        self.intervals.len() == 1 && self.intervals[0].0 == self.intervals[0].1
    }

    /// The elements in increasing order (only for sets of moderate size).
    pub fn to_vec(&self) -> Vec<u64> {
        self.intervals.iter().flat_map(|&(lo, hi)| lo..=hi).collect()
    }

    /// The intervals.
    pub fn intervals(&self) -> &[(u64, u64)] {
        &self.intervals
    }

    /// Number of monomials in `n` variables with degree in the set:
    /// `sum_{[lo,hi]} C(n + hi, n) - C(n + lo - 1, n)` (hockey stick), exactly.
    pub fn monomial_count(&self, n: usize) -> BigUint {
        let mut total = BigUint::zero();
        for &(lo, hi) in &self.intervals {
            total += binomial(n as u128 + hi as u128, n as u128);
            if lo > 0 {
                total -= binomial(n as u128 + lo as u128 - 1, n as u128);
            }
        }
        total
    }
}

/// `C(n, k)` exactly.
pub fn binomial(n: u128, k: u128) -> BigUint {
    if k > n {
        return BigUint::zero();
    }
    let k = k.min(n - k);
    let mut acc = BigUint::one();
    for i in 0..k {
        acc *= BigUint::from(n - i);
        acc /= BigUint::from(i + 1);
    }
    acc
}

/// Degrees of a network's output coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkDegrees {
    /// Degrees in the input variables that the outputs can have.
    pub input: DegreeSet,
    /// An upper bound on the total degree of any output in the parameters (saturating).
    pub params: u64,
}

/// Propagates degree information through the layers.
pub fn network_degrees(net: &Network) -> Result<NetworkDegrees> {
    let mut x = DegreeSet::single(1);
    let mut theta: u64 = 0;
    for layer in net.layers() {
        match layer {
            Layer::Dense(d) => {
                if d.bias {
                    x = x.union(&DegreeSet::single(0));
                }
                theta = theta.saturating_add(1);
            }
            Layer::Conv(c) => {
                if c.bias {
                    x = x.union(&DegreeSet::single(0));
                }
                theta = theta.saturating_add(1);
            }
            Layer::Activation(a) => {
                let mut out: Option<DegreeSet> = None;
                for k in a.support() {
                    let part = x.multiple(k as u64)?;
                    out = Some(match out {
                        Some(o) => o.union(&part),
                        None => part,
                    });
                }
                x = out.unwrap_or_else(|| DegreeSet::single(0));
                theta = theta.saturating_mul(a.degree() as u64);
            }
            Layer::Attention(att) => {
                let cubic = x.multiple(3)?;
                x = if att.residual { cubic.union(&x) } else { cubic };
                theta = theta.saturating_mul(3).saturating_add(3);
            }
        }
    }
    Ok(NetworkDegrees { input: x, params: theta })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sumsets_and_counts() {
        let s = DegreeSet::single(2).union(&DegreeSet::single(3));
        assert_eq!(s.multiple(2).unwrap().to_vec(), vec![4, 5, 6]);
        assert_eq!(s.multiple(0).unwrap().to_vec(), vec![0]);
        // Monomials of degree 2 and 3 in 3 variables: 6 + 10.
        assert_eq!(s.monomial_count(3), BigUint::from(16u32));
        // Degrees 0..=2 in 3 variables: 1 + 3 + 6.
        let t = DegreeSet::normalized(vec![(0, 2)]);
        assert_eq!(t.monomial_count(3), BigUint::from(10u32));
        assert_eq!(binomial(17, 8), BigUint::from(24310u32));
    }
}
