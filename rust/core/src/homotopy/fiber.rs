//! Fibers of the parametrization and identifiability (critical-points note, section 6).
//!
//! The fiber of `phi` over `phi(theta*)` is studied in a gauge that fixes the known continuous
//! symmetries ([`super::gauge`], chosen at `theta*` itself so that it is transversal to the
//! orbit of `theta*`). With `P - s` free coordinates and `m = dim V`:
//!
//! * `P - s > m`: the gauge-fixed fiber has dimension `P - s - m > 0` (hidden continuous
//!   symmetries): the network is not finitely identifiable;
//! * `P - s = m`: the gauge-fixed fiber is finite. It is the set of solutions `x` of the linear
//!   section system `L phi(theta(x)) = b*` with `b* = L phi(theta*)` (a random `L`, `m x N`)
//!   whose function is `phi(theta*)`: the section meets `V` in `deg V` functions, and over each
//!   function lie the gauge-fixed fiber points. Monodromy loops based at `b*` (the start
//!   solution is `theta*` itself) collect the solutions, counted as *points* `x` (not functions).
//!
//! The finite part of the known group (permutations of hidden neurons, and the rescalings the
//! gauge leaves) maps gauge points to gauge points; [`mlp_canonical_form`] puts a point of a
//! dense MLP in a canonical form (each hidden neuron normalised by its first non-negligible
//! input weight when the activation is a monomial, then the neurons of each hidden layer sorted)
//! so equivalent points are recognised without enumerating permutations.
//!
//! Completeness of the monodromy count is supported by the loops without a new solution; like
//! every monodromy count it is a lower bound on the number of fiber points.
//!
//! Certification ([`certify_fiber_point`]): Krawczyk's test on the gauge-fixed section system
//! `G(x) = L phi(theta(x)) - L phi(theta*)`, with `L phi(theta*)` enclosed in interval
//! arithmetic from the exact (floating-point) `theta*`, proves a unique exact solution in a box
//! around each point; points whose boxes are pairwise disjoint are proven distinct. That the
//! solution's function is `phi(theta*)` itself (and not another function of the section) is
//! the numerical match at `match_tol`; it is exact when the section meets `V` only in
//! `phi(theta*)`, e.g. when `V` fills its ambient space.

use super::certify::{first_krawczyk_box, WIDE_BOXES};
use super::gauge::Gauge;
use super::interval::{CIv, IntervalRing};
use super::linalg::inverse;
use super::monodromy::{monodromy, same_function, Found, MonodromyOptions};
use super::parameter_homotopy::ParameterHomotopy;
use super::section::{Section, SectionSystem};
use super::tracker::{refine, TrackerOptions};
use crate::dimension::{ambient_dim, dimension, DimensionOptions};
use crate::error::{CoreError, Result};
use crate::net::{Layer, Network};
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::{ComplexRing, C64};
use crate::rng::SplitMix64;
use num_traits::ToPrimitive;
use std::cmp::Ordering;

const STREAM_SECTION: u64 = 0x4669_6265_725f_4c01;

/// Fiber settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FiberOptions {
    pub monodromy: MonodromyOptions,
    pub tracker: TrackerOptions,
    /// Relative max-norm tolerance under which an end point's function is `phi(theta*)`, and two
    /// canonical forms are the same class.
    pub match_tol: f64,
    /// Largest dimension of the neurovariety attempted.
    pub max_dim: usize,
    /// Count monodromy solutions as classes modulo the finite part of the known group (their
    /// canonical forms) instead of as points, where a canonical form exists: the loops then
    /// carry one point per class (the group commutes with the section system, so monodromy acts
    /// on classes) and a fiber of `k` classes costs `k` paths per loop, not `k |G|`.
    pub modulo_symmetries: bool,
}

impl Default for FiberOptions {
    fn default() -> Self {
        FiberOptions {
            monodromy: MonodromyOptions { stable_loops: 20, ..MonodromyOptions::default() },
            tracker: TrackerOptions::default(),
            match_tol: 1e-6,
            max_dim: 60,
            modulo_symmetries: true,
        }
    }
}

/// The fiber of `phi` over `phi(theta*)` in the gauge.
#[derive(Debug, Clone, PartialEq)]
pub struct FiberReport {
    pub n_params: usize,
    /// `dim V`.
    pub dim: usize,
    /// `s`: coordinates fixed by the gauge (the orbit dimension of the known group at `theta*`).
    pub orbit_dim: usize,
    /// The fixed coordinates.
    pub fixed: Vec<usize>,
    /// `P - s - dim V`: 0 for a finite gauge-fixed fiber.
    pub fiber_dim: usize,
    /// The gauge-fixed fiber points (full parameter vectors), `theta*`'s gauge point first.
    pub points: Vec<Vec<C64>>,
    /// One representative per class modulo the finite part of the known group, in canonical
    /// form; `None` when no canonical form is implemented for the architecture.
    pub classes: Option<Vec<Vec<C64>>>,
    /// Solutions of the section system found (all functions of the section, not only the fiber),
    /// counted as classes when `modulo_symmetries` applied, else as points.
    pub section_solutions: usize,
    /// Whether the monodromy counted classes (one point per class in `points`) rather than points.
    pub modulo_symmetries: bool,
    /// For each point, the half-side of its Krawczyk box in the gauge coordinates (`None`: the
    /// test failed on every box tried).
    pub certified_radius: Vec<Option<f64>>,
    /// Points with a certificate and boxes pairwise disjoint (greedy, in order): a proven lower
    /// bound on the number of distinct exact solutions among the points.
    pub certified_distinct: usize,
    pub loops: usize,
    pub loops_without_new: usize,
    pub paths: usize,
    pub history: Vec<usize>,
}

/// The section system with solutions counted as points `x` (its image is `x` itself), so that
/// the monodromy keeps every point over a function, not one per function.
struct PointCounting<'a, 'n>(&'a SectionSystem<'n, ComplexRing>);

impl ParameterHomotopy for PointCounting<'_, '_> {
    fn unknowns(&self) -> usize {
        self.0.unknowns()
    }
    fn value_and_jacobian(&self, x: &[C64], u: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        self.0.value_and_jacobian(x, u)
    }
    fn jacobian_and_parameter_derivative(&self, x: &[C64], u: &[C64], du: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        self.0.jacobian_and_parameter_derivative(x, u, du)
    }
    fn value(&self, x: &[C64], u: &[C64]) -> Result<Vec<C64>> {
        self.0.value(x, u)
    }
    fn image(&self, x: &[C64]) -> Result<(Vec<C64>, f64)> {
        Ok((x.to_vec(), self.0.image(x)?.1))
    }
}

/// The section system with solutions counted as classes: its image is the canonical form of
/// `theta(x)` (see [`mlp_canonical_form`]), so two points related by the finite part of the
/// known group are one solution.
struct ClassCounting<'a, 'n> {
    sys: &'a SectionSystem<'n, ComplexRing>,
    net: &'n Network,
    tol: f64,
}

impl ParameterHomotopy for ClassCounting<'_, '_> {
    fn unknowns(&self) -> usize {
        self.sys.unknowns()
    }
    fn value_and_jacobian(&self, x: &[C64], u: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        self.sys.value_and_jacobian(x, u)
    }
    fn jacobian_and_parameter_derivative(&self, x: &[C64], u: &[C64], du: &[C64]) -> Result<(Vec<C64>, Vec<C64>)> {
        self.sys.jacobian_and_parameter_derivative(x, u, du)
    }
    fn value(&self, x: &[C64], u: &[C64]) -> Result<Vec<C64>> {
        self.sys.value(x, u)
    }
    fn image(&self, x: &[C64]) -> Result<(Vec<C64>, f64)> {
        let canonical = mlp_canonical_form(self.net, &self.sys.theta(x), self.tol)
            .ok_or_else(|| CoreError::internal("class counting on an architecture without a canonical form"))?;
        Ok((canonical, self.sys.image(x)?.1))
    }
}

fn cnormal(g: &mut SplitMix64) -> C64 {
    C64::new(g.normal(), g.normal()).scale(std::f64::consts::FRAC_1_SQRT_2)
}

/// The fiber of `phi` over `phi(theta_star)` (see the module docs).
pub fn fiber(
    net: &Network,
    theta_star: &[f64],
    seed: u64,
    opts: &FiberOptions,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<FiberReport> {
    let n = net.n_params();
    if theta_star.len() != n {
        return Err(CoreError::invalid("theta", format!("expected {n} parameters, got {}", theta_star.len())));
    }
    if theta_star.iter().any(|v| !v.is_finite()) {
        return Err(CoreError::invalid("theta", "the parameters must be finite"));
    }
    let big_n = ambient_dim(net)?.to_usize().ok_or_else(|| CoreError::TooLarge {
        what: "the coefficient space".into(),
        requested_bytes: u128::MAX,
        limit_bytes: crate::par::memory_limit() as u128,
    })?;
    let dopts = DimensionOptions { seed, par, ..DimensionOptions::default() };
    let m = dimension(net, &dopts, intr)?.dim;
    let theta_c: Vec<C64> = theta_star.iter().map(|&v| C64::real(v)).collect();
    let gauge = Gauge::at(net, &theta_c)?;
    let generic_s = Gauge::new(net, seed)?.orbit_dim();
    if gauge.orbit_dim() < generic_s {
        return Err(CoreError::invalid(
            "theta",
            format!(
                "the known symmetry group has an orbit of dimension {} at theta, below the generic {generic_s} \
                 (dead or degenerate neurons): fibers are computed at points with generic orbits",
                gauge.orbit_dim()
            ),
        ));
    }
    let free = gauge.free_dim();
    let mut report = FiberReport {
        n_params: n,
        dim: m,
        orbit_dim: gauge.orbit_dim(),
        fixed: gauge.fixed.clone(),
        fiber_dim: free.saturating_sub(m),
        points: Vec::new(),
        classes: None,
        section_solutions: 0,
        modulo_symmetries: false,
        certified_radius: Vec::new(),
        certified_distinct: 0,
        loops: 0,
        loops_without_new: 0,
        paths: 0,
        history: Vec::new(),
    };
    if free > m {
        return Ok(report);
    }
    if free < m {
        return Err(CoreError::internal("the gauge has fewer free coordinates than the dimension"));
    }
    if m == 0 {
        report.points.push(theta_c.clone());
        report.certified_radius.push(None);
        report.classes = mlp_canonical_form(net, &theta_c, opts.match_tol).map(|c| vec![c]);
        return Ok(report);
    }
    if m > opts.max_dim {
        return Err(CoreError::invalid(
            "net",
            format!("the neurovariety has dimension {m}, above the limit of {} (raise max_dim)", opts.max_dim),
        ));
    }
    check_allocation("the fiber's section matrix", m as u128 * big_n as u128, std::mem::size_of::<C64>() as u128)?;
    let (theta0, e) = gauge.embedding(&gauge.fixed_part(&theta_c))?;
    let mut g = SplitMix64::derived(seed, STREAM_SECTION, 0);
    let l: Vec<C64> = (0..m * big_n).map(|_| cnormal(&mut g)).collect();
    let section = Section { theta0, e, l };
    let sys = SectionSystem::new(net, ComplexRing, &section)?;
    let x_star = gauge.free_part(&theta_c);
    let phi_star = sys.function(&x_star)?;
    let b_star = sys.apply_l(&phi_star);
    let (_, pivot) = sys.image(&x_star)?;
    if pivot < opts.monodromy.rank_tol {
        return Err(CoreError::invalid(
            "theta",
            "the Jacobian of phi in the gauge drops rank at theta (a singular or critical point of the \
             parametrization): fibers are computed at points where it has full rank",
        ));
    }
    let by_class = opts.modulo_symmetries && mlp_canonical_form(net, &theta_c, opts.match_tol).is_some();
    let (sols, rep) = if by_class {
        let counting = ClassCounting { sys: &sys, net, tol: opts.match_tol };
        let (canonical, _) = counting.image(&x_star)?;
        let start = Found { t: x_star.clone(), phi: canonical, rank_pivot: pivot };
        monodromy(&counting, &b_star, start, &opts.monodromy, &opts.tracker, seed, par, intr)?
    } else {
        let counting = PointCounting(&sys);
        let start = Found { t: x_star.clone(), phi: x_star.clone(), rank_pivot: pivot };
        monodromy(&counting, &b_star, start, &opts.monodromy, &opts.tracker, seed, par, intr)?
    };
    report.modulo_symmetries = by_class;
    report.section_solutions = sols.len();
    report.loops = rep.loops;
    report.loops_without_new = rep.loops_without_new;
    report.paths = rep.paths;
    report.history = rep.history;
    let isys = SectionSystem::new(net, IntervalRing, &section)?;
    let thin = |v: &[C64]| v.iter().map(|&z| CIv::point(z)).collect::<Vec<_>>();
    let b_star_enclosure = isys.apply_l(&isys.function(&thin(&x_star))?);
    let mut boxes: Vec<(Vec<C64>, f64)> = Vec::new();
    for s in &sols {
        intr.check()?;
        let x = refine(&sys, &s.t, &b_star)?;
        if same_function(&sys.function(&x)?, &phi_star, opts.match_tol) {
            report.points.push(sys.theta(&x));
            let radius = certify_fiber_point(&sys, &isys, &x, &b_star, &b_star_enclosure)?;
            if let Some(r) = radius {
                if boxes.iter().all(|(y, ry)| boxes_disjoint(&x, r, y, *ry)) {
                    boxes.push((x.clone(), r));
                }
            }
            report.certified_radius.push(radius);
        }
    }
    report.certified_distinct = boxes.len();
    report.classes = classes(net, &report.points, opts.match_tol);
    Ok(report)
}

/// Krawczyk's test for `L phi(theta(x)) = L phi(theta*)` at the refined point `x` on boxes of
/// growing half-side; `b_enclosure` encloses `L phi(theta*)` (so the proof is for the exact right
/// side, not its rounded value `b_star`). Returns the half-side of the first box that passes.
fn certify_fiber_point(
    sys: &SectionSystem<'_, ComplexRing>,
    isys: &SectionSystem<'_, IntervalRing>,
    x: &[C64],
    b_star: &[C64],
    b_enclosure: &[CIv],
) -> Result<Option<f64>> {
    let m = sys.m;
    let (_, gx_point, _) = sys.residual_jacobian(x, b_star)?;
    let Some(y) = inverse(&gx_point, m) else { return Ok(None) };
    let thin: Vec<CIv> = x.iter().map(|&z| CIv::point(z)).collect();
    let gx: Vec<CIv> = isys.apply_l(&isys.function(&thin)?).iter().zip(b_enclosure).map(|(a, b)| a.sub(*b)).collect();
    // The Jacobian `L J E` does not depend on the right side.
    let found = first_krawczyk_box(x, &gx, &y, &WIDE_BOXES, |boxx| Ok((isys.residual_jacobian(boxx, b_star)?.1, ())))?;
    Ok(found.map(|(r, ())| r))
}

/// The boxes of half-side `ra` around `a` and `rb` around `b` (real and imaginary parts) are
/// disjoint, with a margin for the rounding of the differences.
fn boxes_disjoint(a: &[C64], ra: f64, b: &[C64], rb: f64) -> bool {
    let gap = (ra + rb) * (1.0 + 1e-12);
    a.iter().zip(b).any(|(u, v)| (u.re - v.re).abs() > gap || (u.im - v.im).abs() > gap)
}

/// One canonical representative per class, in order of first appearance; `None` when the
/// architecture has no canonical form.
fn classes(net: &Network, points: &[Vec<C64>], tol: f64) -> Option<Vec<Vec<C64>>> {
    let mut reps: Vec<Vec<C64>> = Vec::new();
    for p in points {
        let c = mlp_canonical_form(net, p, tol)?;
        if !reps.iter().any(|r| same_function(r, &c, tol)) {
            reps.push(c);
        }
    }
    Some(reps)
}

/// Lexicographic order of complex vectors with a tolerance relative to their size (entries
/// within `tol` count as equal), real parts before imaginary parts.
fn compare_with_tolerance(a: &[C64], b: &[C64], tol: f64) -> Ordering {
    let scale = a.iter().chain(b).fold(0.0f64, |m, z| m.max(z.abs()));
    for (x, y) in a.iter().zip(b) {
        for (u, v) in [(x.re, y.re), (x.im, y.im)] {
            if (u - v).abs() > tol * (1.0 + scale) {
                return u.partial_cmp(&v).unwrap_or(Ordering::Equal);
            }
        }
    }
    Ordering::Equal
}

/// The canonical form of a parameter point of a dense MLP modulo the finite part of its known
/// symmetries: at every boundary between two dense layers, with a monomial activation `t^r`
/// between them, each hidden neuron `i` is rescaled (`row_i, b_i <- mu row_i, mu b_i`, outgoing
/// column `<- mu^{-r}` column, a known symmetry) so that its first input weight of modulus above
/// `tol` times the row's largest is 1; then the neurons are sorted by (input row, bias) and the
/// outgoing columns permuted with them. With a non-monomial activation only the sort applies.
/// `None` for networks with other layers or with a linear boundary (its symmetry group `GL` is
/// not finite modulo a gauge of this kind).
pub fn mlp_canonical_form(net: &Network, theta: &[C64], tol: f64) -> Option<Vec<C64>> {
    let layers = net.layers();
    let offs = net.param_offsets();
    // (layer index, offset) of the dense layers, and the activation degree after each.
    let mut dense = Vec::new();
    for (k, layer) in layers.iter().enumerate() {
        match layer {
            Layer::Dense(d) => dense.push((k, offs[k], d.clone())),
            Layer::Activation(_) => {}
            _ => return None,
        }
    }
    let mut th = theta.to_vec();
    for w in dense.windows(2) {
        let ((ka, oa, da), (kb, ob, db)) = (&w[0], &w[1]);
        let acts: Vec<_> = layers[ka + 1..*kb]
            .iter()
            .filter_map(|l| match l {
                Layer::Activation(a) => Some(a),
                _ => None,
            })
            .collect();
        let degree = match acts.as_slice() {
            [] => return None,
            [a] => a.monomial_degree(),
            _ => return None,
        };
        if degree == Some(1) {
            return None;
        }
        let (h, din) = (da.output_dim, da.input_dim);
        let row = |i: usize| oa + i * din;
        let bias = |i: usize| oa + din * h + i;
        let col = |i: usize, o: usize| ob + o * db.input_dim + i;
        if let Some(r) = degree {
            for i in 0..h {
                let big = (0..din).fold(0.0f64, |m, j| m.max(th[row(i) + j].abs()));
                let Some(j0) = (0..din).find(|&j| th[row(i) + j].abs() > tol * big) else { continue };
                let mu = th[row(i) + j0].recip();
                for j in 0..din {
                    th[row(i) + j] = th[row(i) + j] * mu;
                }
                if da.bias {
                    th[bias(i)] = th[bias(i)] * mu;
                }
                // mu^{-r} = (theta_{i j0})^r.
                let inv = (0..r).fold(C64::ONE, |acc, _| acc * mu.recip());
                for o in 0..db.output_dim {
                    th[col(i, o)] = th[col(i, o)] * inv;
                }
            }
        }
        let key = |i: usize| -> Vec<C64> {
            let mut k: Vec<C64> = th[row(i)..row(i) + din].to_vec();
            if da.bias {
                k.push(th[bias(i)]);
            }
            k
        };
        let mut order: Vec<usize> = (0..h).collect();
        order.sort_by(|&a, &b| compare_with_tolerance(&key(a), &key(b), tol));
        let old = th.clone();
        for (new_i, &old_i) in order.iter().enumerate() {
            for j in 0..din {
                th[row(new_i) + j] = old[row(old_i) + j];
            }
            if da.bias {
                th[bias(new_i)] = old[bias(old_i)];
            }
            for o in 0..db.output_dim {
                th[col(new_i, o)] = old[col(old_i, o)];
            }
        }
    }
    Some(th)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense};
    use crate::par::NoInterrupt;

    fn mlp(widths: &[usize], coeffs: &[i64]) -> Network {
        let mut layers = Vec::new();
        for (k, w) in widths.windows(2).enumerate() {
            if k > 0 {
                let c = coeffs.iter().map(|&v| num_rational::BigRational::from_integer(v.into())).collect();
                layers.push(Layer::Activation(Activation::new(w[0], c).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: w[0], output_dim: w[1], bias: false }));
        }
        Network::new(layers).unwrap()
    }

    fn random_theta(n: usize, seed: u64) -> Vec<f64> {
        let mut g = SplitMix64::new(seed);
        (0..n).map(|_| g.normal()).collect()
    }

    /// Swapping the two hidden neurons and rescaling one of them gives the same canonical form.
    #[test]
    fn canonical_form_forgets_permutations_and_rescalings() {
        let net = mlp(&[2, 2, 1], &[0, 0, 0, 1]);
        let t = [1.0, 2.0, -0.5, 3.0, 0.7, -1.1];
        // neuron 0 = (1, 2) with output 0.7, neuron 1 = (-0.5, 3) with output -1.1; swap them and
        // rescale the new neuron 0 by 2 (output by 2^-3).
        let u = [-1.0, 6.0, 1.0, 2.0, -1.1 / 8.0, 0.7];
        let c = |v: &[f64]| v.iter().map(|&x| C64::real(x)).collect::<Vec<_>>();
        let a = mlp_canonical_form(&net, &c(&t), 1e-9).unwrap();
        let b = mlp_canonical_form(&net, &c(&u), 1e-9).unwrap();
        assert!(same_function(&a, &b, 1e-12), "{a:?} {b:?}");
        // A genuinely different point is not identified with it.
        let w = [1.0, 2.0, -0.5, 3.1, 0.7, -1.1];
        assert!(!same_function(&a, &mlp_canonical_form(&net, &c(&w), 1e-9).unwrap(), 1e-6));
    }

    /// Binary quintics as sums of three fifth powers (MLP (2,3,1) `t^5`, P = 9, s = 3, dim 6):
    /// Sylvester: a generic binary form of odd degree 2k-1 has a unique Waring decomposition of
    /// length k, so the gauge-fixed fiber holds the 3! orderings of one class.
    #[test]
    fn binary_quintic_is_identifiable() {
        let net = mlp(&[2, 3, 1], &[0, 0, 0, 0, 0, 1]);
        let theta = random_theta(9, 4);
        let as_points = FiberOptions { modulo_symmetries: false, ..FiberOptions::default() };
        let r = fiber(&net, &theta, 1, &as_points, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((r.dim, r.orbit_dim, r.fiber_dim), (6, 3, 0));
        assert_eq!(r.points.len(), 6, "{r:?}");
        assert!(!r.modulo_symmetries);
        // Each of the 6 points is certified by Krawczyk's test and their boxes are disjoint.
        assert!(r.certified_radius.iter().all(Option::is_some), "{r:?}");
        assert_eq!(r.certified_distinct, 6);
        assert_eq!(r.classes.unwrap().len(), 1);
        // Counted modulo the group, the loops carry the one class (one point), not its 3! orderings.
        let r = fiber(&net, &theta, 1, &FiberOptions::default(), Par::Seq, &NoInterrupt).unwrap();
        assert!(r.modulo_symmetries);
        assert_eq!((r.points.len(), r.classes.as_ref().map(Vec::len)), (1, Some(1)), "{r:?}");
    }

    /// Quadrics in 3 variables as sums of two squares (MLP (3,2,1) `t^2`): the hidden O(2)
    /// symmetry makes the gauge-fixed fiber one-dimensional (P = 8, s = 2, dim 5).
    #[test]
    fn sums_of_two_squares_have_positive_dimensional_fibers() {
        let net = mlp(&[3, 2, 1], &[0, 0, 1]);
        let r = fiber(&net, &random_theta(8, 2), 1, &FiberOptions::default(), Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((r.dim, r.orbit_dim, r.fiber_dim), (5, 2, 1));
        assert!(r.points.is_empty());
    }
}
