//! The coefficient map `phi(theta)` (the network's function as coefficient vectors of its
//! output polynomials, design.md 2.4) and its Jacobian, over any base ring.
//!
//! `phi` is the forward pass over the polynomial ring in the input variables; its Jacobian is
//! the backward pass over the same ring (one per output), so both reuse the generic layer code.

use crate::error::{CoreError, Result};
use crate::net::degrees::network_degrees;
use crate::net::monomials::monomial_basis;
use crate::net::Network;
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::{Poly, PolyRing, Ring};
use rayon::prelude::*;
use std::collections::HashMap;

/// The polynomial ring of a network's outputs and the position of each monomial in the basis.
pub struct CoefficientSpace<R: Ring> {
    pub ring: PolyRing<R>,
    /// Exponent tuples of one output's basis, in coefficient order.
    pub basis: Vec<Vec<u32>>,
    index: HashMap<u128, usize>,
}

impl<R: Ring + Clone> CoefficientSpace<R> {
    /// Builds the basis (checked against the memory limit first).
    pub fn new(net: &Network, base: R) -> Result<Self> {
        let degrees = network_degrees(net)?;
        let max = u32::try_from(degrees.input.max())
            .map_err(|_| CoreError::Overflow("network degree exceeds 2^32".into()))?;
        let ring = PolyRing::new(base, net.input_dim(), max)?;
        let basis = monomial_basis(net.input_dim(), &degrees.input)?;
        let index = basis.iter().enumerate().map(|(i, e)| (ring.code(e), i)).collect();
        Ok(CoefficientSpace { ring, basis, index })
    }

    /// Dimension of one output's coefficient space.
    pub fn len(&self) -> usize {
        self.basis.len()
    }

    /// True when the basis is empty.
    pub fn is_empty(&self) -> bool {
        self.basis.is_empty()
    }

    /// Scatters a polynomial's coefficients into `out` (length `len()`).
    fn scatter(&self, p: &Poly<R::Elem>, out: &mut [R::Elem]) -> Result<()> {
        for (code, c) in &p.terms {
            let i = *self.index.get(code).ok_or_else(|| {
                CoreError::internal(format!(
                    "monomial {:?} outside the predicted degree set",
                    self.ring.exponents(*code)
                ))
            })?;
            out[i] = c.clone();
        }
        Ok(())
    }

    fn lift(&self, theta: &[R::Elem]) -> Vec<Poly<R::Elem>> {
        theta.iter().map(|t| self.ring.constant(t.clone())).collect()
    }

    fn inputs(&self) -> Vec<Poly<R::Elem>> {
        (0..self.ring.nvars()).map(|i| self.ring.var(i)).collect()
    }
}

/// `phi(theta)`: the outputs' coefficient vectors, concatenated.
pub fn coefficients<R: Ring + Clone>(net: &Network, base: R, theta: &[R::Elem]) -> Result<Vec<R::Elem>> {
    net.check_params_len(theta.len())?;
    let space = CoefficientSpace::new(net, base.clone())?;
    let m = space.len();
    check_allocation(
        "the coefficient vector",
        m as u128 * net.output_dim() as u128,
        std::mem::size_of::<R::Elem>() as u128,
    )?;
    let bound = net.bind(space.ring.clone())?;
    let outputs = bound.forward(&space.lift(theta), &space.inputs());
    let mut phi = vec![base.zero(); m * net.output_dim()];
    for (o, p) in outputs.iter().enumerate() {
        space.scatter(p, &mut phi[o * m..(o + 1) * m])?;
    }
    Ok(phi)
}

/// The Jacobian of `phi` at `theta`: an `ambient_dim x n_params` row-major matrix, rows in
/// coefficient order, columns in parameter order. Parallel over outputs (exact, so the result
/// does not depend on `par`).
pub fn coefficient_jacobian<R: Ring + Clone>(
    net: &Network,
    base: R,
    theta: &[R::Elem],
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Vec<R::Elem>> {
    net.check_params_len(theta.len())?;
    let space = CoefficientSpace::new(net, base.clone())?;
    let (m, n, out) = (space.len(), net.n_params(), net.output_dim());
    let total = check_allocation(
        "the coefficient Jacobian",
        m as u128 * out as u128 * n as u128,
        std::mem::size_of::<R::Elem>() as u128,
    )?;
    let bound = net.bind(space.ring.clone())?;
    let theta_p = space.lift(theta);
    let trace = bound.forward_trace(&theta_p, &space.inputs());
    let ring = &space.ring;
    let mut jac = vec![base.zero(); total];
    let one_output = |o: usize, block: &mut [R::Elem]| -> Result<()> {
        intr.check()?;
        let mut seed = vec![ring.zero(); out];
        seed[o] = ring.one();
        let mut grad = vec![ring.zero(); n];
        bound.backward(&theta_p, &trace, &seed, &mut grad);
        let mut column = vec![base.zero(); m];
        for (i, g) in grad.iter().enumerate() {
            column.iter_mut().for_each(|c| *c = base.zero());
            space.scatter(g, &mut column)?;
            for (r, c) in column.iter().enumerate() {
                block[r * n + i] = c.clone();
            }
        }
        Ok(())
    };
    if m * n == 0 {
        return Ok(jac);
    }
    if par.is_parallel() && out > 1 {
        jac.par_chunks_mut(m * n).enumerate().try_for_each(|(o, b)| one_output(o, b))?;
    } else {
        for (o, b) in jac.chunks_mut(m * n).enumerate() {
            one_output(o, b)?;
        }
    }
    Ok(jac)
}
