//! What the profiling examples share: the bias-free MLP with monomial activations `t^r`, and
//! best-of-N wall-clock timing.

use neurocore_core::net::{Activation, Dense, Layer, Network};
use std::time::Instant;

/// The bias-free MLP with widths `widths` and activation `t^r` between the layers.
pub fn mlp(widths: &[usize], r: u32) -> Network {
    let mut layers = Vec::new();
    for (i, w) in widths.windows(2).enumerate() {
        if i > 0 {
            layers.push(Layer::Activation(Activation::monomial(w[0], r).unwrap()));
        }
        layers.push(Layer::Dense(Dense { input_dim: w[0], output_dim: w[1], bias: false }));
    }
    Network::new(layers).unwrap()
}

/// The least wall-clock seconds of `reps` calls of `f`.
pub fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}
