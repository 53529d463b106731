//! The degree-`d` monomials in the `N` coefficient coordinates of a network, in the project's
//! monomial order (design.md 2.4: exponent tuples in descending lexicographic order, `c0^d`
//! first), their number, and their values at a point modulo p.

use crate::error::{CoreError, Result};
use crate::net::degrees::binomial;
use crate::ring::{PrimeField, Ring};
use num_traits::ToPrimitive;

/// `C(n + d - 1, d)`, the number of monomials of degree `d` in `n` variables, as a `usize`
/// (an `Overflow` error when it does not fit).
pub fn monomial_count(n: usize, d: u32) -> Result<usize> {
    if n == 0 {
        return Ok(usize::from(d == 0));
    }
    binomial(n as u128 + d as u128 - 1, d as u128)
        .to_usize()
        .ok_or_else(|| CoreError::Overflow(format!("the number of monomials of degree {d} in {n} variables")))
}

/// The values of all degree-`d` monomials at `point` (residues mod p), in monomial order, into
/// `out` (length [`monomial_count`]). One multiplication per node of the exponent tree.
pub fn monomial_values(field: &PrimeField, point: &[u64], d: u32, out: &mut [u64]) {
    let pows: Vec<Vec<u64>> = point
        .iter()
        .map(|&c| {
            let mut p = Vec::with_capacity(d as usize + 1);
            let mut acc = field.one();
            for _ in 0..=d {
                p.push(acc);
                acc = field.mul(&acc, &c);
            }
            p
        })
        .collect();
    let mut pos = 0;
    if pows.is_empty() {
        if d == 0 {
            out[0] = field.one();
        }
        return;
    }
    fill(field, &pows, 0, d, field.one(), out, &mut pos);
}

fn fill(field: &PrimeField, pows: &[Vec<u64>], i: usize, r: u32, v: u64, out: &mut [u64], pos: &mut usize) {
    if i + 1 == pows.len() {
        out[*pos] = field.mul(&v, &pows[i][r as usize]);
        *pos += 1;
        return;
    }
    for e in (0..=r).rev() {
        fill(field, pows, i + 1, r - e, field.mul(&v, &pows[i][e as usize]), out, pos);
    }
}

/// Calls `f(index, exponents)` for the monomials of degree `d` in `n` variables whose index is in
/// `wanted` (sorted increasing), in monomial order, without building the whole table.
pub fn monomials_at(n: usize, d: u32, wanted: &[usize], mut f: impl FnMut(usize, &[u32])) {
    fn rec(
        n: usize,
        r: u32,
        prefix: &mut Vec<u32>,
        next: &mut usize,
        wanted: &[usize],
        k: &mut usize,
        f: &mut dyn FnMut(usize, &[u32]),
    ) {
        if *k >= wanted.len() {
            return;
        }
        if prefix.len() + 1 == n {
            prefix.push(r);
            if wanted[*k] == *next {
                f(*next, prefix);
                *k += 1;
            }
            prefix.pop();
            *next += 1;
            return;
        }
        for e in (0..=r).rev() {
            // Skip whole subtrees before the next wanted index: C(rest + r' - 1, r') monomials.
            let rest = n - prefix.len() - 1;
            let size = monomial_count(rest, r - e).unwrap_or(usize::MAX);
            if next.saturating_add(size) <= wanted[*k] {
                *next += size;
                continue;
            }
            prefix.push(e);
            rec(n, r - e, prefix, next, wanted, k, f);
            prefix.pop();
            if *k >= wanted.len() {
                return;
            }
        }
    }
    if n == 0 {
        if d == 0 && wanted.first() == Some(&0) {
            f(0, &[]);
        }
        return;
    }
    let (mut next, mut k) = (0, 0);
    rec(n, d, &mut Vec::with_capacity(n), &mut next, wanted, &mut k, &mut f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::monomials::monomials_of_degree;

    #[test]
    fn counts_values_and_exponents_follow_the_monomial_order() {
        let field = PrimeField::new(101).unwrap();
        let (n, d) = (3, 3);
        let mut table = Vec::new();
        monomials_of_degree(n, d, &mut table);
        assert_eq!(monomial_count(n, d).unwrap(), table.len()); // C(5, 3) = 10
        assert_eq!(table.len(), 10);
        let point = [2u64, 5, 7];
        let mut vals = vec![0; 10];
        monomial_values(&field, &point, d, &mut vals);
        for (e, v) in table.iter().zip(&vals) {
            let want = (0..n).map(|i| field.pow(point[i], e[i] as u64)).fold(1, |a, b| field.mul(&a, &b));
            assert_eq!(*v, want);
        }
        let wanted = [0usize, 4, 9];
        let mut seen = Vec::new();
        monomials_at(n, d, &wanted, |i, e| seen.push((i, e.to_vec())));
        assert_eq!(seen, wanted.iter().map(|&i| (i, table[i].clone())).collect::<Vec<_>>());
    }
}
