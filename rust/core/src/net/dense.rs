//! Fully connected layer `y = W x (+ b)`; parameters `W` row-major (`out x in`), then `b`.

use crate::ring::Ring;

/// A dense (fully connected) layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dense {
    pub input_dim: usize,
    pub output_dim: usize,
    pub bias: bool,
}

impl Dense {
    /// Number of weights (and biases).
    pub fn n_params(&self) -> usize {
        self.input_dim * self.output_dim + if self.bias { self.output_dim } else { 0 }
    }

    /// `out = W x + b`.
    pub fn forward<R: Ring>(&self, ring: &R, params: &[R::Elem], x: &[R::Elem], out: &mut Vec<R::Elem>) {
        let (w, b) = params.split_at(self.input_dim * self.output_dim);
        out.clear();
        for (i, row) in w.chunks_exact(self.input_dim).enumerate() {
            let mut y = ring.dot(row, x);
            if self.bias {
                y = ring.add(&y, &b[i]);
            }
            out.push(y);
        }
    }

    /// Pulls the cotangent `g = dL/dy` back: `dL/dW = g x^T`, `dL/db = g`, `dL/dx = W^T g`.
    pub fn backward<R: Ring>(
        &self,
        ring: &R,
        params: &[R::Elem],
        x: &[R::Elem],
        g: &[R::Elem],
        grad_in: Option<&mut Vec<R::Elem>>,
        grad_params: &mut [R::Elem],
    ) {
        let n_w = self.input_dim * self.output_dim;
        let (gw, gb) = grad_params.split_at_mut(n_w);
        for (i, row) in gw.chunks_exact_mut(self.input_dim).enumerate() {
            if ring.is_zero(&g[i]) {
                row.iter_mut().for_each(|e| *e = ring.zero());
            } else {
                for (e, xj) in row.iter_mut().zip(x) {
                    *e = ring.mul(&g[i], xj);
                }
            }
        }
        if self.bias {
            gb.clone_from_slice(g);
        }
        if let Some(gin) = grad_in {
            let w = &params[..n_w];
            gin.clear();
            for j in 0..self.input_dim {
                gin.push(ring.dot_strided(g, &w[j..], self.input_dim));
            }
        }
    }
}
