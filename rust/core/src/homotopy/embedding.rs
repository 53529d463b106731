//! The affine parameter charts `theta(x) = theta_0 + B x` (`B` is `n x m`, row-major) shared by
//! the critical system (a random slice) and the linear section system (a random slice or a
//! gauge): the point of the chart and the Jacobian `J B` of `phi` in the chart's coordinates.
//! Zero entries of `B` (a gauge is a coordinate selection) and of `J` are skipped.

use crate::ring::Ring;

/// `theta_0 + B x`.
pub fn chart_point<R: Ring>(r: &R, theta0: &[R::Elem], b: &[R::Elem], x: &[R::Elem]) -> Vec<R::Elem> {
    let m = x.len();
    theta0
        .iter()
        .enumerate()
        .map(|(i, t0)| {
            let mut acc = t0.clone();
            for (j, xj) in x.iter().enumerate() {
                let bij = &b[i * m + j];
                if !r.is_zero(bij) {
                    r.mul_add_assign(&mut acc, bij, xj);
                }
            }
            acc
        })
        .collect()
}

/// `J B` (`rows x m`) from `J` (`rows x n`).
pub fn jacobian_in_chart<R: Ring>(
    r: &R,
    j: &[R::Elem],
    b: &[R::Elem],
    rows: usize,
    n: usize,
    m: usize,
) -> Vec<R::Elem> {
    let mut out = vec![r.zero(); rows * m];
    for k in 0..rows {
        for l in 0..n {
            let a = &j[k * n + l];
            if r.is_zero(a) {
                continue;
            }
            for c in 0..m {
                let blc = &b[l * m + c];
                if !r.is_zero(blc) {
                    r.mul_add_assign(&mut out[k * m + c], a, blc);
                }
            }
        }
    }
    out
}
