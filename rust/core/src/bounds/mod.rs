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

/// The generic orbit dimension of the known symmetry group: exact for linear MLPs, in closed
/// form for rescalings, else the rank of its tangent vectors at a pseudo-random point modulo
/// 2^61 - 1 (a proven lower bound, equal to the generic value unless the point is a root of a
/// nonzero polynomial: probability below `n_params * deg / 2^61`).
pub fn symmetry_dim(net: &Network, par: Par, intr: &dyn Interrupt) -> Result<usize> {
    if let Some(d) = linear_mlp_dim(net) {
        return Ok(net.n_params() - d.min(net.n_params()));
    }
    if let Some(c) = rescaling_orbit_dim(net) {
        return Ok(c);
    }
    Ok(orbit::orbit_ranks(net, false, par, intr)?.0)
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
    let known_only = |sym: Option<usize>| -> Result<(usize, usize)> {
        match sym {
            Some(c) => Ok((c, c)),
            None => orbit::orbit_ranks(net, false, par, intr),
        }
    };
    let (symmetry_dim, fiber) = if want_hidden {
        match orbit::orbit_ranks(net, true, par, intr) {
            Ok((k, f)) => (closed.unwrap_or(k), f),
            Err(CoreError::TooLarge { .. }) => known_only(closed)?,
            Err(e) => return Err(e),
        }
    } else {
        known_only(closed)?
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
