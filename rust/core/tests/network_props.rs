//! Identities every network must satisfy, over F_p at random points:
//! symmetry tangent vectors lie in the kernel of the Jacobian; reverse mode agrees with forward
//! mode (dual numbers); parallel evaluation equals sequential evaluation bit for bit.

use neurocore_core::coefficients::coefficient_jacobian;
use neurocore_core::jacobian::evaluation_jacobian;
use neurocore_core::net::symmetry::{hidden_symmetry_generators, symmetry_generators};
use neurocore_core::net::{Activation, Attention, Conv, Dense, Layer, Network};
use neurocore_core::ring::{DualRing, PrimeField, Ring};
use neurocore_core::rng::SplitMix64;
use neurocore_core::{NoInterrupt, Par};
use num_rational::BigRational;

const P: u64 = (1 << 61) - 1;

fn act(dim: usize, coeffs: &[i64]) -> Layer {
    Layer::Activation(
        Activation::new(dim, coeffs.iter().map(|&c| BigRational::from_integer(c.into())).collect()).unwrap(),
    )
}

fn dense(i: usize, o: usize, bias: bool) -> Layer {
    Layer::Dense(Dense { input_dim: i, output_dim: o, bias })
}

fn mlp(widths: &[usize], coeffs: &[i64], bias: bool) -> Network {
    let mut layers = Vec::new();
    for w in widths.windows(2).enumerate() {
        if w.0 > 0 {
            layers.push(act(w.1[0], coeffs));
        }
        layers.push(dense(w.1[0], w.1[1], bias));
    }
    Network::new(layers).unwrap()
}

fn networks() -> Vec<(&'static str, Network)> {
    let conv = Network::new(vec![
        Layer::Conv(Conv::new(2, 3, (1, 3), (1, 2), (1, 9), true).unwrap()),
        act(12, &[0, 0, 1]),
        Layer::Conv(Conv::new(3, 2, (1, 2), (1, 1), (1, 4), false).unwrap()),
    ])
    .unwrap();
    let conv2d = Network::new(vec![
        Layer::Conv(Conv::new(1, 2, (2, 2), (1, 1), (3, 3), false).unwrap()),
        act(8, &[0, 1]),
        Layer::Conv(Conv::new(2, 1, (2, 2), (1, 1), (2, 2), false).unwrap()),
    ])
    .unwrap();
    let att = Network::new(vec![
        Layer::Attention(Attention::new(3, 4, 2, 3, 2, false).unwrap()),
        Layer::Attention(Attention::new(4, 2, 2, 3, 1, false).unwrap()),
    ])
    .unwrap();
    let att_res = Network::new(vec![
        Layer::Attention(Attention::new(3, 3, 2, 2, 1, true).unwrap()),
        Layer::Attention(Attention::new(3, 3, 1, 2, 1, true).unwrap()),
    ])
    .unwrap();
    let mixed = Network::new(vec![
        Layer::Attention(Attention::new(2, 3, 1, 2, 1, false).unwrap()),
        dense(6, 4, false),
        act(4, &[0, 0, 1]),
        dense(4, 1, true),
    ])
    .unwrap();
    vec![
        ("mlp quadratic single output", mlp(&[3, 3, 3, 1], &[0, 0, 1], false)),
        ("mlp quadratic bias", mlp(&[2, 3, 4, 1], &[0, 0, 1], true)),
        ("mlp cubic", mlp(&[3, 2, 2], &[0, 0, 0, 1], false)),
        ("mlp linear", mlp(&[3, 2, 4, 3], &[0, 1], false)),
        ("mlp linear bias", mlp(&[3, 2, 3], &[0, 1], true)),
        ("mlp non-monomial", mlp(&[2, 2, 1], &[1, 2, 3], true)),
        ("conv1d channels", conv),
        ("conv2d", conv2d),
        ("attention", att),
        ("attention residual", att_res),
        ("mixed", mixed),
    ]
}

fn random_theta(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| rng.below(P)).collect()
}

#[test]
fn symmetry_generators_lie_in_the_jacobian_kernel() {
    let f = PrimeField::new(P).unwrap();
    for (name, net) in networks() {
        let theta = random_theta(net.n_params(), 42);
        let jac = coefficient_jacobian(&net, f, &theta, Par::Seq, &NoInterrupt).unwrap();
        let n = net.n_params();
        let mut gens = symmetry_generators(&net, &f, &theta);
        gens.extend(hidden_symmetry_generators(&net, &f, &theta));
        for (gi, g) in gens.iter().enumerate() {
            for (r, row) in jac.chunks(n).enumerate() {
                assert_eq!(f.dot(row, g), 0, "{name}: generator {gi} not in the kernel (row {r})");
            }
        }
    }
}

#[test]
fn reverse_mode_matches_dual_numbers() {
    let f = PrimeField::new(P).unwrap();
    let d = DualRing(f);
    for (name, net) in networks() {
        let n = net.n_params();
        let theta = random_theta(n, 7);
        let dir = random_theta(n, 8);
        let pts = random_theta(3 * net.input_dim(), 9);
        let bound = net.bind(f).unwrap();
        let jac = evaluation_jacobian(&bound, &theta, &pts, Par::Seq).unwrap();
        let dual = net.bind(d).unwrap();
        let theta_d: Vec<(u64, u64)> = theta.iter().zip(&dir).map(|(&t, &v)| (t, v)).collect();
        for (j, x) in pts.chunks(net.input_dim()).enumerate() {
            let xd: Vec<(u64, u64)> = x.iter().map(|&v| (v, 0)).collect();
            let out = dual.forward(&theta_d, &xd);
            for (o, (_, deriv)) in out.iter().enumerate() {
                let row = &jac[(j * net.output_dim() + o) * n..(j * net.output_dim() + o + 1) * n];
                assert_eq!(f.dot(row, &dir), *deriv, "{name}: point {j}, output {o}");
            }
        }
    }
}

#[test]
fn parallel_evaluation_jacobian_equals_sequential() {
    let f = PrimeField::new(P).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    for (_, net) in networks() {
        let theta = random_theta(net.n_params(), 1);
        let pts = random_theta(17 * net.input_dim(), 2);
        let bound = net.bind(f).unwrap();
        let seq = evaluation_jacobian(&bound, &theta, &pts, Par::Seq).unwrap();
        let par = pool.install(|| evaluation_jacobian(&bound, &theta, &pts, Par::from_threads(2)).unwrap());
        assert_eq!(seq, par);
    }
}
