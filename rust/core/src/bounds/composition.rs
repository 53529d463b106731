//! The composition and interface bounds for MLPs, applied recursively over all splits and
//! memoised across calls (docs/certificates.md, Lemmas B0-B3).
//!
//! `UB(sk)` is a proven upper bound on the dimension of the variety of the network `sk` (the
//! Zariski closure of its image in coefficient space; its *dimension*, not an expected value).
//! It is the least of:
//! - **B0** the ambient dimension, and `n_params` minus the rescaling torus;
//! - **B1** (Kileel-Trager-Bruna composition) for each hidden layer `k` whose activation is a
//!   monomial `c t^r` (`r >= 1`): `UB(a_0..a_k) + UB(a_k..a_m) - a_k`;
//! - **B2** (interface) for each dense layer `j` and `s >= ` the rank of `W_j` on the span of
//!   its input (B3 bounds that span): `UB(a_0..a_{j-1}, s) + UB(s, a_j..a_m) - s rho`, with `rho`
//!   a proven lower bound on the span of the interface (computed, see `span`). Valid for every
//!   activation.
//!
//! Pieces are strictly smaller (fewer layers, or the same layers with a narrower end), so the
//! recursion terminates. Values are functions of the skeleton alone (the span computations use a
//! fixed pseudo-random point), so the memo is shared by every call, scan and sweep.

use super::skeleton::Skeleton;
use super::span::{activated_span_lower_bound, span_upper_bounds};
use crate::error::{CoreError, Result};
use crate::par::Interrupt;
use num_rational::BigRational;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Memo entries kept before the memo is emptied (a cheap bound on its memory).
const MEMO_CAPACITY: usize = 1 << 18;

/// How a bound was obtained.
#[derive(Debug, Clone)]
enum Step {
    Ambient,
    Torus { torus: usize },
    Split { k: usize, left: Skeleton, right: Skeleton },
    Interface { j: usize, s: usize, rho: usize, left: Skeleton, right: Skeleton },
}

#[derive(Debug, Clone)]
struct Entry {
    value: usize,
    step: Step,
}

type SpanKey = (Skeleton, Vec<BigRational>, usize);

fn memo() -> MutexGuard<'static, HashMap<Skeleton, Entry>> {
    static MEMO: OnceLock<Mutex<HashMap<Skeleton, Entry>>> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(HashMap::new())).lock().unwrap_or_else(|e| e.into_inner())
}

fn spans() -> MutexGuard<'static, HashMap<SpanKey, usize>> {
    static SPANS: OnceLock<Mutex<HashMap<SpanKey, usize>>> = OnceLock::new();
    SPANS.get_or_init(|| Mutex::new(HashMap::new())).lock().unwrap_or_else(|e| e.into_inner())
}

/// A proven upper bound with its derivation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompositionBound {
    pub value: usize,
    /// The derivation, naming each lemma with the layer or split it used.
    pub proof: String,
}

/// The least bound of B0-B2 over all splits, recursively, with its derivation.
pub fn composition_bound(sk: &Skeleton, intr: &dyn Interrupt) -> Result<CompositionBound> {
    let value = upper_bound(sk, intr)?;
    Ok(CompositionBound { value, proof: describe(sk) })
}

fn internal(what: String) -> CoreError {
    CoreError::Internal(format!("inconsistent upper bounds: {what}"))
}

fn upper_bound(sk: &Skeleton, intr: &dyn Interrupt) -> Result<usize> {
    if let Some(e) = memo().get(sk) {
        return Ok(e.value);
    }
    intr.check()?;
    let m = sk.layers();
    let mut best = Entry { value: sk.ambient()?, step: Step::Ambient };
    let torus = sk.torus_dim();
    let by_torus = sk.n_params().saturating_sub(torus);
    if by_torus < best.value {
        best = Entry { value: by_torus, step: Step::Torus { torus } };
    }
    // B1: composition at every hidden layer with a monomial activation.
    for k in 1..m {
        if sk.monomial_degree(k).is_none() {
            continue;
        }
        let (left, right) = sk.split_at(k);
        let sum = upper_bound(&left, intr)?.saturating_add(upper_bound(&right, intr)?);
        let value = sum.checked_sub(sk.width(k)).ok_or_else(|| internal(format!("{sk} split at {k}")))?;
        if value < best.value {
            best = Entry { value, step: Step::Split { k, left, right } };
        }
    }
    // B2: every dense layer factored through the rank it can have on the span of its input.
    let (_, act) = span_upper_bounds(sk)?;
    for j in 1..=m {
        let t = act[j - 1];
        let s = sk.width(j - 1).min(sk.width(j)).min(t);
        if s == 0 || (j == 1 && s >= sk.width(0)) || (j == m && s >= sk.width(m)) {
            continue;
        }
        let (left, right) = sk.factor_layer(j, s);
        let sum = upper_bound(&left, intr)?.saturating_add(upper_bound(&right, intr)?);
        // rho <= min(s, t): skip the span computation when even that cannot help.
        if sum.saturating_sub(s.saturating_mul(s.min(t))) >= best.value {
            continue;
        }
        let rho = if j == 1 { s } else { s.min(span_lower_bound(sk, j - 1, s.min(t), intr)?) };
        let value = sum.checked_sub(s * rho).ok_or_else(|| internal(format!("{sk} through rank {s} at {j}")))?;
        if value < best.value {
            best = Entry { value, step: Step::Interface { j, s, rho, left, right } };
        }
    }
    let value = best.value;
    let mut memo = memo();
    if memo.len() >= MEMO_CAPACITY {
        memo.clear();
    }
    memo.insert(sk.clone(), best);
    Ok(value)
}

/// A proven lower bound on the span of `s(h_k)` in `sk`, from `points` points (memoised).
fn span_lower_bound(sk: &Skeleton, k: usize, points: usize, intr: &dyn Interrupt) -> Result<usize> {
    let (prefix, _) = sk.split_at(k);
    let key = (prefix, sk.acts[k - 1].clone(), points);
    if let Some(&v) = spans().get(&key) {
        return Ok(v);
    }
    let v = activated_span_lower_bound(&key.0, &key.1, points, intr)?;
    let mut spans = spans();
    if spans.len() >= MEMO_CAPACITY {
        spans.clear();
    }
    spans.insert(key, v);
    Ok(v)
}

/// The derivation of the memoised bound of `sk`, nested.
fn describe(sk: &Skeleton) -> String {
    let Some(e) = memo().get(sk).cloned() else { return format!("{sk}") };
    let v = e.value;
    match e.step {
        Step::Ambient => format!("{sk} ambient {v}"),
        Step::Torus { torus } => format!("{sk} {} params - {torus} rescalings = {v}", sk.n_params()),
        Step::Split { k, left, right } => format!(
            "{sk} split at hidden layer {k} (B1): ({}) + ({}) - {} = {v}",
            describe(&left),
            describe(&right),
            sk.width(k)
        ),
        Step::Interface { j, s, rho, left, right } => format!(
            "{sk} layer {j} through rank {s} (B2): ({}) + ({}) - {s}*{rho} = {v}",
            describe(&left),
            describe(&right)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer, Network};
    use crate::par::NoInterrupt;

    fn sk(widths: &[usize], r: u32) -> Skeleton {
        let mut layers = Vec::new();
        for i in 0..widths.len() - 1 {
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(widths[i], r).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: widths[i], output_dim: widths[i + 1], bias: false }));
        }
        Skeleton::of(&Network::new(layers).unwrap()).unwrap()
    }

    fn ub(widths: &[usize], r: u32) -> usize {
        composition_bound(&sk(widths, r), &NoInterrupt).unwrap().value
    }

    #[test]
    fn span_of_sixth_powers_certifies_the_frontier_network() {
        // Split at hidden layer 2: [3, 40, 40] lives in 40 x 28 (ternary sextics), and
        // [40, 40, 40, 3] has 3240 parameters beyond its 80 rescalings: 1120 + 3240 - 40.
        let b = composition_bound(&sk(&[3, 40, 40, 40, 40, 3], 6), &NoInterrupt).unwrap();
        assert_eq!(b.value, 4320, "{}", b.proof);
    }

    #[test]
    fn hand_derived_small_cases() {
        // [2, 1, 2, 1] r=2: f = c l^4 for a linear form l (a cone over the rational normal
        // quartic): dimension 2 = UB(2,1) + UB(1,2,1) - 1 = 2 + 1 - 1.
        assert_eq!(ub(&[2, 1, 2, 1], 2), 2);
        // [3, 10, 10, 2, 1] r=2: v1 q1^2 + v2 q2^2 = (a q1 + b q2)(a q1 - b q2), a product of two
        // ternary quartics: 15 + 15 - 1 = 29 (B2 through rank 2 before the last layer).
        assert_eq!(ub(&[3, 10, 10, 2, 1], 2), 29);
        // [3, 2, 10, 1] r=2: f = G(l1^2, l2^2) for two linear forms and a binary quadric G;
        // (l1, l2) count 6 - 2 (their scales go into G), G counts 3: 7 (B2 through rank 2 at
        // layer 1: 6 + UB(2, 2, 10, 1) - 4 = 6 + 5 - 4).
        assert_eq!(ub(&[3, 2, 10, 1], 2), 7);
        // [3, 2, 10, 10, 1] r=2: the same with G a binary quartic (the octic is even in l1 and
        // l2): 6 - 2 + 5 = 9.
        assert_eq!(ub(&[3, 2, 10, 10, 1], 2), 9);
        // [2, 5, 2, 5, 1] r=2: binary quartics that are quadrics in two binary quadrics.
        assert_eq!(ub(&[2, 5, 2, 5, 1], 2), 7);
    }

    #[test]
    fn non_monomial_activations_use_interfaces_only() {
        // [3, 1, 4, 1] with s1(t) = t + t^2, s2(t) = t^2: f = c (l + l^2)^2 for a linear form l
        // and a scalar c, and (l, c) -> f has finite fibers (c l^2 and c l^4 determine l^2 and
        // c), so the dimension is 4. No torus acts at the first hidden layer; B2 through rank 1
        // at layer 2 gives UB(3, 1, 1) + UB(1, 4, 1) - 1 = 4 + 1 - 1.
        let q = |v: i64| BigRational::from_integer(v.into());
        let layers = vec![
            Layer::Dense(Dense { input_dim: 3, output_dim: 1, bias: false }),
            Layer::Activation(Activation::new(1, vec![q(0), q(1), q(1)]).unwrap()),
            Layer::Dense(Dense { input_dim: 1, output_dim: 4, bias: false }),
            Layer::Activation(Activation::monomial(4, 2).unwrap()),
            Layer::Dense(Dense { input_dim: 4, output_dim: 1, bias: false }),
        ];
        let s = Skeleton::of(&Network::new(layers).unwrap()).unwrap();
        let b = composition_bound(&s, &NoInterrupt).unwrap();
        assert_eq!(b.value, 4, "{}", b.proof);
    }
}
