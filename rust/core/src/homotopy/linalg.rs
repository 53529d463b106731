//! Small dense complex linear algebra for the tracker: row-major `n x n` LU with partial
//! pivoting, and a scale-invariant rank test (columns normalised, then QR with column pivoting).
// `!(x > 0.0)` is deliberate: it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::ring::C64;

/// Solves `a x = b` for square row-major `a` (`n x n`) by Gaussian elimination with partial
/// pivoting ([`Lu`]). `None` when a pivot is zero or not finite (numerically singular), or when
/// the solution overflows.
pub fn solve(a: &[C64], n: usize, b: &[C64]) -> Option<Vec<C64>> {
    // The same operations in the same order as eliminating `b` alongside the matrix.
    let lu = Lu::factor(a, n)?;
    let mut x = b.to_vec();
    lu.solve_in_place(&mut x);
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The factorisation `P A = L U` of a square row-major matrix by partial pivoting (the
/// pivots of [`solve`]), kept to solve several right-hand sides with one matrix.
#[derive(Debug, Clone)]
pub struct Lu {
    n: usize,
    /// `L` (unit diagonal, below) and `U` (on and above the diagonal), row-major.
    lu: Vec<C64>,
    /// Row `k` was swapped with row `perm[k]` at elimination step `k`.
    perm: Vec<usize>,
}

impl Lu {
    /// `None` when a pivot is zero or not finite (numerically singular), as [`solve`].
    pub fn factor(a: &[C64], n: usize) -> Option<Lu> {
        let mut m = a.to_vec();
        let mut perm = vec![0; n];
        let size = |z: C64| z.re.abs() + z.im.abs();
        for k in 0..n {
            let p = (k..n).max_by(|&i, &j| size(m[i * n + k]).total_cmp(&size(m[j * n + k])))?;
            let piv = m[p * n + k];
            if !(size(piv) > 0.0) || !piv.is_finite() {
                return None;
            }
            perm[k] = p;
            if p != k {
                // Only the columns still to be eliminated: the multipliers left of `k` belong
                // to the row positions at their own step, where `solve_in_place` applies them.
                for c in k..n {
                    m.swap(k * n + c, p * n + c);
                }
            }
            let inv = piv.recip();
            for i in k + 1..n {
                let f = m[i * n + k] * inv;
                m[i * n + k] = f;
                if f.re == 0.0 && f.im == 0.0 {
                    continue;
                }
                for c in k + 1..n {
                    let v = m[k * n + c];
                    m[i * n + c] -= f * v;
                }
            }
        }
        Some(Lu { n, lu: m, perm })
    }

    /// Overwrites `b` with `A^{-1} b` (non-finite entries where the solve overflows).
    pub fn solve_in_place(&self, b: &mut [C64]) {
        let (n, m) = (self.n, &self.lu);
        for k in 0..n {
            b.swap(k, self.perm[k]);
            let bk = b[k];
            for i in k + 1..n {
                let f = m[i * n + k];
                if f.re == 0.0 && f.im == 0.0 {
                    continue;
                }
                b[i] -= f * bk;
            }
        }
        for k in (0..n).rev() {
            let mut s = b[k];
            for c in k + 1..n {
                s -= m[k * n + c] * b[c];
            }
            b[k] = s / m[k * n + k];
        }
    }
}

/// Inverse of a square row-major matrix (`None` when numerically singular).
pub fn inverse(a: &[C64], n: usize) -> Option<Vec<C64>> {
    let mut inv = vec![C64::ZERO; n * n];
    let mut e = vec![C64::ZERO; n];
    for j in 0..n {
        e.iter_mut().for_each(|v| *v = C64::ZERO);
        e[j] = C64::ONE;
        let col = solve(a, n, &e)?;
        for i in 0..n {
            inv[i * n + j] = col[i];
        }
    }
    Some(inv)
}

/// The max-norm of a vector (the modulus of the largest entry; NaN entries are skipped, as
/// `f64::max` does).
///
/// The tracker takes several norms a step, and `hypot` (which `C64::abs` is) was 7% of its
/// profile: the largest squared modulus is found first and one square root taken. Where that
/// square could over- or underflow the entries are taken through `hypot` again.
pub fn norm_inf(v: &[C64]) -> f64 {
    let sq = v.iter().fold(0.0f64, |m, z| m.max(z.norm_sqr()));
    if (1e-290..=1e290).contains(&sq) || sq == 0.0 && v.iter().all(|z| z.re == 0.0 && z.im == 0.0) {
        sq.sqrt()
    } else {
        v.iter().fold(0.0, |m, z| m.max(z.abs()))
    }
}

/// Scale-invariant rank measure of a row-major `rows x cols` matrix: the columns are normalised
/// to unit length (so parameters of size 1e5 do not fake a rank drop), then modified Gram-Schmidt
/// with column pivoting (two passes per column) gives `|r_kk|` in decreasing order; returns the
/// last one, an estimate of the smallest singular value of the normalised matrix up to a factor
/// of at most `2^cols`. Zero for a zero column or `cols > rows`.
pub fn min_normalized_pivot(a: &[C64], rows: usize, cols: usize) -> f64 {
    if cols == 0 {
        return 1.0;
    }
    if cols > rows {
        return 0.0;
    }
    let mut q: Vec<Vec<C64>> = (0..cols).map(|j| (0..rows).map(|i| a[i * cols + j]).collect()).collect();
    for c in q.iter_mut() {
        let n = c.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
        if !(n > 0.0) || !n.is_finite() {
            return 0.0;
        }
        c.iter_mut().for_each(|z| *z = z.scale(1.0 / n));
    }
    let mut last = f64::INFINITY;
    for k in 0..cols {
        let p = (k..cols)
            .max_by(|&i, &j| {
                let ni: f64 = q[i].iter().map(|z| z.norm_sqr()).sum();
                let nj: f64 = q[j].iter().map(|z| z.norm_sqr()).sum();
                ni.total_cmp(&nj)
            })
            .unwrap_or(k);
        q.swap(k, p);
        let r = q[k].iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt();
        last = last.min(r);
        if !(r > 0.0) {
            return 0.0;
        }
        let qk: Vec<C64> = q[k].iter().map(|z| z.scale(1.0 / r)).collect();
        q[k] = qk.clone();
        for col in q.iter_mut().skip(k + 1) {
            for _pass in 0..2 {
                // <q_k, col> with the Hermitian inner product.
                let mut d = C64::ZERO;
                for (x, y) in qk.iter().zip(col.iter()) {
                    d += x.conj() * *y;
                }
                for (x, y) in qk.iter().zip(col.iter_mut()) {
                    *y -= *x * d;
                }
            }
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_and_inverse() {
        // [[0, 1], [2, i]] x = [1, 0]: x = [-i/2, 1] (hand elimination).
        let a = [C64::ZERO, C64::ONE, C64::real(2.0), C64::new(0.0, 1.0)];
        let x = solve(&a, 2, &[C64::ONE, C64::ZERO]).unwrap();
        assert!((x[0] - C64::new(0.0, -0.5)).abs() < 1e-15 && (x[1] - C64::ONE).abs() < 1e-15);
        let inv = inverse(&a, 2).unwrap();
        // a * inv = I.
        for i in 0..2 {
            for j in 0..2 {
                let mut s = C64::ZERO;
                for k in 0..2 {
                    s += a[i * 2 + k] * inv[k * 2 + j];
                }
                let want = if i == j { C64::ONE } else { C64::ZERO };
                assert!((s - want).abs() < 1e-15);
            }
        }
        assert!(solve(&[C64::ONE, C64::ONE, C64::ONE, C64::ONE], 2, &[C64::ONE, C64::ONE]).is_none());
    }

    /// The kept factorisation ([`solve`] is one factorisation and one solve) solves right-hand
    /// side by right-hand side on a matrix that needs row swaps (a zero leading entry, growing
    /// pivots below): `A x = b` to rounding, checked by multiplying back, and refuses a
    /// singular matrix.
    #[test]
    fn lu_solves_with_row_swaps() {
        let mut g = crate::rng::SplitMix64::new(5);
        let n = 5;
        let mut a: Vec<C64> = (0..n * n).map(|_| C64::new(g.normal(), g.normal())).collect();
        a[0] = C64::ZERO;
        for i in 1..n {
            a[i * n] = a[i * n].scale(1.0 + i as f64);
        }
        let lu = Lu::factor(&a, n).unwrap();
        for _ in 0..3 {
            let b: Vec<C64> = (0..n).map(|_| C64::new(g.normal(), g.normal())).collect();
            let mut x = b.clone();
            lu.solve_in_place(&mut x);
            assert_eq!(solve(&a, n, &b).unwrap(), x);
            // A x = b.
            for i in 0..n {
                let mut s = C64::ZERO;
                for j in 0..n {
                    s += a[i * n + j] * x[j];
                }
                assert!((s - b[i]).abs() < 1e-12 * (1.0 + b[i].abs()));
            }
        }
        assert!(Lu::factor(&[C64::ONE, C64::ONE, C64::ONE, C64::ONE], 2).is_none());
    }

    /// The fast max-norm equals the modulus of the largest entry, also where the squares
    /// over- or underflow, and skips NaN as the `hypot` fold did.
    #[test]
    fn norm_inf_matches_the_largest_modulus() {
        let slow = |v: &[C64]| v.iter().fold(0.0, |m: f64, z| m.max(z.abs()));
        let cases: Vec<Vec<C64>> = vec![
            vec![C64::new(3.0, 4.0), C64::new(-1.0, 0.5)],
            vec![C64::new(3e200, 4e200), C64::ONE],
            vec![C64::new(3e-200, -4e-200)],
            vec![C64::ZERO, C64::ZERO],
            vec![C64::new(f64::NAN, 0.0), C64::new(0.0, 2.0)],
            vec![C64::new(f64::INFINITY, 0.0)],
            vec![],
        ];
        for v in &cases {
            let (a, b) = (norm_inf(v), slow(v));
            assert!(a == b || (a - b).abs() <= 4.0 * f64::EPSILON * b, "{v:?}: {a} vs {b}");
        }
        assert!((norm_inf(&cases[1]) / 5e200 - 1.0).abs() < 1e-15);
        assert_eq!(norm_inf(&cases[4]), 2.0);
    }

    #[test]
    fn rank_test_is_scale_invariant() {
        // Columns (1e5, 0, 1e5) and (0, 1e-5, 1e-5) are independent however they are scaled.
        let a = [C64::real(1e5), C64::ZERO, C64::ZERO, C64::real(1e-5), C64::real(1e5), C64::real(1e-5)];
        assert!(min_normalized_pivot(&a, 3, 2) > 0.5);
        // Parallel columns: rank 1.
        let b = [C64::real(1.0), C64::real(2e7), C64::real(2.0), C64::real(4e7)];
        assert!(min_normalized_pivot(&b, 2, 2) < 1e-12);
    }
}
