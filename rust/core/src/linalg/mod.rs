//! Dense linear algebra modulo a prime p: rank, reduced row echelon form, right kernel and an
//! incremental echelon form, for the Jacobian ranks behind every dimension neurocore reports.
//!
//! Two arithmetic kernels are chosen from p (callers never choose):
//! - `p < SMALL_PRIME_BOUND` (`2^23`): centred residues in `f64`, matrix products through
//!   the one `dgemm` wrapper (`dgemm.rs`, the `gemm` crate) on inner chunks of at most 512, which keeps every sum exact
//!   (`small_prime.rs`);
//! - otherwise: `u64` residues; wide trailing updates split every residue into three signed
//!   limbs and take six `dgemm` products (`limbs.rs`), narrow ones use a register-tiled kernel
//!   accumulating in `u128` with delayed reduction (`large_prime.rs`).
//!
//! Both run the same blocked recursive elimination (`elim.rs`), parallel over row blocks when
//! `par` allows and the work is large, polling the interrupt between blocks. Results are exact,
//! hence identical whatever the thread count.
//!
//! One floating-point routine lives here too: the singular values of small dense matrices
//! (`singular_values.rs`), for numerical ranks of weight and score matrices.

mod arith;
mod dgemm;
mod echelon;
mod elim;
mod large_prime;
mod limbs;
mod mat;
mod rref;
mod singular_values;
mod small_prime;
mod trsm;

pub(crate) use dgemm::{dgemm, Op};
pub use echelon::Echelon;
pub use mat::{Mat, MatMut, MatRef};
pub use rref::{kernel_basis_mod_p, rank_mod_p, rref_mod_p, Rref};
pub use singular_values::singular_values;
pub(crate) use small_prime::F64Arith;

/// Runs `$body` with `$k` bound to the arithmetic kernel suited to `$field`.
macro_rules! with_arith {
    ($field:expr, $k:ident => $body:block) => {
        match $crate::linalg::small_prime::F64Arith::new($field) {
            Some($k) => $body,
            None => {
                let $k = $crate::linalg::large_prime::U64Arith::new($field);
                $body
            }
        }
    };
}
pub(crate) use with_arith;
