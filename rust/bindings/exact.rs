//! Ranks and kernels of matrices over Q or F_p: one binding each, generic over the field.
//! (Numerical ranks of float matrices are numpy's SVD, in the Python layer.)

use crate::errors::BindResult;
use crate::exact_matrix::ExactMatrix;
use crate::field::Field;
use crate::rank_result::RankResult;
use crate::runtime::run;
use neurocore_core::exact::{ExactOptions, IntMatrix, QQMatrix};
use neurocore_core::linalg::{kernel_basis_mod_p, rank_mod_p, Mat};
use neurocore_core::par::check_allocation;
use neurocore_core::ring::PrimeField;
use neurocore_core::CoreError;
use num_bigint::BigInt;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyReadonlyArray2};
use pyo3::prelude::*;

/// A matrix argument: an `ExactMatrix`, or a 2-D `int64` / `uint64` array (the fast paths that
/// make no Python integers).
enum MatrixArg {
    Exact(QQMatrix),
    Int64(usize, usize, Vec<i64>),
    UInt64(usize, usize, Vec<u64>),
}

impl MatrixArg {
    fn parse(obj: &Bound<'_, PyAny>) -> BindResult<MatrixArg> {
        if let Ok(m) = obj.cast::<ExactMatrix>() {
            return Ok(MatrixArg::Exact(m.get().inner.clone()));
        }
        if let Ok(a) = obj.extract::<PyReadonlyArray2<'_, i64>>() {
            let (r, c) = a.as_array().dim();
            check_allocation("a copy of the matrix", r as u128 * c as u128, 8)?;
            return Ok(MatrixArg::Int64(r, c, a.as_array().iter().copied().collect()));
        }
        if let Ok(a) = obj.extract::<PyReadonlyArray2<'_, u64>>() {
            let (r, c) = a.as_array().dim();
            check_allocation("a copy of the matrix", r as u128 * c as u128, 8)?;
            return Ok(MatrixArg::UInt64(r, c, a.as_array().iter().copied().collect()));
        }
        Err(CoreError::wrong_type("matrix", "expected an ExactMatrix or a 2-D int64/uint64 array").into())
    }

    fn shape(&self) -> (usize, usize) {
        match self {
            MatrixArg::Exact(m) => (m.rows(), m.cols()),
            MatrixArg::Int64(r, c, _) | MatrixArg::UInt64(r, c, _) => (*r, *c),
        }
    }

    /// The matrix over Q.
    fn into_rational(self) -> BindResult<QQMatrix> {
        Ok(match self {
            MatrixArg::Exact(m) => m,
            MatrixArg::Int64(r, c, v) => QQMatrix::from_integers(IntMatrix::from_i64(r, c, v)?),
            MatrixArg::UInt64(r, c, v) => match v.iter().map(|&x| i64::try_from(x)).collect::<Result<Vec<i64>, _>>() {
                Ok(small) => QQMatrix::from_integers(IntMatrix::from_i64(r, c, small)?),
                Err(_) => {
                    QQMatrix::from_integers(IntMatrix::from_bigints(r, c, v.into_iter().map(BigInt::from).collect())?)
                }
            },
        })
    }

    /// The residues modulo `f` (signed entries reduced, never wrapped).
    fn into_residues(self, f: &PrimeField) -> BindResult<Mat<u64>> {
        let (r, c) = self.shape();
        let data = match self {
            MatrixArg::Exact(m) => m.residues(f)?,
            MatrixArg::Int64(_, _, v) => v.into_iter().map(|x| f.from_i128(x as i128)).collect(),
            MatrixArg::UInt64(_, _, v) => v.into_iter().map(|x| f.reduce_u64(x)).collect(),
        };
        Ok(Mat::from_vec(r, c, data)?)
    }
}

/// The rank of `matrix` over `field` ("QQ" or a prime), with its certificate.
///
/// Over Q the lower bound is the largest rank modulo random 62-bit primes and the upper bound
/// comes from Dixon lifting of the standard kernel basis, every row's residual checked, for
/// enough steps that the check is an exact proof (see `neurocore_core::exact`).
#[pyfunction]
#[pyo3(signature = (matrix, field, seed = 0, threads = 0))]
pub fn rank(
    py: Python<'_>,
    matrix: &Bound<'_, PyAny>,
    field: &Bound<'_, PyAny>,
    seed: u64,
    threads: usize,
) -> BindResult<RankResult> {
    let field = Field::parse(field)?;
    let m = MatrixArg::parse(matrix)?;
    let shape = m.shape();
    match field {
        Field::Rational => {
            let q = m.into_rational()?;
            let opts = ExactOptions::with_seed(seed);
            let c = run(py, threads, |par, intr| q.rank(&opts, par, intr))?;
            Ok(RankResult::exact(py, c, shape))
        }
        Field::Prime(f) => {
            let a = m.into_residues(&f)?;
            let r = run(py, threads, |par, intr| rank_mod_p(&f, &a, par, intr))?;
            Ok(RankResult::modular(py, r, f.modulus(), shape)?)
        }
        Field::Float => {
            Err(CoreError::invalid("field", "float ranks are numerical (numpy SVD), not computed here").into())
        }
    }
}

/// A basis of the right kernel of `matrix` over `field`, as rows: an `ExactMatrix` verified by
/// an exact integer product (Q), or a `uint64` array (F_p).
#[pyfunction]
#[pyo3(signature = (matrix, field, seed = 0, threads = 0))]
pub fn kernel(
    py: Python<'_>,
    matrix: &Bound<'_, PyAny>,
    field: &Bound<'_, PyAny>,
    seed: u64,
    threads: usize,
) -> BindResult<Py<PyAny>> {
    let field = Field::parse(field)?;
    let m = MatrixArg::parse(matrix)?;
    match field {
        Field::Rational => {
            let q = m.into_rational()?;
            let opts = ExactOptions::with_seed(seed);
            let k = run(py, threads, |par, intr| q.kernel(&opts, par, intr))?;
            Ok(Py::new(py, ExactMatrix::from(k))?.into_any())
        }
        Field::Prime(f) => {
            let a = m.into_residues(&f)?;
            let k = run(py, threads, |par, intr| kernel_basis_mod_p(&f, &a, par, intr))?;
            let (r, c) = (k.rows(), k.cols());
            let arr = Array2::from_shape_vec((r, c), k.into_vec()).map_err(|e| CoreError::internal(format!("{e}")))?;
            Ok(arr.into_pyarray(py).into_any().unbind())
        }
        Field::Float => Err(CoreError::invalid("field", "kernels are exact; use 'QQ' or a prime").into()),
    }
}
