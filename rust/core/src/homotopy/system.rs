//! The square critical system on a random affine slice of parameter space
//! (critical-points note, section 2): with `theta(t) = theta_0 + B t` (`B` is `n x m`, `m` the
//! dimension of the neurovariety) and the diagonal metric `W`,
//!
//! `G(t; u) = (J_phi(theta(t)) B)^T W (phi(theta(t)) - u)`, `m` equations in `m` unknowns,
//!
//! with Jacobian `G_t = (J B)^T W (J B) + [B^T (dJ[B e_j])^T W (phi - u)]_j`. For the dense
//! data metric ([`super::data_metric`]) the term `W (phi - u)` is `W phi - L p` and the
//! parameter is the whitened data `p`; everything else is the same formula. The second term
//! is a Hessian-vector product: the generic layers run over duals over the base ring, with the
//! tangent `B e_j`, and return `J` together with its derivative `dJ[B e_j]`.
//!
//! The system is generic over the base ring, so the tracker (`ComplexRing`) and the Krawczyk
//! test (outward-rounded complex intervals) evaluate the one formula. In both rings the formula
//! is evaluated from the coefficient map recorded once as a straight-line program
//! ([`crate::coefficient_tape`]; its interval replay is an enclosure, see there): one forward
//! sweep with the `m` tangents `B e_j` gives `phi` and `J B`, one reverse sweep seeded with
//! `W (phi - u)` and its tangents `W J B e_j` gives `(J B)^T W (phi - u)` and both terms of
//! `G_t` at once (forward-over-reverse; for intervals the first-order term is formed from
//! `J B` instead, which is tighter), without the
//! heap-allocating polynomial arithmetic of the generic pass (which stays the reference, tested
//! against it, and the fallback for tapes too large to keep).
// The tuple results name their parts in the doc comments.
#![allow(clippy::type_complexity)]

use super::data_metric::SystemMetric;
use super::embedding::{chart_point, jacobian_in_chart};
use super::interval::CIv;
use super::linalg::min_normalized_pivot;
use super::parameter_homotopy::ParameterHomotopy;
use crate::closest::model::{CoefficientMap, ModelMap};
use crate::coefficient_tape::{CoefficientTape, TapeScalar, WorkPool};
use crate::error::Result;
use crate::net::Network;
use crate::par::check_allocation;
use crate::ring::{ComplexRing, DualRing, Ring, C64};

/// A ring of complex scalars: how the double-precision data of the system enter it. Its
/// elements are also [`TapeScalar`]s, so the coefficient tape replays in it.
pub trait ComplexScalars: Ring<Elem: TapeScalar> + Clone {
    /// The exact value of a double-precision complex number.
    fn exact(&self, z: C64) -> Self::Elem;
    /// A value known only as its double-precision rounding `z` (a weight `1/3`, a target
    /// `10/7`): an enclosure of every number that rounds to `z`. Rounded rings return `z`.
    fn rounded(&self, z: C64) -> Self::Elem;
    /// A value known as the enclosure `z` (a data-metric entry): interval rings keep it, rounded
    /// rings take its midpoint.
    fn enclosed(&self, z: CIv) -> Self::Elem;
}

impl ComplexScalars for ComplexRing {
    fn exact(&self, z: C64) -> C64 {
        z
    }
    fn rounded(&self, z: C64) -> C64 {
        z
    }
    fn enclosed(&self, z: CIv) -> C64 {
        C64::new(0.5 * z.re.lo + 0.5 * z.re.hi, 0.5 * z.im.lo + 0.5 * z.im.hi)
    }
}

/// `diag(A, ..., A) M` for the `block x block` matrix `A` (row-major) and the row-major matrix
/// `M` with `cols` columns (a vector: `cols = 1`).
fn block_times<R: Ring>(r: &R, block: usize, a: &[R::Elem], v: &[R::Elem], cols: usize) -> Vec<R::Elem> {
    let cols = cols.max(1);
    let mut out = vec![r.zero(); v.len()];
    for (o, rows) in v.chunks(block * cols).enumerate() {
        for i in 0..block {
            for c in 0..rows.len() / cols {
                let aic = &a[i * block + c];
                for j in 0..cols {
                    r.mul_add_assign(&mut out[(o * block + i) * cols + j], aic, &rows[c * cols + j]);
                }
            }
        }
    }
    out
}

/// The metric as ring elements.
enum Form<E> {
    /// Weights per coefficient: the term `w * (phi - u)`.
    Diagonal(Vec<E>),
    /// The data metric `W = diag(G, ..., G)` (`G` the `M x M` Gram block, one per output): the
    /// term `W phi - L p` (`L` the Cholesky factor of `G`, exact numbers; `p` the whitened
    /// data). `target` encloses the user's `p`, used when the parameter is its midpoint
    /// `target_mid` (so the Krawczyk test sees the exact data, not its rounding).
    Dense { block: usize, gram: Vec<E>, chol: Vec<E>, target: Vec<E>, target_mid: Vec<C64> },
}

/// The slice, the metric and the maps of one critical system.
pub struct CriticalSystem<'n, R: ComplexScalars> {
    pub ring: R,
    map: CoefficientMap<'n, R>,
    dual: CoefficientMap<'n, DualRing<R>>,
    /// Parameters `n`, coefficients `N`, slice dimension `m`.
    pub n: usize,
    pub big_n: usize,
    pub m: usize,
    theta0: Vec<R::Elem>,
    /// `n x m`, row-major.
    b: Vec<R::Elem>,
    metric: Form<R::Elem>,
    /// The recorded coefficient map (`None` when too large to keep).
    tape: Option<CoefficientTape>,
    /// Reusable scratch of the tape sweeps.
    work: WorkPool<R::Elem>,
}

/// `phi`, `J` and `J B` at one slice point.
#[derive(Debug, Clone)]
pub struct SlicePoint<E> {
    pub theta: Vec<E>,
    pub phi: Vec<E>,
    /// `N x m`, row-major.
    pub jb: Vec<E>,
}

/// The slice data in double precision (what a run draws once and reuses).
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub theta0: Vec<C64>,
    /// `n x m`, row-major.
    pub b: Vec<C64>,
}

impl<'n, R: ComplexScalars> CriticalSystem<'n, R> {
    /// Builds the maps once (memory checked for the dual Jacobian) and embeds the slice and the
    /// metric into `ring`.
    pub fn new(net: &'n Network, ring: R, slice: &Slice, metric: &SystemMetric) -> Result<Self> {
        let n = net.n_params();
        let m = slice.b.len().checked_div(n).unwrap_or(0);
        let map = CoefficientMap::new(net, ring.clone())?;
        let big_n = map.n_values();
        // values and Jacobian over duals (two base elements each), plus J B and G_t.
        let elem = std::mem::size_of::<R::Elem>() as u128;
        check_allocation("the critical system's Jacobians", big_n as u128 * (n as u128 + m as u128 + 2) * 3, elem)?;
        let dual = CoefficientMap::new(net, DualRing(ring.clone()))?;
        let theta0 = slice.theta0.iter().map(|&z| ring.exact(z)).collect();
        let b = slice.b.iter().map(|&z| ring.exact(z)).collect();
        let metric = match metric {
            SystemMetric::Diagonal(w) => {
                if w.len() != big_n {
                    return Err(crate::error::CoreError::internal("metric weights of the wrong length"));
                }
                Form::Diagonal(w.iter().map(|&w| ring.rounded(C64::real(w))).collect())
            }
            SystemMetric::Samples(sm) => {
                let block = sm.monomials;
                if block * sm.outputs != big_n {
                    return Err(crate::error::CoreError::internal("data metric of the wrong size"));
                }
                let mut gram = Vec::with_capacity(block * block);
                for a in 0..block {
                    for c in 0..block {
                        gram.push(ring.enclosed(sm.gram(a, c)));
                    }
                }
                let mut chol = Vec::with_capacity(block * block);
                for a in 0..block {
                    for c in 0..block {
                        chol.push(ring.exact(C64::real(sm.chol(a, c))));
                    }
                }
                let target = sm.rhs().iter().map(|&z| ring.enclosed(z)).collect();
                Form::Dense { block, gram, chol, target, target_mid: sm.rhs_mid().to_vec() }
            }
        };
        // A recording error would be the generic pass's error too: it is reported from there.
        let tape = CoefficientTape::record(net).ok().flatten();
        Ok(CriticalSystem { ring, map, dual, n, big_n, m, theta0, b, metric, tape, work: WorkPool::default() })
    }

    /// Whether the coefficient map was recorded (otherwise every evaluation is the polynomial
    /// pass).
    pub fn has_tape(&self) -> bool {
        self.tape.is_some()
    }

    /// `W v` for `v` of length `N`.
    pub fn metric_times(&self, v: &[R::Elem]) -> Vec<R::Elem> {
        self.metric_times_columns(v, 1)
    }

    /// `W M` for the `N x cols` row-major matrix `M` (each column weighted by the metric).
    fn metric_times_columns(&self, mat: &[R::Elem], cols: usize) -> Vec<R::Elem> {
        let r = &self.ring;
        match &self.metric {
            Form::Diagonal(w) => {
                mat.chunks(cols.max(1)).zip(w).flat_map(|(row, w)| row.iter().map(move |x| r.mul(w, x))).collect()
            }
            Form::Dense { block, gram, .. } => block_times(r, *block, gram, mat, cols),
        }
    }

    /// The homotopy parameter that makes `phi` critical with the co-normal `w` (`(J B)^T w = 0`):
    /// `u = phi - W^{-1} w` for weights, `p = L^{-1} (W phi - w)` for the data metric.
    pub fn start_parameter(&self, phi: &[R::Elem], w: &[R::Elem]) -> Vec<R::Elem>
    where
        R: Ring<Elem = C64>,
    {
        match &self.metric {
            Form::Diagonal(wt) => phi.iter().zip(w).zip(wt).map(|((p, w), d)| *p - w.scale(1.0 / d.re)).collect(),
            Form::Dense { block, chol, .. } => {
                // Forward substitution, block by block.
                let b: Vec<C64> = self.metric_times(phi).iter().zip(w).map(|(a, b)| *a - *b).collect();
                let mut p = vec![C64::ZERO; b.len()];
                for o in 0..b.len() / block {
                    for a in 0..*block {
                        let mut s = b[o * block + a];
                        for c in 0..a {
                            s -= chol[a * block + c] * p[o * block + c];
                        }
                        p[o * block + a] = s.scale(1.0 / chol[a * block + a].re);
                    }
                }
                p
            }
        }
    }

    /// `theta_0 + B t`.
    pub fn theta(&self, t: &[R::Elem]) -> Vec<R::Elem> {
        chart_point(&self.ring, &self.theta0, &self.b, t)
    }

    /// `J B` from `J` (`N x n`).
    fn times_b(&self, j: &[R::Elem]) -> Vec<R::Elem> {
        jacobian_in_chart(&self.ring, j, &self.b, self.big_n, self.n, self.m)
    }

    /// `phi` and `J B` at the slice point `t` (one forward sweep of the tape).
    pub fn slice_point(&self, t: &[R::Elem]) -> Result<SlicePoint<R::Elem>> {
        let Some(tape) = &self.tape else { return self.slice_point_generic(t) };
        let theta = self.theta(t);
        let mut phi = vec![R::Elem::ZERO; self.big_n];
        let mut jb = vec![R::Elem::ZERO; self.big_n * self.m];
        self.work.with(tape, self.m, |work| tape.forward(&theta, &self.b, self.m, work, &mut phi, &mut jb))?;
        Ok(SlicePoint { theta, phi, jb })
    }

    /// [`Self::slice_point`] by the polynomial pass (the reference).
    pub fn slice_point_generic(&self, t: &[R::Elem]) -> Result<SlicePoint<R::Elem>> {
        let theta = self.theta(t);
        let mut phi = vec![self.ring.zero(); self.big_n];
        let mut j = vec![self.ring.zero(); self.big_n * self.n];
        self.map.values_jacobian(&theta, &mut phi, &mut j)?;
        let jb = self.times_b(&j);
        Ok(SlicePoint { theta, phi, jb })
    }

    /// `W (phi - u)` with `u` embedded as rounded data, or `W phi - b` for the data metric.
    fn weighted_residual(&self, phi: &[R::Elem], u: &[C64]) -> Vec<R::Elem> {
        let r = &self.ring;
        match &self.metric {
            Form::Diagonal(w) => {
                phi.iter().zip(u).zip(w).map(|((p, &uk), w)| r.mul(w, &r.sub(p, &r.rounded(uk)))).collect()
            }
            Form::Dense { block, chol, target, target_mid, .. } => {
                let wp = self.metric_times(phi);
                let p: Vec<R::Elem> =
                    if u == target_mid.as_slice() { target.clone() } else { u.iter().map(|&b| r.rounded(b)).collect() };
                let lp = block_times(r, *block, chol, &p, 1);
                wp.iter().zip(&lp).map(|(a, b)| r.sub(a, b)).collect()
            }
        }
    }

    /// `(J B)^T v` for `v` of length `N`.
    pub fn jb_transpose_times(&self, jb: &[R::Elem], v: &[R::Elem]) -> Vec<R::Elem> {
        self.transpose_times(jb, self.big_n, v)
    }

    /// `A^T v` for a `rows x m` row-major `A` (`J B` with `N` rows, `B` with `n`), each entry
    /// accumulated over the rows in order.
    fn transpose_times(&self, a: &[R::Elem], rows: usize, v: &[R::Elem]) -> Vec<R::Elem> {
        let r = &self.ring;
        let m = self.m;
        let mut out = vec![r.zero(); m];
        for k in 0..rows {
            for c in 0..m {
                r.mul_add_assign(&mut out[c], &a[k * m + c], &v[k]);
            }
        }
        out
    }

    /// `G(t; u)` and the slice point.
    pub fn residual(&self, t: &[R::Elem], u: &[C64]) -> Result<(Vec<R::Elem>, SlicePoint<R::Elem>)> {
        let p = self.slice_point(t)?;
        let wr = self.weighted_residual(&p.phi, u);
        Ok((self.jb_transpose_times(&p.jb, &wr), p))
    }

    /// `G(t; u)` alone, as `B^T J^T W (phi - u)`: the two sweeps of the tape without tangents
    /// (the same number as [`Self::residual`] up to rounding, at a fraction of the cost: the
    /// corrector's chord iterations need nothing else). Without a tape: [`Self::residual`].
    pub fn value_only(&self, t: &[R::Elem], u: &[C64]) -> Result<Vec<R::Elem>> {
        let Some(tape) = &self.tape else { return Ok(self.residual(t, u)?.0) };
        let (n, m) = (self.n, self.m);
        let theta = self.theta(t);
        let mut phi = vec![R::Elem::ZERO; self.big_n];
        let mut grad = vec![R::Elem::ZERO; n];
        self.work.with(tape, m, |work| {
            tape.forward_values(&theta, work, &mut phi)?;
            let wr = self.weighted_residual(&phi, u);
            tape.reverse_values(&wr, work, &mut grad)
        })?;
        Ok(self.transpose_times(&self.b, n, &grad))
    }

    /// `G(t; u)`, `G_t` (`m x m`, row-major) and the slice point: the two sweeps of the tape,
    /// or without one `m` polynomial passes over duals.
    pub fn residual_jacobian(
        &self,
        t: &[R::Elem],
        u: &[C64],
    ) -> Result<(Vec<R::Elem>, Vec<R::Elem>, SlicePoint<R::Elem>)> {
        match &self.tape {
            Some(tape) if self.m > 0 => self.residual_jacobian_taped(tape, t, u),
            _ => self.residual_jacobian_generic(t, u),
        }
    }

    /// [`Self::residual_jacobian`] by the polynomial pass over duals (the reference).
    pub fn residual_jacobian_generic(
        &self,
        t: &[R::Elem],
        u: &[C64],
    ) -> Result<(Vec<R::Elem>, Vec<R::Elem>, SlicePoint<R::Elem>)> {
        let r = &self.ring;
        let (n, m, big_n) = (self.n, self.m, self.big_n);
        let theta = self.theta(t);
        let mut vals = vec![(r.zero(), r.zero()); big_n];
        let mut jac = vec![(r.zero(), r.zero()); big_n * n];
        let mut gt = vec![r.zero(); m * m];
        let mut point: Option<(SlicePoint<R::Elem>, Vec<R::Elem>)> = None;
        if m == 0 {
            let p = self.slice_point_generic(t)?;
            return Ok((Vec::new(), gt, p));
        }
        for j in 0..m {
            let td: Vec<(R::Elem, R::Elem)> =
                theta.iter().enumerate().map(|(i, th)| (*th, self.b[i * m + j])).collect();
            self.dual.values_jacobian(&td, &mut vals, &mut jac)?;
            if point.is_none() {
                let phi: Vec<R::Elem> = vals.iter().map(|v| v.0).collect();
                let jv: Vec<R::Elem> = jac.iter().map(|v| v.0).collect();
                let jb = self.times_b(&jv);
                let wr = self.weighted_residual(&phi, u);
                point = Some((SlicePoint { theta: theta.clone(), phi, jb }, wr));
            }
            let (p, wr) = point.as_ref().ok_or_else(|| crate::error::CoreError::internal("slice point"))?;
            // Column j of W (J B), for the first-order term.
            let wjb = self.metric_times(&(0..big_n).map(|k| p.jb[k * m + j]).collect::<Vec<_>>());
            // g = dJ_j^T W r (length n), then column j of the second-order term is B^T g.
            let mut g = vec![r.zero(); n];
            for k in 0..big_n {
                for (l, gl) in g.iter_mut().enumerate() {
                    r.mul_add_assign(gl, &jac[k * n + l].1, &wr[k]);
                }
            }
            for i in 0..m {
                let mut acc = r.zero();
                for (l, gl) in g.iter().enumerate() {
                    r.mul_add_assign(&mut acc, &self.b[l * m + i], gl);
                }
                // First-order term (J B)^T W (J B), column j.
                for (k, wk) in wjb.iter().enumerate() {
                    r.mul_add_assign(&mut acc, &p.jb[k * m + i], wk);
                }
                gt[i * m + j] = acc;
            }
        }
        let (p, wr) = point.ok_or_else(|| crate::error::CoreError::internal("slice point"))?;
        let g = self.jb_transpose_times(&p.jb, &wr);
        Ok((g, gt, p))
    }

    /// `dG/ds` along `u(s) = u_0 + s (u_1 - u_0)`: `-(J B)^T W (u_1 - u_0)` for weights,
    /// `-(J B)^T L (p_1 - p_0)` for the data metric.
    pub fn parameter_derivative(&self, jb: &[R::Elem], du: &[C64]) -> Vec<R::Elem> {
        let r = &self.ring;
        let v: Vec<R::Elem> = match &self.metric {
            Form::Diagonal(w) => du.iter().zip(w).map(|(&d, w)| r.neg(&r.mul(w, &r.rounded(d)))).collect(),
            Form::Dense { block, chol, .. } => {
                let d: Vec<R::Elem> = du.iter().map(|&d| r.neg(&r.rounded(d))).collect();
                block_times(r, *block, chol, &d, 1)
            }
        };
        self.jb_transpose_times(jb, &v)
    }

    /// [`Self::residual_jacobian`] from the tape (module docs).
    fn residual_jacobian_taped(
        &self,
        tape: &CoefficientTape,
        t: &[R::Elem],
        u: &[C64],
    ) -> Result<(Vec<R::Elem>, Vec<R::Elem>, SlicePoint<R::Elem>)> {
        let r = &self.ring;
        let (n, m, big_n) = (self.n, self.m, self.big_n);
        let zero = R::Elem::ZERO;
        let theta = self.theta(t);
        let mut phi = vec![zero; big_n];
        let mut jb = vec![zero; big_n * m];
        let mut wr = Vec::new();
        let mut grad = vec![zero; n];
        let mut grad_dot = vec![zero; n * m];
        // G_t = (J B)^T W (J B) + B^T [(dJ[B e_j])^T W (phi - u)]_j. In double precision the
        // reverse sweep takes the seed's tangents W (J B) e_j and returns both terms at once
        // (O(tape m) work). For enclosures the first-order term is formed from the enclosure of
        // J B instead (O(N m^2) work, the same sum in exact arithmetic): swept back through the
        // tape its intervals grow with the tape's depth, and near a solution this term is most
        // of G_t, so Krawczyk's boxes would be about twice as wide.
        let swept_first_order = !R::Elem::ENCLOSURE;
        let mut wjb = Vec::new();
        self.work.with(tape, m, |work| {
            tape.forward(&theta, &self.b, m, work, &mut phi, &mut jb)?;
            wr = self.weighted_residual(&phi, u);
            wjb = self.metric_times_columns(&jb, m);
            let seed_dot = if swept_first_order { &wjb } else { &vec![zero; big_n * m] };
            tape.reverse(&wr, seed_dot, m, work, &mut grad, &mut grad_dot)
        })?;
        let mut gt = vec![zero; m * m];
        if !swept_first_order {
            for k in 0..big_n {
                for i in 0..m {
                    let jbi = &jb[k * m + i];
                    for j in 0..m {
                        r.mul_add_assign(&mut gt[i * m + j], jbi, &wjb[k * m + j]);
                    }
                }
            }
        }
        for l in 0..n {
            for i in 0..m {
                let bli = &self.b[l * m + i];
                for j in 0..m {
                    r.mul_add_assign(&mut gt[i * m + j], bli, &grad_dot[l * m + j]);
                }
            }
        }
        let g = self.jb_transpose_times(&jb, &wr);
        Ok((g, gt, SlicePoint { theta, phi, jb }))
    }
}

impl ParameterHomotopy for CriticalSystem<'_, ComplexRing> {
    fn unknowns(&self) -> usize {
        self.m
    }

    fn value_and_jacobian(&self, t: &[C64], u: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        let (g, gt, _) = self.residual_jacobian(t, u)?;
        Ok((g, gt))
    }

    fn jacobian_and_parameter_derivative(&self, t: &[C64], u: &[C64], du: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        let (_, gt, p) = self.residual_jacobian(t, u)?;
        Ok((gt, self.parameter_derivative(&p.jb, du)))
    }

    fn value(&self, t: &[C64], u: &[C64]) -> Result<Vec<C64>> {
        self.value_only(t, u)
    }

    /// The function and the smallest normalised pivot of `J B`.
    fn image(&self, t: &[C64]) -> Result<(Vec<C64>, f64)> {
        let p = self.slice_point(t)?;
        let pivot = min_normalized_pivot(&p.jb, self.big_n, self.m);
        Ok((p.phi, pivot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::homotopy::interval::IntervalRing;
    use crate::net::{Activation, Dense, Layer};
    use crate::rng::SplitMix64;

    pub(crate) fn cnorm(g: &mut SplitMix64) -> C64 {
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
        let (n, m) = (3, 2);
        let slice =
            Slice { theta0: (0..n).map(|_| cnorm(&mut g)).collect(), b: (0..n * m).map(|_| cnorm(&mut g)).collect() };
        let sys =
            CriticalSystem::new(&net, ComplexRing, &slice, &SystemMetric::Diagonal(vec![1.0, 0.5, 2.0, 1.0])).unwrap();
        let u: Vec<C64> = (0..4).map(|_| cnorm(&mut g)).collect();
        let t: Vec<C64> = (0..m).map(|_| cnorm(&mut g)).collect();
        let (g0, gt, _) = sys.residual_jacobian(&t, &u).unwrap();
        let (g1, _) = sys.residual(&t, &u).unwrap();
        for (a, b) in g0.iter().zip(&g1) {
            assert!((*a - *b).abs() < 1e-12 * (1.0 + b.abs()), "{a:?} vs {b:?}");
        }
        let h = 1e-6;
        for j in 0..m {
            let mut tp = t.clone();
            let mut tm = t.clone();
            tp[j] += C64::real(h);
            tm[j] -= C64::real(h);
            let (gp, _) = sys.residual(&tp, &u).unwrap();
            let (gm, _) = sys.residual(&tm, &u).unwrap();
            for i in 0..m {
                let fd = (gp[i] - gm[i]).scale(0.5 / h);
                assert!((gt[i * m + j] - fd).abs() < 1e-6 * (1.0 + fd.abs()), "{i},{j}");
            }
        }
    }

    /// The tape's two sweeps against the generic polynomial pass over duals, on every layer kind
    /// (dense with biases and a non-monomial activation, convolution, attention) and both
    /// metrics (weights, samples): `G`, `G_t`, `phi` and `J B` agree to rounding.
    #[test]
    fn tape_matches_generic_pass() {
        use crate::homotopy::data_metric::SampleMetric;
        use crate::net::{Attention, Conv};
        use num_rational::BigRational;
        let act = |d| {
            let c = [0i64, 1, 2, -1].map(|c| BigRational::from_integer(c.into())).to_vec();
            Layer::Activation(Activation::new(d, c).unwrap())
        };
        let nets = [
            Network::new(vec![
                Layer::Dense(Dense { input_dim: 2, output_dim: 3, bias: true }),
                act(3),
                Layer::Dense(Dense { input_dim: 3, output_dim: 2, bias: true }),
            ])
            .unwrap(),
            Network::new(vec![
                Layer::Conv(Conv::new(1, 2, (1, 2), (1, 1), (1, 4), false).unwrap()),
                Layer::Conv(Conv::new(2, 1, (1, 2), (1, 1), (1, 3), false).unwrap()),
            ])
            .unwrap(),
            Network::new(vec![Layer::Attention(Attention::new(3, 3, 2, 2, 1, false).unwrap())]).unwrap(),
        ];
        let mut g = SplitMix64::new(19);
        for (case, net) in nets.iter().enumerate() {
            let n = net.n_params();
            let big_n = CoefficientMap::new(net, ComplexRing).unwrap().n_values();
            let m = 3.min(n);
            let slice = Slice {
                theta0: (0..n).map(|_| cnorm(&mut g)).collect(),
                b: (0..n * m).map(|_| cnorm(&mut g)).collect(),
            };
            let weights: Vec<f64> = (0..big_n).map(|_| 0.5 + g.normal().abs()).collect();
            let mut metrics = vec![SystemMetric::Diagonal(weights)];
            if case == 0 {
                // 12 samples: more than the 10 monomials of degree <= 3 in 2 variables.
                let points: Vec<f64> = (0..24).map(|_| g.normal()).collect();
                let values: Vec<f64> = (0..24).map(|_| g.normal()).collect();
                metrics.push(SystemMetric::Samples(SampleMetric::new(net, &points, &values).unwrap()));
            }
            for metric in &metrics {
                let sys = CriticalSystem::new(net, ComplexRing, &slice, metric).unwrap();
                assert!(sys.tape.is_some());
                let u: Vec<C64> = (0..big_n).map(|_| cnorm(&mut g)).collect();
                let t: Vec<C64> = (0..m).map(|_| cnorm(&mut g)).collect();
                let (ga, gta, pa) = sys.residual_jacobian(&t, &u).unwrap();
                let (gb, gtb, pb) = sys.residual_jacobian_generic(&t, &u).unwrap();
                let close = |a: &[C64], b: &[C64], what: &str| {
                    let scale = b.iter().fold(1.0f64, |s, z| s.max(z.abs()));
                    for (x, y) in a.iter().zip(b) {
                        assert!((*x - *y).abs() <= 1e-11 * scale, "case {case} {what}: {x:?} vs {y:?}");
                    }
                    assert_eq!(a.len(), b.len());
                };
                close(&ga, &gb, "G");
                close(&sys.value_only(&t, &u).unwrap(), &gb, "G without tangents");
                close(&gta, &gtb, "G_t");
                close(&pa.phi, &pb.phi, "phi");
                close(&pa.jb, &pb.jb, "J B");
                // The interval replay on a box around t: it encloses the double-precision
                // values at t and is about as tight as the interval polynomial pass (which is
                // what Krawczyk's test used before).
                let isys = CriticalSystem::new(net, IntervalRing, &slice, metric).unwrap();
                assert!(isys.tape.is_some());
                let boxx: Vec<CIv> = t.iter().map(|&z| CIv::ball(z, 1e-9)).collect();
                let (gi, gti, pi) = isys.residual_jacobian(&boxx, &u).unwrap();
                let (gj, gtj, pj) = isys.residual_jacobian_generic(&boxx, &u).unwrap();
                let width = |b: &CIv| b.re.width().max(b.im.width());
                let encloses = |iv: &[CIv], ref_iv: &[CIv], z: &[C64], what: &str| {
                    assert_eq!(iv.len(), z.len());
                    for ((b, r), z) in iv.iter().zip(ref_iv).zip(z) {
                        let inside = b.re.lo <= z.re && z.re <= b.re.hi && b.im.lo <= z.im && z.im <= b.im.hi;
                        assert!(inside, "case {case} {what}: {z:?} outside {b:?}");
                        assert!(width(b) <= 8.0 * width(r) + 1e-300, "case {case} {what}: {b:?} wider than {r:?}");
                    }
                };
                encloses(&gi, &gj, &ga, "G");
                encloses(&gti, &gtj, &gta, "G_t");
                encloses(&pi.phi, &pj.phi, &pa.phi, "phi");
                encloses(&pi.jb, &pj.jb, &pa.jb, "J B");
            }
        }
    }
}
