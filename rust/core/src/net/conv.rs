//! Valid (unpadded) strided convolution with channels, in one or two spatial dimensions.
//!
//! `out[o, i, j] = sum_{c, a, b} w[o, c, a, b] x[c, s_h i + a, s_w j + b] (+ bias[o])`.
//! A 1-D layer is the case `height = 1, k_h = 1`. Parameters: `w` row-major in
//! `(c_out, c_in, k_h, k_w)` order, then the `c_out` biases. Data is channel-major, row-major.
//! The convolution is computed directly from the filter: no Toeplitz matrix is ever formed.

use crate::error::{CoreError, Result};
use crate::ring::Ring;

/// A convolutional layer with fixed input size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Conv {
    pub in_channels: usize,
    pub out_channels: usize,
    /// Filter size `(k_h, k_w)`.
    pub kernel: (usize, usize),
    /// Strides `(s_h, s_w)`.
    pub stride: (usize, usize),
    /// Input spatial size `(height, width)`.
    pub input_size: (usize, usize),
    pub bias: bool,
}

impl Conv {
    /// Validates the geometry (filter no larger than the input, strides positive).
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel: (usize, usize),
        stride: (usize, usize),
        input_size: (usize, usize),
        bias: bool,
    ) -> Result<Self> {
        if in_channels == 0 || out_channels == 0 {
            return Err(CoreError::invalid("channels", "must be positive"));
        }
        if kernel.0 == 0 || kernel.1 == 0 {
            return Err(CoreError::invalid("filters", format!("filter sizes must be positive, got {kernel:?}")));
        }
        if stride.0 == 0 || stride.1 == 0 {
            return Err(CoreError::invalid("strides", format!("strides must be positive, got {stride:?}")));
        }
        if kernel.0 > input_size.0 || kernel.1 > input_size.1 {
            return Err(CoreError::invalid(
                "filters",
                format!("filter {kernel:?} is larger than its input {input_size:?}"),
            ));
        }
        Ok(Conv { in_channels, out_channels, kernel, stride, input_size, bias })
    }

    /// Output spatial size `((H - k_h) / s_h + 1, (W - k_w) / s_w + 1)`.
    pub fn output_size(&self) -> (usize, usize) {
        (
            (self.input_size.0 - self.kernel.0) / self.stride.0 + 1,
            (self.input_size.1 - self.kernel.1) / self.stride.1 + 1,
        )
    }

    /// Flattened input length.
    pub fn input_dim(&self) -> usize {
        self.in_channels * self.input_size.0 * self.input_size.1
    }

    /// Flattened output length.
    pub fn output_dim(&self) -> usize {
        let (oh, ow) = self.output_size();
        self.out_channels * oh * ow
    }

    fn n_weights(&self) -> usize {
        self.out_channels * self.in_channels * self.kernel.0 * self.kernel.1
    }

    /// Number of filter entries (and biases).
    pub fn n_params(&self) -> usize {
        self.n_weights() + if self.bias { self.out_channels } else { 0 }
    }

    /// Calls `f(out_index, weight_index, input_index)` for every product in the convolution.
    #[inline]
    fn for_each_product(&self, mut f: impl FnMut(usize, usize, usize)) {
        let (oh, ow) = self.output_size();
        let (kh, kw) = self.kernel;
        let (h, w) = self.input_size;
        for o in 0..self.out_channels {
            for i in 0..oh {
                for j in 0..ow {
                    let out = (o * oh + i) * ow + j;
                    for c in 0..self.in_channels {
                        for a in 0..kh {
                            let wrow = ((o * self.in_channels + c) * kh + a) * kw;
                            let xrow = (c * h + self.stride.0 * i + a) * w + self.stride.1 * j;
                            for b in 0..kw {
                                f(out, wrow + b, xrow + b);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The convolution of `x` with the filters.
    pub fn forward<R: Ring>(&self, ring: &R, params: &[R::Elem], x: &[R::Elem], out: &mut Vec<R::Elem>) {
        let (oh, ow) = self.output_size();
        out.clear();
        out.resize(self.output_dim(), ring.zero());
        self.for_each_product(|o, wi, xi| ring.mul_add_assign(&mut out[o], &params[wi], &x[xi]));
        if self.bias {
            let b = &params[self.n_weights()..];
            for (o, chunk) in out.chunks_exact_mut(oh * ow).enumerate() {
                for e in chunk {
                    *e = ring.add(e, &b[o]);
                }
            }
        }
    }

    /// Pulls the cotangent `g` back to the filters (a correlation of `g` with `x`), the biases
    /// (sums of `g` per channel) and the input (a transposed convolution).
    pub fn backward<R: Ring>(
        &self,
        ring: &R,
        params: &[R::Elem],
        x: &[R::Elem],
        g: &[R::Elem],
        grad_in: Option<&mut Vec<R::Elem>>,
        grad_params: &mut [R::Elem],
    ) {
        let nw = self.n_weights();
        let (oh, ow) = self.output_size();
        grad_params.iter_mut().for_each(|e| *e = ring.zero());
        {
            let gw = &mut grad_params[..nw];
            self.for_each_product(|o, wi, xi| {
                if !ring.is_zero(&g[o]) {
                    ring.mul_add_assign(&mut gw[wi], &g[o], &x[xi]);
                }
            });
        }
        if self.bias {
            let gb = &mut grad_params[nw..];
            for (o, chunk) in g.chunks_exact(oh * ow).enumerate() {
                for e in chunk {
                    gb[o] = ring.add(&gb[o], e);
                }
            }
        }
        if let Some(gin) = grad_in {
            gin.clear();
            gin.resize(self.input_dim(), ring.zero());
            self.for_each_product(|o, wi, xi| {
                if !ring.is_zero(&g[o]) {
                    ring.mul_add_assign(&mut gin[xi], &g[o], &params[wi]);
                }
            });
        }
    }
}
