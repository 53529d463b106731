//! The coefficient map `phi(theta)` (the network's function as coefficient vectors of its
//! output polynomials, design.md 2.4) and its Jacobian, over any base ring.
//!
//! `phi` is the forward pass over the polynomial ring in the input variables; its Jacobian is
//! the backward pass over the same ring (one per output), so both reuse the generic layer code.
//! [`CoefficientMap`] is the one driver: it builds the monomial basis, its index and the bound
//! network once, so a caller that evaluates at many points (the closest-point search) pays the
//! set-up once; [`coefficients`] and [`coefficient_jacobian`] are its one-shot forms.

use crate::error::{CoreError, Result};
use crate::net::degrees::network_degrees;
use crate::net::monomials::monomial_basis;
use crate::net::{BoundNetwork, Network};
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::{Poly, PolyRing, Ring};
use rayon::prelude::*;

/// `phi` over a base ring `R`: the forward pass over `R[x]`, scattered into the monomial basis.
pub struct CoefficientMap<'n, R: Ring> {
    bound: BoundNetwork<'n, PolyRing<R>>,
    /// Exponent tuples of one output's basis, in coefficient order.
    basis: Vec<Vec<u32>>,
    /// Monomial codes of one output's basis, sorted, with their coefficient positions.
    codes: Vec<(u128, usize)>,
    inputs: Vec<Poly<R::Elem>>,
}

impl<'n, R: Ring + Clone> CoefficientMap<'n, R> {
    /// Builds the monomial basis and binds the network once; the coefficient vector is checked
    /// against the memory limit ([`Self::check_jacobian`] checks the Jacobian).
    pub fn new(net: &'n Network, base: R) -> Result<Self> {
        let degrees = network_degrees(net)?;
        let max = u32::try_from(degrees.input.max())
            .map_err(|_| CoreError::Overflow("network degree exceeds 2^32".into()))?;
        let ring = PolyRing::new(base, net.input_dim(), max)?;
        let basis = monomial_basis(net.input_dim(), &degrees.input)?;
        check_allocation(
            "the coefficient vector",
            basis.len() as u128 * net.output_dim() as u128,
            std::mem::size_of::<R::Elem>() as u128,
        )?;
        let mut codes: Vec<(u128, usize)> = basis.iter().enumerate().map(|(i, e)| (ring.code(e), i)).collect();
        codes.sort_unstable_by_key(|c| c.0);
        let inputs = (0..ring.nvars()).map(|i| ring.var(i)).collect();
        let bound = net.bind(ring)?;
        Ok(CoefficientMap { bound, basis, codes, inputs })
    }

    /// Exponent tuples of one output's basis, in coefficient order.
    pub fn basis(&self) -> &[Vec<u32>] {
        &self.basis
    }

    /// Dimension of one output's coefficient space.
    pub fn per_output(&self) -> usize {
        self.basis.len()
    }

    /// Number of parameters (columns of the Jacobian).
    pub fn n_params(&self) -> usize {
        self.bound.net.n_params()
    }

    /// The ambient dimension (rows of the Jacobian): outputs times [`Self::per_output`].
    pub fn n_values(&self) -> usize {
        self.per_output() * self.bound.net.output_dim()
    }

    /// Refuses a Jacobian (`n_values x n_params` elements of `R`) above the memory limit and
    /// returns its length.
    pub fn check_jacobian(&self) -> Result<usize> {
        check_allocation(
            "the coefficient Jacobian",
            self.n_values() as u128 * self.n_params() as u128,
            std::mem::size_of::<R::Elem>() as u128,
        )
    }

    fn position(&self, code: u128) -> Result<usize> {
        match self.codes.binary_search_by_key(&code, |c| c.0) {
            Ok(i) => Ok(self.codes[i].1),
            Err(_) => Err(CoreError::internal(format!(
                "monomial {:?} outside the predicted degree set",
                self.bound.ring.exponents(code)
            ))),
        }
    }

    fn lift(&self, theta: &[R::Elem]) -> Vec<Poly<R::Elem>> {
        theta.iter().map(|t| self.bound.ring.constant(t.clone())).collect()
    }

    fn scatter_values(&self, outputs: &[Poly<R::Elem>], values: &mut [R::Elem]) -> Result<()> {
        let base = &self.bound.ring.base;
        let per_output = self.per_output();
        values.iter_mut().for_each(|v| *v = base.zero());
        for (o, p) in outputs.iter().enumerate() {
            let block = &mut values[o * per_output..(o + 1) * per_output];
            for (code, c) in &p.terms {
                block[self.position(*code)?] = c.clone();
            }
        }
        Ok(())
    }

    /// Writes `phi(theta)` (outputs concatenated) into `values` (length [`Self::n_values`]).
    pub fn values(&self, theta: &[R::Elem], values: &mut [R::Elem]) -> Result<()> {
        self.bound.net.check_params_len(theta.len())?;
        let outputs = self.bound.forward(&self.lift(theta), &self.inputs);
        self.scatter_values(&outputs, values)
    }

    /// Writes `phi(theta)` and its `n_values x n_params` row-major Jacobian (rows in coefficient
    /// order, columns in parameter order). Parallel over outputs when `par` allows; exact per
    /// entry, so the result does not depend on `par`.
    pub fn jacobian_at(
        &self,
        theta: &[R::Elem],
        values: &mut [R::Elem],
        jac: &mut [R::Elem],
        par: Par,
        intr: &dyn Interrupt,
    ) -> Result<()> {
        self.bound.net.check_params_len(theta.len())?;
        let ring = &self.bound.ring;
        let (n, out, per_output) = (self.n_params(), self.bound.net.output_dim(), self.per_output());
        let theta_p = self.lift(theta);
        let trace = self.bound.forward_trace(&theta_p, &self.inputs);
        self.scatter_values(trace.last().map(Vec::as_slice).unwrap_or(&[]), values)?;
        if per_output * n == 0 {
            return Ok(());
        }
        let one_output = |o: usize, block: &mut [R::Elem]| -> Result<()> {
            intr.check()?;
            let mut seed = vec![ring.zero(); out];
            seed[o] = ring.one();
            let mut grad = vec![ring.zero(); n];
            self.bound.backward(&theta_p, &trace, &seed, &mut grad);
            block.iter_mut().for_each(|v| *v = ring.base.zero());
            for (i, g) in grad.iter().enumerate() {
                for (code, c) in &g.terms {
                    block[self.position(*code)? * n + i] = c.clone();
                }
            }
            Ok(())
        };
        if par.is_parallel() && out > 1 {
            jac.par_chunks_mut(per_output * n).enumerate().try_for_each(|(o, b)| one_output(o, b))
        } else {
            jac.chunks_mut(per_output * n).enumerate().try_for_each(|(o, b)| one_output(o, b))
        }
    }
}

/// `phi(theta)`: the outputs' coefficient vectors, concatenated.
pub fn coefficients<R: Ring + Clone>(net: &Network, base: R, theta: &[R::Elem]) -> Result<Vec<R::Elem>> {
    net.check_params_len(theta.len())?;
    let map = CoefficientMap::new(net, base.clone())?;
    let mut phi = vec![base.zero(); map.n_values()];
    map.values(theta, &mut phi)?;
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
    let map = CoefficientMap::new(net, base.clone())?;
    let total = map.check_jacobian()?;
    let mut values = vec![base.zero(); map.n_values()];
    let mut jac = vec![base.zero(); total];
    map.jacobian_at(theta, &mut values, &mut jac, par, intr)?;
    Ok(jac)
}
