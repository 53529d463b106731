//! Metrics of design.md 2.4 and the objective they define.
//!
//! On coefficient space a metric is a positive weight per monomial coefficient, and the squared
//! distance from `phi(theta)` to the target `u` is `sum_i w_i (phi_i - u_i)^2`, the squared norm
//! of the residual `r = sqrt(w) (phi(theta) - u)`. The data-induced metric of samples `(X, Y)`
//! is the squared loss `sum_j ||f(x_j; theta) - y_j||^2`, with residual `r = f(X; theta) - Y`:
//! written in the coefficients it is the quadratic form `||E phi - Y||^2` (`E` the monomial
//! evaluation matrix of the samples), so it is a (possibly degenerate) metric on coefficient
//! space shifted by a constant, and the solver never needs `E`.

use crate::error::{CoreError, Result};
use crate::net::degrees::binomial;
use crate::net::monomials::network_monomials;
use crate::net::Network;
use num_traits::ToPrimitive;

/// A metric on coefficient space.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// Unit weight per monomial coefficient.
    Euclidean,
    /// The Bombieri-Weyl weight `1 / multinomial(D; alpha)` of the monomial `x^alpha` of degree
    /// `D = |alpha|`: the weight under which the metric is invariant under orthogonal changes of
    /// the input variables (each homogeneous part is weighted separately).
    Bombieri,
    /// An explicit positive weight per coefficient (length `ambient_dim`).
    Weights(Vec<f64>),
}

/// What the search fits.
#[derive(Debug, Clone, PartialEq)]
pub enum Objective {
    /// A target coefficient vector (length `ambient_dim`) under a coefficient metric.
    Coefficients { target: Vec<f64>, metric: Metric },
    /// Samples: `points` is `n x input_dim`, `values` is `n x output_dim`, both row-major.
    Data { points: Vec<f64>, values: Vec<f64> },
}

/// `1 / multinomial(|alpha|; alpha)` for every coordinate of coefficient space (outputs
/// concatenated, design.md 2.4 order).
pub fn bombieri_weights(net: &Network) -> Result<Vec<f64>> {
    let basis = network_monomials(net)?;
    let one_output: Vec<f64> = basis
        .iter()
        .map(|alpha| {
            // multinomial(D; a_1, ..., a_n) = prod_i C(a_1 + ... + a_i, a_i).
            let mut partial = 0u128;
            let mut m = 1.0f64;
            for &a in alpha {
                partial += a as u128;
                m *= binomial(partial, a as u128).to_f64().unwrap_or(f64::INFINITY);
            }
            1.0 / m
        })
        .collect();
    Ok(one_output.iter().copied().cycle().take(one_output.len() * net.output_dim()).collect())
}

/// The weights of a coefficient metric, validated (length `ambient_dim`, every weight positive
/// and finite).
pub fn metric_weights(net: &Network, metric: &Metric, ambient: usize) -> Result<Vec<f64>> {
    let w = match metric {
        Metric::Euclidean => vec![1.0; ambient],
        Metric::Bombieri => bombieri_weights(net)?,
        Metric::Weights(w) => w.clone(),
    };
    if w.len() != ambient {
        return Err(CoreError::invalid(
            "metric",
            format!("a weight vector needs {ambient} entries (the ambient dimension), got {}", w.len()),
        ));
    }
    if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(CoreError::invalid(
            "metric",
            format!("weights must be positive and finite, entry {i} is {}", w[i]),
        ));
    }
    Ok(w)
}

/// Fails with a message naming `arg` when an entry is NaN or infinite.
pub fn check_finite(arg: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(CoreError::invalid(arg, format!("entry {i} is {} (must be finite)", values[i]))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer};

    #[test]
    fn bombieri_weights_of_binary_quadratics() {
        // f = w2 (a x0 + b x1)^2: basis x0^2, x0 x1, x1^2; weights 1, 1/2, 1.
        let net = Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 1, bias: false }),
            Layer::Activation(Activation::monomial(1, 2).unwrap()),
            Layer::Dense(Dense { input_dim: 1, output_dim: 2, bias: false }),
        ])
        .unwrap();
        assert_eq!(bombieri_weights(&net).unwrap(), vec![1.0, 0.5, 1.0, 1.0, 0.5, 1.0]);
        assert!(metric_weights(&net, &Metric::Weights(vec![1.0; 5]), 6).is_err());
        assert!(metric_weights(&net, &Metric::Weights(vec![1.0, 1.0, 0.0, 1.0, 1.0, 1.0]), 6).is_err());
        assert!(metric_weights(&net, &Metric::Weights(vec![-1.0; 6]), 6).is_err());
        assert_eq!(metric_weights(&net, &Metric::Euclidean, 6).unwrap(), vec![1.0; 6]);
    }
}
