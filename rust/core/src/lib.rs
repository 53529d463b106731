//! # neurocore-core
//!
//! The pure-Rust engine of neurocore: polynomial neural networks (dense, convolutional and
//! lightning self-attention layers with polynomial activations) as polynomial maps from weights
//! to functions, evaluated exactly over Q, modulo primes, in f64 and over polynomial rings; their
//! Jacobians; and the dense linear algebra modulo p that turns Jacobians into certified ranks.
//!
//! No Python here: the bindings crate adapts this API, the Python package sits on top.

pub mod error;
pub mod exact;
pub mod linalg;
pub mod par;
pub mod ring;

pub use error::{CoreError, Result};
pub use par::{Interrupt, NoInterrupt, Par};
pub mod bounds;
pub mod closest;
pub mod cnn;
pub mod coefficient_tape;
pub mod coefficients;
pub mod dimension;
pub mod equations;
pub mod homotopy;
pub mod jacobian;
pub mod net;
pub mod rng;
pub mod roots;
pub mod scan;
pub mod strata;
pub mod training;
pub mod univariate;
