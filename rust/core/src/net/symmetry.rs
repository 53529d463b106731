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
use crate::error::Result;
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
    if net.layers().len().is_multiple_of(2) {
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

/// Tangent vectors of the known symmetry group at `theta` (length `n_params` each), collected.
/// Callers with large networks should check [`symmetry_generator_count`]` * n_params` against
/// the memory limit first, or stream with [`for_each_symmetry_generator`].
pub fn symmetry_generators<R: Ring>(net: &Network, ring: &R, theta: &[R::Elem]) -> Vec<Vec<R::Elem>> {
    let mut gens = Vec::new();
    let collect: Result<()> = for_each_symmetry_generator(net, ring, theta, &mut |g| {
        gens.push(g);
        Ok(())
    });
    debug_assert!(collect.is_ok(), "collecting never fails");
    gens
}

/// Boundaries between consecutive parameter layers that carry known symmetries: the layer
/// indices `(a, b)`, the monomial degree of the activation between them (1 for none), and the
/// number of generators there.
fn symmetric_boundaries(net: &Network) -> Vec<(usize, usize, u32, usize)> {
    let pl = param_layers(net);
    let mut out = Vec::new();
    for w in pl.windows(2) {
        let (a, b) = (w[0], w[1]);
        let Ok(act) = boundary_activation(net, a, b) else { continue };
        let degree = match act {
            None => Some(1),
            Some(act) => act.monomial_degree(),
        };
        let Some(r) = degree else { continue };
        let (la, lb) = (&net.layers()[a], &net.layers()[b]);
        let count = match (la, lb) {
            (Layer::Dense(_) | Layer::Attention(_), Layer::Dense(_) | Layer::Attention(_))
                if r == 1 && linear_side_ok(la) && linear_side_ok(lb) =>
            {
                let t = match (la, lb) {
                    (Layer::Attention(a), _) => a.tokens,
                    (_, Layer::Attention(b)) => b.tokens,
                    _ => 1,
                };
                let d = la.output_dim() / t;
                d.saturating_mul(d)
            }
            (Layer::Dense(da), Layer::Dense(_)) => da.output_dim,
            (Layer::Conv(ca), Layer::Conv(_)) => ca.out_channels,
            _ => 0,
        };
        if count > 0 {
            out.push((a, b, r, count));
        }
    }
    out
}

/// The number of rows [`symmetry_generators`] produces (saturating), computed without building
/// them: the size function that memory checks use.
pub fn symmetry_generator_count(net: &Network) -> usize {
    let heads: usize = net
        .layers()
        .iter()
        .map(|l| match l {
            Layer::Attention(att) => {
                att.heads.saturating_mul(att.key_dim.saturating_mul(att.key_dim).saturating_add(1))
            }
            _ => 0,
        })
        .fold(0, usize::saturating_add);
    symmetric_boundaries(net).iter().map(|b| b.3).fold(heads, usize::saturating_add)
}

/// The generic orbit dimension of the known symmetry group in closed form, when it is proven:
/// networks without attention layers whose symmetric boundaries are all rescalings (monomial
/// activations of degree `r >= 2` between two dense or two convolutional layers).
///
/// Proof: the generator of unit (or channel) `i` at a boundary `(a, b)` vanishes on every layer
/// before `a` and, on layer `a`, equals `theta` on row (filter) `i` and zero elsewhere. Ordering
/// the generators by boundary, the matrix of generators is block upper triangular, and each
/// diagonal block has disjoint row supports that are nonzero at a generic `theta`, hence full
/// rank. So the generic rank is the number of generators.
pub fn rescaling_orbit_dim(net: &Network) -> Option<usize> {
    if net.layers().iter().any(|l| matches!(l, Layer::Attention(_))) {
        return None;
    }
    let bs = symmetric_boundaries(net);
    if bs.iter().any(|b| b.2 < 2) {
        return None;
    }
    Some(bs.iter().map(|b| b.3).sum())
}

/// Streams the tangent vectors of the known symmetry group at `theta` (each of length
/// `n_params`) into `emit`, one at a time, so that callers can reduce them in blocks without
/// holding all of them.
pub fn for_each_symmetry_generator<R: Ring>(
    net: &Network,
    ring: &R,
    theta: &[R::Elem],
    emit: &mut dyn FnMut(Vec<R::Elem>) -> Result<()>,
) -> Result<()> {
    let n = net.n_params();
    let offs = net.param_offsets();
    let pl = param_layers(net);

    // Per-head attention symmetries.
    for &li in &pl {
        if let Layer::Attention(att) = &net.layers()[li] {
            attention_head_generators(att, ring, theta, offs[li], n, emit)?;
        }
    }

    // Boundaries between consecutive parameter layers (the same list that the counts use).
    for (a, b, r, _) in symmetric_boundaries(net) {
        let (la, lb) = (&net.layers()[a], &net.layers()[b]);
        let (oa, ob) = (offs[a], offs[b]);
        match (la, lb) {
            (Layer::Dense(_) | Layer::Attention(_), Layer::Dense(_) | Layer::Attention(_))
                if r == 1 && linear_side_ok(la) && linear_side_ok(lb) =>
            {
                // The interface is a d x t matrix (t = 1 between dense layers) and GL(d) acts on
                // its rows; a dense layer sees it flattened row-major, i.e. through M (x) I_t.
                let t = match (la, lb) {
                    (Layer::Attention(a), _) => a.tokens,
                    (_, Layer::Attention(b)) => b.tokens,
                    _ => 1,
                };
                let d = la.output_dim() / t;
                for i in 0..d {
                    for j in 0..d {
                        let mut g = zeros(ring, n);
                        left_action::<R>(la, theta, oa, i, j, t, &mut g);
                        right_action(lb, ring, theta, ob, i, j, t, &mut g);
                        emit(g)?;
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
                    emit(g)?;
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
                    emit(g)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn linear_side_ok(l: &Layer) -> bool {
    match l {
        Layer::Dense(_) => true,
        Layer::Attention(a) => !a.residual,
        _ => false,
    }
}

/// Adds to `g` the tangent of `layer`'s parameters when its output (a `d x t` matrix, rows
/// indexed by the interface) is multiplied by `I + e E_ij`: row `i` receives row `j`.
#[allow(clippy::too_many_arguments)]
fn left_action<R: Ring>(layer: &Layer, theta: &[R::Elem], off: usize, i: usize, j: usize, t: usize, g: &mut [R::Elem]) {
    match layer {
        Layer::Dense(d) => {
            for tau in 0..t {
                let (ri, rj) = (i * t + tau, j * t + tau);
                for c in 0..d.input_dim {
                    g[off + ri * d.input_dim + c] = theta[off + rj * d.input_dim + c].clone();
                }
                if d.bias {
                    let b = off + d.input_dim * d.output_dim;
                    g[b + ri] = theta[b + rj].clone();
                }
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
/// column `i`; for a dense layer reading the `d x t` interface flattened, columns `j t + tau`
/// receive minus columns `i t + tau`).
#[allow(clippy::too_many_arguments)]
fn right_action<R: Ring>(
    layer: &Layer,
    ring: &R,
    theta: &[R::Elem],
    off: usize,
    i: usize,
    j: usize,
    t: usize,
    g: &mut [R::Elem],
) {
    let col = |start: usize, rows: usize, cols: usize, ci: usize, cj: usize, g: &mut [R::Elem]| {
        for r in 0..rows {
            let v = ring.neg(&theta[start + r * cols + ci]);
            g[start + r * cols + cj] = ring.add(&g[start + r * cols + cj], &v);
        }
    };
    match layer {
        Layer::Dense(d) => {
            for tau in 0..t {
                col(off, d.output_dim, d.input_dim, i * t + tau, j * t + tau, g);
            }
        }
        Layer::Attention(a) => {
            for h in 0..a.heads {
                let base = off + h * a.head_params();
                let d = a.input_width;
                col(base, a.key_dim, d, i, j, g);
                col(base + a.key_dim * d, a.key_dim, d, i, j, g);
                col(base + 2 * a.key_dim * d, a.output_width, d, i, j, g);
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
    emit: &mut dyn FnMut(Vec<R::Elem>) -> Result<()>,
) -> Result<()> {
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
                emit(g)?;
            }
        }
        // The scalar between Q^T K and V.
        let mut g = zeros(ring, n);
        g[q..q + a * d].clone_from_slice(&theta[q..q + a * d]);
        for c in 0..att.output_width * d {
            g[v + c] = ring.neg(&theta[v + c]);
        }
        emit(g)?;
    }
    Ok(())
}

/// Fiber directions beyond the known symmetry group that are proven to lie in the kernel of the
/// Jacobian at every point, used only to sharpen the proven upper bound on the rank.
///
/// A single-output network ending in `... -> Dense(W) -> c t^2 -> Dense(v)` computes
/// `f = c h^T W^T diag(v) W h` (with `h` extended by 1 when `W` has a bias), which is invariant
/// under `W -> M W` for every `M` in the orthogonal group of the form `diag(v)`:
/// `M^T diag(v) M = diag(v)`. Its Lie algebra is `{diag(v)^-1 S : S skew}`, of dimension
/// `binom(k, 2)`: the generator for `S = E_ij - E_ji` adds `W_j / v_i` to row `i` and `-W_i / v_j`
/// to row `j` (indeed `delta(W^T D W) = W^T (S^T + S) W = 0`). These are the hidden symmetries of
/// quadratic last layers (generators with `v_i = 0` are skipped: fewer directions, still valid).
pub fn hidden_symmetry_generators<F: crate::ring::Field>(
    net: &Network,
    field: &F,
    theta: &[F::Elem],
) -> Vec<Vec<F::Elem>> {
    let mut gens = Vec::new();
    let Some(a) = quadratic_last_layer(net) else { return gens };
    let n = net.layers().len();
    let offs = net.param_offsets();
    let (oa, ob) = (offs[n - 3], offs[n - 1]);
    let k = a.output_dim;
    let inv: Vec<Option<F::Elem>> = (0..k).map(|i| field.inv(&theta[ob + i]).ok()).collect();
    // Row i of [W | b] as (parameter index) list.
    let row = |i: usize| -> Vec<usize> {
        let mut idx: Vec<usize> = (0..a.input_dim).map(|c| oa + i * a.input_dim + c).collect();
        if a.bias {
            idx.push(oa + a.input_dim * a.output_dim + i);
        }
        idx
    };
    for i in 0..k {
        for j in (i + 1)..k {
            let (Some(vi), Some(vj)) = (&inv[i], &inv[j]) else { continue };
            let mut g = zeros(field, net.n_params());
            for (ri, rj) in row(i).into_iter().zip(row(j)) {
                g[ri] = field.mul(&theta[rj], vi);
                g[rj] = field.neg(&field.mul(&theta[ri], vj));
            }
            gens.push(g);
        }
    }
    gens
}

/// The dense layer `W` of a single-output ending `Dense(W) -> c t^2 -> Dense(v)`, if any.
fn quadratic_last_layer(net: &Network) -> Option<&super::Dense> {
    let layers = net.layers();
    let n = layers.len();
    if n < 3 {
        return None;
    }
    let (Layer::Dense(a), Layer::Activation(act), Layer::Dense(b)) = (&layers[n - 3], &layers[n - 2], &layers[n - 1])
    else {
        return None;
    };
    (b.output_dim == 1 && act.monomial_degree() == Some(2)).then_some(a)
}

/// An upper bound on the number of rows [`hidden_symmetry_generators`] produces:
/// `binom(k, 2)` for a quadratic last hidden layer of width `k`, else 0.
pub fn hidden_symmetry_generator_count(net: &Network) -> usize {
    quadratic_last_layer(net).map_or(0, |a| a.output_dim.saturating_mul(a.output_dim.saturating_sub(1)) / 2)
}
