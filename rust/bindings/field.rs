//! The `field=` argument, parsed once at the boundary, and the values that cross it.
//!
//! One spelling each, the same for every function: `"QQ"` (exact rationals), an `int` prime
//! `3 <= p < 2^63` (arithmetic modulo p), or `"float"` (float64). A binding matches on the field
//! once, with [`with_ring!`], and makes one generic core call; values in and out of the ring go
//! through [`RingValues`].

use crate::errors::BindResult;
use crate::exact_matrix::ExactMatrix;
use neurocore_core::exact::QQMatrix;
use neurocore_core::ring::{F64Ring, PrimeField, RationalRing, Ring};
use neurocore_core::CoreError;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyString;

/// The field of a computation.
#[derive(Clone, Copy, Debug)]
pub enum Field {
    /// Exact rationals.
    Rational,
    /// Integers modulo a prime.
    Prime(PrimeField),
    /// Double precision.
    Float,
}

impl Field {
    /// Parses `"QQ"`, `"float"` or a prime; anything else is a `ValueError`/`TypeError` naming
    /// `field`.
    pub fn parse(obj: &Bound<'_, PyAny>) -> BindResult<Field> {
        if let Ok(s) = obj.cast::<PyString>() {
            return match s.to_str()? {
                "QQ" => Ok(Field::Rational),
                "float" => Ok(Field::Float),
                other => {
                    Err(CoreError::invalid("field", format!("expected 'QQ', 'float' or a prime, got {other:?}")).into())
                }
            };
        }
        Ok(Field::Prime(parse_prime(obj, "field")?))
    }
}

/// A prime argument `3 <= p < 2^63` (a Python int of any size is checked, never wrapped).
pub fn parse_prime(obj: &Bound<'_, PyAny>, arg: &str) -> BindResult<PrimeField> {
    let expected = || format!("expected 'QQ', 'float' or a prime int, got {obj}");
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(CoreError::wrong_type(arg, expected()).into());
    }
    let p: BigInt = obj.extract().map_err(|_| CoreError::wrong_type(arg, expected()))?;
    let p: u64 = u64::try_from(&p)
        .ok()
        .filter(|&p| (3..1 << 63).contains(&p))
        .ok_or_else(|| CoreError::invalid(arg, format!("the prime must satisfy 3 <= p < 2^63, got {p}")))?;
    if !neurocore_core::ring::primes::is_prime(p) {
        return Err(CoreError::invalid(arg, format!("{p} is not prime")).into());
    }
    Ok(PrimeField::new(p)?)
}

/// Runs `$body` once per field with `$ring` bound to the core ring of that field (a
/// `RationalRing`, a `PrimeField` or an `F64Ring`): the one `match` of a binding.
macro_rules! with_ring {
    ($field:expr, |$ring:ident| $body:expr) => {
        match $field {
            $crate::field::Field::Rational => {
                let $ring = neurocore_core::ring::RationalRing;
                $body
            }
            $crate::field::Field::Prime($ring) => $body,
            $crate::field::Field::Float => {
                let $ring = neurocore_core::ring::F64Ring;
                $body
            }
        }
    };
}
pub(crate) use with_ring;

/// Numbers as the user gave them: exact (ints and `Fraction`s, read through their `numerator`
/// and `denominator`) or float64.
pub enum Numbers {
    Exact(Vec<BigRational>),
    Float(Vec<f64>),
}

impl Numbers {
    /// Reads a flat sequence: a float64 array (or a float sequence) when `field` is `"float"`,
    /// otherwise ints and `Fraction`s (Python has already refused floats for exact fields).
    pub fn parse(obj: &Bound<'_, PyAny>, field: &Field, arg: &str) -> BindResult<Numbers> {
        if let Field::Float = field {
            let v: Vec<f64> = match obj.extract::<PyReadonlyArray1<'_, f64>>() {
                Ok(a) => a.as_array().to_vec(),
                Err(_) => {
                    obj.extract().map_err(|_| CoreError::wrong_type(arg, "expected a sequence of real numbers"))?
                }
            };
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(CoreError::invalid(arg, format!("entry {i} is {} (must be finite)", v[i])).into());
            }
            return Ok(Numbers::Float(v));
        }
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            let item = item?;
            let bad = || CoreError::wrong_type(arg, format!("entry {i} is not an int or fractions.Fraction"));
            let n: BigInt = item.getattr("numerator").and_then(|v| v.extract()).map_err(|_| bad())?;
            let d: BigInt = item.getattr("denominator").and_then(|v| v.extract()).map_err(|_| bad())?;
            if d.is_zero() {
                return Err(CoreError::DivisionByZero(format!("{arg}: entry {i} has denominator 0")).into());
            }
            out.push(BigRational::new(n, d));
        }
        Ok(Numbers::Exact(out))
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Numbers::Exact(v) => v.len(),
            Numbers::Float(v) => v.len(),
        }
    }
}

/// Moving values into and out of a ring at the boundary.
pub trait RingValues: Ring + Copy {
    /// The ring's images of the numbers; `DivisionByZero` naming `arg` and the entry when a
    /// denominator is not invertible (modulo p).
    fn elements(&self, numbers: &Numbers, arg: &str) -> BindResult<Vec<Self::Elem>>;
    /// A row-major `rows x cols` result as the Python object of this field: an `ExactMatrix`
    /// (Q), a `uint64` array of residues (F_p), a `float64` array (floats).
    fn matrix_out(&self, py: Python<'_>, rows: usize, cols: usize, data: Vec<Self::Elem>) -> BindResult<Py<PyAny>>;
}

fn exact_elements<R: Ring>(ring: &R, numbers: &Numbers, arg: &str) -> BindResult<Vec<R::Elem>> {
    match numbers {
        Numbers::Exact(v) => v
            .iter()
            .enumerate()
            .map(|(i, r)| {
                ring.from_rational(r).map_err(|e| match e {
                    CoreError::DivisionByZero(_) => CoreError::DivisionByZero(format!(
                        "{arg}: entry {i} has denominator {}, not invertible in this field",
                        r.denom()
                    ))
                    .into(),
                    other => other.into(),
                })
            })
            .collect(),
        Numbers::Float(_) => Err(CoreError::wrong_type(arg, "float values cannot give an exact result").into()),
    }
}

fn array_out<T: numpy::Element>(py: Python<'_>, rows: usize, cols: usize, data: Vec<T>) -> BindResult<Py<PyAny>> {
    let arr =
        Array2::from_shape_vec((rows, cols), data).map_err(|e| CoreError::internal(format!("result shape: {e}")))?;
    Ok(arr.into_pyarray(py).into_any().unbind())
}

impl RingValues for RationalRing {
    fn elements(&self, numbers: &Numbers, arg: &str) -> BindResult<Vec<BigRational>> {
        exact_elements(self, numbers, arg)
    }
    fn matrix_out(&self, py: Python<'_>, rows: usize, cols: usize, data: Vec<BigRational>) -> BindResult<Py<PyAny>> {
        let m = QQMatrix::from_rationals(rows, cols, &data)?;
        Ok(Py::new(py, ExactMatrix::from(m))?.into_any())
    }
}

impl RingValues for PrimeField {
    fn elements(&self, numbers: &Numbers, arg: &str) -> BindResult<Vec<u64>> {
        exact_elements(self, numbers, arg)
    }
    fn matrix_out(&self, py: Python<'_>, rows: usize, cols: usize, data: Vec<u64>) -> BindResult<Py<PyAny>> {
        array_out(py, rows, cols, data)
    }
}

impl RingValues for F64Ring {
    fn elements(&self, numbers: &Numbers, arg: &str) -> BindResult<Vec<f64>> {
        match numbers {
            Numbers::Float(v) => Ok(v.clone()),
            Numbers::Exact(v) => {
                v.iter().map(|r| self.from_rational(r).map_err(Into::into)).collect::<BindResult<Vec<f64>>>().map_err(
                    |_: crate::errors::BindError| CoreError::invalid(arg, "a value is not representable").into(),
                )
            }
        }
    }
    fn matrix_out(&self, py: Python<'_>, rows: usize, cols: usize, data: Vec<f64>) -> BindResult<Py<PyAny>> {
        array_out(py, rows, cols, data)
    }
}
