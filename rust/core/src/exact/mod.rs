//! Exact linear algebra over Q for integer (and row-scaled rational) matrices: certified ranks
//! and verified rational kernel bases.
//!
//! # The certificate
//! For an `m x n` integer matrix `A` the rank over Q is bracketed by two proofs:
//!
//! - **lower bound**: `rank(A mod p) <= rank_Q(A)` for every prime `p` (a nonzero `r x r` minor
//!   modulo `p` is a nonzero integer). We take the maximum over several random primes.
//! - **upper bound**: `n - r` linearly independent vectors of `ker_Q(A)` prove `rank_Q(A) <= r`.
//!   Let `R, P` be the rows and columns of an `r x r` submatrix invertible modulo a small prime
//!   `p` (from the mod-p rank profile) and `F` the other columns. The standard kernel basis has,
//!   for each `f_j in F`, the vector `k_j` with `1` in column `f_j` and
//!   `x_j = -A_RP^{-1} A_{R f_j}` on `P`. Dixon's p-adic lifting (Dixon, "Exact solution of linear
//!   equations using p-adic expansions", Numer. Math. 1982) computes the p-adic expansion
//!   `x_j = sum_i x_{j,i} p^i` from one inverse modulo `p`, carrying an exact integer residual
//!   for **all** `m` rows; at every step the residual of the rows outside `R` must stay
//!   divisible by `p`. After `K` steps this proves `A k_j = 0 (mod p^K)` p-adically, so
//!   `d A k_j = A_P N_j + d A_{f_j} = 0 (mod p^K)` with `d = det A_RP`, `N_j = d x_j` (Cramer).
//!   Both are bounded by Hadamard's inequality, `|d|, |N_j| <= H`, so `|d A k_j| <= L H` with
//!   `L` the largest row 1-norm of `A`; choosing `p^K > 2 L H` forces `d A k_j = 0` exactly.
//!   (The same argument as a CRT check modulo primes whose product exceeds twice the bound,
//!   with the modulus `p^K` instead of a product of primes.)
//!
//! If the prime was unlucky (`rank_Q(A) > rank(A mod p)`), some residual stops being divisible
//! by `p` -- this is a proof that the rank exceeds `r` -- and we retry with a fresh prime. No
//! rational number is ever reconstructed for the rank: all the work is in f64 matrix products
//! on small integers (exact, see [`fmod`]), which is why it is fast.
//!
//! Kernels ([`kernel_qq`]) additionally reconstruct the rationals (one common denominator,
//! found by rational reconstruction of a random combination of the columns, then one
//! multiplication per entry) and check `A K^T = 0` by an independent exact integer product
//! ([`verify`]) before returning.

mod bounds;
mod dixon;
mod fmod;
mod intmat;
mod kernel;
mod profile;
mod qqmat;
mod rank;
pub(crate) mod reconstruct;
mod verify;

pub use intmat::IntMatrix;
pub use kernel::{kernel_qq, RationalKernel};
pub use qqmat::QQMatrix;
pub use rank::{rank_qq, ExactOptions, RankCertificate};
pub use reconstruct::{crt_pair, padic_to_bigint, rational_reconstruction};
pub use verify::product_is_zero;
