//! Hilbert functions and equations of neurovarieties: argument adaptation for
//! `neurocore_core::equations`.

use crate::errors::BindResult;
use crate::network::PyNetwork;
use crate::runtime::run_limited;
use neurocore_core::equations::{self as core_equations, monomials_at, EquationOptions, HilbertValue};
use neurocore_core::CoreError;
use num_bigint::BigInt;
use pyo3::prelude::*;
use std::collections::BTreeMap;

/// `H(d)` and how far it is proven (see `neurocore.hilbert_function`).
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct HilbertRecord {
    degree: u32,
    coordinates: usize,
    monomials: usize,
    value: usize,
    certified: bool,
    error_bound: f64,
    prime: u64,
    points: usize,
}

impl From<&HilbertValue> for HilbertRecord {
    fn from(h: &HilbertValue) -> Self {
        HilbertRecord {
            degree: h.degree,
            coordinates: h.coordinates,
            monomials: h.monomials,
            value: h.value,
            certified: h.certified,
            error_bound: h.error_bound,
            prime: h.prime,
            points: h.points,
        }
    }
}

/// One term of an equation: its integer coefficient and its monomial as sparse
/// `(coordinate, exponent)` pairs, coordinates increasing.
type Term = (BigInt, Vec<(usize, u32)>);

/// The degree-`d` equations (see `neurocore.equations`).
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct EquationsRecord {
    hilbert: Py<HilbertRecord>,
    /// One list of terms per equation, terms in monomial order.
    equations: Vec<Vec<Term>>,
    lift_primes: Vec<u64>,
    check_primes: Vec<u64>,
    check_points: usize,
    error_bound: f64,
}

fn degree_arg(degree: i64) -> BindResult<u32> {
    u32::try_from(degree)
        .ok()
        .filter(|&d| d >= 1)
        .ok_or_else(|| CoreError::invalid("degree", format!("must be a positive integer, got {degree}")).into())
}

/// `H(d)` of the neurovariety of `net`.
#[pyfunction]
#[pyo3(signature = (net, degree, seed = 0, threads = 0, memory_limit = None))]
pub fn hilbert_function(
    py: Python<'_>,
    net: &PyNetwork,
    degree: i64,
    seed: u64,
    threads: usize,
    memory_limit: Option<u64>,
) -> BindResult<HilbertRecord> {
    let d = degree_arg(degree)?;
    let h = run_limited(py, threads, memory_limit, |par, intr| {
        core_equations::hilbert_function(&net.inner, d, seed, par, intr)
    })?;
    Ok(HilbertRecord::from(&h))
}

/// The degree-`d` equations of the neurovariety of `net`, verified at `check_points` fresh
/// points modulo each of `check_primes` fresh primes.
#[pyfunction]
#[pyo3(signature = (net, degree, seed = 0, check_primes = 2, check_points = 4, threads = 0, memory_limit = None))]
#[allow(clippy::too_many_arguments)]
pub fn equations(
    py: Python<'_>,
    net: &PyNetwork,
    degree: i64,
    seed: u64,
    check_primes: usize,
    check_points: usize,
    threads: usize,
    memory_limit: Option<u64>,
) -> BindResult<EquationsRecord> {
    let d = degree_arg(degree)?;
    if check_primes == 0 || check_points == 0 {
        return Err(
            CoreError::invalid("check_primes", "the verification needs at least one prime and one point").into()
        );
    }
    let out = run_limited(py, threads, memory_limit, |par, intr| {
        let opts = EquationOptions { seed, check_primes, check_points, par };
        core_equations::equations(&net.inner, d, &opts, intr)
    })?;
    // Exponents of the monomials that occur, read off once in monomial order.
    let wanted: Vec<usize> = out
        .equations
        .iter()
        .flatten()
        .map(|(c, _)| *c)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut exps: BTreeMap<usize, Vec<(usize, u32)>> = BTreeMap::new();
    monomials_at(out.hilbert.coordinates, d, &wanted, |i, e| {
        exps.insert(i, e.iter().enumerate().filter(|(_, &x)| x > 0).map(|(v, &x)| (v, x)).collect());
    });
    let equations = out
        .equations
        .iter()
        .map(|eq| {
            eq.iter()
                .map(|(c, v)| {
                    let e = exps
                        .get(c)
                        .cloned()
                        .ok_or_else(|| CoreError::internal(format!("monomial {c} not enumerated")))?;
                    Ok((v.clone(), e))
                })
                .collect::<BindResult<Vec<Term>>>()
        })
        .collect::<BindResult<Vec<_>>>()?;
    Ok(EquationsRecord {
        hilbert: Py::new(py, HilbertRecord::from(&out.hilbert))?,
        equations,
        lift_primes: out.lift_primes,
        check_primes: out.verification.primes,
        check_points: out.verification.points_per_prime,
        error_bound: out.verification.error_bound,
    })
}
