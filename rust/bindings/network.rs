//! `NetworkCore`: the Python handle of a core `Network`, built from plain layer tuples.

use crate::errors::to_pyerr;
use crate::runtime::run;
use neurocore_core::net::degrees::network_degrees;
use neurocore_core::net::monomials::network_monomials;
use neurocore_core::net::{Activation, Attention, Conv, Dense, Layer, Network};
use neurocore_core::{dimension, CoreError};
use num_bigint::{BigInt, BigUint};
use num_rational::BigRational;
use num_traits::Zero;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// A validated network (layers whose dimensions chain). Built by the Python layer from tuples:
/// `("dense", in, out, bias)`, `("activation", dim, [(num, den), ...])`,
/// `("conv", c_in, c_out, k_h, k_w, s_h, s_w, height, width, bias)`,
/// `("attention", d_in, d_out, key_dim, tokens, heads, residual)`.
#[pyclass(frozen, name = "NetworkCore", module = "neurocore._core")]
pub struct PyNetwork {
    pub inner: Network,
}

fn field<'py, T: for<'a> FromPyObject<'a, 'py>>(t: &Bound<'py, PyTuple>, i: usize, what: &str) -> PyResult<T> {
    t.get_item(i)
        .and_then(|v| v.extract::<T>().map_err(Into::into))
        .map_err(|_| PyTypeError::new_err(format!("layers: bad field {what} in layer spec {t}")))
}

fn parse_layer(spec: &Bound<'_, PyAny>) -> PyResult<Layer> {
    let t = spec.cast::<PyTuple>().map_err(|_| PyTypeError::new_err("layers: each layer spec must be a tuple"))?;
    let kind: String = field(t, 0, "kind")?;
    let layer = match kind.as_str() {
        "dense" => Layer::Dense(Dense {
            input_dim: field(t, 1, "input_dim")?,
            output_dim: field(t, 2, "output_dim")?,
            bias: field(t, 3, "bias")?,
        }),
        "activation" => {
            let dim: usize = field(t, 1, "dim")?;
            let pairs: Vec<(BigInt, BigInt)> = field(t, 2, "coefficients")?;
            let mut coeffs = Vec::with_capacity(pairs.len());
            for (n, d) in pairs {
                if d.is_zero() {
                    return Err(pyo3::exceptions::PyZeroDivisionError::new_err(
                        "activation: a coefficient has denominator 0",
                    ));
                }
                coeffs.push(BigRational::new(n, d));
            }
            Layer::Activation(Activation::new(dim, coeffs).map_err(to_pyerr)?)
        }
        "conv" => Layer::Conv(
            Conv::new(
                field(t, 1, "in_channels")?,
                field(t, 2, "out_channels")?,
                (field(t, 3, "k_h")?, field(t, 4, "k_w")?),
                (field(t, 5, "s_h")?, field(t, 6, "s_w")?),
                (field(t, 7, "height")?, field(t, 8, "width")?),
                field(t, 9, "bias")?,
            )
            .map_err(to_pyerr)?,
        ),
        "attention" => Layer::Attention(
            Attention::new(
                field(t, 1, "d_in")?,
                field(t, 2, "d_out")?,
                field(t, 3, "key_dim")?,
                field(t, 4, "tokens")?,
                field(t, 5, "heads")?,
                field(t, 6, "residual")?,
            )
            .map_err(to_pyerr)?,
        ),
        other => return Err(PyValueError::new_err(format!("layers: unknown layer kind {other:?}"))),
    };
    Ok(layer)
}

#[pymethods]
impl PyNetwork {
    #[new]
    fn new(layers: Vec<Bound<'_, PyAny>>) -> PyResult<Self> {
        let layers = layers.iter().map(parse_layer).collect::<PyResult<Vec<_>>>()?;
        Ok(PyNetwork { inner: Network::new(layers).map_err(to_pyerr)? })
    }

    /// Number of parameters.
    #[getter]
    fn n_params(&self) -> usize {
        self.inner.n_params()
    }

    /// Number of input variables.
    #[getter]
    fn input_dim(&self) -> usize {
        self.inner.input_dim()
    }

    /// Number of outputs.
    #[getter]
    fn output_dim(&self) -> usize {
        self.inner.output_dim()
    }

    /// Degrees in the inputs, as closed intervals `(lo, hi)`.
    fn degree_intervals(&self) -> PyResult<Vec<(u64, u64)>> {
        Ok(network_degrees(&self.inner).map_err(to_pyerr)?.input.intervals().to_vec())
    }

    /// An upper bound on the degree of the outputs in the parameters.
    fn parameter_degree(&self) -> PyResult<u64> {
        Ok(network_degrees(&self.inner).map_err(to_pyerr)?.params)
    }

    /// Exact ambient dimension (an unbounded Python int).
    fn ambient_dim(&self) -> PyResult<BigUint> {
        dimension::ambient_dim(&self.inner).map_err(to_pyerr)
    }

    /// Generic orbit dimension of the known symmetry group.
    #[pyo3(signature = (threads=0))]
    fn symmetry_dim(&self, py: Python<'_>, threads: usize) -> PyResult<usize> {
        run(py, threads, |par, intr| dimension::symmetry_dim(&self.inner, par, intr))
    }

    /// The exponent table of one output's coefficient coordinates.
    fn monomials<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<u32>>> {
        let n = self.inner.input_dim();
        let rows = network_monomials(&self.inner).map_err(to_pyerr)?;
        let count = rows.len();
        let flat: Vec<u32> = rows.into_iter().flatten().collect();
        let arr = Array2::from_shape_vec((count, n), flat)
            .map_err(|e| to_pyerr(CoreError::invalid("monomials", e.to_string())))?;
        Ok(arr.into_pyarray(py))
    }

    fn __repr__(&self) -> String {
        format!(
            "NetworkCore(layers={}, n_params={}, input_dim={}, output_dim={})",
            self.inner.layers().len(),
            self.inner.n_params(),
            self.inner.input_dim(),
            self.inner.output_dim()
        )
    }
}
