//! Why an MLP's Jacobian drops rank at a parameter point (Trager-Kohn-Bruna; Shahverdi-Marchetti-
//! Kohn): dead neurons (zero incoming weights and bias, or zero outgoing weights), neurons that
//! merge (proportional incoming rows with a monomial activation, since `(c w.x)^r = c^r (w.x)^r`
//! folds into the outgoing weights; equal rows otherwise), and the smaller architecture that
//! computes the same function. For linear MLPs, the ranks of the weight matrices and of their
//! product: the function has rank below `min(widths)` exactly when it is computed by the smaller
//! linear network `(d_0, rank, d_L)`, whose dimension is `rho (d_0 + d_L - rho)` (`+ d_L` with biases).

use super::scalar::{matmul, proportional, EvidenceScalar};
use crate::dimension::{dimension, DimensionOptions};
use crate::error::Result;
use crate::net::{Activation, Dense, Layer, Network};
use crate::par::{Interrupt, Par};
use num_traits::Zero;

/// A network of the form dense, activation, dense, ..., dense with one activation and one bias rule.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpShape {
    pub widths: Vec<usize>,
    /// `None` for a single dense layer.
    pub activation: Option<Activation>,
    pub bias: bool,
}

/// The MLP form of `net`, when it has one.
pub fn mlp_shape(net: &Network) -> Option<MlpShape> {
    let layers = net.layers();
    if layers.is_empty() || layers.len().is_multiple_of(2) {
        return None;
    }
    let mut widths = Vec::new();
    let mut activation: Option<Activation> = None;
    let mut bias = None;
    for (i, layer) in layers.iter().enumerate() {
        match (i % 2, layer) {
            (0, Layer::Dense(d)) => {
                if widths.is_empty() {
                    widths.push(d.input_dim);
                }
                widths.push(d.output_dim);
                if bias.is_some_and(|b| b != d.bias) {
                    return None;
                }
                bias = Some(d.bias);
            }
            (1, Layer::Activation(a)) => {
                if activation.as_ref().is_some_and(|b| b.coeffs != a.coeffs) {
                    return None;
                }
                activation = Some(a.clone());
            }
            _ => return None,
        }
    }
    Some(MlpShape { widths, activation, bias: bias.unwrap_or(false) })
}

/// Weight ranks of a linear MLP and the rank of the function (their product).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinearEvidence {
    pub weight_ranks: Vec<usize>,
    pub function_rank: usize,
    /// `min(widths)`: the generic rank of the product.
    pub max_function_rank: usize,
}

/// The smaller network computing the same function, and its dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmallerNetwork {
    /// `None` when a hidden layer loses every neuron (the function is constant: zero, or the
    /// last bias).
    pub widths: Option<Vec<usize>>,
    pub dim: usize,
}

/// The evidence of one MLP point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlpEvidence {
    pub widths: Vec<usize>,
    /// Linear MLPs only.
    pub linear: Option<LinearEvidence>,
    /// `(hidden layer, neuron)`, hidden layers counted from 1 (nonlinear MLPs).
    pub dead_neurons: Vec<(usize, usize)>,
    /// `(hidden layer, kept neuron, merged neuron)` (nonlinear MLPs).
    pub merged_neurons: Vec<(usize, usize, usize)>,
    pub smaller: Option<SmallerNetwork>,
}

impl MlpEvidence {
    /// The point lies in the image of a smaller architecture.
    pub fn subnetwork(&self) -> bool {
        self.smaller.is_some()
    }
}

fn is_linear(a: &Activation) -> bool {
    a.degree() == 1 && a.coeffs[0].is_zero()
}

fn mlp_network(widths: &[usize], activation: &Activation, bias: bool) -> Result<Network> {
    let mut layers = Vec::new();
    for (i, w) in widths.windows(2).enumerate() {
        if i > 0 {
            layers.push(Layer::Activation(Activation::new(w[0], activation.coeffs.clone())?));
        }
        layers.push(Layer::Dense(Dense { input_dim: w[0], output_dim: w[1], bias }));
    }
    Network::new(layers)
}

/// The evidence of `theta` for an MLP of shape `shape` (floats compare at `atol`).
pub fn mlp_evidence<S: EvidenceScalar>(
    net: &Network,
    shape: &MlpShape,
    theta: &[S],
    atol: f64,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<MlpEvidence> {
    let widths = shape.widths.clone();
    let mut ev = MlpEvidence {
        widths: widths.clone(),
        linear: None,
        dead_neurons: vec![],
        merged_neurons: vec![],
        smaller: None,
    };
    let Some(act) = &shape.activation else { return Ok(ev) };
    // Weight matrices (`out x in`, row-major) and biases, in layer order.
    let mut mats: Vec<&[S]> = Vec::new();
    let mut biases: Vec<Vec<S>> = Vec::new();
    for (i, layer) in net.layers().iter().enumerate() {
        if let Layer::Dense(d) = layer {
            let p = net.layer_params(theta, i);
            let w = d.input_dim * d.output_dim;
            mats.push(&p[..w]);
            biases.push(if d.bias { p[w..].to_vec() } else { vec![S::zero(); d.output_dim] });
        }
    }
    let l = widths.len() - 1;
    if is_linear(act) {
        let mut ranks = Vec::with_capacity(l);
        for (j, m) in mats.iter().enumerate() {
            ranks.push(S::rank(widths[j + 1], widths[j], m, atol, par, intr)?);
        }
        let mut prod = mats[0].to_vec();
        for (j, m) in mats.iter().enumerate().skip(1) {
            prod = matmul(m, &prod, widths[j + 1], widths[j], widths[0]);
        }
        let rho = *widths.iter().min().expect("an MLP has widths");
        let frank = S::rank(widths[l], widths[0], &prod, atol, par, intr)?;
        if frank < rho {
            let dim = frank * (widths[0] + widths[l] - frank) + if shape.bias { widths[l] } else { 0 };
            let smaller = (frank > 0).then(|| vec![widths[0], frank, widths[l]]);
            ev.smaller = Some(SmallerNetwork { widths: smaller, dim });
        }
        ev.linear = Some(LinearEvidence { weight_ranks: ranks, function_rank: frank, max_function_rank: rho });
        return Ok(ev);
    }
    let monomial = act.coeffs.iter().filter(|c| !c.is_zero()).count() == 1;
    let mut new_widths = widths.clone();
    for hidden in 0..l - 1 {
        let (width, fan_in) = (widths[hidden + 1], widths[hidden]);
        let rows: Vec<Vec<S>> = (0..width)
            .map(|i| {
                let mut r = mats[hidden][i * fan_in..(i + 1) * fan_in].to_vec();
                if shape.bias {
                    r.push(biases[hidden][i].clone());
                }
                r
            })
            .collect();
        let out = mats[hidden + 1];
        let mut alive = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let incoming_zero = row.iter().all(|v| v.is_negligible(atol));
            let outgoing_zero = (0..widths[hidden + 2]).all(|k| out[k * width + i].is_negligible(atol));
            if incoming_zero || outgoing_zero {
                ev.dead_neurons.push((hidden + 1, i));
            } else {
                alive.push(i);
            }
        }
        let mut kept: Vec<usize> = Vec::new();
        for &i in &alive {
            let merged_into = kept.iter().copied().find(|&j| {
                proportional(&rows[j], &rows[i], atol).is_some_and(|c| monomial || c.sub(&S::one()).is_negligible(atol))
            });
            match merged_into {
                Some(j) => ev.merged_neurons.push((hidden + 1, j, i)),
                None => kept.push(i),
            }
        }
        new_widths[hidden + 1] = kept.len();
    }
    if !ev.dead_neurons.is_empty() || !ev.merged_neurons.is_empty() {
        ev.smaller = Some(if new_widths[1..l].contains(&0) {
            SmallerNetwork { widths: None, dim: if shape.bias { widths[l] } else { 0 } }
        } else {
            let smaller = mlp_network(&new_widths, act, shape.bias)?;
            let opts = DimensionOptions { par, ..DimensionOptions::default() };
            SmallerNetwork { dim: dimension(&smaller, &opts, intr)?.dim, widths: Some(new_widths) }
        });
    }
    Ok(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::NoInterrupt;
    use num_rational::BigRational;

    fn mlp(widths: &[usize], degree: u32) -> Network {
        mlp_network(widths, &Activation::monomial(1, degree).unwrap(), false).unwrap()
    }

    fn ints(v: &[i64]) -> Vec<BigRational> {
        v.iter().map(|&x| BigRational::from_integer(x.into())).collect()
    }

    #[test]
    fn merged_and_dead_neurons_of_a_quadratic_mlp() {
        // (3, 2, 1) with t^2: rows (1,2,3) and (2,4,6) are proportional, so the function is
        // (1 + 2 * 4) ((1,2,3).x)^2, computed by (3, 1, 1), whose variety (the squares of
        // linear forms, times scalars: the affine cone over the Veronese surface) has dimension 3.
        let net = mlp(&[3, 2, 1], 2);
        let shape = mlp_shape(&net).unwrap();
        let ev = mlp_evidence(&net, &shape, &ints(&[1, 2, 3, 2, 4, 6, 1, 2]), 0.0, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(ev.merged_neurons, vec![(1, 0, 1)]);
        assert_eq!(ev.smaller, Some(SmallerNetwork { widths: Some(vec![3, 1, 1]), dim: 3 }));
        // Neuron 2 has output weight 0: dead.
        let ev = mlp_evidence(&net, &shape, &ints(&[1, 2, 3, 4, 5, 7, 1, 0]), 0.0, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(ev.dead_neurons, vec![(1, 1)]);
        // The same points as floats, with a 1e-13 perturbation below the tolerance.
        let f = [1.0, 2.0, 3.0, 2.0, 4.0, 6.0 + 1e-13, 1.0, 2.0];
        let ev = mlp_evidence(&net, &shape, &f, 1e-9, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(ev.merged_neurons, vec![(1, 0, 1)]);
        let ev = mlp_evidence(&net, &shape, &f, 1e-15, Par::Seq, &NoInterrupt).unwrap();
        assert!(ev.merged_neurons.is_empty() && ev.smaller.is_none());
    }

    #[test]
    fn non_monomial_activations_merge_only_equal_rows() {
        let act = Activation::new(1, ints(&[0, 1, 1])).unwrap();
        let net = mlp_network(&[3, 2, 1], &act, false).unwrap();
        let shape = mlp_shape(&net).unwrap();
        let ev = mlp_evidence(&net, &shape, &ints(&[1, 2, 3, 2, 4, 6, 1, 2]), 0.0, Par::Seq, &NoInterrupt).unwrap();
        assert!(ev.merged_neurons.is_empty());
        let ev = mlp_evidence(&net, &shape, &ints(&[1, 2, 3, 1, 2, 3, 1, 2]), 0.0, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(ev.merged_neurons, vec![(1, 0, 1)]);
    }

    #[test]
    fn linear_mlp_function_rank() {
        // W1 = [[1,2,3],[2,4,6]] has rank 1, so W2 W1 has rank 1 < 2: the network (3, 1, 3),
        // of dimension 1 * (3 + 3 - 1) = 5.
        let net = mlp(&[3, 2, 3], 1);
        let shape = mlp_shape(&net).unwrap();
        let theta = ints(&[1, 2, 3, 2, 4, 6, 1, 2, 3, 4, 5, 7]);
        let ev = mlp_evidence(&net, &shape, &theta, 0.0, Par::Seq, &NoInterrupt).unwrap();
        let lin = ev.linear.unwrap();
        assert_eq!((lin.weight_ranks, lin.function_rank, lin.max_function_rank), (vec![1, 2], 1, 2));
        assert_eq!(ev.smaller, Some(SmallerNetwork { widths: Some(vec![3, 1, 3]), dim: 5 }));
    }

    #[test]
    fn shapes() {
        assert!(mlp_shape(&mlp(&[2, 3, 1], 2)).is_some());
        let two_dense = Network::new(vec![
            Layer::Dense(Dense { input_dim: 2, output_dim: 2, bias: false }),
            Layer::Dense(Dense { input_dim: 2, output_dim: 1, bias: false }),
        ])
        .unwrap();
        assert!(mlp_shape(&two_dense).is_none());
    }
}
