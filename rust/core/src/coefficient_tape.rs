//! The coefficient map `phi(theta)` recorded once as a straight-line program of scalar
//! operations, and replayed in double-precision complex arithmetic with several tangents at once.
//!
//! The generic coefficient map ([`crate::coefficients`]) pushes sparse polynomials in the input
//! variables through the layers: every operation merges or sorts term lists on the heap. Along
//! a homotopy path the same network is evaluated at thousands of parameter points, and that
//! bookkeeping (not the arithmetic) was most of the time: the term structure of every
//! intermediate polynomial does not depend on the parameter values. So the forward pass is run
//! once over polynomials whose coefficients are *nodes* of a tape ([`Recorder`]): each scalar
//! operation the layers perform is appended once, and the outputs are the nodes of the
//! coefficients of `phi`. Replaying the tape is then a flat loop over the operations.
//!
//! Exactness of the recording. The recorder only simplifies structurally: `0 + x = x`,
//! `0 * x = 0`, `1 * x = x` for the literal constants 0 and 1, never on values. Where the
//! polynomial pass would drop a term because its coefficient happens to vanish at a particular
//! parameter point, the tape keeps the term and computes the zero, so the tape computes the
//! same polynomial map `theta -> phi(theta)` at every point (up to floating-point rounding: the
//! operations are the same, in the same order, as in the polynomial pass over `ComplexRing`).
//!
//! [`CoefficientTape::forward`] computes `phi` and `m` directional derivatives `J v_j` in one
//! sweep; [`CoefficientTape::reverse`] the gradient `J^T s` of a seed `s` together with its `m`
//! directional derivatives (forward-over-reverse), which is exactly the Hessian-vector product
//! the critical system needs (see [`crate::homotopy::system`]).
//!
//! Replay in interval arithmetic. The sweeps are generic over the scalars ([`TapeScalar`]):
//! double-precision complex numbers for the tracker, outward-rounded complex intervals for
//! Krawczyk's test. The interval replay is an enclosure because the tape is an exact
//! straight-line program for `phi` over the rationals: its constants are the network's own
//! numbers, recorded with a flag saying whether the double is the exact value (`3`, `1/2`) or a
//! rounding (`1/3`), and a rounded constant is replayed as the enclosure of every number that
//! rounds to it. Each forward and adjoint rule is an exact polynomial identity in the node
//! values, so evaluating it in interval arithmetic over a box encloses its value at every
//! point of the box.

use crate::coefficients::CoefficientMap;
use crate::error::{CoreError, Result};
use crate::net::Network;
use crate::par::check_allocation;
use crate::ring::{Ring, C64};
use num_rational::BigRational;
use num_traits::ToPrimitive;
use std::sync::{Arc, Mutex};

/// The scalars a tape is replayed in: the operations of a commutative ring and the embedding
/// of the recorded constants.
pub trait TapeScalar: Copy + std::fmt::Debug {
    const ZERO: Self;
    /// Whether the scalars are enclosures (intervals), whose width depends on the order of
    /// evaluation: callers may then prefer a costlier but tighter formula.
    const ENCLOSURE: bool;
    /// The recorded constant `value`; `exact` says whether `value` is the network's number
    /// itself or only its rounding to the nearest double.
    fn constant(value: f64, exact: bool) -> Self;
    fn plus(self, o: Self) -> Self;
    fn minus(self, o: Self) -> Self;
    fn times(self, o: Self) -> Self;
    fn negated(self) -> Self;
}

impl TapeScalar for C64 {
    const ZERO: C64 = C64::ZERO;
    const ENCLOSURE: bool = false;
    fn constant(value: f64, _exact: bool) -> C64 {
        C64::real(value)
    }
    #[inline(always)]
    fn plus(self, o: C64) -> C64 {
        self + o
    }
    #[inline(always)]
    fn minus(self, o: C64) -> C64 {
        self - o
    }
    #[inline(always)]
    fn times(self, o: C64) -> C64 {
        self * o
    }
    #[inline(always)]
    fn negated(self) -> C64 {
        -self
    }
}

/// One operation of the tape; operands are earlier nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Zero,
    Input(u32),
    /// A constant and whether the double is its exact value.
    Const(f64, bool),
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Neg(u32),
}

/// Node 0 is the literal zero, node 1 the literal one.
const ZERO: u32 = 0;
const ONE: u32 = 1;

/// Tapes beyond this many nodes are abandoned (the caller keeps the polynomial pass): at one
/// value and two tangents per node and sweep this is a few gigabytes of scratch.
const MAX_NODES: usize = 1 << 26;

#[derive(Debug, Default)]
struct Tape {
    ops: Vec<Op>,
    full: bool,
}

/// The recording ring: elements are tape nodes. Shared through an `Arc` because the coefficient
/// map keeps its own copy of the ring.
#[derive(Debug, Clone)]
struct Recorder(Arc<Mutex<Tape>>);

impl Recorder {
    fn new() -> Self {
        Recorder(Arc::new(Mutex::new(Tape { ops: vec![Op::Zero, Op::Const(1.0, true)], full: false })))
    }

    fn push(&self, op: Op) -> u32 {
        // A poisoned lock can only come from a panic elsewhere in this recording; its tape is
        // then abandoned like a full one.
        let Ok(mut tape) = self.0.lock() else { return ZERO };
        if tape.ops.len() >= MAX_NODES {
            tape.full = true;
            return ZERO;
        }
        tape.ops.push(op);
        (tape.ops.len() - 1) as u32
    }

    /// The constant `v`; `exact` when `v` is the number itself, not its rounding.
    fn constant(&self, v: f64, exact: bool) -> u32 {
        match v {
            0.0 if exact => ZERO,
            1.0 if exact => ONE,
            _ => self.push(Op::Const(v, exact)),
        }
    }
}

impl Ring for Recorder {
    type Elem = u32;
    fn zero(&self) -> u32 {
        ZERO
    }
    fn one(&self) -> u32 {
        ONE
    }
    fn from_i64(&self, v: i64) -> u32 {
        // The same rounding as `ComplexRing::from_i64`; exact below 2^53.
        self.constant(v as f64, v.unsigned_abs() < 1 << 53)
    }
    fn from_rational(&self, r: &BigRational) -> Result<u32> {
        let v = r.to_f64().ok_or_else(|| CoreError::Overflow(format!("{r} is not representable as f64")))?;
        let exact = BigRational::from_float(v).is_some_and(|q| q == *r);
        Ok(self.constant(v, exact))
    }
    fn add(&self, a: &u32, b: &u32) -> u32 {
        match (*a, *b) {
            (ZERO, x) | (x, ZERO) => x,
            (x, y) => self.push(Op::Add(x, y)),
        }
    }
    fn sub(&self, a: &u32, b: &u32) -> u32 {
        match (*a, *b) {
            (x, ZERO) => x,
            (ZERO, y) => self.neg(&y),
            (x, y) => self.push(Op::Sub(x, y)),
        }
    }
    fn mul(&self, a: &u32, b: &u32) -> u32 {
        match (*a, *b) {
            (ZERO, _) | (_, ZERO) => ZERO,
            (ONE, x) | (x, ONE) => x,
            (x, y) => self.push(Op::Mul(x, y)),
        }
    }
    fn neg(&self, a: &u32) -> u32 {
        if *a == ZERO {
            ZERO
        } else {
            self.push(Op::Neg(*a))
        }
    }
    fn is_zero(&self, a: &u32) -> bool {
        *a == ZERO
    }
}

/// `phi` as a straight-line program in the parameters (dead operations removed).
#[derive(Debug, Clone)]
pub struct CoefficientTape {
    n_params: usize,
    ops: Vec<Op>,
    /// The node of each coefficient of `phi`, in coefficient order (0: a structural zero).
    outputs: Vec<u32>,
}

/// Scratch of one evaluation: values and tangents of every node, and their adjoints.
#[derive(Debug)]
pub struct TapeWork<S> {
    val: Vec<S>,
    dot: Vec<S>,
    bar: Vec<S>,
    bar_dot: Vec<S>,
}

/// Scratch reused across the evaluations of one system: one [`TapeWork`] per concurrent path,
/// so a path step allocates nothing for the sweeps.
#[derive(Debug)]
pub struct WorkPool<S>(Mutex<Vec<TapeWork<S>>>);

impl<S> Default for WorkPool<S> {
    fn default() -> Self {
        WorkPool(Mutex::new(Vec::new()))
    }
}

impl<S: TapeScalar> WorkPool<S> {
    /// `f` with a scratch for `m` tangents of `tape` (taken from the pool, or allocated with
    /// its memory check), returned to the pool afterwards.
    pub fn with<T>(
        &self,
        tape: &CoefficientTape,
        m: usize,
        f: impl FnOnce(&mut TapeWork<S>) -> Result<T>,
    ) -> Result<T> {
        // A poisoned lock only loses the reuse, never the result.
        let pooled = self.0.lock().ok().and_then(|mut p| p.pop());
        let mut work = match pooled {
            Some(w) => w,
            None => tape.work(m)?,
        };
        let out = f(&mut work);
        if let Ok(mut p) = self.0.lock() {
            p.push(work);
        }
        out
    }
}

impl CoefficientTape {
    /// Records `phi` of `net` by one forward pass over tape nodes. `Ok(None)` when the tape
    /// would exceed its size limit (the caller keeps the polynomial pass).
    pub fn record(net: &Network) -> Result<Option<Self>> {
        let ring = Recorder::new();
        let outputs = {
            let map = CoefficientMap::new(net, ring.clone())?;
            let theta: Vec<u32> = (0..net.n_params()).map(|i| ring.push(Op::Input(i as u32))).collect();
            let mut outputs = vec![ZERO; map.n_values()];
            map.values(&theta, &mut outputs)?;
            outputs
        };
        let tape = std::mem::take(&mut *ring.0.lock().map_err(|_| CoreError::internal("tape lock"))?);
        if tape.full {
            return Ok(None);
        }
        Ok(Some(Self::pruned(net.n_params(), tape.ops, outputs)))
    }

    /// Keeps the operations the outputs depend on (renumbered, order preserved).
    fn pruned(n_params: usize, ops: Vec<Op>, outputs: Vec<u32>) -> Self {
        let mut live = vec![false; ops.len()];
        live[ZERO as usize] = true;
        for &o in &outputs {
            live[o as usize] = true;
        }
        for k in (0..ops.len()).rev() {
            if !live[k] {
                continue;
            }
            match ops[k] {
                Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) => {
                    live[a as usize] = true;
                    live[b as usize] = true;
                }
                Op::Neg(a) => live[a as usize] = true,
                Op::Zero | Op::Input(_) | Op::Const(..) => {}
            }
        }
        let mut new_id = vec![ZERO; ops.len()];
        let mut kept = Vec::with_capacity(live.iter().filter(|&&l| l).count());
        for (k, op) in ops.iter().enumerate() {
            if !live[k] {
                continue;
            }
            let r = |x: u32| new_id[x as usize];
            let op = match *op {
                Op::Add(a, b) => Op::Add(r(a), r(b)),
                Op::Sub(a, b) => Op::Sub(r(a), r(b)),
                Op::Mul(a, b) => Op::Mul(r(a), r(b)),
                Op::Neg(a) => Op::Neg(r(a)),
                other => other,
            };
            new_id[k] = kept.len() as u32;
            kept.push(op);
        }
        let outputs = outputs.iter().map(|&o| new_id[o as usize]).collect();
        CoefficientTape { n_params, ops: kept, outputs }
    }

    /// Operations on the tape.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Never true (the literal zero is always kept); for clippy's `len` convention.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Number of coefficients of `phi`.
    pub fn n_values(&self) -> usize {
        self.outputs.len()
    }

    /// Refuses (memory limit) and otherwise allocates the scratch for `m` tangents.
    pub fn work<S: TapeScalar>(&self, m: usize) -> Result<TapeWork<S>> {
        let per_node = 2 * (1 + m as u128);
        let elem = std::mem::size_of::<S>() as u128;
        check_allocation("the coefficient tape's scratch", self.ops.len() as u128 * per_node, elem)?;
        let n = self.ops.len();
        Ok(TapeWork {
            val: vec![S::ZERO; n],
            dot: vec![S::ZERO; n * m],
            bar: vec![S::ZERO; n],
            bar_dot: vec![S::ZERO; n * m],
        })
    }

    /// Forward sweep at `theta` with the `m` tangents `v_j` (columns of the `n x m` row-major
    /// `tangents`): writes `phi` (length `N`) and `J v_j` (`N x m`, row-major) and keeps the
    /// node values and tangents in `work` for [`Self::reverse`].
    pub fn forward<S: TapeScalar>(
        &self,
        theta: &[S],
        tangents: &[S],
        m: usize,
        work: &mut TapeWork<S>,
        phi: &mut [S],
        jv: &mut [S],
    ) -> Result<()> {
        if theta.len() != self.n_params || tangents.len() != self.n_params * m || work.dot.len() != self.ops.len() * m {
            return Err(CoreError::internal("coefficient tape: wrong sizes"));
        }
        let (val, dot) = (&mut work.val, &mut work.dot);
        for (k, op) in self.ops.iter().enumerate() {
            let (lo, hi) = dot.split_at_mut(k * m);
            let d = &mut hi[..m];
            val[k] = match *op {
                Op::Zero => {
                    d.fill(S::ZERO);
                    S::ZERO
                }
                Op::Const(c, exact) => {
                    d.fill(S::ZERO);
                    S::constant(c, exact)
                }
                Op::Input(i) => {
                    let i = i as usize;
                    d.copy_from_slice(&tangents[i * m..(i + 1) * m]);
                    theta[i]
                }
                // The operands' tangents as slices of length `m`: the loops then run without
                // bounds checks (the sweeps are most of a tracker step).
                Op::Add(a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    let (da, db) = (&lo[a * m..(a + 1) * m], &lo[b * m..(b + 1) * m]);
                    for ((dj, x), y) in d.iter_mut().zip(da).zip(db) {
                        *dj = x.plus(*y);
                    }
                    val[a].plus(val[b])
                }
                Op::Sub(a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    let (da, db) = (&lo[a * m..(a + 1) * m], &lo[b * m..(b + 1) * m]);
                    for ((dj, x), y) in d.iter_mut().zip(da).zip(db) {
                        *dj = x.minus(*y);
                    }
                    val[a].minus(val[b])
                }
                Op::Mul(a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    let (va, vb) = (val[a], val[b]);
                    let (da, db) = (&lo[a * m..(a + 1) * m], &lo[b * m..(b + 1) * m]);
                    for ((dj, x), y) in d.iter_mut().zip(da).zip(db) {
                        *dj = va.times(*y).plus(vb.times(*x));
                    }
                    va.times(vb)
                }
                Op::Neg(a) => {
                    let a = a as usize;
                    for (dj, x) in d.iter_mut().zip(&lo[a * m..(a + 1) * m]) {
                        *dj = x.negated();
                    }
                    val[a].negated()
                }
            };
        }
        for (k, &o) in self.outputs.iter().enumerate() {
            let o = o as usize;
            phi[k] = val[o];
            jv[k * m..(k + 1) * m].copy_from_slice(&dot[o * m..(o + 1) * m]);
        }
        Ok(())
    }

    /// [`Self::forward`] without tangents: writes `phi` alone and keeps the node values in
    /// `work` for [`Self::reverse_values`] (one operation a node instead of `1 + 2 m`).
    pub fn forward_values<S: TapeScalar>(&self, theta: &[S], work: &mut TapeWork<S>, phi: &mut [S]) -> Result<()> {
        if theta.len() != self.n_params || phi.len() != self.outputs.len() || work.val.len() != self.ops.len() {
            return Err(CoreError::internal("coefficient tape: wrong sizes"));
        }
        let val = &mut work.val;
        for (k, op) in self.ops.iter().enumerate() {
            val[k] = match *op {
                Op::Zero => S::ZERO,
                Op::Const(c, exact) => S::constant(c, exact),
                Op::Input(i) => theta[i as usize],
                Op::Add(a, b) => val[a as usize].plus(val[b as usize]),
                Op::Sub(a, b) => val[a as usize].minus(val[b as usize]),
                Op::Mul(a, b) => val[a as usize].times(val[b as usize]),
                Op::Neg(a) => val[a as usize].negated(),
            };
        }
        for (p, &o) in phi.iter_mut().zip(&self.outputs) {
            *p = val[o as usize];
        }
        Ok(())
    }

    /// [`Self::reverse`] without tangents, after [`Self::forward_values`] (or
    /// [`Self::forward`]) at the same `theta`: writes `J^T s` for the seed `s` (length `N`).
    pub fn reverse_values<S: TapeScalar>(&self, seed: &[S], work: &mut TapeWork<S>, grad: &mut [S]) -> Result<()> {
        if seed.len() != self.outputs.len() || grad.len() != self.n_params || work.bar.len() != self.ops.len() {
            return Err(CoreError::internal("coefficient tape: wrong sizes"));
        }
        let TapeWork { val, bar, .. } = work;
        bar.fill(S::ZERO);
        grad.fill(S::ZERO);
        for (k, &o) in self.outputs.iter().enumerate() {
            bar[o as usize] = bar[o as usize].plus(seed[k]);
        }
        for k in (1..self.ops.len()).rev() {
            let cb = bar[k];
            match self.ops[k] {
                Op::Zero | Op::Const(..) => {}
                Op::Input(i) => grad[i as usize] = grad[i as usize].plus(cb),
                Op::Add(a, b) => {
                    bar[a as usize] = bar[a as usize].plus(cb);
                    bar[b as usize] = bar[b as usize].plus(cb);
                }
                Op::Sub(a, b) => {
                    bar[a as usize] = bar[a as usize].plus(cb);
                    bar[b as usize] = bar[b as usize].minus(cb);
                }
                Op::Neg(a) => bar[a as usize] = bar[a as usize].minus(cb),
                Op::Mul(a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    let (va, vb) = (val[a], val[b]);
                    bar[a] = bar[a].plus(cb.times(vb));
                    bar[b] = bar[b].plus(cb.times(va));
                }
            }
        }
        Ok(())
    }

    /// Reverse sweep after [`Self::forward`] (same `theta`, tangents and `m`): with the seed `s`
    /// (length `N`) and its tangents `s_dot` (`N x m`), writes `J^T s` (length `n`) and the
    /// derivative of `theta -> J(theta)^T s(theta)` along each tangent (`n x m`): column `j`
    /// is `(dJ[v_j])^T s + J^T s_dot[:, j]`.
    pub fn reverse<S: TapeScalar>(
        &self,
        seed: &[S],
        seed_dot: &[S],
        m: usize,
        work: &mut TapeWork<S>,
        grad: &mut [S],
        grad_dot: &mut [S],
    ) -> Result<()> {
        if seed.len() != self.outputs.len() || seed_dot.len() != self.outputs.len() * m || grad.len() != self.n_params {
            return Err(CoreError::internal("coefficient tape: wrong sizes"));
        }
        let TapeWork { val, dot, bar, bar_dot } = work;
        bar.fill(S::ZERO);
        bar_dot.fill(S::ZERO);
        grad.fill(S::ZERO);
        grad_dot.fill(S::ZERO);
        for (k, &o) in self.outputs.iter().enumerate() {
            let o = o as usize;
            bar[o] = bar[o].plus(seed[k]);
            for j in 0..m {
                bar_dot[o * m + j] = bar_dot[o * m + j].plus(seed_dot[k * m + j]);
            }
        }
        for k in (1..self.ops.len()).rev() {
            let cb = bar[k];
            let (lo, hi) = bar_dot.split_at_mut(k * m);
            let cbd = &hi[..m];
            match self.ops[k] {
                Op::Zero | Op::Const(..) => {}
                // As in the forward sweep, slices of length `m` keep the loops free of bounds
                // checks; the operations and their order are those of the index loops.
                Op::Input(i) => {
                    let i = i as usize;
                    grad[i] = grad[i].plus(cb);
                    for (g, c) in grad_dot[i * m..(i + 1) * m].iter_mut().zip(cbd) {
                        *g = g.plus(*c);
                    }
                }
                Op::Add(a, b) => {
                    for x in [a as usize, b as usize] {
                        bar[x] = bar[x].plus(cb);
                        for (l, c) in lo[x * m..(x + 1) * m].iter_mut().zip(cbd) {
                            *l = l.plus(*c);
                        }
                    }
                }
                Op::Sub(a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    bar[a] = bar[a].plus(cb);
                    bar[b] = bar[b].minus(cb);
                    for (j, c) in cbd.iter().enumerate() {
                        lo[a * m + j] = lo[a * m + j].plus(*c);
                        lo[b * m + j] = lo[b * m + j].minus(*c);
                    }
                }
                Op::Neg(a) => {
                    let a = a as usize;
                    bar[a] = bar[a].minus(cb);
                    for (l, c) in lo[a * m..(a + 1) * m].iter_mut().zip(cbd) {
                        *l = l.minus(*c);
                    }
                }
                Op::Mul(a, b) => {
                    // c = a b: a_bar += c_bar b, and its tangent c_bar_dot b + c_bar b_dot.
                    let (a, b) = (a as usize, b as usize);
                    for (x, y) in [(a, b), (b, a)] {
                        let vy = val[y];
                        bar[x] = bar[x].plus(cb.times(vy));
                        let dy = &dot[y * m..(y + 1) * m];
                        for ((l, c), d) in lo[x * m..(x + 1) * m].iter_mut().zip(cbd).zip(dy) {
                            *l = l.plus(c.times(vy).plus(cb.times(*d)));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer};
    use crate::ring::ComplexRing;
    use crate::rng::SplitMix64;

    fn cn(g: &mut SplitMix64) -> C64 {
        C64::new(g.normal(), g.normal())
    }

    /// `W2 (W1 x + b1)^2 + ...` with the activation `t^3 + t^2` and biases: the tape against
    /// the polynomial pass (values and the reverse-mode Jacobian of [`CoefficientMap`]), and the
    /// second-order sweep against a central difference of `J^T s` along each tangent.
    #[test]
    fn tape_matches_polynomial_pass() {
        let net = Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 3, bias: true }),
            Layer::Activation(
                Activation::new(3, [0, 0, 1, 1].map(|c: i64| BigRational::from_integer(c.into())).to_vec()).unwrap(),
            ),
            Layer::Dense(Dense { input_dim: 3, output_dim: 2, bias: true }),
        ])
        .unwrap();
        let tape = CoefficientTape::record(&net).unwrap().unwrap();
        let map = CoefficientMap::new(&net, ComplexRing).unwrap();
        let (n, big_n, m) = (net.n_params(), map.n_values(), 3);
        assert_eq!(tape.n_values(), big_n);
        let mut g = SplitMix64::new(7);
        let theta: Vec<C64> = (0..n).map(|_| cn(&mut g)).collect();
        let tangents: Vec<C64> = (0..n * m).map(|_| cn(&mut g)).collect();
        let mut work = tape.work::<C64>(m).unwrap();
        let (mut phi, mut jv) = (vec![C64::ZERO; big_n], vec![C64::ZERO; big_n * m]);
        tape.forward(&theta, &tangents, m, &mut work, &mut phi, &mut jv).unwrap();
        let (mut phi0, mut jac) = (vec![C64::ZERO; big_n], vec![C64::ZERO; big_n * n]);
        map.jacobian_at(&theta, &mut phi0, &mut jac, crate::par::Par::Seq, &crate::par::NoInterrupt).unwrap();
        let scale = phi0.iter().fold(1.0f64, |a, z| a.max(z.abs()));
        for k in 0..big_n {
            assert!((phi[k] - phi0[k]).abs() <= 1e-12 * scale);
            for j in 0..m {
                let want: C64 = (0..n).fold(C64::ZERO, |s, l| s + jac[k * n + l] * tangents[l * m + j]);
                assert!((jv[k * m + j] - want).abs() <= 1e-12 * scale, "J v at {k},{j}");
            }
        }
        // Reverse: grad = J^T s, and along v_j the derivative of J^T s with s fixed.
        let seed: Vec<C64> = (0..big_n).map(|_| cn(&mut g)).collect();
        let seed_dot = vec![C64::ZERO; big_n * m];
        let (mut grad, mut grad_dot) = (vec![C64::ZERO; n], vec![C64::ZERO; n * m]);
        tape.reverse(&seed, &seed_dot, m, &mut work, &mut grad, &mut grad_dot).unwrap();
        for l in 0..n {
            let want: C64 = (0..big_n).fold(C64::ZERO, |s, k| s + jac[k * n + l] * seed[k]);
            assert!((grad[l] - want).abs() <= 1e-12 * scale, "J^T s at {l}");
        }
        let jts = |th: &[C64]| -> Vec<C64> {
            let (mut p, mut jj) = (vec![C64::ZERO; big_n], vec![C64::ZERO; big_n * n]);
            map.jacobian_at(th, &mut p, &mut jj, crate::par::Par::Seq, &crate::par::NoInterrupt).unwrap();
            (0..n).map(|l| (0..big_n).fold(C64::ZERO, |s, k| s + jj[k * n + l] * seed[k])).collect()
        };
        let h = 1e-5;
        for j in 0..m {
            let plus: Vec<C64> = (0..n).map(|l| theta[l] + tangents[l * m + j].scale(h)).collect();
            let minus: Vec<C64> = (0..n).map(|l| theta[l] - tangents[l * m + j].scale(h)).collect();
            let (a, b) = (jts(&plus), jts(&minus));
            for l in 0..n {
                let fd = (a[l] - b[l]).scale(0.5 / h);
                assert!((grad_dot[l * m + j] - fd).abs() <= 1e-6 * scale * scale, "Hessian-vector at {l},{j}");
            }
        }
    }

    /// The interval replay encloses the exact map. The activation `t^3 + t^2 / 3 + 2 t / 7` has
    /// constants that are not doubles, so a replay that took their roundings as exact could
    /// miss the exact values. Independent reference: `phi` and its Jacobian over Q
    /// (`RationalRing`) at a dyadic point (exact in double precision) must lie in the enclosures
    /// of the point box; on a box of radius 1e-3, the double-precision sweeps at points inside
    /// it must lie in the box's enclosures, and those are about as tight as the interval
    /// polynomial pass.
    #[test]
    fn interval_replay_encloses_the_exact_map() {
        use crate::homotopy::interval::{CIv, IntervalRing, Iv};
        use crate::ring::rational::RationalRing;
        let q = |a: i64, b: i64| BigRational::new(a.into(), b.into());
        let net = Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 3, bias: true }),
            Layer::Activation(Activation::new(3, vec![q(0, 1), q(2, 7), q(1, 3), q(1, 1)]).unwrap()),
            Layer::Dense(Dense { input_dim: 3, output_dim: 2, bias: true }),
        ])
        .unwrap();
        let tape = CoefficientTape::record(&net).unwrap().unwrap();
        let n = net.n_params();
        let big_n = tape.n_values();
        let mut g = SplitMix64::new(11);
        // Dyadic parameters k / 8: exact as doubles and as rationals.
        let ks: Vec<i64> = (0..n).map(|_| (g.normal() * 12.0).round() as i64).collect();
        let exact_theta: Vec<BigRational> = ks.iter().map(|&k| q(k, 8)).collect();
        let exact_map = CoefficientMap::new(&net, RationalRing).unwrap();
        let (mut phi_q, mut jac_q) = (vec![q(0, 1); big_n], vec![q(0, 1); big_n * n]);
        exact_map
            .jacobian_at(&exact_theta, &mut phi_q, &mut jac_q, crate::par::Par::Seq, &crate::par::NoInterrupt)
            .unwrap();
        let contains = |iv: Iv, x: &BigRational| {
            let lo = BigRational::from_float(iv.lo).unwrap();
            let hi = BigRational::from_float(iv.hi).unwrap();
            lo <= *x && *x <= hi
        };
        // Tangents: the unit vectors, so `J v_j` is column j of the Jacobian.
        let m = n;
        let point: Vec<CIv> = ks.iter().map(|&k| CIv::point(C64::real(k as f64 / 8.0))).collect();
        let units: Vec<CIv> =
            (0..n * m).map(|i| CIv::point(if i / m == i % m { C64::ONE } else { C64::ZERO })).collect();
        let mut work = tape.work::<CIv>(m).unwrap();
        let (mut phi, mut jv) = (vec![CIv::ZERO; big_n], vec![CIv::ZERO; big_n * m]);
        tape.forward(&point, &units, m, &mut work, &mut phi, &mut jv).unwrap();
        for k in 0..big_n {
            assert!(contains(phi[k].re, &phi_q[k]) && phi[k].im == Iv::point(0.0), "phi[{k}]");
            for j in 0..n {
                assert!(contains(jv[k * m + j].re, &jac_q[k * n + j]), "J[{k},{j}]");
            }
        }
        // `x -> v (w x)^2 / 3` at `v = w = 1`: products with an exact 1 do not widen, so the
        // enclosure of the coefficient is the replayed constant itself, which must contain 1/3.
        let third = Network::new(vec![
            Layer::Dense(Dense { input_dim: 1, output_dim: 1, bias: false }),
            Layer::Activation(Activation::new(1, vec![q(0, 1), q(0, 1), q(1, 3)]).unwrap()),
            Layer::Dense(Dense { input_dim: 1, output_dim: 1, bias: false }),
        ])
        .unwrap();
        let t3 = CoefficientTape::record(&third).unwrap().unwrap();
        let mut w3 = t3.work::<CIv>(0).unwrap();
        let mut phi3 = vec![CIv::ZERO; t3.n_values()];
        t3.forward(&[CIv::point(C64::ONE); 2], &[], 0, &mut w3, &mut phi3, &mut []).unwrap();
        assert!(phi3.iter().any(|b| contains(b.re, &q(1, 3))), "{phi3:?}");
        // A box of radius 1e-3 with complex centre, two tangents and a seed.
        let m = 2;
        let centre: Vec<C64> = (0..n).map(|_| cn(&mut g)).collect();
        let tangents: Vec<C64> = (0..n * m).map(|_| cn(&mut g)).collect();
        let seed: Vec<C64> = (0..big_n).map(|_| cn(&mut g)).collect();
        let r = 1e-3;
        let boxx: Vec<CIv> = centre.iter().map(|&z| CIv::ball(z, r)).collect();
        let tv: Vec<CIv> = tangents.iter().map(|&z| CIv::point(z)).collect();
        let sv: Vec<CIv> = seed.iter().map(|&z| CIv::point(z)).collect();
        let sd = vec![CIv::ZERO; big_n * m];
        let mut work = tape.work::<CIv>(m).unwrap();
        let (mut phi, mut jv) = (vec![CIv::ZERO; big_n], vec![CIv::ZERO; big_n * m]);
        let (mut grad, mut grad_dot) = (vec![CIv::ZERO; n], vec![CIv::ZERO; n * m]);
        tape.forward(&boxx, &tv, m, &mut work, &mut phi, &mut jv).unwrap();
        tape.reverse(&sv, &sd, m, &mut work, &mut grad, &mut grad_dot).unwrap();
        let inside = |b: CIv, z: C64| b.re.lo <= z.re && z.re <= b.re.hi && b.im.lo <= z.im && z.im <= b.im.hi;
        let mut fw = tape.work::<C64>(m).unwrap();
        for _ in 0..16 {
            let th: Vec<C64> =
                centre.iter().map(|&z| z + C64::new(g.unit_f64() - 0.5, g.unit_f64() - 0.5).scale(r)).collect();
            let (mut p, mut d) = (vec![C64::ZERO; big_n], vec![C64::ZERO; big_n * m]);
            let (mut gr, mut grd) = (vec![C64::ZERO; n], vec![C64::ZERO; n * m]);
            tape.forward(&th, &tangents, m, &mut fw, &mut p, &mut d).unwrap();
            tape.reverse(&seed, &vec![C64::ZERO; big_n * m], m, &mut fw, &mut gr, &mut grd).unwrap();
            assert!(p.iter().zip(&phi).all(|(&z, &b)| inside(b, z)));
            assert!(d.iter().zip(&jv).all(|(&z, &b)| inside(b, z)));
            assert!(gr.iter().zip(&grad).all(|(&z, &b)| inside(b, z)));
            assert!(grd.iter().zip(&grad_dot).all(|(&z, &b)| inside(b, z)));
        }
        // As tight as the interval polynomial pass (same operations up to order).
        let imap = CoefficientMap::new(&net, IntervalRing).unwrap();
        let mut phi_iv = vec![CIv::ZERO; big_n];
        imap.values(&boxx, &mut phi_iv).unwrap();
        let width = |b: CIv| b.re.width().max(b.im.width());
        for (a, b) in phi.iter().zip(&phi_iv) {
            assert!(width(*a) <= 4.0 * width(*b) + 1e-12, "{a:?} vs {b:?}");
        }
    }

    /// Structural simplifications only: a bias-free linear layer records no additions of zero
    /// and the tape of `x -> w x` is one multiplication per coefficient... and nothing else.
    #[test]
    fn recording_keeps_only_live_operations() {
        let net = Network::new(vec![Layer::Dense(Dense { input_dim: 3, output_dim: 1, bias: false })]).unwrap();
        let tape = CoefficientTape::record(&net).unwrap().unwrap();
        // phi = (w_1, w_2, w_3): the zero, the three inputs (the one is dead).
        assert_eq!(tape.len(), 4, "{:?}", tape.ops);
        assert_eq!(tape.n_values(), 3);
    }
}
