//! The degree-`d` part of the ideal of a neurovariety modulo p, by interpolation: the monomial
//! evaluation matrix at random points `phi(theta)` of the variety, and its kernel.
//!
//! A homogeneous polynomial `F` of degree `d` in the coefficient coordinates vanishes at the
//! points `phi(theta_1), ..., phi(theta_K)` iff its coefficient vector is in the kernel of the
//! `K x M` matrix `E[k][j] = m_j(phi(theta_k))`, `M = C(N + d - 1, d)`. The equations of degree
//! `d` are in that kernel for any points, so `rank E <= H(d) = M - dim I_d` (the Hilbert function of
//! the homogeneous coordinate ring; for a cone, which every network with a linear last layer
//! has as its image, this is the ideal of the neurovariety). With integer parameters the rank
//! modulo p is at most the rank over Q at the integer lift, so the rank mod p is a **proven
//! lower bound** on `H(d)`.
//!
//! Points are added in batches until a batch of fresh points adds nothing (or the rank is `M`).
//! If the rank were still below the generic rank of `E` over F_p, some polynomial `G` vanishing
//! at the points so far but not on the variety would vanish at each fresh point; `G(phi(theta))`
//! has degree at most `d deg_theta(phi)` in `theta`, so by Schwartz-Zippel a batch of `m` fresh
//! points fails with probability at most `(d deg_theta(phi) / p)^m`: the reported error bound.

use super::monomial_values::{monomial_count, monomial_values};
use crate::coefficients::coefficients;
use crate::error::{CoreError, Result};
use crate::linalg::{rref_mod_p, Echelon, Mat};
use crate::net::degrees::network_degrees;
use crate::net::monomials::network_monomials;
use crate::net::Network;
use crate::par::{check_bytes, Interrupt, Par};
use crate::ring::{PrimeField, Ring};
use crate::rng::SplitMix64;
use rayon::prelude::*;

/// Random stream of the parameter points of the interpolation ("EQNS").
pub const STREAM_EQUATION_POINTS: u64 = 0x4551_4e53_0000_0001;

/// Smallest batch of fresh points whose failure to raise the rank stops the sampling.
const MIN_BATCH: usize = 4;

/// The sizes of an interpolation problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterpolationSize {
    /// `N`: the coefficient coordinates (the ambient dimension).
    pub coordinates: usize,
    /// `M = C(N + d - 1, d)`: the monomials of degree `d` in them.
    pub monomials: usize,
    /// `deg_theta(phi)`, an upper bound on the degree of the coefficients in the parameters.
    pub param_degree: u64,
}

impl InterpolationSize {
    /// The sizes for `net` at degree `degree` (errors on overflow).
    pub fn new(net: &Network, degree: u32) -> Result<Self> {
        if degree == 0 {
            return Err(CoreError::invalid("degree", "must be at least 1"));
        }
        let coordinates = network_monomials(net)?
            .len()
            .checked_mul(net.output_dim())
            .ok_or_else(|| CoreError::Overflow("the ambient dimension".into()))?;
        let monomials = monomial_count(coordinates, degree)?;
        Ok(InterpolationSize { coordinates, monomials, param_degree: network_degrees(net)?.params })
    }

    /// Bytes of the worst case (rank `M`): the evaluation rows (`M` plus a last batch of up to
    /// `M` rows), the echelon form (`M x M`) and the kernel basis (`M x M`), all `u64`.
    pub fn bytes(&self) -> u128 {
        let m = self.monomials as u128;
        (4 * m * m + m * self.coordinates as u128) * 8
    }

    /// The degree of `F(phi(theta))` in `theta` for `F` of degree `degree`.
    pub fn composite_degree(&self, degree: u32) -> f64 {
        degree as f64 * self.param_degree as f64
    }
}

/// The evaluation matrix of one prime and what its rank says.
#[derive(Debug, Clone)]
pub struct Interpolation {
    /// The prime.
    pub prime: u64,
    /// `rank E` modulo `prime`: a proven lower bound on `H(d)`.
    pub rank: usize,
    /// Points `phi(theta_k)` used (rows of `E`).
    pub points: usize,
    /// Size of the last batch of fresh points (0 when the rank reached `M`).
    pub last_batch: usize,
    /// Bound on the probability that `rank` is below the generic rank of `E` over F_p (0 when
    /// `rank = M`, which is then exact: `H(d) = M`).
    pub error_bound: f64,
    /// The rows of `E` (kept for the kernel).
    pub rows: Mat<u64>,
}

/// A random point `phi(theta)` of the variety modulo p, `theta` uniform in F_p^n from the stream
/// of `(seed, index)`, as its monomial values of degree `degree`.
fn evaluation_row(
    net: &Network,
    field: &PrimeField,
    degree: u32,
    monomials: usize,
    seed: u64,
    index: u64,
) -> Result<Vec<u64>> {
    let mut rng = SplitMix64::derived(seed, STREAM_EQUATION_POINTS, index);
    let p = field.modulus();
    let theta: Vec<u64> = (0..net.n_params()).map(|_| rng.below(p)).collect();
    let point = coefficients(net, *field, &theta)?;
    let mut row = vec![0u64; monomials];
    monomial_values(field, &point, degree, &mut row);
    Ok(row)
}

/// The evaluation matrix modulo `field` at random points until a batch of fresh points adds
/// nothing (module documentation). `stream` separates the point streams of different primes.
pub fn interpolate(
    net: &Network,
    degree: u32,
    field: &PrimeField,
    seed: u64,
    stream: u64,
    par: Par,
    intr: &dyn Interrupt,
) -> Result<Interpolation> {
    let size = InterpolationSize::new(net, degree)?;
    check_bytes(
        &format!(
            "the degree-{degree} interpolation ({} monomials in {} coordinates)",
            size.monomials, size.coordinates
        ),
        size.bytes(),
    )?;
    let m = size.monomials;
    let mut echelon = Echelon::new(field, m);
    let mut data: Vec<u64> = Vec::new();
    let (mut points, mut batch, mut last_batch) = (0usize, m.clamp(1, 64), 0usize);
    while echelon.rank() < m {
        intr.check()?;
        let base = (stream << 40) + points as u64;
        let row = |i: u64| evaluation_row(net, field, degree, m, seed, base + i);
        let rows: Vec<Vec<u64>> = if par.is_parallel() {
            (0..batch as u64).into_par_iter().map(row).collect::<Result<_>>()?
        } else {
            (0..batch as u64).map(row).collect::<Result<_>>()?
        };
        let start = data.len();
        data.extend(rows.into_iter().flatten());
        let block = Mat::from_vec(batch, m, data[start..].to_vec())?;
        let added = echelon.add_rows(&block, par, intr)?;
        points += batch;
        if added == 0 {
            last_batch = batch;
            break;
        }
        // Enough fresh rows for what may still be missing, and at least MIN_BATCH.
        batch = (m - echelon.rank()).clamp(MIN_BATCH, 2 * batch.max(MIN_BATCH));
    }
    let rank = echelon.rank();
    let error_bound = if rank == m {
        0.0
    } else {
        (size.composite_degree(degree) / field.modulus() as f64).powi(last_batch as i32).min(1.0)
    };
    let rows = Mat::from_vec(points, m, data)?;
    Ok(Interpolation { prime: field.modulus(), rank, points, last_batch, error_bound, rows })
}

/// The kernel of an interpolation's evaluation matrix in its canonical basis: one row per free
/// (non-pivot) monomial `f`, with a 1 at `f`, zeros at the other free monomials, and `-R[t][f]`
/// at the pivot monomial `c_t` (`R` the reduced row echelon form). The basis depends only on the
/// kernel, not on the points or the prime, which is what lets images modulo several primes be
/// combined.
#[derive(Debug, Clone)]
pub struct CanonicalKernel {
    /// The free monomials, increasing (one per basis row).
    pub free: Vec<usize>,
    /// The pivot monomials, increasing.
    pub pivots: Vec<usize>,
    /// `values[j][t]`: the entry of basis row `j` at pivot `pivots[t]` (residues).
    pub values: Mat<u64>,
}

/// The canonical kernel basis of `interp` (see [`CanonicalKernel`]).
pub fn canonical_kernel(interp: &Interpolation, par: Par, intr: &dyn Interrupt) -> Result<CanonicalKernel> {
    let field = PrimeField::new(interp.prime)?;
    let rref = rref_mod_p(&field, &interp.rows, par, intr)?;
    let m = interp.rows.cols();
    let mut is_pivot = vec![false; m];
    for &c in &rref.pivot_cols {
        is_pivot[c] = true;
    }
    let free: Vec<usize> = (0..m).filter(|&c| !is_pivot[c]).collect();
    let values = Mat::from_fn(free.len(), rref.rank, |j, t| field.neg(&rref.rows.row(t)[free[j]]));
    Ok(CanonicalKernel { free, pivots: rref.pivot_cols, values })
}
