//! Singular values of a small dense `f64` matrix by one-sided Jacobi rotations (Hestenes 1958;
//! Demmel and Veselic 1992 for its accuracy): the columns are rotated pairwise until they are
//! orthogonal, and their norms are the singular values. Unlike the eigenvalues of `A^T A`, whose
//! rounding floor is `sqrt(eps) sigma_1`, this resolves singular values down to `eps sigma_1`,
//! which a numerical rank test at a tolerance of `1e-8` needs. Cost `O(sweeps m n^2)`: for the
//! weight and score matrices of `classify`'s evidence, not for large Jacobians.

/// The singular values of the `rows x cols` row-major `a`, in descending order.
pub fn singular_values(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    assert_eq!(a.len(), rows * cols, "singular_values: shape mismatch");
    // Work on the columns of A or of A^T, whichever are fewer; column j is `w[j*len..]`.
    let (n, len) = if cols <= rows { (cols, rows) } else { (rows, cols) };
    let mut w = vec![0.0; n * len];
    for i in 0..rows {
        for j in 0..cols {
            let (c, r) = if cols <= rows { (j, i) } else { (i, j) };
            w[c * len + r] = a[i * cols + j];
        }
    }
    for _sweep in 0..60 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for k in 0..len {
                    let (x, y) = (w[p * len + k], w[q * len + k]);
                    alpha += x * x;
                    beta += y * y;
                    gamma += x * y;
                }
                if gamma == 0.0 || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let t = if zeta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for k in 0..len {
                    let (x, y) = (w[p * len + k], w[q * len + k]);
                    w[p * len + k] = c * x - s * y;
                    w[q * len + k] = s * x + c * y;
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let mut s: Vec<f64> = (0..n).map(|j| w[j * len..(j + 1) * len].iter().map(|x| x * x).sum::<f64>().sqrt()).collect();
    s.sort_by(|x, y| y.total_cmp(x));
    s
}

#[cfg(test)]
mod tests {
    use super::singular_values;

    #[test]
    fn closed_forms() {
        // diag(3, 1) embedded in 3 x 2: singular values 3, 1.
        let s = singular_values(&[3.0, 0.0, 0.0, 1.0, 0.0, 0.0], 3, 2);
        assert!((s[0] - 3.0).abs() < 1e-15 && (s[1] - 1.0).abs() < 1e-15);
        // [[1, 1], [1, -1]] / sqrt 2 is orthogonal: both singular values are 1.
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let s = singular_values(&[h, h, h, -h], 2, 2);
        assert!(s.iter().all(|v| (v - 1.0).abs() < 1e-15));
        // The rank-one [1, 2, 3]^T [1, 1] (wide, 2 x 3 transposed): sigma_1 = sqrt(14) sqrt(2).
        let s = singular_values(&[1.0, 2.0, 3.0, 1.0, 2.0, 3.0], 2, 3);
        assert!((s[0] - 28f64.sqrt()).abs() < 1e-14 && s[1] < 1e-15);
    }

    #[test]
    fn resolves_singular_values_far_below_sqrt_eps() {
        // diag(1, 1e-12) rotated by 30 degrees on both sides: the Gram matrix would lose the
        // 1e-12 (its square is below eps); one-sided Jacobi keeps it to about 1e-16 absolute.
        let (c, s) = (3f64.sqrt() / 2.0, 0.5);
        let d = [1.0, 1e-12];
        let a: Vec<f64> = (0..2)
            .flat_map(|i| {
                (0..2).map(move |j| {
                    let u = [[c, -s], [s, c]];
                    let v = [[c, s], [-s, c]];
                    (0..2).map(|k| u[i][k] * d[k] * v[k][j]).sum::<f64>()
                })
            })
            .collect();
        let sv = singular_values(&a, 2, 2);
        assert!((sv[0] - 1.0).abs() < 1e-15);
        assert!((sv[1] - 1e-12).abs() < 1e-15, "{sv:?}");
    }
}
