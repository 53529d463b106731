//! Krawczyk's test (Krawczyk 1969; Rump 1983; Breiding-Rose-Timme 2023 for polynomial systems)
//! for the critical system `G(t; u) = 0` on a box `X` around a refined solution `x`:
//!
//! `K(X) = x - Y G(x) + (I - Y G_t(X)) (X - x)`, `Y ~ G_t(x)^{-1}`.
//!
//! If `K(X)` lies in the interior of `X`, then `X` contains exactly one solution, and it is
//! regular (mean value form: `G` is holomorphic and rectangles are convex). All quantities are
//! enclosed in outward-rounded complex interval arithmetic: by the interval replay of the
//! coefficient tape ([`crate::coefficient_tape`]), and for a box that fails narrowly also by
//! the polynomial pass through the generic layers (a different order of operations, so a
//! different width); the metric weights and the data enter as enclosures of every number that
//! rounds to them.
//!
//! On the same box, `J B` is proved to have full column rank for every `t` in `X` (so the
//! solution lies over a smooth critical point of the distance, not a spurious one): with `C` a
//! floating-point left inverse of `J B (x)`, `|I - C J B(X)|_inf < 1` makes `C J B(t)` invertible.
//! The enclosure `phi(theta(X))` of the function lets distinct solutions be certified distinct
//! functions: disjoint enclosures are distinct functions.

use super::data_metric::SystemMetric;
use super::interval::{CIv, IntervalRing};
use super::linalg::inverse;
use super::system::{CriticalSystem, Slice};
use crate::error::Result;
use crate::net::Network;
use crate::ring::{Ring, C64};

/// A certified solution: the box and the enclosure of its function.
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    /// Half-side of the square box around each coordinate of `t`.
    pub radius: f64,
    /// Enclosure of `phi(theta(t))` over the box.
    pub function: Vec<CIv>,
}

/// The interval form of a critical system.
pub struct Certifier<'n> {
    sys: CriticalSystem<'n, IntervalRing>,
}

fn max_row_sum(a: &[CIv], m: usize) -> f64 {
    (0..m).map(|i| a[i * m..(i + 1) * m].iter().fold(0.0f64, |s, z| (s + z.mag()).next_up())).fold(0.0, f64::max)
}

impl<'n> Certifier<'n> {
    /// The interval system with the same slice and metric (data-metric entries enclosed).
    pub fn new(net: &'n Network, slice: &Slice, metric: &SystemMetric) -> Result<Self> {
        Ok(Certifier { sys: CriticalSystem::new(net, IntervalRing, slice, metric)? })
    }

    /// Runs Krawczyk's test on boxes of growing radius around `x`; `None` when none passes.
    /// `jb_point` is `J B (x)` in double precision (`N x m`).
    pub fn certify(&self, x: &[C64], u: &[C64], jb_point: &[C64], gt_point: &[C64]) -> Result<Option<Certificate>> {
        let m = self.sys.m;
        let big_n = self.sys.big_n;
        let Some(y) = inverse(gt_point, m) else { return Ok(None) };
        // C = (JB^H JB)^{-1} JB^H, a left inverse of J B (x).
        let mut gram = vec![C64::ZERO; m * m];
        for i in 0..m {
            for j in 0..m {
                let mut s = C64::ZERO;
                for k in 0..big_n {
                    s += jb_point[k * m + i].conj() * jb_point[k * m + j];
                }
                gram[i * m + j] = s;
            }
        }
        let Some(gi) = inverse(&gram, m) else { return Ok(None) };
        let mut c = vec![C64::ZERO; m * big_n];
        for i in 0..m {
            for k in 0..big_n {
                let mut s = C64::ZERO;
                for l in 0..m {
                    s += gi[i * m + l] * jb_point[k * m + l].conj();
                }
                c[i * big_n + k] = s;
            }
        }
        let r_ = IntervalRing;
        let thin: Vec<CIv> = x.iter().map(|&z| CIv::point(z)).collect();
        let (gx, _) = self.sys.residual(&thin, u)?;
        let cc: Vec<CIv> = c.iter().map(|&z| CIv::point(z)).collect();
        // The tape's enclosures first (fast). Where a box narrowly fails, the polynomial
        // pass's enclosure of the same box (a different evaluation order, often 10-25% tighter
        // for G_t; both are enclosures, so either proof stands) gets a second try.
        // Without a tape the first evaluation already is the polynomial pass.
        let second_pass = self.sys.has_tape();
        let found = first_krawczyk_box_refined(
            x,
            &gx,
            &y,
            &BOXES,
            |boxx| {
                let (_, gt, p) = self.sys.residual_jacobian(boxx, u)?;
                Ok((gt, p))
            },
            |boxx| {
                if !second_pass {
                    return Ok(None);
                }
                let (_, gt, p) = self.sys.residual_jacobian_generic(boxx, u)?;
                Ok(Some((gt, p)))
            },
        )?;
        let Some((r, p)) = found else { return Ok(None) };
        // Full column rank of J B on the box.
        let mut defect = vec![r_.zero(); m * m];
        for i in 0..m {
            for j in 0..m {
                let mut s = if i == j { CIv::point(C64::ONE) } else { r_.zero() };
                for k in 0..big_n {
                    s = s.sub(cc[i * big_n + k].mul(p.jb[k * m + j]));
                }
                defect[i * m + j] = s;
            }
        }
        if max_row_sum(&defect, m) >= 1.0 {
            return Ok(None);
        }
        Ok(Some(Certificate { radius: r, function: p.phi }))
    }
}

/// Krawczyk's inclusion `K(X) = x - Y G(x) + (I - Y G_x(X)) (X - x)` strictly inside `X`, for the
/// box `X` of half-side `r` around `x` (`m` unknowns): `gx` encloses `G(x)`, `gt` encloses the
/// Jacobian over `X` (`m x m`), `y` is the point inverse `~ G_x(x)^{-1}` (thin intervals). The
/// one Krawczyk step shared by every system that certifies (critical, linear section).
pub fn krawczyk_inside(x: &[C64], gx: &[CIv], y: &[CIv], gt: &[CIv], boxx: &[CIv], r: f64) -> bool {
    krawczyk_step(x, gx, y, gt, boxx, r).0
}

/// [`krawczyk_inside`] and the margin `max_i |K_i - x_i| / r` (below 1 when it passes; a
/// rounded estimate, used only to decide whether a tighter enclosure is worth a try).
fn krawczyk_step(x: &[C64], gx: &[CIv], y: &[CIv], gt: &[CIv], boxx: &[CIv], r: f64) -> (bool, f64) {
    let m = x.len();
    let r_ = IntervalRing;
    let d = CIv::ball(C64::ZERO, r);
    let mut inside = true;
    let mut margin = 0.0f64;
    for i in 0..m {
        let mut k = CIv::point(x[i]);
        for j in 0..m {
            k = k.sub(y[i * m + j].mul(gx[j]));
        }
        for j in 0..m {
            let mut ygt = r_.zero();
            for l in 0..m {
                ygt = ygt.add(y[i * m + l].mul(gt[l * m + j]));
            }
            let delta = if i == j { CIv::point(C64::ONE) } else { r_.zero() };
            k = k.add(delta.sub(ygt).mul(d));
        }
        inside &= k.strictly_inside(boxx[i]);
        let reach = [k.re.lo - x[i].re, k.re.hi - x[i].re, k.im.lo - x[i].im, k.im.hi - x[i].im]
            .iter()
            .fold(0.0f64, |a, v| a.max(v.abs()));
        margin = margin.max(if reach.is_nan() { f64::INFINITY } else { reach / r });
    }
    (inside, margin)
}

/// A failed box whose Krawczyk image reaches at most this many radii out gets the tighter
/// enclosure of [`first_krawczyk_box_refined`]: the enclosures compared there differ by tens
/// of percent, so a box that misses by more will miss with either.
const NEAR_MISS: f64 = 2.0;

/// Relative half-sides of the boxes tried, smallest first: Krawczyk's test is sound on any box,
/// and ill-conditioned solutions (large parameters, a nearly dependent Jacobian) carry rounding
/// errors of `cond * eps`, so the larger boxes are for them.
pub const BOXES: [f64; 4] = [1e-10, 1e-8, 1e-6, 1e-5];
/// [`BOXES`] and two larger ones, for systems whose points lie far out in their chart.
pub const WIDE_BOXES: [f64; 6] = [1e-10, 1e-8, 1e-6, 1e-5, 1e-4, 1e-3];

/// Krawczyk's test around `x` on the boxes of half-side `rel * (1 + |x|_inf)` for `rel` in
/// `rels`, in order: `gx` encloses `G(x)`, `y ~ G_x(x)^{-1}`, and `jacobian_on(X)` encloses the
/// Jacobian over the box `X` (with whatever else the caller needs from that evaluation). Returns
/// the first box that passes (a unique exact solution in it) with the caller's extra value.
pub fn first_krawczyk_box<T>(
    x: &[C64],
    gx: &[CIv],
    y: &[C64],
    rels: &[f64],
    jacobian_on: impl FnMut(&[CIv]) -> Result<(Vec<CIv>, T)>,
) -> Result<Option<(f64, T)>> {
    first_krawczyk_box_refined(x, gx, y, rels, jacobian_on, |_| Ok(None))
}

/// [`first_krawczyk_box`] with a second, tighter (and costlier) enclosure of the Jacobian,
/// `tighter_on(X)` (`None`: there is none), tried on a box that fails narrowly.
pub fn first_krawczyk_box_refined<T>(
    x: &[C64],
    gx: &[CIv],
    y: &[C64],
    rels: &[f64],
    mut jacobian_on: impl FnMut(&[CIv]) -> Result<(Vec<CIv>, T)>,
    mut tighter_on: impl FnMut(&[CIv]) -> Result<Option<(Vec<CIv>, T)>>,
) -> Result<Option<(f64, T)>> {
    let yc: Vec<CIv> = y.iter().map(|&z| CIv::point(z)).collect();
    let scale = 1.0 + x.iter().fold(0.0f64, |a, z| a.max(z.abs()));
    for &rel in rels {
        let r = rel * scale;
        let boxx: Vec<CIv> = x.iter().map(|&z| CIv::ball(z, r)).collect();
        let (gt, extra) = jacobian_on(&boxx)?;
        let (inside, margin) = krawczyk_step(x, gx, &yc, &gt, &boxx, r);
        if inside {
            return Ok(Some((r, extra)));
        }
        if margin < NEAR_MISS {
            if let Some((gt, extra)) = tighter_on(&boxx)? {
                if krawczyk_inside(x, gx, &yc, &gt, &boxx, r) {
                    return Ok(Some((r, extra)));
                }
            }
        }
    }
    Ok(None)
}

/// Greedy count of certificates with pairwise disjoint function enclosures (in order): a
/// proven lower bound on the number of distinct functions. Returns the chosen indices.
pub fn certified_distinct(certs: &[Option<&Certificate>]) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::new();
    for (i, c) in certs.iter().enumerate() {
        let Some(c) = c else { continue };
        let disjoint_from_all = chosen
            .iter()
            .all(|&j| certs[j].is_some_and(|o| o.function.iter().zip(&c.function).any(|(a, b)| a.disjoint(*b))));
        if disjoint_from_all {
            chosen.push(i);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::homotopy::interval::Iv;

    /// `G(x) = x^2 - 2` at the rounded `sqrt 2`: the exact Jacobian enclosure over the box is
    /// `2 X`, and Krawczyk's image `x - y G(x) + (1 - y 2X)(X - x)`, `y = 1 / (2x)`, has radius
    /// of order `r^2`, well inside. An enclosure inflated by `c` in real and imaginary part
    /// (standing for a looser evaluation order) makes `1 - y G_x(X)` a rectangle of half-sides
    /// `c y`, and its product with the square `X - x` reaches `2 c y r = c r / x` out: with
    /// `c = 2` about 1.41 radii (a narrow miss, retried), with `c = 40` about 28 (not retried).
    #[test]
    fn refined_box_retries_narrow_misses_only() {
        let x = [C64::real(std::f64::consts::SQRT_2)];
        let xc = CIv::point(x[0]);
        let gx = [xc.mul(xc).sub(CIv::point(C64::real(2.0)))];
        let y = [C64::real(1.0 / (2.0 * x[0].re))];
        let exact = |b: &[CIv]| CIv::point(C64::real(2.0)).mul(b[0]);
        let inflated = |b: &[CIv], c: f64| {
            let e = exact(b);
            CIv { re: Iv { lo: e.re.lo - c, hi: e.re.hi + c }, im: Iv { lo: e.im.lo - c, hi: e.im.hi + c } }
        };
        let rels = [1e-6];
        // The exact enclosure passes on its own.
        assert!(first_krawczyk_box(&x, &gx, &y, &rels, |b| Ok((vec![exact(b)], ()))).unwrap().is_some());
        for (c, retried) in [(2.0, true), (40.0, false)] {
            // Alone, the inflated enclosure fails.
            assert!(first_krawczyk_box(&x, &gx, &y, &rels, |b| Ok((vec![inflated(b, c)], ()))).unwrap().is_none());
            let mut calls = 0;
            let found = first_krawczyk_box_refined(
                &x,
                &gx,
                &y,
                &rels,
                |b| Ok((vec![inflated(b, c)], 0)),
                |b| {
                    calls += 1;
                    Ok(Some((vec![exact(b)], 1)))
                },
            )
            .unwrap();
            assert_eq!(calls, usize::from(retried), "c = {c}");
            assert_eq!(found.map(|f| f.1), retried.then_some(1), "c = {c}");
        }
    }
}
