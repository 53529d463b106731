//! Where the time of one `ed_degree` call goes (the benchmark of `benches/m2_ed_degree.py`):
//! `cargo run --release --example profile_ed`. Times the whole call and its stages (slice
//! dimension, start pair, monodromy loops, refinement and certification) and counts path steps.

use neurocore_core::closest::Metric;
use neurocore_core::dimension::{dimension, DimensionOptions};
use neurocore_core::homotopy::certify::Certifier;
use neurocore_core::homotopy::data_metric::SystemMetric;
use neurocore_core::homotopy::driver::{ed_degree, EdOptions};
use neurocore_core::homotopy::monodromy::{monodromy, start_pair};
use neurocore_core::homotopy::system::{CriticalSystem, Slice};
use neurocore_core::homotopy::tracker::refine;
use neurocore_core::par::{NoInterrupt, Par};
use neurocore_core::ring::{ComplexRing, C64};
use neurocore_core::rng::SplitMix64;

mod common;
use common::{best, mlp};

fn cnormal(g: &mut SplitMix64) -> C64 {
    C64::new(g.normal(), g.normal()).scale(std::f64::consts::FRAC_1_SQRT_2)
}

fn main() {
    for (w, r, want) in [(vec![3, 2, 1], 2, 13), (vec![2, 1, 1], 3, 7)] {
        let net = mlp(&w, r);
        let opts = EdOptions::default();
        let rep = ed_degree(&net, &Metric::Euclidean, 0, &opts, Par::Seq, &NoInterrupt).unwrap();
        assert_eq!(rep.ed_degree, want);
        let total = best(5, || ed_degree(&net, &Metric::Euclidean, 0, &opts, Par::Seq, &NoInterrupt).unwrap());
        let one_opts = EdOptions { runs: 1, ..EdOptions::default() };
        let one = best(5, || ed_degree(&net, &Metric::Euclidean, 0, &one_opts, Par::Seq, &NoInterrupt).unwrap());
        // The stages of one run, as the driver runs them.
        let dim_t =
            best(5, || dimension(&net, &DimensionOptions { seed: 0, ..DimensionOptions::default() }, &NoInterrupt));
        let m = rep.dim;
        let n = net.n_params();
        let mut g = SplitMix64::new(7);
        let slice = Slice {
            theta0: (0..n).map(|_| cnormal(&mut g)).collect(),
            b: (0..n * m).map(|_| cnormal(&mut g)).collect(),
        };
        let metric = SystemMetric::Diagonal(vec![1.0; rep.ambient_dim]);
        let sys_t = best(5, || CriticalSystem::new(&net, ComplexRing, &slice, &metric).unwrap());
        let sys = CriticalSystem::new(&net, ComplexRing, &slice, &metric).unwrap();
        let (start, u0) = start_pair(&sys, &mut g, 1e-9).unwrap();
        let mut out = None;
        let loops_t = best(5, || {
            out = Some(
                monodromy(&sys, &u0, start.clone(), &opts.monodromy, &opts.tracker, 5, Par::Seq, &NoInterrupt).unwrap(),
            )
        });
        let (sols, mrep) = out.unwrap();
        let refine_t = best(5, || sols.iter().map(|s| refine(&sys, &s.t, &u0).unwrap()).collect::<Vec<_>>());
        let cert = Certifier::new(&net, &slice, &metric).unwrap();
        let cert_t = best(5, || {
            sols.iter()
                .map(|s| {
                    let (_, gt, p) = sys.residual_jacobian(&s.t, &u0).unwrap();
                    cert.certify(&s.t, &u0, &p.jb, &gt).unwrap().is_some()
                })
                .collect::<Vec<_>>()
        });
        println!(
            "{w:?} t^{r}: ed {} | total {:.1} ms, runs=1 {:.1} ms | dimension {:.2} ms, system {:.2} ms, \
             loops {:.1} ms ({} loops, {} paths, {} steps, {} rejected, failures {:?}), refine {:.2} ms, certify {:.2} ms",
            rep.ed_degree,
            total * 1e3,
            one * 1e3,
            dim_t * 1e3,
            sys_t * 1e3,
            loops_t * 1e3,
            mrep.loops,
            mrep.paths,
            mrep.steps,
            mrep.rejected,
            mrep.failures,
            refine_t * 1e3,
            cert_t * 1e3,
        );
    }
}
