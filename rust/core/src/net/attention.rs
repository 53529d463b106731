//! Lightning (softmax-free) self-attention: `X -> sum_h V_h X (X^T Q_h^T K_h X)` (+ `X` when
//! residual), on a `d x t` input whose columns are the tokens.
//!
//! Parameters, per head: `Q` (`a x d`), `K` (`a x d`), `V` (`d' x d`), each row-major. The layer
//! is computed through its score matrix `S = (Q X)^T (K X)` (`t x t`), shared by all outputs, so a
//! forward pass costs `O(a d t + a t^2 + d' d t + d' t^2)` ring operations per head.

use crate::error::{CoreError, Result};
use crate::ring::Ring;

/// A lightning self-attention layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attention {
    /// Input width `d` (rows of `X`).
    pub input_width: usize,
    /// Output width `d'`.
    pub output_width: usize,
    /// Key dimension `a`.
    pub key_dim: usize,
    /// Number of tokens `t` (columns of `X`).
    pub tokens: usize,
    pub heads: usize,
    /// Adds `X` to the output (requires `d' = d`).
    pub residual: bool,
}

/// `C = op(A) op(B)` where `op(A)` is `m x k` and `op(B)` is `k x n`; `ta`/`tb` say that the
/// stored matrices are the transposes (`A` stored `k x m`, `B` stored `n x k`).
#[allow(clippy::too_many_arguments)]
fn matmul<R: Ring>(
    ring: &R,
    a: &[R::Elem],
    ta: bool,
    b: &[R::Elem],
    tb: bool,
    m: usize,
    k: usize,
    n: usize,
) -> Vec<R::Elem> {
    let mut out = Vec::with_capacity(m * n);
    let mut col = Vec::with_capacity(k);
    let mut row = Vec::with_capacity(k);
    for i in 0..m {
        row.clear();
        row.extend((0..k).map(|l| if ta { a[l * m + i].clone() } else { a[i * k + l].clone() }));
        for j in 0..n {
            col.clear();
            col.extend((0..k).map(|l| if tb { b[j * k + l].clone() } else { b[l * n + j].clone() }));
            out.push(ring.dot(&row, &col));
        }
    }
    out
}

/// Per-head intermediate products of the forward pass.
struct HeadProducts<E> {
    qx: Vec<E>,
    kx: Vec<E>,
    vx: Vec<E>,
    scores: Vec<E>,
}

impl Attention {
    /// Validates the shape.
    pub fn new(
        input_width: usize,
        output_width: usize,
        key_dim: usize,
        tokens: usize,
        heads: usize,
        residual: bool,
    ) -> Result<Self> {
        if input_width == 0 || output_width == 0 {
            return Err(CoreError::invalid("widths", "must be positive"));
        }
        if key_dim == 0 {
            return Err(CoreError::invalid("key_dims", "key dimensions must be positive, got 0"));
        }
        if tokens == 0 {
            return Err(CoreError::invalid("tokens", "must be positive, got 0"));
        }
        if heads == 0 {
            return Err(CoreError::invalid("heads", "must be positive, got 0"));
        }
        if residual && input_width != output_width {
            return Err(CoreError::invalid(
                "residual",
                format!("a residual layer needs equal widths, got {input_width} -> {output_width}"),
            ));
        }
        Ok(Attention { input_width, output_width, key_dim, tokens, heads, residual })
    }

    /// Parameters of one head.
    pub fn head_params(&self) -> usize {
        (2 * self.key_dim + self.output_width) * self.input_width
    }

    /// Parameters of the layer.
    pub fn n_params(&self) -> usize {
        self.heads * self.head_params()
    }

    /// `d t`.
    pub fn input_dim(&self) -> usize {
        self.input_width * self.tokens
    }

    /// `d' t`.
    pub fn output_dim(&self) -> usize {
        self.output_width * self.tokens
    }

    /// Splits one head's parameters into `(Q, K, V)`.
    pub fn split_head<'a, E>(&self, head: &'a [E]) -> (&'a [E], &'a [E], &'a [E]) {
        let qk = self.key_dim * self.input_width;
        let (q, rest) = head.split_at(qk);
        let (k, v) = rest.split_at(qk);
        (q, k, v)
    }

    fn head_products<R: Ring>(&self, ring: &R, head: &[R::Elem], x: &[R::Elem]) -> HeadProducts<R::Elem> {
        let (d, a, t, dout) = (self.input_width, self.key_dim, self.tokens, self.output_width);
        let (q, k, v) = self.split_head(head);
        let qx = matmul(ring, q, false, x, false, a, d, t);
        let kx = matmul(ring, k, false, x, false, a, d, t);
        let vx = matmul(ring, v, false, x, false, dout, d, t);
        let scores = matmul(ring, &qx, true, &kx, false, t, a, t);
        HeadProducts { qx, kx, vx, scores }
    }

    /// The layer's output, `d' x t` row-major.
    pub fn forward<R: Ring>(&self, ring: &R, params: &[R::Elem], x: &[R::Elem], out: &mut Vec<R::Elem>) {
        let (dout, t) = (self.output_width, self.tokens);
        out.clear();
        out.resize(self.output_dim(), ring.zero());
        for head in params.chunks_exact(self.head_params()) {
            let hp = self.head_products(ring, head, x);
            let y = matmul(ring, &hp.vx, false, &hp.scores, false, dout, t, t);
            for (o, yi) in out.iter_mut().zip(&y) {
                *o = ring.add(o, yi);
            }
        }
        if self.residual {
            for (o, xi) in out.iter_mut().zip(x) {
                *o = ring.add(o, xi);
            }
        }
    }

    /// Reverse mode through the score matrix (see the module docs for the products used).
    pub fn backward<R: Ring>(
        &self,
        ring: &R,
        params: &[R::Elem],
        x: &[R::Elem],
        g: &[R::Elem],
        mut grad_in: Option<&mut Vec<R::Elem>>,
        grad_params: &mut [R::Elem],
    ) {
        let (d, a, t, dout) = (self.input_width, self.key_dim, self.tokens, self.output_width);
        if let Some(gin) = grad_in.as_deref_mut() {
            gin.clear();
            if self.residual {
                gin.extend_from_slice(g);
            } else {
                gin.resize(self.input_dim(), ring.zero());
            }
        }
        let hp_len = self.head_params();
        for (head, ghead) in params.chunks_exact(hp_len).zip(grad_params.chunks_exact_mut(hp_len)) {
            let hp = self.head_products(ring, head, x);
            // out = VX S: dVX = G S^T, dS = VX^T G.
            let d_vx = matmul(ring, g, false, &hp.scores, true, dout, t, t);
            let d_s = matmul(ring, &hp.vx, true, g, false, t, dout, t);
            // S = QX^T KX: dQX = KX dS^T, dKX = QX dS.
            let d_qx = matmul(ring, &hp.kx, false, &d_s, true, a, t, t);
            let d_kx = matmul(ring, &hp.qx, false, &d_s, false, a, t, t);
            // QX = Q X etc.: dQ = dQX X^T.
            let d_q = matmul(ring, &d_qx, false, x, true, a, t, d);
            let d_k = matmul(ring, &d_kx, false, x, true, a, t, d);
            let d_v = matmul(ring, &d_vx, false, x, true, dout, t, d);
            let (gq, rest) = ghead.split_at_mut(a * d);
            let (gk, gv) = rest.split_at_mut(a * d);
            gq.clone_from_slice(&d_q);
            gk.clone_from_slice(&d_k);
            gv.clone_from_slice(&d_v);
            if let Some(gin) = grad_in.as_deref_mut() {
                let (q, k, v) = self.split_head(head);
                // dX = Q^T dQX + K^T dKX + V^T dVX.
                for (m, dm, rows) in [(q, &d_qx, a), (k, &d_kx, a), (v, &d_vx, dout)] {
                    let contrib = matmul(ring, m, true, dm, false, d, rows, t);
                    for (o, c) in gin.iter_mut().zip(&contrib) {
                        *o = ring.add(o, c);
                    }
                }
            }
        }
    }
}
