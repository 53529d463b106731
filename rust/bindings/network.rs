//! `NetworkCore`: the Python handle of a core `Network`, built from typed layer specs.

use crate::errors::{to_pyerr, BindResult};
use crate::field::{Field, Numbers};
use crate::runtime::run;
use neurocore_core::net::degrees::network_degrees;
use neurocore_core::net::monomials::network_monomials;
use neurocore_core::net::{Activation, Attention, Conv, Dense, Layer, Network};
use neurocore_core::{dimension, CoreError};
use num_bigint::BigUint;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2};
use pyo3::prelude::*;

/// A dense layer spec: `x -> W x (+ b)`.
#[pyclass(frozen, module = "neurocore._core")]
pub struct DenseLayer(Dense);

#[pymethods]
impl DenseLayer {
    /// The number of values this layer outputs.
    #[getter]
    fn output_dim(&self) -> usize {
        Layer::Dense(self.0.clone()).output_dim()
    }

    #[new]
    #[pyo3(signature = (*, input_dim, output_dim, bias))]
    fn new(input_dim: usize, output_dim: usize, bias: bool) -> Self {
        DenseLayer(Dense { input_dim, output_dim, bias })
    }
}

/// An elementwise polynomial activation spec: `dim` coordinates, coefficients `c_0..c_r` (ints
/// or `Fraction`s, low to high).
#[pyclass(frozen, module = "neurocore._core")]
pub struct ActivationLayer(Activation);

#[pymethods]
impl ActivationLayer {
    /// The number of values this layer outputs.
    #[getter]
    fn output_dim(&self) -> usize {
        Layer::Activation(self.0.clone()).output_dim()
    }

    #[new]
    #[pyo3(signature = (*, dim, coefficients))]
    fn new(dim: usize, coefficients: &Bound<'_, PyAny>) -> BindResult<Self> {
        let Numbers::Exact(c) = Numbers::parse(coefficients, &Field::Rational, "activation")? else {
            return Err(CoreError::internal("exact coefficients expected").into());
        };
        Ok(ActivationLayer(Activation::new(dim, c)?))
    }
}

/// A valid strided convolution spec with channels (`(height, width)` input, `(k_h, k_w)` kernel).
#[pyclass(frozen, module = "neurocore._core")]
pub struct ConvLayer(Conv);

#[pymethods]
impl ConvLayer {
    /// The number of values this layer outputs.
    #[getter]
    fn output_dim(&self) -> usize {
        Layer::Conv(self.0.clone()).output_dim()
    }

    #[new]
    #[pyo3(signature = (*, in_channels, out_channels, kernel, stride, input_size, bias))]
    fn new(
        in_channels: usize,
        out_channels: usize,
        kernel: (usize, usize),
        stride: (usize, usize),
        input_size: (usize, usize),
        bias: bool,
    ) -> BindResult<Self> {
        Ok(ConvLayer(Conv::new(in_channels, out_channels, kernel, stride, input_size, bias)?))
    }
}

/// A lightning self-attention layer spec.
#[pyclass(frozen, module = "neurocore._core")]
pub struct AttentionLayer(Attention);

#[pymethods]
impl AttentionLayer {
    /// The number of values this layer outputs.
    #[getter]
    fn output_dim(&self) -> usize {
        Layer::Attention(self.0.clone()).output_dim()
    }

    #[new]
    #[pyo3(signature = (*, input_width, output_width, key_dim, tokens, heads, residual))]
    fn new(
        input_width: usize,
        output_width: usize,
        key_dim: usize,
        tokens: usize,
        heads: usize,
        residual: bool,
    ) -> BindResult<Self> {
        Ok(AttentionLayer(Attention::new(input_width, output_width, key_dim, tokens, heads, residual)?))
    }
}

fn layer_of(spec: &Bound<'_, PyAny>, i: usize) -> BindResult<Layer> {
    if let Ok(l) = spec.cast::<DenseLayer>() {
        return Ok(Layer::Dense(l.get().0.clone()));
    }
    if let Ok(l) = spec.cast::<ActivationLayer>() {
        return Ok(Layer::Activation(l.get().0.clone()));
    }
    if let Ok(l) = spec.cast::<ConvLayer>() {
        return Ok(Layer::Conv(l.get().0.clone()));
    }
    if let Ok(l) = spec.cast::<AttentionLayer>() {
        return Ok(Layer::Attention(l.get().0.clone()));
    }
    Err(CoreError::wrong_type(
        format!("layers[{i}]"),
        "expected a DenseLayer, ActivationLayer, ConvLayer or AttentionLayer",
    )
    .into())
}

/// A validated network (layers whose dimensions chain), built from typed layer specs.
#[pyclass(frozen, name = "NetworkCore", module = "neurocore._core")]
pub struct PyNetwork {
    pub inner: Network,
}

#[pymethods]
impl PyNetwork {
    #[new]
    fn new(layers: Vec<Bound<'_, PyAny>>) -> BindResult<Self> {
        let layers = layers.iter().enumerate().map(|(i, l)| layer_of(l, i)).collect::<BindResult<Vec<_>>>()?;
        Ok(PyNetwork { inner: Network::new(layers)? })
    }

    /// The output dimension of every layer, in order.
    fn layer_output_dims(&self) -> Vec<usize> {
        self.inner.layers().iter().map(|l| l.output_dim()).collect()
    }

    /// The first parameter index of every layer, then `n_params`.
    fn param_offsets(&self) -> Vec<usize> {
        let mut o = self.inner.param_offsets().to_vec();
        o.push(self.inner.n_params());
        o
    }

    /// `min(n_params - symmetry_dim, ambient_dim)` (the linear-network formula for linear MLPs).
    #[pyo3(signature = (threads=0))]
    fn expected_dim(&self, py: Python<'_>, threads: usize) -> PyResult<usize> {
        run(py, threads, |par, intr| dimension::expected_dim(&self.inner, par, intr))
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
