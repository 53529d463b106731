//! The interface between the path tracker and the systems it tracks.
//!
//! A *parameter homotopy* is a square system `G(x; u) = 0`, `m` equations in `m` unknowns `x`,
//! whose parameters `u` move along a straight segment `u(s) = u_0 + s (u_1 - u_0)`. The tracker
//! ([`super::tracker`]) and the monodromy loops ([`super::monodromy`]) see a system only through
//! this trait, so one tracker serves every problem of the global engine: the critical system of
//! the distance ([`super::system::CriticalSystem`]; parameters = the data), a linear section of
//! the neurovariety (parameters = the section's constants), or a total-degree start system
//! blended with a target system (parameters = the blend weights, a linear family as well).
//!
//! Solutions are counted in an *image* space (for the neurovariety: the function
//! `phi(theta(x))`, never the parameter point), and kept only where a scale-invariant rank
//! measure of the system's parametrization is above the caller's tolerance.

use crate::error::Result;
use crate::ring::C64;

/// A square polynomial system with linearly moving parameters, over `C` in double precision.
pub trait ParameterHomotopy: Sync {
    /// The number of unknowns (= equations) `m`.
    fn unknowns(&self) -> usize;

    /// `G(x; u)` (length `m`) and `G_x` (`m x m`, row-major).
    fn value_and_jacobian(&self, x: &[C64], u: &[C64]) -> Result<(Vec<C64>, Vec<C64>)>;

    /// `G_x` (`m x m`, row-major) and the derivative `G_u du` of `G` along the parameter
    /// direction `du` (length `m`), at `(x, u)`.
    fn jacobian_and_parameter_derivative(&self, x: &[C64], u: &[C64], du: &[C64]) -> Result<(Vec<C64>, Vec<C64>)>;

    /// `G(x; u)` alone; systems with a cheaper residual override it.
    fn value(&self, x: &[C64], u: &[C64]) -> Result<Vec<C64>> {
        Ok(self.value_and_jacobian(x, u)?.0)
    }

    /// The image of the solution `x` in which distinct solutions are counted (the function),
    /// and the scale-invariant rank measure of the parametrization at `x` (for the
    /// neurovariety: the smallest column-normalised pivot of the sliced Jacobian `J B`).
    fn image(&self, x: &[C64]) -> Result<(Vec<C64>, f64)>;
}
