//! Strata of the parametrisation: the rank of its Jacobian at a given parameter point, the
//! architecture's evidence for a rank drop and the stratum kind (`classify`), and the hidden
//! symmetries (`symmetries`); one home for the rule of each path.

mod attention_evidence;
mod cnn_evidence;
mod evidence;
mod mlp_evidence;
mod point_rank;
mod scalar;
mod symmetries;

pub use attention_evidence::{AttentionEvidence, HeadEvidence};
pub use cnn_evidence::{CnnEvidence, CnnScalar};
pub use evidence::{point_evidence, Evidence, StratumKind};
pub use mlp_evidence::{LinearEvidence, MlpEvidence, SmallerNetwork};
pub use point_rank::{exact_point_rank, uses_exact_jacobian, PointRank, EXACT_JACOBIAN_LIMIT};
pub use scalar::EvidenceScalar;
pub use symmetries::greedy_extension;
