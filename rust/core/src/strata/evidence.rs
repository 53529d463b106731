//! `classify`'s verdict: the architecture's evidence at a parameter point and the stratum kind
//! it implies together with the rank drop, one rule for exact and float points.

use super::attention_evidence::{attention_evidence, is_attention, AttentionEvidence};
use super::cnn_evidence::{cnn_evidence, is_cnn, CnnEvidence, CnnScalar};
use super::mlp_evidence::{mlp_evidence, mlp_shape, MlpEvidence};
use crate::error::Result;
use crate::net::Network;
use crate::par::{Interrupt, Par};

/// The evidence of one point, by architecture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    Mlp(MlpEvidence),
    Cnn(CnnEvidence),
    Attention(AttentionEvidence),
    /// Mixed layers: no architecture rule applies.
    General,
}

/// A stratum, from most to least degenerate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StratumKind {
    /// `phi(theta) = 0`.
    Zero,
    /// On the boundary of the real neuromanifold (repeated real roots of CNN filters, low-rank
    /// attention scores).
    Boundary,
    /// A rank drop explained by a smaller architecture (dead/merged neurons, zero filters, dead
    /// heads).
    Subnetwork,
    /// A rank drop without other evidence.
    Critical,
    Generic,
}

impl StratumKind {
    pub fn name(self) -> &'static str {
        match self {
            StratumKind::Zero => "zero",
            StratumKind::Boundary => "boundary",
            StratumKind::Subnetwork => "subnetwork",
            StratumKind::Critical => "critical",
            StratumKind::Generic => "generic",
        }
    }
}

impl Evidence {
    fn subnetwork(&self) -> bool {
        match self {
            Evidence::Mlp(e) => e.subnetwork(),
            Evidence::Cnn(e) => e.subnetwork(),
            Evidence::Attention(e) => e.dead_head,
            Evidence::General => false,
        }
    }

    fn boundary(&self) -> bool {
        match self {
            Evidence::Cnn(e) => e.boundary(),
            Evidence::Attention(e) => e.low_rank_scores,
            _ => false,
        }
    }

    /// The kind of a point with this evidence: the zero function first, then the boundary
    /// (a property of the function, whatever the rank), then rank drops, explained by a
    /// smaller architecture or not.
    pub fn kind(&self, phi_zero: bool, rank_drop: bool) -> StratumKind {
        if phi_zero {
            StratumKind::Zero
        } else if self.boundary() {
            StratumKind::Boundary
        } else if rank_drop && self.subnetwork() {
            StratumKind::Subnetwork
        } else if rank_drop {
            StratumKind::Critical
        } else {
            StratumKind::Generic
        }
    }
}

/// The evidence of `theta` (exact rationals, or floats compared at `atol`).
pub fn point_evidence<S: CnnScalar>(
    net: &Network,
    theta: &[S],
    atol: f64,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Evidence> {
    net.check_params_len(theta.len())?;
    if let Some(shape) = mlp_shape(net) {
        Ok(Evidence::Mlp(mlp_evidence(net, &shape, theta, atol, par, intr)?))
    } else if is_cnn(net) {
        Ok(Evidence::Cnn(cnn_evidence(net, theta, atol)?))
    } else if is_attention(net) {
        Ok(Evidence::Attention(attention_evidence(net, theta, atol, par, intr)?))
    } else {
        Ok(Evidence::General)
    }
}
