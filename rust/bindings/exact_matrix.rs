//! `ExactMatrix`: a matrix over Q whose data stays in Rust (python-flint's `fmpq_mat` habit).
//! Its rank, kernel and reduced echelon form never leave the core; Python objects are made
//! only on request (`to_fractions`, `to_numpy`, `numer_denom`, `to_flint`).

use crate::errors::BindResult;
use crate::field::{Field, Numbers};
use crate::rank_result::RankResult;
use crate::runtime::run;
use neurocore_core::exact::{ExactOptions, IntMatrix, QQMatrix};
use neurocore_core::CoreError;
use num_bigint::BigInt;
use num_rational::BigRational;
use numpy::ndarray::Array2;
use numpy::{PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

/// A matrix over Q stored in Rust as integer numerators over one common denominator
/// (``denominator >= 1``, ``gcd(numerators, denominator) = 1``).
///
/// Returned by ``nc.jacobian(..., field="QQ")`` and ``nc.kernel``; build one with
/// ``ExactMatrix.from_fractions(rows, cols, values)`` or ``ExactMatrix.from_integers(rows, cols,
/// numerators, denominator)``. Pickles compactly (numerators and denominator).
///
/// Examples
/// --------
/// >>> from fractions import Fraction
/// >>> from neurocore import ExactMatrix
/// >>> m = ExactMatrix.from_fractions(2, 2, [Fraction(1, 2), 1, 0, Fraction(3, 4)])
/// >>> m.denominator, m.numerators.tolist()
/// (4, [[2, 4], [0, 3]])
/// >>> m.rank().rank
/// 2
#[pyclass(frozen, module = "neurocore", name = "ExactMatrix")]
pub struct ExactMatrix {
    pub inner: QQMatrix,
}

impl From<QQMatrix> for ExactMatrix {
    fn from(inner: QQMatrix) -> Self {
        ExactMatrix { inner }
    }
}

fn object_array<'py>(py: Python<'py>, rows: usize, cols: usize, items: Vec<Py<PyAny>>) -> BindResult<Py<PyAny>> {
    let arr = Array2::from_shape_vec((rows, cols), items).map_err(|e| CoreError::internal(format!("shape: {e}")))?;
    Ok(PyArray2::from_owned_object_array(py, arr).into_any().unbind())
}

impl ExactMatrix {
    fn fractions(&self, py: Python<'_>) -> BindResult<Vec<Py<PyAny>>> {
        let fraction = py.import("fractions")?.getattr("Fraction")?;
        let den = self.inner.denominator().clone();
        self.inner
            .numerators()
            .to_bigints()
            .into_iter()
            .map(|n| {
                let r = BigRational::new(n, den.clone());
                Ok(fraction.call1((r.numer().clone(), r.denom().clone()))?.unbind())
            })
            .collect()
    }
}

#[pymethods]
impl ExactMatrix {
    /// Builds the matrix from row-major ints and ``Fraction``s (one lcm, one gcd pass).
    #[staticmethod]
    fn from_fractions(rows: usize, cols: usize, values: &Bound<'_, PyAny>) -> BindResult<Self> {
        neurocore_core::par::check_allocation("the matrix", rows as u128 * cols as u128, 32)?;
        let Numbers::Exact(vals) = Numbers::parse(values, &Field::Rational, "values")? else {
            return Err(CoreError::internal("exact numbers expected").into());
        };
        if vals.len() != rows * cols {
            return Err(
                CoreError::invalid("values", format!("expected {} entries, got {}", rows * cols, vals.len())).into()
            );
        }
        Ok(QQMatrix::from_rationals(rows, cols, &vals)?.into())
    }

    /// Builds ``numerators / denominator`` from row-major integers over one denominator.
    #[staticmethod]
    #[pyo3(signature = (rows, cols, numerators, denominator = BigInt::from(1)))]
    fn from_integers(rows: usize, cols: usize, numerators: Vec<BigInt>, denominator: BigInt) -> BindResult<Self> {
        Ok(QQMatrix::new(rows, cols, numerators, denominator)?.into())
    }

    /// The integer matrix of a 2-D ``int64`` array (no Python integers are made).
    #[staticmethod]
    fn from_int64(array: PyReadonlyArray2<'_, i64>) -> BindResult<Self> {
        let view = array.as_array();
        let (r, c) = view.dim();
        neurocore_core::par::check_allocation("the matrix", r as u128 * c as u128, 8)?;
        Ok(QQMatrix::from_integers(IntMatrix::from_i64(r, c, view.iter().copied().collect())?).into())
    }

    /// ``(rows, cols)``.
    #[getter]
    fn shape(&self) -> (usize, usize) {
        (self.inner.rows(), self.inner.cols())
    }

    /// The common denominator (a Python int).
    #[getter]
    fn denominator(&self) -> BigInt {
        self.inner.denominator().clone()
    }

    /// The numerators as a numpy object array of Python ints, shape ``shape``.
    #[getter]
    fn numerators(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        let items =
            self.inner.numerators().to_bigints().into_iter().map(|v| Ok(v.into_pyobject(py)?.into_any().unbind()));
        let items = items.collect::<BindResult<Vec<_>>>()?;
        object_array(py, self.inner.rows(), self.inner.cols(), items)
    }

    /// ``(numerators, denominator)``, as python-flint's ``fmpq_mat.numer_denom``.
    fn numer_denom(&self, py: Python<'_>) -> BindResult<(Py<PyAny>, BigInt)> {
        Ok((self.numerators(py)?, self.denominator()))
    }

    /// Nested lists of ``Fraction``.
    fn to_fractions(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        let cols = self.inner.cols().max(1);
        let flat = self.fractions(py)?;
        let rows =
            flat.chunks(cols).take(self.inner.rows()).map(|row| PyList::new(py, row)).collect::<PyResult<Vec<_>>>()?;
        let rows =
            if self.inner.cols() == 0 { (0..self.inner.rows()).map(|_| PyList::empty(py)).collect() } else { rows };
        Ok(PyList::new(py, rows)?.into_any().unbind())
    }

    /// A numpy object array of ``Fraction``.
    fn to_numpy(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        let flat = self.fractions(py)?;
        object_array(py, self.inner.rows(), self.inner.cols(), flat)
    }

    #[pyo3(signature = (dtype = None, copy = None))]
    fn __array__(&self, py: Python<'_>, dtype: Option<Bound<'_, PyAny>>, copy: Option<bool>) -> BindResult<Py<PyAny>> {
        let _ = copy;
        let arr = self.to_numpy(py)?;
        match dtype {
            None => Ok(arr),
            Some(d) => Ok(arr.bind(py).call_method1("astype", (d,))?.unbind()),
        }
    }

    /// A ``flint.fmpq_mat`` (requires python-flint).
    fn to_flint(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        let flint = py.import("flint").map_err(|_| {
            pyo3::exceptions::PyImportError::new_err("to_flint() needs python-flint: pip install python-flint")
        })?;
        let (r, c) = self.shape();
        let nums = flint.getattr("fmpz_mat")?.call1((r, c, self.inner.numerators().to_bigints()))?;
        let mat = flint.getattr("fmpq_mat")?.call1((nums,))?;
        Ok(mat.call_method1("__truediv__", (self.denominator(),))?.unbind())
    }

    /// The certified rank over Q (a ``RankResult``); see ``neurocore.rank``.
    #[pyo3(signature = (*, seed = 0, threads = 0))]
    fn rank(&self, py: Python<'_>, seed: u64, threads: usize) -> BindResult<RankResult> {
        let opts = ExactOptions::with_seed(seed);
        let c = run(py, threads, |par, intr| self.inner.rank(&opts, par, intr))?;
        Ok(RankResult::exact(py, c, self.shape()))
    }

    /// A basis of the right kernel ``{x : A x = 0}`` as the rows of an ``ExactMatrix``, verified
    /// by an exact integer product.
    #[pyo3(signature = (*, seed = 0, threads = 0))]
    fn kernel(&self, py: Python<'_>, seed: u64, threads: usize) -> BindResult<ExactMatrix> {
        let opts = ExactOptions::with_seed(seed);
        Ok(run(py, threads, |par, intr| self.inner.kernel(&opts, par, intr))?.into())
    }

    /// ``(R, rank)``: the reduced row echelon form (same shape, zero rows last) and the rank,
    /// as python-flint's ``fmpq_mat.rref``.
    fn rref(&self, py: Python<'_>) -> BindResult<(ExactMatrix, usize)> {
        let (r, _) = run(py, 1, |_, intr| self.inner.rref(intr))?;
        let rank = r.rows();
        let (m, n) = self.shape();
        let mut nums = r.numerators().to_bigints();
        nums.resize(m * n, BigInt::from(0));
        Ok((QQMatrix::new(m, n, nums, r.denominator().clone())?.into(), rank))
    }

    /// Residues modulo a prime (``uint64``); ``ZeroDivisionError`` when ``p`` divides the
    /// denominator.
    fn residues<'py>(&self, py: Python<'py>, prime: &Bound<'py, PyAny>) -> BindResult<Py<PyAny>> {
        let Field::Prime(f) = Field::parse(prime)? else {
            return Err(CoreError::invalid("prime", "expected a prime int").into());
        };
        let data = self.inner.residues(&f)?;
        let arr = Array2::from_shape_vec(self.shape(), data).map_err(|e| CoreError::internal(format!("shape: {e}")))?;
        Ok(numpy::IntoPyArray::into_pyarray(arr, py).into_any().unbind())
    }

    fn __getitem__(&self, py: Python<'_>, idx: (usize, usize)) -> BindResult<Py<PyAny>> {
        let (r, c) = self.shape();
        if idx.0 >= r || idx.1 >= c {
            return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                "index {idx:?} out of range for shape ({r}, {c})"
            ))
            .into());
        }
        let v = self.inner.entry(idx.0, idx.1);
        Ok(py.import("fractions")?.getattr("Fraction")?.call1((v.numer().clone(), v.denom().clone()))?.unbind())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<ExactMatrix>().is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.shape(), self.inner.denominator(), self.inner.numerators().to_bigints()).hash(&mut h);
        h.finish()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> BindResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let me = slf.get();
        let (r, c) = me.shape();
        let ctor = slf.get_type().getattr("from_integers")?;
        let args = (r, c, me.inner.numerators().to_bigints(), me.denominator()).into_pyobject(py)?;
        Ok((ctor, args))
    }

    fn __repr__(&self) -> String {
        let (r, c) = self.shape();
        format!("ExactMatrix(shape=({r}, {c}), denominator={})", self.inner.denominator())
    }
}
