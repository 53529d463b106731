//! Strata: the rank at a parameter point and the architecture's evidence, for `classify`.

use crate::errors::BindResult;
use crate::field::{Field, Numbers};
use crate::network::PyNetwork;
use crate::runtime::{run_inline, run_limited};
use neurocore_core::par::with_memory_limit;
use neurocore_core::par::Par;
use neurocore_core::strata::{exact_point_rank, point_evidence, uses_exact_jacobian, Evidence};
use neurocore_core::CoreError;
use num_rational::BigRational;
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn exact_numbers(obj: &Bound<'_, PyAny>, arg: &str) -> BindResult<Vec<BigRational>> {
    match Numbers::parse(obj, &Field::Rational, arg)? {
        Numbers::Exact(v) => Ok(v),
        Numbers::Float(_) => Err(CoreError::wrong_type(arg, "expected ints or fractions.Fraction").into()),
    }
}

/// The rank of the Jacobian at an exact point, with its proven bounds.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct PointRankRecord {
    /// A proven lower bound (the rank itself when `certified`).
    lower: usize,
    /// A proven upper bound.
    upper: usize,
    certified: bool,
    /// `phi(theta) = 0` exactly.
    phi_zero: bool,
}

/// The stratum kind of a point and the architecture's evidence behind it.
#[pyclass(frozen, get_all, module = "neurocore._core")]
pub struct StratumRecord {
    /// "zero", "boundary", "subnetwork", "critical" or "generic".
    kind: &'static str,
    /// The evidence, keyed as `Stratum.details` documents.
    details: Py<PyDict>,
}

/// The rank of the Jacobian at the exact point `theta` (see `neurocore_core::strata`). Small networks run on the calling thread (a worker
/// thread would cost more than the work); larger ones on `threads` threads, interruptible.
#[pyfunction]
#[pyo3(signature = (net, theta, seed = 0, threads = 0, memory_limit = None))]
pub fn point_rank(
    py: Python<'_>,
    net: &PyNetwork,
    theta: &Bound<'_, PyAny>,
    seed: u64,
    threads: usize,
    memory_limit: Option<u64>,
) -> BindResult<PointRankRecord> {
    let net = &net.inner;
    let theta = exact_numbers(theta, "theta")?;
    net.check_params_len(theta.len())?;
    let r = if uses_exact_jacobian(net)? {
        run_inline(py, |par, intr| with_memory_limit(memory_limit, || exact_point_rank(net, &theta, seed, par, intr)))?
    } else {
        run_limited(py, threads, memory_limit, |par, intr| exact_point_rank(net, &theta, seed, par, intr))?
    };
    Ok(PointRankRecord { lower: r.lower, upper: r.upper, certified: r.certified, phi_zero: r.phi_zero })
}

/// The float64 coefficient Jacobian at `theta` of a network under `EXACT_JACOBIAN_LIMIT`, on the
/// calling thread (`classify`'s numerical rank; a worker thread would cost more than the work).
#[pyfunction]
pub fn small_jacobian_float<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: numpy::PyReadonlyArray1<'py, f64>,
) -> BindResult<Bound<'py, numpy::PyArray2<f64>>> {
    use numpy::IntoPyArray;
    let net = &net.inner;
    if !uses_exact_jacobian(net)? {
        return Err(CoreError::invalid("net", "too large for an inline Jacobian (EXACT_JACOBIAN_LIMIT)").into());
    }
    let theta = theta.as_array().to_vec();
    net.check_params_len(theta.len())?;
    if let Some(i) = theta.iter().position(|x| !x.is_finite()) {
        return Err(CoreError::invalid("theta", format!("entry {i} is {} (must be finite)", theta[i])).into());
    }
    let jac = run_inline(py, |par, intr| {
        neurocore_core::coefficients::coefficient_jacobian(net, neurocore_core::ring::F64Ring, &theta, par, intr)
    })?;
    let cols = net.n_params();
    let arr = numpy::ndarray::Array2::from_shape_vec((jac.len() / cols.max(1), cols), jac)
        .map_err(|e| CoreError::internal(format!("result shape: {e}")))?;
    Ok(arr.into_pyarray(py))
}

fn tuple<'py, T: IntoPyObject<'py>, I: IntoIterator<Item = T>>(
    py: Python<'py>,
    items: I,
) -> PyResult<Bound<'py, pyo3::types::PyTuple>>
where
    I::IntoIter: ExactSizeIterator,
{
    pyo3::types::PyTuple::new(py, items)
}

/// The `details` mapping of a `Stratum`: the core's typed evidence, field by field.
fn evidence_details<'py>(py: Python<'py>, ev: &Evidence) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match ev {
        Evidence::Mlp(e) => {
            d.set_item("architecture", "mlp")?;
            d.set_item("widths", tuple(py, e.widths.iter().copied())?)?;
            if let Some(lin) = &e.linear {
                d.set_item("weight_ranks", tuple(py, lin.weight_ranks.iter().copied())?)?;
                d.set_item("function_rank", lin.function_rank)?;
                d.set_item("max_function_rank", lin.max_function_rank)?;
            } else if e.widths.len() > 2 {
                d.set_item("dead_neurons", tuple(py, e.dead_neurons.iter().copied())?)?;
                d.set_item("merged_neurons", tuple(py, e.merged_neurons.iter().copied())?)?;
            }
            if let Some(s) = &e.smaller {
                let arch = match &s.widths {
                    Some(w) => tuple(py, w.iter().copied())?.into_any(),
                    None => py.None().into_bound(py),
                };
                d.set_item("smaller_architecture", arch)?;
                d.set_item("smaller_dim", s.dim)?;
            }
        }
        Evidence::Cnn(e) => {
            d.set_item("architecture", "cnn")?;
            d.set_item("filters", tuple(py, e.filters.iter().copied())?)?;
            d.set_item("zero_filters", tuple(py, e.zero_filters.iter().copied())?)?;
            if let Some(sr) = &e.shared_roots {
                d.set_item("shared_roots", tuple(py, sr.iter().copied())?)?;
            }
            if let Some(b) = e.function_boundary {
                d.set_item("function_boundary", b)?;
            }
            if let Some(rr) = &e.real_roots {
                d.set_item("real_roots", tuple(py, rr.iter().copied())?)?;
            }
        }
        Evidence::Attention(e) => {
            d.set_item("architecture", "attention")?;
            let heads = e
                .heads
                .iter()
                .map(|h| {
                    let hd = PyDict::new(py);
                    hd.set_item("layer", h.layer)?;
                    hd.set_item("head", h.head)?;
                    hd.set_item("scores_rank", h.scores_rank)?;
                    hd.set_item("max_scores_rank", h.max_scores_rank)?;
                    hd.set_item("value_rank", h.value_rank)?;
                    Ok(hd)
                })
                .collect::<PyResult<Vec<_>>>()?;
            d.set_item("heads", tuple(py, heads)?)?;
        }
        Evidence::General => d.set_item("architecture", "general")?,
    }
    Ok(d)
}

/// The kind and evidence of the point `theta` (ints/Fractions: exact rules; a float64 array:
/// zero means `|x| <= atol`), given whether `phi(theta) = 0` and whether the Jacobian's rank
/// drops below the generic rank (see `neurocore_core::strata::evidence`). The smaller
/// architecture's dimension runs on `threads` threads for networks beyond the inline limit.
#[pyfunction]
#[pyo3(signature = (net, theta, atol, phi_zero, rank_drop, threads = 0, memory_limit = None))]
#[allow(clippy::too_many_arguments)]
pub fn point_stratum<'py>(
    py: Python<'py>,
    net: &PyNetwork,
    theta: &Bound<'py, PyAny>,
    atol: Option<f64>,
    phi_zero: bool,
    rank_drop: bool,
    threads: usize,
    memory_limit: Option<u64>,
) -> BindResult<StratumRecord> {
    let net = &net.inner;
    let numbers = match atol {
        None => Numbers::parse(theta, &Field::Rational, "theta")?,
        Some(a) if a.is_finite() && a >= 0.0 => Numbers::parse(theta, &Field::Float, "theta")?,
        Some(a) => return Err(CoreError::invalid("atol", format!("must be finite and >= 0, got {a}")).into()),
    };
    net.check_params_len(numbers.len())?;
    let tol = atol.unwrap_or(0.0);
    let work = |par: Par, intr: &dyn neurocore_core::par::Interrupt| match &numbers {
        Numbers::Exact(v) => point_evidence(net, v, tol, par, intr),
        Numbers::Float(v) => point_evidence(net, v, tol, par, intr),
    };
    let ev = if uses_exact_jacobian(net)? {
        run_inline(py, |par, intr| with_memory_limit(memory_limit, || work(par, intr)))?
    } else {
        run_limited(py, threads, memory_limit, work)?
    };
    let details = evidence_details(py, &ev)?;
    Ok(StratumRecord { kind: ev.kind(phi_zero, rank_drop).name(), details: details.unbind() })
}
