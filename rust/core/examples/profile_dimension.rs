//! Where the time of one `dimension` call goes: `cargo run --release --example profile_dimension`.

use neurocore_core::bounds::orbit::orbit_ranks;
use neurocore_core::dimension::{dimension, DimensionOptions};
use neurocore_core::jacobian::evaluation_jacobian;
use neurocore_core::linalg::{rank_mod_p, Echelon, Mat};
use neurocore_core::par::{NoInterrupt, Par};
use neurocore_core::ring::PrimeField;

mod common;
use common::{best, mlp};

fn main() {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    for (w, r) in [(vec![8, 12, 12, 4], 2), (vec![16, 32, 32, 8], 2)] {
        let net = mlp(&w, r);
        pool.install(|| {
            let opts = DimensionOptions::default();
            let total = best(10, || dimension(&net, &opts, &NoInterrupt).unwrap());
            let f = PrimeField::new(7_347_209).unwrap();
            let sym_small = best(10, || orbit_ranks(&net, true, Par::from_threads(0), &NoInterrupt).unwrap());
            let sym_big = best(10, || orbit_ranks(&net, false, Par::from_threads(0), &NoInterrupt).unwrap());
            let n = net.n_params();
            let out = net.output_dim();
            let bound = net.bind(f).unwrap();
            let theta: Vec<u64> = (0..n as u64).map(|i| (i * 7919 + 13) % f.modulus()).collect();
            let npts = n.div_ceil(out);
            let pts: Vec<u64> = (0..(npts * w[0]) as u64).map(|i| (i * 104729 + 7) % f.modulus()).collect();
            let jac_t = best(5, || evaluation_jacobian(&bound, &theta, &pts, Par::from_threads(0)).unwrap());
            let rows = evaluation_jacobian(&bound, &theta, &pts, Par::from_threads(0)).unwrap();
            let m = Mat::from_vec(npts * out, n, rows).unwrap();
            let rank_t = best(5, || rank_mod_p(&f, &m, Par::from_threads(0), &NoInterrupt).unwrap());
            let ech_t = best(5, || {
                let mut e = Echelon::new(&f, n);
                e.add_rows(&m, Par::from_threads(0), &NoInterrupt).unwrap()
            });
            println!(
                "{w:?}: jacobian {:.3} ms, rank {:.3} ms, echelon {:.3} ms",
                jac_t * 1e3,
                rank_t * 1e3,
                ech_t * 1e3
            );
            println!(
                "{w:?}: total {:.3} ms, symmetry small {:.3} ms, symmetry 61-bit {:.3} ms",
                total * 1e3,
                sym_small * 1e3,
                sym_big * 1e3
            );
        });
    }
}
