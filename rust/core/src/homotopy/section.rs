//! The linear section system of the neurovariety (critical-points note, section 5).
//!
//! Unknowns `x` in `C^m` (`m = dim V`) embedded in parameter space by an affine map
//! `theta(x) = theta_0 + E x` (a random complex slice, or a coordinate gauge), and
//!
//! `G(x; b) = L phi(theta(x)) - b`, `G_x = L J_phi(theta(x)) E`, `G_b db = -db`,
//!
//! with `L` a random complex `m x N` matrix and parameters `b` in `C^m`. For generic `b` the
//! affine space `{y : L y = b}` of codimension `m` meets the cone `V` in `deg V` points, each the
//! function of finitely many `x`; solutions are counted as functions, and kept only where `J E`
//! has full rank (the same scale-invariant test as the critical system).
//!
//! Generic over the base ring, so the tracker (`ComplexRing`) and Krawczyk's test (outward-rounded
//! complex intervals) evaluate the one formula; in both `phi` and `J E` come from one forward
//! sweep of the recorded coefficient map ([`crate::coefficient_tape`]) with the columns of `E`
//! as tangents (the polynomial pass is the reference and the fallback for oversized tapes).
#![allow(clippy::type_complexity)]

use super::embedding::{chart_point, jacobian_in_chart};
use super::linalg::min_normalized_pivot;
use super::parameter_homotopy::ParameterHomotopy;
use super::system::ComplexScalars;
use crate::closest::model::{CoefficientMap, ModelMap};
use crate::coefficient_tape::{CoefficientTape, TapeScalar, WorkPool};
use crate::error::{CoreError, Result};
use crate::net::Network;
use crate::par::check_allocation;
use crate::ring::{ComplexRing, C64};

/// The section data in double precision.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// `theta_0` (length `n`).
    pub theta0: Vec<C64>,
    /// `E`, `n x m` row-major.
    pub e: Vec<C64>,
    /// `L`, `m x N` row-major.
    pub l: Vec<C64>,
}

/// One linear section system.
pub struct SectionSystem<'n, R: ComplexScalars> {
    pub ring: R,
    map: CoefficientMap<'n, R>,
    pub n: usize,
    pub big_n: usize,
    pub m: usize,
    theta0: Vec<R::Elem>,
    e: Vec<R::Elem>,
    l: Vec<R::Elem>,
    /// The recorded coefficient map (`None` when too large to keep).
    tape: Option<CoefficientTape>,
    /// Reusable scratch of the tape sweeps.
    work: WorkPool<R::Elem>,
}

/// `theta`, `phi` and `J E` at one point.
#[derive(Debug, Clone)]
pub struct SectionPoint<E> {
    pub theta: Vec<E>,
    pub phi: Vec<E>,
    /// `N x m`, row-major.
    pub je: Vec<E>,
}

impl<'n, R: ComplexScalars> SectionSystem<'n, R> {
    /// Builds the coefficient map (memory checked for the Jacobian) and embeds the section.
    pub fn new(net: &'n Network, ring: R, section: &Section) -> Result<Self> {
        let n = net.n_params();
        let m = section.e.len().checked_div(n).unwrap_or(0);
        if section.theta0.len() != n || section.e.len() != n * m {
            return Err(CoreError::internal("section shapes"));
        }
        let elem = std::mem::size_of::<R::Elem>() as u128;
        let map = CoefficientMap::new(net, ring.clone())?;
        let big_n = map.n_values();
        if section.l.len() != m * big_n {
            return Err(CoreError::internal("section matrix shape"));
        }
        check_allocation("the section system's Jacobians", big_n as u128 * (n as u128 + m as u128 + 1), elem)?;
        let theta0 = section.theta0.iter().map(|&z| ring.exact(z)).collect();
        let e = section.e.iter().map(|&z| ring.exact(z)).collect();
        let l = section.l.iter().map(|&z| ring.exact(z)).collect();
        let tape = CoefficientTape::record(net).ok().flatten();
        Ok(SectionSystem { ring, map, n, big_n, m, theta0, e, l, tape, work: WorkPool::default() })
    }

    /// `theta_0 + E x`.
    pub fn theta(&self, x: &[R::Elem]) -> Vec<R::Elem> {
        chart_point(&self.ring, &self.theta0, &self.e, x)
    }

    /// `phi`, `J E` at `x` (one forward sweep of the tape).
    pub fn point(&self, x: &[R::Elem]) -> Result<SectionPoint<R::Elem>> {
        let Some(tape) = &self.tape else { return self.point_generic(x) };
        let (m, big_n) = (self.m, self.big_n);
        let theta = self.theta(x);
        let mut phi = vec![R::Elem::ZERO; big_n];
        let mut je = vec![R::Elem::ZERO; big_n * m];
        self.work.with(tape, m, |work| tape.forward(&theta, &self.e, m, work, &mut phi, &mut je))?;
        Ok(SectionPoint { theta, phi, je })
    }

    /// [`Self::point`] by the polynomial pass (the reference).
    pub fn point_generic(&self, x: &[R::Elem]) -> Result<SectionPoint<R::Elem>> {
        let r = &self.ring;
        let (n, m) = (self.n, self.m);
        let theta = self.theta(x);
        let mut phi = vec![r.zero(); self.big_n];
        let mut j = vec![r.zero(); self.big_n * n];
        self.map.values_jacobian(&theta, &mut phi, &mut j)?;
        let je = jacobian_in_chart(r, &j, &self.e, self.big_n, n, m);
        Ok(SectionPoint { theta, phi, je })
    }

    /// `phi` alone at `x`.
    pub fn function(&self, x: &[R::Elem]) -> Result<Vec<R::Elem>> {
        let mut phi = vec![self.ring.zero(); self.big_n];
        self.map.values(&self.theta(x), &mut phi)?;
        Ok(phi)
    }

    /// `L v` for `v` of length `N`.
    pub fn apply_l(&self, v: &[R::Elem]) -> Vec<R::Elem> {
        let r = &self.ring;
        (0..self.m)
            .map(|i| {
                let mut acc = r.zero();
                for (k, vk) in v.iter().enumerate() {
                    r.mul_add_assign(&mut acc, &self.l[i * self.big_n + k], vk);
                }
                acc
            })
            .collect()
    }

    /// `G(x; b)`, `G_x = L J E` (`m x m`) and the point.
    pub fn residual_jacobian(
        &self,
        x: &[R::Elem],
        b: &[C64],
    ) -> Result<(Vec<R::Elem>, Vec<R::Elem>, SectionPoint<R::Elem>)> {
        let r = &self.ring;
        let p = self.point(x)?;
        let g: Vec<R::Elem> = self.apply_l(&p.phi).iter().zip(b).map(|(v, &bi)| r.sub(v, &r.rounded(bi))).collect();
        let m = self.m;
        let mut gx = vec![r.zero(); m * m];
        for i in 0..m {
            for k in 0..self.big_n {
                let lik = &self.l[i * self.big_n + k];
                for c in 0..m {
                    r.mul_add_assign(&mut gx[i * m + c], lik, &p.je[k * m + c]);
                }
            }
        }
        Ok((g, gx, p))
    }

    /// `G(x; b)` alone.
    pub fn residual(&self, x: &[R::Elem], b: &[C64]) -> Result<Vec<R::Elem>> {
        let r = &self.ring;
        let phi = self.function(x)?;
        Ok(self.apply_l(&phi).iter().zip(b).map(|(v, &bi)| r.sub(v, &r.rounded(bi))).collect())
    }
}

impl ParameterHomotopy for SectionSystem<'_, ComplexRing> {
    fn unknowns(&self) -> usize {
        self.m
    }

    fn value_and_jacobian(&self, x: &[C64], b: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        let (g, gx, _) = self.residual_jacobian(x, b)?;
        Ok((g, gx))
    }

    fn jacobian_and_parameter_derivative(&self, x: &[C64], b: &[C64], db: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        let (_, gx, _) = self.residual_jacobian(x, b)?;
        Ok((gx, db.iter().map(|&d| -d).collect()))
    }

    fn value(&self, x: &[C64], b: &[C64]) -> Result<Vec<C64>> {
        self.residual(x, b)
    }

    /// The function and the smallest normalised pivot of `J E`.
    fn image(&self, x: &[C64]) -> Result<(Vec<C64>, f64)> {
        let p = self.point(x)?;
        let pivot = min_normalized_pivot(&p.je, self.big_n, self.m);
        Ok((p.phi, pivot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer};
    use crate::rng::SplitMix64;

    fn cn(g: &mut SplitMix64) -> C64 {
        C64::new(g.normal(), g.normal())
    }

    #[test]
    fn jacobian_matches_difference_quotients() {
        let net = Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 1, bias: false }),
            Layer::Activation(Activation::monomial(1, 3).unwrap()),
            Layer::Dense(Dense { input_dim: 1, output_dim: 1, bias: false }),
        ])
        .unwrap();
        let mut g = SplitMix64::new(3);
        let (n, m, big_n) = (3, 2, 4);
        let sec = Section {
            theta0: (0..n).map(|_| cn(&mut g)).collect(),
            e: (0..n * m).map(|_| cn(&mut g)).collect(),
            l: (0..m * big_n).map(|_| cn(&mut g)).collect(),
        };
        let sys = SectionSystem::new(&net, ComplexRing, &sec).unwrap();
        let b: Vec<C64> = (0..m).map(|_| cn(&mut g)).collect();
        let x: Vec<C64> = (0..m).map(|_| cn(&mut g)).collect();
        let (g0, gx, p) = sys.residual_jacobian(&x, &b).unwrap();
        assert!(sys.tape.is_some());
        let g1 = sys.residual(&x, &b).unwrap();
        for (a, c) in g0.iter().zip(&g1) {
            assert!((*a - *c).abs() < 1e-12 * (1.0 + c.abs()));
        }
        // The tape's forward sweep against the polynomial pass.
        let q = sys.point_generic(&x).unwrap();
        for (a, c) in p.phi.iter().zip(&q.phi).chain(p.je.iter().zip(&q.je)) {
            assert!((*a - *c).abs() < 1e-12 * (1.0 + c.abs()), "{a:?} vs {c:?}");
        }
        let h = 1e-6;
        for j in 0..m {
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[j] += C64::real(h);
            xm[j] -= C64::real(h);
            let (gp, gm) = (sys.residual(&xp, &b).unwrap(), sys.residual(&xm, &b).unwrap());
            for i in 0..m {
                let fd = (gp[i] - gm[i]).scale(0.5 / h);
                assert!((gx[i * m + j] - fd).abs() < 1e-6 * (1.0 + fd.abs()), "{i},{j}");
            }
        }
    }
}
