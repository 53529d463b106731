//! Proven upper bounds on the dimension of a neurovariety: what turns a computed rank (a proven
//! lower bound) into a certified dimension. Every bound is a lemma of `docs/certificates.md`,
//! and [`UpperBound::source`] names the lemma with the split or layer it used.
//!
//! - the ambient dimension;
//! - the symmetry bound `n_params - (orbit dimension)` (S1-S2): the orbit dimension in closed
//!   form where proven (rescalings, [`rescaling_orbit_dim`]), else the rank of tangent vectors
//!   at a point ([`orbit::orbit_ranks`]); the hidden symmetries only when they can improve the
//!   bound;
//! - the linear-network formula;
//! - for MLPs, the composition and interface bounds over all splits ([`composition`], B0-B3).
//!
//! Results depend only on the network (fixed pseudo-random points), and are kept in a process
//! cache, so scans, sweeps and repeated calls compute each architecture's bound once.

pub mod composition;
pub mod orbit;
pub mod skeleton;
pub mod span;

use crate::dimension::ambient_dim;
use crate::error::{CoreError, Result};
use crate::net::symmetry::{
    hidden_symmetry_generator_count, linear_mlp_dim, rescaling_orbit_dim, symmetry_generator_count,
};
use crate::net::Network;
use crate::par::{Interrupt, Par};
use num_traits::ToPrimitive;
use skeleton::Skeleton;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Networks whose bounds the process cache keeps before it is emptied.
const CACHE_CAPACITY: usize = 1 << 14;

/// A proven upper bound on the generic rank, and its proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpperBound {
    pub value: usize,
    /// The lemma (docs/certificates.md) and the split, layer or computation it used.
    pub source: String,
}

/// What the certificate of a dimension needs, computed once per architecture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenBounds {
    /// The least proven upper bound on the dimension.
    pub upper: UpperBound,
    /// The generic orbit dimension of the known symmetry group (design.md 2.1-2.3).
    pub symmetry_dim: usize,
    /// `min(n_params - symmetry_dim, ambient_dim)`.
    pub expected_dim: usize,
}

fn cache() -> std::sync::MutexGuard<'static, HashMap<Network, ProvenBounds>> {
    static CACHE: OnceLock<Mutex<HashMap<Network, ProvenBounds>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new())).lock().unwrap_or_else(|e| e.into_inner())
}

/// The symmetry ranks of a network computed so far (see [`symmetry_ranks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SymmetryEntry {
    known: usize,
    /// `Some(rank with the hidden directions)`, or `None` when they were not asked for or did
    /// not fit in memory (a later call, perhaps with a larger limit, tries again).
    with_hidden: Option<usize>,
}

fn symmetry_cache() -> std::sync::MutexGuard<'static, HashMap<Network, SymmetryEntry>> {
    static CACHE: OnceLock<Mutex<HashMap<Network, SymmetryEntry>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new())).lock().unwrap_or_else(|e| e.into_inner())
}

/// The ranks of the known symmetries' tangent vectors (and, when `include_hidden`, of those with
/// the hidden directions) at the fixed point of [`orbit::orbit_ranks`], cached per network so
/// that `symmetry_dim`, `expected_dim`, `dimension` and scans share one computation. The values
/// depend only on the network, so the cache cannot change a result.
fn symmetry_ranks(net: &Network, include_hidden: bool, par: Par, intr: &dyn Interrupt) -> Result<(usize, usize)> {
    if let Some(e) = symmetry_cache().get(net) {
        match (include_hidden, e.with_hidden) {
            (false, _) => return Ok((e.known, e.known)),
            (true, Some(h)) => return Ok((e.known, h)),
            // The hidden directions extend the known echelon form, which is not kept: recompute.
            (true, None) => {}
        }
    }
    let r = orbit::orbit_ranks(net, include_hidden, par, intr)?;
    let entry = SymmetryEntry { known: r.known, with_hidden: r.with_hidden };
    let mut c = symmetry_cache();
    if c.len() >= CACHE_CAPACITY {
        c.clear();
    }
    c.insert(net.clone(), entry);
    Ok((entry.known, entry.with_hidden.unwrap_or(entry.known)))
}

/// The generic orbit dimension of the known symmetry group: exact for linear MLPs, in closed
/// form for rescalings, else the rank of its tangent vectors at a pseudo-random point modulo
/// 2^61 - 1 (a proven lower bound, equal to the generic value unless the point is a root of a
/// nonzero polynomial: probability below `n_params * deg / 2^61`). The rank is cached per
/// network and shared with [`proven_bounds`].
pub fn symmetry_dim(net: &Network, par: Par, intr: &dyn Interrupt) -> Result<usize> {
    if let Some(d) = linear_mlp_dim(net) {
        return Ok(net.n_params() - d.min(net.n_params()));
    }
    if let Some(c) = rescaling_orbit_dim(net) {
        return Ok(c);
    }
    if let Some(b) = cache().get(net) {
        return Ok(b.symmetry_dim);
    }
    Ok(symmetry_ranks(net, false, par, intr)?.0)
}

/// The proven bounds of `net` (cached per network).
pub fn proven_bounds(net: &Network, par: Par, intr: &dyn Interrupt) -> Result<ProvenBounds> {
    if let Some(b) = cache().get(net) {
        return Ok(b.clone());
    }
    let b = compute(net, par, intr)?;
    let mut c = cache();
    if c.len() >= CACHE_CAPACITY {
        c.clear();
    }
    c.insert(net.clone(), b.clone());
    Ok(b)
}

fn compute(net: &Network, par: Par, intr: &dyn Interrupt) -> Result<ProvenBounds> {
    let n = net.n_params();
    let ambient = ambient_dim(net)?.to_usize().unwrap_or(usize::MAX);
    let mut best = UpperBound { value: ambient, source: "ambient dimension".into() };
    let improve = |value: usize, source: &dyn Fn() -> String, best: &mut UpperBound| {
        if value < best.value {
            *best = UpperBound { value, source: source() };
        }
    };
    if let Some(d) = linear_mlp_dim(net) {
        // Exact (rank-bounded matrices); preferred to an equal ambient dimension.
        if d <= best.value {
            best = UpperBound { value: d, source: "linear network formula rho (d0 + dL - rho)".into() };
        }
        let symmetry_dim = n - d.min(n);
        return Ok(ProvenBounds { upper: best, symmetry_dim, expected_dim: d.min(ambient) });
    }
    if let Some(sk) = Skeleton::of(net) {
        let c = composition::composition_bound(&sk, intr)?;
        improve(
            c.value,
            &|| format!("composition and span bounds (docs/certificates.md B0-B3): {}", c.proof),
            &mut best,
        );
    }
    let closed = rescaling_orbit_dim(net);
    let hidden = hidden_symmetry_generator_count(net);
    let known_at_most = closed.unwrap_or_else(|| symmetry_generator_count(net));
    // The hidden directions can only help if even all of them independent would beat `best`.
    let want_hidden = hidden > 0 && n.saturating_sub(known_at_most.saturating_add(hidden)) < best.value;
    // The known orbit dimension is reported, so it must be computed (or refused); the hidden
    // directions only sharpen the bound and are skipped when they would not fit in memory.
    // Either way the tangent vectors are reduced at most once (orbit::orbit_ranks builds one
    // echelon form for both ranks).
    let (symmetry_dim, fiber) = match (closed, want_hidden) {
        (Some(c), false) => (c, c),
        (Some(c), true) => match symmetry_ranks(net, true, par, intr) {
            Ok((_, f)) => (c, f),
            Err(CoreError::TooLarge { .. }) => (c, c),
            Err(e) => return Err(e),
        },
        (None, want_hidden) => symmetry_ranks(net, want_hidden, par, intr)?,
    };
    let by_symmetry = n - symmetry_dim.min(n);
    if closed.is_some() {
        improve(
            by_symmetry,
            &|| "n_params - rescalings (free torus action, docs/certificates.md B0)".into(),
            &mut best,
        );
    } else {
        improve(
            by_symmetry,
            &|| "n_params - rank of the known symmetries' tangent vectors (docs/certificates.md S1)".into(),
            &mut best,
        );
    }
    improve(
        n - fiber.min(n),
        &|| "n_params - rank of the known and hidden symmetries' tangent vectors (docs/certificates.md S1-S2)".into(),
        &mut best,
    );
    Ok(ProvenBounds { upper: best, symmetry_dim, expected_dim: by_symmetry.min(ambient) })
}

#[cfg(test)]
mod tests {
    use super::orbit::{orbit_ranks, RANK_COMPUTATIONS};
    use super::*;
    use crate::dimension::{dimension, expected_dim, DimensionOptions};
    use crate::net::{Activation, Dense, Layer};
    use crate::par::{with_memory_limit, NoInterrupt};

    /// Dense layers `widths[i] -> widths[i + 1]` (no biases) with activations `t^degrees[i]`.
    fn net(widths: &[usize], degrees: &[u32]) -> Network {
        let mut layers = Vec::new();
        for i in 0..widths.len() - 1 {
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(widths[i], degrees[i - 1]).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: widths[i], output_dim: widths[i + 1], bias: false }));
        }
        Network::new(layers).unwrap()
    }

    fn computations() -> usize {
        RANK_COMPUTATIONS.with(|c| c.get())
    }

    #[test]
    fn symmetry_rank_is_computed_once_per_network() {
        // 3 -> 4 -(t)-> 5 -(t^2)-> 2: GL(4) at the linear boundary (E W1, -W2 E) and the 5
        // rescalings (D W2, -2 W3 D), no closed form. Kernel of the 21 generators at a generic
        // point: -2 W3 D = 0 forces D = 0 (W3 has no zero column), then W2 E = 0 forces E = 0
        // (W2 is 5 x 4, injective). So the orbit dimension is 16 + 5 = 21 (hand derivation).
        let n = net(&[3, 4, 5, 2], &[1, 2]);
        assert_eq!(rescaling_orbit_dim(&n), None);
        let before = computations();
        assert_eq!(symmetry_dim(&n, Par::Seq, &NoInterrupt).unwrap(), 21);
        assert_eq!(computations(), before + 1);
        // n_params = 12 + 20 + 10 = 42; the outputs are ternary quadratic forms (x -> linear ->
        // linear -> squared), ambient 2 * 6 = 12, so expected_dim = min(42 - 21, 12) = 12.
        assert_eq!(expected_dim(&n, Par::Seq, &NoInterrupt).unwrap(), 12);
        let opts = DimensionOptions { par: Par::Seq, ..Default::default() };
        let rep = dimension(&n, &opts, &NoInterrupt).unwrap();
        assert_eq!((rep.symmetry_dim, rep.expected_dim), (21, 12));
        assert_eq!(symmetry_dim(&n, Par::Seq, &NoInterrupt).unwrap(), 21);
        assert_eq!(computations(), before + 1, "the symmetry rank was recomputed");
    }

    #[test]
    fn hidden_directions_that_do_not_fit_keep_the_known_rank_without_recomputing() {
        // 6 -> 4 -(t)-> 5 -(t^2)-> 1: known rank 16 + 5 = 21 (W1 is onto R^4, so E W1 = 0
        // forces E = 0; v^T D = 0 forces D = 0). With the 10 hidden directions
        // W2 -> diag(v)^-1 S W2: (D + V^-1 S) W2 = 0 needs D + V^-1 S = c y^T (y spans the left
        // kernel of the 5 x 4 matrix W2), D = 0 as before, and the skew S = V c y^T has rank
        // <= 1, so S = 0: all 31 independent (hand derivation).
        let n = net(&[6, 4, 5, 1], &[1, 2]);
        let before = computations();
        let full = orbit_ranks(&n, true, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!((full.known, full.with_hidden), (21, Some(31)));
        // The known echelon form (21 x 49 words, 8,232 bytes) fits, all 31 rows (12,152) do not.
        let small = with_memory_limit(Some(10_000), || orbit_ranks(&n, true, Par::Seq, &NoInterrupt)).unwrap();
        assert_eq!((small.known, small.with_hidden), (21, None));
        assert_eq!(computations(), before + 2);
        // Too small even for the known part: refused before anything is computed.
        let refused = with_memory_limit(Some(4_000), || orbit_ranks(&n, true, Par::Seq, &NoInterrupt));
        assert!(matches!(refused, Err(CoreError::TooLarge { .. })));
        assert_eq!(computations(), before + 2);
    }
}
