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

use crate::coefficients::CoefficientMap;
use crate::error::{CoreError, Result};
use crate::net::Network;
use crate::par::check_allocation;
use crate::ring::{Ring, C64};
use num_rational::BigRational;
use num_traits::ToPrimitive;
use std::sync::{Arc, Mutex};

/// One operation of the tape; operands are earlier nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Zero,
    Input(u32),
    Const(f64),
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
        Recorder(Arc::new(Mutex::new(Tape { ops: vec![Op::Zero, Op::Const(1.0)], full: false })))
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

    fn constant(&self, v: f64) -> u32 {
        match v {
            0.0 => ZERO,
            1.0 => ONE,
            _ => self.push(Op::Const(v)),
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
        // The same rounding as `ComplexRing::from_i64`.
        self.constant(v as f64)
    }
    fn from_rational(&self, r: &BigRational) -> Result<u32> {
        let v = r.to_f64().ok_or_else(|| CoreError::Overflow(format!("{r} is not representable as f64")))?;
        Ok(self.constant(v))
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
#[derive(Debug, Default)]
pub struct TapeWork {
    val: Vec<C64>,
    dot: Vec<C64>,
    bar: Vec<C64>,
    bar_dot: Vec<C64>,
}

/// Scratch reused across the evaluations of one system: one [`TapeWork`] per concurrent path,
/// so a path step allocates nothing for the sweeps.
#[derive(Debug, Default)]
pub struct WorkPool(Mutex<Vec<TapeWork>>);

impl WorkPool {
    /// `f` with a scratch for `m` tangents of `tape` (taken from the pool, or allocated with
    /// its memory check), returned to the pool afterwards.
    pub fn with<T>(&self, tape: &CoefficientTape, m: usize, f: impl FnOnce(&mut TapeWork) -> Result<T>) -> Result<T> {
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
                Op::Zero | Op::Input(_) | Op::Const(_) => {}
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
    pub fn work(&self, m: usize) -> Result<TapeWork> {
        let per_node = 2 * (1 + m as u128);
        check_allocation("the coefficient tape's scratch", self.ops.len() as u128 * per_node, 16)?;
        let n = self.ops.len();
        Ok(TapeWork {
            val: vec![C64::ZERO; n],
            dot: vec![C64::ZERO; n * m],
            bar: vec![C64::ZERO; n],
            bar_dot: vec![C64::ZERO; n * m],
        })
    }

    /// Forward sweep at `theta` with the `m` tangents `v_j` (columns of the `n x m` row-major
    /// `tangents`): writes `phi` (length `N`) and `J v_j` (`N x m`, row-major) and keeps the
    /// node values and tangents in `work` for [`Self::reverse`].
    pub fn forward(
        &self,
        theta: &[C64],
        tangents: &[C64],
        m: usize,
        work: &mut TapeWork,
        phi: &mut [C64],
        jv: &mut [C64],
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
                    d.fill(C64::ZERO);
                    C64::ZERO
                }
                Op::Const(c) => {
                    d.fill(C64::ZERO);
                    C64::real(c)
                }
                Op::Input(i) => {
                    let i = i as usize;
                    d.copy_from_slice(&tangents[i * m..(i + 1) * m]);
                    theta[i]
                }
                Op::Add(a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    for j in 0..m {
                        d[j] = lo[a * m + j] + lo[b * m + j];
                    }
                    val[a] + val[b]
                }
                Op::Sub(a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    for j in 0..m {
                        d[j] = lo[a * m + j] - lo[b * m + j];
                    }
                    val[a] - val[b]
                }
                Op::Mul(a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    let (va, vb) = (val[a], val[b]);
                    for j in 0..m {
                        d[j] = va * lo[b * m + j] + vb * lo[a * m + j];
                    }
                    va * vb
                }
                Op::Neg(a) => {
                    let a = a as usize;
                    for j in 0..m {
                        d[j] = -lo[a * m + j];
                    }
                    -val[a]
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

    /// Reverse sweep after [`Self::forward`] (same `theta`, tangents and `m`): with the seed `s`
    /// (length `N`) and its tangents `s_dot` (`N x m`), writes `J^T s` (length `n`) and the
    /// derivative of `theta -> J(theta)^T s(theta)` along each tangent (`n x m`): column `j`
    /// is `(dJ[v_j])^T s + J^T s_dot[:, j]`.
    pub fn reverse(
        &self,
        seed: &[C64],
        seed_dot: &[C64],
        m: usize,
        work: &mut TapeWork,
        grad: &mut [C64],
        grad_dot: &mut [C64],
    ) -> Result<()> {
        if seed.len() != self.outputs.len() || seed_dot.len() != self.outputs.len() * m || grad.len() != self.n_params {
            return Err(CoreError::internal("coefficient tape: wrong sizes"));
        }
        let TapeWork { val, dot, bar, bar_dot } = work;
        bar.fill(C64::ZERO);
        bar_dot.fill(C64::ZERO);
        grad.fill(C64::ZERO);
        grad_dot.fill(C64::ZERO);
        for (k, &o) in self.outputs.iter().enumerate() {
            let o = o as usize;
            bar[o] += seed[k];
            for j in 0..m {
                bar_dot[o * m + j] += seed_dot[k * m + j];
            }
        }
        for k in (1..self.ops.len()).rev() {
            let cb = bar[k];
            let (lo, hi) = bar_dot.split_at_mut(k * m);
            let cbd = &hi[..m];
            match self.ops[k] {
                Op::Zero | Op::Const(_) => {}
                Op::Input(i) => {
                    let i = i as usize;
                    grad[i] += cb;
                    for j in 0..m {
                        grad_dot[i * m + j] += cbd[j];
                    }
                }
                Op::Add(a, b) => {
                    for x in [a as usize, b as usize] {
                        bar[x] += cb;
                        for j in 0..m {
                            lo[x * m + j] += cbd[j];
                        }
                    }
                }
                Op::Sub(a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    bar[a] += cb;
                    bar[b] -= cb;
                    for j in 0..m {
                        lo[a * m + j] += cbd[j];
                        lo[b * m + j] -= cbd[j];
                    }
                }
                Op::Neg(a) => {
                    let a = a as usize;
                    bar[a] -= cb;
                    for j in 0..m {
                        lo[a * m + j] -= cbd[j];
                    }
                }
                Op::Mul(a, b) => {
                    // c = a b: a_bar += c_bar b, and its tangent c_bar_dot b + c_bar b_dot.
                    let (a, b) = (a as usize, b as usize);
                    for (x, y) in [(a, b), (b, a)] {
                        let vy = val[y];
                        bar[x] += cb * vy;
                        for j in 0..m {
                            lo[x * m + j] += cbd[j] * vy + cb * dot[y * m + j];
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
        let mut work = tape.work(m).unwrap();
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
