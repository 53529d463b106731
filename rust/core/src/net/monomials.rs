//! The monomial basis of a network's coefficient space, in the order of design.md 2.4:
//! outputs concatenated; within an output, degrees ascending; within a degree, exponent tuples
//! in descending lexicographic order (`x0^D` first).

use super::degrees::{network_degrees, DegreeSet};
use super::Network;
use crate::error::{CoreError, Result};
use crate::par::check_allocation;
use num_traits::ToPrimitive;

/// Exponent tuples of all monomials of degree `d` in `n` variables, descending lex.
pub fn monomials_of_degree(n: usize, d: u32, out: &mut Vec<Vec<u32>>) {
    fn rec(n: usize, d: u32, prefix: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
        if prefix.len() + 1 == n {
            prefix.push(d);
            out.push(prefix.clone());
            prefix.pop();
            return;
        }
        for e in (0..=d).rev() {
            prefix.push(e);
            rec(n, d - e, prefix, out);
            prefix.pop();
        }
    }
    if n == 0 {
        if d == 0 {
            out.push(vec![]);
        }
        return;
    }
    rec(n, d, &mut Vec::with_capacity(n), out);
}

/// The basis of one output's polynomial space: monomials with degree in `degrees`, in order.
pub fn monomial_basis(n: usize, degrees: &DegreeSet) -> Result<Vec<Vec<u32>>> {
    let count = degrees.monomial_count(n);
    let count = count.to_u128().unwrap_or(u128::MAX);
    check_allocation("the monomial table", count, (n.max(1) * 4 + 24) as u128)?;
    let mut out = Vec::with_capacity(count as usize);
    for d in degrees.to_vec() {
        let d = u32::try_from(d).map_err(|_| CoreError::Overflow(format!("degree {d}")))?;
        monomials_of_degree(n, d, &mut out);
    }
    Ok(out)
}

/// The exponent table of a network's coefficient coordinates for a single output (the same
/// basis is used for every output).
pub fn network_monomials(net: &Network) -> Result<Vec<Vec<u32>>> {
    let deg = network_degrees(net)?;
    monomial_basis(net.input_dim(), &deg.input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descending_lex_within_degree() {
        let mut out = Vec::new();
        monomials_of_degree(3, 2, &mut out);
        assert_eq!(out, vec![vec![2, 0, 0], vec![1, 1, 0], vec![1, 0, 1], vec![0, 2, 0], vec![0, 1, 1], vec![0, 0, 2]]);
    }

    #[test]
    fn degrees_ascend() {
        let s = DegreeSet::single(0).union(&DegreeSet::single(1));
        let basis = monomial_basis(2, &s).unwrap();
        assert_eq!(basis, vec![vec![0, 0], vec![1, 0], vec![0, 1]]);
    }
}
