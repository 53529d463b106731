//! A well-conditioned chart for one critical function: a small preimage on its fiber and slice
//! directions orthogonal to the fiber.
//!
//! A run's random slice meets the fiber of a critical function `f` where it happens to: often at
//! a parameter point far larger than `f` needs (a neuron scaled by 20 in and 1/20 out). The
//! critical system's terms there are products of high powers of large parameters that cancel,
//! so its interval enclosures are wide and Krawczyk's test fails although the point is regular.
//! The fiber holds smaller points: the symmetries (and any hidden ones) move along it.
//!
//! [`balanced_chart`] walks the fiber toward the least norm, by steepest descent of `|theta|^2`
//! projected on the fiber's tangent space `ker J` (Hermitian projection; descent in the real
//! sense, since `|theta|^2` is a real function of complex `theta`), each step followed by
//! Gauss-Newton steps back onto `phi = f` with minimum-norm corrections. For a rescaling
//! `(a, b) -> (l a, b / l)` this converges to `|a| = |b|`. The chart returned is centred there
//! with directions `B` an orthonormal basis of the orthogonal complement of `ker J`, so `J B`
//! has the nonzero singular values of `J` (no random factor), and the critical function is the
//! solution `t` near 0 of its critical system. The walk is a heuristic that picks a chart; the
//! proof is Krawczyk's test in that chart, and a certificate in any chart proves a regular
//! critical point with its function in the enclosure.
// `!(x > y)` is deliberate: it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::linalg::solve;
use super::system::Slice;
use crate::coefficients::CoefficientMap;
use crate::error::Result;
use crate::net::Network;
use crate::par::{Interrupt, Par};
use crate::ring::{ComplexRing, C64};

/// Descent steps at most (each with its corrections).
const STEPS: usize = 40;
/// Gauss-Newton corrections back onto the fiber after each step, at most (a half step moves
/// the function by tens of percent; the corrections converge quadratically from there).
const CORRECTIONS: usize = 10;
/// Relative distance to the function accepted as back on the fiber.
const ON_FIBER: f64 = 1e-12;
/// Stop when the tangential part of `theta` is below this fraction of `|theta|`.
const STATIONARY: f64 = 1e-3;

fn dot(a: &[C64], b: &[C64]) -> C64 {
    a.iter().zip(b).fold(C64::ZERO, |s, (x, y)| s + x.conj() * *y)
}

fn norm(v: &[C64]) -> f64 {
    v.iter().map(|z| z.norm_sqr()).sum::<f64>().sqrt()
}

/// An orthonormal basis (`m` vectors of length `n`) of the span of the conjugated rows of the
/// `rows x n` matrix `j`: the orthogonal complement of `ker j` when `j` has rank `m`. Rows are
/// taken greedily by largest remaining norm (modified Gram-Schmidt, two passes); `None` when
/// fewer than `m` independent rows are found.
pub fn row_space_basis(j: &[C64], rows: usize, n: usize, m: usize) -> Option<Vec<Vec<C64>>> {
    let mut rest: Vec<Vec<C64>> = (0..rows).map(|i| j[i * n..(i + 1) * n].iter().map(|z| z.conj()).collect()).collect();
    let scale = rest.iter().map(|r| norm(r)).fold(0.0f64, f64::max);
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    let mut basis: Vec<Vec<C64>> = Vec::with_capacity(m);
    while basis.len() < m {
        let (best, size) = rest.iter().enumerate().map(|(i, r)| (i, norm(r))).max_by(|a, b| a.1.total_cmp(&b.1))?;
        if !(size > 1e-12 * scale) {
            return None;
        }
        let mut q = rest.swap_remove(best);
        for _ in 0..2 {
            for b in &basis {
                let d = dot(b, &q);
                q.iter_mut().zip(b).for_each(|(y, x)| *y -= d * *x);
            }
        }
        let nq = norm(&q);
        if !(nq > 1e-12 * scale) {
            return None;
        }
        q.iter_mut().for_each(|z| *z = z.scale(1.0 / nq));
        for r in rest.iter_mut() {
            let d = dot(&q, r);
            r.iter_mut().zip(&q).for_each(|(y, x)| *y -= d * *x);
        }
        basis.push(q);
    }
    Some(basis)
}

/// Gauss-Newton step toward `phi = f` with the least-norm correction: `delta = Q^H c` with
/// `c` the least-squares solution of `(J Q^H) c = f - phi` (normal equations, `m x m`).
fn fiber_correction(jac: &[C64], big_n: usize, n: usize, q: &[Vec<C64>], residual: &[C64]) -> Option<Vec<C64>> {
    let m = q.len();
    // A = J Q^H: column k is J q_k.
    let mut a = vec![C64::ZERO; big_n * m];
    for i in 0..big_n {
        let row = &jac[i * n..(i + 1) * n];
        for (k, qk) in q.iter().enumerate() {
            a[i * m + k] = row.iter().zip(qk).fold(C64::ZERO, |s, (x, y)| s + *x * *y);
        }
    }
    let mut gram = vec![C64::ZERO; m * m];
    let mut rhs = vec![C64::ZERO; m];
    for k in 0..m {
        for l in 0..m {
            gram[k * m + l] = (0..big_n).fold(C64::ZERO, |s, i| s + a[i * m + k].conj() * a[i * m + l]);
        }
        rhs[k] = (0..big_n).fold(C64::ZERO, |s, i| s + a[i * m + k].conj() * residual[i]);
    }
    let c = solve(&gram, m, &rhs)?;
    Some((0..n).map(|j| q.iter().zip(&c).fold(C64::ZERO, |s, (qk, ck)| s + qk[j] * *ck)).collect())
}

/// A chart for the function `phi(theta)` centred at a preimage of smaller norm, with slice
/// directions orthogonal to the fiber (see the module docs); `m` is the dimension of the
/// variety. `None` when `J` has rank below `m` along the way (a singular point: no chart helps).
pub fn balanced_chart(net: &Network, theta: &[C64], m: usize, intr: &dyn Interrupt) -> Result<Option<Slice>> {
    let map = CoefficientMap::new(net, ComplexRing)?;
    let (n, big_n) = (map.n_params(), map.n_values());
    let mut phi = vec![C64::ZERO; big_n];
    let mut jac = vec![C64::ZERO; map.check_jacobian()?];
    let mut th = theta.to_vec();
    map.values(&th, &mut phi)?;
    let f = phi.clone();
    let fscale = f.iter().map(|z| z.abs()).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
    // `jac` holds `J(th)` when the corrections that brought `th` back to the fiber ended with an
    // evaluation there (then it is not computed again); `basis` is the row space at `th` once
    // the walk stops.
    let mut jac_at_th = false;
    let mut basis = None;
    for _ in 0..STEPS {
        intr.check()?;
        if !jac_at_th {
            map.jacobian_at(&th, &mut phi, &mut jac, Par::Seq, intr)?;
        }
        let Some(q) = row_space_basis(&jac, big_n, n, m) else { return Ok(None) };
        // The tangential part of theta: theta minus its projection on the row space.
        let mut tangent = th.clone();
        for qk in &q {
            let d = dot(qk, &th);
            tangent.iter_mut().zip(qk).for_each(|(y, x)| *y -= d * *x);
        }
        let stationary = norm(&tangent) <= STATIONARY * norm(&th);
        basis = Some(q);
        if stationary {
            break;
        }
        // Half the tangential part: for a rescaling orbit a full step overshoots the balance.
        let mut cur: Vec<C64> = th.iter().zip(&tangent).map(|(a, d)| *a - d.scale(0.5)).collect();
        let mut off = f64::INFINITY;
        let mut jac_at_cur = false;
        for _ in 0..CORRECTIONS {
            map.jacobian_at(&cur, &mut phi, &mut jac, Par::Seq, intr)?;
            jac_at_cur = true;
            let residual: Vec<C64> = f.iter().zip(&phi).map(|(a, b)| *a - *b).collect();
            off = residual.iter().map(|z| z.abs()).fold(0.0f64, f64::max);
            if off <= ON_FIBER * fscale {
                break;
            }
            let Some(q) = row_space_basis(&jac, big_n, n, m) else { break };
            let Some(delta) = fiber_correction(&jac, big_n, n, &q, &residual) else { break };
            cur.iter_mut().zip(&delta).for_each(|(y, d)| *y += *d);
            jac_at_cur = false;
        }
        // A step that does not return to the fiber (or does not shrink theta) ends the walk
        // where it was.
        if !(off <= 1e-9 * fscale) || !(norm(&cur) < norm(&th)) {
            break;
        }
        th = cur;
        jac_at_th = jac_at_cur;
        basis = None;
    }
    let q = match basis {
        Some(q) => q,
        None => {
            if !jac_at_th {
                map.jacobian_at(&th, &mut phi, &mut jac, Par::Seq, intr)?;
            }
            let Some(q) = row_space_basis(&jac, big_n, n, m) else { return Ok(None) };
            q
        }
    };
    let mut b = vec![C64::ZERO; n * m];
    for (k, qk) in q.iter().enumerate() {
        for j in 0..n {
            b[j * m + k] = qk[j];
        }
    }
    Ok(Some(Slice { theta0: th, b }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer};
    use crate::par::NoInterrupt;

    /// MLP (2,1,1) with `t^3`: `phi(a1, a2, b) = b (a1 x + a2 y)^3`, fiber
    /// `(l a, b / l^3)`. Minimising `s |a|^2 + |b|^2 / s^3` over `s = |l|^2` gives
    /// `|a|^2 = 3 |b|^2 / s^4`, so `|a'|^2 = s |a|^2 = 3 |b|^2 / s^3 = 3 |b'|^2` (also the
    /// stationarity `theta` orthogonal to the tangent: `|a|^2 - 3 |b|^2 = 0`). From a point with `b = 20^3`
    /// times too large the walk must reach that balance, keep the function, and return
    /// orthonormal directions orthogonal to the fiber's tangent `(a, -3 b)`.
    #[test]
    fn rescaling_orbit_reaches_the_balance() {
        let net = Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 1, bias: false }),
            Layer::Activation(Activation::monomial(1, 3).unwrap()),
            Layer::Dense(Dense { input_dim: 1, output_dim: 1, bias: false }),
        ])
        .unwrap();
        let l = 20.0;
        let theta = [C64::new(0.3 / l, 0.1 / l), C64::new(-0.2 / l, 0.05 / l), C64::new(0.7 * l * l * l, -0.4)];
        let slice = balanced_chart(&net, &theta, 2, &NoInterrupt).unwrap().unwrap();
        let th = &slice.theta0;
        let a2 = th[0].norm_sqr() + th[1].norm_sqr();
        let b2 = th[2].norm_sqr();
        assert!((a2 / (3.0 * b2) - 1.0).abs() < 1e-2, "{a2} vs 3 x {b2}");
        let before = crate::coefficients::coefficients(&net, ComplexRing, &theta).unwrap();
        let after = crate::coefficients::coefficients(&net, ComplexRing, th).unwrap();
        let scale = before.iter().map(|z| z.abs()).fold(0.0f64, f64::max);
        assert!(before.iter().zip(&after).all(|(x, y)| (*x - *y).abs() <= 1e-9 * scale));
        // B: 3 x 2, orthonormal columns, each orthogonal to the tangent (a, -3 b).
        let col = |k: usize| -> Vec<C64> { (0..3).map(|j| slice.b[j * 2 + k]).collect() };
        let tangent = [th[0], th[1], th[2].scale(-3.0)];
        for k in 0..2 {
            assert!((norm(&col(k)) - 1.0).abs() < 1e-12);
            assert!(dot(&tangent, &col(k)).abs() < 1e-9 * norm(&tangent));
        }
        assert!(dot(&col(0), &col(1)).abs() < 1e-12);
    }
}
