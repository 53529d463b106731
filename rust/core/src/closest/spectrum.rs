//! Eigenvalues of a real symmetric matrix (the Hessian of the squared distance), in ascending
//! order: Householder reduction to tridiagonal form, then the implicit QL iteration with
//! Wilkinson shifts (the EISPACK `tred1`/`tql1` pair, as in Numerical Recipes 11.2-11.3).
//!
//! Backward stable: the computed eigenvalues are exact for a matrix within a few `eps ||A||` of
//! the input, the accuracy of LAPACK's `dsyevd` (which `numpy.linalg.eigvalsh` calls), so the
//! minimum/saddle test reads the same sign wherever the eigenvalue is not at rounding level.

use crate::error::{CoreError, Result};

/// QL sweeps allowed per eigenvalue before giving up (convergence is cubic; a handful suffice).
const MAX_SWEEPS: usize = 64;

/// The eigenvalues of the symmetric `n x n` row-major matrix `a` (only the lower triangle is
/// read), ascending. `a` is overwritten.
pub fn symmetric_eigenvalues(a: &mut [f64], n: usize) -> Result<Vec<f64>> {
    if a.len() != n * n {
        return Err(CoreError::internal(format!("eigenvalues of a {n} x {n} matrix given {} entries", a.len())));
    }
    if a.iter().any(|v| !v.is_finite()) {
        return Err(CoreError::invalid("hessian", "has NaN or infinite entries"));
    }
    let (mut d, mut e) = tridiagonalize(a, n);
    tridiagonal_ql(&mut d, &mut e)?;
    d.sort_by(f64::total_cmp);
    Ok(d)
}

/// Householder reduction of the lower triangle of `a` to a tridiagonal matrix: the diagonal
/// `d` and the subdiagonal `e` (`e[i]` couples `i - 1` and `i`, `e[0] = 0`).
fn tridiagonalize(a: &mut [f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut d, mut e) = (vec![0.0; n], vec![0.0; n]);
    for i in (1..n).rev() {
        let l = i - 1;
        if l > 0 {
            let scale: f64 = (0..=l).map(|k| a[i * n + k].abs()).sum();
            if scale == 0.0 {
                e[i] = a[i * n + l];
            } else {
                let mut h = 0.0;
                for k in 0..=l {
                    a[i * n + k] /= scale;
                    h += a[i * n + k] * a[i * n + k];
                }
                let f = a[i * n + l];
                let g = if f >= 0.0 { -h.sqrt() } else { h.sqrt() };
                e[i] = scale * g;
                h -= f * g;
                a[i * n + l] = f - g;
                let mut f = 0.0;
                for j in 0..=l {
                    // g = (A u)_j over the lower triangle of the leading (l + 1) block.
                    let mut g = 0.0;
                    for k in 0..=j {
                        g += a[j * n + k] * a[i * n + k];
                    }
                    for k in j + 1..=l {
                        g += a[k * n + j] * a[i * n + k];
                    }
                    e[j] = g / h;
                    f += e[j] * a[i * n + j];
                }
                let hh = f / (h + h);
                for j in 0..=l {
                    let f = a[i * n + j];
                    let g = e[j] - hh * f;
                    e[j] = g;
                    for k in 0..=j {
                        a[j * n + k] -= f * e[k] + g * a[i * n + k];
                    }
                }
            }
        } else {
            e[i] = a[i * n + l];
        }
    }
    for (i, di) in d.iter_mut().enumerate() {
        *di = a[i * n + i];
    }
    (d, e)
}

/// Implicit QL with Wilkinson shifts on the tridiagonal matrix `(d, e)`; `d` ends holding the
/// eigenvalues (unordered).
fn tridiagonal_ql(d: &mut [f64], e: &mut [f64]) -> Result<()> {
    let n = d.len();
    if n == 0 {
        return Ok(());
    }
    // Renumber: e[i] couples i and i + 1.
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    for l in 0..n {
        let mut sweeps = 0;
        loop {
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            sweeps += 1;
            if sweeps > MAX_SWEEPS {
                return Err(CoreError::internal("the QL iteration for the Hessian eigenvalues did not converge"));
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[m] - d[l] + e[l] / (g + if g >= 0.0 { r.abs() } else { -r.abs() });
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut deflated = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                r = f.hypot(g);
                e[i + 1] = r;
                if r == 0.0 {
                    // Underflow: split the matrix here and restart the sweep.
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
            }
            if deflated {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eig(a: &[f64], n: usize) -> Vec<f64> {
        symmetric_eigenvalues(&mut a.to_vec(), n).unwrap()
    }

    #[test]
    fn small_closed_forms() {
        assert_eq!(eig(&[], 0), Vec::<f64>::new());
        assert_eq!(eig(&[-2.5], 1), vec![-2.5]);
        let e = eig(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((e[0] - 1.0).abs() < 1e-15 && (e[1] - 3.0).abs() < 1e-15, "{e:?}");
        // The path-graph Laplacian-like matrix tridiag(-1, 2, -1) of size 5 has eigenvalues
        // 2 - 2 cos(k pi / 6), k = 1..5.
        let n = 5;
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = 2.0;
            if i + 1 < n {
                a[i * n + i + 1] = -1.0;
                a[(i + 1) * n + i] = -1.0;
            }
        }
        let e = eig(&a, n);
        for (k, v) in e.iter().enumerate() {
            let exact = 2.0 - 2.0 * ((k + 1) as f64 * std::f64::consts::PI / 6.0).cos();
            assert!((v - exact).abs() < 1e-14, "{k}: {v} vs {exact}");
        }
    }

    #[test]
    fn a_rotated_diagonal_matrix_gives_back_its_diagonal() {
        // A = Q diag(lambda) Q^T with Q a product of Givens rotations: eigenvalues lambda.
        let n = 6;
        let lambda = [-3.0, -1e-9, 0.0, 0.5, 2.0, 7.0];
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = lambda[i];
        }
        for (p, q, t) in [(0, 3, 0.4), (1, 5, 1.1), (2, 4, -0.7), (0, 1, 0.3), (3, 5, 2.0)] {
            let (c, s) = (f64::cos(t), f64::sin(t));
            for k in 0..n {
                let (x, y) = (a[k * n + p], a[k * n + q]);
                a[k * n + p] = c * x - s * y;
                a[k * n + q] = s * x + c * y;
            }
            for k in 0..n {
                let (x, y) = (a[p * n + k], a[q * n + k]);
                a[p * n + k] = c * x - s * y;
                a[q * n + k] = s * x + c * y;
            }
        }
        let e = eig(&a, n);
        for (v, l) in e.iter().zip(lambda) {
            assert!((v - l).abs() < 1e-13, "{e:?}");
        }
    }

    #[test]
    fn non_finite_input_is_refused() {
        assert!(symmetric_eigenvalues(&mut [f64::NAN], 1).is_err());
    }
}
