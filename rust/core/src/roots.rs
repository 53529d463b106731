//! All complex roots of a polynomial with `f64` coefficients, by the Aberth-Ehrlich iteration
//! (Aberth 1973; Bini 1996 for the starting points on circles), the floating-point companion of
//! the exact `univariate` module. Simple roots converge cubically to a few ulps; a root of
//! multiplicity `m` is found to about `eps^(1/m)`, as with any method working in `f64`
//! (eigenvalues of the companion matrix included), which is why callers cluster roots with a
//! tolerance of that size.

use crate::ring::C64;

fn horner(c: &[f64], z: C64) -> (C64, C64) {
    // p(z) and p'(z), coefficients low to high.
    let mut p = C64::ZERO;
    let mut dp = C64::ZERO;
    for &a in c.iter().rev() {
        dp = dp * z + p;
        p = p * z + C64::new(a, 0.0);
    }
    (p, dp)
}

/// The roots of `sum c_k t^k` (low to high) with multiplicity; trailing zero coefficients lower
/// the degree; the zero polynomial and constants have no roots.
pub fn complex_roots(coeffs: &[f64]) -> Vec<C64> {
    let Some(deg) = coeffs.iter().rposition(|&c| c != 0.0) else { return vec![] };
    // Roots at zero first: they would stall the iteration's relative updates.
    let low = coeffs.iter().position(|&c| c != 0.0).unwrap_or(0);
    let c: Vec<f64> = coeffs[low..=deg].iter().map(|&a| a / coeffs[deg]).collect();
    let n = c.len() - 1;
    let mut roots = vec![C64::ZERO; low];
    if n == 0 {
        return roots;
    }
    // Start on a circle of the Cauchy-bound-like radius (geometric mean of the coefficients).
    let radius = (c[0].abs()).powf(1.0 / n as f64).max(1e-300);
    let mut z: Vec<C64> = (0..n)
        .map(|k| {
            let a = 2.0 * std::f64::consts::PI * k as f64 / n as f64 + 0.4;
            C64::new(radius * a.cos(), radius * a.sin())
        })
        .collect();
    for _ in 0..500 {
        let mut moved = false;
        for i in 0..n {
            let (p, dp) = horner(&c, z[i]);
            if p.abs() == 0.0 {
                continue;
            }
            let ratio = p / dp;
            let mut s = C64::ZERO;
            for j in 0..n {
                if j != i {
                    s += C64::ONE / (z[i] - z[j]);
                }
            }
            let w = ratio / (C64::ONE - ratio * s);
            if !(w.re.is_finite() && w.im.is_finite()) {
                continue;
            }
            z[i] -= w;
            if w.abs() > 4.0 * f64::EPSILON * z[i].abs().max(f64::MIN_POSITIVE) {
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    roots.extend(z);
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<C64>) -> Vec<C64> {
        v.sort_by(|a, b| a.re.total_cmp(&b.re).then(a.im.total_cmp(&b.im)));
        v
    }

    #[test]
    fn roots_of_closed_forms() {
        // (t - 1)(t - 2)(t + 3) = t^3 - 7 t + 6.
        let r = sorted(complex_roots(&[6.0, -7.0, 0.0, 1.0]));
        for (z, want) in r.iter().zip([-3.0, 1.0, 2.0]) {
            assert!((z.re - want).abs() < 1e-13 && z.im.abs() < 1e-13, "{r:?}");
        }
        // t^2 + 1: +-i; t (t^2 + 1) adds the root 0; trailing zeros are ignored.
        let r = sorted(complex_roots(&[0.0, 1.0, 0.0, 1.0, 0.0]));
        assert_eq!(r.len(), 3);
        assert!(r[1].abs() < 1e-300 && (r[0].im + 1.0).abs() < 1e-14 && (r[2].im - 1.0).abs() < 1e-14, "{r:?}");
        assert!(complex_roots(&[0.0, 0.0]).is_empty() && complex_roots(&[5.0]).is_empty());
    }

    #[test]
    fn a_double_root_is_found_to_sqrt_eps() {
        // (t - 1)^2 (t + 2) = t^3 - 3 t + 2.
        let r = sorted(complex_roots(&[2.0, -3.0, 0.0, 1.0]));
        assert!((r[0].re + 2.0).abs() < 1e-12);
        assert!((r[1] - C64::ONE).abs() < 1e-7 && (r[2] - C64::ONE).abs() < 1e-7, "{r:?}");
    }
}
