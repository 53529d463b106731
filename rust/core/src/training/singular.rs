//! Closeness to the singular locus: `sigma_r / sigma_1` of the Jacobian `J` of `phi`, where `r`
//! is the generic rank (the dimension of the neuromanifold). Parameter symmetries make
//! `sigma_{r+1} = ... = 0` everywhere, so the ratio at `r` is the one that drops to 0 exactly on
//! the points where the rank falls (the singular and critical strata).
//!
//! The singular values are the square roots of the eigenvalues of `J^T J` (`n x n`, `n` the
//! parameter count, small for training studies), from the crate's one symmetric eigenvalue
//! routine ([`crate::closest::spectrum`]: Householder tridiagonalisation and implicit QL, no
//! external LAPACK, backward stable); the ratio is numerical, so it is reported as a float with
//! the rounding floor `~1e-8` (square root of machine precision).

use crate::closest::spectrum::symmetric_eigenvalues;

/// `sigma_rank / sigma_1` of the `m x n` row-major `jac` (0 when `J = 0`; `rank` clamped to
/// `1..=min(m, n)`).
pub fn singular_ratio(jac: &[f64], m: usize, n: usize, rank: usize) -> f64 {
    if m == 0 || n == 0 {
        return 0.0;
    }
    let mut gram = vec![0.0; n * n];
    for row in jac.chunks_exact(n) {
        for i in 0..n {
            if row[i] == 0.0 {
                continue;
            }
            for j in 0..n {
                gram[i * n + j] += row[i] * row[j];
            }
        }
    }
    // Ascending eigenvalues; a non-finite Jacobian has no meaningful ratio.
    let Ok(ev) = symmetric_eigenvalues(&mut gram, n) else { return f64::NAN };
    let r = rank.clamp(1, m.min(n));
    let top = ev[n - 1].max(0.0).sqrt();
    if top == 0.0 {
        return 0.0;
    }
    ev[n - r].max(0.0).sqrt() / top
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_of_a_diagonal_jacobian() {
        // J = diag(3, 1, 0) padded: singular values 3, 1, 0.
        let j = [3.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert!((singular_ratio(&j, 4, 3, 2) - 1.0 / 3.0).abs() < 1e-14);
        assert_eq!(singular_ratio(&j, 4, 3, 3), 0.0);
        // A rotated 2x2: [[1, 1], [1, -1]] has singular values sqrt 2, sqrt 2.
        assert!((singular_ratio(&[1.0, 1.0, 1.0, -1.0], 2, 2, 2) - 1.0).abs() < 1e-14);
        // Non-finite entries give NaN, not a panic.
        assert!(singular_ratio(&[f64::NAN, 1.0], 1, 2, 1).is_nan());
    }
}
