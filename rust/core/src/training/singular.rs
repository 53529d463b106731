//! Closeness to the singular locus: `sigma_r / sigma_1` of the Jacobian `J` of `phi`, where `r`
//! is the generic rank (the dimension of the neuromanifold). Parameter symmetries make
//! `sigma_{r+1} = ... = 0` everywhere, so the ratio at `r` is the one that drops to 0 exactly on
//! the points where the rank falls (the singular and critical strata).
//!
//! The singular values are the square roots of the eigenvalues of `J^T J` (`n x n`, `n` the
//! parameter count, small for training studies), found by cyclic Jacobi rotations: no external
//! LAPACK, and accurate to rounding for the largest ones; the ratio is numerical, so it is
//! reported as a float with the rounding floor `~1e-8` (square root of machine precision).

/// Eigenvalues of the symmetric `n x n` row-major matrix `a` (destroyed), in descending order.
pub fn symmetric_eigenvalues(a: &mut [f64], n: usize) -> Vec<f64> {
    for _sweep in 0..64 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j].powi(2))
            .sum();
        let diag: f64 = (0..n).map(|i| a[i * n + i].powi(2)).sum();
        if off <= 1e-30 * diag.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let mut ev: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
    ev.sort_by(|x, y| y.total_cmp(x));
    ev
}

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
    let ev = symmetric_eigenvalues(&mut gram, n);
    let r = rank.clamp(1, m.min(n));
    let top = ev[0].max(0.0).sqrt();
    if top == 0.0 {
        return 0.0;
    }
    ev[r - 1].max(0.0).sqrt() / top
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
        let mut a = vec![2.0, 1.0, 1.0, 2.0];
        let ev = symmetric_eigenvalues(&mut a, 2);
        assert!((ev[0] - 3.0).abs() < 1e-14 && (ev[1] - 1.0).abs() < 1e-14);
    }
}
