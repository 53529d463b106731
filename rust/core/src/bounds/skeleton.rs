//! An MLP as the upper bounds see it: widths, a bias flag per dense layer and the activation
//! after each hidden layer. The bounds of `composition` cut an MLP into pieces and replace a
//! weight matrix by a product through a narrower interface; those pieces are again skeletons.

use crate::error::Result;
use crate::net::degrees::DegreeSet;
use crate::net::{Activation, Dense, Layer, Network};
use num_bigint::BigUint;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};
use std::fmt;

/// Widths `a_0..a_m`, `bias[j - 1]` for dense layer `j` (`a_{j-1} -> a_j`), and `acts[i - 1]`:
/// the coefficients (low to high) of the activation after hidden layer `i`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Skeleton {
    pub widths: Vec<usize>,
    pub bias: Vec<bool>,
    pub acts: Vec<Vec<BigRational>>,
}

impl Skeleton {
    /// The skeleton of a network made of dense layers, each pair separated by at most one
    /// activation (two dense layers in a row compose linearly: the activation `t`).
    /// `None` for anything else (convolutional and attention layers, two activations in a row).
    pub fn of(net: &Network) -> Option<Skeleton> {
        let mut sk = Skeleton { widths: Vec::new(), bias: Vec::new(), acts: Vec::new() };
        let mut pending: Option<Vec<BigRational>> = None;
        for layer in net.layers() {
            match layer {
                Layer::Dense(d) => {
                    if sk.widths.is_empty() {
                        sk.widths.push(d.input_dim);
                    } else {
                        let identity = vec![BigRational::zero(), BigRational::one()];
                        sk.acts.push(pending.take().unwrap_or(identity));
                    }
                    sk.widths.push(d.output_dim);
                    sk.bias.push(d.bias);
                }
                Layer::Activation(a) if pending.is_none() && !sk.widths.is_empty() => pending = Some(a.coeffs.clone()),
                _ => return None,
            }
        }
        (pending.is_none() && !sk.bias.is_empty()).then_some(sk)
    }

    /// Number of dense layers `m`.
    pub fn layers(&self) -> usize {
        self.bias.len()
    }

    /// `a_j`.
    pub fn width(&self, j: usize) -> usize {
        self.widths[j]
    }

    /// The monomial degree `r` of the activation after hidden layer `i` when it is `c t^r`.
    pub fn monomial_degree(&self, i: usize) -> Option<u32> {
        let c = &self.acts[i - 1];
        let nonzero: Vec<usize> = (0..c.len()).filter(|&k| !c[k].is_zero()).collect();
        match nonzero[..] {
            [r] => Some(r as u32),
            _ => None,
        }
    }

    /// The degrees `k` with a nonzero coefficient in the activation after hidden layer `i`.
    pub fn support(&self, i: usize) -> Vec<u64> {
        let c = &self.acts[i - 1];
        (0..c.len()).filter(|&k| !c[k].is_zero()).map(|k| k as u64).collect()
    }

    /// Number of parameters (saturating; sizes were checked when the network was built).
    pub fn n_params(&self) -> usize {
        (1..=self.layers())
            .map(|j| {
                let w = self.widths[j - 1].saturating_mul(self.widths[j]);
                w.saturating_add(if self.bias[j - 1] { self.widths[j] } else { 0 })
            })
            .fold(0, usize::saturating_add)
    }

    /// The widths of the hidden layers followed by a monomial activation: the dimension of the
    /// rescaling torus, which acts with trivial generic stabiliser (docs/certificates.md, B0).
    pub fn torus_dim(&self) -> usize {
        (1..self.layers()).filter(|&i| self.monomial_degree(i).is_some()).map(|i| self.widths[i]).sum()
    }

    /// The pieces of the composition at hidden layer `k`: `(a_0..a_k)` and `(a_k..a_m)`.
    pub fn split_at(&self, k: usize) -> (Skeleton, Skeleton) {
        let left = Skeleton {
            widths: self.widths[..=k].to_vec(),
            bias: self.bias[..k].to_vec(),
            acts: self.acts[..k - 1].to_vec(),
        };
        let right = Skeleton {
            widths: self.widths[k..].to_vec(),
            bias: self.bias[k..].to_vec(),
            acts: self.acts[k..].to_vec(),
        };
        (left, right)
    }

    /// The pieces of dense layer `j` factored through `s` dimensions, `W_j = A C`:
    /// `(a_0, .., a_{j-1}, s)` ending with `C` (no bias) and `(s, a_j, .., a_m)` starting with `A`
    /// (with layer `j`'s bias).
    pub fn factor_layer(&self, j: usize, s: usize) -> (Skeleton, Skeleton) {
        let mut lw = self.widths[..j].to_vec();
        lw.push(s);
        let mut lb = self.bias[..j - 1].to_vec();
        lb.push(false);
        let left = Skeleton { widths: lw, bias: lb, acts: self.acts[..j - 1].to_vec() };
        let mut rw = vec![s];
        rw.extend_from_slice(&self.widths[j..]);
        let right = Skeleton { widths: rw, bias: self.bias[j - 1..].to_vec(), acts: self.acts[j - 1..].to_vec() };
        (left, right)
    }

    /// The degrees in the inputs that the outputs can have (as for networks, design.md 2.4).
    pub fn output_degrees(&self) -> Result<DegreeSet> {
        let mut x = DegreeSet::single(1);
        for j in 1..=self.layers() {
            if self.bias[j - 1] {
                x = x.union(&DegreeSet::single(0));
            }
            if j < self.layers() {
                x = apply_activation(&x, &self.support(j))?;
            }
        }
        Ok(x)
    }

    /// The ambient dimension: `a_m` times the number of monomials of the occurring degrees
    /// (saturating at `usize::MAX`).
    pub fn ambient(&self) -> Result<usize> {
        let count = self.output_degrees()?.monomial_count(self.widths[0]) * BigUint::from(self.widths[self.layers()]);
        Ok(count.to_usize().unwrap_or(usize::MAX))
    }

    /// The network of this skeleton; with `activate_output` the last hidden activation is
    /// applied to the output too (the network whose outputs are `s(h_m)`).
    pub fn network(&self, activate_output: Option<&[BigRational]>) -> Result<Network> {
        let mut layers = Vec::new();
        for j in 1..=self.layers() {
            if j > 1 {
                layers.push(Layer::Activation(Activation::new(self.widths[j - 1], self.acts[j - 2].clone())?));
            }
            let dense = Dense { input_dim: self.widths[j - 1], output_dim: self.widths[j], bias: self.bias[j - 1] };
            layers.push(Layer::Dense(dense));
        }
        if let Some(c) = activate_output {
            layers.push(Layer::Activation(Activation::new(self.widths[self.layers()], c.to_vec())?));
        }
        Network::new(layers)
    }
}

/// `{ k d : k in support, d in x }` summed: the degrees of `s(h)` when `h` has degrees `x`.
pub fn apply_activation(x: &DegreeSet, support: &[u64]) -> Result<DegreeSet> {
    let mut out: Option<DegreeSet> = None;
    for &k in support {
        let part = x.multiple(k)?;
        out = Some(match out {
            Some(o) => o.union(&part),
            None => part,
        });
    }
    Ok(out.unwrap_or_else(|| DegreeSet::single(0)))
}

impl fmt::Display for Skeleton {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.widths)?;
        if self.bias.iter().any(|&b| b) {
            let flags: String = self.bias.iter().map(|&b| if b { 'b' } else { '-' }).collect();
            write!(f, "(bias {flags})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mlp(widths: &[usize], r: u32, bias: bool) -> Network {
        let mut layers = Vec::new();
        for i in 0..widths.len() - 1 {
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(widths[i], r).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: widths[i], output_dim: widths[i + 1], bias }));
        }
        Network::new(layers).unwrap()
    }

    #[test]
    fn skeleton_round_trips_and_pieces_chain() {
        let net = mlp(&[3, 4, 5, 2], 2, true);
        let sk = Skeleton::of(&net).unwrap();
        assert_eq!(sk.network(None).unwrap(), net);
        assert_eq!(sk.n_params(), net.n_params());
        assert_eq!(sk.torus_dim(), 9);
        let (l, r) = sk.split_at(2);
        assert_eq!((l.widths, r.widths), (vec![3, 4, 5], vec![5, 2]));
        let (l, r) = sk.factor_layer(2, 3);
        assert_eq!((l.widths.clone(), l.bias.clone()), (vec![3, 4, 3], vec![true, false]));
        assert_eq!((r.widths.clone(), r.bias.clone(), r.acts.len()), (vec![3, 5, 2], vec![true, true], 1));
        // Degrees 0..4 in 3 variables: 35 monomials, times 2 outputs.
        assert_eq!(sk.ambient().unwrap(), 70);
    }

    #[test]
    fn non_mlps_have_no_skeleton() {
        let act = Layer::Activation(Activation::monomial(2, 2).unwrap());
        let d = Layer::Dense(Dense { input_dim: 2, output_dim: 2, bias: false });
        assert!(Skeleton::of(&Network::new(vec![d.clone(), act.clone(), act.clone(), d.clone()]).unwrap()).is_none());
        assert!(Skeleton::of(&Network::new(vec![d.clone(), act]).unwrap()).is_none());
        // Two dense layers in a row: the identity activation between them.
        let sk = Skeleton::of(&Network::new(vec![d.clone(), d]).unwrap()).unwrap();
        assert_eq!(sk.monomial_degree(1), Some(1));
    }
}
