//! All isolated critical points of the distance in a gauge of parameter space, by a total-degree
//! homotopy (issue 13 item 5: spurious critical points; gold `param_critical_functions_all`).
//!
//! In the coordinate gauge of [`super::gauge`] (`theta = theta_0 + E x`, the known symmetries
//! fixed), the critical equations of `x -> d_u(phi(theta(x)))` are the critical system of
//! [`super::system`] with the gauge as its "slice": `G(x; u) = (J E)^T W (phi - u)`, square in
//! the `P - s` free coordinates. Unlike the ED count, every isolated solution is wanted, also
//! where `J E` drops rank (dead or merged neurons, repeated roots: Trager-Kohn-Bruna's spurious
//! points) and the zero function. Monodromy from a random start sees only the component of the
//! smooth critical points, so the solutions are reached from the start system
//! `x_i^{d_i} - 1 = 0` (`d_i` a bound on the degree of `G_i`) by the linear family
//!
//! `H(x; a, c) = a gamma (x_i^{d_i} - 1) + c G_i(x; u)`, `(a, c)` from `(1, 0)` to `(0, 1)`,
//!
//! a [`ParameterHomotopy`] in the blend weights; the random complex `gamma` keeps the paths off
//! the discriminant (the gamma trick), so every isolated solution is the end of some path
//! (Sommese-Wampler 2005, Thm. 8.4.1 for the total-degree start system).

use super::interval::CIv;
use super::parameter_homotopy::ParameterHomotopy;
use super::system::{ComplexScalars, CriticalSystem};
use crate::coefficient_tape::TapeScalar;
use crate::error::Result;
use crate::ring::{ComplexRing, Ring, C64};

/// `|y_0| / |y|` at or below which a path end of the projective homotopy is at infinity.
pub const AT_INFINITY: f64 = 1e-8;

/// `|y_0| / |y|` at or below which a singular end point, or an end point that fails the affine
/// solution test, is reported `at_infinity` (rather than as a solution or
/// `endpoint_not_solution`): there the affine coordinates are of size `1e4` and beyond, and a
/// Cauchy mean of a slow path near infinity proves nothing about a finite solution.
pub const AT_INFINITY_LOOSE: f64 = 1e-4;

/// Largest backward error (see [`backward_residual`]) of an accepted end point. A regular end
/// refined by Newton sits at rounding level (about `1e-16`); a Cauchy estimate of a genuine
/// singular end is accurate to the endgame's agreement tolerance or better, and its backward
/// error is first order in that error. A bogus Cauchy mean (a loop that did not close on the
/// true cluster, or paths still far from their end at the smallest radius) is off by a relative
/// amount of order one. Measured on tests/test_endgame.py and tests/test_spurious.py: genuine
/// singular ends at most `1e-9` (winding number 8), the bogus means of the CNN (2, 2, 2) at
/// `3e-3`; `1e-6` is about the geometric middle.
pub const BACKWARD_TOL: f64 = 1e-6;

/// The floor `eta` of the perturbation model of [`backward_residual`]: coordinate `j` may move by
/// `eps (|x_j| + eta |x|_inf)`.
pub const BACKWARD_FLOOR: f64 = 1e-4;

/// Smallest loop radius of the endgame here. The blend weights are `(tau, 1 - tau)`: below
/// `tau = 1e-16` the target weight `1 - tau` rounds to 1 and the start part, of relative size
/// `tau`, is below the rounding error of evaluating `G`, so the homotopy is the target system
/// to working precision and a smaller radius sees nothing new.
pub const DEEP_RADIUS: f64 = 1e-16;

/// Largest condition number of a segment end the tracker accepts here (about `1 / eps`: only
/// beyond it is the Jacobian singular in double precision).
pub const DEEP_COND: f64 = 1e16;

/// The ring of magnitudes: every operation combines the absolute values of its operands and
/// subtraction adds them (`|a - b| <= |a| + |b|`). Evaluating the critical system over it at
/// `|x|` gives, per equation, the sum of the absolute values of all terms the double-precision
/// evaluation adds up (`|G|_abs(|x|)`, the running-error bound of Higham 2002, sec. 3.1 and 5.1):
/// the scale against which `|G(x)|` says whether `x` solves `G` (a backward error) or only makes
/// large terms cancel partly. This is sharper than any polynomial scale `(1 + |x|)^k`, which at
/// `|x|` = 263 with badly balanced coordinates accepts a residual of `4e5` (issue 13).
#[derive(Debug, Clone, Copy, Default)]
pub struct AbsRing;

/// An element of [`AbsRing`]: a magnitude, combined as the ring says (a newtype, so that the
/// coefficient tape's replay in it adds on subtraction too, and no `f64` is mistaken for one).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Magnitude(pub f64);

impl TapeScalar for Magnitude {
    const ZERO: Magnitude = Magnitude(0.0);
    // Sums of magnitudes do not depend on the evaluation order the way interval widths do.
    const ENCLOSURE: bool = false;
    fn constant(value: f64, _exact: bool) -> Magnitude {
        Magnitude(value.abs())
    }
    fn plus(self, o: Magnitude) -> Magnitude {
        Magnitude(self.0 + o.0)
    }
    fn minus(self, o: Magnitude) -> Magnitude {
        Magnitude(self.0 + o.0)
    }
    fn times(self, o: Magnitude) -> Magnitude {
        Magnitude(self.0 * o.0)
    }
    fn negated(self) -> Magnitude {
        self
    }
}

impl Ring for AbsRing {
    type Elem = Magnitude;
    fn zero(&self) -> Magnitude {
        Magnitude(0.0)
    }
    fn one(&self) -> Magnitude {
        Magnitude(1.0)
    }
    fn from_i64(&self, v: i64) -> Magnitude {
        Magnitude((v as f64).abs())
    }
    fn from_rational(&self, r: &num_rational::BigRational) -> Result<Magnitude> {
        Ok(Magnitude(num_traits::ToPrimitive::to_f64(r).unwrap_or(f64::INFINITY).abs()))
    }
    fn add(&self, a: &Magnitude, b: &Magnitude) -> Magnitude {
        a.plus(*b)
    }
    fn sub(&self, a: &Magnitude, b: &Magnitude) -> Magnitude {
        a.minus(*b)
    }
    fn mul(&self, a: &Magnitude, b: &Magnitude) -> Magnitude {
        a.times(*b)
    }
    fn neg(&self, a: &Magnitude) -> Magnitude {
        a.negated()
    }
}

impl ComplexScalars for AbsRing {
    fn exact(&self, z: C64) -> Magnitude {
        Magnitude(z.abs())
    }
    fn rounded(&self, z: C64) -> Magnitude {
        Magnitude(z.abs())
    }
    fn enclosed(&self, z: CIv) -> Magnitude {
        Magnitude(z.mag())
    }
}

/// `max_i |G_i(x; u)| / s_i` with `s_i = |G_i|_abs(|x|) + sum_j |dG_i/dx_j|_abs(|x|) (|x_j| +
/// eta |x|_inf)` (the term sizes of `G_i` and of its derivatives, evaluated over [`AbsRing`];
/// `eta` = [`BACKWARD_FLOOR`]; `0 / 0 = 0`): to first order, the smallest `eps` such that
/// moving each coordinate by `eps (|x_j| + eta |x|_inf)` and each term of `G_i` by `eps` of
/// its size makes `G_i` vanish (a mixed backward error). Invariant under rescaling an equation
/// and independent of the condition number of `G_x`, so a regular end refined by Newton sits at
/// rounding level however ill-conditioned it is (the far point `b = d = -16.9` of the CNN
/// (2, 2, 2), condition `1e10`: `7e-17`). The derivative part is needed where the terms of an
/// equation vanish at the solution itself: on the zero function `e = f = 0` of that CNN, `G_b`
/// and all its terms are `O(e)`, so against `|G_b|_abs` alone a computed `e ~ 1e-17` is off by
/// a relative amount of order one. The floor `eta |x|_inf` lets such coordinates, zero at the
/// solution, carry absolute noise; it is kept small because a purely normwise model
/// (`eta = 1`) lets a bogus far point with tiny `e, f` and `|b| = 263` borrow `263 eps` of
/// movement in `e, f` (its backward error falls from `0.1` at `eta = 1e-6` to `3e-7`).
pub fn backward_residual(
    sys: &CriticalSystem<'_, ComplexRing>,
    abs: &CriticalSystem<'_, AbsRing>,
    x: &[C64],
    u: &[C64],
) -> Result<f64> {
    let g = sys.residual(x, u)?.0;
    let ax: Vec<Magnitude> = x.iter().map(|z| Magnitude(z.abs())).collect();
    let xn = ax.iter().fold(0.0f64, |a, v| a.max(v.0));
    let (ga, gta, _) = abs.residual_jacobian(&ax, u)?;
    let m = g.len();
    Ok((0..m).fold(0.0f64, |acc, i| {
        let s = ga[i].0
            + gta[i * m..(i + 1) * m].iter().zip(&ax).map(|(a, xj)| a.0 * (xj.0 + BACKWARD_FLOOR * xn)).sum::<f64>();
        let r = if g[i].abs() == 0.0 { 0.0 } else { g[i].abs() / s };
        // NaN (an overflow of the terms) is not a solution.
        if r.is_nan() {
            f64::INFINITY
        } else {
            acc.max(r)
        }
    }))
}

/// The blend of the start system `x_i^{d_i} - 1` and the critical system at fixed data `u`.
pub struct TotalDegree<'s, 'n> {
    pub sys: &'s CriticalSystem<'n, ComplexRing>,
    pub u: Vec<C64>,
    pub degrees: Vec<u32>,
    pub gamma: C64,
}

impl TotalDegree<'_, '_> {
    /// The start solutions: all products of `d_i`-th roots of unity, in lexicographic order.
    pub fn start_solutions(&self) -> Vec<Vec<C64>> {
        let mut out = vec![Vec::new()];
        for &d in &self.degrees {
            let roots: Vec<C64> = (0..d)
                .map(|k| {
                    let a = 2.0 * std::f64::consts::PI * k as f64 / d as f64;
                    C64::new(a.cos(), a.sin())
                })
                .collect();
            out = out
                .into_iter()
                .flat_map(|p| {
                    roots.iter().map(move |r| {
                        let mut q = p.clone();
                        q.push(*r);
                        q
                    })
                })
                .collect();
        }
        out
    }

    fn start(&self, x: &[C64]) -> (Vec<C64>, Vec<C64>) {
        let mut v = Vec::with_capacity(x.len());
        let mut d = Vec::with_capacity(x.len());
        for (xi, &di) in x.iter().zip(&self.degrees) {
            let mut p = C64::ONE;
            for _ in 1..di {
                p = p * *xi;
            }
            d.push(p.scale(di as f64));
            v.push(p * *xi - C64::ONE);
        }
        (v, d)
    }
}

impl ParameterHomotopy for TotalDegree<'_, '_> {
    fn unknowns(&self) -> usize {
        self.sys.m
    }

    fn value_and_jacobian(&self, x: &[C64], ac: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        let m = self.sys.m;
        let (g, gt, _) = self.sys.residual_jacobian(x, &self.u)?;
        let (sv, sd) = self.start(x);
        let (a, c) = (ac[0] * self.gamma, ac[1]);
        let h = (0..m).map(|i| a * sv[i] + c * g[i]).collect();
        let mut hx: Vec<C64> = gt.iter().map(|z| c * *z).collect();
        for i in 0..m {
            hx[i * m + i] += a * sd[i];
        }
        Ok((h, hx))
    }

    fn jacobian_and_parameter_derivative(&self, x: &[C64], ac: &[C64], dac: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        let m = self.sys.m;
        let (g, gt, _) = self.sys.residual_jacobian(x, &self.u)?;
        let (sv, sd) = self.start(x);
        let (a, c) = (ac[0] * self.gamma, ac[1]);
        let mut hx: Vec<C64> = gt.iter().map(|z| c * *z).collect();
        for i in 0..m {
            hx[i * m + i] += a * sd[i];
        }
        let da = dac[0] * self.gamma;
        let dh = (0..m).map(|i| da * sv[i] + dac[1] * g[i]).collect();
        Ok((hx, dh))
    }

    /// The function and the rank measure of `J E` (0 at a rank drop: spurious points included).
    fn image(&self, x: &[C64]) -> Result<(Vec<C64>, f64)> {
        self.sys.image(x)
    }
}

/// The same homotopy on projective space, in the random affine chart `l . y = 1` of
/// `y = (y_0, y_1, ..., y_m)` with `x = y / y_0`: the equations
/// `a gamma (y_i^{d_i} - y_0^{d_i}) + c y_0^{d_i} G_i(y / y_0) = 0` and the chart. A path whose
/// affine coordinates go to infinity converges here to a point with `y_0 = 0` (a finite point of
/// the chart), so the endgame classifies it by `|y_0|` instead of chasing `|x|` with ever smaller
/// steps (Sommese-Wampler 2005, sec. 3.7). `y_0^{d_i} G_i(y / y_0)` is the homogenization of
/// `G_i` in degree `d_i` (a bound on its degree); evaluated through `G` its absolute error is
/// that of the homogeneous polynomial, `eps |y|^{d_i}`.
pub struct ProjectiveTotalDegree<'a, 's, 'n> {
    pub td: &'a TotalDegree<'s, 'n>,
    /// The chart `l . y = 1` (random complex, length `m + 1`).
    pub chart: Vec<C64>,
}

impl ProjectiveTotalDegree<'_, '_, '_> {
    /// The start solutions of [`TotalDegree::start_solutions`], lifted to the chart.
    pub fn start_solutions(&self) -> Vec<Vec<C64>> {
        self.td.start_solutions().into_iter().map(|x| self.lift(&x)).collect()
    }

    /// The chart point over the affine point `x`.
    pub fn lift(&self, x: &[C64]) -> Vec<C64> {
        let lam = x.iter().zip(&self.chart[1..]).fold(self.chart[0], |acc, (xi, li)| acc + *xi * *li).recip();
        std::iter::once(lam).chain(x.iter().map(|xi| *xi * lam)).collect()
    }

    /// The affine point `y / y_0`.
    pub fn affine(y: &[C64]) -> Vec<C64> {
        let r = y[0].recip();
        y[1..].iter().map(|v| *v * r).collect()
    }

    /// `|y_0| / |y|_inf`: 0 at infinity.
    pub fn infinity_measure(y: &[C64]) -> f64 {
        let n = y.iter().fold(0.0f64, |a, z| a.max(z.abs()));
        y[0].abs() / n
    }

    /// Values, `H_y` (`(m+1) x (m+1)`) and the columns of `H` along `a` and `c` (without gamma).
    #[allow(clippy::type_complexity)]
    fn parts(&self, y: &[C64]) -> Result<(Vec<C64>, Vec<C64>, Vec<C64>, Vec<C64>, Vec<C64>)> {
        let m = self.td.sys.m;
        let n = m + 1;
        let y0 = y[0];
        let x = Self::affine(y);
        let (g, gx, _) = self.td.sys.residual_jacobian(&x, &self.td.u)?;
        // Start part `y_i^d - y_0^d` with its derivatives; target part `y_0^d G_i(x)`.
        let mut sv = vec![C64::ZERO; m];
        let mut tv = vec![C64::ZERO; m];
        let mut sj = vec![C64::ZERO; m * n];
        let mut tj = vec![C64::ZERO; m * n];
        for i in 0..m {
            let d = self.td.degrees[i];
            let pw = |z: C64, k: u32| (0..k).fold(C64::ONE, |p, _| p * z);
            let (yi, y0d1) = (y[i + 1], pw(y0, d - 1));
            sv[i] = pw(yi, d) - y0d1 * y0;
            sj[i * n] = -y0d1.scale(d as f64);
            sj[i * n + i + 1] = pw(yi, d - 1).scale(d as f64);
            tv[i] = y0d1 * y0 * g[i];
            // Euler: d/dy_0 [y_0^d G(y/y_0)] = y_0^{d-1} (d G - sum_j x_j G_j).
            let mut e = g[i].scale(d as f64);
            for j in 0..m {
                e -= x[j] * gx[i * m + j];
                tj[i * n + j + 1] = y0d1 * gx[i * m + j];
            }
            tj[i * n] = y0d1 * e;
        }
        Ok((sv, tv, sj, tj, x))
    }

    #[allow(clippy::type_complexity)]
    fn assemble(&self, y: &[C64], ac: &[C64]) -> Result<(Vec<C64>, Vec<C64>, Vec<C64>, Vec<C64>)> {
        let m = self.td.sys.m;
        let n = m + 1;
        let (sv, tv, sj, tj, _) = self.parts(y)?;
        let (a, c) = (ac[0] * self.td.gamma, ac[1]);
        let mut h: Vec<C64> = (0..m).map(|i| a * sv[i] + c * tv[i]).collect();
        h.push(y.iter().zip(&self.chart).fold(-C64::ONE, |acc, (v, l)| acc + *v * *l));
        let mut hy: Vec<C64> = (0..m * n).map(|k| a * sj[k] + c * tj[k]).collect();
        hy.extend_from_slice(&self.chart);
        Ok((h, hy, sv, tv))
    }
}

impl ParameterHomotopy for ProjectiveTotalDegree<'_, '_, '_> {
    fn unknowns(&self) -> usize {
        self.td.sys.m + 1
    }

    fn value_and_jacobian(&self, y: &[C64], ac: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        let (h, hy, _, _) = self.assemble(y, ac)?;
        Ok((h, hy))
    }

    fn jacobian_and_parameter_derivative(&self, y: &[C64], ac: &[C64], dac: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        let (_, hy, sv, tv) = self.assemble(y, ac)?;
        let da = dac[0] * self.td.gamma;
        let mut dh: Vec<C64> = sv.iter().zip(&tv).map(|(s, t)| da * *s + dac[1] * *t).collect();
        dh.push(C64::ZERO);
        Ok((hy, dh))
    }

    fn image(&self, y: &[C64]) -> Result<(Vec<C64>, f64)> {
        self.td.sys.image(&Self::affine(y))
    }
}

/// One distinct critical function with one gauge parameter preimage (issue 13 items 5-6).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamCriticalPoint {
    /// The free gauge coordinates `x` of the preimage (a path end, a real one preferred).
    pub x: Vec<C64>,
    /// The full parameter vector `theta(x) = theta_0 + E x`.
    pub theta: Vec<C64>,
    /// The function `phi(theta(x))` (coefficients).
    pub function: Vec<C64>,
    /// `sum_i w_i (phi_i - u_i)^2` (complex at complex points; no conjugation).
    pub sq_distance: C64,
    /// `max_i |G_i(x; u)|` at the preimage (the critical equations' residual).
    pub residual: f64,
    /// The scale-invariant rank measure of `J E` at the preimage (0 at a rank drop).
    pub pivot: f64,
    /// `J E` of full rank (a smooth critical point of the distance on the variety).
    pub smooth: bool,
    /// The zero function.
    pub zero: bool,
    /// Half-side of the Krawczyk box that proves a unique regular solution with `J E` of full
    /// rank on it; `None` when not certified (`note` says why).
    pub certified_radius: Option<f64>,
    pub note: &'static str,
    /// Half-side of a Krawczyk box proving a unique *regular* solution of the gauge-fixed
    /// gradient system (parameter space only, no rank claim): set for certified smooth points
    /// and for spurious points whose parameter-space Hessian is regular.
    pub isolated_radius: Option<f64>,
    /// Accepted path ends whose function this is (over all its parameter preimages).
    pub path_ends: usize,
    /// The largest winding number of the Cauchy loops of those ends (1: only regular ends).
    /// Above 1 the paths met at a singular end point of the gauge-fixed gradient system: a
    /// multiple solution in parameter space, as at the merged neurons of a spurious point.
    pub winding: usize,
}

/// The isolated critical points of the gauge-fixed distance at one data point, as functions.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamCriticalReport {
    /// Distinct functions over all finite path ends that are solutions (the backward-error
    /// test of [`backward_residual`], also for the point Newton reaches from a rejected end).
    /// Numerical, and complete only as far as the paths are: ends not accepted are in
    /// `failures`.
    pub functions_all: usize,
    /// Of them, not the zero function.
    pub functions_nonzero: usize,
    /// Of them, where `J E` has full rank (smooth critical points of the distance on the variety).
    pub smooth: usize,
    /// Of them, where `J E` drops rank (spurious; the zero function included when present).
    pub spurious: usize,
    /// Paths tracked (the Bezout number of the start system) and ends by status.
    pub paths: usize,
    pub failures: Vec<(&'static str, usize)>,
    /// Free gauge coordinates and the degree bound per equation.
    pub unknowns: usize,
    pub degree_bound: u32,
    /// One record per distinct function, in the order found.
    pub points: Vec<ParamCriticalPoint>,
    /// Certified smooth solutions with pairwise disjoint function enclosures: a proven lower
    /// bound on the number of distinct smooth critical functions (and on isolated solutions).
    pub certified: usize,
    /// The data `u` the system was solved at.
    pub data: Vec<C64>,
    /// Records with a Krawczyk box for the gradient system (`isolated_radius`), boxes pairwise
    /// disjoint: a proven lower bound on the number of isolated (regular) solutions in the gauge.
    pub certified_isolated: usize,
}

/// All isolated critical points of `x -> d_u(phi(theta(x)))` in the coordinate gauge of `net`,
/// by the total-degree homotopy; counted as distinct functions. Without `target`, the fixed
/// gauge coordinates and the data `u` are random complex values drawn from `seed`; with a real
/// `target`, `u = target` and the fixed coordinates are 1 (real, so that real gauge coordinates
/// are real parameters; a real orbit through a point whose fixed coordinates are nonzero meets
/// this gauge in a real point, since the rescalings act on them with weight one).
#[allow(clippy::too_many_arguments)]
pub fn param_critical_functions(
    net: &crate::net::Network,
    weights: &[f64],
    seed: u64,
    target: Option<&[f64]>,
    topts: &super::tracker::TrackerOptions,
    rank_tol: f64,
    dedup_tol: f64,
    certify: bool,
    par: crate::par::Par,
    intr: &dyn crate::par::Interrupt,
) -> Result<ParamCriticalReport> {
    use super::certify::{certified_distinct, Certifier};
    use super::data_metric::SystemMetric;
    use super::endgame::{track_with_endgame, EndStatus, EndgameEnd, EndgameOptions};
    use super::gauge::Gauge;
    use super::monodromy::same_function;
    use super::system::Slice;
    use super::tracker::PathResult;
    use crate::rng::SplitMix64;
    let cn = |g: &mut SplitMix64| C64::new(g.normal(), g.normal()).scale(std::f64::consts::FRAC_1_SQRT_2);
    let gauge = Gauge::new(net, seed)?;
    let mut g = SplitMix64::derived(seed, 0x546f_7461_6c44_6567, 0);
    let mut values: Vec<C64> = (0..gauge.orbit_dim()).map(|_| cn(&mut g)).collect();
    if target.is_some() {
        values = vec![C64::ONE; values.len()];
    }
    let (theta0, b) = gauge.embedding(&values)?;
    let slice = Slice { theta0, b };
    let metric = SystemMetric::Diagonal(weights.to_vec());
    let sys = CriticalSystem::new(net, ComplexRing, &slice, &metric)?;
    let abs_sys = CriticalSystem::new(net, AbsRing, &slice, &metric)?;
    let m = sys.m;
    let d = crate::net::degrees::network_degrees(net)?.params;
    let bound = u32::try_from(2 * d.max(1) - 1).map_err(|_| crate::error::CoreError::Overflow("degree".into()))?;
    let paths = (bound as u128).checked_pow(m as u32).unwrap_or(u128::MAX);
    crate::par::check_allocation("the total-degree start solutions", paths.saturating_mul(m as u128), 16)?;
    if paths > 1_000_000 {
        return Err(crate::error::CoreError::invalid(
            "net",
            format!("the total-degree homotopy would track {bound}^{m} paths; too many"),
        ));
    }
    let mut u: Vec<C64> = (0..sys.big_n).map(|_| cn(&mut g)).collect();
    if let Some(tg) = target {
        if tg.len() != sys.big_n || tg.iter().any(|v| !v.is_finite()) {
            return Err(crate::error::CoreError::invalid(
                "target",
                format!("expected {} finite real coefficients, got {}", sys.big_n, tg.len()),
            ));
        }
        u = tg.iter().map(|&v| C64::new(v, 0.0)).collect();
    }
    let td = TotalDegree { sys: &sys, u: u.clone(), degrees: vec![bound; m], gamma: cn(&mut g) };
    let ptd = ProjectiveTotalDegree { td: &td, chart: (0..=m).map(|_| cn(&mut g)).collect() };
    let starts = ptd.start_solutions();
    let p0 = [C64::ONE, C64::ZERO];
    let p1 = [C64::ZERO, C64::ONE];
    // The endgame goes down to `tau = DEEP_RADIUS` and the tracker accepts segment ends up to
    // condition `DEEP_COND`: a badly scaled regular solution of condition `kappa` is reached by
    // its path only for `tau` below about `1 / kappa` (the CNN (2, 2, 2) at its third real
    // test target: the triple-root point `b = d = 36.67`, `kappa = 2e13`, lost at the default
    // `1e-13` and `1e12`). Neither limit can admit a bogus point: what is counted passes the
    // backward-error test below.
    let eopts = EndgameOptions { min_radius: DEEP_RADIUS, ..EndgameOptions::default() };
    let deep = super::tracker::TrackerOptions { max_cond: topts.max_cond.max(DEEP_COND), ..topts.clone() };
    let topts = &deep;
    let inf = |y: &[C64]| ProjectiveTotalDegree::infinity_measure(y);
    let one = |y: &Vec<C64>| track_with_endgame(&ptd, &p0, &p1, y, topts, &eopts, &inf, AT_INFINITY, intr);
    let ends: Vec<EndgameEnd> = if par.is_parallel() && starts.len() > 1 {
        use rayon::prelude::*;
        starts.par_iter().map(one).collect::<Result<_>>()?
    } else {
        starts.iter().map(one).collect::<Result<_>>()?
    };
    let mut failures: Vec<(&'static str, usize)> = Vec::new();
    let imag = |v: &[C64]| v.iter().fold(0.0f64, |a, z| a.max(z.im.abs()));
    let size = |f: &[C64]| f.iter().fold(0.0f64, |a, z| a.max(z.abs()));
    let mut points: Vec<ParamCriticalPoint> = Vec::new();
    for e in &ends {
        let endpoint = matches!(e.status, EndStatus::Regular | EndStatus::SingularEnd);
        let measure = ProjectiveTotalDegree::infinity_measure(&e.path.t);
        let mut r = PathResult { t: ProjectiveTotalDegree::affine(&e.path.t), ..e.path.clone() };
        // A projective end point is a finite solution only if it is also one in the affine
        // chart: near `y_0 = 0` the homogenized residual vanishes with `y_0^d` and proves
        // nothing. A regular end must pass affine Newton (quadratic convergence); a singular
        // one the backward-error test below.
        let mut ok = endpoint && measure > if e.status == EndStatus::Regular { AT_INFINITY } else { AT_INFINITY_LOOSE };
        if ok && e.status == EndStatus::Regular {
            let (x, conv, _, last) = super::tracker::newton(&td, &r.t, &p1, 8, topts.final_tol)?;
            ok = (conv || last <= topts.corrector_tol * (1.0 + size(&x))) && x.iter().all(|z| z.is_finite());
            if ok {
                r.t = x;
            }
        }
        // Singular ends (a rank drop makes the parameter-space Hessian singular) are kept when
        // the end point solves the target system: their functions are what is counted.
        // The test is the backward error of `backward_residual`: the old polynomial scale
        // `1e-8 (1 + |x|)^(2d)` accepted a bogus Cauchy mean at `|x| = 263` with `|G| = 4e5`.
        let mut residual = f64::INFINITY;
        // The winding number of the end's Cauchy loop (1: a regular end, or Newton's point from
        // a rejected end below).
        let mut winding = e.winding.max(1);
        let mut solves =
            ok && r.t.iter().all(|z| z.is_finite()) && backward_residual(&sys, &abs_sys, &r.t, &u)? <= BACKWARD_TOL;
        // A rejected or failed end that is still a finite point of the chart gets one chance:
        // Newton on the affine target system from it, kept only on convergence and under the
        // same test, so it can add true solutions but never a bogus one. It turns ends that
        // did reach a solution's basin into accepted ones instead of failures: at the second
        // real target of the CNN (2, 2, 2) in tests/test_endgame.py, seven singular Cauchy
        // means at `b = 200` of slow paths lead to the zero function's preimage
        // `(25.55, 0.93, 0, 0)` (condition `3e9`), and 35 to 48 ends per target that the
        // infinity test stops early (measure above `1e-4`) to finite solutions. It is a safety
        // net: the counts of those tests do not depend on it.
        if !solves && measure > AT_INFINITY_LOOSE && e.path.t.iter().all(|z| z.is_finite()) {
            let x0 = ProjectiveTotalDegree::affine(&e.path.t);
            let (x, conv, _, last) = super::tracker::newton(&td, &x0, &p1, 30, topts.final_tol)?;
            if (conv || last <= topts.corrector_tol * (1.0 + size(&x))) && x.iter().all(|z| z.is_finite()) {
                let bw = backward_residual(&sys, &abs_sys, &x, &u)?;
                if bw <= BACKWARD_TOL {
                    r.t = x;
                    solves = true;
                    winding = 1;
                }
            }
        }
        if solves {
            residual = sys.residual(&r.t, &u)?.0.iter().fold(0.0f64, |a, z| a.max(z.abs()));
        }
        if !solves {
            let name = if endpoint && measure <= AT_INFINITY_LOOSE {
                "at_infinity"
            } else if endpoint {
                "endpoint_not_solution"
            } else {
                e.status.name(&e.path)
            };
            match failures.iter_mut().find(|f| f.0 == name) {
                Some(f) => f.1 += 1,
                None => failures.push((name, 1)),
            }
            continue;
        }
        let (phi, pivot) = sys.image(&r.t)?;
        let theta = sys.theta(&r.t);
        let real_tol = 1e-8 * (1.0 + size(&theta));
        match points.iter_mut().find(|p| same_function(&p.function, &phi, dedup_tol)) {
            Some(p) => {
                p.path_ends += 1;
                p.winding = p.winding.max(winding);
                // A real preimage replaces a complex one (the record reports one preimage; a
                // real one is what training can reach). The rank flag stays the first
                // preimage's, as the counts do.
                if imag(&p.theta) > real_tol && imag(&theta) <= real_tol {
                    p.x = r.t.clone();
                    p.theta = theta;
                    p.residual = residual;
                }
            }
            None => points.push(ParamCriticalPoint {
                x: r.t.clone(),
                theta,
                sq_distance: phi
                    .iter()
                    .zip(&u)
                    .zip(weights)
                    .fold(C64::ZERO, |a, ((f, v), &w)| a + ((*f - *v) * (*f - *v)).scale(w)),
                function: phi,
                residual,
                pivot,
                smooth: pivot >= rank_tol,
                zero: false,
                certified_radius: None,
                note: "",
                isolated_radius: None,
                path_ends: 1,
                winding,
            }),
        }
    }
    let top = points.iter().map(|p| size(&p.function)).fold(0.0f64, f64::max);
    for p in &mut points {
        p.zero = size(&p.function) <= 1e-8 * top.max(1.0);
        p.smooth &= !p.zero;
    }
    // Krawczyk on the smooth solutions (the certifier also proves `J E` of full rank on the
    // box). At a spurious point `J E` drops rank: that proof cannot pass, and where the
    // parameter-space Hessian is singular too no Krawczyk box exists at all.
    let mut certs = Vec::with_capacity(points.len());
    let cert = Certifier::new(net, &slice, &metric)?;
    let isys = CriticalSystem::new(net, super::interval::IntervalRing, &slice, &metric)?;
    for p in &mut points {
        intr.check()?;
        if !certify {
            p.note = "certification not requested";
            certs.push(None);
            continue;
        }
        if !p.smooth {
            let (_, gt, _) = sys.residual_jacobian(&p.x, &u)?;
            p.isolated_radius = isolated_box(&isys, &p.x, &u, &gt)?;
            p.note = if p.isolated_radius.is_some() {
                "spurious: J E drops rank, so Krawczyk's full-rank proof cannot apply (not certified as a \
                 critical point on the variety); the gradient system's solution is certified regular and isolated"
            } else {
                "spurious: J E drops rank, so Krawczyk's full-rank proof cannot apply, and no Krawczyk box for \
                 the gradient system passed (singular parameter-space Hessian): not certified"
            };
            certs.push(None);
            continue;
        }
        let (_, gt, sp) = sys.residual_jacobian(&p.x, &u)?;
        let c = cert.certify(&p.x, &u, &sp.jb, &gt)?;
        p.certified_radius = c.as_ref().map(|c| c.radius);
        p.isolated_radius = p.certified_radius;
        p.note = if c.is_some() { "certified (Krawczyk)" } else { "Krawczyk test did not pass on any box tried" };
        certs.push(c);
    }
    let certified = certified_distinct(&certs.iter().map(|c| c.as_ref()).collect::<Vec<_>>()).len();
    // Isolated solutions: greedy choice of records whose x-boxes are pairwise disjoint.
    let mut chosen: Vec<usize> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let Some(r) = p.isolated_radius else { continue };
        let apart = chosen.iter().all(|&j| {
            let q = &points[j];
            let rq = q.isolated_radius.unwrap_or(0.0);
            p.x.iter().zip(&q.x).any(|(a, b)| CIv::ball(*a, r).disjoint(CIv::ball(*b, rq)))
        });
        if apart {
            chosen.push(i);
        }
    }
    let certified_isolated = chosen.len();
    let smooth = points.iter().filter(|p| p.smooth).count();
    let nonzero = points.iter().filter(|p| !p.zero).count();
    Ok(ParamCriticalReport {
        functions_all: points.len(),
        functions_nonzero: nonzero,
        smooth,
        spurious: points.len() - smooth,
        paths: ends.len(),
        failures,
        unknowns: m,
        degree_bound: bound,
        points,
        certified,
        data: u,
        certified_isolated,
    })
}

/// Krawczyk's test for the gradient system alone on boxes of growing radius around `x` (no
/// rank claim on `J E`): `Some(radius)` proves a unique regular solution in that box.
fn isolated_box(
    isys: &CriticalSystem<'_, super::interval::IntervalRing>,
    x: &[C64],
    u: &[C64],
    gt_point: &[C64],
) -> Result<Option<f64>> {
    use super::certify::{first_krawczyk_box, BOXES};
    use super::interval::CIv;
    let thin: Vec<CIv> = x.iter().map(|&z| CIv::point(z)).collect();
    let (gx, _) = isys.residual(&thin, u)?;
    let Some(y) = super::linalg::inverse(gt_point, x.len()) else { return Ok(None) };
    let found = first_krawczyk_box(x, &gx, &y, &BOXES, |boxx| Ok((isys.residual_jacobian(boxx, u)?.1, ())))?;
    Ok(found.map(|(r, ())| r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Network;
    use crate::par::{NoInterrupt, Par};

    /// Linear 1-D CNN, one channel, stride 1 (input width sum(k) - len + 1, output width 1).
    fn conv(filters: &[usize]) -> Network {
        use crate::net::{Conv, Layer};
        let mut w = filters.iter().sum::<usize>() - filters.len() + 1;
        let mut layers = Vec::new();
        for &k in filters {
            layers.push(Layer::Conv(Conv::new(1, 1, (1, k), (1, 1), (1, w), false).unwrap()));
            w = w - k + 1;
        }
        Network::new(layers).unwrap()
    }

    /// Filters (2, 2) in the gauge `a = 1` (free `(b, c, d)`, `phi = (c, d + b c, b d)`), the
    /// critical system over `ring` at the real target `u`.
    fn conv22_system<R: ComplexScalars>(net: &Network, ring: R) -> CriticalSystem<'_, R> {
        let gauge = super::super::gauge::Gauge::new(net, 1).unwrap();
        assert_eq!(gauge.fixed, vec![0]);
        let (theta0, b) = gauge.embedding(&[C64::ONE]).unwrap();
        let slice = super::super::system::Slice { theta0, b };
        let metric = super::super::data_metric::SystemMetric::Diagonal(vec![1.0; 3]);
        CriticalSystem::new(net, ring, &slice, &metric).unwrap()
    }

    /// The magnitude evaluation is the sum of the absolute values of the terms, by hand:
    /// `G = J^T (phi - u)` with the columns `(0, c, d)`, `(1, b, 0)`, `(0, 1, b)` of `J`.
    #[test]
    fn abs_ring_evaluates_the_term_sizes() {
        let net = conv(&[2, 2]);
        let abs = conv22_system(&net, AbsRing);
        let (b, c, d) = (0.5f64, 2.0f64, 3.0f64);
        let u = [C64::real(-2.0), C64::real(1.0), C64::real(-3.0)];
        let r = [c + 2.0, d + b * c + 1.0, b * d + 3.0]; // |phi_k| + |u_k| term by term
        let want = [c * r[1] + d * r[2], r[0] + b * r[1], r[1] + b * r[2]];
        let got = abs.residual(&[b, c, d].map(Magnitude), &u).unwrap().0;
        for (g, w) in got.iter().zip(&want) {
            assert!((g.0 - w).abs() <= 1e-12 * w, "{got:?} vs {want:?}");
        }
    }

    /// Rounding level at an exact solution, however the equations are scaled; a relative move
    /// of `1e-6` in one coordinate is seen. The smooth point of the target `2 + t + 3 t^2` is
    /// `u` itself: `c = 2`, `d = 1 - 2 b`, `2 b^2 - b + 3 = 0`.
    #[test]
    fn backward_residual_separates_solutions_from_near_misses() {
        let net = conv(&[2, 2]);
        let sys = conv22_system(&net, ComplexRing);
        let abs = conv22_system(&net, AbsRing);
        let b = C64::new(0.25, 23f64.sqrt() / 4.0);
        let x = [b, C64::real(2.0), C64::ONE - b.scale(2.0)];
        for scale in [1.0, 1e6] {
            let u: Vec<C64> = [2.0, 1.0, 3.0].iter().map(|&v| C64::real(v * scale)).collect();
            let xs: Vec<C64> = vec![x[0], x[1].scale(scale), x[2].scale(scale)];
            assert!(backward_residual(&sys, &abs, &xs, &u).unwrap() <= 1e-14);
            let mut off = xs.clone();
            off[0] = off[0].scale(1.0 + 1e-6);
            let bw = backward_residual(&sys, &abs, &off, &u).unwrap();
            assert!((1e-10..=1e-6).contains(&bw), "{bw}");
        }
    }

    /// Gold rows conv1d-2-2-param_critical_functions_all-euclidean-3 (5) and
    /// conv1d-2-2-2-param_critical_functions_all-euclidean-2 (16).
    #[test]
    fn conv1d_gold_rows() {
        for (filters, want) in [(&[2usize, 2][..], 5usize), (&[2, 2, 2][..], 16)] {
            let net = conv(filters);
            let ambient = crate::dimension::ambient_dim(&net).unwrap();
            let ambient: usize = num_traits::ToPrimitive::to_usize(&ambient).unwrap();
            let r = param_critical_functions(
                &net,
                &vec![1.0; ambient],
                1,
                None,
                &super::super::tracker::TrackerOptions::default(),
                1e-9,
                1e-6,
                true,
                Par::Seq,
                &NoInterrupt,
            )
            .unwrap();
            assert_eq!(r.functions_all, want, "{r:?}");
            // Linear CNN filters (2,2): the function space is all of C^3 (ED degree 1), so one
            // smooth function, the data itself; the rest are spurious. Every smooth point is
            // regular here, so Krawczyk certifies it.
            if filters.len() == 2 {
                assert_eq!(r.smooth, 1, "{r:?}");
                assert_eq!(r.certified, 1, "{r:?}");
                let f = &r.points.iter().find(|p| p.smooth).unwrap().function;
                assert!(super::super::monodromy::same_function(f, &r.data, 1e-8));
            }
            assert!(r.points.iter().filter(|p| !p.smooth).all(|p| p.certified_radius.is_none()));
            assert!(r.certified <= r.certified_isolated && r.certified_isolated <= r.points.len());
        }
    }
}
