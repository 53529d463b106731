//! The known continuous symmetries of a network (design.md 2.1-2.3) as tangent vectors.
//!
//! A symmetry is a group acting on parameters that leaves the network's function unchanged, so
//! its orbits lie in the fibers of the parametrisation and every tangent vector of an orbit lies
//! in the kernel of the Jacobian. Hence, at any point `theta`,
//! `rank J(theta) <= n_params - dim span{generators at theta}`, and the generic rank is at most
//! `n_params - (generic orbit dimension)`. Generators are listed explicitly (rather than only
//! counted by formula) because counts of overlapping groups can overestimate the orbit: the rank
//! of the tangent vectors is what bounds the Jacobian's rank.
//!
//! Generators (derivatives at the identity of one-parameter subgroups):
//! - a monomial activation `c t^r` between two dense or two convolutional layers: rescale unit
//!   `i` of the first layer by `lambda` and its outgoing weights by `lambda^-r`;
//! - a linear boundary (no activation, or `c t`) between dense or non-residual attention layers:
//!   `GL(d)` acting on the `d`-dimensional interface;
//! - in every attention head, `GL(a)` on `(Q, K) -> (A Q, A^-T K)` and `(Q, V) -> (lambda Q, V / lambda)`.

use super::{Attention, Layer, Network};
use crate::ring::Ring;

/// How the parameters of one layer respond to a change of basis on its output or input side.
fn param_layers(net: &Network) -> Vec<usize> {
    (0..net.layers().len()).filter(|&i| net.layers()[i].n_params() > 0).collect()
}

/// The activation between parameter layers `a < b`, if that is the only layer between them.
/// `Ok(None)` means direct composition; `Err(())` means something else sits in between.
fn boundary_activation(net: &Network, a: usize, b: usize) -> Result<Option<&super::Activation>, ()> {
    match b - a {
        1 => Ok(None),
        2 => match &net.layers()[a + 1] {
            Layer::Activation(act) => Ok(Some(act)),
            _ => Err(()),
        },
        _ => Err(()),
    }
}

/// True when the network is a linear MLP: dense layers separated by activations `c t`
/// with either no biases or biases everywhere.
pub fn linear_mlp_widths(net: &Network) -> Option<(Vec<usize>, bool)> {
    let mut widths = Vec::new();
    let mut biases = Vec::new();
    for (i, layer) in net.layers().iter().enumerate() {
        match layer {
            Layer::Dense(d) if i % 2 == 0 => {
                if widths.is_empty() {
                    widths.push(d.input_dim);
                }
                widths.push(d.output_dim);
                biases.push(d.bias);
            }
            Layer::Activation(a) if i % 2 == 1 && a.monomial_degree() == Some(1) => {}
            _ => return None,
        }
    }
    if net.layers().len() % 2 == 0 {
        return None;
    }
    let all = biases.iter().all(|&b| b);
    let none = biases.iter().all(|&b| !b);
    (all || none).then_some((widths, all))
}

/// The exact dimension of a linear MLP's neurovariety: matrices of rank `<= rho = min(d_i)`,
/// `rho (d_0 + d_L - rho)`, plus `d_L` for the free bias of an affine network.
pub fn linear_mlp_dim(net: &Network) -> Option<usize> {
    let (widths, bias) = linear_mlp_widths(net)?;
    let rho = *widths.iter().min()?;
    let (d0, dl) = (widths[0], *widths.last()?);
    Some(rho * (d0 + dl - rho) + if bias { dl } else { 0 })
}

fn zeros<R: Ring>(ring: &R, n: usize) -> Vec<R::Elem> {
    vec![ring.zero(); n]
}

/// Tangent vectors of the known symmetry group at `theta` (length `n_params` each).
pub fn symmetry_generators<R: Ring>(net: &Network, ring: &R, theta: &[R::Elem]) -> Vec<Vec<R::Elem>> {
    let n = net.n_params();
    let offs = net.param_offsets();
    let mut gens: Vec<Vec<R::Elem>> = Vec::new();
    let pl = param_layers(net);

    // Per-head attention symmetries.
    for &li in &pl {
        if let Layer::Attention(att) = &net.layers()[li] {
            attention_head_generators(att, ring, theta, offs[li], n, &mut gens);
        }
    }

    // Boundaries between consecutive parameter layers.
    for w in pl.windows(2) {
        let (a, b) = (w[0], w[1]);
        let Ok(act) = boundary_activation(net, a, b) else { continue };
        let degree = match act {
            None => Some(1),
            Some(act) => act.monomial_degree(),
        };
        let Some(r) = degree else { continue };
        let (la, lb) = (&net.layers()[a], &net.layers()[b]);
        let (oa, ob) = (offs[a], offs[b]);
        match (la, lb) {
            (Layer::Dense(_) | Layer::Attention(_), Layer::Dense(_) | Layer::Attention(_))
                if r == 1 && linear_side_ok(la) && linear_side_ok(lb) =>
            {
                let d = la.output_dim_per_token();
                for i in 0..d {
                    for j in 0..d {
                        let mut g = zeros(ring, n);
                        left_action::<R>(la, theta, oa, i, j, &mut g);
                        right_action(lb, ring, theta, ob, i, j, &mut g);
                        gens.push(g);
                    }
                }
            }
            (Layer::Dense(da), Layer::Dense(db)) => {
                for i in 0..da.output_dim {
                    let mut g = zeros(ring, n);
                    for j in 0..da.input_dim {
                        g[oa + i * da.input_dim + j] = theta[oa + i * da.input_dim + j].clone();
                    }
                    if da.bias {
                        let bi = oa + da.input_dim * da.output_dim + i;
                        g[bi] = theta[bi].clone();
                    }
                    let mr = ring.neg(&ring.from_i64(r as i64));
                    for k in 0..db.output_dim {
                        let idx = ob + k * db.input_dim + i;
                        g[idx] = ring.mul(&mr, &theta[idx]);
                    }
                    gens.push(g);
                }
            }
            (Layer::Conv(ca), Layer::Conv(cb)) => {
                let fa = ca.in_channels * ca.kernel.0 * ca.kernel.1;
                let fb = cb.kernel.0 * cb.kernel.1;
                let nwa = ca.out_channels * fa;
                for o in 0..ca.out_channels {
                    let mut g = zeros(ring, n);
                    for e in 0..fa {
                        g[oa + o * fa + e] = theta[oa + o * fa + e].clone();
                    }
                    if ca.bias {
                        g[oa + nwa + o] = theta[oa + nwa + o].clone();
                    }
                    let mr = ring.neg(&ring.from_i64(r as i64));
                    for k in 0..cb.out_channels {
                        for e in 0..fb {
                            let idx = ob + (k * cb.in_channels + o) * fb + e;
                            g[idx] = ring.mul(&mr, &theta[idx]);
                        }
                    }
                    gens.push(g);
                }
            }
            _ => {}
        }
    }
    gens
}

impl Layer {
    /// Width of the interface a linear change of basis acts on (per token for attention).
    fn output_dim_per_token(&self) -> usize {
        match self {
            Layer::Attention(a) => a.output_width,
            other => other.output_dim(),
        }
    }
}

fn linear_side_ok(l: &Layer) -> bool {
    match l {
        Layer::Dense(_) => true,
        Layer::Attention(a) => !a.residual,
        _ => false,
    }
}

/// Adds to `g` the tangent of `layer`'s parameters when its output is multiplied by `I + e E_ij`.
fn left_action<R: Ring>(layer: &Layer, theta: &[R::Elem], off: usize, i: usize, j: usize, g: &mut [R::Elem]) {
    match layer {
        Layer::Dense(d) => {
            // delta W = E_ij W: row i receives row j.
            for c in 0..d.input_dim {
                g[off + i * d.input_dim + c] = theta[off + j * d.input_dim + c].clone();
            }
            if d.bias {
                let b = off + d.input_dim * d.output_dim;
                g[b + i] = theta[b + j].clone();
            }
        }
        Layer::Attention(a) => {
            for h in 0..a.heads {
                let v = off + h * a.head_params() + 2 * a.key_dim * a.input_width;
                for c in 0..a.input_width {
                    g[v + i * a.input_width + c] = theta[v + j * a.input_width + c].clone();
                }
            }
        }
        _ => {}
    }
}

/// Adds to `g` the tangent of `layer`'s parameters when its input is multiplied by `I - e E_ij`:
/// every weight matrix `M` acting on that input changes by `-M E_ij` (column `j` receives minus
/// column `i`).
fn right_action<R: Ring>(layer: &Layer, ring: &R, theta: &[R::Elem], off: usize, i: usize, j: usize, g: &mut [R::Elem]) {
    let col = |start: usize, rows: usize, cols: usize, g: &mut [R::Elem]| {
        for r in 0..rows {
            let v = ring.neg(&theta[start + r * cols + i]);
            g[start + r * cols + j] = ring.add(&g[start + r * cols + j], &v);
        }
    };
    match layer {
        Layer::Dense(d) => col(off, d.output_dim, d.input_dim, g),
        Layer::Attention(a) => {
            for h in 0..a.heads {
                let base = off + h * a.head_params();
                let d = a.input_width;
                col(base, a.key_dim, d, g);
                col(base + a.key_dim * d, a.key_dim, d, g);
                col(base + 2 * a.key_dim * d, a.output_width, d, g);
            }
        }
        _ => {}
    }
}

fn attention_head_generators<R: Ring>(
    att: &Attention,
    ring: &R,
    theta: &[R::Elem],
    off: usize,
    n: usize,
    gens: &mut Vec<Vec<R::Elem>>,
) {
    let (a, d) = (att.key_dim, att.input_width);
    for h in 0..att.heads {
        let q = off + h * att.head_params();
        let k = q + a * d;
        let v = k + a * d;
        // GL(a): delta Q = E_ij Q, delta K = -E_ji K.
        for i in 0..a {
            for j in 0..a {
                let mut g = zeros(ring, n);
                for c in 0..d {
                    g[q + i * d + c] = theta[q + j * d + c].clone();
                    g[k + j * d + c] = ring.neg(&theta[k + i * d + c]);
                }
                gens.push(g);
            }
        }
        // The scalar between Q^T K and V.
        let mut g = zeros(ring, n);
        for c in 0..a * d {
            g[q + c] = theta[q + c].clone();
        }
        for c in 0..att.output_width * d {
            g[v + c] = ring.neg(&theta[v + c]);
        }
        gens.push(g);
    }
}
