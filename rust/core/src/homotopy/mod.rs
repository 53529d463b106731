//! Homotopy continuation for the critical points of the distance on a neurovariety
//! (`docs` in `../shared/critical-points.md` of the project notes, sections 2-3 and 6):
//!
//! * [`system`]: the square critical system `G(t; u) = (J_phi(A t) B)^T W (phi(A t) - u)` on a
//!   random affine slice `A t = theta_0 + B t` of parameter space, evaluated through the generic
//!   layers over `C` (values and Jacobians) and over duals over `C` (Hessian-vector products);
//! * [`data_metric`]: the metric of a critical system, diagonal weights or the dense metric of
//!   data samples (the learning degree), with enclosures of its entries;
//! * [`parameter_homotopy`]: the trait through which the tracker sees a square system with
//!   linearly moving parameters (the critical system here; linear sections and total-degree
//!   homotopies implement it too);
//! * [`linalg`]: the small dense complex kernels (LU solve and a kept LU factorisation,
//!   column-normalised rank test);
//! * [`tracker`]: a predictor-corrector path tracker (Hermite extrapolation of the Davidenko
//!   equation's solution through the last accepted points, RK4 for a segment's first step;
//!   Newton-chord corrector, step control from the predictor's error) for the parameter
//!   homotopy `u(s) = (1 - s) u_0 + s u_1`;
//! * [`monodromy`]: a start pair and loops through random complex data;
//! * [`interval`], [`certify`]: Krawczyk's test in outward-rounded complex interval arithmetic,
//!   through the same generic layers; [`balance`]: a well-conditioned chart to certify in;
//! * [`progress`]: a stage counter that a front end polls for progress bars;
//! * [`total_degree`]: every isolated critical point in a gauge of parameter space (spurious ones
//!   included) by a total-degree homotopy;
//! * [`driver`]: the ED degree with its evidence, and every critical point of a target.

pub mod balance;
pub mod certify;
pub mod data_metric;
pub mod driver;
pub mod embedding;
pub mod endgame;
pub mod fiber;
pub mod gauge;
pub mod interval;
pub mod linalg;
pub mod monodromy;
pub mod parameter_homotopy;
pub mod progress;
pub mod section;
pub mod system;
pub mod total_degree;
pub mod tracker;
pub mod witness;

pub use parameter_homotopy::ParameterHomotopy;
pub use tracker::{PathResult, PathStatus, TrackerOptions};
