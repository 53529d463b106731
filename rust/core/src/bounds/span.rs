//! How many dimensions the outputs of a layer can span, as polynomials in the inputs.
//!
//! Upper bounds (docs/certificates.md, Lemma B3), for `h_j` the pre-activations of hidden
//! layer `j` and `s(h_j)` its activated outputs:
//! - `dim span h_j <= min(a_j, dim span s(h_{j-1}) + [layer j has a bias])`, with `s(h_0) = x`;
//! - `dim span s(h_j) <= a_j`, and for every earlier layer `i`, `s(h_j)` is a polynomial with
//!   degrees in a known set `D` in the elements of a basis of `span h_i` (of the inputs for
//!   `i = 0`), so `dim span s(h_j)` is at most the number of monomials with degrees in `D` in
//!   that many variables.
//!
//! Lower bounds are computed: the rank modulo p of the matrix of values of `s(h_j)` at random
//! points, at a random parameter point. A nonzero minor of that matrix modulo p is the
//! reduction of the same minor over Q (whose coefficients have denominators prime to p), so the
//! generic span over Q (and over C) is at least that rank.

use super::skeleton::{apply_activation, Skeleton};
use crate::dimension::check_prime_for_network;
use crate::error::Result;
use crate::linalg::{rank_mod_p, Mat};
use crate::net::degrees::{network_degrees, DegreeSet};
use crate::par::{check_allocation, Interrupt, Par};
use crate::ring::primes::DEFAULT_PRIME;
use crate::ring::PrimeField;
use crate::rng::SplitMix64;
use num_traits::ToPrimitive;

/// Random stream of the span computations ("SPAN").
const STREAM_SPAN: u64 = 0x5350_414e;

/// Upper bounds on the spans: `(pre, act)` with `pre[j] >= dim span h_j` (`pre[0] = a_0`) and
/// `act[j] >= dim span s(h_j)` (`act[0] = a_0`, the inputs), for `j < m`.
pub fn span_upper_bounds(sk: &Skeleton) -> Result<(Vec<usize>, Vec<usize>)> {
    let m = sk.layers();
    let mut pre = vec![sk.width(0)];
    let mut act = vec![sk.width(0)];
    for j in 1..m {
        let with_bias = act[j - 1].saturating_add(usize::from(sk.bias[j - 1]));
        pre.push(sk.width(j).min(with_bias));
        let mut best = sk.width(j);
        // In the inputs (i = 0) and in each earlier pre-activation basis (i = 1..=j).
        for (i, &vars) in pre.iter().enumerate() {
            let degrees = degrees_from(sk, i, j)?;
            let count = degrees.monomial_count(vars).to_usize().unwrap_or(usize::MAX);
            best = best.min(count);
        }
        act.push(best);
    }
    Ok((pre, act))
}

/// The degrees of `s(h_j)` as polynomials in `h_i` (in `x` for `i = 0`).
fn degrees_from(sk: &Skeleton, i: usize, j: usize) -> Result<DegreeSet> {
    let mut d = DegreeSet::single(1);
    if i == 0 {
        // x -> h_1 = W_1 x (+ b_1)
        if sk.bias[0] {
            d = d.union(&DegreeSet::single(0));
        }
    }
    let start = i.max(1);
    for l in start..=j {
        if l > start {
            // h_{l-1} activated, then dense layer l
            if sk.bias[l - 1] {
                d = d.union(&DegreeSet::single(0));
            }
        }
        d = apply_activation(&d, &sk.support(l))?;
    }
    Ok(d)
}

/// A proven lower bound on the span of the outputs of `sk` activated by `act` (the `s(h_k)` of
/// a longer network whose first `k` layers are `sk`), from their values at `points` random
/// inputs. Returns 0 when the prime does not suit the network (a weaker, still valid, bound).
pub fn activated_span_lower_bound(
    sk: &Skeleton,
    act: &[num_rational::BigRational],
    points: usize,
    intr: &dyn Interrupt,
) -> Result<usize> {
    let net = sk.network(Some(act))?;
    let Ok(degrees) = network_degrees(&net) else { return Ok(0) };
    if check_prime_for_network(&net, DEFAULT_PRIME, &degrees).is_err() {
        return Ok(0);
    }
    let field = PrimeField::new(DEFAULT_PRIME)?;
    let bound = net.bind(field)?;
    let p = field.modulus();
    check_allocation("the parameters of a span computation", net.n_params() as u128, 8)?;
    let mut rng = SplitMix64::derived(0, STREAM_SPAN, 0);
    let theta: Vec<u64> = (0..net.n_params()).map(|_| rng.below(p)).collect();
    let (d, out) = (net.input_dim(), net.output_dim());
    check_allocation("the span evaluation matrix", points as u128 * out as u128, 8)?;
    let mut values = Vec::with_capacity(points * out);
    for _ in 0..points {
        intr.check()?;
        let x: Vec<u64> = (0..d).map(|_| rng.below(p)).collect();
        values.extend(bound.forward(&theta, &x));
    }
    let m = Mat::from_vec(points, out, values)?;
    rank_mod_p(&field, &m, Par::Seq, intr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Dense, Layer, Network};
    use crate::par::NoInterrupt;

    fn sk(widths: &[usize], r: u32) -> Skeleton {
        let mut layers = Vec::new();
        for i in 0..widths.len() - 1 {
            if i > 0 {
                layers.push(Layer::Activation(Activation::monomial(widths[i], r).unwrap()));
            }
            layers.push(Layer::Dense(Dense { input_dim: widths[i], output_dim: widths[i + 1], bias: false }));
        }
        Skeleton::of(&Network::new(layers).unwrap()).unwrap()
    }

    #[test]
    fn sixth_powers_of_ternary_forms_span_28() {
        // [3, 40, ...] with r = 6: 40 sixth powers of linear forms in 3 variables live in the
        // 28-dimensional space of ternary sextics (the example), and they fill it.
        let s = sk(&[3, 40, 40, 3], 6);
        let (_, act) = span_upper_bounds(&s).unwrap();
        assert_eq!(act[1], 28);
        let (first, _) = s.split_at(1);
        let lower = activated_span_lower_bound(&first, &s.acts[0], 40, &NoInterrupt).unwrap();
        assert_eq!(lower, 28);
    }

    #[test]
    fn bottleneck_bounds_later_spans() {
        // After a width-2 layer everything is a polynomial in two linear forms l1, l2: h_2 lies
        // in span(l1^2, l2^2), so s(h_2) lies in span(l1^4, l1^2 l2^2, l2^4) (3 dimensions,
        // below the 5 quartics in l1, l2 and the 15 ternary quartics), and 10 of them fill it.
        let s = sk(&[3, 2, 10, 10, 1], 2);
        let (pre, act) = span_upper_bounds(&s).unwrap();
        assert_eq!((pre[1], act[1]), (2, 2));
        assert_eq!((pre[2], act[2]), (2, 3));
        let (first, _) = s.split_at(2);
        assert_eq!(activated_span_lower_bound(&first, &s.acts[1], 10, &NoInterrupt).unwrap(), 3);
    }
}
