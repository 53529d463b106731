//! `RankResult`: the rank of a matrix with its certificate, defined once (a frozen pyclass).

use neurocore_core::exact::RankCertificate;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// The rank of a matrix and how it was established.
///
/// Attributes
/// ----------
/// rank : int
///     The rank over ``field``; for ``field="float"`` a numerical rank.
/// field : str or int
///     ``"QQ"``, ``"float"`` or the prime.
/// certified : bool
///     True when ``rank`` is proven: always for a prime field (exact elimination mod p); over Q
///     when the lower bound (ranks modulo primes) meets the upper bound (an exactly verified
///     kernel basis); never for floats.
/// lower_bound, upper_bound : int
///     Proven bounds on the rank over ``field`` (floats: equal to ``rank``, unproven).
/// method : str
///     How the rank was computed.
/// shape : tuple of int
///     ``(rows, cols)`` of the matrix.
/// primes : tuple of int
///     Primes used (modular and Q ranks).
/// tolerance : float or None
///     Singular-value threshold (floats only).
/// singular_value_gap : float or None
///     ``sigma_rank / sigma_{rank+1}`` (floats only; large means a clear numerical rank).
#[pyclass(frozen, get_all, module = "neurocore", name = "RankResult")]
pub struct RankResult {
    rank: usize,
    field: Py<PyAny>,
    certified: bool,
    lower_bound: usize,
    upper_bound: usize,
    method: String,
    shape: (usize, usize),
    primes: Py<PyTuple>,
    tolerance: Option<f64>,
    singular_value_gap: Option<f64>,
}

impl RankResult {
    /// The certified rank over Q.
    pub fn exact(py: Python<'_>, c: RankCertificate, shape: (usize, usize)) -> Self {
        RankResult {
            rank: c.rank,
            field: "QQ".into_pyobject(py).map(|s| s.into_any().unbind()).unwrap_or_else(|_| py.None()),
            certified: c.certified,
            lower_bound: c.lower_bound,
            upper_bound: c.upper_bound,
            method: "ranks mod primes + kernel certified by p-adic lifting".into(),
            shape,
            primes: PyTuple::new(py, c.primes).map(Bound::unbind).unwrap_or_else(|_| PyTuple::empty(py).unbind()),
            tolerance: None,
            singular_value_gap: None,
        }
    }

    /// The rank over F_p (exact elimination: always certified).
    pub fn modular(py: Python<'_>, rank: usize, prime: u64, shape: (usize, usize)) -> PyResult<Self> {
        Ok(RankResult {
            rank,
            field: prime.into_pyobject(py)?.into_any().unbind(),
            certified: true,
            lower_bound: rank,
            upper_bound: rank,
            method: "blocked elimination mod p".into(),
            shape,
            primes: PyTuple::new(py, [prime])?.unbind(),
            tolerance: None,
            singular_value_gap: None,
        })
    }
}

#[pymethods]
impl RankResult {
    #[new]
    #[pyo3(signature = (*, rank, field, certified, lower_bound, upper_bound, method, shape, primes = Vec::new(),
                        tolerance = None, singular_value_gap = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        rank: usize,
        field: Py<PyAny>,
        certified: bool,
        lower_bound: usize,
        upper_bound: usize,
        method: String,
        shape: (usize, usize),
        primes: Vec<u64>,
        tolerance: Option<f64>,
        singular_value_gap: Option<f64>,
    ) -> PyResult<Self> {
        let primes = PyTuple::new(py, primes)?.unbind();
        Ok(RankResult {
            rank,
            field,
            certified,
            lower_bound,
            upper_bound,
            method,
            shape,
            primes,
            tolerance,
            singular_value_gap,
        })
    }

    fn __int__(&self) -> usize {
        self.rank
    }

    fn __index__(&self) -> usize {
        self.rank
    }

    /// Plain-dict form.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("rank", self.rank)?;
        d.set_item("field", self.field.bind(py))?;
        d.set_item("certified", self.certified)?;
        d.set_item("lower_bound", self.lower_bound)?;
        d.set_item("upper_bound", self.upper_bound)?;
        d.set_item("method", &self.method)?;
        d.set_item("shape", self.shape)?;
        d.set_item("primes", self.primes.bind(py))?;
        d.set_item("tolerance", self.tolerance)?;
        d.set_item("singular_value_gap", self.singular_value_gap)?;
        Ok(d)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        match other.cast::<RankResult>() {
            Ok(o) => self.to_dict(py)?.eq(o.get().to_dict(py)?),
            Err(_) => Ok(false),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "RankResult(rank={}, field={}, certified={}, lower_bound={}, upper_bound={}, method={:?}, shape={:?}, \
             primes={}, tolerance={:?}, singular_value_gap={:?})",
            self.rank,
            self.field.bind(py).repr()?,
            if self.certified { "True" } else { "False" },
            self.lower_bound,
            self.upper_bound,
            self.method,
            self.shape,
            self.primes.bind(py).repr()?,
            self.tolerance,
            self.singular_value_gap
        ))
    }
}
