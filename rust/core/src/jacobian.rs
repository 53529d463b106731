//! Jacobians of the evaluation map `theta -> (f(x_1; theta), ..., f(x_N; theta))` by reverse
//! mode, one backward pass per (point, output), parallel over points.
//!
//! The evaluation Jacobian is `E J_coef` with `E` the monomial evaluation matrix of the points,
//! so its rank is a lower bound on the coefficient Jacobian's rank and equals it once the points
//! separate the Jacobian's column space (design.md 2.5; see `dimension.rs` for how many points).

use crate::error::Result;
use crate::net::BoundNetwork;
use crate::par::{check_allocation, Par};
use crate::ring::Ring;
use rayon::prelude::*;

/// Fills `row_block` (`output_dim x n_params`, row-major) with `d f_o(x) / d theta`.
fn point_rows<R: Ring>(bound: &BoundNetwork<'_, R>, theta: &[R::Elem], x: &[R::Elem], row_block: &mut [R::Elem]) {
    let ring = &bound.ring;
    let n = bound.net.n_params();
    let out = bound.net.output_dim();
    let trace = bound.forward_trace(theta, x);
    let mut seed = vec![ring.zero(); out];
    for (o, row) in row_block.chunks_exact_mut(n).enumerate() {
        seed[o] = ring.one();
        bound.backward(theta, &trace, &seed, row);
        seed[o] = ring.zero();
    }
}

/// The evaluation Jacobian at `points` (`n_points x input_dim`, row-major): a
/// `(n_points * output_dim) x n_params` row-major matrix whose row `j * output_dim + o` is
/// `d f_o(x_j; theta) / d theta`. Every row is computed independently, so the result does not
/// depend on `par`.
pub fn evaluation_jacobian<R: Ring>(
    bound: &BoundNetwork<'_, R>,
    theta: &[R::Elem],
    points: &[R::Elem],
    par: Par,
) -> Result<Vec<R::Elem>> {
    let net = bound.net;
    net.check_params_len(theta.len())?;
    let d = net.input_dim();
    let n_points = points.len() / d;
    let block = net.output_dim() * net.n_params();
    let total = check_allocation(
        "the evaluation Jacobian",
        n_points as u128 * block as u128,
        std::mem::size_of::<R::Elem>() as u128,
    )?;
    let mut rows = vec![bound.ring.zero(); total];
    if block == 0 {
        return Ok(rows);
    }
    if par.is_parallel() && n_points > 1 {
        rows.par_chunks_mut(block).zip(points.par_chunks(d)).for_each(|(rb, x)| point_rows(bound, theta, x, rb));
    } else {
        for (rb, x) in rows.chunks_mut(block).zip(points.chunks(d)) {
            point_rows(bound, theta, x, rb);
        }
    }
    Ok(rows)
}

/// Network outputs at `points` (`n_points x input_dim`), `n_points x output_dim` row-major.
pub fn evaluate_points<R: Ring>(
    bound: &BoundNetwork<'_, R>,
    theta: &[R::Elem],
    points: &[R::Elem],
    par: Par,
) -> Result<Vec<R::Elem>> {
    let net = bound.net;
    net.check_params_len(theta.len())?;
    let d = net.input_dim();
    let out = net.output_dim();
    let n_points = points.len() / d;
    let total = check_allocation(
        "the network outputs",
        n_points as u128 * out as u128,
        std::mem::size_of::<R::Elem>() as u128,
    )?;
    let mut values = vec![bound.ring.zero(); total];
    let fill = |(o, x): (&mut [R::Elem], &[R::Elem])| o.clone_from_slice(&bound.forward(theta, x));
    if par.is_parallel() && n_points > 1 {
        values.par_chunks_mut(out).zip(points.par_chunks(d)).for_each(fill);
    } else {
        values.chunks_mut(out).zip(points.chunks(d)).for_each(fill);
    }
    Ok(values)
}
