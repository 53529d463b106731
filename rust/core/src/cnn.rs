//! Exact facts about linear convolutional networks in one dimension: which end-to-end filters
//! they realise over the reals, which filters share roots.
//!
//! A stride-one linear CNN with filter sizes `k_1, ..., k_L` realises exactly the polynomials
//! `u` of degree `<= d = sum (k_l - 1)` that factor over R into factors of degrees `k_l - 1`.
//! Viewing `u` as a binary form of degree `d` (a degree drop is a real root at infinity), `u`
//! splits into real linear factors and `q` irreducible quadratics, and the quadratics can be
//! distributed over the layers iff `q <= capacity = sum floor((k_l - 1) / 2)`. The set is closed;
//! a realisable `u` is on its boundary iff a small perturbation can create more complex pairs
//! than the capacity allows: a real root of multiplicity `m` can split into `floor(m / 2)`
//! pairs, so the test is `q + sum floor(m_i / 2) > capacity` (a repeated real root is necessary).

use crate::error::{CoreError, Result};
use crate::univariate::UniPoly;
use num_rational::BigRational;

/// Whether a filter is realisable by a stride-one linear CNN, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realizability {
    pub realizable: bool,
    /// In the set and on its topological boundary (in the space of filters of size `d + 1`).
    pub boundary: bool,
    /// `d = sum (k_l - 1)`.
    pub degree: usize,
    /// Irreducible real quadratic factors (complex-conjugate root pairs) of `u`, with multiplicity.
    pub complex_pairs: usize,
    /// How many quadratic factors the layers can hold: `sum floor((k_l - 1) / 2)`.
    pub capacity: usize,
    /// Finite real roots as `(multiplicity, number of distinct roots)`.
    pub real_roots: Vec<(usize, usize)>,
    /// Multiplicity of the root at infinity (`d - deg u`).
    pub root_at_infinity: usize,
}

/// Decides exactly whether `u` (coefficients low to high, length `sum (k_l - 1) + 1`) is the
/// end-to-end filter of some real stride-one linear CNN with filter sizes `filter_sizes`.
pub fn stride_one_realizability(filter_sizes: &[usize], u: &[BigRational]) -> Result<Realizability> {
    if filter_sizes.is_empty() || filter_sizes.contains(&0) {
        return Err(CoreError::invalid("filters", "filter sizes must be positive"));
    }
    let d: usize = filter_sizes.iter().map(|k| k - 1).sum();
    if u.len() != d + 1 {
        return Err(CoreError::invalid(
            "u",
            format!("expected a filter of length {} (sum of (k_l - 1), plus 1), got {}", d + 1, u.len()),
        ));
    }
    let capacity: usize = filter_sizes.iter().map(|k| (k - 1) / 2).sum();
    let poly = UniPoly::new(u.to_vec());
    let Some(deg) = poly.degree() else {
        // The zero filter is realised (all filters zero); near it every filter shape occurs.
        return Ok(Realizability {
            realizable: true,
            boundary: capacity < d / 2,
            degree: d,
            complex_pairs: 0,
            capacity,
            real_roots: vec![],
            root_at_infinity: d,
        });
    };
    let real_roots = poly.real_root_multiplicities();
    let finite_real: usize = real_roots.iter().map(|(m, n)| m * n).sum();
    let complex_pairs = (deg - finite_real) / 2;
    let at_infinity = d - deg;
    let splittable: usize = real_roots.iter().map(|(m, n)| (m / 2) * n).sum::<usize>() + at_infinity / 2;
    let realizable = complex_pairs <= capacity;
    Ok(Realizability {
        realizable,
        boundary: realizable && complex_pairs + splittable > capacity,
        degree: d,
        complex_pairs,
        capacity,
        real_roots,
        root_at_infinity: at_infinity,
    })
}

/// Pairs of layers `(l, m)`, `l < m`, whose filters share a root after the stride substitution
/// `w_l(t^{S_{l-1}})` (a shared root for stride one, a shared hyperroot otherwise), with the
/// monic gcd. `filters[l]` holds the coefficients of `w_l`, `cumulative_strides[l] = S_{l-1}`.
pub fn shared_roots(filters: &[Vec<BigRational>], cumulative_strides: &[usize]) -> Vec<(usize, usize, UniPoly)> {
    let polys: Vec<UniPoly> =
        filters.iter().zip(cumulative_strides).map(|(w, &s)| UniPoly::new(w.clone()).substitute_power(s)).collect();
    let mut out = Vec::new();
    for l in 0..polys.len() {
        for m in (l + 1)..polys.len() {
            if polys[l].is_zero() || polys[m].is_zero() {
                continue;
            }
            let g = polys[l].gcd(&polys[m]);
            if g.degree().unwrap_or(0) > 0 {
                out.push((l, m, g));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(c: &[i64]) -> Vec<BigRational> {
        c.iter().map(|&v| BigRational::from_integer(v.into())).collect()
    }

    #[test]
    fn one_plus_t_squared_is_not_realised_by_two_linear_filters() {
        let r = stride_one_realizability(&[2, 2], &q(&[1, 0, 1])).unwrap();
        assert!(!r.realizable);
        assert_eq!(r.complex_pairs, 1);
        let r = stride_one_realizability(&[2, 2], &q(&[1, 2, 1])).unwrap();
        assert!(r.realizable && r.boundary); // (1 + t)^2: a repeated real root
        let r = stride_one_realizability(&[2, 2], &q(&[-1, 0, 1])).unwrap();
        assert!(r.realizable && !r.boundary);
        let r = stride_one_realizability(&[2, 2], &q(&[1, 2, 0])).unwrap();
        assert!(r.realizable && !r.boundary && r.root_at_infinity == 1);
    }

    #[test]
    fn every_quartic_is_realised_by_two_quadratic_filters() {
        for u in [[1, 0, 2, 0, 1], [1, 0, 0, 0, 1], [5, -3, 2, 7, 1], [0, 0, 0, 0, 1]] {
            let r = stride_one_realizability(&[3, 3], &q(&u)).unwrap();
            assert!(r.realizable && !r.boundary, "{u:?}");
        }
    }

    #[test]
    fn shared_roots_and_hyperroots() {
        let pairs = shared_roots(&[q(&[1, 3, 2]), q(&[1, 1])], &[1, 1]);
        assert_eq!(pairs.len(), 1);
        let pairs = shared_roots(&[q(&[1, 0, -1]), q(&[1, -1])], &[1, 2]);
        assert_eq!(pairs[0].2.degree(), Some(2));
        assert!(shared_roots(&[q(&[1, 2]), q(&[3, 5])], &[1, 1]).is_empty());
    }
}
