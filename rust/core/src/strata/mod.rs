//! Strata of the parametrisation: the rank of its Jacobian at a given parameter point (the
//! input of `classify` and `symmetries`), one home for the rule of each path.

mod point_rank;
mod symmetries;

pub use point_rank::{exact_point_rank, uses_exact_jacobian, PointRank, EXACT_JACOBIAN_LIMIT};
pub use symmetries::greedy_extension;
