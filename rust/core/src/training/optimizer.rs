//! The three first-order optimizers, each one update `theta <- theta - lr * step(g)` with its
//! state, in the conventions of PyTorch's `SGD`, `SGD(momentum)` and `Adam` (so a numpy or
//! torch loop reproduces them step for step).

use crate::error::{CoreError, Result};

/// Which update rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// `theta <- theta - lr g`.
    Gd,
    /// Heavy ball: `v <- beta v + g`, `theta <- theta - lr v` (`v_0 = 0`).
    Momentum { beta: f64 },
    /// `m <- b1 m + (1 - b1) g`, `v <- b2 v + (1 - b2) g^2`,
    /// `theta <- theta - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`, `t = 1, 2, ...`.
    Adam { beta1: f64, beta2: f64, eps: f64 },
}

impl Optimizer {
    /// Parses "gd" | "momentum" | "adam" with the usual constants (0.9; 0.9, 0.999, 1e-8).
    pub fn parse(name: &str) -> Result<Optimizer> {
        match name {
            "gd" => Ok(Optimizer::Gd),
            "momentum" => Ok(Optimizer::Momentum { beta: 0.9 }),
            "adam" => Ok(Optimizer::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8 }),
            other => {
                Err(CoreError::invalid("optimizer", format!("expected 'gd', 'momentum' or 'adam', got {other:?}")))
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Gd => "gd",
            Optimizer::Momentum { .. } => "momentum",
            Optimizer::Adam { .. } => "adam",
        }
    }
}

/// The optimizer's buffers for one run (allocated once, reused at every step).
pub struct OptState {
    opt: Optimizer,
    first: Vec<f64>,
    second: Vec<f64>,
    t: i32,
}

impl OptState {
    pub fn new(opt: Optimizer, n: usize) -> OptState {
        let second = if matches!(opt, Optimizer::Adam { .. }) { vec![0.0; n] } else { vec![] };
        let first = if matches!(opt, Optimizer::Gd) { vec![] } else { vec![0.0; n] };
        OptState { opt, first, second, t: 0 }
    }

    /// One update of `theta` by the gradient `g`.
    pub fn step(&mut self, theta: &mut [f64], g: &[f64], lr: f64) {
        self.t = self.t.saturating_add(1);
        match self.opt {
            Optimizer::Gd => theta.iter_mut().zip(g).for_each(|(x, gi)| *x -= lr * gi),
            Optimizer::Momentum { beta } => {
                for ((x, v), gi) in theta.iter_mut().zip(&mut self.first).zip(g) {
                    *v = beta * *v + gi;
                    *x -= lr * *v;
                }
            }
            Optimizer::Adam { beta1, beta2, eps } => {
                let c1 = 1.0 - beta1.powi(self.t);
                let c2 = 1.0 - beta2.powi(self.t);
                for (((x, m), v), gi) in theta.iter_mut().zip(&mut self.first).zip(&mut self.second).zip(g) {
                    *m = beta1 * *m + (1.0 - beta1) * gi;
                    *v = beta2 * *v + (1.0 - beta2) * gi * gi;
                    *x -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_first_step_moves_every_coordinate_by_lr() {
        // Bias correction makes the first Adam step lr * g / (|g| + eps), about lr * sign(g).
        let mut s = OptState::new(Optimizer::parse("adam").unwrap(), 2);
        let mut x = vec![1.0, 1.0];
        s.step(&mut x, &[3.0, -0.5], 0.1);
        let want = |g: f64| 1.0 - 0.1 * g / (g.abs() + 1e-8);
        assert!((x[0] - want(3.0)).abs() < 1e-12 && (x[1] - want(-0.5)).abs() < 1e-12);
        // Momentum: second step moves by lr (beta g1 + g2).
        let mut s = OptState::new(Optimizer::parse("momentum").unwrap(), 1);
        let mut x = vec![0.0];
        s.step(&mut x, &[1.0], 1.0);
        s.step(&mut x, &[1.0], 1.0);
        assert_eq!(x[0], -(1.0 + 1.9));
        assert!(Optimizer::parse("sgd").is_err());
    }
}
