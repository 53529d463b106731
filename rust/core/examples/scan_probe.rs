use neurocore_core::net::{Activation, Dense, Layer, Network};
use neurocore_core::par::NoInterrupt;
use neurocore_core::ring::primes::DEFAULT_PRIME;
use neurocore_core::scan::{scan_samples, Sampler};
use neurocore_core::Par;
use std::time::Instant;

fn main() {
    let widths = [4usize, 10, 10, 2];
    let mut layers = Vec::new();
    for i in 0..widths.len() - 1 {
        if i > 0 {
            layers.push(Layer::Activation(Activation::monomial(widths[i], 2).unwrap()));
        }
        layers.push(Layer::Dense(Dense { input_dim: widths[i], output_dim: widths[i + 1], bias: false }));
    }
    let net = Network::new(layers).unwrap();
    for t in [1usize, 2, 1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap();
        let par = if t == 1 { Par::Seq } else { Par::Rayon };
        let t0 = Instant::now();
        let out = pool.install(|| {
            println!("threads inside: {}", rayon::current_num_threads());
            scan_samples(&net, DEFAULT_PRIME, 0, Sampler::Sparse { sparsity: 0.5 }, 0, 400, par, &NoInterrupt).unwrap()
        });
        println!("{t}: {:?} {}", t0.elapsed(), out.ranks.len());
    }
}
