//! Networks as polynomial maps: a stack of layers, a parameter vector, and the generic forward
//! and backward passes that every ring (F_p, Q, f64, duals, polynomials) runs through.

pub mod activation;
pub mod attention;
pub mod conv;
pub mod degrees;
pub mod dense;
pub mod monomials;
pub mod symmetry;

pub use activation::{Activation, BoundActivation};
pub use attention::Attention;
pub use conv::Conv;
pub use dense::Dense;

use crate::error::{CoreError, Result};
use crate::ring::Ring;

/// One layer of a network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Layer {
    Dense(Dense),
    Activation(Activation),
    Conv(Conv),
    Attention(Attention),
}

impl Layer {
    /// Length of the layer's input vector.
    pub fn input_dim(&self) -> usize {
        match self {
            Layer::Dense(l) => l.input_dim,
            Layer::Activation(l) => l.dim,
            Layer::Conv(l) => l.input_dim(),
            Layer::Attention(l) => l.input_dim(),
        }
    }

    /// Length of the layer's output vector.
    pub fn output_dim(&self) -> usize {
        match self {
            Layer::Dense(l) => l.output_dim,
            Layer::Activation(l) => l.dim,
            Layer::Conv(l) => l.output_dim(),
            Layer::Attention(l) => l.output_dim(),
        }
    }

    /// `(input_dim, output_dim, n_params)` computed with overflow checks (`None` on overflow).
    fn checked_sizes(&self) -> Option<(usize, usize, usize)> {
        let mul = |xs: &[usize]| xs.iter().try_fold(1usize, |acc, &x| acc.checked_mul(x));
        match self {
            Layer::Dense(l) => {
                let w = mul(&[l.input_dim, l.output_dim])?;
                Some((l.input_dim, l.output_dim, w.checked_add(if l.bias { l.output_dim } else { 0 })?))
            }
            Layer::Activation(l) => Some((l.dim, l.dim, 0)),
            Layer::Conv(l) => {
                let (oh, ow) = l.output_size();
                let input = mul(&[l.in_channels, l.input_size.0, l.input_size.1])?;
                let output = mul(&[l.out_channels, oh, ow])?;
                let w = mul(&[l.out_channels, l.in_channels, l.kernel.0, l.kernel.1])?;
                Some((input, output, w.checked_add(if l.bias { l.out_channels } else { 0 })?))
            }
            Layer::Attention(l) => {
                let head = mul(&[l.key_dim.checked_mul(2)?.checked_add(l.output_width)?, l.input_width])?;
                Some((mul(&[l.input_width, l.tokens])?, mul(&[l.output_width, l.tokens])?, mul(&[head, l.heads])?))
            }
        }
    }

    /// Number of trainable parameters.
    pub fn n_params(&self) -> usize {
        match self {
            Layer::Dense(l) => l.n_params(),
            Layer::Activation(_) => 0,
            Layer::Conv(l) => l.n_params(),
            Layer::Attention(l) => l.n_params(),
        }
    }
}

/// A validated stack of layers whose dimensions chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Network {
    layers: Vec<Layer>,
    /// Start of each layer's parameters in the flat parameter vector.
    offsets: Vec<usize>,
    n_params: usize,
}

/// A network's activation constants mapped into one ring (done once per computation, so that
/// a prime dividing a denominator is reported before any work starts).
#[derive(Debug, Clone)]
pub struct BoundNetwork<'n, R: Ring> {
    pub net: &'n Network,
    pub ring: R,
    activations: Vec<Option<BoundActivation<R::Elem>>>,
}

impl Network {
    /// Checks that consecutive layers agree on dimensions and that there is at least one layer.
    pub fn new(layers: Vec<Layer>) -> Result<Self> {
        if layers.is_empty() {
            return Err(CoreError::invalid("layers", "a network needs at least one layer"));
        }
        // Sizes are products of user-given numbers: check them once, so that every later
        // unchecked product of the same factors is known not to wrap.
        for (i, l) in layers.iter().enumerate() {
            l.checked_sizes().ok_or_else(|| CoreError::Overflow(format!("the sizes of layer {i} exceed 2^64")))?;
        }
        for (i, pair) in layers.windows(2).enumerate() {
            let (out, inp) = (pair[0].output_dim(), pair[1].input_dim());
            if out != inp {
                return Err(CoreError::invalid(
                    "layers",
                    format!("layer {i} outputs {out} values but layer {} expects {inp}", i + 1),
                ));
            }
        }
        if layers[0].input_dim() == 0 {
            return Err(CoreError::invalid("layers", "the input dimension must be positive"));
        }
        let mut offsets = Vec::with_capacity(layers.len());
        let mut n_params = 0usize;
        for l in &layers {
            offsets.push(n_params);
            n_params =
                n_params.checked_add(l.n_params()).ok_or_else(|| CoreError::Overflow("parameter count".into()))?;
        }
        Ok(Network { layers, offsets, n_params })
    }

    /// The layers, input to output.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Number of parameters.
    pub fn n_params(&self) -> usize {
        self.n_params
    }

    /// Number of input variables.
    pub fn input_dim(&self) -> usize {
        self.layers[0].input_dim()
    }

    /// Number of outputs.
    pub fn output_dim(&self) -> usize {
        self.layers.last().map_or(0, Layer::output_dim)
    }

    /// The slice of `params` belonging to layer `i`.
    pub fn layer_params<'a, E>(&self, params: &'a [E], i: usize) -> &'a [E] {
        let start = self.offsets[i];
        &params[start..start + self.layers[i].n_params()]
    }

    /// Start of each layer's parameters.
    pub fn param_offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Checks a parameter vector's length.
    pub fn check_params_len(&self, len: usize) -> Result<()> {
        if len != self.n_params {
            return Err(CoreError::invalid("theta", format!("expected {} parameters, got {len}", self.n_params)));
        }
        Ok(())
    }

    /// Maps the activation constants into `ring`.
    pub fn bind<R: Ring>(&self, ring: R) -> Result<BoundNetwork<'_, R>> {
        let activations = self
            .layers
            .iter()
            .map(|l| match l {
                Layer::Activation(a) => a.bind(&ring).map(Some),
                _ => Ok(None),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(BoundNetwork { net: self, ring, activations })
    }
}

impl<R: Ring> BoundNetwork<'_, R> {
    /// All intermediate values: `trace[0] = x`, `trace[l + 1]` = output of layer `l`.
    pub fn forward_trace(&self, params: &[R::Elem], x: &[R::Elem]) -> Vec<Vec<R::Elem>> {
        debug_assert_eq!(params.len(), self.net.n_params);
        debug_assert_eq!(x.len(), self.net.input_dim());
        let mut trace = Vec::with_capacity(self.net.layers.len() + 1);
        trace.push(x.to_vec());
        for (i, layer) in self.net.layers.iter().enumerate() {
            let mut out = Vec::with_capacity(layer.output_dim());
            let input = &trace[i];
            let p = self.net.layer_params(params, i);
            let ring = &self.ring;
            match layer {
                Layer::Dense(l) => l.forward(ring, p, input, &mut out),
                Layer::Activation(l) => {
                    let b = self.activations[i].as_ref().expect("activation bound in bind()");
                    l.forward(ring, b, input, &mut out)
                }
                Layer::Conv(l) => l.forward(ring, p, input, &mut out),
                Layer::Attention(l) => l.forward(ring, p, input, &mut out),
            }
            trace.push(out);
        }
        trace
    }

    /// The network's output at input `x`.
    pub fn forward(&self, params: &[R::Elem], x: &[R::Elem]) -> Vec<R::Elem> {
        self.forward_trace(params, x).pop().unwrap_or_default()
    }

    /// Reverse mode: writes `d <seed, f(x)> / d theta` into `grad` (length `n_params`), given
    /// the trace of a forward pass at `x`.
    pub fn backward(&self, params: &[R::Elem], trace: &[Vec<R::Elem>], seed: &[R::Elem], grad: &mut [R::Elem]) {
        debug_assert_eq!(grad.len(), self.net.n_params);
        let ring = &self.ring;
        let mut g = seed.to_vec();
        let mut g_next = Vec::new();
        for (i, layer) in self.net.layers.iter().enumerate().rev() {
            let input = &trace[i];
            let p = self.net.layer_params(params, i);
            let start = self.net.offsets[i];
            let gp = &mut grad[start..start + layer.n_params()];
            // The first layer's input cotangent is never needed.
            let need_in = i > 0;
            let gin = if need_in { Some(&mut g_next) } else { None };
            match layer {
                Layer::Dense(l) => l.backward(ring, p, input, &g, gin, gp),
                Layer::Activation(l) => {
                    let b = self.activations[i].as_ref().expect("activation bound in bind()");
                    if let Some(gin) = gin {
                        l.backward(ring, b, input, &g, gin)
                    }
                }
                Layer::Conv(l) => l.backward(ring, p, input, &g, gin, gp),
                Layer::Attention(l) => l.backward(ring, p, input, &g, gin, gp),
            }
            if need_in {
                std::mem::swap(&mut g, &mut g_next);
            }
        }
    }
}
